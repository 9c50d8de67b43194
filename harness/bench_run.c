/* `cnnbench bench`, the timing (harness/bench_parts.h): the rows registered with Google Benchmark
 * so that their repetitions interleave, and its callbacks: validation when a row first comes up,
 * its data (copies rotated for a cold cache), prepared and converted once, the warm-up, the
 * repetitions, the progress lines. */
#include <math.h>
#include <omp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/sysfs.h"
#include "arch/topo.h"
#include "harness/bench_parts.h"
#include "harness/layout.h"

#if CNB_HAVE_BENCHMARK

bench_state bench_g;

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- progress ---- */

static void progress_prefix(char *buf, int size, int n)
{
    const int el = (int)(bench_now() - bench_g.t0);
    int w = 1;
    for (int t = bench_g.total; t >= 10; t /= 10) w++;
    snprintf(buf, size, "[%*d/%d %2d:%02d]", w, n, bench_g.total, el / 60, el % 60);
}

/* " mb8" after the layer's name when the run has several batch sizes; "" otherwise. */
static const char *batch_tag(const cnb_bench_row *r, char *buf, int size)
{
    const cnb_bench *b = bench_g.b;
    buf[0] = 0;
    if (b->nbatches > 1) snprintf(buf, size, " mb%d", b->occ[b->uniq[r->u]].batch);
    return buf;
}

static void progress_start(const cnb_bench_row *r)
{
    char mb[24];
    if (!bench_g.tty || bench_g.verbose) return;
    char p[64];
    progress_prefix(p, sizeof p, bench_g.done + 1);
    fprintf(stderr, "\r\033[K%s %s %s%s t=%d rep %d/%d ...", p, r->impl->name, r->layer->name,
            batch_tag(r, mb, sizeof mb), r->threads, r->nrep + 1, bench_g.b->reps);
    fflush(stderr);
}

static void progress_done(const cnb_bench_row *r)
{
    char p[64], mb[24];
    progress_prefix(p, sizeof p, bench_g.done);
    batch_tag(r, mb, sizeof mb);
    if (r->failed) {
        fprintf(stderr, "%s%s %s %s%s t=%d: %s %s\n", bench_g.tty ? "\r\033[K" : "", p, r->impl->name,
                r->layer->name, mb, r->threads, r->validated ? cnb_val_status_name(r->val) : "ERROR",
                r->note);
        return;
    }
    fprintf(stderr, "%s%s %s %s%s t=%d  %.4g ms ±%.1f%%  %.1f GFLOP/s  %.0f%% peak%s",
            bench_g.tty ? "\r\033[K" : "", p, r->impl->name, r->layer->name, mb, r->threads, r->median * 1e3,
            100 * (r->max - r->min) / r->median, cnb_row_gflops(r), cnb_row_pct_peak(r),
            bench_g.tty && !bench_g.verbose ? "" : "\n");
    fflush(stderr);
}

/* ---- threads ---- */

static void use_threads(int t)
{
    if (bench_g.cur_threads == t) return;
    omp_set_num_threads(t);
    cnb_bind_omp_threads(t);
    bench_g.cur_threads = t;
}

/* ---- validation ---- */

/* Exact-mode output of the implementation at the current thread count, hashed; 0 = same hash. */
static int same_hash(const cnb_bench_row *r, uint64_t want)
{
    cnb_case c;
    char err[256];
    if (cnb_case_init(&c, r->impl, r->layer, CNB_MODE_EXACT, bench_g.seed, err, sizeof err)) return -1;
    int rc = -1;
    if (cnb_case_prepare(&c) == 0) {
        cnb_case_to_impl(&c);
        cnb_case_run(&c);
        cnb_case_from_impl(&c);
        rc = cnb_hash(c.dst.data, c.dst.n * c.dst.esize, 0) == want ? 0 : -1;
    }
    cnb_case_free(&c);
    return rc;
}

static void validate_row(cnb_bench_row *r)
{
    const cnb_bench *b = bench_g.b;
    r->validated = 1;
    /* Exact mode makes every correct output bit-identical: once one implementation (or thread
     * count) of this layer passed against the reference run (no golden hash), the hash of that
     * output stands in for the slow reference for the others. */
    const cnb_bench_row *p = NULL;
    for (int k = 0; k < b->nimpls && !p && cnb_hash_available(); k++)
        for (int ti = 0; ti < b->nthreads && !p; ti++) {
            const cnb_bench_row *q = cnb_bench_row_at(b, r->u, k, ti);
            if (q->validated && q->val == CNB_VAL_PASS && !strcmp(q->val_method, "reference")) p = q;
        }
    if (p && same_hash(r, p->out_hash) == 0) {
        r->val = CNB_VAL_PASS;
        r->worst = 0;
        r->out_hash = p->out_hash;
        snprintf(r->val_method, sizeof r->val_method, "reference-hash");
        return;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = bench_g.seed, .use_golden = bench_g.use_golden};
    cnb_val_result v;
    cnb_validate(r->impl, r->layer, &o, &v);
    if (v.status == CNB_VAL_SKIP && strstr(v.why, "exact mode")) {
        o.mode = CNB_MODE_RANDOM;
        cnb_validate(r->impl, r->layer, &o, &v);
    }
    r->val = v.status;
    r->worst = v.worst_ratio;
    r->out_hash = v.out_hash;
    snprintf(r->val_method, sizeof r->val_method, "%s",
             o.mode == CNB_MODE_RANDOM ? "random" : v.golden ? "golden" : "reference");
    if (v.why[0]) snprintf(r->note, sizeof r->note, "%s", v.why);
    if (v.status == CNB_VAL_SKIP) r->val = CNB_VAL_FAIL;   /* supports() said yes: inconsistent */
}

/* ---- data of a row ---- */

static row_data *data_of(const cnb_bench_row *r)
{
    return &bench_g.data[r - bench_g.b->rows];
}

void bench_free_cases(cnb_bench_row *r)
{
    row_data *d = data_of(r);
    for (int i = 0; i < d->ncases; i++) cnb_case_free(&d->cases[i]);
    free(d->cases);
    d->cases = NULL;
    d->ncases = d->next = 0;
    if (bench_g.ready == r) bench_g.ready = NULL;
}

static double case_bytes(const cnb_case *c)
{
    /* Each buffer by its element size; the weights twice (the packed copy). */
    return (double)c->src.n * c->src.esize + 2.0 * c->wei.n * c->wei.esize +
           (double)c->dst.n * c->dst.esize + (double)c->c_init.n * c->c_init.esize +
           (double)c->isrc.n * c->isrc.esize + (double)c->idst.n * c->idst.esize;
}

/* How many copies of one case's data a row rotates through: 1 when warm; with --cold, enough
 * for at least twice the (clamped) L3, so that every call finds its data out of cache, at most
 * MAX_COPIES copies and COLD_MAX_BYTES. */
static int copies_for(double one)
{
    if (!bench_g.b->cold) return 1;
    int n = (int)ceil(2.0 * cnb_topo_get()->l3 / one);
    if (n > MAX_COPIES) n = MAX_COPIES;
    if (n * one > COLD_MAX_BYTES) n = (int)(COLD_MAX_BYTES / one);
    return n < 1 ? 1 : n;
}

/* Random-mode data for row r (every copy filled alike). */
static int load_cases(cnb_bench_row *r)
{
    row_data *d = data_of(r);
    char err[256];
    cnb_case first;
    if (cnb_case_init(&first, r->impl, r->layer, CNB_MODE_RANDOM, bench_g.seed, err, sizeof err)) {
        snprintf(r->note, sizeof r->note, "%s", err);
        return -1;
    }
    const int n = copies_for(case_bytes(&first));
    d->cases = calloc(n, sizeof *d->cases);
    if (!d->cases) {
        cnb_case_free(&first);
        snprintf(r->note, sizeof r->note, "out of memory");
        return -1;
    }
    d->cases[0] = first;
    d->ncases = 1;
    for (int i = 1; i < n; i++) {
        if (cnb_case_fits(r->impl, r->layer, err, sizeof err)) break;   /* memory ran short */
        if (cnb_case_init(&d->cases[i], r->impl, r->layer, CNB_MODE_RANDOM, bench_g.seed, err, sizeof err))
            break;   /* fewer copies: the row says how many */
        d->ncases++;
    }
    d->next = 0;
    return 0;
}

static int case_mb_c(const cnb_case *c, int out)
{
    const cnb_problem *p = &c->layer->prob;
    if (p->op == CNB_OP_CONV) return out ? p->conv.oc : p->conv.ic;
    return p->pool.c;
}

static int case_mb(const cnb_case *c)
{
    const cnb_problem *p = &c->layer->prob;
    return p->op == CNB_OP_CONV ? p->conv.mb : p->pool.mb;
}

/* Median of up to 5 timings of one step, within SETUP_SAMPLE_S. */
#define TIME_STEP(result, stmt)                                                   \
    do {                                                                          \
        double v_[5];                                                             \
        int n_ = 0;                                                               \
        const double start_ = bench_now();                                              \
        do {                                                                      \
            const double t_ = bench_now();                                              \
            stmt;                                                                 \
            v_[n_++] = bench_now() - t_;                                                \
        } while (n_ < 5 && bench_now() - start_ < SETUP_SAMPLE_S);                      \
        (result) = median_of(v_, n_);                                             \
    } while (0)

/* Prepare every copy at the row's thread count (the current one), and measure prepare and the
 * layout conversions. Returns 0, or -1 (note set). */
static int prepare_cases(cnb_bench_row *r)
{
    const cnb_impl *impl = r->impl;
    row_data *d = data_of(r);
    for (int i = 0; i < d->ncases; i++) {
        cnb_case *c = &d->cases[i];
        const double t = bench_now();
        if (cnb_case_prepare(c)) {
            snprintf(r->note, sizeof r->note, "prepare failed (out of memory?)");
            return -1;
        }
        if (i == 0) r->prepare_s = bench_now() - t;
        cnb_case_to_impl(c);
    }
    cnb_case *c = &d->cases[0];
    /* prepare: the median of the first call and a few more (prepare + release pairs). */
    if (impl->prepare) {
        double v[5] = {r->prepare_s};
        int n = 1;
        const double start = bench_now();
        while (n < 5 && bench_now() - start < SETUP_SAMPLE_S) {
            const double t = bench_now();
            void *s = impl->prepare(&r->layer->prob, c->wei.map ? c->wei.data : NULL);
            v[n++] = bench_now() - t;
            if (!s) break;
            if (impl->release) impl->release(s);
        }
        r->prepare_s = median_of(v, n);
    } else {
        r->prepare_s = 0;
    }
    /* Layout conversions: the implementation's own hooks, or the harness's blocked layouts. */
    r->layout_in_s = r->layout_out_s = -1;
    if (impl->to_layout) TIME_STEP(r->layout_in_s, cnb_case_to_impl(c));
    else if (c->isrc.map)
        TIME_STEP(r->layout_in_s, cnb_to_blocked(c->src.data, c->isrc.data, case_mb(c),
                                                 case_mb_c(c, 0), c->spatial_in, c->src_block,
                                                 (int)c->src.esize));
    cnb_case_run(c);
    if (impl->from_layout) TIME_STEP(r->layout_out_s, cnb_case_from_impl(c));
    else if (c->idst.map)
        TIME_STEP(r->layout_out_s, cnb_from_blocked(c->idst.data, c->dst.data, case_mb(c),
                                                    case_mb_c(c, 1), c->spatial_out, c->block,
                                                    (int)c->dst.esize));
    if (impl->kernel_name) {
        const char *k = impl->kernel_name(c->state);
        if (k) snprintf(r->kernel, sizeof r->kernel, "%s", k);
    }
    if (impl->ran_isa) r->isa = impl->ran_isa(c->state);
    r->copies = d->ncases;
    if (bench_g.b->cold && !r->note[0])
        snprintf(r->note, sizeof r->note, "cold: %d copies of %.1f MiB rotated", d->ncases,
                 case_bytes(c) / (1 << 20));
    return 0;
}

/* ---- Google Benchmark callbacks ---- */

static void bench_fn(void *ctx)
{
    row_data *d = data_of(ctx);
    cnb_case_run(&d->cases[d->next]);
    if (++d->next == d->ncases) d->next = 0;
}

static void fail_row(cnb_bench_row *r)
{
    r->failed = 1;
    bench_g.failures++;
    bench_g.done++;
    r->finished = 1;
    progress_done(r);
    bench_free_cases(r);
}

/* Before each of Google Benchmark's runs of a registration (one repetition of a row, or a trial
 * run while it sizes the iteration count). The first time a row comes up: validation, then its
 * data, prepared and converted once and kept until its last repetition. Each time the row
 * changes: its thread count and a warm-up (at least one call of every copy, and WARMUP_S before
 * the first repetition or REWARM_S before the later ones, whose caches other rows have used). */
static int bench_setup(void *ctx)
{
    cnb_bench_row *r = ctx;
    if (r->failed || r->finished) return 1;
    if (bench_g.ready == r) return 0;
    bench_stop_if_asked();
    bench_g.ready = NULL;
    progress_start(r);
    use_threads(r->threads);
    cnb_guard_context(r->impl->name, r->layer->name);
    if (!r->validated) {
        validate_row(r);
        if (r->val != CNB_VAL_PASS) {
            r->started = 1;
            fail_row(r);
            return 1;
        }
    }
    row_data *d = data_of(r);
    if (!d->ncases && (load_cases(r) || prepare_cases(r))) {
        r->started = 1;
        fail_row(r);
        return 1;
    }
    r->started = 1;
    const double t = bench_now(), warm = r->nrep ? REWARM_S : WARMUP_S;
    int calls = 0;
    do {
        bench_fn(r);
        calls++;
    } while (calls < d->ncases || bench_now() - t < warm);
    d->next = 0;
    bench_g.ready = r;
    return 0;
}

static void finish_row(cnb_bench_row *r)
{
    double *v = malloc(r->nrep * sizeof *v);
    if (!v) return;
    memcpy(v, r->rep, r->nrep * sizeof *v);
    r->median = median_of(v, r->nrep);
    r->min = v[0];
    r->max = v[r->nrep - 1];
    free(v);
    r->finished = 1;
    bench_g.done++;
    progress_done(r);
}

void bench_on_result(const cnb_gb_result *res, void *user)
{
    (void)user;
    cnb_bench_row *r = res->ctx;
    if (!r || r->finished) return;
    if (res->error) {
        if (!r->failed) {
            snprintf(r->note, sizeof r->note, "Google Benchmark: %s", res->error_message);
            fail_row(r);
        }
        return;
    }
    if (res->aggregate[0]) return;
    if (r->nrep == r->caprep) {
        r->caprep = r->caprep ? 2 * r->caprep : 8;
        r->rep = realloc(r->rep, r->caprep * sizeof *r->rep);
        if (!r->rep) cnb_die("out of memory");
    }
    r->rep[r->nrep++] = res->real_time;
    r->iters = res->iterations;
    if (r->nrep >= bench_g.b->reps) {
        finish_row(r);
        bench_free_cases(r);
    }
}

/* Does Google Benchmark's filter (a regex; '-' prefix negates) keep this name? Approximated with
 * POSIX extended regexes, for the progress count only. */
static int filter_keeps(const char *name)
{
    if (!bench_g.filter_set) return 1;
    const int hit = regexec(&bench_g.filter, name, 0, NULL, 0) == 0;
    return bench_g.filter_neg ? !hit : hit;
}

/* Bytes a row holds from its first repetition to its last, estimated before anything is
 * allocated: each copy has the inputs, the weights twice (as given and as prepared), the outputs
 * and blocked copies of the activations, roughly twice the layer's own bytes. */
static double row_bytes(const cnb_bench_row *r)
{
    const double one = 2.0 * cnb_layer_bytes(r->layer);
    return one * copies_for(one);
}

/* The budget of a group: GROUP_MAX_BYTES, or a quarter of the memory available if less. */
static double group_budget(void)
{
    const long long avail = cnb_mem_available();
    return avail >= 0 && avail / 4.0 < GROUP_MAX_BYTES ? avail / 4.0 : GROUP_MAX_BYTES;
}

/* Google Benchmark's name of a row: <impl>/<layer>/t<threads>, unique; with several batch
 * sizes, <impl>/<layer>/mb<batch>/t<threads>. */
static void row_name(const cnb_bench *b, const cnb_bench_row *r, char *name, int size)
{
    const int many = b->nbatches > 1, mb = b->occ[b->uniq[r->u]].batch;
    char layer[200];
    if (many) snprintf(layer, sizeof layer, "%s/mb%d", r->layer->name, mb);
    else snprintf(layer, sizeof layer, "%s", r->layer->name);
    snprintf(name, size, "%s/%s/t%d", r->impl->name, layer, r->threads);
    for (int v = 0; v < r->u; v++)   /* two shapes with one name: keep names unique */
        if (!strcmp(b->occ[b->uniq[v]].layer->name, r->layer->name) &&
            (!many || b->occ[b->uniq[v]].batch == mb)) {
            if (many) snprintf(layer, sizeof layer, "%s~%d/mb%d", r->layer->name, r->u, mb);
            else snprintf(layer, sizeof layer, "%s~%d", r->layer->name, r->u);
            snprintf(name, size, "%s/%s/t%d", r->impl->name, layer, r->threads);
            return;
        }
}

/* Register the rows so that their repetitions interleave. The rows, in the order layer,
 * implementation, thread count, are cut into groups whose data fits the group budget; each row
 * is registered once per repetition, as a single run under its own name, round after round:
 * repetition 1 of every row of the group, then repetition 2 of every row, and so on. A burst of
 * load from elsewhere (a shared machine) then costs one repetition of many rows, which the
 * median ignores, rather than every repetition of one row, which it cannot. A row's data lives
 * from its first repetition to its last: one group at a time. Returns the rows registered (the
 * dry run only lists them), those finished before an interruption included; *ngroups gets the
 * number of groups. */
int bench_register_rows(cnb_bench *b, int dry, int *ngroups)
{
    const size_t nrows = (size_t)b->nuniq * b->nimpls * b->nthreads;
    cnb_bench_row **order = malloc((nrows ? nrows : 1) * sizeof *order);
    if (!order) cnb_die("out of memory");
    int n = 0, n_all = 0;
    for (size_t i = 0; i < nrows; i++) {
        cnb_bench_row *r = &b->rows[i];
        if (r->kind != CNB_ROW_TIMED) continue;
        char name[512];
        row_name(b, r, name, sizeof name);
        if (!filter_keeps(name)) continue;
        n_all++;
        r->registered = 1;
        if (r->finished) continue;   /* done before the run was interrupted (--resume) */
        if (dry) printf("  %s  %.3g GFLOP\n", name, cnb_layer_flops_dense(r->layer) * 1e-9);
        order[n++] = r;
    }
    *ngroups = 0;
    const double budget = group_budget();
    for (int first = 0; first < n && !dry;) {
        int end = first;
        double bytes = 0;
        do bytes += row_bytes(order[end++]);
        while (end < n && bytes + row_bytes(order[end]) <= budget);
        for (int rep = 0; rep < b->reps; rep++)
            for (int i = first; i < end; i++) {
                cnb_bench_row *r = order[i];
                char name[512];
                row_name(b, r, name, sizeof name);
                const cnb_gb_bench gb = {
                    .name = name, .fn = bench_fn, .setup = bench_setup, .ctx = r,
                    .repetitions = 1, .min_time = b->min_time, .threads = r->threads,
                    .flop = cnb_layer_flops_dense(r->layer), .bytes = cnb_layer_bytes(r->layer)};
                if (cnb_gb_register(&gb)) cnb_die("cannot register %s", name);
            }
        ++*ngroups;
        first = end;
    }
    free(order);
    return n_all;
}

#endif
