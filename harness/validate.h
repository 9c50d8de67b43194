/* Validation of one implementation on one layer against the reference (DESIGN.md, "Correctness
 * first"): exact mode compares bit for bit; random mode holds each output to the forward error
 * bound of a float32 sum of its length; a reference output that is mostly zeros, among the
 * outputs that can depend on the input, is MISTRUSTED; an output whose window lies entirely in
 * padding must hold its value by construction (0; max pooling -FLT_MAX) exactly.
 * Exact-mode reference outputs can come from golden hashes instead of a reference run. */
#ifndef CNB_HARNESS_VALIDATE_H
#define CNB_HARNESS_VALIDATE_H

#include <stdint.h>

#include "harness/desc.h"
#include "harness/fill.h"
#include "kernels/impl.h"

typedef enum { CNB_VAL_PASS, CNB_VAL_FAIL, CNB_VAL_MISTRUSTED, CNB_VAL_SKIP } cnb_val_status;

typedef struct cnb_val_opts {
    cnb_mode mode;
    uint64_t seed;
    int use_golden;   /* exact mode: trust a golden hash instead of running the reference */
    int zero_src;     /* tests only: all-zero source, to show the MISTRUSTED rule at work */
} cnb_val_opts;

typedef struct cnb_val_result {
    cnb_val_status status;
    int64_t n_diff;        /* elements that differ (exact) or exceed the bound (random) */
    int64_t first;         /* first such flat index in the user-facing layout */
    double expected, observed;   /* in the output's data type, exactly */
    double worst_ratio;    /* random mode: max |error| / bound; exact mode: 0 or inf */
    double zero_frac;      /* of the reference output */
    int golden;            /* 1: checked against a golden hash */
    uint64_t in_hash, out_hash;
    char why[256];         /* skip reason, or what failed */
} cnb_val_result;

const char *cnb_val_status_name(cnb_val_status s);
/* Validate. Never prints; fills r. Returns r->status. */
cnb_val_status cnb_validate(const cnb_impl *impl, const cnb_layer *l, const cnb_val_opts *o,
                            cnb_val_result *r);
/* The coordinates of flat index i of the output, e.g. "n0 c5 h3 w7" or "i3 j17". */
void cnb_output_coords(const cnb_problem *p, int64_t i, char *buf, int size);

/* Golden hashes: XXH3 fingerprints of exact-mode inputs and reference outputs, keyed by the
 * canonical descriptor, the seed and the fill version (tests/golden/<net>.txt). */
#define CNB_FILL_VERSION 1
int cnb_hash_available(void);
uint64_t cnb_hash(const void *p, uint64_t bytes, uint64_t seed);
/* Where the golden hashes live: $CNB_GOLDEN, else tests/golden of the repository holding the
 * shapes directory. */
const char *cnb_golden_dir(void);
/* Load every *.txt of dir (missing dir = no golden). Returns the number of entries. */
int cnb_golden_load(const char *dir);
/* Look up; 0 when absent. */
int cnb_golden_find(const char *key, uint64_t *in_hash, uint64_t *out_hash);
/* The key of a layer: canonical descriptor, seed, fill version. */
void cnb_golden_key(const cnb_layer *l, uint64_t seed, char *buf, int size);
/* Fingerprints of a layer's exact-mode inputs and reference output (runs the reference). */
int cnb_golden_compute(const cnb_layer *l, uint64_t seed, uint64_t *in_hash, uint64_t *out_hash);

#endif
