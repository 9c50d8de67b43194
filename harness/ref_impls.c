/* The reference as implementations in the registry (last in dispatch order): `conv/ref`,
 * `pool/ref`, `gemm/ref`. Useful to time, and the yardstick every other row is checked against. */
#include "kernels/impl.h"
#include "reference/reference.h"

static void conv_run(void *state, const cnb_problem *p, const float *src, const float *wei,
                     float *dst)
{
    (void)state;
    cnb_ref_conv(&p->conv, src, wei, dst);
}

static void pool_run(void *state, const cnb_problem *p, const float *src, const float *wei,
                     float *dst)
{
    (void)state, (void)wei;
    cnb_ref_pool(&p->pool, src, dst);
}

static void gemm_run(void *state, const cnb_problem *p, const float *a, const float *b, float *c)
{
    (void)state;
    cnb_ref_gemm(&p->gemm, a, b, c);
}

const cnb_impl cnb_conv_f32_ref = {
    .name = "conv/ref", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .run = conv_run,
};
const cnb_impl cnb_pool_f32_ref = {
    .name = "pool/ref", .op = CNB_OP_POOL, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .run = pool_run,
};
const cnb_impl cnb_gemm_f32_ref = {
    .name = "gemm/ref", .op = CNB_OP_GEMM, .isa = CNB_ISA_SCALAR, .layout = CNB_LAYOUT_NCX,
    .run = gemm_run,
};
