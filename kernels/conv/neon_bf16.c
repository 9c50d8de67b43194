/* conv/neon_bf16_direct: bf16 × bf16 direct convolution on nCx16c with fp32 accumulation on bfdot
 * (Armv8.6 BF16, by lane), f32 out or bf16 rounded to nearest even. Driver: kernels/conv_lowp.c;
 * micro-kernels: kernels/conv/lowp_body_neon.h; epilogue: the GEMM's (kernels/gemm/lowp_neon.h).
 *
 * bfdot adds two bf16 products to each f32 lane. Without FEAT_EBF16 (or with FPCR.EBF = 0, the
 * default) it rounds its intermediate results to odd and flushes denormals; with EBF16 and
 * FPCR.EBF = 1 it rounds as FPCR says. Neither acts on exact-mode data: small integers whose
 * products and partial sums are exact in f32, where every rounding mode gives the exact value,
 * and which are never denormal. So the sums are the reference's whatever the order of the
 * additions and whatever FPCR.EBF is, and the one rounding is the epilogue's, as in the GEMM
 * (kernels/gemm/neon_bf16.c). (On general data bfdot's results are not IEEE round-to-nearest
 * sums; the validator's random mode bounds the error, it does not ask for bits.)
 *
 * Depthwise widens bf16 to f32 (shll by 16: exact) and uses fmla, whose products of two bf16
 * values are exact in f32. */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/gemm/lowp_neon.h"
#include "kernels/impl.h"

#define ISA_NAME "neon_bf16"
#define GROUP 2
#define NX 2
/* (nb, ur_max): 4·nb·ur accumulator registers ≤ 24, plus ur source registers and a weight. */
#define ROW_TILES(X) X(1, 5) X(2, 3) X(3, 2)
/* 4·ur accumulators, four weight registers, the widened source. */
#define DW_UR_MAX 5
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_F32) X(nb, ur, CNB_DT_BF16)

typedef float32x4_t acc_t;
typedef bfloat16x8_t src_t;
typedef bfloat16x8_t wei_t;
static inline acc_t acc_zero(void) { return vdupq_n_f32(0.f); }
static inline src_t src_load(const int32_t *p, uint8x16_t flip)
{
    (void)flip;
    return vld1q_bf16((const bfloat16_t *)p);
}
static inline wei_t wei_load(const int32_t *p) { return vld1q_bf16((const bfloat16_t *)p); }
/* bfdot by lane as inline asm with the accumulator tied ("+w"): GCC 12's register allocator
 * copies accumulators around the intrinsic (vbfdotq_laneq_f32), about one mov per five bfdot in
 * the inner loop; the tied operand leaves none. */
#define ACC_DOT_LANE(acc, w, x, L)                                                                 \
    __extension__({                                                                                \
        float32x4_t acc_ = (acc);                                                                  \
        __asm__("bfdot %0.4s, %1.8h, %2.2h[" #L "]" : "+w"(acc_) : "w"(w), "w"(x));                \
        acc_;                                                                                      \
    })
static inline void acc_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t v[4])
{
    cnb_lowp_neon_store_f32(s, c, index, v, 16);
}
static inline acc_t acc_ld(const void *p, ptrdiff_t i) { return vld1q_f32((const float *)p + i); }
static inline void acc_st(void *p, ptrdiff_t i, acc_t v) { vst1q_f32((float *)p + i, v); }

typedef struct dw_wei_t {
    float32x4_t v[4];
} dw_wei_t;
static inline dw_wei_t dw_load_wei(const int32_t *w)
{
    dw_wei_t r;
    for (int k = 0; k < 4; k++) r.v[k] = vld1q_f32((const float *)w + 4 * k);
    return r;
}
static inline float32x4_t bf16_widen_lo(uint16x8_t x) { return vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(x), 16)); }
static inline float32x4_t bf16_widen_hi(uint16x8_t x) { return vreinterpretq_f32_u32(vshll_high_n_u16(x, 16)); }
#define DW_SRC_BYTES 2
static inline void dw_mac(acc_t acc[4], const void *p, dw_wei_t w, int var)
{
    (void)var;
    const uint16x8_t x0 = vld1q_u16((const uint16_t *)p);
    const uint16x8_t x1 = vld1q_u16((const uint16_t *)p + 8);
    acc[0] = vfmaq_f32(acc[0], bf16_widen_lo(x0), w.v[0]);
    acc[1] = vfmaq_f32(acc[1], bf16_widen_hi(x0), w.v[1]);
    acc[2] = vfmaq_f32(acc[2], bf16_widen_lo(x1), w.v[2]);
    acc[3] = vfmaq_f32(acc[3], bf16_widen_hi(x1), w.v[3]);
}

#include "kernels/conv/lowp_body_neon.h"

/* A 16-channel dot product is 4 bfdot: about 2 cycles at two per cycle, latency about 4-5. */
const cnb_conv_lowp_isa cnb_conv_lowp_table__neon_bf16 = CNB_CONV_LOWP_TABLE(2, 5, 0);

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&cnb_conv_lowp_table__neon_bf16, p, wei);
}

const cnb_impl cnb_conv_bf16_direct__neon_bf16 = {
    .name = "conv/neon_bf16_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_NEON_BF16,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16),
    .supports = cnb_conv_lowp_supports,
    .prepare = prepare,
    .run = cnb_conv_lowp_run,
    .release = cnb_conv_lowp_release,
    .kernel_name = cnb_conv_lowp_kernel_name,
};
