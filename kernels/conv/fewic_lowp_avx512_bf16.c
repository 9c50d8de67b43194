/* The row kernels of conv/avx512_bf16_fewic (driver: kernels/conv_fewic_lowp.c; body:
 * kernels/conv/fewic_lowp_body.h): vdpbf16ps on bf16 pairs of the interleaved buffer, f32
 * accumulation (an exact sum for exact-mode data), f32 or bf16 out through the GEMM's epilogue. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels/conv/fewic_lowp.h"
#include "kernels/gemm/lowp_avx512.h"

#define ISA_NAME "avx512_bf16"
#define GROUP 2
#define ROW_TILES(X) X(1, 24) X(2, 12) X(3, 8) X(4, 6)
#define DST_TYPES(X, nb, ur) X(nb, ur, CNB_DT_F32) X(nb, ur, CNB_DT_BF16)

typedef uint16_t elem_t;
typedef __m512i vec_t;
typedef __m512 acc_t;
static inline vec_t wei_load(const int32_t *p) { return _mm512_load_si512(p); }
/* vbroadcastss from memory: a load alone (see avx512_bf16.c). */
static inline vec_t bcast_at(const unsigned char *p)
{
    float f;
    memcpy(&f, p, 4);
    return _mm512_castps_si512(_mm512_set1_ps(f));
}
static inline acc_t acc_zero(void) { return _mm512_setzero_ps(); }
static inline acc_t acc_dot(acc_t acc, vec_t a, vec_t b)
{
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
}
/* The epilogue, whole blocks, with the GEMM's rules (kernels/gemm/lowp_avx512.h): f32 as it is,
 * bf16 rounded to nearest even, which vcvtneps2bf16 does in one instruction for the finite,
 * normal sums of exact-mode data (it flushes denormals, which such sums never are). Stored with
 * a plain move (the narrowing stores to memory are slow on some cores). */
typedef struct epi_k {
    cnb_dt dst;
} epi_k;
static inline epi_k epi_init(const cnb_lowp_state *s) { return (epi_k){.dst = s->t.dst}; }
static inline void blk_store(const epi_k *k, void *c, int64_t index, const acc_t *v)
{
    if (k->dst == CNB_DT_F32)
        _mm512_storeu_ps((float *)c + index, v[0]);
    else
        _mm256_storeu_si256((__m256i *)((uint16_t *)c + index), (__m256i)_mm512_cvtneps_pbh(v[0]));
}
/* Two pixels of a block (64 adjacent bytes of bf16): one vcvtne2ps2bf16 (its second operand
 * goes to the low half). */
#define STORE_PX 2
static inline void blk_store_px(const epi_k *k, void *c, int64_t index, const acc_t *v)
{
    if (k->dst == CNB_DT_F32) {
        _mm512_storeu_ps((float *)c + index, v[0]);
        _mm512_storeu_ps((float *)c + index + 16, v[1]);
    } else
        _mm512_storeu_si512((uint16_t *)c + index, (__m512i)_mm512_cvtne2ps_pbh(v[1], v[0]));
}

/* The tap-rows copy (contract: kernels/conv/fewic_lowp.h): 32 / u pixels per step, one (masked)
 * load, one vpermw dropping the padding channels, one masked store of their ic channels each.
 * AVX512-BW. */
static void pack16(unsigned char *d, const unsigned char *s, int iw, int ic, int u)
{
    uint16_t ix[32] = {0};
    const int px = 32 / u;
    for (int j = 0; j < px * ic; j++) ix[j] = (uint16_t)(j / ic * u + j % ic);
    const __m512i idx = _mm512_loadu_si512(ix);
    for (int x = 0; x < iw; x += px) {
        const int n = iw - x < px ? iw - x : px;
        const __mmask32 lm = (__mmask32)(n * u >= 32 ? 0xffffffffu : (1u << (n * u)) - 1);
        const __mmask32 sm = (__mmask32)(n * ic >= 32 ? 0xffffffffu : (1u << (n * ic)) - 1);
        const __m512i v = _mm512_maskz_loadu_epi16(lm, (const uint16_t *)s + (ptrdiff_t)x * u);
        _mm512_mask_storeu_epi16((uint16_t *)d + (ptrdiff_t)x * ic, sm, _mm512_permutexvar_epi16(idx, v));
    }
}
#define PACK16 pack16
#include "kernels/conv/fewic_lowp_body.h"

const cnb_fewic_lowp_isa cnb_fewic_lowp_table__avx512_bf16 = CNB_FEWIC_LOWP_TABLE;
