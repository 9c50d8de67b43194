/* Armv8.2 dot-product compute probe (compiled with the neon_dotprod row's flags): sdot, each of
 * the 4 lanes adds four s8 x s8 products to an int32 accumulator, 32 operations per instruction
 * (a multiply and an add counting two). 16 independent accumulators; int32 wrap-around in a long
 * run is harmless. */
#include <arm_neon.h>

#include "arch/peak.h"

#define X16(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)

double cnb_peak_int8__neon_dotprod(long iters, float *sink)
{
    volatile int8_t av = 3, bv = -2;   /* opaque to the optimiser */
    const int8x16_t a = vdupq_n_s8(av), b = vdupq_n_s8(bv);
#define INIT(i) int32x4_t acc##i = vdupq_n_s32(i);
    X16(INIT)
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = vdotq_s32(acc##i, a, b);
        X16(STEP)
    }
    int32x4_t s = vdupq_n_s32(0);
#define SUM(i) s = vaddq_s32(s, acc##i);
    X16(SUM)
    *sink = (float)vaddvq_s32(s);
    return (double)iters * 16 * 4 * 4 * 2;
}
