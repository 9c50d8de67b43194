/* The machine facts every CSV row repeats (harness/bench.h, cnb_machine): CPU model and folder
 * name, usable ISAs, cores and caches, compiler and flags, library versions, peers built in,
 * date and commit. Kept apart from the CSV writing (harness/report.c), which only prints them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if CNB_HAVE_HWLOC
#include <hwloc.h>
#endif
#if CNB_HAVE_XXHASH
#include <xxhash.h>
#endif

#include "arch/cpu.h"
#include "arch/topo.h"
#include "harness/bench.h"
#include "harness/peers/peers.h"

/* "AMD EPYC" -> "amd-epyc"; "Intel(R) Xeon(R) Platinum 8488C CPU @ 2.40GHz" ->
 * "intel-xeon-platinum-8488c"; "AMD EPYC 9R14 96-Core Processor" -> "amd-epyc-9r14". */
static void sanitise_model(const char *model, char *out, int size)
{
    char low[256];
    int n = 0;
    for (const char *s = model; *s && n < (int)sizeof low - 1; s++) low[n++] = (char)tolower((unsigned char)*s);
    low[n] = 0;
    char *at = strchr(low, '@');
    if (at) *at = 0;
    static const char *const noise[] = {"(r)", "(tm)", " cpu", " processor", "-core"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        char *p;
        while ((p = strstr(low, noise[i]))) {
            size_t len = strlen(noise[i]);
            if (!strcmp(noise[i], "-core")) {   /* drop "96-core" whole */
                while (p > low && isdigit((unsigned char)p[-1])) p--, len++;
            }
            memmove(p, p + len, strlen(p + len) + 1);
        }
    }
    int j = 0, dash = 1;
    for (int i = 0; low[i] && j < size - 1; i++) {
        if (isalnum((unsigned char)low[i])) {
            out[j++] = low[i];
            dash = 0;
        } else if (!dash) {
            out[j++] = '-';
            dash = 1;
        }
    }
    while (j > 0 && out[j - 1] == '-') j--;
    out[j] = 0;
    if (!j) snprintf(out, size, "unknown-cpu");
}

/* First line of a shell command's output, or "" (never fails). */
static void command_line(const char *cmd, char *out, int size)
{
    out[0] = 0;
    FILE *p = popen(cmd, "r");
    if (!p) return;
    if (fgets(out, size, p)) out[strcspn(out, "\r\n")] = 0;
    else out[0] = 0;
    while (fgetc(p) != EOF) {}
    pclose(p);
}

static void git_commit(char *out, int size)
{
    const char *env = getenv("CNB_COMMIT");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    /* The repository that holds the shapes (harness/shapes → ../..). */
    char root[4200], cmd[4400], hash[48], dirty[256];
    snprintf(root, sizeof root, "%s/../..", cnb_shapes_dir());
    if (strchr(root, '\'')) {
        snprintf(out, size, "unknown");
        return;
    }
    snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse --short HEAD 2>/dev/null", root);
    command_line(cmd, hash, sizeof hash);
    if (!hash[0]) {
        snprintf(out, size, "unknown");
        return;
    }
    snprintf(cmd, sizeof cmd, "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null", root);
    command_line(cmd, dirty, sizeof dirty);
    snprintf(out, size, "%s%s", hash, dirty[0] ? "-dirty" : "");
}

void cnb_machine_collect(cnb_machine *m)
{
    memset(m, 0, sizeof *m);
    const cnb_topo *t = cnb_topo_get();
    snprintf(m->cpu_model, sizeof m->cpu_model, "%s", cnb_cpu_model());
    char safe[96];
    sanitise_model(m->cpu_model, safe, sizeof safe);
    /* A model string without a model number ("AMD EPYC", as some hypervisors report every
     * generation) would put different CPUs into one folder: the cpuid family and model tell
     * them apart ("amd-epyc-f26m2-2c"). */
    const char *sig = cnb_cpu_signature();
    if (!strpbrk(safe, "0123456789") && sig[0])
        snprintf(m->name, sizeof m->name, "%s-%s-%dc", safe, sig, t->cores);
    else
        snprintf(m->name, sizeof m->name, "%s-%dc", safe, t->cores);
    cnb_cpu_feature_string(cnb_cpu_usable(), m->isas, sizeof m->isas);
    m->cores = t->cores;
    m->pus = t->pus;
    m->l1d = t->l1d;
    m->l2 = t->l2;
    m->l3 = t->l3;
    m->l3_reported = t->l3_reported;
#if defined(__clang__)
    snprintf(m->compiler, sizeof m->compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(m->compiler, sizeof m->compiler, "gcc %s", __VERSION__);
#else
    snprintf(m->compiler, sizeof m->compiler, "unknown");
#endif
    const char *cflags = getenv("CNB_CFLAGS");
    snprintf(m->cflags, sizeof m->cflags, "%s",
             cflags && *cflags ? cflags : "unknown (not built through make bench)");
    int len = snprintf(m->libraries, sizeof m->libraries, "openmp %d", _OPENMP);
#if CNB_HAVE_HWLOC
    const unsigned hv = hwloc_get_api_version();
    len += snprintf(m->libraries + len, sizeof m->libraries - len, "; hwloc api %u.%u.%u",
                    hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
#endif
#if CNB_HAVE_XXHASH
    const unsigned xv = XXH_versionNumber();
    len += snprintf(m->libraries + len, sizeof m->libraries - len, "; xxhash %u.%u.%u",
                    xv / 10000, xv / 100 % 100, xv % 100);
#endif
    const char *extra = getenv("CNB_LIB_VERSIONS");
    if (extra && *extra && len < (int)sizeof m->libraries)
        snprintf(m->libraries + len, sizeof m->libraries - len, "; %s", extra);
    snprintf(m->peers, sizeof m->peers, "%s", cnb_peers_built());
    const time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(m->stamp, sizeof m->stamp, "%Y%m%d-%H%M%S", &tm);
    git_commit(m->commit, sizeof m->commit);
}

