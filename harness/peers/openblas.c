/* Peer: OpenBLAS sgemm as gemm/openblas (Debian's build) and gemm/openblas_latest (the current
 * release, from the scipy-openblas32 wheel that scripts/deps.sh --bench installs into .deps/pypi;
 * its names carry the prefix scipy_, but for openblas_setaffinity and openblas_getaffinity),
 * through cblas_sgemm (row-major, transposes, alpha, beta, leading dimensions). Each is compiled
 * to nothing unless mk/peers.mk found it (CNB_HAVE_OPENBLAS, CNB_HAVE_OPENBLAS_LATEST).
 * Everything below holds for both; each has its own state (one `build`). The library is not linked but loaded with dlopen from CNB_OPENBLAS_SO, the
 * threading variant pkg-config names (Debian 12: openblas-pthread), with RTLD_LOCAL: BLIS exports
 * the same cblas_sgemm, and a linked pair would let one answer for the other (dl.h).
 * Threads: OpenBLAS runs its own pool (pthreads in Debian's default variant, not OpenMP); run()
 * sets its size to omp_get_max_threads(), so --threads applies, and pins its threads like ours
 * (arch/topo.h: one thread per core, the calling thread on core 0): OpenBLAS's worker i on core
 * i + 1, through openblas_setaffinity. Its last index is the calling thread (seen: with only the
 * workers pinned, it reads back the core the harness bound the caller to), which keeps the
 * harness's binding: core 0 in `bench`, none in `check`. Unpinned, its threads would keep whatever
 * binding they inherited when created (core 0 alone, if created while the harness had pinned the
 * caller). Only the pthreads variant has a pool of its own: the OpenMP variant runs on our OpenMP
 * workers, which the harness pins, and its openblas_setaffinity merely refuses.
 * ISA: the record is offered from AVX2 up; ran_isa() is the level of the core OpenBLAS dispatched
 * to at load time (openblas_get_corename: "SkylakeX", "Cooperlake" run its AVX-512 sgemm,
 * "Haswell", "Zen" its AVX2 one). Under a cap that forbids AVX-512 on an AVX-512 CPU, the library
 * is loaded with OPENBLAS_CORETYPE=Haswell (its documented override for builds with
 * DYNAMIC_ARCH, which Debian's are), unless the user set OPENBLAS_CORETYPE.
 * kernel_name(): the core, the threading, and the CPU each of its threads is bound to, read back
 * from OpenBLAS after pinning ("*" = not bound to one CPU). */
#if CNB_HAVE_OPENBLAS || CNB_HAVE_OPENBLAS_LATEST

#include <cblas.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/topo.h"
#include "harness/peers/dl.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

/* The entry points we look up, with the prototypes of the header we compiled against. */
typedef void sgemm_fn(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                      blasint, blasint, float, const float *, blasint, const float *, blasint,
                      float, float *, blasint);
typedef void set_threads_fn(int);
typedef int get_int_fn(void);
typedef char *get_str_fn(void);
typedef int affinity_fn(int, size_t, cpu_set_t *);
_Static_assert(_Generic(&cblas_sgemm, sgemm_fn *: 1, default: 0), "cblas_sgemm prototype");
_Static_assert(_Generic(&openblas_set_num_threads, set_threads_fn *: 1, default: 0),
               "openblas_set_num_threads prototype");
_Static_assert(_Generic(&openblas_get_corename, get_str_fn *: 1, default: 0),
               "openblas_get_corename prototype");
_Static_assert(_Generic(&openblas_setaffinity, affinity_fn *: 1, default: 0),
               "openblas_setaffinity prototype");

enum { SGEMM, SET_THREADS, GET_THREADS, CORENAME, PARALLEL, SET_AFFINITY, GET_AFFINITY, CONFIG,
       N_SYMS };

/* One OpenBLAS build: its library, its entry points, and its threads' pinning. */
typedef struct {
    cnb_dl_lib lib;
    void *syms[N_SYMS];
    pthread_mutex_t pin_lock;
    int pinned_threads;    /* the thread count the pool was last pinned for; 0 = never */
    char pinned_cpus[64];  /* read back after pinning: "1,0" */
} build;

#define NAMES(prefix)                                                                             \
    {                                                                                             \
        [SGEMM] = prefix "cblas_sgemm", [SET_THREADS] = prefix "openblas_set_num_threads",        \
        [GET_THREADS] = prefix "openblas_get_num_threads",                                        \
        [CORENAME] = prefix "openblas_get_corename", [PARALLEL] = prefix "openblas_get_parallel", \
        [SET_AFFINITY] = "openblas_setaffinity", [GET_AFFINITY] = "openblas_getaffinity",         \
        [CONFIG] = prefix "openblas_get_config",                                                  \
    }
#define BUILD(var, so, table)                                                                     \
    static build var = {.lib = {.path = so, .n = N_SYMS, .names = table, .syms = var.syms},       \
                        .pin_lock = PTHREAD_MUTEX_INITIALIZER}

static pthread_once_t cap_once = PTHREAD_ONCE_INIT;

/* Before a library loads (it picks its core then, once). */
static void cap_core(void)
{
    if (cnb_peer_capped_to_avx2() && !getenv("OPENBLAS_CORETYPE"))
        setenv("OPENBLAS_CORETYPE", "Haswell", 0);
}

static const char *load(build *b)
{
    pthread_once(&cap_once, cap_core);
    return cnb_dl_load(&b->lib);
}

/* ---- threads pinned like ours ---- */

/* The CPU set arch/topo.c binds a thread to for `core`: bind the calling thread there, read its
 * set, and give it back its own. */
static int core_cpuset(int core, cpu_set_t *set)
{
    cpu_set_t mine;
    if (sched_getaffinity(0, sizeof mine, &mine)) return -1;
    const int rc = cnb_bind_self_to_core(core) || sched_getaffinity(0, sizeof *set, set) ? -1 : 0;
    sched_setaffinity(0, sizeof mine, &mine);
    return rc;
}

/* OpenBLAS's worker i (0 .. n-2) on core i + 1, as our OpenMP worker i + 1 is; the caller, its
 * thread n-1, is left as the harness bound it (core 0 while benchmarking). Then each thread's CPU
 * is read back. */
static void pin_threads(build *b, int n)
{
    void **syms = b->syms;
    char *pinned_cpus = b->pinned_cpus;
    int len = 0;
    pinned_cpus[0] = 0;
    for (int i = 0; i < n - 1; i++) {
        cpu_set_t set;
        if (core_cpuset(i + 1, &set) == 0) ((affinity_fn *)syms[SET_AFFINITY])(i, sizeof set, &set);
    }
    for (int i = 0; i < n; i++) {
        cpu_set_t set;
        int cpu = -1;
        if (((affinity_fn *)syms[GET_AFFINITY])(i, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
            for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
                if (CPU_ISSET(c, &set)) cpu = c;
        char one[16] = "*";
        if (cpu >= 0) snprintf(one, sizeof one, "%d", cpu);
        len += snprintf(pinned_cpus + len, sizeof b->pinned_cpus - len, "%s%s", i ? "," : "", one);
        if (len >= (int)sizeof b->pinned_cpus) break;
    }
    b->pinned_threads = n;
}

typedef struct {
    build *b;
    char kernel[224];
    cnb_isa isa;
} gemm_state;

static void *gemm_prepare(build *b)
{
    if (load(b)) return NULL;
    gemm_state *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->b = b;
    s->kernel[0] = 0;
    s->isa = cnb_peer_isa_of(((get_str_fn *)b->syms[CORENAME])());
    return s;
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *bm_, void *c_)
{
    const float *a = a_, *bm = bm_;
    float *c = c_;
    build *b = ((gemm_state *)state)->b;
    void **syms = b->syms;
    const cnb_gemm *g = &p->gemm;
    const int nthr = omp_get_max_threads();
    const int own_pool = ((get_int_fn *)syms[PARALLEL])() == OPENBLAS_THREAD;
    if (((get_int_fn *)syms[GET_THREADS])() != nthr || (own_pool && b->pinned_threads != nthr)) {
        pthread_mutex_lock(&b->pin_lock);
        ((set_threads_fn *)syms[SET_THREADS])(nthr);   /* may create threads: pin after */
        if (own_pool) pin_threads(b, nthr);
        pthread_mutex_unlock(&b->pin_lock);
    }
    ((sgemm_fn *)syms[SGEMM])(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans,
                              g->tb ? CblasTrans : CblasNoTrans, g->m, g->n, g->k, g->alpha, a,
                              g->lda, bm, g->ldb, g->beta, c, g->ldc);
}

/* The version: the first word after "OpenBLAS" in openblas_get_config ("OpenBLAS 0.3.21 ..."). */
static const char *version_of(build *b, char *out, size_t size)
{
    const char *config = ((get_str_fn *)b->syms[CONFIG])();
    const char *v = config ? strstr(config, "OpenBLAS ") : NULL;
    int n = 0;
    if (v)
        for (v += 9; v[n] && v[n] != ' ' && n < (int)size - 1; n++) out[n] = v[n];
    out[n] = 0;
    return n ? out : "?";
}

/* Called after a run, so the pinning is known. */
static const char *gemm_kernel_name(void *state)
{
    gemm_state *s = state;
    build *b = s->b;
    static const char *const threading[] = {"sequential", "pthreads", "openmp"};
    const int par = ((get_int_fn *)b->syms[PARALLEL])();
    char version[32];
    version_of(b, version, sizeof version);
    pthread_mutex_lock(&b->pin_lock);
    if (par == OPENBLAS_THREAD)
        snprintf(s->kernel, sizeof s->kernel, "OpenBLAS %s %s core (pthreads; threads on cpus %s)",
                 version, ((get_str_fn *)b->syms[CORENAME])(),
                 b->pinned_threads ? b->pinned_cpus : "?");
    else
        snprintf(s->kernel, sizeof s->kernel, "OpenBLAS %s %s core (%s)", version,
                 ((get_str_fn *)b->syms[CORENAME])(),
                 par >= 0 && par <= 2 ? threading[par] : "unknown threading");
    pthread_mutex_unlock(&b->pin_lock);
    return s->kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    return ((const gemm_state *)state)->isa;
}

/* The record of one build. */
#define RECORD(sym, impl_name, var)                                                               \
    static const char *supports_##var(const cnb_problem *p)                                       \
    {                                                                                             \
        (void)p;                                                                                  \
        return load(&var);                                                                        \
    }                                                                                             \
    static void *prepare_##var(const cnb_problem *p, const void *wei)                            \
    {                                                                                             \
        (void)p, (void)wei;                                                                       \
        return gemm_prepare(&var);                                                                \
    }                                                                                             \
    const cnb_impl sym = {                                                                        \
        .peer = 1, .name = impl_name, .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2,                     \
        .layout = CNB_LAYOUT_NCX, .supports = supports_##var, .prepare = prepare_##var,           \
        .run = gemm_run, .release = free, .kernel_name = gemm_kernel_name,                        \
        .ran_isa = gemm_ran_isa,                                                                  \
    };

#if CNB_HAVE_OPENBLAS
static const char *const debian_names[N_SYMS] = NAMES("");
BUILD(debian, CNB_OPENBLAS_SO, debian_names);
RECORD(cnb_gemm_f32_openblas, "gemm/openblas", debian)
#endif
#if CNB_HAVE_OPENBLAS_LATEST
static const char *const latest_names[N_SYMS] = NAMES("scipy_");
BUILD(latest, CNB_OPENBLAS_LATEST_SO, latest_names);
RECORD(cnb_gemm_f32_openblas_latest, "gemm/openblas_latest", latest)
#endif

#else
typedef int cnb_peer_openblas_absent; /* ISO C wants at least one declaration per file */
#endif
