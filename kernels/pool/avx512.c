/* Pooling micro-kernels for AVX-512 on nC[D]HW16c: pool/avx512_window, in f32, bf16, u8, s8.
 * Contract: kernels/pool/ukernel.h (one zmm = one pixel of a 16-channel block in float or int32
 * lanes; u8/s8 max: one xmm of 16 bytes); no channel tail: the layout pads channels to 16 with
 * zeros. The body is kernels/pool/body.h; this file gives it the blocking table and the vector
 * layer. */
#include <immintrin.h>
#include <stdint.h>

/* Blocking table: channel block (one zmm), pixels per group (any window; small dense
 * windows), vector registers. */
enum { CB = 16, PX = 8, PX_C = 8, NREG = 32 };

typedef __m512 vec;
static inline vec v_set1(float x) { return _mm512_set1_ps(x); }
static inline vec v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, vec v) { _mm512_storeu_ps(p, v); }
/* vmaxps returns its second operand when either is NaN: acc, as the reference keeps it. */
static inline vec v_max(vec tap, vec acc) { return _mm512_max_ps(tap, acc); }
static inline vec v_add(vec a, vec b) { return _mm512_add_ps(a, b); }
static inline vec v_div(vec a, vec b) { return _mm512_div_ps(a, b); }

/* Typed hooks. bf16 is the high half of a float: widened by a zero-extension and a shift. */
static inline __m512i v_bits(vec v) { return _mm512_castps_si512(v); }
static inline vec v_from_bits(__m512i x) { return _mm512_castsi512_ps(x); }
static inline vec v_load_bf16(const uint16_t *p)
{
    return v_from_bits(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}
static inline void v_store_bf16(uint16_t *p, vec v)
{
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(_mm512_srli_epi32(v_bits(v), 16)));
}
/* Round to nearest even at bit 16: add 0x7fff plus the lowest kept bit, then truncate (finite
 * values; a NaN's payload could carry into the exponent, and exact mode has none). */
static inline void v_store_bf16_rne(uint16_t *p, vec v)
{
    const __m512i x = v_bits(v);
    const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    const __m512i r = _mm512_add_epi32(x, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16)));
}
static inline vec v_load_u8_s32(const uint8_t *p)
{
    return v_from_bits(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)));
}
static inline vec v_load_s8_s32(const int8_t *p)
{
    return v_from_bits(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)));
}
static inline vec v_add_s32(vec a, vec b) { return v_from_bits(_mm512_add_epi32(v_bits(a), v_bits(b))); }
static inline vec v_cvt_s32(vec a) { return _mm512_cvtepi32_ps(v_bits(a)); }
/* The rounding is the instruction's own (nearest even), not MXCSR's; vpmovusdb saturates as
 * unsigned, so negative values are clamped to 0 first. */
static inline void v_store_u8_rne(uint8_t *p, vec v)
{
    const __m512i i = _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128((__m128i *)p, _mm512_cvtusepi32_epi8(_mm512_max_epi32(i, _mm512_setzero_si512())));
}
static inline void v_store_s8_rne(int8_t *p, vec v)
{
    const __m512i i = _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128((__m128i *)p, _mm512_cvtsepi32_epi8(i));
}
/* Narrow bytes: one pixel is 16 bytes, the low xmm of the zmm (the casts cost nothing; the
 * upper lanes are never stored). */
static inline __m128i v_lo(vec v) { return _mm512_castsi512_si128(v_bits(v)); }
static inline vec v_from_lo(__m128i x) { return v_from_bits(_mm512_castsi128_si512(x)); }
static inline vec v_set1_i8(int x) { return v_from_lo(_mm_set1_epi8((char)x)); }
static inline vec v_load_i8(const void *p) { return v_from_lo(_mm_loadu_si128((const __m128i *)p)); }
static inline vec v_max_u8(vec tap, vec acc) { return v_from_lo(_mm_max_epu8(v_lo(tap), v_lo(acc))); }
static inline vec v_max_s8(vec tap, vec acc) { return v_from_lo(_mm_max_epi8(v_lo(tap), v_lo(acc))); }
static inline void v_store_i8(void *p, vec v) { _mm_storeu_si128((__m128i *)p, v_lo(v)); }

#include "kernels/pool/body.h"

const cnb_pool_blocked_kernels cnb_pool_kernels__avx512 = {.cb = CB, .px = PX, .px_c = PX_C, POOL_KERNELS};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    (void)state;
    (void)wei_;
    cnb_pool_blocked_run(&cnb_pool_kernels__avx512, &p->pool, p->dt.src, src_, dst_);
}

const cnb_impl cnb_pool_f32_window__avx512 = {
    .name = "pool/avx512_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_AVX512,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8U8U8) |
               CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
