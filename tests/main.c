/* The unit and validation tests of cnnbench: `build/cnnbench-tests [NAME-SUBSTRING]`. Ends with
 * the ISAs the edge tests exercised and `N passed, N failed`. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "kernels/impl.h"
#include "tests/test.h"

int cnb_test_failures;
extern int cnb_edges_pairs;
extern int cnb_edges_peer_declined;

#define TESTS(X)                                                                                  \
    X(test_desc_defaults) X(test_desc_depth_only) X(test_desc_output_and_padding)                 \
    X(test_desc_dilation) X(test_desc_names_and_kinds) X(test_desc_errors)                        \
    X(test_desc_roundtrip_networks) X(test_desc_network_totals) X(test_desc_data_types)            \
    X(test_fill_deterministic)                                                                     \
    X(test_fill_exact_rule) X(test_guard_page) X(test_dispatch_cap)                               \
    X(test_validator_rejects_broken) X(test_validator_mistrusted) X(test_validator_random_bound)  \
    X(test_golden_sample) X(test_edges_conv) X(test_edges_gemm) X(test_edges_gemm_lowp)         \
    X(test_lowp_traps) X(test_edges_pool)                                                       \
    X(test_cpu_brand_trim) X(test_tiles_conv_switch) X(test_tiles_conv) X(test_tiles_gemm)        \
    X(test_tiles_pool) X(test_tiles_pool_supports) X(test_tiles_declines)                        \
    X(test_tiles_conv_reduced_table) X(test_plan) X(test_conv_lowp) X(test_conv_lowp_rejects_broken) \
    X(test_ref_conv_lowp_hand) X(test_ref_pool_lowp_hand) X(test_lowp_conv_pool_harness)          \
    X(test_edges_conv_pool_lowp) X(test_desc_dt_sets) X(test_pool_lowp)                          \
    X(test_conv_fewic_edges) X(test_conv_src_layout_hook)                                        \
    X(test_conv_fewic_lowp) X(test_conv_fewic_lowp_rejects_broken)                              \
    X(test_conv_plan) X(test_conv_plan_rejects_broken)                                        \
    X(test_conv_amx) X(test_conv_amx_rejects_broken)                                          \
    X(test_conv_amx_fewic) X(test_conv_amx_fewic_rejects_broken)                              \
    X(test_conv_lowp_neon) X(test_conv_lowp_neon_rejects_broken)

#define DECLARE(fn) void fn(void);
TESTS(DECLARE)
#define ENTRY(fn) {#fn, fn},
static const cnb_test tests[] = {TESTS(ENTRY)};

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        const int before = cnb_test_failures;
        const double t0 = omp_get_wtime();
        tests[i].fn();
        const int ok = cnb_test_failures == before;
        printf("%s %s (%.2f s)\n", ok ? "ok  " : "FAIL", tests[i].name, omp_get_wtime() - t0);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    /* Which ISAs the registry let run here: the edge tests covered each of them. */
    printf("isas exercised:");
    int seen[CNB_ISA_COUNT] = {0};
    for (int i = 0; cnb_impls[i]; i++)
        if (!cnb_impls[i]->hidden && cnb_impl_runnable(cnb_impls[i], NULL)) seen[cnb_impls[i]->isa] = 1;
    for (int i = 0; i < CNB_ISA_COUNT; i++) if (seen[i]) printf(" %s", cnb_isa_name(i));
    printf("  (%d implementation × edge-case pairs; %d declined by peer libraries)\n",
           cnb_edges_pairs, cnb_edges_peer_declined);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
