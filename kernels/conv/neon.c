/* NEON direct convolution on nCx4c: conv/neon_direct (cnb_conv_f32_direct__neon).
 * Contract: kernels/conv/ukernel.h (row kernel and depthwise kernel); driver: driver.c.
 * Registers (32 q), row kernel of nb output-channel blocks × ur pixels (× ks lane split):
 *   accumulators  acc[(t·nb + b)·ur + j]   ur·nb·ks ≤ 24   (24 px × 1 block, 12 × 2, 8 × 3, 6 × 4)
 *   loaded        nb weight vectors per (input channel, tap): 4 output channels each
 *   broadcast     one input value per pixel (ld1r / dup into one register)
 *   free          the rest (≥ 3) for the compiler.
 * Depthwise kernel: ur ≤ 16 accumulators, one weight vector per tap, one src vector load per FMA.
 * Tails: none. Channels are padded to whole blocks in the layout and in the packed weights, so
 * every load and store is a full vector inside the buffers; pixel tails are tiles with a smaller
 * ur (one instance per ur, selected by the switch below). */
#include <arm_neon.h>

#include "kernels/conv/driver.h"
#include "kernels/conv/tiles.h"

#define B 4        /* channel block (lanes of a q register) */
#define ACC_REGS 24 /* q registers the row kernel's accumulators may take */
#define DW_UR_MAX 16 /* pixels per depthwise call (table) */
/* The row tiles, (nb, ur_max) for nb = 1, 2, ...: every ur ≤ ur_max is instantiated (row_switch)
 * and the table's nb_max and ur_max come from this list (tiles.h); ur·nb·ks ≤ ACC_REGS. */
#define ROW_TILES(X) X(1, 24) X(2, 12) X(3, 8) X(4, 6)
CNB_CONV_CHECK_TILES(ROW_TILES);

/* The row kernel for constant nb, ur and (when it is B) pixel stride sow. */
static inline __attribute__((always_inline)) void
row_tile(const cnb_conv_row_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    const int ks = cnb_conv_lane_split(nb, ur, ACC_REGS);
    const int n_icb = a->n_icb;
    float32x4_t acc[ACC_REGS];

#pragma GCC unroll 28
    for (int i = 0; i < ks * nb * ur; i++) acc[i] = vdupq_n_f32(0.f);

    if (a->accumulate) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
            for (int j = 0; j < ur; j++) acc[b * ur + j] = vld1q_f32(a->dst + b * a->dst_ob + j * B);
    }

    const float *s_icb = a->src, *w_icb = a->wei;
    for (int icb = 0; icb < n_icb; icb++) {
        const int l0 = icb == 0 ? a->lane_lo : 0;
        const int l1 = icb == n_icb - 1 ? a->lane_hi : B;
        for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++) {
            const float *s = s_icb + kd * a->src_kd + kh * a->src_kh;
            const float *w = w_icb + kd * a->wei_kd + kh * a->wei_kh;
            for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += a->wei_kw) {
                int l = l0;
                for (; l + ks <= l1; l += ks) {
#pragma GCC unroll 8
                    for (int t = 0; t < ks; t++) {
                        float32x4_t wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++)
                            wv[b] = vld1q_f32(w + (l + t) * B + b * a->wei_ob);
#pragma GCC unroll 28
                        for (int j = 0; j < ur; j++) {
                            const float32x4_t x = vdupq_n_f32(s[j * sow + l + t]);
#pragma GCC unroll 4
                            for (int b = 0; b < nb; b++)
                                acc[(t * nb + b) * ur + j] =
                                    vfmaq_f32(acc[(t * nb + b) * ur + j], x, wv[b]);
                        }
                    }
                }
                for (; l < l1; l++) { /* lanes left over by the split: partial sum 0 */
                    float32x4_t wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                    for (int b = 0; b < nb; b++) wv[b] = vld1q_f32(w + l * B + b * a->wei_ob);
#pragma GCC unroll 28
                    for (int j = 0; j < ur; j++) {
                        const float32x4_t x = vdupq_n_f32(s[j * sow + l]);
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++)
                            acc[b * ur + j] = vfmaq_f32(acc[b * ur + j], x, wv[b]);
                    }
                }
            }
        }
        s_icb += a->src_icb;
        w_icb += a->wei_icb;
    }

#pragma GCC unroll 8
    for (int t = 1; t < ks; t++)
#pragma GCC unroll 28
        for (int i = 0; i < nb * ur; i++) acc[i] = vaddq_f32(acc[i], acc[t * nb * ur + i]);
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 28
        for (int j = 0; j < ur; j++) vst1q_f32(a->dst + b * a->dst_ob + j * B, acc[b * ur + j]);
}

#define ROW_CASE(nb, ur) case CNB_CONV_TILE_KEY(nb, ur): row_tile(a, nb, ur, sow); return;
#define ROW_CASES(nb, n) CNB_CONV_FOR_UR(n, ROW_CASE, nb)
static inline __attribute__((always_inline)) void
row_switch(const cnb_conv_row_args *a, int nb, int ur, const ptrdiff_t sow)
{
    switch (CNB_CONV_TILE_KEY(nb, ur)) {
        ROW_TILES(ROW_CASES)
    default: cnb_conv_missing_tile("neon", "row", nb, ur);
    }
}

static void row_unit_stride(const cnb_conv_row_args *a, int nb, int ur) { row_switch(a, nb, ur, B); }
static void row_any_stride(const cnb_conv_row_args *a, int nb, int ur)
{
    row_switch(a, nb, ur, a->src_ow);
}

static void row(const cnb_conv_row_args *a, int nb, int ur)
{
    if (a->src_ow == B)
        row_unit_stride(a, nb, ur);
    else
        row_any_stride(a, nb, ur);
}

/* The depthwise kernel for constant ur. */
static inline __attribute__((always_inline)) void dw_tile(const cnb_conv_dw_args *a, const int ur)
{
    const ptrdiff_t sow = a->src_ow;
    float32x4_t acc[DW_UR_MAX];
#pragma GCC unroll 16
    for (int j = 0; j < ur; j++) acc[j] = vdupq_n_f32(0.f);
    for (int kd = 0; kd < a->nkd; kd++)
    for (int kh = 0; kh < a->nkh; kh++) {
        const float *s = a->src + kd * a->src_kd + kh * a->src_kh;
        const float *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
        for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += B) {
            const float32x4_t wv = vld1q_f32(w);
#pragma GCC unroll 16
            for (int j = 0; j < ur; j++)
                acc[j] = vfmaq_f32(acc[j], vld1q_f32(s + j * sow), wv);
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < ur; j++) vst1q_f32(a->dst + j * B, acc[j]);
}

#define DW_CASE(_, ur) case ur: dw_tile(a, ur); return;
static void dw(const cnb_conv_dw_args *a, int ur)
{
    switch (ur) {
        CNB_CONV_FOR_UR(DW_UR_MAX, DW_CASE, 0)
    default: cnb_conv_missing_tile("neon", "dw", 1, ur);
    }
}

/* The table, from the tile list the switches above instantiate. */
const cnb_conv_direct_isa cnb_conv_direct_table__neon = {"neon", B, ACC_REGS, CNB_CONV_NB_COUNT(ROW_TILES),
    CNB_CONV_UR_MAX_BY_NB(ROW_TILES), DW_UR_MAX, row, dw, NULL};

static void *prepare(const cnb_problem *p, const float *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__neon, p, wei);
}

static void run(void *state, const cnb_problem *p, const float *src, const float *wei, float *dst)
{
    (void)p;
    (void)wei;
    cnb_conv_direct_run(state, src, dst);
}

const cnb_impl cnb_conv_f32_direct__neon = {
    .name = "conv/neon_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX4C,
    .supports = cnb_conv_direct_supports,
    .prepare = prepare,
    .run = run,
    .release = cnb_conv_direct_release,
    .kernel_name = cnb_conv_direct_kernel_name,
};
