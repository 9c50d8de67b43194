/* The parts of `cnnbench bench` and what they share; private to the command's files:
 *   cmd_bench.c    the command: the order of the steps, the header it prints
 *   bench_opts.c   its command line, the QUICK list, the layers and rows it selects
 *   bench_run.c    the timing: Google Benchmark's callbacks, validation, data, progress
 *   bench_files.c  where the results go: temporary files, signals, the partial file
 * (bench_partial.c reads and writes the partial file itself; bench.h is the public side.) */
#ifndef CNB_HARNESS_BENCH_PARTS_H
#define CNB_HARNESS_BENCH_PARTS_H

#if CNB_HAVE_BENCHMARK

#include <regex.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/bench.h"
#include "harness/case.h"
#include "harness/gbench.h"

/* Defaults of the method (results/README.md, "Method"). */
enum { DEFAULT_REPS = 5, MAX_COPIES = 64 };
static const double DEFAULT_MIN_TIME = 0.02;   /* seconds per repetition (full run) */
static const double QUICK_MIN_TIME = 0.04;     /* seconds per repetition (--quick) */
static const double WARMUP_S = 0.02;           /* untimed runs before a row's first repetition */
static const double REWARM_S = 0.005;          /* ... and before each of its later ones */
static const double SETUP_SAMPLE_S = 0.05;     /* budget for extra prepare / layout samples */
static const long long COLD_MAX_BYTES = 1LL << 30;
static const double GROUP_MAX_BYTES = 4.0 * (1LL << 30);  /* data held by one interleaved group */

/* ---- the state of the run (Google Benchmark calls back into C with a row as context) ---- */

/* The timing data of one row, held from its first repetition to its last. */
typedef struct row_data {
    cnb_case *cases;          /* random-mode copies, prepared at the row's thread count */
    int ncases, next;         /* next: the copy the next call uses (rotation, --cold) */
} row_data;

typedef struct bench_state {
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
} bench_state;
extern bench_state bench_g;

/* The command line, once parsed. */
typedef struct bench_opts {
    const char *nets[64], *descs[256], *globs[64];
    int n_nets, n_descs, n_globs;
    const char *shapes, *out, *results, *threads, *filter;
    int have_op, dry, user_json, mb_given;
    cnb_kind op;
    double min_time;
    cnb_impl_sel impls;
    cnb_dtset dts[CNB_DTSET_COUNT];   /* --dt LIST; ndts = 0: the layers as written (f32) */
    int ndts;
} bench_opts;


typedef struct row_counts { int timed, unsupported, scalar_left_out; } row_counts;

/* The output files: paths, directories, and the temporary CSV files opened bench_now, so that an
 * unwritable place is found before any work. */
typedef struct bench_files {
    int write, direct;         /* direct: --out is a device or pipe, written in place */
    char csv[4000], net[4100], json[4100], partial[4100];
    FILE *csv_f, *net_f;
} bench_files;


typedef struct bench_part_t {
    const char *path;   /* the partial file; NULL: no outputs, nothing to save */
    int argc;
    char **argv;        /* the command line it records */
} bench_part_t;
extern bench_part_t bench_part;
extern int bench_rows_running;   /* rows are being timed: a signal is handled at a row boundary */

/* bench_opts.c */
void bench_usage(void);
void bench_parse_options(int argc, char **argv, bench_opts *o, cnb_bench *b);
void bench_select_layers(const bench_opts *o, const cnb_selection *sel, const int *mb_of, cnb_bench *b,
                         int *uquick);
row_counts bench_build_rows(cnb_bench *b, const int *uquick, int named);

/* bench_run.c */
double bench_now(void);
void bench_free_cases(cnb_bench_row *r);
int bench_register_rows(cnb_bench *b, int dry, int *ngroups);
void bench_on_result(const cnb_gb_result *res, void *user);

/* bench_files.c */
void bench_open_outputs(const bench_opts *o, const cnb_bench *b, bench_files *f);
void bench_init_gbench(int argc, char **argv);
void bench_finish_file(FILE *f, int idx, const char *final);
void bench_finish_json(const bench_files *f);
void bench_stop_if_asked(void);

#endif
#endif
