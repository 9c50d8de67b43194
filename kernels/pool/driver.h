/* The ISA-independent part of pooling on the blocked layouts nC[D]HWxc: window clipping at the
 * borders and OpenMP threading, shared by kernels/pool/{avx512,avx2,neon}.c. Compiled for the
 * baseline; it only calls the micro-kernels (contract in kernels/pool/ukernel.h). */
#ifndef CNB_KERNELS_POOL_DRIVER_H
#define CNB_KERNELS_POOL_DRIVER_H

#include "kernels/impl.h"
#include "kernels/pool/ukernel.h"

/* One ISA's blocking table: one line in each ISA file. The kernels are indexed by the element
 * type of src and dst (cnb_dt: f32, bf16, u8, s8; NULL for a type the ISA has none for). */
typedef struct cnb_pool_blocked_kernels {
    int cb;                  /* channel block = f32 per vector = the layout's block */
    int px;                  /* largest group of output pixels one kernel iteration computes */
    int px_c;                /* pixels per group of small dense windows (3 wide stride 1 or 2, 2 wide stride 2) */
    cnb_pool_ukernel_fn max[CNB_DT_COUNT]; /* CNB_POOL_MAX */
    cnb_pool_ukernel_fn avg[CNB_DT_COUNT]; /* CNB_POOL_AVG_INCL and CNB_POOL_AVG_EXCL (the divisor differs) */
} cnb_pool_blocked_kernels;

/* The largest window an int8 average takes: its int32 sum, at most 255 per tap, must convert to
 * float exactly (below 2^24) so that the division is the reference's. */
#define CNB_POOL_INT8_AVG_MAX_TAPS 65793

/* The tables of the ISA files (tests/test_tiles.c sizes its edge cases from them). */
extern const cnb_pool_blocked_kernels cnb_pool_kernels__avx512, cnb_pool_kernels__avx2,
    cnb_pool_kernels__neon;

/* NULL when the blocked driver handles the problem (window, strides, paddings, and the data
 * types: src and dst of one type among f32, bf16, u8, s8), else why not. Shared with the scalar
 * implementation, which follows the same rules on NC[D]HW. */
const char *cnb_pool_blocked_supports(const cnb_problem *p);

/* The value of an output whose window lies entirely in padding, as an element of type dt (the
 * bytes of one element into *out): benchdnn's, the lowest value of the type for max, 0 for the
 * average with padding included. */
void cnb_pool_empty_value(cnb_dt dt, cnb_pool_alg alg, void *out);

/* Pooling of src into dst, both in the blocked layout of block k->cb with elements of type dt.
 * Threaded over (mb, channel blocks, od, oh); each output row is computed by one thread in a
 * fixed order, so the result does not depend on the number of threads. */
void cnb_pool_blocked_run(const cnb_pool_blocked_kernels *k, const cnb_pool *p, cnb_dt dt,
                          const void *src, void *dst);

#endif
