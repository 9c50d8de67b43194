/* cnb_die for the fuzz targets (tests/fuzz/fuzz.h): a reader that exits on its own is a bug here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/cli.h"

_Noreturn void cnb_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cnb_die called under the fuzzer: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
