/* Pooling micro-kernels for NEON (aarch64) on nC[D]HW4c: pool/neon_window.
 * Contract: kernels/pool/ukernel.h (one q register = one pixel of a 4-channel block); no channel
 * tail: the layout pads channels to 4 with zeros.
 * Any window (pool_group): up to PX = 8 q accumulators, one per output pixel of the group (8
 * independent max/add chains hide the latency); each tap is one 128-bit load per pixel,
 * folded into its accumulator. A run of n ≥ PX pixels goes by groups of PX, the last overlapping
 * the previous one; PX/2..PX-1 pixels by two overlapping groups of PX/2; shorter runs one pixel
 * at a time (the border pixels of a row).
 * Dense windows 3 wide at stride 1 or 2, or 2 wide at stride 2 (pool_group_cols): the PX_C = 8
 * pixels of a group share (PX_C-1)·s + kw column registers (at most 17 q), each column loaded
 * once per window row; then each pixel combines its kw columns.
 * Average: exact float sum, then one true division by the divisor broadcast in one more q
 * register. Max uses FMAXNM, which ignores a quiet-NaN tap as the reference does. */
#include <arm_neon.h>
#include <math.h>

#include "kernels/pool/driver.h"

/* Blocking table: channel block (one q register), pixels per group (any window; small dense
 * windows). */
enum { CB = 4, PX = 8, PX_C = 8 };
_Static_assert(PX % 2 == 0 && PX <= 16, "PX: even, and PX accumulators fit the 32 q registers");
_Static_assert((PX_C - 1) * 2 + 3 <= 30, "PX_C: 3-wide columns at stride 2 fit the 32 q registers");

/* px output pixels, 1 ≤ px ≤ PX; is_max and px are constants after inlining. */
static inline __attribute__((always_inline)) void
pool_group(const int is_max, const int px, const float *src, float *dst, const cnb_pool_taps *t)
{
    float32x4_t acc[PX];
#pragma GCC unroll 16
    for (int p = 0; p < px; p++)
        acc[p] = is_max ? vdupq_n_f32(-INFINITY) : vdupq_n_f32(0.0f);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const float *s = src + d * t->sd + h * t->sh;
            for (int w = 0; w < t->nw; w++, s += t->sw) {
#pragma GCC unroll 16
                for (int p = 0; p < px; p++) {
                    const float32x4_t v = vld1q_f32(s + p * t->step);
                    /* FMAXNM ignores a quiet-NaN tap, as the reference does. */
                    acc[p] = is_max ? vmaxnmq_f32(acc[p], v) : vaddq_f32(acc[p], v);
                }
            }
        }
    if (is_max) {
#pragma GCC unroll 16
        for (int p = 0; p < px; p++) vst1q_f32(dst + p * CB, acc[p]);
    } else {
        const float32x4_t count = vdupq_n_f32(t->count);
#pragma GCC unroll 16
        for (int p = 0; p < px; p++)
            vst1q_f32(dst + p * CB, vdivq_f32(acc[p], count));
    }
}

/* Small dense windows (dw = 0) whose width kw and stride s are constants after inlining: a group
 * of PX_C pixels reads (PX_C-1)·s + kw consecutive columns of each window row; each column is
 * loaded and reduced over (d, h) once into its own register, then every pixel combines its kw
 * columns. Loads per pixel and window row: s + (kw-s)/PX_C instead of kw, and no w loop. */
static inline __attribute__((always_inline)) void
pool_group_cols(const int is_max, const int kw, const int s, const float *src, float *dst,
                const cnb_pool_taps *t)
{
    enum { NCOL = (PX_C - 1) * 2 + 3 };
    const int ncol = (PX_C - 1) * s + kw;
    float32x4_t col[NCOL];
#pragma GCC unroll 32
    for (int j = 0; j < ncol; j++)
        col[j] = is_max ? vdupq_n_f32(-INFINITY) : vdupq_n_f32(0.0f);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const float *r = src + d * t->sd + h * t->sh;
#pragma GCC unroll 32
            for (int j = 0; j < ncol; j++) {
                const float32x4_t v = vld1q_f32(r + j * CB);
                col[j] = is_max ? vmaxnmq_f32(col[j], v) : vaddq_f32(col[j], v);
            }
        }
    const float32x4_t count = vdupq_n_f32(t->count);
#pragma GCC unroll 16
    for (int p = 0; p < PX_C; p++) {
        float32x4_t acc = col[p * s];
#pragma GCC unroll 4
        for (int w = 1; w < kw; w++)
            acc = is_max ? vmaxnmq_f32(acc, col[p * s + w]) : vaddq_f32(acc, col[p * s + w]);
        vst1q_f32(dst + p * CB, is_max ? acc : vdivq_f32(acc, count));
    }
}

/* Runs of n ≥ group pixels: groups, the last one overlapping the previous. kw = 0: any window
 * (pool_group); else pool_group_cols for that width and stride. */
static inline __attribute__((always_inline)) void
pool_groups(const int is_max, const int kw, const int s, size_t n, const float *src, float *dst,
            const cnb_pool_taps *t)
{
    const size_t g = kw ? PX_C : PX;
    for (size_t i = 0;; i += g) {
        const size_t j = i + g <= n ? i : n - g;
        if (kw)
            pool_group_cols(is_max, kw, s, src + j * t->step, dst + j * CB, t);
        else
            pool_group(is_max, PX, src + j * t->step, dst + j * CB, t);
        if (j + g == n) break;
    }
}

static inline __attribute__((always_inline)) void
pool_run(const int is_max, size_t n, const float *src, float *dst, const cnb_pool_taps *t)
{
    const int dense = t->sw == CB, cols = n >= PX_C && dense;
    if (cols && t->nw == 3 && t->step == CB) {
        pool_groups(is_max, 3, 1, n, src, dst, t);
    } else if (cols && t->nw == 3 && t->step == 2 * CB) {
        pool_groups(is_max, 3, 2, n, src, dst, t);
    } else if (cols && t->nw == 2 && t->step == 2 * CB) {
        pool_groups(is_max, 2, 2, n, src, dst, t);
    } else if (n >= PX) {
        pool_groups(is_max, 0, 0, n, src, dst, t);
    } else if (n >= PX / 2) {
        pool_group(is_max, PX / 2, src, dst, t);
        pool_group(is_max, PX / 2, src + (n - PX / 2) * t->step, dst + (n - PX / 2) * CB, t);
    } else {
        for (size_t j = 0; j < n; j++) pool_group(is_max, 1, src + j * t->step, dst + j * CB, t);
    }
}

static void max_4c(size_t n, const float *src, float *dst, const cnb_pool_taps *t)
{
    pool_run(1, n, src, dst, t);
}

static void avg_4c(size_t n, const float *src, float *dst, const cnb_pool_taps *t)
{
    pool_run(0, n, src, dst, t);
}

const cnb_pool_blocked_kernels cnb_pool_kernels__neon = {.cb = CB, .px = PX, .px_c = PX_C, .max = max_4c, .avg = avg_4c};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    (void)wei;
    cnb_pool_blocked_run(&cnb_pool_kernels__neon, &p->pool, src, dst);
}

const cnb_impl cnb_pool_f32_window__neon = {
    .name = "pool/neon_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX4C,
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
