/* The bf16 and int8 direct convolutions (kernels/conv_lowp.c, kernels/conv/avx512_bf16.c,
 * avx512_vnni.c, avx_vnni.c), bit-exact against the reference (cnb_ref_conv_dt) in exact mode, whose int8
 * data span the whole ranges (u8 up to 255, s8 down to −128: products near 255·128, negative
 * weights). Sizes come from the ISA tables: for every nb of a table and every ur up to its
 * ur_max, a row whose interior run is exactly ur pixels (W = ur + 2 with padding 1, 3 taps: the
 * 1-pixel border tiles too); oc tails of each nb (oc = 16·nb − 1, 16·nb, 16·nb + 1 and odd
 * counts); input channels that end inside a dot-product group (ic not a multiple of 2 or 4)
 * and inside a block; chunked reductions (many input blocks); then strides, padding, dilation,
 * groups (within a block and across blocks), depthwise, 3D and 1×1, in every output type; for
 * the int8 ones also with an s8 source (the compensation of kernels/conv_lowp.h: the padded
 * border taps test that it counts only the taps read).
 * A u8 output whose every value saturates is mistrusted by the validator (it would pass a kernel
 * that stores 255 everywhere): those cases count as failures, so the scales are chosen so that
 * it does not happen (benchdnn's dst scale rule, harness/desc.c). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/conv_lowp.h"
#include "kernels/plan.h"
#include "tests/test.h"

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_bf16_direct__avx512_bf16, cnb_conv_u8s8_direct__avx512_vnni,
    cnb_conv_u8s8_direct__avx_vnni;

static const struct {
    const cnb_impl *impl;
    const cnb_conv_lowp_isa *t;
    const char *dts[6];
} lowp_impls[] = {
    {&cnb_conv_bf16_direct__avx512_bf16, &cnb_conv_lowp_table__avx512_bf16, {"bf16:bf16:f32", "bf16", NULL}},
    {&cnb_conv_u8s8_direct__avx512_vnni, &cnb_conv_lowp_table__avx512_vnni, {"u8:s8:s32", "u8:s8:u8", "u8:s8:s8", "s8:s8:s32", "s8:s8:u8", "s8:s8:s8"}},
    {&cnb_conv_u8s8_direct__avx_vnni, &cnb_conv_lowp_table__avx_vnni, {"u8:s8:s32", "u8:s8:u8", "u8:s8:s8", "s8:s8:s32", "s8:s8:u8", "s8:s8:s8"}},
};

static int pairs, failures_shown;

/* One descriptor (without --dt) in one data-type set on one implementation. */
static void run_one(const cnb_impl *m, const char *dt, const char *desc)
{
    char text[CNB_DESC_MAX], err[256];
    cnb_layer l;
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "'%s' does not parse: %s", text, err);
        return;
    }
    /* The one decline the contract states: an s8 source in a depthwise layer. */
    const cnb_conv *c = &l.prob.conv;
    if (l.prob.dt.src == CNB_DT_S8 && c->g > 1 && c->g == c->ic && c->g == c->oc) {
        CHECK(cnb_conv_lowp_supports(&l.prob) != NULL, "%s accepts '%s'", m->name, text);
        return;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
    cnb_val_result r;
    cnb_validate(m, &l, &o, &r);
    pairs++;
    if (r.status == CNB_VAL_PASS) return;
    if (failures_shown++ < 20)
        CHECK(0, "%s on '%s': %s\n       repro: cnnbench check --impl %s '%s'", m->name, text,
              r.status == CNB_VAL_SKIP ? "declined" : r.why, m->name, text);
    else
        cnb_test_failures++;
}

/* The "chunked" cases of the sweeps must split their reduction (kernels/conv_lowp.c: MIN_QSTEPS
 * and the L1 budget set the chunk): 1 when the plan of desc in dt on table t has a chunk (icc in
 * its kernel name) smaller than the input channels of a group. */
static int lowp_chunked(const cnb_conv_lowp_isa *t, const char *dt, const char *desc)
{
    char text[CNB_DESC_MAX], err[256];
    cnb_layer l;
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) return 0;
    void *wei = calloc((size_t)cnb_conv_wei_elems(&l.prob.conv), 4);
    void *st = wei ? cnb_conv_lowp_prepare(t, &l.prob, wei) : NULL;
    const char *name = st ? cnb_conv_lowp_kernel_name(st) : NULL;
    const char *at = name ? strstr(name, " icc") : NULL;
    const int r = at && atoi(at + 4) < l.prob.conv.ic / l.prob.conv.g;
    cnb_conv_lowp_release(st);
    free(wei);
    return r;
}

static void sweep(const cnb_impl *m, const cnb_conv_lowp_isa *t, const char *dt)
{
    char d[CNB_DESC_MAX];
    /* Every (nb, ur) of the table: the row's interior run is ur pixels (W = ur + 2, padding 1,
     * 3 taps), oc = 16·nb so that nb blocks are a tile when the cost model picks nb; the
     * neighbouring oc (±1) give a tail tile and a masked channel block. */
    for (int nb = 1; nb <= t->nb_max; nb++)
        for (int ur = 1; ur <= t->ur_max[nb]; ur++) {
            const int oc = 16 * nb + (ur % 3) - 1;
            snprintf(d, sizeof d, "mb1ic%dih3iw%doc%dkh3kw3ph1pw1", 5 + ur % 4, ur + 2, oc > 0 ? oc : 1);
            run_one(m, dt, d);
        }
    /* Input-channel tails inside a group and a block, and chunked reductions. */
    static const int ics[] = {1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 64, 100, 200};
    for (size_t i = 0; i < sizeof ics / sizeof *ics; i++) {
        snprintf(d, sizeof d, "mb1ic%dih5iw9oc%dkh3kw3ph1pw1", ics[i], 20 + (int)i * 3);
        run_one(m, dt, d);
    }
    static const char *const cases[] = {
        "mb2ic19ih11iw13oc37kh3kw5sh2sw2ph2pw1",         /* strides, unequal padding */
        "mb1ic24ih12iw15oc40kh3kw3sh1sw3ph0pw2",
        "mb1ic20ih16iw16oc40kh3kw3dh1dw2ph2pw3",         /* dilation */
        "mb1ic16ih5iw3oc16kh3kw5ph2pw3",                 /* taps wider than the row */
        "mb1ic8ih4iw4oc16oh2ow2kh7kw7ph3pw3",            /* every pixel a border pixel */
        "mb1ic16ih9iw9oc16oh3ow3kh3kw3sh4sw4ph0pw0",     /* negative right padding */
        "mb1g2ic6ih9iw9oc10kh3kw3ph1pw1",                /* groups inside a block */
        "mb1g3ic48ih7iw7oc96kh3kw3ph1pw1",               /* groups of whole blocks */
        "mb1g4ic72ih6iw7oc40kh3kw3ph1pw1",               /* groups across blocks */
        "mb1g32ic64ih7iw7oc64kh3kw3ph1pw1",              /* ResNeXt-like */
        "mb2g24ic24ih12iw12oc24kh3kw3sh2sw2ph1pw1",      /* depthwise */
        "mb1g17ic17ih9iw20oc17kh3kw3ph1pw1",             /* depthwise, channel tail, long rows */
        "mb1g40ic40ih8iw8oc40kh5kw5dh1dw1ph4pw4",        /* depthwise, dilation */
        "mb1g16ic16id5ih6iw7oc16od5oh6ow7kd3kh3kw3pd1ph1pw1",   /* depthwise 3D */
        "mb1ic19id5ih6iw9oc33od3oh6ow9kd3kh3kw3sd2pd1ph1pw1",   /* 3D */
        "mb1ic3id4ih5iw6oc16od3oh4ow5kd2kh2kw2",
        "mb2ic64ih14iw14oc96kh1kw1",                     /* 1x1 */
        "mb1ic100ih9iw9oc50oh5ow5kh1kw1sh2sw2",          /* 1x1, stride 2 */
        "mb1ic40id3ih5iw7oc24od3oh5ow7kd1kh1kw1",        /* 1x1 3D: rows merged across depths */
        "mb1ic2064ih7iw7oc40kh1kw1",                     /* 1x1, merged rows, chunked */
        "mb1ic3ih30iw30oc20oh15ow15kh7kw7sh2sw2ph3pw3",  /* the first layer of ResNet */
        "mb1ic272ih7iw7oc80kh3kw3ph1pw1",                /* chunked reduction */
        /* A reduction long enough (ic·taps·255·128 + 2^(shift − 1) ≥ 2^31) that the int8
         * epilogue cannot round by adding (args.round_add 0: the general rounding). */
        "mb1ic7320ih3iw3oc20kh3kw3ph1pw1",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dt, cases[i]);
    static const char *const chunked[] = {"mb1ic2064ih7iw7oc40kh1kw1", "mb1ic272ih7iw7oc80kh3kw3ph1pw1",
                                          "mb1ic2064ih8iw8oc40oh4ow4kh1kw1sh2sw2"};
    for (size_t i = 0; i < sizeof chunked / sizeof *chunked; i++)
        CHECK(lowp_chunked(t, dt, chunked[i]), "%s (%s): the \"chunked\" case '%s' does not split its reduction",
              m->name, dt, chunked[i]);
}

/* The strided 1x1 layers' subsampled copy (a planner candidate, " sub" in the kernel name, which
 * the planner's own choice may not take): every candidate of each case is forced
 * (cnb_plan_force) and those that copy are validated. Returns how many were reached. */
static int sweep_sub(const cnb_impl *m, const char *dt)
{
    static const char *const cases[] = {
        "mb1ic100ih9iw9oc50oh5ow5kh1kw1sh2sw2",          /* stride 2 */
        "mb2ic40ih15iw13oc48oh8ow7kh1kw1sh2sw2",         /* a batch, odd sizes */
        "mb1ic48ih14iw14oc72oh7ow7kh1kw1sh2sw2",         /* negative right padding */
        "mb1ic24id5ih9iw7oc40od3oh5ow3kd1kh1kw1sd2sh2sw3",   /* 3D, unequal strides */
        "mb1ic2064ih8iw8oc40oh4ow4kh1kw1sh2sw2",         /* chunked */
    };
    int reached = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[CNB_DESC_MAX], err[256];
        cnb_layer l;
        snprintf(text, sizeof text, "conv --dt=%s %s", dt, cases[i]);
        if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
            CHECK(0, "'%s' does not parse: %s", text, err);
            continue;
        }
        reached += cnb_test_forced_candidates(m, &l, " sub]", 5, &pairs, &failures_shown);
    }
    return reached;
}

/* The depthwise kernels from their own tile data (dw_ur_max): for every ur, a row whose interior
 * run is exactly ur pixels at stride 1 (W = ur + 2) and at stride 2 (W = 2·ur + 2), a row of
 * ur pixels (W = ur, padding 1), with
 * channel tails (g not a multiple of 16) in turn; then 5×5 and 7-wide kernels (quads with slots
 * beyond kw, two quads), padding on each side alone, taps wider than the row, dilation, 3D, a
 * batch, in the given type (whose src is u8 or bf16). */
static void sweep_depthwise(const cnb_impl *m, const cnb_conv_lowp_isa *t, const char *dt)
{
    char d[CNB_DESC_MAX];
    static const int gs[] = {16, 17, 23, 40, 32};
    for (int ur = 1; ur <= t->dw_ur_max; ur++) {
        const int g = gs[ur % 5];
        snprintf(d, sizeof d, "g%dmb1ic%dih4iw%doc%dkh3kw3ph1pw1", g, g, ur + 2, g);
        run_one(m, dt, d);
        snprintf(d, sizeof d, "g%dmb1ic%dih5iw%doc%dkh3kw3sh2sw2ph1pw1", g, g, 2 * ur + 2, g);
        run_one(m, dt, d);
        /* A row of exactly ur pixels with padding on both sides (the int8 quad tiles take
         * whole rows up to dw_ur_max, border pixels included). */
        snprintf(d, sizeof d, "g%dmb1ic%dih4iw%doc%dkh3kw3ph1pw1", g, g, ur, g);
        run_one(m, dt, d);
    }
    static const char *const cases[] = {
        "g24mb1ic24ih9iw21oc24kh5kw5ph2pw2",             /* 5×5: two quads, 3 zero slots */
        "g24mb1ic24ih9iw21oc24kh5kw5sh2sw2ph2pw2",
        "g20mb1ic20ih6iw23oc20kh3kw7ph1pw3",             /* kw 7 */
        "g17mb1ic17ih6iw19oc17oh4ow17kh3kw3",            /* no padding */
        "g17mb1ic17ih6iw19oc17oh5ow18kh3kw3ph1pw1",      /* left and top padding only */
        "g17mb1ic17ih6iw19oc17oh5ow18kh3kw3ph0pw0",      /* right and bottom only */
        "g17mb1ic17ih6iw19oc17oh5ow19kh3kw3ph0pw2",      /* left 2, none on the right */
        "g16mb1ic16ih5iw3oc16kh3kw5ph1pw2",              /* taps wider than the row */
        "g40mb1ic40ih8iw8oc40kh5kw5dh1dw1ph4pw4",        /* dilation (the widened kernel) */
        "g40mb1ic40ih8iw12oc40kh3kw3dh1dw0ph2pw1",       /* dilation along H only (quads) */
        "g16mb1ic16id5ih6iw7oc16od5oh6ow7kd3kh3kw3pd1ph1pw1",   /* 3D */
        "g33mb1ic33id4ih5iw9oc33od2oh3ow5kd3kh3kw3sd2sh2sw2pd1ph1pw1",
        "g24mb2ic24ih12iw12oc24kh3kw3sh2sw2ph1pw1",      /* a batch */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dt, cases[i]);
}
#endif

void test_conv_lowp(void)
{
#if defined(__x86_64__)
    int runnable = 0;
    for (size_t k = 0; k < sizeof lowp_impls / sizeof *lowp_impls; k++) {
        const cnb_impl *m = lowp_impls[k].impl;
        if (!cnb_impl_runnable(m, NULL)) {
            printf("  (%s: not runnable on this CPU, skipped)\n", m->name);
            continue;
        }
        runnable++;
        for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++) {
            sweep(m, lowp_impls[k].t, lowp_impls[k].dts[i]);
            CHECK(sweep_sub(m, lowp_impls[k].dts[i]) > 0, "%s: no candidate copies a strided 1x1 layer (%s)",
                  m->name, lowp_impls[k].dts[i]);
        }
        /* Depthwise at 1 and 2 threads (s8 sources are declined there); and the 1x1 layers of
         * small maps whose merged rows give few work items (the split among threads differs,
         * the results must not). */
        static const char *const small_1x1[] = {
            "mb1ic512ih14iw14oc128kh1kw1",               /* a GoogLeNet 4c/1x1 */
            "mb1ic192ih28iw28oc16kh1kw1",                /* one oc block */
            "mb1ic2064ih7iw7oc40kh1kw1",                 /* chunked */
        };
        const int saved = omp_get_max_threads();
        for (int th = 1; th <= 2; th++) {
            omp_set_num_threads(th);
            for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++)
                for (size_t j = 0; j < sizeof small_1x1 / sizeof *small_1x1; j++)
                    run_one(m, lowp_impls[k].dts[i], small_1x1[j]);
            for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++)
                if (strncmp(lowp_impls[k].dts[i], "s8:", 3))
                    sweep_depthwise(m, lowp_impls[k].t, lowp_impls[k].dts[i]);
        }
        omp_set_num_threads(saved);
        /* The int8 quads again without VBMI (on CPUs that have it, the other transpose). */
        if (lowp_impls[k].t->dw_quads && __builtin_cpu_supports("avx512vbmi")) {
            cnb_conv_lowp_dw_vbmi = 0;
            for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++)
                if (strncmp(lowp_impls[k].dts[i], "s8:", 3))
                    sweep_depthwise(m, lowp_impls[k].t, lowp_impls[k].dts[i]);
            cnb_conv_lowp_dw_vbmi = 1;
        }
    }
    if (runnable) printf("  %d bf16/int8 conv cases, bit-exact against the reference\n", pairs);
#endif
}

/* The sweep can fail: the same implementation with one output element changed after its run is
 * rejected, in each output type. */
#if defined(__x86_64__)
static const cnb_impl *broken_base;
static cnb_conv_lowp_isa dw_broken_tab;
static cnb_conv_lowp_dw_fn dw_real;
static void dropped_tap_dw(const cnb_conv_lowp_dw_args *a, int ur)
{
    cnb_conv_lowp_dw_args b = *a;
    if (b.nkw > 1) b.nkw--;
    dw_real(&b, ur);
}
static void *dw_broken_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_lowp_prepare(&dw_broken_tab, p, wei);
}
static void broken_run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    broken_base->run(state, p, src, wei, dst);
    ((unsigned char *)dst)[cnb_dt_size(p->dt.dst) - 1] ^= 0x40;   /* channel 0 of pixel 0 */
}
#endif

void test_conv_lowp_rejects_broken(void)
{
#if defined(__x86_64__)
    for (size_t k = 0; k < sizeof lowp_impls / sizeof *lowp_impls; k++) {
        if (!cnb_impl_runnable(lowp_impls[k].impl, NULL)) continue;
        broken_base = lowp_impls[k].impl;
        cnb_impl broken = *broken_base;
        broken.run = broken_run;
        for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++) {
            char text[CNB_DESC_MAX];
            snprintf(text, sizeof text, "conv --dt=%s mb1ic20ih7iw9oc24kh3kw3ph1pw1", lowp_impls[k].dts[i]);
            const int st = cnb_test_conv_status(&broken, text, 5);
            CHECK(st < 0 || st == CNB_VAL_FAIL, "%s with a changed output passes '%s' (status %d)",
                  broken.name, text, st);
        }
    }
    /* The depthwise sweep can fail: the same table with a dw kernel that drops a call's last kw
     * tap is rejected, at stride 1 and 2, in each type. */
    for (size_t k = 0; k < sizeof lowp_impls / sizeof *lowp_impls; k++) {
        if (!cnb_impl_runnable(lowp_impls[k].impl, NULL)) continue;
        dw_broken_tab = *lowp_impls[k].t;
        dw_real = dw_broken_tab.dw;
        dw_broken_tab.dw = dropped_tap_dw;
        cnb_impl broken = *lowp_impls[k].impl;
        broken.prepare = dw_broken_prepare;
        for (int i = 0; i < 6 && lowp_impls[k].dts[i]; i++) {
            if (!strncmp(lowp_impls[k].dts[i], "s8:", 3)) continue;
            for (int sw = 1; sw <= 2; sw++) {
                char text[CNB_DESC_MAX];
                snprintf(text, sizeof text, "conv --dt=%s g24mb1ic24ih9iw20oc24kh3kw3sh%dsw%dph1pw1",
                         lowp_impls[k].dts[i], sw, sw);
                const int st = cnb_test_conv_status(&broken, text, 5);
                CHECK(st < 0 || st == CNB_VAL_FAIL, "%s with a dropped depthwise tap passes '%s' (status %d)",
                      broken.name, text, st);
            }
        }
    }
#endif
}
