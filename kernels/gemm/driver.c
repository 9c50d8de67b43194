/* The ISA-independent GEMM driver: BLIS's five loops around a micro-kernel.
 *
 * Threads: C is cut into a tm × tn grid of blocks (tm·tn = threads, the cut on MR/NR panel
 * boundaries), and each thread runs the loops below on its own block with its own packing
 * buffers: no barrier, no shared writes, so a thread that the OS preempts delays only itself.
 * The grid is the one of least cost on the busiest thread, the cost being its padded
 * multiply-adds plus its packing (A packed once per nc block of its columns, B once), so that the
 * large dimension is the one split: M when N is skinny (each thread packs only its rows of A,
 * the big operand), N when M is skinny, and the squarer grid otherwise.
 *
 *   for jc in N by nc:
 *     for pc in K by kc:                       (first block: caller's beta, then beta = 1)
 *       pack B(pc.., jc..) into NR-column micro-panels      B panel kc×nc (L2)
 *       for ir in M by MR:
 *         pack A(ir.., pc..), MR rows                       A micro-panel MR×kc (L1)
 *         for jr in nc by NR:                               B micro-panels stream from L2
 *           micro-kernel(C tile)
 *
 * (Row-major B, few rows, and an ISA with a packing micro-kernel: no pass packs B; the first ir
 * iteration's micro-kernels read B where it is and leave the packed panel behind.)
 *
 * Why the A micro-panel, not the B one, is the panel kept in L1: C is read and written once per
 * K block, and a C tile's rows lie ldc apart, so a column of tiles (the other order) touches a
 * new page for every row and the hardware prefetchers never see a stream, while a row of tiles
 * (this order) walks MR rows of C sequentially, MR streams they follow. And since the A
 * micro-panel is the narrower (MR < NR), it leaves L1 room for a deeper kc, which divides the
 * C traffic. Packing A costs once per nc block of columns, amortised over nc/NR micro-kernel
 * calls; B is packed once.
 *
 * Transposes and leading dimensions are absorbed by the packing; the micro-kernel only ever sees
 * packed panels (kernels/gemm/ukernel.h). Every C element is summed in the same order (the K
 * blocks depend on K only) whatever the grid, so the result does not depend on the thread
 * count. Baseline-compiled: packing is plain C, or the ISA's packers for row-major operands
 * (driver.h) where it has them.
 *
 * Fully-connected shapes (tb, !ta, m ≤ the table's dot_max_m) skip all of this: the ISA's
 * skinny-transposed kernel (ukernel.h) streams B once, threads splitting the columns of C.
 * Between dot_max_m and CNB_GEMM_PLAN_DOT_M_FACTOR × dot_max_m rows both ways are plausible and the
 * model does not know where one overtakes the other on this machine: the planner (kernels/plan.h)
 * times both in prepare on the real B and remembers the faster per machine and shape.
 *
 * The cache model (Low et al. 2016, "Analytical modeling is enough for high-performance BLIS"),
 * with the roles of the two micro-panels swapped as above, its associativity arguments
 * approximated by fractions of capacity:
 *  - L1 holds the A micro-panel (MR×kc), reused by every B micro-panel of the panel, while the
 *    B micro-panels stream past it from L2 and the C tile's lines come and go. The A micro-panel
 *    may fill half of L1 (GEMM_L1_A_PANEL), the other half taking the lines in flight: it is
 *    touched every k step and so never the least recently used:
 *    kc ≤ L1/2 / (MR·4 bytes).
 *  - L2 holds the B panel (kc×nc), reused by every A micro-panel; it may fill half of L2, the
 *    other half taking the A micro-panel being packed and the lines of C: kc·nc ≤ L2/2 / 4 bytes.
 *    Within that area, a deeper kc divides the C traffic (C is read and written once per K
 *    block) and a wider nc divides the packing of A (repeated once per nc block), both by the
 *    same factor, so kc is also held to at most nc: kc ≤ √(L2/2 / 4 bytes).
 *    kc is rounded down to a multiple of 16 (whole cache lines for any MR and NR), nc down to a
 *    multiple of NR.
 *  - L3 holds what streams through: the A micro-panels being packed and the C rows. A thread's
 *    B panel must not crowd its core's share of L3 either (a VM may report a small share, arch/topo
 *    clamps what it reports): nc is also held to the core's share of L3 over 2 / (kc·4 bytes).
 *  - Except when A is larger than L2 (prepare): then every nc block repacks A from L3 or
 *    memory, a strided read whose latency the FMAs do not hide, which costs more than streaming the B
 *    micro-panels from L3 instead of L2 (prefetched B_PREFETCH_STEPS ahead by the micro-kernel,
 *    a lead that covers the L3's latency too); so the B panel may fill the part of the core's
 *    L3 share above, and A is packed once per that many columns.
 *
 * Signed zeros. Applying alpha to each K block (C += alpha·acc_b) gives +0 where the partial
 * sums cancel, while alpha·Σ gives -0 for alpha < 0 (or alpha = 0 and Σ < 0). So when K spans
 * several blocks and alpha is not positive, the blocks are summed unscaled (alpha = 1) into C
 * itself when beta == 0, else into a workspace, and C = alpha·sum + beta·C is applied once at
 * the end, exactly as the reference rounds it. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "arch/topo.h"
#include "kernels/gemm/driver.h"
#include "kernels/plan.h"

/* Below this many multiply-adds a problem runs on one thread (fork/join would dominate). */
#define GEMM_MIN_MACS_PER_THREAD (64 * 64 * 64)
/* Columns of C per task of the skinny-transposed path. */
#define GEMM_DOT_COLS_PER_TASK 64
/* Alignment of the packing buffers: one cache line, a whole zmm. */
#define GEMM_PACK_ALIGN 64
/* The cache model (header comment): the part of L1 the A micro-panel may fill, the part of L2 the
 * B panel may fill, the part of a core's share of L3 the B panel may fill, as 1/x; kc's rounding
 * step. */
#define GEMM_L1_A_PANEL 2
#define GEMM_L2_B_PANEL 2
#define GEMM_L3_B_PANEL 2
#define GEMM_KC_STEP 16
/* The packing micro-kernel is used while the pass it replaces would cost more than 1/x of the
 * block's multiply-adds (GEMM_PACK_COST_MACS per element of B, against one multiply-add per row
 * of the thread's block): the first row of tiles reads B with a row stride, which streams worse
 * than the pass, a cost that only a few rows of tiles leave worth paying. */
#define GEMM_FUSE_PACK_SHARE 64
/* Rows of row-major B packed together across a whole B panel: few enough sequential streams for
 * the hardware prefetchers to follow, instead of kc rows touched 128 bytes at a time. */
#define GEMM_B_STRIP 16
/* What packing one element costs, in multiply-adds at the FMA peak (a strided read and a write,
 * against two vector FMAs a cycle): packing's weight in the choice of the thread grid. */
#define GEMM_PACK_COST_MACS 8
/* A thread grid whose column cut falls inside a page of C's rows costs 1/x more (thread_grid). */
#define GEMM_SPLIT_PAGE_SHARE 16

typedef struct gemm_state {
    const cnb_gemm_arch *arch;
    int kc, nc;          /* caps of the blocks (the cache model's, clamped to the prepared problem) */
    int ran_kc, ran_tm, ran_tn; /* the last run's K block and thread grid (ran_kc 0: the dot path) */
    int ran;             /* 1 once run */
    int use_dot;         /* the skinny-transposed path (the rule's or the planner's choice) */
    int planned;         /* 1 when the planner chose use_dot; plan_how says how */
    cnb_plan_how plan_how;
    char name[96];       /* cnb_gemm_kernel_name's buffer */
    long page;           /* the page size in bytes (0: unknown) */
    int nthr;            /* packing buffers allocated for this many threads (by prepare) */
    float **ap;          /* per thread, MR×kc: one A micro-panel */
    float **bp;          /* per thread, kc×nc: one B panel in NR-column micro-panels */
    float *w;            /* M×N unscaled sums (see "Signed zeros"), when the problem needs them */
    size_t w_elems;
} gemm_state;

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static int round_up(int a, int b) { return ceil_div(a, b) * b; }

static int arch_valid(const cnb_gemm_arch *t)
{
    return t->mr > 0 && t->nr > 0 && t->kc > 0 && t->nc > 0 && t->mr <= CNB_GEMM_MAX_MR &&
           t->nr <= CNB_GEMM_MAX_NR && t->nc % t->nr == 0 && (t->nr * (int)sizeof(float)) % 16 == 0 && t->ukernel &&
           t->dot_max_m >= 0 && (t->dot_max_m == 0 || t->dot);
}

static int max_int(int a, int b) { return a > b ? a : b; }

/* x/bytes rounded down to a multiple of step, at least step (bytes > 0). */
static int fit(long long x, long long bytes, int step)
{
    const long long n = x / bytes / step * step;
    return n < step ? step : n > (1 << 20) ? (1 << 20) / step * step : (int)n;
}

/* The columns of a B panel of depth kc that fills its part of the core's share of L3. */
static int nc_from_l3(const cnb_gemm_arch *t, int kc, long long l3, int cores)
{
    return fit(l3 / max_int(cores, 1) / GEMM_L3_B_PANEL, kc * (long long)sizeof(float), t->nr);
}

cnb_gemm_blocks cnb_gemm_blocking_for(const cnb_gemm_arch *t, long long l1d, long long l2,
                                      long long l3, int cores)
{
    const long long f = sizeof(float);
    cnb_gemm_blocks b = {.kc = t->kc, .nc = t->nc};
    if (l1d > 0) b.kc = fit(l1d / GEMM_L1_A_PANEL, (long long)t->mr * f, GEMM_KC_STEP);
    if (l2 > 0) {
        /* kc ≤ nc: the largest kc whose square fits the B panel's part of L2. */
        long long sq = 1;
        while ((sq + 1) * (sq + 1) * f <= l2 / GEMM_L2_B_PANEL) sq++;
        if (l1d <= 0 || sq < b.kc) b.kc = fit(sq, 1, GEMM_KC_STEP);
        b.nc = fit(l2 / GEMM_L2_B_PANEL, b.kc * f, t->nr);
    }
    if (l3 > 0) b.nc = min_int(b.nc, nc_from_l3(t, b.kc, l3, cores));
    return b;
}

cnb_gemm_blocks cnb_gemm_blocking(const cnb_gemm_arch *t)
{
    const cnb_topo *topo = cnb_topo_get();
    return cnb_gemm_blocking_for(t, topo->l1d, topo->l2, topo->l3, topo->cores);
}

static float *alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + GEMM_PACK_ALIGN - 1) / GEMM_PACK_ALIGN * GEMM_PACK_ALIGN;
    return aligned_alloc(GEMM_PACK_ALIGN, bytes ? bytes : GEMM_PACK_ALIGN);
}

/* Packing buffers for nthr threads (prepare only; keeps what is there); 0 on failure. */
static int grow_buffers(gemm_state *s, int nthr)
{
    if (nthr <= s->nthr) return 1;
    float **ap = realloc(s->ap, sizeof(float *) * nthr);
    if (!ap) return 0;
    s->ap = ap;
    float **bp = realloc(s->bp, sizeof(float *) * nthr);
    if (!bp) return 0;
    s->bp = bp;
    for (int t = s->nthr; t < nthr; t++) s->ap[t] = s->bp[t] = NULL;
    for (int t = s->nthr; t < nthr; t++) {
        s->ap[t] = alloc_floats((size_t)s->arch->mr * s->kc);
        s->bp[t] = alloc_floats((size_t)s->nc * s->kc);
        s->nthr = t + 1;
        if (!s->ap[t] || !s->bp[t]) return 0;
    }
    return 1;
}

/* Both paths apply and neither is sure to win: tb, !ta, a few rows more than dot_max_m at most. */
static int plannable(const cnb_gemm_arch *t, const cnb_gemm *g)
{
    return t->dot && g->tb && !g->ta && g->m > 0 && g->n > 0 && g->k > 0 &&
           g->m <= CNB_GEMM_PLAN_DOT_M_FACTOR * t->dot_max_m;
}

typedef struct {
    gemm_state *s;
    const cnb_problem *p;
    const float *a, *b;
    float *c;
    int dot_of[2];
} plan_ctx;

static double now_s(void)
{
    return omp_get_wtime();
}

static double time_path(void *ctx, int k)
{
    plan_ctx *x = ctx;
    x->s->use_dot = x->dot_of[k];
    const double t0 = now_s();
    cnb_gemm_run(x->s, x->p, x->a, x->b, x->c);
    return now_s() - t0;
}

/* The planner's choice between the two paths, timed on the real B with scratch A and C (zeros:
 * the time does not depend on the values). Without memory for the scratch, the rule stands. */
static void plan_path(gemm_state *s, const char *impl, const cnb_problem *p, const float *b)
{
    const cnb_gemm *g = &p->gemm;
    const size_t a_elems = (size_t)g->m * g->lda, c_elems = (size_t)g->m * g->ldc;
    float *a = calloc(a_elems, sizeof *a), *c = calloc(c_elems, sizeof *c);
    if (a && c) {
        const int rule = g->m <= s->arch->dot_max_m;
        plan_ctx x = {.s = s, .p = p, .a = a, .b = b, .c = c, .dot_of = {rule, !rule}};
        const char *names[2] = {rule ? "dot" : "packed", rule ? "packed" : "dot"};
        const int k = cnb_plan_choose(impl, p, omp_get_max_threads(), 2, names, time_path, &x,
                                      &s->plan_how);
        s->use_dot = x.dot_of[k];
        s->planned = 1;
        s->ran = 0;
    }
    free(a);
    free(c);
}

void *cnb_gemm_prepare(const cnb_gemm_arch *arch, const char *impl, const cnb_problem *p,
                       const float *b)
{
    assert(arch_valid(arch));
    if (!arch_valid(arch) || p->op != CNB_OP_GEMM) return NULL;
    const cnb_gemm *g = &p->gemm;
    gemm_state *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->arch = arch;
    s->page = sysconf(_SC_PAGESIZE);
    if (s->page < 0) s->page = 0;
    /* The machine's blocks, clamped to the problem so small problems get small buffers; run()
     * still works for any problem since these are only caps on the block sizes. */
    const cnb_gemm_blocks blk = cnb_gemm_blocking(arch);
    /* A larger than L2: the B panel may fill its part of L3 instead (cache model). */
    const cnb_topo *topo = cnb_topo_get();
    const int wide = topo->l2 > 0 && topo->l3 > 0 &&
                     (long long)g->m * g->k * (long long)sizeof(float) > topo->l2;
    const int nc = wide ? max_int(blk.nc, nc_from_l3(arch, blk.kc, topo->l3, topo->cores)) : blk.nc;
    s->nc = g->n > 0 ? min_int(nc, round_up(g->n, arch->nr)) : arch->nr;
    s->kc = g->k > 0 ? min_int(blk.kc, g->k) : 1;
    /* Everything run() needs is allocated here, so that run() never allocates nor aborts:
     * packing buffers for the threads in force now, the workspace when the problem needs it. */
    int ok = grow_buffers(s, omp_get_max_threads());
    if (g->k > s->kc && !(g->alpha > 0.0f) && g->beta != 0.0f && g->m > 0 && g->n > 0) {
        s->w_elems = (size_t)g->m * g->n;
        s->w = alloc_floats(s->w_elems);
        ok = ok && s->w;
    }
    if (!ok) {
        cnb_gemm_release(s);
        return NULL;
    }
    s->use_dot = g->tb && !g->ta && g->m <= arch->dot_max_m;
    if (b && plannable(arch, g)) plan_path(s, impl, p, b);
    return s;
}

void cnb_gemm_release(void *state)
{
    gemm_state *s = state;
    if (!s) return;
    for (int t = 0; t < s->nthr; t++) {
        free(s->ap[t]);
        free(s->bp[t]);
    }
    free(s->ap);
    free(s->bp);
    free(s->w);
    free(s);
}

/* One MR-row micro-panel of op(A): rows [0, rows) of the block starting at a, k steps.
 * op(A)(i, p) is a[i·lda + p], or a[p·lda + i] when ta. Rows rows..mr-1 are zero. Row-major A
 * through the ISA's packer when it has one. */
static void pack_a_panel(const cnb_gemm_arch *t, int rows, int k, const float *restrict a,
                         ptrdiff_t lda, int ta, float *restrict dst)
{
    const int mr = t->mr;
    if (!ta && t->pack_a) {
        t->pack_a(rows, k, a, lda, dst);
    } else if (ta) {
        for (int p = 0; p < k; p++) {
            const float *src = a + p * lda;
            float *d = dst + (ptrdiff_t)p * mr;
            for (int i = 0; i < rows; i++) d[i] = src[i];
            for (int i = rows; i < mr; i++) d[i] = 0.0f;
        }
    } else {
        /* Transpose in strips of a few k steps so the rows source rows are each read in runs. */
        enum { STRIP = 16 };
        for (int p0 = 0; p0 < k; p0 += STRIP) {
            const int pn = min_int(STRIP, k - p0);
            for (int i = 0; i < rows; i++) {
                const float *src = a + i * lda + p0;
                for (int p = 0; p < pn; p++) dst[(ptrdiff_t)(p0 + p) * mr + i] = src[p];
            }
            for (int p = 0; p < pn; p++)
                for (int i = rows; i < mr; i++) dst[(ptrdiff_t)(p0 + p) * mr + i] = 0.0f;
        }
    }
}

/* One NR-column micro-panel of op(B): columns [0, cols) starting at b, k steps.
 * op(B)(p, j) is b[p·ldb + j], or b[j·ldb + p] when tb. Columns cols..nr-1 are zero. Row-major B
 * through the ISA's packer when it has one. */
static void pack_b_panel(const cnb_gemm_arch *t, int cols, int k, const float *restrict b,
                         ptrdiff_t ldb, int tb, float *restrict dst)
{
    const int nr = t->nr;
    if (!tb && t->pack_b) {
        t->pack_b(cols, k, b, ldb, dst);
    } else if (tb) {
        /* Transpose in strips of a few k steps so the cols source rows are each read in runs. */
        enum { STRIP = 8 };
        for (int p0 = 0; p0 < k; p0 += STRIP) {
            const int pn = min_int(STRIP, k - p0);
            for (int j = 0; j < cols; j++) {
                const float *src = b + j * ldb + p0;
                for (int p = 0; p < pn; p++) dst[(ptrdiff_t)(p0 + p) * nr + j] = src[p];
            }
            for (int p = 0; p < pn; p++)
                for (int j = cols; j < nr; j++) dst[(ptrdiff_t)(p0 + p) * nr + j] = 0.0f;
        }
    } else {
        for (int p = 0; p < k; p++) {
            float *d = dst + (ptrdiff_t)p * nr;
            memcpy(d, b + p * ldb, (size_t)cols * sizeof(float));
            for (int j = cols; j < nr; j++) d[j] = 0.0f;
        }
    }
}

/* K == 0: C = alpha·0 + beta·C, as the reference computes it (the sign of a zero included). */
static void scale_c(const cnb_gemm *g, float *c)
{
    const float zero = g->alpha * 0.0f;
    for (int i = 0; i < g->m; i++) {
        float *row = c + (ptrdiff_t)i * g->ldc;
        for (int j = 0; j < g->n; j++) row[j] = g->beta != 0.0f ? zero + g->beta * row[j] : zero;
    }
}

/* One thread's share: the loops of the header comment on C block [i0, i1) × [j0, j1), with the
 * thread's own buffers. dst/ldd: where the K blocks accumulate (C or the workspace). */
static void gemm_block(const gemm_state *s, const cnb_gemm *g, int kc, int unscaled, int i0,
                       int i1, int j0, int j1, const float *a, const float *b, float *c,
                       float *dst, ptrdiff_t ldd, float *restrict ap, float *restrict bp)
{
    const cnb_gemm_arch *t = s->arch;
    const int K = g->k, MR = t->mr, NR = t->nr;
    const ptrdiff_t lda = g->lda, ldb = g->ldb;
    const float alpha = unscaled ? 1.0f : g->alpha;
    for (int jc = j0; jc < j1; jc += s->nc) {
        const int nc = min_int(s->nc, j1 - jc);
        for (int pc = 0; pc < K; pc += kc) {
            const int kb = min_int(kc, K - pc);
            const float beta = pc > 0 ? 1.0f : unscaled ? 0.0f : g->beta;
            /* op(B)(pc.., jc..) starts at b[pc·ldb + jc], or b[jc·ldb + pc] when tb. */
            const float *bblk = g->tb ? b + jc * ldb + pc : b + pc * ldb + jc;
            /* Row-major B with a packing micro-kernel, and few rows (GEMM_FUSE_PACK_SHARE):
             * packed by the first row of tiles as it computes (ukernel.h), so B is read while the
             * FMAs run rather than in a pass before them. Otherwise a pass first: row-major B
             * GEMM_B_STRIP rows at a time across the whole panel, so that each of those rows is
             * read in one sequential run; transposed B a micro-panel at a time. */
            const int fused = !g->tb && t->ukernel_packb &&
                              (int64_t)(i1 - i0) < (int64_t)GEMM_FUSE_PACK_SHARE * GEMM_PACK_COST_MACS;
            const int strip = g->tb ? kb : GEMM_B_STRIP;
            for (int p0 = 0; p0 < kb && !fused; p0 += strip)
                for (int jr = 0; jr < nc; jr += NR)
                    pack_b_panel(t, min_int(NR, nc - jr), min_int(strip, kb - p0),
                                 g->tb ? bblk + jr * ldb : bblk + p0 * ldb + jr, ldb, g->tb,
                                 bp + (ptrdiff_t)jr * kb + (ptrdiff_t)p0 * NR);
            const float *ablk = g->ta ? a + pc * lda : a + pc;
            for (int ir = i0; ir < i1; ir += MR) {
                const int rows = min_int(MR, i1 - ir);
                pack_a_panel(t, rows, kb, g->ta ? ablk + ir : ablk + ir * lda, lda, g->ta, ap);
                if (fused && ir == i0) {
                    for (int jr = 0; jr < nc; jr += NR)
                        t->ukernel_packb(rows, min_int(NR, nc - jr), kb, ap, bblk + jr, ldb,
                                         bp + (ptrdiff_t)jr * kb, dst + ir * ldd + jc + jr, ldd,
                                         alpha, beta);
                    continue;
                }
                for (int jr = 0; jr < nc; jr += NR)
                    t->ukernel(rows, min_int(NR, nc - jr), kb, ap, bp + (ptrdiff_t)jr * kb,
                               dst + ir * ldd + jc + jr, ldd, alpha, beta);
            }
        }
    }
    if (unscaled) { /* C = alpha·sum + beta·C, once */
        for (int i = i0; i < i1; i++) {
            float *crow = c + i * g->ldc;
            const float *srow = dst + i * ldd;
            if (g->beta == 0.0f)
                for (int j = j0; j < j1; j++) crow[j] = g->alpha * srow[j];
            else
                for (int j = j0; j < j1; j++) crow[j] = g->alpha * srow[j] + g->beta * crow[j];
        }
    }
}

/* The thread grid tm × tn (tm·tn = nthr) for an M × N problem: least cost on the busiest thread,
 * the cost (per unit of K) being its padded multiply-adds plus GEMM_PACK_COST_MACS per element it
 * packs (its rows of A once per nc block of its columns, its columns of B once); ties to more
 * threads along N. A grid that cuts the rows of C (c, ldc floats apart) inside a page costs
 * 1/GEMM_SPLIT_PAGE_SHARE more: the two threads then write the two sides of one page in every
 * row. Measured, not explained: such splits ran slower than the row split where the cost model
 * called them equal, and a cut on page boundaries did not (the likely cause: the hardware
 * prefetchers follow a thread's rows of C up to the end of the page, into its neighbour's
 * lines). A cut on page boundaries in every row is not charged. */
static void thread_grid(const gemm_state *s, int nthr, int M, int N, const float *c, ptrdiff_t ldc,
                        int *tm, int *tn)
{
    const int MR = s->arch->mr, NR = s->arch->nr, mp = ceil_div(M, MR), np = ceil_div(N, NR);
    const uintptr_t page = (uintptr_t)s->page;
    int64_t best = INT64_MAX;
    for (int cn = nthr; cn >= 1; cn--) {
        if (nthr % cn) continue;
        const int64_t rows = (int64_t)ceil_div(mp, nthr / cn) * MR;
        const int64_t cols = (int64_t)ceil_div(np, cn) * NR;
        const int64_t pack = rows * ceil_div((int)cols, s->nc) + cols;
        int64_t cost = rows * cols + GEMM_PACK_COST_MACS * pack;
        int in_page = 0;
        for (int tj = 1; tj < cn && !in_page; tj++) {
            const int64_t j = (int64_t)np * tj / cn * NR;
            in_page = j < N && (page == 0 || ((uintptr_t)ldc * sizeof(float)) % page != 0 ||
                                (uintptr_t)(c + j) % page != 0);
        }
        if (in_page) cost += cost / GEMM_SPLIT_PAGE_SHARE;
        if (cost < best) {
            best = cost;
            *tm = nthr / cn;
            *tn = cn;
        }
    }
}

void cnb_gemm_run(void *state, const cnb_problem *prob, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    gemm_state *s = state;
    const cnb_gemm_arch *t = s->arch;
    const cnb_gemm *g = &prob->gemm;
    const int M = g->m, N = g->n, K = g->k, MR = t->mr, NR = t->nr;
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        scale_c(g, c);
        return;
    }
    const int64_t macs = (int64_t)M * N * K;
    const int parallel = macs >= 2 * (int64_t)GEMM_MIN_MACS_PER_THREAD;

    if (s->use_dot) {
        /* Fully-connected shape: no packing, B streamed once (ukernel.h, skinny-transposed). */
        s->ran = 1;
        s->ran_kc = 0;
        const int tasks = ceil_div(N, GEMM_DOT_COLS_PER_TASK);
#pragma omp parallel for schedule(static) if (parallel)
        for (int task = 0; task < tasks; task++) {
            const int j0 = task * GEMM_DOT_COLS_PER_TASK;
            t->dot(M, min_int(GEMM_DOT_COLS_PER_TASK, N - j0), K, a, g->lda, b + j0 * g->ldb,
                   g->ldb, c + j0, g->ldc, g->alpha, g->beta);
        }
        return;
    }

    /* Even K blocks: K = kc+1 gives two halves rather than kc and 1. */
    const int kc = ceil_div(K, ceil_div(K, s->kc));
    /* Where the blocks accumulate: C itself, or the workspace when alpha must wait. */
    const int unscaled = K > kc && !(g->alpha > 0.0f);
    float *dst = c;
    ptrdiff_t ldd = g->ldc;
    if (unscaled && g->beta != 0.0f) {
        /* prepare allocated it for this problem (run gets the problem it was prepared for). */
        assert(s->w && s->w_elems >= (size_t)M * N);
        dst = s->w;
        ldd = N;
    }
    /* run() never allocates: it uses at most the threads prepare allocated buffers for (more
     * threads in force now than then: the extra ones are left out, the result is the same). */
    const int nthr = parallel ? min_int(omp_get_max_threads(), s->nthr) : 1;
    const int mp = ceil_div(M, MR), np = ceil_div(N, NR);
    int grid_m = 1, grid_n = 1;
    thread_grid(s, nthr, M, N, dst, ldd, &grid_m, &grid_n);
    s->ran = 1;
    s->ran_kc = kc;
    s->ran_tm = grid_m;
    s->ran_tn = grid_n;

#pragma omp parallel num_threads(nthr)
    {
        const int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int tm = grid_m, tn = grid_n;
        if (nt != nthr) thread_grid(s, nt, M, N, dst, ldd, &tm, &tn); /* fewer threads than asked for */
        const int ti = id / tn, tj = id % tn;
        /* Block edges on panel boundaries: panels [mp·ti/tm, mp·(ti+1)/tm). */
        const int i0 = (int)((int64_t)mp * ti / tm) * MR;
        const int i1 = min_int(M, (int)((int64_t)mp * (ti + 1) / tm) * MR);
        const int j0 = (int)((int64_t)np * tj / tn) * NR;
        const int j1 = min_int(N, (int)((int64_t)np * (tj + 1) / tn) * NR);
        if (i0 < i1 && j0 < j1)
            gemm_block(s, g, kc, unscaled, i0, i1, j0, j1, a, b, c, dst, ldd, s->ap[id], s->bp[id]);
    }
}

const char *cnb_gemm_kernel_name(void *state, const char *name)
{
    gemm_state *s = state;
    if (!s) return NULL;
    char plan[32] = "";
    if (s->planned) snprintf(plan, sizeof plan, " plan %s", cnb_plan_how_name(s->plan_how));
    if (s->ran && s->ran_kc == 0)
        snprintf(s->name, sizeof s->name, "%s[dot %d columns a task%s]", name,
                 GEMM_DOT_COLS_PER_TASK, plan);
    else
        snprintf(s->name, sizeof s->name, "%s[kc%d nc%d grid %dx%d%s]", name,
                 s->ran ? s->ran_kc : s->kc, s->nc, s->ran ? s->ran_tm : 1,
                 s->ran ? s->ran_tn : 1, plan);
    return s->name;
}
