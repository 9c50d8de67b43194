/* The planner's choices and its wisdom file (kernels/plan.h).
 *
 * File format, one choice per line, appended as it is made (a later line for the same
 * implementation, threads and problem replaces an earlier one when the file is read):
 *   <impl> <threads> <problem key> <chosen name> <name>=<seconds>,<name>=<seconds>,...
 * Lines starting with '#' are comments. A line that does not parse is ignored: the file is a
 * cache, and anything it lacks is measured again.
 *
 * A choice is read back only for the same list of candidates, in the same order, as the one it
 * was measured among (the names of the last field): a build that adds, removes or renames a
 * candidate measures again instead of keeping a choice made without it. */
#include "kernels/plan.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/peak.h"
#include "arch/sysfs.h"

typedef struct {
    char impl[64];
    int threads;
    char key[320];
    char choice[64];
    unsigned long long cands;   /* hash of the candidate names it was chosen among */
} entry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static entry *g_entries;
static int g_count, g_cap, g_loaded;
static int g_force = -1;

void cnb_plan_path(char *buf, int size)
{
    cnb_machine_cache_path("plan", buf, size);
}

const char *cnb_plan_how_name(cnb_plan_how how)
{
    switch (how) {
    case CNB_PLAN_MODEL: return "model";
    case CNB_PLAN_CACHED: return "cached";
    case CNB_PLAN_MEASURED: return "measured";
    case CNB_PLAN_FORCED: return "forced";
    default: return "?";
    }
}

void cnb_plan_force(int k)
{
    pthread_mutex_lock(&g_lock);
    g_force = k;
    pthread_mutex_unlock(&g_lock);
}

void cnb_plan_problem_key(const cnb_problem *p, char *buf, size_t size)
{
    switch (p->op) {
    case CNB_OP_CONV: {
        const cnb_conv *c = &p->conv;
        snprintf(buf, size,
                 "conv:g%d:mb%d:ic%d:oc%d:i%dx%dx%d:o%dx%dx%d:k%dx%dx%d:s%dx%dx%d:p%dx%dx%d:"
                 "pr%dx%dx%d:d%dx%dx%d",
                 c->g, c->mb, c->ic, c->oc, c->id, c->ih, c->iw, c->od, c->oh, c->ow, c->kd, c->kh,
                 c->kw, c->sd, c->sh, c->sw, c->pd, c->ph, c->pw, c->pd_r, c->ph_r, c->pw_r, c->dd,
                 c->dh, c->dw);
        return;
    }
    case CNB_OP_POOL: {
        const cnb_pool *q = &p->pool;
        snprintf(buf, size,
                 "pool:a%d:mb%d:c%d:i%dx%dx%d:o%dx%dx%d:k%dx%dx%d:s%dx%dx%d:p%dx%dx%d:"
                 "pr%dx%dx%d:d%dx%dx%d",
                 (int)q->alg, q->mb, q->c, q->id, q->ih, q->iw, q->od, q->oh, q->ow, q->kd, q->kh,
                 q->kw, q->sd, q->sh, q->sw, q->pd, q->ph, q->pw, q->pd_r, q->ph_r, q->pw_r, q->dd,
                 q->dh, q->dw);
        return;
    }
    case CNB_OP_GEMM: {
        const cnb_gemm *g = &p->gemm;
        /* alpha and beta change what is computed, not how fast: only whether beta is zero does
         * (C is then never read). */
        snprintf(buf, size, "gemm:m%d:n%d:k%d:ta%d:tb%d:lda%d:ldb%d:ldc%d:beta%d", g->m, g->n,
                 g->k, g->ta, g->tb, g->lda, g->ldb, g->ldc, g->beta != 0.0f);
        return;
    }
    default: snprintf(buf, size, "op%d", (int)p->op);
    }
}

typedef enum { MODE_CACHE, MODE_MEASURE, MODE_MODEL } plan_mode;

static plan_mode mode(void)
{
    const char *m = getenv("CNB_PLAN");
    if (!m || !*m || !strcmp(m, "cache")) return MODE_CACHE;
    if (!strcmp(m, "measure")) return MODE_MEASURE;
    if (!strcmp(m, "model")) return MODE_MODEL;
    static int warned;
    if (!warned) {
        warned = 1;
        fprintf(stderr, "cnnbench: CNB_PLAN=%s is not a planner mode (cache, measure, model); "
                        "using model\n", m);
    }
    return MODE_MODEL;
}

/* FNV-1a over the names, each ended by a comma. */
static unsigned long long hash_names(int n, const char *const names[])
{
    unsigned long long h = 1469598103934665603ull;
    for (int k = 0; k < n; k++)
        for (const char *c = names[k];; c++) {
            h = (h ^ (unsigned char)(*c ? *c : ',')) * 1099511628211ull;
            if (!*c) break;
        }
    return h;
}

/* The same hash from a wisdom line's last field, "name=seconds,name=seconds,...". */
static unsigned long long hash_times(const char *times)
{
    char buf[600], *names[CNB_PLAN_MAX_CANDIDATES];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", times);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && n < CNB_PLAN_MAX_CANDIDATES;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) return 0;
        *eq = '\0';
        names[n++] = tok;
    }
    return n ? hash_names(n, (const char *const *)names) : 0;
}

static entry *find(const char *impl, int threads, const char *key)
{
    for (int i = g_count - 1; i >= 0; i--)
        if (g_entries[i].threads == threads && !strcmp(g_entries[i].impl, impl) &&
            !strcmp(g_entries[i].key, key))
            return &g_entries[i];
    return NULL;
}

static void remember(const char *impl, int threads, const char *key, const char *choice,
                     unsigned long long cands)
{
    entry *e = find(impl, threads, key);
    if (!e) {
        if (g_count == g_cap) {
            int cap = g_cap ? 2 * g_cap : 64;
            entry *grown = realloc(g_entries, sizeof *grown * (size_t)cap);
            if (!grown) return;   /* a cache: forgetting is allowed */
            g_entries = grown;
            g_cap = cap;
        }
        e = &g_entries[g_count++];
    }
    snprintf(e->impl, sizeof e->impl, "%s", impl);
    e->threads = threads;
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->choice, sizeof e->choice, "%s", choice);
    e->cands = cands;
}

static void load(void)
{
    if (g_loaded) return;
    g_loaded = 1;
    char path[1024], line[1024];
    cnb_plan_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        char impl[64], key[320], choice[64], times[600];
        int threads;
        if (line[0] == '#') continue;
        if (sscanf(line, "%63s %d %319s %63s %599s", impl, &threads, key, choice, times) == 5 &&
            threads > 0)
            remember(impl, threads, key, choice, hash_times(times));
    }
    fclose(f);
}

void cnb_plan_reload(void)
{
    pthread_mutex_lock(&g_lock);
    g_count = 0;
    g_loaded = 0;
    pthread_mutex_unlock(&g_lock);
}

/* One line appended with one write (O_APPEND), so concurrent runs interleave whole lines. */
static void append(const char *impl, int threads, const char *key, const char *choice,
                   const char *times)
{
    char path[1024], line[1200];
    cnb_plan_path(path, sizeof path);
    cnb_make_parent_dirs(path);
    const int len = snprintf(line, sizeof line, "%s %d %s %s %s\n", impl, threads, key, choice, times);
    if (len <= 0 || len >= (int)sizeof line) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    if (ftell(f) == 0)
        fputs("# cnnbench planner wisdom (kernels/plan.h): impl threads problem choice "
              "candidate=seconds...\n# `cnnbench plan --clear` removes this file.\n", f);
    fputs(line, f);
    fclose(f);
}

int cnb_plan_choose(const char *impl, const cnb_problem *p, int threads, int n,
                    const char *const names[], cnb_plan_time_fn time, void *ctx,
                    cnb_plan_how *how)
{
    cnb_plan_how dummy;
    if (!how) how = &dummy;
    *how = CNB_PLAN_MODEL;
    if (n <= 1) return 0;
    if (n > CNB_PLAN_MAX_CANDIDATES) n = CNB_PLAN_MAX_CANDIDATES;
    pthread_mutex_lock(&g_lock);
    const int force = g_force;
    pthread_mutex_unlock(&g_lock);
    if (force >= 0) {
        *how = CNB_PLAN_FORCED;
        return force < n ? force : n - 1;
    }
    const plan_mode m = mode();
    if (m == MODE_MODEL) return 0;
    char key[320];
    cnb_plan_problem_key(p, key, sizeof key);
    if (m == MODE_CACHE) {
        pthread_mutex_lock(&g_lock);
        load();
        const entry *e = find(impl, threads, key);
        if (e && e->cands != hash_names(n, names)) e = NULL;
        int hit = -1;
        for (int k = 0; e && k < n; k++)
            if (!strcmp(e->choice, names[k])) hit = k;
        pthread_mutex_unlock(&g_lock);
        if (hit >= 0) {
            *how = CNB_PLAN_CACHED;
            return hit;
        }
    }
    /* Measure: round by round (every candidate once, then again), each candidate's best of
     * CNB_PLAN_RUNS, within the budget. Rounds, not one candidate after the other, so that a
     * burst of load elsewhere on the machine slows every candidate alike instead of one. */
    double best_t[CNB_PLAN_MAX_CANDIDATES];
    int dead[CNB_PLAN_MAX_CANDIDATES] = {0};
    double spent = 0.0;
    for (int k = 0; k < n; k++) best_t[k] = -1.0;
    for (int r = 0; r < CNB_PLAN_RUNS; r++)
        for (int k = 0; k < n; k++) {
            if (dead[k]) continue;
            if ((k > 0 || r > 0) && spent >= CNB_PLAN_BUDGET_S) goto measured;
            const double t = time(ctx, k);
            if (t < 0) {
                dead[k] = 1;
                continue;
            }
            spent += t;
            if (best_t[k] < 0 || t < best_t[k]) best_t[k] = t;
        }
measured:;
    /* The fastest; another candidate displaces the model's only by more than the margin. */
    int best = 0;
    for (int k = 1; k < n; k++)
        if (best_t[k] >= 0 && (best_t[best] < 0 || best_t[k] < best_t[best])) best = k;
    if (best > 0 && best_t[0] >= 0 && best_t[best] > (1.0 - CNB_PLAN_MARGIN) * best_t[0]) best = 0;
    char times[600] = "";
    int tl = 0;
    for (int k = 0; k < n && tl < (int)sizeof times; k++)
        tl += snprintf(times + tl, sizeof times - tl, "%s%s=%.3g", k ? "," : "", names[k], best_t[k]);
    *how = CNB_PLAN_MEASURED;
    if (m == MODE_CACHE) {
        pthread_mutex_lock(&g_lock);
        remember(impl, threads, key, names[best], hash_names(n, names));
        append(impl, threads, key, names[best], times);
        pthread_mutex_unlock(&g_lock);
    }
    return best;
}
