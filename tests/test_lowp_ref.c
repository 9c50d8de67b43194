/* bf16 and int8 convolution and pooling: the reference against hand-computed outputs (the traps
 * a kernel falls into: u8×s8 pairs beyond int16, the u8/s8 sign convention, bf16 ties on the
 * output, int8 average ties, saturation when requantizing), then the harness path (typed blocked
 * layouts, typed fill, validation) through a test implementation that follows the run() contract
 * of kernels/impl.h, and a broken one the validator must reject. Finally the lowp edge cases
 * over every registered implementation that declares a lowp configuration for conv or pool. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "harness/validate.h"
#include "reference/reference.h"
#include "tests/test.h"

/* bf16 of a float by the usual bit trick (round half to even on the upper half), independent of
 * the reference's frexp/nearbyint rule. */
static uint16_t bf16_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

static float bf16_val(uint16_t b)
{
    const uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* A 1×1 convolution of one pixel: dst[oc] = Σ_ic src[ic] · wei[oc][ic]. */
static cnb_conv conv_1x1(int ic, int oc)
{
    return (cnb_conv){.mb = 1, .g = 1, .ic = ic, .oc = oc, .id = 1, .ih = 1, .iw = 1, .od = 1,
                      .oh = 1, .ow = 1, .kd = 1, .kh = 1, .kw = 1, .sd = 1, .sh = 1, .sw = 1};
}

void test_ref_conv_lowp_hand(void)
{
    /* u8 × s8 at the extremes: 255·127 pairs sum to 64770 and 255·(−128) pairs to −65280, past
     * int16 (vpmaddubsw saturates there); the exact int32 sums are 4·32385 and 4·(−32640). */
    {
        const cnb_conv c = conv_1x1(4, 3);
        const uint8_t src[4] = {255, 255, 255, 255};
        const int8_t wei[12] = {127, 127, 127, 127, -128, -128, -128, -128, 127, -128, 127, -128};
        int32_t dst[3];
        const cnb_types t = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S32, 0, 0, 0};
        cnb_ref_conv_dt(&c, &t, src, wei, dst);
        CHECK(dst[0] == 129540 && dst[1] == -130560 && dst[2] == 2 * 32385 - 2 * 32640,
              "u8:s8:s32 extremes: got %d %d %d, want 129540 -130560 -510", dst[0], dst[1], dst[2]);
    }
    /* Sign convention: the byte 0xff is 255 as u8 and −1 as s8, in src and in weights. */
    {
        const cnb_conv c = conv_1x1(2, 1);
        const uint8_t src[2] = {0xff, 0x80};
        const uint8_t wei[2] = {0xff, 0x01};   /* s8: −1, 1 */
        int32_t d_u8, d_s8;
        const cnb_types tu = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S32, 0, 0, 0};
        const cnb_types ts = {CNB_DT_S8, CNB_DT_S8, CNB_DT_S32, 0, 0, 0};
        cnb_ref_conv_dt(&c, &tu, src, wei, &d_u8);
        cnb_ref_conv_dt(&c, &ts, src, wei, &d_s8);
        CHECK(d_u8 == 255 * -1 + 128 * 1, "u8 src 0xff,0x80 · s8 wei 0xff,0x01: got %d, want -127", d_u8);
        CHECK(d_s8 == -1 * -1 + -128 * 1, "s8 src 0xff,0x80 · s8 wei: got %d, want -127", d_s8);
    }
    /* bf16 output ties: 257 and 259 lie halfway between bf16 neighbours (8 significant bits):
     * to even, 256 and 260; 257.5 is above the tie, 258. f32 keeps them exact. */
    {
        const cnb_conv c = conv_1x1(3, 1);
        const float cases[][4] = {{256, 1, 0, 256}, {256, 3, 0, 260}, {256, 1, 0.5f, 258},
                                  {-256, -1, 0, -256}, {-256, -3, 0, -260}, {2, -2, 0, 0}};
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            const uint16_t src[3] = {bf16_bits(cases[i][0]), bf16_bits(cases[i][1]), bf16_bits(cases[i][2])};
            const uint16_t wei[3] = {bf16_bits(1), bf16_bits(1), bf16_bits(1)};
            uint16_t d16;
            float d32;
            const cnb_types tb = {CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0, 0, 0};
            const cnb_types tf = {CNB_DT_BF16, CNB_DT_BF16, CNB_DT_F32, 0, 0, 0};
            cnb_ref_conv_dt(&c, &tb, src, wei, &d16);
            cnb_ref_conv_dt(&c, &tf, src, wei, &d32);
            const float exact = cases[i][0] + cases[i][1] + cases[i][2];
            CHECK(bf16_val(d16) == cases[i][3], "bf16 out of %g: got %g, want %g", exact,
                  bf16_val(d16), cases[i][3]);
            CHECK(d32 == exact, "bf16:bf16:f32 out of %g: got %g", exact, d32);
        }
    }
    /* Requantization: saturate(RNE(acc · 2^(src + wei − dst))), ties to even, both signs. */
    {
        const cnb_conv c = conv_1x1(1, 1);
        static const struct { int src, wei; int s_log2, d_log2; int want_u8, want_s8; } q[] = {
            {24, 1, 0, 4, 2, 2},       /* 1.5 → 2 */
            {40, 1, 0, 4, 2, 2},       /* 2.5 → 2 */
            {56, 1, 0, 4, 4, 4},       /* 3.5 → 4 */
            {24, -1, 0, 4, 0, -2},     /* −1.5 → −2; u8 saturates at 0 */
            {40, -1, 0, 4, 0, -2},     /* −2.5 → −2 */
            {8, -1, 0, 4, 0, 0},       /* −0.5 → −0 → 0 */
            {255, 127, 0, 4, 255, 127},    /* 2024.06 saturates */
            {255, -128, 0, 4, 0, -128},    /* −2040 saturates */
            {255, 127, 0, 8, 127, 127},    /* 126.50390625 → 127 */
            {3, 1, 1, 2, 2, 2},        /* src scale 2: 3·2/4 = 1.5 → 2 */
            {5, 1, 1, 2, 2, 2},        /* 2.5 → 2 */
            {100, 1, 0, -1, 200, 127},     /* dst scale 1/2: 200 (u8 holds it, s8 saturates) */
        };
        for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
            const uint8_t s_u8 = (uint8_t)q[i].src;
            const int8_t w = (int8_t)q[i].wei;
            uint8_t du;
            int8_t ds;
            const cnb_types tu = {CNB_DT_U8, CNB_DT_S8, CNB_DT_U8, q[i].s_log2, 0, q[i].d_log2};
            const cnb_types ts = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S8, q[i].s_log2, 0, q[i].d_log2};
            cnb_ref_conv_dt(&c, &tu, &s_u8, &w, &du);
            cnb_ref_conv_dt(&c, &ts, &s_u8, &w, &ds);
            CHECK(du == q[i].want_u8 && ds == q[i].want_s8,
                  "requantize %d·%d·2^(%d-%d): got u8 %d s8 %d, want %d %d", q[i].src, q[i].wei,
                  q[i].s_log2, q[i].d_log2, du, ds, q[i].want_u8, q[i].want_s8);
        }
    }
    /* A real window: 3×3, padding 1, two input channels, one group of two; checked against a
     * direct sum written out here. */
    {
        cnb_conv c = {.mb = 1, .g = 2, .ic = 4, .oc = 2, .id = 1, .ih = 3, .iw = 3, .od = 1, .oh = 3,
                      .ow = 3, .kd = 1, .kh = 3, .kw = 3, .sd = 1, .sh = 1, .sw = 1, .ph = 1, .pw = 1,
                      .ph_r = 1, .pw_r = 1};
        uint8_t src[4 * 9];
        int8_t wei[2 * 2 * 9];
        for (int i = 0; i < 36; i++) src[i] = (uint8_t)(200 + i);
        for (int i = 0; i < 36; i++) wei[i] = (int8_t)(i % 2 ? 120 - i : -90 - i);
        int32_t dst[18];
        const cnb_types t = {CNB_DT_U8, CNB_DT_S8, CNB_DT_S32, 0, 0, 0};
        cnb_ref_conv_dt(&c, &t, src, wei, dst);
        int bad = 0;
        for (int oc = 0; oc < 2; oc++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) {
                    int64_t want = 0;
                    for (int ic = 0; ic < 2; ic++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                const int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy > 2 || ix < 0 || ix > 2) continue;
                                want += src[(oc * 2 + ic) * 9 + iy * 3 + ix] *
                                        wei[(oc * 2 + ic) * 9 + ky * 3 + kx];
                            }
                    bad += dst[oc * 9 + y * 3 + x] != want;
                }
        CHECK(!bad, "grouped 3x3 u8:s8:s32 with padding: %d outputs differ from the direct sum", bad);
    }
}

/* One row of pooling: iw inputs, window kw, stride sw, left padding pw. */
static cnb_pool pool_row(cnb_pool_alg alg, int iw, int kw, int sw, int pw, int ow)
{
    return (cnb_pool){.alg = alg, .mb = 1, .c = 1, .id = 1, .ih = 1, .iw = iw, .od = 1, .oh = 1,
                      .ow = ow, .kd = 1, .kh = 1, .kw = kw, .sd = 1, .sh = 1, .sw = sw, .pw = pw,
                      .pw_r = (ow - 1) * sw - iw + kw - pw};
}

void test_ref_pool_lowp_hand(void)
{
    /* Average ties, u8 and s8: pairs (a, b) averaged over 2 taps, to nearest even. */
    {
        const cnb_pool p = pool_row(CNB_POOL_AVG_EXCL, 10, 2, 2, 0, 5);
        const int8_t s8[10] = {-1, -2, -2, -3, 0, -1, 127, 126, -128, -127};
        const int8_t w8[5] = {-2, -2, 0, 126, -128};   /* −1.5 −2.5 −0.5 126.5 −127.5 */
        const uint8_t u8[10] = {1, 2, 2, 3, 0, 1, 255, 254, 255, 255};
        const uint8_t wu[5] = {2, 2, 0, 254, 255};       /* 1.5 2.5 0.5 254.5 255 */
        int8_t ds[5];
        uint8_t du[5];
        cnb_ref_pool_dt(&p, CNB_DT_S8, s8, ds);
        cnb_ref_pool_dt(&p, CNB_DT_U8, u8, du);
        CHECK(!memcmp(ds, w8, 5), "s8 avg ties: got %d %d %d %d %d, want -2 -2 0 126 -128",
              ds[0], ds[1], ds[2], ds[3], ds[4]);
        CHECK(!memcmp(du, wu, 5), "u8 avg ties: got %d %d %d %d %d, want 2 2 0 254 255",
              du[0], du[1], du[2], du[3], du[4]);
    }
    /* avg_p counts the padding: window 4 over [pad, 5, 1, pad]... sums over 4 taps. */
    {
        const cnb_pool p = pool_row(CNB_POOL_AVG_INCL, 3, 4, 1, 1, 2);
        const uint8_t u8[3] = {5, 1, 4};   /* windows: {pad,5,1,4} = 10/4 = 2.5 → 2; {5,1,4,pad} */
        uint8_t du[2];
        cnb_ref_pool_dt(&p, CNB_DT_U8, u8, du);
        CHECK(du[0] == 2 && du[1] == 2, "u8 avg_p 10/4: got %d %d, want 2 2", du[0], du[1]);
        const cnb_pool q = pool_row(CNB_POOL_AVG_EXCL, 3, 4, 1, 1, 2);
        cnb_ref_pool_dt(&q, CNB_DT_U8, u8, du);
        CHECK(du[0] == 3 && du[1] == 3, "u8 avg_np 10/3 = 3.33: got %d %d, want 3 3", du[0], du[1]);
    }
    /* Max: the byte 0xff is the largest u8 and −1 in s8. */
    {
        const cnb_pool p = pool_row(CNB_POOL_MAX, 3, 3, 1, 0, 1);
        const uint8_t b[3] = {0xff, 0x01, 0x80};
        uint8_t du;
        int8_t ds;
        cnb_ref_pool_dt(&p, CNB_DT_U8, b, &du);
        cnb_ref_pool_dt(&p, CNB_DT_S8, b, &ds);
        CHECK(du == 255 && ds == 1, "max of bytes ff 01 80: got u8 %d s8 %d, want 255 1", du, ds);
    }
    /* bf16 average: the f32 quotient, then bf16 to nearest even. 514/2 = 257 is a bf16 tie
     * (→ 256); 262/3 = 87.33 → 87.5; 6/4 = 1.5 exact. */
    {
        const cnb_pool p = pool_row(CNB_POOL_AVG_EXCL, 6, 2, 2, 0, 3);
        const float v[6] = {512, 2, 0.5f, 0.25f, -512, -2};
        uint16_t src[6], dst[3];
        for (int i = 0; i < 6; i++) src[i] = bf16_bits(v[i]);
        cnb_ref_pool_dt(&p, CNB_DT_BF16, src, dst);
        const float want[3] = {256, 0.375f, -256};
        CHECK(bf16_val(dst[0]) == want[0] && bf16_val(dst[1]) == want[1] && bf16_val(dst[2]) == want[2],
              "bf16 avg: got %g %g %g, want 256 0.375 -256", bf16_val(dst[0]), bf16_val(dst[1]),
              bf16_val(dst[2]));
        const cnb_pool q = pool_row(CNB_POOL_AVG_EXCL, 3, 3, 1, 0, 1);
        const uint16_t s3[3] = {bf16_bits(256), bf16_bits(4), bf16_bits(2)};
        uint16_t d3;
        cnb_ref_pool_dt(&q, CNB_DT_BF16, s3, &d3);
        CHECK(d3 == bf16_bits(262.0f / 3.0f) && bf16_val(d3) == 87.5f,
              "bf16 avg 262/3: got %g, want 87.5", bf16_val(d3));
    }
    /* A window entirely in padding: max gives the type's lowest, averages 0. */
    {
        const cnb_pool p = pool_row(CNB_POOL_MAX, 1, 1, 1, 1, 3);   /* outputs 0 and 2: padding */
        const uint8_t b[1] = {7};
        uint8_t du[3];
        int8_t ds[3];
        uint16_t dh[3];
        const uint16_t h[1] = {bf16_bits(7)};
        cnb_ref_pool_dt(&p, CNB_DT_U8, b, du);
        cnb_ref_pool_dt(&p, CNB_DT_S8, b, ds);
        cnb_ref_pool_dt(&p, CNB_DT_BF16, h, dh);
        CHECK(du[0] == 0 && du[1] == 7 && du[2] == 0, "u8 empty max: %d %d %d", du[0], du[1], du[2]);
        CHECK(ds[0] == -128 && ds[1] == 7 && ds[2] == -128, "s8 empty max: %d %d %d", ds[0], ds[1], ds[2]);
        CHECK(dh[0] == 0xff7f && bf16_val(dh[1]) == 7 && dh[2] == 0xff7f,
              "bf16 empty max: %04x %g %04x, want ff7f 7 ff7f", dh[0], bf16_val(dh[1]), dh[2]);
        const cnb_pool a = pool_row(CNB_POOL_AVG_INCL, 1, 1, 1, 1, 3);
        cnb_ref_pool_dt(&a, CNB_DT_S8, b, ds);
        CHECK(ds[0] == 0 && ds[1] == 7 && ds[2] == 0, "s8 empty avg_p: %d %d %d", ds[0], ds[1], ds[2]);
    }
    /* f32 through the _dt path gives cnb_ref_pool's bits. */
    {
        const cnb_pool p = pool_row(CNB_POOL_AVG_EXCL, 7, 3, 2, 1, 4);
        const float v[7] = {1, 2, 4, -3, 0.5f, 7, 1.0f / 3};
        float a[4], b[4];
        cnb_ref_pool(&p, v, a);
        cnb_ref_pool_dt(&p, CNB_DT_F32, v, b);
        CHECK(!memcmp(a, b, sizeof a), "f32 through cnb_ref_pool_dt differs from cnb_ref_pool");
    }
}

/* ---- the harness path: a test implementation in nCx16c that follows the run() contract ---- */

static int test_broken;   /* 1: requantize and average by truncation instead of nearest even */

/* Element (n, c, x) of a blocked nCx16c tensor of esize-byte elements (kernels/impl.h). */
static size_t at16(int n, int c, int64_t x, int channels, int64_t spatial, int esize)
{
    const int cb = (channels + 15) / 16;
    return ((((size_t)n * cb + c / 16) * spatial + x) * 16 + c % 16) * esize;
}

static void blocked_run(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst)
{
    (void)state;
    const int conv = p->op == CNB_OP_CONV;
    const int mb = conv ? p->conv.mb : p->pool.mb;
    const int ci = conv ? p->conv.ic : p->pool.c, co = conv ? p->conv.oc : p->pool.c;
    const int64_t si = conv ? (int64_t)p->conv.id * p->conv.ih * p->conv.iw
                            : (int64_t)p->pool.id * p->pool.ih * p->pool.iw;
    const int64_t so = conv ? (int64_t)p->conv.od * p->conv.oh * p->conv.ow
                            : (int64_t)p->pool.od * p->pool.oh * p->pool.ow;
    const int es = cnb_dt_size(p->dt.src), ed = cnb_dt_size(p->dt.dst);
    unsigned char *s = malloc((size_t)mb * ci * si * es), *d = malloc((size_t)mb * co * so * ed);
    int pad_ok = 1;
    for (int n = 0; n < mb; n++)
        for (int c = 0; c < (ci + 15) / 16 * 16; c++)
            for (int64_t x = 0; x < si; x++) {
                const unsigned char *e = (const unsigned char *)src + at16(n, c, x, ci, si, es);
                if (c >= ci) {
                    for (int b = 0; b < es; b++) pad_ok &= e[b] == 0;
                    continue;
                }
                memcpy(s + (((size_t)n * ci + c) * si + x) * es, e, es);
            }
    cnb_types t = p->dt;
    if (test_broken) t.dst_scale_log2 += 1;   /* a wrong scale: wrong outputs where not saturated */
    if (conv) cnb_ref_conv_dt(&p->conv, &t, s, wei, d);
    else cnb_ref_pool_dt(&p->pool, p->dt.src, s, d);
    if (test_broken && !conv && p->pool.alg != CNB_POOL_MAX && mb * co * so > 0)
        memset(d, 0, ed);   /* a wrong first output */
    for (int n = 0; n < mb; n++)
        for (int c = 0; c < co; c++)
            for (int64_t x = 0; x < so; x++)
                memcpy((unsigned char *)dst + at16(n, c, x, co, so, ed),
                       d + (((size_t)n * co + c) * so + x) * ed, ed);
    if (!pad_ok) memset(dst, 0x5a, ed);   /* the padding channels were not zero: make it show */
    free(s);
    free(d);
}

static const cnb_impl blocked_conv = {
    .name = "conv/test_blocked16", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX16C, .dt_mask = (1u << CNB_DTC_COUNT) - 1, .run = blocked_run,
};
static const cnb_impl blocked_pool = {
    .name = "pool/test_blocked16", .op = CNB_OP_POOL, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX16C, .dt_mask = (1u << CNB_DTC_COUNT) - 1, .run = blocked_run,
};

static const char *const conv_lowp[] = {
    "conv --dt=bf16 mb2ic19ih9oc21kh3ph1",
    "conv --dt=bf16:bf16:f32 g2mb1ic34ih7oc18kh3sh2ph1",
    "conv --dt=u8:s8:s32 mb1ic17ih6oc33kh3",
    "conv --dt=u8:s8:u8 mb2ic40ih8oc24kh3ph1",
    "conv --dt=u8:s8:s8 mb1ic16ih7oc16kh1",
    "conv --dt=s8:s8:s32 mb1ic5ih9oc7kh3dh1",
    "conv --dt=s8:s8:u8 mb1ic32ih5oc32kh3ph1",
    "conv --dt=s8:s8:s8 --attr-scales=src:common:2+dst:common:4096 mb1ic64ih5oc20kh3ph1",
    "conv --dt=u8:s8:u8 g8mb1ic8ih9oc8kh3ph1",
    "conv --dt=bf16 id4ih5iw6ic17oc3kd3kh3kw3pd1ph1pw1",
};
static const char *const pool_lowp[] = {
    "pool:max --dt=bf16 mb2ic19ih9kh3sh2ph1",
    "pool:avg_p --dt=bf16 mb1ic33ih8kh3sh1ph1",
    "pool:avg_np --dt=u8 mb2ic17ih9kh3sh2ph1",
    "pool:avg_p --dt=s8 mb1ic16ih7kh2sh2",
    "pool:max --dt=u8:u8 mb1ic20ih6kh3ph2",
    "pool:max --dt=s8 mb1ic3ih5iw1kh1kw1pw1",
    "pool:avg_np --dt=s8 mb1ic64ih7kh7",
};

static void validate_all(const cnb_impl *impl, const char *const *descs, size_t n, int want_pass)
{
    for (size_t i = 0; i < n; i++) {
        cnb_layer l;
        char err[256] = "";
        if (cnb_layer_parse(descs[i], CNB_KIND_CONV, 0, &l, err, sizeof err)) {
            CHECK(0, "'%s' does not parse: %s", descs[i], err);
            continue;
        }
        cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 5};
        cnb_val_result r;
        cnb_validate(impl, &l, &o, &r);
        if (want_pass)
            CHECK(r.status == CNB_VAL_PASS, "%s on '%s': %s %s", impl->name, descs[i],
                  cnb_val_status_name(r.status), r.why);
        else
            CHECK(r.status == CNB_VAL_FAIL, "broken %s on '%s' not rejected: %s %s", impl->name,
                  descs[i], cnb_val_status_name(r.status), r.why);
    }
}

void test_lowp_conv_pool_harness(void)
{
    test_broken = 0;
    validate_all(&blocked_conv, conv_lowp, sizeof conv_lowp / sizeof *conv_lowp, 1);
    validate_all(&blocked_pool, pool_lowp, sizeof pool_lowp / sizeof *pool_lowp, 1);
    /* The validator rejects a wrong requantization scale and a wrong average. */
    static const char *const bad_conv[] = {"conv --dt=u8:s8:u8 mb2ic40ih8oc24kh3ph1",
                                           "conv --dt=s8:s8:s8 mb1ic16ih7oc16kh1"};
    static const char *const bad_pool[] = {"pool:avg_np --dt=u8 mb2ic17ih9kh3sh2ph1",
                                           "pool:avg_p --dt=bf16 mb1ic33ih8kh3sh1ph1"};
    test_broken = 1;
    validate_all(&blocked_conv, bad_conv, 2, 0);
    validate_all(&blocked_pool, bad_pool, 2, 0);
    test_broken = 0;
    /* The f32 kernels keep refusing every lowp problem (dt_mask 0). */
    cnb_layer l;
    char err[256];
    if (!cnb_layer_parse("conv --dt=bf16 mb1ic16ih5oc16kh3", CNB_KIND_CONV, 0, &l, err, sizeof err))
        for (int i = 0; cnb_impls[i]; i++)
            if (cnb_impls[i]->op == CNB_OP_CONV && !cnb_impls[i]->dt_mask)
                CHECK(cnb_impl_supports(cnb_impls[i], &l.prob) != NULL, "%s takes a bf16 conv",
                      cnb_impls[i]->name);
}

/* Every registered implementation that declares the configuration of a lowp conv or pool edge
 * case (none of ours but the reference until the lowp kernels land) against the reference. */
static void edges(cnb_op op, const char *const *descs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        cnb_layer l;
        char err[256];
        if (cnb_layer_parse(descs[k], CNB_KIND_CONV, 0, &l, err, sizeof err)) {
            CHECK(0, "'%s' does not parse: %s", descs[k], err);
            continue;
        }
        const int cfg = cnb_dt_config_of(&l.prob.dt);
        for (int i = 0; cnb_impls[i]; i++) {
            const cnb_impl *m = cnb_impls[i];
            if (m->op != op || m->hidden || !cnb_impl_runnable(m, NULL) || strstr(m->name, "/ref") ||
                !(m->dt_mask & CNB_DTM(cfg)))
                continue;
            cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 3};
            cnb_val_result r;
            cnb_validate(m, &l, &o, &r);
            if (r.status == CNB_VAL_SKIP && (m->peer || strstr(r.why, "unsupported"))) continue;
            CHECK(r.status == CNB_VAL_PASS, "%s on '%s': %s %s", m->name, descs[k],
                  cnb_val_status_name(r.status), r.why);
        }
    }
}

void test_edges_conv_pool_lowp(void)
{
    edges(CNB_OP_CONV, conv_lowp, sizeof conv_lowp / sizeof *conv_lowp);
    edges(CNB_OP_POOL, pool_lowp, sizeof pool_lowp / sizeof *pool_lowp);
}

/* --dt LIST: each network layer in each set; a layer naming its own types, and a GEMM-table
 * layer, once. */
void test_desc_dt_sets(void)
{
    static const char *const lines[] = {
        "conv mb1ic8ih8oc16kh3n\"n:c\"", "pool:max mb1ic16ih8kh2sh2n\"n:p\"",
        "conv --dt=s8:s8:s8 mb1ic8ih8oc8kh1n\"n:own\"", "fc mb1ic64oc10n\"n:fc\"", "gemm m4n5k6",
    };
    const int n = sizeof lines / sizeof *lines;
    cnb_layer *layers = calloc(n, sizeof *layers);
    char(*net)[64] = calloc(n, sizeof *net);
    char err[256] = "";
    for (int i = 0; i < n; i++)
        if (cnb_layer_parse(lines[i], CNB_KIND_CONV, 0, &layers[i], err, sizeof err))
            CHECK(0, "'%s': %s", lines[i], err);
    cnb_dtset sets[CNB_DTSET_COUNT];
    const int ns = cnb_dtset_parse("int8,f32,bf16", sets, CNB_DTSET_COUNT, err, sizeof err);
    CHECK(ns == 3 && sets[0] == CNB_DTSET_INT8 && sets[2] == CNB_DTSET_BF16, "parse int8,f32,bf16: %d", ns);
    CHECK(cnb_dtset_parse("int8,fp16", sets, CNB_DTSET_COUNT, err, sizeof err) < 0 && strstr(err, "fp16"),
          "fp16 refused: %s", err);
    int count = n, cap = n;
    CHECK(!cnb_dtset_parse("f32,bf16,int8", sets, CNB_DTSET_COUNT, err, sizeof err) ||
              cnb_layers_expand_dt(&layers, &net, &count, &cap, 0, sets, 3, err, sizeof err) == 0,
          "expand: %s", err);
    /* c ×3, p ×3, own ×1, fc ×3, gemm ×1 */
    static const struct { const char *name; cnb_dt src, wei, dst; int scale; } want[] = {
        {"n:c", CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0},
        {"n:c", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
        {"n:c", CNB_DT_U8, CNB_DT_S8, CNB_DT_U8, 7 + 4},      /* K = 72 */
        {"n:p", CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0},
        {"n:p", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
        {"n:p", CNB_DT_U8, CNB_DT_U8, CNB_DT_U8, 0},
        {"n:own", CNB_DT_S8, CNB_DT_S8, CNB_DT_S8, 7 + 2},    /* K = 8 */
        {"n:fc", CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0},
        {"n:fc", CNB_DT_BF16, CNB_DT_BF16, CNB_DT_BF16, 0},
        {"n:fc", CNB_DT_U8, CNB_DT_S8, CNB_DT_U8, 7 + 3},     /* K = 64 */
        {"", CNB_DT_F32, CNB_DT_F32, CNB_DT_F32, 0},
    };
    CHECK(count == (int)(sizeof want / sizeof *want), "expanded to %d layers, want %d", count,
          (int)(sizeof want / sizeof *want));
    for (int i = 0; i < count && i < (int)(sizeof want / sizeof *want); i++) {
        const cnb_types *t = &layers[i].prob.dt;
        CHECK(!strcmp(layers[i].name, want[i].name) && t->src == want[i].src && t->wei == want[i].wei &&
                  t->dst == want[i].dst && t->dst_scale_log2 == want[i].scale,
              "layer %d: '%s' %s:%s:%s 2^%d, want '%s' %s:%s:%s 2^%d", i, layers[i].name,
              cnb_dt_name(t->src), cnb_dt_name(t->wei), cnb_dt_name(t->dst), t->dst_scale_log2,
              want[i].name, cnb_dt_name(want[i].src), cnb_dt_name(want[i].wei),
              cnb_dt_name(want[i].dst), want[i].scale);
    }
    free(layers);
    free(net);
}
