/* Tensor sizes and element types of the problem structs (kernels/problem.h). */
#include "kernels/problem.h"

#include <string.h>

int64_t cnb_conv_src_elems(const cnb_conv *c)
{
    return (int64_t)c->mb * c->ic * c->id * c->ih * c->iw;
}

int64_t cnb_conv_wei_elems(const cnb_conv *c)
{
    return (int64_t)c->oc * (c->ic / c->g) * c->kd * c->kh * c->kw;
}

int64_t cnb_conv_dst_elems(const cnb_conv *c)
{
    return (int64_t)c->mb * c->oc * c->od * c->oh * c->ow;
}

int64_t cnb_pool_src_elems(const cnb_pool *p)
{
    return (int64_t)p->mb * p->c * p->id * p->ih * p->iw;
}

int64_t cnb_pool_dst_elems(const cnb_pool *p)
{
    return (int64_t)p->mb * p->c * p->od * p->oh * p->ow;
}

int64_t cnb_gemm_a_elems(const cnb_gemm *g)
{
    return g->ta ? (int64_t)(g->k - 1) * g->lda + g->m : (int64_t)(g->m - 1) * g->lda + g->k;
}

int64_t cnb_gemm_b_elems(const cnb_gemm *g)
{
    return g->tb ? (int64_t)(g->n - 1) * g->ldb + g->k : (int64_t)(g->k - 1) * g->ldb + g->n;
}

int64_t cnb_gemm_c_elems(const cnb_gemm *g)
{
    return (int64_t)(g->m - 1) * g->ldc + g->n;
}

const char *cnb_dt_name(cnb_dt t)
{
    static const char *const names[] = {"f32", "bf16", "s8", "u8", "s32"};
    return (unsigned)t < CNB_DT_COUNT ? names[t] : "?";
}

int cnb_dt_size(cnb_dt t)
{
    return t == CNB_DT_BF16 ? 2 : t == CNB_DT_S8 || t == CNB_DT_U8 ? 1 : 4;
}

int cnb_dt_config_of(const cnb_types *t)
{
    static const cnb_dt triples[CNB_DTC_COUNT][3] = {
        [CNB_DTC_F32] = {CNB_DT_F32, CNB_DT_F32, CNB_DT_F32},
        [CNB_DTC_BF16_F32] = {CNB_DT_BF16, CNB_DT_BF16, CNB_DT_F32},
        [CNB_DTC_BF16] = {CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16},
        [CNB_DTC_U8S8S32] = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S32},
        [CNB_DTC_U8S8U8] = {CNB_DT_U8, CNB_DT_S8, CNB_DT_U8},
        [CNB_DTC_U8S8S8] = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S8},
        [CNB_DTC_S8S8S32] = {CNB_DT_S8, CNB_DT_S8, CNB_DT_S32},
        [CNB_DTC_S8S8U8] = {CNB_DT_S8, CNB_DT_S8, CNB_DT_U8},
        [CNB_DTC_S8S8S8] = {CNB_DT_S8, CNB_DT_S8, CNB_DT_S8},
        [CNB_DTC_U8U8U8] = {CNB_DT_U8, CNB_DT_U8, CNB_DT_U8},
    };
    for (int c = 0; c < CNB_DTC_COUNT; c++)
        if (triples[c][0] == t->src && triples[c][1] == t->wei && triples[c][2] == t->dst) return c;
    return -1;
}

int cnb_dt_requantized(const cnb_types *t)
{
    return (t->src == CNB_DT_U8 || t->src == CNB_DT_S8) &&
           (t->dst == CNB_DT_U8 || t->dst == CNB_DT_S8);
}

double cnb_dt_load(const void *p, cnb_dt t, int64_t i)
{
    switch (t) {
    case CNB_DT_F32: return ((const float *)p)[i];
    case CNB_DT_BF16: {
        const uint32_t u = (uint32_t)((const uint16_t *)p)[i] << 16;
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case CNB_DT_S8: return ((const int8_t *)p)[i];
    case CNB_DT_U8: return ((const uint8_t *)p)[i];
    default: return ((const int32_t *)p)[i];
    }
}
