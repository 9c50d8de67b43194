/* Edge cases generated over the registry (every implementation of every op, from the X-macro
 * lists): channel and width tails around every block size, m/n/k around every register tile,
 * strides, paddings (asymmetric, negative, and beyond whole windows), dilation, groups, depthwise,
 * 1D, 3D, 3D given by d alone. Bit-exact. */
#include <string.h>

#include <stdlib.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/plan.h"
#include "tests/test.h"

int cnb_edges_pairs; /* validated (implementation, problem) pairs, for the summary */
int cnb_edges_peer_declined; /* pairs a peer library declined, with its reason */

static void run_all(cnb_op op, const char *desc, int *fails)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(desc, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "edge case '%s' does not parse: %s", desc, err);
        return;
    }
    for (int i = 0; cnb_impls[i]; i++) {
        const cnb_impl *m = cnb_impls[i];
        if (m->op != op || m->hidden || !cnb_impl_runnable(m, NULL)) continue;
        if (strstr(m->name, "/ref")) continue;
        /* Data types an implementation does not take are not edge cases it declines. */
        const int cfg = cnb_dt_config_of(&l.prob.dt);
        if (!((m->dt_mask ? m->dt_mask : CNB_DTM(CNB_DTC_F32)) & CNB_DTM(cfg))) continue;
        cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 3, .use_golden = 0};
        cnb_val_result r;
        cnb_validate(m, &l, &o, &r);
        if (r.status == CNB_VAL_SKIP) {
            /* Ours must take every edge case; a peer library may not have the problem (libxsmm's
             * JIT has only alpha 1, XNNPACK no 3D) and says so through supports(). */
            if (m->peer && r.why[0]) {
                cnb_edges_peer_declined++;
                continue;
            }
            /* The few-input-channel paths take first layers only (g = 1, ic ≤ B/2); their own
             * sweep is tests/test_conv_fewic.c. They must still pass every case they take. */
            if (strstr(m->name, "_fewic") && r.why[0]) continue;
            CHECK(0, "%s declines '%s': %s", m->name, desc, r.why);
            continue;
        }
        cnb_edges_pairs++;
        if (r.status != CNB_VAL_PASS && (*fails)++ < 20) {
            char d[CNB_DESC_MAX];
            cnb_layer_format(&l, d, sizeof d);
            CHECK(0, "%s: %s\n       repro: cnnbench check --impl %s '%s'", m->name, r.why, m->name, d);
        } else if (r.status != CNB_VAL_PASS) {
            cnb_test_failures++;
        }
    }
}

/* The f32 direct row path padded along W (kernels/conv/driver.c, "direct padw"): a planner
 * candidate on narrow maps with W padding, which the planner's own choice may not take. Every
 * candidate of each case is forced (cnb_plan_force) and those padded along W are validated. */
static int padw_case(const char *desc, int *fails)
{
    static const char *const impls[] = {"conv/avx512_direct", "conv/avx2_direct", "conv/neon_direct"};
    cnb_layer l;
    char err[256];
    int reached = 0;
    if (cnb_layer_parse(desc, CNB_KIND_CONV, 0, &l, err, sizeof err)) return 0;
    for (int i = 0; cnb_impls[i]; i++) {
        const cnb_impl *m = cnb_impls[i];
        int ours = 0;
        for (size_t j = 0; j < sizeof impls / sizeof *impls; j++) ours |= !strcmp(m->name, impls[j]);
        if (!ours || !m->kernel_name || !cnb_impl_runnable(m, NULL)) continue;
        reached += cnb_test_forced_candidates(m, &l, " padw", 3, &cnb_edges_pairs, fails);
    }
    return reached;
}

void test_edges_conv(void)
{
    static const int chans[] = {1, 3, 8, 15, 16, 17, 33};
    char d[CNB_DESC_MAX];
    int fails = 0;
    for (size_t a = 0; a < sizeof chans / sizeof *chans; a++)
        for (size_t b = 0; b < sizeof chans / sizeof *chans; b += 2) {
            snprintf(d, sizeof d, "conv mb1ic%dih5iw%doc%dkh3kw3ph1pw1", chans[a], 3 + (int)a * 3, chans[b]);
            run_all(CNB_OP_CONV, d, &fails);
        }
    for (int ow = 1; ow <= 33; ow += (ow < 17 ? 1 : 8)) {
        snprintf(d, sizeof d, "conv mb1ic5ih3iw%doc17oh3ow%dkh3kw3ph1pw1", ow, ow);
        run_all(CNB_OP_CONV, d, &fails);
    }
    for (int k = 1; k <= 5; k++)
        for (int s = 1; s <= 3; s++)
            for (int p = 0; p < k && p <= 2; p++) {
                snprintf(d, sizeof d, "conv mb2ic6ih11iw13oc10kh%dkw%dsh%dsw%dph%dpw%d", k, k, s, s, p, p);
                run_all(CNB_OP_CONV, d, &fails);
            }
    /* Depthwise 3-wide rows: every width up to 20 (tiles of every size, both borders in or out
     * of the padding), strides 1 and 2, padding 0 and 1; 24 channels = a full block and a tail
     * (AVX-512), 16 rows so that row blocks meet the clipped top and bottom rows. */
    for (int iw = 1; iw <= 21; iw++)
        for (int s = 1; s <= 2; s++)
            for (int p = 0; p <= 1; p++) {
                if (iw + 2 * p < 3) continue;
                snprintf(d, sizeof d, "conv g24mb1ic24ih16iw%doc24kh3kw3sh%dsw%dph%dpw%d", iw, s, s, p, p);
                run_all(CNB_OP_CONV, d, &fails);
            }
    /* Strided 1x1 (read in place at the strides or compacted, driver.c): every output width up to
     * 17 and a few beyond (row tiles cut at the output rows, every tail), strides 2 and 3. */
    for (int ow = 1; ow <= 33; ow += (ow < 17 ? 1 : 8))
        for (int s = 2; s <= 3; s++) {
            snprintf(d, sizeof d, "conv mb1ic19ih4iw%doc33oh2ow%dkh1kw1sh%dsw%dph0pw0", (ow - 1) * s + 1,
                     ow, s, s);
            run_all(CNB_OP_CONV, d, &fails);
        }
    static const char *const cases[] = {
        "conv g24mb2ic24ih8iw9oc24kh3kw3ph2pw2",       /* depthwise, padding 2: general path */
        "conv g24mb1ic24ih9iw12oc24kh3kw3dh1dw1ph2pw2", /* depthwise, dilated */
        "conv g16mb1ic16ih7iw11oc16kh5kw5sh3sw3ph2pw2", /* depthwise, 5 wide, stride 3 */
        "conv g40mb1ic40ih4iw50oc40kh3kw3ph1pw1",      /* depthwise, wide rows */
        "conv mb1ic16ih8oc16oh4kh3sh2ph0",            /* right padding larger than left */
        "conv mb1ic16ih9oc16oh4kh1sh2ph0",            /* negative right padding */
        "conv mb1ic24ih14iw15oc40oh7ow8kh3kw3sh2sw2ph1pw1",
        "conv mb1ic8ih12oc8kh3dh1ph2",                /* dilation */
        "conv mb1ic8ih12iw9oc24kh3kw2dh2dw1ph1pw0",
        "conv mb1ic4id5ih6iw7oc20kd3kh3kw3pd1ph1pw1", /* 3D */
        "conv mb1ic3id6ih8iw8oc17od3oh4ow4kd3kh3kw3sd2sh2sw2pd1ph1pw1",
        "conv mb1ic16id4ih4iw4oc16kd1kh1kw1",
        "conv g2mb1ic6ih7oc6kh3ph1",                  /* 3 channels per group */
        "conv g3mb1ic9ih7oc12kh3ph1",
        "conv g4mb1ic64ih6oc32kh3ph1",                /* 16 in, 8 out per group */
        "conv g2mb1ic96ih9oc256kh5ph2",               /* AlexNet conv2 */
        "conv g32mb1ic512ih6oc512kh3ph1",             /* ResNeXt */
        "conv g32mb1ic32ih9oc32kh3ph1",               /* depthwise */
        "conv g17mb1ic17ih9oc17kh3sh2ph1",            /* depthwise, channel tail */
        "conv g24mb1ic24ih10oc48kh3ph1",              /* channel multiplier 2 */
        "conv g8mb1ic8id4ih5iw5oc8kd3kh3kw3pd1ph1pw1", /* depthwise 3D */
        "conv mb3ic5ih7oc7kh3ph1",                    /* batch */
        /* benchdnn shapes beyond 2D/3D-in-full (harness/shapes/README.md): */
        "conv mb1ic16oc16iw20kw3",                     /* 1D: only w */
        "conv mb2ic5oc17iw33kw5sw2pw2dw1",             /* 1D, strided, dilated */
        "conv g16mb1ic16oc16iw19kw3pw1",               /* 1D depthwise */
        "conv mb1ic8oc8id4kd3pd1",                     /* 3D from d alone: a 4x4x4 cube */
        "conv mb1ic3oc17id7kd3sd2",                    /* the same, strided */
        /* Windows entirely in padding (outputs 0 by construction): */
        "conv ic16oc16_iw1kw3ow100pw100",              /* WaveNet-style 1D, mb2 */
        "conv mb1ic16oc16ih4kh1ph1",                   /* 1x1 kernel, padding 1 */
        "conv mb1ic17oc24id2kd1pd1",                   /* 1x1x1 kernel, padding 1 */
        "conv mb1ic8ih8oc8oh20kh3",                    /* padding from an output too large */
        "conv mb1ic19ih5iw6oc33oh9ow11kh2kw3sh1sw2ph4pw6", /* padding beyond the window, strided */
        "conv g24mb1ic24ih4iw21oc24oh8ow25kh3kw3ph3pw3", /* depthwise, rows and columns in padding */
        "conv g1mb2ic17id1ih21iw37oc17od1oh7ow20kd2kh1kw7sd1sh3sw2pd1ph0pw4dd1dh2dw0", /* dilation */
        "conv mb1ic8ih9oc8oh9kh2dh6ph4",               /* dilation: rows whose taps skip the input */
        "conv mb1ic8oc24iw5ow12kw3dw1pw2",             /* dilated windows past the right border */
        "conv g8mb1ic8oc8iw5ow12kw3dw1pw2",             /* the same, depthwise */
        "conv mb1ic19ih4iw6oc17oh9ow9kh2kw3dh2dw1ph1pw2", /* dilated, past bottom and right */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_all(CNB_OP_CONV, cases[i], &fails);

    /* the row path padded along W on the narrow cases with W padding, and on a few more */
    static const char *const padw[] = {
        "conv mb1ic5ih3iw7oc17oh3ow7kh3kw3ph1pw1",
        "conv mb1ic17ih7iw7oc40kh5kw5ph2pw2",           /* kernel wider than half the map */
        "conv mb1ic16ih7iw1oc16kh3kw3ph1pw1",           /* one pixel per row */
        "conv mb1ic3ih4iw3oc20oh4ow9kh3kw3ph1pw3",      /* outputs wholly in the padding */
        "conv mb1ic33ih5iw6oc64kh1kw3ph0pw1",           /* 1 row of taps */
    };
    int reached = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) reached += padw_case(cases[i], &fails);
    for (size_t i = 0; i < sizeof padw / sizeof *padw; i++) {
        const int n = padw_case(padw[i], &fails);
        CHECK(n > 0 || strstr(padw[i], "iw1o"), "no direct padw candidate for '%s'", padw[i]);
        reached += n;
    }
    CHECK(reached > 0, "no case reached the direct path padded along W");
}

void test_edges_gemm(void)
{
    char d[CNB_DESC_MAX];
    int fails = 0;
    for (int m = 1; m <= 33; m++) {
        snprintf(d, sizeof d, "gemm m%dn37k19", m);
        run_all(CNB_OP_GEMM, d, &fails);
    }
    for (int n = 1; n <= 129; n += (n < 66 ? 1 : 9)) {
        snprintf(d, sizeof d, "gemm m7n%dk11", n);
        run_all(CNB_OP_GEMM, d, &fails);
    }
    static const int ks[] = {1, 2, 7, 8, 9, 31, 33, 127, 128, 129, 255, 256, 257, 383, 384, 385, 511, 512, 513, 1025};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        snprintf(d, sizeof d, "gemm m13n35k%d", ks[i]);
        run_all(CNB_OP_GEMM, d, &fails);
    }
    static const char *const ab[] = {"alpha1beta0", "alpha2beta1", "alpha-1beta-2"};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int x = 0; x < 3; x++) {
                snprintf(d, sizeof d, "gemm m37n41k29ta%dtb%d%s", ta, tb, ab[x]);
                run_all(CNB_OP_GEMM, d, &fails);
                snprintf(d, sizeof d, "gemm m19n23k300ta%dtb%dlda%dldb%dldc29%s", ta, tb, ta ? 21 : 303,
                         tb ? 301 : 27, ab[x]);
                run_all(CNB_OP_GEMM, d, &fails);
            }
    run_all(CNB_OP_GEMM, "gemm m300n300k300", &fails);
    run_all(CNB_OP_GEMM, "gemm m1n1000k2048tb1", &fails);   /* a batch-1 fully connected layer */
    run_all(CNB_OP_GEMM, "gemm m1n1k1", &fails);
}

/* bf16 and int8 GEMM: m around the 4-, 6-, 14- and 32-row tiles, n around 16 and 32 columns, k
 * around the pairs, quads, NEON's 8- and 16-element A vectors and the AMX K steps (32 bf16,
 * 64 u8), B either way, gaps between rows of C;
 * every triple the kernels take, each output rounding included (bf16 RNE, int8 requantization
 * with saturation: the data cover the whole u8/s8 range). */
void test_edges_gemm_lowp(void)
{
    static const char *const dts[] = {"bf16:bf16:f32", "bf16", "u8:s8:s32", "u8:s8:u8", "u8:s8:s8",
                                      "s8:s8:s32", "s8:s8:u8", "s8:s8:s8"};
    /* Every residue of K mod 16 (the NEON kernels read A 16 bytes at a time) and mod 64. */
    static const int ks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                             31, 32, 33, 63, 64, 65, 127, 128, 129, 300};
    char d[CNB_DESC_MAX];
    int fails = 0;
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        for (int m = 1; m <= 33; m++) {
            snprintf(d, sizeof d, "gemm --dt=%s m%dn37k19", dts[t], m);
            run_all(CNB_OP_GEMM, d, &fails);
        }
        for (int n = 1; n <= 66; n += (n < 34 ? 1 : 5)) {
            /* A u8 output of a few columns is all 0 or all 255 (A ≥ 0: a column's sign follows
             * the sum of its weights), which the validator rightly mistrusts; its column tails
             * are the s8 output's masks, tested here, with only the saturation differing. */
            if (!strcmp(dts[t], "u8:s8:u8") && n < 16) continue;
            snprintf(d, sizeof d, "gemm --dt=%s m7n%dk11", dts[t], n);
            run_all(CNB_OP_GEMM, d, &fails);
        }
        for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
            snprintf(d, sizeof d, "gemm --dt=%s m13n35k%d", dts[t], ks[i]);
            run_all(CNB_OP_GEMM, d, &fails);
        }
        for (int tb = 0; tb < 2; tb++) {
            snprintf(d, sizeof d, "gemm --dt=%s m37n41k29tb%d", dts[t], tb);
            run_all(CNB_OP_GEMM, d, &fails);
            snprintf(d, sizeof d, "gemm --dt=%s m19n23k300tb%dlda303ldb%dldc29", dts[t], tb, tb ? 301 : 27);
            run_all(CNB_OP_GEMM, d, &fails);
        }
        snprintf(d, sizeof d, "gemm --dt=%s m100n130k1000", dts[t]);
        run_all(CNB_OP_GEMM, d, &fails);
        snprintf(d, sizeof d, "fc --dt=%s mb1ic2048oc1000", dts[t]);
        run_all(CNB_OP_GEMM, d, &fails);
        /* Tiles of few rows split K over up to 6 partial sums (lowp_tile_avx512.h): every count
         * of K groups (of 2 bf16 or 4 int8) from 1 to 13, so every remainder mod 2..6 and the
         * counts below one round, for 1..4 rows. The split is the same code whatever the output
         * type: one bf16 and one int8 type suffice. */
        if (strcmp(dts[t], "bf16:bf16:f32") && strcmp(dts[t], "u8:s8:s32")) continue;
        for (int m = 1; m <= 4; m++)
            for (int k = 1; k <= 52; k += (k < 26 ? 1 : 4)) {
                snprintf(d, sizeof d, "gemm --dt=%s m%dn37k%d", dts[t], m, k);
                run_all(CNB_OP_GEMM, d, &fails);
            }
    }
}

void test_edges_pool(void)
{
    static const int chans[] = {1, 3, 8, 15, 16, 17, 33};
    static const char *const algs[] = {"max", "avg_p", "avg_np"};
    char d[CNB_DESC_MAX];
    int fails = 0;
    for (int a = 0; a < 3; a++) {
        for (size_t c = 0; c < sizeof chans / sizeof *chans; c++) {
            snprintf(d, sizeof d, "pool:%s mb1ic%dih9iw%dkh3kw3sh2sw2ph1pw1", algs[a], chans[c], 5 + (int)c);
            run_all(CNB_OP_POOL, d, &fails);
        }
        for (int k = 1; k <= 4; k++)
            for (int s = 1; s <= 3; s++)
                for (int p = 0; p < k && p <= 2; p++) {
                    snprintf(d, sizeof d, "pool:%s mb2ic19ih10iw11kh%dkw%dsh%dsw%dph%dpw%d", algs[a], k, k, s, s, p, p);
                    run_all(CNB_OP_POOL, d, &fails);
                }
        static const char *const cases[] = {
            "mb1ic64ih112oh56kh3sh2",                  /* ResNet max_pool1: right padding 1 */
            "mb1ic16ih9oh4kh1sh2ph0",                  /* negative right padding */
            "mb1ic24ih14oh7kh3sh2ph1",
            "mb1ic8ih12oh10kh2dh1",                    /* dilation */
            "mb1ic17id5ih6iw7od2oh3ow3kd2kh2kw3sd2sh2sw2",  /* 3D */
            "mb1ic16id4ih7iw7od1oh1ow1kd4kh7kw7",      /* global 3D average */
            "mb1ic33id3ih5iw5kd3kh3kw3pd1ph1pw1",
            "mb1ic20ih17oh17kh3ph1",
            "mb1ic20ih7oh1kh7",
            "mb1ic17iw20kw3sw2pw1",                    /* 1D: only w */
            "mb2ic16id6kd2sd2",                        /* 3D from d alone */
            "mb1ic19id5kd3pd1dd1",                     /* 3D from d alone, dilated */
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            snprintf(d, sizeof d, "pool:%s %s", algs[a], cases[i]);
            run_all(CNB_OP_POOL, d, &fails);
        }
        /* Windows entirely in padding: max gives -FLT_MAX there and avg_p 0; avg_np has no value
         * (the parser refuses it, see test_desc). */
        static const char *const empty[] = {
            "mb2ic16iw1kw3ow10pw5",                    /* 1D */
            "mb1ic19id3kd1pd2",                        /* 1x1x1 window, padding 2 */
            "mb1ic33ih5iw6oh9ow11kh2kw3sh1sw2ph4pw6",
            "mb2ic7id1ih9iw9od1oh4ow4kd2kh3kw3sd1sh2sw2pd1ph1pw1dd1", /* through dilation */
            "mb1ic19iw5ow12kw3dw1pw2",                 /* dilated windows past the right border */
        };
        for (size_t i = 0; a < 2 && i < sizeof empty / sizeof *empty; i++) {
            snprintf(d, sizeof d, "pool:%s %s", algs[a], empty[i]);
            run_all(CNB_OP_POOL, d, &fails);
        }
    }
}
