/* Guarded buffers and the guard-page fault handler (harness/buffer.h). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/buffer.h"

#define MAX_LIVE 64

static const cnb_buf *live[MAX_LIVE];
static const char *ctx_impl = "?", *ctx_layer = "?";

static size_t page_size(void)
{
    static size_t ps;
    if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

int cnb_buf_alloc(cnb_buf *b, size_t n, const char *what)
{
    return cnb_buf_alloc_dt(b, n, CNB_DT_F32, what);
}

int cnb_buf_alloc_dt(cnb_buf *b, size_t n, cnb_dt dt, const char *what)
{
    const size_t ps = page_size();
    const size_t esize = (size_t)cnb_dt_size(dt);
    const size_t bytes = (n ? n : 1) * esize;
    const size_t data = (bytes + ps - 1) / ps * ps;
    memset(b, 0, sizeof *b);
    b->map_len = data + 2 * ps;
    void *m = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    char *base = m;
    mprotect(base, ps, PROT_NONE);
    mprotect(base + ps + data, ps, PROT_NONE);
    b->map = m;
    b->data = base + ps + data - bytes;
    b->ptr = dt == CNB_DT_F32 ? b->data : NULL;
    b->n = n;
    b->dt = dt;
    b->esize = esize;
    b->what = what;
    for (int i = 0; i < MAX_LIVE; i++)
        if (!live[i]) {
            live[i] = b;
            break;
        }
    return 0;
}

void cnb_buf_free(cnb_buf *b)
{
    if (!b->map) return;
    for (int i = 0; i < MAX_LIVE; i++)
        if (live[i] == b) live[i] = NULL;
    munmap(b->map, b->map_len);
    memset(b, 0, sizeof *b);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const uintptr_t a = (uintptr_t)si->si_addr, ps = page_size();
    for (int i = 0; i < MAX_LIVE; i++) {
        const cnb_buf *b = live[i];
        if (!b) continue;
        const uintptr_t lo = (uintptr_t)b->map, hi = lo + b->map_len;
        if (a < lo || a >= hi) continue;
        const uintptr_t start = (uintptr_t)b->data, end = start + b->n * b->esize;
        char msg[512];
        int len;
        if (a >= end)
            len = snprintf(msg, sizeof msg,
                           "FAIL %s %s: guard page hit: access %lu bytes past the end of %s "
                           "(%zu %s)\n",
                           ctx_impl, ctx_layer, (unsigned long)(a - end), b->what, b->n,
                           b->dt == CNB_DT_F32 ? "floats" : cnb_dt_name(b->dt));
        else
            len = snprintf(msg, sizeof msg,
                           "FAIL %s %s: guard page hit: access %lu bytes before the start of %s\n",
                           ctx_impl, ctx_layer, (unsigned long)(start - a), b->what);
        if (len > 0) (void)!write(2, msg, (size_t)len);
        _exit(1);
    }
    (void)ps;
    /* Not ours: fall back to the default action. */
    signal(sig, SIG_DFL);
}

void cnb_guard_install(void)
{
    static int done;
    if (done) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    done = 1;
}

void cnb_guard_context(const char *impl, const char *layer)
{
    ctx_impl = impl;
    ctx_layer = layer;
}
