/* `cnnbench plot RUN.csv [--out DIR]`: the charts of a benchmark run, drawn by gnuplot as PNG and
 * SVG. This file shapes the data (gnuplot cannot read quoted CSV fields reliably) into .dat files
 * and writes one gnuplot script per chart:
 *   <net>_t<T>      GFLOP/s of each conv/fc/gemm layer of a network, one series per implementation
 *   pool_t<T>       GB/s of every pooling layer, one series per implementation
 *   roofline_t<T>   arithmetic intensity against GFLOP/s, the measured FMA peaks and DRAM ceiling
 *   scaling         weighted network GFLOP/s at the highest thread count over 1 thread
 *   <net>_t<T>_batch  images per second against batch size, one series per implementation (from
 *                   <RUN>-networks.csv, complete totals only; only when the run has several batches)
 * With several batch sizes, the per-layer charts are one per batch: <net>_t<T>_mb<B>.
 * Only rows that passed validation and have a speed are drawn. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli.h"
#include "harness/csv.h"

#define MAXV 64

typedef struct strset { char *v[1024]; int n; } strset;

static int set_add(strset *s, const char *v)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], v)) return i;
    if (s->n == 1024) return -1;
    s->v[s->n] = strdup(v);
    return s->n++;
}

static FILE *open_out(const char *dir, const char *name, const char *ext)
{
    char path[4608];
    if (snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext) >= (int)sizeof path)
        cnb_die("plot: path too long: %s", dir);
    FILE *fp = fopen(path, "w");
    if (!fp) cnb_die("plot: cannot write %s", path);
    return fp;
}

/* Chart header shared by every script: one PNG and one SVG from the same plot command. */
static void gp_begin(FILE *gp, const char *title, const char *xlabel, const char *ylabel)
{
    fprintf(gp, "reset\nset title \"%s\" noenhanced\nset xlabel \"%s\"\nset ylabel \"%s\"\n"
                "set key outside right top noenhanced\nset grid\nset datafile missing \"?\"\n",
            title, xlabel, ylabel);
    /* Twelve distinguishable series colours, solid; series 13-24 take them again dashed, with
     * another point shape, so that a chart of up to 24 implementations has no two alike. */
    static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                          "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
                                          "#000000", "#393b79"};
    for (int i = 0; i < 24; i++)
        fprintf(gp, "set linetype %d lc rgb \"%s\" lw 1.5 dt %d pt %d\n", i + 1, colours[i % 12],
                i < 12 ? 1 : 2, i < 12 ? 7 : 5);
    fprintf(gp, "set linetype cycle 24\n");
}

static void gp_output(FILE *gp, const char *name, const char *plot, int wide)
{
    const int w = wide ? 1600 : 1000;
    fprintf(gp, "set terminal pngcairo size %d,600 noenhanced font \"sans,9\"\nset output \"%s.png\"\n%s\n",
            w, name, plot);
    fprintf(gp, "set terminal svg size %d,600 noenhanced font \"sans,9\"\nset output \"%s.svg\"\n%s\n",
            w, name, plot);
}

/* A file name word: letters, digits and '-' kept, anything else becomes '_', and a run of '_'
 * becomes one ("resnet_50[bf16]_t1" -> "resnet_50_bf16_t1"). */
static void sanitize(char *s)
{
    char *o = s;
    for (const char *i = s; *i; i++) {
        const char c = *i;
        const int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (keep) *o++ = c;
        else if (o == s || o[-1] != '_') *o++ = '_';
    }
    *o = 0;
}

/* Charts never put rows of two data types side by side: a row whose dt column (schema 4) is not
 * f32 has its network and, when `impl` ≥ 0, its implementation keyed with the type
 * ("resnet_50[bf16]", "conv/onednn[bf16]": no blank, which gnuplot's columns would split), so that each network chart, series, scaling ratio and batch curve is
 * of one type. The network takes the data-type block of the networks CSV: u8 pooling is part of
 * the u8:s8:u8 chain (harness/report.c). */
static void key_by_dt(cnb_csv *t, int c_dt, int c_net, int c_impl)
{
    if (c_dt < 0) return;   /* before schema 4: all f32 */
    for (int r = 0; r < t->nrow; r++) {
        char **f = t->rows[r];
        const char *dt = f[c_dt];
        if (!*dt || !strcmp(dt, "f32")) continue;
        const char *block = !strcmp(dt, "u8") ? "u8:s8:u8" : dt;
        char buf[512];
        snprintf(buf, sizeof buf, "%s[%s]", f[c_net], block);
        char *net = strdup(buf);
        if (!net) cnb_die("plot: out of memory");
        free(f[c_net]);
        f[c_net] = net;
        if (c_impl < 0) continue;
        snprintf(buf, sizeof buf, "%s[%s]", f[c_impl], dt);
        char *impl = strdup(buf);
        if (!impl) cnb_die("plot: out of memory");
        free(f[c_impl]);
        f[c_impl] = impl;
    }
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* <stem>-networks.csv beside RUN.csv: one chart per (network, threads) with more than one batch;
 * x = batch (log scale), y = images_per_s of complete totals, one series per implementation
 * (the "all/..." best-of rows included). Returns the number of charts. */
static int batch_charts(const char *path, const char *dir, FILE *all, const char *machine)
{
    char npath[4200];
    const size_t len = strlen(path);
    snprintf(npath, sizeof npath, "%.*s-networks.csv", (int)(len > 4 && !strcmp(path + len - 4, ".csv") ? len - 4 : len), path);
    if (access(npath, R_OK)) {
        fprintf(stderr, "cnnbench: plot: no %s: no throughput-against-batch charts\n", npath);
        return 0;
    }
    cnb_csv t;
    cnb_csv_load(&t, npath);
    const int c_net = cnb_csv_need(&t, "network", npath), c_impl = cnb_csv_need(&t, "impl", npath),
              c_thr = cnb_csv_need(&t, "threads", npath), c_mb = cnb_csv_need(&t, "batch", npath),
              c_ips = cnb_csv_need(&t, "images_per_s", npath), c_ok = cnb_csv_need(&t, "complete", npath);
    key_by_dt(&t, cnb_csv_col(&t, "dt"), c_net, -1);
    strset nets = {0}, threads = {0};
    for (int r = 0; r < t.nrow; r++) {
        set_add(&nets, t.rows[r][c_net]);
        set_add(&threads, t.rows[r][c_thr]);
    }
    int charts = 0;
    for (int n = 0; n < nets.n; n++)
        for (int th = 0; th < threads.n; th++) {
            strset cols = {0};
            int mb[MAXV], nmb = 0;
            for (int r = 0; r < t.nrow; r++) {
                char **f = t.rows[r];
                if (strcmp(f[c_net], nets.v[n]) || strcmp(f[c_thr], threads.v[th]) ||
                    strcmp(f[c_ok], "1") || !*f[c_ips])
                    continue;
                if (set_add(&cols, f[c_impl]) < 0) continue;
                const int v = atoi(f[c_mb]);
                int seen = 0;
                for (int i = 0; i < nmb && !seen; i++) seen = mb[i] == v;
                if (!seen && nmb < MAXV) mb[nmb++] = v;
            }
            if (nmb > 1 && cols.n) {
                qsort(mb, nmb, sizeof *mb, cmp_int);
                char name[256];
                snprintf(name, sizeof name, "%s_t%s_batch", nets.v[n], threads.v[th]);
                sanitize(name);
                FILE *dat = open_out(dir, name, "dat");
                fprintf(dat, "batch");
                for (int c = 0; c < cols.n && c < MAXV; c++) fprintf(dat, " %s", cols.v[c]);
                fprintf(dat, "\n");
                for (int i = 0; i < nmb; i++) {
                    fprintf(dat, "%d", mb[i]);
                    for (int c = 0; c < cols.n && c < MAXV; c++) {
                        const char *v = NULL;
                        for (int r = 0; r < t.nrow && !v; r++) {
                            char **f = t.rows[r];
                            if (!strcmp(f[c_net], nets.v[n]) && !strcmp(f[c_thr], threads.v[th]) &&
                                !strcmp(f[c_impl], cols.v[c]) && atoi(f[c_mb]) == mb[i] &&
                                !strcmp(f[c_ok], "1") && *f[c_ips])
                                v = f[c_ips];
                        }
                        fprintf(dat, " %s", v ? v : "?");
                    }
                    fprintf(dat, "\n");
                }
                fclose(dat);
                FILE *gp = open_out(dir, name, "gp");
                char title[512], plot[512];
                snprintf(title, sizeof title, "%s: images per second against batch size, %s thread(s) (%s)",
                         nets.v[n], threads.v[th], machine);
                gp_begin(gp, title, "batch size", "images/s (batch / sum over layers of multiplicity x median)");
                fprintf(gp, "set logscale x 2\nset yrange [0:*]\nset xrange [%g:%g]\nset xtics (", mb[0] / 1.5,
                        mb[nmb - 1] * 1.5);
                for (int i = 0; i < nmb; i++) fprintf(gp, "%s\"%d\" %d", i ? ", " : "", mb[i], mb[i]);
                fprintf(gp, ")\nset style data linespoints\n");
                snprintf(plot, sizeof plot, "plot for [i=2:%d] '%s.dat' using 1:i title columnhead(i) pt 7", 1 + (cols.n < MAXV ? cols.n : MAXV), name);
                gp_output(gp, name, plot, 0);
                fclose(gp);
                fprintf(all, "load '%s.gp'\n", name);
                charts++;
            }
            for (int i = 0; i < cols.n; i++) free(cols.v[i]);
        }
    for (int i = 0; i < nets.n; i++) free(nets.v[i]);
    for (int i = 0; i < threads.n; i++) free(threads.v[i]);
    cnb_csv_free(&t);
    return charts;
}

int cnb_cmd_plot(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench plot RUN.csv [--out DIR]\nDraws the charts of a `cnnbench bench` "
                 "run with gnuplot (PNG and SVG) into DIR (default: <RUN>-plots/): GFLOP/s per layer "
                 "of each network (one per batch size when several), pooling GB/s, a roofline per thread count,\n"
                 "thread scaling, and with several batch sizes images/s against batch per network and\n"
                 "thread count (from <RUN>-networks.csv).");
            return 0;
        } else if (!strcmp(argv[i], "--out")) {
            if (!(out = argv[++i])) cnb_die("--out needs a folder");
        } else if (argv[i][0] == '-') cnb_die("plot: unknown option '%s'", argv[i]);
        else if (!path) path = argv[i];
        else cnb_die("plot: takes one CSV");
    }
    if (!path) cnb_die("plot: which CSV? (cnnbench plot RUN.csv)");
    cnb_csv t;
    cnb_csv_load(&t, path);
    const int c_op = cnb_csv_need(&t, "op", path), c_net = cnb_csv_need(&t, "network", path),
              c_layer = cnb_csv_need(&t, "layer", path), c_impl = cnb_csv_need(&t, "impl", path),
              c_thr = cnb_csv_need(&t, "threads", path), c_gf = cnb_csv_need(&t, "gflops", path),
              c_gbs = cnb_csv_need(&t, "gbs", path), c_flops = cnb_csv_need(&t, "flops_dense", path),
              c_bytes = cnb_csv_need(&t, "bytes", path), c_val = cnb_csv_need(&t, "validation", path),
              c_peak = cnb_csv_need(&t, "peak_gflops", path), c_isa = cnb_csv_need(&t, "isa", path),
              c_bw = cnb_csv_need(&t, "peak_gbs", path), c_mult = cnb_csv_need(&t, "multiplicity", path),
              c_mach = cnb_csv_need(&t, "machine", path), c_time = cnb_csv_need(&t, "time_median_s", path);
    const int c_mb = cnb_csv_col(&t, "batch");   /* empty for GEMM rows: they go in every chart */
    const int c_dt = cnb_csv_col(&t, "dt");
    key_by_dt(&t, c_dt, c_net, c_impl);
    char dir[4200];
    if (out) snprintf(dir, sizeof dir, "%s", out);
    else snprintf(dir, sizeof dir, "%.*s-plots", (int)(strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".csv") ? strlen(path) - 4 : strlen(path)), path);
    mkdir(dir, 0777);
    const char *machine = t.nrow ? t.rows[0][c_mach] : "?";

    strset nets = {0}, impls = {0}, threads = {0}, mbs = {0};
    for (int r = 0; r < t.nrow; r++) {
        char **f = t.rows[r];
        if (strcmp(f[c_val], "PASS") || !*f[c_gf]) continue;
        set_add(&nets, f[c_net]);
        set_add(&impls, f[c_impl]);
        set_add(&threads, f[c_thr]);
        if (c_mb >= 0 && *f[c_mb]) set_add(&mbs, f[c_mb]);
    }
    if (!mbs.n) set_add(&mbs, "");   /* one chart per network and thread count, any batch */
    if (!impls.n) cnb_die("plot: %s has no validated rows with a speed", path);
    FILE *all = open_out(dir, "plots", "gp");
    fprintf(all, "# Draws every chart: gnuplot plots.gp (run in this folder)\n");
    int charts = 0;

    /* 1. Per network, thread count (and batch, when several): GFLOP/s per layer (conv, fc, gemm),
     * a column per impl. */
    for (int n = 0; n < nets.n; n++)
        for (int th = 0; th < threads.n; th++)
        for (int mb = 0; mb < mbs.n; mb++) {
            strset layers = {0}, cols = {0};
            static double val[512][MAXV];
            for (int r = 0; r < t.nrow; r++) {
                char **f = t.rows[r];
                if (strcmp(f[c_net], nets.v[n]) || strcmp(f[c_thr], threads.v[th]) || !strcmp(f[c_op], "pool")) continue;
                if (mbs.n > 1 && *f[c_mb] && strcmp(f[c_mb], mbs.v[mb])) continue;
                const int l = set_add(&layers, f[c_layer]);
                if (l < 0 || l >= 512) continue;
                if (strcmp(f[c_val], "PASS") || !*f[c_gf]) continue;
                const int c = set_add(&cols, f[c_impl]);
                if (c < 0 || c >= MAXV) continue;
                for (int k = layers.n - 1; k < layers.n; k++)
                    for (int j = 0; j < MAXV; j++) if (l == k && !val[l][j]) val[l][j] = NAN;
                val[l][c] = strtod(f[c_gf], NULL);
            }
            if (!cols.n) continue;
            char name[256];
            if (mbs.n > 1) snprintf(name, sizeof name, "%s_t%s_mb%s", nets.v[n], threads.v[th], mbs.v[mb]);
            else snprintf(name, sizeof name, "%s_t%s", nets.v[n], threads.v[th]);
            sanitize(name);
            FILE *dat = open_out(dir, name, "dat");
            fprintf(dat, "idx layer");
            for (int c = 0; c < cols.n; c++) fprintf(dat, " %s", cols.v[c]);
            fprintf(dat, "\n");
            for (int l = 0; l < layers.n && l < 512; l++) {
                const char *short_name = strchr(layers.v[l], ':') ? strchr(layers.v[l], ':') + 1 : layers.v[l];
                fprintf(dat, "%d \"%s\"", l, short_name);
                for (int c = 0; c < cols.n; c++)
                    isnan(val[l][c]) || val[l][c] == 0 ? fprintf(dat, " ?") : fprintf(dat, " %.4g", val[l][c]);
                fprintf(dat, "\n");
            }
            fclose(dat);
            memset(val, 0, sizeof val);
            FILE *gp = open_out(dir, name, "gp");
            char title[512], plot[512];
            snprintf(title, sizeof title, "%s: GFLOP/s per layer, %s thread(s), batch %s (%s)", nets.v[n], threads.v[th],
                     *mbs.v[mb] ? mbs.v[mb] : "1", machine);
            gp_begin(gp, title, "layer", "GFLOP/s (dense FLOPs / median time)");
            fprintf(gp, "set xtics rotate by 60 right font \",7\"\nset yrange [0:*]\nset xrange [-0.5:%.1f]\n"
                        "set style data linespoints\n", layers.n - 0.5);
            snprintf(plot, sizeof plot, "plot for [i=3:%d] '%s.dat' using 1:i:xtic(2) title columnhead(i) pt 7 ps 0.6", 2 + cols.n, name);
            gp_output(gp, name, plot, layers.n > 25);
            fclose(gp);
            fprintf(all, "load '%s.gp'\n", name);
            charts++;
            for (int i = 0; i < layers.n; i++) free(layers.v[i]);
            for (int i = 0; i < cols.n; i++) free(cols.v[i]);
        }

    /* 2. Pooling GB/s and 3. roofline, per thread count. */
    for (int th = 0; th < threads.n; th++) {
        char name[64], title[512], plot[8192];
        for (int pass = 0; pass < 2; pass++) {
            const int pool = pass == 0;
            snprintf(name, sizeof name, pool ? "pool_t%s" : "roofline_t%s", threads.v[th]);
            int len = snprintf(plot, sizeof plot, "plot ");
            int series = 0;
            double peak[8] = {0}, bw = 0;
            strset isas = {0};
            for (int i = 0; i < impls.n; i++) {
                char dname[300], safe[200];
                snprintf(safe, sizeof safe, "%s", impls.v[i]);
                sanitize(safe);
                snprintf(dname, sizeof dname, "%s_%s", name, safe);
                FILE *dat = NULL;
                int rows = 0;
                for (int r = 0; r < t.nrow; r++) {
                    char **f = t.rows[r];
                    if (strcmp(f[c_impl], impls.v[i]) || strcmp(f[c_thr], threads.v[th]) ||
                        strcmp(f[c_val], "PASS") || !*f[c_gf] || (!strcmp(f[c_op], "pool")) != pool)
                        continue;
                    if (!dat) dat = open_out(dir, dname, "dat");
                    const double flops = strtod(f[c_flops], NULL), bytes = strtod(f[c_bytes], NULL);
                    if (pool) fprintf(dat, "%d %.4g \"%s\"\n", rows, strtod(f[c_gbs], NULL), f[c_layer]);
                    else fprintf(dat, "%.4g %.4g\n", flops / bytes, strtod(f[c_gf], NULL));
                    rows++;
                    /* One ceiling per ISA and data type (an int8 peak is not an FMA one). */
                    char ceil_name[96];
                    const char *dt = c_dt >= 0 ? f[c_dt] : "";
                    snprintf(ceil_name, sizeof ceil_name, "%s%s%s%s", f[c_isa],
                             *dt && strcmp(dt, "f32") ? "[" : "", *dt && strcmp(dt, "f32") ? dt : "",
                             *dt && strcmp(dt, "f32") ? "]" : "");
                    const int k = set_add(&isas, ceil_name);
                    if (k >= 0 && k < 8 && strtod(f[c_peak], NULL) > peak[k]) peak[k] = strtod(f[c_peak], NULL);
                    if (strtod(f[c_bw], NULL) > bw) bw = strtod(f[c_bw], NULL);
                }
                if (!dat) continue;
                fclose(dat);
                len += snprintf(plot + len, sizeof plot - len, "%s'%s.dat' using 1:2 title '%s' with points lt %d pt %d ps 0.8",
                                series ? ", " : "", dname, impls.v[i], 1 + series % 12, 5 + series % 9);
                series++;
            }
            if (!series) continue;
            FILE *gp = open_out(dir, name, "gp");
            if (pool) {
                snprintf(title, sizeof title, "Pooling: GB/s of compulsory traffic per layer, %s thread(s) (%s)", threads.v[th], machine);
                gp_begin(gp, title, "pooling layer (all networks, CSV order)", "GB/s");
                fprintf(gp, "set yrange [0:*]\nset xrange [-0.5:*]\n");
                if (bw > 0) len += snprintf(plot + len, sizeof plot - len, ", %.4g title 'DRAM triad %.3g GB/s' with lines dt 2 lc rgb 'black'", bw, bw);
            } else {
                snprintf(title, sizeof title, "Roofline, %s thread(s): every validated conv/fc/gemm row (%s)", threads.v[th], machine);
                gp_begin(gp, title, "arithmetic intensity (dense FLOP / compulsory byte)", "GFLOP/s");
                double top = 0;
                for (int k = 0; k < isas.n && k < 8; k++) top = peak[k] > top ? peak[k] : top;
                fprintf(gp, "set logscale xy\nset xrange [0.1:10000]\nset yrange [0.5:%.4g]\n", top * 3);
                for (int k = 0; k < isas.n && k < 8; k++)
                    if (peak[k] > 0)
                        len += snprintf(plot + len, sizeof plot - len, ", %.4g title '%s peak %.4g' with lines lw 2", peak[k], isas.v[k], peak[k]);
                if (bw > 0)
                    len += snprintf(plot + len, sizeof plot - len, ", %.4g*x title 'DRAM %.3g GB/s' with lines dt 2 lc rgb 'black'", bw, bw);
            }
            gp_output(gp, name, plot, 0);
            fclose(gp);
            fprintf(all, "load '%s.gp'\n", name);
            charts++;
            for (int i = 0; i < isas.n; i++) free(isas.v[i]);
        }
    }

    /* 4. Thread scaling: per network and implementation, weighted GFLOP/s at the highest thread
     * count over 1 thread (layers timed at both). */
    if (threads.n > 1) {
        const char *tmax = threads.v[0];
        for (int i = 1; i < threads.n; i++) if (atoi(threads.v[i]) > atoi(tmax)) tmax = threads.v[i];
        /* An implementation timed at only one of the two thread counts (a library whose thread
         * count is fixed when it loads) has no ratio anywhere: it gets no column, so that gnuplot
         * has no empty series to warn about. */
        double *ratio = calloc((size_t)nets.n * (size_t)impls.n + 1, sizeof *ratio);
        int *has = calloc((size_t)impls.n + 1, sizeof *has), shown = 0;
        if (!ratio || !has) cnb_die("plot: out of memory");
        for (int n = 0; n < nets.n; n++)
            for (int i = 0; i < impls.n; i++) {
                double f1 = 0, t1 = 0, fm = 0, tm = 0;
                for (int r = 0; r < t.nrow; r++) {
                    char **f = t.rows[r];
                    if (strcmp(f[c_net], nets.v[n]) || strcmp(f[c_impl], impls.v[i]) || strcmp(f[c_val], "PASS") || !*f[c_time]) continue;
                    const double m = atof(f[c_mult]) > 0 ? atof(f[c_mult]) : 1;
                    if (!strcmp(f[c_thr], "1")) f1 += m * strtod(f[c_flops], NULL), t1 += m * strtod(f[c_time], NULL);
                    else if (!strcmp(f[c_thr], tmax)) fm += m * strtod(f[c_flops], NULL), tm += m * strtod(f[c_time], NULL);
                }
                if (t1 > 0 && tm > 0 && fabs(f1 - fm) < 1e-6 * f1) ratio[n * impls.n + i] = t1 / tm, has[i] = 1;
            }
        FILE *dat = open_out(dir, "scaling", "dat");
        fprintf(dat, "idx network");
        for (int i = 0; i < impls.n; i++) if (has[i]) fprintf(dat, " %s", impls.v[i]), shown++;
        fprintf(dat, "\n");
        for (int n = 0; n < nets.n; n++) {
            fprintf(dat, "%d %s", n, nets.v[n]);
            for (int i = 0; i < impls.n; i++) {
                if (!has[i]) continue;
                if (ratio[n * impls.n + i] > 0) fprintf(dat, " %.4g", ratio[n * impls.n + i]);
                else fprintf(dat, " ?");
            }
            fprintf(dat, "\n");
        }
        fclose(dat);
        free(ratio);
        free(has);
        FILE *gp = open_out(dir, "scaling", "gp");
        char title[512], plot[512];
        snprintf(title, sizeof title, "Thread scaling: network time on 1 thread / on %s threads (%s)", tmax, machine);
        gp_begin(gp, title, "network", "speed-up");
        fprintf(gp, "set xtics rotate by 30 right\nset yrange [0:*]\nset xrange [-0.5:%.1f]\n"
                    "set style data linespoints\n", nets.n - 0.5);
        snprintf(plot, sizeof plot, "plot for [i=3:%d] 'scaling.dat' using 1:i:xtic(2) title columnhead(i), %s title 'ideal' with lines dt 2 lc rgb 'black'", 2 + shown, tmax);
        gp_output(gp, "scaling", plot, 0);
        fclose(gp);
        fprintf(all, "load 'scaling.gp'\n");
        charts++;
    }
    /* 5. Throughput against batch size: images per second of each implementation's complete
     * network total, per network and thread count, from the per-network CSV beside the run. */
    if (mbs.n > 1) charts += batch_charts(path, dir, all, machine);
    fclose(all);
    printf("plot: %d charts in %s\n", charts, dir);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "command -v gnuplot >/dev/null 2>&1 && cd '%s' && gnuplot plots.gp", dir);
    const int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "cnnbench: plot: gnuplot is missing or failed (scripts/deps.sh --bench installs gnuplot-nox); the .gp and .dat files are in %s\n", dir);
        return 1;
    }
    cnb_csv_free(&t);
    return 0;
}
