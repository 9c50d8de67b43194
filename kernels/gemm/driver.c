/* The ISA-independent GEMM driver: BLIS's five loops around a micro-kernel.
 *
 * Threads: C is cut into a tm × tn grid of blocks (tm·tn = threads, the cut on MR/NR panel
 * boundaries, the grid chosen to waste the fewest padded FLOPs), and each thread runs the loops
 * below on its own block with its own packing buffers: no barrier, no shared writes, so a thread
 * that the OS preempts delays only itself. A is packed by the tn threads of its row of blocks,
 * B by the tm threads of its column: duplicated packing, cheap next to O(MNK).
 *
 *   for jc in N by nc:
 *     for pc in K by kc:                       (first block: caller's beta, then beta = 1)
 *       pack B(pc.., jc..) into NR-column micro-panels      B panel kc×nc (L2/L3)
 *       for ic in M by mc:
 *         pack A(ic.., pc..) into MR-row micro-panels       A block mc×kc (L2)
 *         for jr in nc by NR:                               B micro-panel kc×NR (L1)
 *           for ir in mc by MR:
 *             micro-kernel(C tile)
 *
 * Transposes and leading dimensions are absorbed by the packing; the micro-kernel only ever sees
 * packed panels (kernels/gemm/ukernel.h). Every C element is summed in the same order (the K
 * blocks depend on K only) whatever the grid, so the result does not depend on the thread
 * count. Baseline-compiled: packing is plain C.
 *
 * Fully-connected shapes (tb, !ta, m ≤ the table's dot_max_m) skip all of this: the ISA's
 * skinny-transposed kernel (ukernel.h) streams B once, threads splitting the columns of C.
 *
 * Signed zeros. Applying alpha to each K block (C += alpha·acc_b) gives +0 where the partial
 * sums cancel, while alpha·Σ gives -0 for alpha < 0 (or alpha = 0 and Σ < 0). So when K spans
 * several blocks and alpha is not positive, the blocks are summed unscaled (alpha = 1) into C
 * itself when beta == 0, else into a workspace, and C = alpha·sum + beta·C is applied once at
 * the end, exactly as the reference rounds it. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kernels/gemm/driver.h"

/* Below this many multiply-adds a problem runs on one thread (fork/join would dominate). */
#define GEMM_MIN_MACS_PER_THREAD (64 * 64 * 64)
/* Columns of C per task of the skinny-transposed path. */
#define GEMM_DOT_COLS_PER_TASK 64
/* Alignment of the packing buffers: one cache line, a whole zmm. */
#define GEMM_PACK_ALIGN 64

typedef struct gemm_state {
    const cnb_gemm_arch *arch;
    int mc, kc, nc;      /* caps of the blocks (the table's, clamped to the prepared problem) */
    int nthr;            /* packing buffers allocated for this many threads (by prepare) */
    float **ap;          /* per thread, mc×kc: one A block in MR-row micro-panels */
    float **bp;          /* per thread, kc×nc: one B panel in NR-column micro-panels */
    float *w;            /* M×N unscaled sums (see "Signed zeros"), when the problem needs them */
    size_t w_elems;
} gemm_state;

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static int round_up(int a, int b) { return ceil_div(a, b) * b; }

static int arch_valid(const cnb_gemm_arch *t)
{
    return t->mr > 0 && t->nr > 0 && t->mc > 0 && t->kc > 0 && t->nc > 0 &&
           t->mr <= CNB_GEMM_MAX_MR && t->nr <= CNB_GEMM_MAX_NR && t->mc % t->mr == 0 &&
           t->nc % t->nr == 0 && (t->nr * (int)sizeof(float)) % 16 == 0 && t->ukernel &&
           t->dot_max_m >= 0 && (t->dot_max_m == 0 || t->dot);
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
        s->ap[t] = alloc_floats((size_t)s->mc * s->kc);
        s->bp[t] = alloc_floats((size_t)s->nc * s->kc);
        s->nthr = t + 1;
        if (!s->ap[t] || !s->bp[t]) return 0;
    }
    return 1;
}

void *cnb_gemm_prepare(const cnb_gemm_arch *arch, const cnb_problem *p)
{
    assert(arch_valid(arch));
    if (!arch_valid(arch) || p->op != CNB_OP_GEMM) return NULL;
    const cnb_gemm *g = &p->gemm;
    gemm_state *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->arch = arch;
    /* Clamp to the problem so small problems get small buffers; run() still works for any
     * problem since these are only caps on the block sizes. */
    s->mc = g->m > 0 ? min_int(arch->mc, round_up(g->m, arch->mr)) : arch->mr;
    s->nc = g->n > 0 ? min_int(arch->nc, round_up(g->n, arch->nr)) : arch->nr;
    s->kc = g->k > 0 ? min_int(arch->kc, g->k) : 1;
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
 * op(A)(i, p) is a[i·lda + p], or a[p·lda + i] when ta. Rows rows..mr-1 are zero. */
static void pack_a_panel(int mr, int rows, int k, const float *restrict a, ptrdiff_t lda, int ta,
                         float *restrict dst)
{
    if (ta) {
        for (int p = 0; p < k; p++) {
            const float *src = a + p * lda;
            float *d = dst + (ptrdiff_t)p * mr;
            for (int i = 0; i < rows; i++) d[i] = src[i];
            for (int i = rows; i < mr; i++) d[i] = 0.0f;
        }
    } else {
        for (int p = 0; p < k; p++) {
            float *d = dst + (ptrdiff_t)p * mr;
            for (int i = 0; i < rows; i++) d[i] = a[i * lda + p];
            for (int i = rows; i < mr; i++) d[i] = 0.0f;
        }
    }
}

/* One NR-column micro-panel of op(B): columns [0, cols) starting at b, k steps.
 * op(B)(p, j) is b[p·ldb + j], or b[j·ldb + p] when tb. Columns cols..nr-1 are zero. */
static void pack_b_panel(int nr, int cols, int k, const float *restrict b, ptrdiff_t ldb, int tb,
                         float *restrict dst)
{
    if (tb) {
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
            for (int jr = 0; jr < nc; jr += NR)
                pack_b_panel(NR, min_int(NR, nc - jr), kb, g->tb ? bblk + jr * ldb : bblk + jr,
                             ldb, g->tb, bp + (ptrdiff_t)jr * kb);
            for (int ic = i0; ic < i1; ic += s->mc) {
                const int mc = min_int(s->mc, i1 - ic);
                const float *ablk = g->ta ? a + pc * lda + ic : a + ic * lda + pc;
                for (int ir = 0; ir < mc; ir += MR)
                    pack_a_panel(MR, min_int(MR, mc - ir), kb, g->ta ? ablk + ir : ablk + ir * lda,
                                 lda, g->ta, ap + (ptrdiff_t)ir * kb);
                for (int jr = 0; jr < nc; jr += NR)
                    for (int ir = 0; ir < mc; ir += MR)
                        t->ukernel(min_int(MR, mc - ir), min_int(NR, nc - jr), kb,
                                   ap + (ptrdiff_t)ir * kb, bp + (ptrdiff_t)jr * kb,
                                   dst + (ic + ir) * ldd + jc + jr, ldd, alpha, beta);
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

/* The thread grid tm × tn (tm·tn = nthr) for mp × np micro-panels: fewest padded tiles on the
 * busiest thread, ties to more threads along N (they share A, the smaller packing). */
static void thread_grid(int nthr, int mp, int np, int *tm, int *tn)
{
    int64_t best = INT64_MAX;
    for (int cn = nthr; cn >= 1; cn--) {
        if (nthr % cn) continue;
        const int64_t work = (int64_t)ceil_div(mp, nthr / cn) * ceil_div(np, cn);
        if (work < best) {
            best = work;
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

    if (g->tb && !g->ta && M <= t->dot_max_m) {
        /* Fully-connected shape: no packing, B streamed once (ukernel.h, skinny-transposed). */
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

#pragma omp parallel num_threads(nthr)
    {
        const int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int tm = 1, tn = 1;
        thread_grid(nt, mp, np, &tm, &tn);
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
