/* Shared command-line pieces (harness/cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"

_Noreturn void cnb_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cnnbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

int cnb_arg_int(const char *opt, const char *val, int min, int max)
{
    if (!val) cnb_die("%s needs a value", opt);
    char *end;
    errno = 0;
    const long v = strtol(val, &end, 10);
    if (errno || end == val || *end || v < min || v > max)
        cnb_die("%s %s: expected a whole number from %d to %d", opt, val, min, max);
    return (int)v;
}

cnb_kind cnb_parse_kind(const char *s)
{
    if (strcmp(s, "conv") == 0) return CNB_KIND_CONV;
    if (strcmp(s, "pool") == 0) return CNB_KIND_POOL;
    if (strcmp(s, "fc") == 0) return CNB_KIND_FC;
    if (strcmp(s, "gemm") == 0) return CNB_KIND_GEMM;
    cnb_die("unknown operation '%s' (conv, pool, fc, gemm)", s);
}

static cnb_layer *sel_grow(cnb_selection *s, const char *net)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->layers = realloc(s->layers, s->cap * sizeof *s->layers);
        s->net = realloc(s->net, s->cap * sizeof *s->net);
        if (!s->layers || !s->net) cnb_die("out of memory");
    }
    snprintf(s->net[s->count], 64, "%s", net);
    return &s->layers[s->count++];
}

void cnb_sel_add_net(cnb_selection *s, const char *name, int mb)
{
    if (strcmp(name, "all") == 0) {
        char names[64][64];
        const int n = cnb_net_list(names, 64);
        if (!n) cnb_die("no networks in %s", cnb_shapes_dir());
        for (int i = 0; i < n; i++) cnb_sel_add_net(s, names[i], mb);
        return;
    }
    cnb_net net;
    char err[512];
    int bad = 0;
    /* A table's mb is the training batch of its source: cnnbench runs batch 1 unless --mb. */
    if (cnb_net_load_lenient(name, mb > 0 ? mb : 1, &net, &bad, err, sizeof err))
        cnb_die("%s", err);
    s->bad_lines += bad;
    for (int i = 0; i < net.count; i++) *sel_grow(s, net.name) = net.layers[i];
    cnb_net_free(&net);
}

void cnb_sel_add_desc(cnb_selection *s, const char *text, cnb_kind kind, int mb)
{
    cnb_layer l;
    char err[512];
    if (cnb_layer_parse(text, kind, mb, &l, err, sizeof err))
        cnb_die("bad descriptor '%s': %s", text, err);
    if (!l.name[0]) snprintf(l.name, sizeof l.name, "cli:%d", s->count + 1);
    *sel_grow(s, "cli") = l;
}

void cnb_sel_free(cnb_selection *s)
{
    free(s->layers);
    free(s->net);
    memset(s, 0, sizeof *s);
}

void cnb_impl_sel_add(cnb_impl_sel *s, const char *names)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        const cnb_impl *impl = cnb_impl_find(tok);
        if (!impl) cnb_die("unknown implementation '%s' (`cnnbench impls` lists them)", tok);
        const char *why;
        if (!cnb_impl_runnable(impl, &why))
            cnb_die("%s cannot run on this machine: %s needs %s, and %s", tok, tok,
                    cnb_isa_name(impl->isa), why);
        if (s->count < 256) s->list[s->count++] = impl;
        s->named = 1;
    }
}

void cnb_impl_sel_default(cnb_impl_sel *s, int verbose)
{
    for (int i = 0; cnb_impls[i]; i++) {
        const cnb_impl *impl = cnb_impls[i];
        const char *why;
        if (impl->hidden) continue;
        if (!cnb_impl_runnable(impl, &why)) {
            if (verbose) fprintf(stderr, "skip %s: %s %s\n", impl->name, cnb_isa_name(impl->isa), why);
            continue;
        }
        const size_t len = strlen(impl->name);
        if (len > 4 && strcmp(impl->name + len - 4, "/ref") == 0) continue;
        if (s->count < 256) s->list[s->count++] = impl;
    }
}
