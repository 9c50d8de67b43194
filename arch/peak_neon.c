/* NEON roofline probe kernels (aarch64 only).
 * FMA: 16 independent q-register accumulators acc = acc + d*m (vfmaq_f32; m, d in two more
 * registers), enough for FMA latency 4 x up to 4 pipes; 16 x 4 lanes x 2 = 128 FLOPs per
 * iteration. m < 1 keeps every chain bounded (converges to d/(1-m)).
 * Triad: 4 q registers per array per iteration. */
#include <arm_neon.h>

#include "arch/peak.h"

double cnb_peak_f32__neon(long iters, float *sink)
{
    volatile float mv = 0.999999f, dv = 1e-6f;   /* opaque to the optimiser */
    const float32x4_t m = vdupq_n_f32(mv), d = vdupq_n_f32(dv);
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.1f);
    float32x4_t acc2 = vdupq_n_f32(0.2f), acc3 = vdupq_n_f32(0.3f);
    float32x4_t acc4 = vdupq_n_f32(0.4f), acc5 = vdupq_n_f32(0.5f);
    float32x4_t acc6 = vdupq_n_f32(0.6f), acc7 = vdupq_n_f32(0.7f);
    float32x4_t acc8 = vdupq_n_f32(0.8f), acc9 = vdupq_n_f32(0.9f);
    float32x4_t acc10 = vdupq_n_f32(1.0f), acc11 = vdupq_n_f32(1.1f);
    float32x4_t acc12 = vdupq_n_f32(1.2f), acc13 = vdupq_n_f32(1.3f);
    float32x4_t acc14 = vdupq_n_f32(1.4f), acc15 = vdupq_n_f32(1.5f);
    for (long i = 0; i < iters; i++) {
        /* acc = d + acc*m: vfmaq_f32(a, b, c) computes a + b*c */
        acc0 = vfmaq_f32(d, acc0, m);
        acc1 = vfmaq_f32(d, acc1, m);
        acc2 = vfmaq_f32(d, acc2, m);
        acc3 = vfmaq_f32(d, acc3, m);
        acc4 = vfmaq_f32(d, acc4, m);
        acc5 = vfmaq_f32(d, acc5, m);
        acc6 = vfmaq_f32(d, acc6, m);
        acc7 = vfmaq_f32(d, acc7, m);
        acc8 = vfmaq_f32(d, acc8, m);
        acc9 = vfmaq_f32(d, acc9, m);
        acc10 = vfmaq_f32(d, acc10, m);
        acc11 = vfmaq_f32(d, acc11, m);
        acc12 = vfmaq_f32(d, acc12, m);
        acc13 = vfmaq_f32(d, acc13, m);
        acc14 = vfmaq_f32(d, acc14, m);
        acc15 = vfmaq_f32(d, acc15, m);
    }
    float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(acc0, acc1), vaddq_f32(acc2, acc3)),
                              vaddq_f32(vaddq_f32(acc4, acc5), vaddq_f32(acc6, acc7)));
    float32x4_t t = vaddq_f32(vaddq_f32(vaddq_f32(acc8, acc9), vaddq_f32(acc10, acc11)),
                              vaddq_f32(vaddq_f32(acc12, acc13), vaddq_f32(acc14, acc15)));
    *sink = vaddvq_f32(vaddq_f32(s, t));
    return (double)iters * 16 * 4 * 2;
}

void cnb_peak_triad__neon(float *restrict a, const float *restrict b, const float *restrict c,
                          float s, long n)
{
    for (long i = 0; i < n; i += 16) {
        float32x4_t r0 = vfmaq_n_f32(vld1q_f32(b + i), vld1q_f32(c + i), s);
        float32x4_t r1 = vfmaq_n_f32(vld1q_f32(b + i + 4), vld1q_f32(c + i + 4), s);
        float32x4_t r2 = vfmaq_n_f32(vld1q_f32(b + i + 8), vld1q_f32(c + i + 8), s);
        float32x4_t r3 = vfmaq_n_f32(vld1q_f32(b + i + 12), vld1q_f32(c + i + 12), s);
        vst1q_f32(a + i, r0);
        vst1q_f32(a + i + 4, r1);
        vst1q_f32(a + i + 8, r2);
        vst1q_f32(a + i + 12, r3);
    }
}
