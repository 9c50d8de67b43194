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

#define B 4        /* channel block (lanes of a q register) */
#define ACC_REGS 24 /* q registers the row kernel's accumulators may take */

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

static inline __attribute__((always_inline)) void
row_switch(const cnb_conv_row_args *a, int nb, int ur, const ptrdiff_t sow)
{
    switch (nb * 32 + ur) {
    case 1 * 32 +  1: row_tile(a, 1,  1, sow); return; case 1 * 32 +  2: row_tile(a, 1,  2, sow); return;
    case 1 * 32 +  3: row_tile(a, 1,  3, sow); return; case 1 * 32 +  4: row_tile(a, 1,  4, sow); return;
    case 1 * 32 +  5: row_tile(a, 1,  5, sow); return; case 1 * 32 +  6: row_tile(a, 1,  6, sow); return;
    case 1 * 32 +  7: row_tile(a, 1,  7, sow); return; case 1 * 32 +  8: row_tile(a, 1,  8, sow); return;
    case 1 * 32 +  9: row_tile(a, 1,  9, sow); return; case 1 * 32 + 10: row_tile(a, 1, 10, sow); return;
    case 1 * 32 + 11: row_tile(a, 1, 11, sow); return; case 1 * 32 + 12: row_tile(a, 1, 12, sow); return;
    case 1 * 32 + 13: row_tile(a, 1, 13, sow); return; case 1 * 32 + 14: row_tile(a, 1, 14, sow); return;
    case 1 * 32 + 15: row_tile(a, 1, 15, sow); return; case 1 * 32 + 16: row_tile(a, 1, 16, sow); return;
    case 1 * 32 + 17: row_tile(a, 1, 17, sow); return; case 1 * 32 + 18: row_tile(a, 1, 18, sow); return;
    case 1 * 32 + 19: row_tile(a, 1, 19, sow); return; case 1 * 32 + 20: row_tile(a, 1, 20, sow); return;
    case 1 * 32 + 21: row_tile(a, 1, 21, sow); return; case 1 * 32 + 22: row_tile(a, 1, 22, sow); return;
    case 1 * 32 + 23: row_tile(a, 1, 23, sow); return; case 1 * 32 + 24: row_tile(a, 1, 24, sow); return;
    case 2 * 32 +  1: row_tile(a, 2,  1, sow); return; case 2 * 32 +  2: row_tile(a, 2,  2, sow); return;
    case 2 * 32 +  3: row_tile(a, 2,  3, sow); return; case 2 * 32 +  4: row_tile(a, 2,  4, sow); return;
    case 2 * 32 +  5: row_tile(a, 2,  5, sow); return; case 2 * 32 +  6: row_tile(a, 2,  6, sow); return;
    case 2 * 32 +  7: row_tile(a, 2,  7, sow); return; case 2 * 32 +  8: row_tile(a, 2,  8, sow); return;
    case 2 * 32 +  9: row_tile(a, 2,  9, sow); return; case 2 * 32 + 10: row_tile(a, 2, 10, sow); return;
    case 2 * 32 + 11: row_tile(a, 2, 11, sow); return; case 2 * 32 + 12: row_tile(a, 2, 12, sow); return;
    case 3 * 32 +  1: row_tile(a, 3,  1, sow); return; case 3 * 32 +  2: row_tile(a, 3,  2, sow); return;
    case 3 * 32 +  3: row_tile(a, 3,  3, sow); return; case 3 * 32 +  4: row_tile(a, 3,  4, sow); return;
    case 3 * 32 +  5: row_tile(a, 3,  5, sow); return; case 3 * 32 +  6: row_tile(a, 3,  6, sow); return;
    case 3 * 32 +  7: row_tile(a, 3,  7, sow); return; case 3 * 32 +  8: row_tile(a, 3,  8, sow); return;
    case 4 * 32 +  1: row_tile(a, 4,  1, sow); return; case 4 * 32 +  2: row_tile(a, 4,  2, sow); return;
    case 4 * 32 +  3: row_tile(a, 4,  3, sow); return; case 4 * 32 +  4: row_tile(a, 4,  4, sow); return;
    case 4 * 32 +  5: row_tile(a, 4,  5, sow); return; case 4 * 32 +  6: row_tile(a, 4,  6, sow); return;
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
    float32x4_t acc[16];
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

static void dw(const cnb_conv_dw_args *a, int ur)
{
    switch (ur) {
    case  1: dw_tile(a,  1); return; case  2: dw_tile(a,  2); return;
    case  3: dw_tile(a,  3); return; case  4: dw_tile(a,  4); return;
    case  5: dw_tile(a,  5); return; case  6: dw_tile(a,  6); return;
    case  7: dw_tile(a,  7); return; case  8: dw_tile(a,  8); return;
    case  9: dw_tile(a,  9); return; case 10: dw_tile(a, 10); return;
    case 11: dw_tile(a, 11); return; case 12: dw_tile(a, 12); return;
    case 13: dw_tile(a, 13); return; case 14: dw_tile(a, 14); return;
    case 15: dw_tile(a, 15); return; case 16: dw_tile(a, 16); return;
    default: cnb_conv_missing_tile("neon", "dw", 1, ur);
    }
}

/*                                                  block acc  nb   ur_max by nb     dw_ur */
const cnb_conv_direct_isa cnb_conv_direct_table__neon = {"neon", B, ACC_REGS, 4, {0, 24, 12, 8, 6}, 16, row, dw, NULL};

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__neon, p, wei);
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
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
};
