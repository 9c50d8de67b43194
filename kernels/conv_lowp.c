/* The low-precision direct convolution driver (kernels/conv_lowp.h).
 *
 * Border taps (kernels/conv_rows.h): along D and H, each output depth and row clips its taps once.
 * Along W, the pixels of a row whose clipped kw ranges are equal form runs, each cut into tiles of
 * at most ur_max pixels (near-equal widths): so a call never reads a padding tap, and keeps all its
 * sums in registers from the first tap to the epilogue (an int8 or bf16 output cannot hold
 * partial sums, unlike the f32 driver's dst). A 3×3 layer with padding 1 gets a 1-pixel tile at
 * each end of a row, over 2 of the 3 kw taps.
 *
 * A 1x1 layer with unit strides and no padding has its rows merged into longer ones
 * (merge_1x1_rows), so that the short rows of 14×14 and 7×7 maps still make full tiles.
 *
 * Padded along W (a candidate of layers with W padding): run first copies the source into rows
 * with their padding columns (zeros, written once in prepare), and the kernels see a layer
 * without W padding: one run per row, every tile as wide as the row allows, where the clipped
 * runs leave one narrow tile per border whose few accumulators cannot hide the dot product's
 * latency (on 14- and 7-pixel rows, a large share of the work). The copy costs a pass over the
 * source; the planner weighs it (below).
 *
 * Subsampled (a candidate of 1x1 layers with strides above 1 and no padding): run first copies
 * the pixels the layer reads into a unit-stride source, whose rows then merge as above (the
 * strided rows of such a layer are short and read one pixel per cache line or less).
 *
 * Candidates: (copied or not) × the nb of the oc tiles, ranked by a cost model (row_plan_cost:
 * the table's dot-product throughput and latency, loads, and the copy); those near the cheapest
 * are timed in prepare by the planner (kernels/plan.h), which keeps the fastest.
 *
 * Input channels go in chunks of icc blocks whose packed weights (for the nb blocks of a tile)
 * stay in L1 (or, for the MIN_QSTEPS bound below, in L2), beside the src lines of a pixel tile,
 * while the chunk sweeps a work item's rows; a chunk that is not the last leaves its sums, as
 * they are (f32 or int32), in a per-thread scratch of those rows, which the next chunk starts
 * from. A chunk takes at least MIN_QSTEPS group steps per call (so the call and the loads and
 * stores of its accumulators stay a small share). A work item
 * is tg oc tiles (their chunk weights together in L1) × ohb rows (their scratch in L2); in a
 * chunk, row by row and pixel tile by pixel tile, the tiles of the group run one after the other
 * on the same src lines.
 *
 * Threads: work items (image, tile group, od, row block), split statically into contiguous
 * shares; every output is summed by one thread in one fixed order (chunk after chunk), so the
 * results do not depend on the thread count. */
#include "kernels/conv_lowp.h"
#include "kernels/conv_rows.h"
#include "kernels/plan.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cnb_conv_lowp_dw_vbmi = 1;

enum { BLK = 16 };   /* channels per nCx16c block and per accumulator vector */
/* Cache budgets: the working set of one input-channel chunk, the packed weights of the tiles of
 * a work item and the src lines of one pixel tile, stays in L1 (three quarters of the smallest
 * L1d we target, 32 KiB, leaving the rest to the outputs, the partial sums and the stack): the
 * weights are re-read for every pixel tile (64/ur bytes per dot product), so they are the ones
 * that must not spill; the partial sums of a work item's rows (re-read once per chunk) stay in
 * L2. MIN_QSTEPS outranks the L1 budget: a call of fewer group steps pays its fixed cost (the
 * call, nb·ur accumulator loads from the scratch and stores back, the loop set-up) on too few dot
 * products, which costs more than reading the weights from L2 (64/ur bytes per dot product,
 * far below what L2 delivers to L1). A call's weights are then about nb·64·MIN_QSTEPS bytes
 * (128 KiB for nb 4), a small share of any L2 we target. */
enum { L1_CHUNK_BYTES = 24 << 10, ACC_BYTES = 128 << 10, MIN_QSTEPS = 512 };
/* The model of the row candidates (row_plan_cost): a source copy moves COPY_BYTES_PER_CYCLE
 * (a load and a store of a vector every other cycle, from L2), and candidates whose cost is
 * within MODEL_SPREAD of the cheapest are timed by the planner. */
#define COPY_BYTES_PER_CYCLE 32.0
#define MODEL_SPREAD 1.3
/* Depthwise: channel blocks per kernel call, on tables whose dw kernel loops over blocks (fewer
 * calls: the per-call work of a short row is small beside its dispatch and set-up). */
enum { DW_CBG = 16 };

typedef struct oc_tile {
    int ob, nb;
} oc_tile;

typedef cnb_row_tile row_tile;

typedef struct lowp_plan {
    cnb_conv c;
    const cnb_conv_lowp_isa *isa;
    cnb_lowp_state epi;
    int qb;                  /* groups per pixel of a channel block: 16 / group */
    int qw;                  /* groups per (block, tap) of the packed weights, and the kernels'
                              * group steps: qb, or fewer when the input channels end in the
                              * first block (tables with short_groups) */
    int depthwise;
    int n_cb_in, n_cb_out;
    int32_t *wei;            /* packed, 64-byte aligned */
    int32_t *wei_q;          /* depthwise on a dw_quads table, no W dilation: the quad weights */
    int dw_vbmi;             /* quads: the CPU has AVX512-VBMI and cnb_conv_lowp_dw_vbmi allows it */
    int nq;                  /* their quads per kernel row, kw / 4 rounded up */
    int dw_cbg;              /* depthwise: channel blocks per kernel call (and work item) */
    int64_t *wei_off;        /* per output block, in words */
    int *icb_s, *n_icb;      /* per output block: first input block, blocks */
    oc_tile *ot;
    int n_ot, nb;
    int icc;                 /* input blocks per chunk (a call's reduction) */
    int chunked;             /* some tile has more input blocks than icc: partial sums in scratch */
    int ohb;                 /* output rows per work item */
    int tg;                  /* oc tiles per work item */
    int32_t *scr;            /* chunked: the partial sums, one slice per thread of the team */
    int64_t scr_slice;       /* elements per thread (64-byte multiple) */
    int nthr;                /* threads with a slice: the team of run is at most this */
    row_tile *rt;
    int n_rt;
    cnb_clip_dh dh;          /* clipped kd, kh ranges per od, oh */
    int round_add;           /* int8: the sums' bound lets the epilogue round by adding
                              * (cnb_conv_lowp_args.round_add) */
    int s8src;               /* s8 source (kernels/conv_lowp.h): run copies it XOR 0x80 */
    int padw;                /* run copies the source into columns padded along W (c: no pw) */
    int pw0, iw_src;         /* padded: the copy's left padding columns; the user's iw */
    int sub;                 /* run copies every (sd, sh, sw)-th pixel of the source of a strided
                              * 1x1 layer without padding (c: unit strides, merged rows) */
    int u_sd, u_sh, u_sw, u_id, u_ih, u_iw;   /* sub: the user's strides, input and output */
    int u_od, u_oh, u_ow;                     /* sizes (c has the merged rows) */
    uint8_t *src_cp;         /* the copy (s8src, padw or sub), src_bytes long */
    int64_t src_bytes;
    int32_t *wsum;           /* −128·Σ_ic w per [ob][tap][16 lanes] */
    char name[128];
} lowp_plan;

void cnb_conv_lowp_release(void *state)
{
    lowp_plan *P = state;
    if (!P) return;
    free(P->wei);
    free(P->wei_q);
    free(P->scr);
    free(P->wei_off);
    free(P->icb_s);
    free(P->n_icb);
    free(P->ot);
    free(P->rt);
    free(P->src_cp);
    free(P->wsum);
    cnb_clip_dh_free(&P->dh);
    free(P);
}

static int requant_shift(const cnb_types *t)
{
    return t->dst_scale_log2 - t->src_scale_log2 - t->wei_scale_log2;
}

static const char *supports(const cnb_problem *p, int s8_src)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g < 1 || c->ic % c->g || c->oc % c->g) return "channels not divisible by groups";
    const char *why = cnb_conv_stride_error(c);
    if (why) return why;
    /* s8 source: native on tables with s8_src (a signed × signed product); the others add 128
     * (a u8 copy) and start each row call from the compensation, which the depthwise kernels
     * do not take. */
    if (p->dt.src == CNB_DT_S8 && !s8_src && c->g > 1 && c->g == c->ic && c->g == c->oc)
        return "s8 source in a depthwise convolution (the s8 compensation is for the row kernels)";
    if (cnb_dt_requantized(&p->dt)) {
        const int shift = requant_shift(&p->dt);
        if (shift < 0 || shift > 31) return "a requantization scale that is not 2^-s, 0 ≤ s ≤ 31";
    }
    return NULL;
}

const char *cnb_conv_lowp_supports(const cnb_problem *p) { return supports(p, 0); }
const char *cnb_conv_lowp_supports_s8src(const cnb_problem *p) { return supports(p, 1); }

static int isa_ok(const cnb_conv_lowp_isa *t)
{
    if ((t->group != 2 && t->group != 4) || t->nb_max < 1 || t->nb_max > CNB_CONV_NB_MAX ||
        t->dw_ur_max < 1 || !t->row || !t->dw)
        return 0;
    for (int nb = 1; nb <= t->nb_max; nb++)
        if (t->ur_max[nb] < 1 || (nb > 1 && t->ur_max[nb] > t->ur_max[nb - 1])) return 0;
    return 1;
}

/* The row tiles: runs of equal clipped kw ranges, near-equal widths (kernels/conv_rows.h). */
static int build_row_tiles(const cnb_conv *c, int ur_max, row_tile *rt)
{
    return cnb_conv_row_runs(c, ur_max, CNB_CUT_EVEN, rt);
}

/* Estimated cycles of one tile call per (input group, tap): the dot products at full
 * throughput, or their latency when the tile has too few accumulators to hide it, or the loads
 * (nb weight vectors and ur broadcasts, 2 per cycle), plus a little loop overhead. */
static double tile_cost(const cnb_conv_lowp_isa *isa, int nb, int ur)
{
    double c = nb * ur * isa->dp_cycles;
    if (isa->dp_latency > c) c = isa->dp_latency;
    if ((nb + ur) / 2.0 > c) c = (nb + ur) / 2.0;
    return c + 0.25;
}

static double row_cost(const cnb_conv_lowp_isa *isa, const row_tile *rt, int n, int nb)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += rt[i].nkw * tile_cost(isa, nb, rt[i].ur);
    return s;
}

/* A 1x1 convolution with unit strides and no padding reads input pixel p for output pixel p,
 * in the same order (nCx16c keeps a block's pixels contiguous), so consecutive rows can be
 * merged into one longer row: the driver then sees k·ow-pixel rows, whose tiles are fewer and
 * fuller than the tiles of short rows (a 7×7 map gives one 49-pixel row instead of seven rows
 * of 7). k is the smallest divisor of od·oh that makes a row at least min_px pixels long, so
 * that the rows stay many enough to share among threads. */
static void merge_1x1_rows(cnb_conv *c, int min_px)
{
    if (c->kd != 1 || c->kh != 1 || c->kw != 1 || c->sd != 1 || c->sh != 1 || c->sw != 1 ||
        c->pd || c->ph || c->pw || c->pd_r || c->ph_r || c->pw_r || c->od != c->id ||
        c->oh != c->ih || c->ow != c->iw)
        return;
    const int rows = c->od * c->oh;
    int k = 1;
    while (k < rows && (rows % k || k * c->ow < min_px)) k++;
    c->ow = c->iw = k * c->ow;
    c->oh = c->ih = rows / k;
    c->od = c->id = 1;
}

/* Weight element i of the user's array, for any type of the supported triples. */
static void put_elem(unsigned char *dst, const void *wei, int64_t i, int es)
{
    if (i < 0)
        memset(dst, 0, es);
    else
        memcpy(dst, (const unsigned char *)wei + i * es, es);
}

/* Depthwise: [cb][taps][16] as 32-bit words (bf16 as the f32 of the same value, s8 widened). */
static int pack_depthwise(lowp_plan *P, const void *wei, cnb_dt wt)
{
    const cnb_conv *c = &P->c;
    const int taps = c->kd * c->kh * c->kw;
    P->wei = cnb_alloc64((int64_t)P->n_cb_out * taps * BLK * 4);
    if (!P->wei) return 0;
    for (int cb = 0; cb < P->n_cb_out; cb++)
        for (int t = 0; t < taps; t++)
            for (int l = 0; l < BLK; l++) {
                const int ch = cb * BLK + l;
                int32_t v = 0;
                if (ch < c->oc) {
                    const int64_t i = (int64_t)ch * taps + t;
                    v = wt == CNB_DT_BF16 ? (int32_t)((uint32_t)((const uint16_t *)wei)[i] << 16)
                                          : (int32_t)((const int8_t *)wei)[i];
                }
                P->wei[((int64_t)cb * taps + t) * BLK + l] = v;
            }
    return 1;
}

/* Depthwise, quad weights (kernels/conv_lowp.h): [cb][kd][kh][nq][16 lanes][4 taps] as s8
 * bytes, zero beyond kw and beyond OC. */
static int pack_depthwise_quads(lowp_plan *P, const void *wei)
{
    const cnb_conv *c = &P->c;
    const int taps = c->kd * c->kh * c->kw, nq = (c->kw + 3) / 4;
    P->nq = nq;
    const int64_t words = (int64_t)P->n_cb_out * c->kd * c->kh * nq * BLK;
    P->wei_q = cnb_alloc64(words * 4);
    if (!P->wei_q) return 0;
    int8_t *w = (int8_t *)P->wei_q;
    memset(w, 0, words * 4);
    for (int cb = 0; cb < P->n_cb_out; cb++)
        for (int kd = 0; kd < c->kd; kd++)
            for (int kh = 0; kh < c->kh; kh++)
                for (int kw = 0; kw < c->kw; kw++)
                    for (int l = 0; l < BLK; l++) {
                        const int ch = cb * BLK + l;
                        if (ch >= c->oc) continue;
                        const int64_t row = (((int64_t)cb * c->kd + kd) * c->kh + kh) * nq + kw / 4;
                        w[(row * BLK + l) * 4 + kw % 4] =
                            ((const int8_t *)wei)[(int64_t)ch * taps + (kd * c->kh + kh) * c->kw + kw];
                    }
    return 1;
}

/* Per output block: the input blocks its groups read (icb_s, n_icb) and the offset of its
 * packed weights (wei_off, nob + 1 entries). */
static int oc_block_ranges(lowp_plan *P)
{
    const cnb_conv *c = &P->c;
    const int taps = c->kd * c->kh * c->kw, QW = P->qw;
    const int icg = c->ic / c->g, ocg = c->oc / c->g, nob = P->n_cb_out;
    P->wei_off = malloc(sizeof(int64_t) * (nob + 1));
    P->icb_s = malloc(sizeof(int) * nob);
    P->n_icb = malloc(sizeof(int) * nob);
    if (!P->wei_off || !P->icb_s || !P->n_icb) return 0;
    const int64_t words_blk = (int64_t)taps * QW * BLK;   /* per (ob, icb) */
    int64_t off = 0;
    for (int ob = 0; ob < nob; ob++) {
        const int oc0 = ob * BLK, oc1 = (oc0 + BLK < c->oc ? oc0 + BLK : c->oc) - 1;
        const int ic_s = oc0 / ocg * icg, ic_e = (oc1 / ocg + 1) * icg;
        P->icb_s[ob] = ic_s / BLK;
        P->n_icb[ob] = (ic_e + BLK - 1) / BLK - ic_s / BLK;
        P->wei_off[ob] = off;
        off += P->n_icb[ob] * words_blk;
    }
    P->wei_off[nob] = off;
    return 1;
}

/* Row path: per output block, [icb][taps][q][16 oc][group], zero across groups and beyond IC, OC
 * (after oc_block_ranges). */
static int pack_rows(lowp_plan *P, const void *wei, int es)
{
    const cnb_conv *c = &P->c;
    const int taps = c->kd * c->kh * c->kw, G = P->isa->group, QW = P->qw;
    const int icg = c->ic / c->g, ocg = c->oc / c->g, nob = P->n_cb_out;
    P->wei = cnb_alloc64(P->wei_off[nob] * 4);
    if (!P->wei) return 0;
#pragma omp parallel for schedule(dynamic)
    for (int ob = 0; ob < nob; ob++) {
        unsigned char *w = (unsigned char *)(P->wei + P->wei_off[ob]);
        for (int icb = 0; icb < P->n_icb[ob]; icb++)
            for (int t = 0; t < taps; t++)
                for (int q = 0; q < QW; q++)
                    for (int o = 0; o < BLK; o++)
                        for (int e = 0; e < G; e++, w += es) {
                            const int ic = (P->icb_s[ob] + icb) * BLK + q * G + e;
                            const int oc = ob * BLK + o;
                            int64_t i = -1;
                            if (oc < c->oc && ic < c->ic && ic / icg == oc / ocg)
                                i = ((int64_t)oc * icg + ic - oc / ocg * icg) * taps + t;
                            put_elem(w, wei, i, es);
                        }
    }
    return 1;
}

/* s8 source: −128 × the sum over the input channels of each packed weight lane, per output
 * block and tap (the packing is zero across groups and beyond IC, so those add nothing). */
static int pack_wsum(lowp_plan *P)
{
    const cnb_conv *c = &P->c;
    const int taps = c->kd * c->kh * c->kw, G = P->isa->group, QW = P->qw;
    P->wsum = cnb_alloc64((int64_t)P->n_cb_out * taps * BLK * 4);
    if (!P->wsum) return 0;
    for (int ob = 0; ob < P->n_cb_out; ob++)
        for (int t = 0; t < taps; t++)
            for (int o = 0; o < BLK; o++) {
                int32_t sum = 0;
                for (int icb = 0; icb < P->n_icb[ob]; icb++) {
                    const int8_t *w = (const int8_t *)(P->wei + P->wei_off[ob]) +
                                      (((int64_t)icb * taps + t) * QW * BLK + o) * G;
                    for (int q = 0; q < QW; q++)
                        for (int e = 0; e < G; e++) sum += w[q * BLK * G + e];
                }
                P->wsum[((int64_t)ob * taps + t) * BLK + o] = -128 * sum;
            }
    return 1;
}

/* Output-channel tiles of nb blocks over runs of consecutive blocks that read the same input
 * blocks (every block for g = 1), the last of a run smaller. Returns the count. */
static int build_oc_tiles(const lowp_plan *P, int nb, oc_tile *ot)
{
    int n = 0;
    for (int ob = 0; ob < P->n_cb_out;) {
        int end = ob + 1;
        while (end < P->n_cb_out && P->icb_s[end] == P->icb_s[ob] && P->n_icb[end] == P->n_icb[ob])
            end++;
        for (int b = ob; b < end; b += nb) {
            const int k = end - b < nb ? end - b : nb;
            if (ot) ot[n] = (oc_tile){b, k};
            n++;
        }
        ob = end;
    }
    return n;
}

/* The model's estimate of a row plan's run time in cycles: the row tiles (tile_cost per group
 * step and tap) of every oc tile of nb blocks, over every output row, times the group steps of
 * its input blocks and its kd·kh taps (the clipping along D and H left out: every candidate has
 * the same); plus, padded along W, the copy of the source at COPY_BYTES_PER_CYCLE. */
static double row_plan_cost(const lowp_plan *P, int nb, row_tile *rt)
{
    const cnb_conv_lowp_isa *isa = P->isa;
    const cnb_conv *c = &P->c;
    const int n = build_row_tiles(c, isa->ur_max[nb], rt);
    double cost = 0;
    for (int ob = 0; ob < P->n_cb_out;) {
        int end = ob + 1;
        while (end < P->n_cb_out && P->icb_s[end] == P->icb_s[ob] && P->n_icb[end] == P->n_icb[ob])
            end++;
        const int len = end - ob;
        double run = len / nb * row_cost(isa, rt, n, nb);
        if (len % nb) run += row_cost(isa, rt, n, len % nb);
        cost += run * P->n_icb[ob] * P->qw;
        ob = end;
    }
    cost *= (double)c->kd * c->kh * c->od * c->oh * c->mb;
    if (P->padw || P->sub)
        cost += (double)c->mb * P->n_cb_in * c->id * c->ih * c->iw * BLK * P->epi.esize /
                COPY_BYTES_PER_CYCLE;
    return cost;
}

/* A row plan's free choices: the source padded along W or not, the oc blocks per tile. */
typedef struct lowp_variant {
    int padw, nb;
} lowp_variant;

/* A 1x1 layer with a stride above 1 and no padding (res3a_branch1 of ResNet-50; a negative right
 * padding only leaves input pixels unread): its outputs read every stride-th pixel of the
 * source, which a copy can pack into a unit-stride layer. */
static int strided_1x1(const cnb_conv *c)
{
    return c->kd == 1 && c->kh == 1 && c->kw == 1 && (c->sd > 1 || c->sh > 1 || c->sw > 1) &&
           !c->pd && !c->ph && !c->pw && c->pd_r <= 0 && c->ph_r <= 0 && c->pw_r <= 0;
}

/* The common part of a plan: types, blocks, the shape the kernels see (rows of 1x1 layers
 * merged; padded along W, the copy's shape: no W padding, pw + iw + max(pw_r, 0) columns). */
static lowp_plan *plan_begin(const cnb_conv_lowp_isa *isa, const cnb_problem *p, int padw)
{
    lowp_plan *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    P->c = p->conv;
    cnb_conv *c = &P->c;
    P->isa = isa;
    P->epi.t = p->dt;
    P->epi.esize = cnb_dt_size(p->dt.src);
    P->epi.group = isa->group;
    if (cnb_dt_requantized(&p->dt)) {
        P->epi.shift = requant_shift(&p->dt);
        /* Every final sum is a sum of ic/g · taps products of a u8 (or, with the s8
         * compensation, s8) value and an s8 weight: |s| ≤ 255 · 128 per product. */
        const int64_t k = (int64_t)(c->ic / c->g) * c->kd * c->kh * c->kw;
        const int64_t half = P->epi.shift ? (int64_t)1 << (P->epi.shift - 1) : 0;
        P->round_add = k * 255 * 128 + half < ((int64_t)1 << 31);
    }
    P->qb = P->qw = BLK / isa->group;
    /* Input channels that end inside the first block (the first layers: 3 channels): the
     * groups beyond them are zero in every tap, so the weights keep only the groups up to the
     * last channel, and the kernels skip the others (4 times fewer dot products for 3 channels). */
    if (isa->short_groups && c->ic < BLK) P->qw = (c->ic + isa->group - 1) / isa->group;
    P->n_cb_in = (c->ic + BLK - 1) / BLK;
    P->n_cb_out = (c->oc + BLK - 1) / BLK;
    P->depthwise = c->g > 1 && c->g == c->ic && c->g == c->oc;
    P->iw_src = c->iw;   /* the copy's source rows: the user's, or the merged rows below */
    if (padw && strided_1x1(c)) {
        /* The copy variant of a strided 1x1 layer: the pixels it reads, one after the other
         * (the kernels then see a unit-stride 1x1 layer, whose rows merge below). */
        P->sub = 1;
        P->u_sd = c->sd, P->u_sh = c->sh, P->u_sw = c->sw;
        P->u_id = c->id, P->u_ih = c->ih, P->u_iw = c->iw;
        P->u_od = c->od, P->u_oh = c->oh, P->u_ow = c->ow;
        c->id = c->od, c->ih = c->oh, c->iw = c->ow;
        c->sd = c->sh = c->sw = 1;
        c->pd_r = c->ph_r = c->pw_r = 0;
    } else if (padw) {
        P->padw = 1;
        P->pw0 = c->pw;
        c->iw = c->pw + c->iw + (c->pw_r > 0 ? c->pw_r : 0);
        c->pw = 0;
        c->pw_r = c->pw_r < 0 ? c->pw_r : 0;
    }
    if (!P->depthwise) merge_1x1_rows(c, 2 * isa->ur_max[1]);
    if (!padw) P->iw_src = c->iw;
    P->rt = malloc(sizeof(row_tile) * (c->ow > 0 ? c->ow : 1));
    if (!P->rt || !cnb_clip_dh_make(c, &P->dh)) {
        cnb_conv_lowp_release(P);
        return NULL;
    }
    return P;
}

static lowp_plan *build_depthwise(const cnb_conv_lowp_isa *isa, const cnb_problem *p, const void *wei)
{
    lowp_plan *P = plan_begin(isa, p, 0);
    if (!P) return NULL;
    const cnb_conv *c = &P->c;
    if (!pack_depthwise(P, wei, p->dt.wei)) goto fail;
    /* Quads (u8 × s8 here: s8 sources are declined for depthwise) when the quad kernels'
     * rounding may add 2^(shift − 1) to any sum: taps·255·128 + 2^30 < 2^31. */
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    if (isa->dw_quads && p->dt.wei == CNB_DT_S8 && c->dw == 0 && c->kw <= 8 &&
        taps * 255 * 128 < (1 << 30) && !pack_depthwise_quads(P, wei))
        goto fail;
#if defined(__x86_64__)
    P->dw_vbmi = P->wei_q && cnb_conv_lowp_dw_vbmi && __builtin_cpu_supports("avx512vbmi");
#endif
    if (P->wei_q && c->ow <= isa->dw_ur_max) {
        /* Quad calls are not clipped along W (their loads are masked): a short row is one
         * tile, border pixels included (longer rows keep the runs below, so that their
         * interior tiles, the most, have no border pixel: those are the faster). */
        P->rt[0] = (row_tile){.ow0 = 0, .ur = c->ow, .kw_lo = 0, .nkw = c->kw};
        P->n_rt = c->ow > 0;
    } else
        P->n_rt = build_row_tiles(c, isa->dw_ur_max, P->rt);
    /* Rows per work item: whole channel planes, halved while the items are fewer than 8
     * per thread. */
    P->dw_cbg = isa->dw_blocks ? DW_CBG : 1;
    if (P->dw_cbg > P->n_cb_out) P->dw_cbg = P->n_cb_out;
    const int64_t planes = (int64_t)c->mb * ((P->n_cb_out + P->dw_cbg - 1) / P->dw_cbg) * c->od;
    P->ohb = c->oh;
    while (P->ohb > 1 && planes * ((c->oh + P->ohb - 1) / P->ohb) < 8 * omp_get_max_threads())
        P->ohb = (P->ohb + 1) / 2;
    snprintf(P->name, sizeof P->name, "conv/%s_direct[depthwise%s ur%d]", isa->name,
             P->wei_q ? " quads" : "", isa->dw_ur_max);
    return P;
fail:
    cnb_conv_lowp_release(P);
    return NULL;
}

static lowp_plan *build_rows(const cnb_conv_lowp_isa *isa, const cnb_problem *p, const void *wei,
                             const lowp_variant *v)
{
    lowp_plan *P = plan_begin(isa, p, v->padw);
    if (!P) return NULL;
    const cnb_conv *c = &P->c;
    if (!oc_block_ranges(P) || !pack_rows(P, wei, cnb_dt_size(p->dt.wei))) goto fail;
    P->s8src = p->dt.src == CNB_DT_S8 && !isa->s8_src;
    if (P->s8src && !pack_wsum(P)) goto fail;
    if (P->s8src || P->padw || P->sub) {
        /* The copy run makes: its padding columns (s8 zero: 0x80 in the flipped copy; zero
         * otherwise) are written here, once. */
        P->src_bytes = (int64_t)c->mb * P->n_cb_in * c->id * c->ih * c->iw * BLK * P->epi.esize;
        P->src_cp = cnb_alloc64(P->src_bytes);
        if (!P->src_cp) goto fail;
        memset(P->src_cp, P->s8src ? 0x80 : 0, P->src_bytes);
    }
    P->nb = v->nb;
    P->n_rt = build_row_tiles(c, isa->ur_max[P->nb], P->rt);
    P->n_ot = build_oc_tiles(P, P->nb, NULL);
    P->ot = malloc(sizeof(oc_tile) * P->n_ot);
    if (!P->ot) goto fail;
    build_oc_tiles(P, P->nb, P->ot);
    /* Blocking (see the top of the file): chunks of icc input blocks, at least MIN_QSTEPS
     * group steps per call, and groups of tg oc tiles, so that the chunk's weights of the group
     * and the src lines of a pixel tile fit L1_CHUNK_BYTES. Per input block: icb_bytes of
     * weights per tile, src_icb bytes of src (the kd·kh input rows of the pixel tile's span). */
    const int64_t icb_bytes = (int64_t)P->nb * c->kd * c->kh * c->kw * P->qw * BLK * 4;
    const int ur = isa->ur_max[P->nb] < c->ow ? isa->ur_max[P->nb] : c->ow;
    const int64_t span = (int64_t)(ur - 1) * c->sw + (int64_t)(c->kw - 1) * (c->dw + 1) + 1;
    const int64_t src_icb = (int64_t)c->kd * c->kh * span * BLK * P->epi.esize;
    const int qsteps_icb = c->kd * c->kh * c->kw * P->qw;
    int max_icb = 1;
    for (int ob = 0; ob < P->n_cb_out; ob++)
        if (P->n_icb[ob] > max_icb) max_icb = P->n_icb[ob];
    const int64_t budget = L1_CHUNK_BYTES;
    P->icc = (int)(budget / (icb_bytes + src_icb));
    if (P->icc * qsteps_icb < MIN_QSTEPS) P->icc = (MIN_QSTEPS + qsteps_icb - 1) / qsteps_icb;
    if (P->icc >= max_icb) P->icc = max_icb;
    else {
        /* Even chunks: the last one as large as the others. */
        const int nch = (max_icb + P->icc - 1) / P->icc;
        P->icc = (max_icb + nch - 1) / nch;
    }
    P->chunked = P->icc < max_icb;
    P->tg = (int)((budget - P->icc * src_icb) / (P->icc * icb_bytes));
    if (P->tg < 1) P->tg = 1;
    if (P->tg > P->n_ot) P->tg = P->n_ot;
    P->ohb = 1;
    if (P->chunked) {
        const int64_t row_bytes = (int64_t)c->ow * P->nb * P->tg * BLK * 4;
        P->ohb = (int)(ACC_BYTES / row_bytes);
        if (P->ohb < 1) P->ohb = 1;
        if (P->ohb > c->oh) P->ohb = c->oh;
        /* Halved while the work items are fewer than 4 per thread (a small map with few oc
         * tiles would leave a thread idle). */
        const int64_t planes = (int64_t)c->mb * ((P->n_ot + P->tg - 1) / P->tg) * c->od;
        while (P->ohb > 1 && planes * ((c->oh + P->ohb - 1) / P->ohb) < 4 * omp_get_max_threads())
            P->ohb = (P->ohb + 1) / 2;
        const int nrb = (c->oh + P->ohb - 1) / P->ohb;
        P->ohb = (c->oh + nrb - 1) / nrb;
        /* The scratch is allocated here, never in the timed run: a slice per thread of the
         * largest team run may get (omp_get_max_threads at prepare; run caps its team to it). */
        P->nthr = omp_get_max_threads();
        P->scr_slice = ((int64_t)P->nb * P->ohb * c->ow * BLK * P->tg + 15) & ~(int64_t)15;
        P->scr = cnb_alloc64(P->scr_slice * P->nthr * 4);
        if (!P->scr) goto fail;
    }
    snprintf(P->name, sizeof P->name, "conv/%s_direct[direct ur%d nb%d icc%d tg%d ohb%d%s]",
             isa->name, isa->ur_max[P->nb], P->nb, P->icc * BLK, P->tg, P->ohb,
             P->padw ? " padw" : P->sub ? " sub" : "");
    return P;
fail:
    cnb_conv_lowp_release(P);
    return NULL;
}

/* The candidates of a row plan, the model's first: every (padw, nb), padded only with padding
 * along W, by the model's cost (row_plan_cost; a larger nb displaces a smaller only when more
 * than 2 % cheaper, as does padding), those within MODEL_SPREAD of the cheapest. Tables without
 * plan_rows (NEON, whose tests force nb through the model) get the model's unpadded plan
 * alone. Returns the count (0: out of memory). */
static int row_variants(const cnb_conv_lowp_isa *isa, const cnb_problem *p, lowp_variant *v)
{
    const int pads = isa->plan_rows && (p->conv.pw > 0 || p->conv.pw_r > 0 || strided_1x1(&p->conv)) ? 2 : 1;
    double cost[2][CNB_CONV_NB_MAX + 1];
    for (int padw = 0; padw < pads; padw++) {
        lowp_plan *P = plan_begin(isa, p, padw);
        if (!P || !oc_block_ranges(P)) {
            cnb_conv_lowp_release(P);
            return 0;
        }
        for (int nb = 1; nb <= isa->nb_max; nb++) cost[padw][nb] = row_plan_cost(P, nb, P->rt);
        cnb_conv_lowp_release(P);
    }
    int n = 0;
    lowp_variant all[2 * CNB_CONV_NB_MAX];
    double all_cost[2 * CNB_CONV_NB_MAX];
    for (int padw = 0; padw < pads; padw++)
        for (int nb = 1; nb <= isa->nb_max; nb++) {
            all[n] = (lowp_variant){padw, nb};
            all_cost[n++] = cost[padw][nb];
        }
    /* Selection sort by cost, the earlier (unpadded, smaller nb) first unless 2 % dearer. */
    for (int i = 0; i < n; i++) {
        int b = i;
        for (int j = i + 1; j < n; j++)
            if (all_cost[j] < all_cost[b] * 0.98) b = j;
        const lowp_variant tv = all[i];
        const double tc = all_cost[i];
        all[i] = all[b], all_cost[i] = all_cost[b];
        all[b] = tv, all_cost[b] = tc;
    }
    int k = 0;
    for (int i = 0; i < n && k < CNB_PLAN_MAX_CANDIDATES; i++)
        if (i == 0 || (isa->plan_rows && all_cost[i] <= all_cost[0] * MODEL_SPREAD)) v[k++] = all[i];
    return k;
}

typedef struct {
    lowp_plan *const *P;
    const cnb_problem *p;
    const void *src;
    void *dst;
} time_ctx;

static double time_plan(void *ctx, int k)
{
    const time_ctx *x = ctx;
    const double t0 = omp_get_wtime();
    cnb_conv_lowp_run(x->P[k], x->p, x->src, NULL, x->dst);
    return omp_get_wtime() - t0;
}

/* Builds the row candidates and lets the planner choose, timed on zero tensors (the time does
 * not depend on the values). Every candidate computes the same products of each output, in the
 * same order (input blocks, kd, kh, kw, groups; a padded tap adds an exact zero), so candidates
 * agree bit for bit. Without memory for the timing tensors, the model's plan stands. */
void *cnb_conv_lowp_prepare(const cnb_conv_lowp_isa *isa, const cnb_problem *p, const void *wei)
{
    if (supports(p, isa->s8_src) || !wei || !isa_ok(isa)) return NULL;
    const cnb_conv *c = &p->conv;
    if (c->g > 1 && c->g == c->ic && c->g == c->oc) return build_depthwise(isa, p, wei);
    lowp_variant v[CNB_PLAN_MAX_CANDIDATES];
    const int nv = row_variants(isa, p, v);
    lowp_plan *P[CNB_PLAN_MAX_CANDIDATES] = {0};
    const char *names[CNB_PLAN_MAX_CANDIDATES];
    char keys[CNB_PLAN_MAX_CANDIDATES][32];
    int n = 0;
    for (int i = 0; i < nv; i++) {
        lowp_plan *q = build_rows(isa, p, wei, &v[i]);
        if (!q) {
            if (i == 0) return NULL;   /* the model's own plan: out of memory */
            continue;
        }
        snprintf(keys[n], sizeof keys[n], "nb%d%s", v[i].nb, v[i].padw ? (strided_1x1(&p->conv) ? "-sub" : "-padw") : "");
        names[n] = keys[n];
        P[n++] = q;
    }
    int k = 0;
    if (n > 1) {
        const int64_t src_b = (int64_t)c->mb * ((c->ic + BLK - 1) / BLK) * c->id * c->ih * c->iw *
                              BLK * cnb_dt_size(p->dt.src);
        const int64_t dst_b = (int64_t)c->mb * ((c->oc + BLK - 1) / BLK) * c->od * c->oh * c->ow *
                              BLK * cnb_dt_size(p->dt.dst);
        void *src = cnb_alloc64(src_b), *dst = cnb_alloc64(dst_b);
        if (src && dst) {
            memset(src, 0, src_b);
            char impl[64];
            snprintf(impl, sizeof impl, "conv/%s_direct", isa->name);
            time_ctx x = {P, p, src, dst};
            k = cnb_plan_choose(impl, p, omp_get_max_threads(), n, names, time_plan, &x, NULL);
        }
        free(src);
        free(dst);
    }
    for (int j = 0; j < n; j++)
        if (j != k) cnb_conv_lowp_release(P[j]);
    return P[k];
}

/* Depthwise work items: (image, channel block, od, block of ohb output rows), the row
 * arithmetic done once per row and the tile offsets once per item, so that the small rows of
 * late layers (7 or 14 pixels) do not pay divisions and index computations per call. */
static void run_depthwise(const lowp_plan *P, const void *src, void *dst)
{
    const cnb_conv *c = &P->c;
    const int ncb = P->n_cb_out, es = cnb_dt_size(P->epi.t.src), ohb = P->ohb, cbg = P->dw_cbg;
    const int nrb = (c->oh + ohb - 1) / ohb, ngr = (ncb + cbg - 1) / cbg;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * BLK;
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * BLK;
    const int64_t items = (int64_t)c->mb * ngr * c->od * nrb;
    const cnb_conv_lowp_dw_fn kern = P->isa->dw;

#pragma omp parallel
    {
        cnb_conv_lowp_dw_args a;
        a.src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw * BLK;
        a.src_kh = (int64_t)(c->dh + 1) * c->iw * BLK;
        a.src_kw = (int64_t)(c->dw + 1) * BLK;
        a.src_ow = (int64_t)c->sw * BLK;
        a.wei_kd = (int64_t)c->kh * c->kw * BLK;
        a.wei_kh = (int64_t)c->kw * BLK;
        a.wei_q_kh = (int64_t)P->nq * BLK;
        a.wei_q_kd = c->kh * a.wei_q_kh;
        a.nq = P->nq;
        a.vbmi = P->dw_vbmi;
        a.kw = c->kw;
        a.iw = c->iw;
        a.src_cb = src_cb * es;
        a.wei_cb = taps * BLK;
        a.wei_q_cb = c->kd * a.wei_q_kd;
        a.dst_cb = dst_cb;
        a.dst = dst;
        a.epi = &P->epi;
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++) {
            const int rb = (int)(it % nrb), od = (int)(it / nrb % c->od);
            const int64_t ngr_idx = it / nrb / c->od; /* n·ngr + group */
            const int cb = (int)(ngr_idx % ngr) * cbg;
            const int64_t ncb_idx = ngr_idx / ngr * ncb + cb;   /* n·ncb + cb */
            a.ncb = ncb - cb < cbg ? ncb - cb : cbg;
            const int oh0 = rb * ohb, oh1 = oh0 + ohb < c->oh ? oh0 + ohb : c->oh;
            const int kd_lo = P->dh.kd_lo[od], nkd = P->dh.nkd[od];
            const int id0 = od * c->sd - c->pd + kd_lo * (c->dd + 1);
            const unsigned char *s_cb = (const unsigned char *)src + ncb_idx * src_cb * es;
            const int32_t *w_cb = P->wei + cb * taps * BLK;
            const int32_t *wq_cb = P->wei_q ? P->wei_q + cb * c->kd * a.wei_q_kd : NULL;
            for (int oh = oh0; oh < oh1; oh++) {
                const int kh_lo = P->dh.kh_lo[oh], nkh = P->dh.nkh[oh];
                const int ih0 = oh * c->sh - c->ph + kh_lo * (c->dh + 1);
                const int64_t s_row = ((int64_t)id0 * c->ih + ih0) * c->iw;
                const int32_t *w_row = w_cb + ((int64_t)kd_lo * c->kh + kh_lo) * c->kw * BLK;
                const int64_t d_row = ncb_idx * dst_cb + ((int64_t)od * c->oh + oh) * c->ow * BLK;
                for (int i = 0; i < P->n_rt; i++) {
                    const row_tile *r = &P->rt[i];
                    a.dst_index = d_row + (int64_t)r->ow0 * BLK;
                    if (wq_cb && nkd && nkh) {
                        /* a quad call: from pixel 0's window start, which may lie before the
                         * row (an address only: its bytes are masked off) */
                        a.iw_lo = r->ow0 * c->sw - c->pw;
                        a.nkd = nkd;
                        a.nkh = nkh;
                        a.nkw = c->kw;
                        a.kw_lo = 0;
                        a.src = (const void *)((uintptr_t)s_cb + (uintptr_t)((s_row + a.iw_lo) * BLK * es));
                        a.wei = w_row;
                        a.wei_q = wq_cb + kd_lo * a.wei_q_kd + kh_lo * a.wei_q_kh;
                    } else if (nkd && nkh && r->nkw) {
                        /* cnb_row_tile_pixel, with the row's part hoisted */
                        const int iw0 = r->ow0 * c->sw - c->pw + r->kw_lo * (c->dw + 1);
                        a.nkd = nkd;
                        a.nkh = nkh;
                        a.nkw = r->nkw;
                        a.kw_lo = r->kw_lo;
                        a.src = s_cb + (s_row + iw0) * BLK * es;
                        a.wei = w_row + r->kw_lo * BLK;
                        a.wei_q = wq_cb ? wq_cb + kd_lo * a.wei_q_kd + kh_lo * a.wei_q_kh : NULL;
                    } else {
                        a.nkd = a.nkh = a.nkw = 0;
                        a.kw_lo = 0;
                        a.src = s_cb;
                        a.wei = P->wei;
                        a.wei_q = P->wei_q;
                    }
                    kern(&a, r->ur);
                }
            }
        }
    }
}

/* s8 source: the initial sums of a call, −128 × the weights of the taps it reads (its clipped
 * window), per lane of its nb output blocks. */
static void s8_compensation(const lowp_plan *P, int ob, int nb, int kd_lo, int nkd, int kh_lo,
                            int nkh, int kw_lo, int nkw, int32_t *comp)
{
    const cnb_conv *c = &P->c;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    for (int b = 0; b < nb; b++) {
        int32_t *o = comp + b * BLK;
        for (int l = 0; l < BLK; l++) o[l] = 0;
        for (int kd = kd_lo; kd < kd_lo + nkd; kd++)
            for (int kh = kh_lo; kh < kh_lo + nkh; kh++)
                for (int kw = kw_lo; kw < kw_lo + nkw; kw++) {
                    const int32_t *w = P->wsum + ((ob + b) * taps + ((int64_t)kd * c->kh + kh) * c->kw + kw) * BLK;
                    for (int l = 0; l < BLK; l++) o[l] += w[l];
                }
    }
}

/* The subsampled copy (sub): output pixel (d, h, w) of each channel block gets the source pixel
 * (d·sd, h·sh, w·sw), flipped to u8 for an s8 source. */
static void copy_subsampled(const lowp_plan *P, const void *src)
{
    const cnb_conv *c = &P->c;
    const int64_t px = (int64_t)BLK * P->epi.esize;
    const int64_t rows = (int64_t)c->mb * P->n_cb_in * P->u_od * P->u_oh;
    const int flip = P->s8src;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int h = (int)(r % P->u_oh), d = (int)(r / P->u_oh % P->u_od);
        const int64_t nc = r / P->u_oh / P->u_od;   /* image · n_cb_in + block */
        const uint8_t *s = (const uint8_t *)src +
                           ((nc * P->u_id + (int64_t)d * P->u_sd) * P->u_ih + (int64_t)h * P->u_sh) * P->u_iw * px;
        uint8_t *o = P->src_cp + r * P->u_ow * px;
        const int64_t step = P->u_sw * px;
        if (flip)
            for (int w = 0; w < P->u_ow; w++, s += step, o += px)
                for (int64_t i = 0; i < px; i++) o[i] = (uint8_t)(s[i] ^ 0x80);
        else if (px == 32)
            for (int w = 0; w < P->u_ow; w++, s += step, o += 32) memcpy(o, s, 32);
        else
            for (int w = 0; w < P->u_ow; w++, s += step, o += px) memcpy(o, s, px);
    }
}

/* The source copy: each row of iw_src pixels (all its channel blocks' rows, each block's
 * pixels contiguous) at column pw0 of a row of c.iw; flipped to u8 (s + 128 = s XOR 0x80) for
 * an s8 source. The padding columns were written in prepare. */
static void copy_source(const lowp_plan *P, const void *src)
{
    if (P->sub) {
        copy_subsampled(P, src);
        return;
    }
    const cnb_conv *c = &P->c;
    const int64_t rows = (int64_t)c->mb * P->n_cb_in * c->id * c->ih;
    const int64_t in = (int64_t)P->iw_src * BLK * P->epi.esize, out = (int64_t)c->iw * BLK * P->epi.esize;
    const int64_t off = (int64_t)P->pw0 * BLK * P->epi.esize;
    const int flip = P->s8src;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *s = (const uint8_t *)src + r * in;
        uint8_t *d = P->src_cp + r * out + off;
        if (flip)
            for (int64_t i = 0; i < in; i++) d[i] = (uint8_t)(s[i] ^ 0x80);
        else
            memcpy(d, s, in);
    }
}

static void run_rows(const lowp_plan *P, const void *src, void *dst)
{
    const cnb_conv *c = &P->c;
    const int QB = P->qb, ohb = P->ohb, n_rb = (c->oh + P->ohb - 1) / P->ohb;
    const int tg = P->tg, n_tg = (P->n_ot + tg - 1) / tg;
    const int64_t taps = (int64_t)c->kd * c->kh * c->kw;
    const int64_t src_cb = (int64_t)c->id * c->ih * c->iw * QB;   /* groups */
    const int64_t dst_cb = (int64_t)c->od * c->oh * c->ow * BLK;  /* elements */
    const int64_t items = (int64_t)c->mb * n_tg * c->od * n_rb;
    const int64_t acc_tile = (int64_t)P->nb * ohb * c->ow * BLK;  /* scratch elements per tile */
    const cnb_conv_lowp_row_fn kern = P->isa->row;
    const int32_t *s32 = src;

    const int nthr = P->chunked && P->nthr < omp_get_max_threads() ? P->nthr : omp_get_max_threads();
#pragma omp parallel num_threads(nthr)
    {
        int32_t *acc = P->chunked ? P->scr + P->scr_slice * omp_get_thread_num() : NULL;
        cnb_conv_lowp_args a;
        a.src_icb = src_cb;
        a.src_kd = (int64_t)(c->dd + 1) * c->ih * c->iw * QB;
        a.src_kh = (int64_t)(c->dh + 1) * c->iw * QB;
        a.src_kw = (int64_t)(c->dw + 1) * QB;
        a.src_ow = (int64_t)c->sw * QB;
        a.nq = P->qw;
        a.wei_kw = (int64_t)P->qw * BLK;
        a.wei_kh = c->kw * a.wei_kw;
        a.wei_kd = c->kh * a.wei_kh;
        a.wei_icb = taps * a.wei_kw;
        a.dst = dst;
        a.dst_ob = dst_cb;
        a.acc_ob = (ptrdiff_t)ohb * c->ow * BLK;
        a.epi = &P->epi;
        a.round_add = P->round_add;
        _Alignas(64) int32_t comp[CNB_CONV_NB_MAX * BLK];
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++) {
            const int rb = (int)(it % n_rb), od = (int)(it / n_rb % c->od);
            const int gi = (int)(it / n_rb / c->od % n_tg);
            const int n = (int)(it / n_rb / c->od / n_tg);
            const int oh0 = rb * ohb, oh1 = oh0 + ohb < c->oh ? oh0 + ohb : c->oh;
            const int t0 = gi * tg, t1 = t0 + tg < P->n_ot ? t0 + tg : P->n_ot;
            const int kd_lo = P->dh.kd_lo[od];
            int max_icb = 0;
            for (int t = t0; t < t1; t++)
                if (P->n_icb[P->ot[t].ob] > max_icb) max_icb = P->n_icb[P->ot[t].ob];
            /* Chunk by chunk; in a chunk, row by row and pixel tile by pixel tile, every tile of
             * the group reads the same src lines while they are in L1. */
            for (int c0 = 0; c0 < max_icb; c0 += P->icc)
                for (int oh = oh0; oh < oh1; oh++) {
                    const int kh_lo = P->dh.kh_lo[oh];
                    for (int i = 0; i < P->n_rt; i++) {
                        const row_tile *r = &P->rt[i];
                        const int64_t px = cnb_row_tile_pixel(c, &P->dh, od, oh, r);
                        const int valid = px >= 0;
                        const int64_t s_off = valid ? px * QB : 0;
                        const int64_t w_off = valid ? kd_lo * a.wei_kd + kh_lo * a.wei_kh + r->kw_lo * a.wei_kw : 0;
                        for (int t = t0; t < t1; t++) {
                            const oc_tile ot = P->ot[t];
                            const int ob = ot.ob, n_icb = P->n_icb[ob];
                            if (c0 >= n_icb) continue;
                            const int nc = n_icb - c0 < P->icc ? n_icb - c0 : P->icc;
                            a.n_icb = nc;
                            a.acc_load = c0 > 0;
                            a.final = c0 + nc == n_icb;
                            a.wei_ob = n_icb * a.wei_icb;
                            a.nkd = valid ? P->dh.nkd[od] : 0;
                            a.nkh = valid ? P->dh.nkh[oh] : 0;
                            a.nkw = valid ? r->nkw : 0;
                            a.src = s32 + ((int64_t)n * P->n_cb_in + P->icb_s[ob] + c0) * src_cb + s_off;
                            a.wei = P->wei + P->wei_off[ob] + c0 * a.wei_icb + w_off;
                            a.init = NULL;
                            if (P->s8src && c0 == 0) {
                                s8_compensation(P, ob, ot.nb, kd_lo, a.nkd, kh_lo, a.nkh,
                                                r->kw_lo, a.nkw, comp);
                                a.init = comp;
                            }
                            a.dst_index = ((int64_t)n * P->n_cb_out + ob) * dst_cb +
                                          (((int64_t)od * c->oh + oh) * c->ow + r->ow0) * BLK;
                            a.acc = acc ? acc + (t - t0) * acc_tile +
                                              ((int64_t)(oh - oh0) * c->ow + r->ow0) * BLK
                                        : NULL;
                            kern(&a, ot.nb, r->ur);
                        }
                    }
                }
        }
    }
}

void cnb_conv_lowp_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                       void *dst)
{
    (void)p, (void)wei;
    const lowp_plan *P = state;
    if (P->depthwise)
        run_depthwise(P, src, dst);
    else if (P->src_cp) {
        copy_source(P, src);
        run_rows(P, P->src_cp, dst);
    } else
        run_rows(P, src, dst);
}

const char *cnb_conv_lowp_kernel_name(void *state)
{
    const lowp_plan *P = state;
    return P ? P->name : NULL;
}
