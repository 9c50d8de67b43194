/* gemm/avx2_6x16: the AVX2+FMA GEMM micro-kernel (contract: kernels/gemm/ukernel.h) and its
 * blocking table; blocking, packing and threading are the shared driver's (driver.c).
 *
 * Registers (16 ymm): 12 accumulators acc[i][0..1] = C rows 0..5 × columns 0..7 / 8..15,
 * 2 loaded from the packed B micro-panel per k step (b0, b1), 1 broadcast of an A element
 * (vbroadcastss from memory), 1 free. Per k step: 2 loads, 6 broadcasts, 12 FMAs.
 * Edge tiles: m < 6 runs a copy of the kernel specialised for m rows (no wasted FMAs), n < 16
 * stores through maskload/maskstore with masks from a table, so nothing outside the m×n tile of
 * C is read or written.
 * Skinny-transposed kernel (m ≤ 4, tb): 4 accumulators (4 rows of B), A loaded once per 8 k.
 * Packers for row-major A (8×8 transposes in registers) and B (two vectors per k step). */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/driver.h"
#include "kernels/impl.h"

enum { MR = 6, NR = 16, DOT_COLS = 4 };

/* 8 ones then 8 zeros: loading 8 lanes at mask_table + 8 - n enables the first n (0 ≤ n ≤ 8). */
static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* C row ← alpha·acc (+ beta·C row), 8 columns, only the lanes enabled in mask (maskload and
 * maskstore neither touch nor fault on disabled lanes). */
static inline void store_row8(float *c, __m256 acc, __m256 alpha, float beta, __m256i mask)
{
    __m256 r = _mm256_mul_ps(alpha, acc);
    if (beta != 0.0f) r = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_maskload_ps(c, mask), r);
    _mm256_maskstore_ps(c, mask, r);
}

/* The same with all 8 lanes: plain unaligned load and store. */
static inline void store_row8_full(float *c, __m256 acc, __m256 alpha, float beta)
{
    __m256 r = _mm256_mul_ps(alpha, acc);
    if (beta != 0.0f) r = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), r);
    _mm256_storeu_ps(c, r);
}

/* The micro-kernel for a fixed number of rows (1..MR, a constant after inlining, so acc stays in
 * registers and only `rows` rows are computed); columns n < NR through the mask table. */
static inline __attribute__((always_inline)) void tile_rows(const int rows, int n, int k,
                                                            const float *restrict ap,
                                                            const float *restrict bp,
                                                            float *restrict c, ptrdiff_t ldc,
                                                            float alpha, float beta)
{
    __m256 acc[MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    /* The C tile is prefetched one line per k step during the last 2·rows steps (a hint: never
     * faults, even past the end of C): late enough that the panels streaming meanwhile do not
     * evict it, early enough to arrive before the stores, a few lines in flight at a time. */
    const int kpf = k - 2 * rows;
    for (int p = 0; p < k; p++) {
        if (p >= kpf) {
            const int q = p - kpf;
            _mm_prefetch((const char *)(c + (q >> 1) * ldc + (q & 1) * (NR - 1)), _MM_HINT_T0);
        }
        const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
        for (int i = 0; i < rows; i++) {
            const __m256 ai = _mm256_broadcast_ss(ap + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
        ap += MR;
        bp += NR;
    }

    const __m256 va = _mm256_set1_ps(alpha);
    if (n == NR) {
#pragma GCC unroll 6
        for (int i = 0; i < rows; i++) {
            store_row8_full(c + i * ldc, acc[i][0], va, beta);
            store_row8_full(c + i * ldc + 8, acc[i][1], va, beta);
        }
        return;
    }
    const int n0 = n < 8 ? n : 8, n1 = n - n0;
    const __m256i m0 = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n0));
    const __m256i m1 = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n1));
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) {
        store_row8(c + i * ldc, acc[i][0], va, beta, m0);
        store_row8(c + i * ldc + 8, acc[i][1], va, beta, m1);
    }
}

static void ukernel_6x16(int m, int n, int k, const float *restrict ap, const float *restrict bp,
                         float *restrict c, ptrdiff_t ldc, float alpha, float beta)
{
    switch (m) {
    case 6:  tile_rows(6, n, k, ap, bp, c, ldc, alpha, beta); break;
    case 5:  tile_rows(5, n, k, ap, bp, c, ldc, alpha, beta); break;
    case 4:  tile_rows(4, n, k, ap, bp, c, ldc, alpha, beta); break;
    case 3:  tile_rows(3, n, k, ap, bp, c, ldc, alpha, beta); break;
    case 2:  tile_rows(2, n, k, ap, bp, c, ldc, alpha, beta); break;
    default: tile_rows(1, n, k, ap, bp, c, ldc, alpha, beta); break;
    }
}

/* Horizontal sum of the 8 lanes. */
static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Σ_p a[p]·b[p] for `cols` rows of B at once (b, b + ldb, ...), 8 k per step, the k tail
 * through the mask table; the sums go to out[0..cols). */
static inline __attribute__((always_inline)) void dot_cols(const int cols, int k,
                                                           const float *restrict a,
                                                           const float *restrict b, ptrdiff_t ldb,
                                                           float *out)
{
    __m256 acc[DOT_COLS];
#pragma GCC unroll 4
    for (int j = 0; j < cols; j++) acc[j] = _mm256_setzero_ps();
    int p = 0;
    for (; p + 8 <= k; p += 8) {
        const __m256 av = _mm256_loadu_ps(a + p);
#pragma GCC unroll 4
        for (int j = 0; j < cols; j++)
            acc[j] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + j * ldb + p), acc[j]);
    }
    if (p < k) {
        const __m256i tail = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - (k - p)));
        const __m256 av = _mm256_maskload_ps(a + p, tail);
#pragma GCC unroll 4
        for (int j = 0; j < cols; j++)
            acc[j] = _mm256_fmadd_ps(av, _mm256_maskload_ps(b + j * ldb + p, tail), acc[j]);
    }
#pragma GCC unroll 4
    for (int j = 0; j < cols; j++) out[j] = hsum8(acc[j]);
}

/* The skinny-transposed kernel (ukernel.h): DOT_COLS rows of B per pass (4 accumulators, A
 * loaded once per 8 k and shared), every row of A against them while they are in cache. */
static void dot_kernel(int m, int n, int k, const float *restrict a, ptrdiff_t lda,
                       const float *restrict b, ptrdiff_t ldb, float *restrict c, ptrdiff_t ldc,
                       float alpha, float beta)
{
    for (int j0 = 0; j0 < n; j0 += DOT_COLS) {
        const int cols = n - j0 < DOT_COLS ? n - j0 : DOT_COLS;
        for (int i = 0; i < m; i++) {
            float sum[DOT_COLS];
            if (cols == DOT_COLS)
                dot_cols(DOT_COLS, k, a + i * lda, b + j0 * ldb, ldb, sum);
            else
                for (int j = 0; j < cols; j++) dot_cols(1, k, a + i * lda, b + (j0 + j) * ldb, ldb, sum + j);
            float *crow = c + i * ldc + j0;
            for (int j = 0; j < cols; j++)
                crow[j] = beta != 0.0f ? alpha * sum[j] + beta * crow[j] : alpha * sum[j];
        }
    }
}

/* The packers (driver.h). pack_a transposes 8 k steps of the n ≤ MR rows at a time: each row
 * loaded as one vector (the k tail through the mask table), rows n..7 zero, an 8×8 transpose in
 * registers, then each k step's first MR lanes stored through the mask table; so every source
 * run is read once, and nothing past a row's k elements is read. */
static inline void transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) { /* pairs of rows, interleaved within 128-bit lanes */
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 2
    for (int i = 0; i < 2; i++) { /* u[4i + q]: rows 4i..4i+3 of columns q and q+4 */
        u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
    }
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) {
        r[q] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x20);
        r[q + 4] = _mm256_permute2f128_ps(u[q], u[4 + q], 0x31);
    }
}

static void pack_a(int n, int k, const float *restrict a, ptrdiff_t lda, float *restrict dst)
{
    const __m256i lanes = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - MR));
    for (int p0 = 0; p0 < k; p0 += 8) {
        const int kn = k - p0 < 8 ? k - p0 : 8;
        const __m256i km = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - kn));
        __m256 r[8];
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            r[i] = i < n ? _mm256_maskload_ps(a + i * lda + p0, km) : _mm256_setzero_ps();
        transpose8(r);
        float *d = dst + (ptrdiff_t)p0 * MR;
#pragma GCC unroll 8
        for (int p = 0; p < 8; p++) /* constant indices only: r stays in registers */
            if (p < kn) _mm256_maskstore_ps(d + p * MR, lanes, r[p]);
    }
}

static void pack_b(int n, int k, const float *restrict b, ptrdiff_t ldb, float *restrict dst)
{
    const int n0 = n < 8 ? n : 8, n1 = n - n0;
    const __m256i m0 = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n0));
    const __m256i m1 = _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n1));
    for (int p = 0; p < k; p++) {
        _mm256_store_ps(dst, _mm256_maskload_ps(b, m0));
        _mm256_store_ps(dst + 8, _mm256_maskload_ps(b + 8, m1));
        b += ldb;
        dst += NR;
    }
}

const cnb_gemm_arch cnb_gemm_arch_6x16__avx2 = {
    /*    mr       nr       kc         nc                                                      */
    .mr = MR, .nr = NR, .kc = 256, .nc = 512, .ukernel = ukernel_6x16,
    .dot_max_m = 4, .dot = dot_kernel, .pack_a = pack_a, .pack_b = pack_b,
};

extern const cnb_impl cnb_gemm_f32_6x16__avx2; /* the record below: its name keys the planner */
static void *prepare_6x16(const cnb_problem *p, const void *wei)
{
    return cnb_gemm_prepare(&cnb_gemm_arch_6x16__avx2, cnb_gemm_f32_6x16__avx2.name, p, wei);
}

static const char *kernel_name_6x16(void *state);

const cnb_impl cnb_gemm_f32_6x16__avx2 = {
    .name = "gemm/avx2_6x16",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX2,
    .layout = CNB_LAYOUT_NCX,
    .prepare = prepare_6x16,
    .run = cnb_gemm_run,
    .release = cnb_gemm_release,
    .kernel_name = kernel_name_6x16,
};

static const char *kernel_name_6x16(void *state)
{
    return cnb_gemm_kernel_name(state, cnb_gemm_f32_6x16__avx2.name);
}
