/* gemm/amx_32x32: bf16 × bf16 (fp32 accumulation, tdpbf16ps; f32 or bf16 out) and u8 × s8
 * (int32 accumulation, tdpbusd; s32 out or requantized u8/s8) GEMM on AMX tiles. Packing,
 * padding and threading are the low-precision driver's (kernels/lowp.h): its B panels of 16
 * columns with K in 32-bit groups are exactly AMX's B tile layout (a tile row = one K group of
 * 16 columns, 64 bytes), and its padded A copy is loaded as A tiles with the row stride Kp.
 *
 * Tiles (8 of 16 rows × 64 bytes, configured once per thread and run, released after):
 *   tmm0..3  C: the 32 × 32 block as 2 × 2 tiles of 16 × 16 f32 / int32
 *   tmm4, 5  A: rows 0..15 and 16..31 × one K step (32 bf16 or 64 u8)
 *   tmm6, 7  B: one K step × columns 0..15 and 16..31
 * Per K step: 4 tile loads and 4 tile products, each A and B tile used twice. A task is 32 rows
 * by up to 256 columns, K cut in blocks of 512 bytes per row (A's block stays in L1 across the
 * task's eight 32-column blocks; their C tiles wait in a buffer between K blocks). The C tiles go
 * through a 4 KiB per-thread buffer to the AVX-512 epilogue (kernels/gemm/lowp_avx512.h), which
 * rounds and stores only the rows < M and columns < N; the padding rows and columns of A and B
 * are zeros, and K is padded to whole K steps, so every tile load reads whole, initialised
 * rows. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/amx_config.h"
#include "kernels/gemm/lowp_avx512.h"
#include "kernels/impl.h"

enum {
    MB = 32, NB = 32,   /* one block: 2 × 2 tiles of C */
    NT = 256,           /* columns of C per task */
    KB_BYTES = 512,     /* bytes of an A row per K block */
    TILE_BYTES = 64,
};

static void thread_begin(const cnb_lowp_state *s)
{
    (void)s;
    _tile_loadconfig(&cnb_amx_config_16x64);
}

static void thread_end(void) { _tile_release(); }

/* C tiles → the buffer → the epilogue, rows < M and columns < N only. */
static void epilogue(const cnb_lowp_state *s, int i0, int j0, void *c)
{
    static _Thread_local int32_t buf[4][16 * 16] __attribute__((aligned(64)));
    _tile_stored(0, buf[0], TILE_BYTES);
    _tile_stored(1, buf[1], TILE_BYTES);
    _tile_stored(2, buf[2], TILE_BYTES);
    _tile_stored(3, buf[3], TILE_BYTES);
    const int integer = s->esize == 1;
    for (int t = 0; t < 4; t++) {
        const int ti = i0 + (t >> 1) * 16, tj = j0 + (t & 1) * 16;
        const __mmask16 cols = cnb_lowp_cols(tj, s->g.n);
        if (!cols) continue;
        for (int r = 0; r < 16 && ti + r < s->g.m; r++) {
            const int64_t at = (int64_t)(ti + r) * s->g.ldc + tj;
            if (integer)
                cnb_lowp_store_s32acc(s, c, at, _mm512_load_si512(buf[t] + r * 16), cols);
            else
                cnb_lowp_store_f32acc(s, c, at, _mm512_castsi512_ps(_mm512_load_si512(buf[t] + r * 16)), cols);
        }
    }
}

/* The K loop of one 32 × 32 block over [k0, k1): C tiles += A tiles · B tiles. */
static inline void kloop(const cnb_lowp_state *s, const char *a0, const char *b0, int k0, int k1)
{
    const int es = s->esize, kstep = TILE_BYTES / es, groups = s->kp / s->group;
    const size_t lda = (size_t)s->kp * es;   /* bytes per row of the padded A */
    const char *a1 = a0 + 16 * lda, *b1 = b0 + (size_t)groups * TILE_BYTES;
    if (es == 2) {
        for (int k = k0; k < k1; k += kstep) {
            const size_t ka = (size_t)k * es, kb = (size_t)(k / 2) * TILE_BYTES;
            _tile_loadd(4, a0 + ka, lda);
            _tile_loadd(5, a1 + ka, lda);
            _tile_loadd(6, b0 + kb, TILE_BYTES);
            _tile_loadd(7, b1 + kb, TILE_BYTES);
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
        }
    } else {
        for (int k = k0; k < k1; k += kstep) {
            const size_t ka = (size_t)k, kb = (size_t)(k / 4) * TILE_BYTES;
            _tile_loadd(4, a0 + ka, lda);
            _tile_loadd(5, a1 + ka, lda);
            _tile_loadd(6, b0 + kb, TILE_BYTES);
            _tile_loadd(7, b1 + kb, TILE_BYTES);
            _tile_dpbusd(0, 4, 6);   /* u8 (A) × s8 (B) */
            _tile_dpbusd(1, 4, 7);
            _tile_dpbusd(2, 5, 6);
            _tile_dpbusd(3, 5, 7);
        }
    }
}

/* A task: 32 rows × up to NT columns. K is cut in blocks of KB_BYTES per row, so that the 32 rows
 * of A of one K block (16 KiB) stay in L1 while every 32-column block of the task runs over them;
 * between K blocks each block's C tiles wait in a per-thread buffer (32 KiB). */
static void block(const cnb_lowp_state *s, int i0, int j0, int mb, int nb, void *c)
{
    (void)mb;   /* always 32 */
    static _Thread_local int32_t acc[NT / NB][4][16 * 16] __attribute__((aligned(64)));
    const int es = s->esize, groups = s->kp / s->group, kb = KB_BYTES / es;
    const char *a0 = (const char *)s->a + (size_t)i0 * s->kp * es;
    for (int k0 = 0; k0 < s->kp; k0 += kb) {
        const int k1 = k0 + kb < s->kp ? k0 + kb : s->kp;
        for (int jj = 0; jj < nb; jj += NB) {
            int32_t(*t)[16 * 16] = acc[jj / NB];
            if (k0 == 0) {
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
            } else {
                _tile_loadd(0, t[0], TILE_BYTES);
                _tile_loadd(1, t[1], TILE_BYTES);
                _tile_loadd(2, t[2], TILE_BYTES);
                _tile_loadd(3, t[3], TILE_BYTES);
            }
            const char *b0 = (const char *)s->b + (size_t)((j0 + jj) / 16) * groups * TILE_BYTES;
            kloop(s, a0, b0, k0, k1);
            if (k1 == s->kp) {
                epilogue(s, i0, j0 + jj, c);
            } else {
                _tile_stored(0, t[0], TILE_BYTES);
                _tile_stored(1, t[1], TILE_BYTES);
                _tile_stored(2, t[2], TILE_BYTES);
                _tile_stored(3, t[3], TILE_BYTES);
            }
        }
    }
}

/* K steps: 32 bf16 or 64 u8 (one tile row of 64 bytes). Exported for conv/amx_gemm. */
const cnb_lowp_arch cnb_lowp_arch_amx_bf16 = {
    .k_align = 32, .m_align = MB, .n_align = NB, .m_step = MB, .n_step = NT, .block = block,
    .thread_begin = thread_begin, .thread_end = thread_end,
};
const cnb_lowp_arch cnb_lowp_arch_amx_int8 = {
    .k_align = 64, .m_align = MB, .n_align = NB, .m_step = MB, .n_step = NT, .block = block,
    .thread_begin = thread_begin, .thread_end = thread_end,
};

static void *prepare(const cnb_problem *p, const void *wei)
{
    return cnb_lowp_prepare(p->dt.src == CNB_DT_BF16 ? &cnb_lowp_arch_amx_bf16 : &cnb_lowp_arch_amx_int8, p, wei);
}

const cnb_impl cnb_gemm_lowp_32x32__amx = {
    .name = "gemm/amx_32x32",
    .op = CNB_OP_GEMM,
    .isa = CNB_ISA_AMX,
    .layout = CNB_LAYOUT_NCX,
    .dt_mask = CNB_DTM(CNB_DTC_BF16_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8S8S32) |
               CNB_DTM(CNB_DTC_U8S8U8) | CNB_DTM(CNB_DTC_U8S8S8),
    .supports = cnb_lowp_supports,
    .prepare = prepare,
    .run = cnb_lowp_run,
    .release = cnb_lowp_release,
};
