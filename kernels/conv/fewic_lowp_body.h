/* The row kernels of the bf16 and int8 first layers (contract: kernels/conv/fewic_lowp.h), one
 * body compiled into each ISA file (fewic_lowp_avx512_bf16.c, fewic_lowp_avx512_vnni.c) with
 * its flags. The including file defines, before including this:
 *
 *   ISA_NAME, GROUP           as lowp_body.h (elements per 32-bit group)
 *   ROW_TILES(X)              its tiles (nb, ur_max), as tiles.h says
 *   DST_TYPES(X, nb, ur)      X(nb, ur, CNB_DT_...) for each output type it stores
 *   typedef ... vec_t, acc_t; and static inline
 *     vec_t wei_load(const int32_t *p);            16 packed weight words (aligned)
 *     vec_t bcast_at(const unsigned char *p);      the 32-bit group at byte p (any alignment)
 *     acc_t acc_zero(void);
 *     acc_t acc_dot(acc_t acc, vec_t x, vec_t w);
 *     typedef ... epi_k;  epi_k epi_init(const cnb_lowp_state *s);   the epilogue's constants
 *     void  blk_store(const epi_k *k, void *c, int64_t index, const acc_t *v);   one block
 *     STORE_PX, blk_store_px(k, c, index, v)    STORE_PX pixels of one block (v[0 ..], adjacent
 *                                                in dst): narrowed together, one wide store
 *
 * Registers: nb·ur accumulators, nb weight vectors, one broadcast. The pixel step P is a runtime
 * byte count (sw · channels per pixel · element size, any value), so a tile's ur broadcast
 * addresses are formed from at most three bases (pixels 0, 8, 16) and the scaled indices P, 2P,
 * 3P, 4P, 5P, 6P = 2·3P, 7P: the addressing modes take base + index · {1, 2, 4}, and four stride
 * registers with three bases serve every pixel. The bases are made opaque to the compiler once
 * per group step, or it derives one pointer per pixel (ur pointers, spilled beyond the general
 * registers) and reloads them from the stack, a load per broadcast more. */
#ifndef CNB_KERNELS_CONV_FEWIC_LOWP_BODY_H
#define CNB_KERNELS_CONV_FEWIC_LOWP_BODY_H

#include <stdint.h>

#include "kernels/conv/driver.h"
#include "kernels/conv/fewic_lowp.h"
#include "kernels/conv/tiles.h"

CNB_CONV_CHECK_TILES(ROW_TILES);
#define FW_ACC_MAX 28
#define FW_ACC_OK_(nb, n) &&(nb) * (n) <= FW_ACC_MAX &&(n) <= 24
_Static_assert(1 ROW_TILES(FW_ACC_OK_), "ROW_TILES: more accumulators or pixels than the body takes");

/* The epilogue of a finished tile, inside the tile: the sums go from their registers through
 * blk_store / blk_store_px to dst, one unrolled sequence per output type with the type a
 * constant, with no round trip through memory and no call. A first layer's reduction is short
 * (a few dozen group steps per tile), so an out-of-line epilogue (the accumulators copied to the
 * stack, a call, reloaded) is a large share of a tile's time; the price is an instance of the
 * epilogue per (tile, output type). The ISA file's blk_store, blk_store_px and what they call
 * must inline (always_inline) and index v with constants only: a variable index, or a call
 * taking acc's address, keeps every accumulator in memory for the whole tile. */
static inline __attribute__((always_inline)) void fw_epilogue_type(const cnb_fewic_lowp_args *a,
                                                                    const int nb, const int ur,
                                                                    const acc_t *acc, cnb_dt type)
{
    cnb_lowp_state epi = *a->epi;
    epi.t.dst = type;
    const epi_k k = epi_init(&epi);
    /* Locals: the stores may alias *a, so its fields would be read again after each. */
    void *const dst = a->dst;
    const int64_t d0 = a->dst_index;
    const ptrdiff_t dob = a->dst_ob;
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++) {
#pragma GCC unroll 24
        for (int j = 0; j + STORE_PX <= ur; j += STORE_PX)
            blk_store_px(&k, dst, d0 + b * dob + j * 16, acc + b * ur + j);
#pragma GCC unroll 4
        for (int j = ur / STORE_PX * STORE_PX; j < ur; j++)
            blk_store(&k, dst, d0 + b * dob + j * 16, acc + b * ur + j);
    }
}
#define FW_EPILOGUE_TYPE(nb, ur, type)                                                             \
    case type: fw_epilogue_type(a, nb, ur, acc, type); return;

/* Pixel j's byte offset from its base: (j mod 8) · P from the stride registers. */
static inline __attribute__((always_inline)) const unsigned char *
fw_px(const unsigned char *b0, const unsigned char *b1, const unsigned char *b2, int j, ptrdiff_t p1,
      ptrdiff_t p3, ptrdiff_t p5, ptrdiff_t p7)
{
    const unsigned char *b = j < 8 ? b0 : j < 16 ? b1 : b2;
    switch (j & 7) {
    case 0: return b;
    case 1: return b + p1;
    case 2: return b + p1 * 2;
    case 3: return b + p3;
    case 4: return b + p1 * 4;
    case 5: return b + p5;
    case 6: return b + p3 * 2;
    default: return b + p7;
    }
}

static inline __attribute__((always_inline)) void fw_row_tile(const cnb_fewic_lowp_args *a,
                                                               const int nb, const int ur)
{
    acc_t acc[FW_ACC_MAX];
#pragma GCC unroll 28
    for (int i = 0; i < nb * ur; i++) acc[i] = acc_zero();
    const ptrdiff_t p1 = a->src_px, p3 = 3 * p1, p5 = 5 * p1, p7 = 7 * p1;
    const int ng = a->ng;
    for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++) {
            const unsigned char *s = a->src + kd * a->src_kd + kh * a->src_kh;
            const int32_t *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
            for (int g = 0; g < ng; g++, s += GROUP * (int)sizeof(elem_t), w += nb * 16) {
                const unsigned char *b0 = s;
                __asm__("" : "+r"(b0));
                const unsigned char *b1 = b0 + 8 * p1, *b2 = b1 + 8 * p1;
                vec_t wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                for (int b = 0; b < nb; b++) wv[b] = wei_load(w + b * 16);
#pragma GCC unroll 24
                for (int j = 0; j < ur; j++) {
                    const vec_t x = bcast_at(fw_px(b0, b1, b2, j, p1, p3, p5, p7));
#pragma GCC unroll 4
                    for (int b = 0; b < nb; b++) acc[b * ur + j] = acc_dot(acc[b * ur + j], x, wv[b]);
                }
            }
        }
    switch (a->epi->t.dst) {
        DST_TYPES(FW_EPILOGUE_TYPE, nb, ur)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "fewic lowp epilogue (its output type)", nb, ur);
}

/* One function per tile, not one switch over inlined tiles (GCC's time on a function grows
 * faster than its size). */
#define FW_ROW_FN(nb, ur)                                                                          \
    static __attribute__((noinline)) void fw_row_##nb##_##ur(const cnb_fewic_lowp_args *a)        \
    {                                                                                              \
        fw_row_tile(a, nb, ur);                                                                    \
    }
#define FW_ROW_FNS(nb, n) CNB_CONV_FOR_UR(n, FW_ROW_FN, nb)
ROW_TILES(FW_ROW_FNS)
#define FW_ROW_CASE(nb, ur) case CNB_CONV_TILE_KEY(nb, ur): fw_row_##nb##_##ur(a); return;
#define FW_ROW_CASES(nb, n) CNB_CONV_FOR_UR(n, FW_ROW_CASE, nb)
static void fw_row(const cnb_fewic_lowp_args *a, int nb, int ur)
{
    switch (CNB_CONV_TILE_KEY(nb, ur)) {
        ROW_TILES(FW_ROW_CASES)
    default: break;
    }
    cnb_conv_missing_tile(ISA_NAME, "fewic lowp row", nb, ur);
}

#define CNB_FEWIC_LOWP_TABLE                                                                       \
    {                                                                                              \
        .name = ISA_NAME, .group = GROUP, .nb_max = CNB_CONV_NB_COUNT(ROW_TILES),                  \
        .ur_max = CNB_CONV_UR_MAX_BY_NB(ROW_TILES), .row = fw_row, .pack16 = PACK16,              \
    }

#endif
