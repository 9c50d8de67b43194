/* Direct convolution driver, ISA-independent (compiled for the baseline): builds a plan in
 * prepare (packed weights, output-channel tiles, row tiles with their clipped kernel-width range,
 * clipped depth and height ranges) and runs it with OpenMP over (mb, oc tile, od, oh).
 *
 * Groups, one path for all: each output-channel block (B lanes) gets the input-channel range of
 * the groups its lanes belong to, widened to whole blocks; its packed weight is zero wherever an
 * input lane and an output lane are in different groups (or beyond IC / OC). For g = 1 and for
 * groups whose channel counts are multiples of B this is the plain dense range with no zero
 * weights; otherwise (e.g. g = 2 with 3 channels per group) a block spans a few groups and pays
 * for their zero products: work × (groups a block spans) ≤ about B. Consecutive blocks with the
 * same range are tiled nb at a time (if the runs of such blocks leave different remainders, nb = 1
 * throughout). Depthwise (g = ic = oc) has its own channel-vectorised kernel.
 *
 * Border taps: for each output row the depth and height ranges are clipped once; along W, pixels
 * with the same clipped kw range form runs, and each run is cut into tiles of at most ur_max
 * pixels (near-equal widths), so a kernel call never sees a padding tap. A border pixel is a
 * tile of its own (ur = 1, with the kernel's lane split against the FMA latency).
 *
 * Work items (OpenMP, static schedule): (mb, oc tile, od, block of ohb rows). When the packed
 * weights of an oc tile exceed L1, its input channels are split into chunks of icc blocks and
 * each chunk sweeps the item's rows, adding to dst (plan_chunks); otherwise an item is one row.
 * Every output is summed by one thread in one fixed order, so results do not depend on the
 * thread count. */
#include "kernels/conv/driver.h"

#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct oc_tile {
    int ob, nb;             /* first output-channel block, blocks in this call */
} oc_tile;

typedef struct row_tile {
    int ow0, ur, kw_lo, nkw; /* pixels [ow0, ow0 + ur), taps [kw_lo, kw_lo + nkw) */
} row_tile;

typedef struct direct_plan {
    cnb_conv c;
    const cnb_conv_direct_isa *isa;
    int depthwise;
    int n_cb_in, n_cb_out;   /* channel blocks of src and dst */
    float *wei;              /* packed weights, 64-byte aligned */
    /* Per output-channel block (row path): packed weight offset and input-channel range. */
    int64_t *wei_off;
    int *icb_s, *n_icb, *lane_lo, *lane_hi;
    oc_tile *ot;
    int n_ot;
    row_tile *rt;            /* row tiles for the chosen nb (depthwise: dw_ur_max) ... */
    int n_rt;
    row_tile *rt_tail;       /* ... and for the smaller nb of a last tile in a run of blocks */
    int n_rt_tail, nb_tail;
    int *kd_lo, *nkd, *kh_lo, *nkh; /* per od, per oh */
    int icc;                 /* input-channel blocks per chunk (row path) */
    int ohb;                 /* output rows per work item (row path) */
} direct_plan;

/* Cache budgets of the row path. The packed weights of one input-channel chunk of an oc tile
 * should stay in L1 (half of a 32 KiB L1d: Zen 4; recent Xeons have 48 KiB) while the chunk
 * sweeps ohb rows; the dst block of those rows (re-read once per chunk) should stay well inside
 * L2 (1-2 MiB per core). Without a split (icc = all blocks) a work item is one row. */
enum { L1_WEI_BYTES = 16 << 10, L2_DST_BYTES = 256 << 10, ITEMS_PER_THREAD = 4 };

/* Taps [lo, lo + n) of a kernel of k taps whose input position start + t·(d+1) lies in [0, i). */
static void clip_taps(int o, int s, int p, int d, int k, int i, int *lo, int *n)
{
    const int start = o * s - p, step = d + 1;
    int l = start >= 0 ? 0 : (-start + step - 1) / step;
    int h = i - 1 - start < 0 ? 0 : (i - 1 - start) / step + 1;
    if (h > k) h = k;
    if (l > h) l = h;
    *lo = l;
    *n = h - l;
}

static int isa_table_ok(const cnb_conv_direct_isa *t)
{
    if (t->block < 1 || t->nb_max < 1 || t->nb_max > CNB_CONV_NB_MAX) return 0;
    if (t->dw_ur_max < 1 || t->dw_ur_max > t->acc_regs || !t->row || !t->dw) return 0;
    for (int nb = 1; nb <= t->nb_max; nb++) {
        if (t->ur_max[nb] < 1) return 0;
        for (int ur = 1; ur <= t->ur_max[nb]; ur++)
            if (ur * nb * cnb_conv_lane_split(nb, ur, t->acc_regs) > t->acc_regs) return 0;
    }
    return 1;
}

/* Row tiles for at most ur_max pixels per call; returns the count (≤ ow). */
static int build_row_tiles(const cnb_conv *c, int ur_max, row_tile *rt)
{
    int n = 0;
    for (int ow = 0; ow < c->ow;) {
        int lo, nk, lo2, nk2, end = ow + 1;
        clip_taps(ow, c->sw, c->pw, c->dw, c->kw, c->iw, &lo, &nk);
        for (; end < c->ow; end++) {
            clip_taps(end, c->sw, c->pw, c->dw, c->kw, c->iw, &lo2, &nk2);
            if (lo2 != lo || nk2 != nk) break;
        }
        const int len = end - ow, nt = (len + ur_max - 1) / ur_max;
        for (int t = 0, x = ow; t < nt; t++) {
            const int ur = len / nt + (t < len % nt);
            rt[n++] = (row_tile){x, ur, lo, nk};
            x += ur;
        }
        ow = end;
    }
    return n;
}

/* Estimated cycles of one call per (input channel, tap): FMA throughput (2 per cycle), FMA
 * latency hidden by ur·nb·ks chains, loads (2 per cycle), plus a little loop overhead. */
static double tile_cost(int nb, int ur, int acc_regs)
{
    const int ks = cnb_conv_lane_split(nb, ur, acc_regs);
    double c = nb * ur / 2.0;
    if (4.0 / ks > c) c = 4.0 / ks;
    if ((ur + nb) / 2.0 > c) c = (ur + nb) / 2.0;
    return c + 0.5;
}

static double row_cost(const row_tile *rt, int n, int nb, int acc_regs)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += tile_cost(nb, rt[i].ur, acc_regs);
    return s;
}

void cnb_conv_direct_release(void *state)
{
    direct_plan *P = state;
    if (!P) return;
    free(P->wei);
    free(P->wei_off);
    free(P->icb_s);
    free(P->n_icb);
    free(P->lane_lo);
    free(P->lane_hi);
    free(P->ot);
    free(P->rt);
    free(P->rt_tail);
    free(P->kd_lo);
    free(P->nkd);
    free(P->kh_lo);
    free(P->nkh);
    free(P);
}

const char *cnb_conv_direct_supports(const cnb_problem *p)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g < 1 || c->ic % c->g || c->oc % c->g) return "channels not divisible by groups";
    if (c->sd < 1 || c->sh < 1 || c->sw < 1 || c->dd < 0 || c->dh < 0 || c->dw < 0)
        return "stride < 1 or dilation < 0";
    return NULL;
}

static float *alloc_floats(int64_t n)
{
    const size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes);
}

/* Depthwise: [cb][kd][kh][kw][B], zero beyond C. */
static int pack_depthwise(direct_plan *P, const float *wei)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, taps = c->kd * c->kh * c->kw;
    P->wei = alloc_floats((int64_t)P->n_cb_out * taps * B);
    if (!P->wei) return 0;
    for (int cb = 0; cb < P->n_cb_out; cb++)
        for (int t = 0; t < taps; t++)
            for (int l = 0; l < B; l++) {
                const int ch = cb * B + l;
                P->wei[((int64_t)cb * taps + t) * B + l] = ch < c->oc ? wei[(int64_t)ch * taps + t] : 0.f;
            }
    return 1;
}

/* Row path: per output block ob, [icb][kd][kh][kw][lane][B oc], zero across groups. */
static int pack_rows(direct_plan *P, const float *wei)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, taps = c->kd * c->kh * c->kw;
    const int icg = c->ic / c->g, ocg = c->oc / c->g, nob = P->n_cb_out;
    P->wei_off = malloc(sizeof(int64_t) * (nob + 1));
    P->icb_s = malloc(sizeof(int) * nob);
    P->n_icb = malloc(sizeof(int) * nob);
    P->lane_lo = malloc(sizeof(int) * nob);
    P->lane_hi = malloc(sizeof(int) * nob);
    if (!P->wei_off || !P->icb_s || !P->n_icb || !P->lane_lo || !P->lane_hi) return 0;
    int64_t off = 0;
    for (int ob = 0; ob < nob; ob++) {
        const int oc0 = ob * B, oc1 = (oc0 + B < c->oc ? oc0 + B : c->oc) - 1;
        const int ic_s = oc0 / ocg * icg, ic_e = (oc1 / ocg + 1) * icg;
        P->icb_s[ob] = ic_s / B;
        P->n_icb[ob] = (ic_e + B - 1) / B - ic_s / B;
        P->lane_lo[ob] = ic_s % B;
        P->lane_hi[ob] = ic_e - ((ic_e + B - 1) / B - 1) * B;
        P->wei_off[ob] = off;
        off += (int64_t)P->n_icb[ob] * taps * B * B;
    }
    P->wei_off[nob] = off;
    P->wei = alloc_floats(off);
    if (!P->wei) return 0;
    for (int ob = 0; ob < nob; ob++) {
        float *w = P->wei + P->wei_off[ob];
        for (int icb = 0; icb < P->n_icb[ob]; icb++)
            for (int t = 0; t < taps; t++)
                for (int l = 0; l < B; l++) {
                    const int ic = (P->icb_s[ob] + icb) * B + l;
                    for (int o = 0; o < B; o++) {
                        const int oc = ob * B + o;
                        float v = 0.f;
                        if (oc < c->oc && ic < c->ic && ic / icg == oc / ocg)
                            v = wei[((int64_t)oc * icg + ic % icg) * taps + t];
                        *w++ = v;
                    }
                }
    }
    return 1;
}

static int same_range(const direct_plan *P, int a, int b)
{
    return P->icb_s[a] == P->icb_s[b] && P->n_icb[a] == P->n_icb[b] &&
           P->lane_lo[a] == P->lane_lo[b] && P->lane_hi[a] == P->lane_hi[b];
}

/* Chooses nb by the cost model and cuts each run of same-range blocks into tiles of nb. */
static int plan_oc_tiles(direct_plan *P)
{
    const cnb_conv_direct_isa *t = P->isa;
    const int nob = P->n_cb_out;
    row_tile *rt = malloc(sizeof(row_tile) * P->c.ow);
    P->ot = malloc(sizeof(oc_tile) * nob);
    if (!rt || !P->ot) {
        free(rt);
        return 0;
    }
    double rc[CNB_CONV_NB_MAX + 1] = {0};
    for (int nb = 1; nb <= t->nb_max; nb++)
        rc[nb] = row_cost(rt, build_row_tiles(&P->c, t->ur_max[nb], rt), nb, t->acc_regs);
    free(rt);

    int best = 1;
    double best_cost = 0;
    for (int nb = 1; nb <= t->nb_max; nb++) {
        double cost = 0;
        for (int ob = 0; ob < nob;) {
            int end = ob + 1;
            while (end < nob && same_range(P, ob, end)) end++;
            cost += (end - ob) / nb * rc[nb] + ((end - ob) % nb ? rc[(end - ob) % nb] : 0);
            ob = end;
        }
        if (nb == 1 || cost < best_cost) best = nb, best_cost = cost;
    }
    P->n_ot = 0;
    P->nb_tail = 0;
    for (int ob = 0; ob < nob;) {
        int end = ob + 1;
        while (end < nob && same_range(P, ob, end)) end++;
        while (ob < end) {
            const int nb = end - ob < best ? end - ob : best;
            if (nb != best) P->nb_tail = nb;
            P->ot[P->n_ot++] = (oc_tile){ob, nb};
            ob += nb;
        }
    }
    /* Row tiles exist for best and one tail nb. Runs whose lengths leave different tails (only
     * in the general group path) make the caller fall back to nb = 1 throughout. */
    for (int i = 0; i < P->n_ot; i++)
        if (P->ot[i].nb != best && P->ot[i].nb != P->nb_tail) return -1;
    P->rt = malloc(sizeof(row_tile) * P->c.ow);
    P->rt_tail = malloc(sizeof(row_tile) * P->c.ow);
    if (!P->rt || !P->rt_tail) return 0;
    P->n_rt = build_row_tiles(&P->c, t->ur_max[best], P->rt);
    P->n_rt_tail = P->nb_tail ? build_row_tiles(&P->c, t->ur_max[P->nb_tail], P->rt_tail) : 0;
    return 1;
}

/* Input-channel chunks and rows per work item (see L1_WEI_BYTES). The sums of an output are
 * taken chunk after chunk in the same order whatever ohb is, so ohb may follow the thread count
 * at prepare time without the results depending on it. */
static void plan_chunks(direct_plan *P)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    int nb = 1, n_icb = 1;
    for (int i = 0; i < P->n_ot; i++) nb = P->ot[i].nb > nb ? P->ot[i].nb : nb;
    for (int ob = 0; ob < P->n_cb_out; ob++) n_icb = P->n_icb[ob] > n_icb ? P->n_icb[ob] : n_icb;
    const int64_t icb_bytes = nb * taps * B * B * (int64_t)sizeof(float);
    int64_t icc = L1_WEI_BYTES / icb_bytes;
    int64_t ohb = L2_DST_BYTES / ((int64_t)c->ow * nb * B * sizeof(float));
    /* Enough items for the threads (ITEMS_PER_THREAD each) even at batch 1. */
    const int64_t others = (int64_t)c->mb * P->n_ot * c->od;
    const int64_t want = (int64_t)ITEMS_PER_THREAD * omp_get_max_threads();
    if (others < want) {
        const int64_t n_ohb = (want + others - 1) / others;
        const int64_t rows = (c->oh + n_ohb - 1) / n_ohb;
        if (ohb > rows) ohb = rows;
    }
    if (icc < 1) icc = 1;
    if (ohb > c->oh) ohb = c->oh;
    if (icc >= n_icb || ohb < 2) {
        P->icc = n_icb;
        P->ohb = 1;
    } else {
        P->icc = (int)icc;
        P->ohb = (int)ohb;
    }
}

void *cnb_conv_direct_prepare(const cnb_conv_direct_isa *isa, const cnb_problem *p,
                              const float *wei)
{
    if (cnb_conv_direct_supports(p)) return NULL;
    if (!isa_table_ok(isa)) {
        fprintf(stderr, "conv/%s_direct: inconsistent blocking table\n", isa->name);
        return NULL;
    }
    direct_plan *P = calloc(1, sizeof(*P));
    if (!P) return NULL;
    P->c = p->conv;
    P->isa = isa;
    const cnb_conv *c = &P->c;
    const int B = isa->block;
    P->depthwise = c->g == c->ic && c->g == c->oc;
    P->n_cb_in = (c->ic + B - 1) / B;
    P->n_cb_out = (c->oc + B - 1) / B;
    P->kd_lo = malloc(sizeof(int) * c->od);
    P->nkd = malloc(sizeof(int) * c->od);
    P->kh_lo = malloc(sizeof(int) * c->oh);
    P->nkh = malloc(sizeof(int) * c->oh);
    if (!P->kd_lo || !P->nkd || !P->kh_lo || !P->nkh) goto fail;
    for (int od = 0; od < c->od; od++)
        clip_taps(od, c->sd, c->pd, c->dd, c->kd, c->id, &P->kd_lo[od], &P->nkd[od]);
    for (int oh = 0; oh < c->oh; oh++)
        clip_taps(oh, c->sh, c->ph, c->dh, c->kh, c->ih, &P->kh_lo[oh], &P->nkh[oh]);

    if (P->depthwise) {
        if (!pack_depthwise(P, wei)) goto fail;
        P->rt = malloc(sizeof(row_tile) * c->ow);
        if (!P->rt) goto fail;
        P->n_rt = build_row_tiles(c, isa->dw_ur_max, P->rt);
        return P;
    }
    if (!pack_rows(P, wei)) goto fail;
    int r = plan_oc_tiles(P);
    if (r < 0) {
        /* Runs of different lengths (general group path): one block per call. */
        free(P->rt);
        free(P->rt_tail);
        P->rt = P->rt_tail = NULL;
        P->n_ot = 0;
        for (int ob = 0; ob < P->n_cb_out; ob++) P->ot[P->n_ot++] = (oc_tile){ob, 1};
        P->nb_tail = 0;
        P->rt = malloc(sizeof(row_tile) * c->ow);
        if (!P->rt) goto fail;
        P->n_rt = build_row_tiles(c, isa->ur_max[1], P->rt);
        r = 1;
    }
    if (!r) goto fail;
    plan_chunks(P);
    return P;
fail:
    cnb_conv_direct_release(P);
    return NULL;
}

static void run_depthwise(const direct_plan *P, const float *src, float *dst)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, ncb = P->n_cb_out;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * B;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * B;
    const int64_t items = (int64_t)c->mb * ncb * c->od * c->oh;
    const cnb_conv_dw_fn kern = P->isa->dw;

#pragma omp parallel for schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const int oh = (int)(it % c->oh), od = (int)(it / c->oh % c->od);
        const int64_t ncb_idx = it / c->oh / c->od; /* n·ncb + cb */
        const int cb = (int)(ncb_idx % ncb);
        const int kd_lo = P->kd_lo[od], kh_lo = P->kh_lo[oh];
        const float *s_cb = src + ncb_idx * src_cb;
        const int id0 = od * c->sd - c->pd + kd_lo * (c->dd + 1);
        const int ih0 = oh * c->sh - c->ph + kh_lo * (c->dh + 1);
        cnb_conv_dw_args a;
        a.src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw * B;
        a.src_kh = (int64_t)(c->dh + 1) * c->iw * B;
        a.src_kw = (int64_t)(c->dw + 1) * B;
        a.src_ow = (int64_t)c->sw * B;
        a.wei_kd = (int64_t)c->kh * c->kw * B;
        a.wei_kh = (int64_t)c->kw * B;
        float *d_row = dst + ncb_idx * dst_cb + ((int64_t)od * c->oh + oh) * c->ow * B;
        for (int i = 0; i < P->n_rt; i++) {
            const row_tile *r = &P->rt[i];
            a.nkd = P->nkd[od];
            a.nkh = P->nkh[oh];
            a.nkw = r->nkw;
            a.dst = d_row + (int64_t)r->ow0 * B;
            a.wei = P->wei + (cb * taps + ((int64_t)kd_lo * c->kh + kh_lo) * c->kw + r->kw_lo) * B;
            if (a.nkd && a.nkh && a.nkw) {
                const int iw0 = r->ow0 * c->sw - c->pw + r->kw_lo * (c->dw + 1);
                a.src = s_cb + (((int64_t)id0 * c->ih + ih0) * c->iw + iw0) * B;
            } else {
                a.nkd = a.nkh = a.nkw = 0;
                a.src = s_cb;
            }
            kern(&a, r->ur);
        }
    }
}

static void run_rows(const direct_plan *P, const float *src, float *dst)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * B;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * B;
    const int n_ohb = (c->oh + P->ohb - 1) / P->ohb;
    const int64_t items = (int64_t)c->mb * P->n_ot * c->od * n_ohb;
    const cnb_conv_row_fn kern = P->isa->row;

#pragma omp parallel for schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const int ohb = (int)(it % n_ohb), od = (int)(it / n_ohb % c->od);
        const int64_t t = it / n_ohb / c->od;
        const int n = (int)(t / P->n_ot);
        const oc_tile ot = P->ot[t % P->n_ot];
        const int ob = ot.ob, n_icb = P->n_icb[ob];
        const int oh0 = ohb * P->ohb, oh1 = oh0 + P->ohb < c->oh ? oh0 + P->ohb : c->oh;
        const int kd_lo = P->kd_lo[od];
        const int id0 = od * c->sd - c->pd + kd_lo * (c->dd + 1);
        const row_tile *rt = ot.nb == P->nb_tail ? P->rt_tail : P->rt;
        const int n_rt = ot.nb == P->nb_tail ? P->n_rt_tail : P->n_rt;
        cnb_conv_row_args a;
        a.src_icb = src_cb;
        a.src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw * B;
        a.src_kh = (int64_t)(c->dh + 1) * c->iw * B;
        a.src_kw = (int64_t)(c->dw + 1) * B;
        a.src_ow = (int64_t)c->sw * B;
        a.wei_icb = taps * B * B;
        a.wei_kd = (int64_t)c->kh * c->kw * B * B;
        a.wei_kh = (int64_t)c->kw * B * B;
        a.wei_kw = (int64_t)B * B;
        a.wei_ob = (int64_t)n_icb * taps * B * B;
        a.dst_ob = dst_cb;
        const float *s_img = src + ((int64_t)n * P->n_cb_in + P->icb_s[ob]) * src_cb;
        float *d_blk = dst + ((int64_t)n * P->n_cb_out + ob) * dst_cb;
        /* Input channels in chunks of icc blocks (weights in L1), each over the rows of the item. */
        for (int c0 = 0; c0 < n_icb; c0 += P->icc) {
            const int nc = n_icb - c0 < P->icc ? n_icb - c0 : P->icc;
            const float *s_chunk = s_img + c0 * src_cb;
            const float *w_chunk = P->wei + P->wei_off[ob] + c0 * a.wei_icb;
            a.n_icb = nc;
            a.lane_lo = c0 == 0 ? P->lane_lo[ob] : 0;
            a.lane_hi = c0 + nc == n_icb ? P->lane_hi[ob] : B;
            a.accumulate = c0 > 0;
            for (int oh = oh0; oh < oh1; oh++) {
                const int kh_lo = P->kh_lo[oh];
                const int ih0 = oh * c->sh - c->ph + kh_lo * (c->dh + 1);
                float *d_row = d_blk + ((int64_t)od * c->oh + oh) * c->ow * B;
                for (int i = 0; i < n_rt; i++) {
                    const row_tile *r = &rt[i];
                    a.nkd = P->nkd[od];
                    a.nkh = P->nkh[oh];
                    a.nkw = r->nkw;
                    a.dst = d_row + (int64_t)r->ow0 * B;
                    if (a.nkd && a.nkh && a.nkw) {
                        const int iw0 = r->ow0 * c->sw - c->pw + r->kw_lo * (c->dw + 1);
                        a.src = s_chunk + (((int64_t)id0 * c->ih + ih0) * c->iw + iw0) * B;
                        a.wei = w_chunk + (kd_lo * a.wei_kd + kh_lo * a.wei_kh + r->kw_lo * a.wei_kw);
                    } else {
                        a.nkd = a.nkh = a.nkw = 0;
                        a.src = s_chunk;
                        a.wei = w_chunk;
                    }
                    kern(&a, ot.nb, r->ur);
                }
            }
        }
    }
}

void cnb_conv_direct_run(void *state, const float *src, float *dst)
{
    const direct_plan *P = state;
    if (P->depthwise)
        run_depthwise(P, src, dst);
    else
        run_rows(P, src, dst);
}
