/* Validation against the reference (harness/validate.h). */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#if CNB_HAVE_XXHASH
#define XXH_INLINE_ALL
#include <xxhash.h>
#endif

#include "harness/buffer.h"
#include "harness/case.h"
#include "harness/validate.h"

const char *cnb_val_status_name(cnb_val_status s)
{
    static const char *const names[] = {"PASS", "FAIL", "MISTRUSTED", "SKIP"};
    return names[s];
}

int cnb_hash_available(void)
{
#if CNB_HAVE_XXHASH
    return 1;
#else
    return 0;
#endif
}

uint64_t cnb_hash(const void *p, uint64_t bytes, uint64_t seed)
{
#if CNB_HAVE_XXHASH
    return XXH3_64bits_withSeed(p, (size_t)bytes, seed);
#else
    (void)p, (void)bytes, (void)seed;
    return 0;
#endif
}

void cnb_output_coords(const cnb_problem *p, int64_t i, char *buf, int size)
{
    if (p->op == CNB_OP_GEMM) {
        snprintf(buf, size, "i%lld j%lld", (long long)(i / p->gemm.ldc),
                 (long long)(i % p->gemm.ldc));
        return;
    }
    int c, od, oh, ow;
    if (p->op == CNB_OP_CONV) c = p->conv.oc, od = p->conv.od, oh = p->conv.oh, ow = p->conv.ow;
    else c = p->pool.c, od = p->pool.od, oh = p->pool.oh, ow = p->pool.ow;
    const int64_t w = i % ow, h = i / ow % oh, d = i / ow / oh % od, ch = i / ow / oh / od % c,
                  n = i / ow / oh / od / c;
    snprintf(buf, size, "n%lld c%lld d%lld h%lld w%lld", (long long)n, (long long)ch,
             (long long)d, (long long)h, (long long)w);
}

static int is_gap(const cnb_problem *p, int64_t i)
{
    return p->op == CNB_OP_GEMM && i % p->gemm.ldc >= p->gemm.n;
}

static uint64_t inputs_hash(const cnb_case *c)
{
    uint64_t h = cnb_hash(c->src.data, c->src.n * c->src.esize, 0);
    if (c->wei.map) h = cnb_hash(c->wei.data, c->wei.n * c->wei.esize, h);
    if (c->c_init.map) h = cnb_hash(c->c_init.data, c->c_init.n * c->c_init.esize, h);
    return h;
}

static uint64_t output_hash(const cnb_case *c, const void *out)
{
    return cnb_hash(out, c->dst.n * c->dst.esize, 0);
}

/* Which outputs have at least one tap inside the input, from the shape alone: along each axis,
 * out[o] = 1 when the window of output o has a tap inside. An output whose window lies entirely
 * in padding (on any axis) has no input at all and is fixed by construction. */
typedef struct reach { unsigned char *d, *h, *w; int od, oh, ow; } reach;

static unsigned char *axis_reach(int o, int s, int p, int d, int k, int in)
{
    unsigned char *r = malloc(o > 0 ? (size_t)o : 1);
    if (r)
        for (int x = 0; x < o; x++) r[x] = cnb_window_taps(x, s, p, d, k, in) > 0;
    return r;
}

static int reach_init(reach *r, const cnb_problem *p)
{
    memset(r, 0, sizeof *r);
    if (p->op == CNB_OP_GEMM) return 0;
    if (p->op == CNB_OP_CONV) {
        const cnb_conv *c = &p->conv;
        r->od = c->od, r->oh = c->oh, r->ow = c->ow;
        r->d = axis_reach(c->od, c->sd, c->pd, c->dd, c->kd, c->id);
        r->h = axis_reach(c->oh, c->sh, c->ph, c->dh, c->kh, c->ih);
        r->w = axis_reach(c->ow, c->sw, c->pw, c->dw, c->kw, c->iw);
    } else {
        const cnb_pool *q = &p->pool;
        r->od = q->od, r->oh = q->oh, r->ow = q->ow;
        r->d = axis_reach(q->od, q->sd, q->pd, q->dd, q->kd, q->id);
        r->h = axis_reach(q->oh, q->sh, q->ph, q->dh, q->kh, q->ih);
        r->w = axis_reach(q->ow, q->sw, q->pw, q->dw, q->kw, q->iw);
    }
    return r->d && r->h && r->w ? 0 : -1;
}

static void reach_free(reach *r)
{
    free(r->d), free(r->h), free(r->w);
}

/* 1 when output i (flat, user-facing layout) can depend on the input. */
static int reachable(const reach *r, int64_t i)
{
    if (!r->d) return 1;
    const int64_t w = i % r->ow, h = i / r->ow % r->oh, d = i / r->ow / r->oh % r->od;
    return r->d[d] && r->h[h] && r->w[w];
}

/* The value of an output with no input: conv (no bias) and averages 0, max benchdnn's lowest of
 * the type (f32 -FLT_MAX, bf16 −(2−2⁻⁷)·2¹²⁷, u8 0, s8 −128; reference/reference.h). */
static double empty_value(const cnb_problem *p)
{
    if (p->op != CNB_OP_POOL || p->pool.alg != CNB_POOL_MAX) return 0.0;
    switch (p->dt.dst) {
    case CNB_DT_BF16: return -ldexp(255.0, 120);
    case CNB_DT_U8: return 0.0;
    case CNB_DT_S8: return -128.0;
    default: return -FLT_MAX;
    }
}

/* 1 when the MISTRUSTED rule counts outputs at a saturation bound rather than zeros: requantized
 * int8 conv and GEMM outputs (pooling's int8 output is an average or a max, never scaled). */
static int counts_saturation(const cnb_problem *p)
{
    return cnb_dt_requantized(&p->dt) && p->op != CNB_OP_POOL;
}

/* The fraction of zeros among the outputs that can depend on the input: zeros there come from the
 * data and make a comparison weak (MISTRUSTED). Outputs zero by construction do not count.
 * A requantized int8 output counts instead the outputs at a saturation bound (u8: 0 or 255, s8:
 * -128 or 127), against 0.9 rather than 0.5: data over the whole int8 range put about half of
 * a u8 output at 0 by saturation, which the comparison checks as well as any other value; a
 * comparison is weak only when nearly everything clamps. */
static double zero_fraction(const cnb_problem *p, const reach *rc, const void *out, int64_t n)
{
    const cnb_dt dt = p->dt.dst;
    const int requant = counts_saturation(p);
    const double lo = dt == CNB_DT_U8 ? 0 : -128, hi = dt == CNB_DT_U8 ? 255 : 127;
    int64_t zeros = 0, total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (is_gap(p, i) || !reachable(rc, i)) continue;
        const double v = cnb_dt_load(out, dt, i);
        zeros += requant ? v == lo || v == hi : v == 0.0;
        total++;
    }
    const double f = total ? (double)zeros / total : 0.0;
    return requant ? f * (0.5 / 0.9) : f;   /* on the same 0.5 threshold */
}

/* Outputs with no input must hold exactly their value by construction (+0 and -0 equal), in any
 * mode, whatever the reference says. Returns the number that do not; the first is recorded. */
static int64_t check_empty(const cnb_problem *p, const reach *rc, const void *out, int64_t n,
                           cnb_val_result *r)
{
    const double want = empty_value(p);
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++) {
        if (is_gap(p, i) || reachable(rc, i) || cnb_dt_load(out, p->dt.dst, i) == want) continue;
        if (bad++ == 0) r->first = i, r->expected = want, r->observed = cnb_dt_load(out, p->dt.dst, i);
    }
    return bad;
}

/* Bit-for-bit comparison of everything, gaps included (they must be left untouched), with one
 * exception: +0 and -0 compare equal. With exact data every partial sum is exact, so any summation
 * order gives the same value, but the sign of an exact zero depends on where a factor is applied:
 * alpha·(a·b - a·b) is -0 for alpha < 0, (alpha·a)·b - (alpha·a)·b is +0. Both are correct. */
static void compare_exact(const cnb_problem *p, const void *ref, const void *got, int64_t n,
                          cnb_val_result *r)
{
    const cnb_dt dt = p->dt.dst;
    const size_t es = (size_t)cnb_dt_size(dt);
    /* The sign bit of f32 and bf16, whose ±0 compare equal; none for the integer types. */
    const uint32_t magnitude = dt == CNB_DT_F32 ? 0x7fffffffu : dt == CNB_DT_BF16 ? 0x7fffu : ~0u;
    for (int64_t i = 0; i < n; i++) {
        uint32_t a = 0, b = 0;
        memcpy(&a, (const char *)ref + i * es, es);
        memcpy(&b, (const char *)got + i * es, es);
        if (a == b || ((a | b) & magnitude) == 0) continue;
        if (r->n_diff++ == 0) {
            r->first = i;
            r->expected = cnb_dt_load(ref, dt, i);
            r->observed = cnb_dt_load(got, dt, i);
        }
    }
    r->worst_ratio = r->n_diff ? INFINITY : 0.0;
}

/* |got − ref| ≤ γ_{L+2} · Σ|terms|, γ_n = n·u / (1 − n·u), u = 2⁻²⁴: the forward error bound of a
 * float32 sum of L products in any order (with or without FMA), plus the final roundings. */
static void compare_bound(const cnb_problem *p, const float *ref, const float *abs_ref,
                          const float *got, int64_t n, cnb_val_result *r)
{
    const double u = ldexp(1.0, -24);
    const double len = (double)cnb_reduction_len(p) + 2;
    const double gamma = len * u / (1 - len * u);
    for (int64_t i = 0; i < n; i++) {
        if (is_gap(p, i)) {
            uint32_t a, b;
            memcpy(&a, &ref[i], 4);
            memcpy(&b, &got[i], 4);
            if (a != b && r->n_diff++ == 0) r->first = i, r->expected = ref[i], r->observed = got[i];
            continue;
        }
        const double err = fabs((double)got[i] - (double)ref[i]);
        const double bound = gamma * abs_ref[i];
        const double ratio = err == 0 ? 0 : bound > 0 ? err / bound : INFINITY;
        if (!(ratio <= r->worst_ratio)) r->worst_ratio = isnan(ratio) ? INFINITY : ratio;
        if (!(ratio <= 1.0) && r->n_diff++ == 0) {
            r->first = i;
            r->expected = ref[i];
            r->observed = got[i];
        }
    }
}

void cnb_golden_key(const cnb_layer *l, uint64_t seed, char *buf, int size)
{
    char d[CNB_DESC_MAX];
    cnb_layer_format(l, d, sizeof d);
    snprintf(buf, size, "%s seed=%llu fill=v%d", d, (unsigned long long)seed, CNB_FILL_VERSION);
}

cnb_val_status cnb_validate(const cnb_impl *impl, const cnb_layer *l, const cnb_val_opts *o,
                            cnb_val_result *r)
{
    memset(r, 0, sizeof *r);
    r->first = -1;
    const char *why = NULL;
    if (impl->op != l->prob.op) {
        snprintf(r->why, sizeof r->why, "not a %s implementation", cnb_kind_name(l->kind));
        return r->status = CNB_VAL_SKIP;
    }
    if (!cnb_impl_runnable(impl, &why)) {
        snprintf(r->why, sizeof r->why, "%s: %s", cnb_isa_name(impl->isa), why);
        return r->status = CNB_VAL_SKIP;
    }
    if ((why = cnb_impl_supports(impl, &l->prob))) {
        snprintf(r->why, sizeof r->why, "unsupported: %s", why);
        return r->status = CNB_VAL_SKIP;
    }
    if (impl->threads_ok && (why = impl->threads_ok(omp_get_max_threads()))) {
        snprintf(r->why, sizeof r->why, "unsupported: %s", why);
        return r->status = CNB_VAL_SKIP;
    }
    if (o->mode != CNB_MODE_EXACT && cnb_dt_config_of(&l->prob.dt) != CNB_DTC_F32) {
        snprintf(r->why, sizeof r->why, "random mode is f32 only (bf16 and int8 validate exactly)");
        return r->status = CNB_VAL_SKIP;
    }
    if (o->mode == CNB_MODE_EXACT && cnb_exact_rule_for_dt(cnb_reduction_len(&l->prob), l->prob.dt.src).step >
                                         (int64_t)1 << 30) {
        snprintf(r->why, sizeof r->why, "reduction too long for exact mode; use --mode random");
        return r->status = CNB_VAL_SKIP;
    }
    cnb_case c;
    char err[256];
    static char layer_desc[CNB_DESC_MAX + CNB_NAME_MAX + 4];
    char canon[CNB_DESC_MAX];
    cnb_layer_format(l, canon, sizeof canon);
    snprintf(layer_desc, sizeof layer_desc, "%s '%s'", l->name[0] ? l->name : "-", canon);
    cnb_guard_install();
    cnb_guard_context(impl->name, layer_desc);
    if (cnb_case_init(&c, impl, l, o->mode, o->seed, err, sizeof err)) {
        snprintf(r->why, sizeof r->why, "%s", err);
        return r->status = CNB_VAL_FAIL;
    }
    const int64_t n = (int64_t)c.dst.n;
    if (o->zero_src) memset(c.src.data, 0, c.src.n * c.src.esize);
    r->in_hash = inputs_hash(&c);
    uint64_t g_in = 0, g_out = 0;
    char key[CNB_DESC_MAX + 64];
    cnb_golden_key(l, o->seed, key, sizeof key);
    const int have_golden = o->mode == CNB_MODE_EXACT && o->use_golden && !o->zero_src &&
                            cnb_hash_available() &&
                            cnb_golden_find(key, &g_in, &g_out);
    if (have_golden && g_in != r->in_hash) {
        snprintf(r->why, sizeof r->why,
                 "golden hash is stale (input fingerprint differs): run `make golden`");
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }

    /* Run the implementation. */
    if (cnb_case_prepare(&c)) {
        snprintf(r->why, sizeof r->why, "prepare failed (out of memory?)");
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }
    cnb_case_to_impl(&c);
    cnb_case_run(&c);
    cnb_case_from_impl(&c);
    r->out_hash = output_hash(&c, c.dst.data);

    reach rc;
    if (reach_init(&rc, &l->prob)) {
        snprintf(r->why, sizeof r->why, "out of memory");
        reach_free(&rc);
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }
    const int64_t n_empty_bad = check_empty(&l->prob, &rc, c.dst.data, n, r);
    if (n_empty_bad) {
        char at[96];
        cnb_output_coords(&l->prob, r->first, at, sizeof at);
        snprintf(r->why, sizeof r->why, "%lld outputs whose window lies entirely in padding are "
                 "not %g; first at %lld (%s): got %.9g", (long long)n_empty_bad, r->expected,
                 (long long)r->first, at, r->observed);
        r->n_diff = n_empty_bad;
        reach_free(&rc);
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }
    if (have_golden && r->out_hash == g_out) {
        r->golden = 1;
        r->zero_frac = zero_fraction(&l->prob, &rc, c.dst.data, n);
        reach_free(&rc);
        r->status = r->zero_frac > 0.5 ? CNB_VAL_MISTRUSTED : CNB_VAL_PASS;
        if (r->status == CNB_VAL_MISTRUSTED)
            snprintf(r->why, sizeof r->why, "%.0f%% of the output that depends on the input is %s", 100 * r->zero_frac * (counts_saturation(&l->prob) ? 1.8 : 1), counts_saturation(&l->prob) ? "at a saturation bound" : "zero");
        cnb_case_free(&c);
        return r->status;
    }
    /* No golden hash, or it differs: the reference decides (and says where). */
    void *ref = malloc(n * c.dst.esize);
    float *abs_ref = NULL;
    if (!ref || cnb_case_reference(&c, ref, 0)) {
        snprintf(r->why, sizeof r->why, "out of memory for the reference output");
        free(ref);
        reach_free(&rc);
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }
    r->zero_frac = zero_fraction(&l->prob, &rc, ref, n);
    /* The reference is held to the same rule: a reference that puts a value where there is no
     * input cannot vouch for anything. */
    cnb_val_result rr = {.first = -1};
    const int64_t ref_empty_bad = check_empty(&l->prob, &rc, ref, n, &rr);
    reach_free(&rc);
    if (ref_empty_bad) {
        snprintf(r->why, sizeof r->why, "the reference gives %.9g where a window lies entirely in "
                 "padding (expected %g)", rr.observed, rr.expected);
        free(ref);
        cnb_case_free(&c);
        return r->status = CNB_VAL_FAIL;
    }
    if (o->mode == CNB_MODE_EXACT) {
        compare_exact(&l->prob, ref, c.dst.data, n, r);
    } else {
        abs_ref = malloc(n * sizeof *abs_ref);
        if (!abs_ref || cnb_case_reference(&c, abs_ref, 1)) {
            snprintf(r->why, sizeof r->why, "out of memory for the error bound");
            free(ref);
            free(abs_ref);
            cnb_case_free(&c);
            return r->status = CNB_VAL_FAIL;
        }
        compare_bound(&l->prob, ref, abs_ref, c.dst.ptr, n, r);
    }
    if (r->n_diff) {
        char at[96];
        cnb_output_coords(&l->prob, r->first, at, sizeof at);
        snprintf(r->why, sizeof r->why, "%lld of %lld outputs differ; first at %lld (%s): expected %.9g, got %.9g",
                 (long long)r->n_diff, (long long)n, (long long)r->first, at, r->expected,
                 r->observed);
        r->status = CNB_VAL_FAIL;
    } else if (r->zero_frac > 0.5) {
        snprintf(r->why, sizeof r->why, "%.0f%% of the reference output that depends on the input is %s", 100 * r->zero_frac * (counts_saturation(&l->prob) ? 1.8 : 1), counts_saturation(&l->prob) ? "at a saturation bound" : "zero");
        r->status = CNB_VAL_MISTRUSTED;
    } else {
        r->status = CNB_VAL_PASS;
        /* The output's hash missed the golden one but the reference agrees with it: either the
         * golden file is stale, or the output differs only in signs of zero (see compare_exact). */
        if (have_golden && output_hash(&c, ref) != g_out)
            snprintf(r->why, sizeof r->why, "golden hash is stale (the reference differs from tests/golden): run `make golden`");
    }
    free(ref);
    free(abs_ref);
    cnb_case_free(&c);
    return r->status;
}

int cnb_golden_compute(const cnb_layer *l, uint64_t seed, uint64_t *in_hash, uint64_t *out_hash)
{
    const cnb_impl *any = cnb_impl_find(l->prob.op == CNB_OP_CONV   ? "conv/ref"
                                        : l->prob.op == CNB_OP_POOL ? "pool/ref"
                                                                    : "gemm/ref");
    cnb_case c;
    char err[256];
    if (!any || cnb_case_init(&c, any, l, CNB_MODE_EXACT, seed, err, sizeof err)) return -1;
    *in_hash = inputs_hash(&c);
    if (cnb_case_reference(&c, c.dst.data, 0)) {
        cnb_case_free(&c);
        return -1;
    }
    *out_hash = output_hash(&c, c.dst.data);
    cnb_case_free(&c);
    return 0;
}

/* The golden table: a small open-addressing hash map from key to fingerprints. */
typedef struct entry { char *key; uint64_t in, out; } entry;
static entry *table;
static size_t table_cap, table_count;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int table_put(const char *key, uint64_t in, uint64_t out)
{
    if (2 * (table_count + 1) > table_cap) {
        const size_t cap = table_cap ? 2 * table_cap : 1024;
        entry *t = calloc(cap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < table_cap; i++) {
            if (!table[i].key) continue;
            size_t j = str_hash(table[i].key) & (cap - 1);
            while (t[j].key) j = (j + 1) & (cap - 1);
            t[j] = table[i];
        }
        free(table);
        table = t;
        table_cap = cap;
    }
    size_t j = str_hash(key) & (table_cap - 1);
    while (table[j].key && strcmp(table[j].key, key) != 0) j = (j + 1) & (table_cap - 1);
    if (!table[j].key) {
        table[j].key = strdup(key);
        if (!table[j].key) return -1;
        table_count++;
    }
    table[j].in = in;
    table[j].out = out;
    return 0;
}

int cnb_golden_find(const char *key, uint64_t *in_hash, uint64_t *out_hash)
{
    if (!table_cap) return 0;
    size_t j = str_hash(key) & (table_cap - 1);
    while (table[j].key) {
        if (strcmp(table[j].key, key) == 0) {
            *in_hash = table[j].in;
            *out_hash = table[j].out;
            return 1;
        }
        j = (j + 1) & (table_cap - 1);
    }
    return 0;
}

const char *cnb_golden_dir(void)
{
    static char dir[4200];
    const char *env = getenv("CNB_GOLDEN");
    if (env && *env) return env;
    snprintf(dir, sizeof dir, "%s/../../tests/golden", cnb_shapes_dir());
    return dir;
}

/* Lines: "<in-hash> <out-hash> <key>", hashes in hex; '#' comments. */
int cnb_golden_load(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *fp = fopen(path, "r");
        if (!fp) continue;
        char line[1024];
        while (fgets(line, sizeof line, fp)) {
            if (line[0] == '#' || line[0] == '\n') continue;
            line[strcspn(line, "\n")] = 0;
            unsigned long long in, out;
            int off = 0;
            if (sscanf(line, "%llx %llx %n", &in, &out, &off) != 2 || !off) continue;
            table_put(line + off, in, out);
        }
        fclose(fp);
    }
    closedir(d);
    return (int)table_count;
}
