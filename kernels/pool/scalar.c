/* Plain-C pooling on NC[D]HW: pool/scalar_window, in f32, bf16, u8 and s8 (src and dst of one
 * type). For each output the window is first clipped to the input (valid tap range along d, h, w
 * from the border arithmetic), then the taps are visited with no bound check. Max starts from
 * the lowest value and only ever sees taps inside the input, so padding never wins; a window
 * with no tap inside gives benchdnn's value (cnb_pool_empty_value). The averages sum in float
 * (f32, bf16 widened exactly) or exactly in int32 (u8, s8), divide once in float (a true
 * division) by kd·kh·kw (padding included) or by the number of taps visited (padding excluded),
 * and round to the type as kernels/pool/ukernel.h says. Threaded over (mb, c, od, oh) rows, each
 * computed by one thread in one fixed order. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/clip.h"
#include "kernels/impl.h"
#include "kernels/pool/driver.h"

static inline float bf16_to_f32(uint16_t b)
{
    const uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Round to nearest even at bf16 (finite values: exact mode has no NaN). */
static inline uint16_t f32_to_bf16_rne(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* To the nearest integer, ties to even (rintf in the default rounding mode), saturated. */
static inline int round_sat(float q, int lo, int hi)
{
    const float r = rintf(q);
    return r < (float)lo ? lo : r > (float)hi ? hi : (int)r;
}

/* Element i of src as a float (exact for every type here). */
static inline __attribute__((always_inline)) float load(const cnb_dt dt, const void *p, int64_t i)
{
    switch (dt) {
    case CNB_DT_BF16: return bf16_to_f32(((const uint16_t *)p)[i]);
    case CNB_DT_U8: return ((const uint8_t *)p)[i];
    case CNB_DT_S8: return ((const int8_t *)p)[i];
    default: return ((const float *)p)[i];
    }
}

/* Output i of dst: a max (a value of the input, which every rounding below returns unchanged)
 * or a quotient. */
static inline __attribute__((always_inline)) void store(const cnb_dt dt, void *p, int64_t i, float v)
{
    switch (dt) {
    case CNB_DT_BF16: ((uint16_t *)p)[i] = f32_to_bf16_rne(v); break;
    case CNB_DT_U8: ((uint8_t *)p)[i] = (uint8_t)round_sat(v, 0, UINT8_MAX); break;
    case CNB_DT_S8: ((int8_t *)p)[i] = (int8_t)round_sat(v, INT8_MIN, INT8_MAX); break;
    default: ((float *)p)[i] = v;
    }
}

static inline __attribute__((always_inline)) void pool(const cnb_dt dt, const cnb_pool *p, const void *src,
                                                       void *dst)
{
    const int64_t is_h = p->iw, is_d = (int64_t)p->ih * p->iw, is_c = p->id * is_d;
    const int64_t os_c = (int64_t)p->od * p->oh * p->ow;
    const int sd = p->dd + 1, sh = p->dh + 1, sw = p->dw + 1; /* tap steps in input pixels */
    const float full = (float)p->kd * p->kh * p->kw;
    const int nc = p->mb * p->c, od_n = p->od, oh_n = p->oh;
    const int is_max = p->alg == CNB_POOL_MAX, int8 = dt == CNB_DT_U8 || dt == CNB_DT_S8;
    unsigned char empty[4];
    cnb_pool_empty_value(dt, p->alg, empty);

#pragma omp parallel for collapse(3) schedule(static)
    for (int nc_i = 0; nc_i < nc; nc_i++)
    for (int od = 0; od < od_n; od++)
    for (int oh = 0; oh < oh_n; oh++) {
        const int64_t c0 = nc_i * is_c;
        const int64_t d_row = nc_i * os_c + ((int64_t)od * p->oh + oh) * p->ow;
        int kd0, nd, kh0, nh;
        cnb_clip_taps(od, p->sd, p->pd, p->dd, p->kd, p->id, &kd0, &nd);
        cnb_clip_taps(oh, p->sh, p->ph, p->dh, p->kh, p->ih, &kh0, &nh);
        const int id0 = od * p->sd - p->pd + kd0 * sd;
        const int ih0 = oh * p->sh - p->ph + kh0 * sh;
        for (int ow = 0; ow < p->ow; ow++) {
            int kw0, nw;
            cnb_clip_taps(ow, p->sw, p->pw, p->dw, p->kw, p->iw, &kw0, &nw);
            const int iw0 = ow * p->sw - p->pw + kw0 * sw;
            float max = -INFINITY, sum = 0.0f;
            int32_t isum = 0;
            for (int d = 0; d < nd; d++)
                for (int h = 0; h < nh; h++) {
                    const int64_t s = c0 + (id0 + d * sd) * is_d + (ih0 + h * sh) * is_h + iw0;
                    for (int w = 0; w < nw; w++) {
                        const float v = load(dt, src, s + w * sw);
                        if (v > max) max = v;
                        if (int8) isum += (int32_t)v;
                        else sum += v;
                    }
                }
            const int taps = nd * nh * nw;
            if (is_max && taps == 0) {
                const int es = cnb_dt_size(dt);
                memcpy((unsigned char *)dst + (d_row + ow) * es, empty, es);
            } else if (is_max) {
                store(dt, dst, d_row + ow, max);
            } else {
                if (int8) sum = (float)isum;
                store(dt, dst, d_row + ow, sum / (p->alg == CNB_POOL_AVG_INCL ? full : (float)taps));
            }
        }
    }
}

static void run(void *state, const cnb_problem *pr, const void *src, const void *wei, void *dst)
{
    (void)state;
    (void)wei;
    switch (pr->dt.src) {
    case CNB_DT_BF16: pool(CNB_DT_BF16, &pr->pool, src, dst); break;
    case CNB_DT_U8: pool(CNB_DT_U8, &pr->pool, src, dst); break;
    case CNB_DT_S8: pool(CNB_DT_S8, &pr->pool, src, dst); break;
    default: pool(CNB_DT_F32, &pr->pool, src, dst);
    }
}

const cnb_impl cnb_pool_f32_window__scalar = {
    .name = "pool/scalar_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8U8U8) |
               CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
