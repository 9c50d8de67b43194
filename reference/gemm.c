/* Reference GEMM: C[i][j] = alpha · Σ_p op(A)[i][p] · op(B)[p][j] + beta · C[i][j], row-major.
 * With beta = 0, C is not read (it may hold NaN). */
#include <stdint.h>

#include "reference/reference.h"

void cnb_ref_gemm(const cnb_gemm *g, const float *a, const float *b, float *c)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < g->m; i++) {
        for (int j = 0; j < g->n; j++) {
            double acc = 0.0;
            for (int p = 0; p < g->k; p++) {
                const double av = g->ta ? a[(int64_t)p * g->lda + i] : a[(int64_t)i * g->lda + p];
                const double bv = g->tb ? b[(int64_t)j * g->ldb + p] : b[(int64_t)p * g->ldb + j];
                acc += av * bv;
            }
            double out = (double)g->alpha * acc;
            if (g->beta != 0.0f) out += (double)g->beta * c[(int64_t)i * g->ldc + j];
            c[(int64_t)i * g->ldc + j] = (float)out;
        }
    }
}
