/* bf16 and int8 first layers on the dot-product ISAs without tiles: conv/avx512_bf16_fewic and
 * conv/avx512_vnni_fewic. src in nC[D]HWx4c (up to 4 channels) or x8c, dst in nC[D]HWx16c, g = 1, at
 * most CNB_FEWIC_IC_MAX input channels, no dilation along W.
 *
 * Why a path of its own: the direct path (kernels/conv_lowp.c) reduces over input channels a
 * group at a time (bf16 pairs, u8 quads) inside 16-channel blocks, so 3 channels are padded to
 * 16 and 13/16 of its dot products multiply zeros. Here the reduction runs over the taps of a
 * kernel row and the channels together ("tap rows"), which lie next to each other once the
 * input is interleaved:
 *
 *   run copies each image into a zero-bordered buffer, row by row, with the channels of a pixel
 *   adjacent: row[(iw + pw) · icp + ic], icp ≥ ic chosen so that sw · icp is a whole number of
 *   groups (a pixel of the blocked source is one or two moves). Where it needs fewer chunks,
 *   the kh source rows of an output row are folded into one buffer row (channel kh · ic + ic,
 *   icp ≥ kh · ic): the whole window is then one run of chunks. Output pixel ow's kernel row is then kw · icp consecutive elements starting at
 *   element ow · sw · icp: K = kw · icp, cut into 16-element chunks.
 *
 * Such a chunk is exactly what the direct path's row kernel (lowp_body.h) reduces for one input
 * block of one tap, so the same kernels run with other strides: a "block" is a chunk (src_icb =
 * 16 elements), a pixel is sw · icp elements further (src_ow), the taps are the kd × kh rows
 * (nkw = 1), and every window lies inside the bordered buffer, so nothing is clipped. The last
 * chunk of a row reaches past the kernel row into the next pixels' elements (finite values of the
 * input or the zero border); their weights are zero.
 * Weights, packed in prepare per output block ob: [ob][kd][kh][chunk][QB groups][16 lanes][G],
 * element k of a chunk row being tap kw = k / icp, channel k % icp (zero past kw, ic and oc).
 * int8 takes u8 sources only (an s8 source needs the direct path's compensation).
 * Threads: static over (image, od, oh, oc tile) after the copy, which they share by rows. */
#if defined(__x86_64__)
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_fewic.h"
#include "kernels/conv_lowp.h"
#include "kernels/conv_rows.h"

/* K per chunk: one 16-channel input block of the row kernels. Kernel rows folded at most. */
enum { CHUNK = 16, KH_FOLD_MAX = 16 };

/* Tests only: 1 drops the last source row of every buffer row from the copy (a bug the tests
 * must catch). */
int cnb_conv_fewic_lowp_mutant;

typedef struct fl_plan {
    cnb_conv c;
    const cnb_conv_lowp_isa *isa;
    cnb_lowp_state epi;
    int es, G, QB, icp, n_chunk, nob, nb, n_ot;
    int ublk;                          /* channels per pixel of the source layout (nCx4c, nCx8c) */
    int fold;                          /* 1: the kh rows folded into the channels of a pixel */
    int nkh;                           /* kernel rows the kernel loops over: 1 folded, else kh */
    int ipd, iph, ipw;                 /* the buffer's depth, rows per plane, width (pixels) */
    int64_t pitch, plane, image;       /* elements per row, plane, image of the buffer */
    int32_t *wei;
    ptrdiff_t w_kh, w_kd, w_ob;        /* words */
    unsigned char *buf;                /* mb images, borders zero from prepare on */
    char name[96];
} fl_plan;

static int round_up(int a, int b) { return (a + b - 1) / b * b; }
static int max_i(int a, int b) { return a > b ? a : b; }

static const char *fl_supports(const cnb_problem *p)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g != 1) return "groups: this path takes g = 1 only";
    if (c->ic < 1 || c->ic > CNB_FEWIC_IC_MAX) return "more input channels than a first layer's";
    if (c->dw) return "dilation along W (the kernel row must be contiguous)";
    if (p->dt.src == CNB_DT_S8) return "s8 source (the direct path adds its compensation)";
    return cnb_conv_lowp_supports(p);
}

/* Estimated cycles of one tile's dot products per chunk group, as the direct path's model:
 * throughput, latency, or the loads (nb weight vectors, ur broadcasts, two per cycle). */
static double tile_cost(const cnb_conv_lowp_isa *isa, int nb, int ur)
{
    double t = nb * ur * isa->dp_cycles;
    if (isa->dp_latency > t) t = isa->dp_latency;
    if ((nb + ur) / 2.0 > t) t = (nb + ur) / 2.0;
    return t + 0.25;
}

/* The oc tile width: the smallest estimated time for a row over every oc tile. */
static int choose_nb(const cnb_conv_lowp_isa *isa, int nob, int ow)
{
    int best = 1;
    double best_t = 0;
    for (int nb = 1; nb <= isa->nb_max && nb <= max_i(nob, 1); nb++) {
        double t = 0;
        for (int ob = 0; ob < nob; ob += nb) {
            const int n = nob - ob < nb ? nob - ob : nb, ur = isa->ur_max[n];
            t += (double)((ow + ur - 1) / ur) * tile_cost(isa, n, ur);
        }
        if (nb == 1 || t < best_t) best = nb, best_t = t;
    }
    return best;
}

static void fl_release(void *state)
{
    fl_plan *P = state;
    if (!P) return;
    free(P->wei);
    free(P->buf);
    free(P);
}

static void *fl_prepare(const cnb_conv_lowp_isa *isa, const cnb_problem *p, const void *wei)
{
    if (fl_supports(p)) return NULL;
    fl_plan *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    const cnb_conv *c = &p->conv;
    P->c = *c;
    P->isa = isa;
    P->G = isa->group;
    P->QB = CHUNK / P->G;
    P->es = cnb_dt_size(p->dt.src);
    P->ublk = c->ic <= 4 ? 4 : 8;
    P->epi.t = p->dt;
    P->epi.esize = P->es;
    P->epi.group = P->G;
    if (cnb_dt_requantized(&p->dt))
        P->epi.shift = p->dt.dst_scale_log2 - p->dt.src_scale_log2 - p->dt.wei_scale_log2;
    /* Channels per pixel, unfolded (ic) or with the kh rows folded in (kh · ic), each rounded up
     * to whole groups per output pixel step; folded where that needs fewer chunk products: all
     * kh · kw · ic values of a window in one run of chunks rather than kh runs. */
    int icp[2], chunks[2];
    for (int f = 0; f < 2; f++) {
        icp[f] = f ? c->kh * c->ic : c->ic;
        while ((c->sw * icp[f]) % P->G) icp[f]++;
        chunks[f] = (f ? 1 : c->kh) * ((c->kw * icp[f] + CHUNK - 1) / CHUNK);
    }
    P->fold = chunks[1] < chunks[0] && c->kh <= KH_FOLD_MAX;
    P->icp = icp[P->fold];
    P->nkh = P->fold ? 1 : c->kh;
    P->n_chunk = (c->kw * P->icp + CHUNK - 1) / CHUNK;
    P->nob = (c->oc + CHUNK - 1) / CHUNK;
    P->nb = choose_nb(isa, P->nob, c->ow);
    P->n_ot = (P->nob + P->nb - 1) / P->nb;
    /* Every window inside the buffer: the last pixel's last chunk included, and whole groups. */
    const int span_w = (c->ow - 1) * c->sw + (P->n_chunk * CHUNK + P->icp - 1) / P->icp;
    P->ipw = max_i(c->pw + c->iw, span_w);
    /* Folded: one buffer row per output row; else the bordered input rows. */
    P->iph = P->fold ? c->oh : max_i(c->ph + c->ih, (c->oh - 1) * c->sh + (c->kh - 1) * (c->dh + 1) + 1);
    P->ipd = max_i(c->pd + c->id, (c->od - 1) * c->sd + (c->kd - 1) * (c->dd + 1) + 1);
    P->pitch = round_up(P->ipw * P->icp, CHUNK);
    P->plane = P->pitch * P->iph;
    P->image = P->plane * P->ipd;
    /* One chunk of slack past the last image: the last row's reads stay inside. */
    const size_t buf_bytes = (size_t)((int64_t)c->mb * P->image + CHUNK) * P->es;
    P->buf = cnb_alloc64(buf_bytes);
    P->w_kh = (ptrdiff_t)P->n_chunk * P->QB * CHUNK;
    P->w_kd = P->w_kh * P->nkh;
    P->w_ob = P->w_kd * c->kd;
    P->wei = cnb_alloc64((size_t)P->w_ob * P->nob * 4);
    if (!P->buf || !P->wei) {
        fl_release(P);
        return NULL;
    }
    memset(P->buf, 0, buf_bytes);
    const int G = P->G, es = P->es;
    for (int ob = 0; ob < P->nob; ob++)
        for (int kd = 0; kd < c->kd; kd++)
            for (int khi = 0; khi < P->nkh; khi++)
                for (int ch = 0; ch < P->n_chunk; ch++)
                    for (int q = 0; q < P->QB; q++)
                        for (int o = 0; o < CHUNK; o++) {
                            unsigned char *w = (unsigned char *)(P->wei + ob * P->w_ob + kd * P->w_kd +
                                                                 khi * P->w_kh +
                                                                 ((ptrdiff_t)ch * P->QB + q) * CHUNK + o);
                            for (int e = 0; e < G; e++) {
                                const int k = ch * CHUNK + q * G + e, kw = k / P->icp, r = k % P->icp;
                                const int kh = P->fold ? r / c->ic : khi, ic = P->fold ? r % c->ic : r;
                                const int oc = ob * CHUNK + o;
                                if (kw < c->kw && kh < c->kh && ic < c->ic && oc < c->oc)
                                    memcpy(w + e * es,
                                           (const unsigned char *)wei +
                                               ((((int64_t)oc * c->ic + ic) * c->kd + kd) * c->kh + kh) *
                                                   c->kw * es + (int64_t)kw * es,
                                           es);
                                else
                                    memset(w + e * es, 0, es);
                            }
                        }
    snprintf(P->name, sizeof P->name, "conv/%s_fewic[%s K%d nb%d ur%d]", isa->name,
             P->fold ? "kh folded" : "tap rows", P->n_chunk * CHUNK, P->nb, isa->ur_max[P->nb]);
    return P;
}

/* The ic channels of one source pixel (es-byte elements) to d: constant sizes for the usual
 * channel counts, so that the copy is a move or two, not a call. */
static inline void copy_px(unsigned char *d, const unsigned char *s, int bytes)
{
    switch (bytes) {
    case 3: memcpy(d, s, 2), d[2] = s[2]; return;
    case 6: memcpy(d, s, 4), memcpy(d + 4, s + 4, 2); return;
    case 4: memcpy(d, s, 4); return;
    case 8: memcpy(d, s, 8); return;
    default: memcpy(d, s, bytes);
    }
}

/* Buffer row r of plane pd_ (padded depth) of image n, from the nCx{4,8}c source: each pixel's
 * channels, and folded, those of the kh source rows one after the other (channel kh · ic + c).
 * Rows, pixels and channels outside the input are left as prepare zeroed them. */
static void copy_row(const fl_plan *P, const unsigned char *src, int n, int pd_, int r)
{
    const cnb_conv *c = &P->c;
    const int id = pd_ - c->pd, es = P->es, icp = P->icp, u = P->ublk, bytes = c->ic * es;
    if (id < 0 || id >= c->id) return;
    unsigned char *d = P->buf + ((int64_t)n * P->image + (int64_t)pd_ * P->plane +
                                 (int64_t)r * P->pitch + (int64_t)c->pw * icp) * es;
    const unsigned char *srow[KH_FOLD_MAX];
    int slot[KH_FOLD_MAX], n_src = 0;
    for (int kh = 0; kh < (P->fold ? c->kh : 1); kh++) {
        const int ih = P->fold ? r * c->sh - c->ph + kh * (c->dh + 1) : r - c->ph;
        if (ih < 0 || ih >= c->ih) continue;
        srow[n_src] = src + (((int64_t)n * c->id + id) * c->ih + ih) * c->iw * u * es;
        slot[n_src++] = kh * c->ic * es;
    }
    if (cnb_conv_fewic_lowp_mutant && n_src > 0) n_src--;
    /* One loop per source row (pixels in order), the size of a pixel's copy a constant in the
     * usual cases. */
    const ptrdiff_t dstep = (ptrdiff_t)icp * es, sstep = (ptrdiff_t)u * es;
    for (int k = 0; k < n_src; k++) {
        unsigned char *dk = d + slot[k];
        const unsigned char *sk = srow[k];
        switch (bytes) {
        case 3: for (int iw = 0; iw < c->iw; iw++) copy_px(dk + iw * dstep, sk + iw * sstep, 3); break;
        case 6: for (int iw = 0; iw < c->iw; iw++) copy_px(dk + iw * dstep, sk + iw * sstep, 6); break;
        default: for (int iw = 0; iw < c->iw; iw++) copy_px(dk + iw * dstep, sk + iw * sstep, bytes);
        }
    }
}

static void fl_run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst)
{
    (void)p;
    (void)wei_;
    fl_plan *P = state;
    const cnb_conv *c = &P->c;
    const unsigned char *src = src_;
    const int64_t rows = (int64_t)c->mb * P->ipd * P->iph;
    const int64_t items = (int64_t)c->mb * c->od * c->oh * P->n_ot;
    const int G = P->G;
    const int64_t osp = (int64_t)c->od * c->oh * c->ow;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const int64_t t = r / P->iph;
            copy_row(P, src, (int)(t / P->ipd), (int)(t % P->ipd), (int)(r % P->iph));
        }
        cnb_conv_lowp_args a = {0};
        a.dst = dst;
        a.n_icb = P->n_chunk;
        a.nq = P->QB;
        a.nkd = c->kd;
        a.nkh = P->nkh;
        a.nkw = 1;
        a.src_icb = CHUNK / G;
        a.src_kd = (ptrdiff_t)((c->dd + 1) * P->plane / G);
        a.src_kh = (ptrdiff_t)((c->dh + 1) * P->pitch / G);
        a.src_ow = (ptrdiff_t)c->sw * P->icp / G;
        a.wei_icb = (ptrdiff_t)P->QB * CHUNK;
        a.wei_kd = P->w_kd;
        a.wei_kh = P->w_kh;
        a.wei_ob = P->w_ob;
        a.dst_ob = (ptrdiff_t)osp * CHUNK;
        a.final = 1;
        a.epi = &P->epi;
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++) {
            int64_t t = it;
            const int ot = (int)(t % P->n_ot);
            t /= P->n_ot;
            const int oh = (int)(t % c->oh);
            t /= c->oh;
            const int od = (int)(t % c->od);
            const int n = (int)(t / c->od);
            const int ob = ot * P->nb, nb = P->nob - ob < P->nb ? P->nob - ob : P->nb;
            const int ur_max = P->isa->ur_max[nb], tiles = (c->ow + ur_max - 1) / ur_max;
            const int64_t row = (int64_t)n * P->image + (int64_t)od * c->sd * P->plane +
                                (int64_t)oh * (P->fold ? 1 : c->sh) * P->pitch;
            a.wei = P->wei + ob * P->w_ob;
            for (int i = 0, ow0 = 0; i < tiles; i++) {
                /* Near-equal widths: the first ow % tiles tiles one pixel wider. */
                const int ur = c->ow / tiles + (i < c->ow % tiles);
                a.src = (const int32_t *)(P->buf + (row + (int64_t)ow0 * c->sw * P->icp) * P->es);
                a.dst_index = (((int64_t)n * P->nob + ob) * osp + ((int64_t)od * c->oh + oh) * c->ow + ow0) * CHUNK;
                P->isa->row(&a, nb, ur);
                ow0 += ur;
            }
        }
    }
}

/* Channels adjacent per pixel, so a pixel's channels are one move into the buffer. */
static cnb_layout fl_src_layout(const cnb_problem *p)
{
    return p->conv.ic <= 4 ? CNB_LAYOUT_NCX4C : CNB_LAYOUT_NCX8C;
}

static const char *fl_kernel_name(void *state)
{
    return ((fl_plan *)state)->name;
}

static void *prepare_bf16(const cnb_problem *p, const void *wei)
{
    return fl_prepare(&cnb_conv_lowp_table__avx512_bf16, p, wei);
}

static void *prepare_vnni(const cnb_problem *p, const void *wei)
{
    return fl_prepare(&cnb_conv_lowp_table__avx512_vnni, p, wei);
}

const cnb_impl cnb_conv_bf16_fewic__avx512_bf16 = {
    .name = "conv/avx512_bf16_fewic",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX512_BF16,
    .layout = CNB_LAYOUT_NCX16C,
    .src_layout = fl_src_layout,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16),
    .supports = fl_supports,
    .prepare = prepare_bf16,
    .run = fl_run,
    .release = fl_release,
    .kernel_name = fl_kernel_name,
};

const cnb_impl cnb_conv_u8s8_fewic__avx512_vnni = {
    .name = "conv/avx512_vnni_fewic",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX512_VNNI,
    .layout = CNB_LAYOUT_NCX16C,
    .src_layout = fl_src_layout,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = fl_supports,
    .prepare = prepare_vnni,
    .run = fl_run,
    .release = fl_release,
    .kernel_name = fl_kernel_name,
};
#endif
