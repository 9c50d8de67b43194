/* `cnnbench report RUN.csv [--out FILE]`: what the classic CNN design arguments cost in time on this
 * machine, from a run of the design table (harness/shapes/design/arguments.txt; `make report`).
 *
 * The table's layers are named `<table>:<comparison>/<arm>/<part>*N`. Within a comparison the
 * first arm in the CSV is the baseline (the standard design) and each further arm an alternative
 * the argument favours. For each arm and each group of implementations at each thread count:
 *   time  = Σ over its layers of multiplicity × the fastest passing row of the group
 *           (groups: ours per ISA, the fastest oneDNN build, the fastest peer); "-" when a layer
 *           of the arm has no passing row in the group;
 *   FLOPs = Σ multiplicity × flops_dense, bytes = Σ multiplicity × bytes (the CSV's columns),
 *   params = Σ multiplicity × weights, from the row's descriptor.
 * The claim is baseline / alternative in FLOPs and in parameters; the measurement is baseline /
 * alternative in time. An arm is memory-bound when its arithmetic intensity (FLOPs / bytes) is
 * below the ridge point of the roofline (peak_gflops / peak_gbs of its rows: the measured FMA peak
 * over the measured DRAM bandwidth at that thread count). Every number comes from the CSV; the
 * verdict sentence is a rule on those numbers, stated in the page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/csv.h"

enum { MAX_CMP = 64, MAX_ARM = 4, MAX_THR = 8, MAX_GRP = 8, MAX_LAYER = 4096 };

/* Column indexes in the run's CSV. */
typedef struct {
    int network, layer, mult, desc, impl, isa, threads, median, flops, bytes, peak, peak_bw, val;
} cols;

typedef struct {
    char name[64];
    int narm;
    char arm[MAX_ARM][64];
    double flops[MAX_ARM], bytes[MAX_ARM], params[MAX_ARM];
    double time[MAX_ARM][MAX_GRP][MAX_THR]; /* < 0: not complete in that group */
} comparison;

/* Groups of implementations. */
static const char *const GROUPS[] = {"ours avx512", "ours avx2", "ours neon", "oneDNN (fastest build)",
                                     "best peer"};
enum { G_AVX512, G_AVX2, G_NEON, G_ONEDNN, G_PEER, N_GROUPS };

static int is_ours(const char *impl)
{
    const char *slash = strchr(impl, '/');
    if (!slash) return 0;
    static const char *const prefixes[] = {"avx512_", "avx2_", "neon_", "scalar_", "ref", "broken"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(slash + 1, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

/* The groups a row belongs to: a bit per group. */
static unsigned groups_of(const char *impl, const char *isa)
{
    if (is_ours(impl)) {
        if (!strcmp(isa, "avx512")) return 1u << G_AVX512;
        if (!strcmp(isa, "avx2")) return 1u << G_AVX2;
        if (!strcmp(isa, "neon")) return 1u << G_NEON;
        return 0;   /* plain C and the reference are no contenders */
    }
    const char *slash = strchr(impl, '/');
    const unsigned peer = 1u << G_PEER;
    return slash && !strncmp(slash + 1, "onednn", 6) ? peer | 1u << G_ONEDNN : peer;
}

/* "design:vgg7_w64/7x7/conv" -> comparison "vgg7_w64", arm "7x7"; 0 when the name has no arm. */
static int split_name(const char *layer, char *cmp, char *arm)
{
    const char *p = strchr(layer, ':');
    p = p ? p + 1 : layer;
    const char *s1 = strchr(p, '/');
    if (!s1) return 0;
    const char *s2 = strchr(s1 + 1, '/');
    if (!s2 || s1 - p >= 64 || s2 - s1 - 1 >= 64 || s1 == p || s2 == s1 + 1) return 0;
    memcpy(cmp, p, (size_t)(s1 - p));
    cmp[s1 - p] = 0;
    memcpy(arm, s1 + 1, (size_t)(s2 - s1 - 1));
    arm[s2 - s1 - 1] = 0;
    return 1;
}

static double num(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    return end == s ? NAN : v;
}

static int find_thr(int *thr, int *nthr, int t)
{
    for (int i = 0; i < *nthr; i++)
        if (thr[i] == t) return i;
    if (*nthr == MAX_THR) return -1;
    thr[*nthr] = t;
    return (*nthr)++;
}

static void ratio_cell(FILE *f, double a, double b)
{
    if (a > 0 && b > 0) fprintf(f, " %.2f× |", a / b);
    else fprintf(f, " – |");
}

int cnb_cmd_report(int argc, char **argv)
{
    const char *run = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench report RUN.csv [--out FILE]\n"
                 "The design-argument page of a run of harness/shapes/design/arguments.txt (make "
                 "report): per comparison the FLOPs and parameter ratio each argument claims, the "
                 "time ratio measured for ours per ISA, the fastest oneDNN and the best peer, the "
                 "roofline side of each arm, and a verdict. Writes <RUN>-report.md (or FILE).");
            return 0;
        } else if (!strcmp(argv[i], "--out")) {
            if (!(out = argv[++i])) cnb_die("report: --out needs a file");
        } else if (argv[i][0] == '-') {
            cnb_die("report: unknown option '%s'", argv[i]);
        } else if (!run) {
            run = argv[i];
        } else {
            cnb_die("report: one run at a time (got '%s' too)", argv[i]);
        }
    }
    if (!run) cnb_die("report: name a run's CSV (cnnbench report RUN.csv)");
    cnb_csv t;
    cnb_csv_load(&t, run);
    cols c = {
        cnb_csv_need(&t, "network", run),  cnb_csv_need(&t, "layer", run),
        cnb_csv_need(&t, "multiplicity", run), cnb_csv_need(&t, "descriptor", run),
        cnb_csv_need(&t, "impl", run),     cnb_csv_need(&t, "isa", run),
        cnb_csv_need(&t, "threads", run),  cnb_csv_need(&t, "time_median_s", run),
        cnb_csv_need(&t, "flops_dense", run), cnb_csv_need(&t, "bytes", run),
        cnb_csv_need(&t, "peak_gflops", run), cnb_csv_need(&t, "peak_gbs", run),
        cnb_csv_need(&t, "validation", run),
    };
    static comparison cmp[MAX_CMP];
    int ncmp = 0, thr[MAX_THR], nthr = 0;
    /* Per (layer, thread count, group): the fastest passing time; a layer counted once per arm. */
    static char layers[MAX_LAYER][192];
    static int layer_cmp[MAX_LAYER], layer_arm[MAX_LAYER], layer_mult[MAX_LAYER];
    static double layer_ai[MAX_LAYER], layer_ridge[MAX_LAYER][MAX_THR];
    static double best[MAX_LAYER][N_GROUPS][MAX_THR];
    int nl = 0;
    for (int r = 0; r < t.nrow; r++) {
        char **row = t.rows[r];
        char cn[64], an[64];
        if (!split_name(row[c.layer], cn, an)) continue;
        int ci = 0;
        while (ci < ncmp && strcmp(cmp[ci].name, cn)) ci++;
        if (ci == ncmp) {
            if (ncmp == MAX_CMP) cnb_die("report: %s: more than %d comparisons", run, MAX_CMP);
            memset(&cmp[ncmp], 0, sizeof cmp[ncmp]);
            snprintf(cmp[ncmp].name, sizeof cmp[ncmp].name, "%s", cn);
            ncmp++;
        }
        comparison *k = &cmp[ci];
        int ai = 0;
        while (ai < k->narm && strcmp(k->arm[ai], an)) ai++;
        if (ai == k->narm) {
            if (k->narm == MAX_ARM) cnb_die("report: %s: comparison %s has more than %d arms", run, cn, MAX_ARM);
            snprintf(k->arm[k->narm++], 64, "%s", an);
        }
        int li = 0;
        while (li < nl && strcmp(layers[li], row[c.layer])) li++;
        if (li == nl) {
            if (nl == MAX_LAYER) cnb_die("report: %s: too many layers", run);
            snprintf(layers[nl], sizeof layers[nl], "%s", row[c.layer]);
            layer_cmp[nl] = ci, layer_arm[nl] = ai;
            layer_mult[nl] = (int)num(row[c.mult]);
            const double mult = layer_mult[nl];
            k->flops[ai] += mult * num(row[c.flops]);
            k->bytes[ai] += mult * num(row[c.bytes]);
            layer_ai[nl] = num(row[c.bytes]) > 0 ? num(row[c.flops]) / num(row[c.bytes]) : 0;
            for (int i = 0; i < MAX_THR; i++) layer_ridge[nl][i] = 0;
            cnb_layer l;
            char err[256];
            if (cnb_layer_parse(row[c.desc], CNB_KIND_CONV, 0, &l, err, sizeof err) == 0)
                k->params[ai] += mult * cnb_layer_wei_bytes(&l) / 4;
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < MAX_THR; i++) best[nl][g][i] = -1;
            nl++;
        }
        const int ti = find_thr(thr, &nthr, (int)num(row[c.threads]));
        const double med = num(row[c.median]);
        if (ti < 0 || strcmp(row[c.val], "PASS") || !(med > 0)) continue;
        const unsigned gs = groups_of(row[c.impl], row[c.isa]);
        for (int g = 0; g < N_GROUPS; g++)
            if (gs & 1u << g && (best[li][g][ti] < 0 || med < best[li][g][ti])) best[li][g][ti] = med;
        if (is_ours(row[c.impl]) && (gs & (1u << G_AVX512 | 1u << G_AVX2 | 1u << G_NEON))) {
            const double ridge = num(row[c.peak]) / num(row[c.peak_bw]);
            if (ridge > layer_ridge[li][ti]) layer_ridge[li][ti] = ridge;   /* the widest ISA's */
        }
    }
    if (!ncmp)
        cnb_die("report: %s has no design-table rows (layers named <table>:<comparison>/<arm>/<part>; "
                "run make report)", run);
    for (int ci = 0; ci < ncmp; ci++)
        for (int a = 0; a < MAX_ARM; a++)
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < MAX_THR; i++) cmp[ci].time[a][g][i] = 0;
    for (int li = 0; li < nl; li++)
        for (int g = 0; g < N_GROUPS; g++)
            for (int i = 0; i < nthr; i++) {
                double *tt = &cmp[layer_cmp[li]].time[layer_arm[li]][g][i];
                if (*tt < 0) continue;
                if (best[li][g][i] < 0) *tt = -1;
                else *tt += layer_mult[li] * best[li][g][i];
            }
    /* Which groups have any time at all. */
    int used[N_GROUPS] = {0};
    for (int ci = 0; ci < ncmp; ci++)
        for (int a = 0; a < cmp[ci].narm; a++)
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < nthr; i++) used[g] |= cmp[ci].time[a][g][i] > 0;

    char path[4096];
    if (!out) {
        const size_t n = strlen(run);
        const size_t stem = n > 4 && !strcmp(run + n - 4, ".csv") ? n - 4 : n;
        if (snprintf(path, sizeof path, "%.*s-report.md", (int)stem, run) >= (int)sizeof path)
            cnb_die("report: path too long: %s", run);
        out = path;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f) cnb_die("report: cannot write %s", tmp);
    const int m = cnb_csv_col(&t, "machine"), cpu = cnb_csv_col(&t, "cpu_model"),
              commit = cnb_csv_col(&t, "commit");
    fprintf(f, "# What the design arguments cost on %s\n\n",
            m >= 0 && t.nrow ? t.rows[0][m] : "this machine");
    fprintf(f, "From `%s`%s%s%s%s%s. Each comparison sets a baseline (the first arm) against the "
               "design the argument favours. *Claim* = baseline / alternative in dense FLOPs and in "
               "parameters; *measured* = baseline / alternative in time (Σ multiplicity × the fastest "
               "passing median of the group on each layer), so above 1 means the alternative is "
               "faster. An arm is *memory-bound* when its FLOPs per byte moved fall below the ridge "
               "point of the roofline (measured FMA peak / measured DRAM bandwidth, at that thread "
               "count); the bound column names the memory-bound parts when an arm has both kinds. "
               "Verdict rule, from the fastest code for each arm (any group): the claim *holds* when "
               "the time saving is at least 80 %% of the FLOP saving, *holds in part* when the "
               "alternative is faster but saves less, *does not hold* when it is not faster.\n\n",
            run, cpu >= 0 && t.nrow ? " (" : "", cpu >= 0 && t.nrow ? t.rows[0][cpu] : "",
            cpu >= 0 && t.nrow ? ")" : "", commit >= 0 && t.nrow ? ", commit " : "",
            commit >= 0 && t.nrow ? t.rows[0][commit] : "");
    /* The chart: per comparison, the FLOP saving claimed against the time saving measured. */
    char dat[4300], gp[4300], png[4300];
    snprintf(dat, sizeof dat, "%.*s.dat", (int)(strlen(out) - 3), out);
    snprintf(gp, sizeof gp, "%.*s.gp", (int)(strlen(out) - 3), out);
    snprintf(png, sizeof png, "%.*s.png", (int)(strlen(out) - 3), out);
    FILE *d = fopen(dat, "w");
    if (!d) cnb_die("report: cannot write %s", dat);
    fprintf(d, "# comparison/arm  claimed-FLOP-ratio");
    for (int i = 0; i < nthr; i++) fprintf(d, "  time-ratio-t%d", thr[i]);
    fprintf(d, "\n");
    const char *png_name = strrchr(png, '/') ? strrchr(png, '/') + 1 : png;
    fprintf(f, "![claimed FLOP saving against the measured time saving](%s)\n\n", png_name);
    for (int ci = 0; ci < ncmp; ci++) {
        comparison *k = &cmp[ci];
        fprintf(f, "## %s\n\n| arm | GFLOP | params (M) | FLOP/B |", k->name);
        for (int i = 0; i < nthr; i++) fprintf(f, " bound t=%d |", thr[i]);
        for (int g = 0; g < N_GROUPS; g++)
            for (int i = 0; i < nthr; i++)
                if (used[g]) fprintf(f, " %s t=%d (ms) |", GROUPS[g], thr[i]);
        fprintf(f, "\n| --- | ---: | ---: | ---: |");
        for (int i = 0; i < nthr; i++) fprintf(f, " --- |");
        for (int g = 0; g < N_GROUPS; g++)
            for (int i = 0; i < nthr; i++)
                if (used[g]) fprintf(f, " ---: |");
        fprintf(f, "\n");
        for (int a = 0; a < k->narm; a++) {
            const double ai_ = k->bytes[a] > 0 ? k->flops[a] / k->bytes[a] : 0;
            fprintf(f, "| %s%s | %.4f | %.4f | %.1f |", k->arm[a], a ? "" : " (baseline)",
                    k->flops[a] / 1e9, k->params[a] / 1e6, ai_);
            /* Each part's side of the roofline; one word when they agree. */
            for (int i = 0; i < nthr; i++) {
                int nmem = 0, ncomp = 0;
                for (int li = 0; li < nl; li++)
                    if (layer_cmp[li] == ci && layer_arm[li] == a && layer_ridge[li][i] > 0)
                        layer_ai[li] < layer_ridge[li][i] ? nmem++ : ncomp++;
                if (!nmem && !ncomp) fprintf(f, " – |");
                else if (!nmem || !ncomp) fprintf(f, " %s |", nmem ? "memory" : "compute");
                else {
                    fprintf(f, " memory:");
                    for (int li = 0; li < nl; li++)
                        if (layer_cmp[li] == ci && layer_arm[li] == a && layer_ridge[li][i] > 0 &&
                            layer_ai[li] < layer_ridge[li][i])
                            fprintf(f, " %s", strrchr(layers[li], '/') + 1);
                    fprintf(f, " |");
                }
            }
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < nthr; i++) {
                    if (!used[g]) continue;
                    if (k->time[a][g][i] > 0) fprintf(f, " %.4g |", k->time[a][g][i] * 1e3);
                    else fprintf(f, " – |");
                }
            fprintf(f, "\n");
        }
        for (int a = 1; a < k->narm; a++) {
            fprintf(f, "\n**%s against %s** | claim FLOPs | claim params |", k->arm[a], k->arm[0]);
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < nthr; i++)
                    if (used[g]) fprintf(f, " %s t=%d |", GROUPS[g], thr[i]);
            fprintf(f, "\n| --- | ---: | ---: |");
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < nthr; i++)
                    if (used[g]) fprintf(f, " ---: |");
            fprintf(f, "\n| ratio |");
            ratio_cell(f, k->flops[0], k->flops[a]);
            ratio_cell(f, k->params[0], k->params[a]);
            for (int g = 0; g < N_GROUPS; g++)
                for (int i = 0; i < nthr; i++)
                    if (used[g]) ratio_cell(f, k->time[0][g][i], k->time[a][g][i]);
            fprintf(f, "\n\n");
            /* The verdict, at each thread count: the fastest code there is for each arm (ours or
             * a peer), as a user would run it. */
            const double claim = k->flops[a] > 0 ? k->flops[0] / k->flops[a] : 0;
            for (int i = 0; i < nthr; i++) {
                double tb = 0, ta = 0;
                int gb = -1, ga = -1;
                for (int g = 0; g < N_GROUPS; g++) {
                    if (k->time[0][g][i] > 0 && (gb < 0 || k->time[0][g][i] < tb)) tb = k->time[0][g][i], gb = g;
                    if (k->time[a][g][i] > 0 && (ga < 0 || k->time[a][g][i] < ta)) ta = k->time[a][g][i], ga = g;
                }
                if (i == 0) fprintf(d, "%s/%s %.4f", k->name, k->arm[a], claim);
                if (gb < 0 || ga < 0) fprintf(d, " ?");
                else fprintf(d, " %.4f", tb / ta);
                if (i == nthr - 1) fprintf(d, "\n");
                if (gb < 0 || ga < 0) continue;
                const double ratio = tb / ta;
                int nmem = 0;
                for (int li = 0; li < nl; li++)
                    nmem += layer_cmp[li] == ci && layer_arm[li] == a && layer_ridge[li][i] > 0 &&
                            layer_ai[li] < layer_ridge[li][i];
                const char *verdict = ratio >= 0.8 * claim ? "holds" : ratio > 1 ? "holds in part"
                                                                                 : "does not hold";
                fprintf(f, "- t=%d: %s / %s = %.2f× in FLOPs, %.2f× in time (fastest code: %s "
                           "for %s, %s for %s): the claim %s%s\n",
                        thr[i], k->arm[0], k->arm[a], claim, ratio, GROUPS[gb], k->arm[0],
                        GROUPS[ga], k->arm[a],
                        verdict,
                        ratio >= 0.8 * claim ? "."
                        : nmem ? ", because part of the alternative is memory-bound (FLOP/B below the "
                                 "ridge point): its time follows the bytes it moves, not its FLOPs."
                               : ", though the alternative is compute-bound: its kernels run further "
                                 "from the peak than the baseline's (smaller or thinner layers).");
            }
        }
        fprintf(f, "\n");
    }
    if (ferror(d) | fclose(d)) cnb_die("report: cannot write %s", dat);
    FILE *g = fopen(gp, "w");
    if (!g) cnb_die("report: cannot write %s", gp);
    const char *dat_name = strrchr(dat, '/') ? strrchr(dat, '/') + 1 : dat;
    fprintf(g, "set terminal pngcairo size 1400,600 noenhanced font \"sans,9\"\nset output \"%s\"\n"
               "set title \"design arguments: claimed FLOP saving and measured time saving "
               "(baseline / alternative, fastest code)\" noenhanced\nset style data histograms\n"
               "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
               "set datafile missing \"?\"\nset logscale y 2\nset grid ytics\nset ylabel \"ratio (log scale)\"\n"
               "set xtics rotate by -60 noenhanced\nset key top right\n"
               "plot \"%s\" using 2:xtic(1) title \"claimed (FLOPs)\"",
            png_name, dat_name);
    for (int i = 0; i < nthr; i++)
        fprintf(g, ", \"\" using %d title \"measured t=%d\"", 3 + i, thr[i]);
    fprintf(g, "\n");
    if (ferror(g) | fclose(g)) cnb_die("report: cannot write %s", gp);
    {
        char dir[4300], cmd[9000];
        snprintf(dir, sizeof dir, "%s", gp);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0; else snprintf(dir, sizeof dir, ".");
        const char *gp_name = strrchr(gp, '/') ? strrchr(gp, '/') + 1 : gp;
        snprintf(cmd, sizeof cmd, "command -v gnuplot >/dev/null 2>&1 && cd '%s' && gnuplot '%s'", dir, gp_name);
        if (system(cmd) != 0)
            fprintf(stderr, "cnnbench: report: gnuplot is missing or failed: the chart is not drawn "
                            "(%s and %s are written)\n", dat, gp);
    }
    if (ferror(f) | fclose(f)) cnb_die("report: cannot write %s", tmp);
    if (rename(tmp, out)) cnb_die("report: cannot write %s", out);
    printf("wrote %s (%d comparisons)\n", out, ncmp);
    cnb_csv_free(&t);
    return 0;
}
