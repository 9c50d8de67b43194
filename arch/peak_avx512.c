/* AVX-512 roofline probe kernels (compiled with the AVX-512 flags).
 * FMA: 16 independent zmm accumulators acc = acc*m + d (m, d broadcast in two more zmm), enough
 * to cover FMA latency (4) x throughput (2 per cycle on Intel server cores, 1 zmm on Zen 4);
 * 16 x 16 lanes x 2 = 512 FLOPs per iteration. m < 1 makes every chain converge to d/(1-m),
 * so no overflow or denormals however long it runs.
 * Triad: 4 zmm per array per iteration, unaligned loads/stores (the arrays are 64-byte aligned,
 * so they never split a line). */
#include <immintrin.h>

#include "arch/peak.h"

double cnb_peak_f32__avx512(long iters, float *sink)
{
    volatile float mv = 0.999999f, dv = 1e-6f;   /* opaque to the optimiser */
    const __m512 m = _mm512_set1_ps(mv), d = _mm512_set1_ps(dv);
    __m512 acc0 = _mm512_set1_ps(0.0f), acc1 = _mm512_set1_ps(0.1f);
    __m512 acc2 = _mm512_set1_ps(0.2f), acc3 = _mm512_set1_ps(0.3f);
    __m512 acc4 = _mm512_set1_ps(0.4f), acc5 = _mm512_set1_ps(0.5f);
    __m512 acc6 = _mm512_set1_ps(0.6f), acc7 = _mm512_set1_ps(0.7f);
    __m512 acc8 = _mm512_set1_ps(0.8f), acc9 = _mm512_set1_ps(0.9f);
    __m512 acc10 = _mm512_set1_ps(1.0f), acc11 = _mm512_set1_ps(1.1f);
    __m512 acc12 = _mm512_set1_ps(1.2f), acc13 = _mm512_set1_ps(1.3f);
    __m512 acc14 = _mm512_set1_ps(1.4f), acc15 = _mm512_set1_ps(1.5f);
    for (long i = 0; i < iters; i++) {
        acc0 = _mm512_fmadd_ps(acc0, m, d);
        acc1 = _mm512_fmadd_ps(acc1, m, d);
        acc2 = _mm512_fmadd_ps(acc2, m, d);
        acc3 = _mm512_fmadd_ps(acc3, m, d);
        acc4 = _mm512_fmadd_ps(acc4, m, d);
        acc5 = _mm512_fmadd_ps(acc5, m, d);
        acc6 = _mm512_fmadd_ps(acc6, m, d);
        acc7 = _mm512_fmadd_ps(acc7, m, d);
        acc8 = _mm512_fmadd_ps(acc8, m, d);
        acc9 = _mm512_fmadd_ps(acc9, m, d);
        acc10 = _mm512_fmadd_ps(acc10, m, d);
        acc11 = _mm512_fmadd_ps(acc11, m, d);
        acc12 = _mm512_fmadd_ps(acc12, m, d);
        acc13 = _mm512_fmadd_ps(acc13, m, d);
        acc14 = _mm512_fmadd_ps(acc14, m, d);
        acc15 = _mm512_fmadd_ps(acc15, m, d);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)),
                             _mm512_add_ps(_mm512_add_ps(acc4, acc5), _mm512_add_ps(acc6, acc7)));
    __m512 t = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc8, acc9), _mm512_add_ps(acc10, acc11)),
                             _mm512_add_ps(_mm512_add_ps(acc12, acc13), _mm512_add_ps(acc14, acc15)));
    *sink = _mm512_reduce_add_ps(_mm512_add_ps(s, t));
    return (double)iters * 16 * 16 * 2;
}

void cnb_peak_triad__avx512(float *restrict a, const float *restrict b, const float *restrict c,
                            float s, long n)
{
    const __m512 vs = _mm512_set1_ps(s);
    for (long i = 0; i < n; i += 64) {
        __m512 r0 = _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i), _mm512_loadu_ps(b + i));
        __m512 r1 = _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 r2 = _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 r3 = _mm512_fmadd_ps(vs, _mm512_loadu_ps(c + i + 48), _mm512_loadu_ps(b + i + 48));
        _mm512_storeu_ps(a + i, r0);
        _mm512_storeu_ps(a + i + 16, r1);
        _mm512_storeu_ps(a + i + 32, r2);
        _mm512_storeu_ps(a + i + 48, r3);
    }
}
