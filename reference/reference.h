/* The naive reference: textbook loops over the user-facing layouts (kernels/problem.h), one
 * output element at a time, accumulating in double and rounding once to float at the end. Every
 * other implementation is validated against these. Threaded over output elements (OpenMP), which
 * does not change any result: each output is computed by one thread in one fixed order. */
#ifndef CNB_REFERENCE_H
#define CNB_REFERENCE_H

#include <stdint.h>

#include "kernels/problem.h"

void cnb_ref_conv(const cnb_conv *c, const float *src, const float *wei, float *dst);
/* Average pooling rounds the double sum divided by the tap count once to float: for integer data
 * this equals the float division sum/count (double has more than 2·24+2 bits, so the double
 * rounding is innocuous). */
void cnb_ref_pool(const cnb_pool *p, const float *src, float *dst);
void cnb_ref_gemm(const cnb_gemm *g, const float *a, const float *b, float *c);

/* GEMM in the other data types of kernels/problem.h (alpha 1, beta 0: C is never read).
 * Each output is the exact sum, computed wide (double for bf16 products: small values whose
 * sums double holds exactly; int64 for int8), then rounded once:
 *   dst f32    to nearest even (the one float rounding, as for f32)
 *   dst bf16   to nearest even at bf16's 8 significant bits, straight from the exact sum (never
 *              through float, which would round twice)
 *   dst s32    the exact sum, saturated to int32 (the exact-mode fill keeps it in range)
 *   dst u8/s8  saturate(round_nearest_even(acc · 2^(src_scale_log2 + wei_scale_log2 −
 *              dst_scale_log2))): benchdnn's acc · src_scale · wei_scale / dst_scale with
 *              power-of-two scales, so the scaling is exact and only the one rounding remains
 * Tensors are typed as the run() contract says (kernels/impl.h): bf16 as uint16_t bit patterns. */
void cnb_ref_gemm_dt(const cnb_gemm *g, const cnb_types *t, const void *a, const void *b, void *c);
/* Round-to-nearest-even of a double to bf16 (bit pattern), the rule above. */
uint16_t cnb_ref_bf16_rne(double x);

#endif
