/* The 14×32 micro-tile of the AVX-512 dot-product GEMMs (avx512_bf16.c, avx512_vnni.c), one body
 * compiled into each with its own flags. The including file defines, before including this:
 *
 *   K_GROUP          k steps per 32-bit group of A and of each B lane (bf16 pairs: 2; int8 quads: 4)
 *   typedef ... acc_t;                       the accumulator vector (__m512 or __m512i)
 *   static inline acc_t acc_zero(void);
 *   static inline acc_t acc_dot(acc_t acc, __m512i a, __m512i b);
 *                                            acc += the K_GROUP products of each lane's groups
 *   static inline acc_t acc_add(acc_t x, acc_t y);   x + y (the partial sums of few-row tiles)
 *   static inline void acc_store(const cnb_lowp_state *s, void *c, int64_t index, acc_t v,
 *                                __mmask16 cols);   the epilogue (lowp_avx512.h)
 *
 * Registers (32 zmm): 28 accumulators acc[i][0..1] = C rows 0..13 × columns 0..15 / 16..31; per
 * K group, 2 loads of the packed B panels (16 columns × one 32-bit group each: 64 bytes), 14
 * broadcasts of an A group (32 bits of the padded A copy), 28 dot products. Tiles of fewer than 5
 * rows split K over partial accumulators (TILE_SPLITS). Whatever the type, a
 * group is 4 bytes, so the packed operands are addressed in groups. Edges: rows past M are
 * computed from A's zero padding and not stored (m < 14 runs a copy specialised for fewer rows);
 * columns past N are stored under k-masks; K is padded to whole groups with zeros (kernels/lowp.h). */
#ifndef CNB_KERNELS_GEMM_LOWP_TILE_AVX512_H
#define CNB_KERNELS_GEMM_LOWP_TILE_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"

enum { MR = 14, NR = 32 };

/* Partial sums per accumulator for a tile of `rows` rows: 2·rows dependency chains of dot products
 * cannot cover the instruction's latency on both ports when rows is small (an fc layer at batch 1
 * has one row), so K is split over S interleaved partial accumulators of each (i, half), added at
 * the end: at least 12 chains, within the 28 accumulator registers. Exact-mode sums are exact in
 * any order, so the bits do not depend on S (on real data the order is as free as any GEMM's). */
#define TILE_SPLITS(rows) ((rows) >= 5 ? 1 : (12 + 2 * (rows) - 1) / (2 * (rows)))
enum { SPLIT_MAX = 6 };

static inline __attribute__((always_inline)) void tile_rows(const int rows,
                                                            const cnb_lowp_state *s, int i0,
                                                            int j0, void *c)
{
    const int S = TILE_SPLITS(rows);
    const int groups = s->kp / K_GROUP;
    const int lda = s->lda / s->group;   /* in groups */
    const int32_t *ap = (const int32_t *)s->a + (size_t)i0 * lda;
    const int32_t *b0p = (const int32_t *)s->b + (size_t)(j0 / 16) * groups * 16;
    const int32_t *b1p = b0p + (size_t)groups * 16;
    acc_t acc[SPLIT_MAX][MR][2];
#pragma GCC unroll 6
    for (int u = 0; u < S; u++)
#pragma GCC unroll 14
        for (int i = 0; i < rows; i++) acc[u][i][0] = acc[u][i][1] = acc_zero();
    int q = 0;
    for (; q + S <= groups; q += S)
#pragma GCC unroll 6
        for (int u = 0; u < S; u++) {
            const __m512i b0 = _mm512_load_si512(b0p + (size_t)(q + u) * 16);
            const __m512i b1 = _mm512_load_si512(b1p + (size_t)(q + u) * 16);
#pragma GCC unroll 14
            for (int i = 0; i < rows; i++) {
                const __m512i a = _mm512_set1_epi32(ap[(size_t)i * lda + q + u]);
                acc[u][i][0] = acc_dot(acc[u][i][0], a, b0);
                acc[u][i][1] = acc_dot(acc[u][i][1], a, b1);
            }
        }
    for (; q < groups; q++) {   /* fewer than S groups left (none when S = 1) */
        const __m512i b0 = _mm512_load_si512(b0p + (size_t)q * 16);
        const __m512i b1 = _mm512_load_si512(b1p + (size_t)q * 16);
#pragma GCC unroll 14
        for (int i = 0; i < rows; i++) {
            const __m512i a = _mm512_set1_epi32(ap[(size_t)i * lda + q]);
            acc[0][i][0] = acc_dot(acc[0][i][0], a, b0);
            acc[0][i][1] = acc_dot(acc[0][i][1], a, b1);
        }
    }
#pragma GCC unroll 6
    for (int u = 1; u < S; u++)
#pragma GCC unroll 14
        for (int i = 0; i < rows; i++) {
            acc[0][i][0] = acc_add(acc[0][i][0], acc[u][i][0]);
            acc[0][i][1] = acc_add(acc[0][i][1], acc[u][i][1]);
        }
    const int n = s->g.n;
    const __mmask16 m0 = cnb_lowp_cols(j0, n), m1 = cnb_lowp_cols(j0 + 16, n);
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) {
        const int64_t at = (int64_t)(i0 + i) * s->g.ldc + j0;
        acc_store(s, c, at, acc[0][i][0], m0);
        acc_store(s, c, at + 16, acc[0][i][1], m1);
    }
}

/* One function per row count (not one switch over inlined copies: in one function GCC's register
 * allocation of the 28 accumulators failed, and it compiles slower). */
#define TILE_ROWS_FN(r)                                                                            \
    static __attribute__((noinline)) void tile_rows_##r(const cnb_lowp_state *s, int i0, int j0,  \
                                                        void *c)                                   \
    {                                                                                              \
        tile_rows(r, s, i0, j0, c);                                                                \
    }
TILE_ROWS_FN(1) TILE_ROWS_FN(2) TILE_ROWS_FN(3) TILE_ROWS_FN(4) TILE_ROWS_FN(5) TILE_ROWS_FN(6)
TILE_ROWS_FN(7) TILE_ROWS_FN(8) TILE_ROWS_FN(9) TILE_ROWS_FN(10) TILE_ROWS_FN(11) TILE_ROWS_FN(12)
TILE_ROWS_FN(13) TILE_ROWS_FN(14)
_Static_assert(MR == 14, "one tile_rows_<r> per row count up to MR");

/* One MR × NR block (the driver's m_step × n_step): a copy of the tile per row count. */
static void tile_block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb, (void)nb;
    static void (*const rows_fn[MR + 1])(const cnb_lowp_state *, int, int, void *) = {
        NULL,          tile_rows_1,  tile_rows_2,  tile_rows_3,  tile_rows_4,
        tile_rows_5,   tile_rows_6,  tile_rows_7,  tile_rows_8,  tile_rows_9,
        tile_rows_10,  tile_rows_11, tile_rows_12, tile_rows_13, tile_rows_14};
    const int rows = s->g.m - i0 < MR ? s->g.m - i0 : MR;
    if (rows >= 1) rows_fn[rows](s, i0, j0, c);   /* < 1: a block wholly in the padding (never:
                                                    * Mp rounds M up to MR) */
}

static const cnb_lowp_arch tile_arch = {
    .k_align = K_GROUP, .m_align = MR, .n_align = NR, .m_step = MR, .n_step = NR, .a_odd_lines = 1,
    .block = tile_block,
};

static void *tile_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_lowp_prepare(&tile_arch, p, wei);
}

#endif
