/* `cnnbench bench`, where the results go (harness/bench_parts.h): the output paths, the temporary
 * files renamed into place when complete, the signals (an interrupted run saves its finished
 * rows to the partial file and leaves nothing half-written), Google Benchmark's JSON. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/sysfs.h"
#include "harness/bench_parts.h"

#if CNB_HAVE_BENCHMARK

/* Temporary files removed when the run is interrupted. */
static char g_tmp[3][4200];

static void remove_tmp(void)
{
    for (int i = 0; i < 3; i++)
        if (g_tmp[i][0]) unlink(g_tmp[i]);
}

/* SIGINT or SIGTERM while the rows run: the handler only notes the signal; the run stops at the
 * next row boundary (bench_stop_if_asked), where the finished rows are saved to the partial file. A
 * second signal, SIGPIPE, or a signal before the rows run: the temporary files go, and the
 * process ends by the signal at once. */
static volatile sig_atomic_t g_stop;
int bench_rows_running;   /* the partial file can be written from here on */

static void on_signal(int sig)
{
    if (bench_rows_running && !g_stop && sig != SIGPIPE) {
        g_stop = sig;
        return;
    }
    for (int i = 0; i < 3; i++)
        if (g_tmp[i][0]) unlink(g_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- an interrupted run ---- */

bench_part_t bench_part;

/* Called at each row boundary: when SIGINT or SIGTERM came, save the finished rows to the
 * partial file, remove the temporary files, and end by the signal. */
void bench_stop_if_asked(void)
{
    if (!g_stop) return;
    const int sig = g_stop;
    if (bench_g.tty && !bench_g.verbose) fprintf(stderr, "\r\033[K");
    if (bench_part.path && cnb_partial_write(bench_part.path, bench_g.b, bench_part.argc, bench_part.argv) == 0)
        fprintf(stderr, "cnnbench: interrupted: %d of %d rows done, saved in %s; finish with: "
                "cnnbench bench --resume %s\n", bench_g.done, bench_g.total, bench_part.path, bench_part.path);
    else if (bench_part.path)
        fprintf(stderr, "cnnbench: interrupted; cannot write %s: %s\n", bench_part.path, strerror(errno));
    remove_tmp();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Create `tmp` empty bench_now (so that an unwritable place is found before any work). */
static FILE *open_tmp(const char *tmp, const char *final)
{
    FILE *f = fopen(tmp, "w");
    if (!f) cnb_die("cannot write %s: %s", final, strerror(errno));
    return f;
}

/* Close f and give it its final name; a write error found at the flush or the close (a full
 * disk) stops the run with one line, and the temporary file goes. idx < 0: f is the final file
 * itself (a device or a pipe), nothing to rename. */
void bench_finish_file(FILE *f, int idx, const char *final)
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

void bench_open_outputs(const bench_opts *o, const cnb_bench *b, bench_files *f)
{
    f->write = !(o->out && !strcmp(o->out, "-")) && !o->dry;
    if (!f->write) return;
    if (o->out) snprintf(f->csv, sizeof f->csv, "%s", o->out);
    else if (o->shapes) {
        /* A table of one's own: its name in the run's, so that it is not taken for a full run. */
        const char *base = strrchr(o->shapes, '/') ? strrchr(o->shapes, '/') + 1 : o->shapes;
        const char *dot = strrchr(base, '.');
        const int n = dot && dot > base ? (int)(dot - base) : (int)strlen(base);
        snprintf(f->csv, sizeof f->csv, "%s/%s/%s-%s-%.*s.csv", o->results, b->machine.name,
                 b->machine.stamp, b->machine.commit, n > 64 ? 64 : n, base);
    } else snprintf(f->csv, sizeof f->csv, "%s/%s/%s-%s.csv", o->results, b->machine.name,
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
void bench_init_gbench(int argc, char **argv)
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

/* Google Benchmark's JSON, written to its temporary name, renamed beside the CSV. */
void bench_finish_json(const bench_files *f)
{
    if (!g_tmp[2][0]) return;
    if (rename(g_tmp[2], f->json)) cnb_die("cannot write %s: %s", f->json, strerror(errno));
    g_tmp[2][0] = 0;
}

#endif
