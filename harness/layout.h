/* Conversions between the user-facing NC[D]HW layout and the blocked nC[D]HWxc layouts
 * (kernels/impl.h gives the formula). Timed by the benchmark as layout conversion. */
#ifndef CNB_HARNESS_LAYOUT_H
#define CNB_HARNESS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Elements of a tensor of mb × c × spatial in a layout with channel block `block` (1 = NCX). */
size_t cnb_layout_elems(int mb, int c, int64_t spatial, int block);
/* NCX → blocked, elements of esize bytes (f32/s32 4, bf16 2, u8/s8 1: the layout formula counts
 * elements, so nCx16c of u8 is 16 bytes per pixel per block); the padding channels become zero
 * (all bits zero: +0.0 for f32 and bf16, 0 for the integer types). */
void cnb_to_blocked(const void *src, void *dst, int mb, int c, int64_t spatial, int block,
                    int esize);
/* blocked → NCX; the padding channels are dropped. */
void cnb_from_blocked(const void *src, void *dst, int mb, int c, int64_t spatial, int block,
                      int esize);

#endif
