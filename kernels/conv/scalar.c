/* Plain-C convolution by im2col and a matrix product: conv/scalar_im2col
 * (cnb_conv_f32_im2col__scalar), layout NCX (NCDHW), every case of the reference.
 * Per image and group, the output pixels (od, oh, ow flattened) are cut into chunks of at most pc
 * pixels so that the column matrix of a chunk, col[k][p] with k = (ic, kd, kh, kw) of the group
 * (padding taps read as 0), stays within the workspace budget. The chunk's outputs are then
 *   dst[oc][p] = Σ_k wei[oc][k] · col[k][p]       (wei is goidhw: row oc of the group is K long)
 * by a loop-reordered product: K in blocks of kc (a col block stays in L2), mr output channels at
 * a time, each col row streamed once for the mr dst rows of the chunk (in L1), unit stride in p.
 * Threads (OpenMP): over (image, group, chunk), each with its own workspace. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels/impl.h"

/* Blocking table: workspace floats per thread (1 MiB), chunk width cap, K block, dst rows per pass. */
enum { WS_FLOATS = 1 << 18, PC_MAX = 512, KC = 256, MR = 4 };
_Static_assert(MR == 4, "product() is written out for 4 dst rows");
_Static_assert(KC >= 1 && PC_MAX >= 1, "blocking table");

typedef struct scalar_plan {
    cnb_conv c;
    int64_t k, p;   /* K = IC/G · taps, P = OD·OH·OW */
    int pc;         /* pixels per chunk */
    int nthr;       /* workspaces allocated */
    float **ws;     /* one K × pc workspace per thread */
} scalar_plan;

static const char *supports(const cnb_problem *p)
{
    if (p->op != CNB_OP_CONV) return "not a convolution";
    const cnb_conv *c = &p->conv;
    if (c->g < 1 || c->ic % c->g || c->oc % c->g) return "channels not divisible by groups";
    return NULL;
}

static void release(void *state)
{
    scalar_plan *P = state;
    if (!P) return;
    for (int t = 0; t < P->nthr; t++) free(P->ws[t]);
    free(P->ws);
    free(P);
}

static int grow_workspaces(scalar_plan *P, int nthr)
{
    if (nthr <= P->nthr) return 1;
    float **ws = realloc(P->ws, sizeof(float *) * nthr);
    if (!ws) return 0;
    P->ws = ws;
    for (; P->nthr < nthr; P->nthr++) {
        P->ws[P->nthr] = malloc(sizeof(float) * (size_t)(P->k * P->pc));
        if (!P->ws[P->nthr]) return 0;
    }
    return 1;
}

static void *prepare(const cnb_problem *p, const void *wei)
{
    (void)wei;
    if (supports(p)) return NULL;
    scalar_plan *P = calloc(1, sizeof(*P));
    if (!P) return NULL;
    const cnb_conv *c = &p->conv;
    P->c = *c;
    P->k = (int64_t)(c->ic / c->g) * c->kd * c->kh * c->kw;
    P->p = (int64_t)c->od * c->oh * c->ow;
    int64_t pc = WS_FLOATS / (P->k > 0 ? P->k : 1);
    if (pc > PC_MAX) pc = PC_MAX;
    if (pc < 1) pc = 1;
    if (pc > P->p) pc = P->p > 0 ? P->p : 1;
    P->pc = (int)pc;
    if (!grow_workspaces(P, omp_get_max_threads())) {
        release(P);
        return NULL;
    }
    return P;
}

/* col[k][pp] for the pixels [p0, p0 + np) of image n, group g. */
static void im2col(const cnb_conv *c, const float *restrict src_g, int64_t p0, int np,
                   float *restrict col)
{
    const int icg = c->ic / c->g;
    const int64_t src_c = (int64_t)c->id * c->ih * c->iw;
    for (int ic = 0; ic < icg; ic++)
    for (int kd = 0; kd < c->kd; kd++)
    for (int kh = 0; kh < c->kh; kh++)
    for (int kw = 0; kw < c->kw; kw++) {
        const float *s = src_g + ic * src_c;
        int ow = (int)(p0 % c->ow), oh = (int)(p0 / c->ow % c->oh), od = (int)(p0 / c->ow / c->oh);
        for (int pp = 0; pp < np; pp++) {
            const int id = od * c->sd - c->pd + kd * (c->dd + 1);
            const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
            const int iw = ow * c->sw - c->pw + kw * (c->dw + 1);
            const int in = id >= 0 && id < c->id && ih >= 0 && ih < c->ih && iw >= 0 && iw < c->iw;
            col[pp] = in ? s[((int64_t)id * c->ih + ih) * c->iw + iw] : 0.f;
            if (++ow == c->ow) {
                ow = 0;
                if (++oh == c->oh) oh = 0, od++;
            }
        }
        col += np;
    }
}

/* dst rows (stride ldd) of ocg outputs over np pixels = wei_g (ocg × K) · col (K × np). */
static void product(int ocg, int64_t k, int np, const float *restrict wei_g,
                    const float *restrict col, float *restrict dst, int64_t ldd)
{
    for (int oc = 0; oc < ocg; oc++)
        for (int pp = 0; pp < np; pp++) dst[oc * ldd + pp] = 0.f;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
        const int64_t k1 = k0 + KC < k ? k0 + KC : k;
        int oc = 0;
        for (; oc + MR <= ocg; oc += MR) {
            float *d0 = dst + oc * ldd, *d1 = d0 + ldd, *d2 = d1 + ldd, *d3 = d2 + ldd;
            const float *w0 = wei_g + oc * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
            for (int64_t kk = k0; kk < k1; kk++) {
                const float *x = col + kk * np;
                const float a0 = w0[kk], a1 = w1[kk], a2 = w2[kk], a3 = w3[kk];
                for (int pp = 0; pp < np; pp++) {
                    const float v = x[pp];
                    d0[pp] += a0 * v;
                    d1[pp] += a1 * v;
                    d2[pp] += a2 * v;
                    d3[pp] += a3 * v;
                }
            }
        }
        for (; oc < ocg; oc++) {
            float *d0 = dst + oc * ldd;
            const float *w0 = wei_g + oc * k;
            for (int64_t kk = k0; kk < k1; kk++) {
                const float *x = col + kk * np;
                const float a0 = w0[kk];
                for (int pp = 0; pp < np; pp++) d0[pp] += a0 * x[pp];
            }
        }
    }
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p;
    scalar_plan *P = state;
    const cnb_conv *c = &P->c;
    if (!grow_workspaces(P, omp_get_max_threads())) return;
    const int icg = c->ic / c->g, ocg = c->oc / c->g;
    const int64_t src_c = (int64_t)c->id * c->ih * c->iw;
    const int64_t nchunk = (P->p + P->pc - 1) / P->pc;
    const int64_t items = (int64_t)c->mb * c->g * nchunk;

#pragma omp parallel for schedule(static)
    for (int64_t it = 0; it < items; it++) {
        const int64_t chunk = it % nchunk, ng = it / nchunk;
        const int g = (int)(ng % c->g), n = (int)(ng / c->g);
        const int64_t p0 = chunk * P->pc;
        const int np = (int)(P->p - p0 < P->pc ? P->p - p0 : P->pc);
        float *col = P->ws[omp_get_thread_num()];
        im2col(c, src + ((int64_t)n * c->ic + (int64_t)g * icg) * src_c, p0, np, col);
        product(ocg, P->k, np, wei + (int64_t)g * ocg * P->k, col,
                dst + ((int64_t)n * c->oc + (int64_t)g * ocg) * P->p + p0, P->p);
    }
}

const cnb_impl cnb_conv_f32_im2col__scalar = {
    .name = "conv/scalar_im2col",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX,
    .supports = supports,
    .prepare = prepare,
    .run = run,
    .release = release,
};
