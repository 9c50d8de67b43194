/* Direct convolution driver, ISA-independent (compiled for the baseline): builds a plan in
 * prepare (packed weights, output-channel tiles, row calls with their clipped kernel-width range,
 * clipped depth and height ranges) and runs it with OpenMP over (mb, oc tile, od, oh). 1×1
 * convolutions take a path of their own through the same row kernel (choose_path, run_1x1): a
 * GEMM over the flattened pixels, cache-blocked, strided inputs read in place at the strides or
 * compacted (src_mode). Where the model leaves the path or a blocking in doubt, prepare builds a
 * few candidate plans and the planner (kernels/plan.h) times them and remembers the fastest
 * (candidates, cnb_conv_direct_prepare). The kernel column names the path and its blocking
 * (cnb_conv_direct_kernel_name). On narrow maps with W padding the row path may read a copy of
 * src padded along W, so that no row is cut into border calls ("direct padw", setup_padw).
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
 * Border taps: for each output row the depth and height ranges are clipped once; along W, the
 * row is cut into tiles of at most ur_max pixels (near-equal widths) whatever the borders. A
 * tile's first call takes the kw taps all its pixels can use; the taps its border pixels cannot
 * use are left to more calls, which add to the first's sums: by pixels (one or two calls per run
 * of pixels with the same clipped range) or by taps (one call per tap range over the pixels that
 * can use it, no 1-pixel calls; model_border and the planner choose, build_row_calls). So a
 * kernel call never sees a padding tap, and a border pixel is computed in a full-width tile
 * (depthwise: the ISA's 3-tap row kernel takes whole rows, skipping the
 * padding itself, dw3_fits; otherwise pixels with the same kw range form runs cut into tiles,
 * kernels/conv_rows.h).
 *
 * Threads (run_rows): the output rows of every (image, oc tile), weighted by the tile's blocks,
 * are split into equal contiguous shares, one per thread; a thread's rows of one (image, tile,
 * od) go in blocks of ohb rows. When the packed weights of an oc tile exceed the chunk budget,
 * its input channels are split into chunks of icc blocks and each chunk sweeps the block's rows,
 * adding to dst (plan_chunks). Every output is summed by one thread in one fixed order (chunk
 * after chunk, within a chunk the calls of its tile in order), so results do not depend on the
 * thread count. */
#include "kernels/conv/driver.h"
#include "kernels/clip.h"
#include "kernels/conv_rows.h"
#include "kernels/plan.h"

#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct oc_tile {
    int ob, nb;             /* first output-channel block, blocks in this call */
} oc_tile;

typedef cnb_row_tile row_tile; /* kernels/conv_rows.h; add = 1: border taps (build_row_calls) */

/* The paths of the row machinery (chosen in prepare, choose_path and the planner). */
typedef enum { PATH_DIRECT, PATH_1X1 } conv_path;

/* How the 1x1 path reads its input: in place (the outputs read every input pixel in order),
 * compacted to dense block by block (compact_block), or in place at the strides, with row tiles
 * cut at the output rows so that a tile's pixels are one stride apart (SRC_STRIDED). */
typedef enum { SRC_DENSE, SRC_COMPACT, SRC_STRIDED } src_mode;

/* One candidate plan (cnb_conv_direct_prepare): the path and the blockings the model leaves in
 * doubt. Zero fields take the model's rule. */
typedef struct conv_variant {
    conv_path path;
    src_mode src;            /* 1x1 with a non-dense input: SRC_COMPACT or SRC_STRIDED */
    int kc_mul;              /* 1x1: the input-channel chunk times this (0: 1) */
    int pb_div;              /* 1x1: the pixel block divided by this (0: 1) */
    int split;               /* 1x1: 0 the rule, 1 oc-split forced off, 2 forced on */
    int nb;                  /* output-channel blocks per call (0: the cost model's) */
    int padw;                /* direct: read a copy of src padded along W (setup_padw) */
    int chunk_l1;            /* direct: input-channel chunks in the L1 budget whatever ur */
    int kwsplit;             /* direct: border taps added by taps, not by pixels (build_row_calls) */
} conv_variant;

typedef struct direct_plan {
    cnb_conv c;              /* the problem the row machinery computes (1x1: see setup_1x1) */
    cnb_conv u;              /* the user's problem */
    const cnb_conv_direct_isa *isa;
    conv_path path;
    src_mode src;            /* 1x1: how the input is read */
    conv_variant v;          /* the candidate this plan was built from */
    int n_pb, *pb_p0;        /* 1x1: pixel blocks [pb_p0[k], pb_p0[k + 1]) */
    int split_oc;            /* 1x1: the threads split the oc tiles of one pixel block (plan_1x1) */
    char name[128];          /* kernel_name: path and blocking */
    int depthwise;
    int dw3;                 /* depthwise rows go to the ISA's 3-tap row kernel (dw3_fits) */
    int n_cb_in, n_cb_out;   /* channel blocks of src and dst */
    float *wei;              /* packed weights, 64-byte aligned */
    /* Per output-channel block (row path): packed weight offset and input-channel range. */
    int64_t *wei_off;
    int *icb_s, *n_icb, *lane_lo, *lane_hi;
    oc_tile *ot;
    int n_ot;
    row_tile *rt;            /* row calls for the chosen nb (depthwise: dw_ur_max) ... */
    int n_rt;
    row_tile *rt_tail;       /* ... and for the smaller nb of a last tile in a run of blocks */
    int n_rt_tail, nb_tail;
    cnb_clip_dh dh;          /* clipped kd, kh ranges per od, oh */
    int *rb_oh0, *rb_nr;     /* depthwise row blocks: first row, rows (same kh clip) ... */
    int n_rb;                /* ... and their count */
    int icc;                 /* input-channel blocks per chunk (row path) */
    int ohb;                 /* output rows per block of a thread's rows (row path) */
    float *pad;              /* padded along W (setup_padw): src as the row path reads it */
} direct_plan;

/* Cache budgets of the row path. The packed weights of one input-channel chunk of an oc tile
 * stay in cache while the chunk sweeps ohb rows; the dst block of those rows (re-read once per
 * chunk) should stay in L2. A call step reads nb weight vectors for nb·ur FMAs: with tiles of at
 * least L2_WEI_MIN_UR pixels that is few enough loads per FMA for the prefetchers to keep up with
 * weights in L2, so the chunk may take an L2 share (an eighth of the smallest per-core L2 we
 * target, 1 MiB), and a large chunk makes few calls per output, each of which loads and stores its
 * accumulators; beyond that share the call overhead is already paid and the chunk only crowds
 * the dst block. Narrower tiles load a weight vector for fewer FMAs and stall when the weights
 * come from L2: their chunks stay in L1 (half of the smallest L1d we target, 32 KiB, leaving the
 * other half to the src and dst lines). Without a split (icc = all blocks) the rows go one at a
 * time. */
enum { WEI_CHUNK_L2_BYTES = 128 << 10, WEI_CHUNK_L1_BYTES = 16 << 10, L2_WEI_MIN_UR = 7,
       L2_DST_BYTES = 256 << 10 };

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

/* Whether the depthwise rows can go to the ISA's 3-tap row kernel: kw = 3 without dilation, stride
 * 1 or 2, and no tile window reaching more than one position into the padding on either side
 * (pw ≤ 1 and the last pixel's window ends at most one position past the row). */
static int dw3_fits(const cnb_conv_direct_isa *isa, const cnb_conv *c)
{
    return isa->dw3 && c->kw == 3 && c->dw == 0 && (c->sw == 1 || c->sw == 2) && c->pw <= 1 &&
           (c->ow - 1) * c->sw - c->pw + 3 - c->iw <= 1;
}

/* 3-tap depthwise tiles: the row cut into tiles of at most ur_max pixels (near-equal widths)
 * whatever the borders (the kernel skips the padding positions of a window); returns the
 * count. Only ow0 and ur are used. */
static int build_dw3_tiles(const cnb_conv *c, int ur_max, row_tile *rt)
{
    const int nt = (c->ow + ur_max - 1) / ur_max;
    for (int t = 0, x = 0; t < nt; t++) {
        const int ur = cnb_even_width(c->ow, nt, t);
        rt[t] = (row_tile){x, ur, 0, c->kw, 0};
        x += ur;
    }
    return nt;
}

/* Depthwise work items are blocks of at most DW_ROWS output rows with the same clipped kh range
 * (one kernel call per tile covers the block's rows with the 3-tap kernel): enough rows to pay a
 * call's set-up once per strip on 7-pixel rows, few enough that a 56-row layer of 2 channel
 * blocks still has 20 items for the threads. */
enum { DW_ROWS = 7 };
static int build_dw_row_blocks(direct_plan *P)
{
    const cnb_conv *c = &P->c;
    P->rb_oh0 = malloc(sizeof(int) * c->oh);
    P->rb_nr = malloc(sizeof(int) * c->oh);
    if (!P->rb_oh0 || !P->rb_nr) return 0;
    P->n_rb = 0;
    for (int oh = 0; oh < c->oh;) {
        int end = oh + 1;
        while (end < c->oh && P->dh.kh_lo[end] == P->dh.kh_lo[oh] && P->dh.nkh[end] == P->dh.nkh[oh]) end++;
        const int len = end - oh, nb = (len + DW_ROWS - 1) / DW_ROWS;
        for (int b = 0, x = oh; b < nb; b++) {
            const int nr = cnb_even_width(len, nb, b);
            P->rb_oh0[P->n_rb] = x;
            P->rb_nr[P->n_rb++] = nr;
            x += nr;
        }
        oh = end;
    }
    return 1;
}

/* Row-path calls: the row is cut into tiles of at most ur_max pixels (near-equal widths) whatever
 * the borders. A tile's first call takes the taps every one of its pixels can use (their
 * intersection; written, or added with the input-channel chunks); the taps of its border pixels
 * left out are then added (add = 1) over the pixels that can use them, in one of two ways:
 * - by pixels (kwsplit = 0): for each run of the tile's pixels with the same clipped range, the
 *   taps of that range left out, on each side of the intersection, one call each over the run;
 * - by taps (kwsplit = 1): for each tap left out, the pixels of the tile that can use it (one
 *   contiguous range), consecutive taps with the same range in one call. On a row that is one
 *   tile with 1-pixel borders (a 3×3 over a 7-pixel row) that is 3 calls of 7, 6 and 6 pixels
 *   where by pixels it is 5 calls, two of them of 1 pixel (latency-bound); both compute only
 *   the products inside the input, where the copy padded along W (setup_padw) also multiplies
 *   the padding.
 * So a border pixel rides in a full-width tile instead of a 1-pixel one, and no call sees a
 * padding tap. Returns the count (≤ max_row_calls). */
enum { ROW_CALLS_PER_PIXEL = 3 };
static int max_row_calls(const cnb_conv *c)
{
    return (ROW_CALLS_PER_PIXEL + c->kw + 1) * c->ow;
}

/* The pixels [*j0, *j1) of tile [x, x + ur) that can use tap kw (contiguous; empty: j0 = j1). */
static void tap_pixels(const cnb_conv *c, int x, int ur, int kw, int *j0, int *j1)
{
    *j0 = *j1 = x;
    for (int j = x; j < x + ur; j++) {
        const int iw = j * c->sw - c->pw + kw * (c->dw + 1);
        if (iw < 0) *j0 = *j1 = j + 1;
        else if (iw < c->iw) *j1 = j + 1;
        else break;
    }
}

static int build_row_calls(const cnb_conv *c, int ur_max, int kwsplit, row_tile *rt)
{
    int n = 0;
    const int nt = (c->ow + ur_max - 1) / ur_max;
    for (int t = 0, x = 0; t < nt; t++) {
        const int ur = cnb_even_width(c->ow, nt, t);
        int ilo = 0, ihi = c->kw;
        for (int j = x; j < x + ur; j++) {
            int lo, nk;
            cnb_clip_taps(j, c->sw, c->pw, c->dw, c->kw, c->iw, &lo, &nk);
            if (lo > ilo) ilo = lo;
            if (lo + nk < ihi) ihi = lo + nk;
        }
        if (ihi < ilo) ihi = ilo;
        rt[n++] = (row_tile){x, ur, ilo, ihi - ilo, 0};
        if (kwsplit) {
            for (int kw = 0; kw < c->kw;) {
                if (kw >= ilo && kw < ihi) {
                    kw = ihi;
                    continue;
                }
                int j0, j1, k1 = kw + 1;
                tap_pixels(c, x, ur, kw, &j0, &j1);
                for (; k1 < c->kw && !(k1 >= ilo && k1 < ihi); k1++) {
                    int a0, a1;
                    tap_pixels(c, x, ur, k1, &a0, &a1);
                    if (a0 != j0 || a1 != j1) break;
                }
                if (j1 > j0) rt[n++] = (row_tile){j0, j1 - j0, kw, k1 - kw, 1};
                kw = k1;
            }
            x += ur;
            continue;
        }
        for (int j = x; j < x + ur;) {
            int lo, nk, lo2, nk2, end = j + 1;
            cnb_clip_taps(j, c->sw, c->pw, c->dw, c->kw, c->iw, &lo, &nk);
            for (; end < x + ur; end++) {
                cnb_clip_taps(end, c->sw, c->pw, c->dw, c->kw, c->iw, &lo2, &nk2);
                if (lo2 != lo || nk2 != nk) break;
            }
            /* The run's range [lo, lo + nk) contains [ilo, ihi) when that is not empty. */
            const int a_hi = ihi > ilo ? ilo : lo + nk, b_lo = ihi > ilo ? ihi : lo + nk;
            if (a_hi > lo) rt[n++] = (row_tile){j, end - j, lo, a_hi - lo, 1};
            if (lo + nk > b_lo) rt[n++] = (row_tile){j, end - j, b_lo, lo + nk - b_lo, 1};
            j = end;
        }
        x += ur;
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

/* A row's cost: its calls, each weighed by its taps (the border calls have fewer). */
static double row_cost(const row_tile *rt, int n, int nb, int acc_regs)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += rt[i].nkw * tile_cost(nb, rt[i].ur, acc_regs);
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
    cnb_clip_dh_free(&P->dh);
    free(P->rb_oh0);
    free(P->rb_nr);
    free(P->pb_p0);
    free(P->pad);
    free(P);
}

const char *cnb_conv_direct_supports(const cnb_problem *p)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g < 1 || c->ic % c->g || c->oc % c->g) return "channels not divisible by groups";
    return cnb_conv_stride_error(c);
}

static float *alloc_floats(int64_t n)
{
    return cnb_alloc64(n * (int64_t)sizeof(float));
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
    row_tile *rt = malloc(sizeof(row_tile) * max_row_calls(&P->c));
    P->ot = malloc(sizeof(oc_tile) * nob);
    if (!rt || !P->ot) {
        free(rt);
        return 0;
    }
    double rc[CNB_CONV_NB_MAX + 1] = {0};
    for (int nb = 1; nb <= t->nb_max; nb++)
        rc[nb] = row_cost(rt, build_row_calls(&P->c, t->ur_max[nb], P->v.kwsplit, rt), nb, t->acc_regs);
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
    if (P->v.nb >= 1 && P->v.nb <= t->nb_max) best = P->v.nb;
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
    P->rt = malloc(sizeof(row_tile) * max_row_calls(&P->c));
    P->rt_tail = malloc(sizeof(row_tile) * max_row_calls(&P->c));
    if (!P->rt || !P->rt_tail) return 0;
    P->n_rt = build_row_calls(&P->c, t->ur_max[best], P->v.kwsplit, P->rt);
    P->n_rt_tail = P->nb_tail ? build_row_calls(&P->c, t->ur_max[P->nb_tail], P->v.kwsplit, P->rt_tail) : 0;
    return 1;
}

/* Input-channel chunks and rows per block (see WEI_CHUNK_L2_BYTES); chunks of near-equal size (16
 * blocks with room for 7 go as 6, 6, 4, not 7, 7, 2). The sums of an output are taken chunk after
 * chunk in the same order whatever ohb is. */
static void plan_chunks(direct_plan *P)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    int nb = 1, n_icb = 1;
    for (int i = 0; i < P->n_ot; i++) nb = P->ot[i].nb > nb ? P->ot[i].nb : nb;
    for (int ob = 0; ob < P->n_cb_out; ob++) n_icb = P->n_icb[ob] > n_icb ? P->n_icb[ob] : n_icb;
    const int64_t icb_bytes = nb * taps * B * B * (int64_t)sizeof(float);
    const int ur = P->isa->ur_max[nb] < c->ow ? P->isa->ur_max[nb] : c->ow;
    const int l2 = ur >= L2_WEI_MIN_UR && !P->v.chunk_l1;
    int64_t icc = (l2 ? WEI_CHUNK_L2_BYTES : WEI_CHUNK_L1_BYTES) / icb_bytes;
    int64_t ohb = L2_DST_BYTES / ((int64_t)c->ow * nb * B * sizeof(float));
    if (icc < 1) icc = 1;
    if (ohb > c->oh) ohb = c->oh;
    if (icc >= n_icb || ohb < 2) {
        P->icc = n_icb;
        P->ohb = 1;
    } else {
        const int64_t n_chunks = (n_icb + icc - 1) / icc;
        P->icc = (int)((n_icb + n_chunks - 1) / n_chunks);
        P->ohb = (int)ohb;
    }
}

/* Path rule (prepare), from the shape alone:
 * - 1x1: kernel 1×1×1, no padding, every output reading inside the input, one group. The
 *   pixels of an image are one long row (a GEMM of pixels × output channels, run_1x1), so rows
 *   shorter than a register tile no longer leave it part empty, and the input channels are
 *   blocked for L1/L2 with every oc tile sweeping a src block while it is in cache; strided
 *   inputs are read in place or compacted (model_src, and the planner).
 * - direct otherwise (and a candidate for the 1x1 shapes too). */
static conv_path choose_path(const cnb_conv *c)
{
    if (c->g != 1) return PATH_DIRECT;
    if (c->kd == 1 && c->kh == 1 && c->kw == 1 && !c->pd && !c->ph && !c->pw &&
        (c->od - 1) * c->sd < c->id && (c->oh - 1) * c->sh < c->ih && (c->ow - 1) * c->sw < c->iw)
        return PATH_1X1;
    return PATH_DIRECT;
}

/* 1x1: one row of all the output pixels of an image (1D, stride 1), read in place when the
 * outputs read every input pixel in order, else compacted block by block (run_1x1). */
static void setup_1x1(direct_plan *P, src_mode non_dense)
{
    const cnb_conv *u = &P->u;
    cnb_conv *c = &P->c;
    c->id = c->ih = c->od = c->oh = 1;
    c->iw = c->ow = u->od * u->oh * u->ow;
    c->sd = c->sh = c->sw = 1;
    c->dd = c->dh = c->dw = 0;
    const int dense = u->sd == 1 && u->sh == 1 && u->sw == 1 && u->id == u->od && u->ih == u->oh &&
                      u->iw == u->ow;
    P->src = dense ? SRC_DENSE : non_dense;
}

/* Padded along W (the small-map candidate, see candidates): the row path reads a copy of src
 * whose rows hold the left padding, the input and the right padding, zeros written once in
 * prepare and the input copied in each run (pad_src, kernel time). The row machinery then sees a
 * problem without W padding: every pixel of a tile has all kw taps, so a row is one call per
 * tile instead of a tile and the border calls of its clipped pixels (build_row_calls), which on
 * rows of 7 or 14 pixels are 1- to 3-pixel calls, latency-bound and each loading and storing its
 * accumulators. The price is the padding taps' products with zero ((kw − 1)·(dw + 1) columns per
 * row; H stays clipped per row). Adding a zero product leaves every sum as it is (the
 * accumulators start at +0), but the taps of a pixel are summed in kw order where the border
 * calls take the tile's common taps first: equal to the reference on exact-mode data, as the
 * lane split is (ukernel.h). Only the columns the outputs read are kept: a negative right
 * padding drops the input columns past them. */
static int setup_padw(direct_plan *P)
{
    const cnb_conv *u = &P->u;
    cnb_conv *c = &P->c;
    const int B = P->isa->block;
    c->iw = (u->ow - 1) * u->sw + (u->kw - 1) * (u->dw + 1) + 1;
    c->pw = c->pw_r = 0;
    const int64_t n = (int64_t)u->mb * P->n_cb_in * u->id * u->ih * c->iw * B;
    P->pad = alloc_floats(n);
    if (!P->pad) return 0;
    memset(P->pad, 0, sizeof(float) * (size_t)n);
    return 1;
}

/* The input columns of the padded copy (setup_padw), every row of every channel block. */
static void pad_src(const direct_plan *P, const float *src)
{
    const cnb_conv *u = &P->u, *c = &P->c;
    const int B = P->isa->block;
    const int cols = u->iw < c->iw - u->pw ? u->iw : c->iw - u->pw;
    const int64_t rows = (int64_t)u->mb * P->n_cb_in * u->id * u->ih;
    if (cols <= 0) return;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; r++)
        memcpy(P->pad + (r * c->iw + u->pw) * B, src + r * u->iw * B, sizeof(float) * B * cols);
}

/* 1x1: each pixel block cut into tiles of at most ur_max pixels (near-equal widths); read at
 * the strides (SRC_STRIDED), each run of a block within one output row separately, so that a
 * tile's pixels sit one stride apart in the input. Returns the count. */
static int tile_blocks(const direct_plan *P, int ur_max, row_tile *rt)
{
    int n = 0;
    const int row = P->src == SRC_STRIDED ? P->u.ow : P->c.ow;
    for (int k = 0; k < P->n_pb; k++)
        for (int p0 = P->pb_p0[k], end = P->pb_p0[k + 1]; p0 < end;) {
            const int next = (p0 / row + 1) * row, p1 = next < end ? next : end;
            const int len = p1 - p0, nt = (len + ur_max - 1) / ur_max;
            for (int t = 0, x = p0; t < nt; t++) {
                const int ur = cnb_even_width(len, nt, t);
                rt[n++] = (row_tile){x, ur, 0, 1, 0};
                x += ur;
            }
            p0 = p1;
        }
    return n;
}

/* Cache budgets of the 1x1 path: a chunk's weights of one oc tile stay in L1 (half of a 32 KiB
 * L1d, with room for the src lines and dst tile the calls stream) while the tile sweeps a pixel
 * block: the micro-kernel loads nb weight vectors per input channel and pixel tile, which must
 * not wait on L2 (narrow AVX2 tiles least of all; a smaller chunk also leaves a larger pixel
 * block in the same L2 budget). The pixel block's src of one chunk stays in L2 (re-read by each oc tile of the
 * thread; a quarter of 2 MiB, leaving room for the dst of those tiles). */
enum { GEMM_WEI_L1_BYTES = 16 << 10, GEMM_SRC_L2_BYTES = 512 << 10 };
int cnb_conv_1x1_chunk_blocks(const cnb_conv_direct_isa *isa, int nb)
{
    const int icc = GEMM_WEI_L1_BYTES / (nb * isa->block * isa->block * (int)sizeof(float));
    return icc > 1 ? icc : 1;
}

int cnb_conv_1x1_block_pixels(const cnb_conv_direct_isa *isa, int icc)
{
    const int pb = GEMM_SRC_L2_BYTES / (icc * isa->block * (int)sizeof(float));
    return pb > 1 ? pb : 1;
}

static int plan_1x1(direct_plan *P)
{
    const int n_icb = P->n_icb[0], npix = P->c.ow;
    int nb = 1;
    for (int i = 0; i < P->n_ot; i++) nb = P->ot[i].nb > nb ? P->ot[i].nb : nb;
    int icc = cnb_conv_1x1_chunk_blocks(P->isa, nb) * (P->v.kc_mul > 1 ? P->v.kc_mul : 1);
    if (icc > n_icb) icc = n_icb;
    const int n_chunks = (n_icb + icc - 1) / icc;
    P->icc = (n_icb + n_chunks - 1) / n_chunks;
    int pb = cnb_conv_1x1_block_pixels(P->isa, P->icc) / (P->v.pb_div > 1 ? P->v.pb_div : 1);
    if (pb < P->isa->ur_max[nb]) pb = P->isa->ur_max[nb];
    int n_pb = (int)((npix + pb - 1) / pb);
    /* Fewer pixel blocks than threads (small maps), and the weights outweigh the src: the
     * threads split the oc tiles (or images) of the whole map, by weight (run_1x1),
     * each reading its tiles' share of the weights W and all of the src S, where split by
     * pixels each would read all of W and its share of S. Per thread that is W/T + S against
     * W + S/T, so the split pays when W > S; with strides each thread also compacts what it
     * reads (the whole block, against its share), so when W > 2·S. The tiling is then the
     * one-thread tiling. Otherwise a multiple of the threads, so that each takes whole pixel
     * blocks (a block's compaction and src stay with one thread). */
    const int T = omp_get_max_threads();
    const int64_t wei_floats = P->wei_off[P->n_cb_out];
    const int64_t src_floats = (int64_t)npix * n_icb * P->isa->block * (P->src == SRC_COMPACT ? 2 : 1);
    P->split_oc = T > 1 && n_pb < T && wei_floats > src_floats;
    if (P->v.split) P->split_oc = T > 1 && n_pb < T && P->v.split == 2;
    if (!P->split_oc) n_pb = (n_pb + T - 1) / T * T;
    if (n_pb > P->n_rt) n_pb = P->n_rt;
    P->n_pb = n_pb;
    P->pb_p0 = malloc(sizeof(int) * (n_pb + 1));
    if (!P->pb_p0) return 0;
    for (int k = 0; k <= n_pb; k++) P->pb_p0[k] = (int)((int64_t)npix * k / n_pb);
    /* the row tiles again, cut block by block: no tile crosses a block (a compacted block holds
     * its own pixels only) */
    P->n_rt = tile_blocks(P, P->isa->ur_max[nb], P->rt);
    if (P->nb_tail) P->n_rt_tail = tile_blocks(P, P->isa->ur_max[P->nb_tail], P->rt_tail);
    return 1;
}

/* One plan: the variant v of problem p (a variant's path must be one the problem allows). */
static direct_plan *build_plan(const cnb_conv_direct_isa *isa, const cnb_problem *p,
                               const float *wei, const conv_variant *v)
{
    direct_plan *P = calloc(1, sizeof(*P));
    if (!P) return NULL;
    P->c = P->u = p->conv;
    P->isa = isa;
    P->v = *v;
    const cnb_conv *c = &P->c;
    const int B = isa->block;
    P->depthwise = c->g == c->ic && c->g == c->oc;
    P->path = P->depthwise ? PATH_DIRECT : v->path;
    if (P->path == PATH_1X1) setup_1x1(P, v->src);
    P->n_cb_in = (c->ic + B - 1) / B;
    P->n_cb_out = (c->oc + B - 1) / B;
    if (!P->depthwise && P->path == PATH_DIRECT && v->padw && !setup_padw(P)) goto fail;
    if (!cnb_clip_dh_make(c, &P->dh)) goto fail;

    if (P->depthwise) {
        if (!pack_depthwise(P, wei)) goto fail;
        P->rt = malloc(sizeof(row_tile) * c->ow);
        if (!P->rt) goto fail;
        if (!build_dw_row_blocks(P)) goto fail;
        P->dw3 = dw3_fits(isa, c);
        P->n_rt = P->dw3 ? build_dw3_tiles(c, isa->dw_ur_max, P->rt)
                         : cnb_conv_row_runs(c, isa->dw_ur_max, CNB_CUT_EVEN, P->rt);
        snprintf(P->name, sizeof P->name, "conv/%s_direct[depthwise%s ur%d]", isa->name,
                 P->dw3 ? " 3-tap" : "", isa->dw_ur_max < c->ow ? isa->dw_ur_max : c->ow);
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
        P->rt = malloc(sizeof(row_tile) * max_row_calls(c));
        if (!P->rt) goto fail;
        P->n_rt = build_row_calls(c, isa->ur_max[1], v->kwsplit, P->rt);
        r = 1;
    }
    if (!r) goto fail;
    const int nb = P->ot[0].nb, ur = isa->ur_max[nb] < c->ow ? isa->ur_max[nb] : c->ow;
    if (P->path == PATH_1X1) {
        if (!plan_1x1(P)) goto fail;
        snprintf(P->name, sizeof P->name, "conv/%s_direct[1x1-gemm %dx%d kc%d mc%d%s%s]", isa->name,
                 ur, nb * B, P->icc * B, P->pb_p0[1],
                 P->src == SRC_COMPACT ? " compact" : P->src == SRC_STRIDED ? " strided" : "",
                 P->split_oc ? " oc-split" : "");
        return P;
    }
    plan_chunks(P);
    snprintf(P->name, sizeof P->name, "conv/%s_direct[direct%s ur%d nb%d icc%d]", isa->name,
             P->pad ? " padw" : P->v.kwsplit ? " kwsplit" : "", ur, nb, P->icc * B);
    return P;
fail:
    cnb_conv_direct_release(P);
    return NULL;
}

/* Work items: (image, channel block, od, row block), split statically; every output is computed
 * by one call whatever the thread count. */
static void run_depthwise(const direct_plan *P, const float *src, float *dst)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, ncb = P->n_cb_out;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * B;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * B;
    const int64_t items = (int64_t)c->mb * ncb * c->od * P->n_rb;
    const cnb_conv_dw_fn kern = P->isa->dw;

#pragma omp parallel for schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const int rb = (int)(it % P->n_rb), od = (int)(it / P->n_rb % c->od);
        const int64_t ncb_idx = it / P->n_rb / c->od; /* n·ncb + cb */
        const int cb = (int)(ncb_idx % ncb);
        const int oh0 = P->rb_oh0[rb], nr = P->rb_nr[rb];
        const int kd_lo = P->dh.kd_lo[od], kh_lo = P->dh.kh_lo[oh0];
        const int nkd = P->dh.nkd[od], nkh = P->dh.nkh[oh0];
        const float *s_cb = src + ncb_idx * src_cb;
        const int id0 = od * c->sd - c->pd + kd_lo * (c->dd + 1);
        const float *wei = P->wei + (cb * taps + ((int64_t)kd_lo * c->kh + kh_lo) * c->kw) * B;
        const int64_t src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw * B;
        const int64_t src_kh = (int64_t)(c->dh + 1) * c->iw * B;
        float *d_blk = dst + ncb_idx * dst_cb + ((int64_t)od * c->oh + oh0) * c->ow * B;
        if (P->dw3) {
            cnb_conv_dw3_args a3;
            const int ih0 = oh0 * c->sh - c->ph + kh_lo * (c->dh + 1);
            a3.src_kd = src_kd;
            a3.src_kh = src_kh;
            a3.src_oh = (int64_t)c->sh * c->iw * B;
            a3.wei_kd = (int64_t)c->kh * c->kw * B;
            a3.wei_kh = (int64_t)c->kw * B;
            a3.dst_oh = (int64_t)c->ow * B;
            a3.nrows = nr;
            a3.src_lanes = (1u << B) - 1;
            a3.wei = wei;
            for (int i = 0; i < P->n_rt; i++) {
                const row_tile *r = &P->rt[i];
                const int iw0 = r->ow0 * c->sw - c->pw, n = (r->ur - 1) * c->sw + 3;
                a3.nkd = nkd;
                a3.nkh = nkh;
                a3.skip_l = iw0 < 0 ? -iw0 : 0;
                a3.skip_r = iw0 + n > c->iw ? iw0 + n - c->iw : 0;
                a3.dst = d_blk + (int64_t)r->ow0 * B;
                if (nkd && nkh) {
                    a3.src = s_cb + (((int64_t)id0 * c->ih + ih0) * c->iw + iw0 + a3.skip_l) * B;
                } else {
                    a3.nkd = a3.nkh = 0;
                    a3.src = s_cb;
                }
                P->isa->dw3(&a3, c->sw, r->ur);
            }
            continue;
        }
        cnb_conv_dw_args a;
        a.src_kd = src_kd;
        a.src_kh = src_kh;
        a.src_kw = (int64_t)(c->dw + 1) * B;
        a.src_ow = (int64_t)c->sw * B;
        a.wei_kd = (int64_t)c->kh * c->kw * B;
        a.wei_kh = (int64_t)c->kw * B;
        for (int oh = oh0; oh < oh0 + nr; oh++) {
            float *d_row = d_blk + (int64_t)(oh - oh0) * c->ow * B;
            for (int i = 0; i < P->n_rt; i++) {
                const row_tile *r = &P->rt[i];
                a.nkd = nkd;
                a.nkh = nkh;
                a.nkw = r->nkw;
                a.dst = d_row + (int64_t)r->ow0 * B;
                a.wei = wei + (int64_t)r->kw_lo * B;
                const int64_t px = cnb_row_tile_pixel(c, &P->dh, od, oh, r);
                if (px >= 0) {
                    a.src = s_cb + px * B;
                } else {
                    a.nkd = a.nkh = a.nkw = 0;
                    a.src = s_cb;
                }
                kern(&a, r->ur);
            }
        }
    }
}

/* Rows [oh0, oh1) of depth od of oc tile ot of image n: each chunk of icc input-channel blocks
 * sweeps the rows (the chunk's weights are reused by every row), adding to what earlier chunks
 * left in dst. */
static void run_block(const direct_plan *P, const float *src, float *dst, int n, oc_tile ot,
                      int od, int oh0, int oh1)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * B;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * B;
    const cnb_conv_row_fn kern = P->isa->row;
    const int ob = ot.ob, n_icb = P->n_icb[ob];
    const int kd_lo = P->dh.kd_lo[od];
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
    for (int c0 = 0; c0 < n_icb; c0 += P->icc) {
        const int nc = n_icb - c0 < P->icc ? n_icb - c0 : P->icc;
        const float *s_chunk = s_img + c0 * src_cb;
        const float *w_chunk = P->wei + P->wei_off[ob] + c0 * a.wei_icb;
        a.n_icb = nc;
        a.lane_lo = c0 == 0 ? P->lane_lo[ob] : 0;
        a.lane_hi = c0 + nc == n_icb ? P->lane_hi[ob] : B;
        for (int oh = oh0; oh < oh1; oh++) {
            const int kh_lo = P->dh.kh_lo[oh];
            const int rows_valid = P->dh.nkd[od] && P->dh.nkh[oh];
            float *d_row = d_blk + ((int64_t)od * c->oh + oh) * c->ow * B;
            for (int i = 0; i < n_rt; i++) {
                const row_tile *r = &rt[i];
                if (r->add && !rows_valid) continue; /* nothing to add: the row got zeros */
                a.accumulate = c0 > 0 || r->add;
                a.nkd = P->dh.nkd[od];
                a.nkh = P->dh.nkh[oh];
                a.nkw = r->nkw;
                a.dst = d_row + (int64_t)r->ow0 * B;
                const int64_t px = cnb_row_tile_pixel(c, &P->dh, od, oh, r);
                if (px >= 0) {
                    a.src = s_chunk + px * B;
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

/* Work split: the output rows of every (image, oc tile), each weighing its nb blocks, laid end
 * to end in (image, tile, od, oh) order; each thread takes an equal contiguous share of that
 * weight. So the threads get equal work whatever the tile count and tail nb (a 14×14 layer with
 * 11 tiles of 3 and 2 blocks is split at a row, not at a tile), a thread sweeps few tiles (their
 * weights stay in its own L2), and at most one tile per thread boundary is shared. A thread's
 * rows of one (image, tile, od) go in blocks of at most ohb rows. */
static void run_rows(const direct_plan *P, const float *src, float *dst)
{
    const cnb_conv *c = &P->c;
    const int64_t rows = (int64_t)c->od * c->oh; /* rows per (image, tile) */
    const int64_t units = (int64_t)c->mb * P->n_cb_out * rows;

#pragma omp parallel
    {
        const int T = omp_get_num_threads(), th = omp_get_thread_num();
        const int64_t u0 = units * th / T, u1 = units * (th + 1) / T;
        for (int n = 0; n < c->mb; n++)
            for (int i = 0; i < P->n_ot; i++) {
                const oc_tile ot = P->ot[i];
                /* Row q starts at unit base + q·nb; this thread owns the rows starting in [u0, u1). */
                const int64_t base = ((int64_t)n * P->n_cb_out + ot.ob) * rows;
                if (base + rows * ot.nb <= u0 || base >= u1) continue;
                int64_t q = u0 <= base ? 0 : (u0 - base + ot.nb - 1) / ot.nb;
                int64_t q1 = (u1 - base + ot.nb - 1) / ot.nb;
                if (q1 > rows) q1 = rows;
                while (q < q1) {
                    const int od = (int)(q / c->oh), oh0 = (int)(q % c->oh);
                    int64_t e = q + P->ohb;
                    if (e > (int64_t)(od + 1) * c->oh) e = (int64_t)(od + 1) * c->oh;
                    if (e > q1) e = q1;
                    run_block(P, src, dst, n, ot, od, oh0, (int)(e - (int64_t)od * c->oh));
                    q = e;
                }
            }
    }
}

/* 1x1 with strides: compacts pixels [p0, p1) of the user's image n, input-channel blocks
 * [cb0, cb0 + ncb), into buf as [cb][p − p0][B]: the pixels the outputs read, dense. */
static void compact_block(const direct_plan *P, const float *src, int n, int cb0, int ncb, int p0,
                          int p1, float *buf)
{
    const cnb_conv *u = &P->u;
    const int B = P->isa->block, ncb_in = (u->ic + B - 1) / B;
    const int64_t src_cb = (int64_t)u->id * u->ih * u->iw * B;
    const int64_t np = p1 - p0;
    for (int cb = 0; cb < ncb; cb++) {
        const float *s_cb = src + ((int64_t)n * ncb_in + cb0 + cb) * src_cb;
        float *o = buf + cb * np * B;
        int ow = p0 % u->ow, oh = p0 / u->ow % u->oh, od = p0 / u->ow / u->oh;
        for (int p = p0; p < p1;) {
            /* a run of pixels along one output row */
            const int len = u->ow - ow < p1 - p ? u->ow - ow : p1 - p;
            const float *s = s_cb + (((int64_t)od * u->sd * u->ih + (int64_t)oh * u->sh) * u->iw +
                                     (int64_t)ow * u->sw) * B;
            for (int x = 0; x < len; x++)
                memcpy(o + (int64_t)(p - p0 + x) * B, s + (int64_t)x * u->sw * B, sizeof(float) * B);
            p += len;
            ow = 0;
            if (++oh == u->oh) oh = 0, od++;
        }
    }
}

/* 1x1 read at the strides: the input pixel of output pixel q (flattened over od, oh, ow). */
static inline int64_t strided_pixel(const cnb_conv *u, int q)
{
    const int ow = q % u->ow, t = q / u->ow, oh = t % u->oh, od = t / u->oh;
    return ((int64_t)od * u->sd * u->ih + (int64_t)oh * u->sh) * u->iw + (int64_t)ow * u->sw;
}

/* The 1x1 path (see choose_path): a GEMM of pixels × output channels over the input channels,
 * on the blocked layout. Work items are (image, pixel block, oc tile), split into equal
 * contiguous shares (plan_1x1 makes the pixel blocks a multiple of the threads, so a thread's
 * share is whole pixel blocks). With the oc split (small maps, plan_1x1) the threads share out
 * the row tiles of the oc tiles instead, by weight: a row tile of nb blocks × ur pixels weighs
 * nb·ur units, laid end to end in (image, pixel block, oc tile, pixel) order, and each thread
 * takes the tiles that start in its equal contiguous share of the units. So 3 oc tiles of 4, 4
 * and 2 blocks over 2 threads split at a pixel tile of the second tile, not 2 tiles against 1,
 * and a thread still reads the weights of about its share of the tiles only. A thread's items
 * of one (image, pixel block) go chunk by chunk of icc input-channel blocks: each chunk's src
 * block (the pixel block's icc channel blocks) stays in L2 while the thread's oc tiles sweep
 * it, and the chunk's weights of one tile stay in L1 while the tile sweeps the block's pixel
 * tiles. With strides, the thread first compacts the chunk's src block into a buffer of its own
 * (compact_block), so the compaction runs just before its use, from and into L2. Every output
 * is summed in the same order (chunk after chunk) whatever the thread count. */
static void run_1x1(const direct_plan *P, const float *src, float *dst)
{
    const cnb_conv *c = &P->c;
    const int B = P->isa->block, n_ot = P->n_ot, n_pb = P->n_pb, nimg = P->u.mb;
    const int64_t dst_cb = (int64_t)c->ow * B;
    const int64_t src_cb = (int64_t)P->u.id * P->u.ih * P->u.iw * B; /* the user's input */
    const int64_t items = (int64_t)nimg * n_pb * n_ot;
    const cnb_conv_row_fn kern = P->isa->row;
    int pb_max = 0;
    for (int k = 0; k < n_pb; k++)
        if (P->pb_p0[k + 1] - P->pb_p0[k] > pb_max) pb_max = P->pb_p0[k + 1] - P->pb_p0[k];

#pragma omp parallel
    {
        const int T = omp_get_num_threads(), th = omp_get_thread_num();
        /* oc split: every thread walks every item and computes the row tiles whose start falls
         * in its share [w0, w1) of the work (see the weights above) */
        const int split = P->split_oc;
        const int64_t i0 = split ? 0 : items * th / T, i1 = split ? items : items * (th + 1) / T;
        const int64_t w_all = (int64_t)nimg * c->ow * P->n_cb_out;
        const int64_t w0 = w_all * th / T, w1 = w_all * (th + 1) / T;
        const int compact = P->src == SRC_COMPACT, strided = P->src == SRC_STRIDED;
        float *buf = compact && i1 > i0 ? alloc_floats((int64_t)P->icc * pb_max * B) : NULL;
        if (compact && i1 > i0 && !buf) {
            fprintf(stderr, "conv/%s_direct: out of memory for the 1x1 compaction\n", P->isa->name);
            abort();
        }
        cnb_conv_row_args a = {0};
        a.nkd = a.nkh = a.nkw = 1;
        a.src_ow = strided ? (ptrdiff_t)P->u.sw * B : B;
        a.wei_icb = (ptrdiff_t)B * B;
        a.dst_ob = dst_cb;
        for (int64_t it = i0; it < i1;) {
            const int t0 = (int)(it % n_ot), pb = (int)(it / n_ot % n_pb);
            const int n = (int)(it / n_ot / n_pb);
            const int t1 = i1 - it < n_ot - t0 ? t0 + (int)(i1 - it) : n_ot;
            const int p0 = P->pb_p0[pb], p1 = P->pb_p0[pb + 1];
            const int n_icb = P->n_icb[0];
            const int64_t g0 = ((int64_t)n * c->ow + p0) * P->n_cb_out; /* the item's first unit */
            if (split && (g0 >= w1 || g0 + (int64_t)P->n_cb_out * (p1 - p0) <= w0)) {
                it += t1 - t0;
                continue; /* none of this pixel block's work is this thread's */
            }
            for (int c0 = 0; c0 < n_icb; c0 += P->icc) {
                const int nc = n_icb - c0 < P->icc ? n_icb - c0 : P->icc;
                a.n_icb = nc;
                a.lane_lo = 0;
                a.lane_hi = c0 + nc == n_icb ? P->lane_hi[0] : B;
                a.accumulate = c0 > 0;
                const float *s_blk; /* pixel p0 of the chunk's first block */
                if (buf) {
                    compact_block(P, src, n, c0, nc, p0, p1, buf);
                    s_blk = buf;
                    a.src_icb = (ptrdiff_t)(p1 - p0) * B;
                } else if (strided) {
                    s_blk = src + ((int64_t)n * P->n_cb_in + c0) * src_cb;
                    a.src_icb = src_cb;
                } else {
                    s_blk = src + ((int64_t)n * P->n_cb_in + c0) * dst_cb + (ptrdiff_t)p0 * B;
                    a.src_icb = dst_cb; /* src pixels are the dst pixels */
                }
                for (int t = t0; t < t1; t++) {
                    const oc_tile ot = P->ot[t];
                    const row_tile *rt = ot.nb == P->nb_tail ? P->rt_tail : P->rt;
                    const int n_rt = ot.nb == P->nb_tail ? P->n_rt_tail : P->n_rt;
                    a.wei = P->wei + P->wei_off[ot.ob] + c0 * a.wei_icb;
                    a.wei_ob = (ptrdiff_t)n_icb * B * B;
                    float *d_blk = dst + ((int64_t)n * P->n_cb_out + ot.ob) * dst_cb;
                    const int64_t t_w0 = g0 + (int64_t)ot.ob * (p1 - p0);
                    if (split && (t_w0 >= w1 || t_w0 + (int64_t)ot.nb * (p1 - p0) <= w0)) continue;
                    for (int i = 0; i < n_rt; i++) {
                        const row_tile *r = &rt[i];
                        if (r->ow0 < p0 || r->ow0 >= p1) continue;
                        if (split) {
                            const int64_t w = t_w0 + (int64_t)ot.nb * (r->ow0 - p0);
                            if (w < w0 || w >= w1) continue;
                        }
                        a.src = strided ? s_blk + strided_pixel(&P->u, r->ow0) * B
                                        : s_blk + (ptrdiff_t)(r->ow0 - p0) * B;
                        a.dst = d_blk + (int64_t)r->ow0 * B;
                        kern(&a, ot.nb, r->ur);
                    }
                }
            }
            it += t1 - t0;
        }
        free(buf);
    }
}

void cnb_conv_direct_run(void *state, const float *src, float *dst)
{
    const direct_plan *P = state;
    if (P->depthwise)
        run_depthwise(P, src, dst);
    else if (P->path == PATH_1X1)
        run_1x1(P, src, dst);
    else if (P->pad) {
        pad_src(P, src);
        run_rows(P, P->pad, dst);
    } else
        run_rows(P, src, dst);
}

const char *cnb_conv_direct_kernel_name(void *state)
{
    const direct_plan *P = state;
    return P ? P->name : NULL;
}

/* The model's way to read a strided 1x1 input: in place when a pixel of a channel block fills
 * whole cache lines (B floats of 64 bytes or more), so reading every sw-th pixel wastes no part
 * of a line; otherwise compacted, so that the reduction reads whole lines. */
static src_mode model_src(const cnb_conv_direct_isa *isa)
{
    return isa->block * (int)sizeof(float) >= 64 ? SRC_STRIDED : SRC_COMPACT;
}

/* Maps at most this wide take the nb alternatives as candidates: rows no longer than the
 * 2-block tiles (14 pixels on AVX-512), where tile widths, border calls and weight chunks pull
 * the cost model's choice several ways. Wider rows fill the model's tiles; measuring them would
 * only let timing noise pick a worse tile. */
enum { SMALL_MAP_OW = 14 };

/* The model's rule for the border taps of a row path with W padding: 0 by pixels, 1 by taps
 * (build_row_calls), 2 (only when padw is set: narrow maps, SMALL_MAP_OW) the copy padded along
 * W (setup_padw), whichever costs least per output-channel block at the best nb of each
 * (row_cost; the padded copy pays for the padding's products with zero, the calls by pixels for
 * their 1- or 2-pixel calls, latency-bound, e.g. the second pixel of a 5×5 with 2 columns of
 * padding). Ties go to the calls by pixels (the same calls on 3×3 rows of several tiles). */
static int model_border(const cnb_conv_direct_isa *isa, const cnb_conv *c, int padw)
{
    if (c->pw <= 0 && c->pw_r <= 0) return 0;
    cnb_conv q = *c;
    q.iw = (c->ow - 1) * c->sw + (c->kw - 1) * (c->dw + 1) + 1;
    q.pw = q.pw_r = 0;
    row_tile *rt = malloc(sizeof(row_tile) * max_row_calls(c));
    if (!rt) return 0;
    double cost[3] = {0, 0, 0};
    for (int nb = 1; nb <= isa->nb_max; nb++) {
        const int ur = isa->ur_max[nb];
        const double k[3] = {row_cost(rt, build_row_calls(c, ur, 0, rt), nb, isa->acc_regs) / nb,
                             row_cost(rt, build_row_calls(c, ur, 1, rt), nb, isa->acc_regs) / nb,
                             row_cost(rt, build_row_calls(&q, ur, 0, rt), nb, isa->acc_regs) / nb};
        for (int i = 0; i < 3; i++)
            if (nb == 1 || k[i] < cost[i]) cost[i] = k[i];
    }
    free(rt);
    int best = 0;
    for (int i = 1; i < 2 + !!padw; i++)
        if (cost[i] < cost[best]) best = i;
    return best;
}

/* The candidates the planner times (plan.h), the model's first; returns their count (some may
 * come out as the same plan, prepare drops those). 1x1: the other way to read a strided input,
 * a doubled and quadrupled input-channel chunk, a strided input's pixel block halved (both ways
 * to read it), the oc-split off and on, the row path, and on small maps or strided inputs every
 * nb. Direct on narrow maps: every nb; with W padding instead the border taps added by taps
 * (build_row_calls) and the copy padded along W (setup_padw) at every nb from 2, both again with
 * chunks in L1, and the plain border calls at the widest nb. Depthwise: the model alone. */
static int candidates(const cnb_conv_direct_isa *isa, const cnb_conv *c, conv_variant *v)
{
    int n = 0;
    const int dwise = c->g == c->ic && c->g == c->oc, path = choose_path(c);
    const int border = !dwise && path == PATH_DIRECT ? model_border(isa, c, c->ow <= SMALL_MAP_OW) : 0;
    const conv_variant model = {
        .path = path, .src = model_src(isa), .kc_mul = 1, .kwsplit = border == 1, .padw = border == 2};
    v[n++] = model;
    if (dwise) return n;
    conv_variant x;
    const int strided = c->sd > 1 || c->sh > 1 || c->sw > 1;
    if (model.path == PATH_1X1) {
        x = model, x.src = model.src == SRC_STRIDED ? SRC_COMPACT : SRC_STRIDED, v[n++] = x;
        x = model, x.kc_mul = 2, v[n++] = x;
        x = model, x.kc_mul = 4, v[n++] = x;
        if (strided) {
            /* a strided input's pixel block in half, read either way: in place it occupies the
             * pairs of lines of its pixels (the skipped neighbours come with them), compacted
             * the buffer and the source lines share the L2 */
            x = model, x.pb_div = 2, v[n++] = x;
            x.src = model.src == SRC_STRIDED ? SRC_COMPACT : SRC_STRIDED, v[n++] = x;
        }
        x = model, x.split = 1, v[n++] = x;
        x = model, x.split = 2, v[n++] = x;
        x = model, x.path = PATH_DIRECT, v[n++] = x;
        /* small maps: every nb, since a few pixel tiles reuse each weight vector (the M of the
         * GEMM is short: more blocks per tile or more pixels per tile both pay); strided inputs
         * too, whose broadcasts come from lines that hold one pixel each (a tile of more blocks
         * loads fewer of them per FMA). Largest first: the list may be cut at the planner's
         * limit, and one block per call is rarely the best. */
        if (c->mb * c->od * c->oh * c->ow <= SMALL_MAP_OW * SMALL_MAP_OW || strided)
            for (int nb = isa->nb_max; nb >= 1 && n < CNB_PLAN_MAX_CANDIDATES; nb--)
                x = model, x.nb = nb, v[n++] = x;
    } else if (c->ow <= SMALL_MAP_OW && !(c->pw > 0 || c->pw_r > 0)) {
        for (int nb = isa->nb_max; nb >= 1 && n < CNB_PLAN_MAX_CANDIDATES; nb--)
            x = model, x.nb = nb, v[n++] = x;
    } else if (c->ow <= SMALL_MAP_OW) {
        /* W padding: every nb from 2 up with the border taps added by taps (kwsplit) and
         * padded along W (setup_padw); then both with chunks in L1 (a few rows reuse them from
         * there, see plan_chunks; the kwsplit calls' border tiles are narrower than the row),
         * at the widest nb and at 2; then the plain border calls at the widest nb (the model's
         * way, which by pixels leaves 1-pixel calls on a row of one tile) */
        for (int nb = isa->nb_max; nb >= 2 && n < CNB_PLAN_MAX_CANDIDATES; nb--)
            x = model, x.nb = nb, x.padw = 0, x.kwsplit = 1, v[n++] = x;
        for (int nb = isa->nb_max; nb >= 2 && n < CNB_PLAN_MAX_CANDIDATES; nb--)
            x = model, x.nb = nb, x.padw = 1, v[n++] = x;
        for (int nb = isa->nb_max; nb >= 2 && n < CNB_PLAN_MAX_CANDIDATES; nb = nb > 2 ? 2 : 1) {
            x = model, x.nb = nb, x.padw = 1, x.chunk_l1 = 1, v[n++] = x;
            if (n < CNB_PLAN_MAX_CANDIDATES) x = model, x.nb = nb, x.padw = 0, x.kwsplit = 1, x.chunk_l1 = 1, v[n++] = x;
        }
        if (n < CNB_PLAN_MAX_CANDIDATES) x = model, x.nb = isa->nb_max, x.padw = 0, v[n++] = x;
    }
    return n;
}

/* A plan's name for the planner: its blocking, blanks as '/' (plan.h wants none). */
static void plan_key(const direct_plan *P, char *buf, size_t size)
{
    const char *b = strchr(P->name, '[');
    snprintf(buf, size, "%s", b ? b + 1 : P->name);
    for (char *q = buf; *q; q++)
        if (*q == ' ') *q = '/';
        else if (*q == ']') *q = 0;
}

typedef struct {
    direct_plan *const *P;
    const float *src;
    float *dst;
} time_ctx;

static double time_plan(void *ctx, int k)
{
    const time_ctx *x = ctx;
    const double t0 = omp_get_wtime();
    cnb_conv_direct_run(x->P[k], x->src, x->dst);
    return omp_get_wtime() - t0;
}

/* Builds the candidates (candidates), drops repeats, and lets the planner choose among them,
 * timed on zero scratch tensors (the time does not depend on the values). Every candidate
 * computes the same products of each output; the order they are summed in follows the lane
 * split of the tile (ukernel.h) and, padded along W, the kw order (setup_padw), so candidates
 * agree bit for bit with each other and the reference on exact-mode data (tests/test_conv_plan.c
 * forces each). Without memory for the scratch, the model's plan
 * stands. */
void *cnb_conv_direct_prepare(const cnb_conv_direct_isa *isa, const cnb_problem *p,
                              const float *wei)
{
    if (cnb_conv_direct_supports(p)) return NULL;
    if (!isa_table_ok(isa)) {
        fprintf(stderr, "conv/%s_direct: inconsistent blocking table\n", isa->name);
        return NULL;
    }
    conv_variant v[CNB_PLAN_MAX_CANDIDATES];
    const int nv = candidates(isa, &p->conv, v);
    direct_plan *P[CNB_PLAN_MAX_CANDIDATES] = {0};
    char keys[CNB_PLAN_MAX_CANDIDATES][128];
    const char *names[CNB_PLAN_MAX_CANDIDATES];
    int n = 0;
    for (int i = 0; i < nv; i++) {
        direct_plan *q = build_plan(isa, p, wei, &v[i]);
        if (!q) {
            if (i == 0) return NULL; /* the model's own plan: out of memory */
            continue;
        }
        plan_key(q, keys[n], sizeof keys[n]);
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= !strcmp(keys[j], keys[n]);
        if (dup) {
            cnb_conv_direct_release(q);
            continue;
        }
        names[n] = keys[n];
        P[n++] = q;
    }
    int k = 0;
    if (n > 1) {
        const cnb_conv *c = &p->conv;
        const int B = isa->block;
        const int64_t src_n = (int64_t)c->mb * ((c->ic + B - 1) / B) * c->id * c->ih * c->iw * B;
        const int64_t dst_n = (int64_t)c->mb * ((c->oc + B - 1) / B) * c->od * c->oh * c->ow * B;
        float *src = calloc(src_n, sizeof(float)), *dst = calloc(dst_n, sizeof(float));
        if (src && dst) {
            char impl[64];
            snprintf(impl, sizeof impl, "conv/%s_direct", isa->name);
            time_ctx x = {P, src, dst};
            k = cnb_plan_choose(impl, p, omp_get_max_threads(), n, names, time_plan, &x, NULL);
        }
        free(src);
        free(dst);
    }
    for (int j = 0; j < n; j++)
        if (j != k) cnb_conv_direct_release(P[j]);
    return P[k];
}
