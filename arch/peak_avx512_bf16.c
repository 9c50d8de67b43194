/* AVX512-BF16 compute probe (compiled with the avx512_bf16 row's flags): vdpbf16ps, each of the
 * 16 lanes adds the two products of a bf16 pair to an FP32 accumulator, 64 FLOPs per instruction.
 * 16 independent accumulators cover the latency times two ports. The operands are small, so the
 * chains grow slowly and never overflow however long the probe runs. */
#include <immintrin.h>

#include "arch/peak.h"

#define X16(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)

double cnb_peak_bf16__avx512_bf16(long iters, float *sink)
{
    volatile float av = 1e-3f, bv = 2e-3f;   /* opaque to the optimiser */
    const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(av), _mm512_set1_ps(av));
    const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(bv), _mm512_set1_ps(bv));
#define INIT(i) __m512 acc##i = _mm512_set1_ps(0.01f * (i));
    X16(INIT)
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm512_dpbf16_ps(acc##i, a, b);
        X16(STEP)
    }
    __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, acc##i);
    X16(SUM)
    *sink = _mm512_reduce_add_ps(s);
    return (double)iters * 16 * 16 * 2 * 2;
}
