/* C interface to Google Benchmark (harness/gbench.cc, the project's one C++ file): register C
 * callbacks as benchmarks, run them with Google Benchmark's repetitions and flags, and get every
 * run and aggregate back as a plain struct. Built only when CNB_HAVE_BENCHMARK is defined. */
#ifndef CNB_HARNESS_GBENCH_H
#define CNB_HARNESS_GBENCH_H

#ifdef __cplusplus
extern "C" {
#endif

/* One benchmark. The wrapper copies the struct (and the name) at registration. */
typedef struct cnb_gb_bench {
    const char *name;            /* e.g. "conv/avx512_direct/resnet_50:res2a_branch2b" */
    void (*fn)(void *ctx);       /* timed body: one call per iteration */
    int (*setup)(void *ctx);     /* optional, untimed, before the iterations of each run;
                                    nonzero = skip this benchmark with an error */
    void (*teardown)(void *ctx); /* optional, untimed, after the iterations of each run */
    void *ctx;                   /* handed to fn/setup/teardown and back in every result */
    int repetitions;             /* 0 = --benchmark_repetitions (default 1) */
    double min_time;             /* seconds per repetition; 0 = --benchmark_min_time (0.5) */
    int threads;                 /* OpenMP threads the body uses: reported as counter "threads";
                                    the body itself must set them (omp_set_num_threads) */
    double flop;                 /* FLOPs per iteration; > 0 adds counter "FLOP" as a rate */
    double bytes;                /* bytes per iteration; > 0 adds counter "bytes" as a rate */
} cnb_gb_bench;

#define CNB_GB_MAX_COUNTERS 8

/* One result handed back to C: a repetition (aggregate[0] == 0) or an aggregate. Strings and
 * the struct are valid only during the callback. */
typedef struct cnb_gb_result {
    const char *name;         /* the registered name */
    const char *full_name;    /* Google Benchmark's name, e.g. "<name>/repeats:5/real_time" */
    const char *aggregate;    /* "" for a repetition; "mean", "median", "stddev", "cv" */
    void *ctx;                /* ctx of the registration */
    int repetition;           /* 0-based index of this repetition; -1 for aggregates */
    int repetitions;          /* repetitions of this benchmark */
    long long iterations;     /* iterations per repetition */
    double real_time;         /* seconds per iteration (wall clock). For "cv": the ratio
                                 stddev/mean (unitless); for "stddev": seconds */
    double cpu_time;          /* CPU seconds per iteration of the calling thread (same rules) */
    int is_ratio;             /* 1 for "cv": real_time/cpu_time are ratios, not seconds */
    double threads;           /* counter "threads" (0 if not given) */
    double flop_rate;         /* counter "FLOP" in FLOP/s (0 if not given) */
    double byte_rate;         /* counter "bytes" in bytes/s (0 if not given) */
    int ncounters;            /* every counter, including the three above */
    const char *counter_name[CNB_GB_MAX_COUNTERS];
    double counter_value[CNB_GB_MAX_COUNTERS];
    int error;                /* 1 when the run was skipped with an error (setup failed) */
    const char *error_message;
} cnb_gb_result;

typedef void (*cnb_gb_report_fn)(const cnb_gb_result *r, void *user);

/* Parse and remove Google Benchmark's own flags (--benchmark_filter, --benchmark_repetitions,
 * --benchmark_min_time=<seconds>, --benchmark_out=FILE, --benchmark_out_format=json, ...) from
 * argc/argv, leaving the others for the caller. A --benchmark_repetitions or
 * --benchmark_min_time given here wins over the values of every registration. */
void cnb_gb_init(int *argc, char **argv);

/* Register a benchmark (always timed on the wall clock: UseRealTime). Returns 0, -1 on error. */
int cnb_gb_register(const cnb_gb_bench *b);

/* Callback receiving every repetition and Google Benchmark's aggregates (NULL = none). */
void cnb_gb_set_reporter(cnb_gb_report_fn fn, void *user);

/* 1 = do not print Google Benchmark's console table (the callback and --benchmark_out still
 * get everything). Default 0. */
void cnb_gb_set_quiet(int quiet);

/* Run every registered benchmark matching --benchmark_filter, then forget all registrations.
 * Returns the number of benchmarks that matched. */
int cnb_gb_run(void);

/* Release Google Benchmark's global state (call once at exit, after the last cnb_gb_run). */
void cnb_gb_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
