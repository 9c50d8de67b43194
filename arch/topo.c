/* Topology and binding: hwloc when available, else sched_getaffinity + sysfs + sysconf.
 * Both paths see only the CPUs in the affinity mask the process started with (so `taskset -c 1`
 * gives one core), and map core index k to the first hardware thread of the k-th such core. */
#include "arch/sysfs.h"
#include "arch/topo.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(CNB_HAVE_HWLOC)
#include <hwloc.h>
#endif

#define MAX_CORES 1024

static cnb_topo g_topo;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static cpu_set_t g_start_set;           /* affinity of the detecting thread at start-up */
static int g_core_cpu[MAX_CORES];       /* sysfs path: OS CPU number of core k's first PU */

#if defined(CNB_HAVE_HWLOC)
static hwloc_topology_t g_hw;           /* kept open for binding; NULL when hwloc failed */
#endif

/* Caches of one CPU from /sys/devices/system/cpu/cpuN/cache/index*, then sysconf for the rest. */
static void sysfs_caches(int cpu, cnb_topo *t)
{
    for (int i = 0; i < 16; i++) {
        char path[160], type[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu, i);
        if (cnb_read_word_file(path, type, sizeof type) != 0)
            break;
        if (strcmp(type, "Instruction") == 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
        int level = cnb_read_int_file(path, 0);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cache/index%d/size", cpu, i);
        long long size = cnb_read_size_file(path);
        if (level == 1 && !t->l1d)
            t->l1d = size;
        else if (level == 2 && !t->l2)
            t->l2 = size;
        else if (level == 3 && !t->l3_reported)
            t->l3_reported = size;
    }
    long v;
    if (!t->l1d && (v = sysconf(_SC_LEVEL1_DCACHE_SIZE)) > 0)
        t->l1d = v;
    if (!t->l2 && (v = sysconf(_SC_LEVEL2_CACHE_SIZE)) > 0)
        t->l2 = v;
    if (!t->l3_reported && (v = sysconf(_SC_LEVEL3_CACHE_SIZE)) > 0)
        t->l3_reported = v;
}

static void detect_sysfs(cnb_topo *t)
{
    int pkg_of[MAX_CORES], id_of[MAX_CORES];
    int cores = 0, pus = 0, first = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &g_start_set))
            continue;
        pus++;
        if (first < 0)
            first = cpu;
        char path[128];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        int core_id = cnb_read_int_file(path, cpu);   /* no sysfs: every CPU is its own core */
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        int pkg = cnb_read_int_file(path, 0);
        int seen = 0;
        for (int k = 0; k < cores && !seen; k++)
            seen = pkg_of[k] == pkg && id_of[k] == core_id;
        if (!seen && cores < MAX_CORES) {
            pkg_of[cores] = pkg;
            id_of[cores] = core_id;
            g_core_cpu[cores++] = cpu;
        }
    }
    if (pus == 0) {   /* no affinity mask: trust sysconf */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        pus = n > 0 ? (int)n : 1;
        cores = pus < MAX_CORES ? pus : MAX_CORES;
        for (int k = 0; k < cores; k++)
            g_core_cpu[k] = k;
        first = 0;
    }
    t->cores = cores;
    t->pus = pus;
    sysfs_caches(first, t);
    t->source = "sysfs";
}

#if defined(CNB_HAVE_HWLOC)
static int detect_hwloc(cnb_topo *t)
{
    if (hwloc_topology_init(&g_hw) != 0)
        return -1;
    if (hwloc_topology_load(g_hw) != 0) {
        hwloc_topology_destroy(g_hw);
        g_hw = NULL;
        return -1;
    }
    /* Keep only the CPUs we were started on (taskset, numactl): same view as the sysfs path. */
    hwloc_bitmap_t mine = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(g_hw, mine, HWLOC_CPUBIND_PROCESS) == 0 && !hwloc_bitmap_iszero(mine)
        && !hwloc_bitmap_isequal(mine, hwloc_topology_get_topology_cpuset(g_hw)))
        hwloc_topology_restrict(g_hw, mine, 0);
    hwloc_bitmap_free(mine);

    t->cores = hwloc_get_nbobjs_by_type(g_hw, HWLOC_OBJ_CORE);
    t->pus = hwloc_get_nbobjs_by_type(g_hw, HWLOC_OBJ_PU);
    if (t->pus <= 0) {
        hwloc_topology_destroy(g_hw);
        g_hw = NULL;
        return -1;
    }
    if (t->cores <= 0)
        t->cores = t->pus;
    /* Data/unified caches above the first PU, by level. */
    hwloc_obj_t pu = hwloc_get_obj_by_type(g_hw, HWLOC_OBJ_PU, 0);
    for (hwloc_obj_t o = pu; o; o = o->parent) {
        if (!hwloc_obj_type_is_dcache(o->type))
            continue;
        long long size = (long long)o->attr->cache.size;
        unsigned depth = o->attr->cache.depth;
        if (depth == 1 && !t->l1d)
            t->l1d = size;
        else if (depth == 2 && !t->l2)
            t->l2 = size;
        else if (depth == 3 && !t->l3_reported)
            t->l3_reported = size;
    }
    t->source = "hwloc";
    return 0;
}
#endif

static void detect(void)
{
    cnb_topo *t = &g_topo;
    memset(t, 0, sizeof *t);
    CPU_ZERO(&g_start_set);
    if (sched_getaffinity(0, sizeof g_start_set, &g_start_set) != 0)
        CPU_ZERO(&g_start_set);
#if defined(CNB_HAVE_HWLOC)
    if (detect_hwloc(t) != 0)
        detect_sysfs(t);
#else
    detect_sysfs(t);
#endif
    if (t->cores < 1)
        t->cores = 1;
    if (t->pus < t->cores)
        t->pus = t->cores;
    long long cap = CNB_TOPO_L3_PER_CORE_MAX * t->cores;
    t->l3 = t->l3_reported < cap ? t->l3_reported : cap;
    t->l3_clamped = t->l3 < t->l3_reported;
}

const cnb_topo *cnb_topo_get(void)
{
    pthread_once(&g_once, detect);
    return &g_topo;
}

int cnb_bind_self_to_core(int core)
{
    const cnb_topo *t = cnb_topo_get();
    if (core < 0)
        return -1;
    core %= t->cores;
#if defined(CNB_HAVE_HWLOC)
    if (g_hw) {
        hwloc_obj_t o = hwloc_get_obj_by_type(g_hw, HWLOC_OBJ_CORE, (unsigned)core);
        if (!o)
            o = hwloc_get_obj_by_type(g_hw, HWLOC_OBJ_PU, (unsigned)core);
        if (!o || !o->cpuset)
            return -1;
        hwloc_bitmap_t set = hwloc_bitmap_dup(o->cpuset);
        hwloc_bitmap_singlify(set);   /* one PU: no wandering between SMT siblings */
        int rc = hwloc_set_cpubind(g_hw, set, HWLOC_CPUBIND_THREAD);
        hwloc_bitmap_free(set);
        return rc == 0 ? 0 : -1;
    }
#endif
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(g_core_cpu[core], &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
}

int cnb_bind_omp_threads(int nthreads)
{
    if (nthreads < 1)
        return 0;
    int bound = 0;
#pragma omp parallel num_threads(nthreads) reduction(+ : bound)
    bound += cnb_bind_self_to_core(omp_get_thread_num()) == 0;
    return bound;
}

void cnb_unbind_omp_threads(int nthreads)
{
    cnb_topo_get();
    if (CPU_COUNT(&g_start_set) == 0)
        return;
    if (nthreads < 1)
        nthreads = 1;
#pragma omp parallel num_threads(nthreads)
    sched_setaffinity(0, sizeof g_start_set, &g_start_set);
}

static const char *fmt_bytes(long long b, char *buf, int size)
{
    if (b >= (1LL << 20) && b % (1LL << 20) == 0)
        snprintf(buf, size, "%lld MiB", b >> 20);
    else if (b >= (1LL << 10) && b % (1LL << 10) == 0)
        snprintf(buf, size, "%lld KiB", b >> 10);
    else
        snprintf(buf, size, "%lld B", b);
    return buf;
}

char *cnb_topo_describe(char *buf, int size)
{
    const cnb_topo *t = cnb_topo_get();
    char a[32], b[32], c[32], d[32];
    if (!t->l3_reported)
        snprintf(buf, size, "%d cores, %d PUs, L1d %s, L2 %s, no L3 [%s]", t->cores, t->pus,
                 fmt_bytes(t->l1d, a, sizeof a), fmt_bytes(t->l2, b, sizeof b), t->source);
    else if (t->l3_clamped)
        snprintf(buf, size, "%d cores, %d PUs, L1d %s, L2 %s, L3 %s reported, %s used (clamped) [%s]",
                 t->cores, t->pus, fmt_bytes(t->l1d, a, sizeof a), fmt_bytes(t->l2, b, sizeof b),
                 fmt_bytes(t->l3_reported, c, sizeof c), fmt_bytes(t->l3, d, sizeof d), t->source);
    else
        snprintf(buf, size, "%d cores, %d PUs, L1d %s, L2 %s, L3 %s [%s]", t->cores, t->pus,
                 fmt_bytes(t->l1d, a, sizeof a), fmt_bytes(t->l2, b, sizeof b),
                 fmt_bytes(t->l3, c, sizeof c), t->source);
    return buf;
}
