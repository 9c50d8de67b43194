/* The ISA-independent GEMM driver (BLIS-style): cache blocking, packing of A and B, OpenMP
 * threading. Each ISA file describes itself with one cnb_gemm_arch (micro-tile, cache blocks,
 * micro-kernel) and forwards its record's prepare/run/release here. Baseline-compiled. */
#ifndef CNB_KERNELS_GEMM_DRIVER_H
#define CNB_KERNELS_GEMM_DRIVER_H

#include "kernels/gemm/ukernel.h"
#include "kernels/problem.h"

/* Packs one micro-panel from a row-major operand (optional per ISA, faster than the driver's
 * plain C): pack_a, `n` ≤ MR rows of A (a[i·ld + p]) into dst[p·MR + i]; pack_b, `n` ≤ NR
 * columns of B (b[p·ld + j]) into dst[p·NR + j]; k steps; the padding rows / columns n.. are
 * zero. Reads nothing outside the n×k (pack_a) or k×n (pack_b) elements. */
typedef void cnb_gemm_pack_fn(int n, int k, const float *restrict src, ptrdiff_t ld,
                              float *restrict dst);

/* One line of an ISA's blocking table. Invariants (checked by cnb_gemm_prepare):
 *   nc % nr == 0, all > 0, mr ≤ CNB_GEMM_MAX_MR, nr ≤ CNB_GEMM_MAX_NR.
 * The cache blocks kc, nc are fallbacks: prepare derives the blocks from the detected caches
 * (cnb_gemm_blocking) and uses a table value only where its cache is unknown. */
typedef struct cnb_gemm_arch {
    int mr, nr;              /* micro-tile: rows of A / columns of B per micro-kernel call */
    int kc, nc;              /* fallback cache blocks: A micro-panel mr×kc (L1), B panel kc×nc
                              * (L2); one set of buffers per thread */
    cnb_gemm_ukernel_fn *ukernel;
    cnb_gemm_ukernel_packb_fn *ukernel_packb; /* optional: row-major B packed by the first row
                                               * of tiles (NULL: packed in a pass of its own) */
    int dot_max_m;           /* tb, !ta and m ≤ dot_max_m use dot instead (0: never) */
    cnb_gemm_dotkernel_fn *dot;
    cnb_gemm_pack_fn *pack_a, *pack_b;   /* optional (NULL: the driver's plain C) */
} cnb_gemm_arch;

/* Cache blocks kc (depth), nc (columns of B). */
typedef struct cnb_gemm_blocks {
    int kc, nc;
} cnb_gemm_blocks;

/* The blocks the analytical model of driver.c gives an ISA's tile for caches of l1d, l2 and l3
 * bytes shared by `cores` cores (0 = unknown: the table's block for that cache). */
cnb_gemm_blocks cnb_gemm_blocking_for(const cnb_gemm_arch *t, long long l1d, long long l2,
                                      long long l3, int cores);
/* The same for this machine's detected caches (arch/topo.h, L3 clamped): what prepare uses
 * before clamping the blocks to the problem (tests/test_tiles.c sizes its edge cases from it),
 * but for an A larger than L2, where prepare widens nc to the L3 bound (driver.c). */
cnb_gemm_blocks cnb_gemm_blocking(const cnb_gemm_arch *t);

/* The tables of the ISA files (tests/test_tiles.c sizes its edge cases from them). */
extern const cnb_gemm_arch cnb_gemm_arch_14x32__avx512, cnb_gemm_arch_6x16__avx2, cnb_gemm_arch_8x12__neon;

/* The record functions, given the ISA's table. prepare allocates everything run needs for the
 * problem and the threads in force (NULL on failure or on a table that breaks its invariants),
 * and where the rule leaves two paths (a fully-connected shape) lets the planner time them on
 * B under the record's name `impl` (B NULL: the rule decides);
 * run computes C = alpha·op(A)·op(B) + beta·C for that problem, with the threads in force but at
 * most those prepare saw, and never allocates; release frees the state. */
/* Fully-connected shapes (tb, !ta) of up to this many times the table's dot_max_m rows are
 * planned: the dot path and the packed path are both timed (above it the packed path's reuse of
 * A wins). */
#define CNB_GEMM_PLAN_DOT_M_FACTOR 4

void *cnb_gemm_prepare(const cnb_gemm_arch *arch, const char *impl, const cnb_problem *p,
                       const float *b);
void cnb_gemm_run(void *state, const cnb_problem *p, const void *a, const void *b, void *c);
void cnb_gemm_release(void *state);
/* For the record's kernel_name: `name` and the blocking the state last ran, e.g.
 * "gemm/avx512_14x32[kc432 nc576 grid 1x2]" (the blocks as clamped to the problem, kc
 * the K block really used, the thread grid tm×tn of the last run). */
const char *cnb_gemm_kernel_name(void *state, const char *name);

#endif
