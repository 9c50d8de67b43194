/* Loading a peer library with dlopen, by its own path and RTLD_LOCAL, so that libraries exporting
 * the same names (OpenBLAS and BLIS both define cblas_sgemm, sgemm_, ...) never answer for each
 * other. Used by harness/peers/openblas.c and blis.c. */
#ifndef CNB_HARNESS_PEERS_DL_H
#define CNB_HARNESS_PEERS_DL_H

/* One library: its path, the names to look up, and where to put them. Load it with cnb_dl_load. */
typedef struct {
    const char *path;
    int n;
    const char *const *names;
    void **syms;            /* n slots, filled on success */
    /* Set by cnb_dl_load: */
    int tried;
    const char *error;      /* NULL once loaded */
    char error_buf[192];
} cnb_dl_lib;

/* Loads the library once (later calls return the first answer; thread-safe). NULL on success,
 * else one line saying what is missing. */
const char *cnb_dl_load(cnb_dl_lib *lib);

#endif
