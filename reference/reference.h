/* The naive reference: textbook loops over the user-facing layouts (kernels/problem.h), one
 * output element at a time, accumulating in double and rounding once to float at the end. Every
 * other implementation is validated against these. Threaded over output elements (OpenMP), which
 * does not change any result: each output is computed by one thread in one fixed order. */
#ifndef CNB_REFERENCE_H
#define CNB_REFERENCE_H

#include "kernels/problem.h"

void cnb_ref_conv(const cnb_conv *c, const float *src, const float *wei, float *dst);
/* Average pooling rounds the double sum divided by the tap count once to float: for integer data
 * this equals the float division sum/count (double has more than 2·24+2 bits, so the double
 * rounding is innocuous). */
void cnb_ref_pool(const cnb_pool *p, const float *src, float *dst);
void cnb_ref_gemm(const cnb_gemm *g, const float *a, const float *b, float *c);

#endif
