/* conv/avx512_bf16_direct: bf16 × bf16 direct convolution on nCx16c with fp32 accumulation
 * (vdpbf16ps), f32 or bf16 out. Driver: kernels/conv_lowp.c; micro-kernels:
 * kernels/conv/lowp_body.h with vdpbf16ps as the dot product (two products per lane added to the
 * f32 accumulator, an exact sum for exact-mode data, so the order of the additions does not
 * matter); epilogue: blk_store below (the GEMM's rounding, kernels/gemm/lowp_avx512.h, with
 * vcvtneps2bf16). Depthwise widens bf16 to f32 (a
 * shift: exact) and uses FMAs, whose products of two bf16 values are exact in f32; rows of 3
 * taps widen each input once for all the outputs that read it (lowp_dw_reuse_tile). */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"
#include "kernels/impl.h"

#define ISA_NAME "avx512_bf16"
#define VL 16
#define S8_INIT 0
#define GROUP 2
/* (nb, ur_max): nb·ur accumulators ≤ 28, plus nb weight vectors and a broadcast. nb 2 goes to
 * 14 pixels (31 of the 32 registers): a row of 14, 28 or 56 pixels then splits into whole
 * 14-pixel tiles, each with 2 weight loads and 14 broadcasts per 28 dot products. */
#define ROW_TILES(X) X(1, 24) X(2, 14) X(3, 8) X(4, 6)
#define DW_UR_MAX 16
#define DW_REUSE 1
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_F32) X(nb, ur, CNB_DT_BF16)

typedef __m512i vec_t;
typedef __m512 acc_t;
static inline vec_t wei_load(const int32_t *p) { return _mm512_load_si512(p); }
/* vbroadcastss from memory is a load alone, where GCC turns _mm512_set1_epi32 of a loaded value
 * into a load to a general register and a register vpbroadcastd, which takes the port of the dot
 * products. */
static inline vec_t bcast_group(const int32_t *p)
{
    return _mm512_castps_si512(_mm512_broadcastss_ps(_mm_load_ss((const float *)p)));
}
static inline acc_t acc_zero(void) { return _mm512_setzero_ps(); }
static inline acc_t acc_dot(acc_t acc, __m512i a, __m512i b)
{
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
}
/* To bf16 with vcvtneps2bf16: round to nearest even, as the GEMM's epilogue (cnb_lowp_bf16_rne),
 * in one instruction instead of five; the two differ only for subnormal f32 sums (the instruction
 * flushes them to zero), which exact-mode data never make. */
static inline void blk_store(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v)
{
    if (s->t.dst == CNB_DT_BF16)
        _mm256_storeu_si256((__m256i *)((uint16_t *)c + index), (__m256i)_mm512_cvtneps_pbh(v[0]));
    else
        _mm512_storeu_ps((float *)c + index, v[0]);
}
/* The epilogue inside the tile (lowp_body.h), always. */
#define EPI_INLINE 1
static inline void blk_store_inline(const cnb_lowp_state *s, void *c, int64_t index, const acc_t *v)
{
    blk_store(s, c, index, v);
}
static inline acc_t acc_ld(const void *p, ptrdiff_t i) { return _mm512_load_ps((const float *)p + i); }
static inline void acc_st(void *p, ptrdiff_t i, acc_t v) { _mm512_store_ps((float *)p + i, v); }
static inline acc_t dw_load_src(const void *src, ptrdiff_t i)
{
    const __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)src + i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
static inline acc_t dw_load_wei(const int32_t *w) { return _mm512_castsi512_ps(_mm512_load_si512(w)); }
static inline acc_t dw_mac(acc_t acc, acc_t x, acc_t w) { return _mm512_fmadd_ps(x, w, acc); }

#include "kernels/conv/lowp_body.h"

/* vdpbf16ps: about one every two cycles, latency about 6 (the cost model's figures). */
const cnb_conv_lowp_isa cnb_conv_lowp_table__avx512_bf16 = CNB_CONV_LOWP_TABLE(1.6, 6);

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&cnb_conv_lowp_table__avx512_bf16, p, wei);
}

const cnb_impl cnb_conv_bf16_direct__avx512_bf16 = {
    .name = "conv/avx512_bf16_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX512_BF16,
    .layout = CNB_LAYOUT_NCX16C,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16),
    .supports = cnb_conv_lowp_supports,
    .prepare = prepare,
    .run = cnb_conv_lowp_run,
    .release = cnb_conv_lowp_release,
    .kernel_name = cnb_conv_lowp_kernel_name,
};
