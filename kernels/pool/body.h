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
 *                       and its typed hooks (pointers aligned to their element only):
 *                         vec  v_load_bf16(const uint16_t *p);   CB bf16 widened to float (exact)
 *                         void v_store_bf16(uint16_t *p, vec v); CB floats that are bf16 values
 *                                                                (the low 16 bits are zero)
 *                         void v_store_bf16_rne(uint16_t *p, vec v);  CB floats rounded to
 *                                                                nearest even at bf16
 *                         vec  v_load_u8_s32(const uint8_t *p);  CB u8 (s8) widened to int32
 *                         vec  v_load_s8_s32(const int8_t *p);   lanes (the bits of vec)
 *                         vec  v_add_s32(vec a, vec b);          int32 lanes
 *                         vec  v_cvt_s32(vec a);                 int32 lanes to float
 *                         void v_store_u8_rne(uint8_t *p, vec v);  CB floats to u8 (s8): to the
 *                         void v_store_s8_rne(int8_t *p, vec v);   nearest integer, ties to even,
 *                                                                  saturated
 *                         vec  v_set1_i8(int x);                 every byte x
 *                         vec  v_load_i8(const void *p);         CB bytes, narrow, in the low bytes
 *                         vec  v_max_u8(vec tap, vec acc);       byte-wise max, unsigned (signed)
 *                         vec  v_max_s8(vec tap, vec acc);       on at least the low CB bytes
 *                         void v_store_i8(void *p, vec v);       the low CB bytes
 *
 * and gets pool_run(is_max, dt, n, src, dst, taps), the whole contract of kernels/pool/ukernel.h
 * for elements of type dt (f32, bf16, u8, s8), and the kernels pool_{max,avg}_<type>.
 *
 * Types. One body for all of them: dt, like is_max, is a constant after inlining, and the t_*
 * hooks below pick what a tap, a fold and a store are for it. f32 and bf16 work in float (bf16
 * widened by a shift, exact); u8 and s8 max stay narrow (one byte per lane: the same vector
 * count and loads as f32, a quarter of the bytes); u8 and s8 averages sum exactly in int32
 * lanes, converted to float once for the division.
 *
 * Any window (pool_group): up to PX accumulators, one per output pixel of the group (PX
 * independent max/add chains hide the latency); each tap is one unaligned vector load per pixel,
 * folded into its accumulator. A run of n ≥ PX pixels goes by groups of PX, the last overlapping
 * the previous one; PX/2..PX-1 pixels by two overlapping groups of PX/2; shorter runs one pixel
 * at a time (the border pixels of a row).
 * Dense windows 3 wide at stride 1 or 2, or 2 wide at stride 2 (pool_group_cols): the PX_C pixels
 * of a group share (PX_C-1)·s + kw column registers, each column loaded once per window row;
 * then each pixel combines its kw columns.
 * Average: exact sum, then one true division by the divisor broadcast in one more register, so
 * that integer data give results bit-identical to the reference.
 * Max of bf16 compares as float with v_max, as f32 does: a NaN tap is passed over (as the
 * reference's `v > max` does), and between +0 and -0 the accumulator stays, so the sign of a
 * zero max follows the fold order, which the column kernels change (exact-mode data have no -0).
 * A bf16 average with a NaN tap gives a NaN (its widened low half is zero, so the rounding
 * cannot carry it into an infinity). */
#ifndef CNB_KERNELS_POOL_BODY_H
#define CNB_KERNELS_POOL_BODY_H

#include <assert.h>
#include <math.h>
#include <stdint.h>

#include "kernels/pool/driver.h"

_Static_assert(PX % 2 == 0 && PX <= NREG - 4, "PX: even, and PX accumulators fit the registers");
_Static_assert((PX_C - 1) * 2 + 3 <= NREG - 2, "PX_C: 3-wide columns at stride 2 fit the registers");

/* The typed hooks: what the accumulator starts at, what one tap is, how it folds in, and how
 * a result is stored, for elements of type dt. */
static inline __attribute__((always_inline)) ptrdiff_t t_size(const cnb_dt dt)
{
    return dt == CNB_DT_F32 ? 4 : dt == CNB_DT_BF16 ? 2 : 1;
}

static inline __attribute__((always_inline)) const void *t_at(const cnb_dt dt, const void *p, ptrdiff_t i)
{
    return (const char *)p + i * t_size(dt);
}

static inline __attribute__((always_inline)) vec t_init(const int is_max, const cnb_dt dt)
{
    /* Max starts at the lowest value of the type; the average at 0 (0.0f is also int32 0). */
    if (is_max && dt == CNB_DT_U8) return v_set1_i8(0);
    if (is_max && dt == CNB_DT_S8) return v_set1_i8(INT8_MIN);
    return v_set1(is_max ? -INFINITY : 0.0f);
}

static inline __attribute__((always_inline)) vec t_load(const int is_max, const cnb_dt dt, const void *p)
{
    switch (dt) {
    case CNB_DT_BF16: return v_load_bf16(p);
    case CNB_DT_U8: return is_max ? v_load_i8(p) : v_load_u8_s32(p);
    case CNB_DT_S8: return is_max ? v_load_i8(p) : v_load_s8_s32(p);
    default: return v_load(p);
    }
}

static inline __attribute__((always_inline)) vec t_fold(const int is_max, const cnb_dt dt, vec tap, vec acc)
{
    switch (dt) {
    case CNB_DT_U8: return is_max ? v_max_u8(tap, acc) : v_add_s32(acc, tap);
    case CNB_DT_S8: return is_max ? v_max_s8(tap, acc) : v_add_s32(acc, tap);
    default: return is_max ? v_max(tap, acc) : v_add(acc, tap);
    }
}

/* acc is the max, or the sum to divide by count. */
static inline __attribute__((always_inline)) void t_store(const int is_max, const cnb_dt dt, void *p, vec acc,
                                                          vec count)
{
    switch (dt) {
    case CNB_DT_BF16:
        if (is_max) v_store_bf16(p, acc);
        else v_store_bf16_rne(p, v_div(acc, count));
        break;
    case CNB_DT_U8:
        if (is_max) v_store_i8(p, acc);
        else v_store_u8_rne(p, v_div(v_cvt_s32(acc), count));
        break;
    case CNB_DT_S8:
        if (is_max) v_store_i8(p, acc);
        else v_store_s8_rne(p, v_div(v_cvt_s32(acc), count));
        break;
    default: v_store(p, is_max ? acc : v_div(acc, count));
    }
}

/* px output pixels, 1 ≤ px ≤ PX; is_max, dt and px are constants after inlining. */
static inline __attribute__((always_inline)) void
pool_group(const int is_max, const cnb_dt dt, const int px, const void *src, void *dst,
           const cnb_pool_taps *t)
{
    vec acc[PX];
#pragma GCC unroll 16
    for (int p = 0; p < px; p++) acc[p] = t_init(is_max, dt);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const char *s = t_at(dt, src, d * t->sd + h * t->sh);
            for (int w = 0; w < t->nw; w++, s += t->sw * t_size(dt)) {
#pragma GCC unroll 16
                for (int p = 0; p < px; p++)
                    acc[p] = t_fold(is_max, dt, t_load(is_max, dt, t_at(dt, s, p * t->step)), acc[p]);
            }
        }
    const vec count = v_set1(t->count);
#pragma GCC unroll 16
    for (int p = 0; p < px; p++) t_store(is_max, dt, (void *)t_at(dt, dst, p * CB), acc[p], count);
}

/* Small dense windows (dw = 0) whose width kw and stride s are constants after inlining: a group
 * of PX_C pixels reads (PX_C-1)·s + kw consecutive columns of each window row; each column is
 * loaded and reduced over (d, h) once into its own register, then every pixel combines its kw
 * columns. Loads per pixel and window row: s + (kw-s)/PX_C instead of kw, and no w loop. */
static inline __attribute__((always_inline)) void
pool_group_cols(const int is_max, const cnb_dt dt, const int kw, const int s, const void *src,
                void *dst, const cnb_pool_taps *t)
{
    enum { NCOL = (PX_C - 1) * 2 + 3 };
    const int ncol = (PX_C - 1) * s + kw;
    /* kw and s are constants at every call: this folds away, or stops a caller whose window
     * needs more columns than col holds (the compiler would otherwise drop that path silently). */
    assert(ncol <= NCOL);
    vec col[NCOL];
#pragma GCC unroll 32
    for (int j = 0; j < ncol; j++) col[j] = t_init(is_max, dt);
    for (int d = 0; d < t->nd; d++)
        for (int h = 0; h < t->nh; h++) {
            const void *r = t_at(dt, src, d * t->sd + h * t->sh);
#pragma GCC unroll 32
            for (int j = 0; j < ncol; j++)
                col[j] = t_fold(is_max, dt, t_load(is_max, dt, t_at(dt, r, j * CB)), col[j]);
        }
    const vec count = v_set1(t->count);
#pragma GCC unroll 16
    for (int p = 0; p < PX_C; p++) {
        vec acc = col[p * s];
#pragma GCC unroll 4
        for (int w = 1; w < kw; w++) acc = t_fold(is_max, dt, col[p * s + w], acc);
        t_store(is_max, dt, (void *)t_at(dt, dst, p * CB), acc, count);
    }
}

/* Runs of n ≥ group pixels: groups, the last one overlapping the previous. kw = 0: any window
 * (pool_group); else pool_group_cols for that width and stride. */
static inline __attribute__((always_inline)) void
pool_groups(const int is_max, const cnb_dt dt, const int kw, const int s, size_t n, const void *src,
            void *dst, const cnb_pool_taps *t)
{
    const size_t g = kw ? PX_C : PX;
    for (size_t i = 0;; i += g) {
        const size_t j = i + g <= n ? i : n - g;
        const void *sj = t_at(dt, src, (ptrdiff_t)j * t->step);
        void *dj = (void *)t_at(dt, dst, (ptrdiff_t)j * CB);
        if (kw)
            pool_group_cols(is_max, dt, kw, s, sj, dj, t);
        else
            pool_group(is_max, dt, PX, sj, dj, t);
        if (j + g == n) break;
    }
}

static inline __attribute__((always_inline)) void
pool_run(const int is_max, const cnb_dt dt, size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    const int dense = t->sw == CB, cols = n >= PX_C && dense;
    if (cols && t->nw == 3 && t->step == CB) {
        pool_groups(is_max, dt, 3, 1, n, src, dst, t);
    } else if (cols && t->nw == 3 && t->step == 2 * CB) {
        pool_groups(is_max, dt, 3, 2, n, src, dst, t);
    } else if (cols && t->nw == 2 && t->step == 2 * CB) {
        pool_groups(is_max, dt, 2, 2, n, src, dst, t);
    } else if (n >= PX) {
        pool_groups(is_max, dt, 0, 0, n, src, dst, t);
    } else if (n >= PX / 2) {
        const ptrdiff_t j = (ptrdiff_t)n - PX / 2;
        pool_group(is_max, dt, PX / 2, src, dst, t);
        pool_group(is_max, dt, PX / 2, t_at(dt, src, j * t->step), (void *)t_at(dt, dst, j * CB), t);
    } else {
        for (size_t j = 0; j < n; j++)
            pool_group(is_max, dt, 1, t_at(dt, src, (ptrdiff_t)j * t->step),
                       (void *)t_at(dt, dst, (ptrdiff_t)j * CB), t);
    }
}

/* The kernels of the table, one per operation and type. */
static void pool_max_f32(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(1, CNB_DT_F32, n, src, dst, t);
}
static void pool_avg_f32(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(0, CNB_DT_F32, n, src, dst, t);
}
static void pool_max_bf16(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(1, CNB_DT_BF16, n, src, dst, t);
}
static void pool_avg_bf16(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(0, CNB_DT_BF16, n, src, dst, t);
}
static void pool_max_u8(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(1, CNB_DT_U8, n, src, dst, t);
}
static void pool_avg_u8(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(0, CNB_DT_U8, n, src, dst, t);
}
static void pool_max_s8(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(1, CNB_DT_S8, n, src, dst, t);
}
static void pool_avg_s8(size_t n, const void *src, void *dst, const cnb_pool_taps *t)
{
    pool_run(0, CNB_DT_S8, n, src, dst, t);
}

/* The table's kernel columns, for the ISA file's one line. */
#define POOL_KERNELS                                                                              \
    .max = {[CNB_DT_F32] = pool_max_f32, [CNB_DT_BF16] = pool_max_bf16,                           \
            [CNB_DT_U8] = pool_max_u8, [CNB_DT_S8] = pool_max_s8},                                \
    .avg = {[CNB_DT_F32] = pool_avg_f32, [CNB_DT_BF16] = pool_avg_bf16,                           \
            [CNB_DT_U8] = pool_avg_u8, [CNB_DT_S8] = pool_avg_s8}

#endif
