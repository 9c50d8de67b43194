/* Pooling micro-kernels for NEON (aarch64) on nC[D]HW4c: pool/neon_window.
 * Contract: kernels/pool/ukernel.h (one q register = one pixel of a 4-channel block); no channel
 * tail: the layout pads channels to 4 with zeros. The body is kernels/pool/body.h; this file
 * gives it the blocking table and the vector layer. */
#include <arm_neon.h>

/* Blocking table: channel block (one q register), pixels per group (any window; small dense
 * windows), vector registers. */
enum { CB = 4, PX = 8, PX_C = 8, NREG = 32 };

typedef float32x4_t vec;
static inline vec v_set1(float x) { return vdupq_n_f32(x); }
static inline vec v_load(const float *p) { return vld1q_f32(p); }
static inline void v_store(float *p, vec v) { vst1q_f32(p, v); }
/* FMAXNM ignores a quiet-NaN operand: acc, as the reference keeps it. */
static inline vec v_max(vec tap, vec acc) { return vmaxnmq_f32(acc, tap); }
static inline vec v_add(vec a, vec b) { return vaddq_f32(a, b); }
static inline vec v_div(vec a, vec b) { return vdivq_f32(a, b); }

#include "kernels/pool/body.h"

const cnb_pool_blocked_kernels cnb_pool_kernels__neon = {.cb = CB, .px = PX, .px_c = PX_C, .max = pool_max, .avg = pool_avg};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    (void)wei;
    cnb_pool_blocked_run(&cnb_pool_kernels__neon, &p->pool, src, dst);
}

const cnb_impl cnb_pool_f32_window__neon = {
    .name = "pool/neon_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX4C,
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
