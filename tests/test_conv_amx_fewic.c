/* conv/amx_fewic (kernels/conv/fewic_amx.c), bit-exact against the reference in exact mode, in
 * its five data-type triples, at 1 and 2 threads. The sizes come from the kernel's own tiles:
 *   K        taps·ic against the K step (32 bf16 / 64 u8 elements): every remainder of the last
 *            step that the kernel shapes below reach (K = 1 .. 1815), ic 1 .. 15 (ic 3 has its
 *            own nCx4c → tight row pack, and a tap row's copy longer than 64 bytes)
 *   pixels   the image plane (od·oh·ow) against the 32-pixel block: 1, 15, 16, 17, 31, 32, 33,
 *            47, 48, 49 pixels (one or two A tiles, a tail in either), tiles across output rows
 *   oc       1, 15, 16, 17, 32, 33, 64, 96: one or two B tiles, padding channels
 *   windows  stride 1..4, padding on either side (also negative right padding), vertical taps
 *            in the padding, dilation (one copy per tap), 3D with depth padding and stride
 *   batch    two images (one T per image, tasks across images)
 * and the declines (groups, 16 or more input channels) are checked to decline with a reason. A
 * copy whose packed weights drop the last tap must be rejected. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "tests/test.h"

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_lowp_fewic__amx;
static const char *const dts[] = {"bf16:bf16:f32", "bf16", "u8:s8:s32", "u8:s8:u8", "u8:s8:s8"};
static int pairs, shown;

static cnb_val_status run_one(const cnb_impl *m, const char *dt, const char *desc, int want_skip)
{
    char text[CNB_DESC_MAX];
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    cnb_val_result r;
    if (cnb_test_conv_validate(m, text, 11, &r)) return CNB_VAL_FAIL;
    pairs++;
    const cnb_val_status want = want_skip ? CNB_VAL_SKIP : CNB_VAL_PASS;
    if (r.status != want) {
        if (shown++ < 20)
            CHECK(0, "%s on '%s' (%d threads): status %d (want %d) %s\n       repro: cnnbench check "
                     "--threads %d --impl %s '%s'",
                  m->name, text, omp_get_max_threads(), (int)r.status, (int)want, r.why,
                  omp_get_max_threads(), m->name, text);
        else
            cnb_test_failures++;
    }
    return r.status;
}

static void sweep(const cnb_impl *m, const char *dt)
{
    char d[CNB_DESC_MAX];
    /* K: ic × kernel shapes; the pixel count varies with them. */
    static const int ics[] = {1, 2, 3, 4, 5, 7, 8, 11, 15};
    static const int ks[][2] = {{1, 1}, {1, 3}, {3, 3}, {2, 5}, {5, 5}, {7, 7}, {11, 11}};
    for (size_t i = 0; i < sizeof ics / sizeof *ics; i++)
        for (size_t k = 0; k < sizeof ks / sizeof *ks; k++) {
            const int kh = ks[k][0], kw = ks[k][1];
            snprintf(d, sizeof d, "mb1ic%dih%diw%doc%dkh%dkw%dph%dpw%d", ics[i], kh + 3 + (int)(k % 3),
                     kw + 4 + (int)(i % 5), 17 + 16 * (int)((i + k) % 3), kh, kw, kh / 2, kw / 2);
            run_one(m, dt, d, 0);
        }
    /* Pixel tails: plane = oh · ow, unpadded 3×3 ic 3. */
    static const int planes[][2] = {{1, 1}, {1, 15}, {1, 16}, {1, 17}, {1, 31}, {4, 8},
                                    {3, 11}, {1, 47}, {6, 8}, {7, 7}};
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++) {
        const int oh = planes[i][0], ow = planes[i][1];
        snprintf(d, sizeof d, "mb1ic3ih%diw%doc%doh%dow%dkh3kw3", oh + 2, ow + 2, 16 + 16 * (int)(i % 3), oh, ow);
        run_one(m, dt, d, 0);
    }
    static const int ocs[] = {1, 15, 16, 17, 32, 33, 64, 96};
    for (size_t i = 0; i < sizeof ocs / sizeof *ocs; i++) {
        snprintf(d, sizeof d, "mb1ic3ih9iw%doc%dkh3kw3ph1pw1", 13 + (int)i, ocs[i]);
        run_one(m, dt, d, 0);
    }
    static const char *const cases[] = {
        "mb1ic3ih40iw40oc20oh20ow20kh7kw7sh2sw2ph3pw3",        /* resnet/googlenet conv1, small */
        "mb1ic3ih47iw47oc96oh10ow10kh11kw11sh4sw4ph0pw0",      /* alexnet conv1, small */
        "mb1ic3ih30iw30oc32oh15ow15kh3kw3sh2sw2ph1pw1",        /* mobilenet conv1, small */
        "mb2ic3ih18iw21oc64kh3kw3ph1pw1",                      /* vgg conv1_1, two images */
        "mb1ic3ih20iw40oc32kh3kw3ph1pw2",                      /* left padding 2, right 0 */
        "mb1ic3ih20iw40oc32oh20ow39kh3kw3ph1pw0",              /* padding on the right only */
        "mb1ic3ih20iw40oc32oh20ow39kh3kw3ph1pw2",              /* left only (right −1) */
        "mb1ic3ih16iw40oc16oh3ow10kh3kw3sh4sw4ph0pw0",         /* negative right padding */
        "mb2ic5ih11iw13oc37kh3kw5sh2sw3ph2pw1",                /* unequal strides and padding */
        "mb1ic3ih16iw40oc40kh3kw3dh1dw2ph2pw3",                /* dilation */
        "mb1ic4ih12iw12oc16kh5kw5dh2dw1ph4pw4",
        "mb1ic3ih5iw3oc16kh5kw7ph2pw3",                        /* taps wider than the row */
        "mb1ic2ih4iw4oc16oh2ow2kh7kw7ph3pw3",                  /* every pixel a border pixel */
        "mb1ic3id6ih12iw12oc64od6oh12ow12kd3kh3kw3pd1ph1pw1",  /* 3D (c3d conv1a) */
        "mb1ic3id5ih14iw14oc64od5oh7ow7kd3kh7kw7sh2sw2pd1ph3pw3",   /* 3D (r3d stem) */
        "mb1ic3id7ih8iw9oc17od3oh4ow5kd3kh2kw3sd2sh2sw2pd1ph0pw1dd1",   /* 3D stride, dilation */
        "mb2ic7id4ih5iw6oc33od3oh4ow5kd2kh2kw2",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dt, cases[i], 0);
    run_one(m, dt, "mb1g3ic3ih12iw12oc24kh3kw3ph1pw1", 1);   /* groups */
    run_one(m, dt, "mb1ic16ih8iw8oc32kh3kw3ph1pw1", 1);      /* 16 input channels */
}
#endif

void test_conv_amx_fewic(void)
{
#if defined(__x86_64__)
    const cnb_impl *m = &cnb_conv_lowp_fewic__amx;
    if (!cnb_impl_runnable(m, NULL)) {
        printf("  (%s: not runnable on this CPU, skipped)\n", m->name);
        return;
    }
    const int saved = omp_get_max_threads();
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) sweep(m, dts[t]);
    }
    omp_set_num_threads(saved);
    printf("  %d conv/amx_fewic cases (1 and 2 threads), bit-exact against the reference (or "
           "declined as meant)\n", pairs);
#endif
}

#if defined(__x86_64__)
/* The kernel with its packed weights missing the last tap (kd, kh, kw all at their last) of
 * every input and output channel: the K element just before the zero tail. */
static void *dropped_prepare(const cnb_problem *p, const void *wei)
{
    const cnb_conv *c = &p->conv;
    const int es = cnb_dt_size(p->dt.wei), taps = c->kd * c->kh * c->kw;
    const size_t n = (size_t)c->oc * c->ic * taps;
    unsigned char *w = malloc(n * es + 1);
    if (!w) return NULL;
    memcpy(w, wei, n * es);
    for (size_t i = 0; i < (size_t)c->oc * c->ic; i++) memset(w + ((i + 1) * taps - 1) * es, 0, es);
    void *state = cnb_conv_lowp_fewic__amx.prepare(p, w);
    free(w);
    return state;
}
#endif

void test_conv_amx_fewic_rejects_broken(void)
{
#if defined(__x86_64__)
    if (!cnb_impl_runnable(&cnb_conv_lowp_fewic__amx, NULL)) return;
    cnb_impl broken = cnb_conv_lowp_fewic__amx;
    broken.prepare = dropped_prepare;
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        char text[CNB_DESC_MAX];
        snprintf(text, sizeof text, "conv --dt=%s mb1ic3ih20iw20oc32oh9ow9kh3kw3sh2sw2", dts[t]);
        const int st = cnb_test_conv_status(&broken, text, 11);
        CHECK(st < 0 || st == CNB_VAL_FAIL, "%s without its last tap passes '%s' (status %d)",
              broken.name, text, st);
    }
#endif
}
