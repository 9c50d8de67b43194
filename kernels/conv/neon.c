/* NEON direct convolution on nCx4c: conv/neon_direct (cnb_conv_f32_direct__neon).
 * Contract: kernels/conv/ukernel.h (row kernel and depthwise kernels); driver: driver.c; the
 * kernels' body: body.h, over the vector layer below.
 * Registers (32 q), row kernel of nb output-channel blocks × ur pixels (× ks lane split):
 *   accumulators  acc[(t·nb + b)·ur + j]   ur·nb·ks ≤ 24   (24 px × 1 block, 12 × 2, 8 × 3, 6 × 4)
 *   loaded        nb weight vectors per (input channel, tap): 4 output channels each
 *   broadcast     one input value per pixel (ld1r / dup into one register)
 *   free          the rest (≥ 3) for the compiler.
 * Depthwise kernel: ur ≤ 16 accumulators, one weight vector per tap, one src vector load per FMA.
 * Depthwise 3-tap row kernel: ur ≤ 16 accumulators, the 3 weight vectors of a kernel row, one
 *   src vector per window position (feeding up to 3 FMAs; fmla takes no memory operand, so a
 *   plain load stays in its register); 13 free.
 * Tails: none. Channels are padded to whole blocks in the layout and in the packed weights, so
 * every load and store is a full vector inside the buffers; pixel tails are tiles with a smaller
 * ur (one instance per ur, body.h). */
#include <arm_neon.h>

#include "kernels/conv/driver.h"

#define ISA_NAME "neon"
#define B 4          /* channel block (lanes of a q register) */
#define VEC_REGS 32  /* q registers */
#define ACC_REGS 24  /* q registers the row kernel's accumulators may take */
#define DW_UR_MAX 16 /* pixels per depthwise call */
/* The row tiles (nb, ur_max): every ur ≤ ur_max is instantiated, and the table is built from
 * this list (tiles.h); ur·nb·ks ≤ ACC_REGS (checked in prepare). */
#define ROW_TILES(X) X(1, 24) X(2, 12) X(3, 8) X(4, 6)

typedef float32x4_t vec;
static inline vec v_zero(void) { return vdupq_n_f32(0.f); }
static inline vec v_set1(float x) { return vdupq_n_f32(x); }
static inline vec v_load(const float *p) { return vld1q_f32(p); }
static inline void v_store(float *p, vec v) { vst1q_f32(p, v); }
static inline vec v_fma(vec acc, vec a, vec b) { return vfmaq_f32(acc, a, b); }
static inline vec v_add(vec a, vec b) { return vaddq_f32(a, b); }
static inline vec v_load_src3(const float *p, unsigned lanes)
{
    (void)lanes; /* fmla has no memory operand: the loaded x stays in a register */
    return vld1q_f32(p);
}

#include "kernels/conv/body.h"

const cnb_conv_direct_isa cnb_conv_direct_table__neon = CNB_CONV_ISA_TABLE;

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__neon, p, wei);
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p;
    (void)wei;
    cnb_conv_direct_run(state, src, dst);
}

const cnb_impl cnb_conv_f32_direct__neon = {
    .name = "conv/neon_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX4C,
    .supports = cnb_conv_direct_supports,
    .prepare = prepare,
    .run = run,
    .release = cnb_conv_direct_release,
    .kernel_name = cnb_conv_direct_kernel_name,
};
