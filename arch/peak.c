/* Roofline probes: drives the per-ISA kernels of arch/peak_<isa>.c on pinned OpenMP threads,
 * keeps the best of a few short timed runs, and caches the table in memory and in a text file.
 *
 * Method, per (ISA or level, thread count n), every thread pinned to its own core: runs are
 * short (2 ms, or one pass over the DRAM arrays) and repeated within a time budget (at least 5
 * runs), each timed between barriers; the best run is kept.
 * - FMA: every thread runs the same iteration count (calibrated once per ISA); 20 ms warm-up
 *   first (clock ramp, AVX-512 frequency licence); rate = FLOPs of all threads / wall time.
 * - Triad, L1/L2: each thread owns arrays sized for the level and runs passes until the run's
 *   deadline (reading the clock every ~1 MiB of traffic); bytes of all threads / wall time.
 * - Triad, DRAM: each thread first-touches its share of the footprint, then one pass per run.
 * The ISAs probed are those the CPU and OS support (cnb_cpu_detected), not limited by the
 * CNB_MAX_ISA cap: the table describes the machine, and stays valid whatever the cap. */
#include "arch/peak.h"

#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/sysfs.h"
#include "arch/topo.h"

#define MAX_THREADS 256
/* Short runs, many of them, best kept: on a shared machine (other processes, other VMs) a short
 * run has a fair chance of landing in a window where nothing else runs on our cores. */
#define MIN_RUNS 5
#define FMA_RUN_SECONDS 0.002
#define FMA_WARMUP_SECONDS 0.020
#define FMA_BUDGET_SECONDS 0.100
#define CACHE_RUN_SECONDS 0.002
#define CACHE_BUDGET_SECONDS 0.060
#define CACHE_CHECK_BYTES (1LL << 20)   /* traffic between two clock reads */
#define DRAM_BUDGET_SECONDS 0.150
/* A figure for n threads below 0.8 x the figure for n-1 means another process took our cores
 * (neither compute nor bandwidth drops with more threads): measure again, up to twice more. */
#define RETRIES 2
#define RETRY_BELOW 0.8
#define DRAM_MIN_BYTES (256LL << 20)
#define DRAM_MAX_BYTES (1LL << 30)
#define TRIAD_SCALE 0.5f

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static double g_fma[CNB_ISA_COUNT][CNB_PT_COUNT][MAX_THREADS + 1]; /* GFLOP/s, 0 = not measured */
static double g_bw[CNB_BW_COUNT][MAX_THREADS + 1];      /* GB/s, 0 = not measured */
static long g_fma_iters[CNB_ISA_COUNT][CNB_PT_COUNT];   /* calibrated iterations per run */
static char g_source[1200] = "not measured";
static volatile float g_sink;                           /* keeps probe results alive */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *cnb_bw_level_name(cnb_bw_level level)
{
    switch (level) {
    case CNB_BW_DRAM: return "dram";
    case CNB_BW_L2: return "l2";
    case CNB_BW_L1: return "l1";
    default: return "?";
    }
}

static int max_threads(void)
{
    int c = cnb_topo_get()->cores;
    return c < MAX_THREADS ? c : MAX_THREADS;
}

static int clamp_threads(int n)
{
    int m = max_threads();
    return n < 1 ? 1 : n > m ? m : n;
}

/* The probes of the ISA table's rows for this architecture (arch/isa_<arch>.def). */
#define PROBE_0(type, name) NULL
#define PROBE_1(type, name) cnb_peak_##type##__##name
#define TRIAD_0(name) NULL
#define TRIAD_1(name) cnb_peak_triad__##name
static const struct {
    cnb_peak_fma_fn compute[CNB_PT_COUNT];
    cnb_peak_triad_fn triad;
} probes[CNB_ISA_COUNT] = {
#define CNB_ISA(id, name, features, flags, has_f32, has_bf16, has_int8, has_triad)                             \
    [CNB_ISA_##id] = {{PROBE_##has_f32(f32, name), PROBE_##has_bf16(bf16, name),                      \
                       PROBE_##has_int8(int8, name)},                                              \
                      TRIAD_##has_triad(name)},
    CNB_ISA(SCALAR, scalar, 0, "", 1, 0, 0, 1)
#if defined(__x86_64__)
#include "arch/isa_x86_64.def"
#elif defined(__aarch64__)
#include "arch/isa_aarch64.def"
#endif
#undef CNB_ISA
};

const char *cnb_peak_type_name(cnb_peak_type t)
{
    switch (t) {
    case CNB_PT_F32: return "f32";
    case CNB_PT_BF16: return "bf16";
    case CNB_PT_INT8: return "int8";
    default: return "?";
    }
}

static cnb_peak_fma_fn fma_kernel(cnb_isa isa, cnb_peak_type t)
{
    return isa >= 0 && isa < CNB_ISA_COUNT && t >= 0 && t < CNB_PT_COUNT ? probes[isa].compute[t]
                                                                         : NULL;
}

static cnb_peak_triad_fn triad_kernel(cnb_isa isa)
{
    return isa >= 0 && isa < CNB_ISA_COUNT ? probes[isa].triad : NULL;
}

/* The CPU and OS can run it and it has the probe (ignores the CNB_MAX_ISA cap). */
static int probe_present(cnb_isa isa, cnb_peak_type t)
{
    if (!fma_kernel(isa, t))
        return 0;
    uint32_t need = cnb_isa_features(isa);
    return (cnb_cpu_detected() & need) == need;
}

static int isa_present(cnb_isa isa)
{
    for (int t = 0; t < CNB_PT_COUNT; t++)
        if (probe_present(isa, (cnb_peak_type)t)) return 1;
    return 0;
}

/* The last row of the table that has a triad probe and that the CPU runs. */
static cnb_isa widest_isa(void)
{
    for (int i = CNB_ISA_COUNT - 1; i > CNB_ISA_SCALAR; i--)
        if (isa_present((cnb_isa)i) && triad_kernel((cnb_isa)i))
            return (cnb_isa)i;
    return CNB_ISA_SCALAR;
}

/* ---- plain C kernels ---- */

/* Twelve scalar chains acc = acc*m + d, 2 FLOPs each: without FMA (x86-64 baseline) a step is
 * mulss + addss, latency ~6 cycles, so 12 chains keep 2 multipliers and 2 adders busy (14 of the
 * 16 xmm registers). Vectorisation is switched off so that this stays one lane per instruction
 * (aarch64: fmadd). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize", "no-tree-slp-vectorize")))
#endif
double cnb_peak_f32__scalar(long iters, float *sink)
{
    volatile float mv = 0.999999f, dv = 1e-6f;
    const float m = mv, d = dv;
    float a0 = 0.0f, a1 = 0.1f, a2 = 0.2f, a3 = 0.3f, a4 = 0.4f, a5 = 0.5f;
    float a6 = 0.6f, a7 = 0.7f, a8 = 0.8f, a9 = 0.9f, a10 = 1.0f, a11 = 1.1f;
    for (long i = 0; i < iters; i++) {
        a0 = a0 * m + d;
        a1 = a1 * m + d;
        a2 = a2 * m + d;
        a3 = a3 * m + d;
        a4 = a4 * m + d;
        a5 = a5 * m + d;
        a6 = a6 * m + d;
        a7 = a7 * m + d;
        a8 = a8 * m + d;
        a9 = a9 * m + d;
        a10 = a10 * m + d;
        a11 = a11 * m + d;
    }
    *sink = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
    return (double)iters * 12 * 2;
}

void cnb_peak_triad__scalar(float *restrict a, const float *restrict b, const float *restrict c,
                            float s, long n)
{
    for (long i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

/* ---- FMA probe ---- */

static long fma_calibrate(cnb_isa isa, cnb_peak_type type)
{
    if (g_fma_iters[isa][type])
        return g_fma_iters[isa][type];
    cnb_peak_fma_fn fn = fma_kernel(isa, type);
    float sink = 0.0f;
    long iters = 1 << 12;
    double dt = 0.0;
    fn(iters, &sink);
    for (;;) {
        double t0 = now();
        fn(iters, &sink);
        dt = now() - t0;
        if (dt >= 0.004 || iters >= (1L << 40))
            break;
        iters *= 4;
    }
    g_sink += sink;
    long want = (long)((double)iters * FMA_RUN_SECONDS / (dt > 0 ? dt : 1e-9));
    g_fma_iters[isa][type] = want > 1024 ? want : 1024;
    return g_fma_iters[isa][type];
}

static double fma_measure(cnb_isa isa, cnb_peak_type type, int n)
{
    cnb_peak_fma_fn fn = fma_kernel(isa, type);
    long iters = fma_calibrate(isa, type);
    double best = 0.0, t0 = 0.0, start = now() + FMA_WARMUP_SECONDS;
    int stop = 0;
#pragma omp parallel num_threads(n)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        cpu_set_t saved;
        int have_saved = sched_getaffinity(0, sizeof saved, &saved) == 0;
        cnb_bind_self_to_core(tid);
        float sink = 0.0f;
        double warm_end = now() + FMA_WARMUP_SECONDS;   /* each thread warms its own core */
        while (now() < warm_end)
            fn(iters, &sink);
        for (int r = 0;; r++) {
#pragma omp barrier
            if (stop)
                break;
            if (tid == 0)
                t0 = now();
#pragma omp barrier
            double flops = fn(iters, &sink);
#pragma omp barrier
            if (tid == 0) {
                double t1 = now(), rate = flops * nt / (t1 - t0);
                if (rate > best)
                    best = rate;
                stop = r + 1 >= MIN_RUNS && t1 - start >= FMA_BUDGET_SECONDS;
            }
        }
#pragma omp critical(cnb_peak_sink)
        g_sink += sink;
        if (have_saved)
            sched_setaffinity(0, sizeof saved, &saved);
    }
    return best * 1e-9;
}

/* ---- triad probe ---- */

/* Bytes of the three arrays of one thread at `level` with n threads. */
static long long triad_bytes_per_thread(cnb_bw_level level, int n)
{
    const cnb_topo *t = cnb_topo_get();
    switch (level) {
    case CNB_BW_L1: return (t->l1d ? t->l1d : 32 << 10) / 2;
    case CNB_BW_L2: return (t->l2 ? t->l2 : 256 << 10) / 2;
    default: {
        long long total = 8 * t->l3, cap = DRAM_MAX_BYTES, ram = cnb_phys_bytes();
        if (total < DRAM_MIN_BYTES)
            total = DRAM_MIN_BYTES;
        if (ram > 0 && ram / 8 < cap)
            cap = ram / 8;
        if (total > cap)
            total = cap;
        return total / n;
    }
    }
}

static double bw_measure(cnb_bw_level level, int n)
{
    cnb_peak_triad_fn fn = triad_kernel(widest_isa());
    long ne = (long)(triad_bytes_per_thread(level, n) / 12) / 64 * 64;
    if (ne < 64)
        ne = 64;
    /* Array stride: a multiple of 4 KiB plus 1.25 KiB, so a, b, c sit at different offsets
     * modulo 4 KiB (no 4K-aliasing stalls between the store and the loads). */
    long stride = (ne + 1023) / 1024 * 1024 + 320;
    size_t bytes = (size_t)stride * 3 * sizeof(float);
    size_t align = level == CNB_BW_DRAM ? (size_t)2 << 20 : 64;
    bytes = (bytes + align - 1) / align * align;
    long check = (long)(CACHE_CHECK_BYTES / (12LL * ne));
    if (check < 1)
        check = 1;
    double best = 0.0, t0 = 0.0, start = 0.0;
    long passes_of[MAX_THREADS];
    int stop = 0;
#pragma omp parallel num_threads(n)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        cpu_set_t saved;
        int have_saved = sched_getaffinity(0, sizeof saved, &saved) == 0;
        cnb_bind_self_to_core(tid);
        void *mem = NULL;
        if (posix_memalign(&mem, align, bytes) != 0)
            mem = NULL;
#if defined(MADV_HUGEPAGE)
        if (mem && level == CNB_BW_DRAM)
            madvise(mem, bytes, MADV_HUGEPAGE);
#endif
        float *a = mem, *b = a ? a + stride : NULL, *c = a ? a + 2 * stride : NULL;
        if (a) {
            for (long i = 0; i < ne; i++) {   /* first touch by the pinned owner */
                a[i] = 0.0f;
                b[i] = 1.0f;
                c[i] = 2.0f;
            }
        } else {
#pragma omp atomic write
            stop = 1;   /* out of memory: report 0 */
        }
#pragma omp barrier
        if (tid == 0)
            start = now();
        for (int r = -1;; r++) {   /* r = -1: warm-up */
            long passes = 0;
#pragma omp barrier
            if (stop)
                break;
            if (tid == 0)
                t0 = now();
#pragma omp barrier
            if (level == CNB_BW_DRAM) {
                fn(a, b, c, TRIAD_SCALE, ne);
                passes = 1;
            } else {
                double deadline = t0 + CACHE_RUN_SECONDS;
                do {
                    for (long k = 0; k < check; k++)
                        fn(a, b, c, TRIAD_SCALE, ne);
                    passes += check;
                } while (now() < deadline);
            }
            passes_of[tid] = passes;
#pragma omp barrier
            if (tid == 0) {
                double t1 = now(), traffic = 0.0;
                for (int k = 0; k < nt; k++)
                    traffic += 12.0 * (double)ne * (double)passes_of[k];
                if (r >= 0 && traffic / (t1 - t0) > best)
                    best = traffic / (t1 - t0);
                double budget = level == CNB_BW_DRAM ? DRAM_BUDGET_SECONDS : CACHE_BUDGET_SECONDS;
                stop = r + 1 >= MIN_RUNS && t1 - start >= budget;
            }
        }
        if (a)
#pragma omp critical(cnb_peak_sink)
            g_sink += a[ne - 1];
        free(mem);
        if (have_saved)
            sched_setaffinity(0, sizeof saved, &saved);
    }
    return best * 1e-9;
}

/* ---- table ---- */

double cnb_peak_gflops(cnb_isa isa, cnb_peak_type type, int nthreads)
{
    if (!probe_present(isa, type))
        return 0.0;
    int n = clamp_threads(nthreads);
    pthread_mutex_lock(&g_lock);
    double v = g_fma[isa][type][n];
    if (v == 0.0 && !omp_in_parallel())   /* measuring needs its own parallel region */
        v = g_fma[isa][type][n] = fma_measure(isa, type, n);
    pthread_mutex_unlock(&g_lock);
    return v;
}

double cnb_peak_fma_gflops(cnb_isa isa, int nthreads)
{
    return cnb_peak_gflops(isa, CNB_PT_F32, nthreads);
}

double cnb_peak_bw_gbs(cnb_bw_level level, int nthreads)
{
    if (level < 0 || level >= CNB_BW_COUNT)
        return 0.0;
    int n = clamp_threads(nthreads);
    pthread_mutex_lock(&g_lock);
    double v = g_bw[level][n];
    if (v == 0.0 && !omp_in_parallel())
        v = g_bw[level][n] = bw_measure(level, n);
    pthread_mutex_unlock(&g_lock);
    return v;
}

/* "<cpu model>|<cores>": what a cached table must match. */
static void cache_key(char *buf, int size)
{
    /* The family and model too: a hypervisor may report one model string for different CPUs. */
    snprintf(buf, size, "%s|%s|%d", cnb_cpu_model(), cnb_cpu_signature(), cnb_topo_get()->cores);
}

void cnb_peak_default_path(char *buf, int size)
{
    cnb_machine_cache_path("peak", buf, size);
}

void cnb_machine_cache_path(const char *what, char *buf, int size)
{
    char key[256], safe[256];
    cache_key(key, sizeof key);
    int j = 0;
    for (int i = 0; key[i] && j < (int)sizeof safe - 1; i++) {
        char ch = key[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (ok)
            safe[j++] = ch;
        else if (j > 0 && safe[j - 1] != '-')
            safe[j++] = '-';
    }
    while (j > 0 && safe[j - 1] == '-')
        j--;
    safe[j] = 0;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(buf, size, "%s/cnnbench/%s-%sc.txt", xdg, what, safe);
    else if (home && home[0])
        snprintf(buf, size, "%s/.cache/cnnbench/%s-%sc.txt", home, what, safe);
    else
        snprintf(buf, size, "/tmp/cnnbench-%s-%sc.txt", what, safe);
}

/* Read a table written by save(); returns the number of values taken, -1 when absent or for
 * another machine. Lines: "key <key>", "fma <isa> <threads> <gflops>" (f32), "bf16 <isa> ..." and
 * "int8 <isa> ..." (the other compute probes), "bw <level> <threads> <gbs>". */
static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512], key[256];
    cache_key(key, sizeof key);
    int key_ok = 0, taken = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char kind[16], what[16];
        int n;
        double v;
        if (strncmp(line, "key ", 4) == 0) {
            key_ok = strcmp(line + 4, key) == 0;
            continue;
        }
        if (!key_ok || sscanf(line, "%15s %15s %d %lf", kind, what, &n, &v) != 4)
            continue;
        if (n < 1 || n > max_threads() || !(v > 0.0))
            continue;
        int type = !strcmp(kind, "fma") ? CNB_PT_F32 : -1;
        for (int t = CNB_PT_BF16; t < CNB_PT_COUNT; t++)
            if (!strcmp(kind, cnb_peak_type_name((cnb_peak_type)t))) type = t;
        if (type >= 0) {
            int isa = cnb_isa_parse(what);
            if (isa >= 0 && isa < CNB_ISA_COUNT) {
                g_fma[isa][type][n] = v;
                taken++;
            }
        } else if (strcmp(kind, "bw") == 0) {
            for (int l = 0; l < CNB_BW_COUNT; l++)
                if (strcmp(what, cnb_bw_level_name((cnb_bw_level)l)) == 0) {
                    g_bw[l][n] = v;
                    taken++;
                }
        }
    }
    fclose(f);
    return key_ok ? taken : -1;
}

static int save(const char *path, int busy)
{
    cnb_make_parent_dirs(path);
    char tmp[1100], key[256];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    cache_key(key, sizeof key);
    fprintf(f, "# cnnbench roofline probes (arch/peak.c): compute GFLOP/s (fma = FP32; bf16, int8\n"
               "# dot products) and triad GB/s per\n"
               "# thread count, threads pinned one per core. Delete this file or run with\n"
               "# --remeasure to measure again.\n");
    time_t t = time(NULL);
    char when[64] = "?";
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
    fprintf(f, "# measured %s, %d other runnable task(s) at start\nkey %s\n", when, busy, key);
    for (int i = 0; i < CNB_ISA_COUNT; i++)
        for (int t = 0; t < CNB_PT_COUNT; t++)
            for (int n = 1; n <= max_threads(); n++)
                if (g_fma[i][t][n] > 0.0)
                    fprintf(f, "%s %s %d %.2f\n", t == CNB_PT_F32 ? "fma" : cnb_peak_type_name(t),
                            cnb_isa_name((cnb_isa)i), n, g_fma[i][t][n]);
    for (int l = 0; l < CNB_BW_COUNT; l++)
        for (int n = 1; n <= max_threads(); n++)
            if (g_bw[l][n] > 0.0)
                fprintf(f, "bw %s %d %.2f\n", cnb_bw_level_name((cnb_bw_level)l), n, g_bw[l][n]);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

/* which = isa * CNB_PT_COUNT + type */
static double fma_probe(int which, int n)
{
    return fma_measure((cnb_isa)(which / CNB_PT_COUNT), (cnb_peak_type)(which % CNB_PT_COUNT), n);
}
static double bw_probe(int level, int n) { return bw_measure((cnb_bw_level)level, n); }

/* One figure at n threads; measured again (keeping the best) while it reads below RETRY_BELOW of
 * the figure at n-1 threads: a drop with more threads means another tenant took a core. */
static double measure_with_retry(double (*probe)(int, int), int which, int n, double prev)
{
    double best = probe(which, n);
    for (int retry = 0; retry < RETRIES && best < RETRY_BELOW * prev; retry++) {
        const double v = probe(which, n);
        best = v > best ? v : best;
    }
    return best;
}

int cnb_peak_load_or_measure(const char *cache_path, int flags)
{
    char path[1024];
    if (cache_path && cache_path[0])
        snprintf(path, sizeof path, "%s", cache_path);
    else
        cnb_peak_default_path(path, sizeof path);
    pthread_mutex_lock(&g_lock);
    if (flags & CNB_PEAK_REMEASURE) {
        memset(g_fma, 0, sizeof g_fma);
        memset(g_bw, 0, sizeof g_bw);
    } else {
        load(path);
    }
    /* Anything else running while we probe lowers the figures, so the source line says so. */
    int measured = 0, nmax = max_threads(), busy = cnb_other_runnable();
    double t0 = now();
    for (int i = CNB_ISA_COUNT - 1; i >= 0; i--) {
        for (int t = 0; t < CNB_PT_COUNT; t++) {
            if (!probe_present((cnb_isa)i, (cnb_peak_type)t))
                continue;
            double *g = g_fma[i][t];
            for (int n = 1; n <= nmax; n++) {
                if (g[n] > 0.0)
                    continue;
                g[n] = measure_with_retry(fma_probe, i * CNB_PT_COUNT + t, n, n > 1 ? g[n - 1] : 0.0);
                measured++;
                if (flags & CNB_PEAK_VERBOSE)
                    fprintf(stderr, "peak: %-4s %-12s %3d thread(s) %8.1f GFLOP/s\n",
                            cnb_peak_type_name((cnb_peak_type)t), cnb_isa_name((cnb_isa)i), n, g[n]);
            }
        }
    }
    for (int l = 0; l < CNB_BW_COUNT; l++) {
        for (int n = 1; n <= nmax; n++) {
            if (g_bw[l][n] > 0.0)
                continue;
            g_bw[l][n] = measure_with_retry(bw_probe, l, n, n > 1 ? g_bw[l][n - 1] : 0.0);
            measured++;
            if (flags & CNB_PEAK_VERBOSE)
                fprintf(stderr, "peak: triad %-4s %3d thread(s) %8.1f GB/s\n",
                        cnb_bw_level_name((cnb_bw_level)l), n, g_bw[l][n]);
        }
    }
    double dt = now() - t0;
    int rc = measured ? 1 : 0;
    char note[96] = "";
    if (measured && busy > 0)
        snprintf(note, sizeof note, "; %d other runnable task(s) at start, figures may be low",
                 busy);
    if (!measured)
        snprintf(g_source, sizeof g_source, "file %s", path);
    else if (flags & CNB_PEAK_NO_SAVE)
        snprintf(g_source, sizeof g_source, "measured in %.2f s (not saved)%s", dt, note);
    else if (save(path, busy) == 0)
        snprintf(g_source, sizeof g_source, "measured in %.2f s, saved to %s%s", dt, path, note);
    else {
        snprintf(g_source, sizeof g_source, "measured in %.2f s (saving to %s failed: %s)%s", dt,
                 path, strerror(errno), note);
        rc = -1;
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

const char *cnb_peak_source(void)
{
    return g_source;
}

void cnb_peak_print(FILE *f)
{
    int nmax = max_threads();
    fprintf(f, "%-22s", "Compute peak GFLOP/s");
    for (int n = 1; n <= nmax; n++)
        fprintf(f, " %7dthr", n);
    fprintf(f, "\n");
    for (int i = CNB_ISA_COUNT - 1; i >= 0; i--)
        for (int t = 0; t < CNB_PT_COUNT; t++) {
            if (!probe_present((cnb_isa)i, (cnb_peak_type)t))
                continue;
            char label[40];
            snprintf(label, sizeof label, "%s %s", cnb_isa_name((cnb_isa)i),
                     cnb_peak_type_name((cnb_peak_type)t));
            fprintf(f, "  %-20s", label);
            for (int n = 1; n <= nmax; n++)
                fprintf(f, " %10.1f", g_fma[i][t][n]);
            fprintf(f, "\n");
        }
    fprintf(f, "Triad GB/s (%s)\n", cnb_isa_name(widest_isa()));
    for (int l = 0; l < CNB_BW_COUNT; l++) {
        char label[64];
        snprintf(label, sizeof label, "%s (%lld KiB/thr)", cnb_bw_level_name((cnb_bw_level)l),
                 triad_bytes_per_thread((cnb_bw_level)l, 1) >> 10);
        fprintf(f, "  %-20s", label);
        for (int n = 1; n <= nmax; n++)
            fprintf(f, " %10.1f", g_bw[l][n]);
        fprintf(f, "\n");
    }
    fprintf(f, "source: %s\n", g_source);
}
