/* gemm/neon_i8mm_4x16: int8 GEMM with int32 accumulation on the I8MM matrix products (Armv8.6):
 * usmmla for u8 × s8, smmla for s8 × s8; s32 out or requantized to u8/s8.
 *
 * usmmla/smmla take a 2 × 8 block of A (two rows, 8 K each: one q register) and an 8 × 2 block of
 * B (two columns, 8 K each) and add the 2 × 2 products to one register, in the order
 * (r0 c0, r0 c1, r1 c0, r1 c1), with no intermediate saturation. The driver (kernels/lowp.h)
 * packs B in panels of 16 columns with 8-byte groups (group_bytes 8): a group row of a panel =
 * 16 columns × 8 K = eight q registers, register v holding columns 2v and 2v+1, exactly smmla's B
 * operand. A is the driver's padded row-major copy; a row pair's 8 K are two 8-byte loads.
 *
 * Registers (32 q): 16 accumulators acc[p][v] = C rows 2p, 2p+1 × columns 2v, 2v+1; 8 B
 * registers; 2 A registers. Per 8 K: 4 A half loads, 8 B loads, 16 matrix products. K is padded
 * to 8 with zeros; rows come in pairs (Mp rounds M up to 4; a pair past M is skipped when m < 4
 * leaves it empty, and the padding row of a half-used pair is computed, never stored); columns
 * past N are computed from B's zero padding and dropped by the epilogue (lowp_neon.h), which
 * takes the rows out of the 2 × 2 blocks with 64-bit zips. */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/gemm/lowp_neon.h"
#include "kernels/impl.h"

enum { MR = 4, NR = 16, NT = 64, KV = 8 };

static inline __attribute__((always_inline)) void tile_pairs(const int pairs, const int usrc,
                                                             const cnb_lowp_state *s, int i0,
                                                             int j0, void *c)
{
    const int kp = s->kp;
    const uint8_t *ap = (const uint8_t *)s->a + (size_t)i0 * kp;
    const int8_t *bp = (const int8_t *)s->b + (size_t)(j0 / 16) * kp * 16;
    int32x4_t acc[MR / 2][8];
    for (int p = 0; p < pairs; p++)
        for (int v = 0; v < 8; v++) acc[p][v] = vdupq_n_s32(0);
    for (int k = 0; k < kp; k += KV, bp += 8 * 16) {
        int8x16_t b[8];
        for (int v = 0; v < 8; v++) b[v] = vld1q_s8(bp + 16 * v);
        for (int p = 0; p < pairs; p++) {
            const uint8_t *r0 = ap + (size_t)(2 * p) * kp + k;
            const uint8x16_t a = vcombine_u8(vld1_u8(r0), vld1_u8(r0 + kp));
            for (int v = 0; v < 8; v++)
                acc[p][v] = usrc ? vusmmlaq_s32(acc[p][v], a, b[v])   /* u8 (A) × s8 (B) */
                                 : vmmlaq_s32(acc[p][v], vreinterpretq_s8_u8(a), b[v]);
        }
    }
    const int left = s->g.n - j0, cols = left < NR ? left : NR;
    for (int p = 0; p < pairs; p++)
        for (int r = 0; r < 2 && i0 + 2 * p + r < s->g.m; r++) {
            int32x4_t row[4];
            for (int w = 0; w < 4; w++) {
                const int64x2_t lo = vreinterpretq_s64_s32(acc[p][2 * w]);
                const int64x2_t hi = vreinterpretq_s64_s32(acc[p][2 * w + 1]);
                row[w] = vreinterpretq_s32_s64(r ? vzip2q_s64(lo, hi) : vzip1q_s64(lo, hi));
            }
            cnb_lowp_neon_store_s32(s, c, (int64_t)(i0 + 2 * p + r) * s->g.ldc + j0, row, cols);
        }
}

/* One task: MR rows × nb columns (whole panels, each with at least one column < N). */
static void block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb;
    const int rows = s->g.m - i0 < MR ? s->g.m - i0 : MR;
    const int usrc = s->t.src == CNB_DT_U8;
    for (int j = j0; j < j0 + nb; j += NR) {
        if (rows > 2) usrc ? tile_pairs(2, 1, s, i0, j, c) : tile_pairs(2, 0, s, i0, j, c);
        else usrc ? tile_pairs(1, 1, s, i0, j, c) : tile_pairs(1, 0, s, i0, j, c);
    }
}

static const cnb_lowp_arch arch = {
    .k_align = KV, .m_align = MR, .n_align = NR, .m_step = MR, .n_step = NT, .block = block,
    .group_bytes = 8,
};

static void *prepare(const cnb_problem *p, const void *wei) { return cnb_lowp_prepare(&arch, p, wei); }

const cnb_impl cnb_gemm_int8_4x16__neon_i8mm = {
    .name = "gemm/neon_i8mm_4x16",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_NEON_I8MM,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8) |
               CNB_DTM(CNB_DTC_S8S8S32) | CNB_DTM(CNB_DTC_S8S8U8) | CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_lowp_supports_s8src,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
