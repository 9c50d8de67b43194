/* The planner: for an implementation with several ways to run one problem (paths, blockings)
 * whose model leaves more than one candidate, it times the candidates in prepare and remembers
 * the fastest. The memory is kept per machine (CPU model and cores), implementation, problem
 * and thread count, in a text file beside the peak table (the idea of FFTW's wisdom), so the
 * next run on this machine reads the choice instead of measuring again.
 *
 * Rules:
 * - Candidate 0 is the model's choice (the implementation's rule from the caches and peaks).
 *   It is also what runs when the planner does not measure.
 * - Measuring happens only in prepare. Its time counts as prepare time, never as kernel time.
 *   Each candidate is timed `CNB_PLAN_RUNS` times, in rounds (every candidate once, then again),
 *   and its best run is kept. Another candidate displaces the model's only when it is faster by
 *   more than `CNB_PLAN_MARGIN` (a fraction): a choice within noise stays the model's. All candidates
 *   together may take `CNB_PLAN_BUDGET_S` seconds: when the model's candidate alone already
 *   takes longer than that, nothing else is tried, and the model's choice runs (and is
 *   remembered as such).
 * - Every candidate must compute the same products of each output; they may sum them in another
 *   order (a lane split, a padded copy), so candidates agree bit for bit with each other and
 *   with the reference on exact-mode data, where every sum is exact. make test validates each
 *   candidate (cnb_plan_force), and it validates with and without the wisdom file.
 *
 * The mode comes from CNB_PLAN:
 *   unset or "cache"  read the wisdom file, measure what it lacks, append the result;
 *   "measure"         measure every time, read and write nothing;
 *   "model"           never measure: candidate 0. */
#ifndef CNB_KERNELS_PLAN_H
#define CNB_KERNELS_PLAN_H

#include <stddef.h>

#include "kernels/problem.h"

#define CNB_PLAN_MAX_CANDIDATES 12
#define CNB_PLAN_RUNS 3
#define CNB_PLAN_BUDGET_S 0.5
#define CNB_PLAN_MARGIN 0.03

typedef enum { CNB_PLAN_MODEL, CNB_PLAN_CACHED, CNB_PLAN_MEASURED, CNB_PLAN_FORCED } cnb_plan_how;

/* Seconds for one run of candidate k. Returns a negative value when k cannot run (out of
 * memory); such a candidate is never chosen. */
typedef double (*cnb_plan_time_fn)(void *ctx, int k);

/* Choose among n candidates (1 ≤ n ≤ CNB_PLAN_MAX_CANDIDATES), named names[0..n-1] (names
 * without blanks, e.g. "1x1-gemm/kc256"), for `impl` on problem p at `threads` threads.
 * Returns the index to run; *how (may be NULL) says what decided. With n == 1 it returns 0 at
 * once. Thread-safe. */
int cnb_plan_choose(const char *impl, const cnb_problem *p, int threads, int n,
                    const char *const names[], cnb_plan_time_fn time, void *ctx,
                    cnb_plan_how *how);

/* "model", "cached", "measured", "forced". */
const char *cnb_plan_how_name(cnb_plan_how how);

/* For tests: make every later choice take candidate min(k, n-1) without measuring (k < 0:
 * back to the mode of CNB_PLAN). */
void cnb_plan_force(int k);

/* For tests: forget the choices held in memory, so the next choice reads the wisdom file again
 * as a new process would. */
void cnb_plan_reload(void);

/* The wisdom file of this machine (as the peak table's: cnb_machine_cache_path("plan")). */
void cnb_plan_path(char *buf, int size);

/* A problem as one word, for the wisdom file: the op, then every field, e.g.
 * "conv:g1:mb1:ic64:...". */
void cnb_plan_problem_key(const cnb_problem *p, char *buf, size_t size);

#endif
