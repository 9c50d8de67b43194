/* Pooling micro-kernels for AVX2 on nC[D]HW8c: pool/avx2_window.
 * Contract: kernels/pool/ukernel.h (one ymm = one pixel of a 8-channel block); no channel
 * tail: the layout pads channels to 8 with zeros. The body is kernels/pool/body.h; this file
 * gives it the blocking table and the vector layer. */
#include <immintrin.h>

/* Blocking table: channel block (one ymm), pixels per group (any window; small dense
 * windows), vector registers. */
enum { CB = 8, PX = 8, PX_C = 6, NREG = 16 };

typedef __m256 vec;
static inline vec v_set1(float x) { return _mm256_set1_ps(x); }
static inline vec v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, vec v) { _mm256_storeu_ps(p, v); }
/* vmaxps returns its second operand when either is NaN: acc, as the reference keeps it. */
static inline vec v_max(vec tap, vec acc) { return _mm256_max_ps(tap, acc); }
static inline vec v_add(vec a, vec b) { return _mm256_add_ps(a, b); }
static inline vec v_div(vec a, vec b) { return _mm256_div_ps(a, b); }

#include "kernels/pool/body.h"

const cnb_pool_blocked_kernels cnb_pool_kernels__avx2 = {.cb = CB, .px = PX, .px_c = PX_C, .max = pool_max, .avg = pool_avg};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    (void)wei;
    cnb_pool_blocked_run(&cnb_pool_kernels__avx2, &p->pool, src, dst);
}

const cnb_impl cnb_pool_f32_window__avx2 = {
    .name = "pool/avx2_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_AVX2,
    .layout = CNB_LAYOUT_NCX8C,
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
