/* Conversions between the user-facing NC[D]HW layout and the blocked nC[D]HWxc layouts
 * (kernels/impl.h gives the formula). Timed by the benchmark as layout conversion. */
#ifndef CNB_HARNESS_LAYOUT_H
#define CNB_HARNESS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Elements of a tensor of mb × c × spatial in a layout with channel block `block` (1 = NCX). */
size_t cnb_layout_elems(int mb, int c, int64_t spatial, int block);
/* NCX → blocked; the padding channels become zero. */
void cnb_to_blocked(const float *src, float *dst, int mb, int c, int64_t spatial, int block);
/* blocked → NCX; the padding channels are dropped. */
void cnb_from_blocked(const float *src, float *dst, int mb, int c, int64_t spatial, int block);

#endif
