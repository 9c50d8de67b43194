/* bf16, u8 and s8 pooling: every pooling implementation that runs here (the blocked ones of
 * each ISA and the scalar fallback), max and both averages, bit-exact against cnb_ref_pool_dt.
 * The sizes come from each ISA's own blocking table (tests/test_tiles.c does the same for f32):
 * channels around the block (a block tail of every length class), output widths around the
 * pixel groups PX, PX/2 and PX_C (every group and overlapping tail), the column kernels' windows
 * and the general ones, padding (windows that lie partly and wholly in it), strides, dilation
 * and 3D. The data are made here rather than by the harness's fill, to reach what the rules
 * are about: the extremes of each type (0 and 255, −128 and 127, so that a max or a saturation
 * that loses a bit shows), and averages whose quotient is a tie (x.5 for u8/s8, a bf16 midpoint
 * for bf16), which round-to-nearest-even must send to the even side; the test counts the ties it
 * met and fails when there were none. Buffers end at guard pages (harness/buffer.h), and the
 * channel padding of the blocked output must come back zero. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/buffer.h"
#include "harness/desc.h"
#include "harness/layout.h"
#include "kernels/pool/driver.h"
#include "reference/reference.h"
#include "tests/test.h"

#define CNB_IMPL(sym) extern const cnb_impl sym;
#include "kernels/pool/list.inc"
#undef CNB_IMPL

/* Each implementation with its blocking table (the scalar one has none: block 1, and the sizes
 * of the widest table). */
static const struct { const cnb_impl *impl; const cnb_pool_blocked_kernels *t; } impls[] = {
#if defined(__x86_64__)
    {&cnb_pool_f32_window__avx512, &cnb_pool_kernels__avx512},
    {&cnb_pool_f32_window__avx2, &cnb_pool_kernels__avx2},
#endif
#if defined(__aarch64__)
    {&cnb_pool_f32_window__neon, &cnb_pool_kernels__neon},
#endif
    {&cnb_pool_f32_window__scalar, NULL},
};
#define COUNT(a) ((int)(sizeof a / sizeof *a))

static const cnb_dt dts[] = {CNB_DT_BF16, CNB_DT_U8, CNB_DT_S8};
static const char *const algs[] = {"max", "avg_p", "avg_np"};

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static uint16_t bf16_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)(u >> 16); /* f is a bf16 value here: exact */
}

static float f32_of_bf16(uint16_t b)
{
    const uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Element i of the user-layout src. Integers: a quarter of the elements at the type's two ends,
 * the rest uniform. bf16: integers of up to 8 bits times 2^-2..2^2, signed, so that a window's
 * sum is exact in float (the average's contract) and quotients land on bf16 midpoints; for max,
 * also magnitudes up to 2^100 (a wide exponent range, as real activations have). */
static void make_src(cnb_dt dt, int is_max, void *src, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (int64_t i = 0; i < n; i++) {
        const uint32_t r = rnd(&s), k = r % 8;
        switch (dt) {
        case CNB_DT_U8: ((uint8_t *)src)[i] = k == 0 ? 0 : k == 1 ? 255 : (uint8_t)(r >> 8); break;
        case CNB_DT_S8: ((int8_t *)src)[i] = k == 0 ? -128 : k == 1 ? 127 : (int8_t)(r >> 8); break;
        default: {
            float v = ldexpf((float)((r >> 8) % 256), (int)((r >> 16) % 5) - 2);
            if (is_max && k == 0) v = ldexpf(1.0f + (float)((r >> 8) % 128) / 128, (int)((r >> 16) % 200) - 100);
            ((uint16_t *)src)[i] = bf16_of(r >> 31 ? -v : v);
        }
        }
    }
}

/* A float quotient q that is a tie of the average's rounding: u8/s8 x.5, bf16 exactly halfway
 * between two bf16. */
static int is_tie(cnb_dt dt, double q)
{
    if (dt == CNB_DT_BF16) {
        const float f = (float)q;
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        return (u & 0xffff) == 0x8000;
    }
    return q - floor(q) == 0.5;
}

static double elem(cnb_dt dt, const void *p, int64_t i)
{
    if (dt == CNB_DT_BF16) return f32_of_bf16(((const uint16_t *)p)[i]);
    return cnb_dt_load(p, dt, i);
}

typedef struct { int cases, ties, fails; } stats;

/* One descriptor on one implementation: make the data, run, compare with the reference. */
static void run_case(const cnb_impl *m, const char *desc, stats *st, uint64_t seed)
{
    cnb_layer l;
    char err[256];
    if (cnb_layer_parse(desc, CNB_KIND_POOL, 0, &l, err, sizeof err)) {
        CHECK(0, "case '%s' does not parse: %s", desc, err);
        st->fails++;
        return;
    }
    const cnb_problem *pr = &l.prob;
    const cnb_pool *p = &pr->pool;
    const cnb_dt dt = pr->dt.src;
    const char *why = cnb_impl_supports(m, pr);
    if (why) {
        CHECK(0, "%s declines '%s': %s", m->name, desc, why);
        st->fails++;
        return;
    }
    const int es = cnb_dt_size(dt), block = cnb_layout_block(m->layout);
    const int64_t sp_in = (int64_t)p->id * p->ih * p->iw, sp_out = (int64_t)p->od * p->oh * p->ow;
    const int64_t n_in = cnb_pool_src_elems(p), n_out = cnb_pool_dst_elems(p);
    const size_t nb_in = cnb_layout_elems(p->mb, p->c, sp_in, block);
    const size_t nb_out = cnb_layout_elems(p->mb, p->c, sp_out, block);
    void *src = malloc((size_t)n_in * es), *ref = malloc((size_t)n_out * es);
    void *got = malloc((size_t)n_out * es);
    cnb_buf bs, bd;
    if (!src || !ref || !got || cnb_buf_alloc_dt(&bs, nb_in, dt, "src") ||
        cnb_buf_alloc_dt(&bd, nb_out, dt, "dst")) {
        CHECK(0, "out of memory for '%s'", desc);
        exit(1);
    }
    make_src(dt, p->alg == CNB_POOL_MAX, src, n_in, seed);
    cnb_to_blocked(src, bs.data, p->mb, p->c, sp_in, block, es);
    memset(bd.data, 0xa5, nb_out * es); /* a kernel that skips an output, or a padding lane, shows */
    cnb_guard_context(m->name, desc);
    void *state = m->prepare ? m->prepare(pr, NULL) : NULL;
    m->run(state, pr, bs.data, NULL, bd.data);
    if (m->release) m->release(state);
    cnb_from_blocked(bd.data, got, p->mb, p->c, sp_out, block, es);
    cnb_ref_pool_dt(p, dt, src, ref);

    /* Padding lanes of the last channel block: zero. */
    int pad_bad = 0;
    const int nblk = (p->c + block - 1) / block, c_last = p->c - (nblk - 1) * block;
    for (int n = 0; n < p->mb && !pad_bad; n++)
        for (int64_t x = 0; x < sp_out && !pad_bad; x++)
            for (int c = c_last; c < block; c++) {
                const unsigned char *e =
                    (const unsigned char *)bd.data + ((((int64_t)n * nblk + nblk - 1) * sp_out + x) * block + c) * es;
                for (int b = 0; b < es; b++) pad_bad |= e[b] != 0;
            }
    CHECK(!pad_bad, "%s '%s': a channel-padding lane of dst is not zero", m->name, desc);

    /* The ties the averages met: the float quotient q of each output, recomputed from the data
     * (the output alone cannot tell whether q was a tie). */
    if (p->alg != CNB_POOL_MAX) {
        for (int64_t o = 0; o < n_out; o++) {
            const int64_t ow = o % p->ow, oh = o / p->ow % p->oh, od = o / p->ow / p->oh % p->od;
            const int64_t nc = o / sp_out;
            double sum = 0;
            int inside = 0;
            for (int kd = 0; kd < p->kd; kd++) {
                const int64_t id = od * p->sd - p->pd + kd * (p->dd + 1);
                if (id < 0 || id >= p->id) continue;
                for (int kh = 0; kh < p->kh; kh++) {
                    const int64_t ih = oh * p->sh - p->ph + kh * (p->dh + 1);
                    if (ih < 0 || ih >= p->ih) continue;
                    for (int kw = 0; kw < p->kw; kw++) {
                        const int64_t iw = ow * p->sw - p->pw + kw * (p->dw + 1);
                        if (iw < 0 || iw >= p->iw) continue;
                        sum += elem(dt, src, nc * sp_in + (id * p->ih + ih) * p->iw + iw);
                        inside++;
                    }
                }
            }
            const double cnt = p->alg == CNB_POOL_AVG_INCL ? (double)p->kd * p->kh * p->kw : inside;
            if (cnt > 0) st->ties += is_tie(dt, (float)(sum / cnt));
        }
    }

    for (int64_t i = 0; i < n_out; i++)
        if (memcmp((const char *)got + i * es, (const char *)ref + i * es, es)) {
            if (st->fails < 10) /* the first few of each implementation and type, each rerunnable */
                CHECK(0, "%s '%s': dst[%lld] expected %.9g observed %.9g (rerun: cnnbench check --impl %s '%s')",
                      m->name, desc, (long long)i, elem(dt, ref, i), elem(dt, got, i), m->name, desc);
            else
                cnb_test_failures++;
            st->fails++;
            break;
        }
    st->cases++;
    cnb_buf_free(&bs);
    cnb_buf_free(&bd);
    free(src);
    free(ref);
    free(got);
}

/* The sizes around a tile dimension t: t−1, t, t+1, 2t−1, 2t+1 (those ≥ 1), appended to out
 * without repeats. */
static int add_around(int t, int *out, int n)
{
    const int c[] = {t - 1, t, t + 1, 2 * t - 1, 2 * t + 1};
    for (int i = 0; i < 5; i++) {
        int dup = c[i] < 1;
        for (int j = 0; j < n; j++) dup |= out[j] == c[i];
        if (!dup) out[n++] = c[i];
    }
    return n;
}

void test_pool_lowp(void)
{
    /* The (window, stride, padding, dilation) along w: the column kernels' 3/1, 3/2, 2/2, the
     * general path next to them, a wide window, a dilated one; along h the same with ph1. */
    static const struct { int k, s, p, dil; } win[] = {
        {3, 1, 1, 0}, {3, 2, 1, 0}, {2, 2, 0, 0}, {2, 1, 0, 0}, {3, 3, 1, 0}, {4, 2, 1, 0},
        {5, 1, 2, 0}, {3, 1, 1, 1}};
    cnb_guard_install();
    char d[CNB_DESC_MAX];
    for (int e = 0; e < COUNT(impls); e++) {
        const cnb_impl *m = impls[e].impl;
        if (!cnb_impl_runnable(m, NULL)) continue;
        const cnb_pool_blocked_kernels *t = impls[e].t;
        const int cb = t ? t->cb : 16, px = t ? t->px : 8, px_c = t ? t->px_c : 8;
        int ow[16], now = 0, cs[8], nc = 0;
        now = add_around(px, ow, now);
        now = add_around(px / 2, ow, now);
        now = add_around(px_c, ow, now);
        const int cc[] = {1, cb - 1, cb + 1, 2 * cb + 3};
        for (int i = 0; i < 4; i++) {
            int dup = cc[i] < 1;
            for (int j = 0; j < nc; j++) dup |= cs[j] == cc[i];
            if (!dup) cs[nc++] = cc[i];
        }
        stats st[COUNT(dts)] = {{0}};
        uint64_t seed = 1;
        for (int ti = 0; ti < COUNT(dts); ti++)
            for (int a = 0; a < 3; a++) {
                const char *dtn = cnb_dt_name(dts[ti]);
                /* Pixel groups and column kernels along w, channels with a tail. */
                for (int w = 0; w < COUNT(win); w++)
                    for (int i = 0; i < now; i++) {
                        const int ext = (win[w].k - 1) * (win[w].dil + 1) + 1;
                        const int iw = (ow[i] - 1) * win[w].s + ext - 2 * win[w].p;
                        if (iw < 1) continue;
                        snprintf(d, sizeof d,
                                 "pool:%s --dt=%s mb1ic%dih4iw%dow%dkh3kw%dsh2sw%dph1pw%ddh0dw%d",
                                 algs[a], dtn, cs[(w + i) % nc], iw, ow[i], win[w].k, win[w].s,
                                 win[w].p, win[w].dil);
                        run_case(m, d, &st[ti], seed++);
                    }
                /* Every channel count with one window; 3D with padding in every direction
                 * (avg_p reaches windows wholly in padding, max the empty-window value); a
                 * global pool; mb 2. */
                for (int i = 0; i < nc; i++) {
                    snprintf(d, sizeof d, "pool:%s --dt=%s mb2ic%did5ih6iw%dkd3kh3kw3pd1ph2pw1",
                             algs[a], dtn, cs[i], 2 * px + 3);
                    run_case(m, d, &st[ti], seed++);
                }
                if (a != 2) {
                    snprintf(d, sizeof d, "pool:%s --dt=%s mb1ic%dih3iw5oh4ow6kh2kw2ph2pw2",
                             algs[a], dtn, cb + 1);
                    run_case(m, d, &st[ti], seed++);
                }
                snprintf(d, sizeof d, "pool:%s --dt=%s mb1ic%dih7iw7oh1ow1kh7kw7", algs[a], dtn,
                         2 * cb);
                run_case(m, d, &st[ti], seed++);
            }
        /* An int8 average whose sum could round in float is refused, max over it taken. */
        for (int a = 0; a < 2; a++) {
            cnb_layer l;
            char err[256];
            snprintf(d, sizeof d, "pool:%s --dt=u8 mb1ic1ih257iw257kh257kw257", a ? "avg_p" : "max");
            if (cnb_layer_parse(d, CNB_KIND_POOL, 0, &l, err, sizeof err)) {
                CHECK(0, "case '%s' does not parse: %s", d, err);
                continue;
            }
            const char *why = cnb_impl_supports(m, &l.prob);
            CHECK(a ? why != NULL : why == NULL, "%s %s '%s'", m->name, a ? "takes" : "declines", d);
        }
        for (int ti = 0; ti < COUNT(dts); ti++) {
            printf("  %s %s: %d cases, %d average ties, %d failed\n", m->name,
                   cnb_dt_name(dts[ti]), st[ti].cases, st[ti].ties, st[ti].fails);
            CHECK(st[ti].ties > 0, "%s %s: no average met a rounding tie", m->name, cnb_dt_name(dts[ti]));
        }
    }
}
