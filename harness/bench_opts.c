/* `cnnbench bench`, its command line (harness/bench_parts.h): the options, the QUICK list (data:
 * harness/shapes/quick.list), and from them the layers and the (layer, implementation, threads)
 * rows of the run. */
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/topo.h"
#include "harness/bench_parts.h"
#include "harness/threads_arg.h"

void bench_usage(void)
{
    puts("usage: cnnbench bench [options] [DESC...] [--benchmark_* flags]\n"
         "Validates (exact mode), then times every selected layer x implementation x thread count.\n"
         "  --net NAME       a network of harness/shapes (repeatable; `all`); default: all\n"
         "  --shapes FILE    a layer table of your own\n"
         "  --op OP          only conv, pool, fc or gemm layers; also the op of bare descriptors\n"
         "  --layer GLOB     only layers whose name matches (fnmatch; repeatable)\n"
         "  --dt LIST        data types to run each network layer in: f32,bf16,int8 (default: the\n"
         "                   tables as written, f32); bf16 = conv/fc bf16, pool bf16; int8 = conv/fc\n"
         "                   u8:s8:u8, pool u8. Layers naming their own --dt, and GEMM tables, run once\n"
         "  --quick          the representative QUICK subset (make bench QUICK=1)\n"
         "  --impl A,B       implementations (default: every runnable one, peer libraries included;\n"
         "                   plain-C `scalar` ones only on the QUICK layers; `*/ref` only when named)\n"
         "  --threads LIST   thread counts, e.g. 1,2 (default: 1 and all cores), one pinned per core\n"
         "  --mb LIST        batch sizes, e.g. 1,8,32: every layer is timed at each (default: 1 for\n"
         "                   tables, a descriptor's own mb for descriptors)\n"
         "  --seed N         data seed (default 1)\n"
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

#if CNB_HAVE_BENCHMARK

/* The QUICK subset is data: harness/shapes/quick.list, one `<network> <layer>` a line. */
enum { QUICK_MAX = 256 };
static struct { char net[64], layer[160]; unsigned sets; } g_quick[QUICK_MAX];
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
        char net[64], layer[160], dts[64], extra;
        const int n = sscanf(line, " %63s %159s %63s %c", net, layer, dts, &extra);
        if (n <= 0 || net[0] == '#') continue;
        if (n != 2 && n != 3)
            cnb_die("%s:%d: expected `<network> <layer> [f32,bf16,int8]`", path, no);
        if (g_nquick == QUICK_MAX) cnb_die("%s: more than %d entries", path, QUICK_MAX);
        snprintf(g_quick[g_nquick].net, sizeof g_quick[0].net, "%s", net);
        snprintf(g_quick[g_nquick].layer, sizeof g_quick[0].layer, "%s", layer);
        /* The data-type sets the entry is QUICK in (under --dt LIST); f32 when not given. */
        g_quick[g_nquick].sets = 1u << CNB_DTSET_F32;
        if (n == 3) {
            cnb_dtset sets[CNB_DTSET_COUNT];
            char err[256];
            const int ns = cnb_dtset_parse(dts, sets, CNB_DTSET_COUNT, err, sizeof err);
            if (ns < 0) cnb_die("%s:%d: %s", path, no, err);
            g_quick[g_nquick].sets = 0;
            for (int k = 0; k < ns; k++) g_quick[g_nquick].sets |= 1u << sets[k];
        }
        g_nquick++;
    }
    fclose(f);
}

/* A layer that keeps its own types (cnb_layer_keeps_dt) is QUICK by its name alone; the others
 * in the data-type sets their entry lists. */
static int in_quick(const char *net, const cnb_layer *l)
{
    if (g_nquick < 0) load_quick();
    const unsigned set = cnb_layer_keeps_dt(l) ? ~0u : 1u << cnb_layer_dtset(l);
    for (int i = 0; i < g_nquick; i++)
        if (!strcmp(g_quick[i].net, net) && !strcmp(g_quick[i].layer, l->name) &&
            (g_quick[i].sets & set))
            return 1;
    return 0;
}

static int layer_kind_matches(const cnb_layer *l, int have_op, cnb_kind op)
{
    return !have_op || l->kind == op || (op == CNB_KIND_FC && l->kind == CNB_KIND_GEMM) ||
           (op == CNB_KIND_GEMM && l->kind == CNB_KIND_FC);
}

/* --mb 1,8,32: whole numbers from 1 to 4096, each once; the last --mb given wins. */
static void parse_batches(const char *list, cnb_bench *b)
{
    if (!list) cnb_die("--mb needs a value");
    b->nbatches = 0;
    const char *p = list;
    for (;;) {
        const size_t len = strcspn(p, ",");
        char *end;
        errno = 0;
        const long v = strtol(p, &end, 10);
        if (errno || end == p || end != p + len || v < 1 || v > 4096)
            cnb_die("--mb %s: '%.*s' is not a batch size: expected whole numbers from 1 to 4096, "
                    "e.g. 1,8,32", list, (int)len, p);
        for (int j = 0; j < b->nbatches; j++)
            if (b->batches[j] == v) cnb_die("--mb %s: batch %ld is given twice", list, v);
        if (b->nbatches == 64) cnb_die("--mb %s: more than 64 batch sizes", list);
        b->batches[b->nbatches++] = (int)v;
        if (!p[len]) break;
        p += len + 1;
    }
    b->batch = b->batches[0];
}

static int is_scalar(const cnb_impl *impl) { return impl->isa == CNB_ISA_SCALAR; }

void bench_parse_options(int argc, char **argv, bench_opts *o, cnb_bench *b)
{
    o->results = "results";
    o->op = CNB_KIND_CONV;
    b->batch = 1;
    b->batches[0] = 1;
    b->nbatches = 1;
    b->reps = DEFAULT_REPS;
    bench_g.seed = 1;
    bench_g.use_golden = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) { bench_usage(); exit(0); }
        else if (!strncmp(a, "--benchmark_", 12) || !strncmp(a, "--v=", 4)) {
            /* Google Benchmark's: left for cnb_gb_init; two of them matter here too. */
            if (!strncmp(a, "--benchmark_out=", 16)) o->user_json = 1;
            if (!strncmp(a, "--benchmark_filter=", 19)) o->filter = a + 19;
            if (!strncmp(a, "--benchmark_repetitions=", 24))   /* = --reps: see bench_init_gbench */
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
        else if (!strcmp(a, "--dt") || !strncmp(a, "--dt=", 5)) {
            const char *v = a[4] == '=' ? a + 5 : argv[++i];
            char err[256];
            if (!v) cnb_die("--dt needs a list, e.g. f32,bf16,int8");
            if ((o->ndts = cnb_dtset_parse(v, o->dts, CNB_DTSET_COUNT, err, sizeof err)) < 0) cnb_die("%s", err);
        }
        else if (!strcmp(a, "--threads")) { if (!(o->threads = argv[++i])) cnb_die("--threads needs a list, e.g. 1,2"); }
        else if (!strcmp(a, "--mb")) parse_batches(argv[++i], b), o->mb_given = 1;
        else if (!strcmp(a, "--reps")) b->reps = cnb_arg_int(a, argv[++i], 1, 1000);
        else if (!strcmp(a, "--min-time")) {
            const char *v = argv[++i];
            char *end = NULL;
            o->min_time = v ? strtod(v, &end) : 0;
            if (!v || end == v || *end || !(o->min_time > 0 && o->min_time <= 60))
                cnb_die("--min-time %s: expected seconds, e.g. 0.05", v ? v : "(nothing)");
        }
        else if (!strcmp(a, "--cold")) b->cold = 1;
        else if (!strcmp(a, "--seed")) bench_g.seed = (uint64_t)cnb_arg_int(a, argv[++i], 0, 1 << 30);
        else if (!strcmp(a, "--no-golden")) bench_g.use_golden = 0;
        else if (!strcmp(a, "--out")) { if (!(o->out = argv[++i])) cnb_die("--out needs a file"); }
        else if (!strcmp(a, "--results")) { if (!(o->results = argv[++i])) cnb_die("--results needs a folder"); }
        else if (!strcmp(a, "--dry-run")) o->dry = 1;
        else if (!strcmp(a, "-v")) bench_g.verbose = 1;
        else if (a[0] == '-' && a[1]) cnb_die("bench: unknown option '%s' (--help lists them)", a);
        else if (o->n_descs < 256) o->descs[o->n_descs++] = a;
    }
    b->min_time = o->min_time > 0 ? o->min_time : b->quick ? QUICK_MIN_TIME : DEFAULT_MIN_TIME;
    if (o->threads) b->nthreads = cnb_threads_list(o->threads, b->threads, 64);
    else {
        b->threads[b->nthreads++] = 1;
        if (cnb_topo_get()->cores > 1) b->threads[b->nthreads++] = cnb_topo_get()->cores;
    }
    if (o->filter && *o->filter) {
        bench_g.filter_neg = o->filter[0] == '-';
        bench_g.filter_set = regcomp(&bench_g.filter, o->filter + bench_g.filter_neg, REG_EXTENDED | REG_NOSUB) == 0;
    }
}

/* The layers that pass the filters, each pointing at its unique shape; uquick[u] = 1 when the
 * shape is in the QUICK subset. mb_of[i]: the --mb value sel's layer i was loaded at. A GEMM layer
 * has no batch: it is taken at the first batch only. */
void bench_select_layers(const bench_opts *o, const cnb_selection *sel, const int *mb_of, cnb_bench *b,
                         int *uquick)
{
    b->occ = calloc(sel->count, sizeof *b->occ);
    b->uniq = calloc(sel->count, sizeof *b->uniq);
    char (*keys)[CNB_DESC_MAX] = calloc(sel->count, sizeof *keys);
    if (!b->occ || !b->uniq || !keys) cnb_die("out of memory");
    for (int i = 0; i < sel->count; i++) {
        const cnb_layer *l = &sel->layers[i];
        if (!layer_kind_matches(l, o->have_op, o->op)) continue;
        if (l->kind == CNB_KIND_GEMM && mb_of[i] != b->batches[0]) continue;
        const int quick = in_quick(sel->net[i], l);
        if (b->quick && !quick) continue;
        if (o->n_globs) {
            int hit = 0;
            for (int j = 0; j < o->n_globs && !hit; j++) hit = fnmatch(o->globs[j], l->name, 0) == 0;
            if (!hit) continue;
        }
        /* Same canonical descriptor = same problem: timed once. The descriptor holds the batch,
         * so the same layer at two batch sizes is two problems. */
        char key[CNB_DESC_MAX];
        cnb_layer_format(l, key, sizeof key);
        int u = 0;
        while (u < b->nuniq && strcmp(keys[u], key)) u++;
        cnb_bench_occ *oc = &b->occ[b->nocc];
        oc->layer = l;
        oc->net = sel->net[i];
        oc->u = u;
        oc->first = u == b->nuniq;
        oc->batch = mb_of[i];
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

/* One row per (unique layer, implementation, thread count); what each will be. */
row_counts bench_build_rows(cnb_bench *b, const int *uquick, int named)
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
                else if ((why = cnb_impl_supports(impl, &l->prob))) kind = CNB_ROW_UNSUPPORTED;
                else kind = CNB_ROW_TIMED;
            }
            for (int ti = 0; ti < b->nthreads; ti++) {
                cnb_bench_row *r = cnb_bench_row_at(b, u, k, ti);
                r->u = u, r->k = k, r->ti = ti;
                r->layer = l;
                r->impl = impl;
                r->isa = impl->isa;
                r->threads = b->threads[ti];
                r->kind = kind;
                r->prepare_s = r->layout_in_s = r->layout_out_s = -1;
                const char *no_threads = kind == CNB_ROW_TIMED && impl->threads_ok
                                             ? impl->threads_ok(b->threads[ti])
                                             : NULL;
                if (no_threads) {
                    r->kind = CNB_ROW_UNSUPPORTED;
                    snprintf(r->note, sizeof r->note, "unsupported: %s", no_threads);
                    n.unsupported++;
                    continue;
                }
                if (why) snprintf(r->note, sizeof r->note, "unsupported: %s", why);
                n.timed += kind == CNB_ROW_TIMED;
                n.unsupported += kind == CNB_ROW_UNSUPPORTED;
            }
        }
    }
    return n;
}

#endif
