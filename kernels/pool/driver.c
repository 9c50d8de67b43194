/* Driver of the blocked-layout pooling kernels: clips each window to the input once per output
 * row (d, h) and once per border pixel (w), hands the interior of each row to the micro-kernel in
 * one call, and threads over output rows. See driver.h and ukernel.h. */
#include <assert.h>
#include <float.h>
#include <stdint.h>

#include "kernels/clip.h"
#include "kernels/pool/driver.h"

const char *cnb_pool_blocked_supports(const cnb_problem *pr)
{
    const cnb_pool *p = &pr->pool;
    if (pr->op != CNB_OP_POOL) return "not a pooling problem";
    if (p->kd < 1 || p->kh < 1 || p->kw < 1) return "window size < 1";
    if (p->sd < 1 || p->sh < 1 || p->sw < 1) return "stride < 1";
    if (p->pd < 0 || p->ph < 0 || p->pw < 0) return "negative left padding";
    if (p->dd < 0 || p->dh < 0 || p->dw < 0) return "negative dilation";
    return NULL;
}

/* Pixels whose window lies entirely in padding never reach the micro-kernel: they get
 * benchdnn's value for an empty window (max: the lowest float, -FLT_MAX; average with padding
 * included: 0; the parser refuses empty windows for avg_np). Channels C..CB-1 of the last block
 * are zero in the layout and stay zero. */
static void fill_empty(float *dst, size_t n, int cb, int c_valid, float value)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < cb; c++) dst[i * cb + c] = c < c_valid ? value : 0.0f;
}

void cnb_pool_blocked_run(const cnb_pool_blocked_kernels *k, const cnb_pool *p, const float *src,
                          float *dst)
{
    assert(k->cb >= 1 && k->px >= 1);
    const int cb = k->cb;
    const int nb = (p->c + cb - 1) / cb;
    const int c_last = p->c - (nb - 1) * cb; /* valid lanes of the last block */
    const cnb_pool_ukernel_fn kernel = p->alg == CNB_POOL_MAX ? k->max : k->avg;

    /* Strides in floats. */
    const ptrdiff_t is_w = cb, is_h = (ptrdiff_t)p->iw * cb, is_d = (ptrdiff_t)p->ih * is_h;
    const ptrdiff_t is_b = (ptrdiff_t)p->id * is_d;
    const ptrdiff_t os_h = (ptrdiff_t)p->ow * cb, os_d = (ptrdiff_t)p->oh * os_h;
    const ptrdiff_t os_b = (ptrdiff_t)p->od * os_d;
    const int wstep = p->dw + 1;

    /* Interior pixels along w, [ow_a, ow_b): the whole window lies inside the input. */
    const int ow_end = p->ow;
    int ow_a = (p->pw + p->sw - 1) / p->sw;
    const int last_start = p->iw - 1 + p->pw - (p->kw - 1) * wstep; /* max of ow·sw */
    int ow_b = last_start < 0 ? 0 : last_start / p->sw + 1;
    if (ow_a > ow_end) ow_a = ow_end;
    if (ow_b > ow_end) ow_b = ow_end;
    if (ow_b < ow_a) ow_b = ow_a;

    const int mb = p->mb, od_n = p->od, oh_n = p->oh;
#pragma omp parallel for collapse(4) schedule(static)
    for (int n = 0; n < mb; n++)
    for (int b = 0; b < nb; b++)
    for (int od = 0; od < od_n; od++)
    for (int oh = 0; oh < oh_n; oh++) {
        const int blk = n * nb + b;
        const float *s_blk = src + blk * is_b;
        float *d_row = dst + blk * os_b + od * os_d + oh * os_h;
        const int c_valid = b == nb - 1 ? c_last : cb;
        const float empty = p->alg == CNB_POOL_MAX ? -FLT_MAX : 0.0f;

        int kd_lo, nd, kh_lo, nh;
        cnb_clip_taps(od, p->sd, p->pd, p->dd, p->kd, p->id, &kd_lo, &nd);
        cnb_clip_taps(oh, p->sh, p->ph, p->dh, p->kh, p->ih, &kh_lo, &nh);
        const float *s_row = s_blk; /* first tap in d and h; only meaningful when nd, nh > 0 */
        if (nd > 0 && nh > 0)
            s_row += (od * p->sd - p->pd + kd_lo * (p->dd + 1)) * is_d
                   + (oh * p->sh - p->ph + kh_lo * (p->dh + 1)) * is_h;

        cnb_pool_taps t;
        t.step = (ptrdiff_t)p->sw * is_w;
        t.sd = (ptrdiff_t)(p->dd + 1) * is_d;
        t.sh = (ptrdiff_t)(p->dh + 1) * is_h;
        t.sw = (ptrdiff_t)wstep * is_w;
        t.nd = nd;
        t.nh = nh;

        for (int ow = 0; ow < ow_end;) {
            size_t run;
            int kw_lo;
            if (ow == ow_a && ow_b > ow_a) {
                kw_lo = 0;
                t.nw = p->kw;
                run = (size_t)(ow_b - ow_a);
            } else {
                cnb_clip_taps(ow, p->sw, p->pw, p->dw, p->kw, p->iw, &kw_lo, &t.nw);
                run = 1;
            }
            const int taps = nd * nh * t.nw;
            t.count = p->alg == CNB_POOL_AVG_INCL ? (float)p->kd * p->kh * p->kw : (float)taps;
            float *d_px = d_row + ow * is_w;
            if (taps > 0)
                kernel(run, s_row + (ow * p->sw - p->pw + kw_lo * wstep) * is_w, d_px, &t);
            else
                fill_empty(d_px, run, cb, c_valid, empty);
            ow += (int)run;
        }
    }
}
