/* Peer: libxsmm's own tiled GEMM as gemm/libxsmm and its DNN convolution as conv/libxsmm (below
 * the GEMM notes). Compiled to nothing unless mk/peer-libxsmm.mk
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
 * conv/libxsmm: libxsmm 1.17's DNN forward convolution (libxsmm_dnn_create_conv_layer, direct
 * algorithm, f32, in Debian's libxsmm.a). It describes 2D, ungrouped, undilated layers with one
 * padding per axis; the rest is refused with a reason (conv_supports), as is whatever
 * create_conv_layer itself rejects (supports() creates and destroys a layer, as onednn.c does with
 * its primitive descriptor).
 * - Padding is logical: pad_h/pad_w are the problem's left paddings, the input buffer has no rim
 *   (pad_h_in = pad_w_in = 0) and libxsmm pads a copy of it in its scratch. With a physically
 *   padded buffer (pad_*_in = pad_*, which its header asks for), our NCHW data copied in through
 *   libxsmm_dnn_copyin_tensor gave wrong outputs in a standalone trial. The copy is made only
 *   when both axes are padded: a layer padded on one axis only (googlenet_v3's 1x7, 7x1, 1x3,
 *   3x1) gave wrong outputs and is refused.
 * - libxsmm pads both sides alike and derives the output size from that. The problem's right
 *   padding is itself derived from its output size (problem.h), so a layer whose output size is
 *   the symmetric one reads exactly the same input rows (a right padding smaller than the left,
 *   as in stride-2 layers, is fine); any other output size is refused.
 * - Layouts: the layer's own (activations nC/bHWb, filters blocked KCRS), tensors allocated and
 *   bound in prepare, weights copied in there from our goihw (g = 1: KCRS). to_layout and
 *   from_layout are libxsmm_dnn_copyin_tensor / copyout_tensor from and to NCHW; run() is the
 *   convolution alone, with LIBXSMM_DNN_CONV_OPTION_OVERWRITE (dst is written, not added to).
 * - Threads: the layer is made for omp_get_max_threads() threads (its work split and its
 *   barrier); run() opens a team of exactly that many, each calling libxsmm_dnn_execute_st with
 *   its id. When the count in force changes, run() makes a layer for it on the same tensors (their
 *   layouts compared first); if it cannot, or the team is not of the layer's size, nothing runs
 *   and the output is NaN, so validation fails the row rather than time a mismatch.
 * - ISA and kernel_name(): as gemm, from libxsmm's target (the same initialisation, so the hsw cap
 *   holds for conv too): "libxsmm 1.17 dnn conv <target> ifmblock <b> ofmblock <b>", the channel
 *   blocks read from the tensors' datalayouts. */
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

static void *gemm_prepare(const cnb_problem *p, const void *wei)
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

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
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

/* ---- conv ---- */

/* One layer and its tensors. The tensors are in libxsmm's own layout (nC/bHWb activations,
 * blocked KCRS filter): input and filter are bound to the layer, output too. */
typedef struct {
    libxsmm_dnn_layer *layer;
    libxsmm_dnn_tensor *in, *out, *fil;
    void *in_buf, *out_buf, *fil_buf, *scratch;
    size_t out_bytes, scratch_bytes;
    int nthr;                        /* threads the layer was created for */
    char kernel[160];
    cnb_isa isa;
} conv_state;

static libxsmm_dnn_conv_desc conv_desc(const cnb_conv *c, int nthr)
{
    libxsmm_dnn_conv_desc d;
    memset(&d, 0, sizeof d);
    d.N = c->mb;
    d.C = c->ic;
    d.H = c->ih;
    d.W = c->iw;
    d.K = c->oc;
    d.R = c->kh;
    d.S = c->kw;
    d.u = c->sh;
    d.v = c->sw;
    /* Logical padding only: the input buffer has no rim (pad_*_in = 0) and libxsmm pads a copy
     * itself. With a physically padded buffer (pad_*_in = pad_*) its results were wrong. */
    d.pad_h = c->ph;
    d.pad_w = c->pw;
    d.pad_h_in = d.pad_w_in = d.pad_h_out = d.pad_w_out = 0;
    d.threads = nthr;
    d.datatype_in = d.datatype_out = LIBXSMM_DNN_DATATYPE_F32;
    d.buffer_format = d.filter_format = LIBXSMM_DNN_TENSOR_FORMAT_LIBXSMM;
    d.algo = LIBXSMM_DNN_CONV_ALGO_DIRECT;
    d.options = LIBXSMM_DNN_CONV_OPTION_OVERWRITE;   /* dst = conv, not dst += conv */
    d.fuse_ops = LIBXSMM_DNN_CONV_FUSE_NONE;
    return d;
}

/* The output extent libxsmm computes for one axis: symmetric padding p on both sides. */
static int sym_out(int in, int k, int s, int p)
{
    return in + 2 * p - k < 0 ? 0 : (in + 2 * p - k) / s + 1;
}

static const char *conv_supports(const cnb_problem *p)
{
    static _Thread_local char why[160];
    const cnb_conv *c = &p->conv;
    init();
    if (c->id != 1 || c->od != 1 || c->kd != 1 || c->pd != 0 || c->pd_r != 0)
        return "libxsmm 1.17's DNN convolution is 2D only";
    if (c->g != 1) return "libxsmm 1.17's DNN convolution has no groups";
    if (c->dh != 0 || c->dw != 0) return "libxsmm 1.17's DNN convolution has no dilation";
    /* libxsmm takes one padding per axis and derives the output size from it. The right padding
     * of the problem is derived from its output size (problem.h), so when the output sizes agree,
     * the last output row and column read exactly the same input rows and columns. */
    if (c->oh != sym_out(c->ih, c->kh, c->sh, c->ph) || c->ow != sym_out(c->iw, c->kw, c->sw, c->pw))
        return "libxsmm 1.17's DNN convolution pads both sides alike: this right padding gives "
               "another output size";
    /* libxsmm makes its padded copy of the input only when both axes are padded (its
     * setup_fwd_padding_copy tests pad_h != pad_h_in and pad_w != pad_w_in); with one axis padded
     * it reads our rimless buffer as if it had a rim (googlenet_v3's 1x7, 7x1, 1x3, 3x1 layers:
     * nearly every output wrong). */
    if ((c->ph > 0) != (c->pw > 0))
        return "libxsmm 1.17's DNN convolution pads logically only when both axes are padded";
    libxsmm_dnn_err_t st = LIBXSMM_DNN_SUCCESS;
    libxsmm_dnn_layer *layer = libxsmm_dnn_create_conv_layer(conv_desc(c, omp_get_max_threads()), &st);
    if (!layer || st != LIBXSMM_DNN_SUCCESS) {
        snprintf(why, sizeof why, "libxsmm has no convolution for it (%s)",
                 libxsmm_dnn_get_error(st));
        if (layer) libxsmm_dnn_destroy_conv_layer(layer);
        return why;
    }
    libxsmm_dnn_destroy_conv_layer(layer);
    return NULL;
}

/* A tensor of `type` in the layer's own layout, on a new buffer of *bytes bytes. */
static libxsmm_dnn_tensor *conv_tensor(libxsmm_dnn_layer *layer, libxsmm_dnn_tensor_type type,
                                       void **buf, size_t *bytes)
{
    libxsmm_dnn_err_t st;
    libxsmm_dnn_tensor_datalayout *dl = libxsmm_dnn_create_tensor_datalayout(layer, type, &st);
    if (!dl || st != LIBXSMM_DNN_SUCCESS) return NULL;
    const size_t size = libxsmm_dnn_get_tensor_size(dl, &st);
    libxsmm_dnn_tensor *t = NULL;
    if (st == LIBXSMM_DNN_SUCCESS && size &&
        (*buf = aligned_alloc(64, (size + 63) / 64 * 64)) != NULL) {
        memset(*buf, 0, size);
        t = libxsmm_dnn_link_tensor(dl, *buf, &st);
        if (t && st != LIBXSMM_DNN_SUCCESS) {
            libxsmm_dnn_destroy_tensor(t);
            t = NULL;
        }
    }
    if (bytes) *bytes = size;
    libxsmm_dnn_destroy_tensor_datalayout(dl);
    return t;
}

/* The channel block of a tensor in libxsmm's layout: the innermost dimension when it is a
 * channel dimension (C or K), else 0. */
static unsigned block_of(const libxsmm_dnn_tensor *t)
{
    libxsmm_dnn_err_t st;
    libxsmm_dnn_tensor_datalayout *dl = libxsmm_dnn_get_tensor_datalayout(t, &st);
    unsigned b = 0;
    if (dl && st == LIBXSMM_DNN_SUCCESS && dl->num_dims > 0 &&
        (dl->dim_type[0] == LIBXSMM_DNN_TENSOR_DIMTYPE_C ||
         dl->dim_type[0] == LIBXSMM_DNN_TENSOR_DIMTYPE_K))
        b = dl->dim_size[0];
    if (dl) libxsmm_dnn_destroy_tensor_datalayout(dl);
    return b;
}

/* Binds tensors and a scratch sized for s->layer; 0 on success. */
static int conv_bind(conv_state *s)
{
    libxsmm_dnn_err_t st;
    if (libxsmm_dnn_bind_tensor(s->layer, s->in, LIBXSMM_DNN_REGULAR_INPUT) ||
        libxsmm_dnn_bind_tensor(s->layer, s->out, LIBXSMM_DNN_REGULAR_OUTPUT) ||
        libxsmm_dnn_bind_tensor(s->layer, s->fil, LIBXSMM_DNN_REGULAR_FILTER))
        return -1;
    const size_t size = libxsmm_dnn_get_scratch_size(s->layer, LIBXSMM_DNN_COMPUTE_KIND_FWD, &st);
    if (st != LIBXSMM_DNN_SUCCESS) return -1;
    if (size > s->scratch_bytes) {
        free(s->scratch);
        s->scratch_bytes = 0;
        if (!(s->scratch = aligned_alloc(64, (size + 63) / 64 * 64))) return -1;
        s->scratch_bytes = size;
    }
    if (s->scratch && libxsmm_dnn_bind_scratch(s->layer, LIBXSMM_DNN_COMPUTE_KIND_FWD, s->scratch))
        return -1;
    return 0;
}

static void conv_release(void *state)
{
    conv_state *s = state;
    if (!s) return;
    if (s->layer) libxsmm_dnn_destroy_conv_layer(s->layer);
    if (s->in) libxsmm_dnn_destroy_tensor(s->in);
    if (s->out) libxsmm_dnn_destroy_tensor(s->out);
    if (s->fil) libxsmm_dnn_destroy_tensor(s->fil);
    free(s->in_buf);
    free(s->out_buf);
    free(s->fil_buf);
    free(s->scratch);
    free(s);
}

static void *conv_prepare(const cnb_problem *p, const void *wei)
{
    const cnb_conv *c = &p->conv;
    init();
    conv_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    libxsmm_dnn_err_t st = LIBXSMM_DNN_SUCCESS;
    s->nthr = omp_get_max_threads();
    s->layer = libxsmm_dnn_create_conv_layer(conv_desc(c, s->nthr), &st);
    if (!s->layer || st != LIBXSMM_DNN_SUCCESS ||
        !(s->in = conv_tensor(s->layer, LIBXSMM_DNN_REGULAR_INPUT, &s->in_buf, NULL)) ||
        !(s->out = conv_tensor(s->layer, LIBXSMM_DNN_REGULAR_OUTPUT, &s->out_buf, &s->out_bytes)) ||
        !(s->fil = conv_tensor(s->layer, LIBXSMM_DNN_REGULAR_FILTER, &s->fil_buf, NULL)) ||
        /* our goihw with g = 1 is libxsmm's KCRS */
        (st = libxsmm_dnn_copyin_tensor(s->fil, wei, LIBXSMM_DNN_TENSOR_FORMAT_KCRS)) ||
        conv_bind(s)) {
        fprintf(stderr, "libxsmm: conv prepare failed%s%s\n", st ? ": " : "",
                st ? libxsmm_dnn_get_error(st) : "");
        conv_release(s);
        return NULL;
    }
    s->isa = isa_of_target(libxsmm_get_target_archid());
    snprintf(s->kernel, sizeof s->kernel, "libxsmm %d.%d dnn conv %s ifmblock %u ofmblock %u",
             LIBXSMM_VERSION_MAJOR, LIBXSMM_VERSION_MINOR, libxsmm_get_target_arch(),
             block_of(s->in), block_of(s->out));
    return s;
}

static void conv_to_layout(void *state, const cnb_problem *p, const void *user_src_)
{
    const float *user_src = user_src_;
    (void)p;
    const conv_state *s = state;
    const libxsmm_dnn_err_t st = libxsmm_dnn_copyin_tensor(s->in, user_src,
                                                           LIBXSMM_DNN_TENSOR_FORMAT_NCHW);
    if (st) fprintf(stderr, "libxsmm: src copy-in failed: %s\n", libxsmm_dnn_get_error(st));
}

static void conv_from_layout(void *state, const cnb_problem *p, void *user_dst_)
{
    float *user_dst = user_dst_;
    (void)p;
    const conv_state *s = state;
    const libxsmm_dnn_err_t st = libxsmm_dnn_copyout_tensor(s->out, user_dst,
                                                            LIBXSMM_DNN_TENSOR_FORMAT_NCHW);
    if (st) fprintf(stderr, "libxsmm: dst copy-out failed: %s\n", libxsmm_dnn_get_error(st));
}

/* The layer is made for a thread count (its work split and barrier). When the count in force
 * differs, a layer for it replaces the old one, on the same tensors when their layouts are
 * unchanged; otherwise the old layer stays and run() refuses to run it. 0 when s fits nthr. */
static int conv_follow_threads(conv_state *s, const cnb_problem *p, int nthr)
{
    libxsmm_dnn_err_t st = LIBXSMM_DNN_SUCCESS;
    libxsmm_dnn_layer *layer = libxsmm_dnn_create_conv_layer(conv_desc(&p->conv, nthr), &st);
    if (!layer || st != LIBXSMM_DNN_SUCCESS) {
        if (layer) libxsmm_dnn_destroy_conv_layer(layer);
        return -1;
    }
    static const libxsmm_dnn_tensor_type types[] = {
        LIBXSMM_DNN_REGULAR_INPUT, LIBXSMM_DNN_REGULAR_OUTPUT, LIBXSMM_DNN_REGULAR_FILTER};
    const libxsmm_dnn_tensor *tensors[] = {s->in, s->out, s->fil};
    int same = 1;
    for (int i = 0; i < 3 && same; i++) {
        libxsmm_dnn_tensor_datalayout *a = libxsmm_dnn_create_tensor_datalayout(layer, types[i], &st);
        libxsmm_dnn_tensor_datalayout *b = libxsmm_dnn_get_tensor_datalayout(tensors[i], &st);
        same = a && b && libxsmm_dnn_compare_tensor_datalayout(a, b, &st) == 0 &&
               st == LIBXSMM_DNN_SUCCESS;
        if (a) libxsmm_dnn_destroy_tensor_datalayout(a);
        if (b) libxsmm_dnn_destroy_tensor_datalayout(b);
    }
    if (!same) {
        libxsmm_dnn_destroy_conv_layer(layer);
        return -1;
    }
    libxsmm_dnn_destroy_conv_layer(s->layer);
    s->layer = layer;
    s->nthr = nthr;
    return conv_bind(s);
}

static void conv_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                     void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)src, (void)wei, (void)dst;
    conv_state *s = state;
    const int nthr = omp_get_max_threads();
    int ok = nthr == s->nthr || conv_follow_threads(s, p, nthr) == 0;
    if (ok) {
        /* Every one of the layer's threads must take part (its barrier waits for all of them):
         * a team of another size runs nothing. */
#pragma omp parallel num_threads(s->nthr)
        {
            if (omp_get_num_threads() == s->nthr) {
                libxsmm_dnn_execute_st(s->layer, LIBXSMM_DNN_COMPUTE_KIND_FWD, 0,
                                       omp_get_thread_num());
            } else if (omp_get_thread_num() == 0) {
                ok = 0;
            }
        }
    }
    if (!ok) {
        /* The output is then NaN, and validation says the row failed. */
        static int said;
        if (!said++)
            fprintf(stderr, "libxsmm: conv cannot run with %d threads (layer made for %d)\n",
                    nthr, s->nthr);
        float *o = s->out_buf;
        for (size_t i = 0; i < s->out_bytes / sizeof *o; i++) o[i] = __builtin_nanf("");
    }
}

static const char *conv_kernel_name(void *state)
{
    return ((const conv_state *)state)->kernel;
}

static cnb_isa conv_ran_isa(void *state)
{
    return ((const conv_state *)state)->isa;
}

const cnb_impl cnb_conv_f32_libxsmm = {
    .peer = 1,
    .name = "conv/libxsmm", .op = CNB_OP_CONV, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = conv_supports, .prepare = conv_prepare, .run = conv_run,
    .release = conv_release, .to_layout = conv_to_layout, .from_layout = conv_from_layout,
    .kernel_name = conv_kernel_name, .ran_isa = conv_ran_isa,
};

#else
typedef int cnb_peer_libxsmm_absent; /* ISO C wants at least one declaration per file */
#endif
