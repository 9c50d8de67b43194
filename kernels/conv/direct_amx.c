/* conv/amx_direct: bf16 × bf16 (f32 or bf16 out) and u8 × s8 (s32 or requantized u8/s8 out)
 * direct convolution on AMX tiles, reading the source where it lies (no im2col).
 *
 * Layouts. src comes in nCx32c (bf16) or nCx64c (u8), chosen through the src_layout hook: one
 * pixel of one channel block is then 64 bytes, exactly one row of an A tile (32 bf16 pairs or 64
 * u8 quads of K). dst is nCx16c: an output tile is 16 pixels × one block of 16 channels.
 *
 * Tiles (8 of 16 rows × 64 bytes, configured once per thread and run):
 *   tmm0..3  C: 2 × 2 tiles: pixel tiles 0/1 × oc blocks 0/1 (16 × 16 f32 / int32 each)
 *   tmm4, 5  A: 16 consecutive output pixels of one row, for one tap and one input block: the row
 *            of pixel i is the input pixel (ow0 + i)·sw − pw + kw·(dw + 1), so the tile's row
 *            stride is sw · 64 bytes
 *   tmm6, 7  B: the weights of that tap and input block for oc block 0/1, VNNI-packed in prepare
 * The sum runs over the taps (kd, kh, kw) whose input row exists (taps in the vertical padding
 * add nothing and are skipped) and over the input blocks of the output's group(s).
 *
 * Borders. An A tile is read straight from src when all the input pixels its 16 rows and kw taps
 * touch are inside the row; otherwise (left or right padding, the row's tail past OW) the task
 * first copies those pixels into a per-thread buffer, zeros outside the row, and the tile reads
 * the buffer with the same strides. Nothing outside src is ever read. Rows of a tile past OW are
 * computed and not stored.
 *
 * Stride-1 2D layers whose rows would leave much of their last tile idle (OW not near a multiple
 * of 16) are run as one long row per plane over a zero-bordered copy of src (pbuf, fill_pad), the
 * output rows at a pitch of OW + the kernel's width − 1: the pixels between rows are computed and
 * not stored, and no tile needs a border copy.
 *
 * 1×1, stride 1, unpadded layers are run as one long row per image (D·H·W pixels), so their tiles
 * span output rows. Strided unpadded 1×1 layers too, over a copy of the input pixels they read
 * (fill_sub, in run): the copy costs one 64-byte move per output pixel and input block, against
 * OC/16 tile products on the same bytes, while rows of their own would leave most of a tile idle on
 * the short rows these layers have (7 of 16 pixels at 7 × 7).
 *
 * Weights (prepare), per oc tile (two 16-channel blocks ot·2, ot·2 + 1) over the input blocks
 * [lo, hi) its channels' groups read (zero weights across groups, past IC, past OC):
 * (few input channels: the taps are (kd, kh), K = kw · ic + channel, one block)
 *   [ot][tap][icb − lo][oc block 0/1][16 K groups][16 oc][g]    (1 KiB per B tile)
 * Padding output channels get zero weights, so their sums are 0 and the epilogue writes the zero
 * the nCx16c padding must hold. The epilogue: kernels/conv/amx_epi.h.
 *
 * Threads: tasks are (oc-tile chunk, image, output row, range of pixel tiles), each output
 * written by one task; chunks keep a task's weights within L2, and the threads split the pixels
 * rather than the oc tiles where that balances as well (split).
 *
 * Flat 1×1 layers whose K is at most ALT_K input blocks run one pixel tile at a time on two
 * alternating sets of two C tiles (run_alt), so that a tile's stores overlap the next one's
 * products. */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_lowp.h"
#include "kernels/gemm/lowp_avx512.h"
#include "kernels/amx_config.h"
#include "kernels/conv/amx_epi.h"
#include "kernels/conv/amx_step.h"
#include "kernels/impl.h"

enum { ROWB = 64, BT = 1024, WCHUNK = 1 << 20, ALT_K = 4 };


typedef struct amxd {
    cnb_conv c;            /* the problem as run (1×1 flattened to one row per image) */
    cnb_conv u;            /* the problem as given */
    cnb_lowp_state epi;    /* epilogue: types and shift */
    int es, cb;            /* bytes per src element; channels per input block (64 / es) */
    int n_icb, n_ocb, n_ot, taps, flat;
    int sub;               /* strided 1×1: flat over sbuf, the sampled input pixels (fill_sub) */
    unsigned char *sbuf;   /* sub: [mb][n_icb][OD·OH·OW][64 bytes] */
    int pad;               /* stride 1: rows over the zero-bordered copy pbuf (fill_pad) */
    int hp, wp;            /* pad: rows and columns of pbuf's planes */
    size_t pbytes;         /* pad: bytes of pbuf */
    unsigned char *pbuf;   /* pad: [mb][n_icb][ID][hp][wp][64 bytes], then a zero tail */
    int64_t oplane;        /* output pixels per image and channel block, as given */
    int n_tiles;           /* 16-pixel tiles per output row */
    int n_slots, wseg;     /* buffered tiles per row; pixels per buffered (row, block) segment */
    int ekind;             /* CNB_AMX_EPI_*: the epilogue's conversion (amx_epi.h) */
    int few;               /* few input channels: kw folded into K (fill_few) */
    int tw;                /* few: pixels per padded row of tbuf */
    size_t t_img;          /* few: bytes per image of tbuf */
    unsigned char *tbuf;   /* few: the padded tight copy of src (written by run) */
    unsigned char *zeros;  /* what a tile whose input row is in the padding reads */
    int rg;                /* output rows per task: enough pixel tiles to pair them */
    int alt;               /* flat 1×1 with at most ALT_K input blocks per oc tile: run_alt */
    int *slot;             /* [n_tiles]: buffer slot of a tile, −1 = read src directly */
    int *lo, *hi;          /* [n_ot] input block range of an oc tile */
    size_t *woff;          /* [n_ot + 1] byte offset of an oc tile's weights */
    unsigned char *w;
    /* Per-thread buffers, allocated in prepare (never in the timed run), one slice per thread of
     * the largest team run may get: run caps its team to nthr. */
    int nthr;
    int split_nc, split_nw;   /* run's split for a team of nthr (split) */
    size_t thr_bytes;      /* bytes per thread's slice of thr (64-byte multiple) */
    unsigned char *thr;    /* [nthr] x (border tile slots | few: tight row), then rows, pending */
    char name[64];
} amxd;

static const char *supports(const cnb_problem *p)
{
    const char *why = cnb_conv_lowp_supports(p);
    if (why) return why;
    const cnb_conv *c = &p->conv;
    if (c->g > 1 && c->g == c->ic && c->g == c->oc)
        return "depthwise: no reduction over channels for AMX's K (the AVX-512 direct kernels run it)";
    if (c->g > 1 && c->ic / c->g < 16)
        return "fewer than 16 input channels per group: most of AMX's K would be zero padding";
    return NULL;
}

static cnb_layout src_layout(const cnb_problem *p)
{
    return p->dt.src == CNB_DT_BF16 ? CNB_LAYOUT_NCX32C : CNB_LAYOUT_NCX64C;
}

static void release(void *state)
{
    amxd *P = state;
    if (!P) return;
    free(P->slot);
    free(P->lo);
    free(P->hi);
    free(P->woff);
    free(P->w);
    free(P->tbuf);
    free(P->sbuf);
    free(P->pbuf);
    free(P->zeros);
    free(P->thr);
    free(P);
}

static int is_flat(const cnb_conv *c)
{
    return c->kd == 1 && c->kh == 1 && c->kw == 1 && c->sd == 1 && c->sh == 1 && c->sw == 1 &&
           !c->pd && !c->ph && !c->pw && !c->pd_r && !c->ph_r && !c->pw_r;
}

/* A 1×1 layer whose strides skip input pixels and whose every tap is inside the input: the
 * pixels it reads, copied side by side, make a flat (stride 1) layer. */
static int is_sub(const cnb_conv *c)
{
    return c->kd == 1 && c->kh == 1 && c->kw == 1 && (c->sd > 1 || c->sh > 1 || c->sw > 1) &&
           !c->pd && !c->ph && !c->pw && (c->od - 1) * c->sd < c->id &&
           (c->oh - 1) * c->sh < c->ih && (c->ow - 1) * c->sw < c->iw;
}

/* Padded rows where they need fewer tiles (1), or never (0): tests/test_conv_amx.c clears it to
 * sweep the rows path on the same layers. Read in prepare. */
int cnb_conv_amx_direct_pad = 1;

static int alloc_threads(amxd *P);
static void split(const amxd *P, int nth, int *nc, int *nw);

static void *prepare(const cnb_problem *p, const void *wei)
{
    if (supports(p) || !wei) return NULL;
    amxd *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    const cnb_conv *uc = &p->conv;
    P->c = P->u = *uc;
    cnb_conv *c = &P->c;
    P->sub = is_sub(uc);
    P->flat = P->sub || is_flat(uc);
    if (P->flat) {
        const int m = uc->od * uc->oh * uc->ow;
        c->id = c->ih = c->od = c->oh = 1;
        c->iw = c->ow = m;
        c->sd = c->sh = c->sw = 1;
    }
    P->es = cnb_dt_size(p->dt.src);
    P->cb = ROWB / P->es;
    P->epi.t = p->dt;
    P->epi.esize = P->es;
    P->epi.group = 4 / P->es;
    if (cnb_dt_requantized(&p->dt))
        P->epi.shift = p->dt.dst_scale_log2 - p->dt.src_scale_log2 - p->dt.wei_scale_log2;
    P->ekind = cnb_amx_epi_kind(&P->epi);
    const int es = P->es, cb = P->cb, grp = 4 / es;
    const int icg = uc->ic / uc->g, ocg = uc->oc / uc->g;
    P->n_icb = (uc->ic + cb - 1) / cb;
    P->n_ocb = (uc->oc + 15) / 16;
    P->n_ot = (P->n_ocb + 1) / 2;
    P->few = !P->flat && uc->g == 1 && uc->dw == 0 && uc->kw > 1 && uc->ic * uc->kw <= cb;
    P->oplane = (int64_t)uc->od * uc->oh * uc->ow;
    if (cnb_conv_amx_direct_pad && !P->flat && !P->few && uc->kd == 1 && uc->sd == 1 && uc->sh == 1 && uc->sw == 1 && !uc->pd &&
        !uc->pd_r && uc->ph >= 0 && uc->pw >= 0) {
        /* Padded width: output (oh, ow) is pixel oh·wp + ow of one long row, and tap (kh, kw)
         * reads pbuf pixel oh·wp + ow + kh·(dh + 1)·wp + kw·(dw + 1) of the same plane, so a
         * tile's 16 rows may span output rows; the wp − OW pixels between rows are computed and
         * never stored. Taken when it needs fewer tiles than rows of their own. */
        const int hp = uc->oh + (uc->kh - 1) * (uc->dh + 1), wp = uc->ow + (uc->kw - 1) * (uc->dw + 1);
        const long len = (long)uc->oh * wp - (wp - uc->ow);
        if ((len + 15) / 16 < (long)uc->oh * ((uc->ow + 15) / 16)) {
            P->pad = 1, P->hp = hp, P->wp = wp;
            c->ih = hp, c->iw = wp, c->oh = 1, c->ow = (int)len;
            c->ph = c->pw = c->ph_r = c->pw_r = 0;
            /* the last tile's rows past len and their taps read up to wp + 16 pixels past the
             * last plane: a zero tail */
            P->pbytes = ((size_t)c->mb * P->n_icb * c->id * hp * wp + wp + 16) * ROWB;
            P->pbuf = aligned_alloc(64, P->pbytes);
            if (!P->pbuf) goto fail;
            memset(P->pbuf, 0, P->pbytes);   /* the borders stay zero: fill_pad writes inside */
        }
    }
    /* Weight taps: (kd, kh, kw), or (kd, kh) with kw folded into K. */
    P->taps = uc->kd * uc->kh * (P->few ? 1 : uc->kw);
    P->n_tiles = (c->ow + 15) / 16;
    P->wseg = 15 * c->sw + (c->kw - 1) * (c->dw + 1) + 1;
    P->rg = P->n_tiles == 1 ? 4 : P->n_tiles % 2 && P->n_tiles < 8 ? 2 : 1;
    if (P->rg > c->oh) P->rg = c->oh;
    {
        const size_t few_bytes = (size_t)15 * c->sw * c->ic * es + ROWB;
        const size_t zb = (size_t)P->wseg * ROWB > few_bytes ? (size_t)P->wseg * ROWB : few_bytes;
        P->zeros = aligned_alloc(64, (zb + 127) / 64 * 64);
        if (!P->zeros) goto fail;
        memset(P->zeros, 0, (zb + 127) / 64 * 64);
    }
    if (P->sub) {
        P->sbuf = aligned_alloc(64, (size_t)c->mb * P->n_icb * c->iw * ROWB);
        if (!P->sbuf) goto fail;
    }
    if (P->few) {
        /* Every position a tile row reads, the rows of the last tile past OW included; the tight
         * row (fill_few) has the image's columns at pw .. pw + IW − 1 and zeros around. */
        P->tw = P->n_tiles * 16 * c->sw;
        if (P->tw < c->iw + c->pw) P->tw = c->iw + c->pw;
        P->t_img = (size_t)c->id * c->ih * P->tw * ROWB;
        P->tbuf = aligned_alloc(64, (size_t)c->mb * P->t_img + ROWB);
        if (!P->tbuf) goto fail;
    }
    P->slot = malloc(sizeof(int) * P->n_tiles);
    P->lo = malloc(sizeof(int) * P->n_ot);
    P->hi = malloc(sizeof(int) * P->n_ot);
    P->woff = malloc(sizeof(size_t) * (P->n_ot + 1));
    if (!P->slot || !P->lo || !P->hi || !P->woff) goto fail;
    for (int k = 0; k < P->n_tiles; k++) {
        const long first = (long)k * 16 * c->sw - c->pw;
        const long last = first + P->wseg - 1;
        P->slot[k] = P->few || P->pad || (first >= 0 && last < c->iw) ? -1 : P->n_slots++;
    }
    P->woff[0] = 0;
    for (int ot = 0; ot < P->n_ot; ot++) {
        const int o0 = ot * 32, o1 = (o0 + 32 < uc->oc ? o0 + 32 : uc->oc) - 1;
        const int g0 = o0 / ocg, g1 = o1 / ocg;
        P->lo[ot] = g0 * icg / cb;
        P->hi[ot] = ((g1 + 1) * icg + cb - 1) / cb;
        P->woff[ot + 1] = P->woff[ot] + (size_t)P->taps * (P->hi[ot] - P->lo[ot]) * 2 * BT;
    }
    P->w = aligned_alloc(64, P->woff[P->n_ot]);
    if (!P->w) goto fail;
    memset(P->w, 0, P->woff[P->n_ot]);
    const unsigned char *wsrc = wei;
    for (int ot = 0; ot < P->n_ot; ot++) {
        const int nicb = P->hi[ot] - P->lo[ot];
        for (int t = 0; t < P->taps; t++)
            for (int j = 0; j < nicb; j++)
                for (int r = 0; r < 2; r++) {
                    unsigned char *b = P->w + P->woff[ot] + (((size_t)t * nicb + j) * 2 + r) * BT;
                    for (int o = 0; o < 16; o++) {
                        const int oc = (ot * 2 + r) * 16 + o;
                        if (oc >= uc->oc) continue;
                        const int gi = oc / ocg;
                        for (int k = 0; k < cb; k++) {
                            if (P->few) {   /* k = kw · ic + channel */
                                if (k >= uc->kw * uc->ic) break;
                                const size_t from = ((size_t)oc * uc->ic + k % uc->ic) * uc->kd * uc->kh * uc->kw +
                                                    (size_t)t * uc->kw + k / uc->ic;
                                memcpy(b + ((size_t)(k / grp) * 16 + o) * 4 + (k % grp) * es, wsrc + from * es, es);
                                continue;
                            }
                            const int ic = (P->lo[ot] + j) * cb + k;
                            if (ic < gi * icg || ic >= (gi + 1) * icg) continue;
                            /* goidhw: [oc][ic within the group][tap] */
                            const size_t from = ((size_t)oc * icg + (ic - gi * icg)) * P->taps + t;
                            memcpy(b + ((size_t)(k / grp) * 16 + o) * 4 + (k % grp) * es, wsrc + from * es, es);
                        }
                    }
                }
    }
    P->alt = P->flat && P->taps == 1;
    for (int ot = 0; ot < P->n_ot; ot++)
        if (P->hi[ot] - P->lo[ot] > ALT_K) P->alt = 0;
    if (!alloc_threads(P)) goto fail;
    split(P, P->nthr, &P->split_nc, &P->split_nw);
    snprintf(P->name, sizeof P->name, "conv/amx_direct[%s %s tiles rg%d]",
             P->sub ? "1x1 strided flat" : P->pad ? "padded rows" : P->flat ? "1x1 flat" : P->few ? "few-ic kw-in-K" : "rows",
             P->alt ? "2 sets of 1x2" : "2x2", P->rg);
    return P;
fail:
    release(P);
    return NULL;
}

/* One tap row (kd, kh) of a block: where its A tiles start for kw = 0 and input block 0, their
 * input-block strides (0 for a tile whose input row is in the padding: it then reads zeros), and
 * the tap index of its weights. */
typedef struct arow {
    const unsigned char *a[2];
    ptrdiff_t s[2];
    size_t wtap;
} arow;

/* C tiles (na × nb of 2 × 2) += A · B over the tap rows, kw taps and input blocks [lo, hi). */
static inline __attribute__((always_inline)) void kern(const int na, const int nb, const int bf,
                                                       const arow *rows, int nr, int kw,
                                                       ptrdiff_t kws, ptrdiff_t astride, int lo,
                                                       int hi, const unsigned char *wb)
{
    const size_t wt = (size_t)(hi - lo) * 2 * BT;   /* bytes of one tap's weights */
    for (int r = 0; r < nr; r++) {
        const unsigned char *a0 = rows[r].a[0], *a1 = rows[r].a[1];
        const ptrdiff_t s0 = rows[r].s[0], s1 = rows[r].s[1];
        const unsigned char *b = wb + rows[r].wtap * wt;
        for (int x = 0; x < kw; x++, b += wt) {
            for (int j = lo; j < hi; j++) {
                const unsigned char *bj = b + (size_t)(j - lo) * 2 * BT;
                cnb_amx_step_2x2(na, nb, bf, a0 + x * kws + j * s0, a1 + x * kws + j * s1, astride,
                                 bj, bj + BT, ROWB);
            }
        }
    }
}

#define KERN_ARGS rows, nr, kw, kws, astride, lo, hi, wb
static void kern_any(int na, int nb, int bf, const arow *rows, int nr, int kw, ptrdiff_t kws,
                     ptrdiff_t astride, int lo, int hi, const unsigned char *wb)
{
    switch ((bf << 2) | ((na - 1) << 1) | (nb - 1)) {
    case 0: kern(1, 1, 0, KERN_ARGS); break;
    case 1: kern(1, 2, 0, KERN_ARGS); break;
    case 2: kern(2, 1, 0, KERN_ARGS); break;
    case 3: kern(2, 2, 0, KERN_ARGS); break;
    case 4: kern(1, 1, 1, KERN_ARGS); break;
    case 5: kern(1, 2, 1, KERN_ARGS); break;
    case 6: kern(2, 1, 1, KERN_ARGS); break;
    default: kern(2, 2, 1, KERN_ARGS); break;
    }
}

/* A block's C tiles wait in a per-thread buffer, and their epilogue runs after the next block's
 * tile products are issued: a vector load right after the tile store of the same bytes waits for
 * that store to drain, so the block's own epilogue would stall; one block later it does not, and
 * the AVX-512 epilogue overlaps the next block's tile products. */
typedef struct pending {
    int32_t buf[4][256] __attribute__((aligned(64)));
    int valid, na, nb, ob0, ow0[2];
    int64_t pix0[2], dst_img;
} pending;

static size_t round64(size_t n) { return (n + 63) / 64 * 64; }

/* A thread's slice: the border tiles' slots of its row group (or, few: the tight row of
 * fill_few), then its two pending blocks and its tap rows. */
static size_t thr_tiles_bytes(const amxd *P)
{
    const cnb_conv *c = &P->c;
    const size_t slot_bytes = (size_t)c->kd * c->kh * P->n_icb * P->wseg * ROWB;
    size_t b = slot_bytes * P->rg * P->n_slots;
    if (P->few) {
        const size_t tight = ((size_t)P->tw * c->ic + ROWB) * P->es;
        if (tight > b) b = tight;
    }
    return round64(b);
}

static int alloc_threads(amxd *P)
{
    P->nthr = omp_get_max_threads();
    P->thr_bytes = round64(thr_tiles_bytes(P) + 2 * sizeof(pending) +
                           sizeof(arow) * (size_t)P->c.kd * P->c.kh);
    P->thr = aligned_alloc(64, P->thr_bytes * P->nthr);
    return P->thr != NULL;
}

/* The team of run: no larger than the slices prepare allocated. */
static int team(const amxd *P)
{
    const int t = omp_get_max_threads();
    return t < P->nthr ? t : P->nthr;
}

static void tiles_out(pending *q, int na, int nb, const int ow0[2], const int64_t pix0[2], int ob0,
                      int64_t dst_img)
{
    _tile_stored(0, q->buf[0], ROWB);
    if (nb == 2) _tile_stored(1, q->buf[1], ROWB);
    if (na == 2) _tile_stored(2, q->buf[2], ROWB);
    if (na == 2 && nb == 2) _tile_stored(3, q->buf[3], ROWB);
    q->valid = 1, q->na = na, q->nb = nb, q->ob0 = ob0, q->dst_img = dst_img;
    q->ow0[0] = ow0[0], q->ow0[1] = ow0[1], q->pix0[0] = pix0[0], q->pix0[1] = pix0[1];
}

/* The epilogue of a waiting block (amx_epi.h): pixels < OW and oc blocks < n_ocb only. */
static void epilogue(const amxd *P, pending *q, void *dst)
{
    if (!q->valid) return;
    q->valid = 0;
    const cnb_conv *c = &P->c, *u = &P->u;
    for (int t = 0; t < 4; t++) {
        const int ta = t >> 1, tb = t & 1;
        if (ta >= q->na || tb >= q->nb) continue;
        const int64_t cbase = q->dst_img + (q->ob0 + tb) * P->oplane * 16;
        const int m = c->ow - q->ow0[ta] < 16 ? c->ow - q->ow0[ta] : 16;   /* valid pixels */
        if (!P->pad) {
            cnb_amx_epi_rows(P->ekind, &P->epi, q->buf[t], dst, cbase + q->pix0[ta] * 16, m);
            continue;
        }
        /* padded rows: the runs of the tile's pixels with ow < OW, each contiguous in dst */
        const int d = (int)(q->pix0[ta] / c->ow), r0 = (int)(q->pix0[ta] % c->ow);
        for (int i = 0; i < m;) {
            const int oh = (r0 + i) / P->wp, ow = (r0 + i) % P->wp;
            if (ow >= u->ow) {
                i += P->wp - ow;
                continue;
            }
            const int run = u->ow - ow < m - i ? u->ow - ow : m - i;
            cnb_amx_epi_rows(P->ekind, &P->epi, q->buf[t] + i * 16, dst, cbase + (((int64_t)d * u->oh + oh) * u->ow + ow) * 16, run);
            i += run;
        }
    }
}

/* Padded rows: the input inside pbuf's zero borders (each plane row at pw, rows from ph). The
 * threads split the rows (all input blocks of a row to one thread), as run's pixel ranges do. */
static void fill_pad(const amxd *P, const unsigned char *src)
{
    const cnb_conv *u = &P->u;
    const int ih = u->ih < P->hp - u->ph ? u->ih : P->hp - u->ph;   /* rows below hp are never read */
    const int iw = u->iw < P->wp - u->pw ? u->iw : P->wp - u->pw;
    const int rows = u->mb * u->id * ih;
#pragma omp parallel for schedule(static) num_threads(team(P))
    for (int r = 0; r < rows; r++) {
        const int n = r / (u->id * ih), z = r / ih % u->id, y = r % ih;
        for (int j = 0; j < P->n_icb; j++) {
            const int64_t plane = ((int64_t)n * P->n_icb + j) * u->id + z;   /* (n, icb, id) */
            const unsigned char *s = src + (plane * u->ih + y) * (int64_t)u->iw * ROWB;
            unsigned char *d = P->pbuf + ((plane * P->hp + y + u->ph) * P->wp + u->pw) * ROWB;
            memcpy(d, s, (size_t)iw * ROWB);
        }
    }
}

/* Few input channels: per input row, one 64-byte record per padded pixel position x holding the
 * elements of pixels x, x + 1, ... (ic each, zero outside the row) — the kw·ic values that a
 * pixel's kw taps read, as one aligned A tile row (tile rows of a smaller, unaligned stride load
 * far slower). */
static void fill_few(const amxd *P, const unsigned char *src)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ic = c->ic;
    const int64_t in_plane = (int64_t)c->id * c->ih * c->iw;
    const int rows = c->mb * c->id * c->ih;
    const size_t tight = ((size_t)P->tw * ic + ROWB) * es;
#pragma omp parallel num_threads(team(P))
    {
        unsigned char *t = P->thr + (size_t)omp_get_thread_num() * P->thr_bytes;
        memset(t, 0, tight);
#pragma omp for schedule(static)
        for (int r = 0; r < rows; r++) {
            const int n = r / (c->id * c->ih), dh = r % (c->id * c->ih);
            const unsigned char *s = src + ((int64_t)n * P->n_icb * in_plane + (int64_t)dh * c->iw) * ROWB;
            for (int iw = 0; iw < c->iw; iw++)
                memcpy(t + (size_t)(iw + c->pw) * ic * es, s + (size_t)iw * ROWB, (size_t)ic * es);
            unsigned char *d = P->tbuf + (size_t)n * P->t_img + (size_t)dh * P->tw * ROWB;
            for (int x = 0; x < P->tw; x++) memcpy(d + (size_t)x * ROWB, t + (size_t)x * ic * es, ROWB);
        }
    }
}

/* Strided 1×1: the input pixels the layer reads, in output order (sbuf). The threads split the
 * output rows (all input blocks of a row to one thread), as run's pixel ranges do. */
static void fill_sub(const amxd *P, const unsigned char *src)
{
    const cnb_conv *u = &P->u;
    const int64_t in_plane = (int64_t)u->id * u->ih * u->iw, out_plane = (int64_t)P->c.iw;
    const int rows = u->mb * u->od * u->oh;
#pragma omp parallel for schedule(static) num_threads(team(P))
    for (int r = 0; r < rows; r++) {
        const int n = r / (u->od * u->oh), dh = r % (u->od * u->oh);
        const int od = dh / u->oh, oh = dh % u->oh;
        for (int j = 0; j < P->n_icb; j++) {
            const int64_t nj = (int64_t)n * P->n_icb + j;
            const unsigned char *s = src + (nj * in_plane + ((int64_t)od * u->sd * u->ih + (int64_t)oh * u->sh) * u->iw) * ROWB;
            unsigned char *d = P->sbuf + (nj * out_plane + (int64_t)dh * u->ow) * ROWB;
            for (int ow = 0; ow < u->ow; ow++)
                _mm512_store_si512(d + (size_t)ow * ROWB, _mm512_loadu_si512(s + (size_t)ow * u->sw * ROWB));
        }
    }
}

/* Flat 1×1 layers whose K is a few tile steps (alt): the pixel tiles i0 .. i1 − 1 of oc tile ot
 * one at a time, alternately on two sets of C tiles (tmm0, 1 with A in tmm4; tmm2, 3 with A in
 * tmm5), each pixel tile's C tiles stored while the next one's products run on the other set,
 * and its epilogue one pixel tile later (pending, na = 1). With the 2×2 block's four C tiles the
 * next block's products would wait for the stores, which wait for the block's last products:
 * when K is short, that latency rather than the products sets the pace. B (tmm6, 7) is loaded
 * once per oc tile when K is one step, else once per step and pixel tile. */
static void run_alt(const amxd *P, const int bf, pending *pq, int *cur, const unsigned char *sn,
                    int64_t in_plane, const unsigned char *buf, size_t slot_bytes, int ot, int i0,
                    int i1, int64_t dst_img, void *dst)
{
    const size_t seg_bytes = (size_t)P->wseg * ROWB;
    const int nb = 2 * ot + 1 < P->n_ocb ? 2 : 1, nj = P->hi[ot] - P->lo[ot];
    const unsigned char *wb = P->w + P->woff[ot];
#define DP(cc, aa, bb) do { if (bf) _tile_dpbf16ps(cc, aa, bb); else _tile_dpbusd(cc, aa, bb); } while (0)
    if (nj == 1) {
        _tile_loadd(6, wb, ROWB);
        if (nb == 2) _tile_loadd(7, wb + BT, ROWB);
    }
    for (int i = i0; i <= i1; i++) {
        const int set = (i - i0) & 1;
        if (i < i1) {
            if (!set) {
                _tile_zero(0);
                if (nb == 2) _tile_zero(1);
            } else {
                _tile_zero(2);
                if (nb == 2) _tile_zero(3);
            }
            /* src, or the task's copy of a tile that would read past the row (the tail) */
            const int sl = P->slot[i];
            const unsigned char *a = sl < 0 ? sn + ((int64_t)P->lo[ot] * in_plane + (int64_t)i * 16) * ROWB
                                            : buf + (size_t)sl * slot_bytes + (size_t)P->lo[ot] * seg_bytes;
            const ptrdiff_t as = sl < 0 ? (ptrdiff_t)(in_plane * ROWB) : (ptrdiff_t)seg_bytes;
            for (int j = 0; j < nj; j++, a += as) {
                if (nj > 1) {
                    _tile_loadd(6, wb + (size_t)j * 2 * BT, ROWB);
                    if (nb == 2) _tile_loadd(7, wb + (size_t)j * 2 * BT + BT, ROWB);
                }
                if (!set) {
                    _tile_loadd(4, a, ROWB);
                    DP(0, 4, 6);
                    if (nb == 2) DP(1, 4, 7);
                } else {
                    _tile_loadd(5, a, ROWB);
                    DP(2, 5, 6);
                    if (nb == 2) DP(3, 5, 7);
                }
            }
        }
        if (i > i0) {   /* pixel tile i − 1, on the other set */
            pending *q = &pq[*cur];
            if (set) {
                _tile_stored(0, q->buf[0], ROWB);
                if (nb == 2) _tile_stored(1, q->buf[1], ROWB);
            } else {
                _tile_stored(2, q->buf[0], ROWB);
                if (nb == 2) _tile_stored(3, q->buf[1], ROWB);
            }
            q->valid = 1, q->na = 1, q->nb = nb, q->ob0 = 2 * ot, q->dst_img = dst_img;
            q->ow0[0] = q->ow0[1] = (i - 1) * 16;
            q->pix0[0] = q->pix0[1] = (int64_t)(i - 1) * 16;
            epilogue(P, &pq[*cur ^ 1], dst);
            *cur ^= 1;
        }
    }
#undef DP
}

/* The tasks of run for a team of nth: (oc-tile chunk, row group, range of pixel blocks), chunk
 * outermost, handed out in contiguous runs (schedule static). Each output is written by one task. */
typedef struct tspan {
    int n, od, oh0;   /* image, output plane, first output row of the row group */
    int nt;           /* pixel tiles of the row group */
    int b0, b1;       /* the task's blocks (pairs of pixel tiles): empty when b0 ≥ b1 */
    int ot0, ot1;     /* the task's oc tiles */
} tspan;
static tspan task_span(const amxd *P, int n_chunks, int n_wg, int64_t task)
{
    const cnb_conv *c = &P->c;
    const int n_rg = (c->oh + P->rg - 1) / P->rg;
    const int groups_all = c->mb * c->od * n_rg;
    const int wg = (int)(task % n_wg);
    const int64_t gt = task / n_wg;
    const int grp = (int)(gt % groups_all), chunk = (int)(gt / groups_all);
    tspan t;
    t.n = grp / (c->od * n_rg), t.od = grp / n_rg % c->od, t.oh0 = grp % n_rg * P->rg;
    const int nrows = c->oh - t.oh0 < P->rg ? c->oh - t.oh0 : P->rg;
    t.nt = nrows * P->n_tiles;
    const int n_blocks = (t.nt + 1) / 2;
    t.b0 = (int)((int64_t)n_blocks * wg / n_wg), t.b1 = (int)((int64_t)n_blocks * (wg + 1) / n_wg);
    t.ot0 = (int)((int64_t)P->n_ot * chunk / n_chunks);
    t.ot1 = (int)((int64_t)P->n_ot * (chunk + 1) / n_chunks);
    return t;
}

/* The most tile products (pixel tiles × oc tiles) one thread of nth gets under libgomp's static
 * schedule (the first tasks % nth threads one task more, each a contiguous run). */
static int64_t split_cost(const amxd *P, int nth, int n_chunks, int n_wg)
{
    const cnb_conv *c = &P->c;
    const int n_rg = (c->oh + P->rg - 1) / P->rg;
    const int64_t tasks = (int64_t)n_chunks * c->mb * c->od * n_rg * n_wg;
    const int64_t q = tasks / nth, rem = tasks % nth;
    int64_t worst = 0;
    for (int t = 0; t < nth; t++) {
        const int64_t t0 = t * q + (t < rem ? t : rem), t1 = t0 + q + (t < rem);
        int64_t sum = 0;
        for (int64_t task = t0; task < t1; task++) {
            const tspan s = task_span(P, n_chunks, n_wg, task);
            if (s.b0 < s.b1) sum += (int64_t)((2 * s.b1 < s.nt ? 2 * s.b1 : s.nt) - 2 * s.b0) * (s.ot1 - s.ot0);
        }
        if (sum > worst) worst = sum;
    }
    return worst;
}

/* How run splits the work for a team of nth: oc-tile chunks whose weights stay within WCHUNK (in
 * L2), times row groups, times ranges of pixel blocks. With enough row groups for 4 tasks a
 * thread, the row groups alone; else, among the splits whose busiest thread has
 * at most 3 % more tile products than the best, the fewest oc chunks, then the fewest pixel
 * ranges: threads then split the pixels and each reads only its share of src (and of the
 * buffers pbuf and sbuf, which it filled itself: fill_pad and fill_sub split their rows the same
 * way), rather than every thread streaming all of src past other threads' writes. */
static void split(const amxd *P, int nth, int *nc, int *nw)
{
    const cnb_conv *c = &P->c;
    const int n_rg = (c->oh + P->rg - 1) / P->rg;
    const int groups_all = c->mb * c->od * n_rg;
    int c0 = (int)((P->woff[P->n_ot] + WCHUNK - 1) / WCHUNK);
    if (c0 > P->n_ot) c0 = P->n_ot;
    if (c0 < 1) c0 = 1;
    *nc = c0, *nw = 1;
    if (nth <= 1 || groups_all >= 4 * nth) return;
    const int max_blocks = (P->rg * P->n_tiles + 1) / 2;
    if (nth > 4) {   /* a search of (4 nth)^2 splits would cost too much: at least 4 tasks a thread */
        if (*nc * groups_all < 4 * nth) *nc = (4 * nth + groups_all - 1) / groups_all;
        if (*nc > P->n_ot) *nc = P->n_ot;
        if (*nc * groups_all < 4 * nth) *nw = (4 * nth + *nc * groups_all - 1) / (*nc * groups_all);
        if (*nw > max_blocks) *nw = max_blocks;
        return;
    }
    const int cmax = P->n_ot < 4 * nth ? P->n_ot : 4 * nth, wmax = max_blocks < 4 * nth ? max_blocks : 4 * nth;
    int64_t cost[16][16], best = INT64_MAX;
    for (int a = c0; a <= cmax; a++)
        for (int b = 1; b <= wmax; b++) {
            cost[a - c0][b - 1] = split_cost(P, nth, a, b);
            if (cost[a - c0][b - 1] < best) best = cost[a - c0][b - 1];
        }
    for (int a = c0; a <= cmax; a++)
        for (int b = 1; b <= wmax; b++)
            if (cost[a - c0][b - 1] * 100 <= best * 103) {
                *nc = a, *nw = b;
                return;
            }
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei, void *dst)
{
    (void)p, (void)wei;
    const amxd *P = state;
    const cnb_conv *c = &P->c;
    const int nth = team(P);
    if (P->few) fill_few(P, src_);
    if (P->sub) {
        fill_sub(P, src_);
        src_ = P->sbuf;
    }
    if (P->pad) {
        fill_pad(P, src_);
        src_ = P->pbuf;
    }
    const int n_rg = (c->oh + P->rg - 1) / P->rg;   /* row groups per (image, depth) */
    const int groups_all = c->mb * c->od * n_rg;
    int n_chunks = P->split_nc, n_wg = P->split_nw;
    if (nth != P->nthr) split(P, nth, &n_chunks, &n_wg);
    const int64_t tasks = (int64_t)n_chunks * groups_all * n_wg;
    const int es = P->es, bf = es == 2;
    const int64_t in_plane = (int64_t)c->id * c->ih * c->iw;
    const int64_t src_img = (int64_t)P->n_icb * in_plane * ROWB;   /* bytes */
    const int64_t dst_img = (int64_t)P->n_ocb * P->oplane * 16;   /* elements */
    const int rmax = c->kd * c->kh;
    const size_t seg_bytes = (size_t)P->wseg * ROWB;
    const size_t slot_bytes = (size_t)rmax * P->n_icb * seg_bytes;
    const int kw = P->few ? 1 : c->kw;
    const ptrdiff_t kws = (ptrdiff_t)(c->dw + 1) * ROWB;
    const ptrdiff_t astride = (ptrdiff_t)c->sw * ROWB;
#pragma omp parallel num_threads(nth)
    {
        unsigned char *mine = P->thr + (size_t)omp_get_thread_num() * P->thr_bytes;
        unsigned char *buf = mine;
        pending *pq = (pending *)(mine + thr_tiles_bytes(P));
        arow *rows = (arow *)(pq + 2);
        int cur = 0;
        pq[0].valid = pq[1].valid = 0;
        _tile_loadconfig(&cnb_amx_config_16x64);
#pragma omp for schedule(static)
        for (int64_t task = 0; task < tasks; task++) {
            const tspan ts = task_span(P, n_chunks, n_wg, task);
            if (ts.b0 >= ts.b1) continue;
            const int n = ts.n, od = ts.od, oh0 = ts.oh0, nt = ts.nt, b0 = ts.b0, b1 = ts.b1;
            const int ot0 = ts.ot0, ot1 = ts.ot1;
            const unsigned char *sn = (const unsigned char *)src_ + n * src_img;
            /* The buffered tiles of this task. */
            for (int i = 2 * b0; i < 2 * b1 && i < nt; i++) {
                const int k = i % P->n_tiles, oh = oh0 + i / P->n_tiles;
                if (P->slot[k] < 0) continue;
                unsigned char *sb = buf + ((size_t)(oh - oh0) * P->n_slots + P->slot[k]) * slot_bytes;
                const int first = k * 16 * c->sw - c->pw;
                for (int kd = 0; kd < c->kd; kd++) {
                    const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                    if (id < 0 || id >= c->id) continue;
                    for (int kh = 0; kh < c->kh; kh++) {
                        const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                        if (ih < 0 || ih >= c->ih) continue;
                        for (int j = 0; j < P->n_icb; j++) {
                            unsigned char *d = sb + ((size_t)(kd * c->kh + kh) * P->n_icb + j) * seg_bytes;
                            const unsigned char *s = sn + (j * in_plane + ((int64_t)id * c->ih + ih) * c->iw) * ROWB;
                            for (int x = 0; x < P->wseg; x++) {
                                const int iw = first + x;
                                if (iw >= 0 && iw < c->iw)
                                    memcpy(d + (size_t)x * ROWB, s + (size_t)iw * ROWB, ROWB);
                                else
                                    memset(d + (size_t)x * ROWB, 0, ROWB);
                            }
                        }
                    }
                }
            }
            if (P->alt) {   /* flat: one row, pixel tile i = pixels 16i .. */
                for (int ot = ot0; ot < ot1; ot++)
                    run_alt(P, bf, pq, &cur, sn, in_plane, buf, slot_bytes, ot, 2 * b0, 2 * b1 < nt ? 2 * b1 : nt, n * dst_img, dst);
                continue;
            }
            for (int ot = ot0; ot < ot1; ot++) {
                const int nb = 2 * ot + 1 < P->n_ocb ? 2 : 1;
                const unsigned char *wb = P->w + P->woff[ot];
                for (int blk = b0; blk < b1; blk++) {
                    const int na = 2 * blk + 1 < nt ? 2 : 1;
                    int ow0[2] = {0, 0};
                    int64_t pix0[2] = {0, 0};
                    int nr = 0;
                    for (int kd = 0; kd < c->kd; kd++)
                        for (int kh = 0; kh < c->kh; kh++) {
                            arow *R = &rows[nr];
                            int any = 0;
                            for (int a = 0; a < 2; a++) {
                                const int i = 2 * blk + (a < na ? a : 0);
                                const int k = i % P->n_tiles, oh = oh0 + i / P->n_tiles;
                                ow0[a] = k * 16;
                                pix0[a] = ((int64_t)od * c->oh + oh) * c->ow + k * 16;
                                const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                                const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                                if (id < 0 || id >= c->id || ih < 0 || ih >= c->ih) {
                                    R->a[a] = P->zeros;
                                    R->s[a] = 0;
                                } else if (P->few) {
                                    any = 1;
                                    R->a[a] = P->tbuf + (size_t)n * P->t_img +
                                              (((size_t)id * c->ih + ih) * P->tw + (size_t)k * 16 * c->sw) * ROWB;
                                    R->s[a] = 0;
                                } else if (P->slot[k] < 0) {
                                    any = 1;
                                    R->a[a] = sn + (((int64_t)id * c->ih + ih) * c->iw + (int64_t)k * 16 * c->sw - c->pw) * ROWB;
                                    R->s[a] = in_plane * ROWB;
                                } else {
                                    any = 1;
                                    R->a[a] = buf + ((size_t)(oh - oh0) * P->n_slots + P->slot[k]) * slot_bytes +
                                              (size_t)(kd * c->kh + kh) * P->n_icb * seg_bytes;
                                    R->s[a] = (ptrdiff_t)seg_bytes;
                                }
                            }
                            R->wtap = (size_t)(kd * c->kh + kh) * kw;
                            nr += any;
                        }
                    _tile_zero(0);
                    _tile_zero(1);
                    _tile_zero(2);
                    _tile_zero(3);
                    kern_any(na, nb, bf, rows, nr, kw, kws, astride, P->lo[ot], P->hi[ot], wb);
                    epilogue(P, &pq[cur ^ 1], dst);
                    tiles_out(&pq[cur], na, nb, ow0, pix0, 2 * ot, n * dst_img);
                    cur ^= 1;
                }
            }
        }
        epilogue(P, &pq[cur ^ 1], dst);
        _tile_release();
    }
}

static const char *kernel_name(void *state)
{
    const amxd *P = state;
    return P ? P->name : NULL;
}

const cnb_impl cnb_conv_lowp_direct__amx = {
    .name = "conv/amx_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AMX,
    .layout = CNB_LAYOUT_NCX16C,
    .src_layout = src_layout,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8S8S32) |
               CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = supports,
    .prepare = prepare,
    .run = run,
    .release = release,
    .kernel_name = kernel_name,
};
