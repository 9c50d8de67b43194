/* conv/amx_fewic: bf16 × bf16 (f32 or bf16 out) and u8 × s8 (s32 or requantized u8/s8 out)
 * convolution on AMX tiles for layers with few input channels (first layers: ic = 3), with every
 * tap of the kernel folded into K.
 *
 * Why. With 3 input channels, a tile product over one tap (or over the kw taps of one row, as
 * conv/amx_direct's few-ic path does) leaves most of the 32 bf16 pairs / 64 u8 quads of K zero.
 * Here K runs over (kd, kh, kw, ic) of the whole kernel, padded only once at its end to a whole
 * number of K steps (32 bf16 / 64 u8 elements): 7×7×3 = 147 → 160, 3×3×3 = 27 → 32.
 *
 * Layouts. src comes in nCx4c (the src_layout hook): 4 elements per pixel and channel block. run
 * first packs each input row tight, ic elements per pixel, into T (per image, allocated in
 * prepare): T's columns are the input's shifted by pw, and the columns left and right of the row
 * (the horizontal padding, and what the last pixels' taps read past it) are zero, written once in
 * prepare and never touched by run. A row in the vertical (or depth) padding reads a zero row.
 * dst is nCx16c: an output tile is 16 pixels × one block of 16 channels.
 *
 * A rows. One output pixel is one row of K elements (kb bytes) of a per-thread buffer: for each
 * tap row (kd, kh), the kw·ic elements its taps read are contiguous in T (dilation dw = 0), so
 * they are one copy of kw·ic·es bytes from T to the row at (kd·kh + kh)·kw·ic; with dw > 0, one
 * copy of ic elements per tap. When the used K fits 64 bytes (3×3 × 3 channels), the tap rows are
 * merged in one register and stored once; otherwise whole-vector copies, the last one masked
 * (build_a). The elements from taps·ic to K are zero. Pixels run over the whole image plane
 * (od, oh, ow flattened), so tiles span output rows and only the plane's last tile has a tail; a
 * tail tile's rows past the plane are computed from stale rows and never stored. The rows are
 * double-buffered: a block's are built while the previous block's tile products run.
 *
 * Tiles (8 of 16 rows × 64 bytes):
 *   tmm0..3  C: 2 × 2 tiles: pixel tiles 0/1 × oc blocks 0/1 (16 × 16 f32 / int32 each)
 *   tmm4, 5  A: 16 pixels' rows, one K step (row stride Kb)
 *   tmm6, 7  B: that K step's weights for oc block 0/1, VNNI-packed in prepare
 *
 * Weights (prepare): [oc block][K step][16 K groups][16 oc][g] (1 KiB per B tile), zero for
 * K ≥ taps·ic and for the padding output channels (whose sums are then 0, the zero the nCx16c
 * padding must hold). The epilogue: kernels/conv/amx_epi.h.
 *
 * Threads: the T fill over input rows, then tasks of consecutive 32-pixel blocks of one image;
 * every output is written by one task, in one fixed order. */
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
#include "kernels/impl.h"

enum { ROWB = 64, BT = 1024, PIX = 32, IC_MAX = 15 };

typedef struct amxf {
    cnb_conv c;
    cnb_lowp_state epi;
    int ekind;             /* CNB_AMX_EPI_*: the epilogue's conversion (amx_epi.h) */
    int es;                /* bytes per src element */
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
    unsigned char *w;      /* [n_ocb][nks][BT] */
    int nthr;
    size_t thr_bytes;      /* per thread: A rows of a block, then two pending blocks, then the
                            * tap rows' base pointers */
    unsigned char *thr;
    char name[64];
} amxf;

static const char *supports(const cnb_problem *p)
{
    const char *why = cnb_conv_lowp_supports(p);
    if (why) return why;
    const cnb_conv *c = &p->conv;
    if (c->g != 1) return "groups: this path takes g = 1 only";
    if (c->ic > IC_MAX)
        return "16 or more input channels: K fills without folding the taps in (conv/amx_direct)";
    return NULL;
}

static cnb_layout src_layout(const cnb_problem *p)
{
    (void)p;
    return CNB_LAYOUT_NCX4C;
}

static void release(void *state)
{
    amxf *P = state;
    if (!P) return;
    free(P->tmem);
    free(P->zmem);
    free(P->w);
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
    int valid, na, nb, ob0;
    int64_t q0, dst_img;
} pending;

/* A block's rows, and 64 bytes past them: what the last row's whole-vector copies may write
 * (build_a). */
static size_t a_bytes(const amxf *P) { return round64((size_t)PIX * P->kb) + ROWB; }

static void *prepare(const cnb_problem *p, const void *wei)
{
    if (supports(p) || !wei) return NULL;
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
    snprintf(P->name, sizeof P->name, "conv/amx_fewic[K%d of %d, 2x2 tiles]", P->kk,
             P->nks * ks);
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

/* One input row (n, d, h) from nCx4c into T, at columns pw .. pw + IW − 1. */
static void fill_row(const amxf *P, const unsigned char *src, int64_t r)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ic = c->ic, ncb = (ic + 3) / 4;
    const int64_t rows_img = (int64_t)c->id * c->ih;
    const int64_t n = r / rows_img, dh = r % rows_img;
    unsigned char *t = P->t + (size_t)r * P->trow + (size_t)c->pw * ic * es;
    const int64_t blk = rows_img * c->iw * 4;   /* elements per channel block of an image */
    if (ic == 3 && es == 2) {
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
    if (ic == 3 && es == 1) {
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
    for (int cc = 0; cc < ic; cc++) {
        const unsigned char *s = src + ((n * ncb + cc / 4) * blk + dh * c->iw * 4 + cc % 4) * es;
        for (int w = 0; w < c->iw; w++)
            memcpy(t + ((size_t)w * ic + cc) * es, s + (size_t)w * 4 * es, es);
    }
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
        _tile_loadd(4, a + s * ROWB, kb);
        if (na == 2) _tile_loadd(5, a + 16 * kb + s * ROWB, kb);
        _tile_loadd(6, b0 + (size_t)s * BT, ROWB);
        if (nb == 2) _tile_loadd(7, b1 + (size_t)s * BT, ROWB);
        if (bf) {
            _tile_dpbf16ps(0, 4, 6);
            if (nb == 2) _tile_dpbf16ps(1, 4, 7);
            if (na == 2) _tile_dpbf16ps(2, 5, 6);
            if (na == 2 && nb == 2) _tile_dpbf16ps(3, 5, 7);
        } else {
            _tile_dpbusd(0, 4, 6);
            if (nb == 2) _tile_dpbusd(1, 4, 7);
            if (na == 2) _tile_dpbusd(2, 5, 6);
            if (na == 2 && nb == 2) _tile_dpbusd(3, 5, 7);
        }
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

static void run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)p, (void)wei;
    const amxf *P = state;
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
