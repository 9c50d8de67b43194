/* The conv driver's candidate plans (kernels/conv/driver.c, cnb_conv_direct_prepare): every
 * candidate the planner may choose is forced in turn (cnb_plan_force) and validated bit-exactly
 * against the reference, at 1 and 2 threads, on shapes sized from each ISA's own tile data: 1x1
 * dense and strided (2D, 3D, strides 2 and 3, batch 2) with output widths around every
 * ur_max[nb], input channels around the 1x1 chunk and its double, a strided map larger than half
 * the pixel block, and narrow maps of the row path with every nb. Each kind of candidate must be
 * reached at least once (strided in place, compacted, the doubled chunk, the oc split on and off,
 * the row path for a 1x1, the nb alternatives, the padded copy, the border taps added by taps,
 * the strided input's halved pixel block and other nb). Then a deliberately broken strided path
 * (a row kernel that ignores the pixel stride it is given) must be rejected. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/conv/driver.h"
#include "kernels/plan.h"
#include "tests/test.h"

#define CNB_IMPL(sym) extern const cnb_impl sym;
#include "kernels/conv/list.inc"
#undef CNB_IMPL

static const struct { const cnb_impl *impl; const cnb_conv_direct_isa *t; } tables[] = {
#if defined(__x86_64__)
    {&cnb_conv_f32_direct__avx512, &cnb_conv_direct_table__avx512},
    {&cnb_conv_f32_direct__avx2, &cnb_conv_direct_table__avx2},
#endif
#if defined(__aarch64__)
    {&cnb_conv_f32_direct__neon, &cnb_conv_direct_table__neon},
#endif
};
#define COUNT(a) ((int)(sizeof a / sizeof *a))

/* The kinds of candidate, found by the plan names (driver.c's kernel_name). */
enum { K_STRIDED, K_COMPACT, K_KC2, K_SPLIT, K_NOSPLIT_SMALL, K_ROW_1X1, K_NB_ALT, K_PADW,
       K_PB_HALF, K_STRIDED_NB, K_KWSPLIT, K_COUNT };
static const char *const kind_names[K_COUNT] = {
    "1x1 strided in place", "1x1 compacted", "1x1 doubled chunk", "1x1 oc-split",
    "1x1 small map without oc-split", "row path on a 1x1", "row path nb alternative",
    "row path padded along W", "1x1 strided, pixel block halved", "1x1 strided, nb alternative",
    "row path with border taps added by taps"};

/* The pixel block (" mc") and the tile (after "1x1-gemm ") of a 1x1 plan name; -1 / 0 if none. */
static int name_mc(const char *name)
{
    const char *a = strstr(name, " mc");
    return a ? atoi(a + 3) : -1;
}
static int same_tile(const char *a, const char *b)
{
    const char *x = strstr(a, "1x1-gemm "), *y = strstr(b, "1x1-gemm ");
    if (!x || !y) return 0;
    x += 9, y += 9;
    while (*x && *x != ' ' && *x == *y) x++, y++;
    return *x == ' ' && *y == ' ';
}

/* The plan name prepare gives for candidate k of descriptor l on table t (NULL: none). */
static void plan_name(const cnb_conv_direct_isa *t, const cnb_layer *l, char *buf, size_t size)
{
    buf[0] = 0;
    float *wei = calloc((size_t)cnb_conv_wei_elems(&l->prob.conv), sizeof(float));
    void *st = wei ? cnb_conv_direct_prepare(t, &l->prob, wei) : NULL;
    if (st) snprintf(buf, size, "%s", cnb_conv_direct_kernel_name(st));
    cnb_conv_direct_release(st);
    free(wei);
}

/* Forces every candidate of descriptor d on impl m (table t), validates each, and notes the
 * kinds reached. */
static void force_all(const cnb_impl *m, const cnb_conv_direct_isa *t, const char *d, int *seen,
                      int *fails)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(d, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "plan case '%s' does not parse: %s", d, err);
        return;
    }
    const cnb_conv *c = &l.prob.conv;
    const int is_1x1 = c->kd == 1 && c->kh == 1 && c->kw == 1;
    char first[160] = "", name[160];
    for (int k = 0; k < CNB_PLAN_MAX_CANDIDATES; k++) {
        cnb_plan_force(k);
        plan_name(t, &l, name, sizeof name);
        if (k > 0 && !strcmp(name, first)) break; /* past the last candidate: the same again */
        if (k == 0) snprintf(first, sizeof first, "%s", name);
        seen[K_STRIDED] |= strstr(name, " strided") != NULL;
        seen[K_COMPACT] |= strstr(name, " compact") != NULL;
        seen[K_SPLIT] |= strstr(name, " oc-split") != NULL;
        seen[K_NOSPLIT_SMALL] |= is_1x1 && strstr(name, "1x1-gemm") && !strstr(name, " oc-split") &&
                                 omp_get_max_threads() > 1 && c->oh * c->ow < t->ur_max[1];
        seen[K_ROW_1X1] |= is_1x1 && strstr(name, "[direct") != NULL;
        if (k > 0 && !is_1x1) seen[K_NB_ALT] = 1;
        seen[K_PADW] |= strstr(name, " padw") != NULL;
        seen[K_KWSPLIT] |= strstr(name, " kwsplit") != NULL;
        const int non_dense = strstr(name, " strided") || strstr(name, " compact");
        /* the halved pixel block: a smaller mc than the model's on its tile, neither split */
        seen[K_PB_HALF] |= k > 0 && non_dense && same_tile(first, name) && !strstr(first, " oc-split") &&
                           !strstr(name, " oc-split") && name_mc(name) < name_mc(first);
        seen[K_STRIDED_NB] |= k > 0 && non_dense && strstr(name, "1x1-gemm") && !same_tile(first, name);
        if (k > 0 && is_1x1 && strstr(name, "1x1-gemm")) {
            /* the doubled chunk: a kc above the model's, on the same tile (another nb has a
             * chunk of its own) */
            const char *a = strstr(first, " kc"), *b = strstr(name, " kc");
            if (a && b && a - first == b - name && !strncmp(first, name, (size_t)(a - first)) &&
                atoi(a + 3) < atoi(b + 3))
                seen[K_KC2] = 1;
        }
        cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
        cnb_val_result r;
        cnb_validate(m, &l, &o, &r);
        if (r.status != CNB_VAL_PASS && (*fails)++ < 10)
            CHECK(0, "%s, candidate %d forced (%s) at %d threads: %s\n       case: '%s' (the planner's "
                     "own choice: cnnbench check --impl %s)", m->name, k, name, omp_get_max_threads(),
                  r.why, d, m->name);
        else if (r.status != CNB_VAL_PASS)
            cnb_test_failures++;
    }
    cnb_plan_force(-1);
}

/* The shapes of one table, from its tile data. */
static void table_cases(const cnb_impl *m, const cnb_conv_direct_isa *t, int *seen, int *fails)
{
    char d[CNB_DESC_MAX];
    int w[5];
    const int B = t->block;
    for (int nb = 1; nb <= t->nb_max; nb++) {
        const int kc = cnb_conv_1x1_chunk_blocks(t, nb) * B, n = cnb_test_around(t->ur_max[nb], w);
        for (int i = 0; i < n; i++) {
            /* strided: one output row cut into tiles of every width and tail, lane tails */
            snprintf(d, sizeof d, "conv mb1ic%dih5iw%doc%doh3ow%dkh1kw1sh2sw2ph0pw0", B + 3, 2 * w[i] - 1,
                     nb * B - 1, w[i]);
            force_all(m, t, d, seen, fails);
            /* dense, few pixels (the oc split, the row path) */
            snprintf(d, sizeof d, "conv mb1ic%dih1iw%doc%dkh1kw1ph0pw0", B + 3, w[i], 4 * nb * B - 1);
            force_all(m, t, d, seen, fails);
            /* the row path on a narrow map, every nb */
            if (w[i] <= 14) {
                snprintf(d, sizeof d, "conv mb1ic%dih4iw%doc%dkh3kw3ph1pw1", B + 3, w[i], 2 * nb * B + 1);
                force_all(m, t, d, seen, fails);
                /* padded along W: a kernel wider than the map, the right padding larger */
                snprintf(d, sizeof d, "conv mb1ic%dih5iw%doc%doh5ow%dkh5kw5ph2pw2", B + 3, w[i],
                         nb * B + 2, w[i] + 1);
                force_all(m, t, d, seen, fails);
            }
        }
        /* a strided map of more pixels than half the pixel block (the halved block) */
        if (nb == 2) {
            const int icc = cnb_conv_1x1_chunk_blocks(t, 2), pb = cnb_conv_1x1_block_pixels(t, icc);
            int w2 = 1;
            while (w2 * w2 <= pb / 2) w2++;
            snprintf(d, sizeof d, "conv mb1ic%dih%diw%doc%doh%dow%dkh1kw1sh2sw2ph0pw0", icc * B,
                     2 * w2, 2 * w2 + 1, 2 * B, w2, w2);
            force_all(m, t, d, seen, fails);
        }
        /* input channels around the chunk and its double: chunk tails, the doubled chunk */
        snprintf(d, sizeof d, "conv mb1ic%dih7iw9oc%dkh1kw1sh2sw2ph0pw0", 2 * kc + 1, nb * B);
        force_all(m, t, d, seen, fails);
        snprintf(d, sizeof d, "conv mb1ic%dih6iw6oc%dkh1kw1ph0pw0", 4 * kc - 1, nb * B + 1);
        force_all(m, t, d, seen, fails);
    }
    /* 3D, stride 3 along W only, batch 2, and an output that stops short of the input */
    snprintf(d, sizeof d, "conv mb1ic%did5ih5iw9oc%dod3oh3ow5kd1kh1kw1sd2sh2sw2pd0ph0pw0", B + 1, 2 * B);
    force_all(m, t, d, seen, fails);
    snprintf(d, sizeof d, "conv mb1ic%dih4iw20oc%dow7kh1kw1sw3ph0pw0", B + 5, 3 * B);
    force_all(m, t, d, seen, fails);
    snprintf(d, sizeof d, "conv mb2ic%dih9iw9oc%doh5ow5kh1kw1sh2sw2ph0pw0", 3 * B, 2 * B - 1);
    force_all(m, t, d, seen, fails);
    snprintf(d, sizeof d, "conv mb1ic%dih6iw7oc%doh4ow5kh1kw1ph0pw0", B + 2, B);
    force_all(m, t, d, seen, fails);
    /* padded along W: a negative right padding (input columns no output reads), stride 2, a
     * dilation, 3D and batch 2 */
    snprintf(d, sizeof d, "conv mb1ic%dih7iw10oc%doh4ow4kh3kw3sh2sw2ph1pw1", B + 1, 3 * B - 2);
    force_all(m, t, d, seen, fails);
    snprintf(d, sizeof d, "conv mb2ic%did3ih6iw6oc%dod3oh6ow6kd3kh3kw3pd1ph2pw2dh1dw1", B - 1, 2 * B);
    force_all(m, t, d, seen, fails);
}

void test_conv_plan(void)
{
    const int saved = omp_get_max_threads();
    for (int e = 0; e < COUNT(tables); e++) {
        const cnb_impl *m = tables[e].impl;
        if (!cnb_impl_runnable(m, NULL)) continue;
        int seen[K_COUNT] = {0}, fails = 0;
        for (int th = 1; th <= 2; th++) {
            omp_set_num_threads(th);
            table_cases(m, tables[e].t, seen, &fails);
        }
        omp_set_num_threads(saved);
        for (int k = 0; k < K_COUNT; k++)
            CHECK(seen[k], "%s: no case reached the candidate kind '%s'", m->name, kind_names[k]);
    }
}

/* A broken strided path: the row kernel reads the input as if dense, whatever pixel stride it is
 * given. The strided 1x1 candidate must be rejected, so the cases above can see a stride bug. */
static const cnb_conv_direct_isa *broken_base;
static cnb_conv_direct_isa broken_table;
static void broken_row(const cnb_conv_row_args *a, int nb, int ur)
{
    cnb_conv_row_args b = *a;
    b.src_ow = broken_table.block;
    broken_base->row(&b, nb, ur);
}
/* A broken padded path: a row kernel that drops the last tap of a call given all 5 taps of a
 * 5-wide kernel. On a 7-pixel row with 2 columns of padding only the copy padded along W gives
 * a call every tap (the border calls of the plain row path take at most 2), so its candidate must
 * be rejected. */
static void broken_row_last_tap(const cnb_conv_row_args *a, int nb, int ur)
{
    cnb_conv_row_args b = *a;
    if (b.nkw == 5) b.nkw = 4;
    broken_base->row(&b, nb, ur);
}
static void *broken_prepare(const cnb_problem *p, const void *wei)
{
    return cnb_conv_direct_prepare(&broken_table, p, wei);
}

void test_conv_plan_rejects_broken(void)
{
    for (int e = 0; e < COUNT(tables); e++) {
        const cnb_impl *m = tables[e].impl;
        if (!cnb_impl_runnable(m, NULL)) continue;
        broken_base = tables[e].t;
        broken_table = *tables[e].t;
        broken_table.row = broken_row;
        static char name[80];
        snprintf(name, sizeof name, "%s with a stride-blind row kernel (test_conv_plan.c)", m->name);
        cnb_impl rec = *m;
        rec.name = name;
        rec.prepare = broken_prepare;
        char d[CNB_DESC_MAX], pn[160];
        snprintf(d, sizeof d, "conv mb1ic%dih5iw%doc%doh3ow%dkh1kw1sh2sw2ph0pw0", broken_table.block + 3,
                 2 * broken_table.ur_max[1] + 1, 2 * broken_table.block, broken_table.ur_max[1]);
        cnb_layer l;
        char err[256];
        if (cnb_layer_parse(d, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
            CHECK(0, "'%s' does not parse: %s", d, err);
            continue;
        }
        int reached = 0;
        for (int k = 0; k < CNB_PLAN_MAX_CANDIDATES; k++) {
            cnb_plan_force(k);
            plan_name(tables[e].t, &l, pn, sizeof pn);
            if (!strstr(pn, " strided")) continue;
            reached = 1;
            cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
            cnb_val_result r;
            cnb_validate(&rec, &l, &o, &r);
            CHECK(r.status == CNB_VAL_FAIL, "%s passed '%s' as %s: the cases miss a stride bug", name, d, pn);
            break;
        }
        cnb_plan_force(-1);
        CHECK(reached, "%s: no candidate of '%s' reads the input in place at the strides", m->name, d);

        broken_table.row = broken_row_last_tap;
        snprintf(name, sizeof name, "%s with a row kernel dropping a tap (test_conv_plan.c)", m->name);
        snprintf(d, sizeof d, "conv mb1ic%dih7iw7oc%dkh5kw5ph2pw2", broken_table.block + 3,
                 3 * broken_table.block);
        if (cnb_layer_parse(d, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
            CHECK(0, "'%s' does not parse: %s", d, err);
            continue;
        }
        reached = 0;
        for (int k = 0; k < CNB_PLAN_MAX_CANDIDATES; k++) {
            cnb_plan_force(k);
            plan_name(tables[e].t, &l, pn, sizeof pn);
            cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5, .use_golden = 0};
            cnb_val_result r;
            cnb_validate(&rec, &l, &o, &r);
            if (!strstr(pn, " padw")) {
                CHECK(r.status == CNB_VAL_PASS, "%s failed '%s' as %s, a plan without full-width calls",
                      name, d, pn);
                continue;
            }
            reached = 1;
            CHECK(r.status == CNB_VAL_FAIL, "%s passed '%s' as %s: the cases miss a tap bug", name, d, pn);
        }
        cnb_plan_force(-1);
        CHECK(reached, "%s: no candidate of '%s' is padded along W", m->name, d);
    }
}
