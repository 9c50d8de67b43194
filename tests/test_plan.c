/* The planner (kernels/plan.h) with a timer of its own: it measures and picks the fastest
 * candidate, keeps to its budget, writes the choice to the wisdom file and reads it back
 * instead of measuring again, measures again when the list of candidates is not the one the
 * cached choice was made among (a name renamed, added or removed),
 * never measures in model mode, and obeys cnb_plan_force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/plan.h"
#include "tests/test.h"

typedef struct {
    double t[4];     /* seconds each candidate "takes" */
    int calls[4];
} fake;

static double fake_time(void *ctx, int k)
{
    fake *f = ctx;
    f->calls[k]++;
    return f->t[k];
}

static int calls(const fake *f) { return f->calls[0] + f->calls[1] + f->calls[2] + f->calls[3]; }

static cnb_problem gemm(int m)
{
    cnb_problem p = {.op = CNB_OP_GEMM};
    p.gemm = (cnb_gemm){.m = m, .n = 8, .k = 8, .lda = 8, .ldb = 8, .ldc = 8, .alpha = 1.0f};
    return p;
}

void test_plan(void)
{
    char dir[] = "/tmp/cnb-plan-XXXXXX", path[1024];
    CHECK(mkdtemp(dir) != NULL, "temporary folder");
    const char *old_xdg = getenv("XDG_CACHE_HOME"), *old_mode = getenv("CNB_PLAN");
    char *saved_xdg = old_xdg ? strdup(old_xdg) : NULL, *saved_mode = old_mode ? strdup(old_mode) : NULL;
    setenv("XDG_CACHE_HOME", dir, 1);
    const char *names[] = {"model", "fast", "slow"};
    cnb_plan_how how;

    /* Keys tell problems apart. */
    char k1[320], k2[320];
    cnb_problem a = gemm(64), b = gemm(65);
    cnb_plan_problem_key(&a, k1, sizeof k1);
    cnb_plan_problem_key(&b, k2, sizeof k2);
    CHECK(strcmp(k1, k2) != 0 && !strchr(k1, ' '), "problem keys: '%s' vs '%s'", k1, k2);

    /* Measure mode: the fastest, nothing written. */
    setenv("CNB_PLAN", "measure", 1);
    fake f = {.t = {3e-3, 1e-3, 5e-3}};
    int c = cnb_plan_choose("gemm/test", &a, 1, 3, names, fake_time, &f, &how);
    CHECK(c == 1 && how == CNB_PLAN_MEASURED, "measure picks the fastest (%d, %s)", c, cnb_plan_how_name(how));
    CHECK(f.calls[0] == CNB_PLAN_RUNS && f.calls[1] == CNB_PLAN_RUNS, "each candidate timed %d times", CNB_PLAN_RUNS);
    cnb_plan_path(path, sizeof path);
    CHECK(access(path, F_OK) != 0, "measure mode writes no wisdom file");

    /* Cache mode: measured once and written, then read without timing anything. */
    setenv("CNB_PLAN", "cache", 1);
    fake g = {.t = {3e-3, 1e-3, 5e-3}};
    c = cnb_plan_choose("gemm/test", &a, 2, 3, names, fake_time, &g, &how);
    CHECK(c == 1 && how == CNB_PLAN_MEASURED && access(path, F_OK) == 0, "cache: measured and written");
    const int before = calls(&g);
    c = cnb_plan_choose("gemm/test", &a, 2, 3, names, fake_time, &g, &how);
    CHECK(c == 1 && how == CNB_PLAN_CACHED && calls(&g) == before, "cache: the second choice is read, not timed");
    FILE *fp = fopen(path, "r");
    char line[1200];
    int found = 0;
    while (fp && fgets(line, sizeof line, fp)) found |= strstr(line, "gemm/test 2 ") == line && strstr(line, " fast ") != NULL;
    if (fp) fclose(fp);
    CHECK(found, "the wisdom file holds 'gemm/test 2 <key> fast ...'");
    /* Another thread count is another choice. */
    c = cnb_plan_choose("gemm/test", &a, 1, 3, names, fake_time, &g, &how);
    CHECK(how == CNB_PLAN_MEASURED, "another thread count is measured (%s)", cnb_plan_how_name(how));
    /* The cached name is no candidate any more (the implementation changed): measure again. */
    const char *renamed[] = {"model", "faster", "slow"};
    c = cnb_plan_choose("gemm/test", &a, 2, 3, renamed, fake_time, &g, &how);
    CHECK(c == 1 && how == CNB_PLAN_MEASURED, "a stale cached name is measured again");
    /* A candidate added (or removed) after the choice was made: measure again, even though the
     * cached name is still among them; and the new choice is read back, also by a process that
     * reads the file afresh (the hash of the names is rebuilt from the line). */
    const char *more[] = {"model", "faster", "slow", "new"};
    fake m4 = {.t = {3e-3, 2e-3, 5e-3, 1e-3}};
    c = cnb_plan_choose("gemm/test", &a, 2, 4, more, fake_time, &m4, &how);
    CHECK(c == 3 && how == CNB_PLAN_MEASURED, "a new candidate is measured although the cached name is still one (%d, %s)",
          c, cnb_plan_how_name(how));
    c = cnb_plan_choose("gemm/test", &a, 2, 3, renamed, fake_time, &m4, &how);
    CHECK(how == CNB_PLAN_MEASURED, "a candidate removed: measured again (%s)", cnb_plan_how_name(how));
    c = cnb_plan_choose("gemm/test", &a, 2, 4, more, fake_time, &m4, &how);
    CHECK(how == CNB_PLAN_MEASURED, "then added back: measured again (%s)", cnb_plan_how_name(how));
    c = cnb_plan_choose("gemm/test", &a, 2, 4, more, fake_time, &m4, &how);
    CHECK(c == 3 && how == CNB_PLAN_CACHED, "the same four: read back (%d, %s)", c, cnb_plan_how_name(how));
    cnb_plan_reload();
    c = cnb_plan_choose("gemm/test", &a, 2, 4, more, fake_time, &m4, &how);
    CHECK(c == 3 && how == CNB_PLAN_CACHED, "the same four, from the file: read back (%d, %s)", c, cnb_plan_how_name(how));
    c = cnb_plan_choose("gemm/test", &a, 2, 3, names, fake_time, &m4, &how);
    CHECK(how == CNB_PLAN_MEASURED, "from the file, three of them: measured again (%s)", cnb_plan_how_name(how));

    /* A candidate faster than the model's by less than the margin does not displace it; by more,
     * it does; and the rounds give every candidate its CNB_PLAN_RUNS runs. */
    fake close = {.t = {1e-3, (1.0 - CNB_PLAN_MARGIN / 2) * 1e-3, 2e-3}};
    c = cnb_plan_choose("gemm/test", &a, 3, 3, names, fake_time, &close, &how);
    CHECK(c == 0 && how == CNB_PLAN_MEASURED && close.calls[2] == CNB_PLAN_RUNS,
          "within the margin: the model's choice (%d)", c);
    fake clear = {.t = {1e-3, (1.0 - 2 * CNB_PLAN_MARGIN) * 1e-3, 2e-3}};
    c = cnb_plan_choose("gemm/test", &a, 4, 3, names, fake_time, &clear, &how);
    CHECK(c == 1, "beyond the margin: the faster candidate (%d)", c);

    /* The budget: a model candidate slower than the whole budget is not weighed against others. */
    fake slow = {.t = {2 * CNB_PLAN_BUDGET_S, 1e-3, 1e-3}};
    c = cnb_plan_choose("gemm/test", &b, 1, 3, names, fake_time, &slow, &how);
    CHECK(c == 0 && slow.calls[0] == 1 && slow.calls[1] == 0, "over budget: the model's choice, timed once");

    /* Model mode never measures; force overrides everything. */
    setenv("CNB_PLAN", "model", 1);
    fake h = {.t = {3e-3, 1e-3, 5e-3}};
    c = cnb_plan_choose("gemm/test", &b, 1, 3, names, fake_time, &h, &how);
    CHECK(c == 0 && how == CNB_PLAN_MODEL && calls(&h) == 0, "model mode: candidate 0, nothing timed");
    cnb_plan_force(2);
    c = cnb_plan_choose("gemm/test", &b, 1, 2, names, fake_time, &h, &how);
    CHECK(c == 1 && how == CNB_PLAN_FORCED && calls(&h) == 0, "force 2 of 2 candidates: the last");
    cnb_plan_force(-1);
    c = cnb_plan_choose("gemm/test", &b, 1, 1, names, fake_time, &h, &how);
    CHECK(c == 0 && calls(&h) == 0, "one candidate: no planning");

    remove(path);
    snprintf(line, sizeof line, "%s/cnnbench", dir);
    rmdir(line);
    rmdir(dir);
    if (saved_xdg) setenv("XDG_CACHE_HOME", saved_xdg, 1); else unsetenv("XDG_CACHE_HOME");
    if (saved_mode) setenv("CNB_PLAN", saved_mode, 1); else unsetenv("CNB_PLAN");
    free(saved_xdg);
    free(saved_mode);
}
