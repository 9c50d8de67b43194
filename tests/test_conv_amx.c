/* conv/amx_direct (kernels/conv/direct_amx.c), bit-exact against the reference in exact mode, in
 * its five data-type triples. The sizes walk every path of the kernel:
 *   pixel tiles   ow 1..17, 31..33, 47, 48: one or two A tiles per block, rows past OW
 *   oc tiles      oc 1, 15..17, 31..33, 48, 65: one or two B tiles (C 2×1, 1×2, 2×2, 1×1), the
 *                 padding channels of the last block
 *   K             ic ending inside a 64-byte input block (bf16 32, u8 64 channels) and across
 *                 several blocks
 *   borders       padding on the left only, the right only, both, none (direct tiles), taps
 *                 wider than the row, vertical and depth padding (skipped taps), negative right
 *                 padding; stride 2 and 3, dilation, 3D
 *   few ic        ic·kw ≤ one K step: the kw taps folded into K from a tight padded copy
 *   row pairs     one or an odd number of tiles per row: blocks pair tiles of two rows, one of
 *                 them in the vertical padding for some taps
 *   flat 1×1      stride-1 unpadded 1×1 layers as one long row, with a tail tile; strided ones
 *                 over their sampled input pixels (strides in every or one dimension, 3D); K of
 *                 one input block, a few (alternating C-tile sets) and more than ALT_K = 4 (2×2
 *                 blocks), groups
 *   threads       the layers of every path at 1, 2 and 3 threads: the splits over oc chunks and
 *                 pixel ranges, uneven ones, and the fills split by rows
 *   groups        whole blocks and oc tiles that straddle groups
 *   padded rows   stride-1 layers over the zero-bordered copy (tiles spanning output rows, junk
 *                 pixels between rows, unequal and negative padding, dilation, kd 1 3D); the
 *                 whole sweep runs a second time with padded rows off, for the rows path
 *   epilogue      u8/s8 shifts 10, 16 (packed f32 path) and 17 (integer path); rows ending inside
 *                 the 2- and 4-pixel packed stores
 * and the declines (depthwise, fewer than 16 input channels per group) are checked to decline
 * with a reason. A copy that changes one output element after the real run must be rejected. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "tests/test.h"

#if defined(__x86_64__)
extern const cnb_impl cnb_conv_lowp_direct__amx;
extern int cnb_conv_amx_direct_pad;
static const char *const dts[] = {"bf16:bf16:f32", "bf16", "u8:s8:s32", "u8:s8:u8", "u8:s8:s8"};
static int pairs, shown;

static cnb_val_status run_one(const cnb_impl *m, const char *dt, const char *desc, int want_skip)
{
    char text[CNB_DESC_MAX];
    snprintf(text, sizeof text, "conv --dt=%s %s", dt, desc);
    cnb_val_result r;
    if (cnb_test_conv_validate(m, text, 7, &r)) return CNB_VAL_FAIL;
    pairs++;
    const cnb_val_status want = want_skip ? CNB_VAL_SKIP : CNB_VAL_PASS;
    if (r.status != want) {
        if (shown++ < 20)
            CHECK(0, "%s on '%s': status %d (want %d) %s\n       repro: cnnbench check --impl %s '%s'",
                  m->name, text, (int)r.status, (int)want, r.why, m->name, text);
        else
            cnb_test_failures++;
    }
    return r.status;
}
#endif

void test_conv_amx(void)
{
#if defined(__x86_64__)
    const cnb_impl *m = &cnb_conv_lowp_direct__amx;
    if (!cnb_impl_runnable(m, NULL)) {
        printf("  (%s: not runnable on this CPU, skipped)\n", m->name);
        return;
    }
    char d[CNB_DESC_MAX];
    /* Twice: padded rows where they save tiles, then the rows path on every layer. */
    for (int pass = 0; pass < 2; pass++)
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        cnb_conv_amx_direct_pad = pass == 0;
        static const int ows[] = {1, 2, 5, 7, 8, 13, 14, 15, 16, 17, 31, 32, 33, 47, 48};
        for (size_t i = 0; i < sizeof ows / sizeof *ows; i++) {
            snprintf(d, sizeof d, "mb1ic%dih3iw%doc%dkh3kw3ph1pw1", 20 + (int)i, ows[i], 17 + 15 * (int)(i % 3));
            run_one(m, dts[t], d, 0);
        }
        static const int ocs[] = {1, 15, 16, 17, 31, 32, 33, 48, 65};
        for (size_t i = 0; i < sizeof ocs / sizeof *ocs; i++) {
            snprintf(d, sizeof d, "mb1ic24ih4iw%doc%dkh3kw3ph1pw1", i % 2 ? 20 : 40, ocs[i]);
            run_one(m, dts[t], d, 0);
        }
        static const int ics[] = {1, 3, 5, 16, 31, 32, 33, 63, 64, 65, 100, 130};
        for (size_t i = 0; i < sizeof ics / sizeof *ics; i++) {
            snprintf(d, sizeof d, "mb1ic%dih5iw19oc%dkh3kw3ph1pw1", ics[i], 20 + 3 * (int)i);
            run_one(m, dts[t], d, 0);
        }
        static const char *const cases[] = {
            "mb1ic20ih6iw40oc32kh3kw3ph1pw2",                /* left padding 2, right 0 */
            "mb1ic20ih6iw40oc32oh4ow38kh3kw3ph0pw0",         /* unpadded: direct tiles only */
            "mb1ic20ih6iw40oc32oh6ow39kh3kw3ph1pw0",         /* padding on the right only */
            "mb1ic20ih6iw40oc32oh6ow39kh3kw3ph1pw2",         /* on the left only (right −1) */
            "mb2ic19ih11iw13oc37kh3kw5sh2sw2ph2pw1",         /* strides, unequal padding */
            "mb1ic24ih12iw45oc40kh3kw3sh1sw3ph0pw2",
            "mb1ic20ih16iw40oc40kh3kw3dh1dw2ph2pw3",         /* dilation */
            "mb1ic16ih5iw3oc16kh3kw5ph2pw3",                 /* taps wider than the row */
            "mb1ic8ih4iw4oc16oh2ow2kh7kw7ph3pw3",            /* every pixel a border pixel */
            "mb1ic16ih9iw40oc16oh3ow10kh3kw3sh4sw4ph0pw0",   /* negative right padding */
            "mb1ic3ih40iw40oc20oh20ow20kh7kw7sh2sw2ph3pw3",  /* a first layer */
            "mb1ic19id5ih6iw9oc33od3oh6ow9kd3kh3kw3sd2pd1ph1pw1",   /* 3D */
            "mb1ic40id4ih5iw20oc16od3oh4ow19kd2kh2kw2",
            "mb1ic3id4ih5iw6oc16od3oh4ow5kd2kh2kw2",         /* few channels (kw in K), 3D */
            "mb2ic5ih9iw21oc40oh5ow11kh5kw5sh2sw2ph2pw2",    /* few channels, stride 2 */
            "mb1ic48ih14iw14oc40kh3kw3ph1pw1",               /* one tile per row: rows paired */
            "mb1ic40ih7iw7oc33kh3kw3ph1pw1",
            "mb1ic64ih7iw37oc32kh3kw3ph1pw1",                /* 3 tiles per row: pairs across rows */
            "mb2ic64ih14iw14oc96kh1kw1",                     /* flat 1×1, tail tile */
            "mb1ic100ih7iw7oc50kh1kw1",
            "mb2ic40id3ih5iw7oc33kd1kh1kw1",                 /* flat 1×1 3D */
            "mb1ic100ih9iw9oc50oh5ow5kh1kw1sh2sw2",          /* 1×1 stride 2: sampled, flat */
            "mb2ic64ih14iw14oc48oh5ow5kh1kw1sh3sw3",         /* stride 3, right padding −1 */
            "mb1ic40ih6iw14oc33oh6ow7kh1kw1sh1sw2",          /* stride in w only */
            "mb2ic70id5ih6iw8oc20od3oh3ow4kd1kh1kw1sd2sh2sw2",   /* 3D */
            "mb1ic300ih5iw9oc40kh1kw1",                      /* flat, K past ALT_K */
            "mb1ic256ih3iw5oc20kh1kw1",                      /* flat, K of ALT_K (u8), 8 (bf16) */
            "mb1ic16ih4iw4oc16kh1kw1",                       /* flat, one tile, one oc block */
            "mb1g2ic160ih5iw17oc96kh1kw1",                   /* flat, groups across blocks */
            "mb1g4ic72ih6iw18oc40kh1kw1",                    /* flat, oc tiles across groups */
            "mb1ic64ih7iw7oc48oh4ow4kh1kw1sh2sw2ph1pw1",     /* strided, padded: rows */
            "mb1ic64ih7iw7oc48kh1kw1ph1pw1",                 /* 1×1 padded: rows */
            "mb1g2ic64ih9iw20oc64kh3kw3ph1pw1",              /* groups of whole blocks */
            "mb1g4ic72ih6iw18oc40kh3kw3ph1pw1",              /* oc tiles across groups */
            "mb1g2ic160ih5iw17oc96kh3kw3ph1pw1",             /* groups across input blocks */
            "mb1ic128ih7iw7oc80kh3kw3ph1pw1",
            "mb2ic70ih7iw7oc40kh3kw3ph1pw1",                 /* padded rows: tiles over 2-3 rows */
            "mb1ic40ih9iw28oc33oh9ow25kh3kw5ph1pw1",         /* right padding −1, unequal pads */
            "mb1ic40ih8iw12oc20oh6ow10kh3kw3ph0pw0",         /* unpadded */
            "mb1ic40ih9iw11oc20oh7ow9kh3kw3dh1dw1ph1pw1",    /* dilation */
            "mb1ic33ih8iw10oc20oh5ow10kh3kw3ph0pw1",         /* input rows past the last tap row */
            "mb2ic40id3ih7iw7oc33od3oh7ow7kd1kh3kw3ph1pw1",  /* 3D, kd 1 */
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_one(m, dts[t], cases[i], 0);
        /* Requantization shifts 10, 16 (the packed f32 path's top) and 17 (the integer path), on
         * rows of 7 and 33 pixels that end inside a 4-pixel store; K is large enough that few
         * outputs saturate (smaller shifts saturate nearly all: validation refuses them). */
        static const char *const shifts[] = {"1024", "65536", "131072"};
        const int requant = !strcmp(dts[t], "u8:s8:u8") || !strcmp(dts[t], "u8:s8:s8");
        for (size_t i = 0; requant && i < sizeof shifts / sizeof *shifts; i++) {
            snprintf(d, sizeof d, "--attr-scales=dst:common:%s mb1ic256ih5iw%doc40kh3kw3ph1pw1", shifts[i],
                     i % 2 ? 33 : 7);
            run_one(m, dts[t], d, 0);
        }
        run_one(m, dts[t], "mb1g24ic24ih12iw12oc24kh3kw3ph1pw1", 1);   /* depthwise */
        run_one(m, dts[t], "mb1g4ic32ih8iw8oc32kh3kw3ph1pw1", 1);      /* 8 channels per group */
    }
    cnb_conv_amx_direct_pad = 1;
    /* Every path at 1, 2 and 3 threads (the team is fixed before prepare, which sizes the
     * per-thread buffers and the split for it). */
    static const char *const split_cases[] = {
        "mb1ic64ih20iw20oc64kh3kw3ph1pw1",            /* padded rows: pixel ranges, fill_pad */
        "mb1ic64ih14iw14oc48oh7ow7kh1kw1sh2sw2",      /* strided 1×1: fill_sub */
        "mb1ic32ih24iw24oc64kh1kw1",                  /* flat, K one block */
        "mb2ic96ih9iw9oc80kh1kw1",                    /* flat, two images */
        "mb1ic48ih14iw14oc40kh3kw3ph1pw1",            /* one tile per row: row groups */
        "mb1ic40ih9iw32oc160kh3kw3ph1pw1",            /* rows with border tiles, many oc tiles */
    };
    const int saved = omp_get_max_threads();
    for (int th = 1; th <= 3; th++) {
        omp_set_num_threads(th);
        for (size_t t = 0; t < sizeof dts / sizeof *dts; t++)
            for (size_t i = 0; i < sizeof split_cases / sizeof *split_cases; i++) run_one(m, dts[t], split_cases[i], 0);
    }
    omp_set_num_threads(saved);
    printf("  %d conv/amx_direct cases, bit-exact against the reference (or declined as meant)\n", pairs);
#endif
}

#if defined(__x86_64__)
static void broken_run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    cnb_conv_lowp_direct__amx.run(state, p, src, wei, dst);
    /* the last pixel of the first channel block, lane 0 */
    const cnb_conv *c = &p->conv;
    const long at = ((long)c->od * c->oh * c->ow - 1) * 16;
    ((unsigned char *)dst)[at * cnb_dt_size(p->dt.dst)] ^= 0x40;
}
#endif

void test_conv_amx_rejects_broken(void)
{
#if defined(__x86_64__)
    if (!cnb_impl_runnable(&cnb_conv_lowp_direct__amx, NULL)) return;
    cnb_impl broken = cnb_conv_lowp_direct__amx;
    broken.run = broken_run;
    /* a 3×3 layer (2×2 blocks) and a flat 1×1 one (alternating C-tile sets) */
    static const char *const layers[] = {"mb1ic20ih7iw9oc24kh3kw3ph1pw1", "mb1ic24ih7iw9oc40kh1kw1"};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++)
        for (size_t l = 0; l < sizeof layers / sizeof *layers; l++) {
            char text[CNB_DESC_MAX];
            snprintf(text, sizeof text, "conv --dt=%s %s", dts[t], layers[l]);
            const int st = cnb_test_conv_status(&broken, text, 7);
            CHECK(st < 0 || st == CNB_VAL_FAIL, "%s with a changed output passes '%s' (status %d)",
                  broken.name, text, st);
        }
#endif
}
