/* Deterministic data: every element is a pure function of (seed, stream, index), so the data do
 * not depend on the thread count or the order of filling. Exact mode draws small integers so that
 * every partial sum of a dot product is exactly representable in float32; random mode draws
 * uniform reals in [-1, 1). */
#ifndef CNB_HARNESS_FILL_H
#define CNB_HARNESS_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/problem.h"

typedef enum { CNB_MODE_EXACT, CNB_MODE_RANDOM } cnb_mode;

/* The exact-mode rule for a reduction of `len` products (2^24 is float32's integer limit):
 *   len·16 ≤ 2^24  →  values in [-4, 4], all dense            (every network layer here)
 *   otherwise       →  values in [-1, 1], and only every step-th element along the reduction is
 *                      nonzero, step = ⌈len / 2^24⌉, so at most 2^24 products of magnitude ≤ 1
 *                      are summed.
 * Any partial sum is then an integer of magnitude ≤ 2^24: exact in any order. */
typedef struct cnb_exact_rule {
    int range;     /* values in [-range, range] */
    int64_t step;  /* density: 1 = dense */
} cnb_exact_rule;

cnb_exact_rule cnb_exact_rule_for(int64_t len);

/* Fill n elements. The element at flat index f gets the value of (seed, stream, f).
 * With a density step > 1, element f is zero unless its reduction index (f / kstride) % kextent
 * is a multiple of step (kstride = 1, kextent = row length for a reduction along rows). */
void cnb_fill(float *p, size_t n, uint64_t seed, uint32_t stream, cnb_mode mode,
              cnb_exact_rule rule, int64_t kstride, int64_t kextent);
/* Fill with quiet NaNs: an output the implementation never writes then cannot compare equal. */
void cnb_fill_nan(float *p, size_t n);

/* Other data types (kernels/problem.h). Exact mode:
 *   bf16   the f32 rule above (small integers are exact in bf16; an f32 accumulator sums them
 *          exactly), stored as bf16 bit patterns
 *   u8/s8  the whole range of the type ([0, 255], [-128, 127]): that is where the traps are (the
 *          u8/s8 sign convention; pairs of products above 2^15, where AVX2's vpmaddubsw
 *          saturates). A product is at most 255·128 = 32640 in magnitude, so with
 *          len·32640 < 2^31 dense data sum exactly in int32 in any order; longer reductions
 *          keep one element in step along the reduction, step = ⌈len·32640 / 2^31⌉.
 * Random mode is f32 only (the other types are validated exactly). */
cnb_exact_rule cnb_exact_rule_for_dt(int64_t len, cnb_dt dt);
void cnb_fill_dt(void *p, size_t n, cnb_dt dt, uint64_t seed, uint32_t stream, cnb_mode mode,
                 cnb_exact_rule rule, int64_t kstride, int64_t kextent);
/* An output's poison before a run: NaN (f32, bf16), or a fixed pattern for the integer types
 * (0x80000000, 0xA5), which a correct output can hold too: there an unwritten output is caught
 * only where the reference differs from it. */
void cnb_fill_poison(void *p, size_t n, cnb_dt dt);

#endif
