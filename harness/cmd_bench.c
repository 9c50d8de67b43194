/* `cnnbench bench`: validate, then time every selected (layer, implementation, thread count) with
 * Google Benchmark, and write the per-layer CSV, the per-network CSV and Google Benchmark's JSON
 * (results/README.md has the schema and the method). Identical layers of different networks are
 * timed once and reported under each. Only the kernel's run step is timed; weight packing and
 * layout conversions are timed beside it and reported in their own columns. This file holds the
 * order of the steps and the header printed before the timing; the steps are in bench_opts.c,
 * bench_run.c and bench_files.c (harness/bench_parts.h says which does what). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/peak.h"
#include "arch/sysfs.h"
#include "arch/topo.h"
#include "harness/bench.h"
#include "harness/bench_parts.h"
#include "harness/buffer.h"
#include "harness/peers/peers.h"

#if !CNB_HAVE_BENCHMARK

void bench_usage(void);

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

/* ---- selection ---- */

/* Golden hashes: $CNB_GOLDEN, else tests/golden of the repository holding the shapes. */
static int load_golden(char *dir, int size)
{
    snprintf(dir, size, "%s", cnb_golden_dir());
    return cnb_golden_load(dir);
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
    printf("commit %s, %s; batch%s", b->machine.commit, b->machine.date, b->nbatches > 1 ? "es" : "");
    for (int i = 0; i < b->nbatches; i++) printf("%s%d", i ? "," : " ", b->batches[i]);
    printf("; threads");
    for (int i = 0; i < b->nthreads; i++) printf("%s%d", i ? "," : " ", b->threads[i]);
    printf(" (one worker pinned per core); %s cache\n", b->cold ? "cold (rotating buffers)" : "warm");
    printf("method: validate (exact mode%s), then %d repetitions x >= %.3g s of the run step on "
           "random data, each after a warm-up (%.0f ms, then %.0f ms), interleaved: repetition i "
           "of every row of a group before repetition i+1 of any; median, min and spread "
           "reported\n",
           bench_g.use_golden ? ", golden hashes where present" : ", reference", b->reps, b->min_time,
           WARMUP_S * 1e3, REWARM_S * 1e3);
    if (!named)
        printf("implementations: every runnable one (peer libraries included) but the reference; "
               "plain-C (scalar) ones are timed on the QUICK layers only (%d pairs left out; name "
               "them with --impl)\n", n->scalar_left_out);
    printf("layers: %d selected, %d unique shapes timed once each%s\n", b->nocc, b->nuniq,
           b->quick ? " (QUICK subset)" : "");
    if (bench_g.use_golden) {
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
    bench_parse_options(argc, argv, &o, &b);

    /* Layers: networks, tables, descriptors (default: every network); then the filters. */
    /* With several batch sizes (--mb 1,8,32), the whole selection once per batch, in that order. */
    cnb_selection sel = {0};
    int upto[64];   /* sel's layers [upto[j-1], upto[j]) were loaded at batches[j] */
    for (int j = 0; j < b.nbatches; j++) {
        const int mb = b.batches[j];
        for (int i = 0; i < o.n_nets; i++) cnb_sel_add_net(&sel, o.nets[i], mb);
        if (o.shapes) cnb_sel_add_net(&sel, o.shapes, mb);
        for (int i = 0; i < o.n_descs; i++) cnb_sel_add_desc(&sel, o.descs[i], o.op, o.mb_given ? mb : 0);
        if (!o.n_nets && !o.shapes && !o.n_descs) cnb_sel_add_net(&sel, "all", mb);
        /* --dt LIST: this batch's layers, each in every listed data-type set. */
        char err[256];
        if (o.ndts && cnb_layers_expand_dt(&sel.layers, &sel.net, &sel.count, &sel.cap,
                                           j ? upto[j - 1] : 0, o.dts, o.ndts, err, sizeof err))
            cnb_die("--dt: %s", err);
        upto[j] = sel.count;
    }
    int *uquick = calloc(sel.count ? sel.count : 1, sizeof *uquick);
    int *mb_of = calloc(sel.count ? sel.count : 1, sizeof *mb_of);
    if (!uquick || !mb_of) cnb_die("out of memory");
    for (int i = 0, j = 0; i < sel.count; i++) {
        while (i >= upto[j]) j++;
        mb_of[i] = b.batches[j];
    }
    bench_select_layers(&o, &sel, mb_of, &b, uquick);
    free(mb_of);

    /* Implementations: named, or the default set (plain-C ones only on the QUICK layers). */
    if (!o.impls.named) cnb_impl_sel_default(&o.impls, bench_g.verbose);
    b.impls = o.impls.list;
    b.nimpls = o.impls.count;
    if (!b.nimpls) cnb_die("bench: no runnable implementation");
    const row_counts counts = bench_build_rows(&b, uquick, o.impls.named);
    free(uquick);

    /* A problem that cannot fit in memory is refused before anything is allocated. */
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) {
        char why[256];
        if (b.rows[i].kind == CNB_ROW_TIMED && cnb_case_fits(b.rows[i].impl, b.rows[i].layer, why, sizeof why)) {
            if (b.nbatches > 1) cnb_die("bench: batch %d: %s", b.occ[b.uniq[b.rows[i].u]].batch, why);
            cnb_die("bench: %s", why);
        }
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
    bench_open_outputs(&o, &b, &files);
    if (files.write) {
        bench_part.path = resume_path ? resume_path : files.partial;
        bench_part.argc = argc;
        bench_part.argv = argv;
    }
    bench_init_gbench(argc, argv);
    print_header(&b, o.impls.named, &counts);
    bench_g.b = &b;
    int ngroups = 0;
    const int registered = bench_register_rows(&b, o.dry, &ngroups);
    printf("%d benchmarks (%d layer x implementation x threads pairs, %d unsupported left out)",
           registered, counts.timed, counts.unsupported);
    if (!o.dry) printf("; %d interleaved group%s", ngroups, ngroups == 1 ? "" : "s");
    if (resume_path) printf("; %d done before the interruption (%s)", resumed, resume_path);
    printf("\n");
    fflush(stdout);
    if (o.dry) return sel.bad_lines ? 2 : 0;

    bench_g.data = calloc((size_t)b.nuniq * b.nimpls * b.nthreads, sizeof *bench_g.data);
    if (!bench_g.data) cnb_die("out of memory");
    bench_g.total = registered;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) {
        bench_g.done += b.rows[i].registered && b.rows[i].finished;
        bench_g.failures += b.rows[i].registered && b.rows[i].finished && b.rows[i].failed;
    }
    bench_g.tty = isatty(2);
    bench_g.t0 = bench_now();
    bench_rows_running = 1;
    cnb_guard_install();
    cnb_gb_set_reporter(bench_on_result, NULL);
    cnb_gb_set_quiet(1);
    cnb_gb_run();
    bench_stop_if_asked();   /* a signal during the last row */
    bench_rows_running = 0;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++) bench_free_cases(&b.rows[i]);
    cnb_unbind_omp_threads(bench_g.cur_threads > 0 ? bench_g.cur_threads : 1);
    if (bench_g.tty && !bench_g.verbose) fprintf(stderr, "\r\033[K");
    const double elapsed = bench_now() - bench_g.t0;
    cnb_gb_shutdown();

    cnb_report_summary(&b, stdout);
    int timed = 0;
    for (size_t i = 0; i < (size_t)b.nuniq * b.nimpls * b.nthreads; i++)
        timed += b.rows[i].started && !b.rows[i].failed;
    printf("\n%d timed, %d failed, in %.0f s\n", timed, bench_g.failures, elapsed);
    if (files.write) {
        if (cnb_report_csv(&b, files.csv_f) ||
            (files.net_f && cnb_report_networks_csv(&b, files.net_f)))
            cnb_die("cannot write %s: %s", files.csv, strerror(errno ? errno : EIO));
        bench_finish_file(files.csv_f, files.direct ? -1 : 0, files.csv);
        if (files.net_f) bench_finish_file(files.net_f, 1, files.net);
        bench_finish_json(&files);
        if (resume_path) unlink(resume_path);   /* the complete CSV supersedes it */
        if (files.direct) printf("wrote %s\n", files.csv);
        else printf("wrote %s\n      %s\n      %s\n", files.csv, files.net,
                    o.user_json ? "(JSON: your --benchmark_out)" : files.json);
    }
    const int bad_lines = sel.bad_lines;
    cnb_sel_free(&sel);
    if (bad_lines) printf("%d malformed table line%s skipped (stderr names them)\n", bad_lines,
                          bad_lines == 1 ? "" : "s");
    return bench_g.failures ? 1 : bad_lines ? 2 : 0;
}

#endif
