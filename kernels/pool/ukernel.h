/* The pooling micro-kernel contract, shared by the blocked-layout kernels (avx512.c, avx2.c,
 * neon.c) and their driver (driver.c). The kernels know nothing of borders or threads: the driver
 * clips every window to the input before the call. */
#ifndef CNB_KERNELS_POOL_UKERNEL_H
#define CNB_KERNELS_POOL_UKERNEL_H

#include <stddef.h>

/* The contract (pixels × channels, after XNNPACK's pooling kernels).
 *
 * Data are in a blocked layout nC[D]HWxc with channel block CB (16 on AVX-512, 8 on AVX2, 4 on
 * NEON): one pixel of one channel block is CB consecutive floats, one vector register. A call
 * computes n output pixels that are consecutive along OW in one output row of one channel block,
 * and whose windows were all clipped the same way (so the border pixels of a row come one per
 * call, the interior ones in a single call):
 *
 *   src ──► first tap inside the input of pixel 0           (CB floats per tap)
 *
 *     pixel 0            pixel 1 = pixel 0 + step   ...  pixel n-1
 *     ┌────┬────┬────┐   ┌────┬────┬────┐
 *     │t000│t001│t002│   │t000│t001│t002│   taps along w: + sw floats (sw = (dw+1)·CB)
 *     ├────┼────┼────┤   ├────┼────┼────┤   taps along h: + sh floats (sh = (dh+1)·IW·CB)
 *     │t010│t011│t012│   │ .. │    │    │   taps along d: + sd floats (sd = (dd+1)·IH·IW·CB)
 *     └────┴────┴────┘   └────┴────┴────┘   nd × nh × nw taps per pixel, all inside the input
 *
 *   dst ──► n pixels, CB floats each, contiguous: dst[p·CB + c]
 *
 * For each pixel p < n and lane c < CB the kernel writes
 *   max: the largest tap value, starting from -inf (so an empty window, nd·nh·nw = 0, gives -inf,
 *        and padding can never win since it is never read);
 *   avg: (sum of the taps in float) / count, a true IEEE division (never a multiplication by a
 *        reciprocal), so that integer data give results bit-identical to the reference.
 * The kernel reads exactly the taps described, never a byte beyond, and writes exactly n·CB
 * floats. When any of nd, nh, nw is 0 it must not dereference src. Pointers are only 4-byte
 * aligned. A kernel may compute a group of several pixels at once and may rewrite pixels it has
 * already written with the same values (the last, overlapping group of a run).
 */
typedef struct cnb_pool_taps {
    ptrdiff_t step;       /* floats from the first tap of one pixel to that of the next: sw·CB */
    ptrdiff_t sd, sh, sw; /* floats between consecutive taps along d, h, w */
    int nd, nh, nw;       /* taps inside the input along d, h, w (each ≥ 0) */
    float count;          /* avg: the divisor; max: unused */
} cnb_pool_taps;

typedef void (*cnb_pool_ukernel_fn)(size_t n, const float *src, float *dst,
                                    const cnb_pool_taps *t);

#endif
