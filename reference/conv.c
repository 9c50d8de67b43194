/* Reference convolution: dst[n][oc][od][oh][ow] = Σ src[n][g·ICg + ic][id][ih][iw] ·
 * wei[g][oc'][ic][kd][kh][kw] over the taps whose input coordinate lies inside the input, with
 * id = od·SD − PD + kd·(DD+1) and likewise for h and w. */
#include <stdint.h>

#include "reference/reference.h"

/* Element i of a tensor of type t as a double; f32 read in place (the f32 reference's loads). */
static inline double load(const void *p, cnb_dt t, int64_t i)
{
    return t == CNB_DT_F32 ? ((const float *)p)[i] : cnb_dt_load(p, t, i);
}

/* The formula for one output (n, oc, od, oh, ow), every type: the products summed in the order
 * ic, kd, kh, kw, in double (exact for bf16: products of 8-bit significands) or, for u8/s8
 * sources, in int64. */
static double conv_point(const cnb_conv *c, const cnb_types *t, const void *src, const void *wei,
                         int n, int oc, int od, int oh, int ow)
{
    const int integer = t->src == CNB_DT_U8 || t->src == CNB_DT_S8;
    const int icg = c->ic / c->g, g = oc / (c->oc / c->g);
    const int64_t src_c = (int64_t)c->id * c->ih * c->iw;
    const int64_t w_oc = (int64_t)oc * icg * c->kd * c->kh * c->kw;
    double acc = 0.0;
    int64_t iacc = 0;
    for (int ic = 0; ic < icg; ic++) {
        const int64_t s_ic = ((int64_t)n * c->ic + g * icg + ic) * src_c;
        for (int kd = 0; kd < c->kd; kd++) {
            const int id = od * c->sd - c->pd + kd * (c->dd + 1);
            if (id < 0 || id >= c->id) continue;
            for (int kh = 0; kh < c->kh; kh++) {
                const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                if (ih < 0 || ih >= c->ih) continue;
                for (int kw = 0; kw < c->kw; kw++) {
                    const int iw = ow * c->sw - c->pw + kw * (c->dw + 1);
                    if (iw < 0 || iw >= c->iw) continue;
                    const double s = load(src, t->src, s_ic + ((int64_t)id * c->ih + ih) * c->iw + iw);
                    const double w = load(wei, t->wei, w_oc + ((ic * c->kd + kd) * c->kh + kh) * c->kw + kw);
                    if (integer) iacc += (int64_t)s * (int64_t)w;
                    else acc += s * w;
                }
            }
        }
    }
    return integer ? (double)iacc : acc;
}

void cnb_ref_conv(const cnb_conv *c, const float *src, const float *wei, float *dst)
{
    const cnb_types t = {CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0, 0, 0};

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < c->mb; n++) {
        for (int oc = 0; oc < c->oc; oc++) {
            float *d_oc = dst + ((int64_t)n * c->oc + oc) * c->od * c->oh * c->ow;
            for (int od = 0; od < c->od; od++)
            for (int oh = 0; oh < c->oh; oh++)
            for (int ow = 0; ow < c->ow; ow++)
                d_oc[((int64_t)od * c->oh + oh) * c->ow + ow] =
                    (float)conv_point(c, &t, src, wei, n, oc, od, oh, ow);
        }
    }
}

void cnb_ref_conv_dt(const cnb_conv *c, const cnb_types *t, const void *src, const void *wei,
                     void *dst)
{
    const int64_t dst_c = (int64_t)c->od * c->oh * c->ow;

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < c->mb; n++) {
        for (int oc = 0; oc < c->oc; oc++) {
            for (int od = 0; od < c->od; od++)
            for (int oh = 0; oh < c->oh; oh++)
            for (int ow = 0; ow < c->ow; ow++)
                cnb_ref_store_dt(dst, ((int64_t)n * c->oc + oc) * dst_c + ((int64_t)od * c->oh + oh) * c->ow + ow,
                                 t, conv_point(c, t, src, wei, n, oc, od, oh, ow));
        }
    }
}
