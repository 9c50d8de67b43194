/* Arm BF16 compute probe (compiled with the neon_bf16 row's flags): bfdot, each of the 4 lanes
 * adds the two products of a bf16 pair to an FP32 accumulator, 16 FLOPs per instruction.
 * 16 independent accumulators; small operands keep the chains far from overflow. */
#include <arm_neon.h>

#include "arch/peak.h"

#define X16(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)

double cnb_peak_bf16__neon_bf16(long iters, float *sink)
{
    volatile uint16_t av = 0x3a83, bv = 0x3b03;   /* bf16 1e-3 and 2e-3, opaque to the optimiser */
    const bfloat16x8_t a = vreinterpretq_bf16_u16(vdupq_n_u16(av));
    const bfloat16x8_t b = vreinterpretq_bf16_u16(vdupq_n_u16(bv));
#define INIT(i) float32x4_t acc##i = vdupq_n_f32(0.01f * (i));
    X16(INIT)
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = vbfdotq_f32(acc##i, a, b);
        X16(STEP)
    }
    float32x4_t s = vdupq_n_f32(0.0f);
#define SUM(i) s = vaddq_f32(s, acc##i);
    X16(SUM)
    *sink = vaddvq_f32(s);
    return (double)iters * 16 * 4 * 2 * 2;
}
