/* `cnnbench compare A.csv B.csv`: what got faster, slower or wrong between two runs (two commits,
 * two machines). Rows are matched by op, descriptor, implementation, threads, batch and cache. A
 * change is significant when it is at least the threshold (5 %) and larger than the two runs'
 * spreads added together: a spread is the full range of a run's repetitions, and two runs of the
 * same build whose medians each sit anywhere in their own range can differ by up to the sum
 * (measured on four pairs of QUICK runs of one build: larger than each spread alone flagged 0, 1,
 * 3 and 1 of 156 rows; larger than the sum, 0, 1, 0 and 0, the 1 under a synthetic load and a
 * speed-up). Two runs from different machines (the `machine` column differs) are not a regression
 * test: compare says so in its first line, prints the B/A time ratio per network, implementation and
 * threads (geometric mean over the layers both timed) and leaves the exit status to same-machine
 * pairs. Columns are found by name, so CSVs of every schema compare (schema 2 added `peers`, 3 the ratios to the peers of the same ISA).
 * Exit status: 0 quiet or different machines, 1 a significant slow-down or a validation that went
 * from PASS to FAIL on one machine, 2 bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/csv.h"

enum { C_OP, C_DESC, C_IMPL, C_THREADS, C_BATCH, C_CACHE, C_MEDIAN, C_SPREAD, C_VALID, C_LAYER,
       C_NOTE, C_COMMIT, C_DATE, C_MACHINE, C_NETWORK, C_DT, C_COUNT };
static const char *const col_names[C_COUNT] = {
    "op", "descriptor", "impl", "threads", "batch", "cache", "time_median_s", "spread_pct",
    "validation", "layer", "note", "commit", "date", "machine", "network", "dt"};
static const int col_required[C_COUNT] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};

typedef struct row {
    char *f[C_COUNT];
    char key[1024];
    double median, spread;
    int matched;
    int dup;   /* the same problem again, under another network */
} row;

typedef struct table {
    const char *path;
    row *rows;
    int count;   /* rows[0..count) hold every row; the comparisons skip duplicates */
} table;

static void load(table *t, const char *path)
{
    cnb_csv csv;
    cnb_csv_load(&csv, path);
    t->path = path;
    int idx[C_COUNT];
    for (int c = 0; c < C_COUNT; c++)
        idx[c] = col_required[c] ? cnb_csv_need(&csv, col_names[c], path) : cnb_csv_col(&csv, col_names[c]);
    t->rows = calloc(csv.nrow ? csv.nrow : 1, sizeof *t->rows);
    if (!t->rows) cnb_die("out of memory");
    for (int i = 0; i < csv.nrow; i++) {
        row *r = &t->rows[t->count];
        for (int c = 0; c < C_COUNT; c++) r->f[c] = idx[c] >= 0 ? csv.rows[i][idx[c]] : "";
        snprintf(r->key, sizeof r->key, "%s|%s|%s|%s|%s|%s", r->f[C_OP], r->f[C_DESC], r->f[C_IMPL],
                 r->f[C_THREADS], r->f[C_BATCH], r->f[C_CACHE]);
        r->median = *r->f[C_MEDIAN] ? strtod(r->f[C_MEDIAN], NULL) : NAN;
        r->spread = *r->f[C_SPREAD] ? strtod(r->f[C_SPREAD], NULL) : 0;
        /* The same problem reported under several networks: the row-by-row comparison keeps the
         * first, the per-network ratios of two machines use them all. */
        for (int j = t->count - 1; j >= 0 && !r->dup; j--)
            r->dup = !t->rows[j].dup && !strcmp(t->rows[j].key, r->key);
        t->count++;
    }
    /* The fields stay owned by the (never freed) csv: compare exits right after. */
}

static row *find(table *t, const char *key)
{
    for (int i = 0; i < t->count; i++)
        if (!t->rows[i].dup && !strcmp(t->rows[i].key, key)) return &t->rows[i];
    return NULL;
}

/* A geometric mean of B/A times, accumulated per group (an implementation, or a network ×
 * implementation × threads). */
typedef struct geo { char name[256]; double log_sum; int n; } geo;
typedef struct geos { geo *g; int n, cap; } geos;

static void geo_add(geos *s, const char *name, double ratio)
{
    int i = 0;
    while (i < s->n && strcmp(s->g[i].name, name)) i++;
    if (i == s->n) {
        if (s->n == s->cap && !(s->g = realloc(s->g, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof *s->g)))
            cnb_die("out of memory");
        snprintf(s->g[i].name, sizeof s->g[i].name, "%s", name);
        s->g[i].log_sum = 0;
        s->g[i].n = 0;
        s->n++;
    }
    s->g[i].log_sum += log(ratio);
    s->g[i].n++;
}

/* The machine a table ran on: its first row's, "" when the column is absent. */
static const char *machine_of(const table *t) { return t->count ? t->rows[0].f[C_MACHINE] : ""; }

/* Two machines: the ratio between them per network, implementation and threads, over every row
 * both timed (a layer shared by several networks counts in each). Validation failures on B are
 * listed; neither they nor the ratios set the exit status. */
static int compare_machines(table *a, table *b)
{
    geos per = {0};
    int matched = 0, failed = 0, only_b = 0;
    for (int i = 0; i < b->count; i++) {
        row *rb = &b->rows[i], *ra = find(a, rb->key);
        if (!ra) {
            only_b += !rb->dup;
            continue;
        }
        if (!rb->dup) {
            matched++;
            ra->matched = 1;
            if (!strcmp(ra->f[C_VALID], "PASS") && strcmp(rb->f[C_VALID], "PASS") &&
                strcmp(rb->f[C_VALID], "SKIP")) {
                failed++;
                printf("FAIL on B's machine %-24s t=%s %s (%s): %s %s\n", rb->f[C_IMPL],
                       rb->f[C_THREADS], rb->f[C_DESC], rb->f[C_LAYER], rb->f[C_VALID], rb->f[C_NOTE]);
            }
        }
        if (!(ra->median > 0) || !(rb->median > 0)) continue;
        /* One group per network and data type: a bf16 layer's ratio never mixes with an f32
         * one's. f32 (or no dt column, before schema 4) is the network's name alone. */
        char name[256], net[160];
        const char *dt = rb->f[C_DT];
        snprintf(net, sizeof net, "%s%s%s", *rb->f[C_NETWORK] ? rb->f[C_NETWORK] : "-",
                 *dt && strcmp(dt, "f32") ? " " : "", *dt && strcmp(dt, "f32") ? dt : "");
        snprintf(name, sizeof name, "%-16s %-26s %3s", net, rb->f[C_IMPL], rb->f[C_THREADS]);
        geo_add(&per, name, rb->median / ra->median);
    }
    if (per.n) {
        printf("B/A time between the machines (geometric mean over the layers both timed; < 1: B's "
               "machine is faster):\n  %-16s %-26s %3s %7s %6s\n", "network", "implementation", "thr",
               "B/A", "layers");
        for (int g = 0; g < per.n; g++)
            printf("  %s %7.3f %6d\n", per.g[g].name, exp(per.g[g].log_sum / per.g[g].n), per.g[g].n);
    }
    free(per.g);
    int only_a = 0;
    for (int i = 0; i < a->count; i++) only_a += !a->rows[i].dup && !a->rows[i].matched;
    printf("%d rows matched (%d only in A, %d only in B): %d failed validation on B's machine; "
           "different machines, so no regression verdict\n", matched, only_a, only_b, failed);
    if (!matched) {
        fprintf(stderr, "cnnbench: compare: no rows in common\n");
        return 2;
    }
    return 0;
}

int cnb_cmd_compare(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    double threshold = 5.0;
    int n_paths = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench compare [--threshold PCT] [-v] A.csv B.csv\n"
                 "Matches rows by op, descriptor, implementation, threads, batch and cache; reports\n"
                 "significant speed-ups and slow-downs of B against A (at least PCT %, default 5, and\n"
                 "larger than the two runs' spreads added), validations that went from PASS to FAIL, and the\n"
                 "geometric mean of B/A times per implementation; under each slow-down, the command\n"
                 "that re-times its row. Exit 1 on a significant slow-down or a new failure, 0\n"
                 "otherwise. When the two CSVs come from different machines (column `machine`), it\n"
                 "says so first, prints the B/A time per network, implementation and threads instead,\n"
                 "and exits 0: only two runs on one machine can show a regression.");
            return 0;
        } else if (!strcmp(argv[i], "--threshold")) {
            char *end;
            if (!argv[i + 1]) cnb_die("--threshold needs a percentage");
            threshold = strtod(argv[++i], &end);
            if (*end || !(threshold >= 0 && threshold < 1000))
                cnb_die("--threshold %s: expected a percentage", argv[i]);
        } else if (!strcmp(argv[i], "-v")) verbose = 1;
        else if (argv[i][0] == '-' && argv[i][1]) cnb_die("compare: unknown option '%s'", argv[i]);
        else if (n_paths < 2) paths[n_paths++] = argv[i];
        else cnb_die("compare: takes two CSV files");
    }
    if (n_paths != 2) cnb_die("compare: takes two CSV files (A.csv B.csv)");
    table a = {0}, b = {0};
    load(&a, paths[0]);
    load(&b, paths[1]);
    const char *ma = machine_of(&a), *mb = machine_of(&b);
    const int other_machine = *ma && *mb && strcmp(ma, mb);
    if (other_machine)
        printf("machines differ: A ran on %s, B on %s; the ratios below compare the machines, and "
               "only two runs on one machine can show a regression\n", ma, mb);
    printf("A: %s (%s %s)\nB: %s (%s %s)\n", paths[0], a.count ? a.rows[0].f[C_COMMIT] : "",
           a.count ? a.rows[0].f[C_DATE] : "", paths[1], b.count ? b.rows[0].f[C_COMMIT] : "",
           b.count ? b.rows[0].f[C_DATE] : "");
    if (other_machine) return compare_machines(&a, &b);
    int matched = 0, faster = 0, slower = 0, new_fail = 0, fixed = 0;
    geos per_impl = {0};
    for (int i = 0; i < b.count; i++) {
        row *rb = &b.rows[i], *ra = rb->dup ? NULL : find(&a, rb->key);
        if (!ra) continue;
        ra->matched = rb->matched = 1;
        matched++;
        const char *va = ra->f[C_VALID], *vb = rb->f[C_VALID];
        if (!strcmp(va, "PASS") && strcmp(vb, "PASS") && strcmp(vb, "SKIP")) {
            new_fail++;
            printf("NEW FAILURE %-24s t=%s %s (%s): %s -> %s %s\n", rb->f[C_IMPL], rb->f[C_THREADS],
                   rb->f[C_DESC], rb->f[C_LAYER], va, vb, rb->f[C_NOTE]);
            continue;
        }
        if (strcmp(va, "PASS") && !strcmp(vb, "PASS")) fixed++;
        if (!(ra->median > 0) || !(rb->median > 0)) continue;
        const double ratio = rb->median / ra->median, change = 100 * (ratio - 1);
        /* Per implementation and data type (an f32 row's ratio never averages with a bf16 one's). */
        char gname[256];
        const char *dt = rb->f[C_DT];
        snprintf(gname, sizeof gname, "%s%s%s", rb->f[C_IMPL], *dt && strcmp(dt, "f32") ? " " : "",
                 *dt && strcmp(dt, "f32") ? dt : "");
        geo_add(&per_impl, gname, ratio);
        const double diff = fabs(rb->median - ra->median);
        const int significant = fabs(change) >= threshold &&
                                diff > (ra->spread * ra->median + rb->spread * rb->median) / 100;
        if (significant || verbose)
            printf("%-11s %-24s t=%s %s (%s): %.4g ms -> %.4g ms (%+.1f%%; spreads %.1f%% / %.1f%%)\n",
                   !significant ? "same" : ratio > 1 ? "SLOWER" : "faster", rb->f[C_IMPL],
                   rb->f[C_THREADS], rb->f[C_DESC], rb->f[C_LAYER], ra->median * 1e3,
                   rb->median * 1e3, change, ra->spread, rb->spread);
        if (significant && ratio > 1)   /* one command re-times the row, in one run, to confirm */
            printf("            re-time: cnnbench bench --impl %s --threads %s --mb %s%s --reps 9 "
                   "--out - '%s'\n", rb->f[C_IMPL], rb->f[C_THREADS], rb->f[C_BATCH],
                   !strcmp(rb->f[C_CACHE], "cold") ? " --cold" : "", rb->f[C_DESC]);
        if (significant) ratio > 1 ? slower++ : faster++;
    }
    int only_a = 0, only_b = 0;
    for (int i = 0; i < a.count; i++) only_a += !a.rows[i].dup && !a.rows[i].matched;
    for (int i = 0; i < b.count; i++) only_b += !b.rows[i].dup && !b.rows[i].matched;
    if (per_impl.n) printf("geometric mean of B/A time per implementation (< 1: B is faster):\n");
    for (int g = 0; g < per_impl.n; g++)
        printf("  %-34s %.3f over %d rows\n", per_impl.g[g].name,
               exp(per_impl.g[g].log_sum / per_impl.g[g].n), per_impl.g[g].n);
    free(per_impl.g);
    printf("%d rows matched (%d only in A, %d only in B): %d faster, %d slower, %d new failures, "
           "%d fixed\n", matched, only_a, only_b, faster, slower, new_fail, fixed);
    if (!matched) {
        fprintf(stderr, "cnnbench: compare: no rows in common\n");
        return 2;
    }
    return slower || new_fail ? 1 : 0;
}
