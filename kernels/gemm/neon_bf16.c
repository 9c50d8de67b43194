/* gemm/neon_bf16_4x16: bf16 × bf16 GEMM with fp32 accumulation on bfdot (Armv8.6 BF16, by
 * lane), f32 out or bf16 rounded to nearest even.
 *
 * bfdot adds two bf16 products to each f32 lane. Its intermediate rounding (round to odd, and
 * flushing of denormals, before FEAT_EBF16) never acts on exact-mode data: small integers whose
 * products and sums are exact in f32. The one rounding is the epilogue's (kernels/gemm/lowp_neon.h).
 *
 * Packing, padding and threading are the low-precision driver's (kernels/lowp.h): B in panels of
 * 16 columns × 4-byte groups (a bf16 pair of K per column), one group row of a panel = four q
 * registers (columns 0..3, .., 12..15). Registers (32 q): 16 accumulators acc[i][w] = C rows 0..3
 * × columns 4w..4w+3; 4 A registers (8 bf16 of a row: four K pairs, one per bfdot lane); 4 B
 * registers. Per 8 K: 4 A loads, 16 B loads, 64 bfdot by lane. K is padded to 8 so that A is read
 * in whole vectors (its padding is +0, never NaN); m < 4 runs a copy specialised for fewer rows;
 * columns past N are computed from B's zero padding and dropped by the epilogue. */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/gemm/lowp_neon.h"
#include "kernels/impl.h"

enum { MR = 4, NR = 16, NT = 64, KV = 8 };

/* acc[i][w] += the pairs of A's lane L (row i) × B's group row at bq (four vectors). */
#define STEP(L, bq)                                                                          \
    do {                                                                                     \
        const bfloat16x8_t b0 = vld1q_bf16(bq), b1 = vld1q_bf16((bq) + 8);                   \
        const bfloat16x8_t b2 = vld1q_bf16((bq) + 16), b3 = vld1q_bf16((bq) + 24);           \
        for (int i = 0; i < rows; i++) {                                                     \
            acc[i][0] = vbfdotq_laneq_f32(acc[i][0], b0, a[i], L);                           \
            acc[i][1] = vbfdotq_laneq_f32(acc[i][1], b1, a[i], L);                           \
            acc[i][2] = vbfdotq_laneq_f32(acc[i][2], b2, a[i], L);                           \
            acc[i][3] = vbfdotq_laneq_f32(acc[i][3], b3, a[i], L);                           \
        }                                                                                    \
    } while (0)

static inline __attribute__((always_inline)) void tile_rows(const int rows, const cnb_lowp_state *s,
                                                            int i0, int j0, void *c)
{
    const int kp = s->kp, groups = kp / 2;
    const bfloat16_t *ap = (const bfloat16_t *)s->a + (size_t)i0 * kp;
    const bfloat16_t *bp = (const bfloat16_t *)s->b + (size_t)(j0 / 16) * groups * 32;
    float32x4_t acc[MR][4];
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = vdupq_n_f32(0);
    for (int k = 0; k < kp; k += KV, bp += 4 * 32) {
        bfloat16x8_t a[MR];
        for (int i = 0; i < rows; i++) a[i] = vld1q_bf16(ap + (size_t)i * kp + k);
        STEP(0, bp);
        STEP(1, bp + 32);
        STEP(2, bp + 64);
        STEP(3, bp + 96);
    }
    const int left = s->g.n - j0, cols = left < NR ? left : NR;
    for (int i = 0; i < rows; i++)
        cnb_lowp_neon_store_f32(s, c, (int64_t)(i0 + i) * s->g.ldc + j0, acc[i], cols);
}

/* One task: MR rows × nb columns (whole panels, each with at least one column < N). */
static void block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb;
    const int rows = s->g.m - i0 < MR ? s->g.m - i0 : MR;
    for (int j = j0; j < j0 + nb; j += NR) {
        switch (rows) {
        case 4: tile_rows(4, s, i0, j, c); break;
        case 3: tile_rows(3, s, i0, j, c); break;
        case 2: tile_rows(2, s, i0, j, c); break;
        case 1: tile_rows(1, s, i0, j, c); break;
        default: break;   /* never: Mp rounds M up to MR */
        }
    }
}

static const cnb_lowp_arch arch = {
    .k_align = KV, .m_align = MR, .n_align = NR, .m_step = MR, .n_step = NT, .block = block,
};

static void *prepare(const cnb_problem *p, const void *wei) { return cnb_lowp_prepare(&arch, p, wei); }

const cnb_impl cnb_gemm_bf16_4x16__neon_bf16 = {
    .name = "gemm/neon_bf16_4x16",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_NEON_BF16,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16),
    .supports = cnb_lowp_supports,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
