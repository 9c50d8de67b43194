/* ISA-independent driver of the direct convolution on blocked layouts (nCx16c/8c/4c): weight
 * packing, border clipping of the kernel taps, row tiling and OpenMP threading. Each ISA file
 * hands it a table (block, register tiling, micro-kernels) and forwards its record to these. */
#ifndef CNB_KERNELS_CONV_DRIVER_H
#define CNB_KERNELS_CONV_DRIVER_H

#include <stdio.h>
#include <stdlib.h>

#include "kernels/conv/ukernel.h"
#include "kernels/impl.h"

/* Blocking table of one ISA. Invariants (checked by cnb_conv_direct_prepare):
 * 1 ≤ nb_max ≤ CNB_CONV_NB_MAX, ur_max[nb] ≥ 1 and ur_max[nb]·nb·lane_split ≤ acc_regs for
 * every nb ≤ nb_max and ur ≤ ur_max[nb], 1 ≤ dw_ur_max ≤ acc_regs. */
typedef struct cnb_conv_direct_isa {
    const char *name;                     /* for messages: "avx512" */
    int block;                            /* B: channels per vector and per layout block */
    int acc_regs;                         /* vector registers the accumulators may take */
    int nb_max;                           /* output-channel blocks per row kernel call */
    int ur_max[CNB_CONV_NB_MAX + 1];      /* pixels per call, by nb (index 0 unused) */
    int dw_ur_max;                        /* pixels per depthwise call */
    cnb_conv_row_fn row;
    cnb_conv_dw_fn dw;
    cnb_conv_dw3_fn dw3;                  /* optional (NULL: every depthwise row goes to dw) */
} cnb_conv_direct_isa;

/* The tables of the ISA files (tests/test_tiles.c sizes its edge cases from them). */
extern const cnb_conv_direct_isa cnb_conv_direct_table__avx512, cnb_conv_direct_table__avx2,
    cnb_conv_direct_table__neon;

/* Called by a kernel switch (body.h) for an (nb, ur) outside the ISA's tile list, which the table
 * and the switch share (tiles.h): stop loudly, since the call would otherwise write nothing and
 * leave the tile's outputs stale. */
_Noreturn static inline void cnb_conv_missing_tile(const char *isa, const char *kernel, int nb, int ur)
{
    fprintf(stderr, "conv/%s: the %s kernel has no case for nb %d, ur %d: outside its tile list "
                    "(a call its table does not allow)\n", isa, kernel, nb, ur);
    abort();
}

/* The record functions, parameterised by the ISA table. */
const char *cnb_conv_direct_supports(const cnb_problem *p);
void *cnb_conv_direct_prepare(const cnb_conv_direct_isa *isa, const cnb_problem *p,
                              const float *wei);
void cnb_conv_direct_run(void *state, const float *src, float *dst);
void cnb_conv_direct_release(void *state);
/* The 1x1 path's input-channel chunk, in blocks, for tiles of nb output-channel blocks (before
 * it is evened out over the layer's blocks): tests/test_tiles.c sizes its cases from it. */
int cnb_conv_1x1_chunk_blocks(const cnb_conv_direct_isa *isa, int nb);
/* Its pixel block (before it is evened out over the image) for a chunk of icc blocks. */
int cnb_conv_1x1_block_pixels(const cnb_conv_direct_isa *isa, int icc);
/* The path and blocking prepare chose, e.g. "conv/avx512_direct[direct ur14 nb2 icc64]" or
 * "conv/avx512_direct[1x1-gemm 14x32 kc192 mc392]". */
const char *cnb_conv_direct_kernel_name(void *state);

#endif
