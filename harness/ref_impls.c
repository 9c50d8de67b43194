/* The reference as implementations in the registry (last in dispatch order): `conv/ref`,
 * `pool/ref`, `gemm/ref`. Useful to time, and the yardstick every other row is checked against. Each takes every
 * data-type triple the descriptor parser lets through for its op (harness/desc.c refuses the
 * others), through the _dt references. */
#include "kernels/impl.h"
#include "reference/reference.h"

static void conv_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                     void *dst_)
{
    (void)state;
    if (cnb_dt_config_of(&p->dt) != CNB_DTC_F32) {
        cnb_ref_conv_dt(&p->conv, &p->dt, src_, wei_, dst_);
        return;
    }
    cnb_ref_conv(&p->conv, src_, wei_, dst_);
}

static void pool_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                     void *dst_)
{
    (void)state, (void)wei_;
    if (cnb_dt_config_of(&p->dt) != CNB_DTC_F32) {
        cnb_ref_pool_dt(&p->pool, p->dt.src, src_, dst_);
        return;
    }
    cnb_ref_pool(&p->pool, src_, dst_);
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    (void)state;
    if (cnb_dt_config_of(&p->dt) != CNB_DTC_F32) {
        cnb_ref_gemm_dt(&p->gemm, &p->dt, a_, b_, c_);
        return;
    }
    cnb_ref_gemm(&p->gemm, a_, b_, c_);
}

const cnb_impl cnb_conv_f32_ref = {
    .name = "conv/ref", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .dt_mask = (1u << CNB_DTC_COUNT) - 1, .run = conv_run,
};
const cnb_impl cnb_pool_f32_ref = {
    .name = "pool/ref", .op = CNB_OP_POOL, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .dt_mask = (1u << CNB_DTC_COUNT) - 1, .run = pool_run,
};
const cnb_impl cnb_gemm_f32_ref = {
    .name = "gemm/ref", .op = CNB_OP_GEMM, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .dt_mask = (1u << CNB_DTC_COUNT) - 1, .run = gemm_run,
};
