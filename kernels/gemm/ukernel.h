/* The GEMM micro-kernel contract: what every kernels/gemm/<isa>.c micro-kernel computes and the
 * packed panels it reads. Written once here (after BLIS's KernelsHowTo); the driver
 * (kernels/gemm/driver.c) packs the panels and calls the micro-kernel through a function pointer.
 *
 * A micro-kernel of tile MR×NR computes, for 0 ≤ i < m ≤ MR and 0 ≤ j < n ≤ NR,
 *
 *     C[i·ldc + j] = alpha · Σ_{0≤p<k} Ap[p·MR + i] · Bp[p·NR + j]  +  beta · C[i·ldc + j]
 *
 * with the sum accumulated in float registers. When beta == 0, C is never read (it may hold NaN
 * or be uninitialised); only the m×n elements of C are ever read or written (edge tiles go
 * through masked loads/stores or a temporary tile on the stack), so C may end right at a guard
 * page. k ≥ 1.
 *
 * Packed A, one MR-row micro-panel (column-major, MR consecutive floats per k step):
 *
 *        k=0       k=1             k=kc-1
 *     +--------+--------+-- ... --+--------+
 *     | a(0,0) | a(0,1) |         |        |   Ap[p·MR + i] = op(A)(i, p)
 *     | a(1,0) | a(1,1) |         |        |   rows m..MR-1 are zero
 *     |  ...   |  ...   |         |        |
 *     |a(MR-1,0)        |         |        |   the micro-kernel broadcasts one element at
 *     +--------+--------+-- ... --+--------+   a time, so Ap needs no alignment
 *
 * Packed B, one NR-column micro-panel (row-major, NR consecutive floats per k step):
 *
 *     k=0    | b(0,0) b(0,1) ... b(0,NR-1) |     Bp[p·NR + j] = op(B)(p, j)
 *     k=1    | b(1,0) b(1,1) ... b(1,NR-1) |     columns n..NR-1 are zero
 *      ...   |            ...              |     the micro-kernel loads it as whole vectors:
 *     k=kc-1 | ...                         |     Bp is aligned to the vector size (the
 *                                                buffer is 64-byte aligned and NR·4 is a
 *                                                multiple of the vector size)
 *
 * Both panels hold exactly k steps and are read in full (no over-read beyond MR·k and NR·k
 * floats). Zero padding means the micro-kernel can always run the full MR×NR tile and drop the
 * padded rows and columns at the store. The driver splits K into kc blocks: the first block
 * is called with the caller's beta, later blocks with beta = 1 and alpha applied to every block;
 * when alpha is not positive it sums the blocks unscaled and applies alpha once at the end, so
 * signed zeros come out as the reference's (driver.c, "Signed zeros"). */

/* The packing micro-kernel (optional per ISA): the micro-kernel above for a row-major B that is
 * not packed yet. It reads B's micro-panel where it is, b[p·ldb + j] for 0 ≤ p < k, 0 ≤ j < n
 * (nothing outside those n columns of the k rows), computes the same C tile with the same sums,
 * and on the way stores the packed micro-panel to bp exactly as the packer would (Bp[p·NR + j],
 * columns n..NR-1 zero; bp aligned as above), so the driver's first row of tiles packs B for the
 * rows after it at the cost of the stores, instead of a pass over B of its own before any
 * multiply-add. */

/* The skinny-transposed kernel (optional per ISA), for a few rows of A against a transposed B,
 * the shape of a fully-connected layer (M = batch, tb = 1): packing B would cost more than the
 * whole product, so it reads both operands where they are, each row of A and of B contiguous
 * along k, and dots them:
 *
 *     C[i·ldc + j] = alpha · Σ_{0≤p<k} A[i·lda + p] · B[j·ldb + p]  +  beta · C[i·ldc + j]
 *
 * for 0 ≤ i < m, 0 ≤ j < n; vectorised along k (the k tail under masks or element by element:
 * nothing past the ends of the A and B rows is read), a few rows of B at a time, reduced
 * horizontally at the end. The sum is complete before alpha is applied; beta == 0 never reads C.
 * k ≥ 1. */
#ifndef CNB_KERNELS_GEMM_UKERNEL_H
#define CNB_KERNELS_GEMM_UKERNEL_H

#include <stddef.h>

/* Largest tile an ISA's table may declare (checked by the driver). */
#define CNB_GEMM_MAX_MR 16
#define CNB_GEMM_MAX_NR 64

typedef void cnb_gemm_ukernel_fn(int m, int n, int k, const float *restrict ap,
                                 const float *restrict bp, float *restrict c, ptrdiff_t ldc,
                                 float alpha, float beta);

typedef void cnb_gemm_ukernel_packb_fn(int m, int n, int k, const float *restrict ap,
                                       const float *restrict b, ptrdiff_t ldb,
                                       float *restrict bp, float *restrict c, ptrdiff_t ldc,
                                       float alpha, float beta);

typedef void cnb_gemm_dotkernel_fn(int m, int n, int k, const float *restrict a, ptrdiff_t lda,
                                   const float *restrict b, ptrdiff_t ldb, float *restrict c,
                                   ptrdiff_t ldc, float alpha, float beta);

#endif
