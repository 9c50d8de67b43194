/* Reference convolution: dst[n][oc][od][oh][ow] = Σ src[n][g·ICg + ic][id][ih][iw] ·
 * wei[g][oc'][ic][kd][kh][kw] over the taps whose input coordinate lies inside the input, with
 * id = od·SD − PD + kd·(DD+1) and likewise for h and w. */
#include <stdint.h>

#include "reference/reference.h"

void cnb_ref_conv(const cnb_conv *c, const float *src, const float *wei, float *dst)
{
    const int icg = c->ic / c->g, ocg = c->oc / c->g;
    const int64_t src_c = (int64_t)c->id * c->ih * c->iw;
    const int64_t dst_c = (int64_t)c->od * c->oh * c->ow;
    const int64_t wei_o = (int64_t)icg * c->kd * c->kh * c->kw;

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < c->mb; n++) {
        for (int oc = 0; oc < c->oc; oc++) {
            const int g = oc / ocg;
            const float *w_oc = wei + oc * wei_o;
            float *d_oc = dst + ((int64_t)n * c->oc + oc) * dst_c;
            for (int od = 0; od < c->od; od++)
            for (int oh = 0; oh < c->oh; oh++)
            for (int ow = 0; ow < c->ow; ow++) {
                double acc = 0.0;
                for (int ic = 0; ic < icg; ic++) {
                    const float *s_ic = src + ((int64_t)n * c->ic + g * icg + ic) * src_c;
                    for (int kd = 0; kd < c->kd; kd++) {
                        const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                        if (id < 0 || id >= c->id) continue;
                        for (int kh = 0; kh < c->kh; kh++) {
                            const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                            if (ih < 0 || ih >= c->ih) continue;
                            for (int kw = 0; kw < c->kw; kw++) {
                                const int iw = ow * c->sw - c->pw + kw * (c->dw + 1);
                                if (iw < 0 || iw >= c->iw) continue;
                                const double s = s_ic[((int64_t)id * c->ih + ih) * c->iw + iw];
                                const double w =
                                    w_oc[((ic * c->kd + kd) * c->kh + kh) * c->kw + kw];
                                acc += s * w;
                            }
                        }
                    }
                }
                d_oc[((int64_t)od * c->oh + oh) * c->ow + ow] = (float)acc;
            }
        }
    }
}

void cnb_ref_conv_dt(const cnb_conv *c, const cnb_types *t, const void *src, const void *wei,
                     void *dst)
{
    const int integer = t->src == CNB_DT_U8 || t->src == CNB_DT_S8;
    const int icg = c->ic / c->g, ocg = c->oc / c->g;
    const int64_t src_c = (int64_t)c->id * c->ih * c->iw;
    const int64_t dst_c = (int64_t)c->od * c->oh * c->ow;
    const int64_t wei_o = (int64_t)icg * c->kd * c->kh * c->kw;

#pragma omp parallel for collapse(2) schedule(dynamic)
    for (int n = 0; n < c->mb; n++) {
        for (int oc = 0; oc < c->oc; oc++) {
            const int g = oc / ocg;
            for (int od = 0; od < c->od; od++)
            for (int oh = 0; oh < c->oh; oh++)
            for (int ow = 0; ow < c->ow; ow++) {
                double acc = 0.0;    /* bf16: products of 8-bit significands, exact sums */
                int64_t iacc = 0;    /* int8 */
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
                                const double s =
                                    cnb_dt_load(src, t->src, s_ic + ((int64_t)id * c->ih + ih) * c->iw + iw);
                                const double w = cnb_dt_load(
                                    wei, t->wei, oc * wei_o + ((ic * c->kd + kd) * c->kh + kh) * c->kw + kw);
                                if (integer) iacc += (int64_t)s * (int64_t)w;
                                else acc += s * w;
                            }
                        }
                    }
                }
                cnb_ref_store_dt(dst, ((int64_t)n * c->oc + oc) * dst_c + ((int64_t)od * c->oh + oh) * c->ow + ow,
                                 t, integer ? (double)iacc : acc);
            }
        }
    }
}
