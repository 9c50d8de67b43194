/* The NEON micro-kernels of the low-precision direct convolution (contract: kernels/conv_lowp.h),
 * one body compiled into each NEON dot-product ISA file (neon_dotprod.c, neon_bf16.c) with its own
 * flags; the NEON counterpart of lowp_body.h. The including file defines, before including this:
 *
 *   ISA_NAME "neon_bf16"     for messages
 *   GROUP                    elements per 32-bit group (bf16: 2, u8: 4)
 *   NX                       q registers per pixel of a 16-channel block (int8: 1, bf16: 2)
 *   ROW_TILES(X), DW_UR_MAX  its row tiles (nb, ur_max) and depthwise pixels, as tiles.h says
 *   DST_TYPES(X, nb, ur)     X(nb, ur, CNB_DT_...) for each output type it stores
 *   typedef ... acc_t;       int32x4_t or float32x4_t: 4 output channels; 16 channels = acc_t[4]
 *   typedef ... src_t;       int8x16_t or bfloat16x8_t: 4 groups of a pixel
 *   typedef ... wei_t;       the same type: one group of 4 output channels
 *   typedef ... dw_wei_t;    one depthwise tap's 16 weights, in the form dw_mac wants
 *   DW_SRC_BYTES             bytes per source element (int8: 1, bf16: 2)
 *   and static inline
 *     acc_t acc_zero(void);
 *     src_t src_load(const int32_t *p, uint8x16_t flip);  16 bytes, XOR flip (int8 only)
 *     wei_t wei_load(const int32_t *p);                   16 bytes
 *     ACC_DOT_LANE(acc, w, x, L)   (a macro: L is a lane immediate) acc + the GROUP products of
 *                                  each lane of w with group L of x
 *     void acc_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t v[4]);
 *                                  the GEMM's epilogue (kernels/gemm/lowp_neon.h), 16 channels
 *     acc_t acc_ld(const void *p, ptrdiff_t i);  void acc_st(void *p, ptrdiff_t i, acc_t v);
 *     dw_wei_t dw_load_wei(const int32_t *w);            16 packed depthwise weights
 *     void dw_mac(acc_t acc[4], const void *x, dw_wei_t w, int var);
 *                                  acc + the 16 source elements at x times w, exact;
 *                                  var (a constant) is the source variant, dw_variant(a) of the
 *                                  call, 0 ≤ var < DW_VARIANTS (defaults: 1 variant, always 0)
 *   and, optionally, LOWP_SRC_BIAS with
 *     void src_bias(const cnb_conv_lowp_args *a, int nb, acc_t bias[][4]);
 *                                  what the flipped source leaves out of each sum (a u8 source
 *                                  read as s8: kernels/conv/neon_dotprod.c), added at the end
 *
 * and gets row and dw for its table (CNB_CONV_LOWP_TABLE).
 *
 * Row kernel, registers (32 q): a 16-channel accumulator is four q registers, so nb·ur tiles
 * hold 4·nb·ur accumulators (≤ 24); ur source registers (one q register of each pixel: 4 groups)
 * and the weight register of the moment. Per (input block, tap, half h of the pixel): ur source
 * loads, then per lane L (group q = 4h + L), per block b, per quarter w (4 output channels): one
 * weight load (16 bytes: 4 output channels × one group) feeding ur by-lane dot products. The
 * source is loaded once per group quad, not broadcast per group: ur loads per 16·nb·ur dot
 * products instead of 4·ur. Every tile is a constant-shape instance, its own function, selected
 * by a switch on (nb, ur); the pixel stride is also a constant for stride-1 rows. */
#ifndef CNB_KERNELS_CONV_LOWP_BODY_NEON_H
#define CNB_KERNELS_CONV_LOWP_BODY_NEON_H

#include <arm_neon.h>
#include <stdint.h>

#include "kernels/conv/driver.h"
#include "kernels/conv/tiles.h"
#include "kernels/conv_lowp.h"
#include "kernels/gemm/lowp_neon.h"

CNB_CONV_CHECK_TILES(ROW_TILES);
#define QB (16 / GROUP)   /* groups per pixel of a 16-channel block */
#define ACC_MAX 6         /* nb·ur of the largest tile: 4·6 = 24 q registers */
_Static_assert(QB == 4 * NX, "a q register holds 4 groups");

/* The epilogue of a finished tile, out of line (one per output type, the type a constant): the
 * nb·ur sums in v (block b, pixel j at v[b·ur + j]) go through the GEMM's epilogue to dst. It runs
 * once per tile after the whole reduction; the tile instances stay one per (nb, ur, stride). */
static inline __attribute__((always_inline)) void lowp_epilogue_type(const cnb_conv_lowp_args *a,
                                                                      int nb, int ur,
                                                                      const acc_t (*v)[4], cnb_dt type)
{
    cnb_lowp_state epi = *a->epi;
    epi.t.dst = type;
    for (int b = 0; b < nb; b++)
        for (int j = 0; j < ur; j++)
            acc_store(&epi, a->dst, a->dst_index + b * a->dst_ob + j * 16, v[b * ur + j]);
}
#define LOWP_EPILOGUE_TYPE(nb, ur, type)                                                           \
    case type: lowp_epilogue_type(a, nb, ur, v, type); return;
static __attribute__((noinline)) void lowp_epilogue(const cnb_conv_lowp_args *a, int nb, int ur,
                                                    const acc_t (*v)[4])
{
    switch (a->epi->t.dst) {
        DST_TYPES(LOWP_EPILOGUE_TYPE, nb, ur)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp epilogue (its output type)", nb, ur);
}

/* Lane L of the pixels' source registers x against group L of the weights at wq (q = 4h + L). */
#define LOWP_LANE(L)                                                                               \
    do {                                                                                           \
        _Pragma("GCC unroll 4") for (int b = 0; b < nb; b++) {                                     \
            _Pragma("GCC unroll 4") for (int w4 = 0; w4 < 4; w4++) {                               \
                const wei_t wv = wei_load(wq[b] + (L) * 16 + 4 * w4);                              \
                _Pragma("GCC unroll 8") for (int j = 0; j < ur; j++) {                             \
                    acc[b * ur + j][w4] = ACC_DOT_LANE(acc[b * ur + j][w4], wv, x[j], L);          \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static inline __attribute__((always_inline)) void
lowp_row_tile(const cnb_conv_lowp_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    acc_t acc[ACC_MAX][4];
    if (a->acc_load) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 8
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 4
                for (int w4 = 0; w4 < 4; w4++)
                    acc[b * ur + j][w4] = acc_ld(a->acc, b * a->acc_ob + j * 16 + 4 * w4);
    } else {
#pragma GCC unroll 8
        for (int i = 0; i < nb * ur; i++)
#pragma GCC unroll 4
            for (int w4 = 0; w4 < 4; w4++) acc[i][w4] = acc_zero();
    }
    const uint8x16_t flip = vdupq_n_u8(a->epi->t.src == CNB_DT_U8 ? 0x80 : 0);
    const int32_t *s_icb = a->src, *w_icb = a->wei;
    const ptrdiff_t wob = a->wei_ob;
    for (int icb = 0; icb < a->n_icb; icb++, s_icb += a->src_icb, w_icb += a->wei_icb)
        for (int kd = 0; kd < a->nkd; kd++)
            for (int kh = 0; kh < a->nkh; kh++) {
                const int32_t *s = s_icb + kd * a->src_kd + kh * a->src_kh;
                /* One weight pointer per block, each with immediate offsets: a single base plus
                 * nb·16 offset registers runs out of general registers for nb > 1. */
                const int32_t *wb[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                for (int b = 0; b < nb; b++) wb[b] = w_icb + kd * a->wei_kd + kh * a->wei_kh + b * wob;
                for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw) {
#pragma GCC unroll 2
                    for (int h = 0; h < NX; h++) {
                        src_t x[ACC_MAX];
#pragma GCC unroll 8
                        for (int j = 0; j < ur; j++) x[j] = src_load(s + j * sow + 4 * h, flip);
                        const int32_t *wq[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++) wq[b] = wb[b] + 4 * h * 16;
                        LOWP_LANE(0);
                        LOWP_LANE(1);
                        LOWP_LANE(2);
                        LOWP_LANE(3);
                    }
#pragma GCC unroll 4
                    for (int b = 0; b < nb; b++) wb[b] += a->wei_kw;
                }
            }
#ifdef LOWP_SRC_BIAS
    if (a->epi->t.src == CNB_DT_U8) {
        acc_t bias[CNB_CONV_NB_MAX][4];
        src_bias(a, nb, bias);
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 8
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 4
                for (int w4 = 0; w4 < 4; w4++) acc[b * ur + j][w4] = vaddq_s32(acc[b * ur + j][w4], bias[b][w4]);
    }
#endif
    if (!a->final) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 8
            for (int j = 0; j < ur; j++)
#pragma GCC unroll 4
                for (int w4 = 0; w4 < 4; w4++)
                    acc_st(a->acc, b * a->acc_ob + j * 16 + 4 * w4, acc[b * ur + j][w4]);
        return;
    }
    /* A copy whose address escapes, so that acc itself stays in registers. */
    acc_t v[ACC_MAX][4];
#pragma GCC unroll 8
    for (int i = 0; i < nb * ur; i++)
#pragma GCC unroll 4
        for (int w4 = 0; w4 < 4; w4++) v[i][w4] = acc[i][w4];
    lowp_epilogue(a, nb, ur, (const acc_t(*)[4])v);
}

/* One function per tile, not one switch over inlined tiles (GCC's time on a function grows
 * faster than its size). Stride-1 rows get the pixel stride as a constant (fewer address
 * registers). */
#define LOWP_ROW_FN(nb, ur)                                                                        \
    _Static_assert((nb) * (ur) <= ACC_MAX, "a tile of more than ACC_MAX accumulators");            \
    __attribute__((optimize("no-schedule-insns", "no-rename-registers"), noinline)) static void    \
        lowp_row_##nb##_##ur(const cnb_conv_lowp_args *a)                                          \
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

/* Depthwise: 16 channels × ur pixels (4·ur accumulators), one weight load per tap, one source
 * load (widened in registers) per pixel and tap. */
#ifndef DW_VARIANTS
#define DW_VARIANTS 1
#define dw_variant(a) 0
#endif
static inline __attribute__((always_inline)) void lowp_dw_tile(const cnb_conv_lowp_dw_args *a,
                                                                const int ur, const int var)
{
    acc_t acc[DW_UR_MAX][4];
#pragma GCC unroll 8
    for (int j = 0; j < ur; j++)
#pragma GCC unroll 4
        for (int w4 = 0; w4 < 4; w4++) acc[j][w4] = acc_zero();
    const ptrdiff_t sow = a->src_ow * DW_SRC_BYTES;   /* bytes: pixel addresses base + j·sow */
    for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++)
            for (int kw = 0; kw < a->nkw; kw++) {
                const dw_wei_t w = dw_load_wei(a->wei + kd * a->wei_kd + kh * a->wei_kh + kw * 16);
                const unsigned char *x = (const unsigned char *)a->src +
                                         (kd * a->src_kd + kh * a->src_kh + kw * a->src_kw) * DW_SRC_BYTES;
#pragma GCC unroll 8
                for (int j = 0; j < ur; j++) dw_mac(acc[j], x + j * sow, w, var);
            }
    /* A copy whose address escapes (into the epilogue), so that acc itself stays in registers. */
    acc_t v[DW_UR_MAX][4];
#pragma GCC unroll 8
    for (int j = 0; j < ur; j++)
#pragma GCC unroll 4
        for (int w4 = 0; w4 < 4; w4++) v[j][w4] = acc[j][w4];
#pragma GCC unroll 8
    for (int j = 0; j < ur; j++) acc_store(a->epi, a->dst, a->dst_index + j * 16, v[j]);
}

#define LOWP_DW_FN(var, ur)                                                                        \
    __attribute__((optimize("no-schedule-insns"), noinline)) static void lowp_dw_##var##_##ur(      \
        const cnb_conv_lowp_dw_args *a)                                                            \
    {                                                                                              \
        lowp_dw_tile(a, ur, var);                                                                  \
    }
#if DW_VARIANTS > 1
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_FN, 1)
#endif
CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_FN, 0)
#define LOWP_DW_CASE(var, ur) case ur: lowp_dw_##var##_##ur(a); return;
static void lowp_dw(const cnb_conv_lowp_dw_args *a, int ur)
{
#if DW_VARIANTS > 1
    if (dw_variant(a) == 1) {
        switch (ur) {
            CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_CASE, 1)
        default: break;
        }
        cnb_conv_missing_tile(ISA_NAME, "lowp depthwise", 1, ur);
    }
#endif
    switch (ur) {
        CNB_CONV_FOR_UR(DW_UR_MAX, LOWP_DW_CASE, 0)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "lowp depthwise", 1, ur);
}

#define CNB_CONV_LOWP_TABLE(dp_cyc, dp_lat, s8src)                                                 \
    {                                                                                              \
        .name = ISA_NAME, .group = GROUP, .nb_max = CNB_CONV_NB_COUNT(ROW_TILES),                  \
        .ur_max = CNB_CONV_UR_MAX_BY_NB(ROW_TILES), .dw_ur_max = DW_UR_MAX, .s8_src = (s8src),     \
        .dp_cycles = (dp_cyc), .dp_latency = (dp_lat), .row = lowp_row, .dw = lowp_dw,             \
    }

#endif
