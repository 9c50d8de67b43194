/* The epilogue of the AMX convolutions (direct_amx.c, fewic_amx.c): the rows of one C tile,
 * stored by _tile_stored into a 16 × 16 int32 / f32 buffer, converted to dst's type and written
 * to nCx16c, where a tile's pixels × 16 channels are contiguous (all 16 lanes are written: the
 * padding channels' sums are 0, the zero their padding must hold). The narrowing conversions
 * pack 2 (bf16) or 4 (u8/s8) pixels into one 64-byte store, masked at the last valid pixel.
 * Include only from files compiled for the amx level (AVX-512 BW is part of it). */
#ifndef CNB_KERNELS_CONV_AMX_EPI_H
#define CNB_KERNELS_CONV_AMX_EPI_H

#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"

/* How the epilogue converts, chosen once in prepare (cnb_amx_epi_kind). */
enum { CNB_AMX_EPI_COPY, CNB_AMX_EPI_BF16, CNB_AMX_EPI_U8, CNB_AMX_EPI_S8, CNB_AMX_EPI_ANY };

/* f32 or s32 out: a copy; bf16: RNE on the f32 sums; u8/s8 with a shift of 0..16: through f32
 * (requant_f32); anything else: the shared store of kernels/gemm/lowp_avx512.h, one vector a
 * pixel. */
static inline int cnb_amx_epi_kind(const cnb_lowp_state *e)
{
    if (e->t.dst == CNB_DT_F32 || e->t.dst == CNB_DT_S32) return CNB_AMX_EPI_COPY;
    if (e->t.dst == CNB_DT_BF16) return CNB_AMX_EPI_BF16;
    if (e->shift >= 0 && e->shift <= 16) return e->t.dst == CNB_DT_U8 ? CNB_AMX_EPI_U8 : CNB_AMX_EPI_S8;
    return CNB_AMX_EPI_ANY;
}

/* f32 → bf16 rounded to nearest even (the rule of cnb_lowp_bf16_rne), the result left in the
 * upper 16 bits of each lane. */
static inline __m512i cnb_amx_bf16_rne_hi(__m512i u)
{
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    return _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
}

/* acc / 2^shift rounded to nearest even, for 0 ≤ shift ≤ 16, then narrowed with saturation by
 * the caller: through f32, which is exact where it matters. |acc| < 2^24 converts exactly, the
 * power-of-two scale is exact and the conversion back rounds to nearest even; |acc| ≥ 2^24 may
 * round in the conversion, but then |acc / 2^shift| ≥ 2^8 on both sides of it, and u8 / s8
 * saturate it the same way (nor can the result overflow int32: |acc / 2^shift| < 2^30). */
static inline __m512i cnb_amx_requant_f32(__m512i acc, __m512 scale)
{
    return _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* Rows 0..m-1 (1 ≤ m ≤ 16) of a tile buffer b to dst at element index base (m pixels × 16
 * channels, contiguous). kind: cnb_amx_epi_kind(e). */
static inline void cnb_amx_epi_rows(int kind, const cnb_lowp_state *e, const int32_t *b, void *dst,
                                    int64_t base, int m)
{
    const __m512 scale = _mm512_set1_ps(1.0f / (float)(1 << (e->shift & 31)));
    /* bf16: the upper halves of 32 rounded f32 of two registers, in order */
    const __m512i odd16 = _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33,
                                           31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    /* u8 / s8: the packs leave pixel j's 4 dwords of lane l at dword 4l + j; back to 4j + l */
    const __m512i tr4 = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    switch (kind) {
    case CNB_AMX_EPI_COPY:
        for (int i = 0; i < m; i++)
            _mm512_storeu_si512((int32_t *)dst + base + i * 16, _mm512_load_si512(b + i * 16));
        break;
    case CNB_AMX_EPI_BF16:
        for (int i = 0; i < m; i += 2) {
            const __m512i r0 = cnb_amx_bf16_rne_hi(_mm512_load_si512(b + i * 16));
            const __m512i r1 = cnb_amx_bf16_rne_hi(_mm512_load_si512(b + i * 16 + 16));
            _mm512_mask_storeu_epi16((uint16_t *)dst + base + i * 16, m - i >= 2 ? ~0u : 0xffffu,
                                     _mm512_permutex2var_epi16(r0, odd16, r1));
        }
        break;
    case CNB_AMX_EPI_U8:
    case CNB_AMX_EPI_S8:
        for (int i = 0; i < m; i += 4) {
            __m512i v[4];
            for (int j = 0; j < 4; j++) {
                v[j] = _mm512_load_si512(b + (i + j) * 16);
                if (e->shift) v[j] = cnb_amx_requant_f32(v[j], scale);
            }
            const __m512i w01 = _mm512_packs_epi32(v[0], v[1]), w23 = _mm512_packs_epi32(v[2], v[3]);
            const __m512i x = kind == CNB_AMX_EPI_U8 ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
            const __mmask64 mk = m - i >= 4 ? ~(__mmask64)0 : ((__mmask64)1 << ((m - i) * 16)) - 1;
            _mm512_mask_storeu_epi8((uint8_t *)dst + base + i * 16, mk, _mm512_permutexvar_epi32(tr4, x));
        }
        break;
    default:
        for (int i = 0; i < m; i++) {
            const __m512i v = _mm512_load_si512(b + i * 16);
            if (e->esize == 1)
                cnb_lowp_store_s32acc(e, dst, base + i * 16, v, 0xffff);
            else
                cnb_lowp_store_f32acc(e, dst, base + i * 16, _mm512_castsi512_ps(v), 0xffff);
        }
        break;
    }
}

#endif
