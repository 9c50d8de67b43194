/* A small table-driven test runner: each test is a function registered in tests/main.c; CHECK
 * prints one line a person can act on and counts the failure. */
#ifndef CNB_TESTS_TEST_H
#define CNB_TESTS_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "kernels/plan.h"

extern int cnb_test_failures;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            cnb_test_failures++;                                                  \
            printf("  FAIL %s:%d: ", __FILE__, __LINE__);                         \
            printf(__VA_ARGS__);                                                  \
            printf("\n");                                                         \
        }                                                                         \
    } while (0)

typedef struct cnb_test { const char *name; void (*fn)(void); } cnb_test;

/* The sizes around a tile dimension t, for the edge sweeps: t−1, t, t+1, 2t−1, 2t+1 (those ≥ 1),
 * into out (5 slots). Returns the count. */
static inline int cnb_test_around(int t, int *out)
{
    const int c[] = {t - 1, t, t + 1, 2 * t - 1, 2 * t + 1};
    int n = 0;
    for (int i = 0; i < 5; i++)
        if (c[i] >= 1 && (n == 0 || c[i] != out[n - 1])) out[n++] = c[i];
    return n;
}

/* Exact-mode validation of impl on one conv descriptor (benchdnn syntax) with data seed `seed`,
 * against the reference only (no golden hashes), into *r: 0, or −1 (and a failed CHECK) when the
 * descriptor does not parse. The one step of the kernels' sweeps and broken-kernel tests. */
static inline int cnb_test_conv_validate(const cnb_impl *impl, const char *text, uint64_t seed,
                                         cnb_val_result *r)
{
    char err[256];
    cnb_layer l;
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "'%s' does not parse: %s", text, err);
        return -1;
    }
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = seed, .use_golden = 0};
    cnb_validate(impl, &l, &o, r);
    return 0;
}

/* The same, its status only, or −1 when the descriptor does not parse. */
static inline int cnb_test_conv_status(const cnb_impl *impl, const char *text, uint64_t seed)
{
    cnb_val_result r;
    return cnb_test_conv_validate(impl, text, seed, &r) ? -1 : (int)r.status;
}

/* A planner candidate the planner's own choice may not take: every candidate of impl on layer l
 * is forced in turn (cnb_plan_force), and each whose kernel name contains `marker` (and differs
 * from the previous one) is validated in exact mode with data seed `seed`. A failure is a CHECK
 * while *shown < 20 (then only counted). *pairs counts the validations. Returns how many
 * candidates were reached, so that a sweep can fail when its path was never taken. Weights of
 * zero suffice for prepare to choose (up to 4 bytes an element). */
static inline int cnb_test_forced_candidates(const cnb_impl *m, const cnb_layer *l, const char *marker,
                                             uint64_t seed, int *pairs, int *shown)
{
    int reached = 0;
    char prev[160] = "";
    void *wei = calloc((size_t)cnb_conv_wei_elems(&l->prob.conv), 4);
    for (int k = 0; wei && k < CNB_PLAN_MAX_CANDIDATES; k++) {
        char name[160] = "";
        cnb_plan_force(k);
        void *st = m->prepare(&l->prob, wei);
        if (st) snprintf(name, sizeof name, "%s", m->kernel_name(st));
        m->release(st);
        if (!strstr(name, marker) || !strcmp(name, prev)) continue;
        snprintf(prev, sizeof prev, "%s", name);
        reached++;
        cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = seed, .use_golden = 0};
        cnb_val_result r;
        cnb_validate(m, l, &o, &r);
        (*pairs)++;
        if (r.status != CNB_VAL_PASS && (*shown)++ < 20) {
            char d[CNB_DESC_MAX];
            cnb_layer_format(l, d, sizeof d);
            CHECK(0, "%s, candidate %d forced (%s): %s\n       case: '%s'", m->name, k, name, r.why, d);
        } else if (r.status != CNB_VAL_PASS) {
            cnb_test_failures++;
        }
    }
    cnb_plan_force(-1);
    free(wei);
    return reached;
}

#endif
