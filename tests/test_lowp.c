/* The traps of the bf16 and int8 GEMMs, on hand-made data rather than the exact-mode fill: every
 * implementation (ours and peers) that takes the triple runs each case and must equal the
 * reference (reference/reference.h) byte for byte.
 *   extremes     A all 255 (or −128) × B all −128 or 127 with K = 65000: accumulators within 2% of
 *                the int32 bounds, the whole K long (an int16 pair sum, vpmaddubsw's, saturates;
 *                a wrong u8 − 128 compensation is off by 128·Σb)
 *   signs        u8 values at and around 128 and s8 values at and around 0 and the bounds: a u8
 *                read as s8 (or an s8 as u8) changes the sums
 *   ties         requantized u8/s8 outputs with shift 4 over every product a·b of a row and a
 *                column range: exact ties (acc ≡ 8 mod 16) to even up and down, both signs,
 *                saturation at both ends
 *   bf16 ties    sums ±2^e + j, e = 8..11, j = 0..63: exact ties and non-ties of the bf16 output
 *                rounding at four spacings, both signs
 * gemm/broken_int8_sat (hidden) must fail the extremes: the test can fail. */
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "reference/reference.h"
#include "kernels/impl.h"
#include "tests/test.h"

typedef void fill_fn(const cnb_problem *p, void *a, void *b, int variant);

/* bf16 bits of a float that bf16 holds exactly. */
static uint16_t bf16_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}

static void put(void *p, cnb_dt dt, int64_t i, double v)
{
    switch (dt) {
    case CNB_DT_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case CNB_DT_S8: ((int8_t *)p)[i] = (int8_t)v; break;
    case CNB_DT_BF16: ((uint16_t *)p)[i] = bf16_of((float)v); break;
    default: ((float *)p)[i] = (float)v; break;
    }
}

/* A [m][k] and B [k][n] (untransposed, lda = k, ldb = n). */
static void fill_extremes(const cnb_problem *p, void *a, void *b, int variant)
{
    const cnb_gemm *g = &p->gemm;
    const double amax = p->dt.src == CNB_DT_U8 ? 255 : -128, bval = variant ? 127 : -128;
    for (int64_t i = 0; i < (int64_t)g->m * g->k; i++) put(a, p->dt.src, i, amax);
    for (int64_t i = 0; i < (int64_t)g->k * g->n; i++) put(b, p->dt.wei, i, bval);
}

static void fill_signs(const cnb_problem *p, void *a, void *b, int variant)
{
    static const double au[] = {255, 0, 128, 127, 129, 1, 254}, as[] = {-128, 0, 127, -1, 1, -127, 126};
    static const double bs[] = {-128, 127, -1, 0, 1, -127, 126, 64};
    const cnb_gemm *g = &p->gemm;
    const double *av = p->dt.src == CNB_DT_U8 ? au : as;
    for (int i = 0; i < g->m; i++)
        for (int k = 0; k < g->k; k++) put(a, p->dt.src, (int64_t)i * g->k + k, av[(i + k * (variant + 1)) % 7]);
    for (int k = 0; k < g->k; k++)
        for (int j = 0; j < g->n; j++) put(b, p->dt.wei, (int64_t)k * g->n + j, bs[(3 * k + j) % 8]);
}

/* K = 1: C[i][j] = a_i · b_j over a range of each. */
static void fill_ties(const cnb_problem *p, void *a, void *b, int variant)
{
    const cnb_gemm *g = &p->gemm;
    const int lo = p->dt.src == CNB_DT_U8 ? 0 : -128;
    for (int i = 0; i < g->m; i++) put(a, p->dt.src, i, lo + (i * (variant ? 3 : 1)) % 256);
    for (int j = 0; j < g->n; j++) put(b, p->dt.wei, j, -128 + j % 256);
}

/* K = 2: C[i][j] = ±2^(8 + i % 4) · 1 + 1 · j. */
static void fill_bf16(const cnb_problem *p, void *a, void *b, int variant)
{
    const cnb_gemm *g = &p->gemm;
    (void)variant;
    for (int i = 0; i < g->m; i++) {
        put(a, p->dt.src, (int64_t)i * 2, (double)(1 << (8 + i % 4)) * (i / 4 % 2 ? -1 : 1));
        put(a, p->dt.src, (int64_t)i * 2 + 1, 1);
    }
    for (int j = 0; j < g->n; j++) {
        put(b, p->dt.wei, j, 1);
        put(b, p->dt.wei, g->n + j, j);
    }
}

/* Runs one hand-made case on every implementation that takes it (or only on `only`); returns
 * the number of implementations whose output differed from the reference. */
static int run_case(const char *desc, int shift, fill_fn *fill, int variant, const char *only)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(desc, CNB_KIND_GEMM, 0, &l, err, sizeof err)) {
        CHECK(0, "'%s' does not parse: %s", desc, err);
        return 0;
    }
    cnb_problem *p = &l.prob;
    if (cnb_dt_requantized(&p->dt)) p->dt.dst_scale_log2 = p->dt.src_scale_log2 + p->dt.wei_scale_log2 + shift;
    const cnb_gemm *g = &p->gemm;
    const size_t cb = (size_t)g->m * g->ldc * cnb_dt_size(p->dt.dst);
    void *a = calloc((size_t)g->m * g->k, cnb_dt_size(p->dt.src));
    void *b = calloc((size_t)g->k * g->n, cnb_dt_size(p->dt.wei));
    unsigned char *want = malloc(cb), *got = malloc(cb);
    int bad = 0;
    if (!a || !b || !want || !got) {
        CHECK(0, "out of memory");
        goto out;
    }
    fill(p, a, b, variant);
    cnb_ref_gemm_dt(g, &p->dt, a, b, want);
    for (int i = 0; cnb_impls[i]; i++) {
        const cnb_impl *m = cnb_impls[i];
        if (m->op != CNB_OP_GEMM || m->peer || strstr(m->name, "/ref") || !cnb_impl_runnable(m, NULL))
            continue;
        if (only ? strcmp(m->name, only) != 0 : m->hidden) continue;
        if (cnb_impl_supports(m, p)) continue;
        void *st = m->prepare ? m->prepare(p, b) : NULL;
        if (m->prepare && !st) {
            CHECK(0, "%s: prepare failed on '%s'", m->name, desc);
            continue;
        }
        memset(got, 0x5a, cb);
        m->run(st, p, a, b, got);
        if (m->release) m->release(st);
        size_t at = 0;
        while (at < cb && want[at] == got[at]) at++;
        if (at < cb) {
            bad++;
            if (!only)
                CHECK(0, "%s: '%s' (shift %d, fill variant %d) differs from the reference at byte %zu",
                      m->name, desc, shift, variant, at);
        }
    }
out:
    free(a), free(b), free(want), free(got);
    return bad;
}

void test_lowp_traps(void)
{
    static const char *const int8[] = {"u8:s8", "s8:s8"};
    char d[CNB_DESC_MAX];
    for (int s = 0; s < 2; s++) {
        for (int v = 0; v < 2; v++) {
            snprintf(d, sizeof d, "gemm --dt=%s:s32 m3n17k65000", int8[s]);
            run_case(d, 0, fill_extremes, v, NULL);
            snprintf(d, sizeof d, "gemm --dt=%s:s32 m9n21k1031", int8[s]);
            run_case(d, 0, fill_signs, v, NULL);
        }
        static const char *const outs[] = {"u8", "s8"};
        for (int o = 0; o < 2; o++)
            for (int v = 0; v < 2; v++) {
                snprintf(d, sizeof d, "gemm --dt=%s:%s m256n256k1", int8[s], outs[o]);
                run_case(d, 4, fill_ties, v, NULL);
                snprintf(d, sizeof d, "gemm --dt=%s:%s m9n21k1031", int8[s], outs[o]);
                run_case(d, 13, fill_signs, v, NULL);
            }
    }
    run_case("gemm --dt=bf16 m8n64k2", 0, fill_bf16, 0, NULL);
    run_case("gemm --dt=bf16:bf16:f32 m8n64k2", 0, fill_bf16, 0, NULL);
    /* The test can fail: int16 pair sums saturate on the extremes. */
    CHECK(run_case("gemm --dt=u8:s8:s32 m3n17k65000", 0, fill_extremes, 0, "gemm/broken_int8_sat") == 1,
          "gemm/broken_int8_sat passes the extremes");
}
