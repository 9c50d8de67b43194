/* The NEON bf16 and int8 direct convolutions (kernels/conv/neon_dotprod.c, neon_bf16.c on the
 * driver kernels/conv_lowp.c), bit-exact against the reference in exact mode (int8 data over the
 * whole ranges: u8 up to 255, s8 down to −128; s8 sources too on sdot), the aarch64 counterpart
 * of test_conv_lowp.c.
 *
 * Every row shape of each table runs: the driver's cost model picks one nb per layer, so each nb
 * is forced through a copy of the table cut at that nb whose cost model counts tiles alone (one
 * flat cost per call: the largest nb wins), the name of the prepared kernel confirms the nb, and
 * for every ur up to its ur_max a row's interior run is exactly ur pixels (W = ur + 2, padding 1,
 * 3 taps: the 1-pixel border tiles as well); oc = 16·nb − 1, 16·nb, 32·nb + 1 give a masked
 * channel block and a tail tile of fewer blocks (2·nb + 1 blocks: nb is the fewest tiles). Then, on the real tables, input channels that
 * end inside a dot-product group and a block, chunked reductions, strides, padding, dilation,
 * groups, depthwise (every ur of its ladder), 3D and 1×1, in every output type.
 *
 * The sweep can fail: a row kernel that drops the last tap of each call, a depthwise kernel that
 * does the same, and one output element changed after the run are each rejected. */
#include <stdio.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/conv_lowp.h"
#include "tests/test.h"

#if defined(__aarch64__)
extern const cnb_impl cnb_conv_bf16_direct__neon_bf16, cnb_conv_u8s8_direct__neon_dotprod;

static const struct {
    const cnb_impl *impl;
    const cnb_conv_lowp_isa *t;
    const char *dts[6];
} neon_impls[] = {
    {&cnb_conv_bf16_direct__neon_bf16, &cnb_conv_lowp_table__neon_bf16, {"bf16:bf16:f32", "bf16", NULL}},
    {&cnb_conv_u8s8_direct__neon_dotprod, &cnb_conv_lowp_table__neon_dotprod, {"u8:s8:s32", "u8:s8:u8", "u8:s8:s8", "s8:s8:s32", "s8:s8:u8", "s8:s8:s8"}},
};

/* The table the test implementation prepares with, and the name of its last prepared kernel. */
static const cnb_conv_lowp_isa *cur_table;
static char last_name[160];
static void *table_prepare(const cnb_problem *p, const void *wei)
{
    void *s = cnb_conv_lowp_prepare(cur_table, p, wei);
    snprintf(last_name, sizeof last_name, "%s", s ? cnb_conv_lowp_kernel_name(s) : "(declined)");
    return s;
}

static int pairs, failures_shown;

/* One descriptor (without --dt) in one data-type set; 1 when it passed. */
static int run_one(const cnb_impl *m, const char *dt, const char *desc, int expect_pass)
{
    char text[CNB_DESC_MAX];
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    cnb_val_result r;
    if (cnb_test_conv_validate(m, text, 5, &r)) return 0;
    pairs++;
    if (!expect_pass) return r.status == CNB_VAL_PASS;
    if (r.status == CNB_VAL_PASS) return 1;
    if (failures_shown++ < 20)
        CHECK(0, "%s [%s] on '%s': %s\n       repro: cnnbench check --impl %s '%s'", m->name,
              last_name, text, r.status == CNB_VAL_SKIP ? "declined" : r.why, m->name, text);
    else
        cnb_test_failures++;
    return 0;
}

/* Every (nb, ur) of table t, each nb forced (see the top of the file). */
static void sweep_tiles(const cnb_impl *base, const cnb_conv_lowp_isa *t, const char *dt)
{
    cnb_impl m = *base;
    m.prepare = table_prepare;
    for (int nb = 1; nb <= t->nb_max; nb++) {
        cnb_conv_lowp_isa cut = *t;
        cut.nb_max = nb;
        cut.dp_cycles = 0;
        cut.dp_latency = 1000;
        cur_table = &cut;
        for (int ur = 1; ur <= t->ur_max[nb]; ur++) {
            const int oc = ur % 3 == 2 ? 32 * nb + 1 : 16 * nb + (ur % 3) - 1;
            char d[CNB_DESC_MAX], want[32];
            snprintf(d, sizeof d, "mb1ic%dih3iw%doc%dkh3kw3ph1pw1", 5 + ur % 4, ur + 2, oc);
            run_one(&m, dt, d, 1);
            snprintf(want, sizeof want, " nb%d ", nb);
            CHECK(strstr(last_name, want), "%s on '%s': prepared %s, not nb %d", m.name, d,
                  last_name, nb);
        }
    }
    cur_table = t;
}

static void sweep(const cnb_impl *m, const cnb_conv_lowp_isa *t, const char *dt)
{
    sweep_tiles(m, t, dt);
    char d[CNB_DESC_MAX];
    /* Input-channel tails inside a group and a block, and chunked reductions. */
    static const int ics[] = {1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 64, 200};
    for (size_t i = 0; i < sizeof ics / sizeof *ics; i++) {
        snprintf(d, sizeof d, "mb1ic%dih5iw9oc%dkh3kw3ph1pw1", ics[i], 20 + (int)i * 3);
        run_one(m, dt, d, 1);
    }
    /* Depthwise: every ur of its ladder as the interior run of a row. */
    for (int ur = 1; ur <= t->dw_ur_max; ur++) {
        snprintf(d, sizeof d, "mb1g%dic%dih3iw%doc%dkh3kw3ph1pw1", 15 + ur, 15 + ur, ur + 2, 15 + ur);
        run_one(m, dt, d, 1);
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
        "mb2g24ic24ih12iw12oc24kh3kw3sh2sw2ph1pw1",      /* depthwise, stride 2 */
        "mb1g17ic17ih9iw20oc17kh3kw3ph1pw1",             /* depthwise, channel tail, long rows */
        "mb1g40ic40ih8iw8oc40kh5kw5dh1dw1ph4pw4",        /* depthwise, dilation */
        "mb1g16ic16id5ih6iw7oc16od5oh6ow7kd3kh3kw3pd1ph1pw1",   /* depthwise 3D */
        "mb1ic19id5ih6iw9oc33od3oh6ow9kd3kh3kw3sd2pd1ph1pw1",   /* 3D */
        "mb1ic3id4ih5iw6oc16od3oh4ow5kd2kh2kw2",
        "mb2ic64ih6iw6oc48kh1kw1",                       /* 1x1 */
        "mb1ic100ih9iw9oc50oh5ow5kh1kw1sh2sw2",          /* 1x1, stride 2 */
        "mb1ic3ih20iw20oc20oh10ow10kh7kw7sh2sw2ph3pw3",  /* the first layer of ResNet */
        "mb1ic128ih7iw7oc40kh3kw3ph1pw1",                /* chunked reduction */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dt, cases[i], 1);
    /* A reduction in chunks (partial sums through the scratch; for u8, each chunk adds its own
     * share of the source bias): the prepared kernel must say so. */
    const char *chunked = "mb1ic512ih4iw6oc32kh3kw3ph1pw1";
    run_one(m, dt, chunked, 1);
    const char *icc = strstr(last_name, " icc");
    int icc_ch = 0;
    CHECK(icc && sscanf(icc, " icc%d", &icc_ch) == 1 && icc_ch < 512,
          "%s on '%s': prepared %s, not a chunked reduction", m->name, chunked, last_name);
}

/* Broken micro-kernels: the real ones on every call but with the last kw tap dropped. */
static const cnb_conv_lowp_isa *broken_real;
static void broken_row(const cnb_conv_lowp_args *a, int nb, int ur)
{
    cnb_conv_lowp_args b = *a;
    if (b.nkw > 1) b.nkw--;
    broken_real->row(&b, nb, ur);
}
static void broken_dw(const cnb_conv_lowp_dw_args *a, int ur)
{
    cnb_conv_lowp_dw_args b = *a;
    if (b.nkw > 1) b.nkw--;
    broken_real->dw(&b, ur);
}
static const cnb_impl *broken_base;
static void broken_run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    broken_base->run(state, p, src, wei, dst);
    ((unsigned char *)dst)[cnb_dt_size(p->dt.dst) - 1] ^= 0x40;   /* channel 0 of pixel 0 */
}
#endif

void test_conv_lowp_neon(void)
{
#if defined(__aarch64__)
    int runnable = 0;
    for (size_t k = 0; k < sizeof neon_impls / sizeof *neon_impls; k++) {
        const cnb_impl *base = neon_impls[k].impl;
        if (!cnb_impl_runnable(base, NULL)) {
            printf("  (%s: not runnable on this CPU, skipped)\n", base->name);
            continue;
        }
        runnable++;
        cnb_impl m = *base;
        m.prepare = table_prepare;
        cur_table = neon_impls[k].t;
        for (int i = 0; i < 6 && neon_impls[k].dts[i]; i++) sweep(&m, neon_impls[k].t, neon_impls[k].dts[i]);
    }
    if (runnable) printf("  %d NEON bf16/int8 conv cases, bit-exact against the reference\n", pairs);
#endif
}

void test_conv_lowp_neon_rejects_broken(void)
{
#if defined(__aarch64__)
    for (size_t k = 0; k < sizeof neon_impls / sizeof *neon_impls; k++) {
        if (!cnb_impl_runnable(neon_impls[k].impl, NULL)) continue;
        broken_real = neon_impls[k].t;
        cnb_conv_lowp_isa bt = *neon_impls[k].t;
        bt.row = broken_row;
        bt.dw = broken_dw;
        cnb_impl m = *neon_impls[k].impl;
        m.prepare = table_prepare;
        broken_base = neon_impls[k].impl;
        cnb_impl changed = *broken_base;
        changed.run = broken_run;
        for (int i = 0; i < 6 && neon_impls[k].dts[i]; i++) {
            const char *dt = neon_impls[k].dts[i];
            static const char *const descs[] = {"mb1ic20ih7iw9oc24kh3kw3ph1pw1",
                                                "mb1g20ic20ih7iw9oc20kh3kw3ph1pw1"};
            for (int j = 0; j < 2; j++) {
                cur_table = neon_impls[k].t;
                CHECK(run_one(&m, dt, descs[j], 1), "%s (%s): the real kernels fail '%s'", m.name,
                      dt, descs[j]);
                cur_table = &bt;
                CHECK(!run_one(&m, dt, descs[j], 0), "%s (%s): a kernel dropping a tap passes '%s'",
                      m.name, dt, descs[j]);
                CHECK(!run_one(&changed, dt, descs[j], 0),
                      "%s (%s): a changed output passes '%s'", m.name, dt, descs[j]);
            }
        }
    }
#endif
}
