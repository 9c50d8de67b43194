/* Peer: Intel MKL's sgemm as gemm/mkl, through cblas_sgemm of its single dynamic library
 * (libmkl_rt) from the PyPI wheel that scripts/deps.sh --bench installs into .deps/pypi. Compiled
 * to nothing unless mk/peers.mk found it (CNB_HAVE_MKL).
 * Loading: dlopen by path with RTLD_LOCAL, like OpenBLAS and BLIS (dl.h): all three export
 * cblas_sgemm. libmkl_rt then loads MKL's other libraries (core, threading layer, the CPU's code
 * path) from its own folder.
 * Threads: MKL's GNU OpenMP threading layer, chosen before any other call, so that the one OpenMP
 * runtime of the process (libgomp, ours and oneDNN's) runs MKL too, on our pinned threads: no
 * second pool. Its thread count follows omp_get_max_threads() through MKL_Set_Num_Threads.
 * ISA: MKL dispatches at load to the code path of the CPU; under a cap (CNB_MAX_ISA=avx2 or
 * avx512) it is held to that path with MKL_Enable_Instructions, before the first call.
 * kernel_name(): version, threading and the code path MKL reports (MKL_Get_Version's Processor),
 * e.g. "MKL 2026.2 sgemm (GNU OpenMP; AVX-512 path)". */
#if CNB_HAVE_MKL

#include <mkl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/peers/dl.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

enum { SYM_SGEMM, SYM_THREADING, SYM_SET_THREADS, SYM_ENABLE, SYM_VERSION, SYM_VSTRING, N_SYMS };
static const char *const names[N_SYMS] = {
    [SYM_SGEMM] = "cblas_sgemm",
    [SYM_THREADING] = "MKL_Set_Threading_Layer",
    [SYM_SET_THREADS] = "MKL_Set_Num_Threads",
    [SYM_ENABLE] = "MKL_Enable_Instructions",
    [SYM_VERSION] = "MKL_Get_Version",
    [SYM_VSTRING] = "MKL_Get_Version_String",
};
static void *syms[N_SYMS];
static cnb_dl_lib lib = {.path = CNB_MKL_SO, .n = N_SYMS, .names = names, .syms = syms};

/* The prototypes of the header we compiled against, for the entry points looked up. */
static __typeof__(&cblas_sgemm) sgemm_p;
static __typeof__(&MKL_Set_Threading_Layer) threading_p;
static __typeof__(&MKL_Set_Num_Threads) set_threads_p;
static __typeof__(&MKL_Enable_Instructions) enable_p;
static __typeof__(&MKL_Get_Version) version_p;
static __typeof__(&MKL_Get_Version_String) vstring_p;

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static const char *setup_error;
static char setup_buf[160];
static char kernel[160];
static cnb_isa path_isa = CNB_ISA_SCALAR;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static int threads_set;

static void setup(void)
{
    if ((setup_error = cnb_dl_load(&lib))) return;
    sgemm_p = (__typeof__(sgemm_p))syms[SYM_SGEMM];
    threading_p = (__typeof__(threading_p))syms[SYM_THREADING];
    set_threads_p = (__typeof__(set_threads_p))syms[SYM_SET_THREADS];
    enable_p = (__typeof__(enable_p))syms[SYM_ENABLE];
    version_p = (__typeof__(version_p))syms[SYM_VERSION];
    vstring_p = (__typeof__(vstring_p))syms[SYM_VSTRING];
    threading_p(MKL_THREADING_GNU);   /* first: the layer is fixed by the first call */
    const int cap = cnb_cpu_cap();
    if ((cap == CNB_ISA_AVX2 && !enable_p(MKL_ENABLE_AVX2)) ||
        (cap == CNB_ISA_AVX512 && !enable_p(MKL_ENABLE_AVX512))) {
        snprintf(setup_buf, sizeof setup_buf, "MKL refuses to be held to %s",
                 cnb_isa_name((cnb_isa)cap));
        setup_error = setup_buf;
        return;
    }
    MKLVersion v;
    version_p(&v);
    const char *proc = v.Processor ? v.Processor : "";
    const char *path = strstr(proc, "AVX-512") || strstr(proc, "AVX512") ? "AVX-512"
                       : strstr(proc, "AVX2")                             ? "AVX2"
                       : strstr(proc, "AVX10")                            ? "AVX10"
                                                                          : "pre-AVX2";
    path_isa = !strcmp(path, "AVX-512") || !strcmp(path, "AVX10") ? CNB_ISA_AVX512
               : !strcmp(path, "AVX2")                            ? CNB_ISA_AVX2
                                                                  : CNB_ISA_SCALAR;
    /* The product version ("... Version 2026.2-Product Build 20260915 ..."); the numeric fields
     * of MKLVersion count differently (2026.0.2). */
    char text[256], version[32] = "?";
    vstring_p(text, (int)sizeof text);
    const char *at = strstr(text, "Version ");
    if (at) sscanf(at + 8, "%31[0-9.]", version);
    snprintf(kernel, sizeof kernel, "MKL %s sgemm (GNU OpenMP; %s path)", version, path);
}

static const char *gemm_supports(const cnb_problem *p)
{
    (void)p;
    pthread_once(&setup_once, setup);
    return setup_error;
}

static void *gemm_prepare(const cnb_problem *p, const void *wei)
{
    (void)p, (void)wei;
    pthread_once(&setup_once, setup);
    if (setup_error) return NULL;
    return kernel;  /* a state that is not NULL; nothing to release */
}

static void gemm_release(void *state)
{
    (void)state;
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    (void)state;
    const cnb_gemm *g = &p->gemm;
    const int nthr = omp_get_max_threads();
    if (threads_set != nthr) {
        pthread_mutex_lock(&threads_lock);
        set_threads_p(nthr);
        threads_set = nthr;
        pthread_mutex_unlock(&threads_lock);
    }
    sgemm_p(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans,
            g->m, g->n, g->k, g->alpha, a, g->lda, b, g->ldb, g->beta, c, g->ldc);
}

static const char *gemm_kernel_name(void *state)
{
    (void)state;
    return kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    (void)state;
    return path_isa;
}

const cnb_impl cnb_gemm_f32_mkl = {
    .peer = 1,
    .name = "gemm/mkl", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = gemm_supports, .prepare = gemm_prepare, .run = gemm_run, .release = gemm_release,
    .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,
};

#else
typedef int cnb_peer_mkl_absent; /* ISO C wants at least one declaration per file */
#endif
