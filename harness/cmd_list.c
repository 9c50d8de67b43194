/* `cnnbench list`: the networks, or one network's layers with their resolved dimensions, FLOPs
 * (benchdnn convention and dense), weight and activation bytes, multiplicity, and totals weighted
 * by multiplicity. `--params`: per layer its parameters (weights) and activations (input and
 * output values), with each one's share of the network, and the split between op kinds: where a
 * network keeps its memory and where its parameters (VGG: activations in the early convolutions,
 * parameters in the fully connected layers). */
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"

typedef struct totals { double flops_b[4], flops_d[4], wei[4], act[4]; int layers[4]; } totals;

static void add(totals *t, const cnb_layer *l)
{
    const int k = l->kind;
    t->flops_b[k] += l->mult * cnb_layer_flops_benchdnn(l);
    t->flops_d[k] += l->mult * cnb_layer_flops_dense(l);
    t->wei[k] += l->mult * cnb_layer_wei_bytes(l);
    t->act[k] += l->mult * cnb_layer_act_bytes(l);
    t->layers[k] += l->mult;
}

static void print_totals(const totals *t, int mb)
{
    printf("totals (weighted by multiplicity, batch %d):\n", mb);
    for (int k = 0; k < 4; k++) {
        if (!t->layers[k]) continue;
        if (k == CNB_KIND_POOL)
            printf("  %-5s %3d layers  %9.4f G window taps (%.4f G inside the input)  act %8.2f MB\n",
                   cnb_kind_name(k), t->layers[k], t->flops_d[k] / 1e9, t->flops_b[k] / 1e9,
                   t->act[k] / 1e6);
        else
            printf("  %-5s %3d layers  %9.4f G dense multiply-adds (%.4f G benchdnn)  "
                   "%.3f GFLOP  wei %8.2f MB  act %8.2f MB\n",
                   cnb_kind_name(k), t->layers[k], t->flops_d[k] / 2e9, t->flops_b[k] / 2e9,
                   t->flops_d[k] / 1e9, t->wei[k] / 1e6, t->act[k] / 1e6);
    }
    if (mb > 1) printf("  per image: divide by %d\n", mb);
}

/* The --params view of one network. Returns the number of malformed lines skipped. */
static int list_params(const char *name, int mb)
{
    cnb_selection s = {0};
    cnb_sel_add_net(&s, name, mb);
    double wsum = 0, asum = 0, wk[4] = {0}, ak[4] = {0};
    for (int i = 0; i < s.count; i++) {
        const cnb_layer *l = &s.layers[i];
        wsum += l->mult * cnb_layer_wei_bytes(l) / 4;
        asum += l->mult * cnb_layer_act_bytes(l) / 4;
        wk[l->kind] += l->mult * cnb_layer_wei_bytes(l) / 4;
        ak[l->kind] += l->mult * cnb_layer_act_bytes(l) / 4;
    }
    printf("%s: %d lines, batch %d; parameters = weights (no bias), activations = input + output "
           "values of the layer (fp32: 4 bytes each); shares of the network's totals, weighted by "
           "multiplicity\n", s.count ? s.net[0] : name, s.count, mb);
    printf("%-44s %4s %12s %7s %7s %12s %7s %7s\n", "layer", "mult", "params", "%", "cum %",
           "activations", "%", "cum %");
    double wc = 0, ac = 0;
    for (int i = 0; i < s.count; i++) {
        const cnb_layer *l = &s.layers[i];
        const double w = l->mult * cnb_layer_wei_bytes(l) / 4, a = l->mult * cnb_layer_act_bytes(l) / 4;
        wc += w, ac += a;
        printf("%-44s %4d %12.0f %7.2f %7.2f %12.0f %7.2f %7.2f\n", l->name, l->mult,
               cnb_layer_wei_bytes(l) / 4, wsum > 0 ? 100 * w / wsum : 0, wsum > 0 ? 100 * wc / wsum : 0,
               cnb_layer_act_bytes(l) / 4, asum > 0 ? 100 * a / asum : 0, asum > 0 ? 100 * ac / asum : 0);
    }
    printf("totals: %.3f M parameters, %.3f M activations\n", wsum / 1e6, asum / 1e6);
    for (int k = 0; k < 4; k++)
        if (wk[k] > 0 || ak[k] > 0)
            printf("  %-5s %6.2f %% of the parameters, %6.2f %% of the activations\n",
                   cnb_kind_name(k), wsum > 0 ? 100 * wk[k] / wsum : 0, asum > 0 ? 100 * ak[k] / asum : 0);
    const int bad = s.bad_lines;
    cnb_sel_free(&s);
    return bad;
}

/* Returns the number of malformed lines skipped. */
static int list_net(const char *name, int mb)
{
    cnb_selection s = {0};
    cnb_sel_add_net(&s, name, mb);
    printf("%s: %d lines; FLOPs are 2 per multiply-add, dense = every kernel tap, benchdnn = taps "
           "inside the unpadded input\n", s.count ? s.net[0] : name, s.count);
    printf("%-44s %4s %-64s %10s %10s %9s %9s\n", "layer", "mult", "resolved descriptor",
           "GFLOP", "GFLOP", "weights", "activ.");
    printf("%-44s %4s %-64s %10s %10s %9s %9s\n", "", "", "", "benchdnn", "dense", "MB", "MB");
    totals t = {0};
    for (int i = 0; i < s.count; i++) {
        const cnb_layer *l = &s.layers[i];
        char d[CNB_DESC_MAX];
        cnb_layer_format(l, d, sizeof d);
        printf("%-44s %4d %-64s %10.4f %10.4f %9.3f %9.3f\n", l->name, l->mult, d,
               cnb_layer_flops_benchdnn(l) / 1e9, cnb_layer_flops_dense(l) / 1e9,
               cnb_layer_wei_bytes(l) / 1e6, cnb_layer_act_bytes(l) / 1e6);
        add(&t, l);
    }
    print_totals(&t, mb);
    const int bad = s.bad_lines;
    cnb_sel_free(&s);
    return bad;
}

int cnb_cmd_list(int argc, char **argv)
{
    int mb = 1, nets = 0, bad = 0, params = 0;
    const char *names[64];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb")) mb = cnb_arg_int("--mb", argv[++i], 1, 4096);
        else if (!strcmp(argv[i], "--params")) params = 1;
        else if (!strcmp(argv[i], "--help")) {
            puts("usage: cnnbench list [NET...] [--mb N] [--params]\n"
                 "Without NET: every network with its totals. With NET (a name, `all`, or a table "
                 "file): each layer resolved, with FLOPs, bytes and multiplicity. --mb sets the "
                 "batch (default 1). --params: each layer's parameters and activations, their "
                 "shares of the network, and the split between convolution and fully connected "
                 "layers.");
            return 0;
        } else if (argv[i][0] == '-') cnb_die("list: unknown option '%s'", argv[i]);
        else if (nets < 64) names[nets++] = argv[i];
    }
    if (nets) {
        for (int i = 0; i < nets; i++) {
            if (!strcmp(names[i], "all")) {
                char all[64][64];
                const int n = cnb_net_list(all, 64);
                for (int j = 0; j < n; j++)
                    bad += params ? list_params(all[j], mb) : list_net(all[j], mb), puts("");
            } else {
                bad += params ? list_params(names[i], mb) : list_net(names[i], mb);
            }
        }
        return bad ? 2 : 0;
    }
    if (params) cnb_die("list --params: name a network (or `all`)");
    char all[64][64];
    const int n = cnb_net_list(all, 64);
    if (!n) cnb_die("no layer tables in %s", cnb_shapes_dir());
    printf("networks in %s (batch %d; G = 10^9 dense multiply-adds, weighted by multiplicity):\n",
           cnb_shapes_dir(), mb);
    printf("%-16s %7s %10s %7s %10s %7s %10s\n", "network", "conv", "conv GMAC", "pool",
           "pool Gtap", "fc/gemm", "GMAC");
    for (int i = 0; i < n; i++) {
        cnb_selection s = {0};
        cnb_sel_add_net(&s, all[i], mb);
        totals t = {0};
        for (int j = 0; j < s.count; j++) add(&t, &s.layers[j]);
        printf("%-16s %7d %10.4f %7d %10.4f %7d %10.4f\n", all[i], t.layers[CNB_KIND_CONV],
               t.flops_d[CNB_KIND_CONV] / 2e9, t.layers[CNB_KIND_POOL],
               t.flops_d[CNB_KIND_POOL] / 1e9, t.layers[CNB_KIND_FC] + t.layers[CNB_KIND_GEMM],
               (t.flops_d[CNB_KIND_FC] + t.flops_d[CNB_KIND_GEMM]) / 2e9);
        bad += s.bad_lines;
        cnb_sel_free(&s);
    }
    return bad ? 2 : 0;
}
