/* Pooling micro-kernels for AVX2 on nC[D]HW8c: pool/avx2_window, in f32, bf16, u8, s8.
 * Contract: kernels/pool/ukernel.h (one ymm = one pixel of a 8-channel block in float or int32
 * lanes; u8/s8 max: the low 8 bytes of an xmm); no channel tail: the layout pads channels to 8
 * with zeros. The body is kernels/pool/body.h; this file gives it the blocking table and the
 * vector layer. */
#include <immintrin.h>
#include <stdint.h>

/* Blocking table: channel block (one ymm), pixels per group (any window; small dense
 * windows), vector registers. */
enum { CB = 8, PX = 8, PX_C = 6, NREG = 16 };

typedef __m256 vec;
static inline vec v_set1(float x) { return _mm256_set1_ps(x); }
static inline vec v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, vec v) { _mm256_storeu_ps(p, v); }
/* vmaxps returns its second operand when either is NaN: acc, as the reference keeps it. */
static inline vec v_max(vec tap, vec acc) { return _mm256_max_ps(tap, acc); }
static inline vec v_add(vec a, vec b) { return _mm256_add_ps(a, b); }
static inline vec v_div(vec a, vec b) { return _mm256_div_ps(a, b); }

/* Typed hooks. bf16 is the high half of a float: widened by a zero-extension and a shift. */
static inline __m256i v_bits(vec v) { return _mm256_castps_si256(v); }
static inline vec v_from_bits(__m256i x) { return _mm256_castsi256_ps(x); }
/* 8 int32 lanes, each in [0, 0xffff], to 8 u16 in lane order. */
static inline void store_u16(uint16_t *p, __m256i x)
{
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    _mm_storeu_si128((__m128i *)p, w);
}
static inline vec v_load_bf16(const uint16_t *p)
{
    return v_from_bits(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
static inline void v_store_bf16(uint16_t *p, vec v) { store_u16(p, _mm256_srli_epi32(v_bits(v), 16)); }
/* Round to nearest even at bit 16: add 0x7fff plus the lowest kept bit, then truncate (finite
 * values; a NaN's payload could carry into the exponent, and exact mode has none). */
static inline void v_store_bf16_rne(uint16_t *p, vec v)
{
    const __m256i x = v_bits(v);
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
    const __m256i r = _mm256_add_epi32(x, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff)));
    store_u16(p, _mm256_srli_epi32(r, 16));
}
static inline vec v_load_u8_s32(const uint8_t *p)
{
    return v_from_bits(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}
static inline vec v_load_s8_s32(const int8_t *p)
{
    return v_from_bits(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}
static inline vec v_add_s32(vec a, vec b) { return v_from_bits(_mm256_add_epi32(v_bits(a), v_bits(b))); }
static inline vec v_cvt_s32(vec a) { return _mm256_cvtepi32_ps(v_bits(a)); }
/* Rounded to an integral float by the instruction's own rule (nearest even, not MXCSR's), so
 * the conversion is exact; then packed with signed saturation to 16 bits and to 8. */
static inline __m128i to_s16(vec v)
{
    const __m256i i = _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    return _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
}
static inline void v_store_u8_rne(uint8_t *p, vec v)
{
    const __m128i w = to_s16(v);
    _mm_storel_epi64((__m128i *)p, _mm_packus_epi16(w, w));
}
static inline void v_store_s8_rne(int8_t *p, vec v)
{
    const __m128i w = to_s16(v);
    _mm_storel_epi64((__m128i *)p, _mm_packs_epi16(w, w));
}
/* Narrow bytes: one pixel is 8 bytes, the low half of the low xmm of the ymm (the casts cost
 * nothing; the other bytes are never stored). */
static inline __m128i v_lo(vec v) { return _mm256_castsi256_si128(v_bits(v)); }
static inline vec v_from_lo(__m128i x) { return v_from_bits(_mm256_castsi128_si256(x)); }
static inline vec v_set1_i8(int x) { return v_from_lo(_mm_set1_epi8((char)x)); }
static inline vec v_load_i8(const void *p) { return v_from_lo(_mm_loadl_epi64((const __m128i *)p)); }
static inline vec v_max_u8(vec tap, vec acc) { return v_from_lo(_mm_max_epu8(v_lo(tap), v_lo(acc))); }
static inline vec v_max_s8(vec tap, vec acc) { return v_from_lo(_mm_max_epi8(v_lo(tap), v_lo(acc))); }
static inline void v_store_i8(void *p, vec v) { _mm_storel_epi64((__m128i *)p, v_lo(v)); }

#include "kernels/pool/body.h"

const cnb_pool_blocked_kernels cnb_pool_kernels__avx2 = {.cb = CB, .px = PX, .px_c = PX_C, POOL_KERNELS};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    (void)state;
    (void)wei_;
    cnb_pool_blocked_run(&cnb_pool_kernels__avx2, &p->pool, p->dt.src, src_, dst_);
}

const cnb_impl cnb_pool_f32_window__avx2 = {
    .name = "pool/avx2_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_AVX2,
    .layout = CNB_LAYOUT_NCX8C,
    .dt_mask = CNB_DTM(CNB_DTC_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8U8U8) |
               CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
