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

/* Data types, named as in oneDNN benchdnn's --dt. Zero is f32, so a problem built without
 * saying anything is the all-f32 one. */
typedef enum { CNB_DT_F32, CNB_DT_BF16, CNB_DT_S8, CNB_DT_U8, CNB_DT_S32, CNB_DT_COUNT } cnb_dt;

/* The data types of a problem (src, weights, dst; GEMM: A, B, C) and, for a requantized int8
 * output (dst u8 or s8), benchdnn's common scales as powers of two (log2; 0 = scale 1):
 *   dst = saturate(round_nearest_even(acc · src_scale · wei_scale / dst_scale))
 * with acc the exact int32 sum. Powers of two make the scaling exact, so the one rounding is
 * well defined and any correct kernel gives the same bits. The supported triples are those of
 * cnb_dt_config below; every other is refused where a problem is made (harness/desc.c).
 *
 * Per operation (the exact output rules are in reference/reference.h):
 *   gemm, fc  every triple but u8:u8:u8; the scales as above.
 *   conv      the same triples as GEMM (bf16:bf16:f32, bf16:bf16:bf16, u8:s8:s32, u8:s8:u8,
 *             u8:s8:s8, s8:s8:s32, s8:s8:u8, s8:s8:s8), same rounding: src/dst elements of
 *             type src/dst in the implementation's layout, weights goidhw of type wei.
 *   pool      one type T for src and dst (benchdnn pool's --dt=T): the triple is T:T:T, i.e.
 *             bf16:bf16:bf16 (CNB_DTC_BF16), u8:u8:u8 (CNB_DTC_U8U8U8, pooling only) or
 *             s8:s8:s8 (CNB_DTC_S8S8S8). wei is T only to name the triple (pooling has no
 *             weights); the scales stay 0 (scale 1: no requantization, the --attr-scales are
 *             refused), so cnb_dt_requantized's rule with scale 1 is the plain saturating
 *             round of the average. */
typedef struct cnb_types {
    cnb_dt src, wei, dst;
    int src_scale_log2, wei_scale_log2, dst_scale_log2;
} cnb_types;

/* The supported (src, wei, dst) triples, as bits of cnb_impl's dt_mask. f32 is 0. */
typedef enum {
    CNB_DTC_F32,        /* f32:f32:f32 */
    CNB_DTC_BF16_F32,   /* bf16:bf16:f32   fp32 accumulation, fp32 out */
    CNB_DTC_BF16,       /* bf16:bf16:bf16  fp32 accumulation, out rounded to nearest even;
                         * pooling: --dt=bf16 */
    CNB_DTC_U8S8S32,    /* u8:s8:s32       int32 accumulation, int32 out */
    CNB_DTC_U8S8U8,     /* u8:s8:u8        requantized */
    CNB_DTC_U8S8S8,     /* u8:s8:s8        requantized */
    CNB_DTC_S8S8S32,    /* s8:s8:s32 */
    CNB_DTC_S8S8U8,     /* s8:s8:u8 */
    CNB_DTC_S8S8S8,     /* s8:s8:s8;   pooling: --dt=s8 */
    CNB_DTC_U8U8U8,     /* u8:u8:u8    pooling only: --dt=u8 */
    CNB_DTC_COUNT
} cnb_dt_config;
#define CNB_DTM(cfg) (1u << (cfg))

typedef struct cnb_problem {
    cnb_op op;
    union {
        cnb_conv conv;
        cnb_pool pool;
        cnb_gemm gemm;
    };
    cnb_types dt;   /* all zero: f32 */
} cnb_problem;

/* "f32", "bf16", "s8", "u8", "s32"; bytes per element. */
const char *cnb_dt_name(cnb_dt t);
int cnb_dt_size(cnb_dt t);
/* Element i of an array of type t, as a double (exact for every type; bf16 is a bit pattern). */
double cnb_dt_load(const void *p, cnb_dt t, int64_t i);
/* The configuration of a triple, or -1 when it is not one of the supported ones. */
int cnb_dt_config_of(const cnb_types *t);
/* 1 when the output is requantized int8 (u8 or s8 from an integer accumulation). */
int cnb_dt_requantized(const cnb_types *t);

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
