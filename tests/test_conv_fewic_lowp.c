/* bf16 and int8 first layers on AVX512-BF16 / AVX512-VNNI (conv/avx512_bf16_fewic,
 * conv/avx512_vnni_fewic: kernels/conv_fewic_lowp.c) over the driver's own paths: kh folded into
 * the channels, tap rows of ic channels per pixel, pixel rows of the blocked source's u channels
 * (each forced in turn through the planner, cnb_plan_force), s32, u8 and s8 outputs, channel counts 1..8 (nCx4c and nCx8c sources, padded channels per pixel),
 * every oc tile width and tail, pixel tiles of every width up to past the widest, padding on every
 * side, dilation along H and D, 3D, two images; and a mutant the tests must reject. */
#include <stdio.h>

#include "harness/case.h"
#include "harness/validate.h"
#include "kernels/plan.h"
#include "tests/test.h"

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_bf16_fewic__avx512_bf16, cnb_conv_u8s8_fewic__avx512_vnni;
extern int cnb_conv_fewic_lowp_mutant;

static cnb_val_status run(const cnb_impl *m, const char *dt, const char *desc, char *why, int size)
{
    char text[320], err[256] = "";
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    cnb_layer l;
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        snprintf(why, size, "parse: %s", err);
        return CNB_VAL_FAIL;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
    cnb_val_result r;
    const cnb_val_status s = cnb_validate(m, &l, &o, &r);
    snprintf(why, size, "%s", r.why);
    return s;
}

static const struct {
    const cnb_impl *m;
    const char *dts[2];
} impls[] = {
    {&cnb_conv_bf16_fewic__avx512_bf16, {"bf16", "bf16:bf16:f32"}},
    {&cnb_conv_u8s8_fewic__avx512_vnni, {"u8:s8:u8", "u8:s8:s32"}},
};

/* The modes the driver has (FL_MODES in kernels/conv_fewic_lowp.c); forcing past the last
 * candidate of a layer takes its last. */
enum { MODES = 3 };

void test_conv_fewic_lowp(void)
{
    char d[256], why[256];
    int ran = 0;
    for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
        const cnb_impl *m = impls[k].m;
        if (!cnb_impl_runnable(m, NULL)) continue;
        ran++;
        int pairs = 0;
#define EXPECT_PASS(dt)                                                                            \
    do {                                                                                           \
        const cnb_val_status s_ = run(m, dt, d, why, sizeof why);                                  \
        CHECK(s_ == CNB_VAL_PASS, "%s --dt=%s %s: %s (%s)", m->name, dt, d, cnb_val_status_name(s_), why); \
        pairs++;                                                                                   \
    } while (0)
        for (int t = 0; t < 2 * MODES; t++) {
            const char *dt = impls[k].dts[t % 2];
            cnb_plan_force(t / 2);
            /* Channels 1..8 × kernel heights and strides (both fold choices) × oc tails. */
            const int ocs[] = {1, 15, 16, 17, 33, 48, 64, 65, 96};
            for (int ic = 1; ic <= 8; ic++)
                for (int kh = 1; kh <= 7; kh += 2)
                    for (int s = 1; s <= 4; s++) {
                        snprintf(d, sizeof d, "mb1ic%dih%diw%doc%dkh%dkw%dsh%dsw%dph%dpw%d", ic, 9 + s,
                                 11 + 2 * s, ocs[(ic + kh + s) % 9], kh, kh, s, s, kh / 2, kh / 2);
                        EXPECT_PASS(dt);
                    }
            for (size_t o = 0; o < sizeof ocs / sizeof ocs[0]; o++) {
                snprintf(d, sizeof d, "mb2ic3ih8iw9oc%dkh3kw3ph1pw1", ocs[o]);
                EXPECT_PASS(dt);
            }
            /* Every pixel tile count and tail: ow 1..30 (past the widest tile of 24). */
            for (int ow = 1; ow <= 30; ow++) {
                snprintf(d, sizeof d, "mb1ic3ih3iw%doc%dkh3kw3ph1pw1", ow, 16 * (1 + ow % 6));
                EXPECT_PASS(dt);
            }
            /* Wide kernels (many chunks), asymmetric and right padding, dilation along H. */
            snprintf(d, sizeof d, "mb1ic3ih35iw35oc96kh11kw11sh4sw4");
            EXPECT_PASS(dt);
            snprintf(d, sizeof d, "mb1ic3ih23iw23oc64kh7kw7sh2sw2ph3pw3");
            EXPECT_PASS(dt);
            snprintf(d, sizeof d, "mb1ic3ih10iw17oc20oh6ow9kh3kw5sh2sw2ph2pw3");
            EXPECT_PASS(dt);
            snprintf(d, sizeof d, "mb1ic4ih12iw15oc33kh3kw4sh1sw1ph2pw2dh1");
            EXPECT_PASS(dt);
            snprintf(d, sizeof d, "mb1ic3ih1iw1oc17kh3kw3ph1pw1");
            EXPECT_PASS(dt);
            /* 3D: depth padding, stride, dilation. */
            snprintf(d, sizeof d, "mb2_ic3id5ih6iw7_oc20_kd3kh3kw3_pd1ph1pw1");
            EXPECT_PASS(dt);
            snprintf(d, sizeof d, "mb1_ic2id7ih5iw9_oc17_kd2kh3kw3_sd2sh1sw3_pd0ph1pw2_dd1dh1");
            EXPECT_PASS(dt);
            /* The first layers' shapes, cut down; int8 also to s8. */
            snprintf(d, sizeof d, "mb1ic3ih40iw40oc32kh3kw3sh2sw2ph1pw1");
            EXPECT_PASS(dt);
            if (t % 2 == 0 && k == 1) {
                snprintf(d, sizeof d, "mb1ic3ih12iw30oc64kh3kw3ph1pw1");
                EXPECT_PASS("u8:s8:s8");
            }
        }
        cnb_plan_force(-1);
        CHECK(pairs > 750, "%s: %d cases", m->name, pairs);
        /* What it declines: groups, more channels, dilation along W, an s8 source. */
        const char *no[] = {"g2mb1ic4ih8oc16kh3ph1", "mb1ic9ih8oc16kh3ph1", "mb1ic3ih8oc16kh3ph1dw1"};
        for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
            cnb_layer l;
            char text[200], err[200];
            snprintf(text, sizeof text, "conv --dt=%s %s", impls[k].dts[0], no[i]);
            if (!cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err))
                CHECK(cnb_impl_supports(m, &l.prob) != NULL, "%s declines %s", m->name, no[i]);
        }
    }
    if (!ran) printf("  (no AVX512-BF16 / AVX512-VNNI here: the lowp fewic kernels were not run)\n");
}

/* The mutant drops the last source row of each buffer row from the copy: the kernel row that
 * the unfolded path reads, or the last folded kernel row. */
void test_conv_fewic_lowp_rejects_broken(void)
{
    char why[256];
    for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
        const cnb_impl *m = impls[k].m;
        if (!cnb_impl_runnable(m, NULL)) continue;
        cnb_conv_fewic_lowp_mutant = 1;
        cnb_plan_force(0);
        const cnb_val_status a = run(m, impls[k].dts[0], "mb1ic3ih12iw12oc16kh3kw3ph1pw1", why, sizeof why);
        const cnb_val_status b = run(m, impls[k].dts[0], "mb1ic3ih23iw23oc64kh7kw7sh2sw2ph3pw3", why, sizeof why);
        cnb_conv_fewic_lowp_mutant = 0;
        cnb_plan_force(-1);
        CHECK(a == CNB_VAL_FAIL && b == CNB_VAL_FAIL, "%s: the mutant passed (%s, %s)", m->name,
              cnb_val_status_name(a), cnb_val_status_name(b));
    }
}
#else
void test_conv_fewic_lowp(void) {}
void test_conv_fewic_lowp_rejects_broken(void) {}
#endif
