/* Peer: oneDNN 3.x, three ways, through its C API:
 *   conv/onednn_latest, pool/onednn_latest, gemm/onednn_latest: the newest oneDNN on PyPI
 *     (`onednn`, 3.13), a SYCL build threaded by TBB (CNB_HAVE_DNNL_SYCL);
 *   conv/onednn_gomp, ...: the newest build for GNU OpenMP, our own runtime (`onednn-cpu-gomp`,
 *     3.2; CNB_HAVE_DNNL3);
 *   conv/onednn_avx2, ...: a private copy of that GOMP build held to AVX2, the opponent of our
 *     AVX2 kernels.
 * scripts/deps.sh --bench installs them into .deps/pypi and .deps/pypi-sycl; this file compiles to
 * nothing without them.
 *
 * Loading: Debian's oneDNN 2.x is linked into the binary and exports the same C names (dnnl_*) and
 * some of the same C++ names, so these are never linked: each is loaded with dlopen, RTLD_LOCAL so
 * that its names stay out of the global scope, and RTLD_DEEPBIND so that its own calls to its
 * exported functions bind to itself rather than to 2.x. Every entry point is looked up in its
 * handle; the header gives the prototypes (typeof) and the enum values, which are stable across
 * 3.x (the C ABI of a major version is), so one 3.x header serves every 3.y library.
 * AddressSanitizer refuses RTLD_DEEPBIND: under it these records say so and do not run.
 *
 * The SYCL build: its CPU engine is a SYCL CPU device, that is Intel's OpenCL CPU runtime
 * (libintelocl, from the intel-opencl-rt wheel), which the OpenCL loader finds through
 * OCL_ICD_FILENAMES (Intel's loader) or OCL_ICD_VENDORS (Debian's), set here unless the user set
 * them; the wheel's own .icd file names a path of Intel's build machine. Its libraries have no RUNPATH: its direct dependencies are loaded first
 * by absolute path. It runs its primitives on TBB, which fixes its thread count when it starts,
 * from the CPUs the starting thread may use; TBB has no C interface to change it. So the library
 * starts with the calling thread allowed one CPU per core (the CPUs our threads are pinned to), and
 * TBB's workers are created then, by a first primitive; the caller's binding is restored after.
 * Its records then run at that thread count only (threads_ok), as one pool of TBB threads that
 * TBB places itself. Each execution is a submission to a SYCL queue: some microseconds per call
 * that a small layer feels, and that a user of this build pays too.
 *
 * Instances: oneDNN fixes its ISA once per loaded library (dnnl_set_max_cpu_isa, before the first
 * primitive). `latest` and `gomp` run at the cap in force (none: the library's own choice;
 * CNB_MAX_ISA=<level>: oneDNN's ISA of that level: avx2, avx2_vnni, avx512_core,
 * avx512_core_vnni, avx512_core_bf16, avx512_core_amx). `avx2` is a second, private copy of the GOMP library,
 * loaded from an in-memory file (memfd) so that the dynamic loader sees a different object, and
 * capped at AVX2. Where AVX2 is all the CPU or the cap allows, `gomp` already runs AVX2 and `avx2`
 * says so instead of running twice.
 *
 * What runs is as in onednn.c: oneDNN picks every format for conv (src in to_layout and dst in
 * from_layout reordered, timed as layout conversion; weights in prepare), pooling gets the
 * channel-blocked src of the instance's widest ISA (int8: channels last), gemm is dnnl_sgemm on
 * the harness's buffers in f32 and the matmul primitive in bf16 and int8 (src and dst in the
 * user's row-major strides, weights in the format oneDNN picks, reordered in prepare as ours are
 * packed there).
 * Data types: every triple of the problem (kernels/problem.h) in the tensors' own types, bf16 as
 * the harness's uint16_t bit patterns; a requantized int8 output with the problem's common scales
 * as benchdnn's --attr-scales (src, weights and dst scales, mask 0, given at execution). Refused
 * in supports(), with why: int8 conv and matmul where oneDNN has no int8 dot products (see
 * int8_exact), and any triple oneDNN has no primitive for.
 * Threads (OpenMP builds): omp_get_max_threads(); a primitive is created again when the count
 * changes.
 * kernel_name(): "<impl name> <src format> (oneDNN <version> <runtime>)", e.g.
 * "brg_conv_fwd:avx512_core nxc (oneDNN 3.13.2 sycl/tbb)". */
#if CNB_HAVE_DNNL3

#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "arch/topo.h"
#include "harness/peers/geom.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

enum { NAME_LEN = 128 };

/* ---- the library: entry points, instances, engine ------------------------------------------ */

#define DNNL3_FUNCS(X)                                                                            \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_wait) X(dnnl_stream_destroy)        \
    X(dnnl_memory_desc_create_with_tag) X(dnnl_memory_desc_create_with_strides)                   \
    X(dnnl_memory_desc_destroy) X(dnnl_memory_desc_equal) X(dnnl_memory_create)                   \
    X(dnnl_memory_destroy) X(dnnl_memory_set_data_handle) X(dnnl_primitive_desc_query)            \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_create)       \
    X(dnnl_primitive_execute) X(dnnl_primitive_destroy) X(dnnl_primitive_get_primitive_desc)      \
    X(dnnl_reorder_primitive_desc_create) X(dnnl_convolution_forward_primitive_desc_create)       \
    X(dnnl_pooling_forward_primitive_desc_create) X(dnnl_sgemm) X(dnnl_set_max_cpu_isa)           \
    X(dnnl_get_effective_cpu_isa) X(dnnl_version) X(dnnl_status2str) X(dnnl_cpu_isa2str)          \
    X(dnnl_matmul_primitive_desc_create) X(dnnl_primitive_attr_create)                            \
    X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_scales_mask)

typedef struct {
#define FIELD(f) __typeof__(&f) f;
    DNNL3_FUNCS(FIELD)
#undef FIELD
} dnnl3_api;

typedef struct {
    const char *label;      /* "latest", "gomp", "avx2" */
    const char *path;       /* the library */
    const char *sycl_dir;   /* the SYCL build's folder of libraries; NULL for an OpenMP build */
    int private_copy;       /* load from a memfd copy: a library instance of its own */
    int fixed_cap;          /* the instance's own cap (dnnl_cpu_isa_t), 0 = the cap in force */
    int fixed_threads;      /* set at load for a TBB build: its thread count; 0 = OpenMP's */
    /* Set once by load(): */
    int tried;
    const char *error;      /* NULL once usable */
    char error_buf[288];
    dnnl3_api f;
    dnnl_engine_t engine;
    char version[32];
} instance;

static instance GOMP = {.label = "gomp", .path = CNB_DNNL3_SO};
static instance AVX2 = {.label = "avx2", .path = CNB_DNNL3_SO, .private_copy = 1,
                        .fixed_cap = dnnl_cpu_isa_avx2};
#if CNB_HAVE_DNNL_SYCL
static instance LATEST = {.label = "latest", .path = CNB_DNNL_SYCL_DIR "/libdnnl.so.3",
                          .sycl_dir = CNB_DNNL_SYCL_DIR};
#endif

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* The cap oneDNN is held to in an instance: its own, else oneDNN's ISA of the level of the cap in
 * force, which allows the same instructions (none: the library's own choice). */
static dnnl_cpu_isa_t cap_of(const instance *in)
{
    if (in->fixed_cap) return (dnnl_cpu_isa_t)in->fixed_cap;
    switch (cnb_cpu_cap()) {
    case CNB_ISA_AVX2: return dnnl_cpu_isa_avx2;
    case CNB_ISA_AVX_VNNI: return dnnl_cpu_isa_avx2_vnni;
    case CNB_ISA_AVX512: return dnnl_cpu_isa_avx512_core;
    case CNB_ISA_AVX512_VNNI: return dnnl_cpu_isa_avx512_core_vnni;
    case CNB_ISA_AVX512_BF16: return dnnl_cpu_isa_avx512_core_bf16;   /* with VNNI, as the cap */
    case CNB_ISA_AMX: return dnnl_cpu_isa_avx512_core_amx;
    default: return dnnl_cpu_isa_default;
    }
}

/* A private copy of the library file in an anonymous in-memory file; returns its /proc path. */
static int copy_to_memfd(const char *path, char *proc_path, size_t size, const char **why)
{
    const int from = open(path, O_RDONLY | O_CLOEXEC);
    if (from < 0) {
        *why = "cannot open the library";
        return -1;
    }
    const int to = memfd_create("cnnbench-onednn-copy", 0);
    struct stat st;
    ssize_t left = fstat(from, &st) == 0 ? st.st_size : -1;
    char buf[1 << 16];
    while (to >= 0 && left > 0) {
        const ssize_t n = read(from, buf, sizeof buf);
        if (n <= 0 || write(to, buf, (size_t)n) != n) break;
        left -= n;
    }
    close(from);
    if (to < 0 || left != 0) {
        *why = "cannot copy the library into memory";
        if (to >= 0) close(to);
        return -1;
    }
    snprintf(proc_path, size, "/proc/self/fd/%d", to);
    return to;  /* kept open: the loader maps it, and a later dlopen would need the same path */
}

/* The SYCL build's direct dependencies, loaded by absolute path (its libraries have no RUNPATH),
 * global so that the OpenCL runtime loaded later by name finds them too; and the OpenCL CPU
 * runtime named to the OpenCL loader. NULL, or what failed. */
static const char *sycl_preload(const char *dir)
{
    static char why[224];
    /* libOpenCL.so.1 too: the SYCL runtime opens it by name, and a system's own OpenCL loader
     * (Debian's ocl-icd, with PoCL) would answer first and never see the Intel CPU runtime. */
    static const char *const deps[] = {"libintlc.so.5", "libimf.so", "libsvml.so", "libirng.so",
                                       "libtbb.so.12", "libOpenCL.so.1", "libsycl.so.9"};
    char path[512];
    snprintf(path, sizeof path, "%s/libintelocl.so", dir);
    setenv("OCL_ICD_FILENAMES", path, 0);
    /* Debian's OpenCL loader (ocl-icd, which Debian's oneDNN 2.x links, so it is the one in the
     * process) reads OCL_ICD_VENDORS instead, at its first call: a folder of .icd files, made by
     * scripts/deps.sh with the one of the Intel CPU runtime. */
    snprintf(path, sizeof path, "%s/../cnnbench-icd", dir);
    setenv("OCL_ICD_VENDORS", path, 0);
    for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, deps[i]);
        if (!dlopen(path, RTLD_NOW | RTLD_GLOBAL)) {
            snprintf(why, sizeof why, "cannot load %s: %s", deps[i], dlerror());
            return why;
        }
    }
    return NULL;
}

/* Allow the calling thread the CPUs our threads are pinned to, one per core; returns how many. */
static int widen_to_cores(void)
{
    cpu_set_t mine, all, one;
    if (sched_getaffinity(0, sizeof mine, &mine)) return 1;
    CPU_ZERO(&all);
    for (int c = 0; c < cnb_topo_get()->cores; c++)
        if (cnb_bind_self_to_core(c) == 0 && sched_getaffinity(0, sizeof one, &one) == 0)
            CPU_OR(&all, &all, &one);
    if (!CPU_COUNT(&all) || sched_setaffinity(0, sizeof all, &all)) {
        sched_setaffinity(0, sizeof mine, &mine);
        return CPU_COUNT(&mine);
    }
    return CPU_COUNT(&all);
}

/* A first primitive, big enough to be split across every thread, so that TBB creates its workers
 * now, while the calling thread may use every core: they inherit that. */
static dnnl_status_t start_workers(instance *in)
{
    const dnnl_dims_t dims = {64, 64, 64, 64};
    dnnl_memory_desc_t a = NULL, b = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t ma = NULL, mb = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_status_t st;
    if (!(st = in->f.dnnl_memory_desc_create_with_tag(&a, 4, dims, dnnl_f32, dnnl_nchw)) &&
        !(st = in->f.dnnl_memory_desc_create_with_tag(&b, 4, dims, dnnl_f32, dnnl_nhwc)) &&
        !(st = in->f.dnnl_reorder_primitive_desc_create(&pd, a, in->engine, b, in->engine, NULL)) &&
        !(st = in->f.dnnl_primitive_create(&prim, pd)) &&
        !(st = in->f.dnnl_memory_create(&ma, a, in->engine, DNNL_MEMORY_ALLOCATE)) &&
        !(st = in->f.dnnl_memory_create(&mb, b, in->engine, DNNL_MEMORY_ALLOCATE)) &&
        !(st = in->f.dnnl_stream_create(&stream, in->engine, dnnl_stream_default_flags))) {
        const dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, ma}, {DNNL_ARG_TO, mb}};
        for (int i = 0; i < 3 && !st; i++)
            if (!(st = in->f.dnnl_primitive_execute(prim, stream, 2, args)))
                st = in->f.dnnl_stream_wait(stream);
    }
    if (stream) in->f.dnnl_stream_destroy(stream);
    if (ma) in->f.dnnl_memory_destroy(ma);
    if (mb) in->f.dnnl_memory_destroy(mb);
    if (prim) in->f.dnnl_primitive_destroy(prim);
    if (pd) in->f.dnnl_primitive_desc_destroy(pd);
    if (a) in->f.dnnl_memory_desc_destroy(a);
    if (b) in->f.dnnl_memory_desc_destroy(b);
    return st;
}

static void load_locked(instance *in)
{
#ifdef __SANITIZE_ADDRESS__
    in->error = "oneDNN 3.x: not under AddressSanitizer, which refuses RTLD_DEEPBIND (the flag "
                "that keeps it apart from Debian's oneDNN 2.x)";
    if (in->error) return;   /* (the rest stays compiled: one source for both builds) */
#endif
    {
    char path[64];
    const char *lib = in->path, *why = NULL;
    if (in->private_copy) {
        if (copy_to_memfd(in->path, path, sizeof path, &why) < 0) {
            snprintf(in->error_buf, sizeof in->error_buf, "oneDNN 3.x (%s): %s", in->path, why);
            in->error = in->error_buf;
            return;
        }
        lib = path;
    }
    if (in->sycl_dir && (why = sycl_preload(in->sycl_dir))) {
        snprintf(in->error_buf, sizeof in->error_buf, "oneDNN 3.x (SYCL build): %s", why);
        in->error = in->error_buf;
        return;
    }
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) {
        snprintf(in->error_buf, sizeof in->error_buf, "cannot load oneDNN 3.x: %s", dlerror());
        in->error = in->error_buf;
        return;
    }
#define LOOKUP(fn)                                                                                \
    if (!(*(void **)&in->f.fn = dlsym(h, #fn))) {                                                 \
        snprintf(in->error_buf, sizeof in->error_buf, "oneDNN 3.x lacks %s", #fn);               \
        in->error = in->error_buf;                                                                \
        return;                                                                                   \
    }
    DNNL3_FUNCS(LOOKUP)
#undef LOOKUP
    const dnnl_version_t *v = in->f.dnnl_version();
    snprintf(in->version, sizeof in->version, "%d.%d.%d %s", v->major, v->minor, v->patch,
             v->cpu_runtime == DNNL_RUNTIME_SYCL ? "sycl/tbb"
             : v->cpu_runtime == DNNL_RUNTIME_OMP ? "gomp"
             : v->cpu_runtime == DNNL_RUNTIME_TBB ? "tbb"
                                                  : "other runtime");
    const dnnl_cpu_isa_t cap = cap_of(in);
    dnnl_status_t st = cap == dnnl_cpu_isa_default ? dnnl_success : in->f.dnnl_set_max_cpu_isa(cap);
    if (st != dnnl_success) {
        snprintf(in->error_buf, sizeof in->error_buf, "oneDNN %s: cannot cap the ISA at %s: %s",
                 in->version, in->f.dnnl_cpu_isa2str(cap), in->f.dnnl_status2str(st));
        in->error = in->error_buf;
        return;
    }
    /* A TBB build: TBB starts here, with the threads of one CPU per core (see the top). */
    cpu_set_t mine;
    const int widen = in->sycl_dir && sched_getaffinity(0, sizeof mine, &mine) == 0;
    if (widen) in->fixed_threads = widen_to_cores();
    if ((st = in->f.dnnl_engine_create(&in->engine, dnnl_cpu, 0)) != dnnl_success) {
        snprintf(in->error_buf, sizeof in->error_buf, "oneDNN %s: no CPU engine: %s", in->version,
                 in->f.dnnl_status2str(st));
        in->error = in->error_buf;
    } else if (widen && (st = start_workers(in)) != dnnl_success) {
        snprintf(in->error_buf, sizeof in->error_buf, "oneDNN %s: a first primitive failed: %s",
                 in->version, in->f.dnnl_status2str(st));
        in->error = in->error_buf;
    }
    if (widen) sched_setaffinity(0, sizeof mine, &mine);
    }
}

/* NULL when the instance is usable, else one line. */
static const char *load(instance *in)
{
    pthread_mutex_lock(&load_lock);
    if (!in->tried) {
        in->tried = 1;
        load_locked(in);
    }
    pthread_mutex_unlock(&load_lock);
    return in->error;
}

/* NULL when the instance should run at all: the AVX2 copy only where `gomp` runs above AVX2. */
static const char *offered(instance *in)
{
    const char *why = load(in);
    if (why || in != &AVX2) return why;
    if (load(&GOMP) == NULL && cnb_peer_isa_of(GOMP.f.dnnl_cpu_isa2str(
                                   GOMP.f.dnnl_get_effective_cpu_isa())) != CNB_ISA_AVX512)
        return "onednn_gomp runs AVX2 already on this CPU or under this cap";
    return NULL;
}

static void report(const instance *in, dnnl_status_t st, const char *what)
{
    if (st != dnnl_success)
        fprintf(stderr, "oneDNN %s (%s): %s failed: %s\n", in->version, in->label, what,
                in->f.dnnl_status2str(st));
}

/* The ISA level of the code an implementation runs in data type t (the src type), from its name
 * ("brg_conv_fwd:avx512_core", "jit_int8:avx512_core_vnni", "brg_conv_fwd:avx512_core_amx",
 * "jit:avx2", "gemm:jit", "ref:any"): a JIT name without a suffix runs at the effective ISA. For
 * bf16 and int8 the level of the dot products the ISA has (cnb_peer_isa_of_dt), whose probe is
 * the % of peak of that type: amx, avx512_bf16, avx512_vnni, avx_vnni. */
static cnb_isa isa_of_impl(const instance *in, const char *info, cnb_dt t)
{
    const int jit = !strncmp(info, "jit", 3) || !strncmp(info, "brg", 3) ||
                    !strncmp(info, "gemm:jit", 8);
    if (cnb_peer_isa_of(info) == CNB_ISA_SCALAR && jit)
        return cnb_peer_isa_of_dt(in->f.dnnl_cpu_isa2str(in->f.dnnl_get_effective_cpu_isa()), t);
    return cnb_peer_isa_of_dt(info, t);
}

/* The effective ISA's level for int8: without int8 dot products (VNNI, AMX) oneDNN multiplies
 * u8 × s8 with vpmaddubsw, whose int16 sums of product pairs saturate. */
static int int8_exact(const instance *in)
{
    const cnb_isa isa =
        cnb_peer_isa_of_dt(in->f.dnnl_cpu_isa2str(in->f.dnnl_get_effective_cpu_isa()), CNB_DT_U8);
    return isa == CNB_ISA_AVX_VNNI || isa == CNB_ISA_AVX512_VNNI || isa == CNB_ISA_AMX;
}

/* ---- memory descriptors -------------------------------------------------------------------- */

typedef cnb_peer_geom geom;

static dnnl_data_type_t dnnl_dt(cnb_dt t)
{
    switch (t) {
    case CNB_DT_BF16: return dnnl_bf16;
    case CNB_DT_S8: return dnnl_s8;
    case CNB_DT_U8: return dnnl_u8;
    case CNB_DT_S32: return dnnl_s32;
    default: return dnnl_f32;
    }
}

/* An activation N × C × spatial of type t (bf16 as uint16_t bit patterns, as the harness hands
 * them) with the given format tag. */
static dnnl_status_t act_md(const instance *in, dnnl_memory_desc_t *md, const geom *g, int n,
                            int c, const int64_t *spatial, dnnl_format_tag_t tag, cnb_dt t)
{
    dnnl_dims_t dims = {n, c};
    for (int i = 0; i < g->nsp; i++) dims[2 + i] = spatial[i];
    return in->f.dnnl_memory_desc_create_with_tag(md, 2 + g->nsp, dims, dnnl_dt(t), tag);
}

static dnnl_format_tag_t plain_tag(const geom *g)
{
    return g->nsp == 2 ? dnnl_nchw : dnnl_ncdhw;
}

static dnnl_status_t user_src_md(const instance *in, dnnl_memory_desc_t *md, const geom *g, int n,
                                 int c, cnb_dt t)
{
    if (!g->cropped) return act_md(in, md, g, n, c, g->in, plain_tag(g), t);
    dnnl_dims_t dims, strides;
    cnb_peer_geom_user_src(g, n, c, dims, strides);
    return in->f.dnnl_memory_desc_create_with_strides(md, 2 + g->nsp, dims, dnnl_dt(t), strides);
}

static void md_free(const instance *in, dnnl_memory_desc_t md)
{
    if (md) in->f.dnnl_memory_desc_destroy(md);
}

static const char *act_format_name(const instance *in, const_dnnl_memory_desc_t md, const geom *g,
                                   int n, int c, const int64_t *spatial, cnb_dt t)
{
    static const struct { dnnl_format_tag_t t2, t3; const char *name; } known[] = {
        {dnnl_nchw, dnnl_ncdhw, "ncx"},
        {dnnl_nhwc, dnnl_ndhwc, "nxc"},
        {dnnl_nChw4c, dnnl_nCdhw4c, "nCx4c"},
        {dnnl_nChw8c, dnnl_nCdhw8c, "nCx8c"},
        {dnnl_nChw16c, dnnl_nCdhw16c, "nCx16c"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        dnnl_memory_desc_t m = NULL;
        const int same = act_md(in, &m, g, n, c, spatial,
                                g->nsp == 2 ? known[i].t2 : known[i].t3, t) == dnnl_success &&
                         in->f.dnnl_memory_desc_equal(m, md);
        md_free(in, m);
        if (same) return known[i].name;
    }
    return "blocked";
}

/* ---- src and dst in oneDNN's formats: the part of the state that conv and pool share ------- */

typedef struct {
    instance *in;
    dnnl_stream_t stream;
    dnnl_memory_t user_src, src, dst, user_dst;
    dnnl_primitive_t src_reorder;   /* NULL when oneDNN uses the user's src format */
    dnnl_primitive_t dst_reorder;
    dnnl_primitive_t prim;
    int nthr;
    char kernel[NAME_LEN];
    cnb_isa isa;
} io_state;

static void kernel_from_pd(io_state *s, const_dnnl_primitive_desc_t pd, const char *format, cnb_dt t)
{
    const char *info = NULL;
    if (s->in->f.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) !=
            dnnl_success || !info)
        info = "unknown";
    snprintf(s->kernel, sizeof s->kernel, "%s %s (oneDNN %s)", info, format, s->in->version);
    s->isa = isa_of_impl(s->in, info, t);
}

static dnnl_status_t reorder_create(const instance *in, dnnl_primitive_t *prim,
                                    const_dnnl_memory_desc_t from, const_dnnl_memory_desc_t to)
{
    dnnl_primitive_desc_t pd;
    dnnl_status_t st =
        in->f.dnnl_reorder_primitive_desc_create(&pd, from, in->engine, to, in->engine, NULL);
    if (st != dnnl_success) return st;
    st = in->f.dnnl_primitive_create(prim, pd);
    in->f.dnnl_primitive_desc_destroy(pd);
    return st;
}

static dnnl_status_t reorder_run(const instance *in, dnnl_stream_t stream, dnnl_primitive_t prim,
                                 dnnl_memory_t from, dnnl_memory_t to)
{
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_status_t st = in->f.dnnl_primitive_execute(prim, stream, 2, args);
    return st == dnnl_success ? in->f.dnnl_stream_wait(stream) : st;
}

static dnnl_status_t io_init(io_state *s, const_dnnl_primitive_desc_t pd,
                             const_dnnl_memory_desc_t user_src_md,
                             const_dnnl_memory_desc_t user_dst_md)
{
    const instance *in = s->in;
    const_dnnl_memory_desc_t src_md = in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const_dnnl_memory_desc_t dst_md = in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    dnnl_status_t st;
    if (!src_md || !dst_md) return dnnl_runtime_error;
    if ((st = in->f.dnnl_stream_create(&s->stream, in->engine, dnnl_stream_default_flags)))
        return st;
    if (in->f.dnnl_memory_desc_equal(src_md, user_src_md)) {
        st = in->f.dnnl_memory_create(&s->src, src_md, in->engine, DNNL_MEMORY_NONE);
    } else if (!(st = in->f.dnnl_memory_create(&s->user_src, user_src_md, in->engine,
                                                DNNL_MEMORY_NONE)) &&
               !(st = in->f.dnnl_memory_create(&s->src, src_md, in->engine,
                                                DNNL_MEMORY_ALLOCATE))) {
        st = reorder_create(in, &s->src_reorder, user_src_md, src_md);
    }
    if (st || (st = in->f.dnnl_memory_create(&s->dst, dst_md, in->engine, DNNL_MEMORY_ALLOCATE)) ||
        (st = in->f.dnnl_memory_create(&s->user_dst, user_dst_md, in->engine, DNNL_MEMORY_NONE)) ||
        (st = reorder_create(in, &s->dst_reorder, dst_md, user_dst_md)))
        return st;
    s->nthr = omp_get_max_threads();
    return in->f.dnnl_primitive_create(&s->prim, pd);
}

static int same_md(const instance *in, const_dnnl_primitive_desc_t a,
                   const_dnnl_primitive_desc_t b, dnnl_query_t q)
{
    return in->f.dnnl_memory_desc_equal(in->f.dnnl_primitive_desc_query_md(a, q, 0),
                                        in->f.dnnl_primitive_desc_query_md(b, q, 0));
}

/* Replace s->prim by one made from pd (for the threads now in force) when pd keeps the formats
 * of src, weights and dst. Consumes pd. */
static void io_recreate(io_state *s, dnnl_primitive_desc_t pd)
{
    const instance *in = s->in;
    const_dnnl_primitive_desc_t old;
    dnnl_primitive_t prim = NULL;
    s->nthr = omp_get_max_threads();
    if (in->f.dnnl_primitive_get_primitive_desc(s->prim, &old) == dnnl_success &&
        same_md(in, pd, old, dnnl_query_src_md) && same_md(in, pd, old, dnnl_query_weights_md) &&
        same_md(in, pd, old, dnnl_query_dst_md) &&
        in->f.dnnl_primitive_create(&prim, pd) == dnnl_success) {
        in->f.dnnl_primitive_destroy(s->prim);
        s->prim = prim;
    } else {
        fprintf(stderr, "oneDNN %s: cannot follow the new thread count (%d); keeping the "
                        "primitive\n", in->version, s->nthr);
    }
    in->f.dnnl_primitive_desc_destroy(pd);
}

static void io_free(io_state *s)
{
    const instance *in = s->in;
    dnnl_primitive_t prims[] = {s->prim, s->src_reorder, s->dst_reorder};
    dnnl_memory_t mems[] = {s->user_src, s->src, s->dst, s->user_dst};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i]) in->f.dnnl_primitive_destroy(prims[i]);
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i]) in->f.dnnl_memory_destroy(mems[i]);
    if (s->stream) in->f.dnnl_stream_destroy(s->stream);
}

static void io_to_layout(void *state, const cnb_problem *p, const void *user_src)
{
    (void)p;
    io_state *s = state;
    void *h = (void *)user_src;  /* oneDNN only reads src; its API has no const handles */
    if (!s->src_reorder) {
        report(s->in, s->in->f.dnnl_memory_set_data_handle(s->src, h), "src handle");
        return;
    }
    report(s->in, s->in->f.dnnl_memory_set_data_handle(s->user_src, h), "src handle");
    report(s->in, reorder_run(s->in, s->stream, s->src_reorder, s->user_src, s->src),
           "src reorder");
}

static void io_from_layout(void *state, const cnb_problem *p, void *user_dst)
{
    (void)p;
    io_state *s = state;
    report(s->in, s->in->f.dnnl_memory_set_data_handle(s->user_dst, user_dst), "dst handle");
    report(s->in, reorder_run(s->in, s->stream, s->dst_reorder, s->dst, s->user_dst),
           "dst reorder");
}

static const char *io_kernel_name(void *state)
{
    return ((const io_state *)state)->kernel;
}

static cnb_isa io_ran_isa(void *state)
{
    return ((const io_state *)state)->isa;
}

/* ---- requantization: benchdnn's common scales ------------------------------------------------ */

/* The scales of a requantized output (cnb_dt_requantized): one each (mask 0) for src, weights and
 * dst, 2^log2 (exact), given at execution; oneDNN computes acc · src · wei / dst, rounds to
 * nearest even and saturates, the problem's rule. */
typedef struct {
    dnnl_memory_t mem[3];   /* NULL: no scales */
    float value[3];
} scales;

static const int SCALE_ARG[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};

/* The attributes of a primitive of the problem's types: the scales when requantized, else none
 * (*attr NULL). */
static dnnl_status_t attr_create(const instance *in, dnnl_primitive_attr_t *attr, const cnb_types *dt)
{
    *attr = NULL;
    if (!cnb_dt_requantized(dt)) return dnnl_success;
    dnnl_status_t st = in->f.dnnl_primitive_attr_create(attr);
    for (int i = 0; i < 3 && !st; i++)
        st = in->f.dnnl_primitive_attr_set_scales_mask(*attr, SCALE_ARG[i], 0);
    return st;
}

static void attr_free(const instance *in, dnnl_primitive_attr_t attr)
{
    if (attr) in->f.dnnl_primitive_attr_destroy(attr);
}

static dnnl_status_t scales_init(const instance *in, scales *sc, const cnb_types *dt)
{
    if (!cnb_dt_requantized(dt)) return dnnl_success;
    const int e[3] = {dt->src_scale_log2, dt->wei_scale_log2, dt->dst_scale_log2};
    const dnnl_dims_t one = {1};
    dnnl_status_t st = dnnl_success;
    for (int i = 0; i < 3 && !st; i++) {
        dnnl_memory_desc_t md = NULL;
        sc->value[i] = ldexpf(1.0f, e[i]);
        if (!(st = in->f.dnnl_memory_desc_create_with_tag(&md, 1, one, dnnl_f32, dnnl_a)))
            st = in->f.dnnl_memory_create(&sc->mem[i], md, in->engine, &sc->value[i]);
        if (md) in->f.dnnl_memory_desc_destroy(md);
    }
    return st;
}

/* Appends the scales' execution arguments to args; returns how many. */
static int scales_args(const scales *sc, dnnl_exec_arg_t *args)
{
    int n = 0;
    for (int i = 0; i < 3; i++)
        if (sc->mem[i]) args[n++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_SCALES | SCALE_ARG[i], sc->mem[i]};
    return n;
}

static void scales_free(const instance *in, scales *sc)
{
    for (int i = 0; i < 3; i++)
        if (sc->mem[i]) in->f.dnnl_memory_destroy(sc->mem[i]);
}

/* ---- conv ------------------------------------------------------------------------------------ */

typedef struct {
    io_state io;  /* first: the io_* functions read it through the state pointer */
    dnnl_memory_t wei;
    scales sc;
} conv_state;

static dnnl_status_t conv_wei_md(const instance *in, dnnl_memory_desc_t *md, const cnb_conv *c,
                                 const geom *g, int any, cnb_dt t)
{
    dnnl_dims_t dims;
    int n = 0;
    if (c->g > 1) dims[n++] = c->g;
    dims[n++] = c->oc / c->g;
    dims[n++] = c->ic / c->g;
    for (int i = 0; i < g->nsp; i++) dims[n++] = g->k[i];
    const dnnl_format_tag_t tag = any        ? dnnl_format_tag_any
                                  : c->g > 1 ? (g->nsp == 2 ? dnnl_goihw : dnnl_goidhw)
                                             : (g->nsp == 2 ? dnnl_oihw : dnnl_oidhw);
    return in->f.dnnl_memory_desc_create_with_tag(md, n, dims, dnnl_dt(t), tag);
}

/* The convolution of a problem in its data types: src, weights, dst of types src, wei, dst in
 * the formats oneDNN picks; int32 accumulation for int8 (s8 src with the compensation oneDNN
 * keeps in its weights), f32 for bf16; a requantized output with the problem's scales. */
static dnnl_status_t conv_pd_create(const instance *in, dnnl_primitive_desc_t *pd,
                                    const cnb_problem *p, const geom *g)
{
    const cnb_conv *c = &p->conv;
    dnnl_memory_desc_t src = NULL, wei = NULL, dst = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_status_t st;
    if (!(st = act_md(in, &src, g, c->mb, c->ic, g->in, dnnl_format_tag_any, p->dt.src)) &&
        !(st = act_md(in, &dst, g, c->mb, c->oc, g->out, dnnl_format_tag_any, p->dt.dst)) &&
        !(st = conv_wei_md(in, &wei, c, g, 1, p->dt.wei)) && !(st = attr_create(in, &attr, &p->dt)))
        st = in->f.dnnl_convolution_forward_primitive_desc_create(
            pd, in->engine, dnnl_forward_inference, dnnl_convolution_direct, src, wei, NULL, dst,
            g->s, g->d, g->pl, g->pr, attr);
    attr_free(in, attr);
    md_free(in, src);
    md_free(in, wei);
    md_free(in, dst);
    return st;
}

/* NULL when oneDNN computes the problem's types exactly, else why not. */
static const char *lowp_exact(const instance *in, const cnb_problem *p)
{
    if ((p->dt.src == CNB_DT_U8 || p->dt.src == CNB_DT_S8) && !int8_exact(in))
        return "oneDNN without VNNI or AMX (held to AVX2 or AVX-512) computes int8 with "
               "vpmaddubsw, whose int16 pair sums saturate on full-range u8 x s8 data: not exact";
    return NULL;
}

static const char *conv_supports(instance *in, const cnb_problem *p)
{
    static _Thread_local char why[160];
    const char *no = offered(in);
    if (no || (no = lowp_exact(in, p))) return no;
    geom g;
    cnb_peer_geom_conv(&p->conv, &g);
    dnnl_primitive_desc_t pd;
    const dnnl_status_t st = conv_pd_create(in, &pd, p, &g);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN %s has no convolution for it (%s)", in->version,
                 in->f.dnnl_status2str(st));
        return why;
    }
    in->f.dnnl_primitive_desc_destroy(pd);
    return NULL;
}

static void conv_release(void *state)
{
    conv_state *s = state;
    if (!s) return;
    io_free(&s->io);
    if (s->wei) s->io.in->f.dnnl_memory_destroy(s->wei);
    scales_free(s->io.in, &s->sc);
    free(s);
}

static void *conv_prepare(instance *in, const cnb_problem *p, const void *wei)
{
    const cnb_conv *c = &p->conv;
    if (load(in)) return NULL;
    conv_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->io.in = in;
    geom g;
    cnb_peer_geom_conv(c, &g);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t user_src = NULL, user_dst = NULL, user_wei = NULL;
    dnnl_memory_t uwei = NULL;
    dnnl_primitive_t wei_reorder = NULL;
    dnnl_status_t st;
    if ((st = conv_pd_create(in, &pd, p, &g)) ||
        (st = user_src_md(in, &user_src, &g, c->mb, c->ic, p->dt.src)) ||
        (st = act_md(in, &user_dst, &g, c->mb, c->oc, g.out, plain_tag(&g), p->dt.dst)) ||
        (st = conv_wei_md(in, &user_wei, c, &g, 0, p->dt.wei)) ||
        (st = io_init(&s->io, pd, user_src, user_dst)) || (st = scales_init(in, &s->sc, &p->dt)))
        goto done;
    /* The weights into oneDNN's format, once (with an s8 src, the reorder also computes the
     * compensation oneDNN keeps beside them). */
    const_dnnl_memory_desc_t wei_md = in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if ((st = in->f.dnnl_memory_create(&s->wei, wei_md, in->engine, DNNL_MEMORY_ALLOCATE)) ||
        (st = in->f.dnnl_memory_create(&uwei, user_wei, in->engine, (void *)wei)) ||
        (st = reorder_create(in, &wei_reorder, user_wei, wei_md)) ||
        (st = reorder_run(in, s->io.stream, wei_reorder, uwei, s->wei)))
        goto done;
    kernel_from_pd(&s->io, pd,
                   act_format_name(in, in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0),
                                   &g, c->mb, c->ic, g.in, p->dt.src),
                   p->dt.src);
done:
    if (wei_reorder) in->f.dnnl_primitive_destroy(wei_reorder);
    if (uwei) in->f.dnnl_memory_destroy(uwei);
    if (pd) in->f.dnnl_primitive_desc_destroy(pd);
    md_free(in, user_src);
    md_free(in, user_dst);
    md_free(in, user_wei);
    if (st != dnnl_success) {
        report(in, st, "conv prepare");
        conv_release(s);
        return NULL;
    }
    return s;
}

static void conv_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                     void *dst)
{
    (void)src, (void)wei, (void)dst;   /* NULL: the state's own buffers (to_layout) */
    conv_state *s = state;
    const instance *in = s->io.in;
    if (!in->fixed_threads && s->io.nthr != omp_get_max_threads()) {
        geom g;
        cnb_peer_geom_conv(&p->conv, &g);
        dnnl_primitive_desc_t pd;
        if (conv_pd_create(in, &pd, p, &g) == dnnl_success) io_recreate(&s->io, pd);
    }
    dnnl_exec_arg_t args[6] = {
        {DNNL_ARG_SRC, s->io.src}, {DNNL_ARG_WEIGHTS, s->wei}, {DNNL_ARG_DST, s->io.dst}};
    const int nargs = 3 + scales_args(&s->sc, args + 3);
    dnnl_status_t st = in->f.dnnl_primitive_execute(s->io.prim, s->io.stream, nargs, args);
    report(in, st == dnnl_success ? in->f.dnnl_stream_wait(s->io.stream) : st, "convolution");
}

/* ---- pool ------------------------------------------------------------------------------------ */

/* The src format of a pooling: oneDNN's pooling cannot choose it. f32 and bf16: the
 * channel-blocked format of the widest ISA the instance runs; int8: channels last, the one format
 * of oneDNN's int8 pooling kernel (jit_uni_i8i8_pooling; blocked int8 goes to reference code). */
static dnnl_format_tag_t pool_src_tag(const instance *in, const geom *g, cnb_dt t)
{
    if (t == CNB_DT_U8 || t == CNB_DT_S8) return g->nsp == 2 ? dnnl_nhwc : dnnl_ndhwc;
    const cnb_isa isa = cnb_peer_isa_of(in->f.dnnl_cpu_isa2str(in->f.dnnl_get_effective_cpu_isa()));
    if (isa == CNB_ISA_AVX512) return g->nsp == 2 ? dnnl_nChw16c : dnnl_nCdhw16c;
    if (isa == CNB_ISA_AVX2) return g->nsp == 2 ? dnnl_nChw8c : dnnl_nCdhw8c;
    return plain_tag(g);
}

static dnnl_status_t pool_pd_create(const instance *in, dnnl_primitive_desc_t *pd,
                                    const cnb_problem *p, const geom *g)
{
    static const dnnl_alg_kind_t alg[] = {
        [CNB_POOL_MAX] = dnnl_pooling_max,
        [CNB_POOL_AVG_INCL] = dnnl_pooling_avg_include_padding,
        [CNB_POOL_AVG_EXCL] = dnnl_pooling_avg_exclude_padding,
    };
    const cnb_pool *q = &p->pool;
    dnnl_memory_desc_t src = NULL, dst = NULL;
    dnnl_status_t st;
    if (!(st = act_md(in, &src, g, q->mb, q->c, g->in, pool_src_tag(in, g, p->dt.src), p->dt.src)) &&
        !(st = act_md(in, &dst, g, q->mb, q->c, g->out, dnnl_format_tag_any, p->dt.dst)))
        st = in->f.dnnl_pooling_forward_primitive_desc_create(
            pd, in->engine, dnnl_forward_inference, alg[q->alg], src, dst, g->s, g->k, g->d, g->pl,
            g->pr, NULL);
    md_free(in, src);
    md_free(in, dst);
    return st;
}

static const char *pool_supports(instance *in, const cnb_problem *p)
{
    static _Thread_local char why[160];
    const char *no = offered(in);
    if (no) return no;
    if (p->dt.src != p->dt.dst) return "oneDNN pooling here: src and dst of one type";
    geom g;
    cnb_peer_geom_pool(&p->pool, &g);
    dnnl_primitive_desc_t pd;
    const dnnl_status_t st = pool_pd_create(in, &pd, p, &g);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN %s has no pooling for it (%s)", in->version,
                 in->f.dnnl_status2str(st));
        return why;
    }
    in->f.dnnl_primitive_desc_destroy(pd);
    return NULL;
}

static void pool_release(void *state)
{
    io_state *s = state;
    if (!s) return;
    io_free(s);
    free(s);
}

static void *pool_prepare(instance *in, const cnb_problem *p, const void *wei)
{
    (void)wei;
    const cnb_pool *q = &p->pool;
    if (load(in)) return NULL;
    io_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->in = in;
    geom g;
    cnb_peer_geom_pool(q, &g);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t user_src = NULL, user_dst = NULL;
    dnnl_status_t st;
    if (!(st = pool_pd_create(in, &pd, p, &g)) &&
        !(st = user_src_md(in, &user_src, &g, q->mb, q->c, p->dt.src)) &&
        !(st = act_md(in, &user_dst, &g, q->mb, q->c, g.out, plain_tag(&g), p->dt.dst)) &&
        !(st = io_init(s, pd, user_src, user_dst)))
        kernel_from_pd(s, pd,
                       act_format_name(in, in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0),
                                       &g, q->mb, q->c, g.in, p->dt.src),
                       p->dt.src);
    if (pd) in->f.dnnl_primitive_desc_destroy(pd);
    md_free(in, user_src);
    md_free(in, user_dst);
    if (st != dnnl_success) {
        report(in, st, "pool prepare");
        pool_release(s);
        return NULL;
    }
    return s;
}

static void pool_run(void *state, const cnb_problem *p, const void *src, const void *wei,
                     void *dst)
{
    (void)src, (void)wei, (void)dst;   /* NULL: the state's own buffers (to_layout) */
    io_state *s = state;
    const instance *in = s->in;
    if (!in->fixed_threads && s->nthr != omp_get_max_threads()) {
        geom g;
        cnb_peer_geom_pool(&p->pool, &g);
        dnnl_primitive_desc_t pd;
        if (pool_pd_create(in, &pd, p, &g) == dnnl_success) io_recreate(s, pd);
    }
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, s->src}, {DNNL_ARG_DST, s->dst}};
    dnnl_status_t st = in->f.dnnl_primitive_execute(s->prim, s->stream, 2, args);
    report(in, st == dnnl_success ? in->f.dnnl_stream_wait(s->stream) : st, "pooling");
}

/* ---- gemm; matmul: bf16 and int8 --------------------------------------------------------------- */

/* The matmul of a problem: src M×K and dst M×N in the user's strides, weights `wei_any` ? any
 * format : the user's K×N (strides of B, transposed or not). */
static dnnl_status_t mm_md(const instance *in, const cnb_problem *p, dnnl_memory_desc_t *src,
                           dnnl_memory_desc_t *wei, int wei_any, dnnl_memory_desc_t *dst)
{
    const cnb_gemm *g = &p->gemm;
    const dnnl_dims_t sd = {g->m, g->k}, wd = {g->k, g->n}, dd = {g->m, g->n};
    const dnnl_dims_t ss = {g->lda, 1}, ws = {g->tb ? 1 : g->ldb, g->tb ? g->ldb : 1},
                      ds = {g->ldc, 1};
    dnnl_status_t st;
    if ((st = in->f.dnnl_memory_desc_create_with_strides(src, 2, sd, dnnl_dt(p->dt.src), ss)) ||
        (st = in->f.dnnl_memory_desc_create_with_strides(dst, 2, dd, dnnl_dt(p->dt.dst), ds)))
        return st;
    if (wei_any) return in->f.dnnl_memory_desc_create_with_tag(wei, 2, wd, dnnl_dt(p->dt.wei), dnnl_format_tag_any);
    return in->f.dnnl_memory_desc_create_with_strides(wei, 2, wd, dnnl_dt(p->dt.wei), ws);
}

static dnnl_status_t mm_pd_create(const instance *in, dnnl_primitive_desc_t *pd, const cnb_problem *p)
{
    dnnl_memory_desc_t src = NULL, wei = NULL, dst = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_status_t st;
    if (p->gemm.ta || p->gemm.alpha != 1.0f || p->gemm.beta != 0.0f) return dnnl_unimplemented;
    if (!(st = mm_md(in, p, &src, &wei, 1, &dst)) && !(st = attr_create(in, &attr, &p->dt)))
        st = in->f.dnnl_matmul_primitive_desc_create(pd, in->engine, src, wei, NULL, dst, attr);
    attr_free(in, attr);
    md_free(in, src);
    md_free(in, wei);
    md_free(in, dst);
    return st;
}

/* ---- gemm: sgemm in f32, matmul otherwise ---------------------------------------------------- */

typedef struct {
    instance *in;
    char kernel[2 * NAME_LEN];
    cnb_isa isa;
    /* matmul only */
    dnnl_stream_t stream;
    dnnl_primitive_t prim;
    dnnl_memory_t src, wei, dst;
    scales sc;
    int nthr;
} gemm_state;

static const char *gemm_supports(instance *in, const cnb_problem *p)
{
    static _Thread_local char why[160];
    const char *no = offered(in);
    if (no || cnb_dt_config_of(&p->dt) == CNB_DTC_F32) return no;
    /* Without VNNI (validated held to AVX2: thousands of outputs differ on every table
     * problem). */
    if ((no = lowp_exact(in, p))) return no;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = mm_pd_create(in, &pd, p);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN %s has no matmul for it (%s)", in->version,
                 in->f.dnnl_status2str(st));
        return why;
    }
    /* prepare also reorders the weights into the matmul's format, which a build may lack for a
     * type (seen: s8 weights in a SYCL build on a CPU without AMX): declined here, not failed
     * in prepare. */
    dnnl_memory_desc_t src = NULL, uwei = NULL, dst = NULL;
    dnnl_primitive_t reorder = NULL;
    const_dnnl_memory_desc_t wei_md = in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!(st = mm_md(in, p, &src, &uwei, 0, &dst))) st = reorder_create(in, &reorder, uwei, wei_md);
    if (reorder) in->f.dnnl_primitive_destroy(reorder);
    md_free(in, src);
    md_free(in, uwei);
    md_free(in, dst);
    in->f.dnnl_primitive_desc_destroy(pd);
    if (st != dnnl_success) {
        snprintf(why, sizeof why, "oneDNN %s has no weight reorder for its matmul (%s)", in->version,
                 in->f.dnnl_status2str(st));
        return why;
    }
    return NULL;
}

static void gemm_release(void *state)
{
    gemm_state *s = state;
    if (!s) return;
    const instance *in = s->in;
    dnnl_memory_t mem[] = {s->src, s->wei, s->dst};
    for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
        if (mem[i]) in->f.dnnl_memory_destroy(mem[i]);
    scales_free(in, &s->sc);
    if (s->prim) in->f.dnnl_primitive_destroy(s->prim);
    if (s->stream) in->f.dnnl_stream_destroy(s->stream);
    free(s);
}

/* The primitive for the threads in force (an OpenMP build fixes them at creation). */
static dnnl_status_t mm_primitive(gemm_state *s, const cnb_problem *p)
{
    const instance *in = s->in;
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = mm_pd_create(in, &pd, p);
    if (st) return st;
    if (s->prim) in->f.dnnl_primitive_destroy(s->prim);
    s->prim = NULL;
    st = in->f.dnnl_primitive_create(&s->prim, pd);
    s->nthr = omp_get_max_threads();
    const char *info = NULL;
    if (in->f.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &info) || !info) info = "unknown";
    snprintf(s->kernel, sizeof s->kernel, "%s (oneDNN %s)", info, in->version);
    s->isa = isa_of_impl(in, info, p->dt.src);
    in->f.dnnl_primitive_desc_destroy(pd);
    return st;
}

static void *mm_prepare(instance *in, const cnb_problem *p, const void *wei)
{
    gemm_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->in = in;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t src = NULL, uwei_md = NULL, dst = NULL;
    dnnl_memory_t uwei = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_status_t st;
    if ((st = in->f.dnnl_stream_create(&s->stream, in->engine, dnnl_stream_default_flags)) ||
        (st = mm_primitive(s, p)) || (st = mm_pd_create(in, &pd, p)) ||
        (st = mm_md(in, p, &src, &uwei_md, 0, &dst)) ||
        (st = in->f.dnnl_memory_create(&s->src, src, in->engine, DNNL_MEMORY_NONE)) ||
        (st = in->f.dnnl_memory_create(&s->dst, dst, in->engine, DNNL_MEMORY_NONE)))
        goto done;
    /* The weights into oneDNN's format, once (as ours are packed in prepare). */
    const_dnnl_memory_desc_t wei_md = in->f.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!(st = in->f.dnnl_memory_create(&s->wei, wei_md, in->engine, DNNL_MEMORY_ALLOCATE)) &&
        !(st = in->f.dnnl_memory_create(&uwei, uwei_md, in->engine, (void *)wei)) &&
        !(st = reorder_create(in, &reorder, uwei_md, wei_md)) &&
        !(st = reorder_run(in, s->stream, reorder, uwei, s->wei)))
        st = scales_init(in, &s->sc, &p->dt);
done:
    if (reorder) in->f.dnnl_primitive_destroy(reorder);
    if (uwei) in->f.dnnl_memory_destroy(uwei);
    if (pd) in->f.dnnl_primitive_desc_destroy(pd);
    md_free(in, src);
    md_free(in, uwei_md);
    md_free(in, dst);
    if (st != dnnl_success) {
        report(in, st, "matmul prepare");
        gemm_release(s);
        return NULL;
    }
    return s;
}

static void mm_run(gemm_state *s, const cnb_problem *p, const void *a, void *c)
{
    const instance *in = s->in;
    if (!in->fixed_threads && s->nthr != omp_get_max_threads()) mm_primitive(s, p);
    in->f.dnnl_memory_set_data_handle(s->src, (void *)a);
    in->f.dnnl_memory_set_data_handle(s->dst, c);
    dnnl_exec_arg_t args[6] = {
        {DNNL_ARG_SRC, s->src}, {DNNL_ARG_WEIGHTS, s->wei}, {DNNL_ARG_DST, s->dst}};
    const int nargs = 3 + scales_args(&s->sc, args + 3);
    dnnl_status_t st = in->f.dnnl_primitive_execute(s->prim, s->stream, nargs, args);
    report(in, st == dnnl_success ? in->f.dnnl_stream_wait(s->stream) : st, "matmul");
}

static void *gemm_prepare(instance *in, const cnb_problem *p, const void *wei)
{
    if (load(in)) return NULL;
    if (cnb_dt_config_of(&p->dt) != CNB_DTC_F32) return mm_prepare(in, p, wei);
    gemm_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->in = in;
    /* dnnl_sgemm has no implementation to query: name the JIT ISA it dispatches to. */
    const char *isa = in->f.dnnl_cpu_isa2str(in->f.dnnl_get_effective_cpu_isa());
    if (!strncmp(isa, "cpu_isa_", 8)) isa += 8;
    snprintf(s->kernel, sizeof s->kernel, "jit sgemm:%s (oneDNN %s)", isa, in->version);
    s->isa = cnb_peer_isa_of(isa);
    return s;
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    if (((gemm_state *)state)->prim) {
        mm_run(state, p, a_, c_);
        return;
    }
    const float *a = a_, *b = b_;
    float *c = c_;
    const gemm_state *s = state;
    const cnb_gemm *g = &p->gemm;
    report(s->in,
           s->in->f.dnnl_sgemm(g->ta ? 'T' : 'N', g->tb ? 'T' : 'N', g->m, g->n, g->k, g->alpha, a,
                               g->lda, b, g->ldb, g->beta, c, g->ldc),
           "sgemm");
}

static const char *gemm_kernel_name(void *state)
{
    return ((const gemm_state *)state)->kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    return ((const gemm_state *)state)->isa;
}

/* ---- the records, one set per instance --------------------------------------------------- */

/* A TBB build runs at the thread count it started with, only. */
static const char *threads_ok(instance *in, int threads)
{
    static _Thread_local char why[200];
    if (load(in) || !in->fixed_threads || threads == in->fixed_threads) return NULL;
    snprintf(why, sizeof why, "oneDNN %s runs on TBB, whose thread count is fixed when it starts "
                              "(%d here): not at %d", in->version, in->fixed_threads, threads);
    return why;
}

#define RECORDS(tag, inst, isa_level)                                                             \
    static const char *threads_ok_##tag(int threads)                                              \
    {                                                                                             \
        return threads_ok(&inst, threads);                                                        \
    }                                                                                             \
    static const char *conv_supports_##tag(const cnb_problem *p)                                  \
    {                                                                                             \
        return conv_supports(&inst, p);                                                           \
    }                                                                                             \
    static void *conv_prepare_##tag(const cnb_problem *p, const void *wei)                       \
    {                                                                                             \
        return conv_prepare(&inst, p, wei);                                                       \
    }                                                                                             \
    static const char *pool_supports_##tag(const cnb_problem *p)                                  \
    {                                                                                             \
        return pool_supports(&inst, p);                                                           \
    }                                                                                             \
    static void *pool_prepare_##tag(const cnb_problem *p, const void *wei)                       \
    {                                                                                             \
        return pool_prepare(&inst, p, wei);                                                       \
    }                                                                                             \
    static const char *gemm_supports_##tag(const cnb_problem *p)                                  \
    {                                                                                             \
        return gemm_supports(&inst, p);                                                           \
    }                                                                                             \
    static void *gemm_prepare_##tag(const cnb_problem *p, const void *wei)                       \
    {                                                                                             \
        return gemm_prepare(&inst, p, wei);                                                       \
    }                                                                                             \
    const cnb_impl cnb_conv_f32_onednn_##tag = {                                                  \
        .peer = 1, .name = "conv/onednn_" #tag, .op = CNB_OP_CONV, .isa = isa_level,              \
        .layout = CNB_LAYOUT_NCX, .supports = conv_supports_##tag,                                \
        .prepare = conv_prepare_##tag, .run = conv_run, .release = conv_release,                  \
        .dt_mask = (1u << CNB_DTC_COUNT) - 1,                                                     \
        .to_layout = io_to_layout, .from_layout = io_from_layout,                                 \
        .kernel_name = io_kernel_name, .ran_isa = io_ran_isa,                                     \
        .threads_ok = threads_ok_##tag,                                                           \
    };                                                                                            \
    const cnb_impl cnb_pool_f32_onednn_##tag = {                                                  \
        .peer = 1, .name = "pool/onednn_" #tag, .op = CNB_OP_POOL, .isa = isa_level,              \
        .layout = CNB_LAYOUT_NCX, .supports = pool_supports_##tag,                                \
        .prepare = pool_prepare_##tag, .run = pool_run, .release = pool_release,                  \
        .dt_mask = (1u << CNB_DTC_COUNT) - 1,                                                     \
        .to_layout = io_to_layout, .from_layout = io_from_layout,                                 \
        .kernel_name = io_kernel_name, .ran_isa = io_ran_isa,                                     \
        .threads_ok = threads_ok_##tag,                                                           \
    };                                                                                            \
    const cnb_impl cnb_gemm_f32_onednn_##tag = {                                                  \
        .peer = 1, .name = "gemm/onednn_" #tag, .op = CNB_OP_GEMM, .isa = isa_level,              \
        .layout = CNB_LAYOUT_NCX, .supports = gemm_supports_##tag,                                \
        .prepare = gemm_prepare_##tag, .run = gemm_run, .release = gemm_release,                  \
        .dt_mask = (1u << CNB_DTC_COUNT) - 1,                                                     \
        .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,                                 \
        .threads_ok = threads_ok_##tag,                                                           \
    };

RECORDS(gomp, GOMP, CNB_ISA_AVX2)
RECORDS(avx2, AVX2, CNB_ISA_AVX2)
#if CNB_HAVE_DNNL_SYCL
RECORDS(latest, LATEST, CNB_ISA_AVX2)
#endif

#else
typedef int cnb_peer_onednn3_absent; /* ISO C wants at least one declaration per file */
#endif
