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
/* Store the exact value acc as output o of type t->dst by the rules above (u8/s8 scaled by
 * 2^(src_scale_log2 + wei_scale_log2 − dst_scale_log2)). Shared by GEMM, conv and pooling. */
void cnb_ref_store_dt(void *out, int64_t o, const cnb_types *t, double acc);

/* Convolution in the other data types: the triples and the output rules of cnb_ref_gemm_dt,
 * with the reduction over ic/g·kd·kh·kw taps inside the input (as cnb_ref_conv). src and dst in
 * the user layout NCDHW with elements of type t->src / t->dst, wei goidhw of type t->wei. So:
 *   acc = the exact sum (bf16 products summed exactly; int8 products summed in integers, so
 *         u8 255 × s8 127 pairs never saturate anything)
 *   f32: RNE(acc) to float; bf16: RNE(acc) to bf16 directly; s32: acc;
 *   u8/s8: saturate(RNE(acc · 2^(src_scale_log2 + wei_scale_log2 − dst_scale_log2))).
 * u8 elements are 0..255, s8 elements −128..127 (two's complement), bf16 bit patterns. */
void cnb_ref_conv_dt(const cnb_conv *c, const cnb_types *t, const void *src, const void *wei,
                     void *dst);
/* Pooling in one data type dt (bf16, u8 or s8; f32 gives cnb_ref_pool's bits) for src and dst,
 * in the user layout. Same windows as cnb_ref_pool.
 *   max  the largest tap inside the input, exactly (a value of the input); a window with no tap
 *        inside gives the type's lowest value: bf16 −(2−2⁻⁷)·2¹²⁷ (0xff7f), u8 0, s8 −128.
 *   avg  q = the exact sum of the taps inside (integers for u8/s8; for bf16 exact-mode data, a
 *        sum float holds exactly) divided by the count (avg_p: kd·kh·kw, avg_np: the taps
 *        inside) as one correctly rounded f32 division, exactly as f32 pooling; then
 *          bf16:  q rounded to nearest even at bf16's 8 significant bits (from the float q)
 *          u8/s8: q rounded to the nearest integer, ties to even, saturated to the type's range
 *        A window with no tap inside (avg_p only) gives 0.
 * Any kernel that sums exactly (int32, or float with exact data), divides once in f32 and then
 * rounds (vcvtps2dq under the default MXCSR mode, vcvtneps2bf16) gets the same bits. */
void cnb_ref_pool_dt(const cnb_pool *p, cnb_dt dt, const void *src, void *dst);

#endif
