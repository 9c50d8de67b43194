/* Peer: XNNPACK (Debian's 2022 snapshot, its C operator API in <xnnpack.h>, linked with -lXNNPACK
 * -lpthreadpool) as conv/xnnpack, pool/xnnpack and gemm/xnnpack. Compiled to nothing unless
 * mk/peer-xnnpack.mk found the library (CNB_HAVE_XNNPACK).
 *
 * conv: xnn_create_convolution2d_nhwc_f32 (2D and 1D as H = 1; groups, depthwise, stride,
 *   padding, dilation, batch; no bias, as our problems have none). XNNPACK works in NHWC:
 *   to_layout converts the user's NCHW src into the state's NHWC buffer, from_layout the state's
 *   NHWC dst back to NCHW (the harness times both as layout conversion); run() is the operator
 *   alone. Weights go from our goihw to XNNPACK's [g][oc/g][kh][kw][ic/g] in prepare, and XNNPACK
 *   packs that copy into its own when the operator is created (prepare). 3D is refused.
 * pool: xnn_create_max_pooling2d_nhwc_f32 / xnn_create_average_pooling2d_nhwc_f32, layouts as conv.
 *   Only what XNNPACK computes bit for bit as our reference does is claimed (pool_supports):
 *   - max: XNNPACK points a tap in padding at the nearest edge pixel of the input instead of
 *     skipping it; that is the same maximum only when that edge pixel is itself a tap of the same
 *     window, which fails with dilation, and for windows entirely in padding (ours: -FLT_MAX).
 *   - average: XNNPACK excludes padding (TensorFlow's rule), so avg_p is taken only without
 *     padding; and it multiplies the sum by a rounded 1/n where we divide by n once, which agrees
 *     for every sum only when n is a power of two. Other divisors are refused. No dilation.
 * gemm: xnn_create_fully_connected_nc_f32, C[m][n] = Σk A[m][k]·W[n][k], for the problems it can
 *   express: alpha = 1, beta = 0 and A not transposed. B (either tb) is repacked in prepare into
 *   W = op(B)ᵀ, dense N × K (the weights of a fully connected layer are constant: prepare gets B,
 *   see below), and XNNPACK packs W into its own format there.
 * Padding of inputs (XNN_EXTRA_BYTES): XNNPACK may read up to XNN_EXTRA_BYTES past the end of an
 *   input. It only ever reads the state's own buffers: conv and pool read the NHWC src written by
 *   to_layout; gemm copies A (any lda) into a dense buffer of the state in to_layout, and C comes
 *   back through from_layout (any ldc), so no read of XNNPACK's can reach past a harness buffer
 *   (on Zen 1-3, whose FMA3 GEMM kernels load A four at a time, it would reach the guard page).
 *   Those inputs are allocated with XNN_EXTRA_BYTES of slack; every harness buffer keeps its
 *   guard pages, and outputs have none (XNNPACK does not write past an output).
 * prepare and gemm's B: impl.h says prepare gets weights for conv only, but the harness
 *   (case.c, bench_run.c) hands it every case's B as well, filled before prepare and never
 *   changed; gemm/xnnpack needs it there and fails prepare without it. run() checks it is given
 *   the same B and says so once on stderr if not.
 * Threads: XNNPACK runs on its own pthreadpool, one per process, of omp_get_max_threads() threads
 *   (so --threads applies), created on first use and created again when the count in force
 *   changes; a state whose operator was set up for another count is set up again first (setup
 *   splits the work by the pool's size). pthreadpool's thread 0 is the calling thread, left as the
 *   harness bound it (core 0 in `bench`, unbound in `check`); its workers 1..n-1 are pinned like
 *   our OpenMP workers (arch/topo.h), worker i on core i, by a task of n items run once after
 *   creation. pthreadpool has no affinity API, but it gives item i of an n-item 1D task to thread
 *   i, which keeps it unless it finishes early and steals: each item waits (up to a second) until
 *   all n have started, so none steals. The CPUs read back are in kernel_name().
 * ISA: XNNPACK picks its kernels at xnn_initialize from cpuinfo and cannot be capped. Its f32
 *   convolution (GEMM, IGEMM, depthwise) and fully connected kernels are AVX-512F when the CPU has
 *   AVX-512F, else FMA3 (our AVX2 level), else AVX/SSE; its f32 pooling kernels are SSE on every
 *   x86 CPU (XNNPACK's src/init.c of that time). This is read from XNNPACK's source, not queried:
 *   the public API names no micro-kernel and Debian's library is stripped; the library's code
 *   holds zmm instructions (objdump), consistent with it. So conv and gemm report AVX-512 or AVX2
 *   by the CPU's features, pool reports SSE (CNB_ISA_SCALAR: none of our vector levels). Under a
 *   cap that forbids AVX-512 on a CPU with AVX-512F, conv and gemm are refused, so a capped run
 *   never compares our AVX2 with XNNPACK's AVX-512; pool, SSE anyway, stays.
 * kernel_name(): "xnnpack <version> <isa> (pthreadpool: n threads on cpus a,b)", the version from
 *   the Debian package (mk/peer-xnnpack.mk), "*" for a thread not bound to one CPU. */
#if CNB_HAVE_XNNPACK

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>

#include "arch/topo.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

#ifndef CNB_XNNPACK_VERSION
#define CNB_XNNPACK_VERSION "unknown"
#endif

enum { NAME_LEN = 160, WHY_LEN = 192 };

/* ---- initialisation, status names, ISA ------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static enum xnn_status init_status = xnn_status_uninitialized;

static void init_xnnpack(void)
{
    init_status = xnn_initialize(NULL);
}

static const char *status_name(enum xnn_status st)
{
    switch (st) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
    }
    return "unknown status";
}

/* NULL when XNNPACK is initialised, else why not. */
static const char *init_why(void)
{
    static char why[WHY_LEN];
    pthread_once(&init_once, init_xnnpack);
    if (init_status == xnn_status_success) return NULL;
    snprintf(why, sizeof why, "XNNPACK: xnn_initialize failed (%s)", status_name(init_status));
    return why;
}

/* What XNNPACK's f32 convolution and fully connected kernels run at (see the header). */
static cnb_isa gemm_class_isa(void)
{
    const uint32_t f = cnb_cpu_detected();
    if (f & CNB_F_AVX512F) return CNB_ISA_AVX512;
    if ((f & (CNB_F_AVX2 | CNB_F_FMA)) == (CNB_F_AVX2 | CNB_F_FMA)) return CNB_ISA_AVX2;
    return CNB_ISA_SCALAR;
}

static const char *gemm_class_isa_name(void)
{
    const uint32_t f = cnb_cpu_detected();
    if (f & CNB_F_AVX512F) return "avx512f";
    if (f & CNB_F_FMA) return "fma3";
    return f & CNB_F_AVX ? "avx" : "sse";
}

/* NULL when XNNPACK's convolution / fully connected kernels respect the ISA cap, else why not. */
static const char *cap_why(void)
{
    if ((cnb_cpu_detected() & CNB_F_AVX512F) && !cnb_isa_usable(CNB_ISA_AVX512, NULL))
        return "XNNPACK runs AVX-512F kernels on this CPU and cannot be capped below AVX-512";
    return NULL;
}

/* ---- the thread pool, pinned like ours ------------------------------------------------------ */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthreadpool_t the_pool;
static int pool_threads;        /* threads of the_pool; 0 = none yet */
static char pool_cpus[64];      /* read back after pinning: "0,1" */

typedef struct {
    int n;
    atomic_int started;
    int *cpu;                   /* per item: the one CPU its thread is bound to, or -1 */
} pin_task;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void pin_item(void *context, size_t i)
{
    pin_task *t = context;
    /* Item i runs on pthreadpool's thread i; 0 is the caller, left as the harness bound it. */
    if (i > 0) cnb_bind_self_to_core((int)i);
    cpu_set_t set;
    t->cpu[i] = -1;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &set)) {
                t->cpu[i] = c;
                break;
            }
    /* Wait until every item has started, so that no thread finishes early and steals another
     * thread's item (bounded: a second, then the pinning is merely incomplete). */
    atomic_fetch_add(&t->started, 1);
    const double until = now_s() + 1.0;
    while (atomic_load(&t->started) < t->n && now_s() < until) sched_yield();
}

static void pin_pool(pthreadpool_t pool, int n)
{
    pin_task t = {.n = n, .cpu = calloc((size_t)n, sizeof(int))};
    pool_cpus[0] = 0;
    if (!t.cpu) return;
    atomic_init(&t.started, 0);
    pthreadpool_parallelize_1d(pool, pin_item, &t, (size_t)n, 0);
    int len = 0;
    for (int i = 0; i < n && len < (int)sizeof pool_cpus; i++) {
        char one[16] = "*";
        if (t.cpu[i] >= 0) snprintf(one, sizeof one, "%d", t.cpu[i]);
        len += snprintf(pool_cpus + len, sizeof pool_cpus - len, "%s%s", i ? "," : "", one);
    }
    free(t.cpu);
}

/* The process's pool for nthr threads, created (and pinned) on first use or when the count
 * changes. The harness never runs two implementations at once, so a pool is never replaced
 * while an operator runs on it. NULL when it cannot be created. */
static pthreadpool_t pool_for(int nthr)
{
    pthread_mutex_lock(&pool_lock);
    if (pool_threads != nthr) {
        if (the_pool) pthreadpool_destroy(the_pool);
        the_pool = pthreadpool_create((size_t)nthr);
        pool_threads = the_pool ? nthr : 0;
        if (the_pool) pin_pool(the_pool, nthr);
    }
    pthreadpool_t p = the_pool;
    pthread_mutex_unlock(&pool_lock);
    return p;
}

/* ---- what every state holds ----------------------------------------------------------------- */

typedef struct {
    xnn_operator_t op;
    int nthr;                   /* threads of the pool the operator was set up for */
    cnb_isa isa;
    char kernel[NAME_LEN];
    const char *isa_name;
} common;

/* Called after a run, so the pool and its pinning are known. */
static const char *common_kernel_name(void *state)
{
    common *s = state;
    pthread_mutex_lock(&pool_lock);
    snprintf(s->kernel, sizeof s->kernel, "xnnpack %s %s (pthreadpool: %d thread%s on cpus %s)",
             CNB_XNNPACK_VERSION, s->isa_name, pool_threads, pool_threads == 1 ? "" : "s",
             pool_threads ? pool_cpus : "?");
    pthread_mutex_unlock(&pool_lock);
    return s->kernel;
}

static cnb_isa common_ran_isa(void *state)
{
    return ((const common *)state)->isa;
}

static void report(enum xnn_status st, const char *what)
{
    if (st != xnn_status_success) fprintf(stderr, "XNNPACK: %s failed: %s\n", what, status_name(st));
}

/* floats of slack after an input XNNPACK reads, for its XNN_EXTRA_BYTES over-read. */
static float *alloc_input(size_t n)
{
    size_t bytes = n * sizeof(float) + XNN_EXTRA_BYTES;
    bytes = (bytes + 63) / 64 * 64;   /* aligned_alloc wants a multiple of the alignment */
    float *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);       /* the slack is never NaN or uninitialised */
    return p;
}

static float *alloc_output(size_t n)
{
    const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

/* ---- geometry ------------------------------------------------------------------------------- */

/* One spatial axis as XNNPACK takes it: dilation counted XNNPACK's way (1 = dense), paddings ≥ 0.
 * A negative right padding means the last input rows are never read: the input is cropped to the
 * rows that are (in + pr of them, which XNNPACK's floor((in + pl + pr - extent) / s) + 1 maps to
 * the same output size), and to_layout copies only those. */
typedef struct {
    int in, full_in, out, k, s, d, pl, pr;
} axis;

static axis axis_make(int in, int out, int k, int s, int d, int pl, int pr)
{
    axis a = {in, in, out, k, s, d + 1, pl, pr};
    if (pr < 0) {
        a.in = in + pr;
        a.pr = 0;
    }
    return a;
}

typedef struct {
    int mb, ic, oc;
    axis h, w;
} geom;

static int is_flat(int id, int od, int kd, int pd, int pd_r)
{
    return id == 1 && od == 1 && kd == 1 && pd == 0 && pd_r == 0;
}

static void geom_conv(const cnb_conv *c, geom *g)
{
    g->mb = c->mb, g->ic = c->ic, g->oc = c->oc;
    g->h = axis_make(c->ih, c->oh, c->kh, c->sh, c->dh, c->ph, c->ph_r);
    g->w = axis_make(c->iw, c->ow, c->kw, c->sw, c->dw, c->pw, c->pw_r);
}

static void geom_pool(const cnb_pool *p, geom *g)
{
    g->mb = p->mb, g->ic = g->oc = p->c;
    g->h = axis_make(p->ih, p->oh, p->kh, p->sh, p->dh, p->ph, p->ph_r);
    g->w = axis_make(p->iw, p->ow, p->kw, p->sw, p->dw, p->pw, p->pw_r);
}

static const char *geom_why(const geom *g)
{
    if (g->h.in < 1 || g->w.in < 1) return "XNNPACK: no input row or column is ever read";
    return NULL;
}

/* ---- layout conversion, into and out of the state's NHWC buffers ---------------------------- */

/* d[j][i] = s[i][j] for i < rows, j < cols (row strides given), in square tiles so that both
 * sides are read and written a cache line at a time. */
enum { TILE = 32 };

static void transpose(const float *s, int64_t s_stride, float *d, int64_t d_stride, int rows,
                      int cols)
{
    for (int i0 = 0; i0 < rows; i0 += TILE)
        for (int j0 = 0; j0 < cols; j0 += TILE) {
            const int i1 = i0 + TILE < rows ? i0 + TILE : rows;
            const int j1 = j0 + TILE < cols ? j0 + TILE : cols;
            for (int j = j0; j < j1; j++)
                for (int i = i0; i < i1; i++) d[j * d_stride + i] = s[i * s_stride + j];
        }
}

/* NCHW (full input extents) -> NHWC of the rows and columns XNNPACK reads: per image and row h,
 * the C × W slice (row stride H·W) becomes W × C. */
static void nchw_to_nhwc(const geom *g, const float *src, float *dst)
{
    const int C = g->ic, H = g->h.in, W = g->w.in, FH = g->h.full_in, FW = g->w.full_in;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < g->mb; n++)
        for (int h = 0; h < H; h++)
            transpose(src + ((int64_t)n * C * FH + h) * FW, (int64_t)FH * FW,
                      dst + ((int64_t)n * H + h) * W * C, C, C, W);
}

/* NHWC -> NCHW: per image and block of channels, H·W × C becomes C × H·W. */
static void nhwc_to_nchw(const geom *g, const float *src, float *dst)
{
    const int C = g->oc;
    const int64_t HW = (int64_t)g->h.out * g->w.out;
    const int cblocks = (C + TILE - 1) / TILE;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < g->mb; n++)
        for (int cb = 0; cb < cblocks; cb++) {
            const int c0 = cb * TILE, nc = C - c0 < TILE ? C - c0 : TILE;
            transpose(src + n * HW * C + c0, C, dst + ((int64_t)n * C + c0) * HW, HW, (int)HW, nc);
        }
}

/* ---- state of conv and pool ----------------------------------------------------------------- */

typedef struct {
    common co;      /* first: common_kernel_name reads it through the state pointer */
    geom g;
    int is_max;     /* pool: which setup function */
    int is_pool;
    float *src;     /* NHWC, with XNN_EXTRA_BYTES of slack */
    float *dst;     /* NHWC */
} act_state;

static enum xnn_status act_setup(act_state *s, pthreadpool_t pool)
{
    const geom *g = &s->g;
    if (!s->is_pool)
        return xnn_setup_convolution2d_nhwc_f32(s->co.op, g->mb, g->h.in, g->w.in, s->src, s->dst,
                                                pool);
    if (s->is_max)
        return xnn_setup_max_pooling2d_nhwc_f32(s->co.op, g->mb, g->h.in, g->w.in, s->src, s->dst,
                                                pool);
    return xnn_setup_average_pooling2d_nhwc_f32(s->co.op, g->mb, g->h.in, g->w.in, s->src, s->dst,
                                                pool);
}

static void act_release(void *state)
{
    act_state *s = state;
    if (!s) return;
    if (s->co.op) xnn_delete_operator(s->co.op);
    free(s->src);
    free(s->dst);
    free(s);
}

/* Buffers, setup for the threads in force; the operator is already in s->co.op. 0 or -1. */
static int act_finish(act_state *s)
{
    const geom *g = &s->g;
    s->src = alloc_input((size_t)g->mb * g->h.in * g->w.in * g->ic);
    s->dst = alloc_output((size_t)g->mb * g->h.out * g->w.out * g->oc);
    if (!s->src || !s->dst) return -1;
    s->co.nthr = omp_get_max_threads();
    pthreadpool_t pool = pool_for(s->co.nthr);
    if (!pool) return -1;
    const enum xnn_status st = act_setup(s, pool);
    report(st, "setup");
    return st == xnn_status_success ? 0 : -1;
}

static void act_to_layout(void *state, const cnb_problem *p, const void *user_src_)
{
    const float *user_src = user_src_;
    (void)p;
    act_state *s = state;
    nchw_to_nhwc(&s->g, user_src, s->src);
}

static void act_from_layout(void *state, const cnb_problem *p, void *user_dst_)
{
    float *user_dst = user_dst_;
    (void)p;
    act_state *s = state;
    nhwc_to_nchw(&s->g, s->dst, user_dst);
}

/* Run an operator on the pool for the threads in force, set up again if its count differs. */
static void run_op(common *co, enum xnn_status (*setup)(void *, pthreadpool_t), void *state)
{
    const int nthr = omp_get_max_threads();
    pthreadpool_t pool = pool_for(nthr);
    if (!pool) {
        fprintf(stderr, "XNNPACK: cannot create a pool of %d threads\n", nthr);
        return;
    }
    if (co->nthr != nthr) {
        const enum xnn_status st = setup(state, pool);
        report(st, "setup for a new thread count");
        if (st != xnn_status_success) return;
        co->nthr = nthr;
    }
    report(xnn_run_operator(co->op, pool), "run");
}

static enum xnn_status act_setup_cb(void *state, pthreadpool_t pool)
{
    return act_setup(state, pool);
}

static void act_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                    void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p, (void)src, (void)wei, (void)dst;
    act_state *s = state;
    run_op(&s->co, act_setup_cb, s);
}

/* ---- conv/xnnpack --------------------------------------------------------------------------- */

static enum xnn_status conv_create(const cnb_conv *c, const geom *g, const float *kernel,
                                   xnn_operator_t *op)
{
    return xnn_create_convolution2d_nhwc_f32(
        g->h.pl, g->w.pr, g->h.pr, g->w.pl, g->h.k, g->w.k, g->h.s, g->w.s, g->h.d, g->w.d, c->g,
        c->ic / c->g, c->oc / c->g, c->ic, c->oc, kernel, NULL, -INFINITY, INFINITY, 0, op);
}

static const char *conv_supports(const cnb_problem *p)
{
    const cnb_conv *c = &p->conv;
    const char *why;
    if ((why = init_why()) || (why = cap_why())) return why;
    if (!is_flat(c->id, c->od, c->kd, c->pd, c->pd_r))
        return "XNNPACK has no 3D convolution (2D and 1D only)";
    geom g;
    geom_conv(c, &g);
    return geom_why(&g);
}

static void *conv_prepare(const cnb_problem *p, const void *wei_)
{
    const float *wei = wei_;
    const cnb_conv *c = &p->conv;
    if (conv_supports(p) || !wei) return NULL;
    act_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    geom_conv(c, &s->g);
    s->co.isa = gemm_class_isa();
    s->co.isa_name = gemm_class_isa_name();
    /* goihw -> [g][oc/g][kh][kw][ic/g], XNNPACK's layout for a (grouped) NHWC convolution; it
     * packs this copy into its own when the operator is created. */
    const int G = c->g, OCG = c->oc / c->g, ICG = c->ic / c->g, KH = c->kh, KW = c->kw;
    float *k = malloc((size_t)G * OCG * ICG * KH * KW * sizeof *k);
    enum xnn_status st = xnn_status_out_of_memory;
    if (k) {
        for (int64_t go = 0; go < (int64_t)G * OCG; go++)
            for (int i = 0; i < ICG; i++)
                for (int kh = 0; kh < KH; kh++)
                    for (int kw = 0; kw < KW; kw++)
                        k[((go * KH + kh) * KW + kw) * ICG + i] =
                            wei[((go * ICG + i) * KH + kh) * KW + kw];
        st = conv_create(c, &s->g, k, &s->co.op);
        free(k);
    }
    if (st != xnn_status_success || act_finish(s)) {
        report(st, "conv create");
        act_release(s);
        return NULL;
    }
    return s;
}

const cnb_impl cnb_conv_f32_xnnpack = {
    .peer = 1,
    .name = "conv/xnnpack", .op = CNB_OP_CONV, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = conv_supports, .prepare = conv_prepare, .run = act_run, .release = act_release,
    .to_layout = act_to_layout, .from_layout = act_from_layout,
    .kernel_name = common_kernel_name, .ran_isa = common_ran_isa,
};

/* ---- pool/xnnpack --------------------------------------------------------------------------- */

/* Max pooling: XNNPACK replaces a tap in padding by the edge row (column) of the input it is
 * nearest to. Per axis, every window that has a tap before the input must have row 0 as a tap,
 * one with a tap past it the last row, and every window a tap inside: then the replaced taps
 * repeat taps of the same window and the maximum is ours. */
static int axis_clamps_to_own_taps(const axis *a)
{
    for (int o = 0; o < a->out; o++) {
        int before = 0, after = 0, first = 0, last = 0, inside = 0;
        for (int k = 0; k < a->k; k++) {
            const int i = o * a->s - a->pl + k * a->d;
            before |= i < 0;
            after |= i >= a->in;
            first |= i == 0;
            last |= i == a->in - 1;
            inside |= i >= 0 && i < a->in;
        }
        if (!inside || (before && !first) || (after && !last)) return 0;
    }
    return 1;
}

static int is_pow2(int64_t n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

/* Average excluding padding: every window's count of taps inside the input a power of two.
 * Counts multiply across axes, so each axis's counts must be powers of two. */
static int axis_counts_pow2(const axis *a)
{
    for (int o = 0; o < a->out; o++) {
        const int lo = o * a->s - a->pl, hi = lo + (a->k - 1) * a->d;
        int n = 0;
        for (int i = lo; i <= hi; i += a->d) n += i >= 0 && i < a->in;
        if (!is_pow2(n)) return 0;
    }
    return 1;
}

static enum xnn_status pool_create(const cnb_pool *q, const geom *g, xnn_operator_t *op)
{
    if (q->alg == CNB_POOL_MAX)
        return xnn_create_max_pooling2d_nhwc_f32(g->h.pl, g->w.pr, g->h.pr, g->w.pl, g->h.k,
                                                 g->w.k, g->h.s, g->w.s, g->h.d, g->w.d, q->c,
                                                 q->c, q->c, -INFINITY, INFINITY, 0, op);
    return xnn_create_average_pooling2d_nhwc_f32(g->h.pl, g->w.pr, g->h.pr, g->w.pl, g->h.k,
                                                 g->w.k, g->h.s, g->w.s, q->c, q->c, q->c,
                                                 -INFINITY, INFINITY, 0, op);
}

static const char *pool_supports(const cnb_problem *p)
{
    static _Thread_local char why[WHY_LEN];
    const cnb_pool *q = &p->pool;
    const char *w;
    if ((w = init_why())) return w;
    if (!is_flat(q->id, q->od, q->kd, q->pd, q->pd_r)) return "XNNPACK has no 3D pooling";
    geom g;
    geom_pool(q, &g);
    if ((w = geom_why(&g))) return w;
    const int padded = g.h.pl || g.h.pr || g.w.pl || g.w.pr;
    if (q->alg == CNB_POOL_MAX) {
        if (!axis_clamps_to_own_taps(&g.h) || !axis_clamps_to_own_taps(&g.w))
            return "XNNPACK's max pooling reads an edge pixel for a tap in padding; here that "
                   "pixel is outside the window (dilation, or a window entirely in padding)";
    } else {
        if (q->dh || q->dw) return "XNNPACK's average pooling has no dilation";
        if (q->alg == CNB_POOL_AVG_INCL && padded)
            return "XNNPACK's average pooling excludes padding (avg_p needs it included)";
        const int pow2 = padded ? axis_counts_pow2(&g.h) && axis_counts_pow2(&g.w)
                                : is_pow2((int64_t)g.h.k * g.w.k);
        if (!pow2)
            return "XNNPACK's average multiplies by a rounded 1/n, not always the correctly "
                   "rounded sum/n we hold it to (exact only when n is a power of two)";
    }
    /* The rest is XNNPACK's to say: a trial operator (no weights, cheap). */
    xnn_operator_t op = NULL;
    const enum xnn_status st = pool_create(q, &g, &op);
    if (op) xnn_delete_operator(op);
    if (st != xnn_status_success) {
        snprintf(why, sizeof why, "XNNPACK refuses this pooling (%s)", status_name(st));
        return why;
    }
    return NULL;
}

static void *pool_prepare(const cnb_problem *p, const void *wei)
{
    (void)wei;
    const cnb_pool *q = &p->pool;
    if (pool_supports(p)) return NULL;
    act_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    geom_pool(q, &s->g);
    s->is_pool = 1;
    s->is_max = q->alg == CNB_POOL_MAX;
    s->co.isa = CNB_ISA_SCALAR;   /* SSE on every x86 CPU: none of our vector levels */
    s->co.isa_name = "sse";
    const enum xnn_status st = pool_create(q, &s->g, &s->co.op);
    if (st != xnn_status_success || act_finish(s)) {
        report(st, "pool create");
        act_release(s);
        return NULL;
    }
    return s;
}

const cnb_impl cnb_pool_f32_xnnpack = {
    .peer = 1,
    .name = "pool/xnnpack", .op = CNB_OP_POOL, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = pool_supports, .prepare = pool_prepare, .run = act_run, .release = act_release,
    .to_layout = act_to_layout, .from_layout = act_from_layout,
    .kernel_name = common_kernel_name, .ran_isa = common_ran_isa,
};

/* ---- gemm/xnnpack --------------------------------------------------------------------------- */

typedef struct {
    common co;       /* first: common_kernel_name reads it through the state pointer */
    const float *b;  /* the B packed at prepare */
    int b_warned;
    float *a;        /* M × K dense, with XNN_EXTRA_BYTES of slack */
    float *c;        /* M × N dense */
    int m, n, k;
} gemm_state;

static const char *gemm_supports(const cnb_problem *p)
{
    const cnb_gemm *g = &p->gemm;
    const char *why;
    if ((why = init_why()) || (why = cap_why())) return why;
    if (g->beta != 0.0f) return "XNNPACK's fully connected has no beta (it overwrites C)";
    if (g->alpha != 1.0f) return "XNNPACK's fully connected has no alpha";
    if (g->ta)
        return "XNNPACK's fully connected reads A as M x K rows; ta would need A transposed "
               "on every call";
    return NULL;
}

static enum xnn_status gemm_setup(void *state, pthreadpool_t pool)
{
    gemm_state *s = state;
    return xnn_setup_fully_connected_nc_f32(s->co.op, s->m, s->a, s->c, pool);
}

static void gemm_release(void *state)
{
    gemm_state *s = state;
    if (!s) return;
    if (s->co.op) xnn_delete_operator(s->co.op);
    free(s->a);
    free(s->c);
    free(s);
}

static void *gemm_prepare(const cnb_problem *p, const void *b_)
{
    const float *b = b_;
    const cnb_gemm *g = &p->gemm;
    if (gemm_supports(p)) return NULL;
    if (!b) {
        fprintf(stderr, "XNNPACK: gemm prepare was given no B to pack\n");
        return NULL;
    }
    gemm_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->m = g->m, s->n = g->n, s->k = g->k, s->b = b;
    s->co.isa = gemm_class_isa();
    s->co.isa_name = gemm_class_isa_name();
    /* W = op(B)ᵀ, N × K dense: W[n][k] = op(B)[k][n]. */
    float *w = malloc((size_t)g->n * g->k * sizeof *w);
    enum xnn_status st = xnn_status_out_of_memory;
    if (w) {
        for (int64_t n = 0; n < g->n; n++)
            for (int64_t k = 0; k < g->k; k++)
                w[n * g->k + k] = g->tb ? b[n * g->ldb + k] : b[k * g->ldb + n];
        st = xnn_create_fully_connected_nc_f32(g->k, g->n, g->k, g->n, w, NULL, -INFINITY,
                                               INFINITY, 0, &s->co.op);
        free(w);
    }
    s->a = alloc_input((size_t)g->m * g->k);
    s->c = alloc_output((size_t)g->m * g->n);
    pthreadpool_t pool = NULL;
    if (st == xnn_status_success && s->a && s->c) {
        s->co.nthr = omp_get_max_threads();
        pool = pool_for(s->co.nthr);
        st = pool ? gemm_setup(s, pool) : xnn_status_out_of_memory;
    }
    if (st != xnn_status_success || !s->a || !s->c) {
        report(st, "fully connected create or setup");
        gemm_release(s);
        return NULL;
    }
    return s;
}

/* A (lda) into the state's dense, padded copy. */
static void gemm_to_layout(void *state, const cnb_problem *p, const void *a_)
{
    const float *a = a_;
    gemm_state *s = state;
    const cnb_gemm *g = &p->gemm;
#pragma omp parallel for schedule(static)
    for (int m = 0; m < g->m; m++)
        memcpy(s->a + (int64_t)m * g->k, a + (int64_t)m * g->lda, (size_t)g->k * sizeof(float));
}

static void gemm_from_layout(void *state, const cnb_problem *p, void *c_)
{
    float *c = c_;
    gemm_state *s = state;
    const cnb_gemm *g = &p->gemm;
#pragma omp parallel for schedule(static)
    for (int m = 0; m < g->m; m++)
        memcpy(c + (int64_t)m * g->ldc, s->c + (int64_t)m * g->n, (size_t)g->n * sizeof(float));
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    (void)p, (void)a, (void)c;
    gemm_state *s = state;
    if (b != s->b && !s->b_warned) {
        fprintf(stderr, "XNNPACK: gemm run with another B than the one packed at prepare\n");
        s->b_warned = 1;
    }
    run_op(&s->co, gemm_setup, s);
}

const cnb_impl cnb_gemm_f32_xnnpack = {
    .peer = 1,
    .name = "gemm/xnnpack", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = gemm_supports, .prepare = gemm_prepare, .run = gemm_run, .release = gemm_release,
    .to_layout = gemm_to_layout, .from_layout = gemm_from_layout,
    .kernel_name = common_kernel_name, .ran_isa = common_ran_isa,
};

#else
typedef int cnb_peer_xnnpack_absent; /* ISO C wants at least one declaration per file */
#endif
