/* gemm/neon_8x12: the AArch64 Advanced SIMD GEMM micro-kernel (contract: kernels/gemm/ukernel.h)
 * and its blocking table; blocking, packing and threading are the shared driver's (driver.c).
 *
 * Registers (32 q): 24 accumulators acc[i][0..2] = C rows 0..7 × columns 0..3 / 4..7 / 8..11,
 * 3 loaded from the packed B micro-panel per k step (b0, b1, b2), 2 holding the 8 A elements of
 * the step (a0_3, a4_7) used lane by lane (fmla v.4s, v.4s, v.s[lane]), 3 free.
 * Per k step: 5 loads, 24 FMAs.
 * Edge tiles (m < 8 or n < 12): the accumulators go to a tile on the stack and the first m rows,
 * n columns are copied to C element by element, so nothing outside the m×n tile is touched.
 * Skinny-transposed kernel (m ≤ 4, tb): 4 accumulators (4 rows of B), A loaded once per 4 k,
 * the k tail (k % 4) in scalar code. */
#include <arm_neon.h>
#include <stdint.h>

#include "kernels/gemm/driver.h"
#include "kernels/impl.h"

enum { MR = 8, NR = 12, DOT_COLS = 4 };

/* C ← alpha·acc (+ beta·C), 4 full columns. */
static inline void store4(float *c, float32x4_t acc, float alpha, float beta)
{
    float32x4_t r = vmulq_n_f32(acc, alpha);
    if (beta != 0.0f) r = vfmaq_n_f32(r, vld1q_f32(c), beta);
    vst1q_f32(c, r);
}

/* Row r of the tile gets A lane `lane` of vector av times the three B vectors. */
#define FMA_ROW(r, av, lane)                                        \
    do {                                                            \
        acc[r][0] = vfmaq_laneq_f32(acc[r][0], b0, av, lane);       \
        acc[r][1] = vfmaq_laneq_f32(acc[r][1], b1, av, lane);       \
        acc[r][2] = vfmaq_laneq_f32(acc[r][2], b2, av, lane);       \
    } while (0)

static void ukernel_8x12(int m, int n, int k, const float *restrict ap, const float *restrict bp,
                         float *restrict c, ptrdiff_t ldc, float alpha, float beta)
{
    float32x4_t acc[MR][3];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);

    for (int p = 0; p < k; p++) {
        const float32x4_t a0_3 = vld1q_f32(ap), a4_7 = vld1q_f32(ap + 4);
        const float32x4_t b0 = vld1q_f32(bp), b1 = vld1q_f32(bp + 4), b2 = vld1q_f32(bp + 8);
        FMA_ROW(0, a0_3, 0);
        FMA_ROW(1, a0_3, 1);
        FMA_ROW(2, a0_3, 2);
        FMA_ROW(3, a0_3, 3);
        FMA_ROW(4, a4_7, 0);
        FMA_ROW(5, a4_7, 1);
        FMA_ROW(6, a4_7, 2);
        FMA_ROW(7, a4_7, 3);
        ap += MR;
        bp += NR;
    }

    if (m == MR && n == NR) {
        for (int i = 0; i < MR; i++)
            for (int v = 0; v < 3; v++) store4(c + i * ldc + 4 * v, acc[i][v], alpha, beta);
        return;
    }
    /* Edge tile: spill, then finish the first m rows, n columns one element at a time. */
    float tile[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < 3; v++) vst1q_f32(tile[i] + 4 * v, acc[i][v]);
    for (int i = 0; i < m; i++) {
        float *crow = c + i * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < n; j++) crow[j] = alpha * tile[i][j];
        else
            for (int j = 0; j < n; j++) crow[j] = alpha * tile[i][j] + beta * crow[j];
    }
}

/* Σ_p a[p]·b[j·ldb + p] for DOT_COLS rows of B at once, 4 k per step, the k tail (k % 4)
 * element by element; the sums go to out[0..DOT_COLS). */
static void dot4(int k, const float *restrict a, const float *restrict b, ptrdiff_t ldb,
                 float *out)
{
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const float *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
        const float32x4_t av = vld1q_f32(a + p);
        acc0 = vfmaq_f32(acc0, av, vld1q_f32(b0 + p));
        acc1 = vfmaq_f32(acc1, av, vld1q_f32(b1 + p));
        acc2 = vfmaq_f32(acc2, av, vld1q_f32(b2 + p));
        acc3 = vfmaq_f32(acc3, av, vld1q_f32(b3 + p));
    }
    float s0 = vaddvq_f32(acc0), s1 = vaddvq_f32(acc1), s2 = vaddvq_f32(acc2), s3 = vaddvq_f32(acc3);
    for (; p < k; p++) {
        s0 += a[p] * b0[p];
        s1 += a[p] * b1[p];
        s2 += a[p] * b2[p];
        s3 += a[p] * b3[p];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
}

/* One row of B: the same with one accumulator. */
static float dot1(int k, const float *restrict a, const float *restrict b)
{
    float32x4_t acc = vdupq_n_f32(0.0f);
    int p = 0;
    for (; p + 4 <= k; p += 4) acc = vfmaq_f32(acc, vld1q_f32(a + p), vld1q_f32(b + p));
    float s = vaddvq_f32(acc);
    for (; p < k; p++) s += a[p] * b[p];
    return s;
}

/* The skinny-transposed kernel (ukernel.h): DOT_COLS rows of B per pass, every row of A
 * against them while they are in cache. */
static void dot_kernel(int m, int n, int k, const float *restrict a, ptrdiff_t lda,
                       const float *restrict b, ptrdiff_t ldb, float *restrict c, ptrdiff_t ldc,
                       float alpha, float beta)
{
    for (int j0 = 0; j0 < n; j0 += DOT_COLS) {
        const int cols = n - j0 < DOT_COLS ? n - j0 : DOT_COLS;
        for (int i = 0; i < m; i++) {
            float sum[DOT_COLS];
            if (cols == DOT_COLS)
                dot4(k, a + i * lda, b + j0 * ldb, ldb, sum);
            else
                for (int j = 0; j < cols; j++) sum[j] = dot1(k, a + i * lda, b + (j0 + j) * ldb);
            float *crow = c + i * ldc + j0;
            for (int j = 0; j < cols; j++)
                crow[j] = beta != 0.0f ? alpha * sum[j] + beta * crow[j] : alpha * sum[j];
        }
    }
}

const cnb_gemm_arch cnb_gemm_arch_8x12__neon = {
    /*    mr       nr       kc         nc                                                       */
    .mr = MR, .nr = NR, .kc = 256, .nc = 12 * 40, .ukernel = ukernel_8x12,
    .dot_max_m = 4, .dot = dot_kernel,
};

extern const cnb_impl cnb_gemm_f32_8x12__neon; /* the record below: its name keys the planner */
static void *prepare_8x12(const cnb_problem *p, const void *wei)
{
    return cnb_gemm_prepare(&cnb_gemm_arch_8x12__neon, cnb_gemm_f32_8x12__neon.name, p, wei);
}

static const char *kernel_name_8x12(void *state);

const cnb_impl cnb_gemm_f32_8x12__neon = {
    .name = "gemm/neon_8x12",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX,
    .prepare = prepare_8x12,
    .run = cnb_gemm_run,
    .release = cnb_gemm_release,
    .kernel_name = kernel_name_8x12,
};

static const char *kernel_name_8x12(void *state)
{
    return cnb_gemm_kernel_name(state, cnb_gemm_f32_8x12__neon.name);
}
