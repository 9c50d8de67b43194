/* gemm/avx512_vnni_14x32: u8 × s8 GEMM with int32 accumulation (vpdpbusd), s32 out or
 * requantized to u8/s8.
 * Packing, padding and threading are the low-precision driver's (kernels/lowp.h); the 14×32 tile
 * is kernels/gemm/lowp_tile_avx512.h's, with vpdpbusd as its dot product: it multiplies u8 (A)
 * by s8 (B) and adds the four products to the int32 lane without any intermediate saturation
 * (unlike AVX2's vpmaddubsw, whose int16 pair sums saturate: gemm/broken_int8_sat shows what
 * that costs). K is padded to whole quads. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"
#include "kernels/impl.h"

#define K_GROUP 4   /* a u8/s8 quad per 32-bit group */
typedef __m512i acc_t;
static inline acc_t acc_zero(void) { return _mm512_setzero_si512(); }
static inline acc_t acc_dot(acc_t acc, __m512i a, __m512i b) { return cnb_dpbusd512(acc, a, b); }
static inline acc_t acc_add(acc_t x, acc_t y) { return _mm512_add_epi32(x, y); }
#define acc_store cnb_lowp_store_s32acc

#include "kernels/gemm/lowp_tile_avx512.h"

const cnb_impl cnb_gemm_u8s8_14x32__avx512_vnni = {
    .name = "gemm/avx512_vnni_14x32",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX512_VNNI,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = cnb_lowp_supports,
    .prepare = tile_prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
