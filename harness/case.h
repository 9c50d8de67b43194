/* One (implementation, layer) pairing with its data: inputs in the user-facing layout, filled
 * deterministically; the same tensors converted to the implementation's layout; the prepared
 * state. Validation and timing both run through this, so the benchmark times exactly what was
 * validated. */
#ifndef CNB_HARNESS_CASE_H
#define CNB_HARNESS_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/buffer.h"
#include "harness/desc.h"
#include "harness/fill.h"
#include "kernels/impl.h"

typedef struct cnb_case {
    const cnb_impl *impl;
    const cnb_layer *layer;
    cnb_mode mode;
    uint64_t seed;
    cnb_buf src, wei, dst;   /* user layout; GEMM: A, B, C */
    cnb_buf c_init;          /* GEMM with beta ≠ 0: the initial C */
    cnb_buf isrc, idst;      /* implementation layout (blocked layouts only: each allocated only
                              * when its own layout is blocked) */
    int64_t spatial_in, spatial_out, channels;
    int block;               /* channel block of dst (impl->layout) */
    int src_block;           /* of src: impl->src_layout's, else the same as block */
    void *state;
    int prepared;
} cnb_case;

/* The layout src is handed to impl in for problem p: impl->src_layout(p), or impl->layout when
 * it has no such hook (kernels/impl.h). */
cnb_layout cnb_case_src_layout(const cnb_impl *impl, const cnb_problem *p);
/* Bytes a case of this pairing needs, computed from the problem before anything is allocated:
 * its buffers, the packed weights and the reference's output (validation). */
double cnb_case_bytes_needed(const cnb_impl *impl, const cnb_layer *l);
/* 0 when those bytes fit in the memory available now (MemAvailable; unknown counts as fitting),
 * else -1 with one line in err giving both numbers. */
int cnb_case_fits(const cnb_impl *impl, const cnb_layer *l, char *err, size_t errlen);
/* Allocate and fill the inputs. Returns 0, or -1 with one line in err. A problem that does not
 * fit in the available memory is bad input, as a malformed descriptor is: the command stops
 * with one line (needed, available) and exit status 2 before allocating, rather than being
 * killed by the OOM killer halfway. */
int cnb_case_init(cnb_case *c, const cnb_impl *impl, const cnb_layer *l, cnb_mode mode,
                  uint64_t seed, char *err, size_t errlen);
/* Inputs → implementation layout; the output poisoned with NaN (or set to the initial C).
 * Implementations with their own to_layout hook need cnb_case_prepare first. */
void cnb_case_to_impl(cnb_case *c);
/* Output → user layout (into c->dst). */
void cnb_case_from_impl(cnb_case *c);
/* prepare (weight packing): 0, or -1 when it failed. */
int cnb_case_prepare(cnb_case *c);
/* Release the prepared state (to prepare again, e.g. at another thread count). */
void cnb_case_unprepare(cnb_case *c);
/* The timed step. */
void cnb_case_run(cnb_case *c);
/* The user-layout output pointer the implementation's result lands in after from_impl. */
void cnb_case_free(cnb_case *c);

/* Length of the reduction behind one output element (conv: ic/g·kd·kh·kw, pool: window, gemm: k). */
int64_t cnb_reduction_len(const cnb_problem *p);
/* Run the reference into out (user layout, the dst's data type), from the case's inputs (or
 * their absolute values, for the random-mode error bound: f32 only). */
int cnb_case_reference(const cnb_case *c, void *out, int absolute);

#endif
