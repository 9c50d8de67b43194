/* AVX-512 direct convolution on nCx16c: conv/avx512_direct (cnb_conv_f32_direct__avx512).
 * Contract: kernels/conv/ukernel.h (row kernel and depthwise kernels); driver: driver.c; the
 * kernels' body: body.h, over the vector layer below.
 * Registers (32 zmm), row kernel of nb output-channel blocks × ur pixels (× ks lane split):
 *   accumulators  acc[(t·nb + b)·ur + j]   ur·nb·ks ≤ 28   (14 px × 2 blocks, 7 px × 4 blocks, ...)
 *   loaded        nb weight vectors per (input channel, tap): 16 output channels each
 *   broadcast     one input value per pixel (vbroadcastss, or the FMA's {1to16} memory operand)
 *   free          the rest for the compiler: none in the 7 × 4 tile, where GCC keeps one
 *                 accumulator on the stack (a load and a store per 28 FMAs); the tile is there
 *                 for 7-pixel rows (7×7 maps, and 14 as two tiles), which 6 × 4 cut into 4 + 3.
 * Depthwise kernel: ur ≤ 16 accumulators, one weight vector per tap, one src vector load per FMA.
 * Depthwise 3-tap row kernel: ur ≤ 16 accumulators, the 3 weight vectors of a kernel row, one
 *   src vector per window position (feeding up to 3 FMAs), loaded under src_lanes (a k-mask)
 *   so that GCC keeps it in a register (ukernel.h); 12 free.
 * Tails: none. Channels are padded to whole blocks in the layout and in the packed weights, so
 * every load and store is a full vector inside the buffers; pixel tails are tiles with a smaller
 * ur (one instance per ur, body.h). */
#include <immintrin.h>

#include "kernels/conv/driver.h"

#define ISA_NAME "avx512"
#define B 16         /* channel block (lanes of a zmm) */
#define VEC_REGS 32  /* zmm registers */
#define ACC_REGS 28  /* zmm registers the row kernel's accumulators may take */
#define DW_UR_MAX 16 /* pixels per depthwise call */
/* The row tiles (nb, ur_max): every ur ≤ ur_max is instantiated, and the table is built from
 * this list (tiles.h); ur·nb·ks ≤ ACC_REGS (checked in prepare). */
#define ROW_TILES(X) X(1, 24) X(2, 14) X(3, 8) X(4, 7)

typedef __m512 vec;
static inline vec v_zero(void) { return _mm512_setzero_ps(); }
static inline vec v_set1(float x) { return _mm512_set1_ps(x); }
static inline vec v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, vec v) { _mm512_storeu_ps(p, v); }
static inline vec v_fma(vec acc, vec a, vec b) { return _mm512_fmadd_ps(a, b, acc); }
static inline vec v_add(vec a, vec b) { return _mm512_add_ps(a, b); }
/* Under a mask GCC cannot see is all ones: x stays one register feeding its 3 FMAs. */
static inline vec v_load_src3(const float *p, unsigned lanes)
{
    return _mm512_maskz_loadu_ps((__mmask16)lanes, p);
}

#include "kernels/conv/body.h"

const cnb_conv_direct_isa cnb_conv_direct_table__avx512 = CNB_CONV_ISA_TABLE;

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&cnb_conv_direct_table__avx512, p, wei);
}

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)p;
    (void)wei;
    cnb_conv_direct_run(state, src, dst);
}

const cnb_impl cnb_conv_f32_direct__avx512 = {
    .name = "conv/avx512_direct",
    .op = CNB_OP_CONV,
    .isa = CNB_ISA_AVX512,
    .layout = CNB_LAYOUT_NCX16C,
    .supports = cnb_conv_direct_supports,
    .prepare = prepare,
    .run = run,
    .release = cnb_conv_direct_release,
    .kernel_name = cnb_conv_direct_kernel_name,
};
#include "kernels/conv/fewic_body.h"
