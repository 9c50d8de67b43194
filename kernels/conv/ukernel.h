/* The micro-kernel contract of the direct convolution: what one call of a row kernel (body.h,
 * compiled into avx512.c, avx2.c, neon.c) computes, on which packed data, with which strides. The
 * driver (driver.c) owns everything else: border clipping, tiling, weight packing, threading.
 *
 * Row kernel (groups and dense convolution), in the style of oneDNN's forward row kernel.
 * B is the channel block of the ISA (16 AVX-512, 8 AVX2, 4 NEON). One call computes
 *     nb output-channel blocks × ur output pixels along W (one output row segment)
 * and stores them to dst (or adds them to it, see accumulate): dst(b, j) = Σ over the input
 * channels and kernel taps it is given of src(ic, tap, pixel j) · wei(b, ic, tap). Accumulators live in registers (nb·ur of them,
 * times a lane split ks, see below); per (input channel, tap) it loads nb weight vectors,
 * broadcasts one input value per pixel and issues nb·ur FMAs.
 *
 *   blocked src, one input channel block (B lanes), one input row:        dst, nb = 2 blocks:
 *      iw:    0     1     2     3            pixel j reads iw = iw0 + j·sw   ob+0: [ow0 .. +ur) × B
 *          [B ch][B ch][B ch][B ch] ...      (src_ow = sw·B floats),         ob+1: [ow0 .. +ur) × B
 *             ^ broadcast lane l             tap kw adds kw·src_kw           (dst_ob apart)
 *
 *   packed weights of one output-channel block (driver.c packs them in prepare):
 *     [icb: blocks of input channels][kd][kh][kw][lane l: B input channels][B output channels]
 *      wei_icb                        wei_kd wei_kh wei_kw  B floats           contiguous vector
 *   The nb blocks of a call sit wei_ob floats apart and cover the same input channel range.
 *
 * Contract:
 * - src points at lane 0 of the first input channel block, at the input position of pixel 0 for
 *   the first tap of the clipped range (kd_lo, kh_lo, kw_lo). wei points at the same tap of the
 *   first block (icb 0 of this output block). dst points at lane 0 of pixel 0 of block 0.
 * - Input channels: n_icb blocks; the first starts at lane lane_lo, the last ends before lane
 *   lane_hi (1 ≤ lane_hi ≤ B); every other block uses all B lanes. A grouped convolution whose
 *   groups do not fill whole blocks gets zero weights where an input lane belongs to another
 *   group than the output lane (general group path, see driver.c).
 * - Taps: nkd × nkh × nkw, already clipped by the driver so that every tap reads inside the input
 *   for every one of the ur pixels: padding taps are skipped, never multiplied by zero. Counts
 *   may be 0 (then dst gets zeros, or is left as it is with accumulate, and src is not read).
 * - dst gets full B-lane vectors (the blocked layout pads channels to B; the padded lanes get
 *   zero because their weights are zero). accumulate = 0: dst is written, never read.
 *   accumulate = 1: dst already holds partial sums and the kernel adds: those of earlier input
 *   channels (the driver splits the input channels into chunks whose weights stay in cache), or
 *   of the other kw taps of the same pixels (the driver gives a tile's border taps to calls of
 *   their own over the pixels that can use them, see driver.c).
 * - Lane split ks (cnb_conv_lane_split): with few pixels and blocks (border pixels, narrow
 *   rows) the FMA latency would dominate, so the kernel keeps ks partial sums per output, fed by
 *   interleaved input lanes, and adds them at the end. Exact for exact-mode data.
 * - No alignment assumed for src and dst (unaligned loads/stores); packed weights are aligned
 *   to 64 bytes. Every read is inside [src, src + extent of the taps and pixels given).
 *
 * Depthwise kernel (g = ic = oc): one channel block × ur pixels, vectorised over channels. It
 * multiplies a src vector per pixel and tap (no broadcast) by the tap's weight vector (packed
 * [cb][kd][kh][kw][B]) and writes ur vectors. Same clipping and store rules.
 *
 * Depthwise 3-tap row kernel (optional, kw = 3, no dilation along W, pixel stride sw = 1 or 2):
 * the same product, but the kernel knows the kw taps, so each input vector of a kernel row is
 * loaded once and feeds every (pixel, tap) that reads it, and border pixels ride in the tile:
 *
 *   window of a tile of ur pixels, one kernel row:   p = 0  1  2  3  4 ...  n − 1
 *     (n = (ur − 1)·sw + 3 input positions)            pixel j reads p = j·sw + kw, kw < 3
 *     skip_l leading, skip_r trailing positions lie in the padding: never read, their taps
 *     skipped (skip_l, skip_r in {0, 1}, skip_l + skip_r < n).
 * - src points at position skip_l of the window (the first input pixel read) of the first
 *   clipped kernel row (kd_lo, kh_lo); wei at tap (kd_lo, kh_lo, kw 0). Input positions are B
 *   floats apart; nkd × nkh kernel rows (counts may be 0: dst gets zeros).
 * - nrows ≥ 1 output rows with the same clipped kernel rows, their src src_oh and dst dst_oh
 *   apart: a call covers a strip of the output, so its cost is paid once per strip, not per row
 *   (7-pixel rows are 2 or 3 calls).
 * - src_lanes: all B lanes set. A kernel may load src under this mask: a load under a mask the
 *   compiler cannot see is all ones stays one register feeding its 3 FMAs, where GCC turns a
 *   plain load into a memory operand of each FMA (one load per FMA again, which makes the
 *   stride-1 rows load-bound: the loads the 3-tap kernel exists to save). */
#ifndef CNB_KERNELS_CONV_UKERNEL_H
#define CNB_KERNELS_CONV_UKERNEL_H

#include <stddef.h>

/* Largest nb any ISA table may use (the driver sizes its per-nb tables with it). */
#define CNB_CONV_NB_MAX 4
/* FMA chains needed to hide the FMA latency (2 pipes × 4 cycles): the lane split aims for it. */
#define CNB_CONV_CHAINS 8

typedef struct cnb_conv_row_args {
    const float *src;
    const float *wei;
    float *dst;
    int n_icb, lane_lo, lane_hi;
    int nkd, nkh, nkw;
    int accumulate;                                    /* 1: add to dst, 0: overwrite */
    ptrdiff_t src_icb, src_kd, src_kh, src_kw, src_ow; /* floats */
    ptrdiff_t wei_icb, wei_kd, wei_kh, wei_kw, wei_ob; /* floats; lane stride is B */
    ptrdiff_t dst_ob;                                  /* floats; pixel stride is B */
} cnb_conv_row_args;

typedef struct cnb_conv_dw_args {
    const float *src;
    const float *wei;
    float *dst;
    int nkd, nkh, nkw;
    ptrdiff_t src_kd, src_kh, src_kw, src_ow; /* floats */
    ptrdiff_t wei_kd, wei_kh;                 /* floats; kw stride is B */
} cnb_conv_dw_args;

typedef struct cnb_conv_dw3_args {
    const float *src;
    const float *wei;
    float *dst;
    int nkd, nkh;
    int skip_l, skip_r;                       /* window positions in the padding, 0 or 1 */
    int nrows;                                /* output rows, src_oh and dst_oh apart */
    unsigned src_lanes;                       /* (1 << B) − 1, see the contract */
    ptrdiff_t src_kd, src_kh, src_oh;         /* floats */
    ptrdiff_t wei_kd, wei_kh;                 /* floats; kw stride is B */
    ptrdiff_t dst_oh;                         /* floats; pixel stride is B */
} cnb_conv_dw3_args;

/* One row kernel call: nb in [1, nb_max], ur in [1, ur_max[nb]] of the ISA table. */
typedef void (*cnb_conv_row_fn)(const cnb_conv_row_args *a, int nb, int ur);
/* One depthwise call: ur in [1, dw_ur_max]. */
typedef void (*cnb_conv_dw_fn)(const cnb_conv_dw_args *a, int ur);
/* One depthwise 3-tap row call: sw in {1, 2}, ur in [1, dw_ur_max]. */
typedef void (*cnb_conv_dw3_fn)(const cnb_conv_dw3_args *a, int sw, int ur);

/* Partial sums per output kept by a row kernel of nb blocks × ur pixels: enough FMA chains to
 * hide the latency (CNB_CONV_CHAINS) within acc_regs accumulators, at least 1. Folds to a
 * constant for constant arguments. */
static inline int cnb_conv_lane_split(int nb, int ur, int acc_regs)
{
    int ks = (CNB_CONV_CHAINS + nb * ur - 1) / (nb * ur);
    while (ks > 1 && ks * nb * ur > acc_regs) ks--;
    return ks;
}

#endif
