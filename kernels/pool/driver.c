/* Driver of the blocked-layout pooling kernels: clips each window to the input once per output
 * row (d, h) and once per border pixel (w), hands the interior of each row to the micro-kernel in
 * one call, and threads over output rows. See driver.h and ukernel.h. */
#include <assert.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

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
    const cnb_dt t = pr->dt.src;
    if (pr->dt.dst != t) return "src and dst of different types";
    if (t != CNB_DT_F32 && t != CNB_DT_BF16 && t != CNB_DT_U8 && t != CNB_DT_S8)
        return "a data type other than f32, bf16, u8, s8";
    if ((t == CNB_DT_U8 || t == CNB_DT_S8) && p->alg != CNB_POOL_MAX &&
        (int64_t)p->kd * p->kh * p->kw > CNB_POOL_INT8_AVG_MAX_TAPS)
        return "an int8 average over more than 65793 taps (its sum would round in float)";
    return NULL;
}

void cnb_pool_empty_value(cnb_dt dt, cnb_pool_alg alg, void *out)
{
    const int max = alg == CNB_POOL_MAX;
    switch (dt) {
    case CNB_DT_BF16: {
        const uint16_t v = max ? 0xff7f : 0; /* the lowest bf16, -3.39e38 */
        memcpy(out, &v, sizeof v);
        break;
    }
    case CNB_DT_U8: *(uint8_t *)out = 0; break;
    case CNB_DT_S8: *(int8_t *)out = max ? INT8_MIN : 0; break;
    default: {
        const float v = max ? -FLT_MAX : 0.0f;
        memcpy(out, &v, sizeof v);
    }
    }
}

/* Pixels whose window lies entirely in padding never reach the micro-kernel: they get
 * cnb_pool_empty_value (the parser refuses empty windows for avg_np). Channels C..CB-1 of the
 * last block are zero in the layout and stay zero. */
static void fill_empty(unsigned char *dst, size_t n, int cb, int c_valid, const unsigned char *value,
                       int es)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < cb; c++, dst += es)
            if (c < c_valid) memcpy(dst, value, es);
            else memset(dst, 0, es);
}

void cnb_pool_blocked_run(const cnb_pool_blocked_kernels *k, const cnb_pool *p, cnb_dt dt,
                          const void *src_, void *dst_)
{
    assert(k->cb >= 1 && k->px >= 1 && dt >= 0 && dt < CNB_DT_COUNT);
    const int cb = k->cb;
    const int nb = (p->c + cb - 1) / cb;
    const int c_last = p->c - (nb - 1) * cb; /* valid lanes of the last block */
    const cnb_pool_ukernel_fn kernel = p->alg == CNB_POOL_MAX ? k->max[dt] : k->avg[dt];
    assert(kernel); /* the record's dt_mask offers no type the table lacks */
    const unsigned char *src = src_;
    unsigned char *dst = dst_;
    const int es = cnb_dt_size(dt);
    unsigned char empty[4];
    cnb_pool_empty_value(dt, p->alg, empty);

    /* Strides in elements. */
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
        const unsigned char *s_blk = src + blk * is_b * es;
        unsigned char *d_row = dst + (blk * os_b + od * os_d + oh * os_h) * es;
        const int c_valid = b == nb - 1 ? c_last : cb;

        int kd_lo, nd, kh_lo, nh;
        cnb_clip_taps(od, p->sd, p->pd, p->dd, p->kd, p->id, &kd_lo, &nd);
        cnb_clip_taps(oh, p->sh, p->ph, p->dh, p->kh, p->ih, &kh_lo, &nh);
        const unsigned char *s_row = s_blk; /* first tap in d and h; only meaningful when nd, nh > 0 */
        if (nd > 0 && nh > 0)
            s_row += ((od * p->sd - p->pd + kd_lo * (p->dd + 1)) * is_d
                      + (oh * p->sh - p->ph + kh_lo * (p->dh + 1)) * is_h) * es;

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
            unsigned char *d_px = d_row + ow * is_w * es;
            if (taps > 0)
                kernel(run, s_row + (ow * p->sw - p->pw + kw_lo * wstep) * is_w * es, d_px, &t);
            else
                fill_empty(d_px, run, cb, c_valid, empty, es);
            ow += (int)run;
        }
    }
}
