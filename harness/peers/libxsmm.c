/* Peer: libxsmm's own tiled GEMM as gemm/libxsmm. Compiled to nothing unless mk/peer-libxsmm.mk
 * found libxsmm-dev (CNB_HAVE_LIBXSMM).
 *
 * Why not libxsmm_sgemm: libxsmm JIT-compiles small kernels (up to 64³ by default,
 * LIBXSMM_MAX_MNK) and hands every larger problem to whatever BLAS the program links: on a
 * machine with OpenBLAS, the row would time OpenBLAS. So we use libxsmm's tiled GEMM, the engine
 * behind its threaded front-end (libxsmm_sgemm_omp, libxsmmext), through the calls that front-end
 * is made of: libxsmm_gemm_handle_init plans a tiling of the problem into small JIT kernels (and
 * JIT copy/transpose kernels where it wants A or C in a tile buffer), and libxsmm_gemm_thread runs
 * one thread's share of tiles. The plan and every JIT kernel are made in prepare (untimed); run()
 * only opens an OpenMP region and calls libxsmm_gemm_thread on each thread. Where the planner
 * finds no tiling, libxsmm_sgemm_omp would call BLAS: supports() refuses instead. The binary
 * links no BLAS for libxsmm, only libxsmmnoblas (its error stubs), so a BLAS call could not
 * silently run another library's kernel anyway (mk/peer-libxsmm.mk).
 *
 * Row-major to libxsmm's column-major: C = op(A)·op(B) (M × N, row-major) is, read column-major,
 * Cᵀ = op(B)ᵀ·op(A)ᵀ (N × M): libxsmm gets m = N, n = M, k = K, its A is our B (transposed iff
 * tb, ld = ldb), its B is our A (transposed iff ta, ld = lda), ld of C = ldc.
 *
 * What libxsmm 1.17's JIT kernels compute: alpha = 1 and beta ∈ {0, 1} (beta = 0 never reads C).
 * Other alpha or beta, and shapes its planner cannot tile (it needs divisors of m, n and k it
 * accepts as tile sizes: m = 19 has none), are refused with a reason.
 *
 * Threads: the plan is made for omp_get_max_threads() threads at prepare (the tiling depends on
 * it) and run() uses that many.
 * ISA: the record is offered from AVX2 up; ran_isa() is the level of libxsmm's JIT target
 * (libxsmm_get_target_archid: its skx, clx, cpx targets are AVX-512, hsw is AVX2). Under a cap
 * that forbids AVX-512 on an AVX-512 CPU, the target is set to hsw once, at initialisation,
 * before any kernel is generated.
 * kernel_name(): version, JIT target, kernel tile and task grid in our row-major terms, the tile
 * copies, the thread count. The planner reads LIBXSMM_TGEMM_M/N/K from the environment; the
 * tiling it chose is what the kernel column shows.
 *
 * Convolution (libxsmm_dnn_create_conv_layer, 1.17's DNN API, present in Debian's libxsmm.a) is not
 * offered here yet: it describes 2D, ungrouped, undilated layers with one padding per axis, and in
 * a standalone trial it was bit-exact on such layers only with logical padding (pad_h_in =
 * pad_w_in = 0); with a physically padded input buffer (pad_h_in = pad_h, which its header asks
 * for) our NCHW data copied in through libxsmm_dnn_copyin_tensor gave wrong outputs. */
#if CNB_HAVE_LIBXSMM

#include <libxsmm.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/peers/peers.h"
#include "kernels/impl.h"

/* ---- the library, once ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_library(void)
{
    libxsmm_init();
    /* After libxsmm_init, which sets the target from the CPU (or LIBXSMM_TARGET); before any
     * kernel is generated. */
    if (cnb_peer_capped_to_avx2() && libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512)
        libxsmm_set_target_arch("hsw");
}

static void init(void)
{
    pthread_once(&init_once, init_library);
}

static cnb_isa isa_of_target(int archid)
{
    if (archid >= LIBXSMM_X86_AVX512 && archid <= LIBXSMM_X86_ALLFEAT) return CNB_ISA_AVX512;
    if (archid >= LIBXSMM_X86_AVX2 && archid <= LIBXSMM_X86_ALLFEAT) return CNB_ISA_AVX2;
    return CNB_ISA_SCALAR;
}

/* ---- the plan's shape, for the kernel column ----
 * libxsmm_gemm_handle is opaque in the public headers; its layout in 1.17 (libxsmm_gemm.h of the
 * sources) is mirrored here to read the tiling back, and only for 1.17. What we read is checked
 * against the JIT kernel's own description (libxsmm_get_mmkernel_info) before it is reported. */
#if LIBXSMM_VERSION_MAJOR == 1 && LIBXSMM_VERSION_MINOR == 17
#define CNB_XSMM_HANDLE_LAYOUT 1
typedef struct {
    const void *copy_a, *copy_b, *copy_i, *copy_o;
    libxsmm_xmmfunction kernel[2];
    unsigned int m, n, k, lda, ldb, ldc;
    unsigned int km, kn, kk;       /* kernel tile */
    unsigned int dm, dn, dk;       /* task tile */
    unsigned int itypesize, otypesize;
    unsigned int mt, nt, kt;       /* tasks per direction */
    int gemm_flags, flags;
} handle_1_17;
_Static_assert(sizeof(handle_1_17) <= sizeof(libxsmm_gemm_blob), "libxsmm 1.17 gemm handle");
#endif

/* ---- gemm ---- */

typedef struct {
    libxsmm_gemm_blob blob;          /* the handle lives here */
    const libxsmm_gemm_handle *handle;
    void *scratch;                   /* tile buffers, one share per task; NULL when none */
    int nthr;
    char kernel[192];
    cnb_isa isa;
} gemm_state;

/* Plans p for nthr threads into blob (JIT-compiling its kernels); NULL when libxsmm cannot. */
static const libxsmm_gemm_handle *plan(libxsmm_gemm_blob *blob, const cnb_gemm *g, int nthr)
{
    const libxsmm_blasint m = g->n, n = g->m, k = g->k, lda = g->ldb, ldb = g->lda, ldc = g->ldc;
    const char transa = g->tb ? 'T' : 'N', transb = g->ta ? 'T' : 'N';
    const float alpha = g->alpha, beta = g->beta;
    return libxsmm_gemm_handle_init(blob, LIBXSMM_GEMM_PRECISION_F32, LIBXSMM_GEMM_PRECISION_F32,
                                    &transa, &transb, &m, &n, &k, &lda, &ldb, &ldc, &alpha, &beta,
                                    LIBXSMM_GEMM_HANDLE_FLAG_AUTO, nthr);
}

static const char *gemm_supports(const cnb_problem *p)
{
    const cnb_gemm *g = &p->gemm;
    init();
    if (g->alpha != 1.0f) return "libxsmm 1.17's JIT GEMM kernels compute alpha = 1 only";
    if (g->beta != 0.0f && g->beta != 1.0f)
        return "libxsmm 1.17's JIT GEMM kernels compute beta = 0 or 1 only";
    if (g->m < 1 || g->n < 1 || g->k < 1) return "libxsmm's tiled GEMM needs m, n, k >= 1";
    libxsmm_gemm_blob blob;
    if (!plan(&blob, g, omp_get_max_threads()))
        return "libxsmm's tiled GEMM finds no tiling of this shape (it would call BLAS)";
    return NULL;
}

static void describe(gemm_state *s)
{
    const int archid = libxsmm_get_target_archid();
    s->isa = isa_of_target(archid);
    int len = snprintf(s->kernel, sizeof s->kernel, "libxsmm %d.%d jit %s tiled",
                       LIBXSMM_VERSION_MAJOR, LIBXSMM_VERSION_MINOR, libxsmm_get_target_arch());
#ifdef CNB_XSMM_HANDLE_LAYOUT
    const handle_1_17 *h = (const handle_1_17 *)s->handle;
    libxsmm_mmkernel_info info;
    if (libxsmm_get_mmkernel_info(h->kernel[0], &info) == EXIT_SUCCESS && info.m == h->km &&
        info.n == h->kn && info.k == h->kk) {
        /* libxsmm's m runs along our n and its n along our m; its copy of A is our B. */
        const int ca = h->copy_a != NULL || (h->flags & LIBXSMM_GEMM_HANDLE_FLAG_COPY_A);
        const int cc = h->copy_o != NULL || (h->flags & LIBXSMM_GEMM_HANDLE_FLAG_COPY_C);
        snprintf(s->kernel + len, sizeof s->kernel - len,
                 " %ux%ux%u (m×n×k) tasks %ux%ux%u%s%s; %d thread%s", h->kn, h->km, h->kk, h->nt,
                 h->mt, h->kt, ca || cc ? "; tile copies of" : "", ca ? (cc ? " B, C" : " B")
                 : (cc ? " C" : ""), s->nthr, s->nthr == 1 ? "" : "s");
        return;
    }
#endif
    snprintf(s->kernel + len, sizeof s->kernel - len, " (tiles unknown); %d thread%s", s->nthr,
             s->nthr == 1 ? "" : "s");
}

static void gemm_release(void *state)
{
    gemm_state *s = state;
    if (!s) return;
    free(s->scratch);
    free(s);
}

static void *gemm_prepare(const cnb_problem *p, const float *wei)
{
    (void)wei;
    init();
    gemm_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nthr = omp_get_max_threads();
    s->handle = plan(&s->blob, &p->gemm, s->nthr);
    const size_t size = s->handle ? libxsmm_gemm_handle_get_scratch_size(s->handle) : 0;
    if (!s->handle || (size && !(s->scratch = aligned_alloc(64, (size + 63) / 64 * 64)))) {
        gemm_release(s);
        return NULL;
    }
    describe(s);
    return s;
}

static void gemm_run(void *state, const cnb_problem *p, const float *a, const float *b, float *c)
{
    (void)p;
    const gemm_state *s = state;
    /* libxsmm's A is our B and its B our A (see the top of the file). */
#pragma omp parallel num_threads(s->nthr)
    libxsmm_gemm_thread(s->handle, s->scratch, b, a, c, omp_get_thread_num(),
                        omp_get_num_threads());
}

static const char *gemm_kernel_name(void *state)
{
    return ((const gemm_state *)state)->kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    return ((const gemm_state *)state)->isa;
}

const cnb_impl cnb_gemm_f32_libxsmm = {
    .peer = 1,
    .name = "gemm/libxsmm", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = gemm_supports, .prepare = gemm_prepare, .run = gemm_run, .release = gemm_release,
    .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,
};

#else
typedef int cnb_peer_libxsmm_absent; /* ISO C wants at least one declaration per file */
#endif
