/* `cnnbench info` and `cnnbench impls`: what this machine is and what can run on it. */
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "arch/peak.h"
#include "arch/topo.h"
#include "harness/cli.h"

int cnb_cmd_info(int argc, char **argv)
{
    int peaks = 0, remeasure = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--isas")) {
            /* The usable ISA levels that have implementations, one line (for scripts). */
            for (int isa = 0; isa < CNB_ISA_COUNT; isa++) {
                int has = 0;
                for (int k = 0; cnb_impls[k]; k++) has |= (int)cnb_impls[k]->isa == isa && !cnb_impls[k]->hidden;
                if (has && cnb_isa_usable(isa, NULL)) printf("%s ", cnb_isa_name(isa));
            }
            printf("\n");
            return 0;
        }
        if (!strcmp(argv[i], "--peaks")) peaks = 1;
        else if (!strcmp(argv[i], "--remeasure")) peaks = remeasure = 1;
        else if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench info [--peaks] [--remeasure] [--isas]\nPrints the CPU model, its ISAs "
                 "(detected, and usable after CNB_MAX_ISA), cores and caches; --peaks adds the "
                 "measured compute peaks (FP32 FMA; bf16 and int8 dot products or tiles where an ISA level has them) and triad bandwidth per ISA and thread count (cached per "
                 "machine; --remeasure measures again); --isas prints only the usable ISA levels that have "
                 "implementations.");
            return 0;
        } else cnb_die("info: unknown option '%s'", argv[i]);
    }
    char buf[512];
    printf("cpu:        %s\n", cnb_cpu_model());
    cnb_cpu_feature_string(cnb_cpu_detected(), buf, sizeof buf);
    printf("detected:   %s\n", buf);
    cnb_cpu_feature_string(cnb_cpu_usable(), buf, sizeof buf);
    printf("usable:     %s\n", buf);
    if (cnb_cpu_cap() < CNB_ISA_COUNT) printf("cap:        CNB_MAX_ISA=%s\n", cnb_isa_name(cnb_cpu_cap()));
    printf("isa levels:");
    for (int i = 0; i < CNB_ISA_COUNT; i++) {
        if (!cnb_isa_native(i)) continue;   /* the other architecture's table */
        const char *why = "";
        const int ok = cnb_isa_usable(i, &why);
        printf(" %s%s%s%s", cnb_isa_name(i), ok ? "" : " (no: ", ok ? "" : why, ok ? "" : ")");
    }
    printf("\n");
    printf("topology:   %s\n", cnb_topo_describe(buf, sizeof buf));
    if (peaks) {
        if (cnb_peak_load_or_measure(NULL, remeasure ? CNB_PEAK_REMEASURE : 0) < 0)
            fprintf(stderr, "cnnbench: could not save the peak cache\n");
        cnb_peak_print(stdout);
    }
    return 0;
}

int cnb_cmd_impls(int argc, char **argv)
{
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench impls [-v]\nLists every implementation in dispatch order with "
                 "its ISA and layout, and why one cannot run here; -v adds the hidden broken ones.");
            return 0;
        } else cnb_die("impls: unknown option '%s'", argv[i]);
    }
    printf("%-28s %-5s %-7s %-7s %s\n", "implementation", "op", "isa", "layout", "status");
    for (int i = 0; cnb_impls[i]; i++) {
        const cnb_impl *m = cnb_impls[i];
        if (m->hidden && !verbose) continue;
        const char *why = "";
        const int ok = cnb_impl_runnable(m, &why);
        static const char *const ops[] = {"conv", "pool", "gemm"};
        printf("%-28s %-5s %-7s %-7s %s%s%s\n", m->name, ops[m->op], cnb_isa_name(m->isa),
               cnb_layout_name(m->layout), ok ? "runnable" : "skipped: ", ok ? "" : why,
               m->hidden ? " (hidden: deliberately broken)" : "");
    }
    return 0;
}
