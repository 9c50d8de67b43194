/* gemm/scalar_loop: plain-C GEMM, independent of the packed driver, so validation has a second
 * opinion on every machine. C = alpha·op(A)·op(B) + beta·C for any M, N, K, transposes, leading
 * dimensions; beta == 0 never reads C.
 *
 * Loop order i-p-j: a tile of C (SCALAR_MB rows × SCALAR_NB columns) is accumulated in a float
 * buffer, one row at a time, by adding a(i,p)·B(p, j..) along a contiguous row of B, which the
 * compiler can vectorise for the baseline ISA. K is walked in SCALAR_KB blocks so the B block
 * (KB×NB) stays in cache while all MB rows use it. When tb, each B block is first transposed
 * into a per-thread buffer so the inner loop still runs along contiguous memory. Tiles of C are
 * shared among threads; each C element is summed by one thread in increasing p. */
#include <stdint.h>
#include <omp.h>
#include <stdlib.h>

#include "kernels/impl.h"

/* Blocking of the plain-C loop: acc tile MB×NB (16 KiB), B block KB×NB (256 KiB). */
enum { SCALAR_MB = 16, SCALAR_NB = 256, SCALAR_KB = 256 };

static int min_int(int a, int b) { return a < b ? a : b; }

static void scalar_tile(const cnb_gemm *g, const float *a, const float *b, float *c, int i0,
                        int j0, float *bt)
{
    const int mb = min_int(SCALAR_MB, g->m - i0), nb = min_int(SCALAR_NB, g->n - j0);
    const ptrdiff_t lda = g->lda, ldb = g->ldb, ldc = g->ldc;
    float acc[SCALAR_MB][SCALAR_NB];
    for (int i = 0; i < mb; i++)
        for (int j = 0; j < nb; j++) acc[i][j] = 0.0f;

    for (int p0 = 0; p0 < g->k; p0 += SCALAR_KB) {
        const int kb = min_int(SCALAR_KB, g->k - p0);
        /* Row p of the B block, contiguous along j: straight from B, or transposed into bt. */
        const float *brow0;
        ptrdiff_t bstride;
        if (g->tb) {
            for (int j = 0; j < nb; j++)
                for (int p = 0; p < kb; p++)
                    bt[(ptrdiff_t)p * SCALAR_NB + j] = b[(j0 + j) * ldb + p0 + p];
            brow0 = bt;
            bstride = SCALAR_NB;
        } else {
            brow0 = b + p0 * ldb + j0;
            bstride = ldb;
        }
        for (int i = 0; i < mb; i++) {
            float *restrict row = acc[i];
            for (int p = 0; p < kb; p++) {
                const float av = g->ta ? a[(p0 + p) * lda + i0 + i] : a[(i0 + i) * lda + p0 + p];
                const float *restrict brow = brow0 + p * bstride;
                for (int j = 0; j < nb; j++) row[j] += av * brow[j];
            }
        }
    }

    for (int i = 0; i < mb; i++) {
        float *crow = c + (i0 + i) * ldc + j0;
        if (g->beta == 0.0f)
            for (int j = 0; j < nb; j++) crow[j] = g->alpha * acc[i][j];
        else
            for (int j = 0; j < nb; j++) crow[j] = g->alpha * acc[i][j] + g->beta * crow[j];
    }
}

/* The state: one transposition buffer of SCALAR_KB x SCALAR_NB floats per thread (transposed B
 * only), allocated in prepare for the threads in force, so that run never allocates. */
typedef struct scalar_state {
    int nthr;
    float *bt;
} scalar_state;

static void *scalar_prepare(const cnb_problem *p, const void *wei)
{
    (void)wei;
    scalar_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nthr = omp_get_max_threads();
    if (p->gemm.tb && !(s->bt = malloc(sizeof(float) * SCALAR_KB * SCALAR_NB * s->nthr))) {
        free(s);
        return NULL;
    }
    return s;
}

static void scalar_release(void *state)
{
    scalar_state *s = state;
    if (s) free(s->bt);
    free(s);
}

static void scalar_run(void *state, const cnb_problem *p, const void *a_, const void *b_,
                       void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    const scalar_state *s = state;
    const cnb_gemm *g = &p->gemm;
    if (g->m <= 0 || g->n <= 0) return;
    const int mt = (g->m + SCALAR_MB - 1) / SCALAR_MB, nt = (g->n + SCALAR_NB - 1) / SCALAR_NB;
    const int nthr = omp_get_max_threads() < s->nthr ? omp_get_max_threads() : s->nthr;
#pragma omp parallel num_threads(nthr)
    {
        float *bt = s->bt ? s->bt + (size_t)omp_get_thread_num() * SCALAR_KB * SCALAR_NB : NULL;
#pragma omp for collapse(2) schedule(static)
        for (int it = 0; it < mt; it++)
            for (int jt = 0; jt < nt; jt++)
                scalar_tile(g, a, b, c, it * SCALAR_MB, jt * SCALAR_NB, bt);
    }
}

const cnb_impl cnb_gemm_f32_loop__scalar = {
    .name = "gemm/scalar_loop",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX,
    .prepare = scalar_prepare,
    .run = scalar_run,
    .release = scalar_release,
};
