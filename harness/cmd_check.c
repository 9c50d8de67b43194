/* `cnnbench check`: validate implementations against the reference, one line per
 * (implementation, layer), a one-line repro for each failure, and a closing `N passed, N failed`.
 * `cnnbench golden`: write the golden hashes that let check skip the slow reference. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli.h"
#include "harness/threads_arg.h"
#include "harness/validate.h"

static void check_usage(void)
{
    puts("usage: cnnbench check [options] [DESC...]\n"
         "  --net NAME       a network of harness/shapes (repeatable; `all`); default: all\n"
         "  --shapes FILE    a layer table of your own\n"
         "  --impl A,B       implementations (default: every runnable one but the reference)\n"
         "  --op OP          only conv, pool, fc or gemm layers; also the op of bare descriptors\n"
         "  --mode MODE      exact (default: integer data, bit-for-bit) or random (error bound)\n"
         "  --dt LIST        each network layer in each data-type set: f32,bf16,int8 (default:\n"
         "                   as written); layers naming their own --dt, and GEMM tables, once\n"
         "  --mb N           batch (default: 1 for tables, the descriptor's own mb for DESC)\n"
         "  --threads N      OpenMP threads\n"
         "  --seed N         data seed (default 1)  --no-golden   always run the reference\n"
         "  -v               also list skipped pairs and why\n"
         "DESC is a benchdnn descriptor, optionally with an op prefix: 'conv mb1ic64ih56oc64oh56kh3ph1'.");
}

int cnb_cmd_check(int argc, char **argv)
{
    cnb_selection sel = {0};
    cnb_impl_sel impls = {0};
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 1, .use_golden = 1};
    int mb = 0, verbose = 0, have_op = 0;
    cnb_kind op = CNB_KIND_CONV;
    const char *nets[64], *descs[256], *shapes = NULL;
    int n_nets = 0, n_descs = 0, ndts = 0;
    cnb_dtset dts[CNB_DTSET_COUNT];
    char err[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) { check_usage(); return 0; }
        else if (!strcmp(a, "--net")) { if (!argv[i + 1]) cnb_die("--net needs a name"); if (n_nets < 64) nets[n_nets++] = argv[++i]; }
        else if (!strcmp(a, "--shapes")) { if (!(shapes = argv[++i])) cnb_die("--shapes needs a file"); }
        else if (!strcmp(a, "--impl")) { if (!argv[i + 1]) cnb_die("--impl needs a name"); cnb_impl_sel_add(&impls, argv[++i]); }
        else if (!strcmp(a, "--op")) { if (!argv[i + 1]) cnb_die("--op needs a value"); op = cnb_parse_kind(argv[++i]); have_op = 1; }
        else if (!strcmp(a, "--mode")) {
            const char *m = argv[++i];
            if (m && !strcmp(m, "exact")) o.mode = CNB_MODE_EXACT;
            else if (m && !strcmp(m, "random")) o.mode = CNB_MODE_RANDOM;
            else cnb_die("--mode %s: expected exact or random", m ? m : "(nothing)");
        }
        else if (!strcmp(a, "--mb")) mb = cnb_arg_int(a, argv[++i], 1, 4096);
        else if (!strcmp(a, "--dt") || !strncmp(a, "--dt=", 5)) {
            const char *v = a[4] == '=' ? a + 5 : argv[++i];
            if (!v) cnb_die("--dt needs a list, e.g. f32,bf16,int8");
            if ((ndts = cnb_dtset_parse(v, dts, CNB_DTSET_COUNT, err, sizeof err)) < 0) cnb_die("%s", err);
        }
        else if (!strcmp(a, "--threads")) omp_set_num_threads(cnb_threads_one(argv[++i]));
        else if (!strcmp(a, "--seed")) o.seed = (uint64_t)cnb_arg_int(a, argv[++i], 0, 1 << 30);
        else if (!strcmp(a, "--no-golden")) o.use_golden = 0;
        else if (!strcmp(a, "-v")) verbose = 1;
        else if (a[0] == '-' && a[1]) cnb_die("check: unknown option '%s'", a);
        else if (n_descs < 256) descs[n_descs++] = a;
    }
    for (int i = 0; i < n_nets; i++) cnb_sel_add_net(&sel, nets[i], mb);
    if (shapes) cnb_sel_add_net(&sel, shapes, mb);
    for (int i = 0; i < n_descs; i++) cnb_sel_add_desc(&sel, descs[i], op, mb);
    /* Nothing named: every network. A named table whose lines were all bad is not nothing. */
    if (!n_nets && !shapes && !n_descs) cnb_sel_add_net(&sel, "all", mb);
    if (ndts && cnb_layers_expand_dt(&sel.layers, &sel.net, &sel.count, &sel.cap, 0, dts, ndts, err,
                                     sizeof err))
        cnb_die("--dt: %s", err);
    if (!impls.named) cnb_impl_sel_default(&impls, verbose);
    if (o.use_golden && o.mode == CNB_MODE_EXACT) {
        const int n = cnb_golden_load(cnb_golden_dir());
        if (verbose) fprintf(stderr, "golden: %d hashes from %s\n", n, cnb_golden_dir());
    }
    int passed = 0, failed = 0, skipped = 0, ran_isa[CNB_ISA_COUNT] = {0};
    for (int li = 0; li < sel.count; li++) {
        const cnb_layer *l = &sel.layers[li];
        if (have_op && l->kind != op && !(op == CNB_KIND_FC && l->kind == CNB_KIND_GEMM)) continue;
        char desc[CNB_DESC_MAX];
        cnb_layer_format(l, desc, sizeof desc);
        /* The name, with the data types when they are not f32 (--dt LIST lists a layer in
         * several): "resnet_50:res2a_branch2b u8:s8:u8". */
        char lname[CNB_NAME_MAX + 24];
        const cnb_types *t = &l->prob.dt;
        if (cnb_dt_config_of(t) == CNB_DTC_F32) snprintf(lname, sizeof lname, "%s", l->name);
        else if (t->src == t->wei && t->wei == t->dst)
            snprintf(lname, sizeof lname, "%s %s", l->name, cnb_dt_name(t->src));
        else
            snprintf(lname, sizeof lname, "%s %s:%s:%s", l->name, cnb_dt_name(t->src),
                     cnb_dt_name(t->wei), cnb_dt_name(t->dst));
        for (int k = 0; k < impls.count; k++) {
            const cnb_impl *impl = impls.list[k];
            if (impl->op != l->prob.op) continue;
            cnb_val_result r;
            cnb_validate(impl, l, &o, &r);
            if (r.status == CNB_VAL_SKIP) {
                skipped++;
                if (verbose || impls.named)
                    printf("SKIP %-24s %-44s %s\n", impl->name, lname, r.why);
                continue;
            }
            if (!impl->peer) ran_isa[impl->isa] = 1;   /* a library's code proves none of ours */
            if (r.status == CNB_VAL_PASS) {
                passed++;
                if (o.mode == CNB_MODE_RANDOM)
                    printf("PASS %-24s %-44s worst error/bound %.3g\n", impl->name, lname, r.worst_ratio);
                else
                    printf("PASS %-24s %-44s %s%s\n", impl->name, lname,
                           r.golden ? "bit-exact (golden)" : "bit-exact (reference)", r.why[0] ? "; " : "");
                if (r.why[0]) printf("     warning: %s\n", r.why);
            } else {
                failed++;
                printf("%s %-24s %-44s %s\n", r.status == CNB_VAL_FAIL ? "FAIL" : "MISTRUSTED",
                       impl->name, lname, r.why);
                printf("     repro: cnnbench check --impl %s%s '%s'\n", impl->name,
                       o.mode == CNB_MODE_RANDOM ? " --mode random" : "", desc);
            }
            fflush(stdout);
        }
    }
    printf("isas exercised:");
    for (int i = 0; i < CNB_ISA_COUNT; i++) if (ran_isa[i]) printf(" %s", cnb_isa_name(i));
    printf("\n");
    if (skipped && !verbose && !impls.named) printf("(%d unsupported pairs skipped; -v lists them)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    const int bad_lines = sel.bad_lines;
    cnb_sel_free(&sel);
    if (bad_lines) {
        printf("%d malformed table line%s skipped (stderr names them)\n", bad_lines,
               bad_lines == 1 ? "" : "s");
        return failed ? 1 : 2;
    }
    if (passed + failed == 0) {
        fprintf(stderr, "cnnbench: nothing was validated (no implementation supports these layers)\n");
        return 2;
    }
    return failed ? 1 : 0;
}

int cnb_cmd_golden(int argc, char **argv)
{
    const char *out = NULL;
    const char *nets[64];
    int n_nets = 0, ndts = 0;
    cnb_dtset dts[CNB_DTSET_COUNT];
    char err[512] = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out")) out = argv[++i];
        else if (!strcmp(argv[i], "--dt") || !strncmp(argv[i], "--dt=", 5)) {
            const char *v = argv[i][4] == '=' ? argv[i] + 5 : argv[++i];
            if (!v) cnb_die("--dt needs a list, e.g. f32,bf16,int8");
            if ((ndts = cnb_dtset_parse(v, dts, CNB_DTSET_COUNT, err, sizeof err)) < 0) cnb_die("%s", err);
        } else if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench golden --out DIR [--dt LIST] [NET...]\nRuns the reference on every "
                 "layer of each network (default: all) at batch 1 in exact mode, in each data-type set "
                 "of LIST (as bench --dt; default: as written), and writes DIR/<net>.txt: input and "
                 "output XXH3 fingerprints keyed by descriptor, seed and fill version.");
            return 0;
        } else if (argv[i][0] == '-') cnb_die("golden: unknown option '%s'", argv[i]);
        else if (n_nets < 64) nets[n_nets++] = argv[i];
    }
    if (!out) cnb_die("golden: --out DIR is required");
    if (!cnb_hash_available()) cnb_die("golden: this build has no xxHash (libxxhash-dev)");
    char all[64][64];
    if (!n_nets) {
        n_nets = cnb_net_list(all, 64);
        for (int i = 0; i < n_nets; i++) nets[i] = all[i];
    }
    mkdir(out, 0777);
    for (int i = 0; i < n_nets; i++) {
        cnb_net net;
        if (cnb_net_load(nets[i], 1, &net, err, sizeof err)) cnb_die("%s", err);
        if (ndts) {
            /* The network's layers in each set (the names array is only a by-product here). */
            char(*names)[64] = calloc(net.count ? (size_t)net.count : 1, sizeof *names);
            int cap = net.count;
            if (!names || cnb_layers_expand_dt(&net.layers, &names, &net.count, &cap, 0, dts, ndts,
                                               err, sizeof err))
                cnb_die("golden --dt: %s", err[0] ? err : "out of memory");
            free(names);
        }
        char path[4200], tmp[4300];
        snprintf(path, sizeof path, "%s/%s.txt", out, net.name);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *fp = fopen(tmp, "w");
        if (!fp) cnb_die("cannot write %s", tmp);
        fprintf(fp, "# golden hashes of %s: XXH3-64 of the exact-mode inputs and of the reference "
                "output, batch 1.\n# Written by `make golden`; do not edit.\n", net.name);
        for (int j = 0; j < net.count; j++) {
            uint64_t in, outh;
            char key[CNB_DESC_MAX + 64];
            cnb_golden_key(&net.layers[j], 1, key, sizeof key);
            if (cnb_golden_compute(&net.layers[j], 1, &in, &outh)) cnb_die("golden: %s failed", key);
            fprintf(fp, "%016llx %016llx %s\n", (unsigned long long)in, (unsigned long long)outh, key);
            fprintf(stderr, "\r%s: %d/%d", net.name, j + 1, net.count);
        }
        fprintf(stderr, "\n");
        if (fclose(fp) || rename(tmp, path)) cnb_die("cannot write %s", path);
        cnb_net_free(&net);
    }
    return 0;
}
