/* conv/avx_vnni_direct: u8 × s8 direct convolution on nCx16c with int32 accumulation (AVX-VNNI:
 * the VEX-coded vpdpbusd on ymm, for AVX2 CPUs that have it without AVX-512, and for any that
 * has both when capped at this level), s32 out or requantized to u8/s8; an s8 source goes
 * through the driver's compensation (kernels/conv_lowp.h), except in depthwise layers. Driver:
 * kernels/conv_lowp.c; micro-kernels: kernels/conv/lowp_body.h with 8-lane vectors, a
 * 16-channel block as two ymm halves (lanes 0..7, 8..15 of the packed weights, the scratch and
 * the output); epilogue: kernels/gemm/lowp_avx2.h. Depthwise widens both to int32 (vpmulld,
 * vpaddd).
 *
 * Registers (16 ymm): a row tile holds 2·nb·ur accumulators, 2·nb weight vectors and a
 * broadcast: nb = 1 up to 6 pixels (12 + 2 + 1, the GEMM's 6×16), nb = 2 up to 2 (8 + 4 + 1; 3
 * pixels would need 17). Depthwise: 2·ur accumulators, 2 weights, a source vector: ur ≤ 6. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx2.h"
#include "kernels/impl.h"

#define ISA_NAME "avx_vnni"
#define VL 8
#define S8_INIT 1
#define GROUP 4
#define ROW_TILES(X) X(1, 6) X(2, 2)
#define DW_UR_MAX 6
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_S32) X(nb, ur, CNB_DT_U8) X(nb, ur, CNB_DT_S8)

typedef __m256i vec_t;
typedef __m256i acc_t;
static inline vec_t wei_load(const int32_t *p) { return _mm256_load_si256((const __m256i *)p); }
/* vbroadcastss from memory: a load alone (no general register, no shuffle port). */
static inline vec_t bcast_group(const int32_t *p)
{
    return _mm256_castps_si256(_mm256_broadcast_ss((const float *)p));
}
static inline acc_t acc_zero(void) { return _mm256_setzero_si256(); }
static inline acc_t acc_dot(acc_t acc, vec_t a, vec_t b) { return _mm256_dpbusd_avx_epi32(acc, a, b); }
static inline void blk_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v)
{
    cnb_lowp_avx2_store_s32acc(s, c, index, v[0], v[1], 16);
}
static inline acc_t acc_ld(const void *p, ptrdiff_t i) { return _mm256_load_si256((const __m256i *)((const int32_t *)p + i)); }
static inline void acc_st(void *p, ptrdiff_t i, acc_t v) { _mm256_store_si256((__m256i *)((int32_t *)p + i), v); }
static inline acc_t dw_load_src(const void *src, ptrdiff_t i)
{
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)((const uint8_t *)src + i)));
}
static inline acc_t dw_load_wei(const int32_t *w) { return _mm256_load_si256((const __m256i *)w); }
static inline acc_t dw_mac(acc_t acc, acc_t x, acc_t w)
{
    return _mm256_add_epi32(acc, _mm256_mullo_epi32(x, w));
}

#include "kernels/conv/lowp_body.h"

/* Per 16-channel block, two ymm vpdpbusd: one cycle at two per cycle; latency about 5. */
const cnb_conv_lowp_isa cnb_conv_lowp_table__avx_vnni = CNB_CONV_LOWP_TABLE(1.0, 5);

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&cnb_conv_lowp_table__avx_vnni, p, wei);
}

const cnb_impl cnb_conv_u8s8_direct__avx_vnni = {
    .name = "conv/avx_vnni_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX_VNNI,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8) |
               CNB_DTM(CNB_DTC_S8S8S32) | CNB_DTM(CNB_DTC_S8S8U8) | CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_conv_lowp_supports,
    .prepare = prepare,
    .run = cnb_conv_lowp_run,
    .release = cnb_conv_lowp_release,
    .kernel_name = cnb_conv_lowp_kernel_name,
};
