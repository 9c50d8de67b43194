/* Loading a peer library by path with dlopen (harness/peers/dl.h). Built only when a peer that
 * needs it is (OpenBLAS, BLIS). */
#if CNB_HAVE_OPENBLAS || CNB_HAVE_BLIS

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "harness/peers/dl.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const char *cnb_dl_load(cnb_dl_lib *lib)
{
    pthread_mutex_lock(&lock);
    if (!lib->tried) {
        lib->tried = 1;
        lib->error = NULL;
        /* RTLD_LOCAL: its names stay out of the global scope, where another peer's would clash. */
        void *h = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            snprintf(lib->error_buf, sizeof lib->error_buf, "cannot load %s: %s", lib->path,
                     dlerror());
            lib->error = lib->error_buf;
        }
        for (int i = 0; h && i < lib->n; i++) {
            lib->syms[i] = dlsym(h, lib->names[i]);
            if (!lib->syms[i]) {
                snprintf(lib->error_buf, sizeof lib->error_buf, "%s has no %s", lib->path,
                         lib->names[i]);
                lib->error = lib->error_buf;
                break;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return lib->error;
}

#else
typedef int cnb_peer_dl_absent; /* ISO C wants at least one declaration per file */
#endif
