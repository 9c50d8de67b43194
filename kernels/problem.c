/* Tensor sizes of the problem structs (kernels/problem.h). */
#include "kernels/problem.h"

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
