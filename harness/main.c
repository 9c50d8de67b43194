/* cnnbench: validate and measure CNN kernels. Subcommands: info, impls, list, check, golden, bench. */
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"

static void usage(FILE *to)
{
    fputs("usage: cnnbench <command> [options]\n"
          "  info                         CPU model, ISAs (detected and usable), cores, caches, peaks\n"
          "  impls [-v]                   every implementation, and whether it can run here\n"
          "  list [NET...] [--mb N]       layers with resolved dimensions, FLOPs, bytes, totals\n"
          "  check [options] [DESC...]    validate implementations against the reference\n"
          "  bench [options] [DESC...]    validate, then time (Google Benchmark); CSV + JSON\n"
          "  compare A.csv B.csv          significant speed-ups, slow-downs and new failures\n"
          "  plot RUN.csv [--out DIR]     charts of a run with gnuplot: PNG and SVG\n"
          "  report RUN.csv [--out FILE]  the design-argument page of a run of the design table\n"
          "  golden --out DIR [NET...]    write golden hashes of exact-mode reference outputs\n"
          "  plan [--clear]               the planner's cached choices on this machine\n"
          "`cnnbench <command> --help` tells more. CNB_MAX_ISA=avx2 caps the dispatch.\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"info", cnb_cmd_info},   {"impls", cnb_cmd_impls},   {"list", cnb_cmd_list},
        {"check", cnb_cmd_check}, {"golden", cnb_cmd_golden}, {"bench", cnb_cmd_bench},
        {"compare", cnb_cmd_compare}, {"plot", cnb_cmd_plot}, {"report", cnb_cmd_report},
        {"plan", cnb_cmd_plan},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    cnb_die("unknown command '%s' (info, impls, list, check, bench, compare, plot, report, golden, plan)", cmd);
}
