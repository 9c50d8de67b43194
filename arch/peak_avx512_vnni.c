/* AVX512-VNNI compute probe (compiled with the avx512_vnni row's flags): vpdpbusd, each of the
 * 16 lanes adds four u8 x s8 products to an int32 accumulator, 128 operations per instruction
 * (a multiply and an add counting two). 16 independent accumulators; int32 wrap-around in a long
 * run is harmless (vector integer adds wrap by definition). */
#include <immintrin.h>

#include "arch/peak.h"

#define X16(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)

double cnb_peak_int8__avx512_vnni(long iters, float *sink)
{
    volatile int av = 0x03030303, bv = 0x02fe02fe;   /* u8 3s; s8 +2, -2: opaque to the optimiser */
    const __m512i a = _mm512_set1_epi32(av), b = _mm512_set1_epi32(bv);
#define INIT(i) __m512i acc##i = _mm512_set1_epi32(i);
    X16(INIT)
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm512_dpbusd_epi32(acc##i, a, b);
        X16(STEP)
    }
    __m512i s = _mm512_setzero_si512();
#define SUM(i) s = _mm512_add_epi32(s, acc##i);
    X16(SUM)
    *sink = (float)_mm512_reduce_add_epi32(s);
    return (double)iters * 16 * 16 * 4 * 2;
}
