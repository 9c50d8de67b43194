/* The rule for a `--threads` value (harness/threads_arg.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/topo.h"
#include "harness/cli.h"
#include "harness/threads_arg.h"

int cnb_threads_list(const char *list, int *out, int max)
{
    if (!list || !*list) cnb_die("--threads needs a list, e.g. 1,2");
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    const int pus = cnb_topo_get()->pus;
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        const long t = strtol(tok, &end, 10);
        if (errno || end == tok || *end || t < 1)
            cnb_die("--threads %s: expected a comma-separated list of thread counts, e.g. 1,2", list);
        if (t > pus)
            cnb_die("--threads %s: this machine runs at most %d threads (one per core)", list, pus);
        for (int i = 0; i < n; i++)
            if (out[i] == t) cnb_die("--threads %s: %ld is given twice", list, t);
        if (n == max) cnb_die("--threads %s: too many thread counts", list);
        out[n++] = (int)t;
    }
    if (!n) cnb_die("--threads needs a list, e.g. 1,2");
    return n;
}

int cnb_threads_one(const char *value)
{
    int t;
    if (value && strchr(value, ','))
        cnb_die("--threads %s: expected one thread count, e.g. 2", value);
    cnb_threads_list(value, &t, 1);
    return t;
}
