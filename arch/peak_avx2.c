/* AVX2 + FMA roofline probe kernels (compiled with -mavx2 -mfma).
 * FMA: 12 independent ymm accumulators acc = acc*m + d (m, d in two more ymm; 14 of the 16 ymm
 * registers), enough for FMA latency 4-5 x 2 per cycle; 12 x 8 lanes x 2 = 192 FLOPs per
 * iteration. m < 1 keeps every chain bounded (converges to d/(1-m)), no denormals.
 * Triad: 4 ymm per array per iteration (n is a multiple of 64, so 2 iterations per 64). */
#include <immintrin.h>

#include "arch/peak.h"

double cnb_peak_f32__avx2(long iters, float *sink)
{
    volatile float mv = 0.999999f, dv = 1e-6f;   /* opaque to the optimiser */
    const __m256 m = _mm256_set1_ps(mv), d = _mm256_set1_ps(dv);
    __m256 acc0 = _mm256_set1_ps(0.0f), acc1 = _mm256_set1_ps(0.1f);
    __m256 acc2 = _mm256_set1_ps(0.2f), acc3 = _mm256_set1_ps(0.3f);
    __m256 acc4 = _mm256_set1_ps(0.4f), acc5 = _mm256_set1_ps(0.5f);
    __m256 acc6 = _mm256_set1_ps(0.6f), acc7 = _mm256_set1_ps(0.7f);
    __m256 acc8 = _mm256_set1_ps(0.8f), acc9 = _mm256_set1_ps(0.9f);
    __m256 acc10 = _mm256_set1_ps(1.0f), acc11 = _mm256_set1_ps(1.1f);
    for (long i = 0; i < iters; i++) {
        acc0 = _mm256_fmadd_ps(acc0, m, d);
        acc1 = _mm256_fmadd_ps(acc1, m, d);
        acc2 = _mm256_fmadd_ps(acc2, m, d);
        acc3 = _mm256_fmadd_ps(acc3, m, d);
        acc4 = _mm256_fmadd_ps(acc4, m, d);
        acc5 = _mm256_fmadd_ps(acc5, m, d);
        acc6 = _mm256_fmadd_ps(acc6, m, d);
        acc7 = _mm256_fmadd_ps(acc7, m, d);
        acc8 = _mm256_fmadd_ps(acc8, m, d);
        acc9 = _mm256_fmadd_ps(acc9, m, d);
        acc10 = _mm256_fmadd_ps(acc10, m, d);
        acc11 = _mm256_fmadd_ps(acc11, m, d);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)),
                             _mm256_add_ps(_mm256_add_ps(acc4, acc5), _mm256_add_ps(acc6, acc7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(acc8, acc9), _mm256_add_ps(acc10, acc11)));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    *sink = _mm_cvtss_f32(h);
    return (double)iters * 12 * 8 * 2;
}

void cnb_peak_triad__avx2(float *restrict a, const float *restrict b, const float *restrict c,
                          float s, long n)
{
    const __m256 vs = _mm256_set1_ps(s);
    for (long i = 0; i < n; i += 32) {
        __m256 r0 = _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i), _mm256_loadu_ps(b + i));
        __m256 r1 = _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 r2 = _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 r3 = _mm256_fmadd_ps(vs, _mm256_loadu_ps(c + i + 24), _mm256_loadu_ps(b + i + 24));
        _mm256_storeu_ps(a + i, r0);
        _mm256_storeu_ps(a + i + 8, r1);
        _mm256_storeu_ps(a + i + 16, r2);
        _mm256_storeu_ps(a + i + 24, r3);
    }
}
