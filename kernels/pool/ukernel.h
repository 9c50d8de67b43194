/* The pooling micro-kernel contract, shared by the blocked-layout kernels (avx512.c, avx2.c,
 * neon.c) and their driver (driver.c). The kernels know nothing of borders or threads: the driver
 * clips every window to the input before the call. */
#ifndef CNB_KERNELS_POOL_UKERNEL_H
#define CNB_KERNELS_POOL_UKERNEL_H

#include <stddef.h>

/* The contract (pixels × channels, after XNNPACK's pooling kernels).
 *
 * Data are in a blocked layout nC[D]HWxc with channel block CB (16 on AVX-512, 8 on AVX2, 4 on
 * NEON) and one element type for src and dst: f32, bf16 (uint16_t bit patterns), u8 or s8. One
 * pixel of one channel block is CB consecutive elements (f32: one vector register). Strides,
 * steps and sizes below count elements. A call
 * computes n output pixels that are consecutive along OW in one output row of one channel block,
 * and whose windows were all clipped the same way (so the border pixels of a row come one per
 * call, the interior ones in a single call):
 *
 *   src ──► first tap inside the input of pixel 0           (CB elements per tap)
 *
 *     pixel 0            pixel 1 = pixel 0 + step   ...  pixel n-1
 *     ┌────┬────┬────┐   ┌────┬────┬────┐
 *     │t000│t001│t002│   │t000│t001│t002│   taps along w: + sw elems  (sw = (dw+1)·CB)
 *     ├────┼────┼────┤   ├────┼────┼────┤   taps along h: + sh elems  (sh = (dh+1)·IW·CB)
 *     │t010│t011│t012│   │ .. │    │    │   taps along d: + sd elems  (sd = (dd+1)·IH·IW·CB)
 *     └────┴────┴────┘   └────┴────┴────┘   nd × nh × nw taps per pixel, all inside the input
 *
 *   dst ──► n pixels, CB elements each, contiguous: dst[p·CB + c]
 *
 * For each pixel p < n and lane c < CB the kernel writes
 *   max: the largest tap value, a value of the input bit for bit (padding can never win since it
 *        is never read); f32 starts from -inf, so an empty window, nd·nh·nw = 0, gives -inf
 *        (the driver never passes an empty window of another type);
 *   avg: (sum of the taps) / count, a true IEEE float division (never a multiplication by a
 *        reciprocal), so that integer data give results bit-identical to the reference. The sum
 *        is a float sum for f32 and bf16 (exact for the data of exact mode) and an exact int32
 *        sum for u8 and s8, converted to float (exact below 2^24; the driver refuses int8 windows
 *        of more than 65793 taps). The quotient then goes to the type:
 *          f32    as it is;
 *          bf16   rounded to nearest even at bf16's 8 significant bits;
 *          u8/s8  rounded to the nearest integer, ties to even, then saturated.
 * The kernel reads exactly the taps described, never a byte beyond, and writes exactly n·CB
 * elements. When any of nd, nh, nw is 0 it must not dereference src. Pointers are only aligned to
 * their element. A kernel may compute a group of several pixels at once and may rewrite pixels it has
 * already written with the same values (the last, overlapping group of a run).
 */
typedef struct cnb_pool_taps {
    ptrdiff_t step;       /* elements from the first tap of one pixel to that of the next: sw·CB */
    ptrdiff_t sd, sh, sw; /* elements between consecutive taps along d, h, w */
    int nd, nh, nw;       /* taps inside the input along d, h, w (each ≥ 0) */
    float count;          /* avg: the divisor; max: unused */
} cnb_pool_taps;

/* src and dst point to elements of the kernel's type (kernels/pool/driver.h: one kernel per type). */
typedef void (*cnb_pool_ukernel_fn)(size_t n, const void *src, void *dst, const cnb_pool_taps *t);

#endif
