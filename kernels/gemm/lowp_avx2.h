/* The int32 epilogue of the low-precision kernels in AVX2 (the AVX-VNNI level): 16 accumulators
 * of one row segment, held as two ymm halves (lanes 0..7, 8..15), to the output type. Included by
 * kernels/conv/avx_vnni.c and the AVX-VNNI GEMM (kernels/gemm/avx_vnni.c). The rules are the
 * reference's (reference/reference.h), as in
 * lowp_avx512.h:
 *   s32 accumulators → s32 as they are; → u8/s8 saturate(RNE(acc / 2^shift)), in integers. */
#ifndef CNB_KERNELS_GEMM_LOWP_AVX2_H
#define CNB_KERNELS_GEMM_LOWP_AVX2_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/lowp.h"

/* acc / 2^shift rounded to nearest even, in int32 (no addition to acc itself: no overflow). */
static inline __m256i cnb_lowp_avx2_shift_rne(__m256i acc, int shift)
{
    if (shift == 0) return acc;
    const __m128i count = _mm_cvtsi32_si128(shift);
    const __m256i one = _mm256_set1_epi32(1), half = _mm256_set1_epi32((int)(1u << (shift - 1)));
    const __m256i q = _mm256_sra_epi32(acc, count);                                  /* floor */
    const __m256i r = _mm256_and_si256(acc, _mm256_set1_epi32((int)((1u << shift) - 1)));  /* ≥ 0 */
    const __m256i q_odd = _mm256_cmpeq_epi32(_mm256_and_si256(q, one), one);
    const __m256i up = _mm256_or_si256(_mm256_cmpgt_epi32(r, half),
                                       _mm256_and_si256(_mm256_cmpeq_epi32(r, half), q_odd));
    return _mm256_sub_epi32(q, up);   /* up is −1 in the lanes that round up */
}

/* 16 outputs at c + index (elements of s->t.dst), the first `cols` of them stored (1..16), from
 * the int32 halves lo (lanes 0..7) and hi (8..15). */
static inline void cnb_lowp_avx2_store_s32acc(const cnb_lowp_state *s, void *c, int64_t index,
                                              __m256i lo, __m256i hi, int cols)
{
    if (s->t.dst == CNB_DT_S32) {
        int32_t *p = (int32_t *)c + index;
        if (cols == 16) {
            _mm256_storeu_si256((__m256i *)p, lo);
            _mm256_storeu_si256((__m256i *)(p + 8), hi);
            return;
        }
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), n = _mm256_set1_epi32(cols);
        _mm256_maskstore_epi32(p, _mm256_cmpgt_epi32(n, iota), lo);
        _mm256_maskstore_epi32(p + 8, _mm256_cmpgt_epi32(_mm256_sub_epi32(n, _mm256_set1_epi32(8)), iota), hi);
        return;
    }
    lo = cnb_lowp_avx2_shift_rne(lo, s->shift);
    hi = cnb_lowp_avx2_shift_rne(hi, s->shift);
    /* int32 → int16 with signed saturation, then → u8 or s8: saturating twice equals saturating
     * once, the int16 range holding both 8-bit ranges. The 128-bit packs keep the lane order. */
    const __m128i w_lo = _mm_packs_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    const __m128i w_hi = _mm_packs_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
    const __m128i bytes = s->t.dst == CNB_DT_U8 ? _mm_packus_epi16(w_lo, w_hi) : _mm_packs_epi16(w_lo, w_hi);
    uint8_t *p = (uint8_t *)c + index;
    if (cols == 16) {
        _mm_storeu_si128((__m128i *)p, bytes);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, bytes);
        memcpy(p, tmp, (size_t)cols);
    }
}

#endif
