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

static void lower(const char *s, char *low, int size)
{
    int i = 0;
    for (; s && s[i] && i < size - 1; i++) low[i] = (char)tolower((unsigned char)s[i]);
    low[i] = 0;
}

cnb_isa cnb_peer_isa_of(const char *kernel)
{
    char low[128];
    lower(kernel, low, sizeof low);
    if (contains_any(low, AVX512_NAMES, sizeof AVX512_NAMES / sizeof AVX512_NAMES[0]))
        return CNB_ISA_AVX512;
    if (contains_any(low, AVX2_NAMES, sizeof AVX2_NAMES / sizeof AVX2_NAMES[0]))
        return CNB_ISA_AVX2;
    return CNB_ISA_SCALAR;
}

/* oneDNN's ISAs with bf16 dot products (vdpbf16ps) and int8 ones (vpdpbusd), by their names in
 * implementation names and dnnl_cpu_isa2str ("cpu_isa_avx512_core_bf16"); every one of the bf16
 * list has VNNI too. */
static const char *const BF16_NAMES[] = {"avx512_core_bf16", "avx512_core_fp16", "avx10"};
static const char *const VNNI512_NAMES[] = {"avx512_core_vnni"};

cnb_isa cnb_peer_isa_of_dt(const char *kernel, cnb_dt t)
{
    const cnb_isa f32 = cnb_peer_isa_of(kernel);
    const int bf16 = t == CNB_DT_BF16, int8 = t == CNB_DT_U8 || t == CNB_DT_S8;
    if (!bf16 && !int8) return f32;
    char low[128];
    lower(kernel, low, sizeof low);
    if (strstr(low, "amx")) return CNB_ISA_AMX;
    if (contains_any(low, BF16_NAMES, sizeof BF16_NAMES / sizeof BF16_NAMES[0]))
        return bf16 ? CNB_ISA_AVX512_BF16 : CNB_ISA_AVX512_VNNI;
    if (int8 && contains_any(low, VNNI512_NAMES, sizeof VNNI512_NAMES / sizeof VNNI512_NAMES[0]))
        return CNB_ISA_AVX512_VNNI;
    if (int8 && strstr(low, "avx2_vnni")) return CNB_ISA_AVX_VNNI;
    return f32;
}
