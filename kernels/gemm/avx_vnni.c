/* gemm/avx_vnni_6x16: u8 × s8 GEMM with int32 accumulation (AVX-VNNI vpdpbusd on ymm, the
 * VEX-coded form of AVX-512 VNNI's instruction), s32 out or requantized to u8/s8. bf16 has no
 * AVX2-level dot product (vdpbf16ps needs AVX512_BF16; AVX-NE-CONVERT has none), so this level
 * has no bf16 GEMM.
 * Packing, padding and threading are the low-precision driver's (kernels/lowp.h): B in panels of
 * 16 columns × 4-byte groups, one group row of a panel = two ymm (columns 0..7, 8..15).
 *
 * Registers (16 ymm): 12 accumulators acc[i][0..1] = C rows 0..5 × columns 0..7 / 8..15; per
 * K group, 2 loads of the B panel, 6 broadcasts of an A group (a u8 quad of the padded A copy),
 * 12 vpdpbusd; one register free. vpdpbusd adds the four u8 × s8 products of each lane to its
 * int32 without intermediate saturation (vpmaddubsw's int16 pair sums would saturate at
 * 255·127·2). A task is 6 rows × up to 64 columns: its four panels share the 6 rows of A
 * (6·Kp bytes), which stay in L1 between them as long as they and a panel (16·Kp bytes) fit. Edges: rows past M are computed from A's zero padding and never stored (m < 6 runs
 * a copy specialised for fewer rows); columns past N are computed from B's zero padding and
 * dropped by the epilogue (AVX2 mask stores for int32, a 16-byte staging copy for int8); K is
 * padded to whole quads with zeros. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/impl.h"
#include "kernels/gemm/lowp_avx2.h"
#include "kernels/lowp.h"

enum { MR = 6, NR = 16, NT = 64 };

/* The epilogue (s32, or u8/s8 = saturate(RNE(acc / 2^shift))) is shared with conv/avx_vnni_direct:
 * kernels/gemm/lowp_avx2.h. */
#define store_row cnb_lowp_avx2_store_s32acc

/* C[i0 .. i0+rows-1][j0 .. j0+15] from the panel at j0. */
static inline __attribute__((always_inline)) void tile_rows(const int rows, const cnb_lowp_state *s,
                                                            int i0, int j0, void *c)
{
    const int groups = s->kp / 4;
    const int32_t *ap = (const int32_t *)s->a + (size_t)i0 * groups;
    const int32_t *bp = (const int32_t *)s->b + (size_t)(j0 / 16) * groups * 16;
    __m256i acc[MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    for (int q = 0; q < groups; q++) {
        const __m256i b0 = _mm256_load_si256((const __m256i *)(bp + (size_t)q * 16));
        const __m256i b1 = _mm256_load_si256((const __m256i *)(bp + (size_t)q * 16 + 8));
#pragma GCC unroll 6
        for (int i = 0; i < rows; i++) {
            const __m256i a = _mm256_set1_epi32(ap[(size_t)i * groups + q]);
            acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], a, b0);   /* u8 (A) × s8 (B) */
            acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], a, b1);
        }
    }
    const int left = s->g.n - j0, cols = left < NR ? left : NR;
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++)
        store_row(s, c, (int64_t)(i0 + i) * s->g.ldc + j0, acc[i][0], acc[i][1], cols);
}

/* One task: MR rows × nb columns (whole panels; every panel holds at least one column < N,
 * since Np rounds N up to 16). */
static void block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb;
    const int rows = s->g.m - i0 < MR ? s->g.m - i0 : MR;
    for (int j = j0; j < j0 + nb; j += NR) {
        switch (rows) {
        case 6: tile_rows(6, s, i0, j, c); break;
        case 5: tile_rows(5, s, i0, j, c); break;
        case 4: tile_rows(4, s, i0, j, c); break;
        case 3: tile_rows(3, s, i0, j, c); break;
        case 2: tile_rows(2, s, i0, j, c); break;
        case 1: tile_rows(1, s, i0, j, c); break;
        default: break;   /* a block wholly in the padding (never: Mp rounds M up to MR) */
        }
    }
}

static const cnb_lowp_arch arch = {
    .k_align = 4, .m_align = MR, .n_align = NR, .m_step = MR, .n_step = NT, .block = block,
};

static void *prepare(const cnb_problem *p, const void *wei) { return cnb_lowp_prepare(&arch, p, wei); }

const cnb_impl cnb_gemm_u8s8_6x16__avx_vnni = {
    .name = "gemm/avx_vnni_6x16",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX_VNNI,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = cnb_lowp_supports,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
