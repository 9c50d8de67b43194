/* AVX-VNNI compute probe (compiled with the avx_vnni row's flags): the VEX-coded vpdpbusd on ymm,
 * each of the 8 lanes adds four u8 x s8 products to an int32 accumulator, 64 operations per
 * instruction. 12 independent accumulators (16 ymm registers, two hold the operands). */
#include <immintrin.h>

#include "arch/peak.h"

#define X12(F) F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11)

double cnb_peak_int8__avx_vnni(long iters, float *sink)
{
    volatile int av = 0x03030303, bv = 0x02fe02fe;   /* opaque to the optimiser */
    const __m256i a = _mm256_set1_epi32(av), b = _mm256_set1_epi32(bv);
#define INIT(i) __m256i acc##i = _mm256_set1_epi32(i);
    X12(INIT)
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm256_dpbusd_avx_epi32(acc##i, a, b);
        X12(STEP)
    }
    __m256i s = _mm256_setzero_si256();
#define SUM(i) s = _mm256_add_epi32(s, acc##i);
    X12(SUM)
    int lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, s);
    long t = 0;
    for (int i = 0; i < 8; i++) t += lanes[i];
    *sink = (float)t;
    return (double)iters * 12 * 8 * 4 * 2;
}
