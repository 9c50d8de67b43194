/* conv/avx512_vnni_direct: u8 × s8 direct convolution on nCx16c with int32 accumulation
 * (vpdpbusd), s32 out or requantized to u8/s8; an s8 source goes through the driver's
 * compensation (kernels/conv_lowp.h), except in depthwise layers. Driver: kernels/conv_lowp.c; micro-kernels:
 * kernels/conv/lowp_body.h with vpdpbusd as the dot product (u8 input quads × s8 weight quads,
 * the four products added to the int32 lane with no intermediate saturation); epilogue: the
 * GEMM's (kernels/gemm/lowp_avx512.h). Depthwise: taps in quads with vpdpbusd (dw_quad_load below), or,
 * with dilation along W, both widened to int32 (vpmulld, vpaddd). */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"
#include "kernels/impl.h"

#define ISA_NAME "avx512_vnni"
#define VL 16
#define S8_INIT 1
#define GROUP 4
/* (nb, ur_max): nb·ur accumulators ≤ 28, plus nb weight vectors and a broadcast. nb 2 goes to
 * 14 pixels (31 of the 32 registers): a row of 14, 28 or 56 pixels then splits into whole
 * 14-pixel tiles, each with 2 weight loads and 14 broadcasts per 28 dot products. */
#define ROW_TILES(X) X(1, 24) X(2, 14) X(3, 8) X(4, 6)
#define DW_UR_MAX 16
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_S32) X(nb, ur, CNB_DT_U8) X(nb, ur, CNB_DT_S8)

typedef __m512i vec_t;
typedef __m512i acc_t;
static inline vec_t wei_load(const int32_t *p) { return _mm512_load_si512(p); }
/* vbroadcastss from memory is a load alone, where GCC turns _mm512_set1_epi32 of a loaded value
 * into a load to a general register and a register vpbroadcastd, which takes the port of the dot
 * products. */
static inline vec_t bcast_group(const int32_t *p)
{
    return _mm512_broadcastd_epi32(_mm_loadu_si32(p));
}
static inline acc_t acc_zero(void) { return _mm512_setzero_si512(); }
static inline acc_t acc_dot(acc_t acc, __m512i a, __m512i b) { return _mm512_dpbusd_epi32(acc, a, b); }
static inline void blk_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v)
{
    cnb_lowp_store_s32acc(s, c, index, v[0], (__mmask16)0xffff);
}
/* The epilogue inside the tile (lowp_body.h), when the driver's bound allows rounding by adding. */
#define EPI_INLINE 2
static inline void blk_store_inline(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v)
{
    cnb_lowp_store_s32acc_add(s, c, index, v[0]);
}
static inline acc_t acc_ld(const void *p, ptrdiff_t i) { return _mm512_load_si512((const int32_t *)p + i); }
static inline void acc_st(void *p, ptrdiff_t i, acc_t v) { _mm512_store_si512((int32_t *)p + i, v); }
static inline acc_t dw_load_src(const void *src, ptrdiff_t i)
{
    return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)((const uint8_t *)src + i)));
}
static inline acc_t dw_load_wei(const int32_t *w) { return _mm512_load_si512(w); }
static inline acc_t dw_mac(acc_t acc, acc_t x, acc_t w)
{
    return _mm512_add_epi32(acc, _mm512_mullo_epi32(x, w));
}

/* Depthwise quads (lowp_body.h): the 4 pixels × 16 channels of bytes at p (only the bytes of
 * mask m read, the others zero) as lane c = (pixel 0..3 of channel c). AVX512-VNNI has no
 * vpermb (VBMI), so two shuffles: vpermd transposes the 4 × 4 dwords (lane block m gets the
 * channels 4m .. 4m + 3 of pixels 0..3), then vpshufb transposes the 4 × 4 bytes inside each
 * 128-bit lane. */
#define DW_QUADS 1
static inline __m512i dw_quad_load(const uint8_t *p, __mmask64 m)
{
    const __m512i dperm = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i bshuf = _mm512_broadcast_i32x4(_mm_set_epi8(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0));
    const __m512i x = _mm512_permutexvar_epi32(dperm, _mm512_maskz_loadu_epi8(m, p));
    return _mm512_shuffle_epi8(x, bshuf);
}
/* With AVX512-VBMI, vpermb does the whole transpose in one shuffle: byte 4c + k of the result
 * is byte 16k + c of the 4 pixels. Called only from the functions compiled for it. */
static const uint8_t dw_quad_bytes[64] __attribute__((aligned(64))) = {
#define DW_Q4_(c) c, 16 + c, 32 + c, 48 + c
    DW_Q4_(0),  DW_Q4_(1),  DW_Q4_(2),  DW_Q4_(3),  DW_Q4_(4),  DW_Q4_(5),  DW_Q4_(6),  DW_Q4_(7),
    DW_Q4_(8),  DW_Q4_(9),  DW_Q4_(10), DW_Q4_(11), DW_Q4_(12), DW_Q4_(13), DW_Q4_(14), DW_Q4_(15),
#undef DW_Q4_
};
__attribute__((target("avx512vbmi"))) static inline __m512i dw_quad_load_vbmi(const uint8_t *p, __mmask64 m)
{
    return _mm512_permutexvar_epi8(_mm512_load_si512(dw_quad_bytes), _mm512_maskz_loadu_epi8(m, p));
}
/* The same two, all 64 bytes read. */
static inline __m512i dw_quad_load_all(const uint8_t *p)
{
    const __m512i dperm = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i bshuf = _mm512_broadcast_i32x4(_mm_set_epi8(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0));
    return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(dperm, _mm512_loadu_si512(p)), bshuf);
}
__attribute__((target("avx512vbmi"))) static inline __m512i dw_quad_load_all_vbmi(const uint8_t *p)
{
    return _mm512_permutexvar_epi8(_mm512_load_si512(dw_quad_bytes), _mm512_loadu_si512(p));
}

#include "kernels/conv/lowp_body.h"

/* vpdpbusd: two per cycle, latency about 5 (the cost model's figures). */
const cnb_conv_lowp_isa cnb_conv_lowp_table__avx512_vnni = CNB_CONV_LOWP_TABLE(0.5, 5);

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&cnb_conv_lowp_table__avx512_vnni, p, wei);
}

const cnb_impl cnb_conv_u8s8_direct__avx512_vnni = {
    .name = "conv/avx512_vnni_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX512_VNNI,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8) |
               CNB_DTM(CNB_DTC_S8S8S32) | CNB_DTM(CNB_DTC_S8S8U8) | CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_conv_lowp_supports,
    .prepare = prepare,
    .run = cnb_conv_lowp_run,
    .release = cnb_conv_lowp_release,
    .kernel_name = cnb_conv_lowp_kernel_name,
};
