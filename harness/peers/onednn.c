/* Peer: oneDNN (the C API of DNNL 2.x, linked with -ldnnl) as conv/onednn, pool/onednn and
 * gemm/onednn. Compiled to nothing unless mk/peers.mk found the library (CNB_HAVE_DNNL).
 *
 * conv: oneDNN picks every format (`any` for src, weights, dst; direct algorithm, forward
 *   inference, no bias). Weights are reordered in prepare; src is reordered from NC[D]HW in
 *   to_layout and dst back in from_layout (the harness times both as layout conversion); run() is
 *   the convolution alone. When oneDNN keeps the user's src format, to_layout hands it the user's
 *   buffer instead of copying.
 * pool: src in the channel-blocked format of the widest ISA in use (nC[d]hw16c with AVX-512,
 *   nC[d]hw8c with AVX2; oneDNN's pooling cannot choose src itself), dst in oneDNN's choice;
 *   reorders as above.
 * gemm: dnnl_sgemm on the harness's buffers (row-major, transposes, alpha, beta, strides); f32
 *   only.
 * Data types (conv, pool): every triple of the problem (kernels/problem.h) in the tensors' own
 *   types, bf16 as the harness's uint16_t bit patterns; a requantized int8 output with one output
 *   scale (this oneDNN's attribute), the product of the problem's power-of-two scales. Refused in
 *   supports(), with why: int8 conv where oneDNN has no int8 dot products (int8_exact) and any
 *   triple oneDNN has no primitive for.
 * Threads: this oneDNN is built on OpenMP (DNNL_CPU_RUNTIME_OMP), so it takes omp_get_max_threads()
 * like our kernels. A primitive fixes its thread split when it is created: when the count in force
 * differs from the one at creation, run() creates it again first (formats unchanged, checked).
 * kernel_name(): oneDNN's implementation name and the src format it works in (ncx, nxc, nCx8c,
 * nCx16c...), e.g. "brgconv:avx512_core nxc"; for dnnl_sgemm, which has no name to query, the ISA
 * it dispatches to, e.g. "jit sgemm:avx512_core_bf16".
 * ISA: the records are offered from AVX2 up; ran_isa() is the level of the implementation oneDNN
 * chose (its name's ISA suffix; a JIT name without one, such as "gemm:jit", runs at the effective
 * ISA of the process; bf16 and int8: the level of the dot products that ISA has, as amx or
 * avx512_vnni). Under a cap (CNB_MAX_ISA) oneDNN is capped the same way with dnnl_set_max_cpu_isa,
 * before its first primitive: avx2, avx2_vnni, avx512_core (no VNNI, no AMX), avx512_core_vnni,
 * avx512_core_bf16 or avx512_core_amx. */
#if CNB_HAVE_DNNL

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/peers/geom.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

enum { NAME_LEN = 96 };

/* ---- engine and error reporting ------------------------------------------------------------ */

static dnnl_engine_t the_engine;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_create(void)
{
    /* oneDNN fixes its ISA at the first primitive or query: the cap comes first. */
    /* oneDNN's ISA of the level of the cap, which allows the same instructions (avx512: the
     * AVX-512 our kernels use, without what comes after it). */
    dnnl_cpu_isa_t isa = dnnl_cpu_isa_all;
    switch (cnb_cpu_cap()) {
    case CNB_ISA_AVX2: isa = dnnl_cpu_isa_avx2; break;
    case CNB_ISA_AVX_VNNI: isa = dnnl_cpu_isa_avx2_vnni; break;
    case CNB_ISA_AVX512: isa = dnnl_cpu_isa_avx512_core; break;
    case CNB_ISA_AVX512_VNNI: isa = dnnl_cpu_isa_avx512_core_vnni; break;
    case CNB_ISA_AVX512_BF16: isa = dnnl_cpu_isa_avx512_core_bf16; break;   /* with VNNI */
    case CNB_ISA_AMX: isa = dnnl_cpu_isa_avx512_core_amx; break;
    default: break;
    }
    if (isa != dnnl_cpu_isa_all) {
        const dnnl_status_t st = dnnl_set_max_cpu_isa(isa);
        if (st != dnnl_success) {
            fprintf(stderr, "oneDNN: cannot cap the ISA at %s: %s\n", dnnl_cpu_isa2str(isa),
                    dnnl_status2str(st));
            return;   /* no engine: the records say they cannot run rather than break the cap */
        }
    }
    engine_status = dnnl_engine_create(&the_engine, dnnl_cpu, 0);
}

/* The ISA level of the code a oneDNN implementation runs in data type t (the src type), from its
 * name ("brgconv:avx512_core", "jit_int8:avx512_core_vnni", "jit:avx2", "gemm:jit", "ref:any");
 * for bf16 and int8 the level of the dot products its ISA has (cnb_peer_isa_of_dt). */
static cnb_isa isa_of_impl(const char *info, cnb_dt t)
{
    const int jit = !strncmp(info, "jit", 3) || !strncmp(info, "brg", 3) ||
                    !strncmp(info, "gemm:jit", 8);
    /* A JIT implementation whose name has no ISA suffix runs at the process's effective ISA. */
    if (cnb_peer_isa_of(info) == CNB_ISA_SCALAR && jit)
        return cnb_peer_isa_of_dt(dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()), t);
    return cnb_peer_isa_of_dt(info, t);
}

/* 1 when the effective ISA has int8 dot products (VNNI, AMX): without them oneDNN multiplies u8 ×
 * s8 with vpmaddubsw, whose int16 sums of product pairs saturate. */
static int int8_exact(void)
{
    const cnb_isa isa = cnb_peer_isa_of_dt(dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()), CNB_DT_U8);
    return isa == CNB_ISA_AVX_VNNI || isa == CNB_ISA_AVX512_VNNI || isa == CNB_ISA_AMX;
}

/* The process's CPU engine, created on first use (after the ISA cap); NULL if oneDNN cannot make
 * one. */
static dnnl_engine_t engine(void)
{
    pthread_once(&engine_once, engine_create);
    return engine_status == dnnl_success ? the_engine : NULL;
}

/* A failure in a step that cannot return an error (to_layout, run, from_layout): say so once per
 * step; the output then stays NaN and validation reports the row as failed. */
static void report(dnnl_status_t st, const char *what)
{
    if (st != dnnl_success) fprintf(stderr, "oneDNN: %s failed: %s\n", what, dnnl_status2str(st));
}

/* ---- geometry shared by conv and pool (geom.h) --------------------------------------------- */

typedef cnb_peer_geom geom;
#define geom_conv cnb_peer_geom_conv
#define geom_pool cnb_peer_geom_pool

static dnnl_data_type_t dnnl_dt(cnb_dt t)
{
    switch (t) {
    case CNB_DT_BF16: return dnnl_bf16;
    case CNB_DT_S8: return dnnl_s8;
    case CNB_DT_U8: return dnnl_u8;
    case CNB_DT_S32: return dnnl_s32;
    default: return dnnl_f32;
    }
}

/* An activation descriptor N × C × spatial of type t (bf16 as the harness's uint16_t bit
 * patterns) with the given format tag. */
static dnnl_status_t act_md(dnnl_memory_desc_t *md, const geom *g, int n, int c,
                            const dnnl_dim_t *spatial, dnnl_format_tag_t tag, cnb_dt t)
{
    dnnl_dims_t dims = {n, c};
    for (int i = 0; i < g->nsp; i++) dims[2 + i] = spatial[i];
    return dnnl_memory_desc_init_by_tag(md, 2 + g->nsp, dims, dnnl_dt(t), tag);
}

static dnnl_format_tag_t plain_tag(const geom *g)
{
    return g->nsp == 2 ? dnnl_nchw : dnnl_ncdhw;
}

/* The user's src, NC[D]HW: the whole tensor, or the part oneDNN reads when g is cropped. */
static dnnl_status_t user_src_md(dnnl_memory_desc_t *md, const geom *g, int n, int c, cnb_dt t)
{
    if (!g->cropped) return act_md(md, g, n, c, g->in, plain_tag(g), t);
    dnnl_dims_t dims, strides;
    cnb_peer_geom_user_src(g, n, c, dims, strides);
    return dnnl_memory_desc_init_by_strides(md, 2 + g->nsp, dims, dnnl_dt(t), strides);
}

/* Name of an activation format oneDNN chose, for kernel_name(). */
static const char *act_format_name(const dnnl_memory_desc_t *md, const geom *g, int n, int c,
                                   const dnnl_dim_t *spatial, cnb_dt t)
{
    static const struct { dnnl_format_tag_t t2, t3; const char *name; } known[] = {
        {dnnl_nchw, dnnl_ncdhw, "ncx"},
        {dnnl_nhwc, dnnl_ndhwc, "nxc"},
        {dnnl_nChw4c, dnnl_nCdhw4c, "nCx4c"},
        {dnnl_nChw8c, dnnl_nCdhw8c, "nCx8c"},
        {dnnl_nChw16c, dnnl_nCdhw16c, "nCx16c"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        dnnl_memory_desc_t m;
        if (act_md(&m, g, n, c, spatial, g->nsp == 2 ? known[i].t2 : known[i].t3, t) == dnnl_success &&
            dnnl_memory_desc_equal(&m, md))
            return known[i].name;
    }
    return "blocked";
}

/* The implementation name and ISA level of pd, computing in type t. */
static cnb_isa kernel_from_pd(char *out, const_dnnl_primitive_desc_t pd, const char *format, cnb_dt t)
{
    const char *info = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) != dnnl_success || !info)
        info = "unknown";
    snprintf(out, NAME_LEN, "%s %s", info, format);
    return isa_of_impl(info, t);
}

/* ---- src and dst in oneDNN's formats: the part of the state that conv and pool share ------- */

typedef struct {
    dnnl_stream_t stream;
    dnnl_memory_t user_src, src, dst, user_dst;  /* user_*: handles set per call */
    dnnl_primitive_t src_reorder;                 /* NULL when oneDNN uses the user's src format */
    dnnl_primitive_t dst_reorder;
    dnnl_primitive_t prim;                        /* the convolution or the pooling */
    int nthr;                                     /* threads in force when prim was created */
    char kernel[NAME_LEN];
    cnb_isa isa;                                  /* of the implementation oneDNN chose */
} io_state;

static dnnl_status_t reorder_create(dnnl_primitive_t *prim, const dnnl_memory_desc_t *from,
                                    const dnnl_memory_desc_t *to)
{
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, from, engine(), to, engine(), NULL);
    if (st != dnnl_success) return st;
    st = dnnl_primitive_create(prim, pd);
    dnnl_primitive_desc_destroy(pd);
    return st;
}

static dnnl_status_t reorder_run(dnnl_stream_t stream, dnnl_primitive_t prim, dnnl_memory_t from,
                                 dnnl_memory_t to)
{
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_status_t st = dnnl_primitive_execute(prim, stream, 2, args);
    return st == dnnl_success ? dnnl_stream_wait(stream) : st;
}

/* Memories and reorders between the user formats and the formats of pd. */
static dnnl_status_t io_init(io_state *s, const_dnnl_primitive_desc_t pd,
                             const dnnl_memory_desc_t *user_src_md,
                             const dnnl_memory_desc_t *user_dst_md)
{
    const dnnl_memory_desc_t *src_md = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    dnnl_status_t st;
    if (!src_md || !dst_md) return dnnl_runtime_error;
    if ((st = dnnl_stream_create(&s->stream, engine(), dnnl_stream_default_flags)) != dnnl_success)
        return st;
    if (dnnl_memory_desc_equal(src_md, user_src_md)) {
        st = dnnl_memory_create(&s->src, src_md, engine(), DNNL_MEMORY_NONE);
    } else {
        if ((st = dnnl_memory_create(&s->user_src, user_src_md, engine(), DNNL_MEMORY_NONE)) ||
            (st = dnnl_memory_create(&s->src, src_md, engine(), DNNL_MEMORY_ALLOCATE)) ||
            (st = reorder_create(&s->src_reorder, user_src_md, src_md)))
            return st;
    }
    if (st || (st = dnnl_memory_create(&s->dst, dst_md, engine(), DNNL_MEMORY_ALLOCATE)) ||
        (st = dnnl_memory_create(&s->user_dst, user_dst_md, engine(), DNNL_MEMORY_NONE)) ||
        (st = reorder_create(&s->dst_reorder, dst_md, user_dst_md)))
        return st;
    s->nthr = omp_get_max_threads();
    return dnnl_primitive_create(&s->prim, pd);
}

static int same_md(const_dnnl_primitive_desc_t a, const_dnnl_primitive_desc_t b, dnnl_query_t q)
{
    return dnnl_memory_desc_equal(dnnl_primitive_desc_query_md(a, q, 0),
                                  dnnl_primitive_desc_query_md(b, q, 0));
}

/* Replace s->prim by one made from pd (created for the threads now in force) when pd keeps the
 * formats of src, weights and dst, so that the buffers and reorders still fit. Consumes pd. */
static void io_recreate(io_state *s, dnnl_primitive_desc_t pd)
{
    const_dnnl_primitive_desc_t old;
    dnnl_primitive_t prim = NULL;
    s->nthr = omp_get_max_threads();
    if (dnnl_primitive_get_primitive_desc(s->prim, &old) == dnnl_success &&
        same_md(pd, old, dnnl_query_src_md) && same_md(pd, old, dnnl_query_weights_md) &&
        same_md(pd, old, dnnl_query_dst_md) &&
        dnnl_primitive_create(&prim, pd) == dnnl_success) {
        dnnl_primitive_destroy(s->prim);
        s->prim = prim;
    } else {
        fprintf(stderr, "oneDNN: cannot follow the new thread count (%d); keeping the primitive\n",
                s->nthr);
    }
    dnnl_primitive_desc_destroy(pd);
}

static void io_free(io_state *s)
{
    dnnl_primitive_t prims[] = {s->prim, s->src_reorder, s->dst_reorder};
    dnnl_memory_t mems[] = {s->user_src, s->src, s->dst, s->user_dst};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i]) dnnl_primitive_destroy(prims[i]);
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i]) dnnl_memory_destroy(mems[i]);
    if (s->stream) dnnl_stream_destroy(s->stream);
}

static void io_to_layout(io_state *s, const void *user_src)
{
    /* oneDNN only reads src; its API has no const handles. */
    void *h = (void *)user_src;
    if (!s->src_reorder) {
        report(dnnl_memory_set_data_handle(s->src, h), "src handle");
        return;
    }
    report(dnnl_memory_set_data_handle(s->user_src, h), "src handle");
    report(reorder_run(s->stream, s->src_reorder, s->user_src, s->src), "src reorder");
}

static void io_from_layout(io_state *s, void *user_dst)
{
    report(dnnl_memory_set_data_handle(s->user_dst, user_dst), "dst handle");
    report(reorder_run(s->stream, s->dst_reorder, s->dst, s->user_dst), "dst reorder");
}

static const char *io_kernel_name(void *state)
{
    return ((const io_state *)state)->kernel;
}

static cnb_isa io_ran_isa(void *state)
{
    return ((const io_state *)state)->isa;
}

/* ---- conv/onednn --------------------------------------------------------------------------- */

typedef struct {
    io_state io;  /* first: io_kernel_name reads it through the state pointer */
    dnnl_memory_t wei;
} conv_state;

/* The user-format weights of type t: oihw (g = 1) or goihw, with depth for 3D; `any`: the same
 * shape in oneDNN's choice of format. */
static dnnl_status_t conv_wei_md(dnnl_memory_desc_t *md, const cnb_conv *c, const geom *g,
                                 int any, cnb_dt t)
{
    dnnl_dims_t dims;
    int n = 0;
    if (c->g > 1) dims[n++] = c->g;
    dims[n++] = c->oc / c->g;
    dims[n++] = c->ic / c->g;
    for (int i = 0; i < g->nsp; i++) dims[n++] = g->k[i];
    const dnnl_format_tag_t tag = any        ? dnnl_format_tag_any
                                  : c->g > 1 ? (g->nsp == 2 ? dnnl_goihw : dnnl_goidhw)
                                             : (g->nsp == 2 ? dnnl_oihw : dnnl_oidhw);
    return dnnl_memory_desc_init_by_tag(md, n, dims, dnnl_dt(t), tag);
}

/* The convolution in the problem's types (src, weights, dst of types src, wei, dst; int32
 * accumulation for int8, s8 src with the compensation oneDNN keeps in its weights; f32 for
 * bf16). A requantized output: this oneDNN takes one output scale, src · wei / dst of the
 * problem's scales, 2^(s + w - d): a power of two, exact, so the result is rounded once (to
 * nearest even, saturated), the problem's rule. */
static dnnl_status_t conv_pd_create(dnnl_primitive_desc_t *pd, const cnb_problem *p, const geom *g)
{
    const cnb_conv *c = &p->conv;
    dnnl_memory_desc_t src, wei, dst;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_status_t st;
    if ((st = act_md(&src, g, c->mb, c->ic, g->in, dnnl_format_tag_any, p->dt.src)) ||
        (st = act_md(&dst, g, c->mb, c->oc, g->out, dnnl_format_tag_any, p->dt.dst)) ||
        (st = conv_wei_md(&wei, c, g, 1, p->dt.wei)) ||
        (st = dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                         dnnl_convolution_direct, &src, &wei,
                                                         NULL, &dst, g->s, g->d, g->pl, g->pr)))
        return st;
    if (cnb_dt_requantized(&p->dt)) {
        const float scale = ldexpf(1.0f, p->dt.src_scale_log2 + p->dt.wei_scale_log2 -
                                             p->dt.dst_scale_log2);
        if ((st = dnnl_primitive_attr_create(&attr)) ||
            (st = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale))) {
            if (attr) dnnl_primitive_attr_destroy(attr);
            return st;
        }
    }
    st = dnnl_primitive_desc_create(pd, &cd, attr, engine(), NULL);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

static const char *conv_supports(const cnb_problem *p)
{
    static _Thread_local char why[128];
    if (!engine()) return "oneDNN: cannot create a CPU engine";
    if ((p->dt.src == CNB_DT_U8 || p->dt.src == CNB_DT_S8) && !int8_exact())
        return "oneDNN without VNNI or AMX (held to AVX2 or AVX-512) computes int8 with "
               "vpmaddubsw, whose int16 pair sums saturate on full-range u8 x s8 data: not exact";
    geom g;
    geom_conv(&p->conv, &g);
    dnnl_primitive_desc_t pd;
    const dnnl_status_t st = conv_pd_create(&pd, p, &g);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN has no convolution for it (%s)", dnnl_status2str(st));
        return why;
    }
    dnnl_primitive_desc_destroy(pd);
    return NULL;
}

static void conv_release(void *state)
{
    conv_state *s = state;
    if (!s) return;
    io_free(&s->io);
    if (s->wei) dnnl_memory_destroy(s->wei);
    free(s);
}

static void *conv_prepare(const cnb_problem *p, const void *wei)
{
    const cnb_conv *c = &p->conv;
    conv_state *s = calloc(1, sizeof *s);
    if (!s || !engine()) {
        free(s);
        return NULL;
    }
    geom g;
    geom_conv(c, &g);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t user_src, user_dst, user_wei;
    dnnl_memory_t uwei = NULL;
    dnnl_primitive_t wei_reorder = NULL;
    dnnl_status_t st;
    if ((st = conv_pd_create(&pd, p, &g)) ||
        (st = user_src_md(&user_src, &g, c->mb, c->ic, p->dt.src)) ||
        (st = act_md(&user_dst, &g, c->mb, c->oc, g.out, plain_tag(&g), p->dt.dst)) ||
        (st = conv_wei_md(&user_wei, c, &g, 0, p->dt.wei)) ||
        (st = io_init(&s->io, pd, &user_src, &user_dst)))
        goto done;
    /* Weights into oneDNN's format, once (with an s8 src, the reorder also computes the
     * compensation oneDNN keeps beside them). */
    const dnnl_memory_desc_t *wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if ((st = dnnl_memory_create(&s->wei, wei_md, engine(), DNNL_MEMORY_ALLOCATE)) ||
        (st = dnnl_memory_create(&uwei, &user_wei, engine(), (void *)wei)) ||
        (st = reorder_create(&wei_reorder, &user_wei, wei_md)) ||
        (st = reorder_run(s->io.stream, wei_reorder, uwei, s->wei)))
        goto done;
    const char *format = act_format_name(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0),
                                         &g, c->mb, c->ic, g.in, p->dt.src);
    s->io.isa = kernel_from_pd(s->io.kernel, pd, format, p->dt.src);
done:
    if (wei_reorder) dnnl_primitive_destroy(wei_reorder);
    if (uwei) dnnl_memory_destroy(uwei);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) {
        fprintf(stderr, "oneDNN: conv prepare failed: %s\n", dnnl_status2str(st));
        conv_release(s);
        return NULL;
    }
    return s;
}

static void conv_to_layout(void *state, const cnb_problem *p, const void *user_src)
{
    (void)p;
    io_to_layout(&((conv_state *)state)->io, user_src);
}

static void conv_from_layout(void *state, const cnb_problem *p, void *user_dst)
{
    (void)p;
    io_from_layout(&((conv_state *)state)->io, user_dst);
}

static void conv_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                     void *dst)
{
    (void)src, (void)wei, (void)dst;   /* NULL: the state's own buffers (to_layout) */
    conv_state *s = state;
    if (s->io.nthr != omp_get_max_threads()) {
        geom g;
        geom_conv(&p->conv, &g);
        dnnl_primitive_desc_t pd;
        if (conv_pd_create(&pd, p, &g) == dnnl_success) io_recreate(&s->io, pd);
    }
    const dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, s->io.src}, {DNNL_ARG_WEIGHTS, s->wei}, {DNNL_ARG_DST, s->io.dst}};
    dnnl_status_t st = dnnl_primitive_execute(s->io.prim, s->io.stream, 3, args);
    report(st == dnnl_success ? dnnl_stream_wait(s->io.stream) : st, "convolution");
}

const cnb_impl cnb_conv_f32_onednn = {
    .peer = 1,
    .name = "conv/onednn", .op = CNB_OP_CONV, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .dt_mask = (1u << CNB_DTC_COUNT) - 1,
    .supports = conv_supports, .prepare = conv_prepare, .run = conv_run,
    .release = conv_release, .to_layout = conv_to_layout, .from_layout = conv_from_layout,
    .kernel_name = io_kernel_name, .ran_isa = io_ran_isa,
};

/* ---- pool/onednn --------------------------------------------------------------------------- */

/* The src format: oneDNN's pooling cannot choose it. f32 and bf16: the channel-blocked format of
 * the widest ISA this process may use; int8: channels last, the one format of oneDNN's int8
 * pooling kernel (jit_uni_i8i8_pooling). */
static dnnl_format_tag_t pool_src_tag(const geom *g, cnb_dt t)
{
    if (t == CNB_DT_U8 || t == CNB_DT_S8) return g->nsp == 2 ? dnnl_nhwc : dnnl_ndhwc;
    if (cnb_isa_usable(CNB_ISA_AVX512, NULL)) return g->nsp == 2 ? dnnl_nChw16c : dnnl_nCdhw16c;
    if (cnb_isa_usable(CNB_ISA_AVX2, NULL)) return g->nsp == 2 ? dnnl_nChw8c : dnnl_nCdhw8c;
    return plain_tag(g);
}

static dnnl_status_t pool_pd_create(dnnl_primitive_desc_t *pd, const cnb_problem *p, const geom *g)
{
    static const dnnl_alg_kind_t alg[] = {
        [CNB_POOL_MAX] = dnnl_pooling_max,
        [CNB_POOL_AVG_INCL] = dnnl_pooling_avg_include_padding,
        [CNB_POOL_AVG_EXCL] = dnnl_pooling_avg_exclude_padding,
    };
    const cnb_pool *q = &p->pool;
    dnnl_memory_desc_t src, dst;
    dnnl_pooling_v2_desc_t pdesc;
    dnnl_status_t st;
    if ((st = act_md(&src, g, q->mb, q->c, g->in, pool_src_tag(g, p->dt.src), p->dt.src)) ||
        (st = act_md(&dst, g, q->mb, q->c, g->out, dnnl_format_tag_any, p->dt.dst)) ||
        (st = dnnl_pooling_v2_forward_desc_init(&pdesc, dnnl_forward_inference, alg[q->alg], &src,
                                                &dst, g->s, g->k, g->d, g->pl, g->pr)))
        return st;
    return dnnl_primitive_desc_create(pd, &pdesc, NULL, engine(), NULL);
}

static const char *pool_supports(const cnb_problem *p)
{
    static _Thread_local char why[128];
    if (!engine()) return "oneDNN: cannot create a CPU engine";
    if (p->dt.src != p->dt.dst) return "oneDNN pooling here: src and dst of one type";
    geom g;
    geom_pool(&p->pool, &g);
    dnnl_primitive_desc_t pd;
    const dnnl_status_t st = pool_pd_create(&pd, p, &g);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN has no pooling for it (%s)", dnnl_status2str(st));
        return why;
    }
    dnnl_primitive_desc_destroy(pd);
    return NULL;
}

static void pool_release(void *state)
{
    io_state *s = state;
    if (!s) return;
    io_free(s);
    free(s);
}

static void *pool_prepare(const cnb_problem *p, const void *wei)
{
    (void)wei;
    const cnb_pool *q = &p->pool;
    io_state *s = calloc(1, sizeof *s);
    if (!s || !engine()) {
        free(s);
        return NULL;
    }
    geom g;
    geom_pool(q, &g);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t user_src, user_dst;
    dnnl_status_t st;
    if (!(st = pool_pd_create(&pd, p, &g)) &&
        !(st = user_src_md(&user_src, &g, q->mb, q->c, p->dt.src)) &&
        !(st = act_md(&user_dst, &g, q->mb, q->c, g.out, plain_tag(&g), p->dt.dst)) &&
        !(st = io_init(s, pd, &user_src, &user_dst)))
        s->isa = kernel_from_pd(s->kernel, pd,
                                act_format_name(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md,
                                                                             0),
                                                &g, q->mb, q->c, g.in, p->dt.src),
                                p->dt.src);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) {
        fprintf(stderr, "oneDNN: pool prepare failed: %s\n", dnnl_status2str(st));
        pool_release(s);
        return NULL;
    }
    return s;
}

static void pool_to_layout(void *state, const cnb_problem *p, const void *user_src)
{
    (void)p;
    io_to_layout(state, user_src);
}

static void pool_from_layout(void *state, const cnb_problem *p, void *user_dst)
{
    (void)p;
    io_from_layout(state, user_dst);
}

static void pool_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                     void *dst)
{
    (void)src, (void)wei, (void)dst;   /* NULL: the state's own buffers (to_layout) */
    io_state *s = state;
    if (s->nthr != omp_get_max_threads()) {
        geom g;
        geom_pool(&p->pool, &g);
        dnnl_primitive_desc_t pd;
        if (pool_pd_create(&pd, p, &g) == dnnl_success) io_recreate(s, pd);
    }
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, s->src}, {DNNL_ARG_DST, s->dst}};
    dnnl_status_t st = dnnl_primitive_execute(s->prim, s->stream, 2, args);
    report(st == dnnl_success ? dnnl_stream_wait(s->stream) : st, "pooling");
}

const cnb_impl cnb_pool_f32_onednn = {
    .peer = 1,
    .name = "pool/onednn", .op = CNB_OP_POOL, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .dt_mask = (1u << CNB_DTC_COUNT) - 1,
    .supports = pool_supports, .prepare = pool_prepare, .run = pool_run,
    .release = pool_release, .to_layout = pool_to_layout, .from_layout = pool_from_layout,
    .kernel_name = io_kernel_name, .ran_isa = io_ran_isa,
};

/* ---- gemm/onednn --------------------------------------------------------------------------- */

typedef struct {
    char kernel[NAME_LEN];
    cnb_isa isa;
} gemm_state;

static const char *gemm_supports(const cnb_problem *p)
{
    (void)p;
    return engine() ? NULL : "oneDNN: cannot create a CPU engine";
}

static void *gemm_prepare(const cnb_problem *p, const void *wei)
{
    (void)p, (void)wei;
    if (!engine()) return NULL;  /* also sets the ISA cap before the query below */
    gemm_state *s = malloc(sizeof *s);
    if (!s) return NULL;
    /* dnnl_sgemm has no implementation to query: name the JIT ISA it dispatches to. */
    const char *isa = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
    if (!strncmp(isa, "cpu_isa_", 8)) isa += 8;
    snprintf(s->kernel, sizeof s->kernel, "jit sgemm:%s", isa);
    s->isa = cnb_peer_isa_of(isa);
    return s;
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    (void)state;
    const cnb_gemm *g = &p->gemm;
    report(dnnl_sgemm(g->ta ? 'T' : 'N', g->tb ? 'T' : 'N', g->m, g->n, g->k, g->alpha, a, g->lda,
                      b, g->ldb, g->beta, c, g->ldc),
           "sgemm");
}

static const char *gemm_kernel_name(void *state)
{
    return ((const gemm_state *)state)->kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    return ((const gemm_state *)state)->isa;
}

const cnb_impl cnb_gemm_f32_onednn = {
    .peer = 1,
    .name = "gemm/onednn", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = gemm_supports, .prepare = gemm_prepare, .run = gemm_run, .release = free,
    .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,
};

#else
typedef int cnb_peer_onednn_absent; /* ISO C wants at least one declaration per file */
#endif
