/* The descriptor parser against every rule of harness/shapes/README.md, and its errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "tests/test.h"

static cnb_layer parse_ok(const char *text)
{
    cnb_layer l;
    char err[256] = "";
    const int rc = cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err);
    CHECK(rc == 0, "'%s' should parse: %s", text, err);
    return l;
}

static void parse_bad(const char *text, const char *expect)
{
    cnb_layer l;
    char err[256] = "";
    const int rc = cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err);
    CHECK(rc != 0, "'%s' should be rejected", text);
    CHECK(rc == 0 || strstr(err, expect), "'%s': error '%s' should mention '%s'", text, err, expect);
    CHECK(!strchr(err, '\n'), "'%s': the error is one line", text);
}

void test_desc_defaults(void)
{
    cnb_layer l = parse_ok("ic16ih10oc32kh3");
    const cnb_conv *c = &l.prob.conv;
    CHECK(c->mb == 2 && c->g == 1, "defaults mb=2 g=1, got mb=%d g=%d", c->mb, c->g);
    CHECK(c->sh == 1 && c->sw == 1 && c->dh == 0 && c->dw == 0, "defaults stride 1 dilation 0");
    CHECK(c->iw == 10 && c->kw == 3, "w copies h: iw=%d kw=%d", c->iw, c->kw);
    CHECK(c->id == 1 && c->kd == 1 && c->od == 1 && c->pd == 0, "2D has depth 1");
    CHECK(c->oh == 8 && c->ow == 8 && c->ph == 0 && c->ph_r == 0, "o=(10-3+0)/1+1=8, p=0: oh=%d ph=%d ph_r=%d", c->oh, c->ph, c->ph_r);
    l = parse_ok("mb1ic3ih224oc64oh112kh7sh2ph3");
    CHECK(l.prob.conv.mb == 1 && l.prob.conv.ph_r == 2, "resnet conv1: ph_r=%d (=(111)*2-224+7-3=2)", l.prob.conv.ph_r);
}

void test_desc_depth_only(void)
{
    cnb_layer l = parse_ok("mb1ic4id8oc4kd3pd1");
    const cnb_conv *c = &l.prob.conv;
    CHECK(c->id == 8 && c->ih == 8 && c->iw == 8, "only d: copied to h and w (%d %d %d)", c->id, c->ih, c->iw);
    CHECK(c->kh == 3 && c->kw == 3 && c->ph == 1 && c->pw == 1, "k and p copied too");
    CHECK(c->od == 8 && c->oh == 8 && c->ow == 8, "o = 8 on each axis");
    /* benchdnn's sanitize_desc: a 3D descriptor gives both h and w, or neither. */
    parse_bad("mb1ic4id8ih8oc4kd3kh3", "no w values");
    parse_bad("mb1ic4id8iw8oc4kd3kw3", "no h values");
    /* 1D: only w; d and h are unit axes. */
    l = parse_ok("mb1ic16oc16iw20kw3");
    CHECK(c->id == 1 && c->ih == 1 && c->kd == 1 && c->kh == 1 && c->od == 1 && c->oh == 1 &&
              c->iw == 20 && c->ow == 18, "1D: d and h are 1, ow=%d", c->ow);
    /* WaveNet-style 1D from oneDNN's inputs: every output but the last two lies entirely in padding. */
    l = parse_ok("ic16oc16_iw1kw3ow100pw100");
    CHECK(c->mb == 2 && c->ih == 1 && c->ow == 100 && c->pw == 100 && c->pw_r == 1,
          "all-padding 1D: ow=%d pw=%d pw_r=%d (want 100 100 1)", c->ow, c->pw, c->pw_r);
    /* Per axis, the taps inside the input of each output: the rule behind those zeros. */
    CHECK(cnb_window_taps(0, 1, 100, 0, 3, 1) == 0 && cnb_window_taps(97, 1, 100, 0, 3, 1) == 0 &&
              cnb_window_taps(98, 1, 100, 0, 3, 1) == 1 && cnb_window_taps(99, 1, 100, 0, 3, 1) == 1,
          "taps of ow 0, 97, 98, 99");
    /* Depth taps at -1 and +1 (dilation 1) around a 1-deep input: no output has any input. */
    l = parse_ok("g1mb2ic17id1ih21iw37oc17od1oh7ow20kd2kh1kw7sd1sh3sw2pd1ph0pw4dd1dh2dw0");
    CHECK(c->pd == 1 && c->pd_r == 1 && cnb_window_taps(0, 1, 1, 1, 2, 1) == 0, "dilated depth: pd_r=%d", c->pd_r);
    l = parse_ok("mb1ic16ih4oc16kh1ph1");
    CHECK(c->oh == 6 && c->ph_r == 1, "1x1 kernel, padding 1: oh=%d", c->oh);
    /* Windows entirely in padding: max and avg_p have a value there, avg_np none. */
    l = parse_ok("pool:max mb1ic8iw1kw3ow10pw5");
    CHECK(l.prob.pool.ow == 10 && l.prob.pool.pw_r == 6, "pool all-padding: pw_r=%d", l.prob.pool.pw_r);
    parse_ok("pool:avg_p mb1ic8iw1kw3ow10pw5");
    parse_bad("pool:avg_np mb1ic8iw1kw3ow10pw5", "entirely in padding");
}

void test_desc_output_and_padding(void)
{
    /* Output given, padding derived: ((56-1)*2 - 112 + 3) / 2 = 0, right = 1 (Caffe ceil mode). */
    cnb_layer l = parse_ok("pool mb1ic64ih112oh56kh3sh2");
    const cnb_pool *q = &l.prob.pool;
    CHECK(q->ph == 0 && q->ph_r == 1, "ResNet max_pool1: ph=%d ph_r=%d (want 0 and 1)", q->ph, q->ph_r);
    CHECK(q->pw == 0 && q->pw_r == 1, "and on w");
    /* Negative right padding: 1x1 stride 2 on 56 -> 28, the last row is never read. */
    l = parse_ok("mb1ic256ih56oc512oh28kh1sh2ph0");
    CHECK(l.prob.conv.ph_r == -1, "1x1 s2: ph_r=%d (want -1)", l.prob.conv.ph_r);
    /* Both given: right padding still derived, may exceed the left. */
    l = parse_ok("mb1ic8ih7oc8oh4kh3sh2ph1");
    CHECK(l.prob.conv.ph == 1 && l.prob.conv.ph_r == 1, "ph=%d ph_r=%d", l.prob.conv.ph, l.prob.conv.ph_r);
    l = parse_ok("mb1ic8ih8oc8oh4kh3sh2ph0");
    CHECK(l.prob.conv.ph_r == 1, "asymmetric: ph_r=%d (want 1)", l.prob.conv.ph_r);
    /* Output computed with the given padding: floor((i - k + 2p)/s) + 1. */
    l = parse_ok("mb1ic8ih8oc8kh3sh2ph1");
    CHECK(l.prob.conv.oh == 4 && l.prob.conv.ph_r == 0, "oh=%d ph_r=%d", l.prob.conv.oh, l.prob.conv.ph_r);
}

void test_desc_dilation(void)
{
    cnb_layer l = parse_ok("mb1ic8ih20oc8kh3dh0");
    CHECK(l.prob.conv.oh == 18, "dilation 0 is dense: oh=%d", l.prob.conv.oh);
    l = parse_ok("mb1ic8ih20oc8kh3dh1");
    CHECK(l.prob.conv.oh == 16 && l.prob.conv.dh == 1, "dilation 1 = one gap: extent 5, oh=%d", l.prob.conv.oh);
    l = parse_ok("mb1ic8ih20oc8oh20kh3dh2");
    CHECK(l.prob.conv.ph == 3 && l.prob.conv.ph_r == 3, "extent 7 'same': ph=%d ph_r=%d", l.prob.conv.ph, l.prob.conv.ph_r);
}

void test_desc_names_and_kinds(void)
{
    cnb_layer l = parse_ok("mb1ic64ih56oc64oh56kh3ph1n\"resnet_50:res2a_branch2b*3\"");
    CHECK(l.mult == 3 && !strcmp(l.name, "resnet_50:res2a_branch2b"), "*3: mult=%d name=%s", l.mult, l.name);
    l = parse_ok("mb1_ic64_ih56_oc64_oh56_kh3_ph1_nplain_name");
    CHECK(!strcmp(l.name, "plain_name") && l.mult == 1, "unquoted name: '%s'", l.name);
    l = parse_ok("pool:avg_p mb1ic8ih8kh2sh2");
    CHECK(l.prob.op == CNB_OP_POOL && l.prob.pool.alg == CNB_POOL_AVG_INCL, "pool:avg_p");
    l = parse_ok("pool mb1ic8ih8kh2sh2n\"x:ave_pool\"");
    CHECK(l.prob.pool.alg == CNB_POOL_AVG_EXCL, "a pool named ave_* is an average");
    l = parse_ok("fc mb4ic512ih7iw7oc4096");
    CHECK(l.prob.op == CNB_OP_GEMM && l.prob.gemm.m == 4 && l.prob.gemm.k == 512 * 49 &&
              l.prob.gemm.n == 4096 && l.prob.gemm.tb, "fc as gemm: m=%d n=%d k=%d", l.prob.gemm.m, l.prob.gemm.n, l.prob.gemm.k);
    l = parse_ok("gemm m3n5k7ta1lda9alpha2beta-1");
    CHECK(l.prob.gemm.ta && l.prob.gemm.lda == 9 && l.prob.gemm.ldb == 5 && l.prob.gemm.alpha == 2 &&
              l.prob.gemm.beta == -1, "gemm keys");
    cnb_layer m;
    char err[128];
    CHECK(cnb_layer_parse("ic8ih8oc8kh3", CNB_KIND_CONV, 7, &m, err, sizeof err) == 0 && m.prob.conv.mb == 7, "--mb overrides");
    CHECK(cnb_layer_parse("mb5ic8ih8oc8kh3", CNB_KIND_CONV, 0, &m, err, sizeof err) == 0 && m.prob.conv.mb == 5,
          "without --mb the descriptor's mb stands: mb=%d", m.prob.conv.mb);
    CHECK(cnb_layer_parse("mb0ic8ih8oc8kh3", CNB_KIND_CONV, 7, &m, err, sizeof err) != 0, "mb0 is refused even under --mb");
    /* The output padding alone makes an all-padding window, and the parser takes it (benchdnn does). */
    CHECK(cnb_layer_parse("mb1ic8ih8oc8oh20kh3", CNB_KIND_CONV, 0, &m, err, sizeof err) == 0 &&
              m.prob.conv.ph == 7 && m.prob.conv.ph_r == 7, "oh20 on ih8: ph=%d ph_r=%d", m.prob.conv.ph, m.prob.conv.ph_r);
}

void test_desc_errors(void)
{
    parse_bad("mb1ic8ih8oc8kh3qq4", "unknown key");
    parse_bad("mb1ic8ih8oc8kh", "needs a number");
    parse_bad("mb1ic8ih8oc8kh3n\"open", "unterminated");
    parse_bad("mb1ic8ih8oc8", "missing kh");
    parse_bad("mb1ih8oc8kh3", "missing ic");
    parse_bad("g3mb1ic8ih8oc8kh3", "does not divide");
    parse_bad("mb1ic8ih4oc8kh7", "larger than the padded input");
    parse_bad("mb1ic8ih8oc8oh0kh3", "at least 1");
    parse_bad("mb1ic8ih8oc8kh3sh0", "stride");
    parse_bad("mb1ic8oc8", "no spatial size");
    parse_bad("mb1ic8ih8iw8oc8kh3", "missing kw");
    parse_bad("mb0ic8ih8oc8kh3", "batch");
    parse_bad("fc mb0ic8oc8", "batch");
    parse_bad("mb1ic8ih8oc8kh2000000", "out of range");
    parse_bad("mb1ic8iw1oc8ow1000000kw1sw1000pw0", "out of range");  /* o·s would overflow int */
    parse_bad("mb100ic100iw1oc100ow1000000kw1pw500000", "output tensor");
    parse_bad("mb1ic0ih8oc8kh3", "at least 1");
    parse_bad("conv:max mb1ic8ih8oc8kh3", "only pooling");
    parse_bad("pool:median mb1ic8ih8kh3", "unknown pooling");
    parse_bad("deconv mb1ic8ih8oc8kh3", "unknown operation");
    parse_bad("mb1ic8ih8oc8kh3ph-1", "negative left padding");
    parse_bad("gemm m0n4k4", "at least 1");
    parse_bad("gemm m4n4k4ldc2", "ldc");
    parse_bad("mb1ic8ih8oc8kh3$", "unexpected character");
}

/* Every layer of every network: the canonical form parses back to the same problem. */
void test_desc_roundtrip_networks(void)
{
    char names[64][64];
    const int n = cnb_net_list(names, 64);
    CHECK(n >= 11, "at least the 11 networks of shared/shapes, found %d", n);
    int layers = 0;
    for (int i = 0; i < n; i++) {
        cnb_net net;
        char err[256];
        CHECK(cnb_net_load(names[i], 1, &net, err, sizeof err) == 0, "%s: %s", names[i], err);
        for (int j = 0; j < net.count; j++, layers++) {
            char d[CNB_DESC_MAX];
            cnb_layer_format(&net.layers[j], d, sizeof d);
            cnb_layer back;
            const int rc = cnb_layer_parse(d, CNB_KIND_CONV, 0, &back, err, sizeof err);
            CHECK(rc == 0, "%s: canonical '%s' does not parse: %s", net.layers[j].name, d, err);
            CHECK(rc || !memcmp(&back.prob, &net.layers[j].prob, sizeof back.prob),
                  "%s: canonical '%s' resolves differently", net.layers[j].name, d);
        }
        cnb_net_free(&net);
    }
    CHECK(layers > 250, "only %d layers", layers);
    cnb_net net;
    char err[256];
    CHECK(cnb_net_load("no_such_net", 1, &net, err, sizeof err) != 0 && strstr(err, "unknown network"),
          "unknown network: %s", err);
    CHECK(cnb_net_load("/nonexistent/x.txt", 1, &net, err, sizeof err) != 0 && strstr(err, "cannot open"),
          "missing file: %s", err);

    /* A table with a bad line, an over-long line and a last line cut short: strict loading stops
     * at the first, lenient loading keeps the good lines and counts the three bad ones. */
    char path[] = "/tmp/cnb_test_table_XXXXXX";
    const int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(fp != NULL, "cannot create %s", path);
    if (!fp) return;
    fprintf(fp, "# comment\nconv mb1ic8ih8oc8kh3\nconv mb1ic8ih8oc8kh3qq\nconv mb1ic8iw8oc8kw3\n");
    for (int i = 0; i < 1500; i++) fputc(i ? '1' : 'x', fp);
    fprintf(fp, "\nconv mb1ic8ih8oc8o");
    fclose(fp);
    CHECK(cnb_net_load(path, 1, &net, err, sizeof err) != 0 && strstr(err, ":3:"), "strict: %s", err);
    int bad = -1;
    CHECK(cnb_net_load_lenient(path, 1, &net, &bad, err, sizeof err) == 0 && net.count == 2 && bad == 3,
          "lenient: %d layers, %d bad (want 2 and 3): %s", net.count, bad, err);
    cnb_net_free(&net);
    /* A NUL byte: the file is not text; one bad line, and nothing after it is read. */
    fp = fopen(path, "w");
    if (!fp) return;
    fprintf(fp, "conv mb1ic8ih8oc8kh3\nconv mb1");
    fputc(0, fp);
    fprintf(fp, "ic8\nconv mb1ic8ih8oc8kh3\n");
    fclose(fp);
    CHECK(cnb_net_load_lenient(path, 1, &net, &bad, err, sizeof err) == 0 && net.count == 1 && bad == 1,
          "NUL: %d layers, %d bad (want 1 and 1)", net.count, bad);
    cnb_net_free(&net);
    remove(path);
}

/* The published totals (shapes/README.md) from the tables. */
void test_desc_network_totals(void)
{
    static const struct { const char *net; double gmac; } want[] = {
        {"vgg_16", 15.35}, {"resnet_50", 3.86}, {"googlenet_v1", 1.58}, {"inception_v3", 5.71},
        {"mobilenet_v1", 0.568}, {"c3d", 38.5}, {"r3d_18", 40.7},
        {"densenet_121", 2.833}, /* by hand from Huang et al. 2017, Table 1: the table's header */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cnb_net net;
        char err[256];
        if (cnb_net_load(want[i].net, 1, &net, err, sizeof err)) {
            CHECK(0, "%s: %s", want[i].net, err);
            continue;
        }
        double mac = 0;
        for (int j = 0; j < net.count; j++)
            if (net.layers[j].kind == CNB_KIND_CONV)
                mac += net.layers[j].mult * cnb_layer_flops_dense(&net.layers[j]) / 2;
        const double tol = want[i].gmac < 1 ? 0.001 : 0.01;
        CHECK(mac / 1e9 > want[i].gmac - tol - 0.005 && mac / 1e9 < want[i].gmac + tol + 0.005,
              "%s: %.4f G dense multiply-adds, published %.3f", want[i].net, mac / 1e9, want[i].gmac);
        cnb_net_free(&net);
    }
}

/* Data types: benchdnn's --dt (one type for all, or src:wei:dst) and --attr-scales; the
 * canonical form says them back (only when not f32) and parses to the same problem. */
void test_desc_data_types(void)
{
    static const struct { const char *text; cnb_dt s, w, d; int dst_scale; } ok[] = {
        {"gemm --dt=bf16 m4n5k6", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
        {"gemm m4n5k6 --dt=bf16:bf16:f32", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_F32, 0},
        {"--dt=u8:s8:s32 gemm m4n5k6", CNB_DT_U8, CNB_DT_S8, CNB_DT_S32, 0},
        /* default dst scale 2^(7 + ⌈⌈log2 6⌉/2⌉) = 2^9 */
        {"gemm --dt=u8:s8:u8 m4n5k6", CNB_DT_U8, CNB_DT_S8, CNB_DT_U8, 9},
        {"gemm --dt=s8 --attr-scales=src:common:0.25+dst:common:8 m4n5k6", CNB_DT_S8, CNB_DT_S8, CNB_DT_S8, 3},
        {"fc --dt=u8:s8:s8 mb2ic30oc7", CNB_DT_U8, CNB_DT_S8, CNB_DT_S8, 7 + 3},
        {"gemm --dt=f32 m4n5k6", CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0},
        {"conv --dt=bf16 mb1ic8ih8oc8kh3", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
        /* conv's K is ic/g·kh·kw = 72: 2^(7 + ⌈7/2⌉) */
        {"conv --dt=u8:s8:u8 mb1ic8ih8oc8kh3", CNB_DT_U8, CNB_DT_S8, CNB_DT_U8, 11},
        {"conv --dt=s8:s8:s8 --attr-scales=dst:common:64 g2mb1ic8ih8oc8kh3", CNB_DT_S8, CNB_DT_S8, CNB_DT_S8, 6},
        {"pool:avg_p --dt=u8 mb1ic8ih8kh3", CNB_DT_U8, CNB_DT_U8, CNB_DT_U8, 0},
        {"pool:max --dt=s8:s8 mb1ic8ih8kh3", CNB_DT_S8, CNB_DT_S8, CNB_DT_S8, 0},
        {"pool:avg_np mb1ic8ih8kh3 --dt=bf16", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cnb_layer l = parse_ok(ok[i].text), back;
        const cnb_types *t = &l.prob.dt;
        CHECK(t->src == ok[i].s && t->wei == ok[i].w && t->dst == ok[i].d &&
                  t->dst_scale_log2 == ok[i].dst_scale,
              "'%s': types %s:%s:%s dst scale 2^%d", ok[i].text, cnb_dt_name(t->src),
              cnb_dt_name(t->wei), cnb_dt_name(t->dst), t->dst_scale_log2);
        char canon[CNB_DESC_MAX], err[256] = "";
        cnb_layer_format(&l, canon, sizeof canon);
        CHECK((strstr(canon, "--dt=") != NULL) == (t->src != CNB_DT_F32),
              "'%s': canonical '%s' says the types only when not f32", ok[i].text, canon);
        const int rc = cnb_layer_parse(canon, CNB_KIND_CONV, 0, &back, err, sizeof err);
        CHECK(rc == 0 && !memcmp(&back.prob, &l.prob, sizeof l.prob),
              "'%s': canonical '%s' parses back to the same problem (%s)", ok[i].text, canon, err);
    }
    cnb_layer l = parse_ok("gemm --dt=s8 --attr-scales=src:common:0.25+dst:common:8 m4n5k6");
    CHECK(l.prob.dt.src_scale_log2 == -2, "src scale 0.25 = 2^-2, got 2^%d", l.prob.dt.src_scale_log2);
    parse_bad("gemm --dt=bf16:s8:f32 m4n5k6", "not supported");
    parse_bad("gemm --dt=u8:s8 m4n5k6", "one type or three");
    parse_bad("gemm --dt=f16 m4n5k6", "expected one type");
    parse_bad("gemm --dt=u8:s8:s32 --attr-scales=dst:common:2 m4n5k6", "requantized int8 output only");
    parse_bad("gemm --dt=u8:s8:u8 --attr-scales=dst:common:3 m4n5k6", "power of two");
    parse_bad("gemm --dt=u8:s8:u8 --attr-scales=bias:common:2 m4n5k6", "unknown argument");
    parse_bad("conv --dt=u8 mb1ic8ih8oc8kh3", "not supported");
    parse_bad("pool:max --dt=u8:s8 mb1ic8ih8kh3", "one type for src and dst");
    parse_bad("pool:max --dt=s32 mb1ic8ih8kh3", "not supported for pooling");
    parse_bad("pool:avg_p --dt=u8 --attr-scales=dst:common:2 mb1ic8ih8kh3", "takes no scales");
    parse_bad("conv --dt=u8:s8:s32 --attr-scales=dst:common:2 mb1ic8ih8oc8kh3", "requantized int8 output only");
    parse_bad("gemm --dt=bf16 m4n5k6beta1", "alpha and beta");
    parse_bad("gemm --dtype=bf16 m4n5k6", "unknown option");
}
