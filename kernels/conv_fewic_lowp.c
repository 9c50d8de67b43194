/* bf16 and int8 first layers on the dot-product ISAs without tiles: conv/avx512_bf16_fewic and
 * conv/avx512_vnni_fewic. src in nC[D]HWx4c (up to 4 channels) or x8c, dst in nC[D]HWx16c, g = 1, at
 * most CNB_FEWIC_IC_MAX input channels, no dilation along W.
 *
 * Why a path of its own: the direct path (kernels/conv_lowp.c) reduces over input channels a
 * group at a time (bf16 pairs, u8 quads) inside 16-channel blocks, so 3 channels are padded to
 * 16 and 13/16 of its dot products multiply zeros. Here the reduction runs over the taps of a
 * kernel row and the channels together, which lie next to each other once the input is
 * interleaved:
 *
 *   run copies each image into a zero-bordered buffer, row by row, icp elements per pixel:
 *   row[(iw + pw) · icp + slot]. Three layouts (modes), the planner's candidates:
 *     kh folded   one buffer row per output row, the kh source rows' pixels side by side
 *                 (icp = kh · ic): the whole kh · kw · ic window is one run;
 *     tap rows    the bordered source rows, icp = ic: a kernel row is kw · ic elements;
 *     pixel rows  the same with the blocked source's u channels (icp = u, its padding channels
 *                 zero): the copy is one memcpy per row, the products read the zeros.
 *   Output pixel ow's kernel row is kw · icp consecutive elements from element ow · sw · icp:
 *   ng = ceil(kw · icp / g) groups (bf16 pairs, u8 quads), read at any element (the row kernels
 *   of kernels/conv/fewic_lowp_body.h take byte addresses), so no channel is padded to make the
 *   pixel step whole groups. The last group reaches past the kernel row into the next pixel's
 *   elements (finite values or the zero border); their weights are zero. Every window lies inside
 *   the bordered buffer, so nothing is clipped.
 * The model orders the modes by dot products plus copy moves; the planner (kernels/plan.h) times
 * them in prepare.
 * Weights, packed in prepare per oc tile of nbt blocks: [kd][kh rows][ng groups][nbt][16 lanes][G],
 * element k of a kernel row being tap kw = k / icp, channel k % icp (folded: kh · ic + ic), zero
 * past kw, ic and oc.
 * int8 takes u8 sources only (an s8 source needs the direct path's compensation).
 * Threads: contiguous ranges of output rows (fl_run). */
#if defined(__x86_64__)
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv/fewic_lowp.h"
#include "kernels/conv_fewic.h"
#include "kernels/conv_lowp.h"
#include "kernels/conv_rows.h"
#include "kernels/plan.h"

/* Kernel rows folded at most. */
enum { KH_FOLD_MAX = 16 };

/* The buffer's pixel: the kh source pixels of an output row's window (kh · ic channels), one
 * source pixel's ic channels, or its u channels as the blocked source holds them (padding
 * channels included: the copy is one move per row, the dot products read the zeros). */
enum { FL_FOLD, FL_ROWS, FL_PIXELS, FL_MODES };
static const char *const fl_mode_name[FL_MODES] = {"kh folded", "tap rows", "pixel rows"};
static const char *const fl_mode_key[FL_MODES] = {"fold", "rows", "pixels"};

/* Tests only: 1 drops the last source row of every buffer row from the copy (a bug the tests
 * must catch). */
int cnb_conv_fewic_lowp_mutant;

typedef struct fl_plan {
    cnb_conv c;
    const cnb_conv_lowp_isa *isa;      /* the direct path's table: the dot product's figures */
    const cnb_fewic_lowp_isa *fw;      /* the row kernels */
    cnb_lowp_state epi;
    int es, G, icp, ng, nob, nb, n_ot;
    int ublk;                          /* channels per pixel of the source layout (nCx4c, nCx8c) */
    int mode;                          /* FL_FOLD, FL_ROWS or FL_PIXELS */
    int fold;                          /* 1: the kh rows folded into the channels of a pixel */
    int nkh;                           /* kernel rows the kernel loops over: 1 folded, else kh */
    int ipd, iph;                      /* the buffer's depth, rows per plane */
    int64_t pitch, plane, image;       /* elements per row, plane, image of the buffer */
    int32_t *wei;
    ptrdiff_t w_blk;                   /* words per output block */
    unsigned char *buf;                /* mb images, borders zero from prepare on */
    char name[96];
} fl_plan;

static int max_i(int a, int b) { return a > b ? a : b; }
static int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

static const char *fl_supports(const cnb_problem *p)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g != 1) return "groups: this path takes g = 1 only";
    if (c->ic < 1 || c->ic > CNB_FEWIC_IC_MAX) return "more input channels than a first layer's";
    if (c->dw) return "dilation along W (the kernel row must be contiguous)";
    if (p->dt.src == CNB_DT_S8) return "s8 source (the direct path adds its compensation)";
    /* int8: the epilogue's rounding adds up to 2^30 to the sum (fewic_lowp_avx512_vnni.c). */
    if (p->dt.src != CNB_DT_BF16 && (int64_t)c->kd * c->kh * c->kw * c->ic * 255 * 128 >= (1 << 30))
        return "a window whose int8 sum may reach 2^30";
    return cnb_conv_lowp_supports(p);
}

/* Estimated cycles of one tile's dot products per group, as the direct path's model:
 * throughput, latency, or the loads (nb weight vectors, ur broadcasts, two per cycle). */
static double tile_cost(const cnb_conv_lowp_isa *isa, int nb, int ur)
{
    double t = nb * ur * isa->dp_cycles;
    if (isa->dp_latency > t) t = isa->dp_latency;
    if ((nb + ur) / 2.0 > t) t = (nb + ur) / 2.0;
    return t + 0.25;
}

/* The oc tile width: the smallest estimated time for a row over every oc tile; on a tie the
 * wider tile (fewer broadcasts per dot product). */
static int choose_nb(const cnb_conv_lowp_isa *isa, const cnb_fewic_lowp_isa *fw, int nob, int ow)
{
    int best = 1;
    double best_t = 0;
    for (int nb = 1; nb <= fw->nb_max && nb <= max_i(nob, 1); nb++) {
        double t = 0;
        for (int ob = 0; ob < nob; ob += nb) {
            const int n = nob - ob < nb ? nob - ob : nb, ur = fw->ur_max[n];
            t += (double)((ow + ur - 1) / ur) * tile_cost(isa, n, ur);
        }
        if (nb == 1 || t <= best_t) best = nb, best_t = t;
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

/* Groups per kernel row and kernel rows per window of a mode. */
static void fl_mode_shape(const cnb_conv *c, int G, int mode, int *icp, int *nkh, int *ng)
{
    const int u = c->ic <= 4 ? 4 : 8;
    *icp = mode == FL_FOLD ? c->kh * c->ic : mode == FL_ROWS ? c->ic : u;
    *nkh = mode == FL_FOLD ? 1 : c->kh;
    *ng = (c->kw * *icp + G - 1) / G;
}

/* The model's estimate of a mode: its dot products (at the ISA's cycles per product) and its
 * copy (a move per pixel and buffer slot; vector copies, FL_PIXELS and FL_ROWS with the ISA's
 * pack16, a move per 64 bytes). */
static double fl_mode_cost(const cnb_conv_lowp_isa *isa, const cnb_fewic_lowp_isa *fw, const cnb_conv *c,
                           int G, int es, int mode)
{
    int icp, nkh, ng;
    fl_mode_shape(c, G, mode, &icp, &nkh, &ng);
    const double opx = (double)c->od * c->oh * c->ow * ((c->oc + 15) / 16);
    const double dots = opx * c->kd * nkh * ng * isa->dp_cycles;
    const double src_px = (double)c->id * c->ih * c->iw;
    const int vec = mode == FL_PIXELS || (mode == FL_ROWS && es == 2 && fw->pack16);
    const double copy = vec ? src_px * icp * es / 64
                            : mode == FL_FOLD ? (double)c->id * c->oh * c->kh * c->iw : src_px;
    return dots + copy;
}

static fl_plan *fl_build(const cnb_conv_lowp_isa *isa, const cnb_fewic_lowp_isa *fw,
                         const cnb_problem *p, const void *wei, int mode)
{
    fl_plan *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    const cnb_conv *c = &p->conv;
    P->c = *c;
    P->isa = isa;
    P->fw = fw;
    P->G = fw->group;
    P->es = cnb_dt_size(p->dt.src);
    P->ublk = c->ic <= 4 ? 4 : 8;
    P->epi.t = p->dt;
    P->epi.esize = P->es;
    P->epi.group = P->G;
    if (cnb_dt_requantized(&p->dt))
        P->epi.shift = p->dt.dst_scale_log2 - p->dt.src_scale_log2 - p->dt.wei_scale_log2;
    P->nob = (c->oc + 15) / 16;
    /* Channels per pixel (fl_mode_shape). No padding to whole groups: the kernels read a group
     * at any element, so a kernel row of kw · icp elements is ceil(kw · icp / g) groups, the
     * last reaching into the next pixel's elements (zero weights there). */
    const int G = P->G, es = P->es;
    P->mode = mode;
    P->fold = mode == FL_FOLD;
    fl_mode_shape(c, G, mode, &P->icp, &P->nkh, &P->ng);
    P->nb = choose_nb(isa, fw, P->nob, c->ow);
    P->n_ot = (P->nob + P->nb - 1) / P->nb;
    /* A row: the bordered pixels, the last pixel's copy reaching u − ic elements past its
     * channels (zero: the source's padding channels), and the last window's whole groups. */
    const int ipw = max_i(c->pw + c->iw, (c->ow - 1) * c->sw + c->kw);
    P->pitch = max_i64((int64_t)ipw * P->icp + P->ublk,
                       (int64_t)(c->ow - 1) * c->sw * P->icp + (int64_t)P->ng * G);
    P->pitch = (P->pitch + 31) / 32 * 32;
    /* Folded: one buffer row per output row; else the bordered input rows. */
    P->iph = P->fold ? c->oh : max_i(c->ph + c->ih, (c->oh - 1) * c->sh + (c->kh - 1) * (c->dh + 1) + 1);
    P->ipd = max_i(c->pd + c->id, (c->od - 1) * c->sd + (c->kd - 1) * (c->dd + 1) + 1);
    P->plane = P->pitch * P->iph;
    P->image = P->plane * P->ipd;
    /* Slack past the last image: the last row's reads and copies stay inside. */
    const size_t buf_bytes = (size_t)((int64_t)c->mb * P->image + 64) * es;
    P->buf = cnb_alloc64(buf_bytes);
    P->w_blk = (ptrdiff_t)c->kd * P->nkh * P->ng * 16;
    P->wei = cnb_alloc64((size_t)P->w_blk * P->nob * 4);
    if (!P->buf || !P->wei) {
        fl_release(P);
        return NULL;
    }
    memset(P->buf, 0, buf_bytes);
    /* Per oc tile of nbt blocks (its first block ob0): [kd][kh row][group][nbt][16 lanes][G],
     * element k of a kernel row being tap kw = k / icp, channel k % icp (folded: kh · ic + ic),
     * zero past kw, ic and oc. */
    for (int ot = 0; ot < P->n_ot; ot++) {
        const int ob0 = ot * P->nb, nbt = P->nob - ob0 < P->nb ? P->nob - ob0 : P->nb;
        unsigned char *wt = (unsigned char *)(P->wei + ob0 * P->w_blk);
        for (int kd = 0; kd < c->kd; kd++)
            for (int khi = 0; khi < P->nkh; khi++)
                for (int g = 0; g < P->ng; g++)
                    for (int b = 0; b < nbt; b++)
                        for (int o = 0; o < 16; o++) {
                            const ptrdiff_t word = (((ptrdiff_t)(kd * P->nkh + khi) * P->ng + g) * nbt + b) * 16 + o;
                            for (int e = 0; e < G; e++) {
                                unsigned char *w = wt + (word * G + e) * es;
                                const int k = g * G + e, kw = k / P->icp, r = k % P->icp;
                                const int kh = P->fold ? r / c->ic : khi, ic = P->fold ? r % c->ic : r;
                                const int oc = (ob0 + b) * 16 + o;
                                if (kw < c->kw && kh < c->kh && ic < c->ic && oc < c->oc)
                                    memcpy(w,
                                           (const unsigned char *)wei +
                                               ((((int64_t)oc * c->ic + ic) * c->kd + kd) * c->kh + kh) *
                                                   c->kw * es + (int64_t)kw * es,
                                           es);
                                else
                                    memset(w, 0, es);
                            }
                        }
    }
    snprintf(P->name, sizeof P->name, "conv/%s_fewic[%s K%d nb%d ur%d]", isa->name,
             fl_mode_name[mode], P->ng * G, P->nb, fw->ur_max[P->nb]);
    return P;
}

/* Buffer row r of plane pd_ (padded depth) of image n, from the nCx{4,8}c source: each pixel's
 * channels, and folded, those of the kh source rows one after the other (channel kh · ic + c).
 * One source row at a time, in the order of the slots. A pixel moves whole (u channels, one move
 * of a constant size) where its u − ic padding channels, zero in the blocked layout, land on
 * later slots of the same buffer pixel (written after it, or zero); else (the last slots) its ic
 * channels alone, as the next pixel's first slots are written already.
 * Rows, pixels and channels outside the input are left as prepare zeroed them. */
static void copy_row(const fl_plan *P, const unsigned char *src, int n, int pd_, int r)
{
    const cnb_conv *c = &P->c;
    const int id = pd_ - c->pd, es = P->es, icp = P->icp, u = P->ublk;
    if (id < 0 || id >= c->id) return;
    unsigned char *d = P->buf + ((int64_t)n * P->image + (int64_t)pd_ * P->plane +
                                 (int64_t)r * P->pitch + (int64_t)c->pw * icp) * es;
    const unsigned char *srow[KH_FOLD_MAX];
    int slot[KH_FOLD_MAX], n_src = 0;
    for (int kh = 0; kh < (P->fold ? c->kh : 1); kh++) {
        const int ih = P->fold ? r * c->sh - c->ph + kh * (c->dh + 1) : r - c->ph;
        if (ih < 0 || ih >= c->ih) continue;
        srow[n_src] = src + (((int64_t)n * c->id + id) * c->ih + ih) * c->iw * u * es;
        slot[n_src++] = kh;
    }
    if (cnb_conv_fewic_lowp_mutant && n_src > 0) n_src--;
    if (P->mode == FL_PIXELS) {
        if (n_src) memcpy(d, srow[0], (size_t)c->iw * u * es);
        return;
    }
    if (P->mode == FL_ROWS && es == 2 && P->fw->pack16) {
        if (n_src) P->fw->pack16(d, srow[0], c->iw, c->ic, u);
        return;
    }
    const ptrdiff_t dstep = (ptrdiff_t)icp * es, sstep = (ptrdiff_t)u * es;
    const int bytes = c->ic * es, iw_n = c->iw;
    for (int k = 0; k < n_src; k++) {
        unsigned char *dk = d + (ptrdiff_t)slot[k] * bytes;
        const unsigned char *sk = srow[k];
        /* Whole pixels where the padding channels stay inside the pixel (on later slots). */
        const int whole = (slot[k] * c->ic + u) <= icp;
#define FL_COPY(nbytes)                                                                                for (int iw = 0; iw < iw_n; iw++) memcpy(dk + iw * dstep, sk + iw * sstep, nbytes);
        if (whole) {
            switch (sstep) {
            case 4: FL_COPY(4) break;
            case 8: FL_COPY(8) break;
            default: FL_COPY(16) break;
            }
        } else {
            switch (bytes) {
            case 3: FL_COPY(3) break;
            case 6: FL_COPY(6) break;
            default: FL_COPY(bytes) break;
            }
        }
#undef FL_COPY
    }
}

static void fl_run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst);

typedef struct fl_time_ctx {
    fl_plan **P;
    const cnb_problem *p;
    const void *src;
    void *dst;
} fl_time_ctx;

static double fl_time(void *ctx, int k)
{
    const fl_time_ctx *x = ctx;
    const double t0 = omp_get_wtime();
    fl_run(x->P[k], x->p, x->src, NULL, x->dst);
    return omp_get_wtime() - t0;
}

/* The modes as candidates, the model's cheapest first; the planner times them on zero tensors
 * (the time does not depend on the values). Every mode computes the same products of each
 * output (plus exact zeros), so they agree bit for bit on exact-mode data. */
static void *fl_prepare(const cnb_conv_lowp_isa *isa, const cnb_fewic_lowp_isa *fw,
                        const cnb_problem *p, const void *wei)
{
    if (fl_supports(p) || !wei) return NULL;
    const cnb_conv *c = &p->conv;
    const int G = fw->group, es = cnb_dt_size(p->dt.src);
    int order[FL_MODES], n_modes = 0;
    double cost[FL_MODES];
    for (int m = 0; m < FL_MODES; m++) {
        if (m == FL_FOLD && c->kh > KH_FOLD_MAX) continue;
        /* Pixel rows equal tap rows where ic fills the pixel. */
        if (m == FL_PIXELS && c->ic == (c->ic <= 4 ? 4 : 8)) continue;
        cost[m] = fl_mode_cost(isa, fw, c, G, es, m);
        int i = n_modes++;
        for (; i > 0 && cost[order[i - 1]] > cost[m]; i--) order[i] = order[i - 1];
        order[i] = m;
    }
    fl_plan *P[FL_MODES] = {0};
    const char *names[FL_MODES];
    int n = 0;
    for (int i = 0; i < n_modes; i++) {
        fl_plan *q = fl_build(isa, fw, p, wei, order[i]);
        if (!q) {
            if (i == 0) return NULL;
            continue;
        }
        names[n] = fl_mode_key[order[i]];
        P[n++] = q;
    }
    int k = 0;
    if (n > 1) {
        const int u = c->ic <= 4 ? 4 : 8, nob = (c->oc + 15) / 16;
        const int64_t src_b = (int64_t)c->mb * c->id * c->ih * c->iw * u * es;
        const int64_t dst_b = (int64_t)c->mb * nob * c->od * c->oh * c->ow * 16 * cnb_dt_size(p->dt.dst);
        void *src = cnb_alloc64(src_b), *dst = cnb_alloc64(dst_b);
        if (src && dst) {
            memset(src, 0, src_b);
            char impl[64];
            snprintf(impl, sizeof impl, "conv/%s_fewic", isa->name);
            fl_time_ctx x = {P, p, src, dst};
            k = cnb_plan_choose(impl, p, omp_get_max_threads(), n, names, fl_time, &x, NULL);
        }
        free(src);
        free(dst);
    }
    for (int j = 0; j < n; j++)
        if (j != k) fl_release(P[j]);
    return P[k];
}

/* Threads: each takes a contiguous range of output rows (image, od, oh), every oc tile of them,
 * and first copies the buffer rows its range reads first: buffer row (n, pd, r) belongs to the
 * thread of output row (n, pd / sd, r / row step), clamped to the last. So the buffer rows a
 * thread reads are mostly its own copies (in its core's caches), and only the kh − sh rows at a
 * range's start come from its neighbour (after the barrier). */
static void fl_run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst)
{
    (void)p;
    (void)wei_;
    fl_plan *P = state;
    const cnb_conv *c = &P->c;
    const unsigned char *src = src_;
    const int64_t rows = (int64_t)c->mb * P->ipd * P->iph;
    const int64_t orows = (int64_t)c->mb * c->od * c->oh;
    const int es = P->es, rstep = P->fold ? 1 : c->sh;
    const int64_t osp = (int64_t)c->od * c->oh * c->ow;
#pragma omp parallel
    {
        const int T = omp_get_num_threads(), th = omp_get_thread_num();
        const int64_t o0 = orows * th / T, o1 = orows * (th + 1) / T;
        for (int64_t r = 0; r < rows; r++) {
            const int64_t t = r / P->iph;
            const int n = (int)(t / P->ipd), pd_ = (int)(t % P->ipd), rr = (int)(r % P->iph);
            const int od = pd_ / c->sd < c->od ? pd_ / c->sd : c->od - 1;
            const int oh = rr / rstep < c->oh ? rr / rstep : c->oh - 1;
            const int64_t owner = ((int64_t)n * c->od + od) * c->oh + oh;
            if (owner >= o0 && owner < o1) copy_row(P, src, n, pd_, rr);
        }
#pragma omp barrier
        cnb_fewic_lowp_args a = {0};
        a.dst = dst;
        a.nkd = c->kd;
        a.nkh = P->nkh;
        a.ng = P->ng;
        a.src_px = (ptrdiff_t)c->sw * P->icp * es;
        a.src_kd = (ptrdiff_t)((c->dd + 1) * P->plane * es);
        a.src_kh = (ptrdiff_t)((c->dh + 1) * P->pitch * es);
        a.dst_ob = (ptrdiff_t)osp * 16;
        a.epi = &P->epi;
        for (int64_t orow = o0; orow < o1; orow++) {
            const int oh = (int)(orow % c->oh), od = (int)(orow / c->oh % c->od), n = (int)(orow / c->oh / c->od);
            const int64_t row = (int64_t)n * P->image + (int64_t)od * c->sd * P->plane + (int64_t)oh * rstep * P->pitch;
            for (int ot = 0; ot < P->n_ot; ot++) {
                const int ob = ot * P->nb, nb = P->nob - ob < P->nb ? P->nob - ob : P->nb;
                const int ur_max = P->fw->ur_max[nb], tiles = (c->ow + ur_max - 1) / ur_max;
                a.wei = P->wei + ob * P->w_blk;
                a.wei_kh = (ptrdiff_t)P->ng * nb * 16;
                a.wei_kd = a.wei_kh * P->nkh;
                for (int i = 0, ow0 = 0; i < tiles; i++) {
                    /* Near-equal widths: the first ow % tiles tiles one pixel wider. */
                    const int ur = c->ow / tiles + (i < c->ow % tiles);
                    a.src = P->buf + (row + (int64_t)ow0 * c->sw * P->icp) * es;
                    a.dst_index = (((int64_t)n * P->nob + ob) * osp + ((int64_t)od * c->oh + oh) * c->ow + ow0) * 16;
                    P->fw->row(&a, nb, ur);
                    ow0 += ur;
                }
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
    return fl_prepare(&cnb_conv_lowp_table__avx512_bf16, &cnb_fewic_lowp_table__avx512_bf16, p, wei);
}

static void *prepare_vnni(const cnb_problem *p, const void *wei)
{
    return fl_prepare(&cnb_conv_lowp_table__avx512_vnni, &cnb_fewic_lowp_table__avx512_vnni, p, wei);
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
