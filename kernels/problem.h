/* The problems cnnbench measures, as plain structs: convolution (2D is 3D with depth 1), pooling,
 * and row-major GEMM. Shared by the reference, the kernels and the harness; depends on nothing.
 * Spatial triplets are named d (depth), h (height), w (width). */
#ifndef CNB_PROBLEM_H
#define CNB_PROBLEM_H

#include <stdint.h>

typedef enum { CNB_OP_CONV, CNB_OP_POOL, CNB_OP_GEMM, CNB_OP_COUNT } cnb_op;

/* Convolution, forward, no bias. Tensors in the user-facing layout:
 *   src  N × IC × ID × IH × IW            (NCDHW)
 *   wei  G × OC/G × IC/G × KD × KH × KW   (goidhw)
 *   dst  N × OC × OD × OH × OW
 * Dilation follows oneDNN: 0 is dense, d means d zeros between taps (effective extent
 * (k-1)(d+1)+1). Left paddings (pd, ph, pw) are ≥ 0; right paddings (pd_r, ph_r, pw_r) are derived
 * as (o-1)s - i + (k-1)(d+1)+1 - p and may be larger than the left one or negative. */
typedef struct cnb_conv {
    int mb, g, ic, oc;
    int id, ih, iw;
    int od, oh, ow;
    int kd, kh, kw;
    int sd, sh, sw;
    int pd, ph, pw;
    int pd_r, ph_r, pw_r;
    int dd, dh, dw;
} cnb_conv;

typedef enum {
    CNB_POOL_MAX,       /* max over the taps inside the input; padding never wins */
    CNB_POOL_AVG_INCL,  /* sum / (number of taps, padding included) */
    CNB_POOL_AVG_EXCL,  /* sum / (number of taps inside the input) */
} cnb_pool_alg;

/* Pooling: src N × C × ID × IH × IW, dst N × C × OD × OH × OW. Same window rules as cnb_conv. */
typedef struct cnb_pool {
    cnb_pool_alg alg;
    int mb, c;
    int id, ih, iw;
    int od, oh, ow;
    int kd, kh, kw;
    int sd, sh, sw;
    int pd, ph, pw;
    int pd_r, ph_r, pw_r;
    int dd, dh, dw;
} cnb_pool;

/* C = alpha · op(A) · op(B) + beta · C, row-major. op(A) is M × K: A is M × K (lda ≥ K), or
 * K × M when ta (lda ≥ M). op(B) is K × N: B is K × N (ldb ≥ N), or N × K when tb (ldb ≥ K).
 * C is M × N (ldc ≥ N). When beta is 0, C is never read. */
typedef struct cnb_gemm {
    int m, n, k;
    int ta, tb;
    int lda, ldb, ldc;
    float alpha, beta;
} cnb_gemm;

typedef struct cnb_problem {
    cnb_op op;
    union {
        cnb_conv conv;
        cnb_pool pool;
        cnb_gemm gemm;
    };
} cnb_problem;

/* Element counts of each tensor in the user-facing layout (GEMM: A, B, C with their strides). */
int64_t cnb_conv_src_elems(const cnb_conv *c);
int64_t cnb_conv_wei_elems(const cnb_conv *c);
int64_t cnb_conv_dst_elems(const cnb_conv *c);
int64_t cnb_pool_src_elems(const cnb_pool *p);
int64_t cnb_pool_dst_elems(const cnb_pool *p);
int64_t cnb_gemm_a_elems(const cnb_gemm *g);
int64_t cnb_gemm_b_elems(const cnb_gemm *g);
int64_t cnb_gemm_c_elems(const cnb_gemm *g);

#endif
