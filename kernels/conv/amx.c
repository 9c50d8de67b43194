/* conv/amx_gemm: bf16 × bf16 (f32 or bf16 out) and u8 × s8 (s32 or requantized u8/s8 out)
 * convolution as im2col + the AMX GEMM (kernels/gemm/amx.c through the low-precision driver,
 * kernels/lowp.h). Groups of one only.
 *
 * Per image, the GEMM is C [pixels][oc] = A [pixels][K] · B [K][oc] with K = kd·kh·kw·ic,
 * ordered tap-major (k = tap·ic + c), so that a tap of a pixel is a few contiguous 16-channel
 * runs of the nCx16c src. The weights (goidhw, c-major) are reordered to that K order in prepare
 * and packed by the driver's B packer. In run, im2col writes straight into the driver's padded A
 * (its padding rows and columns stay zero from prepare: only rows < M and columns < K are
 * written; a tap in the padding is written as zeros), the AMX block function computes C tiles
 * into a row-major typed scratch (its epilogue rounds or requantizes as the GEMM's does), and a
 * scatter writes the scratch into the nCx16c dst, zeros in its padding channels. The block
 * function stores C with one row stride, which nCx16c (a stride per 16 channels) is not, hence
 * the scratch. 1×1 stride-1 unpadded layers are the same gather with one tap. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_lowp.h"
#include "kernels/impl.h"
#include "kernels/lowp.h"

typedef struct amx_conv {
    cnb_conv c;
    cnb_lowp_state *g;   /* the GEMM: packed B, padded A (written by im2col), arch */
    void *cbuf;          /* C scratch [pixels][oc] of dst's type */
    int es, ds;          /* bytes per src/wei element, per dst element */
    char name[64];
} amx_conv;

static const char *supports(const cnb_problem *p)
{
    const char *why = cnb_conv_lowp_supports(p);
    if (why) return why;
    if (p->conv.g != 1) return "groups or depthwise (g > 1): the im2col GEMM takes g = 1 only";
    return NULL;
}

static int one_by_one(const cnb_conv *c)
{
    return c->kd == 1 && c->kh == 1 && c->kw == 1 && c->sd == 1 && c->sh == 1 && c->sw == 1 &&
           !c->pd && !c->ph && !c->pw && !c->pd_r && !c->ph_r && !c->pw_r;
}

static void release(void *state)
{
    amx_conv *P = state;
    if (!P) return;
    cnb_lowp_release(P->g);
    free(P->cbuf);
    free(P);
}

static void *prepare(const cnb_problem *p, const void *wei)
{
    if (supports(p) || !wei) return NULL;
    const cnb_conv *c = &p->conv;
    amx_conv *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    P->c = *c;
    P->es = cnb_dt_size(p->dt.src);
    P->ds = cnb_dt_size(p->dt.dst);
    const int taps = c->kd * c->kh * c->kw, K = taps * c->ic, M = c->od * c->oh * c->ow;
    const int es = P->es;
    /* goidhw [oc][ic][tap] → [oc][tap][ic]: B transposed (N × K) in the tap-major K order. */
    unsigned char *w = malloc((size_t)c->oc * K * es + 1);
    if (!w) {
        release(P);
        return NULL;
    }
    for (int o = 0; o < c->oc; o++)
        for (int i = 0; i < c->ic; i++)
            for (int t = 0; t < taps; t++)
                memcpy(w + ((size_t)o * K + (size_t)t * c->ic + i) * es,
                       (const unsigned char *)wei + ((size_t)o * K + (size_t)i * taps + t) * es, es);
    cnb_problem gp = {.op = CNB_OP_GEMM, .dt = p->dt};
    gp.gemm = (cnb_gemm){.m = M, .n = c->oc, .k = K, .ta = 0, .tb = 1,
                         .lda = K, .ldb = K, .ldc = c->oc, .alpha = 1.0f, .beta = 0.0f};
    P->g = cnb_lowp_prepare(p->dt.src == CNB_DT_BF16 ? &cnb_lowp_arch_amx_bf16 : &cnb_lowp_arch_amx_int8,
                            &gp, w);
    free(w);
    P->cbuf = malloc((size_t)M * c->oc * P->ds + 1);
    if (!P->g || !P->cbuf) {
        release(P);
        return NULL;
    }
    snprintf(P->name, sizeof P->name, one_by_one(c) ? "conv/amx_gemm[1x1 K%d]" : "conv/amx_gemm[im2col K%d]", K);
    return P;
}

/* Row p of A: the K values of output pixel p (tap-major), zeros for taps in the padding. */
static void im2col_row(const amx_conv *P, const unsigned char *src, int p)
{
    const cnb_conv *c = &P->c;
    const int es = P->es, ic = c->ic, icb = (ic + 15) / 16;
    const int ow = p % c->ow, oh = p / c->ow % c->oh, od = p / c->ow / c->oh;
    unsigned char *row = (unsigned char *)P->g->a + (size_t)p * P->g->kp * es;
    for (int kd = 0; kd < c->kd; kd++) {
        const int id = od * c->sd - c->pd + kd * (c->dd + 1);
        for (int kh = 0; kh < c->kh; kh++) {
            const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
            for (int kw = 0; kw < c->kw; kw++, row += (size_t)ic * es) {
                const int iw = ow * c->sw - c->pw + kw * (c->dw + 1);
                if (id < 0 || id >= c->id || ih < 0 || ih >= c->ih || iw < 0 || iw >= c->iw) {
                    memset(row, 0, (size_t)ic * es);
                    continue;
                }
                const size_t plane = (size_t)c->id * c->ih * c->iw;
                const size_t pix = ((size_t)id * c->ih + ih) * c->iw + iw;
                for (int cb = 0; cb < icb; cb++) {
                    const int n = ic - cb * 16 < 16 ? ic - cb * 16 : 16;
                    memcpy(row + (size_t)cb * 16 * es, src + ((size_t)cb * plane + pix) * 16 * es, (size_t)n * es);
                }
            }
        }
    }
}

static void run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)p, (void)wei;
    const amx_conv *P = state;
    const cnb_conv *c = &P->c;
    const cnb_lowp_state *s = P->g;
    const cnb_lowp_arch *arch = s->arch;
    const int M = c->od * c->oh * c->ow, icb = (c->ic + 15) / 16, ocb = (c->oc + 15) / 16;
    const int es = P->es, ds = P->ds, oc = c->oc;
    const size_t src_img = (size_t)icb * c->id * c->ih * c->iw * 16 * es;
    const size_t dst_img = (size_t)ocb * M * 16 * ds;
    const int mt = (s->mp + arch->m_step - 1) / arch->m_step;
    const int nt = (s->np + arch->n_step - 1) / arch->n_step;
    for (int n = 0; n < c->mb; n++) {
        const unsigned char *sn = (const unsigned char *)src + n * src_img;
        unsigned char *dn = (unsigned char *)dst + n * dst_img;
#pragma omp parallel
        {
#pragma omp for schedule(static)
            for (int i = 0; i < M; i++) im2col_row(P, sn, i);
            if (arch->thread_begin) arch->thread_begin(s);
            /* Column tasks outer, as the driver orders them (a thread keeps a slice of B). */
#pragma omp for schedule(static) collapse(2)
            for (int jt = 0; jt < nt; jt++)
                for (int it = 0; it < mt; it++) {
                    const int i0 = it * arch->m_step, j0 = jt * arch->n_step;
                    const int mb = s->mp - i0 < arch->m_step ? s->mp - i0 : arch->m_step;
                    const int nb = s->np - j0 < arch->n_step ? s->np - j0 : arch->n_step;
                    arch->block(s, i0, j0, mb, nb, P->cbuf);
                }
            if (arch->thread_end) arch->thread_end();
            /* C [pixel][oc] → nCx16c, zeros in the padding channels of the last block. */
#pragma omp for schedule(static)
            for (int i = 0; i < M; i++) {
                const unsigned char *crow = (const unsigned char *)P->cbuf + (size_t)i * oc * ds;
                for (int cb = 0; cb < ocb; cb++) {
                    unsigned char *d = dn + ((size_t)cb * M + i) * 16 * ds;
                    const int nv = oc - cb * 16 < 16 ? oc - cb * 16 : 16;
                    memcpy(d, crow + (size_t)cb * 16 * ds, (size_t)nv * ds);
                    if (nv < 16) memset(d + (size_t)nv * ds, 0, (size_t)(16 - nv) * ds);
                }
            }
        }
    }
}

static const char *kernel_name(void *state)
{
    const amx_conv *P = state;
    return P ? P->name : NULL;
}

const cnb_impl cnb_conv_lowp_gemm__amx = {
    .name = "conv/amx_gemm",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AMX,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8S8S32) |
               CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = supports,
    .prepare = prepare,
    .run = run,
    .release = release,
    .kernel_name = kernel_name,
};
