/* Reading cnnbench's CSVs (RFC 4180 quoting) back: for compare and plot. */
#ifndef CNB_HARNESS_CSV_H
#define CNB_HARNESS_CSV_H

typedef struct cnb_csv {
    int ncol, nrow;
    char **names;   /* ncol column names */
    char ***rows;   /* nrow rows of ncol fields */
} cnb_csv;

/* Load a whole file; dies (exit 2, one line) when it cannot be read or a row has the wrong width. */
void cnb_csv_load(cnb_csv *t, const char *path);
/* Column index by name, or -1. */
int cnb_csv_col(const cnb_csv *t, const char *name);
/* Column index by name; dies naming the file when absent. */
int cnb_csv_need(const cnb_csv *t, const char *name, const char *path);
void cnb_csv_free(cnb_csv *t);

#endif
