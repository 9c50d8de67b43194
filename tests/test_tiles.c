/* Edge tests generated from the kernels' own tile data: the sizes come from each ISA's blocking
 * table (conv ur_max by nb and dw_ur_max, GEMM mr/nr/mc/kc/nc and dot_max_m, pooling's pixel
 * groups), never picked by hand, so that every tile, tail and group boundary of every path is
 * reached: for a tile dimension t, the sizes t−1, t, t+1, 2t−1, 2t+1. Bit-exact against the
 * reference, each case run on the one implementation the table belongs to. Also walks every
 * (nb, ur) a conv table allows through the ISA's micro-kernel: the table and the switches come
 * from one tile list (kernels/conv/tiles.h), and a case the generation lost fails here rather
 * than silently writing nothing. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/conv/driver.h"
#include "kernels/gemm/driver.h"
#include "kernels/plan.h"
#include "kernels/pool/driver.h"
#include "tests/test.h"

#define CNB_IMPL(sym) extern const cnb_impl sym;
#include "kernels/conv/list.inc"
#include "kernels/gemm/list.inc"
#include "kernels/pool/list.inc"
#undef CNB_IMPL

/* The tables next to the implementations they drive (each ISA file holds one of each). */
static const struct { const cnb_impl *impl; const cnb_conv_direct_isa *t; } conv_tables[] = {
#if defined(__x86_64__)
    {&cnb_conv_f32_direct__avx512, &cnb_conv_direct_table__avx512},
    {&cnb_conv_f32_direct__avx2, &cnb_conv_direct_table__avx2},
#endif
#if defined(__aarch64__)
    {&cnb_conv_f32_direct__neon, &cnb_conv_direct_table__neon},
#endif
};
static const struct { const cnb_impl *impl; const cnb_gemm_arch *t; } gemm_tables[] = {
#if defined(__x86_64__)
    {&cnb_gemm_f32_14x32__avx512, &cnb_gemm_arch_14x32__avx512},
    {&cnb_gemm_f32_6x16__avx2, &cnb_gemm_arch_6x16__avx2},
#endif
#if defined(__aarch64__)
    {&cnb_gemm_f32_8x12__neon, &cnb_gemm_arch_8x12__neon},
#endif
};
static const struct { const cnb_impl *impl; const cnb_pool_blocked_kernels *t; } pool_tables[] = {
#if defined(__x86_64__)
    {&cnb_pool_f32_window__avx512, &cnb_pool_kernels__avx512},
    {&cnb_pool_f32_window__avx2, &cnb_pool_kernels__avx2},
#endif
#if defined(__aarch64__)
    {&cnb_pool_f32_window__neon, &cnb_pool_kernels__neon},
#endif
};
#define COUNT(a) ((int)(sizeof a / sizeof *a))

/* Validates one descriptor on one implementation (bit-exact); at most 10 failures printed per
 * table, each with its rerun line. */
static void check(const cnb_impl *m, const char *desc, int *fails)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(desc, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "tile case '%s' does not parse: %s", desc, err);
        return;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
    cnb_val_result r;
    cnb_validate(m, &l, &o, &r);
    if (r.status == CNB_VAL_SKIP) {
        CHECK(0, "%s declines '%s': %s", m->name, desc, r.why);
    } else if (r.status != CNB_VAL_PASS) {
        if ((*fails)++ < 10) {
            char d[CNB_DESC_MAX];
            cnb_layer_format(&l, d, sizeof d);
            CHECK(0, "%s: %s\n       repro: cnnbench check --impl %s '%s'", m->name, r.why, m->name, d);
        } else {
            cnb_test_failures++;
        }
    }
}

/* Every (nb, ur) of the row table, and every ur of the depthwise kernels, through the ISA's
 * switch: with no taps the contract says dst gets zeros, so a missing case (dst left as NaN)
 * fails, and one the switch aborts on stops the run loudly. */
void test_tiles_conv_switch(void)
{
    for (int e = 0; e < COUNT(conv_tables); e++) {
        const cnb_conv_direct_isa *t = conv_tables[e].t;
        if (!cnb_impl_runnable(conv_tables[e].impl, NULL)) continue;
        const int B = t->block, ur_cap = 64;
        static float src[64], dst[CNB_CONV_NB_MAX * 64 * 16] __attribute__((aligned(64)));
        static float wei[3 * 16] __attribute__((aligned(64)));
        for (int nb = 1; nb <= t->nb_max; nb++)
            for (int ur = 1; ur <= t->ur_max[nb] && ur <= ur_cap; ur++) {
                for (int i = 0; i < nb * ur * B; i++) dst[i] = NAN;
                cnb_conv_row_args a = {.src = src, .wei = wei, .dst = dst, .n_icb = 1, .lane_lo = 0,
                                       .lane_hi = B, .src_ow = B, .dst_ob = (ptrdiff_t)ur * B};
                t->row(&a, nb, ur);
                int bad = 0;
                for (int i = 0; i < nb * ur * B; i++) bad += dst[i] != 0.0f;
                CHECK(!bad, "conv/%s: row kernel nb %d ur %d (table ur_max %d) left %d outputs unwritten",
                      t->name, nb, ur, t->ur_max[nb], bad);
            }
        for (int ur = 1; ur <= t->dw_ur_max && ur <= ur_cap; ur++) {
            for (int i = 0; i < ur * B; i++) dst[i] = NAN;
            cnb_conv_dw_args a = {.src = src, .wei = wei, .dst = dst, .src_ow = B};
            t->dw(&a, ur);
            int bad = 0;
            for (int i = 0; i < ur * B; i++) bad += dst[i] != 0.0f;
            CHECK(!bad, "conv/%s: depthwise kernel ur %d (table dw_ur_max %d) left %d outputs unwritten",
                  t->name, ur, t->dw_ur_max, bad);
            for (int sw = 1; t->dw3 && sw <= 2; sw++) {
                for (int i = 0; i < ur * B; i++) dst[i] = NAN;
                cnb_conv_dw3_args a3 = {.src = src, .wei = wei, .dst = dst, .nrows = 1,
                                        .src_lanes = (1u << B) - 1, .dst_oh = (ptrdiff_t)ur * B};
                t->dw3(&a3, sw, ur);
                bad = 0;
                for (int i = 0; i < ur * B; i++) bad += dst[i] != 0.0f;
                CHECK(!bad, "conv/%s: depthwise 3-tap kernel sw %d ur %d (table dw_ur_max %d) left %d "
                      "outputs unwritten", t->name, sw, ur, t->dw_ur_max, bad);
            }
        }
    }
}

static void conv_1x1_cases(void);
static void conv_1x1_split_cases(const cnb_impl *m, const cnb_conv_direct_isa *t, int *fails);

/* Convolution: output widths around every ur_max[nb] with exactly nb output-channel blocks (and
 * a channel tail), 3×3 padded and 1×1, stride 1 and 2, input channels with a lane tail;
 * depthwise widths around dw_ur_max on the general and the 3-tap paths, both borders. */
void test_tiles_conv(void)
{
    char d[CNB_DESC_MAX];
    int ow[5];
    for (int e = 0; e < COUNT(conv_tables); e++) {
        const cnb_impl *m = conv_tables[e].impl;
        const cnb_conv_direct_isa *t = conv_tables[e].t;
        if (!cnb_impl_runnable(m, NULL)) continue;
        const int B = t->block;
        int fails = 0;
        for (int nb = 1; nb <= t->nb_max; nb++) {
            const int n = cnb_test_around(t->ur_max[nb], ow);
            for (int i = 0; i < n; i++)
                for (int s = 1; s <= 2; s++) {
                    const int iw3 = (ow[i] - 1) * s + 1; /* 3 wide, padding 1 both sides */
                    snprintf(d, sizeof d, "conv mb1ic%dih3iw%doc%doh%dow%dkh3kw3sh%dsw%dph1pw1", B + 3,
                             iw3, nb * B, (3 - 1) / s + 1, ow[i], s, s);
                    check(m, d, &fails);
                    snprintf(d, sizeof d, "conv mb1ic%dih2iw%doc%doh2ow%dkh1kw1sh1sw%d", B - 1,
                             (ow[i] - 1) * s + 1, nb * B - 1, ow[i], s);
                    check(m, d, &fails);
                }
        }
        const int n = cnb_test_around(t->dw_ur_max, ow);
        for (int i = 0; i < n; i++) {
            const int c = B + B / 2;
            for (int s = 1; s <= 2; s++)
                for (int p = 0; p <= 1; p++) {
                    snprintf(d, sizeof d, "conv g%dmb1ic%dih5iw%doc%dow%dkh3kw3sh%dsw%dph%dpw%d", c, c,
                             (ow[i] - 1) * s + 3 - 2 * p, c, ow[i], s, s, p, p);
                    check(m, d, &fails);
                }
            snprintf(d, sizeof d, "conv g%dmb1ic%dih5iw%doc%dow%dkh5kw5ph2pw2", c, c, ow[i], c, ow[i]);
            check(m, d, &fails);
        }
        /* The general group path with runs of output blocks of different lengths (2 whole blocks,
         * a block shared by two groups, ...): 2.5 blocks per group leave tails of 1 and 2, so the
         * driver falls back to one block per call. Batch 2: the blocks of image 1 follow those of
         * image 0, so a call that wrote past its last block would show in the outputs. */
        for (int g = 3; g <= 5; g += 2) {
            snprintf(d, sizeof d, "conv g%dmb2ic%dih6oc%dkh3ph1", g, g * B, g * (5 * B / 2));
            check(m, d, &fails);
        }
    }
    conv_1x1_cases();
}

/* The 1x1 path (a GEMM of the flattened output pixels × output channels): pixel counts around
 * every ur_max[nb] and its double with exactly nb output-channel blocks less one lane; every
 * tail tile of output-channel blocks (1 .. 2·nb_max + 1 blocks, each less one lane); input
 * channels around the chunk of every nb (cnb_conv_1x1_chunk_blocks) and its double, with pixel
 * counts past a pixel block; stride 2 and stride 1 with unread input pixels (both compacted),
 * 3D, batch 2. */
static void conv_1x1_cases(void)
{
    char d[CNB_DESC_MAX];
    int v[5];
    for (int e = 0; e < COUNT(conv_tables); e++) {
        const cnb_impl *m = conv_tables[e].impl;
        const cnb_conv_direct_isa *t = conv_tables[e].t;
        if (!cnb_impl_runnable(m, NULL)) continue;
        const int B = t->block;
        int fails = 0;
        for (int nb = 1; nb <= t->nb_max; nb++) {
            const int n = cnb_test_around(t->ur_max[nb], v);
            for (int i = 0; i < n; i++) {
                snprintf(d, sizeof d, "conv mb1ic%dih1iw%doc%dkh1kw1", B + 3, v[i], nb * B - 1);
                check(m, d, &fails);
                snprintf(d, sizeof d, "conv mb2ic%dih3iw%doc%doh2ow%dkh1kw1sh2sw2", B - 1, 2 * v[i] - 1,
                         nb * B, v[i]);
                check(m, d, &fails);
                snprintf(d, sizeof d, "conv mb1ic%dih2iw%doc%doh1ow%dkh1kw1", 2 * B + 1, v[i] + 1,
                         nb * B + 1, v[i]);
                check(m, d, &fails);
            }
        }
        for (int blocks = 1; blocks <= 2 * t->nb_max + 1; blocks++) {
            snprintf(d, sizeof d, "conv mb1ic%dih3iw%doc%dkh1kw1", B / 2 + 1, 2 * t->ur_max[1] + 1,
                     blocks * B - 1);
            check(m, d, &fails);
        }
        for (int nb = 1; nb <= t->nb_max; nb++) {
            const int kc = cnb_conv_1x1_chunk_blocks(t, nb) * B;
            const int ics[] = {kc - 1, kc, kc + 1, 2 * kc + 1};
            for (int i = 0; i < 4; i++) {
                snprintf(d, sizeof d, "conv mb1ic%dih5iw7oc%dkh1kw1", ics[i], nb * B);
                check(m, d, &fails);
            }
            /* enough pixels for more than one pixel block of the chunk */
            const int px = 2 * cnb_conv_1x1_block_pixels(t, kc / B) + 3;
            snprintf(d, sizeof d, "conv mb1ic%dih1iw%doc%dkh1kw1", kc + 1, px, nb * B + 1);
            check(m, d, &fails);
        }
        snprintf(d, sizeof d, "conv mb2_ic%did5ih7iw9_oc%d_kd1kh1kw1_sd2sh2sw2", B + 1, 2 * B + 3);
        check(m, d, &fails);
        snprintf(d, sizeof d, "conv mb1_ic%did3ih4iw5_oc%d_kd1kh1kw1", 3 * B, B + 1);
        check(m, d, &fails);
        conv_1x1_split_cases(m, t, &fails);
    }
}

/* Whether prepare chose the 1x1 path's oc split for descriptor d at the current thread count. */
static int plans_oc_split(const cnb_conv_direct_isa *t, const char *d)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(d, CNB_KIND_CONV, 0, &l, err, sizeof err)) return 0;
    float *wei = calloc((size_t)cnb_conv_wei_elems(&l.prob.conv), sizeof(float));
    cnb_plan_force(0); /* the model's rule (the planner's candidates: tests/test_conv_plan.c) */
    void *st = wei ? cnb_conv_direct_prepare(t, &l.prob, wei) : NULL;
    cnb_plan_force(-1);
    const int r = st && strstr(cnb_conv_direct_kernel_name(st), " oc-split") != NULL;
    cnb_conv_direct_release(st);
    free(wei);
    return r;
}

/* A broken oc split: the second thread's row kernel calls write nothing. On 3 oc tiles over 2
 * threads the share boundary falls inside a tile (run_1x1), so the second thread has tiles of its
 * own and the case must fail: the split cases can see a thread's lost tiles. */
static const cnb_conv_direct_isa *lost_base;
static cnb_conv_direct_isa lost_table;
static void row_second_thread_lost(const cnb_conv_row_args *a, int nb, int ur)
{
    if (omp_get_thread_num() == 1) return;
    lost_base->row(a, nb, ur);
}
static void *lost_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&lost_table, p, wei);
}

static void check_lost_thread(const cnb_impl *m, const cnb_conv_direct_isa *t, const char *d)
{
    lost_base = t;
    lost_table = *t;
    lost_table.row = row_second_thread_lost;
    cnb_impl rec = *m;
    rec.name = "conv direct with the second thread's calls lost (test_tiles.c)";
    rec.prepare = lost_prepare;
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(d, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "'%s' does not parse: %s", d, err);
        return;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
    cnb_val_result r;
    cnb_plan_force(0);
    cnb_validate(&rec, &l, &o, &r);
    cnb_plan_force(-1);
    CHECK(r.status == CNB_VAL_FAIL, "%s passed '%s' on conv/%s: the split cases miss a lost share",
          rec.name, d, t->name);
}

/* The 1x1 path's oc split (a small map whose oc tiles, or images, the threads share out by
 * weight), at 2 threads whatever the machine: oc tiles of every nb, with a tail tile of every
 * smaller block count and a lane tail, 3 tiles (the share ends inside a tile); pixel counts around ur_max[nb] (one
 * and several pixel tiles, a pixel tail); input channels around the chunk (a chunk tail);
 * strided (compacted); batch 2 with two blocks (the images split). A thread that wrote another's
 * tiles, or skipped its own, shows in the outputs; the split must be taken at least once. */
static void conv_1x1_split_cases(const cnb_impl *m, const cnb_conv_direct_isa *t, int *fails)
{
    char d[CNB_DESC_MAX];
    int v[5];
    const int B = t->block, saved = omp_get_max_threads();
    int split = 0, lost = 0;
    omp_set_num_threads(2);
    for (int nb = 1; nb <= t->nb_max; nb++) {
        const int kc = cnb_conv_1x1_chunk_blocks(t, nb) * B;
        for (int tail = 0; tail < nb; tail++) {
            /* 4 tiles: of nb, or 3 of nb and a tail tile of `tail` blocks; more output channels
             * than pixels, so that the weights outweigh the src (plan_1x1) */
            const int oc = ((tail ? 3 : 4) * nb + tail) * B - 1;
            const int n = cnb_test_around(t->ur_max[nb], v);
            for (int i = 0; i < n; i++) {
                snprintf(d, sizeof d, "conv mb1ic%dih1iw%doc%dkh1kw1", B + 3, v[i], oc);
                check(m, d, fails);
                split += plans_oc_split(t, d);
            }
            snprintf(d, sizeof d, "conv mb1ic%dih5iw5oc%dkh1kw1", kc + 1, oc);
            check(m, d, fails);
            split += plans_oc_split(t, d);
            snprintf(d, sizeof d, "conv mb1ic%dih9iw9oc%doh5ow5kh1kw1sh2sw2", 2 * kc - 1, oc);
            check(m, d, fails);
            split += plans_oc_split(t, d);
        }
        /* 3 tiles over 2 threads: the share boundary inside the middle tile, at a pixel tile */
        snprintf(d, sizeof d, "conv mb1ic%dih3iw%doc%dkh1kw1", B + 3, t->ur_max[nb] + 2, 3 * nb * B);
        check(m, d, fails);
        if (plans_oc_split(t, d)) {
            split++;
            if (nb == t->nb_max) check_lost_thread(m, t, d), lost++;
        }
    }
    snprintf(d, sizeof d, "conv mb2ic%dih3iw5oc%dkh1kw1", B + 1, 2 * B - 1);
    check(m, d, fails);
    split += plans_oc_split(t, d);
    omp_set_num_threads(saved);
    CHECK(split > 0, "conv/%s: no case took the 1x1 oc split at 2 threads", t->name);
    CHECK(lost > 0, "conv/%s: the 3-tile case did not take the oc split: the lost-share check "
                    "did not run", t->name);
}

/* The tile and the blocks a GEMM edge sweep is sized from. */
typedef struct { int mr, nr, kc, nc, dot_max_m; } gemm_sizes;

/* The cache model's rules (kernels/gemm/driver.c) on a few cache sizes: nc is a multiple of the
 * tile's NR, the A micro-panel fits in half of L1 and the B panel in half of L2, kc ≤ nc where L2
 * is known, larger caches never give smaller blocks, and an unknown cache gives the table's
 * fallback. */
static void check_gemm_model(const char *name, const cnb_gemm_arch *t)
{
    static const long long caches[][3] = {
        {32 << 10, 1 << 20, 32 << 20}, {48 << 10, 2 << 20, 16 << 20}, {64 << 10, 4 << 20, 0},
        {0, 0, 0}, {128 << 10, 0, 64 << 20}};
    cnb_gemm_blocks prev = {0, 0};
    for (int c = 0; c < COUNT(caches); c++) {
        const long long l1 = caches[c][0], l2 = caches[c][1], l3 = caches[c][2];
        const cnb_gemm_blocks b = cnb_gemm_blocking_for(t, l1, l2, l3, 2);
        CHECK(b.nc > 0 && b.nc % t->nr == 0 && b.kc > 0,
              "%s: blocks kc %d nc %d break the tile %dx%d", name, b.kc, b.nc, t->mr, t->nr);
        CHECK(l1 == 0 || (long long)t->mr * b.kc * 4 <= l1 / 2, "%s: kc %d: the A micro-panel "
              "overflows half of L1 %lld", name, b.kc, l1);
        CHECK(l2 == 0 || (long long)b.nc * b.kc * 4 <= l2 / 2, "%s: kc %d nc %d: the B panel "
              "overflows half of L2 %lld", name, b.kc, b.nc, l2);
        CHECK(l2 == 0 || b.kc <= b.nc + t->nr, "%s: kc %d deeper than nc %d is wide", name, b.kc, b.nc);
        CHECK(l1 != 0 || l2 != 0 || b.kc == t->kc, "%s: unknown caches give kc %d, not the table's %d",
              name, b.kc, t->kc);
        CHECK(l2 != 0 || l3 != 0 || b.nc == t->nc, "%s: unknown L2 and L3 give nc %d, not the table's %d",
              name, b.nc, t->nc);
        if (c < 2) /* the first three lines grow */
            CHECK(prev.kc <= b.kc || c == 0, "%s: larger caches give a smaller kc", name);
        prev = b;
    }
}

/* GEMM: m around mr, n around nr and nc, k around kc (alpha > 0 and alpha < 0, whose
 * k blocks are summed unscaled), edge tiles with beta; the skinny-transposed path for every
 * m up to dot_max_m + 1 with n and k around the vector width nr/2. The cache blocks are the ones
 * prepare computes for this machine (cnb_gemm_blocking), not the table's fallbacks. The sizes
 * around nc are kept below the driver's threading threshold (a few MACs) so that one
 * thread walks every block and reaches its tail. */
void test_tiles_gemm(void)
{
    char d[CNB_DESC_MAX];
    int v[5];
    for (int e = 0; e < COUNT(gemm_tables); e++) {
        const cnb_impl *m = gemm_tables[e].impl;
        const cnb_gemm_arch *table = gemm_tables[e].t;
        if (!cnb_impl_runnable(m, NULL)) continue;
        check_gemm_model(m->name, table);
        const cnb_gemm_blocks b = cnb_gemm_blocking(table);
        const gemm_sizes sizes = {table->mr, table->nr, b.kc, b.nc, table->dot_max_m};
        const gemm_sizes *t = &sizes;
        int fails = 0;
        const int vec = t->nr / 2;
        int n = cnb_test_around(t->mr, v);
        for (int i = 0; i < n; i++)
            for (int x = 0; x < 2; x++) {
                snprintf(d, sizeof d, "gemm m%dn%dk7%s", v[i], t->nr + 3, x ? "alpha2beta1" : "");
                check(m, d, &fails);
            }
        for (int mm = 3 * t->mr - 1; mm <= 3 * t->mr + 1; mm++) { /* a few A micro-panels */
            snprintf(d, sizeof d, "gemm m%dn%dk3", mm, t->nr - 1);
            check(m, d, &fails);
        }
        /* Enough rows that row-major B is packed in a pass of its own rather than by the first
         * row of tiles (driver.c, GEMM_FUSE_PACK_SHARE), still on one thread. */
        snprintf(d, sizeof d, "gemm m%dn%dk5", 1025, t->nr + 3);
        check(m, d, &fails);
        n = cnb_test_around(t->nr, v);
        for (int i = 0; i < n; i++)
            for (int x = 0; x < 2; x++) {
                snprintf(d, sizeof d, "gemm m%dn%dk5%s", t->mr + 1, v[i], x ? "alpha2beta1" : "");
                check(m, d, &fails);
            }
        for (int nn = t->nc - 1; nn <= t->nc + 1; nn++) {
            snprintf(d, sizeof d, "gemm m%dn%dk3", t->mr - 1, nn);
            check(m, d, &fails);
        }
        n = cnb_test_around(t->kc, v);
        for (int i = 0; i < n; i++) {
            snprintf(d, sizeof d, "gemm m%dn%dk%d", t->mr + 1, t->nr + 1, v[i]);
            check(m, d, &fails);
            snprintf(d, sizeof d, "gemm m%dn%dk%dalpha-1beta2", t->mr - 1, t->nr - 1, v[i]);
            check(m, d, &fails);
        }
        /* Fully-connected shapes: up to the planned range's end and one past it, each on both
         * of the planner's candidates (the rule's path, then the other). */
        n = cnb_test_around(vec, v);
        for (int cand = 0; cand < 2; cand++) {
            cnb_plan_force(cand);
            for (int mm = 1; mm <= CNB_GEMM_PLAN_DOT_M_FACTOR * t->dot_max_m + 1; mm++)
                for (int i = 0; i < n; i++)
                    for (int x = 0; x < 2; x++) {
                        snprintf(d, sizeof d, "gemm m%dn%dk%dtb1%s", mm, v[i] + 2, v[i], x ? "alpha2beta1" : "");
                        check(m, d, &fails);
                    }
        }
        cnb_plan_force(-1);
    }
}

/* Pooling: output widths around the pixel group px, its half and the column group px_c, on every
 * path (3 wide stride 1 and 2, 2 wide stride 2, a 5-wide and a dilated window), every
 * algorithm, channels with a block tail. */
void test_tiles_pool(void)
{
    static const char *const algs[] = {"max", "avg_p", "avg_np"};
    /* The (window, stride) pairs the column kernels take (3/1, 3/2, 2/2), each one step off in
     * window or stride (2/1, 3/3, 2/3, 4/2: the general path, which must not be mistaken for a
     * column kernel), a wide window and a dilated one. */
    static const struct { int k, s, p, dil; } win[] = {
        {3, 1, 1, 0}, {3, 2, 1, 0}, {2, 2, 0, 0}, {2, 1, 0, 0}, {3, 3, 1, 0},
        {2, 3, 0, 0}, {4, 2, 1, 0}, {5, 1, 2, 0}, {3, 1, 1, 1}};
    char d[CNB_DESC_MAX];
    for (int e = 0; e < COUNT(pool_tables); e++) {
        const cnb_impl *m = pool_tables[e].impl;
        const cnb_pool_blocked_kernels *t = pool_tables[e].t;
        if (!cnb_impl_runnable(m, NULL)) continue;
        int fails = 0, ow[15], n = 0, tmp[5];
        const int dims[] = {t->px, t->px / 2, t->px_c};
        for (int k = 0; k < 3; k++) {
            const int c = cnb_test_around(dims[k], tmp);
            for (int i = 0; i < c; i++) {
                int dup = 0;
                for (int j = 0; j < n; j++) dup |= ow[j] == tmp[i];
                if (!dup) ow[n++] = tmp[i];
            }
        }
        for (int a = 0; a < 3; a++)
            for (int w = 0; w < COUNT(win); w++)
                for (int i = 0; i < n; i++) {
                    const int ext = (win[w].k - 1) * (win[w].dil + 1) + 1;
                    const int iw = (ow[i] - 1) * win[w].s + ext - 2 * win[w].p;
                    if (iw < 1) continue;
                    snprintf(d, sizeof d, "pool:%s mb1ic%dih3iw%dow%dkh3kw%dsw%dph1pw%ddh0dw%d", algs[a],
                             t->cb + 3, iw, ow[i], win[w].k, win[w].s, win[w].p, win[w].dil);
                    check(m, d, &fails);
                }
    }
}

/* The pooling implementations decline what their clipping cannot handle: another op, or a
 * window, stride, left padding or dilation out of range on any axis (the parser never makes
 * such problems, so only a direct call can show that supports still says so). */
void test_tiles_pool_supports(void)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse("pool:max mb1ic8id3ih5iw5kd2kh3kw3", CNB_KIND_POOL, 0, &l, err, sizeof err)) {
        CHECK(0, "pool case does not parse: %s", err);
        return;
    }
    const cnb_impl *impls[COUNT(pool_tables) + 1];
    int n = 0;
    for (int e = 0; e < COUNT(pool_tables); e++) impls[n++] = pool_tables[e].impl;
    impls[n++] = &cnb_pool_f32_window__scalar;
    for (int e = 0; e < n; e++) {
        const cnb_impl *m = impls[e];
        CHECK(!m->supports(&l.prob), "%s declines a plain 3D window", m->name);
        cnb_problem p = l.prob;
        p.op = CNB_OP_CONV;
        CHECK(m->supports(&p), "%s accepts a problem that is not pooling", m->name);
        for (int f = 0; f < 12; f++) {
            p = l.prob;
            cnb_pool *q = &p.pool;
            int *const field[12] = {&q->kd, &q->kh, &q->kw, &q->sd, &q->sh, &q->sw,
                                    &q->pd, &q->ph, &q->pw, &q->dd, &q->dh, &q->dw};
            *field[f] = f < 6 ? 0 : -1;
            CHECK(m->supports(&p), "%s accepts a pooling problem with field %d of "
                  "(kd kh kw sd sh sw pd ph pw dd dh dw) set to %d", m->name, f, *field[f]);
        }
    }
}

/* Convolution and GEMM decline what their paths cannot compute, on direct calls (the parser
 * never makes these problems): another op; groups that are zero or do not divide the channels;
 * a stride below 1 or a negative dilation (direct path). GEMM's prepare refuses another op. */
void test_tiles_declines(void)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse("conv g2mb1ic4ih5oc6kh3", CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "conv case does not parse: %s", err);
        return;
    }
    const cnb_impl *impls[COUNT(conv_tables) + 1];
    int n = 0;
    for (int e = 0; e < COUNT(conv_tables); e++) impls[n++] = conv_tables[e].impl;
    impls[n++] = &cnb_conv_f32_im2col__scalar;
    for (int e = 0; e < n; e++) {
        const cnb_impl *m = impls[e];
        CHECK(!m->supports(&l.prob), "%s declines a plain grouped convolution", m->name);
        cnb_problem p = l.prob;
        p.op = CNB_OP_POOL;
        CHECK(m->supports(&p), "%s accepts a problem that is not a convolution", m->name);
        static const int bad_groups[][3] = {{0, 4, 6}, {2, 3, 6}, {2, 4, 3}}; /* g, ic, oc */
        for (int b = 0; b < 3; b++) {
            p = l.prob;
            p.conv.g = bad_groups[b][0], p.conv.ic = bad_groups[b][1], p.conv.oc = bad_groups[b][2];
            CHECK(m->supports(&p), "%s accepts g %d ic %d oc %d", m->name, p.conv.g, p.conv.ic, p.conv.oc);
        }
        if (e == n - 1) continue; /* the im2col path takes any stride and dilation */
        for (int f = 0; f < 6; f++) {
            p = l.prob;
            int *const field[6] = {&p.conv.sd, &p.conv.sh, &p.conv.sw, &p.conv.dd, &p.conv.dh, &p.conv.dw};
            *field[f] = f < 3 ? 0 : -1;
            CHECK(m->supports(&p), "%s accepts field %d of (sd sh sw dd dh dw) set to %d", m->name, f,
                  *field[f]);
        }
    }
    for (int e = 0; e < COUNT(gemm_tables); e++) {
        const cnb_impl *m = gemm_tables[e].impl;
        void *state = m->prepare(&l.prob, NULL);
        CHECK(!state, "%s prepares a convolution problem", m->name);
        if (state) m->release(state);
    }
}

/* The smallest tables the drivers must accept: every tile 1 pixel wide (ur_max 1 for every nb,
 * dw_ur_max 1), run through the same kernels, so that the driver's tiling and its table check
 * are exercised away from the shipped sizes. */
static cnb_conv_direct_isa reduced;
static void *reduced_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&reduced, p, wei);
}

void test_tiles_conv_reduced_table(void)
{
    static const char *const cases[] = {
        "conv mb1ic9ih4iw5oc20kh3kw3ph1pw1", "conv mb1ic9ih4iw7oc20kh3kw3sh2sw2ph1pw1",
        "conv g20mb1ic20ih4iw5oc20kh3kw3ph1pw1", "conv g20mb1ic20ih5iw6oc20kh3kw3sh2sw2ph1pw1",
        "conv g20mb1ic20ih5iw5oc20kh5kw5ph2pw2", "conv g2mb1ic6ih5oc6kh3ph1",
    };
    for (int e = 0; e < COUNT(conv_tables); e++) {
        const cnb_impl *m = conv_tables[e].impl;
        if (!cnb_impl_runnable(m, NULL)) continue;
        reduced = *conv_tables[e].t;
        for (int nb = 1; nb <= reduced.nb_max; nb++) reduced.ur_max[nb] = 1;
        reduced.dw_ur_max = 1;
        static char name[64];
        snprintf(name, sizeof name, "%s with every ur_max 1 (test_tiles.c)", m->name);
        cnb_impl rec = *m;
        rec.name = name;
        rec.prepare = reduced_prepare;
        int fails = 0;
        for (int i = 0; i < COUNT(cases); i++) check(&rec, cases[i], &fails);
    }
}
