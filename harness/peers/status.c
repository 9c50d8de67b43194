/* Which peers are built in, and which installed ones are not (harness/peers/peers.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/peers/peers.h"

#ifndef CNB_HAVE_DNNL
#define CNB_HAVE_DNNL 0
#endif
#ifndef CNB_HAVE_OPENBLAS
#define CNB_HAVE_OPENBLAS 0
#endif
#ifndef CNB_HAVE_BLIS
#define CNB_HAVE_BLIS 0
#endif
#ifndef CNB_HAVE_DNNL3
#define CNB_HAVE_DNNL3 0
#endif
#ifndef CNB_HAVE_DNNL_SYCL
#define CNB_HAVE_DNNL_SYCL 0
#endif
#ifndef CNB_HAVE_MKL
#define CNB_HAVE_MKL 0
#endif
#ifndef CNB_HAVE_OPENBLAS_LATEST
#define CNB_HAVE_OPENBLAS_LATEST 0
#endif
#ifndef CNB_HAVE_XNNPACK
#define CNB_HAVE_XNNPACK 0
#endif
#ifndef CNB_HAVE_LIBXSMM
#define CNB_HAVE_LIBXSMM 0
#endif

typedef struct peer_pkg {
    const char *name;     /* as in the `peers` column */
    const char *package;  /* the Debian development package mk/peers.mk looks for, or the PyPI
                           * package scripts/deps.sh --bench installs into .deps/pypi */
    int built;
    const char *pypi;     /* from PyPI: the prefix's pin file, present when it is installed (paths
                           * of the checkout, where cnnbench runs); NULL: a Debian package */
} peer_pkg;

/* In dispatch order (harness/peers/list.inc). */
static const peer_pkg PEERS[] = {
    {"onednn", "libdnnl-dev", CNB_HAVE_DNNL, NULL},
    {"onednn_latest", "onednn", CNB_HAVE_DNNL_SYCL, ".deps/pypi-sycl/.pins"},
    {"onednn_gomp", "onednn-cpu-gomp", CNB_HAVE_DNNL3, ".deps/pypi/.pins"},
    {"mkl", "mkl", CNB_HAVE_MKL, ".deps/pypi/.pins"},
    {"openblas", "libopenblas-dev", CNB_HAVE_OPENBLAS, NULL},
    {"openblas_latest", "scipy-openblas32", CNB_HAVE_OPENBLAS_LATEST, ".deps/pypi/.pins"},
    {"blis", "libblis-dev", CNB_HAVE_BLIS, NULL},
    {"xnnpack", "libxnnpack-dev", CNB_HAVE_XNNPACK, NULL},
    {"libxsmm", "libxsmm-dev", CNB_HAVE_LIBXSMM, NULL},
};
enum { NPEERS = sizeof PEERS / sizeof PEERS[0] };

const char *cnb_peers_built(void)
{
    static char list[256];
    int len = 0;
    list[0] = 0;
    for (int i = 0; i < NPEERS; i++)
        if (PEERS[i].built)
            len += snprintf(list + len, sizeof list - len, "%s%s", len ? " " : "", PEERS[i].name);
    return list;
}

/* dpkg keeps one file list per installed package, named with or without the architecture. */
static int package_installed(const char *pkg)
{
#if defined(__x86_64__)
    static const char *const suffixes[] = {".list", ":amd64.list"};
#else
    static const char *const suffixes[] = {".list", ":arm64.list"};
#endif
    char path[256];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/var/lib/dpkg/info/%s%s", pkg, suffixes[i]);
        if (access(path, F_OK) == 0) return 1;
    }
    return 0;
}

int cnb_peers_warn_missing(FILE *f)
{
    int n = 0;
#if !defined(__x86_64__)
    return 0;   /* mk/peers.mk builds peers into native x86-64 builds only: nothing to rebuild */
#endif
    for (int i = 0; i < NPEERS; i++) {
        if (PEERS[i].built ||
            !(PEERS[i].pypi ? access(PEERS[i].pypi, F_OK) == 0
                            : package_installed(PEERS[i].package)))
            continue;
        fprintf(f, "warning: %s is installed but this binary was built without %s: run `make` "
                   "to rebuild with it\n", PEERS[i].package, PEERS[i].name);
        n++;
    }
    return n;
}
