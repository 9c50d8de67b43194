/* The epilogue of the low-precision GEMMs (kernels/lowp.h), in AVX-512F: 16 accumulators of one
 * row of C to the output type, under a column mask. Included by the ISA files that have
 * AVX-512F (avx512_bf16.c, avx512_vnni.c, amx.c); one body, so the rounding rules cannot drift
 * apart between them. The rules are the reference's (reference/reference.h):
 *   f32 accumulators → f32 as they are; → bf16 rounded to nearest even
 *   s32 accumulators → s32 as they are; → u8/s8 saturate(RNE(acc / 2^shift)), in integers
 * The accumulators are exact (exact-mode data: f32 sums of small integers below 2^24, int32 sums
 * within range), so one rounding here equals the reference's one rounding of the exact sum. */
#ifndef CNB_KERNELS_GEMM_LOWP_AVX512_H
#define CNB_KERNELS_GEMM_LOWP_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "kernels/lowp.h"

/* acc + the u8 × s8 quad products of a and b per lane (vpdpbusd), in inline assembly with the
 * accumulator tied to any of the 32 registers ("+v"). GCC 12's pattern for the intrinsic also
 * holds AVX-VNNI's VEX form, whose registers are zmm0-15 only; with it, GCC keeps a 28-accumulator
 * tile in zmm0-15 and on the stack, and moves each accumulator in and out around its dot product
 * (the GEMM's 14×32 loop had 14 copies and 28 stack stores per k group). Every file that calls
 * it is compiled with AVX512-VNNI. */
static inline __m512i cnb_dpbusd512(__m512i acc, __m512i a, __m512i b)
{
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
}

/* f32 → bf16, round to nearest even, for finite values: add 0x7fff plus the lowest kept bit,
 * keep the upper half (what vcvtneps2bf16 does, without needing AVX512_BF16). */
static inline __m512i cnb_lowp_bf16_rne(__m512 x)
{
    const __m512i u = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    return _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
}

/* acc / 2^shift rounded to nearest even, in int32 (no overflow: no addition to acc itself). */
static inline __m512i cnb_lowp_shift_rne(__m512i acc, int shift)
{
    if (shift == 0) return acc;
    const __m512i one = _mm512_set1_epi32(1), half = _mm512_set1_epi32(1 << (shift - 1));
    const __m512i q = _mm512_srai_epi32(acc, (unsigned)shift);
    const __m512i r = _mm512_and_si512(acc, _mm512_set1_epi32((int)((1u << shift) - 1)));
    const __mmask16 up = _mm512_cmpgt_epi32_mask(r, half) |
                         (_mm512_cmpeq_epi32_mask(r, half) & _mm512_test_epi32_mask(q, one));
    return _mm512_mask_add_epi32(q, up, q, one);
}

/* The same when acc + 2^(shift − 1) cannot overflow (|acc| + 2^(shift − 1) < 2^31, the caller's
 * bound): with q = acc >> shift (floor), RNE(acc / 2^shift) = (acc + 2^(shift − 1) − 1 + (q & 1))
 * >> shift: a remainder above one half carries into the quotient, one below does not, and one
 * of exactly one half carries when q is odd. Five instructions instead of eight. */
static inline __m512i cnb_lowp_shift_rne_add(__m512i acc, int shift)
{
    if (shift == 0) return acc;
    const __m128i cnt = _mm_cvtsi32_si128(shift);
    const __m512i odd = _mm512_and_si512(_mm512_sra_epi32(acc, cnt), _mm512_set1_epi32(1));
    const __m512i bias = _mm512_set1_epi32((int)((1u << (shift - 1)) - 1));
    return _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(acc, bias), odd), cnt);
}

/* One row segment of C (16 columns at c + index, under mask) from f32 accumulators. */
static inline void cnb_lowp_store_f32acc(const cnb_lowp_state *s, void *c, int64_t index,
                                         __m512 acc, __mmask16 mask)
{
    if (s->t.dst == CNB_DT_F32)
        _mm512_mask_storeu_ps((float *)c + index, mask, acc);
    else
        _mm512_mask_cvtepi32_storeu_epi16((uint16_t *)c + index, mask, cnb_lowp_bf16_rne(acc));
}

/* The same from int32 accumulators. */
static inline void cnb_lowp_store_s32acc(const cnb_lowp_state *s, void *c, int64_t index,
                                         __m512i acc, __mmask16 mask)
{
    switch (s->t.dst) {
    case CNB_DT_S32: _mm512_mask_storeu_epi32((int32_t *)c + index, mask, acc); break;
    case CNB_DT_U8:
        _mm512_mask_cvtusepi32_storeu_epi8((uint8_t *)c + index, mask,
                                           _mm512_max_epi32(cnb_lowp_shift_rne(acc, s->shift),
                                                            _mm512_setzero_si512()));
        break;
    default:
        _mm512_mask_cvtsepi32_storeu_epi8((int8_t *)c + index, mask, cnb_lowp_shift_rne(acc, s->shift));
        break;
    }
}

/* The same, every column, rounding with cnb_lowp_shift_rne_add (its bound is the caller's). */
static inline void cnb_lowp_store_s32acc_add(const cnb_lowp_state *s, void *c, int64_t index, __m512i acc)
{
    switch (s->t.dst) {
    case CNB_DT_S32: _mm512_storeu_si512((int32_t *)c + index, acc); break;
    case CNB_DT_U8:
        _mm_storeu_si128((__m128i *)((uint8_t *)c + index),
                         _mm512_cvtusepi32_epi8(_mm512_max_epi32(cnb_lowp_shift_rne_add(acc, s->shift),
                                                                 _mm512_setzero_si512())));
        break;
    default:
        _mm_storeu_si128((__m128i *)((int8_t *)c + index),
                         _mm512_cvtsepi32_epi8(cnb_lowp_shift_rne_add(acc, s->shift)));
        break;
    }
}

/* The mask of the columns of C among j .. j+15 (n = the problem's N). */
static inline __mmask16 cnb_lowp_cols(int j, int n)
{
    const int left = n - j;
    return (__mmask16)(left >= 16 ? 0xffff : left > 0 ? (1u << left) - 1 : 0);
}

#endif
