/* The pooling micro-kernels' body, shared by the ISA files (avx512.c, avx2.c, neon.c) and
 * compiled into each with its own flags. An ISA file defines, before including this header:
 *
 *   the blocking table  enum { CB, PX, PX_C, NREG }: floats per vector (= the layout's channel
 *                       block), pixels per group of any window, pixels per group of small dense
 *                       windows, vector registers of the ISA;
 *   the vector layer    typedef ... vec;  and static inline
 *                         vec  v_set1(float x);             every lane x
 *                         vec  v_load(const float *p);      CB floats, 4-byte aligned
 *                         void v_store(float *p, vec v);    CB floats, 4-byte aligned
 *                         vec  v_max(vec tap, vec acc);     lane-wise max; acc when tap is NaN
 *                         vec  v_add(vec a, vec b);
 *                         vec  v_div(vec a, vec b);         a true IEEE division
 *
 * and gets pool_run(is_max, n, src, dst, taps), the whole contract of kernels/pool/ukernel.h.
 *
 * Any window (pool_group): up to PX accumulators, one per output pixel of the group (PX
 * independent max/add chains hide the latency); each tap is one unaligned vector load per pixel,
 * folded into its accumulator. A run of n ≥ PX pixels goes by groups of PX, the last overlapping
 * the previous one; PX/2..PX-1 pixels by two overlapping groups of PX/2; shorter runs one pixel
 * at a time (the border pixels of a row).
 * Dense windows 3 wide at stride 1 or 2, or 2 wide at stride 2 (pool_group_cols): the PX_C pixels
 * of a group share (PX_C-1)·s + kw column registers, each column loaded once per window row;
 * then each pixel combines its kw columns.
 * Average: exact float sum, then one true division by the divisor broadcast in one more
 * register, so that integer data give results bit-identical to the reference. */
#ifndef CNB_KERNELS_POOL_BODY_H
#define CNB_KERNELS_POOL_BODY_H

#include <assert.h>
#include <math.h>

#include "kernels/pool/driver.h"

_Static_assert(PX % 2 == 0 && PX <= NREG - 4, "PX: even, and PX accumulators fit the registers");
_Static_assert((PX_C - 1) * 2 + 3 <= NREG - 2, "PX_C: 3-wide columns at stride 2 fit the registers");

/* px output pixels, 1 ≤ px ≤ PX; is_max and px are constants after inlining. */
static inline __attribute__((always_inline)) void
pool_group(const int is_max, const int px, const float *src, float *dst, const cnb_pool_taps *t)
{
    vec acc[PX];
#pragma GCC unroll 16
    for (int p = 0; p < px; p++) acc[p] = v_set1(is_max ? -INFINITY : 0.0f);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const float *s = src + d * t->sd + h * t->sh;
            for (int w = 0; w < t->nw; w++, s += t->sw) {
#pragma GCC unroll 16
                for (int p = 0; p < px; p++) {
                    const vec v = v_load(s + p * t->step);
                    acc[p] = is_max ? v_max(v, acc[p]) : v_add(acc[p], v);
                }
            }
        }
    if (is_max) {
#pragma GCC unroll 16
        for (int p = 0; p < px; p++) v_store(dst + p * CB, acc[p]);
    } else {
        const vec count = v_set1(t->count);
#pragma GCC unroll 16
        for (int p = 0; p < px; p++) v_store(dst + p * CB, v_div(acc[p], count));
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
    /* kw and s are constants at every call: this folds away, or stops a caller whose window
     * needs more columns than col holds (the compiler would otherwise drop that path silently). */
    assert(ncol <= NCOL);
    vec col[NCOL];
#pragma GCC unroll 32
    for (int j = 0; j < ncol; j++) col[j] = v_set1(is_max ? -INFINITY : 0.0f);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const float *r = src + d * t->sd + h * t->sh;
#pragma GCC unroll 32
            for (int j = 0; j < ncol; j++) {
                const vec v = v_load(r + j * CB);
                col[j] = is_max ? v_max(v, col[j]) : v_add(col[j], v);
            }
        }
    const vec count = v_set1(t->count);
#pragma GCC unroll 16
    for (int p = 0; p < PX_C; p++) {
        vec acc = col[p * s];
#pragma GCC unroll 4
        for (int w = 1; w < kw; w++)
            acc = is_max ? v_max(col[p * s + w], acc) : v_add(acc, col[p * s + w]);
        v_store(dst + p * CB, is_max ? acc : v_div(acc, count));
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

static void pool_max(size_t n, const float *src, float *dst, const cnb_pool_taps *t)
{
    pool_run(1, n, src, dst, t);
}

static void pool_avg(size_t n, const float *src, float *dst, const cnb_pool_taps *t)
{
    pool_run(0, n, src, dst, t);
}

#endif
