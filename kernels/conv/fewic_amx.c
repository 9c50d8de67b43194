/* conv/amx_fewic: bf16 × bf16 (f32 or bf16 out) and u8 × s8 (s32 or requantized u8/s8 out)
 * convolution on AMX tiles for layers with few input channels per group (1 .. 64): first
 * layers (ic = 3) and the small-channel 5×5 layers, where a K step per tap and 64-byte channel
 * block (conv/amx_direct) would leave much of K zero. Two ways:
 *
 * All taps in K (g = 1). K runs over (kd, kh, kw, ic) of the whole kernel, padded only once at
 * its end to a whole number of K steps (32 bf16 / 64 u8 elements): 7×7×3 = 147 → 160. The A
 * rows are built (below).
 *
 * Tap rows. K runs over (kw, ic) of one tap row (kd, kh), padded to whole K steps per row
 * (5 × 48 = 240 → 256), and the sum over the tap rows. The kw · ic elements that output pixel
 * ow reads in a tap row are contiguous in T, the input packed tight (ic per group elements per
 * pixel) with zero borders, at ow · sw · ic: so the A tile of 16 consecutive pixels and one K
 * step is one tile load straight from T, rows sw · ic elements apart (overlapping), and no A
 * row is built. The bytes of the last K step past kw · ic are the next pixels' (finite: input
 * or border zeros) and meet zero weights. Rows mode: tiles along each output row (the last one
 * a tail, computed and not stored past OW). Padded-pitch mode (stride 1): T's rows are
 * IW + the padding wide, so output (oh, ow) is position oh · wp + ow of one long row and a tile
 * spans output rows (positions with ow ≥ OW are computed and not stored), taken where it needs
 * fewer tiles. T per (image, group, plane) holds every row and column a tile may read, borders
 * zero (written once in prepare); past its end a zero tail for the last tile.
 *
 * Which (pick): dilation along W reads a tap row's taps apart, so all taps in K (g = 1 only);
 * groups and 16 or more channels: the tap rows; g = 1 with fewer: the tap rows where they need
 * no more K steps than all taps in K (they save the A building), else all taps in K.
 *
 * Layouts. src comes in nCx4c (the src_layout hook; nCx16c when the tap rows pack whole
 * 16-channel blocks of a group): 4 elements per pixel and channel block. run first packs each
 * input row tight, ic elements per pixel, into T (all taps in K: per image, the columns
 * shifted by pw, zero around, a row in the vertical or depth padding reads a zero row).
 * dst is nCx16c: an output tile is 16 pixels × one block of 16 channels.
 *
 * A rows (all taps in K). One output pixel is one row of K elements (kb bytes) of a per-thread
 * buffer: for each tap row (kd, kh), the kw·ic elements its taps read are contiguous in T
 * (dilation dw = 0), so they are one copy of kw·ic·es bytes from T to the row at
 * (kd·kh + kh)·kw·ic; with dw > 0, one copy of ic elements per tap. When the used K fits 64 bytes
 * (3×3 × 3 channels), the tap rows are merged in one register and stored once; otherwise
 * whole-vector copies, the last one masked (build_a). The elements from taps·ic to K are zero.
 * Pixels run over the whole image plane (od, oh, ow flattened), so tiles span output rows and
 * only the plane's last tile has a tail; a tail tile's rows past the plane are computed from
 * stale rows and never stored. The rows are double-buffered: a block's are built while the
 * previous block's tile products run.
 *
 * Tiles (8 of 16 rows × 64 bytes):
 *   tmm0..3  C: 2 × 2 tiles: pixel tiles 0/1 × oc blocks 0/1 (16 × 16 f32 / int32 each)
 *   tmm4, 5  A: 16 pixels' rows, one K step
 *   tmm6, 7  B: that K step's weights for oc block 0/1, VNNI-packed in prepare
 * Tap rows whose oc tile's weights overflow L1 run one oc block at a time (2 × 1 C tiles).
 *
 * Weights (prepare), all taps in K: [oc block][K step][16 K groups][16 oc][g] (1 KiB per B
 * tile); tap rows: per oc tile (32 channels), for each group its channels belong to, tap row and
 * K step, the B tiles of its two oc blocks. Zero for K past the used elements, for channels of
 * other groups and for the padding output channels (whose sums are then 0, the zero the nCx16c
 * padding must hold). The epilogue: kernels/conv/amx_epi.h.
 *
 * Threads: the T fill over input rows, then tasks of consecutive pixel blocks of one image (tap
 * rows: of one output plane; one task per plane on one thread); every output is written by one
 * task, in one fixed order. */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_lowp.h"
#include "kernels/gemm/lowp_avx512.h"
#include "arch/topo.h"
#include "kernels/amx_config.h"
#include "kernels/conv/amx_epi.h"
#include "kernels/conv/amx_step.h"
#include "kernels/impl.h"

enum { ROWB = 64, BT = 1024, PIX = 32, IC_MAX = 64 };

/* How a layer runs: every tap in K with the A rows built (fold), or K per tap row with the A
 * tiles read from T (tap rows), the tiles along each output row (rows) or across rows at T's
 * pitch (pitch). */
enum { MODE_FOLD, MODE_ROWS, MODE_PITCH };
static const char *const mode_names[] = {"all taps in K", "tap rows", "tap rows, padded pitch"};

/* Tests: −1 the rule of pick(); MODE_FOLD / MODE_ROWS / MODE_PITCH force that mode where it
 * applies (fold: g = 1; pitch: stride 1; the tap rows: no dilation along W), else the rule's.
 * Read by src_layout and prepare. */
int cnb_conv_amx_fewic_mode = -1;

typedef struct amxf {
    cnb_conv c;
    cnb_lowp_state epi;
    int ekind;             /* CNB_AMX_EPI_*: the epilogue's conversion (amx_epi.h) */
    int es;                /* bytes per src element */
    int mode;              /* MODE_* */
    int icg, ocg;          /* channels per group */
    int sblk;              /* channels per block of src (its layout: nCx4c or nCx16c) */
    int taps, n_ocb, n_ot;
    int kk;                /* elements of K used: taps · ic */
    int nks;               /* K steps: ⌈kk / (64 / es)⌉ */
    size_t kb;             /* bytes per A row: nks · 64 */
    int seg;               /* elements of one tap row's copy: kw · ic (dw = 0) or ic (dw > 0) */
    int tw;                /* pixel columns per row of T */
    size_t trow;           /* bytes per row of T (64-byte multiple) */
    int64_t plane;         /* output pixels per image */
    unsigned char *t;      /* [mb · id · ih] rows of T, written by run */
    unsigned char *zrow;   /* a zero row: taps in the vertical or depth padding */
    unsigned char *tmem, *zmem;   /* their allocations, 64 bytes before each (build_a) */
    int one;               /* dw = 0 and the used K fits one 64-byte chunk: rows in a register */
    __mmask64 mr[64];      /* one: the bytes of tap row r in the chunk */
    unsigned char *w;      /* fold: [n_ocb][nks][BT]; tap rows: per oc tile (woff) */
    /* Tap rows (MODE_ROWS, MODE_PITCH). */
    int nr;                /* tap rows: kd · kh */
    int rks;               /* K steps per tap row: ⌈kw · icg · es / 64⌉ */
    int dp, hp, wp;        /* planes, rows and columns of T per (image, group), borders included */
    int vp;                /* output pixels per output row in the tile order: wp (pitch) or OW
                            * rounded up to 16 (rows) */
    int tiles;             /* 16-pixel tiles per output plane */
    size_t pb;             /* bytes per pixel of T: icg · es */
    int *glo, *ngr;        /* [n_ot] an oc tile's first group and its number of groups */
    size_t *woff;          /* [n_ot + 1] byte offset of an oc tile's weights */
    int max_ent;           /* the most tap-row entries of one oc tile: max ngr · nr */
    int split;             /* 1: one oc block at a time (2 × 1 C tiles), its B tiles within L1 */
    int nthr;
    size_t thr_bytes;      /* per thread: A rows of a block, then two pending blocks, then the
                            * tap rows' base pointers */
    unsigned char *thr;
    char name[80];
} amxf;

/* The mode a problem runs in (lowp-supported, ic per group ≤ IC_MAX, not refused below). */
static int pick(const cnb_problem *p)
{
    const cnb_conv *c = &p->conv;
    const int f = cnb_conv_amx_fewic_mode;
    if (c->dw) return MODE_FOLD;   /* the tap rows need a tap row's elements contiguous */
    const int fold_ok = c->g == 1;
    int pitch_ok = c->sh == 1 && c->sw == 1, pitch = 0;
    if (pitch_ok) {
        /* Padded pitch where it needs fewer tiles than rows of their own. */
        const int wp0 = c->iw + c->pw, wr = c->ow + c->kw - 1, wp = wp0 > wr ? wp0 : wr;
        const long len = (long)(c->oh - 1) * wp + c->ow;
        pitch = (len + 15) / 16 < (long)c->oh * ((c->ow + 15) / 16);
    }
    if (f == MODE_FOLD && fold_ok) return MODE_FOLD;
    if (f == MODE_ROWS) return MODE_ROWS;
    if (f == MODE_PITCH && pitch_ok) return MODE_PITCH;
    if (fold_ok && c->ic < 16) {
        /* Few channels: the tap rows only where they need no more K steps than all taps in K
         * (then they save the A rows' building at no cost in tile products); the first layers
         * (ic = 3: 7 tap rows of one step against 5 steps, bf16 7×7) keep all taps in K. From
         * 16 channels on, a tap row fills most of its K steps: the tap rows. */
        const int es = cnb_dt_size(p->dt.src), ks = ROWB / es;
        const int fold_steps = (c->kd * c->kh * c->kw * c->ic + ks - 1) / ks;
        const int tr_steps = c->kd * c->kh * ((c->kw * c->ic + ks - 1) / ks);
        if (tr_steps > fold_steps) return MODE_FOLD;
    }
    return pitch ? MODE_PITCH : MODE_ROWS;
}

static const char *supports(const cnb_problem *p)
{
    const char *why = cnb_conv_lowp_supports(p);
    if (why) return why;
    const cnb_conv *c = &p->conv;
    if (c->g > 1 && c->g == c->ic && c->g == c->oc)
        return "depthwise: one input channel per group leaves K almost empty (the AVX-512 depthwise kernels run it)";
    if (c->ic / c->g > IC_MAX)
        return "more than 64 input channels per group: K fills without folding the taps in (conv/amx_direct)";
    if (c->g > 1 && c->dw)
        return "groups with dilation along W: a tap row's elements are not contiguous";
    return NULL;
}

/* nCx16c when the tap rows pack whole 16-channel blocks of a group, else nCx4c. */
static cnb_layout src_layout(const cnb_problem *p)
{
    const cnb_conv *c = &p->conv;
    return pick(p) != MODE_FOLD && (c->ic / c->g) % 16 == 0 ? CNB_LAYOUT_NCX16C : CNB_LAYOUT_NCX4C;
}

static void release(void *state)
{
    amxf *P = state;
    if (!P) return;
    free(P->tmem);
    free(P->zmem);
    free(P->w);
    free(P->glo);
    free(P->ngr);
    free(P->woff);
    free(P->thr);
    free(P);
}

/* Byte mask of the first n (0..64) bytes. */
static inline __mmask64 first_bytes(size_t n)
{
    return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
}

/* n bytes from s to d, 64 at a time, never touching a byte past either end. */
static inline void copy_bytes(unsigned char *d, const unsigned char *s, size_t n)
{
    for (; n > 64; n -= 64, s += 64, d += 64) _mm512_storeu_si512(d, _mm512_loadu_si512(s));
    const __mmask64 m = first_bytes(n);
    _mm512_mask_storeu_epi8(d, m, _mm512_maskz_loadu_epi8(m, s));
}

static size_t round64(size_t n) { return (n + 63) / 64 * 64; }

typedef struct pending {
    int32_t buf[4][256] __attribute__((aligned(64)));
    /* cnb_amx_epi_rows reads a tile's rows in groups of 2 or 4 (the narrowing packs): up to 3
     * rows past the last it converts, which the tap rows' runs may start anywhere in a tile */
    int32_t slack[3][16];
    int valid, na, nb, ob0;
    int64_t q0, dst_img;   /* fold: the block's first pixel of the plane */
    int od, tq[2];         /* tap rows: the output plane, and its tiles' first positions in the
                            * tile order (q = oh · vp + ow) */
} pending;

/* Tap rows: one entry of a block's sum: where tile 0 / 1 of the block read that tap row of a
 * group (K step 0), and its weights (step 0, oc block 0). */
typedef struct trow {
    const unsigned char *a[2];
    const unsigned char *b;
} trow;

/* A block's rows, and 64 bytes past them: what the last row's whole-vector copies may write
 * (build_a). */
static size_t a_bytes(const amxf *P) { return round64((size_t)PIX * P->kb) + ROWB; }

/* Tap rows: T per (image, group) with zero borders, the weights per oc tile, the threads'
 * slices. Returns 0 when out of memory. */
static int prepare_tr(amxf *P, const void *wei)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ks = ROWB / es, grp = 4 / es, icg = P->icg, ocg = P->ocg;
    P->taps = c->kd * c->kh * c->kw;
    P->nr = c->kd * c->kh;
    P->rks = (c->kw * icg * es + ROWB - 1) / ROWB;
    P->n_ocb = (c->oc + 15) / 16;
    P->n_ot = (P->n_ocb + 1) / 2;
    P->plane = (int64_t)c->od * c->oh * c->ow;
    P->pb = (size_t)icg * es;
    /* T's extent: the input inside its padding, and every position an output's taps reach. */
    const int d1 = (c->od - 1) * c->sd + (c->kd - 1) * (c->dd + 1) + 1;
    const int h1 = (c->oh - 1) * c->sh + (c->kh - 1) * (c->dh + 1) + 1;
    const int w1 = (c->ow - 1) * c->sw + c->kw;
    P->dp = c->pd + c->id > d1 ? c->pd + c->id : d1;
    P->hp = c->ph + c->ih > h1 ? c->ph + c->ih : h1;
    P->wp = c->pw + c->iw > w1 ? c->pw + c->iw : w1;
    if (P->mode == MODE_PITCH) {
        P->vp = P->wp;
        P->tiles = (int)((((int64_t)c->oh - 1) * P->wp + c->ow + 15) / 16);
    } else {
        P->vp = (c->ow + 15) / 16 * 16;
        P->tiles = c->oh * (P->vp / 16);
    }
    /* Past the end of T, what the last plane's last tile may read: up to 16 pixels past its
     * output row's end, then its tap row's K steps. Zero like the borders. */
    const size_t slack = ((size_t)(P->vp + 16) * c->sw + c->kw) * P->pb + (size_t)(P->rks + 1) * ROWB;
    const size_t t_bytes = (size_t)c->mb * c->g * P->dp * P->hp * P->wp * P->pb + slack;
    P->tmem = aligned_alloc(64, round64(t_bytes));
    if (!P->tmem) return 0;
    memset(P->tmem, 0, round64(t_bytes));   /* the borders stay zero: run writes inside */
    P->t = P->tmem;
    /* Weights: per oc tile, the groups its channels belong to; for each, tap row and K step,
     * the B tiles of oc blocks 0 and 1: [group][tap row][step][2][BT], zero for K past kw · icg,
     * for channels of other groups and past OC. Element k of a tap row's K is tap k / icg of
     * the row, channel k % icg of the group. */
    P->glo = malloc(sizeof(int) * P->n_ot);
    P->ngr = malloc(sizeof(int) * P->n_ot);
    P->woff = malloc(sizeof(size_t) * (P->n_ot + 1));
    if (!P->glo || !P->ngr || !P->woff) return 0;
    P->woff[0] = 0;
    P->max_ent = 0;
    for (int ot = 0; ot < P->n_ot; ot++) {
        const int o0 = ot * 32, o1 = (o0 + 32 < c->oc ? o0 + 32 : c->oc) - 1;
        P->glo[ot] = o0 / ocg;
        P->ngr[ot] = o1 / ocg - o0 / ocg + 1;
        if (P->ngr[ot] * P->nr > P->max_ent) P->max_ent = P->ngr[ot] * P->nr;
        P->woff[ot + 1] = P->woff[ot] + (size_t)P->ngr[ot] * P->nr * P->rks * 2 * BT;
    }
    P->w = aligned_alloc(64, P->woff[P->n_ot]);
    if (!P->w) return 0;
    memset(P->w, 0, P->woff[P->n_ot]);
    const unsigned char *wsrc = wei;
    const int rk = c->kw * icg;
    for (int oc = 0; oc < c->oc; oc++) {
        const int ot = oc / 32, r2 = oc / 16 % 2, o = oc % 16, j = oc / ocg - P->glo[ot];
        for (int r = 0; r < P->nr; r++)
            for (int k = 0; k < rk; k++) {
                const int s = k / ks, kin = k % ks;
                unsigned char *b = P->w + P->woff[ot] + ((((size_t)j * P->nr + r) * P->rks + s) * 2 + r2) * BT;
                /* goidhw: [oc][ic within the group][kd · kh + kh][kw] */
                const size_t from = ((size_t)oc * icg + k % icg) * P->taps + (size_t)r * c->kw + k / icg;
                memcpy(b + ((size_t)(kin / grp) * 16 + o) * 4 + (kin % grp) * es, wsrc + from * es, es);
            }
    }
    /* An oc tile's weights are read once per pixel block, cyclically: when they overflow L1
     * (5/6 of it: the rest for the A rows and C buffers) they come from L2 every time, two B
     * tiles per 4 tile products. When one oc block's fit well (2/3 of L1), the blocks run one
     * at a time (2 × 1 C tiles): each A tile then serves one B tile, but all tiles load from
     * L1. Between the two, 2 × 2 tiles. */
    {
        const long long l1 = cnb_topo_get()->l1d > 0 ? cnb_topo_get()->l1d : 48 * 1024;
        const size_t ot_b = (size_t)P->nr * P->rks * 2 * BT;
        P->split = ot_b > (size_t)(l1 * 5 / 6) && ot_b / 2 <= (size_t)(l1 * 2 / 3);
    }
    P->nthr = omp_get_max_threads();
    P->thr_bytes = round64(2 * sizeof(pending) + sizeof(trow) * (size_t)P->max_ent);
    P->thr = aligned_alloc(64, P->thr_bytes * P->nthr);
    if (!P->thr) return 0;
    memset(P->thr, 0, P->thr_bytes * P->nthr);
    snprintf(P->name, sizeof P->name, "conv/amx_fewic[%s, K%d of %d per row, %s tiles]",
             mode_names[P->mode], rk, P->rks * ks, P->split ? "2x1" : "2x2");
    return 1;
}

static void *prepare_mode(const cnb_problem *p, const void *wei, int mode)
{
    amxf *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    P->c = p->conv;
    const cnb_conv *c = &P->c;
    P->es = cnb_dt_size(p->dt.src);
    P->epi.t = p->dt;
    P->epi.esize = P->es;
    P->epi.group = 4 / P->es;
    if (cnb_dt_requantized(&p->dt))
        P->epi.shift = p->dt.dst_scale_log2 - p->dt.src_scale_log2 - p->dt.wei_scale_log2;
    P->ekind = cnb_amx_epi_kind(&P->epi);
    P->mode = mode;
    P->icg = c->ic / c->g;
    P->ocg = c->oc / c->g;
    P->sblk = cnb_layout_block(src_layout(p));
    if (P->mode != MODE_FOLD) {
        if (!prepare_tr(P, wei)) goto fail;
        return P;
    }
    const int es = P->es, ks = ROWB / es, grp = 4 / es;
    P->taps = c->kd * c->kh * c->kw;
    P->kk = P->taps * c->ic;
    P->nks = (P->kk + ks - 1) / ks;
    P->kb = (size_t)P->nks * ROWB;
    P->seg = c->dw ? c->ic : c->kw * c->ic;
    P->n_ocb = (c->oc + 15) / 16;
    P->n_ot = (P->n_ocb + 1) / 2;
    P->plane = (int64_t)c->od * c->oh * c->ow;
    /* Columns of T: the input's, shifted by pw, and every column the last pixel's taps reach. */
    const int reach = (c->ow - 1) * c->sw + (c->kw - 1) * (c->dw + 1) + 1;
    P->tw = c->iw + c->pw > reach ? c->iw + c->pw : reach;
    P->trow = round64((size_t)P->tw * c->ic * es);
    const size_t t_bytes = (size_t)c->mb * c->id * c->ih * P->trow;
    P->tmem = aligned_alloc(64, t_bytes + 2 * ROWB);
    P->zmem = aligned_alloc(64, P->trow + 2 * ROWB);
    const size_t w_bytes = (size_t)P->n_ocb * P->nks * BT;
    P->w = aligned_alloc(64, w_bytes);
    if (!P->tmem || !P->zmem || !P->w) goto fail;
    memset(P->tmem, 0, t_bytes + 2 * ROWB);
    memset(P->zmem, 0, P->trow + 2 * ROWB);
    P->t = P->tmem + ROWB;
    P->zrow = P->zmem + ROWB;
    P->one = !c->dw && (size_t)P->kk * es <= ROWB;
    if (P->one)
        for (int r = 0; r < c->kd * c->kh; r++)
            P->mr[r] = first_bytes((size_t)(r + 1) * P->seg * es) & ~first_bytes((size_t)r * P->seg * es);
    memset(P->w, 0, w_bytes);
    /* B: element k of K is tap k / ic (kd, kh, kw order), channel k % ic. */
    const unsigned char *wsrc = wei;
    for (int oc = 0; oc < c->oc; oc++) {
        const int ob = oc / 16, o = oc % 16;
        for (int k = 0; k < P->kk; k++) {
            const int s = k / ks, kin = k % ks;
            unsigned char *b = P->w + ((size_t)ob * P->nks + s) * BT;
            const size_t from = ((size_t)oc * c->ic + k % c->ic) * P->taps + k / c->ic;   /* goidhw */
            memcpy(b + ((size_t)(kin / grp) * 16 + o) * 4 + (kin % grp) * es, wsrc + from * es, es);
        }
    }
    P->nthr = omp_get_max_threads();
    P->thr_bytes = round64(2 * a_bytes(P) + 2 * sizeof(pending) +
                           sizeof(const unsigned char *) * (size_t)c->kd * c->kh);
    P->thr = aligned_alloc(64, P->thr_bytes * P->nthr);
    if (!P->thr) goto fail;
    memset(P->thr, 0, P->thr_bytes * P->nthr);   /* A rows: K's tail is zero from here on */
    snprintf(P->name, sizeof P->name, "conv/amx_fewic[%s, K%d of %d, 2x2 tiles]",
             mode_names[P->mode], P->kk, P->nks * ks);
    return P;
fail:
    release(P);
    return NULL;
}

static int team(const amxf *P)
{
    const int t = omp_get_max_threads();
    return t < P->nthr ? t : P->nthr;
}

/* The elements of group gi of one input row (image n, row dh = d · IH + h) from src (nCxBc,
 * B = P->sblk) tight into t (ic per group elements per pixel, IW pixels). */
static void pack_row(const amxf *P, const unsigned char *src, int n, int gi, int64_t dh, unsigned char *t)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ic = P->icg, B = P->sblk, ncb = (c->ic + B - 1) / B;
    const int64_t rows_img = (int64_t)c->id * c->ih;
    const int64_t blk = rows_img * c->iw * B;   /* elements per channel block of an image */
    if (ic == 3 && es == 2 && c->g == 1 && B == 4) {
        /* 8 pixels (32 elements) per step; out element j is pixel j / 3, channel j % 3. */
        const uint16_t *s = (const uint16_t *)src + (n * ncb) * blk + dh * c->iw * 4;
        uint16_t *d = (uint16_t *)t;
        __m512i idx;
        {
            uint16_t ix[32] __attribute__((aligned(64)));
            for (int j = 0; j < 32; j++) ix[j] = (uint16_t)(j < 24 ? j / 3 * 4 + j % 3 : 0);
            idx = _mm512_load_si512(ix);
        }
        for (int w = 0; w < c->iw; w += 8) {
            const int m = c->iw - w < 8 ? c->iw - w : 8;
            const __m512i v = _mm512_maskz_loadu_epi16((__mmask32)((1ull << (4 * m)) - 1), s + (size_t)w * 4);
            _mm512_mask_storeu_epi16(d + (size_t)w * 3, (__mmask32)((1ull << (3 * m)) - 1),
                                     _mm512_permutexvar_epi16(idx, v));
        }
        return;
    }
    if (ic == 3 && es == 1 && c->g == 1 && B == 4) {
        /* 16 pixels (64 bytes) per step: each 128-bit lane's 4 pixels to 12 bytes, then the
         * lanes' 3 dwords together. */
        const uint8_t *s = (const uint8_t *)src + (n * ncb) * blk + dh * c->iw * 4;
        uint8_t *d = t;
        const __m512i sh = _mm512_set4_epi32((int)0x80808080, 0x0e0d0c0a, 0x09080605, 0x04020100);
        const __m512i idx = _mm512_set_epi32(0, 0, 0, 0, 14, 13, 12, 10, 9, 8, 6, 5, 4, 2, 1, 0);
        for (int w = 0; w < c->iw; w += 16) {
            const int m = c->iw - w < 16 ? c->iw - w : 16;
            const __m512i v = _mm512_maskz_loadu_epi8(first_bytes((size_t)4 * m), s + (size_t)w * 4);
            const __m512i x = _mm512_permutexvar_epi32(idx, _mm512_shuffle_epi8(v, sh));
            _mm512_mask_storeu_epi8(d + (size_t)w * 3, first_bytes((size_t)3 * m), x);
        }
        return;
    }
    const int c0 = gi * ic;   /* the group's first channel */
    if (B == 16 && ic % 16 == 0) {
        /* whole blocks: 16 elements (32 or 16 bytes) of a pixel at a time */
        for (int j = 0; j < ic / 16; j++) {
            const unsigned char *s = src + (((int64_t)n * ncb + c0 / 16 + j) * blk + dh * c->iw * 16) * es;
            unsigned char *d = t + (size_t)j * 16 * es;
            if (ic == 16)
                memcpy(d, s, (size_t)c->iw * 16 * es);
            else if (es == 2)
                for (int w = 0; w < c->iw; w++)
                    _mm256_storeu_si256((__m256i *)(d + (size_t)w * ic * 2),
                                        _mm256_loadu_si256((const __m256i *)(s + (size_t)w * 32)));
            else
                for (int w = 0; w < c->iw; w++)
                    _mm_storeu_si128((__m128i *)(d + (size_t)w * ic), _mm_loadu_si128((const __m128i *)(s + (size_t)w * 16)));
        }
        return;
    }
    if (B == 4 && ic % 4 == 0) {
        for (int j = 0; j < ic / 4; j++) {
            const unsigned char *s = src + (((int64_t)n * ncb + c0 / 4 + j) * blk + dh * c->iw * 4) * es;
            unsigned char *d = t + (size_t)j * 4 * es;
            if (es == 2)
                for (int w = 0; w < c->iw; w++) memcpy(d + (size_t)w * ic * 2, s + (size_t)w * 8, 8);
            else
                for (int w = 0; w < c->iw; w++) memcpy(d + (size_t)w * ic, s + (size_t)w * 4, 4);
        }
        return;
    }
    for (int cc = 0; cc < ic; cc++) {
        const int ch = c0 + cc;
        const unsigned char *s = src + (((int64_t)n * ncb + ch / B) * blk + dh * c->iw * B + ch % B) * es;
        for (int w = 0; w < c->iw; w++)
            memcpy(t + ((size_t)w * ic + cc) * es, s + (size_t)w * B * es, es);
    }
}

/* Fold: one input row (n, d, h) into T, at columns pw .. pw + IW − 1. */
static void fill_row(const amxf *P, const unsigned char *src, int64_t r)
{
    const cnb_conv *c = &P->c;
    const int64_t rows_img = (int64_t)c->id * c->ih;
    pack_row(P, src, (int)(r / rows_img), 0, r % rows_img,
             P->t + (size_t)r * P->trow + (size_t)c->pw * c->ic * P->es);
}

/* The A rows of pixels q0 .. q0 + np − 1 of image n into a (row i at i · kb). */
static void build_a(const amxf *P, unsigned char *a, const unsigned char **base, int n, int64_t q0,
                    int np)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ic = c->ic, nr = c->kd * c->kh;
    const size_t segb = (size_t)P->seg * es, pixb = (size_t)c->sw * ic * es;
    const size_t dwb = (size_t)(c->dw + 1) * ic * es;
    const unsigned char *img = P->t + (size_t)n * c->id * c->ih * P->trow;
    const size_t end = (size_t)nr * segb;
    const __mmask64 tail = c->dw ? 0 : first_bytes(P->kb - end);
    int ow = (int)(q0 % c->ow), oh = (int)(q0 / c->ow % c->oh), od = (int)(q0 / c->ow / c->oh);
    int fresh = 1;
    for (int i = 0; i < np; i++) {
        if (fresh) {
            for (int kd = 0; kd < c->kd; kd++) {
                const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                for (int kh = 0; kh < c->kh; kh++) {
                    const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                    base[kd * c->kh + kh] = id < 0 || id >= c->id || ih < 0 || ih >= c->ih
                                                ? P->zrow
                                                : img + ((size_t)id * c->ih + ih) * P->trow;
                }
            }
            fresh = 0;
        }
        unsigned char *row = a + (size_t)i * P->kb;
        const size_t off = (size_t)ow * pixb;
        if (P->one) {
            /* The whole used K in one register: tap row r's bytes land at r · segb (its load
             * starts that much before the pixel's column; the bytes before are masked out, and
             * T and the zero row have 64 bytes of room before them), then one aligned store,
             * zeros past kk included. */
            __m512i v = _mm512_maskz_loadu_epi8(P->mr[0], base[0] + off);
            for (int r = 1; r < nr; r++) v = _mm512_mask_loadu_epi8(v, P->mr[r], base[r] + off - r * segb);
            _mm512_store_si512(row, v);
        } else if (!c->dw) {
            /* Whole, unmasked vectors for all tap rows but the last (masked stores of short
             * copies that straddle cache lines are slow): each may write up to 63 bytes past its
             * copy, which the next copies overwrite; the last copy is masked, then K's tail
             * [kk, K) gets its zeros back (it is under 64 bytes). The loads may read up to 63
             * bytes past the copy: T and the zero row have that much room. */
            for (int r = 0; r + 1 < nr; r++) {
                unsigned char *d = row + r * segb;
                const unsigned char *s = base[r] + off;
                for (size_t b = 0; b < segb; b += 64)
                    _mm512_storeu_si512(d + b, _mm512_loadu_si512(s + b));
            }
            copy_bytes(row + (nr - 1) * segb, base[nr - 1] + off, segb);
            if (tail) _mm512_mask_storeu_epi8(row + end, tail, _mm512_setzero_si512());
        } else {
            for (int r = 0; r < nr; r++)
                for (int x = 0; x < c->kw; x++)
                    copy_bytes(row + ((size_t)r * c->kw + x) * segb, base[r] + off + x * dwb, segb);
        }
        if (++ow == c->ow) {
            ow = 0, fresh = 1;
            if (++oh == c->oh) oh = 0, od++;
        }
    }
}

static inline __attribute__((always_inline)) void kern(const int na, const int nb, const int bf,
                                                       const unsigned char *a, size_t kb,
                                                       const unsigned char *b0, int nks)
{
    const unsigned char *b1 = b0 + (size_t)nks * BT;
    for (int s = 0; s < nks; s++) {
        cnb_amx_step_2x2(na, nb, bf, a + s * ROWB, a + 16 * kb + s * ROWB, kb, b0 + (size_t)s * BT,
                         b1 + (size_t)s * BT, ROWB);
    }
}

static void kern_any(int na, int nb, int bf, const unsigned char *a, size_t kb,
                     const unsigned char *b0, int nks)
{
    switch ((bf << 2) | ((na - 1) << 1) | (nb - 1)) {
    case 0: kern(1, 1, 0, a, kb, b0, nks); break;
    case 1: kern(1, 2, 0, a, kb, b0, nks); break;
    case 2: kern(2, 1, 0, a, kb, b0, nks); break;
    case 3: kern(2, 2, 0, a, kb, b0, nks); break;
    case 4: kern(1, 1, 1, a, kb, b0, nks); break;
    case 5: kern(1, 2, 1, a, kb, b0, nks); break;
    case 6: kern(2, 1, 1, a, kb, b0, nks); break;
    default: kern(2, 2, 1, a, kb, b0, nks); break;
    }
}

/* A block's C tiles wait in a per-thread buffer and their epilogue runs after the next block's
 * tile products are issued: a vector load right after the tile store of the same bytes would
 * wait for the store to drain; one block later the AVX-512 epilogue overlaps the tile products. */
static void tiles_out(pending *q, int na, int nb, int ob0, int64_t q0, int64_t dst_img)
{
    _tile_stored(0, q->buf[0], ROWB);
    if (nb == 2) _tile_stored(1, q->buf[1], ROWB);
    if (na == 2) _tile_stored(2, q->buf[2], ROWB);
    if (na == 2 && nb == 2) _tile_stored(3, q->buf[3], ROWB);
    q->valid = 1, q->na = na, q->nb = nb, q->ob0 = ob0, q->q0 = q0, q->dst_img = dst_img;
}

/* The rows of a waiting block below the plane's end (amx_epi.h). */
static void epilogue(const amxf *P, pending *q, void *dst)
{
    if (!q->valid) return;
    q->valid = 0;
    for (int t = 0; t < 4; t++) {
        const int ta = t >> 1, tb = t & 1;
        if (ta >= q->na || tb >= q->nb) continue;
        const int64_t p0 = q->q0 + ta * 16;
        const int64_t base = q->dst_img + ((q->ob0 + tb) * P->plane + p0) * 16;
        const int rows = P->plane - p0 < 16 ? (int)(P->plane - p0) : 16;
        cnb_amx_epi_rows(P->ekind, &P->epi, q->buf[t], dst, base, rows);
    }
}

/* Tap rows: C tiles (na × nb of 2 × 2) += A · B over the entries, rks K steps each; A rows are
 * astride apart in T (overlapping: a pixel's tap row starts sw · icg elements after the
 * previous pixel's). */
static inline __attribute__((always_inline)) void kern_tr(const int na, const int nb, const int bf,
                                                          const trow *e, int ne, int rks,
                                                          size_t astride)
{
    for (int r = 0; r < ne; r++) {
        const unsigned char *a0 = e[r].a[0], *a1 = e[r].a[1], *b = e[r].b;
        for (int s = 0; s < rks; s++, b += 2 * BT) {
            cnb_amx_step_2x2(na, nb, bf, a0 + s * ROWB, a1 + s * ROWB, astride, b, b + BT, ROWB);
        }
    }
}

static void kern_tr_any(int na, int nb, int bf, const trow *e, int ne, int rks, size_t astride)
{
    switch ((bf << 2) | ((na - 1) << 1) | (nb - 1)) {
    case 0: kern_tr(1, 1, 0, e, ne, rks, astride); break;
    case 1: kern_tr(1, 2, 0, e, ne, rks, astride); break;
    case 2: kern_tr(2, 1, 0, e, ne, rks, astride); break;
    case 3: kern_tr(2, 2, 0, e, ne, rks, astride); break;
    case 4: kern_tr(1, 1, 1, e, ne, rks, astride); break;
    case 5: kern_tr(1, 2, 1, e, ne, rks, astride); break;
    case 6: kern_tr(2, 1, 1, e, ne, rks, astride); break;
    default: kern_tr(2, 2, 1, e, ne, rks, astride); break;
    }
}

/* Tap rows: the epilogue of a waiting block, the runs of each tile's positions with ow < OW
 * and oh < OH (each run contiguous in dst). */
static void epilogue_tr(const amxf *P, pending *q, void *dst)
{
    if (!q->valid) return;
    q->valid = 0;
    const cnb_conv *c = &P->c;
    for (int t = 0; t < 4; t++) {
        const int ta = t >> 1, tb = t & 1;
        if (ta >= q->na || tb >= q->nb) continue;
        const int64_t cbase = q->dst_img + (q->ob0 + tb) * P->plane * 16;
        for (int i = 0; i < 16;) {
            const int pos = q->tq[ta] + i, oh = pos / P->vp, ow = pos % P->vp;
            if (oh >= c->oh) break;
            if (ow >= c->ow) {
                i += P->vp - ow;
                continue;
            }
            const int run = c->ow - ow < 16 - i ? c->ow - ow : 16 - i;
            cnb_amx_epi_rows(P->ekind, &P->epi, q->buf[t] + i * 16, dst,
                             cbase + (((int64_t)q->od * c->oh + oh) * c->ow + ow) * 16, run);
            i += run;
        }
    }
}

/* Tap rows: each input row of each group inside T's borders. */
static void fill_tr(const amxf *P, const unsigned char *src)
{
    const cnb_conv *c = &P->c;
    const int64_t rows = (int64_t)c->mb * c->g * c->id * c->ih;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int h = (int)(r % c->ih), d = (int)(r / c->ih % c->id);
        const int64_t ng = r / ((int64_t)c->id * c->ih);   /* n · g + group */
        unsigned char *t = P->t + ((((size_t)ng * P->dp + d + c->pd) * P->hp + h + c->ph) * P->wp + c->pw) * P->pb;
        pack_row(P, src, (int)(ng / c->g), (int)(ng % c->g), (int64_t)d * c->ih + h, t);
    }
}

static void run_tr(const amxf *P, const void *src, void *dst)
{
    const cnb_conv *c = &P->c;
    const int nth = team(P);
    const int64_t planes = (int64_t)c->mb * c->od;
    const int nblk = (P->tiles + 1) / 2;
    /* Tasks: runs of consecutive blocks of one output plane; one run per plane on one thread
     * (every oc tile's weights then serve the whole plane), else enough runs for the threads. */
    int n_run = 1;
    if (nth > 1) {
        const int64_t want = (8 * nth + planes - 1) / planes;
        n_run = want > nblk ? nblk : (int)want;
    }
    const int per = (nblk + n_run - 1) / n_run;
    n_run = (nblk + per - 1) / per;
    const int64_t tasks = planes * n_run;
    const int bf = P->es == 2;
    const int64_t dst_img = (int64_t)P->n_ocb * P->plane * 16;
    const size_t astride = (size_t)c->sw * P->pb, rowb = (size_t)P->wp * P->pb;
    const size_t planeb = (size_t)P->hp * rowb, groupb = (size_t)P->dp * planeb;
#pragma omp parallel num_threads(nth)
    {
        fill_tr(P, src);   /* ends with the barrier of its omp for */
        unsigned char *mine = P->thr + (size_t)omp_get_thread_num() * P->thr_bytes;
        pending *pq = (pending *)mine;
        trow *ent = (trow *)(pq + 2);
        int cur = 0;
        pq[0].valid = pq[1].valid = 0;
        _tile_loadconfig(&cnb_amx_config_16x64);
#pragma omp for schedule(static)
        for (int64_t task = 0; task < tasks; task++) {
            const int64_t pl = task / n_run;
            const int n = (int)(pl / c->od), od = (int)(pl % c->od);
            const int b0 = (int)(task % n_run) * per, b1 = b0 + per < nblk ? b0 + per : nblk;
            for (int u = 0; u < P->n_ot << P->split; u++) {
                const int ot = u >> P->split, sub = u & P->split;
                if (2 * ot + sub >= P->n_ocb) continue;
                const int nb = P->split ? 1 : 2 * ot + 1 < P->n_ocb ? 2 : 1;
                const unsigned char *wt = P->w + P->woff[ot] + (size_t)sub * BT;
                const size_t wrow = (size_t)P->rks * 2 * BT;
                for (int blk = b0; blk < b1; blk++) {
                    const int na = 2 * blk + 1 < P->tiles ? 2 : 1;
                    int tq[2], ih0[2];
                    size_t off[2];
                    for (int a = 0; a < 2; a++) {
                        const int i = 2 * blk + (a < na ? a : 0);
                        tq[a] = 16 * i;
                        const int oh = tq[a] / P->vp, ow = tq[a] % P->vp;
                        off[a] = ((size_t)oh * c->sh * P->wp + (size_t)ow * c->sw) * P->pb;
                        ih0[a] = oh * c->sh - c->ph;   /* input row of tap row kh = 0 */
                    }
                    int ne = 0;
                    for (int j = 0; j < P->ngr[ot]; j++) {
                        const unsigned char *tg = P->t + ((size_t)n * c->g + P->glo[ot] + j) * groupb;
                        for (int kd = 0; kd < c->kd; kd++) {
                            const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                            if (id < 0 || id >= c->id) continue;   /* a zero plane */
                            const unsigned char *tp = tg + (size_t)(id + c->pd) * planeb;
                            for (int kh = 0; kh < c->kh; kh++) {
                                const int dh = kh * (c->dh + 1);
                                /* rows: a tap row in the vertical padding for both tiles adds
                                 * nothing (pitch: a tile spans rows, it always runs) */
                                if (P->mode == MODE_ROWS) {
                                    const int i0 = ih0[0] + dh, i1 = ih0[1] + dh;
                                    if ((i0 < 0 || i0 >= c->ih) && (i1 < 0 || i1 >= c->ih)) continue;
                                }
                                trow *e = &ent[ne++];
                                e->a[0] = tp + (size_t)dh * rowb + off[0];
                                e->a[1] = tp + (size_t)dh * rowb + off[1];
                                e->b = wt + ((size_t)j * P->nr + kd * c->kh + kh) * wrow;
                            }
                        }
                    }
                    _tile_zero(0);
                    _tile_zero(1);
                    _tile_zero(2);
                    _tile_zero(3);
                    kern_tr_any(na, nb, bf, ent, ne, P->rks, astride);
                    epilogue_tr(P, &pq[cur ^ 1], dst);
                    _tile_stored(0, pq[cur].buf[0], ROWB);
                    if (nb == 2) _tile_stored(1, pq[cur].buf[1], ROWB);
                    if (na == 2) _tile_stored(2, pq[cur].buf[2], ROWB);
                    if (na == 2 && nb == 2) _tile_stored(3, pq[cur].buf[3], ROWB);
                    pending *q = &pq[cur];
                    q->valid = 1, q->na = na, q->nb = nb, q->ob0 = 2 * ot + sub, q->dst_img = n * dst_img;
                    q->od = od, q->tq[0] = tq[0], q->tq[1] = tq[1];
                    cur ^= 1;
                }
            }
        }
        epilogue_tr(P, &pq[cur ^ 1], dst);
        _tile_release();
    }
}

static void run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)p, (void)wei;
    const amxf *P = state;
    if (P->mode != MODE_FOLD) {
        run_tr(P, src, dst);
        return;
    }
    const cnb_conv *c = &P->c;
    const int nth = team(P);
    const int64_t rows = (int64_t)c->mb * c->id * c->ih;
    const int64_t nblk = (P->plane + PIX - 1) / PIX;
    /* Tasks: runs of consecutive blocks of one image, enough of them for the threads. */
    int64_t per = (c->mb * nblk + 8 * nth - 1) / (8 * nth);
    if (per > nblk) per = nblk;
    if (per < 1) per = 1;
    const int64_t n_run = (nblk + per - 1) / per, tasks = (int64_t)c->mb * n_run;
    const int bf = P->es == 2;
    const int64_t dst_img = (int64_t)P->n_ocb * P->plane * 16;
#pragma omp parallel num_threads(nth)
    {
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) fill_row(P, src, r);
        unsigned char *a = P->thr + (size_t)omp_get_thread_num() * P->thr_bytes;
        pending *pq = (pending *)(a + 2 * a_bytes(P));
        const unsigned char **base = (const unsigned char **)(pq + 2);
        int cur = 0;
        pq[0].valid = pq[1].valid = 0;
        _tile_loadconfig(&cnb_amx_config_16x64);
#pragma omp for schedule(static)
        for (int64_t task = 0; task < tasks; task++) {
            const int n = (int)(task / n_run);
            const int64_t b0 = task % n_run * per, b1 = b0 + per < nblk ? b0 + per : nblk;
            /* A rows double-buffered: the next block's are built while this block's tile
             * products run (a tile load right after the stores of its rows would wait for them
             * to drain). */
            {
                const int np0 = P->plane - b0 * PIX < PIX ? (int)(P->plane - b0 * PIX) : PIX;
                build_a(P, a, base, n, b0 * PIX, np0);
            }
            for (int64_t blk = b0; blk < b1; blk++) {
                const int64_t q0 = blk * PIX;
                const int np = P->plane - q0 < PIX ? (int)(P->plane - q0) : PIX;
                const int na = np > 16 ? 2 : 1;
                unsigned char *acur = a + (size_t)((blk - b0) & 1) * a_bytes(P);
                unsigned char *anext = a + (size_t)((blk - b0 + 1) & 1) * a_bytes(P);
                for (int ot = 0; ot < P->n_ot; ot++) {
                    const int nb = 2 * ot + 1 < P->n_ocb ? 2 : 1;
                    _tile_zero(0);
                    _tile_zero(1);
                    _tile_zero(2);
                    _tile_zero(3);
                    kern_any(na, nb, bf, acur, P->kb, P->w + (size_t)2 * ot * P->nks * BT, P->nks);
                    if (ot == 0 && blk + 1 < b1) {
                        const int64_t qn = q0 + PIX;
                        build_a(P, anext, base, n, qn, P->plane - qn < PIX ? (int)(P->plane - qn) : PIX);
                    }
                    epilogue(P, &pq[cur ^ 1], dst);
                    tiles_out(&pq[cur], na, nb, 2 * ot, q0, n * dst_img);
                    cur ^= 1;
                }
            }
        }
        epilogue(P, &pq[cur ^ 1], dst);
        _tile_release();
    }
}

static void *prepare(const cnb_problem *p, const void *wei)
{
    if (supports(p) || !wei) return NULL;
    return prepare_mode(p, wei, pick(p));
}

static const char *kernel_name(void *state)
{
    const amxf *P = state;
    return P ? P->name : NULL;
}

const cnb_impl cnb_conv_lowp_fewic__amx = {
    .name = "conv/amx_fewic",
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
