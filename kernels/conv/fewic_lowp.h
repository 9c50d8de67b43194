/* The row kernels of the bf16 and int8 first layers (conv/avx512_bf16_fewic,
 * conv/avx512_vnni_fewic; driver: kernels/conv_fewic_lowp.c), one body
 * (kernels/conv/fewic_lowp_body.h) compiled into each ISA file with its flags
 * (fewic_lowp_avx512_bf16.c, fewic_lowp_avx512_vnni.c).
 *
 * The source is the driver's interleaved buffer: a kernel row of an output pixel is ng groups of
 * g elements (bf16 pairs, u8 quads) read from consecutive bytes that start at any element (no
 * alignment to a group: the pixel step may be an odd number of elements, so no channel is padded
 * to make it whole groups). One call: nb output blocks × ur pixels of one output row, summed over
 * nkd × nkh kernel rows of ng groups each, then the epilogue to dst (nCx16c). */
#ifndef CNB_KERNELS_CONV_FEWIC_LOWP_H
#define CNB_KERNELS_CONV_FEWIC_LOWP_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/conv/ukernel.h"
#include "kernels/lowp.h"

typedef struct cnb_fewic_lowp_args {
    const unsigned char *src;   /* pixel 0, kernel row (0, 0), element 0 */
    const int32_t *wei;         /* kernel row (0, 0), group 0: [nkd][nkh][ng][nb][16 lanes] words */
    void *dst;                  /* the output tensor */
    int64_t dst_index;          /* element of lane 0, pixel 0, block 0 */
    int nkd, nkh, ng;
    ptrdiff_t src_px, src_kd, src_kh;   /* bytes: pixel step, kernel-row steps */
    ptrdiff_t wei_kd, wei_kh;           /* words */
    ptrdiff_t dst_ob;                   /* elements between output blocks */
    const cnb_lowp_state *epi;          /* the epilogue's types and shift (t, shift) */
} cnb_fewic_lowp_args;

typedef void (*cnb_fewic_lowp_fn)(const cnb_fewic_lowp_args *a, int nb, int ur);

/* The tap-rows copy of one source row of 16-bit elements: d[x · ic + c] = s[x · u + c] for
 * x < iw, c < ic (ic < u ≤ 32), nothing else written. */
typedef void (*cnb_fewic_pack_fn)(unsigned char *d, const unsigned char *s, int iw, int ic, int u);

/* An ISA file's tiles: nb ≤ nb_max blocks, ur ≤ ur_max[nb] pixels (not increasing with nb). */
typedef struct cnb_fewic_lowp_isa {
    const char *name;
    int group;
    int nb_max;
    int ur_max[CNB_CONV_NB_MAX + 1];
    cnb_fewic_lowp_fn row;
    cnb_fewic_pack_fn pack16;   /* the tap-rows copy of 16-bit elements, or NULL */
} cnb_fewic_lowp_isa;

extern const cnb_fewic_lowp_isa cnb_fewic_lowp_table__avx512_bf16, cnb_fewic_lowp_table__avx512_vnni;

#endif
