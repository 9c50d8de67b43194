/* libFuzzer target: a results file through cnb_csv_parse, the reader of compare and plot; what parses
 * must be rectangular and its names and fields readable to the end. */
#include <stdlib.h>
#include <string.h>

#include "harness/csv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cnb_csv t;
    char err[512];
    if (cnb_csv_parse(&t, (const char *)data, size, "fuzz.csv", err, sizeof err)) {
        if (!*err || memchr(err, '\n', strlen(err))) abort();   /* one line naming the problem */
        return 0;
    }
    if (t.ncol < 1) abort();
    size_t total = 0;
    for (int c = 0; c < t.ncol; c++) total += strlen(t.names[c]);
    for (int r = 0; r < t.nrow; r++)
        for (int c = 0; c < t.ncol; c++) total += strlen(t.rows[r][c]);
    if (total > size) abort();   /* fields are pieces of the input */
    (void)cnb_csv_col(&t, "machine");
    cnb_csv_free(&t);
    return 0;
}
