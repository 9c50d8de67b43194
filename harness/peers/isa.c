/* The ISA level of a peer library's code, and the cap it is held to (harness/peers/peers.h). */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "harness/peers/peers.h"

int cnb_peer_capped_to_avx2(void)
{
    const uint32_t avx512 = cnb_isa_features(CNB_ISA_AVX512);
    return (cnb_cpu_detected() & avx512) == avx512 && !cnb_isa_usable(CNB_ISA_AVX512, NULL) &&
           cnb_isa_usable(CNB_ISA_AVX2, NULL);
}

/* Names, lower case, of the libraries' AVX-512 and AVX2 code: oneDNN's ISA suffixes and names
 * ("Intel AVX10.1 ..."), OpenBLAS's cores (openblas_get_corename), BLIS's configurations
 * (bli_arch_string), libxsmm's targets (hsw, skx, clx, cpx, spr) and MKL's code paths. */
static const char *const AVX512_NAMES[] = {"avx512", "avx-512", "avx10", "skylakex", "cooperlake",
                                           "sapphirerapids", "skx", "knl", "zen4", "cpx", "clx",
                                           "spr"};
static const char *const AVX2_NAMES[] = {"avx2", "haswell", "zen", "hsw"};

static int contains_any(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strstr(s, names[i])) return 1;
    return 0;
}

cnb_isa cnb_peer_isa_of(const char *kernel)
{
    char low[128];
    int i = 0;
    for (; kernel && kernel[i] && i < (int)sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)kernel[i]);
    low[i] = 0;
    if (contains_any(low, AVX512_NAMES, sizeof AVX512_NAMES / sizeof AVX512_NAMES[0]))
        return CNB_ISA_AVX512;
    if (contains_any(low, AVX2_NAMES, sizeof AVX2_NAMES / sizeof AVX2_NAMES[0]))
        return CNB_ISA_AVX2;
    return CNB_ISA_SCALAR;
}
