/* CSV reading (harness/csv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/csv.h"

/* One record; a quoted field may hold commas, doubled quotes and newlines. NULL at end of file. */
static char *read_record(FILE *fp)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int c, quoted = 0;
    if (!buf) cnb_die("out of memory");
    while ((c = fgetc(fp)) != EOF) {
        if (c == '"') quoted = !quoted;
        if (c == '\n' && !quoted) break;
        if (len + 2 > cap && !(buf = realloc(buf, cap *= 2))) cnb_die("out of memory");
        if (c != '\r') buf[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    return buf;
}

/* Split in place; returns the number of fields. */
static int split(char *line, char **fields, int max)
{
    int n = 0;
    char *r = line, *w = line;
    while (n < max) {
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
        if (!more) break;
        r++;
    }
    return n;
}

static char **dup_fields(char **f, int n)
{
    char **out = malloc(n * sizeof *out);
    if (!out) cnb_die("out of memory");
    for (int i = 0; i < n; i++)
        if (!(out[i] = strdup(f[i]))) cnb_die("out of memory");
    return out;
}

void cnb_csv_load(cnb_csv *t, const char *path)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "r");
    if (!fp) cnb_die("cannot open %s", path);
    char *line = read_record(fp), *f[512];
    if (!line) cnb_die("%s is empty", path);
    t->ncol = split(line, f, 512);
    t->names = dup_fields(f, t->ncol);
    free(line);
    int cap = 0, lineno = 1;
    while ((line = read_record(fp))) {
        lineno++;
        if (!*line) {
            free(line);
            continue;
        }
        const int n = split(line, f, 512);
        if (n != t->ncol) cnb_die("%s:%d: %d fields, the header has %d", path, lineno, n, t->ncol);
        if (t->nrow == cap && !(t->rows = realloc(t->rows, (cap = cap ? 2 * cap : 256) * sizeof *t->rows)))
            cnb_die("out of memory");
        t->rows[t->nrow++] = dup_fields(f, n);
        free(line);
    }
    fclose(fp);
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
    for (int c = 0; c < t->ncol; c++) free(t->names[c]);
    free(t->rows);
    free(t->names);
    memset(t, 0, sizeof *t);
}
