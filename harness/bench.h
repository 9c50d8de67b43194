/* The measurement run behind `cnnbench bench` (harness/cmd_bench.c) and its reports
 * (harness/report.c; the machine facts: harness/machine.c): the machine description, one row per
 * timed (layer, implementation, threads), the per-layer and per-network CSVs, the terminal
 * summary, and the partial file of an interrupted run. Schema: results/README.md. */
#ifndef CNB_HARNESS_BENCH_H
#define CNB_HARNESS_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "harness/cli.h"
#include "harness/validate.h"
#include "kernels/impl.h"

/* Version of the CSV schemas (results/README.md); bump when a column changes. */
#define CNB_CSV_SCHEMA 4

/* What the rows were measured on; every CSV row repeats it. */
typedef struct cnb_machine {
    char name[96];         /* folder name: sanitised CPU model (+ cpuid family and model when it has no model number) + core count, "amd-epyc-f26m2-2c" */
    char cpu_model[128];
    char isas[256];        /* usable feature bits, space-separated */
    int cores, pus;
    long long l1d, l2, l3, l3_reported;  /* bytes; l3 after the clamp of arch/topo.h */
    char compiler[128];
    char cflags[512];
    char libraries[512];
    char peers[128];       /* peer libraries built in: "onednn openblas blis" */
    char date[32];         /* UTC, ISO 8601: 2026-11-29T13:20:05Z */
    char stamp[32];        /* the same for file names: 20261129-132005 */
    char commit[64];       /* short hash, "-dirty" when the tree has changes; "unknown" */
} cnb_machine;

/* Fill m (harness/machine.c; git is asked for the commit in the repository holding the shapes directory;
 * $CNB_COMMIT, $CNB_CFLAGS and $CNB_LIB_VERSIONS override or complete what the binary knows). */
void cnb_machine_collect(cnb_machine *m);

/* A pairing is applicable when the implementation's op is the layer's op. */
enum { CNB_ROW_NA, CNB_ROW_UNSUPPORTED, CNB_ROW_TIMED };

/* One (unique layer, implementation, thread count). */
typedef struct cnb_bench_row {
    int u, k, ti;              /* unique layer, implementation, thread-count index */
    const cnb_layer *layer;
    const cnb_impl *impl;
    int threads;
    int kind;                  /* CNB_ROW_* */
    int registered;            /* handed to Google Benchmark (kind TIMED, not a dry run) */
    int started, finished;
    /* validation */
    int validated;
    cnb_val_status val;
    char val_method[24];       /* "golden", "reference", "random", "hash-t1" */
    double worst;              /* worst error: 0 = bit-exact; random mode: error / bound */
    uint64_t out_hash;
    /* set-up measured beside the kernel, seconds (-1 = not applicable) */
    double prepare_s, layout_in_s, layout_out_s;
    int copies;                /* cases rotated through (cold cache); 1 when warm */
    char kernel[96];
    cnb_isa isa;               /* of the code that ran: impl->isa, or impl->ran_isa(state) */
    /* timing: seconds per call of each repetition */
    double *rep;
    int nrep, caprep;
    long long iters;
    double median, min, max;
    int failed;                /* validation failed or set-up error: no speed */
    char note[320];
} cnb_bench_row;

/* One layer as selected (a network layer or a descriptor), pointing at its unique shape. */
typedef struct cnb_bench_occ {
    const cnb_layer *layer;
    const char *net;
    int u;                     /* unique layer index */
    int first;                 /* 1 when this occurrence is the one timed */
    int batch;                 /* the --mb value it was selected at: its network total's batch */
} cnb_bench_occ;

typedef struct cnb_bench {
    cnb_machine machine;
    cnb_bench_occ *occ;
    int nocc;
    int *uniq;                 /* occurrence index of each unique layer */
    int nuniq;
    const cnb_impl **impls;
    int nimpls;
    int threads[64];
    int nthreads;
    int batch;                 /* the first (or only) --mb value */
    int batches[64];           /* every --mb value, in the order given; nbatches >= 1 */
    int nbatches;
    int cold;
    int reps;
    double min_time;
    int quick;
    cnb_bench_row *rows;       /* [u][k][ti] */
} cnb_bench;

static inline cnb_bench_row *cnb_bench_row_at(const cnb_bench *b, int u, int k, int ti)
{
    return &b->rows[((size_t)u * b->nimpls + k) * b->nthreads + ti];
}

/* A peer library's implementation (oneDNN, OpenBLAS, BLIS): by the naming grammar, ours are
 * "<op>/<isa>_<variant>" and the reference "<op>/ref"; any other non-hidden name is a peer.
 * (A `peer` flag in cnb_impl would say it outright.) */
int cnb_impl_is_peer(const cnb_impl *impl);
/* The fastest peer row with a speed on the same unique layer and thread count; NULL if none. */
const cnb_bench_row *cnb_best_peer(const cnb_bench *b, int u, int ti);
/* The same among the peer rows whose code ran at `isa` (the row's isa column); NULL for none. */
const cnb_bench_row *cnb_best_peer_same_isa(const cnb_bench *b, int u, int ti, cnb_isa isa);

/* Derived figures of a row; 0 when the row has no speed. */
double cnb_row_gflops(const cnb_bench_row *r);
double cnb_row_pct_peak(const cnb_bench_row *r);

/* ---- interrupted runs (harness/bench_partial.c; results/README.md, "Interrupted runs") ---- */

enum { CNB_PARTIAL_MAX_ARGS = 512 };
/* What a partial file says about its run: the original arguments (argv[1..]) and the names. */
typedef struct cnb_partial_run {
    char stamp[32], date[32], commit[64], machine[96];
    int argc;
    char *argv[CNB_PARTIAL_MAX_ARGS];
} cnb_partial_run;

/* Save the finished rows of the run and the command line that selected them, through a
 * temporary file renamed into place. Returns 0, or -1 when the file cannot be written. */
int cnb_partial_write(const char *path, const cnb_bench *b, int argc, char **argv);
/* Read the run record and arguments of a partial file; bad input stops with exit 2. */
void cnb_partial_read_run(const char *path, cnb_partial_run *run);
/* Mark the rows the partial file holds finished, with their saved data; returns how many.
 * A row that is not one of b's stops with exit 2. */
int cnb_partial_apply(const char *path, cnb_bench *b);

/* The per-layer CSV: header + one line per (selected layer, implementation, threads).
 * Returns 0, or -1 on a write error. */
int cnb_report_csv(const cnb_bench *b, FILE *f);
/* The per-network CSV: totals weighted by multiplicity per (network, implementation, threads,
 * batch), and per (network, ISA, threads, batch) across ops ("all/<isa>"). */
int cnb_report_networks_csv(const cnb_bench *b, FILE *f);
/* The terminal summary table. */
void cnb_report_summary(const cnb_bench *b, FILE *f);

#endif
