/* `cnnbench bench`: validate, then time every selected (layer, implementation, thread count) with
 * Google Benchmark, and write the per-layer CSV, the per-network CSV and Google Benchmark's JSON
 * (results/README.md has the schema and the method). Identical layers of different networks are
 * timed once and reported under each. Only the kernel's run step is timed; weight packing and
 * layout conversions are timed beside it and reported in their own columns. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <omp.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/peak.h"
#include "arch/sysfs.h"
#include "arch/topo.h"
#include "harness/bench.h"
#include "harness/peers/peers.h"
#include "harness/buffer.h"
#include "harness/case.h"
#include "harness/layout.h"

#if CNB_HAVE_BENCHMARK
#include "harness/gbench.h"
#endif

static void bench_usage(void)
{
    puts("usage: cnnbench bench [options] [DESC...] [--benchmark_* flags]\n"
         "Validates (exact mode), then times every selected layer x implementation x thread count.\n"
         "  --net NAME       a network of harness/shapes (repeatable; `all`); default: all\n"
         "  --shapes FILE    a layer table of your own\n"
         "  --op OP          only conv, pool, fc or gemm layers; also the op of bare descriptors\n"
         "  --layer GLOB     only layers whose name matches (fnmatch; repeatable)\n"
         "  --quick          the representative QUICK subset (make bench QUICK=1)\n"
         "  --impl A,B       implementations (default: every runnable one, peer libraries included;\n"
         "                   plain-C `scalar` ones only on the QUICK layers; `*/ref` only when named)\n"
         "  --threads LIST   thread counts, e.g. 1,2 (default: 1 and all cores), one pinned per core\n"
         "  --mb N           batch (default 1)          --seed N    data seed (default 1)\n"
         "  --reps N         repetitions (default 5), interleaved: round i of every row of a\n"
         "                   group (rows whose data fit 4 GiB) before round i+1 of any\n"
         "  --min-time S     seconds per repetition (default 0.02; 0.04 with --quick)\n"
         "  --cold           cold cache: rotate copies of the data larger than twice the L3\n"
         "  --out FILE       the CSV (default results/<machine>/<date>-<commit>.csv; `-` = none);\n"
         "                   <stem>-networks.csv and <stem>.json are written beside it\n"
         "  --results DIR    the results folder of the default name (default: results)\n"
         "  --no-golden      validate against the reference even where golden hashes exist\n"
         "  --dry-run        list what would be timed, and stop\n"
         "  --resume FILE    finish an interrupted run from its partial file (<stem>.partial),\n"
         "                   without repeating its finished rows; no other option\n"
         "  -v               one line per benchmark, also on a terminal\n"
         "Google Benchmark's own flags pass through: --benchmark_filter=REGEX,\n"
         "--benchmark_min_time=SECONDS, --benchmark_out=FILE --benchmark_out_format=json;\n"
         "--benchmark_repetitions=N means --reps N. DESC is a benchdnn descriptor, e.g. 'conv mb1ic64ih56oc64oh56kh3ph1'.");
}

#if !CNB_HAVE_BENCHMARK

int cnb_cmd_bench(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help")) {
            bench_usage();
            return 0;
        }
    cnb_die("bench: this build has no Google Benchmark (install libbenchmark-dev and rebuild)");
}

#else

/* Defaults of the method (results/README.md, "Method"). */
enum { DEFAULT_REPS = 5, MAX_COPIES = 64 };
static const double DEFAULT_MIN_TIME = 0.02;   /* seconds per repetition (full run) */
static const double QUICK_MIN_TIME = 0.04;     /* seconds per repetition (--quick) */
static const double WARMUP_S = 0.02;           /* untimed runs before a row's first repetition */
static const double REWARM_S = 0.005;          /* ... and before each of its later ones */
static const double SETUP_SAMPLE_S = 0.05;     /* budget for extra prepare / layout samples */
static const long long COLD_MAX_BYTES = 1LL << 30;
static const double GROUP_MAX_BYTES = 4.0 * (1LL << 30);  /* data held by one interleaved group */

/* The QUICK subset is data: harness/shapes/quick.list, one `<network> <layer>` a line. */
enum { QUICK_MAX = 256 };
static struct { char net[64], layer[160]; } g_quick[QUICK_MAX];
static int g_nquick = -1;   /* -1: not read yet */

static void load_quick(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/quick.list", cnb_shapes_dir());
    FILE *f = fopen(path, "r");
    if (!f) cnb_die("cannot read the QUICK list %s: %s", path, strerror(errno));
    g_nquick = 0;
    char line[512];
    for (int no = 1; fgets(line, sizeof line, f); no++) {
        char net[64], layer[160], extra;
        const int n = sscanf(line, " %63s %159s %c", net, layer, &extra);
        if (n <= 0 || net[0] == '#') continue;
        if (n != 2)
            cnb_die("%s:%d: expected `<network> <layer>`", path, no);
        if (g_nquick == QUICK_MAX) cnb_die("%s: more than %d entries", path, QUICK_MAX);
        snprintf(g_quick[g_nquick].net, sizeof g_quick[0].net, "%s", net);
        snprintf(g_quick[g_nquick].layer, sizeof g_quick[0].layer, "%s", layer);
        g_nquick++;
    }
    fclose(f);
}

static int in_quick(const char *net, const char *layer)
{
    if (g_nquick < 0) load_quick();
    for (int i = 0; i < g_nquick; i++)
        if (!strcmp(g_quick[i].net, net) && !strcmp(g_quick[i].layer, layer)) return 1;
    return 0;
}

/* ---- state of the run (Google Benchmark calls back into C with a row as context) ---- */

/* The timing data of one row, held from its first repetition to its last. */
typedef struct row_data {
    cnb_case *cases;          /* random-mode copies, prepared at the row's thread count */
    int ncases, next;         /* next: the copy the next call uses (rotation, --cold) */
} row_data;

static struct {
    cnb_bench *b;
    row_data *data;           /* one per row, indexed like b->rows */
    int cur_threads;
    cnb_bench_row *ready;     /* the row whose warm-up is done: its repetition is running */
    int done, total, failures;
    double t0;
    int tty, verbose;
    uint64_t seed;
    int use_golden;
    int filter_set;
    regex_t filter;
    int filter_neg;
} g;

/* Temporary files removed when the run is interrupted. */
static char g_tmp[3][4200];

static void remove_tmp(void)
{
    for (int i = 0; i < 3; i++)
        if (g_tmp[i][0]) unlink(g_tmp[i]);
}

/* SIGINT or SIGTERM while the rows run: the handler only notes the signal; the run stops at the
 * next row boundary (stop_if_asked), where the finished rows are saved to the partial file. A
 * second signal, SIGPIPE, or a signal before the rows run: the temporary files go, and the
 * process ends by the signal at once. */
static volatile sig_atomic_t g_stop;
static int g_rows_running;   /* the partial file can be written from here on */

static void on_signal(int sig)
{
    if (g_rows_running && !g_stop && sig != SIGPIPE) {
        g_stop = sig;
        return;
    }
    for (int i = 0; i < 3; i++)
        if (g_tmp[i][0]) unlink(g_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

static double now(void)
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
    const int el = (int)(now() - g.t0);
    int w = 1;
    for (int t = g.total; t >= 10; t /= 10) w++;
    snprintf(buf, size, "[%*d/%d %2d:%02d]", w, n, g.total, el / 60, el % 60);
}

static void progress_start(const cnb_bench_row *r)
{
    if (!g.tty || g.verbose) return;
    char p[64];
    progress_prefix(p, sizeof p, g.done + 1);
    fprintf(stderr, "\r\033[K%s %s %s t=%d rep %d/%d ...", p, r->impl->name, r->layer->name,
            r->threads, r->nrep + 1, g.b->reps);
    fflush(stderr);
}

static void progress_done(const cnb_bench_row *r)
{
    char p[64];
    progress_prefix(p, sizeof p, g.done);
    if (r->failed) {
        fprintf(stderr, "%s%s %s %s t=%d: %s %s\n", g.tty ? "\r\033[K" : "", p, r->impl->name,
                r->layer->name, r->threads, r->validated ? cnb_val_status_name(r->val) : "ERROR",
                r->note);
        return;
    }
    fprintf(stderr, "%s%s %s %s t=%d  %.4g ms ±%.1f%%  %.1f GFLOP/s  %.0f%% peak%s",
            g.tty ? "\r\033[K" : "", p, r->impl->name, r->layer->name, r->threads, r->median * 1e3,
            100 * (r->max - r->min) / r->median, cnb_row_gflops(r), cnb_row_pct_peak(r),
            g.tty && !g.verbose ? "" : "\n");
    fflush(stderr);
}

/* ---- threads ---- */

static void use_threads(int t)
{
    if (g.cur_threads == t) return;
    omp_set_num_threads(t);
    cnb_bind_omp_threads(t);
    g.cur_threads = t;
}

/* ---- validation ---- */

/* Exact-mode output of the implementation at the current thread count, hashed; 0 = same hash. */
static int same_hash(const cnb_bench_row *r, uint64_t want)
{
    cnb_case c;
    char err[256];
    if (cnb_case_init(&c, r->impl, r->layer, CNB_MODE_EXACT, g.seed, err, sizeof err)) return -1;
    int rc = -1;
    if (cnb_case_prepare(&c) == 0) {
        cnb_case_to_impl(&c);
        cnb_case_run(&c);
        cnb_case_from_impl(&c);
        rc = cnb_hash(c.dst.ptr, c.dst.n * sizeof(float), 0) == want ? 0 : -1;
    }
    cnb_case_free(&c);
    return rc;
}

static void validate_row(cnb_bench_row *r)
{
    const cnb_bench *b = g.b;
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
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = g.seed, .use_golden = g.use_golden};
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
    return &g.data[r - g.b->rows];
}

static void free_cases(cnb_bench_row *r)
{
    row_data *d = data_of(r);
    for (int i = 0; i < d->ncases; i++) cnb_case_free(&d->cases[i]);
    free(d->cases);
    d->cases = NULL;
    d->ncases = d->next = 0;
    if (g.ready == r) g.ready = NULL;
}

static double case_bytes(const cnb_case *c)
{
    return 4.0 * (c->src.n + 2.0 * c->wei.n + c->dst.n + c->c_init.n + c->isrc.n + c->idst.n);
}

/* How many copies of one case's data a row rotates through: 1 when warm; with --cold, enough
 * for at least twice the (clamped) L3, so that every call finds its data out of cache, at most
 * MAX_COPIES copies and COLD_MAX_BYTES. */
static int copies_for(double one)
{
    if (!g.b->cold) return 1;
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
    if (cnb_case_init(&first, r->impl, r->layer, CNB_MODE_RANDOM, g.seed, err, sizeof err)) {
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
        if (cnb_case_init(&d->cases[i], r->impl, r->layer, CNB_MODE_RANDOM, g.seed, err, sizeof err))
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
        const double start_ = now();                                              \
        do {                                                                      \
            const double t_ = now();                                              \
            stmt;                                                                 \
            v_[n_++] = now() - t_;                                                \
        } while (n_ < 5 && now() - start_ < SETUP_SAMPLE_S);                      \
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
        const double t = now();
        if (cnb_case_prepare(c)) {
            snprintf(r->note, sizeof r->note, "prepare failed (out of memory?)");
            return -1;
        }
        if (i == 0) r->prepare_s = now() - t;
        cnb_case_to_impl(c);
    }
    cnb_case *c = &d->cases[0];
    /* prepare: the median of the first call and a few more (prepare + release pairs). */
    if (impl->prepare) {
        double v[5] = {r->prepare_s};
        int n = 1;
        const double start = now();
        while (n < 5 && now() - start < SETUP_SAMPLE_S) {
            const double t = now();
            void *s = impl->prepare(&r->layer->prob, c->wei.map ? c->wei.ptr : NULL);
            v[n++] = now() - t;
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
        TIME_STEP(r->layout_in_s, cnb_to_blocked(c->src.ptr, c->isrc.ptr, case_mb(c),
                                                 case_mb_c(c, 0), c->spatial_in, c->block));
    cnb_case_run(c);
    if (impl->from_layout) TIME_STEP(r->layout_out_s, cnb_case_from_impl(c));
    else if (c->idst.map)
        TIME_STEP(r->layout_out_s, cnb_from_blocked(c->idst.ptr, c->dst.ptr, case_mb(c),
                                                    case_mb_c(c, 1), c->spatial_out, c->block));
    if (impl->kernel_name) {
        const char *k = impl->kernel_name(c->state);
        if (k) snprintf(r->kernel, sizeof r->kernel, "%s", k);
    }
    r->copies = d->ncases;
    if (g.b->cold && !r->note[0])
        snprintf(r->note, sizeof r->note, "cold: %d copies of %.1f MiB rotated", d->ncases,
                 case_bytes(c) / (1 << 20));
    return 0;
}

/* ---- an interrupted run ---- */

static struct {
    const char *path;   /* the partial file; NULL: no outputs, nothing to save */
    int argc;
    char **argv;        /* the command line it records */
} g_part;

/* Called at each row boundary: when SIGINT or SIGTERM came, save the finished rows to the
 * partial file, remove the temporary files, and end by the signal. */
static void stop_if_asked(void)
{
    if (!g_stop) return;
    const int sig = g_stop;
    if (g.tty && !g.verbose) fprintf(stderr, "\r\033[K");
    if (g_part.path && cnb_partial_write(g_part.path, g.b, g_part.argc, g_part.argv) == 0)
        fprintf(stderr, "cnnbench: interrupted: %d of %d rows done, saved in %s; finish with: "
                "cnnbench bench --resume %s\n", g.done, g.total, g_part.path, g_part.path);
    else if (g_part.path)
        fprintf(stderr, "cnnbench: interrupted; cannot write %s: %s\n", g_part.path, strerror(errno));
    remove_tmp();
    signal(sig, SIG_DFL);
    raise(sig);
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
    g.failures++;
    g.done++;
    r->finished = 1;
    progress_done(r);
    free_cases(r);
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
    if (g.ready == r) return 0;
    stop_if_asked();
    g.ready = NULL;
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
    const double t = now(), warm = r->nrep ? REWARM_S : WARMUP_S;
    int calls = 0;
    do {
        bench_fn(r);
        calls++;
    } while (calls < d->ncases || now() - t < warm);
    d->next = 0;
    g.ready = r;
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
    g.done++;
    progress_done(r);
}

static void on_result(const cnb_gb_result *res, void *user)
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
    if (r->nrep >= g.b->reps) {
        finish_row(r);
        free_cases(r);
    }
}

/* ---- selection ---- */

/* Golden hashes: $CNB_GOLDEN, else tests/golden of the repository holding the shapes. */
static int load_golden(char *dir, int size)
{
    snprintf(dir, size, "%s", cnb_golden_dir());
    return cnb_golden_load(dir);
}

static void parse_threads(const char *list, cnb_bench *b)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    const int pus = cnb_topo_get()->pus;
    b->nthreads = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        const long t = strtol(tok, &end, 10);
        if (errno || end == tok || *end || t < 1)
            cnb_die("--threads %s: expected a comma-separated list of thread counts, e.g. 1,2", list);
        if (t > pus)
            cnb_die("--threads %s: this machine runs at most %d threads (one per core)", list, pus);
        for (int i = 0; i < b->nthreads; i++)
            if (b->threads[i] == t) cnb_die("--threads %s: %ld is given twice", list, t);
        if (b->nthreads == 64) cnb_die("--threads %s: too many thread counts", list);
        b->threads[b->nthreads++] = (int)t;
    }
    if (!b->nthreads) cnb_die("--threads needs a list, e.g. 1,2");
}

static int layer_kind_matches(const cnb_layer *l, int have_op, cnb_kind op)
{
    return !have_op || l->kind == op || (op == CNB_KIND_FC && l->kind == CNB_KIND_GEMM) ||
           (op == CNB_KIND_GEMM && l->kind == CNB_KIND_FC);
}

static int is_scalar(const cnb_impl *impl) { return impl->isa == CNB_ISA_SCALAR; }

/* Does Google Benchmark's filter (a regex; '-' prefix negates) keep this name? Approximated with
 * POSIX extended regexes, for the progress count only. */
static int filter_keeps(const char *name)
{
    if (!g.filter_set) return 1;
    const int hit = regexec(&g.filter, name, 0, NULL, 0) == 0;
    return g.filter_neg ? !hit : hit;
}

/* Create `tmp` empty now (so that an unwritable place is found before any work). */
static FILE *open_tmp(const char *tmp, const char *final)
{
    FILE *f = fopen(tmp, "w");
    if (!f) cnb_die("cannot write %s: %s", final, strerror(errno));
    return f;
}

/* Close f and give it its final name; a write error found at the flush or the close (a full
 * disk) stops the run with one line, and the temporary file goes. idx < 0: f is the final file
 * itself (a device or a pipe), nothing to rename. */
static void finish_file(FILE *f, int idx, const char *final)
{
    errno = 0;
    const int bad = fflush(f) || ferror(f);
    const int err = errno;
    if (fclose(f) || bad || (idx >= 0 && rename(g_tmp[idx], final))) {
        if (idx >= 0) unlink(g_tmp[idx]);
        cnb_die("cannot write %s: %s", final, strerror(bad && err ? err : errno ? errno : EIO));
    }
    if (idx >= 0) g_tmp[idx][0] = 0;
}

/* The command line, once parsed. */
typedef struct bench_opts {
    const char *nets[64], *descs[256], *globs[64];
    int n_nets, n_descs, n_globs;
    const char *shapes, *out, *results, *threads, *filter;
    int have_op, dry, user_json;
    cnb_kind op;
    double min_time;
    cnb_impl_sel impls;
} bench_opts;

static void parse_options(int argc, char **argv, bench_opts *o, cnb_bench *b)
{
    o->results = "results";
    o->op = CNB_KIND_CONV;
    b->batch = 1;
    b->reps = DEFAULT_REPS;
    g.seed = 1;
    g.use_golden = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) { bench_usage(); exit(0); }
        else if (!strncmp(a, "--benchmark_", 12) || !strncmp(a, "--v=", 4)) {
            /* Google Benchmark's: left for cnb_gb_init; two of them matter here too. */
            if (!strncmp(a, "--benchmark_out=", 16)) o->user_json = 1;
            if (!strncmp(a, "--benchmark_filter=", 19)) o->filter = a + 19;
            if (!strncmp(a, "--benchmark_repetitions=", 24))   /* = --reps: see init_gbench */
                b->reps = cnb_arg_int("--benchmark_repetitions", a + 24, 1, 1000);
            if (!strncmp(a, "--benchmark_enable_random_interleaving", 38))
                cnb_die("bench: --benchmark_enable_random_interleaving: cnnbench interleaves the "
                        "repetitions itself (results/README.md, Method)");
        }
        else if (!strcmp(a, "--net")) { if (!argv[i + 1]) cnb_die("--net needs a name"); if (o->n_nets < 64) o->nets[o->n_nets++] = argv[++i]; }
        else if (!strcmp(a, "--shapes")) { if (!(o->shapes = argv[++i])) cnb_die("--shapes needs a file"); }
        else if (!strcmp(a, "--impl")) { if (!argv[i + 1]) cnb_die("--impl needs a name"); cnb_impl_sel_add(&o->impls, argv[++i]); }
        else if (!strcmp(a, "--op")) { if (!argv[i + 1]) cnb_die("--op needs a value"); o->op = cnb_parse_kind(argv[++i]); o->have_op = 1; }
        else if (!strcmp(a, "--layer")) { if (!argv[i + 1]) cnb_die("--layer needs a pattern"); if (o->n_globs < 64) o->globs[o->n_globs++] = argv[++i]; }
        else if (!strcmp(a, "--quick")) b->quick = 1;
        else if (!strcmp(a, "--threads")) { if (!(o->threads = argv[++i])) cnb_die("--threads needs a list, e.g. 1,2"); }
        else if (!strcmp(a, "--mb")) b->batch = cnb_arg_int(a, argv[++i], 1, 4096);
        else if (!strcmp(a, "--reps")) b->reps = cnb_arg_int(a, argv[++i], 1, 1000);
        else if (!strcmp(a, "--min-time")) {
            const char *v = argv[++i];
            char *end = NULL;
            o->min_time = v ? strtod(v, &end) : 0;
            if (!v || end == v || *end || !(o->min_time > 0 && o->min_time <= 60))
                cnb_die("--min-time %s: expected seconds, e.g. 0.05", v ? v : "(nothing)");
        }
        else if (!strcmp(a, "--cold")) b->cold = 1;
        else if (!strcmp(a, "--seed")) g.seed = (uint64_t)cnb_arg_int(a, argv[++i], 0, 1 << 30);
        else if (!strcmp(a, "--no-golden")) g.use_golden = 0;
        else if (!strcmp(a, "--out")) { if (!(o->out = argv[++i])) cnb_die("--out needs a file"); }
        else if (!strcmp(a, "--results")) { if (!(o->results = argv[++i])) cnb_die("--results needs a folder"); }
        else if (!strcmp(a, "--dry-run")) o->dry = 1;
        else if (!strcmp(a, "-v")) g.verbose = 1;
        else if (a[0] == '-' && a[1]) cnb_die("bench: unknown option '%s' (--help lists them)", a);
        else if (o->n_descs < 256) o->descs[o->n_descs++] = a;
    }
    b->min_time = o->min_time > 0 ? o->min_time : b->quick ? QUICK_MIN_TIME : DEFAULT_MIN_TIME;
    if (o->threads) parse_threads(o->threads, b);
    else {
        b->threads[b->nthreads++] = 1;
        if (cnb_topo_get()->cores > 1) b->threads[b->nthreads++] = cnb_topo_get()->cores;
    }
    if (o->filter && *o->filter) {
        g.filter_neg = o->filter[0] == '-';
        g.filter_set = regcomp(&g.filter, o->filter + g.filter_neg, REG_EXTENDED | REG_NOSUB) == 0;
    }
}

/* The layers that pass the filters, each pointing at its unique shape; uquick[u] = 1 when the
 * shape is in the QUICK subset. */
static void select_layers(const bench_opts *o, const cnb_selection *sel, cnb_bench *b, int *uquick)
{
    b->occ = calloc(sel->count, sizeof *b->occ);
    b->uniq = calloc(sel->count, sizeof *b->uniq);
    char (*keys)[CNB_DESC_MAX] = calloc(sel->count, sizeof *keys);
    if (!b->occ || !b->uniq || !keys) cnb_die("out of memory");
    for (int i = 0; i < sel->count; i++) {
        const cnb_layer *l = &sel->layers[i];
        if (!layer_kind_matches(l, o->have_op, o->op)) continue;
        const int quick = in_quick(sel->net[i], l->name);
        if (b->quick && !quick) continue;
        if (o->n_globs) {
            int hit = 0;
            for (int j = 0; j < o->n_globs && !hit; j++) hit = fnmatch(o->globs[j], l->name, 0) == 0;
            if (!hit) continue;
        }
        /* Same canonical descriptor = same problem: timed once. */
        char key[CNB_DESC_MAX];
        cnb_layer_format(l, key, sizeof key);
        int u = 0;
        while (u < b->nuniq && strcmp(keys[u], key)) u++;
        cnb_bench_occ *oc = &b->occ[b->nocc];
        oc->layer = l;
        oc->net = sel->net[i];
        oc->u = u;
        oc->first = u == b->nuniq;
        if (oc->first) {
            snprintf(keys[u], CNB_DESC_MAX, "%s", key);
            b->uniq[b->nuniq++] = b->nocc;
        }
        uquick[u] |= quick;
        b->nocc++;
    }
    free(keys);
    if (!b->nocc) cnb_die("bench: no layer left after the filters");
}

typedef struct row_counts { int timed, unsupported, scalar_left_out; } row_counts;

/* One row per (unique layer, implementation, thread count); what each will be. */
static row_counts build_rows(cnb_bench *b, const int *uquick, int named)
{
    row_counts n = {0};
    b->rows = calloc((size_t)b->nuniq * b->nimpls * b->nthreads, sizeof *b->rows);
    if (!b->rows) cnb_die("out of memory");
    for (int u = 0; u < b->nuniq; u++) {
        const cnb_layer *l = b->occ[b->uniq[u]].layer;
        for (int k = 0; k < b->nimpls; k++) {
            const cnb_impl *impl = b->impls[k];
            int kind = CNB_ROW_NA;
            const char *why = NULL;
            if (impl->op == l->prob.op) {
                if (!named && is_scalar(impl) && !uquick[u]) n.scalar_left_out++;
                else if (impl->supports && (why = impl->supports(&l->prob))) kind = CNB_ROW_UNSUPPORTED;
                else kind = CNB_ROW_TIMED;
            }
            for (int ti = 0; ti < b->nthreads; ti++) {
                cnb_bench_row *r = cnb_bench_row_at(b, u, k, ti);
                r->u = u, r->k = k, r->ti = ti;
                r->layer = l;
                r->impl = impl;
                r->threads = b->threads[ti];
                r->kind = kind;
                r->prepare_s = r->layout_in_s = r->layout_out_s = -1;
                if (why) snprintf(r->note, sizeof r->note, "unsupported: %s", why);
                n.timed += kind == CNB_ROW_TIMED;
                n.unsupported += kind == CNB_ROW_UNSUPPORTED;
            }
        }
    }
    return n;
}

/* The output files: paths, directories, and the temporary CSV files opened now, so that an
 * unwritable place is found before any work. */
typedef struct bench_files {
    int write, direct;         /* direct: --out is a device or pipe, written in place */
    char csv[4000], net[4100], json[4100], partial[4100];
    FILE *csv_f, *net_f;
} bench_files;

static void open_outputs(const bench_opts *o, const cnb_bench *b, bench_files *f)
{
    f->write = !(o->out && !strcmp(o->out, "-")) && !o->dry;
    if (!f->write) return;
    if (o->out) snprintf(f->csv, sizeof f->csv, "%s", o->out);
    else snprintf(f->csv, sizeof f->csv, "%s/%s/%s-%s.csv", o->results, b->machine.name,
                  b->machine.stamp, b->machine.commit);
    char stem[4000];
    snprintf(stem, sizeof stem, "%s", f->csv);
    const size_t len = strlen(stem);
    if (len > 4 && !strcmp(stem + len - 4, ".csv")) stem[len - 4] = 0;
    snprintf(f->net, sizeof f->net, "%s-networks.csv", stem);
    snprintf(f->json, sizeof f->json, "%s.json", stem);
    snprintf(f->partial, sizeof f->partial, "%s.partial", stem);
    char dir[4000];
    snprintf(dir, sizeof dir, "%s", f->csv);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        cnb_make_dirs(dir);
    }
    atexit(remove_tmp);   /* cnb_die and every early exit leave no half-written file */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, on_signal);
    /* --out naming a device or a pipe (/dev/stdout, /dev/full): the CSV is written straight
     * into it, since renaming a file over it would replace the device; no files beside it. */
    struct stat st;
    if (o->out && stat(f->csv, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) cnb_die("--out %s: a folder; name the CSV file", f->csv);
        f->direct = 1;
        f->csv_f = open_tmp(f->csv, f->csv);
        return;
    }
    snprintf(g_tmp[0], sizeof g_tmp[0], "%s.tmp", f->csv);
    snprintf(g_tmp[1], sizeof g_tmp[1], "%s.tmp", f->net);
    f->csv_f = open_tmp(g_tmp[0], f->csv);
    f->net_f = open_tmp(g_tmp[1], f->net);
    if (!o->user_json) snprintf(g_tmp[2], sizeof g_tmp[2], "%s.tmp", f->json);
}

/* Google Benchmark gets its own flags from the command line, plus the JSON file beside the CSV. */
static void init_gbench(int argc, char **argv)
{
    static char json_flag[4300], json_fmt[] = "--benchmark_out_format=json";
    char **gargv = calloc(argc + 3, sizeof *gargv);
    if (!gargv) cnb_die("out of memory");
    int gargc = 0;
    for (int i = 0; i < argc; i++)   /* repetitions are ours: rounds of single runs */
        if (strncmp(argv[i], "--benchmark_repetitions=", 24)) gargv[gargc++] = argv[i];
    if (g_tmp[2][0]) {
        snprintf(json_flag, sizeof json_flag, "--benchmark_out=%s", g_tmp[2]);
        gargv[gargc++] = json_flag;
        gargv[gargc++] = json_fmt;
    }
    gargv[gargc] = NULL;
    cnb_gb_init(&gargc, gargv);
    free(gargv);
}

/* Tasks running besides us: the fewest of 5 looks 10 ms apart, so that a passing process does
 * not count; -1 if unknown. */
static int other_runnable(void)
{
    int fewest = -1;
    for (int i = 0; i < 5; i++) {
        const int n = cnb_other_runnable();
        if (n < 0) return -1;
        if (fewest < 0 || n < fewest) fewest = n;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return fewest;
}

static void print_header(const cnb_bench *b, int named, const row_counts *n)
{
    char topo[512];
    printf("cnnbench bench: %s (%s), %s\n", b->machine.cpu_model, b->machine.name,
           cnb_topo_describe(topo, sizeof topo));
    printf("commit %s, %s; batch %d; threads", b->machine.commit, b->machine.date, b->batch);
    for (int i = 0; i < b->nthreads; i++) printf("%s%d", i ? "," : " ", b->threads[i]);
    printf(" (one worker pinned per core); %s cache\n", b->cold ? "cold (rotating buffers)" : "warm");
    printf("method: validate (exact mode%s), then %d repetitions x >= %.3g s of the run step on "
           "random data, each after a warm-up (%.0f ms, then %.0f ms), interleaved: repetition i "
           "of every row of a group before repetition i+1 of any; median, min and spread "
           "reported\n",
           g.use_golden ? ", golden hashes where present" : ", reference", b->reps, b->min_time,
           WARMUP_S * 1e3, REWARM_S * 1e3);
    if (!named)
        printf("implementations: every runnable one (peer libraries included) but the reference; "
               "plain-C (scalar) ones are timed on the QUICK layers only (%d pairs left out; name "
               "them with --impl)\n", n->scalar_left_out);
    printf("layers: %d selected, %d unique shapes timed once each%s\n", b->nocc, b->nuniq,
           b->quick ? " (QUICK subset)" : "");
    if (g.use_golden) {
        char dir[4200];
        const int count = load_golden(dir, sizeof dir);
        printf("golden: %d hashes from %s%s\n", count, dir,
               cnb_hash_available() ? "" : " (this build has no xxHash: the reference decides)");
    }
    printf("peers built in: %s\n", b->machine.peers[0] ? b->machine.peers : "none");
    cnb_peers_warn_missing(stderr);
    if (cnb_peak_load_or_measure(NULL, 0) < 0) fprintf(stderr, "cnnbench: could not save the peak cache\n");
    cnb_peak_print(stdout);
    const int busy = other_runnable();
    if (busy > 0)
        printf("warning: %d other runnable task(s) on %d cores: the machine is shared, timings "
               "will be noisy\n", busy, b->machine.cores);
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

/* Google Benchmark's name of a row: <impl>/<layer>/t<threads>, unique. */
static void row_name(const cnb_bench *b, const cnb_bench_row *r, char *name, int size)
{
    snprintf(name, size, "%s/%s/t%d", r->impl->name, r->layer->name, r->threads);
    for (int v = 0; v < r->u; v++)   /* two shapes with one name: keep names unique */
        if (!strcmp(b->occ[b->uniq[v]].layer->name, r->layer->name)) {
            snprintf(name, size, "%s/%s~%d/t%d", r->impl->name, r->layer->name, r->u, r->threads);
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
static int register_rows(cnb_bench *b, int dry, int *ngroups)
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

int cnb_cmd_bench(int argc, char **argv)
{
    static cnb_bench b;
    static bench_opts o;
    /* --resume PARTIAL: the interrupted run's own command line, then its finished rows. */
    static cnb_partial_run resume;
    const char *resume_path = NULL;
    if (argc > 1 && !strcmp(argv[1], "--resume")) {
        if (argc != 3) cnb_die("bench --resume takes one partial file and no other option");
        resume_path = argv[2];
        cnb_partial_read_run(resume_path, &resume);
        static char *rargv[CNB_PARTIAL_MAX_ARGS + 2];
        rargv[0] = argv[0];
        for (int i = 0; i < resume.argc; i++) rargv[i + 1] = resume.argv[i];
        argc = resume.argc + 1;
        argv = rargv;
    }
    parse_options(argc, argv, &o, &b);

    /* Layers: networks, tables, descriptors (default: every network); then the filters. */
    cnb_selection sel = {0};
    for (int i = 0; i < o.n_nets; i++) cnb_sel_add_net(&sel, o.nets[i], b.batch);
    if (o.shapes) cnb_sel_add_net(&sel, o.shapes, b.batch);
    for (int i = 0; i < o.n_descs; i++) cnb_sel_add_desc(&sel, o.descs[i], o.op, b.batch);
    if (!sel.count) cnb_sel_add_net(&sel, "all", b.batch);
    int *uquick = calloc(sel.count, sizeof *uquick);
    if (!uquick) cnb_die("out of memory");
    select_layers(&o, &sel, &b, uquick);

    /* Implementations: named, or the default set (plain-C ones only on the QUICK layers). */
    if (!o.impls.named) cnb_impl_sel_default(&o.impls, g.verbose);
    b.impls = o.impls.list;
    b.nimpls = o.impls.count;
    if (!b.nimpls) cnb_die("bench: no runnable implementation");
    const row_counts counts = build_rows(&b, uquick, o.impls.named);
    free(uquick);

    /* A problem that cannot fit in memory is refused before anything is allocated. */
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) {
        char why[256];
        if (b.rows[i].kind == CNB_ROW_TIMED && cnb_case_fits(b.rows[i].impl, b.rows[i].layer, why, sizeof why))
            cnb_die("bench: %s", why);
    }

    /* Where the results go, checked before any work; then what is about to happen. */
    static bench_files files;
    cnb_machine_collect(&b.machine);
    int resumed = 0;
    if (resume_path) {
        if (strcmp(resume.commit, b.machine.commit) || strcmp(resume.machine, b.machine.name))
            cnb_die("--resume %s: measured by commit %s on %s; this is commit %s on %s",
                    resume_path, resume.commit, resume.machine, b.machine.commit, b.machine.name);
        /* The resumed run is the interrupted one: same date, same file names. */
        snprintf(b.machine.stamp, sizeof b.machine.stamp, "%s", resume.stamp);
        snprintf(b.machine.date, sizeof b.machine.date, "%s", resume.date);
        resumed = cnb_partial_apply(resume_path, &b);
    }
    open_outputs(&o, &b, &files);
    if (files.write) {
        g_part.path = resume_path ? resume_path : files.partial;
        g_part.argc = argc;
        g_part.argv = argv;
    }
    init_gbench(argc, argv);
    print_header(&b, o.impls.named, &counts);
    g.b = &b;
    int ngroups = 0;
    const int registered = register_rows(&b, o.dry, &ngroups);
    printf("%d benchmarks (%d layer x implementation x threads pairs, %d unsupported left out)",
           registered, counts.timed, counts.unsupported);
    if (!o.dry) printf("; %d interleaved group%s", ngroups, ngroups == 1 ? "" : "s");
    if (resume_path) printf("; %d done before the interruption (%s)", resumed, resume_path);
    printf("\n");
    fflush(stdout);
    if (o.dry) return 0;

    g.data = calloc((size_t)b.nuniq * b.nimpls * b.nthreads, sizeof *g.data);
    if (!g.data) cnb_die("out of memory");
    g.total = registered;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) {
        g.done += b.rows[i].registered && b.rows[i].finished;
        g.failures += b.rows[i].registered && b.rows[i].finished && b.rows[i].failed;
    }
    g.tty = isatty(2);
    g.t0 = now();
    g_rows_running = 1;
    cnb_guard_install();
    cnb_gb_set_reporter(on_result, NULL);
    cnb_gb_set_quiet(1);
    cnb_gb_run();
    stop_if_asked();   /* a signal during the last row */
    g_rows_running = 0;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) free_cases(&b.rows[i]);
    cnb_unbind_omp_threads(g.cur_threads > 0 ? g.cur_threads : 1);
    if (g.tty && !g.verbose) fprintf(stderr, "\r\033[K");
    const double elapsed = now() - g.t0;
    cnb_gb_shutdown();

    cnb_report_summary(&b, stdout);
    int timed = 0;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++)
        timed += b.rows[i].started && !b.rows[i].failed;
    printf("\n%d timed, %d failed, in %.0f s\n", timed, g.failures, elapsed);
    if (files.write) {
        if (cnb_report_csv(&b, files.csv_f) ||
            (files.net_f && cnb_report_networks_csv(&b, files.net_f)))
            cnb_die("cannot write %s: %s", files.csv, strerror(errno ? errno : EIO));
        finish_file(files.csv_f, files.direct ? -1 : 0, files.csv);
        if (files.net_f) finish_file(files.net_f, 1, files.net);
        if (g_tmp[2][0]) {
            if (rename(g_tmp[2], files.json)) cnb_die("cannot write %s: %s", files.json, strerror(errno));
            g_tmp[2][0] = 0;
        }
        if (resume_path) unlink(resume_path);   /* the complete CSV supersedes it */
        if (files.direct) printf("wrote %s\n", files.csv);
        else printf("wrote %s\n      %s\n      %s\n", files.csv, files.net,
                    o.user_json ? "(JSON: your --benchmark_out)" : files.json);
    }
    cnb_sel_free(&sel);
    return g.failures ? 1 : 0;
}

#endif
