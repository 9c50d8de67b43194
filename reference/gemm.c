/* Reference GEMM: C[i][j] = alpha · Σ_p op(A)[i][p] · op(B)[p][j] + beta · C[i][j], row-major.
 * With beta = 0, C is not read (it may hold NaN). */
#include <math.h>
#include <stdint.h>
#include <string.h>

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

uint16_t cnb_ref_bf16_rne(double x)
{
    float f = 0.0f;
    if (x != 0.0 && isfinite(x)) {
        int e;
        frexp(x, &e);                               /* x = m · 2^e, 0.5 ≤ |m| < 1 */
        f = (float)ldexp(nearbyint(ldexp(x, 8 - e)), e - 8);   /* 8 significant bits, ties even */
    } else {
        f = (float)x;
    }
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);                     /* f holds a bf16 value: its upper half */
}

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

void cnb_ref_store_dt(void *out, int64_t o, const cnb_types *t, double acc)
{
    const double scale = ldexp(1.0, t->src_scale_log2 + t->wei_scale_log2 - t->dst_scale_log2);
    switch (t->dst) {
    case CNB_DT_F32: ((float *)out)[o] = (float)acc; break;
    case CNB_DT_BF16: ((uint16_t *)out)[o] = cnb_ref_bf16_rne(acc); break;
    case CNB_DT_S32: ((int32_t *)out)[o] = (int32_t)clamp(acc, -2147483648.0, 2147483647.0); break;
    case CNB_DT_U8: ((uint8_t *)out)[o] = (uint8_t)clamp(nearbyint(acc * scale), 0, 255); break;
    default: ((int8_t *)out)[o] = (int8_t)clamp(nearbyint(acc * scale), -128, 127); break;
    }
}

void cnb_ref_gemm_dt(const cnb_gemm *g, const cnb_types *t, const void *a, const void *b, void *c)
{
    const int integer = t->src == CNB_DT_U8 || t->src == CNB_DT_S8;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < g->m; i++) {
        for (int j = 0; j < g->n; j++) {
            double acc = 0.0;
            int64_t iacc = 0;
            for (int p = 0; p < g->k; p++) {
                const int64_t ai = g->ta ? (int64_t)p * g->lda + i : (int64_t)i * g->lda + p;
                const int64_t bi = g->tb ? (int64_t)j * g->ldb + p : (int64_t)p * g->ldb + j;
                if (integer) iacc += (int64_t)cnb_dt_load(a, t->src, ai) * (int64_t)cnb_dt_load(b, t->wei, bi);
                else acc += cnb_dt_load(a, t->src, ai) * cnb_dt_load(b, t->wei, bi);
            }
            cnb_ref_store_dt(c, (int64_t)i * g->ldc + j, t, integer ? (double)iacc : acc);
        }
    }
}
