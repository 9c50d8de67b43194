/* The few-input-channel convolution (first layers: 3 input channels, 2D and 3D): src in the
 * user-facing NC[D]HW, dst in the ISA's blocked nC[D]HWxc, f32, g = 1, ic ≤ B/2 (ic_max below).
 *
 * Why a path of its own: the direct convolution (kernels/conv/driver.c) reads src blocked, so 3
 * channels are padded to a whole block (16 on AVX-512): 16/3 the input bytes, and its per-lane
 * broadcasts stride over the padding. This path reads the 3 planes as they are.
 *
 * Register tile: ur output pixels of one row × nb output-channel blocks, acc[b·ur + j]. For each
 * input channel and each kernel tap (kd, kh, kw) inside the input: nb weight vectors (one per
 * block), one broadcast per pixel, src[ic][id][ih][(ow0 + j)·sw + tap offset], nb·ur FMAs. Every
 * input channel and tap is summed in one call, so dst is written once, never read.
 * Borders: the taps are clipped (kernels/clip.h). kd and kh are clipped per output row; along w
 * the row is cut into runs of pixels whose kw taps clip alike (the border pixels, and the
 * interior as one run), each run into tiles of ≤ ur_max pixels; a tile's pixels share one
 * (kw_lo, nkw).
 * Weights: packed in prepare, per oc tile of nb blocks, [ic][kd][kh][kw][nb][B] (the nb vectors
 * of a tap contiguous), zero past oc.
 * Threads: static over (image, od, oh, oc tile), oc tile innermost so that neighbouring items
 * share src rows; every output is computed by one call whatever the thread count.
 *
 * This file is the ISA-independent planner (baseline-compiled); the tile kernels are
 * kernels/conv/fewic_body.h, compiled into each ISA file with its flags. */
#ifndef CNB_KERNELS_CONV_FEWIC_H
#define CNB_KERNELS_CONV_FEWIC_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/impl.h"

/* Input channels (g = 1) this path takes: at most B/2 (an ISA's table says, ic_max), i.e. while
 * the blocked src of the direct path would be at least half padding. Measured: on AVX-512 this
 * path is ahead of the direct one up to 8 channels; on AVX2 (B = 8) from 6 channels on the
 * direct path, whose src block is then mostly real data, is as fast or faster. */
#define CNB_FEWIC_IC_MAX 8
/* Output-channel blocks per tile, at most. */
#define CNB_FEWIC_NB_MAX 4

/* One tile call: ur pixels × nb blocks (nb, ur given to the kernel). Strides in floats. */
typedef struct cnb_fewic_args {
    const float *src;      /* input channel 0, first tap (kd_lo, kh_lo, kw_lo) of pixel 0 */
    const float *wei;      /* packed weights of that tap, channel 0, block 0 of the tile */
    float *dst;            /* pixel 0 of block 0 (nCx{B}c) */
    ptrdiff_t src_ic, src_kd, src_kh, src_kw;  /* next input channel / tap along d, h, w */
    ptrdiff_t src_ow;      /* next pixel: the stride sw */
    ptrdiff_t wei_ic, wei_kd, wei_kh;          /* the packed weights' strides (kw: nb·B) */
    ptrdiff_t dst_ob;      /* next output-channel block */
    int ic, nkd, nkh, nkw; /* taps inside the input (0: the tile stores zeros) */
} cnb_fewic_args;

typedef void (*cnb_fewic_fn)(const cnb_fewic_args *a, int nb, int ur);

/* One ISA's table (built by fewic_body.h from the ISA file's ROW_TILES). */
typedef struct cnb_fewic_isa {
    const char *name;                     /* "avx512" */
    int block;                            /* B */
    int ic_max;                           /* B/2, ≤ CNB_FEWIC_IC_MAX */
    int nb_max;                           /* ≤ CNB_FEWIC_NB_MAX */
    int ur_max[CNB_FEWIC_NB_MAX + 1];     /* by nb, index 0 unused; every ur ≤ it instantiated */
    cnb_fewic_fn tile;
} cnb_fewic_isa;

extern const cnb_fewic_isa cnb_fewic_table__avx512, cnb_fewic_table__avx2;

const char *cnb_fewic_supports(const cnb_fewic_isa *isa, const cnb_problem *p);
/* CNB_LAYOUT_NCX: the record's src_layout. */
cnb_layout cnb_fewic_src_layout(const cnb_problem *p);
void *cnb_fewic_prepare(const cnb_fewic_isa *isa, const cnb_problem *p, const float *wei);
void cnb_fewic_run(void *state, const float *src, float *dst);
void cnb_fewic_release(void *state);
/* "conv/avx512_fewic[ur14 nb2]": the widest tile of the first oc tile. */
const char *cnb_fewic_kernel_name(void *state);

#endif
