/* AVX2 direct convolution on nCx8c: conv/avx2_direct (cnb_conv_f32_direct__avx2).
 * Contract: kernels/conv/ukernel.h (row kernel and depthwise kernel); driver: driver.c.
 * Registers (16 ymm), row kernel of nb output-channel blocks × ur pixels (× ks lane split):
 *   accumulators  acc[(t·nb + b)·ur + j]   ur·nb·ks ≤ 12   (12 px × 1 block, 6 × 2, 4 × 3)
 *   loaded        nb weight vectors per (input channel, tap): 8 output channels each
 *   broadcast     one input value per pixel (vbroadcastss into one register)
 *   free          16 − 12 − nb − 1 ≥ 0: the 4 × 3 tile uses all 16.
 * Depthwise kernel: ur ≤ 12 accumulators, one weight vector per tap, one src vector load per FMA.
 * Depthwise 3-tap row kernel: ur ≤ 12 accumulators, the 3 weight vectors of a kernel row, one
 *   src vector per window position (feeding up to 3 FMAs): all 16.
 * Tails: none. Channels are padded to whole blocks in the layout and in the packed weights, so
 * every load and store is a full vector inside the buffers (no mask table needed); pixel tails
 * are tiles with a smaller ur (one instance per ur, selected by the switch below). */
#include <immintrin.h>

#include "kernels/conv/driver.h"

#define B 8        /* channel block (lanes of a ymm) */
#define ACC_REGS 12 /* ymm registers the row kernel's accumulators may take */
#define DW_UR_MAX 12 /* pixels per depthwise call (table) */

/* The row kernel for constant nb, ur and (when it is B) pixel stride sow. */
static inline __attribute__((always_inline)) void
row_tile(const cnb_conv_row_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    const int ks = cnb_conv_lane_split(nb, ur, ACC_REGS);
    const int n_icb = a->n_icb;
    __m256 acc[ACC_REGS];

#pragma GCC unroll 12
    for (int i = 0; i < ks * nb * ur; i++) acc[i] = _mm256_setzero_ps();

    if (a->accumulate) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 12
            for (int j = 0; j < ur; j++) acc[b * ur + j] = _mm256_loadu_ps(a->dst + b * a->dst_ob + j * B);
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
                        __m256 wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++)
                            wv[b] = _mm256_loadu_ps(w + (l + t) * B + b * a->wei_ob);
#pragma GCC unroll 12
                        for (int j = 0; j < ur; j++) {
                            const __m256 x = _mm256_set1_ps(s[j * sow + l + t]);
#pragma GCC unroll 4
                            for (int b = 0; b < nb; b++)
                                acc[(t * nb + b) * ur + j] =
                                    _mm256_fmadd_ps(x, wv[b], acc[(t * nb + b) * ur + j]);
                        }
                    }
                }
                for (; l < l1; l++) { /* lanes left over by the split: partial sum 0 */
                    __m256 wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
                    for (int b = 0; b < nb; b++) wv[b] = _mm256_loadu_ps(w + l * B + b * a->wei_ob);
#pragma GCC unroll 12
                    for (int j = 0; j < ur; j++) {
                        const __m256 x = _mm256_set1_ps(s[j * sow + l]);
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++)
                            acc[b * ur + j] = _mm256_fmadd_ps(x, wv[b], acc[b * ur + j]);
                    }
                }
            }
        }
        s_icb += a->src_icb;
        w_icb += a->wei_icb;
    }

#pragma GCC unroll 8
    for (int t = 1; t < ks; t++)
#pragma GCC unroll 12
        for (int i = 0; i < nb * ur; i++) acc[i] = _mm256_add_ps(acc[i], acc[t * nb * ur + i]);
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 12
        for (int j = 0; j < ur; j++) _mm256_storeu_ps(a->dst + b * a->dst_ob + j * B, acc[b * ur + j]);
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
    case 2 * 32 +  1: row_tile(a, 2,  1, sow); return; case 2 * 32 +  2: row_tile(a, 2,  2, sow); return;
    case 2 * 32 +  3: row_tile(a, 2,  3, sow); return; case 2 * 32 +  4: row_tile(a, 2,  4, sow); return;
    case 2 * 32 +  5: row_tile(a, 2,  5, sow); return; case 2 * 32 +  6: row_tile(a, 2,  6, sow); return;
    case 3 * 32 +  1: row_tile(a, 3,  1, sow); return; case 3 * 32 +  2: row_tile(a, 3,  2, sow); return;
    case 3 * 32 +  3: row_tile(a, 3,  3, sow); return; case 3 * 32 +  4: row_tile(a, 3,  4, sow); return;
    default: cnb_conv_missing_tile("avx2", "row", nb, ur);
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
    __m256 acc[DW_UR_MAX];
#pragma GCC unroll 12
    for (int j = 0; j < ur; j++) acc[j] = _mm256_setzero_ps();
    for (int kd = 0; kd < a->nkd; kd++)
    for (int kh = 0; kh < a->nkh; kh++) {
        const float *s = a->src + kd * a->src_kd + kh * a->src_kh;
        const float *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
        for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += B) {
            const __m256 wv = _mm256_loadu_ps(w);
#pragma GCC unroll 12
            for (int j = 0; j < ur; j++)
                acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(s + j * sow), wv, acc[j]);
        }
    }
#pragma GCC unroll 12
    for (int j = 0; j < ur; j++) _mm256_storeu_ps(a->dst + j * B, acc[j]);
}

/* The depthwise 3-tap row kernel for constant ur, pixel stride sw (pixels) and padding skips sl,
 * sr: along a kernel row, window position p feeds pixel j through tap p − j·sw, so each input
 * vector is loaded once and used by up to 3 FMAs: (ur − 1)·sw + 3 loads for 3·ur FMAs instead
 * of one load per FMA (Zen 4 loads two ymm per cycle, as many as it issues FMAs: with the
 * stores, the one-load-per-FMA loop was load-bound). The 3 weight vectors of the kernel row stay
 * in registers. GCC still turns about a third of the loads into FMA memory operands here; a
 * vmaskmovps load under src_lanes (the AVX-512 cure, ukernel.h) needs a register more and ran
 * 15-20 % slower on Zen 4. */
static inline __attribute__((always_inline)) void
dw3_tile(const cnb_conv_dw3_args *a, const int ur, const int sw, const int sl, const int sr)
{
    const int n = (ur - 1) * sw + 3;
    for (int r = 0; r < a->nrows; r++) {
        __m256 acc[DW_UR_MAX];
#pragma GCC unroll 12
        for (int j = 0; j < ur; j++) acc[j] = _mm256_setzero_ps();
        for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++) {
            const float *s = a->src + r * a->src_oh + kd * a->src_kd + kh * a->src_kh; /* position sl */
            const float *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
            const __m256 wv[3] = {_mm256_load_ps(w), _mm256_load_ps(w + B), _mm256_load_ps(w + 2 * B)};
#pragma GCC unroll 64
            for (int p = sl; p < n - sr; p++) {
                const __m256 x = _mm256_loadu_ps(s + (p - sl) * B);
#pragma GCC unroll 3
                for (int t = 0; t < 3; t++) {
                    const int d = p - t; /* j·sw */
                    if (d < 0 || d % sw || d / sw >= ur) continue;
                    acc[d / sw] = _mm256_fmadd_ps(x, wv[t], acc[d / sw]);
                }
            }
        }
#pragma GCC unroll 12
        for (int j = 0; j < ur; j++) _mm256_storeu_ps(a->dst + r * a->dst_oh + j * B, acc[j]);
    }
}

static inline __attribute__((always_inline)) void
dw3_switch(const cnb_conv_dw3_args *a, int ur, const int sw, const int sl, const int sr)
{
    switch (ur) {
    case  1: dw3_tile(a,  1, sw, sl, sr); return; case  2: dw3_tile(a,  2, sw, sl, sr); return;
    case  3: dw3_tile(a,  3, sw, sl, sr); return; case  4: dw3_tile(a,  4, sw, sl, sr); return;
    case  5: dw3_tile(a,  5, sw, sl, sr); return; case  6: dw3_tile(a,  6, sw, sl, sr); return;
    case  7: dw3_tile(a,  7, sw, sl, sr); return; case  8: dw3_tile(a,  8, sw, sl, sr); return;
    case  9: dw3_tile(a,  9, sw, sl, sr); return; case 10: dw3_tile(a, 10, sw, sl, sr); return;
    case 11: dw3_tile(a, 11, sw, sl, sr); return; case 12: dw3_tile(a, 12, sw, sl, sr); return;
    default: cnb_conv_missing_tile("avx2", "dw3", 1, ur);
    }
}

/* One instance per (stride, skips); interior tiles (no skips) are the common case. */
static void dw3_s1(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 1, 0, 0); }
static void dw3_s1_l(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 1, 1, 0); }
static void dw3_s1_r(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 1, 0, 1); }
static void dw3_s1_lr(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 1, 1, 1); }
static void dw3_s2(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 2, 0, 0); }
static void dw3_s2_l(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 2, 1, 0); }
static void dw3_s2_r(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 2, 0, 1); }
static void dw3_s2_lr(const cnb_conv_dw3_args *a, int ur) { dw3_switch(a, ur, 2, 1, 1); }

static void dw3(const cnb_conv_dw3_args *a, int sw, int ur)
{
    static void (*const f[2][4])(const cnb_conv_dw3_args *, int) = {
        {dw3_s1, dw3_s1_l, dw3_s1_r, dw3_s1_lr}, {dw3_s2, dw3_s2_l, dw3_s2_r, dw3_s2_lr}};
    f[sw - 1][a->skip_l + 2 * a->skip_r](a, ur);
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
    default: cnb_conv_missing_tile("avx2", "dw", 1, ur);
    }
}

/*                                                  block acc  nb   ur_max by nb     dw_ur */
const cnb_conv_direct_isa cnb_conv_direct_table__avx2 = {"avx2", B, ACC_REGS, 3, {0, 12, 6, 4}, DW_UR_MAX, row, dw, dw3};

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__avx2, p, wei);
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p;
    (void)wei;
    cnb_conv_direct_run(state, src, dst);
}

const cnb_impl cnb_conv_f32_direct__avx2 = {
    .name = "conv/avx2_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX2,
    .layout = CNB_LAYOUT_NCX8C,
    .supports = cnb_conv_direct_supports,
    .prepare = prepare,
    .run = run,
    .release = cnb_conv_direct_release,
};
