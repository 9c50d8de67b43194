/* Shared pieces of the `cnnbench` subcommands: fatal bad-input exit, option values, selection of
 * layers and implementations from the command line. */
#ifndef CNB_HARNESS_CLI_H
#define CNB_HARNESS_CLI_H

#include "harness/desc.h"
#include "kernels/impl.h"

/* Print "cnnbench: <message>" and exit with status 2 (bad input). */
_Noreturn void cnb_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A positive integer option value, or die naming the option. */
int cnb_arg_int(const char *opt, const char *val, int min, int max);

/* Layers chosen on the command line: --net NAME (repeatable; "all"), --shapes FILE, descriptors. */
typedef struct cnb_selection {
    cnb_layer *layers;
    char (*net)[64];   /* the network of each layer ("cli" for descriptors) */
    int count, cap;
    int bad_lines;     /* malformed table lines, reported on stderr and skipped */
} cnb_selection;

/* mb is --mb, 0 when not given. A table runs at batch 1 unless --mb (its mb is the training
 * batch of its source); its malformed lines are reported and skipped, and counted in bad_lines
 * so that the command can go on and exit non-zero at the end. A file that cannot be read at all
 * is fatal. A descriptor keeps its own mb (benchdnn's default 2 when it has none) unless --mb. */
void cnb_sel_add_net(cnb_selection *s, const char *name, int mb);
void cnb_sel_add_desc(cnb_selection *s, const char *text, cnb_kind kind, int mb);
void cnb_sel_free(cnb_selection *s);
/* Parse an op name ("conv", "pool", "gemm", "fc") or die. */
cnb_kind cnb_parse_kind(const char *s);

/* Implementations chosen with --impl (comma lists, repeatable); unknown names and ISAs the CPU
 * cannot run are fatal. With none chosen: every runnable, non-hidden one except the reference. */
typedef struct cnb_impl_sel {
    const cnb_impl *list[256];
    int count;
    int named;
} cnb_impl_sel;

void cnb_impl_sel_add(cnb_impl_sel *s, const char *names);
void cnb_impl_sel_default(cnb_impl_sel *s, int verbose);

int cnb_cmd_info(int argc, char **argv);
int cnb_cmd_impls(int argc, char **argv);
int cnb_cmd_list(int argc, char **argv);
int cnb_cmd_check(int argc, char **argv);
int cnb_cmd_golden(int argc, char **argv);
int cnb_cmd_bench(int argc, char **argv);
int cnb_cmd_compare(int argc, char **argv);
int cnb_cmd_plot(int argc, char **argv);
int cnb_cmd_report(int argc, char **argv);
int cnb_cmd_plan(int argc, char **argv);

#endif
