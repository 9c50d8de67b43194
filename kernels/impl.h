/* The implementation record: the one contract between the harness and any implementation of an
 * operation (ours, the reference, a peer library). See DESIGN.md, "The implementation contract". */
#ifndef CNB_KERNELS_IMPL_H
#define CNB_KERNELS_IMPL_H

#include <stddef.h>

#include "arch/cpu.h"
#include "kernels/problem.h"

/* Activation layouts. NCX is the user-facing NC[D]HW. The blocked layouts nC[D]HWxc group
 * channels by x: element (n, c, d, h, w) sits at
 *   ((((n·⌈C/x⌉ + c/x)·D + d)·H + h)·W + w)·x + c%x
 * and the channels from C up to the next multiple of x are zero. The harness converts inputs to
 * an implementation's layout before timing and converts outputs back after (layout.h). GEMM and
 * weights always use the user-facing layout; weight packing happens in prepare. */
typedef enum {
    CNB_LAYOUT_NCX,
    CNB_LAYOUT_NCX4C,
    CNB_LAYOUT_NCX8C,
    CNB_LAYOUT_NCX16C,
    CNB_LAYOUT_NCX32C,   /* 64 bytes of bf16 per pixel: one AMX tile row (conv/amx_direct's src) */
    CNB_LAYOUT_NCX64C,   /* 64 bytes of u8 per pixel: the same for int8 */
    CNB_LAYOUT_COUNT
} cnb_layout;

/* The channel block of a layout: 1, 4, 8, 16, 32 or 64. */
int cnb_layout_block(cnb_layout l);
/* "ncx", "nCx4c", "nCx8c", "nCx16c", "nCx32c", "nCx64c". */
const char *cnb_layout_name(cnb_layout l);

typedef struct cnb_impl {
    const char *name;    /* "<op>/<isa>_<variant>", as in the CSV: "conv/avx512_direct" */
    cnb_op op;
    cnb_isa isa;         /* the ISA level whose features it needs (a peer library, which picks its
                          * own code at run time: the least level it is offered at) */
    cnb_layout layout;   /* preferred layout of src and dst (conv, pool) */
    /* Optional, conv and pool: the layout of src for this problem when it differs from `layout`
     * (dst stays in `layout`), e.g. a first-layer kernel that reads its few input channels in the
     * user-facing NCX rather than padded to a block. Asked once per case, before prepare; the
     * harness converts (and sizes) src by it and hands run() src in it. NULL = `layout`. */
    cnb_layout (*src_layout)(const cnb_problem *p);
    int hidden;          /* 1: deliberately broken test implementation, run only when named */
    int peer;            /* 1: a library a user would otherwise pick (oneDNN, OpenBLAS, BLIS) */
    /* The data-type triples it runs (kernels/problem.h): CNB_DTM(CNB_DTC_...) bits. 0 = f32 only,
     * so an implementation that says nothing is an f32 one. supports() may refuse more.
     * conv: any of the GEMM triples (bf16:bf16:f32, bf16:bf16:bf16, u8|s8:s8:s32|u8|s8);
     * pool: CNB_DTC_BF16 (--dt=bf16), CNB_DTC_U8U8U8 (--dt=u8), CNB_DTC_S8S8S8 (--dt=s8).
     * The outputs must be bit-exact to the reference's rules (reference/reference.h):
     *   conv  acc exact (bf16 products summed exactly in f32 for the exact-mode data; int8
     *         products summed in int32, never through a saturating int16 pair sum); then f32:
     *         RNE; bf16: RNE of the exact sum; s32: acc; u8/s8: saturate(RNE(acc ·
     *         2^(src_scale_log2 + wei_scale_log2 − dst_scale_log2))).
     *   pool  max: the largest tap, exactly (empty window: the type's lowest, bf16 0xff7f, u8 0,
     *         s8 −128); avg: the exact sum (int32; f32 for bf16) divided by the count in one f32
     *         division (as f32 pooling), then bf16: RNE of that float; u8/s8: RNE to an integer,
     *         saturated (empty avg_p window: 0). No scales. */
    unsigned dt_mask;
    /* NULL when the problem is supported, else one line saying why not (static or
     * thread-local storage). NULL supports = supports everything. */
    const char *(*supports)(const cnb_problem *p);
    /* Set-up that is not timed as the kernel: weight packing, workspace. Gets the weights in the
     * user-facing layout (conv: goidhw; gemm: B, filled before prepare and the same in every run;
     * pool: NULL). Returns the state handed to run and release, or NULL on failure (out of
     * memory). NULL prepare = no state. */
    void *(*prepare)(const cnb_problem *p, const void *wei);
    /* The timed part. conv: src in src_layout (NULL: `layout`) and dst in `layout`, wei as given to prepare (user layout);
     * pool: src, dst in `layout`, wei NULL; gemm: src = A, wei = B, dst = C.
     * Every tensor pointer is typed by p->dt (src, wei, dst): float for f32, uint16_t bit
     * patterns for bf16, int8_t / uint8_t / int32_t; an f32 implementation converts them with
     * one line (`const float *src = src_;`). The blocked layouts' formula counts elements of
     * that type (nCx16c of u8: 16 bytes per pixel per channel block; of bf16: 32), and their
     * padding channels hold zero bits. conv weights: goidhw of type dt.wei, never blocked.
     * May use OpenMP with the number of threads in force (omp_get_max_threads()). */
    void (*run)(void *state, const cnb_problem *p, const void *src, const void *wei, void *dst);
    void (*release)(void *state);
    /* Optional, for implementations that choose their own layouts (a peer library such as
     * oneDNN): to_layout converts the user-layout src into the state's own buffer, from_layout
     * converts the state's own output into the user-layout dst. When set, the harness calls them
     * instead of its own conversions (timed as layout conversion), and run() is called with
     * src = dst = NULL: it reads and writes the state's buffers. */
    void (*to_layout)(void *state, const cnb_problem *p, const void *user_src);
    void (*from_layout)(void *state, const cnb_problem *p, void *user_dst);
    /* Optional: which kernel the implementation ran (e.g. oneDNN's implementation name), for the
     * CSV. NULL = the implementation's own name says it. */
    const char *(*kernel_name)(void *state);
    /* Optional, for an implementation that picks its code at run time (a peer library): the ISA
     * level of the code the state really runs (oneDNN's implementation, OpenBLAS's core, BLIS's
     * configuration), for the CSV's isa column and the % of peak. NULL = `isa` says it. */
    cnb_isa (*ran_isa)(void *state);
    /* Optional, for a library whose thread count is fixed when it loads (oneDNN on TBB): NULL
     * when it can run with `threads` threads, else one line saying why not. The harness asks it
     * for every thread count of a run and reports the rows it refuses as unsupported.
     * NULL = any thread count. */
    const char *(*threads_ok)(int threads);
} cnb_impl;

/* Every implementation of every op compiled into this binary, in dispatch order (most specialised
 * first, reference last), hidden ones included. Ends with NULL. */
extern const cnb_impl *const cnb_impls[];

/* Look up by name; NULL when unknown. */
const cnb_impl *cnb_impl_find(const char *name);
/* NULL when it takes the problem (its data types, then its own supports()), else one line why
 * not. The harness asks only this, never supports() directly. */
const char *cnb_impl_supports(const cnb_impl *impl, const cnb_problem *p);
/* 1 when the CPU (after the cap) can run it; otherwise 0 and *why says which ISA is missing. */
int cnb_impl_runnable(const cnb_impl *impl, const char **why);

#endif
