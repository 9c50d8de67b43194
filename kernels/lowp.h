/* The low-precision GEMM driver shared by the bf16 and int8 kernels (kernels/gemm/avx512_bf16.c,
 * avx512_vnni.c, amx.c, avx_vnni.c, neon_dotprod.c, neon_bf16.c, neon_i8mm.c): packing, padding
 * and threading, baseline-compiled. Each ISA file gives one cnb_lowp_arch (its alignments and a
 * block function that computes a block of C from the packed operands, epilogue included) and
 * forwards its record's prepare/run/release here.
 *
 * Packed operands. Elements are grouped along K in 32-bit groups of g = 4 / element size
 * (bf16: pairs, u8/s8: quads), the layout of vdpbf16ps / vpdpbusd and of AMX's B tiles:
 *
 *   A  [Mp][lda]                      row-major copy of A, zero in rows ≥ M and columns ≥ K
 *                                     (lda = Kp, or more: cnb_lowp_arch.a_odd_lines)
 *   B  [Np/16][Kp/g][16][g]           panels of 16 columns; in a panel, group q holds
 *                                     B[q·g .. q·g+g-1][j] for its 16 columns j, zero past K, N
 *
 *        panel 0                panel 1
 *      +-----------------+    +-----------------+
 *   q0 | j0:k0k1 j1:k0k1 |... | j16:k0k1 ...    |    (bf16: g = 2; 64 bytes per group row)
 *   q1 | j0:k2k3 j1:k2k3 |    |                 |
 *      +-----------------+    +-----------------+
 *
 * Kp is K rounded up to the arch's k_align, Mp to m_align, Np to n_align (multiples of 16), so a
 * block function reads whole groups, tiles and rows, never a partial one; the zeros add nothing
 * to the sums (0·x = 0 for the finite data of exact mode; bf16 A padding is +0, never NaN).
 * B is packed in prepare (the weights), A in run (timed, as any copy of an activation is):
 * only its M×K values are copied, the padding is zeroed once in prepare.
 *
 * An arch may ask for wider B groups (group_bytes 8: Arm's smmla/usmmla/bfmmla take 8 bytes of
 * K per column): the same picture with g = group_bytes / element size. It may also ask for the
 * column sums of B (bsum[j] = Σ_k B[k][j], int8 only), for a kernel that computes u8 × s8 as
 * (u8 − 128) × s8 on a signed dot product and adds 128 · bsum[j] back (NEON sdot). */
#ifndef CNB_KERNELS_LOWP_H
#define CNB_KERNELS_LOWP_H

#include <stdint.h>

#include "kernels/problem.h"

struct cnb_lowp_state;

/* Compute C[i0 .. i0+mb-1][j0 .. j0+nb-1], epilogue included: mb ≤ m_step and nb ≤ n_step,
 * multiples of m_align and n_align (smaller only at the end of the padded sizes); rows ≥ M and
 * columns ≥ N are computed from the padding and never stored. */
typedef void cnb_lowp_block_fn(const struct cnb_lowp_state *s, int i0, int j0, int mb, int nb,
                               void *c);

typedef struct cnb_lowp_arch {
    int k_align, m_align, n_align;   /* Kp, Mp, Np multiples of these (n_align % 16 == 0) */
    int group_bytes;                 /* bytes of K per column in a B group: 0 (= 4) or 8 */
    int bsum;                        /* 1: fill cnb_lowp_state.bsum (int8 only) */
    int a_odd_lines;                 /* 1: A's rows an odd number of cache lines apart (lda) */
    int m_step, n_step;              /* one block task: up to m_step × n_step of C, multiples of
                                      * m_align and n_align */
    cnb_lowp_block_fn *block;
    void (*thread_begin)(const struct cnb_lowp_state *s);  /* NULL: nothing (AMX: tile config) */
    void (*thread_end)(void);
} cnb_lowp_arch;

typedef struct cnb_lowp_state {
    const cnb_lowp_arch *arch;
    cnb_gemm g;
    cnb_types t;
    int esize, group;        /* bytes per A/B element; elements per 32-bit group */
    int kp, mp, np;          /* padded sizes */
    int lda;                 /* elements from one row of the packed A to the next: kp, or (arch
                              * a_odd_lines) kp rounded up to an odd number of 64-byte lines, so
                              * that a tile's rows do not all fall in the same L1 sets when a
                              * row is a multiple of 4 KiB (K = 2048 in bf16, 4096 in int8) */
    int shift;               /* requantized int8: dst = saturate(RNE(acc / 2^shift)) */
    void *a, *b;             /* packed A [mp][lda], B [np/16][kp/group][16][group] */
    int32_t *bsum;           /* [np] column sums of B when the arch asks, else NULL */
} cnb_lowp_state;

/* NULL when the triple, transposes or scales are not the driver's (it takes A untransposed,
 * B either way, alpha 1 beta 0, u8 src for int8 and a scale shift in [0, 31]), else why not.
 * The _s8src form takes s8 src as well, for kernels with a signed × signed product (NEON). */
const char *cnb_lowp_supports(const cnb_problem *p);
const char *cnb_lowp_supports_s8src(const cnb_problem *p);
void *cnb_lowp_prepare(const cnb_lowp_arch *arch, const cnb_problem *p, const void *b);
void cnb_lowp_run(void *state, const cnb_problem *p, const void *a, const void *b, void *c);
void cnb_lowp_release(void *state);

/* The AMX arches (kernels/gemm/amx.c), also driven by conv/amx_gemm (kernels/conv/amx.c). */
extern const cnb_lowp_arch cnb_lowp_arch_amx_bf16, cnb_lowp_arch_amx_int8;

#endif
