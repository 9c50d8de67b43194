/* Machine topology (cores, hardware threads, cache sizes) detected once, from hwloc when built
 * with it (CNB_HAVE_HWLOC) and otherwise from sysconf + sysfs, and per-thread core binding for
 * the OpenMP worker threads that run kernels and probes. */
#ifndef CNB_ARCH_TOPO_H
#define CNB_ARCH_TOPO_H

/* Cache sizes are in bytes, of one instance as seen from the first core (L1d and L2 per core,
 * L3 per shared instance); 0 means "not present / unknown".
 * L3 sanity clamp: some VMs report an absurd L3 (480 MiB here). The L3 used for sizing is
 *   l3 = min(l3_reported, CNB_TOPO_L3_PER_CORE_MAX * cores)
 * i.e. at most 8 MiB per visible core, a fair share on any shared-L3 part we know (server parts
 * give 1.25-4 MiB per core; X3D/Genoa-X reach 12 MiB but share it with other tenants in a VM).
 * l3_reported keeps the raw value and l3_clamped says whether the rule bit. */
#define CNB_TOPO_L3_PER_CORE_MAX (8LL << 20)

typedef struct cnb_topo {
    int cores;              /* physical cores this process may run on */
    int pus;                /* hardware threads (processing units) this process may run on */
    long long l1d, l2, l3;  /* bytes, l3 after the clamp above */
    long long l3_reported;  /* bytes, as reported by hwloc / sysfs */
    int l3_clamped;         /* 1 when l3 < l3_reported */
    const char *source;     /* "hwloc" or "sysfs" */
} cnb_topo;

/* The topology, detected on first call (thread-safe) and cached for the life of the process. */
const cnb_topo *cnb_topo_get(void);

/* Pin the calling thread to core `core` (0..cores-1, taken modulo cores; its first hardware
 * thread). Returns 0, or -1 when binding failed (the thread is then left as it was). */
int cnb_bind_self_to_core(int core);

/* Run an OpenMP parallel region of nthreads threads in which worker t pins itself to core
 * t % cores. libgomp keeps its pool, so later regions of the same size run on the same pinned
 * threads. Worker 0 is the calling thread: it stays pinned to core 0 until cnb_unbind_omp_threads.
 * We bind per thread rather than with OMP_PROC_BIND (MACHINE.md: that also pins threads created
 * later by libraries such as OpenBLAS, halving their speed). Returns the number bound. */
int cnb_bind_omp_threads(int nthreads);

/* Undo cnb_bind_omp_threads: give the calling thread and the nthreads workers of a parallel
 * region back the CPU set the process started with. Call before running a peer library that
 * creates its own threads (they inherit the creating thread's binding). */
void cnb_unbind_omp_threads(int nthreads);

/* One line such as "2 cores, 2 PUs, L1d 32 KiB, L2 1 MiB, L3 32 MiB reported, 16 MiB used
 * (clamped) [hwloc]" into buf (always NUL-terminated). Returns buf. */
char *cnb_topo_describe(char *buf, int size);

#endif
