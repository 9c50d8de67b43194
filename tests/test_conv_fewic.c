/* The few-input-channel convolution (conv/avx512_fewic, conv/avx2_fewic: kernels/conv_fewic.h)
 * over its edges, and the src_layout hook of the implementation contract (kernels/impl.h) that
 * lets it take src in NCX while dst is blocked. */
#include <stdlib.h>
#include <string.h>

#include "harness/case.h"
#include "harness/validate.h"
#include "kernels/conv_fewic.h"
#include "tests/test.h"

static int parse(const char *text, cnb_layer *l)
{
    char err[256] = "";
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, l, err, sizeof err)) {
        CHECK(0, "test layer '%s': %s", text, err);
        return -1;
    }
    return 0;
}

/* Exact mode, always against the reference (never a golden hash). */
static void expect(const cnb_impl *m, const char *desc, cnb_val_status want, int *pairs)
{
    cnb_layer l;
    if (parse(desc, &l)) return;
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 3, .use_golden = 0};
    cnb_val_result r;
    const cnb_val_status s = cnb_validate(m, &l, &o, &r);
    CHECK(s == want, "%s on '%s': %s, expected %s (%s)", m->name, desc, cnb_val_status_name(s),
          cnb_val_status_name(want), r.why);
    if (pairs) ++*pairs;
}

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_f32_fewic__avx512, cnb_conv_f32_fewic__avx2;
static const cnb_impl *const fewic[] = {&cnb_conv_f32_fewic__avx512, &cnb_conv_f32_fewic__avx2};

void test_conv_fewic_edges(void)
{
    char d[256];
    int ran = 0;
    for (size_t k = 0; k < sizeof fewic / sizeof fewic[0]; k++) {
        const cnb_impl *m = fewic[k];
        if (!cnb_impl_runnable(m, NULL)) continue;
        ran++;
        const cnb_fewic_isa *t = m == &cnb_conv_f32_fewic__avx512 ? &cnb_fewic_table__avx512
                                                                   : &cnb_fewic_table__avx2;
        const int B = t->block;
        int pairs = 0;
        /* Every oc block tail and tile count: 1 .. past nb_max·B + 1 (two oc tiles of unequal
         * width), for every ic up to the ISA's threshold. */
        const int ocs[] = {1, B - 1, B, B + 1, 2 * B + 3, 3 * B, t->nb_max * B - 1,
                           t->nb_max * B + 1, 2 * t->nb_max * B + B / 2, 96};
        for (int ic = 1; ic <= t->ic_max; ic++)
            for (size_t o = 0; o < sizeof ocs / sizeof ocs[0]; o++) {
                snprintf(d, sizeof d, "mb2ic%dih9iw13oc%dkh3kw3ph1pw1", ic, ocs[o]);
                expect(m, d, CNB_VAL_PASS, &pairs);
            }
        /* Every ur tail of every tile width: ow = 1 .. ur_max + 2 (a full tile and a tail, and
         * the interior run between two border pixels), per nb. */
        for (int nb = 1; nb <= t->nb_max; nb++)
            for (int ow = 1; ow <= t->ur_max[nb] + 2; ow++) {
                snprintf(d, sizeof d, "mb1ic3ih4iw%doc%dkh3kw3ph1pw1", ow, nb * B);
                expect(m, d, CNB_VAL_PASS, &pairs);
                snprintf(d, sizeof d, "mb1ic2ih3iw%doc%dkh1kw1", ow, nb * B - 1);
                expect(m, d, CNB_VAL_PASS, &pairs);
            }
        /* Strides 1..4 × kernel widths × padding (the clipped border runs) × dilation. */
        for (int s = 1; s <= 4; s++)
            for (int kw = 1; kw <= 7; kw += 2)
                for (int p = 0; p <= kw / 2 + 1; p += 1 + kw / 4)
                    for (int dl = 0; dl <= 2; dl += 2) {
                        snprintf(d, sizeof d, "mb1ic3ih%diw%doc%dkh%dkw%dsh%dsw%dph%dpw%ddh%ddw%d",
                                 21 + s, 27 + 2 * s, B + 5, kw, kw, s, s, p, p, dl, dl);
                        expect(m, d, CNB_VAL_PASS, &pairs);
                    }
        /* Asymmetric padding, right-side padding, different strides per axis. */
        expect(m, "mb1ic3ih10iw17oc20oh6ow9kh3kw5sh2sw2ph2pw3", CNB_VAL_PASS, &pairs);
        expect(m, "mb1ic4ih7iw15oc33kh2kw4sh3sw1ph0pw2", CNB_VAL_PASS, &pairs);
        /* Tiny maps: windows larger than the input, outputs entirely in padding. */
        expect(m, "mb1ic3ih1iw1oc17kh3kw3ph1pw1", CNB_VAL_PASS, &pairs);
        expect(m, "mb1ic1ih1iw1oc16oh5ow5kh1kw1ph2pw2", CNB_VAL_PASS, &pairs);
        expect(m, "mb1ic3ih2iw3oc40kh5kw7ph2pw3", CNB_VAL_PASS, &pairs);
        /* A large map (many tiles per row, many rows per thread). */
        expect(m, "mb1ic3ih150iw150oc32kh3kw3sh2sw2ph0pw0", CNB_VAL_PASS, &pairs);
        /* 3D: depth clipping, stride, dilation. */
        expect(m, "mb2_ic3id5ih6iw7_oc20_kd3kh3kw3_pd1ph1pw1", CNB_VAL_PASS, &pairs);
        expect(m, "mb1_ic3id8ih12iw12_oc64_kd3kh7kw7_sd1sh2sw2_pd1ph3pw3", CNB_VAL_PASS, &pairs);
        expect(m, "mb1_ic2id7ih5iw9_oc17_kd2kh3kw3_sd2sh1sw3_pd0ph1pw2_dd1dh0dw1", CNB_VAL_PASS, &pairs);
        expect(m, "mb1_ic4id1ih1iw1_oc16_od3_kd1kh1kw1_pd1", CNB_VAL_PASS, &pairs);
        CHECK(pairs > 100, "%s: %d edge cases", m->name, pairs);
        /* What it declines. */
        cnb_layer l;
        snprintf(d, sizeof d, "mb1ic%dih8oc16kh3ph1", t->ic_max + 1);
        if (!parse(d, &l)) CHECK(cnb_impl_supports(m, &l.prob) != NULL, "%s declines %s", m->name, d);
        if (!parse("g2mb1ic4ih8oc16kh3ph1", &l))
            CHECK(cnb_impl_supports(m, &l.prob) != NULL, "%s declines groups", m->name);
    }
    if (!ran) printf("  (no AVX2/AVX-512 here: the fewic kernels were not run)\n");
}
#else
void test_conv_fewic_edges(void) {} /* x86 only: the kernels are AVX2 / AVX-512 */
#endif

/* --- The src_layout hook ------------------------------------------------------------------- */

/* A plain convolution (g = 1) writing dst in nCx4c; src read NCX, or (read_blocked) as nCx4c. */
static void conv_to_4c(const cnb_conv *c, const float *src, const float *wei, float *dst,
                       int read_blocked)
{
    const int64_t isp = (int64_t)c->id * c->ih * c->iw, osp = (int64_t)c->od * c->oh * c->ow;
    const int icb = (c->ic + 3) / 4, ocb = (c->oc + 3) / 4;
    memset(dst, 0, sizeof(float) * c->mb * ocb * osp * 4);
    for (int n = 0; n < c->mb; n++)
        for (int oc = 0; oc < c->oc; oc++)
            for (int od = 0; od < c->od; od++)
                for (int oh = 0; oh < c->oh; oh++)
                    for (int ow = 0; ow < c->ow; ow++) {
                        float acc = 0;
                        for (int ic = 0; ic < c->ic; ic++)
                            for (int kd = 0; kd < c->kd; kd++)
                                for (int kh = 0; kh < c->kh; kh++)
                                    for (int kw = 0; kw < c->kw; kw++) {
                                        const int id = od * c->sd - c->pd + kd * (c->dd + 1);
                                        const int ih = oh * c->sh - c->ph + kh * (c->dh + 1);
                                        const int iw = ow * c->sw - c->pw + kw * (c->dw + 1);
                                        if (id < 0 || id >= c->id || ih < 0 || ih >= c->ih ||
                                            iw < 0 || iw >= c->iw)
                                            continue;
                                        const int64_t pix = ((int64_t)id * c->ih + ih) * c->iw + iw;
                                        const int64_t si =
                                            read_blocked
                                                ? (((int64_t)n * icb + ic / 4) * isp + pix) * 4 + ic % 4
                                                : ((int64_t)n * c->ic + ic) * isp + pix;
                                        acc += src[si] *
                                               wei[(((int64_t)oc * c->ic + ic) * c->kd + kd) * c->kh *
                                                       c->kw + kh * c->kw + kw];
                                    }
                        const int64_t pix = ((int64_t)od * c->oh + oh) * c->ow + ow;
                        dst[(((int64_t)n * ocb + oc / 4) * osp + pix) * 4 + oc % 4] = acc;
                    }
}

static void ncx_run(void *s, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)s;
    conv_to_4c(&p->conv, src, wei, dst, 0);
}

static void blocked_run(void *s, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)s;
    conv_to_4c(&p->conv, src, wei, dst, 1);
}

static cnb_layout ncx_layout(const cnb_problem *p)
{
    (void)p;
    return CNB_LAYOUT_NCX;
}

/* Honest: says src NCX, reads NCX. */
static const cnb_impl hook_ncx = {
    .name = "conv/test_hook_ncx", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX4C, .src_layout = ncx_layout, .hidden = 1, .run = ncx_run,
};
/* Says src NCX, reads it blocked. */
static const cnb_impl hook_lies = {
    .name = "conv/test_hook_reads_blocked", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX4C, .src_layout = ncx_layout, .hidden = 1, .run = blocked_run,
};
/* No hook (src in nCx4c, as dst), reads NCX. */
static const cnb_impl hook_missing = {
    .name = "conv/test_hook_missing", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX4C, .hidden = 1, .run = ncx_run,
};
/* No hook, reads blocked: the harness's default path, for contrast. */
static const cnb_impl hook_blocked = {
    .name = "conv/test_hook_blocked", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX4C, .hidden = 1, .run = blocked_run,
};

void test_conv_src_layout_hook(void)
{
    /* ic 4 = one whole block: NCX and nCx4c have the same size, so reading the wrong one never
     * leaves the buffer, it only reads the wrong values. ic 3: the blocked src is the larger, so
     * the implementation that reads it blocked while it is NCX would hit the guard page (which
     * ends the process): only the others run there. */
    const char *descs[] = {"mb2ic4ih5iw6oc7kh3kw3ph1pw1", "mb1_ic4id3ih4iw4_oc5_kd2kh3kw3_pd1ph1pw1",
                           "mb1ic3ih6iw5oc9kh3kw2ph1pw0"};
    for (size_t i = 0; i < sizeof descs / sizeof descs[0]; i++) {
        expect(&hook_ncx, descs[i], CNB_VAL_PASS, NULL);
        expect(&hook_blocked, descs[i], CNB_VAL_PASS, NULL);
        if (i < 2) expect(&hook_lies, descs[i], CNB_VAL_FAIL, NULL);
        expect(&hook_missing, descs[i], CNB_VAL_FAIL, NULL);
    }
    /* The case: src unconverted (no blocked copy), dst blocked; and sized by each layout. */
    cnb_layer l;
    if (parse("mb1ic3ih6iw5oc9kh3kw2ph1pw0", &l)) return;
    CHECK(cnb_case_src_layout(&hook_ncx, &l.prob) == CNB_LAYOUT_NCX, "src_layout asked");
    CHECK(cnb_case_src_layout(&hook_missing, &l.prob) == CNB_LAYOUT_NCX4C, "NULL = layout");
    cnb_case c;
    char err[256];
    if (cnb_case_init(&c, &hook_ncx, &l, CNB_MODE_EXACT, 1, err, sizeof err) == 0) {
        CHECK(!c.isrc.map && c.idst.map, "src NCX: no blocked src buffer, a blocked dst one");
        CHECK(c.src_block == 1 && c.block == 4, "blocks %d, %d", c.src_block, c.block);
        CHECK(c.idst.n == (size_t)3 * 6 * 4 * 4, "dst nCx4c (3 blocks of 6x4 pixels): %zu elements", c.idst.n);
        cnb_case_free(&c);
    } else {
        CHECK(0, "case: %s", err);
    }
    if (cnb_case_init(&c, &hook_blocked, &l, CNB_MODE_EXACT, 1, err, sizeof err) == 0) {
        CHECK(c.isrc.map && c.isrc.n == (size_t)6 * 5 * 4, "src nCx4c: %zu elements", c.isrc.n);
        cnb_case_free(&c);
    } else {
        CHECK(0, "case: %s", err);
    }
}
