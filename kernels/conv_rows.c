/* The plan pieces shared by the direct convolution drivers (kernels/conv_rows.h). */
#include "kernels/conv_rows.h"
#include "kernels/clip.h"

#include <stdlib.h>

int cnb_conv_row_runs(const cnb_conv *c, int ur_max, cnb_row_cut cut, cnb_row_tile *rt)
{
    int n = 0;
    for (int ow = 0; ow < c->ow;) {
        int lo, nk, lo2, nk2, end = ow + 1;
        cnb_clip_taps(ow, c->sw, c->pw, c->dw, c->kw, c->iw, &lo, &nk);
        for (; end < c->ow; end++) {
            cnb_clip_taps(end, c->sw, c->pw, c->dw, c->kw, c->iw, &lo2, &nk2);
            if (lo2 != lo || nk2 != nk) break;
        }
        const int len = end - ow, nt = (len + ur_max - 1) / ur_max;
        for (int t = 0, x = ow; t < nt; t++) {
            const int ur = cut == CNB_CUT_EVEN ? cnb_even_width(len, nt, t)
                                               : (end - x < ur_max ? end - x : ur_max);
            rt[n++] = (cnb_row_tile){x, ur, lo, nk, 0};
            x += ur;
        }
        ow = end;
    }
    return n;
}

int cnb_clip_dh_make(const cnb_conv *c, cnb_clip_dh *t)
{
    t->kd_lo = malloc(sizeof(int) * c->od);
    t->nkd = malloc(sizeof(int) * c->od);
    t->kh_lo = malloc(sizeof(int) * c->oh);
    t->nkh = malloc(sizeof(int) * c->oh);
    if (!t->kd_lo || !t->nkd || !t->kh_lo || !t->nkh) return 0;
    for (int o = 0; o < c->od; o++)
        cnb_clip_taps(o, c->sd, c->pd, c->dd, c->kd, c->id, &t->kd_lo[o], &t->nkd[o]);
    for (int o = 0; o < c->oh; o++)
        cnb_clip_taps(o, c->sh, c->ph, c->dh, c->kh, c->ih, &t->kh_lo[o], &t->nkh[o]);
    return 1;
}

void cnb_clip_dh_free(cnb_clip_dh *t)
{
    free(t->kd_lo);
    free(t->nkd);
    free(t->kh_lo);
    free(t->nkh);
}

void *cnb_alloc64(int64_t bytes)
{
    return aligned_alloc(64, ((size_t)(bytes > 0 ? bytes : 1) + 63) & ~(size_t)63);
}

const char *cnb_conv_stride_error(const cnb_conv *c)
{
    if (c->sd < 1 || c->sh < 1 || c->sw < 1 || c->dd < 0 || c->dh < 0 || c->dw < 0)
        return "stride < 1 or dilation < 0";
    return NULL;
}
