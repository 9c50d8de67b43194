/* The epilogue of the NEON low-precision GEMMs (kernels/lowp.h): one row of 16 accumulators of C
 * (four vectors, columns 0..3, 4..7, 8..11, 12..15) to the output type, the first `cols` of them
 * stored. Included by neon_dotprod.c, neon_bf16.c and neon_i8mm.c; one body, so the rounding
 * rules cannot drift apart between them. The rules are the reference's (reference/reference.h),
 * as in the AVX-512 epilogue (lowp_avx512.h):
 *   f32 accumulators → f32 as they are; → bf16 rounded to nearest even
 *   s32 accumulators → s32 as they are; → u8/s8 saturate(RNE(acc / 2^shift)), in integers
 * The accumulators are exact (exact-mode data), so this one rounding is the reference's.
 * Column tails go through a 64-byte staging row and a memcpy of the stored columns only. */
#ifndef CNB_KERNELS_GEMM_LOWP_NEON_H
#define CNB_KERNELS_GEMM_LOWP_NEON_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "kernels/lowp.h"

/* acc / 2^shift rounded to nearest even, in int32 (no addition to acc itself: no overflow). */
static inline int32x4_t cnb_lowp_neon_shift_rne(int32x4_t acc, int shift)
{
    if (shift == 0) return acc;
    const int32x4_t q = vshlq_s32(acc, vdupq_n_s32(-shift));   /* arithmetic shift right */
    const int32x4_t r = vandq_s32(acc, vdupq_n_s32((int32_t)((1u << shift) - 1)));   /* ≥ 0 */
    const int32x4_t half = vdupq_n_s32((int32_t)(1u << (shift - 1)));
    const uint32x4_t odd = vtstq_s32(q, vdupq_n_s32(1));
    const uint32x4_t up = vorrq_u32(vcgtq_s32(r, half), vandq_u32(vceqq_s32(r, half), odd));
    return vsubq_s32(q, vreinterpretq_s32_u32(up));   /* up is all ones (−1) where q rounds up */
}

/* f32 → bf16 bits, round to nearest even, for finite values: add 0x7fff plus the lowest kept
 * bit, keep the upper half. */
static inline uint16x4_t cnb_lowp_neon_bf16_rne(float32x4_t x)
{
    const uint32x4_t u = vreinterpretq_u32_f32(x);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    return vshrn_n_u32(vaddq_u32(u, vaddq_u32(lsb, vdupq_n_u32(0x7fff))), 16);
}

static inline void cnb_lowp_neon_put(void *dst, const void *row, int cols, int es)
{
    if (cols == 16) memcpy(dst, row, (size_t)16 * es);
    else memcpy(dst, row, (size_t)cols * es);
}

/* Row segment of C (16 columns at c + index, 1 ≤ cols ≤ 16 stored) from int32 accumulators. */
static inline void cnb_lowp_neon_store_s32(const cnb_lowp_state *s, void *c, int64_t index,
                                           const int32x4_t v[4], int cols)
{
    if (s->t.dst == CNB_DT_S32) {
        int32_t *p = (int32_t *)c + index;
        if (cols == 16) {
            for (int w = 0; w < 4; w++) vst1q_s32(p + 4 * w, v[w]);
            return;
        }
        int32_t row[16];
        for (int w = 0; w < 4; w++) vst1q_s32(row + 4 * w, v[w]);
        cnb_lowp_neon_put(p, row, cols, 4);
        return;
    }
    int16x4_t h[4];
    for (int w = 0; w < 4; w++) h[w] = vqmovn_s32(cnb_lowp_neon_shift_rne(v[w], s->shift));
    /* Saturating narrows: int32 → int16, then → u8 or s8 (saturating twice is saturating once). */
    const int16x8_t lo = vcombine_s16(h[0], h[1]), hi = vcombine_s16(h[2], h[3]);
    uint8_t row[16];
    if (s->t.dst == CNB_DT_U8)
        vst1q_u8(row, vcombine_u8(vqmovun_s16(lo), vqmovun_s16(hi)));
    else
        vst1q_s8((int8_t *)row, vcombine_s8(vqmovn_s16(lo), vqmovn_s16(hi)));
    cnb_lowp_neon_put((uint8_t *)c + index, row, cols, 1);
}

/* The same from f32 accumulators (f32 or bf16 out). */
static inline void cnb_lowp_neon_store_f32(const cnb_lowp_state *s, void *c, int64_t index,
                                           const float32x4_t v[4], int cols)
{
    if (s->t.dst == CNB_DT_F32) {
        float row[16];
        for (int w = 0; w < 4; w++) vst1q_f32(row + 4 * w, v[w]);
        cnb_lowp_neon_put((float *)c + index, row, cols, 4);
        return;
    }
    uint16_t row[16];
    for (int w = 0; w < 4; w++) vst1_u16(row + 4 * w, cnb_lowp_neon_bf16_rne(v[w]));
    cnb_lowp_neon_put((uint16_t *)c + index, row, cols, 2);
}

#endif
