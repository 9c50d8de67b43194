/* gemm/avx512_vnni_14x32: u8 × s8 GEMM with int32 accumulation (vpdpbusd), s32 out or
 * requantized to u8/s8.
 * Packing, padding and threading are the low-precision driver's (kernels/lowp.h); this file is
 * the micro-kernel and the epilogue call.
 *
 * Registers (32 zmm): 28 accumulators acc[i][0..1] = C rows 0..13 × columns 0..15 / 16..31 in
 * int32; per K quad, 2 loads of the packed B panels (16 columns × 4 k each), 14 broadcasts of an
 * A quad (32 bits of the padded A copy), 28 vpdpbusd. vpdpbusd multiplies u8 by s8 and adds the
 * four products to the int32 lane without any intermediate saturation (unlike AVX2's vpmaddubsw,
 * whose int16 pair sums saturate: gemm/broken_int8_sat shows what that costs). Edges as the bf16
 * kernel's: rows past M computed from zero padding and not stored, columns past N under k-masks,
 * K padded to whole quads with zeros. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/lowp_avx512.h"
#include "kernels/impl.h"

enum { MR = 14, NR = 32 };

static inline __attribute__((always_inline)) void tile_rows(const int rows,
                                                            const cnb_lowp_state *s, int i0,
                                                            int j0, void *c)
{
    const int groups = s->kp / 4;
    const int32_t *ap = (const int32_t *)((const uint8_t *)s->a + (size_t)i0 * s->kp);
    const int8_t *b0p = (const int8_t *)s->b + (size_t)(j0 / 16) * groups * 64;
    const int8_t *b1p = b0p + (size_t)groups * 64;
    __m512i acc[MR][2];
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
    for (int q = 0; q < groups; q++) {
        const __m512i b0 = _mm512_load_si512(b0p + (size_t)q * 64);
        const __m512i b1 = _mm512_load_si512(b1p + (size_t)q * 64);
#pragma GCC unroll 14
        for (int i = 0; i < rows; i++) {
            const __m512i a = _mm512_set1_epi32(ap[(size_t)i * groups + q]);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], a, b0);   /* u8 (a) × s8 (b) */
            acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], a, b1);
        }
    }
    const int n = s->g.n;
    const __mmask16 m0 = cnb_lowp_cols(j0, n), m1 = cnb_lowp_cols(j0 + 16, n);
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) {
        const int64_t at = (int64_t)(i0 + i) * s->g.ldc + j0;
        cnb_lowp_store_s32acc(s, c, at, acc[i][0], m0);
        cnb_lowp_store_s32acc(s, c, at + 16, acc[i][1], m1);
    }
}

static void block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb, (void)nb;   /* one micro-tile: MR × NR */
    const int rows = s->g.m - i0 < MR ? s->g.m - i0 : MR;
    switch (rows) {
    case 14: tile_rows(14, s, i0, j0, c); break;
    case 13: tile_rows(13, s, i0, j0, c); break;
    case 12: tile_rows(12, s, i0, j0, c); break;
    case 11: tile_rows(11, s, i0, j0, c); break;
    case 10: tile_rows(10, s, i0, j0, c); break;
    case 9: tile_rows(9, s, i0, j0, c); break;
    case 8: tile_rows(8, s, i0, j0, c); break;
    case 7: tile_rows(7, s, i0, j0, c); break;
    case 6: tile_rows(6, s, i0, j0, c); break;
    case 5: tile_rows(5, s, i0, j0, c); break;
    case 4: tile_rows(4, s, i0, j0, c); break;
    case 3: tile_rows(3, s, i0, j0, c); break;
    case 2: tile_rows(2, s, i0, j0, c); break;
    case 1: tile_rows(1, s, i0, j0, c); break;
    default: break;   /* a block wholly in the padding (never: Mp rounds M up to MR) */
    }
}

static const cnb_lowp_arch arch = {
    .k_align = 4, .m_align = MR, .n_align = NR, .m_step = MR, .n_step = NR, .block = block,
};

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_lowp_prepare(&arch, p, wei);
}

const cnb_impl cnb_gemm_u8s8_14x32__avx512_vnni = {
    .name = "gemm/avx512_vnni_14x32",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX512_VNNI,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = cnb_lowp_supports,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
