/* Plain-C pooling on NC[D]HW: pool/scalar_window. For each output the window is first clipped
 * to the input (valid tap range along d, h, w from the border arithmetic), then the taps are
 * visited with no bound check. Max starts from -inf and only ever sees taps inside the input, so
 * padding never wins; a window with no tap inside gives benchdnn's -FLT_MAX; the averages sum in float and divide once (a true division) by kd·kh·kw
 * (padding included) or by the number of taps visited (padding excluded). Threaded over
 * (mb, c, od, oh) rows, each computed by one thread in one fixed order. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "kernels/clip.h"
#include "kernels/impl.h"

static const char *supports(const cnb_problem *pr)
{
    const cnb_pool *p = &pr->pool;
    if (pr->op != CNB_OP_POOL) return "not a pooling problem";
    if (p->kd < 1 || p->kh < 1 || p->kw < 1) return "window size < 1";
    if (p->sd < 1 || p->sh < 1 || p->sw < 1) return "stride < 1";
    if (p->pd < 0 || p->ph < 0 || p->pw < 0) return "negative left padding";
    if (p->dd < 0 || p->dh < 0 || p->dw < 0) return "negative dilation";
    return NULL;
}

static void run(void *state, const cnb_problem *pr, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    (void)wei;
    const cnb_pool *p = &pr->pool;
    const int64_t is_h = p->iw, is_d = (int64_t)p->ih * p->iw, is_c = p->id * is_d;
    const int64_t os_c = (int64_t)p->od * p->oh * p->ow;
    const int sd = p->dd + 1, sh = p->dh + 1, sw = p->dw + 1; /* tap steps in input pixels */
    const float full = (float)p->kd * p->kh * p->kw;
    const int nc = p->mb * p->c, od_n = p->od, oh_n = p->oh;

#pragma omp parallel for collapse(3) schedule(static)
    for (int nc_i = 0; nc_i < nc; nc_i++)
    for (int od = 0; od < od_n; od++)
    for (int oh = 0; oh < oh_n; oh++) {
        const float *restrict s_c = src + nc_i * is_c;
        float *restrict d_row = dst + nc_i * os_c + ((int64_t)od * p->oh + oh) * p->ow;
        int kd0, nd, kh0, nh;
        cnb_clip_taps(od, p->sd, p->pd, p->dd, p->kd, p->id, &kd0, &nd);
        cnb_clip_taps(oh, p->sh, p->ph, p->dh, p->kh, p->ih, &kh0, &nh);
        const int id0 = od * p->sd - p->pd + kd0 * sd;
        const int ih0 = oh * p->sh - p->ph + kh0 * sh;
        for (int ow = 0; ow < p->ow; ow++) {
            int kw0, nw;
            cnb_clip_taps(ow, p->sw, p->pw, p->dw, p->kw, p->iw, &kw0, &nw);
            const int iw0 = ow * p->sw - p->pw + kw0 * sw;
            float max = -INFINITY, sum = 0.0f;
            for (int d = 0; d < nd; d++)
                for (int h = 0; h < nh; h++) {
                    const float *restrict s =
                        s_c + (id0 + d * sd) * is_d + (ih0 + h * sh) * is_h + iw0;
                    for (int w = 0; w < nw; w++) {
                        const float v = s[w * sw];
                        if (v > max) max = v;
                        sum += v;
                    }
                }
            if (p->alg == CNB_POOL_MAX)
                d_row[ow] = nd > 0 && nh > 0 && nw > 0 ? max : -FLT_MAX;
            else
                d_row[ow] = sum / (p->alg == CNB_POOL_AVG_INCL ? full : (float)(nd * nh * nw));
        }
    }
}

const cnb_impl cnb_pool_f32_window__scalar = {
    .name = "pool/scalar_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX,
    .supports = supports,
    .run = run,
};
