/* Descriptor parsing and resolution (harness/desc.h). The resolution rules are benchdnn's, as
 * written in harness/shapes/README.md: defaults g=1 mb=2 s=1 d=0 (dense); 1D, 2D or 3D from the
 * outermost axis given, d copied to h and w when only d is given, h copied to w in 2D; a missing
 * output is computed with p=0 by default; a missing padding is derived from the output; the right
 * padding is always derived, may be larger than the left one or negative, and windows may lie
 * entirely in padding. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/desc.h"

enum { SP_I, SP_O, SP_K, SP_S, SP_P, SP_D, SP_COUNT };        /* spatial parameters */
enum { AX_D, AX_H, AX_W, AX_COUNT };                           /* spatial axes */
static const char sp_letter[SP_COUNT] = {'i', 'o', 'k', 's', 'p', 'd'};
static const char ax_letter[AX_COUNT] = {'d', 'h', 'w'};

typedef struct parsed {
    long sp[SP_COUNT][AX_COUNT];
    int has_sp[SP_COUNT][AX_COUNT];
    long g, mb, ic, oc, m, n, k, ta, tb, lda, ldb, ldc;
    int has_g, has_mb, has_ic, has_oc, has_m, has_n, has_k, has_lda, has_ldb, has_ldc;
    double alpha, beta;
    char name[CNB_NAME_MAX];
} parsed;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

const char *cnb_kind_name(cnb_kind k)
{
    static const char *const names[] = {"conv", "pool", "fc", "gemm"};
    return names[k];
}

const char *cnb_pool_alg_name(cnb_pool_alg a)
{
    static const char *const names[] = {"max", "avg_p", "avg_np"};
    return names[a];
}

/* The op prefix: "conv", "pool[:alg]", "fc", "gemm", followed by a space. */
static const char *parse_prefix(const char *s, cnb_kind *kind, cnb_pool_alg *alg, int *has_alg,
                                char *err, size_t errlen, int *rc)
{
    *rc = 0;
    while (isspace((unsigned char)*s)) s++;
    size_t len = strcspn(s, " \t");
    if (s[len] == 0) return s; /* one word: no prefix */
    char word[32];
    if (len >= sizeof word) return s;
    memcpy(word, s, len);
    word[len] = 0;
    char *colon = strchr(word, ':');
    if (colon) *colon = 0;
    if (strcmp(word, "conv") == 0) *kind = CNB_KIND_CONV;
    else if (strcmp(word, "pool") == 0) *kind = CNB_KIND_POOL;
    else if (strcmp(word, "fc") == 0 || strcmp(word, "ip") == 0) *kind = CNB_KIND_FC;
    else if (strcmp(word, "gemm") == 0) *kind = CNB_KIND_GEMM;
    else {
        *rc = fail(err, errlen, "unknown operation '%s' (conv, pool[:max|avg_p|avg_np], fc, gemm)",
                   word);
        return s;
    }
    if (colon) {
        const char *a = colon + 1;
        if (*kind != CNB_KIND_POOL) {
            *rc = fail(err, errlen, "'%s:%s': only pooling takes an algorithm", word, a);
            return s;
        }
        if (strcmp(a, "max") == 0) *alg = CNB_POOL_MAX;
        else if (strcmp(a, "avg_p") == 0 || strcmp(a, "avg_include") == 0) *alg = CNB_POOL_AVG_INCL;
        else if (strcmp(a, "avg_np") == 0 || strcmp(a, "avg_exclude") == 0) *alg = CNB_POOL_AVG_EXCL;
        else {
            *rc = fail(err, errlen, "unknown pooling algorithm '%s' (max, avg_p, avg_np)", a);
            return s;
        }
        *has_alg = 1;
    }
    s += len;
    while (isspace((unsigned char)*s)) s++;
    return s;
}

static int parse_body(const char *s, cnb_kind kind, parsed *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->alpha = 1.0;
    p->beta = 0.0;
    while (*s) {
        if (*s == '_' || isspace((unsigned char)*s)) { s++; continue; }
        if (!islower((unsigned char)*s))
            return fail(err, errlen, "unexpected character '%c' at \"%.20s\"", *s, s);
        const char *key = s;
        while (islower((unsigned char)*s)) s++;
        const size_t klen = (size_t)(s - key);
        /* The name: n"..." or n followed by the rest of the text (benchdnn accepts both). */
        if (key[0] == 'n' && (klen > 1 || *s == '"' || (*s && !isdigit((unsigned char)*s) && *s != '-'))) {
            if (klen == 1 && *s == '"') {
                const char *end = strchr(s + 1, '"');
                if (!end) return fail(err, errlen, "unterminated name: %s", key);
                snprintf(p->name, sizeof p->name, "%.*s", (int)(end - s - 1), s + 1);
                s = end + 1;
            } else {
                snprintf(p->name, sizeof p->name, "%s", key + 1);
                s += strlen(s);
            }
            continue;
        }
        char kbuf[8];
        if (klen >= sizeof kbuf) return fail(err, errlen, "unknown key '%.*s'", (int)klen, key);
        memcpy(kbuf, key, klen);
        kbuf[klen] = 0;
        char *end;
        errno = 0;
        if (strcmp(kbuf, "alpha") == 0 || strcmp(kbuf, "beta") == 0) {
            const double v = strtod(s, &end);
            if (end == s) return fail(err, errlen, "'%s' needs a number", kbuf);
            if (kbuf[0] == 'a') p->alpha = v; else p->beta = v;
            s = end;
            continue;
        }
        const long v = strtol(s, &end, 10);
        if (end == s) return fail(err, errlen, "'%s' needs a number", kbuf);
        if (errno || v > 1000000000L || v < -1000000000L)
            return fail(err, errlen, "'%s%.*s' is out of range", kbuf, (int)(end - s), s);
        s = end;
        int done = 0;
        if (klen == 2) {
            for (int sp = 0; sp < SP_COUNT && !done; sp++)
                for (int ax = 0; ax < AX_COUNT && !done; ax++)
                    if (kbuf[0] == sp_letter[sp] && kbuf[1] == ax_letter[ax]) {
                        if (kind == CNB_KIND_GEMM) break;
                        p->sp[sp][ax] = v;
                        p->has_sp[sp][ax] = 1;
                        done = 1;
                    }
        }
        if (done) continue;
#define KEY(str, field) \
    if (strcmp(kbuf, str) == 0) { p->field = v; p->has_##field = 1; continue; }
        if (kind != CNB_KIND_GEMM) {
            KEY("g", g) KEY("mb", mb) KEY("ic", ic) KEY("oc", oc)
        } else {
            KEY("m", m) KEY("n", n) KEY("k", k) KEY("lda", lda) KEY("ldb", ldb) KEY("ldc", ldc)
            if (strcmp(kbuf, "ta") == 0) { p->ta = v; continue; }
            if (strcmp(kbuf, "tb") == 0) { p->tb = v; continue; }
        }
#undef KEY
        return fail(err, errlen, "unknown key '%s' for %s", kbuf, cnb_kind_name(kind));
    }
    return 0;
}

typedef struct axis { int i, o, k, s, p, pr, d; } axis;

/* benchdnn's idea of "this axis is in the descriptor": a size, kernel, output or dilation given,
 * or a stride other than 1, or a positive padding (conv_aux.cpp, str2desc). */
static int axis_present(const parsed *p, int a)
{
    return p->has_sp[SP_I][a] || p->has_sp[SP_K][a] || p->has_sp[SP_O][a] ||
           p->has_sp[SP_D][a] || (p->has_sp[SP_S][a] && p->sp[SP_S][a] != 1) ||
           (p->has_sp[SP_P][a] && p->sp[SP_P][a] != 0);
}

/* Copy every value given for axis `from` to axis `to`. */
static void copy_axis(parsed *p, int from, int to)
{
    for (int sp = 0; sp < SP_COUNT; sp++) {
        p->sp[sp][to] = p->sp[sp][from];
        p->has_sp[sp][to] = p->has_sp[sp][from];
    }
}

/* An axis the descriptor leaves out: size 1, kernel 1, stride 1, no padding, dense. */
static void unit_axis(parsed *p, int a)
{
    for (int sp = 0; sp < SP_COUNT; sp++) p->has_sp[sp][a] = 0;
    p->sp[SP_I][a] = p->sp[SP_K][a] = 1;
    p->has_sp[SP_I][a] = p->has_sp[SP_K][a] = 1;
}

/* Fill in the spatial axes by the README's rules (benchdnn's): the dimensionality is that of the
 * outermost axis present; a 3D descriptor with neither h nor w copies d to both, a 2D one without
 * w copies h to w, and the axes outside the dimensionality are unit axes. */
static int resolve_spatial(parsed *p, axis ax[AX_COUNT], char *err, size_t errlen)
{
    const int has_d = axis_present(p, AX_D), has_h = axis_present(p, AX_H),
              has_w = axis_present(p, AX_W);
    if (has_d) {
        if (!has_h && !has_w) {
            copy_axis(p, AX_D, AX_H);
            copy_axis(p, AX_D, AX_W);
        } else if (!has_h || !has_w) {
            return fail(err, errlen, "a 3D descriptor gives %s values but no %s values (give both, "
                        "or neither to copy d)", has_h ? "h" : "w", has_h ? "w" : "h");
        }
    } else if (has_h) {
        if (!has_w) copy_axis(p, AX_H, AX_W);
        unit_axis(p, AX_D);
    } else if (has_w) {
        unit_axis(p, AX_D);
        unit_axis(p, AX_H);
    } else {
        return fail(err, errlen, "no spatial size (iw, ih or id) given");
    }
    for (int a = 0; a < AX_COUNT; a++) {
        const char L = ax_letter[a];
        if (!p->has_sp[SP_I][a]) return fail(err, errlen, "missing i%c (input size)", L);
        if (!p->has_sp[SP_K][a]) return fail(err, errlen, "missing k%c (kernel size)", L);
        const long i = p->sp[SP_I][a], k = p->sp[SP_K][a];
        const long s = p->has_sp[SP_S][a] ? p->sp[SP_S][a] : 1;
        const long d = p->has_sp[SP_D][a] ? p->sp[SP_D][a] : 0;
        if (i < 1) return fail(err, errlen, "i%c=%ld: input size must be at least 1", L, i);
        if (k < 1) return fail(err, errlen, "k%c=%ld: kernel size must be at least 1", L, k);
        if (s < 1) return fail(err, errlen, "s%c=%ld: stride must be at least 1", L, s);
        if (d < 0) return fail(err, errlen, "d%c=%ld: dilation must be 0 (dense) or more", L, d);
        if (i > 1000000 || k > 1000000 || s > 1000000 || d > 1000000 ||
            (p->has_sp[SP_P][a] && labs(p->sp[SP_P][a]) > 1000000))
            return fail(err, errlen, "%c axis: size out of range", L);
        const long ke = (k - 1) * (d + 1) + 1;
        long o, pl;
        if (!p->has_sp[SP_O][a]) {
            pl = p->has_sp[SP_P][a] ? p->sp[SP_P][a] : 0;
            if (pl < 0) return fail(err, errlen, "p%c=%ld: negative left padding", L, pl);
            o = (i - ke + 2 * pl) / s + 1; /* C division, as benchdnn */
            if (o < 1)
                return fail(err, errlen,
                            "k%c=%ld: the kernel (extent %ld) is larger than the padded input "
                            "(%ld)", L, k, ke, i + 2 * pl);
        } else {
            o = p->sp[SP_O][a];
            if (o < 1) return fail(err, errlen, "o%c=%ld: output size must be at least 1", L, o);
            pl = p->has_sp[SP_P][a] ? p->sp[SP_P][a] : ((o - 1) * s - i + ke) / 2;
            if (pl < 0)
                return fail(err, errlen, "p%c=%ld: negative left padding (o%c=%ld too small?)", L,
                            pl, L, o);
        }
        if (o > 1000000) return fail(err, errlen, "o%c=%ld: size out of range", L, o);
        /* A deduced padding obeys the bound of a given one, so that the canonical form, which
         * states it, parses again. */
        if (pl > 1000000) return fail(err, errlen, "p%c=%ld: padding out of range", L, pl);
        /* Kernels index the padded input with int arithmetic (o·s − p + t·(d+1)): keep it small. */
        if ((o - 1) * s + ke > 3000000)
            return fail(err, errlen, "%c axis: the padded input ((o-1)s + extent = %ld) is out of "
                        "range", L, (o - 1) * s + ke);
        /* May exceed the kernel extent on either side: such windows lie entirely in padding, and
         * their outputs have no input at all (README). */
        const long pr = (o - 1) * s - i + ke - pl;
        if (ke > 1000000 || labs(pr) > 1000000000L)
            return fail(err, errlen, "%c axis: size out of range", L);
        ax[a] = (axis){(int)i, (int)o, (int)k, (int)s, (int)pl, (int)pr, (int)d};
    }
    return 0;
}

int cnb_window_taps(int o, int s, int p, int d, int k, int in)
{
    const long start = (long)o * s - p, step = (long)d + 1;
    const long lo = start >= 0 ? 0 : (-start + step - 1) / step;
    if (in - 1 - start < 0) return 0;
    long hi = (in - 1 - start) / step + 1; /* taps [lo, hi) */
    if (hi > k) hi = k;
    return hi > lo ? (int)(hi - lo) : 0;
}

/* Number of outputs of one axis whose window has no tap inside the input. */
static long empty_windows(const axis *x)
{
    long n = 0;
    for (int o = 0; o < x->o; o++) n += cnb_window_taps(o, x->s, x->p, x->d, x->k, x->i) == 0;
    return n;
}

static void split_mult(const char *name, cnb_layer *out)
{
    snprintf(out->name, sizeof out->name, "%s", name);
    out->mult = 1;
    char *star = strrchr(out->name, '*');
    if (star && star[1] && strspn(star + 1, "0123456789") == strlen(star + 1)) {
        out->mult = atoi(star + 1);
        if (out->mult < 1) out->mult = 1;
        *star = 0;
    }
}

static int parse_shape(const char *text, cnb_kind default_kind, int mb_override, cnb_layer *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", text);
    cnb_kind kind = default_kind;
    cnb_pool_alg alg = CNB_POOL_MAX;
    int has_alg = 0, rc;
    const char *body = parse_prefix(text, &kind, &alg, &has_alg, err, errlen, &rc);
    if (rc) return rc;
    if (!*body) return fail(err, errlen, "empty descriptor");
    parsed p;
    if (parse_body(body, kind, &p, err, errlen)) return -1;
    split_mult(p.name, out);
    out->kind = kind;
    /* The descriptor's own batch, else benchdnn's default 2; a caller's override wins (--mb). */
    if (kind != CNB_KIND_GEMM && p.has_mb && p.mb < 1)
        return fail(err, errlen, "mb%ld: batch must be at least 1", p.mb);
    long mb = p.has_mb ? p.mb : 2;
    if (mb_override > 0) mb = mb_override;

    if (kind == CNB_KIND_CONV || kind == CNB_KIND_POOL) {
        axis ax[AX_COUNT];
        if (!p.has_ic) return fail(err, errlen, "missing ic (input channels)");
        if (p.ic < 1) return fail(err, errlen, "ic=%ld: channels must be at least 1", p.ic);
        if (resolve_spatial(&p, ax, err, errlen)) return -1;
        if (kind == CNB_KIND_CONV) {
            const long g = p.has_g ? p.g : 1;
            if (!p.has_oc) return fail(err, errlen, "missing oc (output channels)");
            if (p.oc < 1) return fail(err, errlen, "oc=%ld: channels must be at least 1", p.oc);
            if (g < 1) return fail(err, errlen, "g=%ld: groups must be at least 1", g);
            if (p.ic % g || p.oc % g)
                return fail(err, errlen, "g=%ld does not divide ic=%ld and oc=%ld", g, p.ic, p.oc);
            cnb_conv *c = &out->prob.conv;
            out->prob.op = CNB_OP_CONV;
            *c = (cnb_conv){.mb = (int)mb, .g = (int)g, .ic = (int)p.ic, .oc = (int)p.oc};
#define AXIS(dst, a)                                                                   \
    dst->i##a = ax[AX_##a##_].i, dst->o##a = ax[AX_##a##_].o, dst->k##a = ax[AX_##a##_].k, \
    dst->s##a = ax[AX_##a##_].s, dst->p##a = ax[AX_##a##_].p, dst->p##a##_r = ax[AX_##a##_].pr, \
    dst->d##a = ax[AX_##a##_].d
            enum { AX_d_ = AX_D, AX_h_ = AX_H, AX_w_ = AX_W };
            AXIS(c, d); AXIS(c, h); AXIS(c, w);
        } else {
            if (p.has_oc && p.oc != p.ic)
                return fail(err, errlen, "pooling keeps the channels: oc=%ld differs from ic=%ld",
                            p.oc, p.ic);
            if (p.has_g && p.g != 1) return fail(err, errlen, "pooling takes no groups");
            cnb_pool *q = &out->prob.pool;
            out->prob.op = CNB_OP_POOL;
            if (!has_alg) {
                /* The table names say max or average; the descriptor does not. */
                const int avg = strstr(out->name, "avg") || strstr(out->name, "ave");
                alg = avg ? CNB_POOL_AVG_EXCL : CNB_POOL_MAX;
            }
            *q = (cnb_pool){.alg = alg, .mb = (int)mb, .c = (int)p.ic};
            enum { AX_d_ = AX_D, AX_h_ = AX_H, AX_w_ = AX_W };
            AXIS(q, d); AXIS(q, h); AXIS(q, w);
#undef AXIS
            /* An average over no taps divides by zero: benchdnn skips such problems as invalid
             * (pool.cpp, skip_invalid_prb); max and avg_p have a value there (README). */
            if (alg == CNB_POOL_AVG_EXCL)
                for (int a = 0; a < AX_COUNT; a++)
                    if (empty_windows(&ax[a]))
                        return fail(err, errlen,
                                    "%c axis: a window lies entirely in padding, where an average "
                                    "excluding padding has no taps to divide by (use avg_p or max)",
                                    ax_letter[a]);
        }
        const double elems = (double)mb * p.ic * ax[0].i * ax[1].i * ax[2].i;
        if (elems > 2e9) return fail(err, errlen, "the input tensor has %.3g elements: too large", elems);
        const double out_elems = (double)mb * (kind == CNB_KIND_CONV ? p.oc : p.ic) * ax[0].o *
                                 ax[1].o * ax[2].o;
        if (out_elems > 2e9)
            return fail(err, errlen, "the output tensor has %.3g elements: too large", out_elems);
        const double wei_elems = kind == CNB_KIND_CONV ? (double)p.oc * (p.ic / (p.has_g ? p.g : 1)) *
                                 ax[0].k * ax[1].k * ax[2].k : 0;
        if (wei_elems > 2e9)
            return fail(err, errlen, "the weights have %.3g elements: too large", wei_elems);
        return 0;
    }
    if (kind == CNB_KIND_FC) {
        if (!p.has_ic || !p.has_oc) return fail(err, errlen, "an inner product needs ic and oc");
        long spatial = 1;
        for (int a = 0; a < AX_COUNT; a++) {
            long i = p.has_sp[SP_I][a] ? p.sp[SP_I][a] : 1;
            if (a == AX_W && !p.has_sp[SP_I][AX_W] && p.has_sp[SP_I][AX_H]) i = p.sp[SP_I][AX_H];
            if (i < 1) return fail(err, errlen, "i%c=%ld: size must be at least 1", ax_letter[a], i);
            spatial *= i;
        }
        if (p.ic < 1 || p.oc < 1) return fail(err, errlen, "ic and oc must be at least 1");
        const long k = p.ic * spatial;
        if (k > 100000000L) return fail(err, errlen, "ic·spatial=%ld: too large", k);
        out->prob.op = CNB_OP_GEMM;
        /* dst[mb][oc] = src[mb][ic·spatial] · wei[oc][ic·spatial]ᵀ */
        out->prob.gemm = (cnb_gemm){.m = (int)mb, .n = (int)p.oc, .k = (int)k, .ta = 0, .tb = 1,
                                    .lda = (int)k, .ldb = (int)k, .ldc = (int)p.oc,
                                    .alpha = 1.0f, .beta = 0.0f};
        return 0;
    }
    /* gemm */
    if (!p.has_m || !p.has_n || !p.has_k) return fail(err, errlen, "gemm needs m, n and k");
    if (p.m < 1 || p.n < 1 || p.k < 1) return fail(err, errlen, "gemm: m, n, k must be at least 1");
    cnb_gemm *g = &out->prob.gemm;
    out->prob.op = CNB_OP_GEMM;
    *g = (cnb_gemm){.m = (int)p.m, .n = (int)p.n, .k = (int)p.k, .ta = p.ta != 0, .tb = p.tb != 0,
                    .alpha = (float)p.alpha, .beta = (float)p.beta};
    g->lda = p.has_lda ? (int)p.lda : (g->ta ? g->m : g->k);
    g->ldb = p.has_ldb ? (int)p.ldb : (g->tb ? g->k : g->n);
    g->ldc = p.has_ldc ? (int)p.ldc : g->n;
    if (g->lda < (g->ta ? g->m : g->k)) return fail(err, errlen, "lda=%d is smaller than a row of A", g->lda);
    if (g->ldb < (g->tb ? g->k : g->n)) return fail(err, errlen, "ldb=%d is smaller than a row of B", g->ldb);
    if (g->ldc < g->n) return fail(err, errlen, "ldc=%d is smaller than n=%d", g->ldc, g->n);
    if ((double)g->m * g->ldc > 2e9 || (double)g->k * g->n > 2e9 || (double)g->m * g->k > 2e9)
        return fail(err, errlen, "gemm: matrices too large");
    return 0;
}

/* ---- data types: benchdnn's --dt and --attr-scales ----
 * A table line or descriptor may hold, anywhere outside a quoted name, the words
 *   --dt=T            every tensor of type T (f32, bf16, s8, u8, s32)
 *   --dt=S:W:D        src (A), weights (B) and dst (C) types
 *   --attr-scales=src:common:X+wei:common:Y+dst:common:Z   (any subset, '+' between)
 * The triple must be one of cnb_dt_config_of (kernels/problem.h) that the op takes:
 *   gemm, fc, conv  f32, bf16:bf16:f32, bf16 (bf16:bf16:bf16), u8|s8:s8:s32|u8|s8
 *   pool            one type for src and dst, as benchdnn pool's --dt: --dt=T or --dt=T:T with
 *                   T one of f32, bf16, u8, s8 (stored as the triple T:T:T; no scales)
 * Scales apply to a requantized int8 conv or GEMM output only and must be powers of two (the
 * scaling is then exact and the output's one rounding well defined). A requantized output without
 * a dst scale gets 2^(7 + ⌈⌈log2 K⌉/2⌉), K the reduction length (GEMM k; conv ic/g·kd·kh·kw):
 * with data over the whole u8/s8 range the accumulator's spread is about 2^13·√K, so this puts
 * the outputs across the int8 range with few saturating (the positive side's spread is about 2^6,
 * a quarter of 255), and leaves at least 7 fraction bits so that round-to-nearest-even meets real
 * ties. alpha and beta other than 1 and 0 stay f32 only. */
static int parse_dt_name(const char *s, size_t len, cnb_dt *t)
{
    for (int d = 0; d < CNB_DT_COUNT; d++)
        if (strlen(cnb_dt_name((cnb_dt)d)) == len && !strncmp(s, cnb_dt_name((cnb_dt)d), len)) {
            *t = (cnb_dt)d;
            return 0;
        }
    return -1;
}

static int parse_dt(const char *v, cnb_op op, cnb_types *t, char *err, size_t errlen)
{
    cnb_dt d[3];
    int n = 0;
    const char *s = v;
    for (;;) {
        const size_t len = strcspn(s, ":");
        if (n == 3 || parse_dt_name(s, len, &d[n]))
            return fail(err, errlen, "--dt=%s: expected one type or src:wei:dst, each of f32, "
                        "bf16, s8, u8, s32", v);
        n++;
        if (!s[len]) break;
        s += len + 1;
    }
    if (op == CNB_OP_POOL) {
        if (n == 3 || (n == 2 && d[0] != d[1]))
            return fail(err, errlen, "--dt=%s: pooling takes one type for src and dst (--dt=T "
                        "or T:T; T one of f32, bf16, u8, s8)", v);
        t->src = t->wei = t->dst = d[0];
        return 0;
    }
    if (n == 2) return fail(err, errlen, "--dt=%s: give one type or three (src:wei:dst)", v);
    t->src = d[0];
    t->wei = n == 3 ? d[1] : d[0];
    t->dst = n == 3 ? d[2] : d[0];
    return 0;
}

static int parse_scales(const char *v, cnb_types *t, int *has_dst, char *err, size_t errlen)
{
    const char *s = v;
    while (*s) {
        const size_t len = strcspn(s, "+");
        char item[64];
        if (len >= sizeof item) return fail(err, errlen, "--attr-scales=%s: entry too long", v);
        memcpy(item, s, len);
        item[len] = 0;
        char *colon = strchr(item, ':');
        if (!colon || strncmp(colon, ":common:", 8))
            return fail(err, errlen, "--attr-scales: '%s' is not <src|wei|dst>:common:<value>", item);
        *colon = 0;
        char *end;
        const double x = strtod(colon + 8, &end);
        int e = 0;
        if (end == colon + 8 || *end || !(x > 0) || frexp(x, &e) != 0.5 || e - 1 < -30 || e - 1 > 30)
            return fail(err, errlen, "--attr-scales: %s scale '%s' is not a power of two in "
                        "[2^-30, 2^30] (exact scaling keeps validation bit-exact)", item, colon + 8);
        if (!strcmp(item, "src")) t->src_scale_log2 = e - 1;
        else if (!strcmp(item, "wei")) t->wei_scale_log2 = e - 1;
        else if (!strcmp(item, "dst")) t->dst_scale_log2 = e - 1, *has_dst = 1;
        else return fail(err, errlen, "--attr-scales: unknown argument '%s' (src, wei, dst)", item);
        s += len;
        if (*s) s++;
    }
    return 0;
}

static int ceil_log2(long x)
{
    int e = 0;
    while ((1L << e) < x) e++;
    return e;
}

int cnb_layer_parse(const char *text, cnb_kind default_kind, int mb_override, cnb_layer *out,
                    char *err, size_t errlen)
{
    /* Take the --dt and --attr-scales words out; the rest is the shape. */
    char shape[CNB_DESC_MAX], dt[64] = "", scales[160] = "";
    size_t w = 0;
    int quoted = 0;
    for (const char *s = text; *s;) {
        const int word_start = s == text || isspace((unsigned char)s[-1]);
        if (!quoted && word_start && s[0] == '-' && s[1] == '-') {
            const size_t len = strcspn(s, " \t");
            char *dstbuf = NULL;
            size_t cap = 0, skip = 0;
            if (!strncmp(s, "--dt=", 5)) dstbuf = dt, cap = sizeof dt, skip = 5;
            else if (!strncmp(s, "--attr-scales=", 14)) dstbuf = scales, cap = sizeof scales, skip = 14;
            if (!dstbuf)
                return fail(err, errlen, "unknown option '%.*s' in a descriptor (--dt=, "
                            "--attr-scales=)", (int)len, s);
            if (len - skip >= cap) return fail(err, errlen, "'%.*s': too long", (int)len, s);
            snprintf(dstbuf, cap, "%.*s", (int)(len - skip), s + skip);
            s += len;
            continue;
        }
        if (*s == '"') quoted = !quoted;
        if (w + 1 >= sizeof shape) return fail(err, errlen, "descriptor too long");
        shape[w++] = *s++;
    }
    shape[w] = 0;
    if (parse_shape(shape, default_kind, mb_override, out, err, errlen)) return -1;
    snprintf(out->text, sizeof out->text, "%s", text);
    cnb_types *t = &out->prob.dt;
    const cnb_op op = out->prob.op;
    if (dt[0] && parse_dt(dt, op, t, err, errlen)) return -1;
    const int cfg = cnb_dt_config_of(t);
    if (op == CNB_OP_POOL) {
        if (cfg != CNB_DTC_F32 && cfg != CNB_DTC_BF16 && cfg != CNB_DTC_U8U8U8 && cfg != CNB_DTC_S8S8S8)
            return fail(err, errlen, "--dt=%s is not supported for pooling (f32, bf16, u8, s8)", dt);
        if (scales[0])
            return fail(err, errlen, "--attr-scales: pooling takes no scales (its int8 output is "
                        "the input's scale)");
        return 0;
    }
    int has_dst_scale = 0;
    if (scales[0] && parse_scales(scales, t, &has_dst_scale, err, errlen)) return -1;
    if (cfg < 0 || cfg == CNB_DTC_U8U8U8)
        return fail(err, errlen, "--dt=%s:%s:%s is not supported (f32; bf16:bf16:f32, bf16; "
                    "u8|s8:s8:s32|u8|s8)", cnb_dt_name(t->src), cnb_dt_name(t->wei),
                    cnb_dt_name(t->dst));
    if (t->src != CNB_DT_F32 && op == CNB_OP_GEMM &&
        (out->prob.gemm.alpha != 1.0f || out->prob.gemm.beta != 0.0f))
        return fail(err, errlen, "--dt=%s: alpha and beta other than 1 and 0 are f32 only "
                    "(int8 scales: --attr-scales)", dt);
    if (scales[0] && !cnb_dt_requantized(t))
        return fail(err, errlen, "--attr-scales apply to a requantized int8 output only "
                    "(--dt=u8:s8:u8, u8:s8:s8, s8:s8:u8, s8:s8:s8)");
    if (cnb_dt_requantized(t) && !has_dst_scale) {
        const cnb_conv *c = &out->prob.conv;
        const long k = op == CNB_OP_GEMM ? out->prob.gemm.k
                                         : (long)(c->ic / c->g) * c->kd * c->kh * c->kw;
        t->dst_scale_log2 = 7 + (ceil_log2(k) + 1) / 2;
    }
    return 0;
}

/* ---- --dt=LIST: networks per data-type set (harness/desc.h) ---- */

const char *cnb_dtset_name(cnb_dtset s)
{
    static const char *const names[] = {"f32", "bf16", "int8"};
    return (unsigned)s < CNB_DTSET_COUNT ? names[s] : "?";
}

int cnb_dtset_parse(const char *list, cnb_dtset *sets, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *s = list;
    if (!s || !*s) return fail(err, errlen, "--dt needs a list, e.g. f32,bf16,int8");
    for (;;) {
        const size_t len = strcspn(s, ",");
        int found = -1;
        for (int d = 0; d < CNB_DTSET_COUNT; d++)
            if (strlen(cnb_dtset_name((cnb_dtset)d)) == len && !strncmp(s, cnb_dtset_name((cnb_dtset)d), len))
                found = d;
        if (found < 0)
            return fail(err, errlen, "--dt %s: '%.*s' is not one of f32, bf16, int8 (a layer's own "
                        "types go in its descriptor: 'conv --dt=u8:s8:s8 ...')", list, (int)len, s);
        for (int i = 0; i < n; i++)
            if (sets[i] == (cnb_dtset)found)
                return fail(err, errlen, "--dt %s: %s is given twice", list, cnb_dtset_name(found));
        if (n == max) return fail(err, errlen, "--dt %s: too many entries", list);
        sets[n++] = (cnb_dtset)found;
        if (!s[len]) break;
        s += len + 1;
    }
    return n;
}

/* 1 when the text names --dt= as a word outside a quoted name. */
static int names_dt(const char *text)
{
    int quoted = 0;
    for (const char *s = text; *s; s++) {
        if (*s == '"') quoted = !quoted;
        if (!quoted && (s == text || isspace((unsigned char)s[-1])) && !strncmp(s, "--dt=", 5)) return 1;
    }
    return 0;
}

int cnb_layer_keeps_dt(const cnb_layer *l)
{
    return l->kind == CNB_KIND_GEMM || names_dt(l->text);
}

cnb_dtset cnb_layer_dtset(const cnb_layer *l)
{
    const cnb_dt t = l->prob.dt.src;
    return t == CNB_DT_BF16 ? CNB_DTSET_BF16 : t == CNB_DT_U8 || t == CNB_DT_S8 ? CNB_DTSET_INT8
                                                                               : CNB_DTSET_F32;
}

int cnb_layer_to_dtset(const cnb_layer *l, cnb_dtset s, cnb_layer *out, char *err, size_t errlen)
{
    *out = *l;
    if (cnb_layer_keeps_dt(l) || s == CNB_DTSET_F32) return 0;
    static const char *const words[CNB_DTSET_COUNT][3] = {
        [CNB_DTSET_BF16] = {"bf16", "bf16", "bf16"},    /* conv, pool, fc */
        [CNB_DTSET_INT8] = {"u8:s8:u8", "u8", "u8:s8:u8"},
    };
    const int which = l->prob.op == CNB_OP_CONV ? 0 : l->prob.op == CNB_OP_POOL ? 1 : 2;
    /* Through the parser, so that the set's layer is exactly what its canonical text says (the
     * checks and the default dst scale included). The batch is the layer's own. */
    char text[CNB_DESC_MAX + 32], canon[CNB_DESC_MAX];
    cnb_layer_format(l, canon, sizeof canon);
    snprintf(text, sizeof text, "%s --dt=%s", canon, words[s][which]);
    if (cnb_layer_parse(text, l->kind, 0, out, err, errlen)) return -1;
    out->kind = l->kind;
    out->mult = l->mult;
    snprintf(out->name, sizeof out->name, "%s", l->name);
    snprintf(out->text, sizeof out->text, "%s", l->text);   /* as written: it names no --dt */
    return 0;
}

int cnb_layers_expand_dt(cnb_layer **layers, char (**net)[64], int *count, int *cap, int from,
                         const cnb_dtset *sets, int nsets, char *err, size_t errlen)
{
    int extra = 0;
    for (int i = from; i < *count; i++) extra += cnb_layer_keeps_dt(&(*layers)[i]) ? 0 : nsets - 1;
    const int total = *count + extra;
    if (total > *cap) {
        cnb_layer *nl = realloc(*layers, (size_t)total * sizeof *nl);
        if (nl) *layers = nl;
        char(*nn)[64] = realloc(*net, (size_t)total * sizeof *nn);
        if (nn) *net = nn;
        if (!nl || !nn) return fail(err, errlen, "out of memory");
        *cap = total;
    }
    /* From the end backwards, so that each layer is read before its slot is overwritten. */
    int w = total;
    for (int i = *count - 1; i >= from; i--) {
        const cnb_layer l = (*layers)[i];
        char name[64];
        memcpy(name, (*net)[i], sizeof name);
        const int keep = cnb_layer_keeps_dt(&l);
        for (int k = keep ? 0 : nsets - 1; k >= 0; k--) {
            w--;
            if (cnb_layer_to_dtset(&l, sets[k], &(*layers)[w], err, errlen)) return -1;
            memcpy((*net)[w], name, sizeof name);
        }
    }
    *count = total;
    return 0;
}

/* The data-type words of the canonical form ("" for f32), with a leading space. */
static void format_dt(const cnb_types *t, cnb_op op, char *buf, size_t n)
{
    buf[0] = 0;
    if (t->src == CNB_DT_F32 && t->wei == CNB_DT_F32 && t->dst == CNB_DT_F32) return;
    int len;
    if (t->src == t->wei && t->wei == t->dst)
        len = snprintf(buf, n, " --dt=%s", cnb_dt_name(t->src));
    else
        len = snprintf(buf, n, " --dt=%s:%s:%s", cnb_dt_name(t->src), cnb_dt_name(t->wei),
                       cnb_dt_name(t->dst));
    if (op == CNB_OP_POOL || !cnb_dt_requantized(t) || len < 0 || (size_t)len >= n) return;
    const char *sep = " --attr-scales=";
    if (t->src_scale_log2)
        len += snprintf(buf + len, n - len, "%ssrc:common:%.9g", sep, ldexp(1, t->src_scale_log2)), sep = "+";
    if (t->wei_scale_log2 && (size_t)len < n)
        len += snprintf(buf + len, n - len, "%swei:common:%.9g", sep, ldexp(1, t->wei_scale_log2)), sep = "+";
    if ((size_t)len < n)   /* always: a requantized output without one gets a default */
        snprintf(buf + len, n - len, "%sdst:common:%.9g", sep, ldexp(1, t->dst_scale_log2));
}

void cnb_layer_format(const cnb_layer *l, char *buf, size_t n)
{
    const cnb_problem *p = &l->prob;
    char dts[128];
    format_dt(&p->dt, p->op, dts, sizeof dts);
    if (l->kind == CNB_KIND_FC) {
        const cnb_gemm *g = &p->gemm;
        snprintf(buf, n, "fc%s mb%dic%doc%d", dts, g->m, g->k, g->n);
        return;
    }
    if (p->op == CNB_OP_GEMM) {
        const cnb_gemm *g = &p->gemm;
        snprintf(buf, n, "gemm%s m%dn%dk%dta%dtb%dlda%dldb%dldc%dalpha%.9gbeta%.9g", dts, g->m, g->n,
                 g->k, g->ta, g->tb, g->lda, g->ldb, g->ldc, g->alpha, g->beta);
        return;
    }
    int len, v[21]; /* i o k s p (d h w each), right paddings, dilations */
    if (p->op == CNB_OP_CONV) {
        const cnb_conv *c = &p->conv;
        len = snprintf(buf, n, "conv%s g%dmb%dic%doc%d", dts, c->g, c->mb, c->ic, c->oc);
        const int t[21] = {c->id, c->ih, c->iw, c->od, c->oh, c->ow, c->kd, c->kh, c->kw,
                           c->sd, c->sh, c->sw, c->pd, c->ph, c->pw, c->pd_r, c->ph_r, c->pw_r,
                           c->dd, c->dh, c->dw};
        memcpy(v, t, sizeof v);
    } else {
        const cnb_pool *q = &p->pool;
        len = snprintf(buf, n, "pool:%s%s mb%dic%d", cnb_pool_alg_name(q->alg), dts, q->mb, q->c);
        const int t[21] = {q->id, q->ih, q->iw, q->od, q->oh, q->ow, q->kd, q->kh, q->kw,
                           q->sd, q->sh, q->sw, q->pd, q->ph, q->pw, q->pd_r, q->ph_r, q->pw_r,
                           q->dd, q->dh, q->dw};
        memcpy(v, t, sizeof v);
    }
    const int is3d = v[0] != 1 || v[3] != 1 || v[6] != 1 || v[9] != 1 || v[12] != 0 || v[18] != 0;
    static const char *const keys[] = {"i", "o", "k", "s", "p"};
    for (int sp = 0; sp < 5 && len > 0 && (size_t)len < n; sp++)
        for (int a = is3d ? 0 : 1; a < 3 && (size_t)len < n; a++)
            len += snprintf(buf + len, n - len, "%s%c%d", keys[sp], "dhw"[a], v[sp * 3 + a]);
    for (int a = is3d ? 0 : 1; a < 3 && len > 0 && (size_t)len < n; a++)
        if (v[18 + a]) len += snprintf(buf + len, n - len, "d%c%d", "dhw"[a], v[18 + a]);
}

/* Taps of one axis that land inside the input, summed over the outputs of that axis. The count
 * of (output point, tap) pairs inside the input is the product of these over the three axes.
 * One closed-form count per output (cnb_window_taps), never a loop over outputs × taps: that took
 * minutes on large valid descriptors the fuzzer found (tests/fuzz/regress/desc/). */
static double inside_taps(int i, int o, int k, int s, int p, int d)
{
    double n = 0;
    for (int oi = 0; oi < o; oi++) n += cnb_window_taps(oi, s, p, d, k, i);
    return n;
}

double cnb_layer_flops_dense(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    if (p->op == CNB_OP_CONV) {
        const cnb_conv *c = &p->conv;
        return 2.0 * c->mb * c->oc * c->od * c->oh * c->ow * (double)(c->ic / c->g) * c->kd *
               c->kh * c->kw;
    }
    if (p->op == CNB_OP_POOL) {
        const cnb_pool *q = &p->pool;
        return (double)q->mb * q->c * q->od * q->oh * q->ow * q->kd * q->kh * q->kw;
    }
    return 2.0 * p->gemm.m * p->gemm.n * (double)p->gemm.k;
}

double cnb_layer_flops_benchdnn(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    if (p->op == CNB_OP_CONV) {
        const cnb_conv *c = &p->conv;
        return 2.0 * c->mb * c->oc * (double)(c->ic / c->g) *
               inside_taps(c->id, c->od, c->kd, c->sd, c->pd, c->dd) *
               inside_taps(c->ih, c->oh, c->kh, c->sh, c->ph, c->dh) *
               inside_taps(c->iw, c->ow, c->kw, c->sw, c->pw, c->dw);
    }
    if (p->op == CNB_OP_POOL) {
        const cnb_pool *q = &p->pool;
        return (double)q->mb * q->c * inside_taps(q->id, q->od, q->kd, q->sd, q->pd, q->dd) *
               inside_taps(q->ih, q->oh, q->kh, q->sh, q->ph, q->dh) *
               inside_taps(q->iw, q->ow, q->kw, q->sw, q->pw, q->dw);
    }
    return cnb_layer_flops_dense(l);
}

double cnb_layer_wei_bytes(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    if (p->op == CNB_OP_CONV) return cnb_dt_size(p->dt.wei) * (double)cnb_conv_wei_elems(&p->conv);
    if (p->op == CNB_OP_GEMM) return cnb_dt_size(p->dt.wei) * (double)p->gemm.k * p->gemm.n;
    return 0;
}

double cnb_layer_act_bytes(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    if (p->op == CNB_OP_CONV)
        return cnb_dt_size(p->dt.src) * (double)cnb_conv_src_elems(&p->conv) +
               cnb_dt_size(p->dt.dst) * (double)cnb_conv_dst_elems(&p->conv);
    if (p->op == CNB_OP_POOL)
        return cnb_dt_size(p->dt.src) * (double)cnb_pool_src_elems(&p->pool) +
               cnb_dt_size(p->dt.dst) * (double)cnb_pool_dst_elems(&p->pool);
    return cnb_dt_size(p->dt.src) * (double)p->gemm.m * p->gemm.k +
           cnb_dt_size(p->dt.dst) * (double)p->gemm.m * p->gemm.n;
}

double cnb_layer_bytes(const cnb_layer *l)
{
    const cnb_problem *p = &l->prob;
    double b = cnb_layer_wei_bytes(l) + cnb_layer_act_bytes(l);
    if (p->op == CNB_OP_GEMM && p->gemm.beta != 0.0f)
        b += cnb_dt_size(p->dt.dst) * (double)p->gemm.m * p->gemm.n;
    return b;
}

const char *cnb_shapes_dir(void)
{
    static char dir[4096];
    const char *env = getenv("CNB_SHAPES");
    if (env && *env) return env;
    if (dir[0]) return dir;
    /* The binary lives in <repo>/build/cnnbench (or build-arm/): look beside it first. */
    char exe[4000];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash) break;
            *slash = 0;
            snprintf(dir, sizeof dir, "%s/harness/shapes", exe);
            if (access(dir, R_OK) == 0) return dir;
        }
    }
    snprintf(dir, sizeof dir, "harness/shapes");
    return dir;
}

/* One line of a table into line[size]: 1 read, 0 end of file. *flaw says what is wrong with it:
 * 0 none, 'L' longer than the buffer (the rest is skipped), 'N' a NUL byte (a binary file). */
static int read_line(FILE *fp, char *line, size_t size, int *flaw)
{
    size_t n = 0;
    int ch, any = 0;
    *flaw = 0;
    while ((ch = getc(fp)) != EOF) {
        any = 1;
        if (ch == '\n') break;
        if (ch == 0 && !*flaw) *flaw = 'N';
        if (n + 1 < size) line[n++] = (char)ch;
        else if (!*flaw) *flaw = 'L';
    }
    line[n] = 0;
    return any;
}

/* strict: the first bad line fails the load. Otherwise each bad line is reported on stderr as
 * "cnnbench: FILE:LINE: why", counted in *n_bad and skipped; a NUL byte ends the file there. */
static int net_load(const char *name_or_path, int mb_override, cnb_net *net, int *n_bad,
                    char *err, size_t errlen)
{
    memset(net, 0, sizeof *net);
    char path[4200];
    const int is_path = strchr(name_or_path, '/') || strstr(name_or_path, ".txt");
    if (is_path) {
        snprintf(path, sizeof path, "%s", name_or_path);
    } else {
        for (const char *c = name_or_path; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
                return fail(err, errlen, "unknown network '%s'", name_or_path);
        snprintf(path, sizeof path, "%s/%s.txt", cnb_shapes_dir(), name_or_path);
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (is_path) return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return fail(err, errlen, "unknown network '%s' (no %s; `cnnbench list` shows the networks)",
                    name_or_path, path);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(net->name, sizeof net->name, "%.*s", (int)strcspn(base, "."), base);
    char line[1024], why[512];
    int lineno = 0, cap = 0, flaw, bad = 0;
    while (read_line(fp, line, sizeof line, &flaw)) {
        lineno++;
        line[strcspn(line, "\r")] = 0;
        const char *s = line;
        while (isspace((unsigned char)*s)) s++;
        if (flaw == 'N') {
            snprintf(why, sizeof why, "a NUL byte: not a text layer table (the rest of the file "
                     "is skipped)");
        } else if (flaw == 'L') {
            snprintf(why, sizeof why, "line longer than %zu characters", sizeof line - 1);
        } else {
            if (!*s || *s == '#') continue;
            if (net->count == cap) {
                cap = cap ? 2 * cap : 32;
                cnb_layer *grown = realloc(net->layers, cap * sizeof *grown);
                if (!grown) {
                    fclose(fp);
                    cnb_net_free(net);
                    return fail(err, errlen, "out of memory");
                }
                net->layers = grown;
            }
            if (!cnb_layer_parse(s, CNB_KIND_CONV, mb_override, &net->layers[net->count], why,
                                 sizeof why)) {
                net->count++;
                continue;
            }
        }
        if (!n_bad) {
            fclose(fp);
            cnb_net_free(net);
            return fail(err, errlen, "%s:%d: %s", path, lineno, why);
        }
        fprintf(stderr, "cnnbench: %s:%d: %s\n", path, lineno, why);
        bad++;
        if (flaw == 'N') break;
    }
    const int read_error = ferror(fp);
    fclose(fp);
    if (n_bad) *n_bad = bad;
    if (read_error) {
        cnb_net_free(net);
        return fail(err, errlen, "%s: read error", path);
    }
    if (net->count == 0 && !bad) {
        cnb_net_free(net);
        return fail(err, errlen, "%s: no layers", path);
    }
    return 0;
}

int cnb_net_load(const char *name_or_path, int mb_override, cnb_net *net, char *err, size_t errlen)
{
    return net_load(name_or_path, mb_override, net, NULL, err, errlen);
}

int cnb_net_load_lenient(const char *name_or_path, int mb_override, cnb_net *net, int *n_bad,
                         char *err, size_t errlen)
{
    return net_load(name_or_path, mb_override, net, n_bad, err, errlen);
}

void cnb_net_free(cnb_net *net)
{
    free(net->layers);
    net->layers = NULL;
    net->count = 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

int cnb_net_list(char names[][64], int max)
{
    DIR *d = opendir(cnb_shapes_dir());
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        const size_t len = strlen(e->d_name);
        if (len < 5 || len > 60 || strcmp(e->d_name + len - 4, ".txt") != 0) continue;
        snprintf(names[n], 64, "%.*s", (int)(len - 4), e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, 64, cmp_name);
    return n;
}
