/* The few-input-channel convolution's tile kernels and records (kernels/conv_fewic.h):
 * conv/avx512_fewic and conv/avx2_fewic. Included at the end of kernels/conv/avx512.c and
 * avx2.c, so compiled with each ISA's flags over its vector layer (v_zero, v_set1, v_load,
 * v_store, v_fma, body.h describes them), its block B and its row tiles ROW_TILES (nb, ur_max):
 * the same register budget as the direct row kernel (ur·nb accumulators ≤ ACC_REGS, nb weight
 * vectors, one broadcast). The planner, packing and threading are kernels/conv_fewic.c.
 *
 * Per (input channel, kd, kh, kw) inside the input: nb weight loads (contiguous, packed), ur
 * broadcasts of src[ic][id][ih][iw0 + j·sw] (one per pixel, shared by the nb blocks), nb·ur
 * FMAs. The sums of every input channel and tap are made in registers and stored once. */
#ifndef CNB_KERNELS_CONV_FEWIC_BODY_H
#define CNB_KERNELS_CONV_FEWIC_BODY_H

#include "kernels/conv/tiles.h"
#include "kernels/conv_fewic.h"

#if B == 16
#define FEWIC_RECORD cnb_conv_f32_fewic__avx512
#define FEWIC_TABLE cnb_fewic_table__avx512
#define FEWIC_ISA CNB_ISA_AVX512
#define FEWIC_LAYOUT CNB_LAYOUT_NCX16C
#elif B == 8
#define FEWIC_RECORD cnb_conv_f32_fewic__avx2
#define FEWIC_TABLE cnb_fewic_table__avx2
#define FEWIC_ISA CNB_ISA_AVX2
#define FEWIC_LAYOUT CNB_LAYOUT_NCX8C
#else
#error "fewic_body.h: only the AVX-512 (B 16) and AVX2 (B 8) files include it"
#endif

_Static_assert(CNB_CONV_NB_COUNT(ROW_TILES) <= CNB_FEWIC_NB_MAX,
               "ROW_TILES: more blocks per tile than CNB_FEWIC_NB_MAX");

/* One tile of constant nb, ur and (when known) pixel stride sow. */
static inline __attribute__((always_inline)) void
fewic_tile(const cnb_fewic_args *a, const int nb, const int ur, const ptrdiff_t sow)
{
    vec acc[ACC_REGS];
#pragma GCC unroll 32
    for (int i = 0; i < nb * ur; i++) acc[i] = v_zero();

    const ptrdiff_t wkw = (ptrdiff_t)nb * B;
    for (int ic = 0; ic < a->ic; ic++)
        for (int kd = 0; kd < a->nkd; kd++)
            for (int kh = 0; kh < a->nkh; kh++) {
                const float *s = a->src + ic * a->src_ic + kd * a->src_kd + kh * a->src_kh;
                const float *w = a->wei + ic * a->wei_ic + kd * a->wei_kd + kh * a->wei_kh;
                for (int kw = 0; kw < a->nkw; kw++, s += a->src_kw, w += wkw) {
                    vec wv[CNB_FEWIC_NB_MAX];
#pragma GCC unroll 4
                    for (int b = 0; b < nb; b++) wv[b] = v_load(w + b * B);
#pragma GCC unroll 32
                    for (int j = 0; j < ur; j++) {
                        const vec x = v_set1(s[j * sow]);
#pragma GCC unroll 4
                        for (int b = 0; b < nb; b++) acc[b * ur + j] = v_fma(acc[b * ur + j], x, wv[b]);
                    }
                }
            }

#pragma GCC unroll 4
    for (int b = 0; b < nb; b++)
#pragma GCC unroll 32
        for (int j = 0; j < ur; j++) v_store(a->dst + b * a->dst_ob + j * B, acc[b * ur + j]);
}

/* One function per tile, not one switch over inlined tiles (GCC's time on a function grows
 * faster than its size). Strides 1, 2 and 4 (the first layers') as constants: the broadcasts'
 * addresses are then immediates off one pointer. */
#define FEWIC_FN(nb, ur)                                                                           \
    static __attribute__((noinline)) void fewic_##nb##_##ur(const cnb_fewic_args *a)              \
    {                                                                                              \
        if (a->src_ow == 1)                                                                        \
            fewic_tile(a, nb, ur, 1);                                                              \
        else if (a->src_ow == 2)                                                                   \
            fewic_tile(a, nb, ur, 2);                                                              \
        else if (a->src_ow == 4)                                                                   \
            fewic_tile(a, nb, ur, 4);                                                              \
        else                                                                                       \
            fewic_tile(a, nb, ur, a->src_ow);                                                      \
    }
#define FEWIC_FNS(nb, n) CNB_CONV_FOR_UR(n, FEWIC_FN, nb)
ROW_TILES(FEWIC_FNS)
#define FEWIC_CASE(nb, ur) case CNB_CONV_TILE_KEY(nb, ur): fewic_##nb##_##ur(a); return;
#define FEWIC_CASES(nb, n) CNB_CONV_FOR_UR(n, FEWIC_CASE, nb)
static void fewic_tile_call(const cnb_fewic_args *a, int nb, int ur)
{
    switch (CNB_CONV_TILE_KEY(nb, ur)) {
        ROW_TILES(FEWIC_CASES)
    default: cnb_conv_missing_tile(ISA_NAME, "fewic", nb, ur);
    }
}

const cnb_fewic_isa FEWIC_TABLE = {
    .name = ISA_NAME,
    .block = B,
    .ic_max = B / 2,
    .nb_max = CNB_CONV_NB_COUNT(ROW_TILES),
    .ur_max = CNB_CONV_UR_MAX_BY_NB(ROW_TILES),
    .tile = fewic_tile_call,
};

static const char *fewic_supports(const cnb_problem *p)
{
    return cnb_fewic_supports(&FEWIC_TABLE, p);
}

static void *fewic_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_fewic_prepare(&FEWIC_TABLE, p, wei);
}

static void fewic_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                      void *dst_)
{
    const float *src = src_;
    float *dst = dst_;
    (void)p;
    (void)wei_;
    cnb_fewic_run(state, src, dst);
}

const cnb_impl FEWIC_RECORD = {
    .name = "conv/" ISA_NAME "_fewic",
    .op = CNB_OP_CONV,
    .isa = FEWIC_ISA,
    .layout = FEWIC_LAYOUT,
    .src_layout = cnb_fewic_src_layout,
    .supports = fewic_supports,
    .prepare = fewic_prepare,
    .run = fewic_run,
    .release = cnb_fewic_release,
    .kernel_name = cnb_fewic_kernel_name,
};

#endif
