/* Peer: BLIS sgemm as gemm/blis, through its native typed API (bli_sgemm_ex: row-major by strides,
 * row stride = leading dimension, column stride 1; transposes, alpha, beta). Compiled to nothing
 * unless mk/peers.mk found libblis-dev (CNB_HAVE_BLIS). The library is not linked but loaded with
 * dlopen from CNB_BLIS_SO with RTLD_LOCAL, so that its cblas_sgemm/sgemm_ never stand in for
 * OpenBLAS's or the other way round (dl.h).
 *
 * Two records:
 *   gemm/blis      BLIS's conventional path (pack A and B, its gemm micro-kernel, edge tiles
 *                  through a temporary), with the small/skinny "sup" path switched off.
 *   gemm/blis_sup  hidden: BLIS as a plain bli_sgemm call runs it, sup path included. In BLIS
 *                  0.9.0 the haswell sup kernels (used by the haswell and zen* configurations)
 *                  read past the end of C on some edge shapes (flame/blis#635, fixed after
 *                  0.9.0): the guard page catches it (e.g. m13n35k5 beta 1), so the edge sweeps of
 *                  `make test` would fail on any machine with this BLIS. Large problems never take
 *                  the sup path: both records give the same speed there.
 * Both apply alpha inside the sum rather than to it (as when A is scaled while packed): where the
 * exact sum is 0 and alpha < 0 BLIS gives +0 and alpha·acc + beta·C gives -0. Equal values,
 * different bits: exact mode's bit-for-bit comparison rejects them (edge sweeps with negative
 * alpha, e.g. m19n23k300ta1 alpha -1 beta 0; no network layer has alpha ≠ 1).
 * Threads: each call gets a runtime object asking for omp_get_max_threads() threads (Debian's
 * default variant is the OpenMP one, our runtime), so --threads applies and nothing global changes.
 * kernel_name(): the configuration BLIS chose for this CPU at run time (bli_arch_string), its
 * threading and whether sup was allowed.
 * ISA: the records are offered from AVX2 up; ran_isa() is the level of that configuration (skx,
 * knl: AVX-512; haswell, zen*: AVX2; generic and older ones: neither). Debian builds the x86_64
 * family, and BLIS 0.9 picks an AVX2 configuration on every CPU it does not identify as skx.
 * Under a cap that forbids AVX-512, a BLIS that chose skx is refused (supports() says so) rather
 * than capped: its override, BLIS_ARCH_TYPE, takes a configuration id, and the right AVX2 one
 * (haswell or a zen) depends on the CPU; an id the build lacks aborts the process. */
#if CNB_HAVE_BLIS

#include <blis.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/peers/dl.h"
#include "harness/peers/peers.h"
#include "kernels/impl.h"

/* The entry points we look up, with the prototypes of the header we compiled against. */
typedef void sgemm_fn(trans_t, trans_t, dim_t, dim_t, dim_t, float *, float *, inc_t, inc_t,
                      float *, inc_t, inc_t, float *, float *, inc_t, inc_t, cntx_t *, rntm_t *);
typedef arch_t arch_id_fn(void);
typedef char *arch_string_fn(arch_t);
typedef gint_t flag_fn(void);
_Static_assert(_Generic(&bli_sgemm_ex, sgemm_fn *: 1, default: 0), "bli_sgemm_ex prototype");
_Static_assert(_Generic(&bli_arch_string, arch_string_fn *: 1, default: 0),
               "bli_arch_string prototype");

enum { SGEMM, ARCH_ID, ARCH_STRING, OPENMP, PTHREADS, N_SYMS };
static const char *const names[N_SYMS] = {
    [SGEMM] = "bli_sgemm_ex",
    [ARCH_ID] = "bli_arch_query_id",
    [ARCH_STRING] = "bli_arch_string",
    [OPENMP] = "bli_info_get_enable_openmp",
    [PTHREADS] = "bli_info_get_enable_pthreads",
};
static void *syms[N_SYMS];
static cnb_dl_lib lib = {.path = CNB_BLIS_SO, .n = N_SYMS, .names = names, .syms = syms};

/* The configuration BLIS chose for this CPU. */
static const char *arch_name(void)
{
    return ((arch_string_fn *)syms[ARCH_STRING])(((arch_id_fn *)syms[ARCH_ID])());
}

static const char *gemm_supports(const cnb_problem *p)
{
    (void)p;
    static _Thread_local char why[128];
    const char *err = cnb_dl_load(&lib);
    if (err) return err;
    if (cnb_peer_capped_to_avx2() && cnb_peer_isa_of(arch_name()) == CNB_ISA_AVX512) {
        snprintf(why, sizeof why, "BLIS runs its %s (AVX-512) configuration, above the ISA cap",
                 arch_name());
        return why;
    }
    return NULL;
}

typedef struct {
    int sup;  /* 1: let BLIS take its small/skinny path */
    char kernel[96];
    cnb_isa isa;
} gemm_state;

static void *prepare(int sup)
{
    if (cnb_dl_load(&lib)) return NULL;
    gemm_state *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->sup = sup;
    s->isa = cnb_peer_isa_of(arch_name());
    const char *threading = ((flag_fn *)syms[OPENMP])()     ? "openmp"
                            : ((flag_fn *)syms[PTHREADS])() ? "pthreads"
                                                             : "sequential";
    snprintf(s->kernel, sizeof s->kernel, "%s config (%s; sup %s)", arch_name(), threading,
             sup ? "on" : "off");
    return s;
}

static void *gemm_prepare(const cnb_problem *p, const void *wei)
{
    (void)p, (void)wei;
    return prepare(0);
}

static void *gemm_sup_prepare(const cnb_problem *p, const void *wei)
{
    (void)p, (void)wei;
    return prepare(1);
}

static void gemm_run(void *state, const cnb_problem *p, const void *a_, const void *b_, void *c_)
{
    const float *a = a_, *b = b_;
    float *c = c_;
    const gemm_state *s = state;
    const cnb_gemm *g = &p->gemm;
    rntm_t rntm = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(omp_get_max_threads(), &rntm);
    if (!s->sup) bli_rntm_disable_l3_sup(&rntm);
    /* BLIS reads alpha, beta, A and B only; its typed API takes them without const. Stored A is
     * M × K (or K × M when transposed) with row stride lda; likewise B and C. */
    float alpha = g->alpha, beta = g->beta;
    ((sgemm_fn *)syms[SGEMM])(g->ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
                              g->tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, g->m, g->n, g->k,
                              &alpha, (float *)a, g->lda, 1, (float *)b, g->ldb, 1, &beta, c,
                              g->ldc, 1, NULL, &rntm);
}

static const char *gemm_kernel_name(void *state)
{
    return ((const gemm_state *)state)->kernel;
}

static cnb_isa gemm_ran_isa(void *state)
{
    return ((const gemm_state *)state)->isa;
}

const cnb_impl cnb_gemm_f32_blis = {
    .peer = 1,
    .name = "gemm/blis", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .supports = gemm_supports, .prepare = gemm_prepare, .run = gemm_run, .release = free,
    .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,
};

const cnb_impl cnb_gemm_f32_blis_sup = {
    .peer = 1,
    .name = "gemm/blis_sup", .op = CNB_OP_GEMM, .isa = CNB_ISA_AVX2, .layout = CNB_LAYOUT_NCX,
    .hidden = 1, .supports = gemm_supports, .prepare = gemm_sup_prepare, .run = gemm_run,
    .release = free, .kernel_name = gemm_kernel_name, .ran_isa = gemm_ran_isa,
};

#else
typedef int cnb_peer_blis_absent; /* ISO C wants at least one declaration per file */
#endif
