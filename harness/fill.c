/* Deterministic fill (harness/fill.h): a counter-based generator (splitmix64 of the index mixed
 * with seed and stream), parallel over the elements with no effect on the values. */
#include <math.h>
#include <string.h>

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

cnb_exact_rule cnb_exact_rule_for_dt(int64_t len, cnb_dt dt)
{
    if (dt != CNB_DT_U8 && dt != CNB_DT_S8) return cnb_exact_rule_for(len);
    const int64_t limit = ((int64_t)1 << 31) - 1, prod = 255 * 128;
    if (len * prod <= limit) return (cnb_exact_rule){dt == CNB_DT_U8 ? 255 : 128, 1};
    return (cnb_exact_rule){dt == CNB_DT_U8 ? 255 : 128, (len * prod + limit - 1) / limit};
}

/* bf16 of a float that bf16 holds exactly (the exact-mode values): its upper half. */
static uint16_t bf16_of_exact(float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return (uint16_t)(u >> 16);
}

void cnb_fill_dt(void *p, size_t n, cnb_dt dt, uint64_t seed, uint32_t stream, cnb_mode mode,
                 cnb_exact_rule rule, int64_t kstride, int64_t kextent)
{
    if (dt == CNB_DT_F32) {
        cnb_fill(p, n, seed, stream, mode, rule, kstride, kextent);
        return;
    }
    const uint64_t key = mix(seed * 0x100000001b3ull + stream);
#pragma omp parallel for schedule(static)
    for (size_t f = 0; f < n; f++) {
        const uint64_t h = mix(key ^ (uint64_t)f);
        const int zero = rule.step > 1 && ((int64_t)f / kstride) % kextent % rule.step != 0;
        const uint64_t r = h >> 32;
        switch (dt) {
        case CNB_DT_BF16:
            ((uint16_t *)p)[f] = bf16_of_exact(
                zero ? 0.0f : (float)((int64_t)(r % (uint64_t)(2 * rule.range + 1)) - rule.range));
            break;
        case CNB_DT_U8: ((uint8_t *)p)[f] = zero ? 0 : (uint8_t)(r & 0xff); break;
        case CNB_DT_S8: ((int8_t *)p)[f] = zero ? 0 : (int8_t)((int)(r & 0xff) - 128); break;
        default: ((int32_t *)p)[f] = zero ? 0 : (int32_t)(r % 2001) - 1000; break;
        }
    }
}

void cnb_fill_poison(void *p, size_t n, cnb_dt dt)
{
    switch (dt) {
    case CNB_DT_F32: cnb_fill_nan(p, n); break;
    case CNB_DT_BF16:
        for (size_t f = 0; f < n; f++) ((uint16_t *)p)[f] = 0x7fc1;
        break;
    case CNB_DT_S32:
        for (size_t f = 0; f < n; f++) ((uint32_t *)p)[f] = 0x80000000u;
        break;
    default: memset(p, 0xA5, n); break;
    }
}
