/* AVX2 direct convolution on nCx8c: conv/avx2_direct (cnb_conv_f32_direct__avx2).
 * Contract: kernels/conv/ukernel.h (row kernel and depthwise kernels); driver: driver.c; the
 * kernels' body: body.h, over the vector layer below.
 * Registers (16 ymm), row kernel of nb output-channel blocks × ur pixels (× ks lane split):
 *   accumulators  acc[(t·nb + b)·ur + j]   ur·nb·ks ≤ 12   (12 px × 1 block, 6 × 2, 4 × 3)
 *   loaded        nb weight vectors per (input channel, tap): 8 output channels each
 *   broadcast     one input value per pixel (vbroadcastss into one register)
 *   free          16 − 12 − nb − 1 ≥ 0: the 4 × 3 tile uses all 16.
 * Depthwise kernel: ur ≤ 12 accumulators, one weight vector per tap, one src vector load per FMA.
 * Depthwise 3-tap row kernel: ur ≤ 12 accumulators, the 3 weight vectors of a kernel row, one
 *   src vector per window position (feeding up to 3 FMAs): all 16. GCC still turns about a
 *   third of these loads into FMA memory operands; the AVX-512 cure, a load under src_lanes
 *   (ukernel.h), is not used: AVX2 has no mask registers, so vmaskmovps takes its mask in a
 *   vector register, one more than the 16 the widest tile already fills, and the spills cost
 *   more than the memory operands.
 * Tails: none. Channels are padded to whole blocks in the layout and in the packed weights, so
 * every load and store is a full vector inside the buffers (no mask table needed); pixel tails
 * are tiles with a smaller ur (one instance per ur, body.h). */
#include <immintrin.h>

#include "kernels/conv/driver.h"

#define ISA_NAME "avx2"
#define B 8          /* channel block (lanes of a ymm) */
#define VEC_REGS 16  /* ymm registers */
#define ACC_REGS 12  /* ymm registers the row kernel's accumulators may take */
#define DW_UR_MAX 12 /* pixels per depthwise call */
/* The row tiles (nb, ur_max): every ur ≤ ur_max is instantiated, and the table is built from
 * this list (tiles.h); ur·nb·ks ≤ ACC_REGS (checked in prepare). */
#define ROW_TILES(X) X(1, 12) X(2, 6) X(3, 4)

typedef __m256 vec;
static inline vec v_zero(void) { return _mm256_setzero_ps(); }
static inline vec v_set1(float x) { return _mm256_set1_ps(x); }
static inline vec v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, vec v) { _mm256_storeu_ps(p, v); }
static inline vec v_fma(vec acc, vec a, vec b) { return _mm256_fmadd_ps(a, b, acc); }
static inline vec v_add(vec a, vec b) { return _mm256_add_ps(a, b); }
static inline vec v_load_src3(const float *p, unsigned lanes)
{
    (void)lanes; /* a plain load, see the top of the file */
    return _mm256_loadu_ps(p);
}

#include "kernels/conv/body.h"

const cnb_conv_direct_isa cnb_conv_direct_table__avx2 = CNB_CONV_ISA_TABLE;

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__avx2, p, wei);
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p;
    (void)wei;
    cnb_conv_direct_run(state, src, dst);
}

const cnb_impl cnb_conv_f32_direct__avx2 = {
    .name = "conv/avx2_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX2,
    .layout = CNB_LAYOUT_NCX8C,
    .supports = cnb_conv_direct_supports,
    .prepare = prepare,
    .run = run,
    .release = cnb_conv_direct_release,
    .kernel_name = cnb_conv_direct_kernel_name,
};
#include "kernels/conv/fewic_body.h"
