/* conv/neon_dotprod_direct: u8 × s8 and s8 × s8 direct convolution on nCx16c with int32
 * accumulation on sdot (Armv8.2 DotProd), s32 out or requantized to u8/s8. Driver: kernels/conv_lowp.c; micro-kernels:
 * kernels/conv/lowp_body_neon.h with sdot by lane as the dot product; epilogue: the GEMM's
 * (kernels/gemm/lowp_neon.h), so the conv and the GEMM round alike.
 *
 * sdot multiplies s8 by s8 (an s8 source goes as it is; the mixed u8 × s8 is I8MM's usdot), so a u8 source goes through the
 * GEMM's exact rewrite (kernels/gemm/neon_dotprod.c): a = (a XOR 0x80, read as s8) + 128, and
 *   Σ a·w = Σ (a XOR 0x80)·w + 128·Σ w
 * over the taps and input channels of the call. The GEMM takes Σ w from its packed B once; here
 * it depends on the taps the driver clipped for the tile and on its chunk of input blocks, which
 * only the call knows, so src_bias sums the call's weights with sdot against a vector of ones
 * (16 sdot per block, tap and input block, beside the tile's 16·ur: a 1/ur overhead in dot
 * products, and 16 more weight loads from L1). Additions wrap modulo 2^32, so the sum is exact
 * whenever the true sum fits int32 (the reference's condition). Zero weights (channel tails,
 * other groups) keep the flipped zero padding of the source (−128) out of both terms.
 *
 * Depthwise widens the source to 16 bits (uxtl for u8, sxtl for s8: one instance per source type)
 * and multiplies by the 16-bit weights into the int32 sums (smlal): 7 instructions per 16
 * products, exact. */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/conv_lowp.h"
#include "kernels/gemm/lowp_neon.h"
#include "kernels/impl.h"

#define ISA_NAME "neon_dotprod"
#define GROUP 4
#define NX 1
/* (nb, ur_max): 4·nb·ur accumulator registers ≤ 24, plus ur source registers and a weight. */
#define ROW_TILES(X) X(1, 5) X(2, 3) X(3, 2)
/* 4·ur accumulators, two 16-bit weight registers, three for the widened source. */
#define DW_UR_MAX 6
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_S32) X(nb, ur, CNB_DT_U8) X(nb, ur, CNB_DT_S8)

typedef int32x4_t acc_t;
typedef int8x16_t src_t;
typedef int8x16_t wei_t;
static inline acc_t acc_zero(void) { return vdupq_n_s32(0); }
static inline src_t src_load(const int32_t *p, uint8x16_t flip)
{
    return vreinterpretq_s8_u8(veorq_u8(vld1q_u8((const uint8_t *)p), flip));
}
static inline wei_t wei_load(const int32_t *p) { return vld1q_s8((const int8_t *)p); }
/* sdot by lane as inline asm with the accumulator tied ("+w"): around the intrinsic
 * (vdotq_laneq_s32) GCC 12's register allocator leaves accumulator copies (mov) in the inner
 * loop of the larger tiles; the tied operand leaves none. */
#define ACC_DOT_LANE(acc, w, x, L)                                                                 \
    __extension__({                                                                                \
        int32x4_t acc_ = (acc);                                                                    \
        __asm__("sdot %0.4s, %1.16b, %2.4b[" #L "]" : "+w"(acc_) : "w"(w), "w"(x));                \
        acc_;                                                                                      \
    })
static inline void acc_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t v[4])
{
    cnb_lowp_neon_store_s32(s, c, index, v, 16);
}
static inline acc_t acc_ld(const void *p, ptrdiff_t i) { return vld1q_s32((const int32_t *)p + i); }
static inline void acc_st(void *p, ptrdiff_t i, acc_t v) { vst1q_s32((int32_t *)p + i, v); }

typedef struct dw_wei_t {
    int16x8_t lo, hi;   /* channels 0..7, 8..15 */
} dw_wei_t;
static inline dw_wei_t dw_load_wei(const int32_t *w)
{
    dw_wei_t r;
    r.lo = vcombine_s16(vmovn_s32(vld1q_s32(w)), vmovn_s32(vld1q_s32(w + 4)));
    r.hi = vcombine_s16(vmovn_s32(vld1q_s32(w + 8)), vmovn_s32(vld1q_s32(w + 12)));
    return r;
}
#define DW_VARIANTS 2   /* 0: u8 source, 1: s8 */
#define dw_variant(a) ((a)->epi->t.src == CNB_DT_S8)
#define DW_SRC_BYTES 1
static inline void dw_mac(acc_t acc[4], const void *p, dw_wei_t w, int var)
{
    const uint8x16_t x = vld1q_u8((const uint8_t *)p);
    int16x8_t lo, hi;
    if (var) {
        lo = vmovl_s8(vget_low_s8(vreinterpretq_s8_u8(x)));
        hi = vmovl_high_s8(vreinterpretq_s8_u8(x));
    } else {
        lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(x)));
        hi = vreinterpretq_s16_u16(vmovl_high_u8(x));
    }
    acc[0] = vmlal_s16(acc[0], vget_low_s16(lo), vget_low_s16(w.lo));
    acc[1] = vmlal_high_s16(acc[1], lo, w.lo);
    acc[2] = vmlal_s16(acc[2], vget_low_s16(hi), vget_low_s16(w.hi));
    acc[3] = vmlal_high_s16(acc[3], hi, w.hi);
}

/* 128·Σ w over the call's weights (its input blocks and clipped taps), per output channel of
 * each of its nb blocks: what the flipped u8 source leaves out. Out of line, one for all tiles;
 * 16 independent sums per block (one per group and quarter) so that sdot's latency is hidden. */
#define LOWP_SRC_BIAS 1
static __attribute__((noinline)) void src_bias(const cnb_conv_lowp_args *a, int nb, acc_t bias[][4])
{
    const int8x16_t ones = vdupq_n_s8(1);
    for (int b = 0; b < nb; b++) {
        acc_t s[4][4];
        for (int q = 0; q < 4; q++)
            for (int w4 = 0; w4 < 4; w4++) s[q][w4] = vdupq_n_s32(0);
        const int32_t *w_icb = a->wei + b * a->wei_ob;
        for (int icb = 0; icb < a->n_icb; icb++, w_icb += a->wei_icb)
            for (int kd = 0; kd < a->nkd; kd++)
                for (int kh = 0; kh < a->nkh; kh++) {
                    const int32_t *w = w_icb + kd * a->wei_kd + kh * a->wei_kh;
                    for (int kw = 0; kw < a->nkw; kw++, w += a->wei_kw)
                        for (int q = 0; q < 4; q++)
                            for (int w4 = 0; w4 < 4; w4++)
                                s[q][w4] = vdotq_s32(s[q][w4], wei_load(w + q * 16 + 4 * w4), ones);
                }
        for (int w4 = 0; w4 < 4; w4++)
            bias[b][w4] = vshlq_n_s32(vaddq_s32(vaddq_s32(s[0][w4], s[1][w4]), vaddq_s32(s[2][w4], s[3][w4])), 7);
    }
}

#include "kernels/conv/lowp_body_neon.h"

/* A 16-channel dot product is 4 sdot: about 2 cycles at two per cycle, latency about 3-4. */
const cnb_conv_lowp_isa cnb_conv_lowp_table__neon_dotprod = CNB_CONV_LOWP_TABLE(2, 4, 1);

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&cnb_conv_lowp_table__neon_dotprod, p, wei);
}

const cnb_impl cnb_conv_u8s8_direct__neon_dotprod = {
    .name = "conv/neon_dotprod_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_NEON_DOTPROD,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8) |
               CNB_DTM(CNB_DTC_S8S8S32) | CNB_DTM(CNB_DTC_S8S8U8) | CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_conv_lowp_supports_s8src,
    .prepare = prepare,
    .run = cnb_conv_lowp_run,
    .release = cnb_conv_lowp_release,
    .kernel_name = cnb_conv_lowp_kernel_name,
};
