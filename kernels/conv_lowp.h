/* The low-precision direct convolution (bf16 and int8 on nCx16c), ISA-independent driver: weight
 * packing, border clipping of the kernel taps, tiling and OpenMP threading. Baseline-compiled,
 * like the GEMM's kernels/lowp.c. Each ISA file (kernels/conv/avx512_bf16.c, avx512_vnni.c,
 * avx_vnni.c) hands it a table (its dot-product group, register tiles and micro-kernels, built
 * from kernels/conv/lowp_body.h) and forwards its record's prepare/run/release here.
 *
 * Types: src and dst in nCx16c with elements of p->dt.src / p->dt.dst; bf16 × bf16 with fp32
 * accumulation (out f32 or bf16), u8 × s8 and s8 × s8 with int32 accumulation (out s32, or
 * requantized to u8/s8). The epilogue is the GEMM's (kernels/gemm/lowp_avx512.h, lowp_avx2.h,
 * lowp_neon.h), so both ops round alike.
 *
 * Groups of the dot products. The instructions multiply 32-bit groups of g elements (bf16:
 * pairs, g = 2; u8/s8: quads, g = 4) lane by lane and add the g products to a 32-bit
 * accumulator. In nCx16c, a pixel of one channel block is 16 elements = 16/g groups (QB), so one
 * group of input channels of a pixel is one 32-bit word: the kernel broadcasts it to the 16
 * lanes (one per output channel) and multiplies it with the packed weight vector of that group.
 *
 * Packed weights (prepare), per output-channel block ob (16 output channels), for the input
 * channel blocks its groups read (as the f32 driver: a block's range widened to whole blocks,
 * zero weights across groups, beyond IC and beyond OC):
 *
 *   [ob][icb][kd][kh][kw][q: QB groups of the block][16 oc lanes][g elements]
 *                                   one 64-byte vector (two 32-byte halves) per (icb, tap, q)
 *
 * s8 source, on tables without s8_src (their dot products take u8 × s8; int8 rows only; a
 * table with s8_src multiplies s8 × s8 itself and gets the source as it is): run copies it with
 * 0x80 XORed into every byte (s + 128 as u8) and starts each output's sum from −128 × the sum of
 * the weights it multiplies: over its input channels and over the taps the call really reads
 * (the driver clips the padding taps, so a border pixel's compensation counts fewer taps; a
 * padded element contributes 0, as in the reference; in a copy padded along W, the padding
 * columns hold 0x80, the flipped s8 zero, and count as taps read). prepare keeps −128·Σ_ic w per
 * (output block, tap, lane); run adds the taps of each call's clipped window into args.init.
 *
 * Depthwise (g = ic = oc): per channel, no reduction over channels: the kernel multiplies a
 * vector of 16 channels of a pixel with a vector of 16 weights, widened to 32 bits (int8 to
 * int32, bf16 to f32, both exact) and packed [cb][kd][kh][kw][16 lanes] as 32-bit words; or,
 * int8 on tables with dw_quads, four kw taps per vpdpbusd from quad weights (cnb_conv_lowp_dw_args). */
#ifndef CNB_KERNELS_CONV_LOWP_H
#define CNB_KERNELS_CONV_LOWP_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/conv/ukernel.h"
#include "kernels/lowp.h"
#include "kernels/problem.h"

/* One row-kernel call: nb output-channel blocks × ur output pixels along W, summed over n_icb
 * input-channel blocks and nkd × nkh × nkw taps (clipped by the driver: every tap reads inside
 * the input for every pixel; counts may be 0, then the outputs get the epilogue of 0). The sums
 * start from zero, or (acc_load) from the partial sums of earlier input channels in the scratch
 * acc; they go through the epilogue to dst (final), or as they are to acc for the next chunk of
 * input channels. Pointers and strides to src and wei count 32-bit groups. */
typedef struct cnb_conv_lowp_args {
    const int32_t *src;    /* group 0 of pixel 0, first input block, first clipped tap */
    const int32_t *wei;    /* the same tap of block 0 (aligned to 64 bytes) */
    void *dst;             /* the output tensor */
    int64_t dst_index;     /* element of lane 0, pixel 0, block 0 */
    int n_icb, nkd, nkh, nkw;
    int nq;                /* groups per pixel and input block to multiply: 16 / group, or
                            * fewer (tables with short_groups) when the input channels end in
                            * the first block; the packed weights hold nq groups per tap */
    ptrdiff_t src_icb, src_kd, src_kh, src_kw, src_ow;   /* groups */
    ptrdiff_t wei_icb, wei_kd, wei_kh, wei_kw, wei_ob;   /* groups */
    ptrdiff_t dst_ob;      /* elements; the pixel stride is 16 */
    void *acc;             /* partial sums (f32 or int32), lane 0 of pixel 0 of block 0, 64-byte
                            * aligned; the pixel stride is 16 */
    ptrdiff_t acc_ob;      /* its block stride, in elements */
    int acc_load, final;   /* start from acc; 1: epilogue to dst, 0: sums to acc */
    const int32_t *init;   /* int8, first chunk (acc_load 0): NULL, the sums start from zero;
                            * else from these nb·16 int32 (block b at b·16, 64-byte aligned),
                            * the same for every pixel: the s8-source compensation */
    const cnb_lowp_state *epi;   /* the epilogue's types and shift (t, shift) */
    int round_add;         /* int8 to u8/s8: 1 when every final sum s of the call has
                            * |s| + 2^(shift − 1) < 2^31 (the driver's bound over the layer's
                            * reduction), so the epilogue may round by adding (fewer
                            * instructions, the same results); 0: the general rounding */
} cnb_conv_lowp_args;

/* One depthwise call: ncb channel blocks, one after the other, each 16 channels × ur output
 * pixels along W (block b: src + b·src_cb bytes, wei + b·wei_cb, wei_q + b·wei_q_cb words, dst
 * element dst_index + b·dst_cb). src counts elements of dt.src, wei 32-bit words (the kw
 * stride is 16).
 *
 * Quad weights (tables with dw_quads, int8, layers without dilation along W): the kernel may
 * instead take the taps of a kernel row four at a time in one vpdpbusd, from wei_q, packed
 * [cb][kd][kh][kw / 4, rounded up][16 lanes][4 bytes]: lane c of quad g holds the s8 weights of
 * taps 4g .. 4g + 3 of channel c, 0 beyond kw. A quad call is not clipped along W: src is the
 * window start of pixel 0 (tap 0 at kd_lo, kh_lo), at column iw_lo of its row, which may be
 * negative (then src points before the row, and maybe before the tensor: it is only an
 * address); pixel j's tap t lies at column iw_lo + j·stride + t and is read only when that
 * column is in 0 .. iw − 1 and t in kw_lo .. kw_lo + nkw − 1 (masked loads, which read no
 * other byte), so padding taps are zeros. wei_q is NULL when the layer has no quad packing, and is
 * packed only when every sum plus 2^30 fits int32 (kd·kh·kw·255·128 < 2^30), which the quad
 * kernels' rounding relies on. */
typedef struct cnb_conv_lowp_dw_args {
    const void *src;       /* element: lane 0 of pixel 0 at the first clipped tap */
    const int32_t *wei;    /* that tap's 16 weights */
    void *dst;
    int64_t dst_index;
    int nkd, nkh, nkw;
    ptrdiff_t src_kd, src_kh, src_kw, src_ow;   /* elements */
    ptrdiff_t wei_kd, wei_kh;                   /* words */
    const int32_t *wei_q;  /* quads of tap (kd_lo, kh_lo), quad 0; or NULL */
    ptrdiff_t wei_q_kd, wei_q_kh;               /* words */
    int kw_lo, nq, kw;     /* the first clipped kw tap; quads per kernel row; the kernel's kw */
    int iw_lo, iw;         /* quads: the column of pixel 0's window start; the row's width */
    int ncb;               /* channel blocks of the call */
    int vbmi;              /* quads: transpose with vpermb (decided in prepare) */
    ptrdiff_t src_cb, wei_cb, wei_q_cb, dst_cb;   /* bytes, words, words, elements */
    const cnb_lowp_state *epi;
} cnb_conv_lowp_dw_args;

typedef void (*cnb_conv_lowp_row_fn)(const cnb_conv_lowp_args *a, int nb, int ur);
typedef void (*cnb_conv_lowp_dw_fn)(const cnb_conv_lowp_dw_args *a, int ur);

/* The table of one ISA file. Invariants (checked in prepare): 1 ≤ nb_max ≤ CNB_CONV_NB_MAX,
 * ur_max[nb] ≥ 1 and not increasing with nb (a tail tile of fewer blocks reuses the row tiles
 * of the chosen nb), 1 ≤ dw_ur_max. */
typedef struct cnb_conv_lowp_isa {
    const char *name;                     /* "avx512_bf16" */
    int group;                            /* elements per 32-bit group: 2 or 4 */
    int nb_max;
    int ur_max[CNB_CONV_NB_MAX + 1];
    int dw_ur_max;
    int s8_src;                           /* 1: the kernels take an s8 source too (s8 × s8) */
    int dw_quads;                         /* 1: the dw kernel takes wei_q (quad weights) */
    int dw_blocks;                        /* 1: the dw kernel takes ncb > 1 blocks per call */
    int short_groups;                     /* 1: the row kernel takes args.nq < 16 / group */
    int plan_rows;                        /* 1: prepare also times row plans padded along W and
                                           * other nb (else the cost model's unpadded plan) */
    /* For the tile choice: cycles per dot product at full throughput, and its latency. */
    double dp_cycles, dp_latency;
    cnb_conv_lowp_row_fn row;
    cnb_conv_lowp_dw_fn dw;
} cnb_conv_lowp_isa;

extern const cnb_conv_lowp_isa cnb_conv_lowp_table__avx512_bf16, cnb_conv_lowp_table__avx512_vnni;
extern const cnb_conv_lowp_isa cnb_conv_lowp_table__avx_vnni;
extern const cnb_conv_lowp_isa cnb_conv_lowp_table__neon_dotprod, cnb_conv_lowp_table__neon_bf16;

/* 1 (default): the int8 quad depthwise kernels use AVX512-VBMI (vpermb) when the CPU has it;
 * 0: never (tests set it to check the other transpose on such CPUs). */
extern int cnb_conv_lowp_dw_vbmi;

const char *cnb_conv_lowp_supports(const cnb_problem *p);
/* The same, with s8 sources in depthwise convolutions too: for tables with s8_src. */
const char *cnb_conv_lowp_supports_s8src(const cnb_problem *p);
void *cnb_conv_lowp_prepare(const cnb_conv_lowp_isa *isa, const cnb_problem *p, const void *wei);
void cnb_conv_lowp_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                       void *dst);
void cnb_conv_lowp_release(void *state);
/* "conv/avx512_bf16_direct[direct ur14 nb2]", "...[depthwise ur16]". */
const char *cnb_conv_lowp_kernel_name(void *state);

#endif
