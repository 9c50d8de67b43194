/* The direct convolution's micro-kernels (row, depthwise, depthwise 3-tap; contract in
 * ukernel.h), shared by the ISA files (avx512.c, avx2.c, neon.c) and compiled into each with its
 * own flags. An ISA file defines, before including this header:
 *
 *   ISA_NAME "avx512"   for messages
 *   B                   channel block: floats per vector and per layout block
 *   ACC_REGS            vector registers the row kernel's accumulators may take
 *   VEC_REGS            vector registers of the ISA
 *   ROW_TILES(X)        its row tiles (nb, ur_max), and DW_UR_MAX, as tiles.h describes
 *   the vector layer    typedef ... vec;  and static inline
 *                         vec  v_zero(void);
 *                         vec  v_set1(float x);              every lane x (the broadcast)
 *                         vec  v_load(const float *p);       B floats, 4-byte aligned
 *                         void v_store(float *p, vec v);     B floats, 4-byte aligned
 *                         vec  v_fma(vec acc, vec a, vec b); acc + a·b, fused
 *                         vec  v_add(vec a, vec b);
 *                         vec  v_load_src3(const float *p, unsigned lanes);
 *                              the 3-tap kernel's input load, lanes = all B set (ukernel.h:
 *                              a masked load where the ISA has one keeps x in a register)
 *
 * and gets the functions row, dw and dw3 for its table (CNB_CONV_ISA_TABLE).
 *
 * Every tile is a constant-shape instance: the switches (from ROW_TILES and DW_UR_MAX, tiles.h)
 * select the instance for (nb, ur), and a (nb, ur) without one stops loudly
 * (cnb_conv_missing_tile). The unroll pragmas carry bounds above every ISA's largest tile, so
 * that each constant-trip loop unrolls fully. */
#ifndef CNB_KERNELS_CONV_BODY_H
#define CNB_KERNELS_CONV_BODY_H

#include "kernels/conv/driver.h"
#include "kernels/conv/tiles.h"

CNB_CONV_CHECK_TILES(ROW_TILES);
_Static_assert(DW_UR_MAX >= 1 && DW_UR_MAX <= ACC_REGS, "DW_UR_MAX: 1 .. ACC_REGS accumulators");

/* One step of the lane loop: input lanes [l, l + ks), lane l + t into partial sum t; per lane nb
 * weight vectors, one broadcast per pixel and nb·ur FMAs. */
static inline __attribute__((always_inline)) void
lane_step(vec *acc, const float *s, const float *w, const int l, const int nb, const int ur,
          const int ks, const ptrdiff_t sow, const ptrdiff_t wei_ob)
{
#pragma GCC unroll 8
    for (int t = 0; t < ks; t++) {
        vec wv[CNB_CONV_NB_MAX];
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++) wv[b] = v_load(w + (l + t) * B + b * wei_ob);
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) {
            const vec x = v_set1(s[j * sow + l + t]);
#pragma GCC unroll 4
            for (int b = 0; b < nb; b++)
                acc[(t * nb + b) * ur + j] = v_fma(acc[(t * nb + b) * ur + j], x, wv[b]);
        }
    }
}

/* The row kernel for constant nb, ur and (when it is B) pixel stride sow. */
static inline __attribute__((always_inline)) void
row_tile(const cnb_conv_row_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    const int ks = cnb_conv_lane_split(nb, ur, ACC_REGS);
    const int n_icb = a->n_icb;
    vec acc[ACC_REGS];

#pragma GCC unroll 32
    for (int i = 0; i < ks * nb * ur; i++) acc[i] = v_zero();

    if (a->accumulate) {
#pragma GCC unroll 4
        for (int b = 0; b < nb; b++)
#pragma GCC unroll 32
            for (int j = 0; j < ur; j++) acc[b * ur + j] = v_load(a->dst + b * a->dst_ob + j * B);
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
                if (l0 == 0 && l1 == B && B % ks == 0) {
                    /* A whole block: a constant trip count, the lane loop unrolled by 4 (the
                     * loop branch is a share of a call worth saving on wide rows, whose calls
                     * have only 1 or 2 kw taps; unrolled by 16, GCC spills accumulators in the
                     * largest tiles). A tile whose accumulators, weight vectors and broadcast
                     * do not all fit in the register file (VEC_REGS) spills some whatever
                     * the unroll, and unrolled GCC spills more of them and shuffles the rest
                     * between registers: its lane loop is not unrolled. GCC also leaves the
                     * loop of the widest tiles that fit (14 pixels × 2 blocks) one step an
                     * iteration whatever the pragma; unrolled by hand (4 or 8 steps) their
                     * accumulators get shuffled between registers too, and they ran slower. */
                    if (ks * nb * ur + nb + 1 > VEC_REGS) {
#pragma GCC unroll 1
                        for (int l = 0; l < B; l += ks) lane_step(acc, s, w, l, nb, ur, ks, sow, a->wei_ob);
                        continue;
                    }
#pragma GCC unroll 4
                    for (int l = 0; l < B; l += ks) lane_step(acc, s, w, l, nb, ur, ks, sow, a->wei_ob);
                    continue;
                }
                int l = l0;
                for (; l + ks <= l1; l += ks) lane_step(acc, s, w, l, nb, ur, ks, sow, a->wei_ob);
                /* lanes left over by the split: partial sum 0 */
                for (; l < l1; l++) lane_step(acc, s, w, l, nb, ur, 1, sow, a->wei_ob);
            }
        }
        s_icb += a->src_icb;
        w_icb += a->wei_icb;
    }

#pragma GCC unroll 8
    for (int t = 1; t < ks; t++)
#pragma GCC unroll 32
        for (int i = 0; i < nb * ur; i++) acc[i] = v_add(acc[i], acc[t * nb * ur + i]);
#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) v_store(a->dst + b * a->dst_ob + j * B, acc[b * ur + j]);
}

/* One function per tile, not one switch over inlined tiles: GCC's time on a function grows
 * faster than its size, and the tile instances are what the compile time of the ISA files is
 * made of. Unit-stride rows get the pixel stride as a constant. */
#define ROW_FN(nb, ur)                                                                             \
    static __attribute__((noinline)) void row_##nb##_##ur(const cnb_conv_row_args *a)             \
    {                                                                                              \
        if (a->src_ow == B)                                                                        \
            row_tile(a, nb, ur, B);                                                                \
        else                                                                                       \
            row_tile(a, nb, ur, a->src_ow);                                                        \
    }
#define ROW_FNS(nb, n) CNB_CONV_FOR_UR(n, ROW_FN, nb)
ROW_TILES(ROW_FNS)
#define ROW_CASE(nb, ur) case CNB_CONV_TILE_KEY(nb, ur): row_##nb##_##ur(a); return;
#define ROW_CASES(nb, n) CNB_CONV_FOR_UR(n, ROW_CASE, nb)
static void row(const cnb_conv_row_args *a, int nb, int ur)
{
    switch (CNB_CONV_TILE_KEY(nb, ur)) {
        ROW_TILES(ROW_CASES)
    default: cnb_conv_missing_tile(ISA_NAME, "row", nb, ur);
    }
}

/* The depthwise kernel for constant ur, any strides and dilations: one src load per FMA. */
static inline __attribute__((always_inline)) void dw_tile(const cnb_conv_dw_args *a, const int ur)
{
    const ptrdiff_t sow = a->src_ow;
    vec acc[DW_UR_MAX];
#pragma GCC unroll 32
    for (int j = 0; j < ur; j++) acc[j] = v_zero();
    for (int kd = 0; kd < a->nkd; kd++)
    for (int kh = 0; kh < a->nkh; kh++) {
        const float *s = a->src + kd * a->src_kd + kh * a->src_kh;
        const float *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
        for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += B) {
            const vec wv = v_load(w);
#pragma GCC unroll 32
            for (int j = 0; j < ur; j++) acc[j] = v_fma(acc[j], v_load(s + j * sow), wv);
        }
    }
#pragma GCC unroll 32
    for (int j = 0; j < ur; j++) v_store(a->dst + j * B, acc[j]);
}

#define DW_FN(_, ur)                                                                               \
    static __attribute__((noinline)) void dw_##ur(const cnb_conv_dw_args *a) { dw_tile(a, ur); }
CNB_CONV_FOR_UR(DW_UR_MAX, DW_FN, 0)
#define DW_CASE(_, ur) case ur: dw_##ur(a); return;
static void dw(const cnb_conv_dw_args *a, int ur)
{
    switch (ur) {
        CNB_CONV_FOR_UR(DW_UR_MAX, DW_CASE, 0)
    default: cnb_conv_missing_tile(ISA_NAME, "dw", 1, ur);
    }
}

/* The depthwise 3-tap row kernel for constant ur, pixel stride sw (pixels) and padding skips sl,
 * sr: along a kernel row, window position p feeds pixel j through tap p − j·sw, so each input
 * vector is loaded once and used by up to 3 FMAs: (ur − 1)·sw + 3 loads for 3·ur FMAs instead
 * of one load per FMA (a core loads no more vectors per cycle than it issues FMAs, so with the
 * stores a loop of one load per FMA is load-bound). The 3 weight vectors of the kernel row stay
 * in registers; the input loads go through the ISA's v_load_src3 (ukernel.h, src_lanes). */
static inline __attribute__((always_inline)) void
dw3_tile(const cnb_conv_dw3_args *a, const int ur, const int sw, const int sl, const int sr)
{
    const int n = (ur - 1) * sw + 3;
    const unsigned lanes = a->src_lanes;
    for (int r = 0; r < a->nrows; r++) {
        vec acc[DW_UR_MAX];
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) acc[j] = v_zero();
        for (int kd = 0; kd < a->nkd; kd++)
        for (int kh = 0; kh < a->nkh; kh++) {
            const float *s = a->src + r * a->src_oh + kd * a->src_kd + kh * a->src_kh; /* position sl */
            const float *w = a->wei + kd * a->wei_kd + kh * a->wei_kh;
            const vec wv[3] = {v_load(w), v_load(w + B), v_load(w + 2 * B)};
#pragma GCC unroll 64
            for (int p = sl; p < n - sr; p++) {
                const vec x = v_load_src3(s + (p - sl) * B, lanes);
#pragma GCC unroll 3
                for (int t = 0; t < 3; t++) {
                    const int d = p - t; /* j·sw */
                    if (d < 0 || d % sw || d / sw >= ur) continue;
                    acc[d / sw] = v_fma(acc[d / sw], x, wv[t]);
                }
            }
        }
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) v_store(a->dst + r * a->dst_oh + j * B, acc[j]);
    }
}

/* One instance per (stride, skips) and ur, each its own function as the row tiles are;
 * interior tiles (no skips) are the common case. DW3_<variant>: sw, sl, sr. */
#define DW3_s1 1, 0, 0
#define DW3_s1_l 1, 1, 0
#define DW3_s1_r 1, 0, 1
#define DW3_s1_lr 1, 1, 1
#define DW3_s2 2, 0, 0
#define DW3_s2_l 2, 1, 0
#define DW3_s2_r 2, 0, 1
#define DW3_s2_lr 2, 1, 1
#define DW3_FN(v, ur)                                                                              \
    static __attribute__((noinline)) void dw3_##v##_##ur(const cnb_conv_dw3_args *a)              \
    {                                                                                              \
        dw3_tile(a, ur, DW3_##v);                                                                  \
    }
#define DW3_CASE(v, ur) case ur: dw3_##v##_##ur(a); return;
#define DW3_VARIANT(v)                                                                             \
    CNB_CONV_FOR_UR(DW_UR_MAX, DW3_FN, v)                                                          \
    static void dw3_##v(const cnb_conv_dw3_args *a, int ur)                                        \
    {                                                                                              \
        switch (ur) {                                                                              \
            CNB_CONV_FOR_UR(DW_UR_MAX, DW3_CASE, v)                                                \
        default: cnb_conv_missing_tile(ISA_NAME, "dw3", 1, ur);                                    \
        }                                                                                          \
    }
DW3_VARIANT(s1)
DW3_VARIANT(s1_l)
DW3_VARIANT(s1_r)
DW3_VARIANT(s1_lr)
DW3_VARIANT(s2)
DW3_VARIANT(s2_l)
DW3_VARIANT(s2_r)
DW3_VARIANT(s2_lr)

static void dw3(const cnb_conv_dw3_args *a, int sw, int ur)
{
    static void (*const f[2][4])(const cnb_conv_dw3_args *, int) = {
        {dw3_s1, dw3_s1_l, dw3_s1_r, dw3_s1_lr}, {dw3_s2, dw3_s2_l, dw3_s2_r, dw3_s2_lr}};
    f[sw - 1][a->skip_l + 2 * a->skip_r](a, ur);
}

/* The ISA's blocking table, from the same tile list as the switches above. */
#define CNB_CONV_ISA_TABLE                                                                       \
    {ISA_NAME, B, ACC_REGS, CNB_CONV_NB_COUNT(ROW_TILES), CNB_CONV_UR_MAX_BY_NB(ROW_TILES),        \
     DW_UR_MAX, row, dw, dw3}

#endif
