/* Deliberately broken implementations. They exist to prove that validation rejects the classes of
 * bug they stand for; they are hidden (run only when named with --impl) and tests/ runs each one.
 *   conv/broken_pad       the left padding off by one along W (a border bug)
 *   conv/broken_overread  right results, then reads one float past the end of src (a tail bug
 *                         that only a guard page can see)
 *   gemm/broken_tail      forgets the last n % 8 columns (a missing tail loop)
 *   pool/broken_avg       average by multiplying with a rounded reciprocal (not bit-exact)
 *   gemm/broken_int8_sat  u8×s8 that adds products in pairs into int16 with saturation, as
 *                         AVX2's vpmaddubsw does without VNNI: right until a pair of products
 *                         passes 2^15 (data over the whole u8/s8 range reach it) */
#include <stdint.h>

#include "kernels/impl.h"
#include "reference/reference.h"

static void conv_pad_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                         void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    cnb_conv c = p->conv;
    c.pw += 1;
    c.pw_r -= 1;
    cnb_ref_conv(&c, src, wei, dst);
}

static void conv_overread_run(void *state, const cnb_problem *p, const void *src_,
                              const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    cnb_ref_conv(&p->conv, src, wei, dst);
    const volatile float *end = src + cnb_conv_src_elems(&p->conv);
    dst[0] += 0.0f * end[0];
}

static void gemm_tail_run(void *state, const cnb_problem *p, const void *a_, const void *b_,
                          void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    (void)state;
    cnb_gemm g = p->gemm;
    g.n -= g.n % 8;
    if (g.n > 0) cnb_ref_gemm(&g, a, b, c);
}

static void gemm_int8_sat_run(void *state, const cnb_problem *p, const void *a_, const void *b_,
                              void *c_)
{
    (void)state;
    const cnb_gemm *g = &p->gemm;
    const uint8_t *a = a_;
    const int8_t *b = b_;
    int32_t *c = c_;
    for (int i = 0; i < g->m; i++)
        for (int j = 0; j < g->n; j++) {
            int32_t acc = 0;
            for (int q = 0; q < g->k; q += 2) {
                int32_t pair = 0;
                for (int u = q; u < q + 2 && u < g->k; u++) {
                    const int64_t ai = g->ta ? (int64_t)u * g->lda + i : (int64_t)i * g->lda + u;
                    const int64_t bi = g->tb ? (int64_t)j * g->ldb + u : (int64_t)u * g->ldb + j;
                    pair += (int32_t)a[ai] * b[bi];
                }
                acc += pair > 32767 ? 32767 : pair < -32768 ? -32768 : pair;
            }
            c[(int64_t)i * g->ldc + j] = acc;
        }
}

static void pool_avg_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                         void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state, (void)wei;
    const cnb_pool *q = &p->pool;
    cnb_ref_pool(q, src, dst);
    if (q->alg == CNB_POOL_MAX) return;
    /* Redo the average with the bug: sum · (1/count) instead of sum / count. */
    const int64_t src_c = (int64_t)q->id * q->ih * q->iw;
    int64_t o = 0;
    for (int64_t nc = 0; nc < (int64_t)q->mb * q->c; nc++)
        for (int od = 0; od < q->od; od++)
            for (int oh = 0; oh < q->oh; oh++)
                for (int ow = 0; ow < q->ow; ow++, o++) {
                    float sum = 0.0f;
                    int inside = 0;
                    for (int kd = 0; kd < q->kd; kd++)
                        for (int kh = 0; kh < q->kh; kh++)
                            for (int kw = 0; kw < q->kw; kw++) {
                                const int id = od * q->sd - q->pd + kd * (q->dd + 1);
                                const int ih = oh * q->sh - q->ph + kh * (q->dh + 1);
                                const int iw = ow * q->sw - q->pw + kw * (q->dw + 1);
                                if (id < 0 || id >= q->id || ih < 0 || ih >= q->ih || iw < 0 ||
                                    iw >= q->iw)
                                    continue;
                                sum += src[nc * src_c + ((int64_t)id * q->ih + ih) * q->iw + iw];
                                inside++;
                            }
                    const int count = q->alg == CNB_POOL_AVG_INCL ? q->kd * q->kh * q->kw : inside;
                    dst[o] = sum * (1.0f / (float)count);
                }
}

const cnb_impl cnb_conv_f32_broken_pad = {
    .name = "conv/broken_pad", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .run = conv_pad_run,
};
const cnb_impl cnb_conv_f32_broken_overread = {
    .name = "conv/broken_overread", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .run = conv_overread_run,
};
const cnb_impl cnb_gemm_f32_broken_tail = {
    .name = "gemm/broken_tail", .op = CNB_OP_GEMM, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .run = gemm_tail_run,
};
const cnb_impl cnb_gemm_u8s8s32_broken_sat = {
    .name = "gemm/broken_int8_sat", .op = CNB_OP_GEMM, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .dt_mask = CNB_DTM(CNB_DTC_U8S8S32),
    .run = gemm_int8_sat_run,
};
const cnb_impl cnb_pool_f32_broken_avg = {
    .name = "pool/broken_avg", .op = CNB_OP_POOL, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .run = pool_avg_run,
};
