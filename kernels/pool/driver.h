/* The ISA-independent part of pooling on the blocked layouts nC[D]HWxc: window clipping at the
 * borders and OpenMP threading, shared by kernels/pool/{avx512,avx2,neon}.c. Compiled for the
 * baseline; it only calls the micro-kernels (contract in kernels/pool/ukernel.h). */
#ifndef CNB_KERNELS_POOL_DRIVER_H
#define CNB_KERNELS_POOL_DRIVER_H

#include "kernels/impl.h"
#include "kernels/pool/ukernel.h"

/* One ISA's blocking table: one line in each ISA file. */
typedef struct cnb_pool_blocked_kernels {
    int cb;                  /* channel block = floats per vector = the layout's block */
    int px;                  /* largest group of output pixels one kernel iteration computes */
    int px_c;                /* pixels per group of small dense windows (3 wide stride 1 or 2, 2 wide stride 2) */
    cnb_pool_ukernel_fn max; /* CNB_POOL_MAX */
    cnb_pool_ukernel_fn avg; /* CNB_POOL_AVG_INCL and CNB_POOL_AVG_EXCL (the divisor differs) */
} cnb_pool_blocked_kernels;

/* The tables of the ISA files (tests/test_tiles.c sizes its edge cases from them). */
extern const cnb_pool_blocked_kernels cnb_pool_kernels__avx512, cnb_pool_kernels__avx2,
    cnb_pool_kernels__neon;

/* NULL when the blocked driver handles the problem, else why not. */
const char *cnb_pool_blocked_supports(const cnb_problem *p);

/* Pooling of src into dst, both in the blocked layout of block k->cb. Threaded over
 * (mb, channel blocks, od, oh); each output row is computed by one thread in a fixed order, so the
 * result does not depend on the number of threads. */
void cnb_pool_blocked_run(const cnb_pool_blocked_kernels *k, const cnb_pool *p, const float *src,
                          float *dst);

#endif
