/* Deterministic fill (harness/fill.h): a counter-based generator (splitmix64 of the index mixed
 * with seed and stream), parallel over the elements with no effect on the values. */
#include <math.h>

#include "harness/fill.h"

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

cnb_exact_rule cnb_exact_rule_for(int64_t len)
{
    const int64_t limit = (int64_t)1 << 24;
    if (len * 16 <= limit) return (cnb_exact_rule){4, 1};
    return (cnb_exact_rule){1, (len + limit - 1) / limit};
}

void cnb_fill(float *p, size_t n, uint64_t seed, uint32_t stream, cnb_mode mode,
              cnb_exact_rule rule, int64_t kstride, int64_t kextent)
{
    const uint64_t key = mix(seed * 0x100000001b3ull + stream);
#pragma omp parallel for schedule(static)
    for (size_t f = 0; f < n; f++) {
        const uint64_t h = mix(key ^ (uint64_t)f);
        if (mode == CNB_MODE_RANDOM) {
            p[f] = (float)((double)(h >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
            continue;
        }
        if (rule.step > 1 && ((int64_t)f / kstride) % kextent % rule.step != 0) {
            p[f] = 0.0f;
            continue;
        }
        p[f] = (float)((int64_t)((h >> 32) % (uint64_t)(2 * rule.range + 1)) - rule.range);
    }
}

void cnb_fill_nan(float *p, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t f = 0; f < n; f++) p[f] = NAN;
}
