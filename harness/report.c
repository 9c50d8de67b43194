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

double cnb_row_gflops(const cnb_bench_row *r)
{
    return row_has_speed(r) ? cnb_layer_flops_dense(r->layer) / r->median * 1e-9 : 0;
}

double cnb_row_pct_peak(const cnb_bench_row *r)
{
    const double peak = cnb_peak_fma_gflops(r->impl->isa, r->threads);
    return peak > 0 ? 100 * cnb_row_gflops(r) / peak : 0;
}

/* ---- CSV helpers ---- */

static void csv_str(FILE *f, const char *s)
{
    if (!s) s = "";
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(',', f);
}

static void csv_int(FILE *f, long long v) { fprintf(f, "%lld,", v); }

/* A number, or an empty field when absent (negative means "not applicable"). */
static void csv_num(FILE *f, double v, int present)
{
    if (!present) fputc(',', f);
    else if (isinf(v)) fputs("inf,", f);
    else fprintf(f, "%.6g,", v);
}

static void csv_end(FILE *f) { fputs("\n", f); }

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

static void machine_fields(FILE *f, const cnb_machine *m)
{
    csv_int(f, CNB_CSV_SCHEMA);
    csv_str(f, m->name);
    csv_str(f, m->cpu_model);
    csv_str(f, m->isas);
    csv_int(f, m->cores);
    csv_int(f, m->l1d >> 10);
    csv_int(f, m->l2 >> 10);
    csv_int(f, m->l3 >> 10);
    csv_int(f, m->l3_reported >> 10);
    csv_str(f, m->compiler);
    csv_str(f, m->cflags);
    csv_str(f, m->libraries);
    csv_str(f, m->peers);
    csv_str(f, m->date);
    csv_str(f, m->commit);
}

#define MACHINE_HEADER "schema,machine,cpu_model,isas,cores,l1d_kib,l2_kib,l3_kib,l3_reported_kib," \
                       "compiler,cflags,libraries,peers,date,commit,"

static const char CSV_HEADER[] =
    MACHINE_HEADER
    "op,alg,network,layer,multiplicity,descriptor,impl,kernel,isa,layout,threads,batch,cache,"
    "repetitions,iterations,flops_dense,flops_benchdnn,bytes,time_median_s,time_min_s,spread_pct,"
    "gflops,gbs,peak_gflops,pct_peak,peak_gbs,pct_bw,prepare_s,layout_in_s,layout_out_s,"
    "end_to_end_s,validation,validation_method,worst_error,best_peer,ratio_to_best_peer,"
    "timed_as,note";

static void layer_row(FILE *f, const cnb_bench *b, const cnb_bench_occ *o, const cnb_bench_row *r)
{
    const cnb_layer *l = o->layer;
    const int speed = row_has_speed(r);
    char desc[CNB_DESC_MAX];
    cnb_layer_format(l, desc, sizeof desc);
    machine_fields(f, &b->machine);
    csv_str(f, op_name(l));
    csv_str(f, alg_name(l));
    csv_str(f, o->net);
    csv_str(f, l->name);
    csv_int(f, l->mult);
    csv_str(f, desc);
    csv_str(f, r->impl->name);
    csv_str(f, r->kernel[0] ? r->kernel : r->impl->name);
    csv_str(f, cnb_isa_name(r->impl->isa));
    csv_str(f, r->impl->op == CNB_OP_GEMM ? "row-major" : cnb_layout_name(r->impl->layout));
    csv_int(f, r->threads);
    if (l->kind == CNB_KIND_GEMM) csv_str(f, "");
    else csv_int(f, layer_batch(l));
    csv_str(f, b->cold ? "cold" : "warm");
    csv_int(f, speed ? r->nrep : 0);
    csv_int(f, speed ? r->iters : 0);
    const double flops = cnb_layer_flops_dense(l), bytes = cnb_layer_bytes(l);
    csv_num(f, flops, 1);
    csv_num(f, cnb_layer_flops_benchdnn(l), 1);
    csv_num(f, bytes, 1);
    csv_num(f, r->median, speed);
    csv_num(f, r->min, speed);
    csv_num(f, speed ? 100 * (r->max - r->min) / r->median : 0, speed);
    const double peak = cnb_peak_fma_gflops(r->impl->isa, r->threads);
    const double bw = cnb_peak_bw_gbs(CNB_BW_DRAM, r->threads);
    const double gflops = speed ? flops / r->median * 1e-9 : 0;
    const double gbs = speed ? bytes / r->median * 1e-9 : 0;
    csv_num(f, gflops, speed);
    csv_num(f, gbs, speed);
    csv_num(f, peak, peak > 0);
    csv_num(f, peak > 0 ? 100 * gflops / peak : 0, speed && peak > 0);
    csv_num(f, bw, bw > 0);
    csv_num(f, bw > 0 ? 100 * gbs / bw : 0, speed && bw > 0);
    csv_num(f, r->prepare_s, r->started && !r->failed && r->prepare_s >= 0);
    csv_num(f, r->layout_in_s, r->started && !r->failed && r->layout_in_s >= 0);
    csv_num(f, r->layout_out_s, r->started && !r->failed && r->layout_out_s >= 0);
    const double e2e = r->median + (r->layout_in_s > 0 ? r->layout_in_s : 0) +
                       (r->layout_out_s > 0 ? r->layout_out_s : 0);
    csv_num(f, e2e, speed);
    /* ERROR: validated (or not yet) but the timing set-up failed, e.g. out of memory. */
    const char *status = r->kind == CNB_ROW_UNSUPPORTED                ? "SKIP"
                         : !r->validated                              ? "ERROR"
                         : r->failed && r->val == CNB_VAL_PASS         ? "ERROR"
                                                                      : cnb_val_status_name(r->val);
    csv_str(f, status);
    csv_str(f, r->validated ? r->val_method : "");
    csv_num(f, r->worst, r->validated);
    /* Our row against the fastest peer on the same layer and thread count (any ISA). */
    const cnb_bench_row *peer = cnb_impl_is_peer(r->impl) ? NULL : cnb_best_peer(b, o->u, r->ti);
    csv_str(f, peer ? peer->impl->name : "");
    csv_num(f, speed && peer ? r->median / peer->median : 0, speed && peer);
    csv_str(f, o->first ? "" : b->occ[b->uniq[o->u]].layer->name);
    /* the last field: no trailing comma */
    const char *note = r->note;
    if (strpbrk(note, ",\"\n\r")) {
        fputc('"', f);
        for (const char *s = note; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
        }
        fputc('"', f);
    } else {
        fputs(note, f);
    }
    csv_end(f);
}

int cnb_report_csv(const cnb_bench *b, FILE *f)
{
    fprintf(f, "%s\n", CSV_HEADER);
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
    double peak;        /* FMA peak of the ISA at this thread count */
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

/* Totals of implementation k on network `net`; lines_total = 0 when k has no layer there. */
static net_total total_impl(const cnb_bench *b, const char *net, int k, int ti)
{
    net_total t = {0};
    const cnb_impl *impl = b->impls[k];
    t.peak = cnb_peak_fma_gflops(impl->isa, b->threads[ti]);
    for (int i = 0; i < b->nocc; i++) {
        const cnb_bench_occ *o = &b->occ[i];
        if (strcmp(o->net, net) || o->layer->prob.op != impl->op) continue;
        const cnb_bench_row *r = cnb_bench_row_at(b, o->u, k, ti);
        t.lines_total++;   /* rows left out by policy (plain C off the QUICK set) count as untimed */
        t.started += r->started || r->kind == CNB_ROW_UNSUPPORTED;
        if (!row_has_speed(r)) continue;
        t.lines_timed++;
        t.time_s += o->layer->mult * r->median;
        t.flops += o->layer->mult * cnb_layer_flops_dense(o->layer);
    }
    return t;
}

/* Totals across ops (op < 0) or for one op: each line timed by the fastest of our implementations
 * of `isa`, or (isa < 0) by the fastest peer library. */
static net_total total_best(const cnb_bench *b, const char *net, int isa, int op, int ti)
{
    net_total t = {0};
    t.peak = isa >= 0 ? cnb_peak_fma_gflops((cnb_isa)isa, b->threads[ti]) : 0;
    for (int i = 0; i < b->nocc; i++) {
        const cnb_bench_occ *o = &b->occ[i];
        if (strcmp(o->net, net) || (op >= 0 && (int)o->layer->prob.op != op)) continue;
        t.lines_total++;
        double best = 0;
        for (int k = 0; k < b->nimpls; k++) {
            const cnb_impl *impl = b->impls[k];
            if (impl->op != o->layer->prob.op) continue;
            if (isa >= 0 ? cnb_impl_is_peer(impl) || (int)impl->isa != isa : !cnb_impl_is_peer(impl))
                continue;
            const cnb_bench_row *r = cnb_bench_row_at(b, o->u, k, ti);
            t.started += r->started;
            if (row_has_speed(r) && (best == 0 || r->median < best)) best = r->median;
        }
        if (best == 0) continue;
        t.lines_timed++;
        t.time_s += o->layer->mult * best;
        t.flops += o->layer->mult * cnb_layer_flops_dense(o->layer);
    }
    return t;
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

static const char NET_HEADER[] =
    MACHINE_HEADER
    "network,impl,op,isa,threads,batch,cache,layers_total,layers_timed,complete,time_per_image_s,"
    "images_per_s,gflop_per_image,gflops,peak_gflops,pct_peak,best_peer,ratio_to_best_peer";

static void net_row(FILE *f, const cnb_bench *b, const char *net, const char *impl, const char *op,
                    const char *isa, int ti, const net_total *t, const net_total *peer)
{
    const int complete = t->lines_timed == t->lines_total;
    const int any = t->lines_timed > 0 && t->time_s > 0;
    const double per_image = any ? t->time_s / b->batch : 0;
    const double gflops = any ? t->flops / t->time_s * 1e-9 : 0;
    machine_fields(f, &b->machine);
    csv_str(f, net);
    csv_str(f, impl);
    csv_str(f, op);
    csv_str(f, isa);
    csv_int(f, b->threads[ti]);
    csv_int(f, b->batch);
    csv_str(f, b->cold ? "cold" : "warm");
    csv_int(f, t->lines_total);
    csv_int(f, t->lines_timed);
    csv_int(f, complete);
    csv_num(f, per_image, any);
    csv_num(f, any ? 1 / per_image : 0, any);
    csv_num(f, t->flops / b->batch * 1e-9, any);
    csv_num(f, gflops, any);
    csv_num(f, t->peak, t->peak > 0);
    csv_num(f, t->peak > 0 ? 100 * gflops / t->peak : 0, any && t->peak > 0);
    /* Against each layer's fastest peer, when both cover every layer. */
    const int ratio = peer && complete && any && peer->lines_timed == peer->lines_total &&
                      peer->time_s > 0;
    csv_str(f, ratio ? "best_per_layer" : "");
    if (ratio) fprintf(f, "%.6g", t->time_s / peer->time_s);
    fputs("\n", f);
}

int cnb_report_networks_csv(const cnb_bench *b, FILE *f)
{
    fprintf(f, "%s\n", NET_HEADER);
    const char *nets[256];
    int isas[CNB_ISA_COUNT];
    const int nn = net_names(b, nets, 256), ni = isa_list(b, isas), peers = have_peers(b);
    static const char *const ops[] = {"conv", "pool", "gemm"};
    for (int n = 0; n < nn; n++) {
        for (int k = 0; k < b->nimpls; k++)
            for (int ti = 0; ti < b->nthreads; ti++) {
                const cnb_impl *impl = b->impls[k];
                const net_total t = total_impl(b, nets[n], k, ti);
                if (!t.started) continue;   /* not in this run (policy, filter) */
                const net_total p = total_best(b, nets[n], -1, impl->op, ti);
                net_row(f, b, nets[n], impl->name, ops[impl->op], cnb_isa_name(impl->isa), ti, &t,
                        peers && !cnb_impl_is_peer(impl) ? &p : NULL);
            }
        const int multi = net_ops(b, nets[n]) > 1;
        for (int i = 0; i < ni && multi; i++)
            for (int ti = 0; ti < b->nthreads; ti++) {
                const net_total t = total_best(b, nets[n], isas[i], -1, ti);
                const net_total p = total_best(b, nets[n], -1, -1, ti);
                if (!t.started) continue;
                char name[32];
                snprintf(name, sizeof name, "all/%s", cnb_isa_name(isas[i]));
                net_row(f, b, nets[n], name, "all", cnb_isa_name(isas[i]), ti, &t, peers ? &p : NULL);
            }
        for (int ti = 0; ti < b->nthreads && peers; ti++) {
            const net_total t = total_best(b, nets[n], -1, -1, ti);
            if (t.started) net_row(f, b, nets[n], "all/best_peer", "all", "", ti, &t, NULL);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ---- terminal summary ---- */

static void summary_cells(FILE *f, const cnb_bench *b, const net_total *t)
{
    if (!t->lines_timed) {
        fprintf(f, " | %9s %8s %8s %5s", "-", "-", "-", "-");
        return;
    }
    if (t->lines_timed < t->lines_total) {
        fprintf(f, " | %-33s", "partial");
        return;
    }
    const double per_image = t->time_s / b->batch;
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
    fprintf(f, "\nPer network, batch %d, %s cache: time per image = sum over its layers of "
               "multiplicity x median; GFLOP/s = dense FLOPs / that time; %%peak of the ISA's "
               "FMA peak at that thread count. \"all/<isa>\" = every op, each layer by the fastest "
               "implementation of ours with that ISA; \"all/best_peer\" = each layer by the fastest peer "
               "library. \"partial\" = some layers failed or were not timed.\n",
            b->batch, b->cold ? "cold" : "warm");
    fprintf(f, "%-16s %-22s %7s", "network", "implementation", "layers");
    for (int ti = 0; ti < b->nthreads; ti++)
        fprintf(f, " | %-9s %8s %8s %5s", "", "", "", "");
    fprintf(f, "\n%-16s %-22s %7s", "", "", "");
    for (int ti = 0; ti < b->nthreads; ti++) {
        char h[16];
        snprintf(h, sizeof h, "t=%d ms/img", b->threads[ti]);
        fprintf(f, " | %9s %8s %8s %5s", h, "img/s", "GFLOP/s", "%peak");
    }
    fprintf(f, "\n");
    for (int n = 0; n < nn; n++) {
        int first = 1;
        for (int k = 0; k < b->nimpls; k++) {
            net_total t[64];
            int started = 0;
            for (int ti = 0; ti < b->nthreads; ti++) {
                t[ti] = total_impl(b, nets[n], k, ti);
                started += t[ti].started;
            }
            if (!started) continue;
            char lines[32];
            snprintf(lines, sizeof lines, "%d/%d", t[0].lines_timed, t[0].lines_total);
            fprintf(f, "%-16s %-22s %7s", first ? nets[n] : "", b->impls[k]->name, lines);
            for (int ti = 0; ti < b->nthreads; ti++) summary_cells(f, b, &t[ti]);
            fprintf(f, "\n");
            first = 0;
        }
        const int multi = net_ops(b, nets[n]) > 1;
        for (int i = 0; i < ni + have_peers(b); i++) {
            if (!multi && i < ni) continue;
            net_total t[64];
            const int isa = i < ni ? isas[i] : -1;
            int started = 0;
            for (int ti = 0; ti < b->nthreads; ti++) {
                t[ti] = total_best(b, nets[n], isa, -1, ti);
                started += t[ti].started;
            }
            if (!started) continue;
            char name[32], lines[32];
            snprintf(name, sizeof name, "all/%s", isa >= 0 ? cnb_isa_name(isa) : "best_peer");
            snprintf(lines, sizeof lines, "%d/%d", t[0].lines_timed, t[0].lines_total);
            fprintf(f, "%-16s %-22s %7s", "", name, lines);
            for (int ti = 0; ti < b->nthreads; ti++) summary_cells(f, b, &t[ti]);
            fprintf(f, "\n");
        }
    }
}
