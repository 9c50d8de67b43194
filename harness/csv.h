/* Reading cnnbench's CSVs (RFC 4180 quoting) back, for compare and plot: columns are found by name,
 * so every schema reads. A file that is empty, binary, truncated or malformed is refused with one
 * line naming the problem, never half read. */
#ifndef CNB_HARNESS_CSV_H
#define CNB_HARNESS_CSV_H

#include <stddef.h>

/* Limits: a longer record or a wider header is not a cnnbench CSV. */
#define CNB_CSV_MAX_RECORD (1 << 20)
#define CNB_CSV_MAX_COLS 512

typedef struct cnb_csv {
    int ncol, nrow;
    char **names;   /* ncol column names */
    char ***rows;   /* nrow rows of ncol fields */
} cnb_csv;

/* Parse `len` bytes read from `name` (used only in messages). Returns 0, or -1 with one line in
 * err and t left empty. Every record must end with a newline: a file without one was cut short. */
int cnb_csv_parse(cnb_csv *t, const char *data, size_t len, const char *name, char *err, size_t errlen);
/* Read and parse a whole file; 0, or -1 with one line in err. */
int cnb_csv_read(cnb_csv *t, const char *path, char *err, size_t errlen);
/* cnb_csv_read, dying (exit 2, that one line) on failure. */
void cnb_csv_load(cnb_csv *t, const char *path);
/* Column index by name, or -1. */
int cnb_csv_col(const cnb_csv *t, const char *name);
/* Column index by name; dies naming the file when absent. */
int cnb_csv_need(const cnb_csv *t, const char *name, const char *path);
void cnb_csv_free(cnb_csv *t);

#endif
