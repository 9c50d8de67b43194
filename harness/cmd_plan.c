/* `cnnbench plan`: the planner's wisdom file of this machine (kernels/plan.h): where it is, the
 * choices it holds (the last line of each implementation, thread count and problem), and
 * --clear to remove it, so that the next run measures again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "kernels/plan.h"

int cnb_cmd_plan(int argc, char **argv)
{
    int clear = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--clear")) clear = 1;
        else if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench plan [--clear]\nShows the planner's cached choices on this machine "
                 "(one line per implementation, thread count and problem: the candidate chosen and "
                 "the seconds each took), or removes the file with --clear. CNB_PLAN=cache (the "
                 "default) reads and extends it, CNB_PLAN=measure measures without it, "
                 "CNB_PLAN=model never measures.");
            return 0;
        } else cnb_die("plan: unknown option '%s'", argv[i]);
    }
    char path[1024];
    cnb_plan_path(path, sizeof path);
    if (clear) {
        if (remove(path) != 0 && errno != ENOENT) cnb_die("plan: cannot remove %s: %s", path, strerror(errno));
        printf("cleared %s\n", path);
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT) cnb_die("plan: cannot read %s: %s", path, strerror(errno));
        printf("%s: no choices cached yet\n", path);
        return 0;
    }
    char line[1200];
    int n = 0;
    printf("%s\n", path);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char impl[64], key[320], choice[64], times[700] = "";
        int threads;
        if (sscanf(line, "%63s %d %319s %63s %699s", impl, &threads, key, choice, times) < 4) continue;
        printf("  %-22s t%-3d %-24s %s  [%s]\n", impl, threads, choice, key, times);
        n++;
    }
    fclose(f);
    printf("%d choice(s)\n", n);
    return 0;
}
