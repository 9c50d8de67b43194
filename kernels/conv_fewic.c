/* The few-input-channel convolution's planner, weight packing and threading (conv_fewic.h). */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/conv_fewic.h"
#include "kernels/conv_rows.h"

/* A tile of one output row (kernels/conv_rows.h). */
typedef cnb_row_tile fewic_rt;

/* An output-channel tile: blocks [ob, ob + nb), its packed weights at wei. */
typedef struct fewic_ot { int ob, nb; const float *wei; const fewic_rt *rt; int n_rt; } fewic_ot;

typedef struct fewic_plan {
    cnb_conv c;
    const cnb_fewic_isa *isa;
    int n_cb_out, n_ot;
    fewic_ot *ot;           /* [n_ot] */
    fewic_rt *rt[2];        /* the row tiles of the two tile widths (nb of ot[0], of the last) */
    float *wei;
    cnb_clip_dh dh;          /* clipped kd, kh ranges per od, oh */
    char name[96];
} fewic_plan;

const char *cnb_fewic_supports(const cnb_fewic_isa *isa, const cnb_problem *p)
{
    static _Thread_local char why[96];
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g != 1) return "groups: this path takes g = 1 only";
    if (c->ic < 1) return "no input channels";
    if (c->ic > isa->ic_max) {
        snprintf(why, sizeof why, "more than %d input channels (the direct path's)", isa->ic_max);
        return why;
    }
    if (c->oc < 1) return "no output channels";
    return cnb_conv_stride_error(c);
}

cnb_layout cnb_fewic_src_layout(const cnb_problem *p)
{
    (void)p;
    return CNB_LAYOUT_NCX;
}

void cnb_fewic_release(void *state)
{
    fewic_plan *P = state;
    if (!P) return;
    free(P->ot);
    free(P->rt[0]);
    free(P->rt[1]);
    free(P->wei);
    cnb_clip_dh_free(&P->dh);
    free(P);
}

void *cnb_fewic_prepare(const cnb_fewic_isa *isa, const cnb_problem *p, const float *wei)
{
    if (cnb_fewic_supports(isa, p)) return NULL;
    fewic_plan *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    P->c = p->conv;
    P->isa = isa;
    const cnb_conv *c = &P->c;
    const int B = isa->block;
    if (isa->nb_max < 1 || isa->nb_max > CNB_FEWIC_NB_MAX || isa->ic_max > CNB_FEWIC_IC_MAX) {
        fprintf(stderr, "conv/%s_fewic: inconsistent tile table\n", isa->name);
        goto fail;
    }
    P->n_cb_out = (c->oc + B - 1) / B;
    /* oc tiles: as few as the widest tile allows, evened out (the last may be narrower). */
    P->n_ot = (P->n_cb_out + isa->nb_max - 1) / isa->nb_max;
    P->ot = calloc(P->n_ot, sizeof *P->ot);
    if (!P->ot) goto fail;
    const int nb = (P->n_cb_out + P->n_ot - 1) / P->n_ot;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw, per_block = c->ic * taps * B;
    P->wei = cnb_alloc64(((int64_t)P->n_cb_out * per_block + 1) * (int64_t)sizeof(float));
    if (!P->wei) goto fail;
    for (int t = 0; t < P->n_ot; t++) {
        fewic_ot *o = &P->ot[t];
        o->ob = t * nb;
        o->nb = P->n_cb_out - o->ob < nb ? P->n_cb_out - o->ob : nb;
        if (o->nb < 1) goto fail; /* cannot happen: (n_ot − 1)·nb < n_cb_out by the ceilings */
        float *w = P->wei + (int64_t)o->ob * per_block;
        o->wei = w;
        /* [ic][kd][kh][kw][nb][B], zero past oc */
        for (int ic = 0; ic < c->ic; ic++)
            for (int64_t tap = 0; tap < taps; tap++)
                for (int b = 0; b < o->nb; b++)
                    for (int l = 0; l < B; l++) {
                        const int oc = (o->ob + b) * B + l;
                        *w++ = oc < c->oc ? wei[((int64_t)oc * c->ic + ic) * taps + tap] : 0.0f;
                    }
    }
    /* Row tiles for the first tile's nb and for the last's (the same list when equal). */
    for (int k = 0; k < 2; k++) {
        const int tnb = P->ot[k ? P->n_ot - 1 : 0].nb;
        P->rt[k] = malloc(sizeof(fewic_rt) * c->ow);
        if (!P->rt[k]) goto fail;
        /* runs of pixels whose kw taps clip alike, cut into ur_max-wide tiles and a shorter tail */
        const int n_rt = cnb_conv_row_runs(c, isa->ur_max[tnb], CNB_CUT_FULL, P->rt[k]);
        for (int t = 0; t < P->n_ot; t++)
            if (P->ot[t].nb == tnb) {
                P->ot[t].rt = P->rt[k];
                P->ot[t].n_rt = n_rt;
            }
    }
    if (!cnb_clip_dh_make(c, &P->dh)) goto fail;
    const int ur = isa->ur_max[nb] < c->ow ? isa->ur_max[nb] : c->ow;
    snprintf(P->name, sizeof P->name, "conv/%s_fewic[ur%d nb%d]", isa->name, ur, nb);
    return P;
fail:
    cnb_fewic_release(P);
    return NULL;
}

const char *cnb_fewic_kernel_name(void *state)
{
    return state ? ((fewic_plan *)state)->name : NULL;
}

void cnb_fewic_run(void *state, const float *src, float *dst)
{
    const fewic_plan *P = state;
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, n_ot = P->n_ot;
    const cnb_fewic_fn tile = P->isa->tile;
    const int64_t plane = (int64_t)c->id * c->ih * c->iw;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * B;
    const int64_t items = (int64_t)c->mb * c->od * c->oh * n_ot;

#pragma omp parallel for schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const fewic_ot *o = &P->ot[it % n_ot];
        const int64_t row = it / n_ot;            /* (n·od + d)·oh + h */
        const int oh = (int)(row % c->oh), od = (int)(row / c->oh % c->od);
        const int n = (int)(row / c->oh / c->od);
        const int nb = o->nb;
        cnb_fewic_args a;
        a.src_ic = plane;
        a.src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw;
        a.src_kh = (int64_t)(c->dh + 1) * c->iw;
        a.src_kw = c->dw + 1;
        a.src_ow = c->sw;
        a.wei_kh = (int64_t)c->kw * nb * B;
        a.wei_kd = c->kh * a.wei_kh;
        a.wei_ic = c->kd * a.wei_kd;
        a.dst_ob = dst_cb;
        a.ic = c->ic;
        const int kd_lo = P->dh.kd_lo[od], kh_lo = P->dh.kh_lo[oh];
        const float *s_n = src + (int64_t)n * c->ic * plane;
        float *d_row = dst + ((int64_t)n * P->n_cb_out + o->ob) * dst_cb +
                       ((int64_t)od * c->oh + oh) * c->ow * B;
        const float *w_row = o->wei + kd_lo * a.wei_kd + kh_lo * a.wei_kh;
        for (int i = 0; i < o->n_rt; i++) {
            const fewic_rt *r = &o->rt[i];
            const int64_t px = cnb_row_tile_pixel(c, &P->dh, od, oh, r);
            a.nkd = P->dh.nkd[od];
            a.nkh = P->dh.nkh[oh];
            a.nkw = r->nkw;
            a.dst = d_row + (int64_t)r->ow0 * B;
            if (px >= 0) {
                a.src = s_n + px;
                a.wei = w_row + (int64_t)r->kw_lo * nb * B;
            } else {
                a.nkd = a.nkh = a.nkw = 0;  /* every tap in padding: zeros */
                a.src = s_n;
                a.wei = o->wei;
            }
            tile(&a, nb, r->ur);
        }
    }
}
