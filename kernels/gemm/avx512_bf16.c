/* gemm/avx512_bf16_14x32: bf16 × bf16 GEMM with fp32 accumulation (vdpbf16ps), f32 or bf16 out.
 * Packing, padding and threading are the low-precision driver's (kernels/lowp.h); the 14×32 tile
 * is kernels/gemm/lowp_tile_avx512.h's, with vdpbf16ps as its dot product: each adds two products
 * per lane to the f32 accumulator (an exact sum for exact-mode data, so the order of the
 * additions does not matter). K is padded to whole pairs. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/impl.h"

#define K_GROUP 2   /* a bf16 pair per 32-bit group */
typedef __m512 acc_t;
static inline acc_t acc_zero(void) { return _mm512_setzero_ps(); }
static inline acc_t acc_dot(acc_t acc, __m512i a, __m512i b)
{
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
}
static inline acc_t acc_add(acc_t x, acc_t y) { return _mm512_add_ps(x, y); }
#define acc_store cnb_lowp_store_f32acc

#include "kernels/gemm/lowp_tile_avx512.h"

const cnb_impl cnb_gemm_bf16_14x32__avx512_bf16 = {
    .name = "gemm/avx512_bf16_14x32",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX512_BF16,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16),
    .supports = cnb_lowp_supports,
    .prepare = tile_prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
