/* The row kernels of conv/avx512_vnni_fewic (driver: kernels/conv_fewic_lowp.c; body:
 * kernels/conv/fewic_lowp_body.h): vpdpbusd on u8 quads of the interleaved buffer × s8 weight
 * quads, int32 accumulation, s32 out or requantized to u8/s8 through the GEMM's epilogue. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/gemm/lowp_avx512.h"

#define ISA_NAME "avx512_vnni"
#define GROUP 4
#define ROW_TILES(X) X(1, 24) X(2, 12) X(3, 8) X(4, 6)
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_S32) X(nb, ur, CNB_DT_U8) X(nb, ur, CNB_DT_S8)

typedef uint8_t elem_t;
typedef __m512i vec_t;
typedef __m512i acc_t;
static inline vec_t wei_load(const int32_t *p) { return _mm512_load_si512(p); }
/* vpbroadcastd from memory: a load alone (see avx512_vnni.c). */
static inline vec_t bcast_at(const unsigned char *p) { return _mm512_broadcastd_epi32(_mm_loadu_si32(p)); }
static inline acc_t acc_zero(void) { return _mm512_setzero_si512(); }
static inline acc_t acc_dot(acc_t acc, vec_t a, vec_t b) { return cnb_dpbusd512(acc, a, b); }
/* The epilogue, whole blocks, with the GEMM's rules (kernels/gemm/lowp_avx512.h): s32 as it is,
 * u8/s8 saturate(RNE(acc / 2^shift)). Its constants are made once per tile (epi_init), and the
 * rounding is RNE(acc / 2^s) = (acc + 2^(s−1) − 1 + bit s of acc) >> s (arithmetic), as a
 * remainder above one half carries into the quotient, below does not, and exactly one half
 * carries when the quotient is odd: bit s is tested into a mask (vptestmd) and added as a masked
 * subtraction of −1, four operations a block. The addition cannot overflow: the driver takes
 * only windows whose |sum| ≤ K · 255 · 128 stays below 2^30 (fl_supports), and
 * 2^(s−1) ≤ 2^30. Narrowed in a register and stored with a plain move (the narrowing stores to
 * memory are slow on some cores). */
typedef struct epi_k {
    cnb_dt dst;
    int shift;
    __m512i bias, bit;
} epi_k;
static inline __attribute__((always_inline)) epi_k epi_init(const cnb_lowp_state *s)
{
    epi_k k = {.dst = s->t.dst, .shift = s->shift};
    k.bias = _mm512_set1_epi32(s->shift ? (int)((1u << (s->shift - 1)) - 1) : 0);
    k.bit = _mm512_set1_epi32(s->shift ? (int)(1u << s->shift) : 0);
    return k;
}
static inline __attribute__((always_inline)) __m512i epi_rne(const epi_k *k, __m512i acc)
{
    const __mmask16 odd = _mm512_test_epi32_mask(acc, k->bit);
    const __m512i t = _mm512_add_epi32(acc, k->bias);
    const __m512i r = _mm512_mask_sub_epi32(t, odd, t, _mm512_set1_epi32(-1));
    return _mm512_srai_epi32(r, (unsigned)k->shift);
}
static inline __attribute__((always_inline)) void blk_store(const epi_k *k, void *c, int64_t index,
                                                             const acc_t *v)
{
    switch (k->dst) {
    case CNB_DT_S32: _mm512_storeu_si512((int32_t *)c + index, v[0]); break;
    case CNB_DT_U8:
        _mm_storeu_si128((__m128i *)((uint8_t *)c + index),
                         _mm512_cvtusepi32_epi8(_mm512_max_epi32(epi_rne(k, v[0]), _mm512_setzero_si512())));
        break;
    default: _mm_storeu_si128((__m128i *)((int8_t *)c + index), _mm512_cvtsepi32_epi8(epi_rne(k, v[0]))); break;
    }
}
/* Four pixels of a block (64 adjacent bytes of u8/s8): packed with saturation (int32 → int16
 * → 8 bits, signed then unsigned or signed: the same as one clamp to the type's range), which
 * leaves each 128-bit lane holding 4 bytes of each pixel; one vpermd puts the pixels in order. */
#define STORE_PX 4
static inline __attribute__((always_inline)) void blk_store_px(const epi_k *k, void *c, int64_t index,
                                                                const acc_t *v)
{
    if (k->dst == CNB_DT_S32) {
        /* Four stores written out: a loop over v would index the accumulators with a variable
         * before the unrolling, and keep them all in memory. */
        _mm512_storeu_si512((int32_t *)c + index, v[0]);
        _mm512_storeu_si512((int32_t *)c + index + 16, v[1]);
        _mm512_storeu_si512((int32_t *)c + index + 32, v[2]);
        _mm512_storeu_si512((int32_t *)c + index + 48, v[3]);
        return;
    }
    const __m512i ab = _mm512_packs_epi32(epi_rne(k, v[0]), epi_rne(k, v[1]));
    const __m512i cd = _mm512_packs_epi32(epi_rne(k, v[2]), epi_rne(k, v[3]));
    const __m512i x = k->dst == CNB_DT_U8 ? _mm512_packus_epi16(ab, cd) : _mm512_packs_epi16(ab, cd);
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    _mm512_storeu_si512((uint8_t *)c + index, _mm512_permutexvar_epi32(order, x));
}

#define PACK16 NULL
#include "kernels/conv/fewic_lowp_body.h"

const cnb_fewic_lowp_isa cnb_fewic_lowp_table__avx512_vnni = CNB_FEWIC_LOWP_TABLE;
