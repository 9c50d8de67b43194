/* The ISA-independent GEMM driver (BLIS-style): cache blocking, packing of A and B, OpenMP
 * threading. Each ISA file describes itself with one cnb_gemm_arch (micro-tile, cache blocks,
 * micro-kernel) and forwards its record's prepare/run/release here. Baseline-compiled. */
#ifndef CNB_KERNELS_GEMM_DRIVER_H
#define CNB_KERNELS_GEMM_DRIVER_H

#include "kernels/gemm/ukernel.h"
#include "kernels/problem.h"

/* One line of an ISA's blocking table. Invariants (checked by cnb_gemm_prepare):
 *   mc % mr == 0, nc % nr == 0, all > 0, mr ≤ CNB_GEMM_MAX_MR, nr ≤ CNB_GEMM_MAX_NR. */
typedef struct cnb_gemm_arch {
    int mr, nr;              /* micro-tile: rows of A / columns of B per micro-kernel call */
    int mc, kc, nc;          /* cache blocks: A block mc×kc (L2), B micro-panel kc×nr (L1),
                              * B panel kc×nc (L2/L3); one set of buffers per thread */
    cnb_gemm_ukernel_fn *ukernel;
    int dot_max_m;           /* tb, !ta and m ≤ dot_max_m use dot instead (0: never) */
    cnb_gemm_dotkernel_fn *dot;
} cnb_gemm_arch;

/* The tables of the ISA files (tests/test_tiles.c sizes its edge cases from them). */
extern const cnb_gemm_arch cnb_gemm_arch_14x32__avx512, cnb_gemm_arch_6x16__avx2, cnb_gemm_arch_8x12__neon;

/* The record functions, given the ISA's table. prepare allocates everything run needs for the
 * problem and the threads in force (NULL on failure or on a table that breaks its invariants);
 * run computes C = alpha·op(A)·op(B) + beta·C for that problem, with the threads in force but at
 * most those prepare saw, and never allocates; release frees the state. */
void *cnb_gemm_prepare(const cnb_gemm_arch *arch, const cnb_problem *p);
void cnb_gemm_run(void *state, const cnb_problem *p, const void *a, const void *b, void *c);
void cnb_gemm_release(void *state);

#endif
