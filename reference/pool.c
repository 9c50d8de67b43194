/* Reference pooling: each output is the max, or the average, of the window taps that lie inside
 * the input. Average with padding included divides by the full window size kd·kh·kw; excluded
 * divides by the number of taps inside the input. A window with no tap inside the input (it lies
 * entirely in padding) gives benchdnn's values: max is the lowest float, -FLT_MAX, and the
 * average with padding included is 0; the parser refuses such windows for avg_np. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "reference/reference.h"

/* Element i of src of type t as a double; f32 read in place (the f32 reference's loads). */
static inline double load(const void *src, cnb_dt t, int64_t i)
{
    return t == CNB_DT_F32 ? ((const float *)src)[i] : cnb_dt_load(src, t, i);
}

/* The window of output (od, oh, ow) of the channel plane at element s_c, every type: its max and
 * sum (exact: integers, or exact-mode bf16) over the taps inside the input, in the order kd, kh,
 * kw; returns how many taps those are (max stays −∞ and sum 0 when none). */
static int pool_window(const cnb_pool *p, const void *src, cnb_dt dt, int64_t s_c, int od, int oh,
                       int ow, double *max, double *sum)
{
    double m = -INFINITY, s = 0.0;
    int inside = 0;
    for (int kd = 0; kd < p->kd; kd++) {
        const int id = od * p->sd - p->pd + kd * (p->dd + 1);
        if (id < 0 || id >= p->id) continue;
        for (int kh = 0; kh < p->kh; kh++) {
            const int ih = oh * p->sh - p->ph + kh * (p->dh + 1);
            if (ih < 0 || ih >= p->ih) continue;
            for (int kw = 0; kw < p->kw; kw++) {
                const int iw = ow * p->sw - p->pw + kw * (p->dw + 1);
                if (iw < 0 || iw >= p->iw) continue;
                const double v = load(src, dt, s_c + ((int64_t)id * p->ih + ih) * p->iw + iw);
                if (v > m) m = v;
                s += v;
                inside++;
            }
        }
    }
    *max = m;
    *sum = s;
    return inside;
}

void cnb_ref_pool(const cnb_pool *p, const float *src, float *dst)
{
    const int64_t src_c = (int64_t)p->id * p->ih * p->iw;
    const int64_t dst_c = (int64_t)p->od * p->oh * p->ow;

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < p->mb; n++) {
        for (int c = 0; c < p->c; c++) {
            const int64_t s_c = ((int64_t)n * p->c + c) * src_c;
            float *d_c = dst + ((int64_t)n * p->c + c) * dst_c;
            for (int od = 0; od < p->od; od++)
            for (int oh = 0; oh < p->oh; oh++)
            for (int ow = 0; ow < p->ow; ow++) {
                double max, sum;
                const int inside = pool_window(p, src, CNB_DT_F32, s_c, od, oh, ow, &max, &sum);
                double out;
                if (p->alg == CNB_POOL_MAX)
                    out = inside ? max : -FLT_MAX;
                else if (p->alg == CNB_POOL_AVG_INCL)
                    out = sum / ((double)p->kd * p->kh * p->kw);
                else
                    out = sum / inside;
                d_c[((int64_t)od * p->oh + oh) * p->ow + ow] = (float)out;
            }
        }
    }
}

/* The lowest value of a type: max pooling's value for a window with no tap inside the input
 * (benchdnn's numeric lowest; bf16's is the largest finite negative, 0xff7f). */
static double lowest(cnb_dt t)
{
    switch (t) {
    case CNB_DT_BF16: return -ldexp(255.0, 120);   /* −(2 − 2⁻⁷)·2¹²⁷ */
    case CNB_DT_U8: return 0;
    case CNB_DT_S8: return -128;
    default: return -FLT_MAX;
    }
}

void cnb_ref_pool_dt(const cnb_pool *p, cnb_dt dt, const void *src, void *dst)
{
    const int64_t src_c = (int64_t)p->id * p->ih * p->iw;
    const int64_t dst_c = (int64_t)p->od * p->oh * p->ow;
    /* The output rule: f32 (float), bf16 (nearest even), u8/s8 (nearest even, saturated) with
     * scale 1 — cnb_ref_store_dt of the type triple dt:dt:dt. */
    const cnb_types t = {dt, dt, dt, 0, 0, 0};

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < p->mb; n++) {
        for (int c = 0; c < p->c; c++) {
            const int64_t s_c = ((int64_t)n * p->c + c) * src_c;
            const int64_t d_c = ((int64_t)n * p->c + c) * dst_c;
            for (int od = 0; od < p->od; od++)
            for (int oh = 0; oh < p->oh; oh++)
            for (int ow = 0; ow < p->ow; ow++) {
                double max, sum;
                const int inside = pool_window(p, src, dt, s_c, od, oh, ow, &max, &sum);
                double out;
                if (p->alg == CNB_POOL_MAX) {
                    out = inside ? max : lowest(dt);   /* a value of the type: stored exactly */
                } else {
                    const double count =
                        p->alg == CNB_POOL_AVG_INCL ? (double)p->kd * p->kh * p->kw : inside;
                    /* The f32 quotient, rounded once (sum and count are floats exactly: this is
                     * the float division sum / count), then the type's own rounding. */
                    out = count ? (float)(sum / count) : 0.0f;
                }
                cnb_ref_store_dt(dst, d_c + ((int64_t)od * p->oh + oh) * p->ow + ow, &t, out);
            }
        }
    }
}
