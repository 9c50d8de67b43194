/* The plan pieces shared by the three direct convolution drivers: the f32 one
 * (kernels/conv/driver.c), the bf16/int8 one (kernels/conv_lowp.c) and the few-input-channel one
 * (kernels/conv_fewic.c). Baseline-compiled (kernels/conv_rows.c).
 *
 * The rule they share: a kernel call never reads a padding tap. Along D and H, each output depth
 * and row clips its taps once (cnb_conv_clip_dh); along W, the pixels of a row whose clipped kw
 * ranges are equal form runs, each cut into tiles of at most ur_max pixels (cnb_conv_row_runs),
 * and a tile's call takes its run's taps. (The f32 row path instead cuts the whole row and covers
 * the border taps with extra calls, build_row_calls in driver.c; its depthwise path uses the
 * runs.) */
#ifndef CNB_KERNELS_CONV_ROWS_H
#define CNB_KERNELS_CONV_ROWS_H

#include <stdint.h>

#include "kernels/problem.h"

/* One call along a row: pixels [ow0, ow0 + ur), taps [kw_lo, kw_lo + nkw) along w. */
typedef struct cnb_row_tile {
    int ow0, ur, kw_lo, nkw;
    int add;                 /* f32 row path only: border taps added to the tile's first call */
} cnb_row_tile;

/* How a run of len pixels is cut into nt = ⌈len / ur_max⌉ tiles. EVEN: near-equal widths (the
 * first len mod nt one pixel wider), so no tile is left much narrower than the others; FULL:
 * ur_max pixels each and one shorter tail (the few-input-channel path's cut, kept as it was:
 * its tiles are all full-width when ur_max divides the run). */
typedef enum { CNB_CUT_EVEN, CNB_CUT_FULL } cnb_row_cut;

/* Width of tile t of the EVEN cut of len pixels into nt tiles. */
static inline int cnb_even_width(int len, int nt, int t)
{
    return len / nt + (t < len % nt);
}

/* The row's runs of pixels with equal clipped kw ranges, each cut into tiles of at most ur_max
 * pixels; writes them to rt (room for c->ow) with add = 0, returns the count (≤ ow). */
int cnb_conv_row_runs(const cnb_conv *c, int ur_max, cnb_row_cut cut, cnb_row_tile *rt);

/* The clipped kd range [kd_lo[od], kd_lo[od] + nkd[od]) of every output depth and kh range of
 * every output row (cnb_clip_taps). */
typedef struct cnb_clip_dh {
    int *kd_lo, *nkd;        /* [od] */
    int *kh_lo, *nkh;        /* [oh] */
} cnb_clip_dh;

/* Fills *t (arrays malloc'ed here); returns 0 when out of memory (cnb_clip_dh_free still frees
 * what was allocated). */
int cnb_clip_dh_make(const cnb_conv *c, cnb_clip_dh *t);
void cnb_clip_dh_free(cnb_clip_dh *t);

/* Tile r of output row (od, oh): the input pixel of its first tap (kd_lo, kh_lo, r->kw_lo), as an
 * index into one channel plane of id·ih·iw pixels, or −1 when no tap of the tile lies inside the
 * input (its call then takes no tap, nkd = nkh = nkw = 0, and writes zeros). */
static inline int64_t cnb_row_tile_pixel(const cnb_conv *c, const cnb_clip_dh *dh, int od, int oh,
                                         const cnb_row_tile *r)
{
    if (!dh->nkd[od] || !dh->nkh[oh] || !r->nkw) return -1;
    const int id0 = od * c->sd - c->pd + dh->kd_lo[od] * (c->dd + 1);
    const int ih0 = oh * c->sh - c->ph + dh->kh_lo[oh] * (c->dh + 1);
    const int iw0 = r->ow0 * c->sw - c->pw + r->kw_lo * (c->dw + 1);
    return ((int64_t)id0 * c->ih + ih0) * c->iw + iw0;
}

/* bytes (at least 1) rounded up to whole 64-byte lines, 64-byte aligned; free() releases it. */
void *cnb_alloc64(int64_t bytes);

/* The shape checks every driver makes: NULL, or why strides or dilations are out of range. */
const char *cnb_conv_stride_error(const cnb_conv *c);

#endif
