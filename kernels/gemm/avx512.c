/* gemm/avx512_14x32: the AVX-512 GEMM micro-kernel (contract: kernels/gemm/ukernel.h) and its
 * blocking table; blocking, packing and threading are the shared driver's (driver.c).
 *
 * Registers (32 zmm): 28 accumulators acc[i][0..1] = C rows 0..13 × columns 0..15 / 16..31,
 * 2 loaded from the packed B micro-panel per k step (b0, b1), 1 broadcast of an A element
 * (vbroadcastss from memory), 1 free. Per k step: 2 loads, 14 broadcasts, 28 FMAs, and 2
 * prefetches of the B micro-panel further on.
 * Edge tiles: m < 14 runs a copy of the kernel specialised for m rows (fewer accumulators, no
 * wasted FMAs: M = 1 fully-connected layers use the 1-row copy), n ≤ 16 a copy that loads and
 * multiplies one vector of B instead of two, n < 32 stores under k-masks, so nothing outside
 * the m×n tile of C is read or written.
 * Packing micro-kernel (ukernel.h) for row-major B: the same tile, B's two vectors loaded from
 * the source row under the column masks and stored to the packed micro-panel, the source
 * prefetched in two stages (into L2 far ahead, into L1 near).
 * Skinny-transposed kernel (m ≤ 4, tb): 4 accumulators (4 rows of B), A loaded once per 16 k.
 * Packers for row-major A (16×16 transposes in registers) and B (two vectors per k step). */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/gemm/driver.h"
#include "kernels/impl.h"

enum { MR = 14, NR = 32, DOT_COLS = 4 };

/* C row ← alpha·acc (+ beta·C row), 16 columns, only the columns in mask (masked-off lanes are
 * neither loaded nor stored, and cannot fault). */
static inline void store_row16(float *c, __m512 acc, __m512 alpha, float beta, __mmask16 mask)
{
    __m512 r = _mm512_mul_ps(alpha, acc);
    if (beta != 0.0f) r = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c), r);
    _mm512_mask_storeu_ps(c, mask, r);
}

/* How far ahead the B micro-panel is prefetched into L1, in k steps. Its panel lives in L2 (the
 * L1 holds the A micro-panel, cache model of driver.c) and streams through at 2 lines a step,
 * one stream the L1's own prefetcher follows only a line or two ahead; an explicit prefetch a
 * few hundred cycles ahead covers the L2 latency. Prefetches are hints: reaching past the end
 * of the panel is harmless. */
#define B_PREFETCH_STEPS 16

/* Accumulators a tile may hold: rows × vectors of 16 columns. */
enum { MAX_ROWS = MR, MAX_VECS = NR / 16 };

/* How far ahead, in rows, the packing micro-kernel prefetches row-major B (its rows lie ldb
 * apart, a stride the L1's prefetcher does not follow), in two stages. B is read there for the
 * first time, so from memory or L3: the lead must cover that latency, a few dozen k steps of a
 * full tile (one step: MR broadcasts and 2·MR FMAs). But rows ldb apart share few L1 sets (a
 * single pair when ldb·4 bytes is a multiple of the L1's way size), so lines prefetched into L1
 * that far ahead evict each other, with the A micro-panel, before they are used. Hence a far
 * prefetch into L2 (B_SRC_PREFETCH_ROWS_L2, the latency of memory) and a near one from L2 into
 * L1 (B_SRC_PREFETCH_ROWS_L1: the L2's latency, few enough rows for the L1's ways). */
#define B_SRC_PREFETCH_ROWS_L2 40
#define B_SRC_PREFETCH_ROWS_L1 6

/* One k step of a tile of `vecs` vectors, of which the first nv are computed: B's vectors times
 * each of the step's `rows` A elements, broadcast; A micro-panel steps are mr floats. B's vectors come from the packed micro-panel
 * (B_PREFETCH_STEPS steps ahead prefetched, one line per vector), or, when `fused`, from a row
 * of row-major B under the column masks (B_SRC_PREFETCH_ROWS_L2 and _L1 rows ahead prefetched:
 * its first column, the last, and one of each line between) and are stored to the packed
 * micro-panel bq. */
static inline __attribute__((always_inline)) void k_step(const int mr, const int vecs,
                                                         const int nv, const int rows,
                                                         const int fused,
                                                         __m512 acc[MAX_ROWS][MAX_VECS],
                                                         const float *restrict ap,
                                                         const float *restrict bp, ptrdiff_t ldb,
                                                         const __mmask16 *mask,
                                                         float *restrict bq)
{
    (void)mr;
    __m512 b[MAX_VECS];
    if (fused) {
#pragma GCC unroll 4
        for (int v = 0; v <= vecs; v++) {
            const float *col = bp + (v < vecs ? 16 * v : 16 * vecs - 1);
            _mm_prefetch((const char *)(col + B_SRC_PREFETCH_ROWS_L2 * ldb), _MM_HINT_T1);
            _mm_prefetch((const char *)(col + B_SRC_PREFETCH_ROWS_L1 * ldb), _MM_HINT_T0);
        }
#pragma GCC unroll 3
        for (int v = 0; v < vecs; v++) {
            b[v] = _mm512_maskz_loadu_ps(mask[v], bp + 16 * v);
            _mm512_store_ps(bq + 16 * v, b[v]);
        }
    } else {
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++)
            _mm_prefetch((const char *)(bp + B_PREFETCH_STEPS * 16 * vecs + 16 * v), _MM_HINT_T0);
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) b[v] = _mm512_load_ps(bp + 16 * v);
    }
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) {
        const __m512 ai = _mm512_set1_ps(ap[i]);
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) acc[i][v] = _mm512_fmadd_ps(ai, b[v], acc[i][v]);
    }
}

/* The micro-kernel of an mr × 16·vecs tile for a fixed number of rows (1..mr) and of vectors
 * (nv ≤ vecs: the columns n ≤ 16·nv), constants after inlining, so acc stays in registers and
 * only `rows` × nv accumulators are computed; the columns n < 16·nv by k-masks at the store. `fused` (a constant): bp is row-major B (rows ldb apart, read only in
 * its n columns) and the packed micro-panel is written to bq on the way (ukernel.h). */
static inline __attribute__((always_inline)) void tile_rows(const int mr, const int vecs,
                                                            const int nv, const int rows,
                                                            const int fused,
                                                            int n, int k,
                                                            const float *restrict ap,
                                                            const float *restrict bp,
                                                            ptrdiff_t ldb, float *restrict bq,
                                                            float *restrict c, ptrdiff_t ldc,
                                                            float alpha, float beta)
{
    const int nr = 16 * vecs;
    const ptrdiff_t bstep = fused ? ldb : nr;
    __mmask16 mask[MAX_VECS];
#pragma GCC unroll 3
    for (int v = 0; v < nv; v++) {
        const int w = n - 16 * v;
        mask[v] = (__mmask16)(w >= 16 ? 0xffff : w > 0 ? (1u << w) - 1 : 0);
    }
    __m512 acc[MAX_ROWS][MAX_VECS];
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++)
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) acc[i][v] = _mm512_setzero_ps();
    /* The C tile is prefetched one line per k step during the last nv·rows steps (a hint:
     * never faults, even past the end of C): late enough that the panels streaming meanwhile do
     * not evict it, early enough to arrive before the stores, and a few lines in flight at a
     * time rather than a burst of nv·rows that fills the L1's miss buffers at the start. The
     * steps before run in a loop of their own, without that test in every step. */
    const int kpf = k > nv * rows ? k - nv * rows : 0;
    int p = 0;
    for (; p < kpf; p++) {
        k_step(mr, vecs, nv, rows, fused, acc, ap, bp, ldb, mask, bq);
        ap += mr;
        bp += bstep;
        if (fused) bq += nr;
    }
    for (; p < k; p++) {
        /* Row q / nv; its first column, the last, and a column of each line between. */
        const unsigned q = (unsigned)(p - kpf), v = q % (unsigned)nv;
        _mm_prefetch((const char *)(c + (ptrdiff_t)(q / nv) * ldc + 16 * v + 15 * (v + 1 == (unsigned)nv)),
                     _MM_HINT_T0);
        k_step(mr, vecs, nv, rows, fused, acc, ap, bp, ldb, mask, bq);
        ap += mr;
        bp += bstep;
        if (fused) bq += nr;
    }

    const __m512 va = _mm512_set1_ps(alpha);
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++)
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) store_row16(c + i * ldc + 16 * v, acc[i][v], va, beta, mask[v]);
}

/* The micro-kernels: a copy per row count, and for the packed panels one more per row count for
 * a last tile of at most 16 columns (one vector of B, half or a third of the FMAs). */
static void ukernel_14x32(int m, int n, int k, const float *restrict ap, const float *restrict bp,
                  float *restrict c, ptrdiff_t ldc, float alpha, float beta)
{
    if (n <= 16) {
        switch (m) {
        case 14: tile_rows(MR, 2, 1, 14, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 13: tile_rows(MR, 2, 1, 13, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 12: tile_rows(MR, 2, 1, 12, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 11: tile_rows(MR, 2, 1, 11, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 10: tile_rows(MR, 2, 1, 10, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 9: tile_rows(MR, 2, 1, 9, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 8: tile_rows(MR, 2, 1, 8, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 7: tile_rows(MR, 2, 1, 7, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 6: tile_rows(MR, 2, 1, 6, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 5: tile_rows(MR, 2, 1, 5, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 4: tile_rows(MR, 2, 1, 4, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 3: tile_rows(MR, 2, 1, 3, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        case 2: tile_rows(MR, 2, 1, 2, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        default: tile_rows(MR, 2, 1, 1, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
        }
        return;
    }
    switch (m) {
    case 14: tile_rows(MR, 2, 2, 14, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 13: tile_rows(MR, 2, 2, 13, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 12: tile_rows(MR, 2, 2, 12, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 11: tile_rows(MR, 2, 2, 11, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 10: tile_rows(MR, 2, 2, 10, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 9: tile_rows(MR, 2, 2, 9, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 8: tile_rows(MR, 2, 2, 8, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 7: tile_rows(MR, 2, 2, 7, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 6: tile_rows(MR, 2, 2, 6, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 5: tile_rows(MR, 2, 2, 5, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 4: tile_rows(MR, 2, 2, 4, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 3: tile_rows(MR, 2, 2, 3, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    case 2: tile_rows(MR, 2, 2, 2, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    default: tile_rows(MR, 2, 2, 1, 0, n, k, ap, bp, 0, NULL, c, ldc, alpha, beta); break;
    }
}

static void ukernel_packb_14x32(int m, int n, int k, const float *restrict ap, const float *restrict b,
                  ptrdiff_t ldb, float *restrict bp, float *restrict c, ptrdiff_t ldc,
                  float alpha, float beta)
{
    switch (m) {
    case 14: tile_rows(MR, 2, 2, 14, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 13: tile_rows(MR, 2, 2, 13, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 12: tile_rows(MR, 2, 2, 12, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 11: tile_rows(MR, 2, 2, 11, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 10: tile_rows(MR, 2, 2, 10, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 9: tile_rows(MR, 2, 2, 9, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 8: tile_rows(MR, 2, 2, 8, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 7: tile_rows(MR, 2, 2, 7, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 6: tile_rows(MR, 2, 2, 6, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 5: tile_rows(MR, 2, 2, 5, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 4: tile_rows(MR, 2, 2, 4, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 3: tile_rows(MR, 2, 2, 3, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    case 2: tile_rows(MR, 2, 2, 2, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    default: tile_rows(MR, 2, 2, 1, 1, n, k, ap, b, ldb, bp, c, ldc, alpha, beta); break;
    }
}

/* Σ_p a[p]·b[p] for `cols` rows of B at once (b, b + ldb, ...), 16 k per step, the k tail
 * under a k-mask; the sums go to out[0..cols). */
static inline __attribute__((always_inline)) void dot_cols(const int cols, int k,
                                                           const float *restrict a,
                                                           const float *restrict b, ptrdiff_t ldb,
                                                           float *out)
{
    __m512 acc[DOT_COLS];
#pragma GCC unroll 4
    for (int j = 0; j < cols; j++) acc[j] = _mm512_setzero_ps();
    int p = 0;
    for (; p + 16 <= k; p += 16) {
        const __m512 av = _mm512_loadu_ps(a + p);
#pragma GCC unroll 4
        for (int j = 0; j < cols; j++)
            acc[j] = _mm512_fmadd_ps(av, _mm512_loadu_ps(b + j * ldb + p), acc[j]);
    }
    if (p < k) {
        const __mmask16 tail = (__mmask16)((1u << (k - p)) - 1);
        const __m512 av = _mm512_maskz_loadu_ps(tail, a + p);
#pragma GCC unroll 4
        for (int j = 0; j < cols; j++)
            acc[j] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(tail, b + j * ldb + p), acc[j]);
    }
#pragma GCC unroll 4
    for (int j = 0; j < cols; j++) out[j] = _mm512_reduce_add_ps(acc[j]);
}

/* The skinny-transposed kernel (ukernel.h): DOT_COLS rows of B per pass (4 accumulators, A
 * loaded once per 16 k and shared), every row of A against them while they are in cache. */
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

/* The packers (driver.h). pack_a transposes 16 k steps of the n ≤ MR rows at a time: each row
 * loaded as one vector (the k tail under a k-mask), rows n..15 zero, a 16×16 transpose in
 * registers, then each k step's first MR lanes stored under a mask; so every source line is read
 * whole, once, and nothing past a row's k elements is read. */
static inline void transpose16(__m512 r[16])
{
    __m512 t[16], u[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) { /* pairs of rows, interleaved within 128-bit lanes */
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) { /* u[4i + q]: rows 4i..4i+3 of columns q, q+4, q+8, q+12 */
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
    }
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) { /* gather the 128-bit lanes: column q + 4·lane */
        const __m512 v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);
        const __m512 v1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
        const __m512 w0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);
        const __m512 w1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
        r[q] = _mm512_shuffle_f32x4(v0, v1, 0x88);
        r[q + 8] = _mm512_shuffle_f32x4(v0, v1, 0xdd);
        r[q + 4] = _mm512_shuffle_f32x4(w0, w1, 0x88);
        r[q + 12] = _mm512_shuffle_f32x4(w0, w1, 0xdd);
    }
}

static inline __attribute__((always_inline)) void pack_a_rows(const int mr, int n, int k,
                                                              const float *restrict a,
                                                              ptrdiff_t lda, float *restrict dst)
{
    const __mmask16 lanes = (__mmask16)((1u << mr) - 1);
    for (int p0 = 0; p0 < k; p0 += 16) {
        const int kn = k - p0 < 16 ? k - p0 : 16;
        const __mmask16 km = (__mmask16)((1u << kn) - 1);
        __m512 r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            r[i] = i < n ? _mm512_maskz_loadu_ps(km, a + i * lda + p0) : _mm512_setzero_ps();
        transpose16(r);
        float *d = dst + (ptrdiff_t)p0 * mr;
#pragma GCC unroll 16
        for (int p = 0; p < 16; p++) /* constant indices only: r stays in registers */
            if (p < kn) _mm512_mask_storeu_ps(d + p * mr, lanes, r[p]);
    }
}

static inline __attribute__((always_inline)) void pack_b_vecs(const int vecs, int n, int k,
                                                              const float *restrict b,
                                                              ptrdiff_t ldb, float *restrict dst)
{
    __mmask16 mask[MAX_VECS];
#pragma GCC unroll 3
    for (int v = 0; v < vecs; v++) {
        const int w = n - 16 * v;
        mask[v] = (__mmask16)(w >= 16 ? 0xffff : w > 0 ? (1u << w) - 1 : 0);
    }
    for (int p = 0; p < k; p++) {
#pragma GCC unroll 3
        for (int v = 0; v < vecs; v++)
            _mm512_store_ps(dst + 16 * v, _mm512_maskz_loadu_ps(mask[v], b + 16 * v));
        b += ldb;
        dst += 16 * vecs;
    }
}

static void pack_a(int n, int k, const float *restrict a, ptrdiff_t lda, float *restrict dst)
{
    pack_a_rows(MR, n, k, a, lda, dst);
}

static void pack_b(int n, int k, const float *restrict b, ptrdiff_t ldb, float *restrict dst)
{
    pack_b_vecs(NR / 16, n, k, b, ldb, dst);
}

const cnb_gemm_arch cnb_gemm_arch_14x32__avx512 = {
    /*    mr       nr       kc         nc                                                       */
    .mr = MR, .nr = NR, .kc = 256, .nc = 512, .ukernel = ukernel_14x32,
    .ukernel_packb = ukernel_packb_14x32,
    .dot_max_m = 4, .dot = dot_kernel, .pack_a = pack_a, .pack_b = pack_b,
};

extern const cnb_impl cnb_gemm_f32_14x32__avx512; /* the record below: its name keys the planner */
static void *prepare_14x32(const cnb_problem *p, const void *wei)
{
    return cnb_gemm_prepare(&cnb_gemm_arch_14x32__avx512, cnb_gemm_f32_14x32__avx512.name, p, wei);
}

static const char *kernel_name_14x32(void *state);

const cnb_impl cnb_gemm_f32_14x32__avx512 = {
    .name = "gemm/avx512_14x32",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AVX512,
    .layout = CNB_LAYOUT_NCX,
    .prepare = prepare_14x32,
    .run = cnb_gemm_run,
    .release = cnb_gemm_release,
    .kernel_name = kernel_name_14x32,
};

static const char *kernel_name_14x32(void *state)
{
    return cnb_gemm_kernel_name(state, cnb_gemm_f32_14x32__avx512.name);
}
