/* CSV reading (harness/csv.h). The whole file is read into memory first (results files are small),
 * then parsed from memory, so the fuzzer drives exactly the code compare and plot use. Out of
 * memory is the only condition that still exits from inside the reader.
 *
 * A path ending in ".gz" (the published results gzip their large CSVs) is read through `gzip -dc`
 * in a child process: gzip is part of every Debian system, so no library is linked for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/csv.h"

/* A results file larger than this is not one cnnbench wrote (a full `make bench` is a few MiB). */
#define MAX_FILE ((size_t)1 << 30)

static void *xrealloc(void *p, size_t n)
{
    if (!(p = realloc(p, n ? n : 1))) cnb_die("out of memory");
    return p;
}

/* Split one record (NUL-terminated, '\r' removed) in place. Returns the number of fields, or
 * CNB_CSV_MAX_COLS + 1 when there are more. A quoted field may hold commas, doubled quotes and
 * newlines. */
static int split(char *line, char **fields)
{
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        if (n == CNB_CSV_MAX_COLS) return n + 1;
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '"' && r[1] == '"') { *w++ = '"'; r += 2; }
                else if (*r == '"') { r++; break; }
                else if (!*r) break;
                else *w++ = *r++;
            }
        }
        while (*r && *r != ',') *w++ = *r++;
        const int more = *r == ',';
        *w++ = 0;
        if (!more) return n;
        r++;
    }
}

static char **dup_fields(char **f, int n)
{
    char **out = xrealloc(NULL, n * sizeof *out);
    for (int i = 0; i < n; i++)
        if (!(out[i] = strdup(f[i]))) cnb_die("out of memory");
    return out;
}

int cnb_csv_parse(cnb_csv *t, const char *data, size_t len, const char *name, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (len == 0) {
        snprintf(err, errlen, "%s is empty", name);
        return -1;
    }
    const char *nul = memchr(data, 0, len);
    if (nul) {
        snprintf(err, errlen, "%s has a NUL byte at offset %zu: a binary file, not a CSV", name,
                 (size_t)(nul - data));
        return -1;
    }
    char *rec = xrealloc(NULL, CNB_CSV_MAX_RECORD + 1), *f[CNB_CSV_MAX_COLS];
    size_t pos = 0;
    int cap = 0, lineno = 0;
    while (pos < len) {
        /* One record: up to a newline outside quotes. */
        const int first_line = lineno + 1;
        size_t n = 0;
        int quoted = 0, ended = 0;
        while (pos < len) {
            const char c = data[pos++];
            if (c == '\n') lineno++;
            if (c == '"') quoted = !quoted;
            if (c == '\n' && !quoted) {
                ended = 1;
                break;
            }
            if (c == '\r') continue;
            if (n == CNB_CSV_MAX_RECORD) {
                snprintf(err, errlen, "%s:%d: a record longer than %d bytes: not a cnnbench CSV", name,
                         first_line, CNB_CSV_MAX_RECORD);
                goto fail;
            }
            rec[n++] = c;
        }
        rec[n] = 0;
        if (!ended) {
            snprintf(err, errlen, "%s:%d: the file ends in the middle of a %s (truncated?)", name,
                     first_line, quoted ? "quoted field" : "row, without its newline");
            goto fail;
        }
        if (!t->names) {
            if (!n) {
                snprintf(err, errlen, "%s:1: empty header line", name);
                goto fail;
            }
            t->ncol = split(rec, f);
            if (t->ncol > CNB_CSV_MAX_COLS) {
                snprintf(err, errlen, "%s:1: more than %d columns: not a cnnbench CSV", name,
                         CNB_CSV_MAX_COLS);
                t->ncol = 0;
                goto fail;
            }
            t->names = dup_fields(f, t->ncol);
            continue;
        }
        if (!n) continue;   /* blank lines between rows */
        const int nf = split(rec, f);
        if (nf != t->ncol) {
            snprintf(err, errlen, "%s:%d: %s%d fields, the header has %d", name, first_line,
                     nf > CNB_CSV_MAX_COLS ? "more than " : "", nf > CNB_CSV_MAX_COLS ? CNB_CSV_MAX_COLS : nf,
                     t->ncol);
            goto fail;
        }
        if (t->nrow == cap) t->rows = xrealloc(t->rows, (cap = cap ? 2 * cap : 256) * sizeof *t->rows);
        t->rows[t->nrow++] = dup_fields(f, nf);
    }
    free(rec);
    return 0;
fail:
    free(rec);
    cnb_csv_free(t);
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The decompressed bytes of a .gz file: a child runs gzip -dc with its stdout on a pipe. The path
 * is checked readable first, so a missing file gets the same line as an uncompressed one. */
static FILE *open_gzip(const char *path, pid_t *child, char *err, size_t errlen)
{
    int fd[2];
    if (access(path, R_OK)) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (pipe(fd)) {
        snprintf(err, errlen, "cannot read %s: pipe: %s", path, strerror(errno));
        return NULL;
    }
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot read %s: fork: %s", path, strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDERR_FILENO);   /* our own line says what failed */
        execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *fp = fdopen(fd[0], "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        close(fd[0]);
        waitpid(pid, NULL, 0);
        return NULL;
    }
    *child = pid;
    return fp;
}

int cnb_csv_read(cnb_csv *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    pid_t child = -1;
    FILE *fp;
    if (ends_with(path, ".gz")) {
        if (!(fp = open_gzip(path, &child, err, errlen))) return -1;
    } else if (!(fp = fopen(path, "rb"))) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *data = xrealloc(NULL, cap);
    int too_large = 0;
    while ((got = fread(data + len, 1, cap - len, fp)) > 0) {
        len += got;
        if (memchr(data + len - got, 0, got)) break;   /* binary (say, /dev/zero): the parser says so */
        if (len == cap) {
            if (cap >= MAX_FILE) {
                too_large = 1;
                break;
            }
            data = xrealloc(data, cap *= 2);
        }
    }
    const int read_error = ferror(fp) ? errno : 0;
    fclose(fp);   /* closes the pipe first, so a gzip still writing ends on SIGPIPE */
    int status = 0;
    if (child > 0 && waitpid(child, &status, 0) < 0) status = -1;
    int rc = -1;
    if (too_large) {
        snprintf(err, errlen, "%s is larger than %zu MiB: not a cnnbench CSV", path, MAX_FILE >> 20);
    } else if (read_error) {   /* e.g. a directory */
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(read_error));
    } else if (child > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "gzip is not installed"
                                                                  : "not a valid gzip file (gzip -dc failed)");
    } else {
        rc = cnb_csv_parse(t, data, len, path, err, errlen);
    }
    free(data);
    return rc;
}

void cnb_csv_load(cnb_csv *t, const char *path)
{
    char err[512];
    if (cnb_csv_read(t, path, err, sizeof err)) cnb_die("%s", err);
}

int cnb_csv_col(const cnb_csv *t, const char *name)
{
    for (int i = 0; i < t->ncol; i++)
        if (!strcmp(t->names[i], name)) return i;
    return -1;
}

int cnb_csv_need(const cnb_csv *t, const char *name, const char *path)
{
    const int c = cnb_csv_col(t, name);
    if (c < 0) cnb_die("%s is not a cnnbench CSV (no column '%s')", path, name);
    return c;
}

void cnb_csv_free(cnb_csv *t)
{
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) free(t->rows[r][c]);
        free(t->rows[r]);
    }
    if (t->names)
        for (int c = 0; c < t->ncol; c++) free(t->names[c]);
    free(t->rows);
    free(t->names);
    memset(t, 0, sizeof *t);
}
