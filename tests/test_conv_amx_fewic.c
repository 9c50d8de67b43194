/* conv/amx_fewic (kernels/conv/fewic_amx.c), bit-exact against the reference in exact mode, in
 * its five data-type triples, at 1 and 2 threads, in each of its modes (forced through
 * cnb_conv_amx_fewic_mode; the tap rows in fewer combinations, see test_conv_amx_fewic). The
 * sizes come from the kernel's own tiles.
 * All taps in K (g = 1):
 *   K        taps·ic against the K step (32 bf16 / 64 u8 elements): every remainder of the last
 *            step that the kernel shapes below reach (K = 1 .. 1815), ic 1 .. 15 (ic 3 has its
 *            own nCx4c → tight row pack, and a tap row's copy longer than 64 bytes)
 *   pixels   the image plane (od·oh·ow) against the 32-pixel block: 1, 15, 16, 17, 31, 32, 33,
 *            47, 48, 49 pixels (one or two A tiles, a tail in either), tiles across output rows
 *   oc       1, 15, 16, 17, 32, 33, 64, 96: one or two B tiles, padding channels
 *   windows  stride 1..4, padding on either side (also negative right padding), vertical taps
 *            in the padding, dilation (one copy per tap), 3D with depth padding and stride
 *   batch    two images (one T per image, tasks across images)
 * Tap rows (rows, padded pitch):
 *   K        kw · ic per group against the K step: ic per group 1 .. 64 (nCx16c blocks, nCx4c
 *            quads, single elements), kw 1 .. 7
 *   pixels   output rows of 1 .. 33 pixels, planes whose pitch tiles span rows
 *   groups   oc blocks across groups (ocg 8, 24, 1), ocg 64, 3D with groups
 *   oc       one oc block at a time where an oc tile's weights overflow L1 (5×5, 32 channels
 *            bf16, 64 u8)
 *   windows  strides (unequal), negative right padding, dilation along H and D, 3D, two images
 * and the declines (depthwise, 65 channels per group, groups with dilation along W) are checked
 * to decline with a reason. Copies whose packed weights drop the last tap, or the last tap row,
 * must be rejected in every mode. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "tests/test.h"

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_lowp_fewic__amx;
extern int cnb_conv_amx_fewic_mode;
enum { MODE_FOLD, MODE_ROWS, MODE_PITCH };   /* as in fewic_amx.c */
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
    /* declines */
    run_one(m, dt, "mb1g8ic8ih6iw6oc8kh3kw3ph1pw1", 1);          /* depthwise */
    run_one(m, dt, "mb1ic65ih6iw6oc16kh3kw3ph1pw1", 1);          /* 65 input channels */
    run_one(m, dt, "mb1g2ic8ih8iw8oc32kh3kw3ph1pw2dw1", 1);      /* groups and dilation along W */
}
/* The tap rows (rows or padded pitch, forced through cnb_conv_amx_fewic_mode). */
static void sweep_tr(const cnb_impl *m, const char *dt)
{
    char d[CNB_DESC_MAX];
    /* K: a tap row's kw · icg elements against the K step (32 bf16 / 64 u8), the remainders a
     * third of the pairs below reach (whole steps, one element short, one over, 1 to 7 steps,
     * 2 to 448 elements); icg % 16 == 0 packs nCx16c blocks,
     * icg % 4 == 0 nCx4c quads, the others element by element. */
    static const int ics[] = {1, 3, 4, 5, 8, 12, 13, 16, 21, 24, 31, 32, 33, 48, 63, 64};
    static const int kws[] = {1, 2, 3, 5, 7};
    for (size_t i = 0; i < sizeof ics / sizeof *ics; i++)
        for (size_t k = 0; k < sizeof kws / sizeof *kws; k++) {
            if ((i + k) % 3) continue;   /* a third of the pairs: the remainders stay many */
            const int kw = kws[k], kh = 1 + (int)(k + i) % 3;
            snprintf(d, sizeof d, "mb1ic%dih%diw%doc%dkh%dkw%dph%dpw%d", ics[i], kh + 2 + (int)(i % 3),
                     kw + 3 + (int)(i % 4) * 5, 17 + 16 * (int)((i + k) % 3), kh, kw, kh / 2, kw / 2);
            run_one(m, dt, d, 0);
        }
    /* Pixel tiles: output rows of 1 .. 33 pixels, planes a pitch spans rows of. */
    static const int planes[][2] = {{1, 1}, {1, 17}, {2, 7}, {3, 11}, {4, 16}, {2, 31}, {7, 7}, {5, 14}, {3, 33}};
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++) {
        const int oh = planes[i][0], ow = planes[i][1];
        snprintf(d, sizeof d, "mb1ic16ih%diw%doc%doh%dow%dkh5kw5ph2pw2", oh, ow, 16 + 16 * (int)(i % 3), oh, ow);
        run_one(m, dt, d, 0);
    }
    static const char *const cases[] = {
        "mb1g2ic96ih13iw13oc64kh5kw5ph2pw2",                  /* alexnet conv2, small */
        "mb1ic32ih7iw7oc48kh5kw5ph2pw2",                      /* googlenet 5a/5x5, small oc */
        "mb1ic64ih6iw7oc40kh5kw5ph2pw2",                      /* u8: one oc block at a time */
        "mb1g3ic9ih8iw9oc24kh3kw3ph1pw1",                     /* oc blocks across groups */
        "mb1g4ic64ih6iw10oc96kh3kw3ph1pw1",                   /* ocg 24: tiles of 2 groups */
        "mb1g2ic32ih9iw9oc128kh3kw3ph1pw1",                   /* ocg 64 */
        "mb1g16ic32ih5iw6oc16kh3kw3ph1pw1",                   /* ocg 1: 16 groups in a block */
        "mb2g2ic16ih8iw12oc32kh3kw5sh2sw2ph1pw2",             /* two images, stride */
        "mb1ic24ih15iw17oc32kh5kw5sh3sw2ph2pw2",              /* unequal strides */
        "mb1ic16ih16iw40oc16oh3ow10kh3kw3sh4sw4ph0pw0",       /* negative right padding */
        "mb1ic8ih20iw40oc32oh20ow39kh3kw3ph1pw2",             /* left padding only */
        "mb1ic3ih40iw40oc20oh20ow20kh7kw7sh2sw2ph3pw3",       /* the first-layer stems */
        "mb1ic3ih47iw47oc96oh10ow10kh11kw11sh4sw4ph0pw0",
        "mb1ic3ih30iw30oc32oh15ow15kh3kw3sh2sw2ph1pw1",
        "mb1ic16ih12iw12oc32kh3kw3dh2ph3pw1",                 /* dilation along H */
        "mb1ic2ih4iw4oc16oh2ow2kh7kw7ph3pw3",                 /* every pixel a border pixel */
        "mb1ic16id5ih7iw9oc32od5oh7ow9kd3kh3kw3pd1ph1pw1",    /* 3D */
        "mb1ic3id5ih14iw14oc64od5oh7ow7kd3kh7kw7sh2sw2pd1ph3pw3",
        "mb1g2ic8id7ih8iw9oc34od3oh4ow5kd3kh2kw3sd2sh2sw2pd1ph0pw1dd1dh1",   /* 3D, groups */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dt, cases[i], 0);
    run_one(m, dt, "mb1g2ic8ih8iw8oc32kh3kw3ph1pw2dw1", 1);   /* groups and dilation along W */
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
        for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
            cnb_conv_amx_fewic_mode = MODE_FOLD;   /* g = 1 there: not the planner's choice */
            sweep(m, dts[t]);
            /* The tap rows' packing and tiles depend on the element size only, the epilogue
             * (shared, amx_epi.h) on the type: both modes for bf16 and u8:s8:u8 at 1 thread,
             * one mode for the other types (in turn), and at 2 threads one mode for bf16 and
             * u8:s8:u8. */
            const int full = !strcmp(dts[t], "bf16") || !strcmp(dts[t], "u8:s8:u8");
            for (int mode = MODE_ROWS; mode <= MODE_PITCH; mode++) {
                if ((th == 2 || !full) && mode != (t / 2 % 2 ? MODE_ROWS : MODE_PITCH)) continue;
                if (th == 2 && !full) continue;
                cnb_conv_amx_fewic_mode = mode;
                sweep_tr(m, dts[t]);
            }
            cnb_conv_amx_fewic_mode = -1;
        }
    }
    omp_set_num_threads(saved);
    printf("  %d conv/amx_fewic cases (1 and 2 threads), bit-exact against the reference (or "
           "declined as meant)\n", pairs);
#endif
}

#if defined(__x86_64__)
/* The kernel with its packed weights missing the last `drop` taps (in kd, kh, kw order) of every
 * input and output channel. */
static void *dropped_taps_prepare(const cnb_problem *p, const void *wei, int drop)
{
    const cnb_conv *c = &p->conv;
    const int es = cnb_dt_size(p->dt.wei), taps = c->kd * c->kh * c->kw;
    const size_t n = (size_t)c->oc * (c->ic / c->g) * taps;
    unsigned char *w = malloc(n * es + 1);
    if (!w) return NULL;
    memcpy(w, wei, n * es);
    for (size_t i = 0; i < (size_t)c->oc * (c->ic / c->g); i++)
        memset(w + ((i + 1) * taps - drop) * es, 0, (size_t)drop * es);
    void *state = cnb_conv_lowp_fewic__amx.prepare(p, w);
    free(w);
    return state;
}
/* The last tap (kd, kh, kw all at their last): the K element just before the zero tail (fold). */
static void *dropped_prepare(const cnb_problem *p, const void *wei)
{
    return dropped_taps_prepare(p, wei, 1);
}
/* The whole last tap row (kd, kh at their last, every kw): one entry of the tap rows' sum. */
static void *dropped_row_prepare(const cnb_problem *p, const void *wei)
{
    return dropped_taps_prepare(p, wei, p->conv.kw);
}
#endif

void test_conv_amx_fewic_rejects_broken(void)
{
#if defined(__x86_64__)
    if (!cnb_impl_runnable(&cnb_conv_lowp_fewic__amx, NULL)) return;
    cnb_impl broken = cnb_conv_lowp_fewic__amx;
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        char text[CNB_DESC_MAX];
        broken.prepare = dropped_prepare;
        snprintf(text, sizeof text, "conv --dt=%s mb1ic3ih20iw20oc32oh9ow9kh3kw3sh2sw2", dts[t]);
        int st = cnb_test_conv_status(&broken, text, 11);
        CHECK(st < 0 || st == CNB_VAL_FAIL, "%s without its last tap passes '%s' (status %d)",
              broken.name, text, st);
        /* every mode: rows (strided, groups), padded pitch (stride 1), fold */
        static const char *const descs[] = {"mb1g2ic32ih9iw20oc64oh5ow10kh3kw3sh2sw2ph1pw1",
                                            "mb1ic16ih9iw9oc32kh3kw3ph1pw1",
                                            "mb1ic3ih9iw9oc32kh3kw3ph1pw1",
                                            "mb1ic64ih6iw7oc40kh5kw5ph2pw2"};   /* one oc block at a time */
        static const int modes[] = {MODE_ROWS, MODE_PITCH, MODE_FOLD, MODE_ROWS};
        broken.prepare = dropped_row_prepare;
        for (int k = 0; k < 4; k++) {
            cnb_conv_amx_fewic_mode = modes[k];
            snprintf(text, sizeof text, "conv --dt=%s %s", dts[t], descs[k]);
            st = cnb_test_conv_status(&broken, text, 11);
            CHECK(st < 0 || st == CNB_VAL_FAIL, "%s (mode %d) without its last tap row passes '%s' (status %d)",
                  broken.name, modes[k], text, st);
        }
        cnb_conv_amx_fewic_mode = -1;
    }
#endif
}
