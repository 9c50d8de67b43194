/* gemm/neon_dotprod_4x16: int8 GEMM with int32 accumulation on sdot (Armv8.2 DotProd): s8 × s8,
 * and u8 × s8 through an exact rewrite; s32 out or requantized to u8/s8.
 *
 * sdot multiplies s8 by s8, udot u8 by u8; the mixed u8 × s8 (usdot) is I8MM's. So a u8 source
 * is taken as a = (a − 128) + 128, with a − 128 = a XOR 0x80 read as s8:
 *   Σ_k a[i][k]·b[k][j] = Σ_k (a[i][k] − 128)·b[k][j] + 128·bsum[j],   bsum[j] = Σ_k b[k][j]
 * bsum comes from the packed B in prepare (kernels/lowp.h). Both terms are int32 sums whose
 * additions wrap modulo 2^32, so the result is exact whenever the true sum fits int32 (the
 * reference's condition), whatever the intermediate values. K's zero padding of B keeps the
 * padded A columns (0 XOR 0x80 = −128) out of the sum; padded rows are never stored.
 *
 * Packing, padding and threading are the low-precision driver's: B in panels of 16 columns ×
 * 4-byte groups, one group row of a panel = four q registers (columns 0..3, .., 12..15, each with
 * its quad of K). Registers (32 q): 16 accumulators acc[i][w] = C rows 0..3 × columns 4w..4w+3;
 * 4 A registers (16 bytes of a row: four K quads, one per sdot lane); 4 B registers. Per 16 K:
 * 4 A loads (and 4 XORs for u8), 16 B loads, 64 sdot by lane. K is padded to 16 so that A is
 * read in whole vectors; m < 4 runs a copy specialised for fewer rows; columns past N are
 * computed from B's zero padding and dropped by the epilogue (kernels/gemm/lowp_neon.h). */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/gemm/lowp_neon.h"
#include "kernels/impl.h"

enum { MR = 4, NR = 16, NT = 64, KV = 16 };

/* acc[i][w] += the quads of A's lane L (row i) × B's group row at bq (four vectors). */
#define STEP(L, bq)                                                                 \
    do {                                                                            \
        const int8x16_t b0 = vld1q_s8(bq), b1 = vld1q_s8((bq) + 16);                \
        const int8x16_t b2 = vld1q_s8((bq) + 32), b3 = vld1q_s8((bq) + 48);         \
        for (int i = 0; i < rows; i++) {                                            \
            acc[i][0] = vdotq_laneq_s32(acc[i][0], b0, a[i], L);                    \
            acc[i][1] = vdotq_laneq_s32(acc[i][1], b1, a[i], L);                    \
            acc[i][2] = vdotq_laneq_s32(acc[i][2], b2, a[i], L);                    \
            acc[i][3] = vdotq_laneq_s32(acc[i][3], b3, a[i], L);                    \
        }                                                                           \
    } while (0)

static inline __attribute__((always_inline)) void tile_rows(const int rows, const cnb_lowp_state *s,
                                                            int i0, int j0, void *c)
{
    const int kp = s->kp, groups = kp / 4;
    const int flip = s->t.src == CNB_DT_U8;   /* u8 A: XOR 0x80 and add 128·bsum */
    const uint8x16_t sign = vdupq_n_u8(flip ? 0x80 : 0);
    const uint8_t *ap = (const uint8_t *)s->a + (size_t)i0 * kp;
    const int8_t *bp = (const int8_t *)s->b + (size_t)(j0 / 16) * groups * 64;
    int32x4_t acc[MR][4];
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = vdupq_n_s32(0);
    for (int k = 0; k < kp; k += KV, bp += 4 * 64) {
        int8x16_t a[MR];
        for (int i = 0; i < rows; i++)
            a[i] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(ap + (size_t)i * kp + k), sign));
        STEP(0, bp);
        STEP(1, bp + 64);
        STEP(2, bp + 128);
        STEP(3, bp + 192);
    }
    if (flip) {
        int32x4_t corr[4];
        for (int w = 0; w < 4; w++) corr[w] = vshlq_n_s32(vld1q_s32(s->bsum + j0 + 4 * w), 7);
        for (int i = 0; i < rows; i++)
            for (int w = 0; w < 4; w++) acc[i][w] = vaddq_s32(acc[i][w], corr[w]);
    }
    const int left = s->g.n - j0, cols = left < NR ? left : NR;
    for (int i = 0; i < rows; i++)
        cnb_lowp_neon_store_s32(s, c, (int64_t)(i0 + i) * s->g.ldc + j0, acc[i], cols);
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
    .bsum = 1,
};

static void *prepare(const cnb_problem *p, const void *wei) { return cnb_lowp_prepare(&arch, p, wei); }

const cnb_impl cnb_gemm_int8_4x16__neon_dotprod = {
    .name = "gemm/neon_dotprod_4x16",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_NEON_DOTPROD,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_U8S8S32) | CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8) |
               CNB_DTM(CNB_DTC_S8S8S32) | CNB_DTM(CNB_DTC_S8S8U8) | CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_lowp_supports_s8src,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
