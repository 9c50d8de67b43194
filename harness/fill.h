/* Deterministic data: every element is a pure function of (seed, stream, index), so the data do
 * not depend on the thread count or the order of filling. Exact mode draws small integers so that
 * every partial sum of a dot product is exactly representable in float32; random mode draws
 * uniform reals in [-1, 1). */
#ifndef CNB_HARNESS_FILL_H
#define CNB_HARNESS_FILL_H

#include <stddef.h>
#include <stdint.h>

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

#endif
