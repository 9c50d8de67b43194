/* Reports of `cnnbench bench` (harness/bench.h): the per-layer CSV, the per-network CSV and the
 * terminal summary (the machine facts they repeat come from harness/machine.c). The columns are
 * documented in results/README.md; keep the two in step (and bump CNB_CSV_SCHEMA when a column
 * changes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/peak.h"
#include "harness/bench.h"

/* ---- figures of a row ---- */

static int row_has_speed(const cnb_bench_row *r)
{
    return r && r->kind == CNB_ROW_TIMED && !r->failed && r->nrep > 0 && r->val == CNB_VAL_PASS &&
           r->median > 0;
}

int cnb_impl_is_peer(const cnb_impl *impl)
{
    return impl->peer && !impl->hidden;
}

const cnb_bench_row *cnb_best_peer(const cnb_bench *b, int u, int ti)
{
    const cnb_bench_row *best = NULL;
    for (int k = 0; k < b->nimpls; k++) {
        if (!cnb_impl_is_peer(b->impls[k])) continue;
        const cnb_bench_row *r = cnb_bench_row_at(b, u, k, ti);
        if (row_has_speed(r) && (!best || r->median < best->median)) best = r;
    }
    return best;
}

const cnb_bench_row *cnb_best_peer_same_isa(const cnb_bench *b, int u, int ti, cnb_isa isa)
{
    const cnb_bench_row *best = NULL;
    for (int k = 0; k < b->nimpls; k++) {
        if (!cnb_impl_is_peer(b->impls[k])) continue;
        const cnb_bench_row *r = cnb_bench_row_at(b, u, k, ti);
        if (row_has_speed(r) && r->isa == isa && (!best || r->median < best->median)) best = r;
    }
    return best;
}

double cnb_row_gflops(const cnb_bench_row *r)
{
    return row_has_speed(r) ? cnb_layer_flops_dense(r->layer) / r->median * 1e-9 : 0;
}

/* The compute probe a layer's rows are held to: that of its input type (bf16 dot products, int8
 * dot products, f32 FMA) at the ISA level of the code that ran. */
static cnb_peak_type peak_type(const cnb_layer *l)
{
    const cnb_dt t = l->prob.dt.src;
    return t == CNB_DT_BF16 ? CNB_PT_BF16 : t == CNB_DT_U8 || t == CNB_DT_S8 ? CNB_PT_INT8 : CNB_PT_F32;
}

/* A layer's data types in benchdnn's --dt form: "f32", "bf16", "u8:s8:s32". */
static void dt_text(const cnb_types *t, char *buf, int size)
{
    if (t->src == t->wei && t->wei == t->dst)
        snprintf(buf, size, "%s", cnb_dt_name(t->src));
    else
        snprintf(buf, size, "%s:%s:%s", cnb_dt_name(t->src), cnb_dt_name(t->wei), cnb_dt_name(t->dst));
}

double cnb_row_pct_peak(const cnb_bench_row *r)
{
    const double peak = cnb_peak_gflops(r->isa, peak_type(r->layer), r->threads);
    return peak > 0 ? 100 * cnb_row_gflops(r) / peak : 0;
}

/* ---- CSV: column tables ----
 * Each CSV is a table of columns, one line each: the name (the header) and the function that
 * gives the row's field. Header and fields come from the same table, so they cannot drift apart;
 * the machine columns open both CSVs. */

/* One field: text, an integer, a number, or nothing (an empty field). */
typedef struct field {
    enum { F_TEXT, F_INT, F_NUM, F_NONE } kind;
    const char *text;
    long long i;
    double v;
} field;

static field text(const char *s) { return (field){.kind = F_TEXT, .text = s ? s : ""}; }
static field integer(long long v) { return (field){.kind = F_INT, .i = v}; }
/* A number when present, else an empty field. */
static field number(double v, int present) { return (field){.kind = present ? F_NUM : F_NONE, .v = v}; }

/* RFC 4180: quoted when it holds a comma, a quote or a line break; a line break becomes a blank
 * (one record a line). */
static void put_field(FILE *f, field x)
{
    if (x.kind == F_INT) fprintf(f, "%lld", x.i);
    else if (x.kind == F_NUM && isinf(x.v)) fputs("inf", f);
    else if (x.kind == F_NUM) fprintf(f, "%.6g", x.v);
    else if (x.kind == F_TEXT && strpbrk(x.text, ",\"\n\r")) {
        fputc('"', f);
        for (const char *s = x.text; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
        }
        fputc('"', f);
    } else if (x.kind == F_TEXT) fputs(x.text, f);
}

typedef struct machine_col { const char *name; field (*get)(const cnb_machine *m); } machine_col;

static field m_schema(const cnb_machine *m) { (void)m; return integer(CNB_CSV_SCHEMA); }
static field m_name(const cnb_machine *m) { return text(m->name); }
static field m_cpu_model(const cnb_machine *m) { return text(m->cpu_model); }
static field m_isas(const cnb_machine *m) { return text(m->isas); }
static field m_cores(const cnb_machine *m) { return integer(m->cores); }
static field m_l1d(const cnb_machine *m) { return integer(m->l1d >> 10); }
static field m_l2(const cnb_machine *m) { return integer(m->l2 >> 10); }
static field m_l3(const cnb_machine *m) { return integer(m->l3 >> 10); }
static field m_l3_reported(const cnb_machine *m) { return integer(m->l3_reported >> 10); }
static field m_compiler(const cnb_machine *m) { return text(m->compiler); }
static field m_cflags(const cnb_machine *m) { return text(m->cflags); }
static field m_libraries(const cnb_machine *m) { return text(m->libraries); }
static field m_peers(const cnb_machine *m) { return text(m->peers); }
static field m_date(const cnb_machine *m) { return text(m->date); }
static field m_commit(const cnb_machine *m) { return text(m->commit); }

static const machine_col MACHINE_COLS[] = {
    {"schema", m_schema},         {"machine", m_name},          {"cpu_model", m_cpu_model},
    {"isas", m_isas},             {"cores", m_cores},           {"l1d_kib", m_l1d},
    {"l2_kib", m_l2},             {"l3_kib", m_l3},             {"l3_reported_kib", m_l3_reported},
    {"compiler", m_compiler},     {"cflags", m_cflags},         {"libraries", m_libraries},
    {"peers", m_peers},           {"date", m_date},             {"commit", m_commit},
};
enum { N_MACHINE_COLS = sizeof MACHINE_COLS / sizeof MACHINE_COLS[0] };

static void machine_header(FILE *f)
{
    for (int i = 0; i < N_MACHINE_COLS; i++) fprintf(f, "%s,", MACHINE_COLS[i].name);
}

static void machine_fields(FILE *f, const cnb_machine *m)
{
    for (int i = 0; i < N_MACHINE_COLS; i++) {
        put_field(f, MACHINE_COLS[i].get(m));
        fputc(',', f);
    }
}

static const char *op_name(const cnb_layer *l) { return cnb_kind_name(l->kind); }

static const char *alg_name(const cnb_layer *l)
{
    return l->prob.op == CNB_OP_POOL ? cnb_pool_alg_name(l->prob.pool.alg) : "";
}

static int layer_batch(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    if (p->op == CNB_OP_CONV) return p->conv.mb;
    if (p->op == CNB_OP_POOL) return p->pool.mb;
    return p->gemm.m;   /* fc: the batch is M */
}

/* ---- per-layer CSV ---- */

/* One line of the per-layer CSV: a selected layer, a row, and what derives from them. */
typedef struct layer_line {
    const cnb_bench *b;
    const cnb_bench_occ *o;
    const cnb_layer *l;
    const cnb_bench_row *r;
    int speed;                  /* the row has a time */
    int set_up;                 /* its set-up ran (started, not failed) */
    double flops, bytes, gflops, gbs, peak, bw;
    const cnb_bench_row *peer;  /* the fastest peer on this layer and thread count (ours only) */
    const cnb_bench_row *peer_isa;  /* the same among the peer rows that ran our row's ISA */
    char desc[CNB_DESC_MAX];
} layer_line;

static field c_op(const layer_line *x) { return text(op_name(x->l)); }
static field c_alg(const layer_line *x) { return text(alg_name(x->l)); }
static field c_network(const layer_line *x) { return text(x->o->net); }
static field c_layer(const layer_line *x) { return text(x->l->name); }
static field c_mult(const layer_line *x) { return integer(x->l->mult); }
static field c_desc(const layer_line *x) { return text(x->desc); }
static field c_dt(const layer_line *x)
{
    static _Thread_local char buf[32];
    dt_text(&x->l->prob.dt, buf, sizeof buf);
    return text(buf);
}
static field c_impl(const layer_line *x) { return text(x->r->impl->name); }
static field c_kernel(const layer_line *x) { return text(x->r->kernel[0] ? x->r->kernel : x->r->impl->name); }
static field c_isa(const layer_line *x) { return text(cnb_isa_name(x->r->isa)); }
/* dst's layout; "src>dst" when src comes in another one (the impl's src_layout hook). */
static field c_layout(const layer_line *x)
{
    const cnb_impl *m = x->r->impl;
    if (m->op == CNB_OP_GEMM) return text("row-major");
    const cnb_layout s = m->src_layout ? m->src_layout(&x->l->prob) : m->layout;
    if (s == m->layout) return text(cnb_layout_name(m->layout));
    static _Thread_local char buf[32];
    snprintf(buf, sizeof buf, "%s>%s", cnb_layout_name(s), cnb_layout_name(m->layout));
    return text(buf);
}
static field c_threads(const layer_line *x) { return integer(x->r->threads); }
static field c_batch(const layer_line *x)
{
    return x->l->kind == CNB_KIND_GEMM ? text("") : integer(layer_batch(x->l));
}
static field c_cache(const layer_line *x) { return text(x->b->cold ? "cold" : "warm"); }
static field c_reps(const layer_line *x) { return integer(x->speed ? x->r->nrep : 0); }
static field c_iters(const layer_line *x) { return integer(x->speed ? x->r->iters : 0); }
static field c_flops(const layer_line *x) { return number(x->flops, 1); }
static field c_flops_bd(const layer_line *x) { return number(cnb_layer_flops_benchdnn(x->l), 1); }
static field c_bytes(const layer_line *x) { return number(x->bytes, 1); }
static field c_median(const layer_line *x) { return number(x->r->median, x->speed); }
static field c_min(const layer_line *x) { return number(x->r->min, x->speed); }
static field c_spread(const layer_line *x)
{
    return number(x->speed ? 100 * (x->r->max - x->r->min) / x->r->median : 0, x->speed);
}
static field c_gflops(const layer_line *x) { return number(x->gflops, x->speed); }
static field c_gbs(const layer_line *x) { return number(x->gbs, x->speed); }
static field c_peak(const layer_line *x) { return number(x->peak, x->peak > 0); }
static field c_pct_peak(const layer_line *x)
{
    return number(x->peak > 0 ? 100 * x->gflops / x->peak : 0, x->speed && x->peak > 0);
}
static field c_peak_bw(const layer_line *x) { return number(x->bw, x->bw > 0); }
static field c_pct_bw(const layer_line *x)
{
    return number(x->bw > 0 ? 100 * x->gbs / x->bw : 0, x->speed && x->bw > 0);
}
static field c_prepare(const layer_line *x)
{
    return number(x->r->prepare_s, x->set_up && x->r->prepare_s >= 0);
}
static field c_layout_in(const layer_line *x)
{
    return number(x->r->layout_in_s, x->set_up && x->r->layout_in_s >= 0);
}
static field c_layout_out(const layer_line *x)
{
    return number(x->r->layout_out_s, x->set_up && x->r->layout_out_s >= 0);
}
static field c_e2e(const layer_line *x)
{
    const cnb_bench_row *r = x->r;
    return number(r->median + (r->layout_in_s > 0 ? r->layout_in_s : 0) +
                  (r->layout_out_s > 0 ? r->layout_out_s : 0), x->speed);
}
/* ERROR: validated (or not yet) but the timing set-up failed, e.g. out of memory. */
static field c_validation(const layer_line *x)
{
    const cnb_bench_row *r = x->r;
    return text(r->kind == CNB_ROW_UNSUPPORTED                ? "SKIP"
                : !r->validated                              ? "ERROR"
                : r->failed && r->val == CNB_VAL_PASS         ? "ERROR"
                                                             : cnb_val_status_name(r->val));
}
static field c_val_method(const layer_line *x) { return text(x->r->validated ? x->r->val_method : ""); }
static field c_worst(const layer_line *x) { return number(x->r->worst, x->r->validated); }
static field c_best_peer(const layer_line *x) { return text(x->peer ? x->peer->impl->name : ""); }
static field c_ratio_peer(const layer_line *x)
{
    return number(x->speed && x->peer ? x->r->median / x->peer->median : 0, x->speed && x->peer);
}
static field c_best_peer_isa(const layer_line *x)
{
    return text(x->peer_isa ? x->peer_isa->impl->name : "");
}
static field c_ratio_peer_isa(const layer_line *x)
{
    return number(x->speed && x->peer_isa ? x->r->median / x->peer_isa->median : 0,
                  x->speed && x->peer_isa);
}
static field c_timed_as(const layer_line *x)
{
    return text(x->o->first ? "" : x->b->occ[x->b->uniq[x->o->u]].layer->name);
}
static field c_note(const layer_line *x) { return text(x->r->note); }

typedef struct layer_col { const char *name; field (*get)(const layer_line *x); } layer_col;

static const layer_col LAYER_COLS[] = {
    {"op", c_op},                       {"alg", c_alg},
    {"network", c_network},             {"layer", c_layer},
    {"multiplicity", c_mult},           {"descriptor", c_desc},
    {"dt", c_dt},
    {"impl", c_impl},                   {"kernel", c_kernel},
    {"isa", c_isa},                     {"layout", c_layout},
    {"threads", c_threads},             {"batch", c_batch},
    {"cache", c_cache},                 {"repetitions", c_reps},
    {"iterations", c_iters},            {"flops_dense", c_flops},
    {"flops_benchdnn", c_flops_bd},     {"bytes", c_bytes},
    {"time_median_s", c_median},        {"time_min_s", c_min},
    {"spread_pct", c_spread},           {"gflops", c_gflops},
    {"gbs", c_gbs},                     {"peak_gflops", c_peak},
    {"pct_peak", c_pct_peak},           {"peak_gbs", c_peak_bw},
    {"pct_bw", c_pct_bw},               {"prepare_s", c_prepare},
    {"layout_in_s", c_layout_in},       {"layout_out_s", c_layout_out},
    {"end_to_end_s", c_e2e},            {"validation", c_validation},
    {"validation_method", c_val_method}, {"worst_error", c_worst},
    {"best_peer", c_best_peer},         {"ratio_to_best_peer", c_ratio_peer},
    {"best_peer_same_isa", c_best_peer_isa},
    {"ratio_to_best_peer_same_isa", c_ratio_peer_isa},
    {"timed_as", c_timed_as},           {"note", c_note},
};
enum { N_LAYER_COLS = sizeof LAYER_COLS / sizeof LAYER_COLS[0] };

static void layer_row(FILE *f, const cnb_bench *b, const cnb_bench_occ *o, const cnb_bench_row *r)
{
    layer_line x = {.b = b, .o = o, .l = o->layer, .r = r};
    x.speed = row_has_speed(r);
    x.set_up = r->started && !r->failed;
    x.flops = cnb_layer_flops_dense(x.l);
    x.bytes = cnb_layer_bytes(x.l);
    x.gflops = x.speed ? x.flops / r->median * 1e-9 : 0;
    x.gbs = x.speed ? x.bytes / r->median * 1e-9 : 0;
    x.peak = cnb_peak_gflops(r->isa, peak_type(x.l), r->threads);
    x.bw = cnb_peak_bw_gbs(CNB_BW_DRAM, r->threads);
    /* Our row against the fastest peer on the same layer and thread count (any ISA). */
    x.peer = cnb_impl_is_peer(r->impl) ? NULL : cnb_best_peer(b, o->u, r->ti);
    /* And against the fastest peer whose code ran at our row's ISA (oneDNN held to AVX2 for an
     * AVX2 kernel of ours): kernels against kernels, not ISA against ISA. */
    x.peer_isa = cnb_impl_is_peer(r->impl) ? NULL : cnb_best_peer_same_isa(b, o->u, r->ti, r->isa);
    cnb_layer_format(x.l, x.desc, sizeof x.desc);
    machine_fields(f, &b->machine);
    for (int i = 0; i < N_LAYER_COLS; i++) {
        put_field(f, LAYER_COLS[i].get(&x));
        fputc(i + 1 < N_LAYER_COLS ? ',' : '\n', f);
    }
}

int cnb_report_csv(const cnb_bench *b, FILE *f)
{
    machine_header(f);
    for (int i = 0; i < N_LAYER_COLS; i++)
        fprintf(f, "%s%c", LAYER_COLS[i].name, i + 1 < N_LAYER_COLS ? ',' : '\n');
    for (int i = 0; i < b->nocc; i++) {
        const cnb_bench_occ *o = &b->occ[i];
        for (int k = 0; k < b->nimpls; k++)
            for (int ti = 0; ti < b->nthreads; ti++) {
                const cnb_bench_row *r = cnb_bench_row_at(b, o->u, k, ti);
                if (r->kind == CNB_ROW_NA) continue;
                if (r->kind == CNB_ROW_TIMED && !r->started) continue;   /* filtered out */
                layer_row(f, b, o, r);
            }
    }
    return ferror(f) ? -1 : 0;
}

/* ---- network totals ---- */

typedef struct net_total {
    int lines_total, lines_timed;
    int started;        /* lines whose row was set up (not filtered out) */
    double time_s;      /* Σ multiplicity × median over the timed lines */
    double flops;       /* Σ multiplicity × dense FLOPs over the timed lines */
    double peak;        /* compute peak of the ISA and the block's data type at this thread count */
    cnb_isa isa;        /* total_impl: that ISA (a peer's: the widest its rows ran) */
} net_total;

/* Networks in order of first appearance; returns the count. */
static int net_names(const cnb_bench *b, const char **names, int max)
{
    int n = 0;
    for (int i = 0; i < b->nocc; i++) {
        int seen = 0;
        for (int j = 0; j < n && !seen; j++) seen = !strcmp(names[j], b->occ[i].net);
        if (!seen && n < max) names[n++] = b->occ[i].net;
    }
    return n;
}

/* An occurrence counts in the totals at `batch` when it was selected at that batch; a GEMM layer
 * (no batch, selected at the first batch only) counts at every batch. */
static int in_batch(const cnb_bench *b, const cnb_bench_occ *o, int batch)
{
    return o->batch == batch || (o->layer->kind == CNB_KIND_GEMM && o->batch == b->batches[0]);
}

/* The data-type block of a configuration: itself, except u8 pooling (u8:u8:u8), which sits in the
 * u8:s8:u8 block: the int8 inference chain of --dt int8 (conv and fc u8:s8:u8 between u8 pooling
 * layers) is one network in one type, not two. A row is only ever totalled, compared or ranked
 * within its block, so an f32 row never meets a bf16 one. */
static int dt_block(int cfg) { return cfg == CNB_DTC_U8U8U8 ? CNB_DTC_U8S8U8 : cfg; }

/* The configurations of block dtc, as dt_mask bits. */
static unsigned block_mask(int dtc)
{
    unsigned m = 0;
    for (int c = 0; c < CNB_DTC_COUNT; c++)
        if (dt_block(c) == dtc) m |= CNB_DTM(c);
    return m;
}

/* The data-type block a layer belongs to; dtc < 0 takes every layer. */
static int in_dt(const cnb_layer *l, int dtc) { return dtc < 0 || dt_block(cnb_dt_config_of(&l->prob.dt)) == dtc; }

/* 1 when the implementation runs the data types of block dtc (every block when dtc < 0): a
 * block's totals leave out the implementations of other types rather than list them untimed. */
static int takes_dtc(const cnb_impl *impl, int dtc)
{
    const unsigned mask = impl->dt_mask ? impl->dt_mask : CNB_DTM(CNB_DTC_F32);
    return dtc < 0 || (mask & block_mask(dtc));
}

/* The first layer of network `net` in data-type block dtc, one of the block's own configuration
 * when there is one (it names the block); NULL when there is none. A configuration that belongs
 * to another block (u8:u8:u8) has no layers of its own. */
static const cnb_layer *dtc_layer(const cnb_bench *b, const char *net, int dtc)
{
    const cnb_layer *any = NULL;
    if (dtc >= 0 && dt_block(dtc) != dtc) return NULL;
    for (int i = 0; i < b->nocc; i++)
        if (!strcmp(b->occ[i].net, net) && in_dt(b->occ[i].layer, dtc)) {
            if (cnb_dt_config_of(&b->occ[i].layer->prob.dt) == dtc) return b->occ[i].layer;
            if (!any) any = b->occ[i].layer;
        }
    return any;
}

/* The peak of a block: its data type's probe (f32 when the block mixes types). */
static cnb_peak_type dtc_peak_type(int dtc)
{
    return dtc == CNB_DTC_BF16 || dtc == CNB_DTC_BF16_F32 ? CNB_PT_BF16
           : dtc >= CNB_DTC_U8S8S32                        ? CNB_PT_INT8
                                                           : CNB_PT_F32;
}

/* Totals of implementation k on network `net` at one batch, over the layers of data-type block
 * dtc; lines_total = 0 when k has no layer there. */
static net_total total_impl(const cnb_bench *b, const char *net, int batch, int k, int ti, int dtc)
{
    net_total t = {0};
    const cnb_impl *impl = b->impls[k];
    t.isa = impl->isa;
    for (int i = 0; i < b->nocc; i++) {
        const cnb_bench_occ *o = &b->occ[i];
        if (strcmp(o->net, net) || !in_batch(b, o, batch) || o->layer->prob.op != impl->op ||
            !in_dt(o->layer, dtc))
            continue;
        const cnb_bench_row *r = cnb_bench_row_at(b, o->u, k, ti);
        t.lines_total++;   /* rows left out by policy (plain C off the QUICK set) count as untimed */
        t.started += r->started || r->kind == CNB_ROW_UNSUPPORTED;
        if (!row_has_speed(r)) continue;
        t.lines_timed++;
        t.time_s += o->layer->mult * r->median;
        t.flops += o->layer->mult * cnb_layer_flops_dense(o->layer);
        if (impl->ran_isa && (t.lines_timed == 1 || r->isa > t.isa)) t.isa = r->isa;
    }
    t.peak = cnb_peak_gflops(t.isa, dtc_peak_type(dtc), b->threads[ti]);
    return t;
}

/* Totals across ops (op < 0) or for one op: each line timed by the fastest of our implementations
 * that run under a cap at `isa` (its level or a level before it in the ISA table, as CNB_MAX_ISA
 * counts them: what the suite runs on a machine that stops there), or (isa < 0) by the fastest
 * peer library; with peer_isa >= 0, the fastest of the peer
 * rows whose code ran at that ISA. */
static net_total total_best_of(const cnb_bench *b, const char *net, int batch, int isa, int op,
                               int ti, int peer_isa, int dtc)
{
    net_total t = {0};
    t.peak = isa >= 0 ? cnb_peak_gflops((cnb_isa)isa, dtc_peak_type(dtc), b->threads[ti]) : 0;
    for (int i = 0; i < b->nocc; i++) {
        const cnb_bench_occ *o = &b->occ[i];
        if (strcmp(o->net, net) || !in_batch(b, o, batch) || (op >= 0 && (int)o->layer->prob.op != op) ||
            !in_dt(o->layer, dtc))
            continue;
        t.lines_total++;
        double best = 0;
        for (int k = 0; k < b->nimpls; k++) {
            const cnb_impl *impl = b->impls[k];
            if (impl->op != o->layer->prob.op) continue;
            if (isa >= 0 ? cnb_impl_is_peer(impl) || (int)impl->isa > isa : !cnb_impl_is_peer(impl))
                continue;
            const cnb_bench_row *r = cnb_bench_row_at(b, o->u, k, ti);
            t.started += r->started;
            if (isa < 0 && peer_isa >= 0 && (int)r->isa != peer_isa) continue;
            if (row_has_speed(r) && (best == 0 || r->median < best)) best = r->median;
        }
        if (best == 0) continue;
        t.lines_timed++;
        t.time_s += o->layer->mult * best;
        t.flops += o->layer->mult * cnb_layer_flops_dense(o->layer);
    }
    return t;
}

static net_total total_best(const cnb_bench *b, const char *net, int batch, int isa, int op, int ti,
                            int dtc)
{
    return total_best_of(b, net, batch, isa, op, ti, -1, dtc);
}

static int have_peers(const cnb_bench *b)
{
    for (int k = 0; k < b->nimpls; k++)
        if (cnb_impl_is_peer(b->impls[k])) return 1;
    return 0;
}

/* Number of distinct ops among the layers of a network. */
static int net_ops(const cnb_bench *b, const char *net)
{
    int seen[3] = {0}, n = 0;
    for (int i = 0; i < b->nocc; i++)
        if (!strcmp(b->occ[i].net, net) && !seen[b->occ[i].layer->prob.op]++) n++;
    return n;
}

/* 1 when one of our selected implementations of exactly this ISA takes the data-type block: an
 * "all/<isa>" row of a block is shown only for the levels that add something to it. */
static int isa_takes_dtc(const cnb_bench *b, int isa, int dtc)
{
    for (int k = 0; k < b->nimpls; k++)
        if ((int)b->impls[k]->isa == isa && !cnb_impl_is_peer(b->impls[k]) && takes_dtc(b->impls[k], dtc))
            return 1;
    return 0;
}

/* ISAs that have at least one selected implementation of ours, widest first. */
static int isa_list(const cnb_bench *b, int *isas)
{
    int n = 0;
    for (int isa = CNB_ISA_COUNT - 1; isa >= 0; isa--)
        for (int k = 0; k < b->nimpls; k++)
            if ((int)b->impls[k]->isa == isa && !cnb_impl_is_peer(b->impls[k])) {
                isas[n++] = isa;
                break;
            }
    return n;
}

/* One line of the per-network CSV: totals of an implementation (or of the best per layer) on a
 * network at one thread count, and what derives from them. */
typedef struct net_line {
    const cnb_bench *b;
    const char *net, *impl, *op, *isa, *dt;
    int ti, batch;
    const net_total *t;
    int complete, any, ratio;   /* every line timed; any time; a ratio to the peers applies */
    int ratio_isa;              /* a ratio to the peers that ran the same ISA applies */
    double per_image, gflops, peer_time_s, peer_isa_time_s;
} net_line;

static field n_network(const net_line *x) { return text(x->net); }
static field n_impl(const net_line *x) { return text(x->impl); }
static field n_dt(const net_line *x) { return text(x->dt); }
static field n_op(const net_line *x) { return text(x->op); }
static field n_isa(const net_line *x) { return text(x->isa); }
static field n_threads(const net_line *x) { return integer(x->b->threads[x->ti]); }
static field n_batch(const net_line *x) { return integer(x->batch); }
static field n_cache(const net_line *x) { return text(x->b->cold ? "cold" : "warm"); }
static field n_total(const net_line *x) { return integer(x->t->lines_total); }
static field n_timed(const net_line *x) { return integer(x->t->lines_timed); }
static field n_complete(const net_line *x) { return integer(x->complete); }
static field n_per_image(const net_line *x) { return number(x->per_image, x->any); }
static field n_images(const net_line *x) { return number(x->any ? 1 / x->per_image : 0, x->any); }
static field n_gflop(const net_line *x) { return number(x->t->flops / x->batch * 1e-9, x->any); }
static field n_gflops(const net_line *x) { return number(x->gflops, x->any); }
static field n_peak(const net_line *x) { return number(x->t->peak, x->t->peak > 0); }
static field n_pct_peak(const net_line *x)
{
    return number(x->t->peak > 0 ? 100 * x->gflops / x->t->peak : 0, x->any && x->t->peak > 0);
}
static field n_best_peer(const net_line *x) { return text(x->ratio ? "best_per_layer" : ""); }
static field n_ratio(const net_line *x)
{
    return number(x->ratio ? x->t->time_s / x->peer_time_s : 0, x->ratio);
}

static field n_ratio_isa(const net_line *x)
{
    return number(x->ratio_isa ? x->t->time_s / x->peer_isa_time_s : 0, x->ratio_isa);
}

typedef struct net_col { const char *name; field (*get)(const net_line *x); } net_col;

static const net_col NET_COLS[] = {
    {"network", n_network},             {"impl", n_impl},
    {"dt", n_dt},
    {"op", n_op},                       {"isa", n_isa},
    {"threads", n_threads},             {"batch", n_batch},
    {"cache", n_cache},                 {"layers_total", n_total},
    {"layers_timed", n_timed},          {"complete", n_complete},
    {"time_per_image_s", n_per_image},  {"images_per_s", n_images},
    {"gflop_per_image", n_gflop},       {"gflops", n_gflops},
    {"peak_gflops", n_peak},            {"pct_peak", n_pct_peak},
    {"best_peer", n_best_peer},         {"ratio_to_best_peer", n_ratio},
    {"ratio_to_best_peer_same_isa", n_ratio_isa},
};
enum { N_NET_COLS = sizeof NET_COLS / sizeof NET_COLS[0] };

static int covers(const net_line *x, const net_total *peer)
{
    return peer && x->complete && x->any && peer->lines_timed == peer->lines_total &&
           peer->time_s > 0;
}

static void net_row(FILE *f, const cnb_bench *b, const char *net, const char *dt, int batch,
                    const char *impl, const char *op, const char *isa, int ti, const net_total *t,
                    const net_total *peer, const net_total *peer_isa)
{
    net_line x = {.b = b, .net = net, .impl = impl, .op = op, .isa = isa, .dt = dt, .ti = ti,
                  .batch = batch, .t = t};
    x.complete = t->lines_timed == t->lines_total;
    x.any = t->lines_timed > 0 && t->time_s > 0;
    x.per_image = x.any ? t->time_s / batch : 0;
    x.gflops = x.any ? t->flops / t->time_s * 1e-9 : 0;
    /* Against each layer's fastest peer, when both cover every layer. */
    x.ratio = covers(&x, peer);
    x.peer_time_s = peer ? peer->time_s : 0;
    x.ratio_isa = covers(&x, peer_isa);
    x.peer_isa_time_s = peer_isa ? peer_isa->time_s : 0;
    machine_fields(f, &b->machine);
    for (int i = 0; i < N_NET_COLS; i++) {
        put_field(f, NET_COLS[i].get(&x));
        fputc(i + 1 < N_NET_COLS ? ',' : '\n', f);
    }
}

/* The rows of one network and one data-type block: each implementation, the best of ours per
 * ISA across ops, and the best peer. */
static void net_blocks(const cnb_bench *b, FILE *f, const char *net, const char *dt, int dtc,
                       const char *const *ops, int ni, const int *isas, int peers)
{
    for (int j = 0; j < b->nbatches; j++) {
        const int mb = b->batches[j];
        for (int k = 0; k < b->nimpls; k++)
            for (int ti = 0; ti < b->nthreads; ti++) {
                const cnb_impl *impl = b->impls[k];
                if (!takes_dtc(impl, dtc)) continue;
                const net_total t = total_impl(b, net, mb, k, ti, dtc);
                if (!t.started) continue;   /* not in this run (policy, filter) */
                const net_total p = total_best(b, net, mb, -1, impl->op, ti, dtc);
                const net_total pi = total_best_of(b, net, mb, -1, impl->op, ti, t.isa, dtc);
                const int ours = peers && !cnb_impl_is_peer(impl);
                net_row(f, b, net, dt, mb, impl->name, ops[impl->op], cnb_isa_name(t.isa), ti,
                        &t, ours ? &p : NULL, ours ? &pi : NULL);
            }
        const int multi = net_ops(b, net) > 1;
        for (int i = 0; i < ni && multi; i++)
            for (int ti = 0; ti < b->nthreads && isa_takes_dtc(b, isas[i], dtc); ti++) {
                const net_total t = total_best(b, net, mb, isas[i], -1, ti, dtc);
                const net_total p = total_best(b, net, mb, -1, -1, ti, dtc);
                const net_total pi = total_best_of(b, net, mb, -1, -1, ti, isas[i], dtc);
                if (!t.started) continue;
                char name[32];
                snprintf(name, sizeof name, "all/%s", cnb_isa_name(isas[i]));
                net_row(f, b, net, dt, mb, name, "all", cnb_isa_name(isas[i]), ti, &t,
                        peers ? &p : NULL, peers ? &pi : NULL);
            }
        for (int ti = 0; ti < b->nthreads && peers; ti++) {
            const net_total t = total_best(b, net, mb, -1, -1, ti, dtc);
            if (t.started)
                net_row(f, b, net, dt, mb, "all/best_peer", "all", "", ti, &t, NULL, NULL);
        }
    }
}

int cnb_report_networks_csv(const cnb_bench *b, FILE *f)
{
    machine_header(f);
    for (int i = 0; i < N_NET_COLS; i++)
        fprintf(f, "%s%c", NET_COLS[i].name, i + 1 < N_NET_COLS ? ',' : '\n');
    const char *nets[256];
    int isas[CNB_ISA_COUNT];
    const int nn = net_names(b, nets, 256), ni = isa_list(b, isas), peers = have_peers(b);
    static const char *const ops[] = {"conv", "pool", "gemm"};
    for (int n = 0; n < nn; n++)
        for (int dtc = 0; dtc < CNB_DTC_COUNT; dtc++) {
            /* One block per data-type triple the network's layers use (results/README.md). */
            const cnb_layer *any = dtc_layer(b, nets[n], dtc);
            if (!any) continue;
            char dt[32];
            dt_text(&any->prob.dt, dt, sizeof dt);
            net_blocks(b, f, nets[n], dt, dtc, ops, ni, isas, peers);
        }
    return ferror(f) ? -1 : 0;
}

/* ---- terminal summary ---- */

static void summary_cells(FILE *f, int batch, const net_total *t)
{
    if (!t->lines_timed) {
        fprintf(f, " | %9s %8s %8s %5s", "-", "-", "-", "-");
        return;
    }
    if (t->lines_timed < t->lines_total) {
        fprintf(f, " | %-33s", "partial");
        return;
    }
    const double per_image = t->time_s / batch;
    const double gflops = t->flops / t->time_s * 1e-9;
    char pct[16] = "-";
    if (t->peak > 0) snprintf(pct, sizeof pct, "%.1f", 100 * gflops / t->peak);
    fprintf(f, " | %9.3f %8.1f %8.1f %5s", per_image * 1e3, 1 / per_image, gflops, pct);
}

void cnb_report_summary(const cnb_bench *b, FILE *f)
{
    const char *nets[256];
    int isas[CNB_ISA_COUNT];
    const int nn = net_names(b, nets, 256), ni = isa_list(b, isas);
    /* One batch: as it always was. Several: a batch column after the network, and the header
     * names them all. */
    const int many = b->nbatches > 1;
    char batches[512] = "";
    for (int j = 0, len = 0; j < b->nbatches && len < (int)sizeof batches; j++)
        len += snprintf(batches + len, sizeof batches - len, "%s%d", j ? "," : "", b->batches[j]);
    fprintf(f, "\nPer network, batch%s %s, %s cache: time per image = sum over its layers of "
               "multiplicity x median%s; GFLOP/s = dense FLOPs / that time; %%peak of the ISA's "
               "compute peak for the data type (f32 FMA, bf16, int8) at that thread count; one block per data type. \"all/<isa>\" = every op, each layer by the fastest "
               "implementation of ours that runs under a cap at that ISA (CNB_MAX_ISA=<isa>); \"all/best_peer\" = each layer by the fastest peer "
               "library. \"partial\" = some layers failed or were not timed.\n",
            many ? "es" : "", batches, b->cold ? "cold" : "warm", many ? " / batch" : "");
    /* The network column holds "<network> <dt>" for a network of several data types: as wide as
     * the longest such name, so that the columns after it stay aligned. */
    int wn = 16;
    for (int n = 0; n < nn; n++) {
        int blocks = 0;
        for (int d = 0; d < CNB_DTC_COUNT; d++) blocks += dtc_layer(b, nets[n], d) != NULL;
        for (int d = 0; d < CNB_DTC_COUNT; d++) {
            const cnb_layer *any = dtc_layer(b, nets[n], d);
            if (!any) continue;
            char dt[32];
            dt_text(&any->prob.dt, dt, sizeof dt);
            const int w = (int)strlen(nets[n]) + (blocks > 1 ? 1 + (int)strlen(dt) : 0);
            if (w > wn) wn = w;
        }
    }
    fprintf(f, "%-*s %s%-22s %7s", wn, "network", many ? "batch " : "", "implementation", "layers");
    for (int ti = 0; ti < b->nthreads; ti++)
        fprintf(f, " | %-9s %8s %8s %5s", "", "", "", "");
    fprintf(f, "\n%-*s %s%-22s %7s", wn, "", many ? "      " : "", "", "");
    for (int ti = 0; ti < b->nthreads; ti++) {
        char h[16];
        snprintf(h, sizeof h, "t=%d ms/img", b->threads[ti]);
        fprintf(f, " | %9s %8s %8s %5s", h, "img/s", "GFLOP/s", "%peak");
    }
    fprintf(f, "\n");
    for (int n = 0; n < nn; n++)
        for (int dtc = 0; dtc < CNB_DTC_COUNT; dtc++) {
        /* One block per data-type triple, as in the networks CSV; a network of several types
         * shows its name with the type. */
        const cnb_layer *any = dtc_layer(b, nets[n], dtc);
        if (!any) continue;
        int blocks = 0;
        for (int d = 0; d < CNB_DTC_COUNT; d++) blocks += dtc_layer(b, nets[n], d) != NULL;
        char netname[96], dt[32];
        dt_text(&any->prob.dt, dt, sizeof dt);
        if (blocks > 1) snprintf(netname, sizeof netname, "%s %s", nets[n], dt);
        else snprintf(netname, sizeof netname, "%s", nets[n]);
        int first = 1;
        for (int j = 0; j < b->nbatches; j++) {
            const int mb = b->batches[j];
            int first_mb = 1;
            char mbcell[16] = "";
            for (int k = 0; k < b->nimpls + ni + have_peers(b); k++) {
                net_total t[64];
                int started = 0;
                const char *name;
                char all[32];
                if (k < b->nimpls) {
                    if (!takes_dtc(b->impls[k], dtc)) continue;
                    for (int ti = 0; ti < b->nthreads; ti++) {
                        t[ti] = total_impl(b, nets[n], mb, k, ti, dtc);
                        started += t[ti].started;
                    }
                    name = b->impls[k]->name;
                } else {
                    const int i = k - b->nimpls;
                    if (i < ni && (net_ops(b, nets[n]) <= 1 || !isa_takes_dtc(b, isas[i], dtc))) continue;
                    const int isa = i < ni ? isas[i] : -1;
                    for (int ti = 0; ti < b->nthreads; ti++) {
                        t[ti] = total_best(b, nets[n], mb, isa, -1, ti, dtc);
                        started += t[ti].started;
                    }
                    snprintf(all, sizeof all, "all/%s", isa >= 0 ? cnb_isa_name(isa) : "best_peer");
                    name = all;
                }
                if (!started) continue;
                char lines[32];
                snprintf(lines, sizeof lines, "%d/%d", t[0].lines_timed, t[0].lines_total);
                if (many) snprintf(mbcell, sizeof mbcell, "%5s ", first_mb ? "" : "");
                if (many && first_mb) snprintf(mbcell, sizeof mbcell, "%5d ", mb);
                fprintf(f, "%-*s %s%-22s %7s", wn, first ? netname : "", mbcell, name, lines);
                for (int ti = 0; ti < b->nthreads; ti++) summary_cells(f, mb, &t[ti]);
                fprintf(f, "\n");
                first = first_mb = 0;
            }
        }
    }
}
