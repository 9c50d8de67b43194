/* Data set-up for one (implementation, layer) pairing (harness/case.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/sysfs.h"
#include "harness/case.h"
#include "harness/cli.h"
#include "harness/layout.h"
#include "reference/reference.h"

enum { STREAM_SRC = 1, STREAM_WEI = 2, STREAM_C = 3 };

int64_t cnb_reduction_len(const cnb_problem *p)
{
    if (p->op == CNB_OP_CONV)
        return (int64_t)(p->conv.ic / p->conv.g) * p->conv.kd * p->conv.kh * p->conv.kw;
    if (p->op == CNB_OP_POOL) return (int64_t)p->pool.kd * p->pool.kh * p->pool.kw;
    return p->gemm.k;
}

static int alloc_dt(cnb_buf *b, size_t n, cnb_dt dt, const char *what, char *err, size_t errlen)
{
    if (cnb_buf_alloc_dt(b, n, dt, what) == 0) return 0;
    snprintf(err, errlen, "cannot allocate %s (%zu %s)", what, n,
             dt == CNB_DT_F32 ? "floats" : cnb_dt_name(dt));
    return -1;
}

static int alloc(cnb_buf *b, size_t n, const char *what, char *err, size_t errlen)
{
    return alloc_dt(b, n, CNB_DT_F32, what, err, errlen);
}

/* Elements of every buffer a case allocates, from the problem alone. */
typedef struct case_sizes { size_t src, wei, dst, c_init, isrc, idst; } case_sizes;

cnb_layout cnb_case_src_layout(const cnb_impl *impl, const cnb_problem *p)
{
    return impl->src_layout && p->op != CNB_OP_GEMM ? impl->src_layout(p) : impl->layout;
}

static case_sizes sizes_of(const cnb_impl *impl, const cnb_problem *p)
{
    case_sizes z = {0};
    if (p->op == CNB_OP_CONV) {
        z.src = cnb_conv_src_elems(&p->conv);
        z.wei = cnb_conv_wei_elems(&p->conv);
        z.dst = cnb_conv_dst_elems(&p->conv);
    } else if (p->op == CNB_OP_POOL) {
        z.src = cnb_pool_src_elems(&p->pool);
        z.dst = cnb_pool_dst_elems(&p->pool);
    } else {
        z.src = cnb_gemm_a_elems(&p->gemm);
        z.wei = cnb_gemm_b_elems(&p->gemm);
        z.dst = cnb_gemm_c_elems(&p->gemm);
        if (p->gemm.beta != 0.0f) z.c_init = z.dst;
    }
    const int block = cnb_layout_block(impl->layout);
    const int src_block = cnb_layout_block(cnb_case_src_layout(impl, p));
    if (p->op != CNB_OP_GEMM && (block > 1 || src_block > 1)) {
        const int conv = p->op == CNB_OP_CONV;
        const int mb = conv ? p->conv.mb : p->pool.mb;
        const int ci = conv ? p->conv.ic : p->pool.c, co = conv ? p->conv.oc : p->pool.c;
        const int64_t in = conv ? (int64_t)p->conv.id * p->conv.ih * p->conv.iw
                                : (int64_t)p->pool.id * p->pool.ih * p->pool.iw;
        const int64_t out = conv ? (int64_t)p->conv.od * p->conv.oh * p->conv.ow
                                 : (int64_t)p->pool.od * p->pool.oh * p->pool.ow;
        /* src and dst each get a buffer of their own layout when it is a blocked one. */
        if (src_block > 1) z.isrc = cnb_layout_elems(mb, ci, in, src_block);
        if (block > 1) z.idst = cnb_layout_elems(mb, co, out, block);
    }
    return z;
}

double cnb_case_bytes_needed(const cnb_impl *impl, const cnb_layer *l)
{
    const case_sizes z = sizes_of(impl, &l->prob);
    const cnb_types *t = &l->prob.dt;
    const double s = cnb_dt_size(t->src), w = cnb_dt_size(t->wei), d = cnb_dt_size(t->dst);
    /* The case's buffers, the implementation's packed copy of the weights, and the reference's
     * output beside the implementation's (validation), each by its element size; C's initial
     * copy (beta ≠ 0) is f32 only. */
    return s * ((double)z.src + z.isrc) + 2.0 * w * z.wei + d * (2.0 * z.dst + z.idst) +
           4.0 * z.c_init;
}

int cnb_case_fits(const cnb_impl *impl, const cnb_layer *l, char *err, size_t errlen)
{
    const double need = cnb_case_bytes_needed(impl, l);
    const long long avail = cnb_mem_available();
    if (avail < 0 || need <= (double)avail) return 0;
    const double gib = 1024.0 * 1024 * 1024;
    snprintf(err, errlen, "%s needs %.1f GiB of memory, %.1f GiB available (MemAvailable): "
             "lower the batch or the sizes", l->name[0] ? l->name : "the problem", need / gib,
             avail / gib);
    return -1;
}

int cnb_case_init(cnb_case *c, const cnb_impl *impl, const cnb_layer *l, cnb_mode mode,
                  uint64_t seed, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->impl = impl;
    c->layer = l;
    c->mode = mode;
    c->seed = seed;
    const cnb_problem *p = &l->prob;
    const cnb_types *t = &p->dt;
    const cnb_exact_rule rule = cnb_exact_rule_for_dt(cnb_reduction_len(p), t->src);
    const cnb_exact_rule dense = {rule.range, 1};
    /* The weights' own range (int8: u8 or s8), with the density of the reduction's rule. */
    const cnb_exact_rule wrule = {cnb_exact_rule_for_dt(1, t->wei).range, rule.step};
    const case_sizes z = sizes_of(impl, p);
    char why[256];
    if (cnb_case_fits(impl, l, why, sizeof why)) cnb_die("%s", why);   /* bad input: exit 2 */
    const size_t n_src = z.src, n_wei = z.wei, n_dst = z.dst;
    const int is_gemm = p->op == CNB_OP_GEMM;
    if (alloc_dt(&c->src, n_src, t->src, is_gemm ? "A" : "src", err, errlen) ||
        (n_wei && alloc_dt(&c->wei, n_wei, t->wei, is_gemm ? "B" : "weights", err, errlen)) ||
        alloc_dt(&c->dst, n_dst, t->dst, is_gemm ? "C" : "dst", err, errlen)) {
        cnb_case_free(c);
        return -1;
    }
    cnb_fill_dt(c->src.data, n_src, t->src, seed, STREAM_SRC, mode, dense, 1, 1);
    /* Conv weights: density along the reduction (goidhw: ic/g·kd·kh·kw contiguous per oc); int8
     * weights over their own whole range as GEMM's B, the other types by the src's rule. */
    if (p->op == CNB_OP_CONV)
        cnb_fill_dt(c->wei.data, n_wei, t->wei, seed, STREAM_WEI, mode,
                    t->wei == CNB_DT_S8 || t->wei == CNB_DT_U8 ? wrule : rule, 1,
                    cnb_reduction_len(p));
    if (is_gemm) {
        const cnb_gemm *g = &p->gemm;
        /* Density (if ever needed) along B's reduction index. */
        if (g->tb)
            cnb_fill_dt(c->wei.data, n_wei, t->wei, seed, STREAM_WEI, mode, wrule, 1, g->ldb);
        else
            cnb_fill_dt(c->wei.data, n_wei, t->wei, seed, STREAM_WEI, mode, wrule, g->ldb, INT64_MAX);
        if (g->beta != 0.0f) {
            if (alloc(&c->c_init, n_dst, "C (initial)", err, errlen)) {
                cnb_case_free(c);
                return -1;
            }
            cnb_fill(c->c_init.ptr, n_dst, seed, STREAM_C, mode, dense, 1, 1);
        }
    }
    c->block = cnb_layout_block(impl->layout);
    c->src_block = cnb_layout_block(cnb_case_src_layout(impl, p));
    if (p->op == CNB_OP_CONV) {
        const cnb_conv *v = &p->conv;
        c->spatial_in = (int64_t)v->id * v->ih * v->iw;
        c->spatial_out = (int64_t)v->od * v->oh * v->ow;
    } else if (p->op == CNB_OP_POOL) {
        const cnb_pool *v = &p->pool;
        c->spatial_in = (int64_t)v->id * v->ih * v->iw;
        c->spatial_out = (int64_t)v->od * v->oh * v->ow;
    }
    if ((z.isrc && alloc_dt(&c->isrc, z.isrc, t->src, "src (blocked)", err, errlen)) ||
        (z.idst && alloc_dt(&c->idst, z.idst, t->dst, "dst (blocked)", err, errlen))) {
        cnb_case_free(c);
        return -1;
    }
    return 0;
}

void cnb_case_to_impl(cnb_case *c)
{
    const cnb_problem *p = &c->layer->prob;
    if (c->impl->to_layout) {
        cnb_fill_poison(c->dst.data, c->dst.n, c->dst.dt);
        c->impl->to_layout(c->state, p, c->src.data);
        return;
    }
    if (p->op == CNB_OP_GEMM) {
        if (p->gemm.beta != 0.0f)
            memcpy(c->dst.ptr, c->c_init.ptr, c->dst.n * sizeof(float));
        else
            cnb_fill_poison(c->dst.data, c->dst.n, c->dst.dt);  /* beta = 0: C must not be read */
        return;
    }
    const int mb = p->op == CNB_OP_CONV ? p->conv.mb : p->pool.mb;
    const int ci = p->op == CNB_OP_CONV ? p->conv.ic : p->pool.c;
    if (c->isrc.map)
        cnb_to_blocked(c->src.data, c->isrc.data, mb, ci, c->spatial_in, c->src_block,
                       (int)c->src.esize);
    if (c->idst.map)
        cnb_fill_poison(c->idst.data, c->idst.n, c->idst.dt);
    else
        cnb_fill_poison(c->dst.data, c->dst.n, c->dst.dt);
}

void cnb_case_from_impl(cnb_case *c)
{
    const cnb_problem *p = &c->layer->prob;
    if (c->impl->from_layout) {
        c->impl->from_layout(c->state, p, c->dst.data);
        return;
    }
    if (p->op == CNB_OP_GEMM || !c->idst.map) return;
    const int mb = p->op == CNB_OP_CONV ? p->conv.mb : p->pool.mb;
    const int co = p->op == CNB_OP_CONV ? p->conv.oc : p->pool.c;
    cnb_from_blocked(c->idst.data, c->dst.data, mb, co, c->spatial_out, c->block,
                     (int)c->dst.esize);
}

int cnb_case_prepare(cnb_case *c)
{
    if (c->prepared) return 0;
    if (c->impl->prepare) {
        c->state = c->impl->prepare(&c->layer->prob, c->wei.map ? c->wei.data : NULL);
        if (!c->state) return -1;
    }
    c->prepared = 1;
    return 0;
}

void cnb_case_run(cnb_case *c)
{
    if (c->impl->to_layout) {
        c->impl->run(c->state, &c->layer->prob, NULL, c->wei.map ? c->wei.data : NULL, NULL);
        return;
    }
    const void *src = c->isrc.map ? c->isrc.data : c->src.data;
    void *dst = c->idst.map ? c->idst.data : c->dst.data;
    c->impl->run(c->state, &c->layer->prob, src, c->wei.map ? c->wei.data : NULL, dst);
}

void cnb_case_unprepare(cnb_case *c)
{
    if (c->prepared && c->impl->release) c->impl->release(c->state);
    c->state = NULL;
    c->prepared = 0;
}

void cnb_case_free(cnb_case *c)
{
    cnb_case_unprepare(c);
    cnb_buf_free(&c->src);
    cnb_buf_free(&c->wei);
    cnb_buf_free(&c->dst);
    cnb_buf_free(&c->c_init);
    cnb_buf_free(&c->isrc);
    cnb_buf_free(&c->idst);
}

static float *abs_copy(const cnb_buf *b)
{
    if (!b->map) return NULL;
    float *a = malloc(b->n * sizeof *a);
    if (!a) return NULL;
    for (size_t i = 0; i < b->n; i++) a[i] = fabsf(b->ptr[i]);
    return a;
}

int cnb_case_reference(const cnb_case *c, void *out_, int absolute)
{
    const cnb_problem *p = &c->layer->prob;
    if (cnb_dt_config_of(&p->dt) != CNB_DTC_F32) {
        if (absolute) return -1;                           /* exact mode only */
        if (p->op == CNB_OP_CONV) {
            cnb_ref_conv_dt(&p->conv, &p->dt, c->src.data, c->wei.data, out_);
        } else if (p->op == CNB_OP_POOL) {
            cnb_ref_pool_dt(&p->pool, p->dt.src, c->src.data, out_);
        } else {
            cnb_fill_poison(out_, c->dst.n, c->dst.dt);    /* the gaps (ldc > n) as the run's */
            cnb_ref_gemm_dt(&p->gemm, &p->dt, c->src.data, c->wei.data, out_);
        }
        return 0;
    }
    float *out = out_;
    const float *src = c->src.ptr, *wei = c->wei.map ? c->wei.ptr : NULL;
    float *a_src = NULL, *a_wei = NULL;
    if (absolute) {
        a_src = abs_copy(&c->src);
        a_wei = abs_copy(&c->wei);
        if (!a_src || (c->wei.map && !a_wei)) {
            free(a_src);
            free(a_wei);
            return -1;
        }
        src = a_src;
        wei = a_wei;
    }
    if (p->op == CNB_OP_CONV) {
        cnb_ref_conv(&p->conv, src, wei, out);
    } else if (p->op == CNB_OP_POOL) {
        cnb_ref_pool(&p->pool, src, out);
    } else {
        cnb_gemm g = p->gemm;
        /* Start from what the implementation's C holds before its run, so that the gaps
         * between rows (ldc > n) compare equal only when left untouched. */
        if (g.beta != 0.0f)
            for (size_t i = 0; i < c->c_init.n; i++)
                out[i] = absolute ? fabsf(c->c_init.ptr[i]) : c->c_init.ptr[i];
        else
            cnb_fill_nan(out, c->dst.n);
        if (absolute) {
            g.alpha = fabsf(g.alpha);
            g.beta = fabsf(g.beta);
        }
        cnb_ref_gemm(&g, src, wei, out);
    }
    free(a_src);
    free(a_wei);
    return 0;
}
