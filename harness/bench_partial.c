/* The partial file of an interrupted `cnnbench bench` (harness/bench.h): the command line, the
 * run's date and commit, and every finished row with all that its CSV fields derive from, the
 * numbers in hexadecimal floating point so that the resumed run's CSV equals the one an
 * uninterrupted run would have written. One record a line, tab-separated:
 *   # comment: how many rows are done, and the command that finishes the run
 *   cnnbench-partial <version>
 *   run <stamp> <date> <commit> <machine name>
 *   arg <one argument of the original command line>            (in order)
 *   row <impl> <u> <threads> <validated> <val> <method> <worst> <hash> <prepare_s> <layout_in_s>
 *       <layout_out_s> <copies> <iters> <median> <min> <max> <failed> <nrep> <rep...> <isa> <kernel>
 *       <note>   (isa: the cnb_isa of the code that ran, as a number)
 * The format is this file's own; results/README.md describes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/bench.h"

enum { PARTIAL_VERSION = 2 };

/* Tabs and newlines would break the record: notes never hold them, but make sure. */
static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

int cnb_partial_write(const char *path, const cnb_bench *b, int argc, char **argv)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    const size_t nrows = (size_t)b->nuniq * b->nimpls * b->nthreads;
    int done = 0, total = 0;
    for (size_t i = 0; i < nrows; i++) {
        total += b->rows[i].registered;
        done += b->rows[i].registered && b->rows[i].finished;
    }
    fprintf(f, "# cnnbench bench, interrupted: %d of %d rows done; finish with: cnnbench bench "
            "--resume %s\n", done, total, path);
    fprintf(f, "cnnbench-partial\t%d\n", PARTIAL_VERSION);
    fprintf(f, "run\t%s\t%s\t%s\t%s\n", b->machine.stamp, b->machine.date, b->machine.commit,
            b->machine.name);
    for (int i = 1; i < argc; i++) {
        fputs("arg\t", f);
        put_text(f, argv[i]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < nrows; i++) {
        const cnb_bench_row *r = &b->rows[i];
        if (!r->registered || !r->finished) continue;
        fprintf(f, "row\t%s\t%d\t%d\t%d\t%d\t%s\t%a\t%llx\t%a\t%a\t%a\t%d\t%lld\t%a\t%a\t%a\t%d\t%d",
                r->impl->name, r->u, r->threads, r->validated, (int)r->val,
                r->val_method[0] ? r->val_method : "-", r->worst, (unsigned long long)r->out_hash,
                r->prepare_s, r->layout_in_s, r->layout_out_s, r->copies, r->iters, r->median,
                r->min, r->max, r->failed, r->nrep);
        for (int k = 0; k < r->nrep; k++) fprintf(f, "\t%a", r->rep[k]);
        fprintf(f, "\t%d\t", (int)r->isa);
        put_text(f, r->kernel);
        fputc('\t', f);
        put_text(f, r->note);
        fputc('\n', f);
    }
    const int bad = fflush(f) || ferror(f);
    if (fclose(f) || bad || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Split a line at tabs in place (the newline removed); returns the field count. */
static int split_tabs(char *line, char **field, int max)
{
    line[strcspn(line, "\n")] = 0;
    int n = 0;
    for (char *p = line; n < max;) {
        field[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = 0;
        p = t + 1;
    }
    return n;
}

enum { LINE_MAX_ = 1 << 16, FIELDS_MAX = 1100 };

/* Reads a partial file record by record; bad input stops with exit 2. */
typedef struct reader {
    const char *path;
    FILE *f;
    int no;                    /* line number of the current record */
    char *line;
    char *field[FIELDS_MAX];
} reader;

static void reader_open(reader *r, const char *path)
{
    r->path = path;
    r->no = 0;
    if (!(r->f = fopen(path, "r"))) cnb_die("--resume %s: %s", path, strerror(errno));
    if (!(r->line = malloc(LINE_MAX_))) cnb_die("out of memory");
    while (fgets(r->line, LINE_MAX_, r->f)) {
        r->no++;
        if (r->line[0] == '#') continue;
        int v = 0;
        if (sscanf(r->line, "cnnbench-partial\t%d", &v) == 1 && v == PARTIAL_VERSION) return;
        break;
    }
    cnb_die("--resume %s: not a cnnbench partial file (version %d)", path, PARTIAL_VERSION);
}

/* The next record's fields (r->field); 0 at the end. */
static int reader_next(reader *r)
{
    if (!fgets(r->line, LINE_MAX_, r->f)) return 0;
    r->no++;
    return split_tabs(r->line, r->field, FIELDS_MAX);
}

static void reader_close(reader *r)
{
    free(r->line);
    fclose(r->f);
}

void cnb_partial_read_run(const char *path, cnb_partial_run *run)
{
    reader rd;
    reader_open(&rd, path);
    memset(run, 0, sizeof *run);
    char **field = rd.field;
    for (int n; (n = reader_next(&rd));) {
        if (!strcmp(field[0], "run") && n == 5) {
            snprintf(run->stamp, sizeof run->stamp, "%s", field[1]);
            snprintf(run->date, sizeof run->date, "%s", field[2]);
            snprintf(run->commit, sizeof run->commit, "%s", field[3]);
            snprintf(run->machine, sizeof run->machine, "%s", field[4]);
        } else if (!strcmp(field[0], "arg") && n == 2) {
            if (run->argc == CNB_PARTIAL_MAX_ARGS) cnb_die("--resume %s: too many arguments", path);
            if (!(run->argv[run->argc++] = strdup(field[1]))) cnb_die("out of memory");
        } else if (strcmp(field[0], "row")) {
            cnb_die("--resume %s:%d: unknown record '%.20s'", path, rd.no, field[0]);
        }
    }
    reader_close(&rd);
    if (!run->stamp[0]) cnb_die("--resume %s: no run record", path);
}

int cnb_partial_apply(const char *path, cnb_bench *b)
{
    int loaded = 0;
    reader rd;
    reader_open(&rd, path);
    char **field = rd.field;
    for (int n; (n = reader_next(&rd));) {
        const int no = rd.no;
        if (strcmp(field[0], "row")) continue;
        if (n < 22) cnb_die("--resume %s:%d: a row record with %d fields", path, no, n);
        int k = 0, ti = 0;
        const int u = atoi(field[2]), threads = atoi(field[3]), nrep = atoi(field[18]);
        while (k < b->nimpls && strcmp(b->impls[k]->name, field[1])) k++;
        while (ti < b->nthreads && b->threads[ti] != threads) ti++;
        if (u < 0 || u >= b->nuniq || k == b->nimpls || ti == b->nthreads || nrep < 0 ||
            n != 22 + nrep)
            cnb_die("--resume %s:%d: this row is not one of the run's", path, no);
        cnb_bench_row *r = cnb_bench_row_at(b, u, k, ti);
        if (r->kind != CNB_ROW_TIMED) cnb_die("--resume %s:%d: this row is not timed", path, no);
        if (r->finished) cnb_die("--resume %s:%d: this row is given twice", path, no);
        r->validated = atoi(field[4]);
        r->val = (cnb_val_status)atoi(field[5]);
        snprintf(r->val_method, sizeof r->val_method, "%s", strcmp(field[6], "-") ? field[6] : "");
        r->worst = strtod(field[7], NULL);
        r->out_hash = strtoull(field[8], NULL, 16);
        r->prepare_s = strtod(field[9], NULL);
        r->layout_in_s = strtod(field[10], NULL);
        r->layout_out_s = strtod(field[11], NULL);
        r->copies = atoi(field[12]);
        r->iters = atoll(field[13]);
        r->median = strtod(field[14], NULL);
        r->min = strtod(field[15], NULL);
        r->max = strtod(field[16], NULL);
        r->failed = atoi(field[17]);
        r->nrep = r->caprep = nrep;
        r->rep = calloc(nrep ? nrep : 1, sizeof *r->rep);
        if (!r->rep) cnb_die("out of memory");
        for (int i = 0; i < nrep; i++) r->rep[i] = strtod(field[19 + i], NULL);
        const int isa = atoi(field[19 + nrep]);
        if (isa < 0 || isa >= CNB_ISA_COUNT) cnb_die("--resume %s:%d: ISA %d is not one of ours", path, no, isa);
        r->isa = (cnb_isa)isa;
        snprintf(r->kernel, sizeof r->kernel, "%s", field[20 + nrep]);
        snprintf(r->note, sizeof r->note, "%s", field[21 + nrep]);
        r->started = r->finished = 1;
        loaded++;
    }
    reader_close(&rd);
    return loaded;
}
