/* The micro-kernels of the low-precision direct convolution (contract: kernels/conv_lowp.h), one
 * body compiled into each x86 dot-product ISA file (avx512_bf16.c, avx512_vnni.c: zmm, one vector
 * per 16-channel block; avx_vnni.c: ymm, two halves per block) with its own flags. The including
 * file defines, before including this:
 *
 *   ISA_NAME "avx512_bf16"   for messages
 *   GROUP                    elements per 32-bit group (bf16: 2, u8/s8: 4)
 *   VL                       32-bit lanes per vector (16 or 8); a block is NV = 16 / VL vectors
 *   ROW_TILES(X), DW_UR_MAX  its row tiles (nb, ur_max) and depthwise pixels, as tiles.h says
 *   DST_TYPES(X, nb, ur)     X(nb, ur, CNB_DT_...) for each output type it stores
 *   typedef ... vec_t;       the integer vector of the dot products' operands (__m512i, __m256i)
 *   typedef ... acc_t;       the accumulator vector (__m512, __m512i, __m256i), and static inline
 *     vec_t wei_load(const int32_t *p);                VL packed weight words (aligned)
 *     vec_t bcast_group(const int32_t *p);             one 32-bit group to every lane
 *     acc_t acc_zero(void);
 *     acc_t acc_dot(acc_t acc, vec_t a, vec_t b);      acc += the GROUP products of each lane
 *     void  blk_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v);
 *                                                       the NV vectors v[0 .. NV-1] of one whole
 *                                                       16-channel block through the GEMM's
 *                                                       epilogue (lowp_avx512.h, lowp_avx2.h)
 *     acc_t acc_ld(const void *p, ptrdiff_t i);         partial sums from the scratch (aligned)
 *     void  acc_st(void *p, ptrdiff_t i, acc_t v);      and back
 *     acc_t dw_load_src(const void *src, ptrdiff_t i);  VL elements from element i, widened
 *     acc_t dw_load_wei(const int32_t *w);              VL packed depthwise weights
 *     acc_t dw_mac(acc_t acc, acc_t x, acc_t w);        acc + x·w, exact
 *   S8_INIT                  1 when the driver may pass args.init (int8: the s8-source
 *                            compensation), 0 when never (bf16: no code for it)
 *
 * and gets row and dw for its table (CNB_CONV_LOWP_TABLE). No store is masked: nCx16c blocks are
 * whole in memory (a channel tail is zero padding of the block), so every block is stored whole.
 *
 * Row kernel, registers: nb·NV·ur accumulators, nb·NV weight vectors and one broadcast (32 zmm:
 * nb·ur ≤ 28; 16 ymm: 2·nb·ur ≤ 12). Per (input block, tap, group q < nq): nb·NV loads of the packed
 * weights (16 output channels × one group each: 64 bytes per block), then per pixel one
 * broadcast of its group q and nb·NV dot products. Every tile is a constant-shape instance
 * selected by a switch on (nb, ur); the pixel stride is also a constant for stride-1 rows (fewer
 * address registers). */
#ifndef CNB_KERNELS_CONV_LOWP_BODY_H
#define CNB_KERNELS_CONV_LOWP_BODY_H

#include <stdint.h>

#include "kernels/conv/driver.h"
#include "kernels/conv/tiles.h"
#include "kernels/conv_lowp.h"

#ifndef DW_QUADS
#define DW_QUADS 0   /* 1: the file has the quad depthwise kernel (zmm, vpdpbusd, dw_quad_load) */
#endif
#ifndef DW_REUSE
#define DW_REUSE 0   /* 1: 3-tap depthwise rows reuse each widened input (lowp_dw_reuse_tile) */
#endif

CNB_CONV_CHECK_TILES(ROW_TILES);
#define QB (16 / GROUP)   /* groups per pixel of a 16-channel block */
#define NV (16 / VL)      /* vectors per 16-channel block */
#define ACC_MAX 28        /* accumulators of the largest tile, nb·NV·ur */
_Static_assert(VL == 16 || VL == 8, "VL: 16 or 8 lanes");
#define LOWP_ACC_OK_(nb, n) &&(nb) * (n) * NV <= ACC_MAX
_Static_assert(1 ROW_TILES(LOWP_ACC_OK_), "ROW_TILES: a tile beyond ACC_MAX accumulators");

/* The epilogue of a finished tile, out of line: the nb·NV·ur sums, stored in v (block b, pixel
 * j, half h at v[(b·ur + j)·NV + h]), go through the GEMM's epilogue to dst, one loop per output
 * type with the type a constant. It runs once per tile after the whole reduction, so the round
 * trip through v costs little, and the tile instances below stay one per (nb, ur, pixel stride)
 * instead of one per output type as well (the instances are what the compile time of this file
 * is made of). */
static inline __attribute__((always_inline)) void lowp_epilogue_type(const cnb_conv_lowp_args *a,
                                                                      int nb, int ur,
                                                                      const acc_t *v, cnb_dt type)
{
    cnb_lowp_state epi = *a->epi;
    epi.t.dst = type;
    /* Locals, as the stores may alias *a. */
    void *const dst = a->dst;
    const int64_t d0 = a->dst_index;
    const ptrdiff_t dob = a->dst_ob;
    for (int b = 0; b < nb; b++)
        for (int j = 0; j < ur; j++) blk_store(&epi, dst, d0 + b * dob + j * 16, v + (b * ur + j) * NV);
}
#define LOWP_EPILOGUE_TYPE(nb, ur, type)                                                           \
    case type: lowp_epilogue_type(a, nb, ur, v, type); return;
static __attribute__((noinline)) void lowp_epilogue(const cnb_conv_lowp_args *a, int nb, int ur,
                                                    const acc_t *v)
{
    switch (a->epi->t.dst) {
        DST_TYPES(LOWP_EPILOGUE_TYPE, nb, ur)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp epilogue (its output type)", nb, ur);
}

/* The epilogue in the tile itself (EPI_INLINE, the ISA file's choice): the sums go from their
 * registers through blk_store_inline to dst, one loop per output type with the type a
 * constant, with no round trip through memory and no call: with a short reduction (a 1x1
 * layer of 64 input channels) the out-of-line epilogue above is a large share of a tile's
 * time. EPI_INLINE 1: always; 2 (int8): for an s32 output, or when the driver's bound lets
 * the requantization round by adding (args.round_add); otherwise, and with EPI_INLINE 0, the
 * out-of-line epilogue. Returns 0 when it did not store. */
#ifndef EPI_INLINE
#define EPI_INLINE 0
#endif
#if EPI_INLINE
static inline __attribute__((always_inline)) void lowp_epilogue_inl_type(const cnb_conv_lowp_args *a,
                                                                          int nb, int ur,
                                                                          const acc_t *acc, cnb_dt type)
{
    cnb_lowp_state epi = *a->epi;
    epi.t.dst = type;
    void *const dst = a->dst;
    const int64_t d0 = a->dst_index;
    const ptrdiff_t dob = a->dst_ob;
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
        for (int j = 0; j < ur; j++) blk_store_inline(&epi, dst, d0 + b * dob + j * 16, acc + (b * ur + j) * NV);
}
#define LOWP_EPILOGUE_INL_TYPE(nb, ur, type)                                                       \
    case type: lowp_epilogue_inl_type(a, nb, ur, acc, type); return 1;
#endif
static inline __attribute__((always_inline)) int lowp_epilogue_inline(const cnb_conv_lowp_args *a,
                                                                       int nb, int ur, const acc_t *acc)
{
#if EPI_INLINE
    if (EPI_INLINE == 2 && !a->round_add && a->epi->t.dst != CNB_DT_S32) return 0;
    switch (a->epi->t.dst) {
        DST_TYPES(LOWP_EPILOGUE_INL_TYPE, nb, ur)
    default: break;
    }
#else
    (void)a, (void)nb, (void)ur, (void)acc;
#endif
    return 0;
}

/* One group step of a row tile: group q of the tap at w (packed weights, nb blocks wob apart)
 * and at s (pixel j at s + j·sow), multiplied into the nb·NV·ur accumulators. */
static inline __attribute__((always_inline)) void lowp_group_step(acc_t *acc, const int32_t *w,
                                                                   const int32_t *s, const int q,
                                                                   const int nb, const int ur,
                                                                   const ptrdiff_t sow,
                                                                   const ptrdiff_t wob)
{
    vec_t wv[CNB_CONV_NB_MAX * NV];
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 2
        for (int h = 0; h < NV; h++) wv[b * NV + h] = wei_load(w + q * 16 + b * wob + h * VL);
#pragma GCC unroll 28
    for (int j = 0; j < ur; j++) {
        const vec_t x = bcast_group(s + j * sow + q);
#pragma GCC unroll 8
        for (int i = 0; i < nb * NV; i++) {
            const int b = i / NV, h = i % NV;
            acc[(b * ur + j) * NV + h] = acc_dot(acc[(b * ur + j) * NV + h], x, wv[i]);
        }
    }
}

static inline __attribute__((always_inline)) void
lowp_row_tile(const cnb_conv_lowp_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    acc_t acc[ACC_MAX];
    if (a->acc_load) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 2
                for (int h = 0; h < NV; h++)
                    acc[(b * ur + j) * NV + h] = acc_ld(a->acc, b * a->acc_ob + j * 16 + h * VL);
    } else if (S8_INIT && a->init) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 2
                for (int h = 0; h < NV; h++) acc[(b * ur + j) * NV + h] = acc_ld(a->init, b * 16 + h * VL);
    } else {
#pragma GCC unroll 28
        for (int i = 0; i < nb * ur * NV; i++) acc[i] = acc_zero();
    }
    const int32_t *s_icb = a->src, *w_icb = a->wei;
    const ptrdiff_t wob = a->wei_ob;
    const int nq = a->nq;
    for (int icb = 0; icb < a->n_icb; icb++, s_icb += a->src_icb, w_icb += a->wei_icb)
        for (int kd = 0; kd < a->nkd; kd++)
            for (int kh = 0; kh < a->nkh; kh++) {
                const int32_t *s = s_icb + kd * a->src_kd + kh * a->src_kh;
                const int32_t *w = w_icb + kd * a->wei_kd + kh * a->wei_kh;
                for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += a->wei_kw) {
                    /* Whole blocks: the group steps unrolled (no loop per step); the first
                     * layers' short blocks (nq < QB): a loop. */
                    if (nq == QB) {
#pragma GCC unroll 8
                        for (int q = 0; q < QB; q++) lowp_group_step(acc, w, s, q, nb, ur, sow, wob);
                    } else
                        for (int q = 0; q < nq; q++) lowp_group_step(acc, w, s, q, nb, ur, sow, wob);
                }
            }
    if (!a->final) {
        /* Locals: the stores may alias *a, so its fields would be read again after each. */
        void *const sp = a->acc;
        const ptrdiff_t sob = a->acc_ob;
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 2
                for (int h = 0; h < NV; h++)
                    acc_st(sp, b * sob + j * 16 + h * VL, acc[(b * ur + j) * NV + h]);
        return;
    }
    if (lowp_epilogue_inline(a, nb, ur, acc)) return;
    /* A copy whose address escapes, so that acc itself stays in registers. */
    acc_t v[ACC_MAX];
#pragma GCC unroll 28
    for (int i = 0; i < nb * ur * NV; i++) v[i] = acc[i];
    lowp_epilogue(a, nb, ur, v);
}

/* One function per tile (not one switch over inlined tiles): GCC's time on a function grows
 * faster than its size, and the tile instances are what the compile time of these files is
 * made of. Stride-1 rows get the pixel stride as a constant (fewer address registers). */
#define LOWP_ROW_FN(nb, ur)                                                                        \
    static __attribute__((noinline)) void lowp_row_##nb##_##ur(const cnb_conv_lowp_args *a)      \
    {                                                                                              \
        if (a->src_ow == QB)                                                                       \
            lowp_row_tile(a, nb, ur, QB);                                                          \
        else                                                                                       \
            lowp_row_tile(a, nb, ur, a->src_ow);                                                   \
    }
#define LOWP_ROW_FNS(nb, n) CNB_CONV_FOR_UR(n, LOWP_ROW_FN, nb)
ROW_TILES(LOWP_ROW_FNS)
#define LOWP_ROW_CASE(nb, ur) case CNB_CONV_TILE_KEY(nb, ur): lowp_row_##nb##_##ur(a); return;
#define LOWP_ROW_CASES(nb, n) CNB_CONV_FOR_UR(n, LOWP_ROW_CASE, nb)
static void lowp_row(const cnb_conv_lowp_args *a, int nb, int ur)
{
    switch (CNB_CONV_TILE_KEY(nb, ur)) {
        ROW_TILES(LOWP_ROW_CASES)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp row", nb, ur);
}

/* The epilogue of a depthwise tile: its ur pixels (NV vectors each in v) to dst, in one loop per
 * output type with the type a constant, so that the type's choice and its constants (the
 * requantization's) are made once per tile, not once per pixel. */
static inline __attribute__((always_inline)) void lowp_dw_store_type(const cnb_conv_lowp_dw_args *a,
                                                                      int ur, const acc_t *v,
                                                                      cnb_dt type)
{
    cnb_lowp_state epi = *a->epi;
    epi.t.dst = type;
#pragma GCC unroll 32
    for (int j = 0; j < ur; j++) blk_store(&epi, a->dst, a->dst_index + j * 16, v + j * NV);
}
#define LOWP_DW_STORE_TYPE(nb, ur, type)                                                           \
    case type: lowp_dw_store_type(a, ur, v, type); return;
static inline __attribute__((always_inline)) void lowp_dw_store(const cnb_conv_lowp_dw_args *a,
                                                                 int ur, const acc_t *v)
{
    switch (a->epi->t.dst) {
        DST_TYPES(LOWP_DW_STORE_TYPE, 1, ur)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp depthwise epilogue (its output type)", 1, ur);
}

/* The next channel block of a depthwise call (its ncb blocks, kernels/conv_lowp.h). */
static inline void lowp_dw_next(cnb_conv_lowp_dw_args *b)
{
    b->src = (const char *)b->src + b->src_cb;
    b->wei += b->wei_cb;
    if (b->wei_q) b->wei_q += b->wei_q_cb;
    b->dst_index += b->dst_cb;
}
#define LOWP_DW_BLOCKS_BEGIN                                                                       \
    cnb_conv_lowp_dw_args b_ = *a0;                                                                \
    const cnb_conv_lowp_dw_args *a = &b_;                                                          \
    for (int cb_ = 0; cb_ < a0->ncb; cb_++, lowp_dw_next(&b_)) {
#define LOWP_DW_BLOCKS_END }

/* Depthwise: 16 channels × ur pixels, NV weight vectors per tap, one src load per product. */
static inline __attribute__((always_inline)) void lowp_dw_tile(const cnb_conv_lowp_dw_args *a0,
                                                                const int ur)
{
    LOWP_DW_BLOCKS_BEGIN
    acc_t acc[DW_UR_MAX * NV];
#pragma GCC unroll 32
    for (int i = 0; i < ur * NV; i++) acc[i] = acc_zero();
    for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++)
            for (int kw = 0; kw < a->nkw; kw++) {
                const int32_t *wp = a->wei + kd * a->wei_kd + kh * a->wei_kh + kw * 16;
                const ptrdiff_t s = kd * a->src_kd + kh * a->src_kh + kw * a->src_kw;
#pragma GCC unroll 2
                for (int h = 0; h < NV; h++) {
                    const acc_t w = dw_load_wei(wp + h * VL);
#pragma GCC unroll 32
                    for (int j = 0; j < ur; j++)
                        acc[j * NV + h] = dw_mac(acc[j * NV + h], dw_load_src(a->src, s + j * a->src_ow + h * VL), w);
                }
            }
    lowp_dw_store(a, ur, acc);
    LOWP_DW_BLOCKS_END
}

#if DW_QUADS
/* Depthwise with quad weights (DW_QUADS, zmm only; contract in kernels/conv_lowp.h): 16
 * channels × ur pixels, one accumulator per pixel. A 64-byte load from a pixel's window start
 * plus 4g pixels holds 4 pixels of the 16-channel block (16 bytes each); dw_quad_load (the ISA
 * file's) turns it into lane c = (pixel 0, 1, 2, 3 of channel c), the u8 quad that one
 * vpdpbusd multiplies with the s8 weights of taps 4g .. 4g + 3 of channel c. So per pixel,
 * kernel row and quad: one load, one transpose, one vpdpbusd, for up to 4 taps. Each pixel's
 * load is masked to the pixels of its taps that the call reads (kw_lo .. kw_lo + nkw − 1) and
 * that lie inside the row (columns 0 .. iw − 1): a padding tap or a slot beyond kw reads nothing
 * (zero), even before the start or past the end of the tensor. So one tile covers border and
 * interior pixels alike (the driver gives a whole row of up to DW_UR_MAX pixels to one call).
 * The sums are exact int32, whatever the order. */
static inline __mmask64 dw_quad_mask(const cnb_conv_lowp_dw_args *a, int col, int g, int border)
{
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        const int t = 4 * g + k, x = col + t;
        if (t >= a->kw_lo && t < a->kw_lo + a->nkw && (!border || (x >= 0 && x < a->iw)))
            m |= (uint64_t)0xffff << (16 * k);
    }
    return (__mmask64)m;
}

/* The epilogue of a quad tile (u8 source, s8 weights: the driver packs quads only when every
 * sum and 2^(shift − 1) add up to less than 2^31, kernels/conv_lowp.c), so RNE(acc / 2^s) can
 * be (acc + 2^(s−1) − 1 + bit s of acc) >> s, arithmetic: a remainder above one half carries
 * into the quotient, below does not, and exactly one half carries when the quotient is odd.
 * Fewer instructions than the GEMM's general rounding (lowp_avx512.h), the same results. */
static inline __attribute__((always_inline)) void
lowp_dw_quad_store_type(const cnb_conv_lowp_dw_args *a, int ur, const __m512i *v, cnb_dt type)
{
    if (type == CNB_DT_S32) {
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) _mm512_storeu_si512((int32_t *)a->dst + a->dst_index + j * 16, v[j]);
        return;
    }
    const int sh = a->epi->shift;
    const __m128i cnt = _mm_cvtsi32_si128(sh);
    const __m512i one = _mm512_set1_epi32(sh ? 1 : 0), bias = _mm512_set1_epi32(sh ? (1 << (sh - 1)) - 1 : 0);
#pragma GCC unroll 32
    for (int j = 0; j < ur; j++) {
        const __m512i odd = _mm512_and_si512(_mm512_sra_epi32(v[j], cnt), one);
        const __m512i q = _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(v[j], bias), odd), cnt);
        int8_t *d = (int8_t *)a->dst + a->dst_index + j * 16;
        if (type == CNB_DT_U8)
            _mm_storeu_si128((__m128i *)d, _mm512_cvtusepi32_epi8(_mm512_max_epi32(q, _mm512_setzero_si512())));
        else
            _mm_storeu_si128((__m128i *)d, _mm512_cvtsepi32_epi8(q));
    }
}
static inline __attribute__((always_inline)) void
lowp_dw_quad_store(const cnb_conv_lowp_dw_args *a, int ur, const __m512i *v)
{
    switch (a->epi->t.dst) {
    case CNB_DT_S32: lowp_dw_quad_store_type(a, ur, v, CNB_DT_S32); return;
    case CNB_DT_U8: lowp_dw_quad_store_type(a, ur, v, CNB_DT_U8); return;
    case CNB_DT_S8: lowp_dw_quad_store_type(a, ur, v, CNB_DT_S8); return;
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp depthwise quads epilogue (its output type)", 1, ur);
}

#define DW_NQ_MAX 2   /* quads per kernel row of the quad tiles: kw ≤ 8 (the driver's rule) */
static inline __attribute__((always_inline)) void
lowp_dw_quad_tile(const cnb_conv_lowp_dw_args *a0, const int ur, const ptrdiff_t sow, const int vbmi,
                  const int border)
{
    /* The masks of the call, the same for its every channel block and kernel row; without
     * border pixels (every tap of every pixel inside the row), one per quad. */
    __mmask64 mk[DW_NQ_MAX][DW_UR_MAX];
    for (int g = 0; g < a0->nq; g++)
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++)
            mk[g][j] = border || j == 0 ? dw_quad_mask(a0, a0->iw_lo + j * (int)(sow / 16), g, border) : mk[g][0];
    LOWP_DW_BLOCKS_BEGIN
    __m512i acc[DW_UR_MAX];
#pragma GCC unroll 32
    for (int j = 0; j < ur; j++) acc[j] = _mm512_setzero_si512();
    /* The window start of pixel 0 (iw_lo, maybe before the row: no byte of it is read). */
    const uint8_t *src = a->src;
    for (int g = 0; g < a->nq; g++)
        for (int kd = 0; kd < a->nkd; kd++)
            for (int kh = 0; kh < a->nkh; kh++) {
                const __m512i w = _mm512_load_si512(a->wei_q + kd * a->wei_q_kd + kh * a->wei_q_kh + g * 16);
                const uint8_t *s = (const uint8_t *)((uintptr_t)src + (uintptr_t)(kd * a->src_kd + kh * a->src_kh + g * 64));
#pragma GCC unroll 32
                for (int j = 0; j < ur; j++) {
                    const uint8_t *p = (const uint8_t *)((uintptr_t)s + (uintptr_t)(j * sow));
                    const int all = !border && j < ur - 1;
                    const __m512i x = vbmi ? (all ? dw_quad_load_all_vbmi(p) : dw_quad_load_vbmi(p, mk[g][j]))
                                           : (all ? dw_quad_load_all(p) : dw_quad_load(p, mk[g][j]));
                    acc[j] = _mm512_dpbusd_epi32(acc[j], x, w);
                }
            }
    lowp_dw_quad_store(a, ur, acc);
    LOWP_DW_BLOCKS_END
}
/* A tile has border pixels when a tap it reads lies outside the row: those get a mask per
 * pixel (and the general pixel stride). The others (with kw_lo = 0 and 4·nq ≤ stride + nkw)
 * load the whole 64 bytes of every pixel but the last: they end before the last tap of the
 * last pixel, inside the row (the slots beyond kw read other pixels, times zero weights; plain
 * loads cost less than masked ones across cache lines). */
#define LOWP_DWQ_TARGET_0
#define LOWP_DWQ_TARGET_1 __attribute__((target("avx512vbmi")))
#define LOWP_DWQ_FN(vbmi, ur)                                                                      \
    LOWP_DWQ_TARGET_##vbmi static __attribute__((noinline)) void lowp_dwq_##vbmi##_##ur(          \
        const cnb_conv_lowp_dw_args *a)                                                            \
    {                                                                                              \
        if (a->iw_lo < 0 || a->kw_lo || 4 * a->nq > a->src_ow / 16 + a->nkw ||                     \
            a->iw_lo + (ur - 1) * (a->src_ow / 16) + a->nkw > a->iw)                               \
            lowp_dw_quad_tile(a, ur, a->src_ow, vbmi, 1);                                          \
        else if (vbmi && a->src_ow == 16)                                                          \
            lowp_dw_quad_tile(a, ur, 16, vbmi, 0);                                                 \
        else if (vbmi && a->src_ow == 32)                                                          \
            lowp_dw_quad_tile(a, ur, 32, vbmi, 0);                                                 \
        else                                                                                       \
            lowp_dw_quad_tile(a, ur, a->src_ow, vbmi, 0);                                          \
    }
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWQ_FN, 0)
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWQ_FN, 1)
#define LOWP_DWQ_CASE(vbmi, ur) case ur: lowp_dwq_##vbmi##_##ur(a); return;
/* The quad tiles twice: with the ISA file's two-shuffle transpose, and with its one-vpermb
 * transpose in functions compiled for AVX512-VBMI (taken when the CPU has it: a feature beside
 * the ISA levels, so CNB_MAX_ISA does not cap it). */
static void lowp_dw_quads(const cnb_conv_lowp_dw_args *a, int ur)
{
    if (a->vbmi) {
        switch (ur) {
            CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWQ_CASE, 1)
        default: break;
        }
    } else {
        switch (ur) {
            CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWQ_CASE, 0)
        default: break;
        }
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp depthwise quads", 1, ur);
}
#endif

#if DW_REUSE
/* Depthwise, 3 taps along W without dilation (DW_REUSE): the same products as lowp_dw_tile, but
 * each input pixel of the tile's span is loaded and widened once per kernel row and multiplied
 * into every output pixel that reads it (output j, tap t reads input j·sw + t: with stride 1
 * each input serves up to 3 outputs, with stride 2 the even ones serve 2). The span, (ur − 1)·sw
 * + 3 inputs, is a constant, and the weights of the row's 3 taps stay in registers. Each
 * output still adds its taps in the order kd, kh, kw, as lowp_dw_tile does. */
static inline __attribute__((always_inline)) void
lowp_dw_reuse_tile(const cnb_conv_lowp_dw_args *a0, const int ur, const int sw)
{
    enum { KW = 3 };
    LOWP_DW_BLOCKS_BEGIN
    acc_t acc[DW_UR_MAX * NV];
#pragma GCC unroll 32
    for (int i = 0; i < ur * NV; i++) acc[i] = acc_zero();
    for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++) {
            const int32_t *wp = a->wei + kd * a->wei_kd + kh * a->wei_kh;
            acc_t w[KW * NV];
#pragma GCC unroll 6
            for (int i = 0; i < KW * NV; i++) w[i] = dw_load_wei(wp + i * VL);
            const ptrdiff_t base = kd * a->src_kd + kh * a->src_kh;
#pragma GCC unroll 64
            for (int i = 0; i < (ur - 1) * sw + KW; i++)
#pragma GCC unroll 2
                for (int h = 0; h < NV; h++) {
                    const acc_t x = dw_load_src(a->src, base + i * 16 + h * VL);
#pragma GCC unroll 3
                    for (int t = 0; t < KW; t++) {
                        const int d = i - t, j = d / sw;
                        if (d >= 0 && d % sw == 0 && j < ur)
                            acc[j * NV + h] = dw_mac(acc[j * NV + h], x, w[t * NV + h]);
                    }
                }
        }
    lowp_dw_store(a, ur, acc);
    LOWP_DW_BLOCKS_END
}
#define LOWP_DWR_FN(sw, ur)                                                                        \
    static __attribute__((noinline)) void lowp_dwr_##sw##_##ur(const cnb_conv_lowp_dw_args *a)    \
    {                                                                                              \
        lowp_dw_reuse_tile(a, ur, sw);                                                             \
    }
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWR_FN, 1)
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWR_FN, 2)
#define LOWP_DWR_CASE(sw, ur) case ur: lowp_dwr_##sw##_##ur(a); return;
#endif

#define LOWP_DW_FN(arg, ur)                                                                        \
    static __attribute__((noinline)) void lowp_dw_##ur(const cnb_conv_lowp_dw_args *a)            \
    {                                                                                              \
        lowp_dw_tile(a, ur);                                                                       \
    }
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_FN, 0)
#define LOWP_DW_CASE(arg, ur) case ur: lowp_dw_##ur(a); return;
static void lowp_dw(const cnb_conv_lowp_dw_args *a, int ur)
{
#if DW_QUADS
    if (a->wei_q) {
        lowp_dw_quads(a, ur);
        return;
    }
#endif
#if DW_REUSE
    if (a->nkw == 3 && a->src_kw == 16 && a->src_ow == 16) {
        switch (ur) {
            CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWR_CASE, 1)
        default: break;
        }
    } else if (a->nkw == 3 && a->src_kw == 16 && a->src_ow == 32) {
        switch (ur) {
            CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DWR_CASE, 2)
        default: break;
        }
    }
#endif
    switch (ur) {
        CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_CASE, 0)
    default: cnb_conv_missing_tile(ISA_NAME, "lowp depthwise", 1, ur);
    }
}

#define CNB_CONV_LOWP_TABLE(dp_cyc, dp_lat)                                                        \
    {                                                                                              \
        .name = ISA_NAME, .group = GROUP, .nb_max = CNB_CONV_NB_COUNT(ROW_TILES),                  \
        .ur_max = CNB_CONV_UR_MAX_BY_NB(ROW_TILES), .dw_ur_max = DW_UR_MAX,                        \
        .dw_quads = DW_QUADS, .dw_blocks = 1, .short_groups = 1, .plan_rows = 1,                   \
        .dp_cycles = (dp_cyc), .dp_latency = (dp_lat), .row = lowp_row, .dw = lowp_dw,             \
    }

#endif
