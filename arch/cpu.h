/* What the CPU can run: feature bits detected once at start-up (cpuid + xgetbv on x86, getauxval
 * on aarch64), capped by CNB_MAX_ISA, and the ISA levels that implementations are tagged with. */
#ifndef CNB_ARCH_CPU_H
#define CNB_ARCH_CPU_H

#include <stdint.h>

/* Feature bits. A bit is set only when the CPU has the instructions and the OS saves the
 * registers they use (XCR0; for AMX also the process's permission to use tile data), so a set
 * bit means "safe to execute". */
enum {
    CNB_F_SSE42      = 1u << 0,
    CNB_F_AVX        = 1u << 1,
    CNB_F_AVX2       = 1u << 2,
    CNB_F_FMA        = 1u << 3,
    CNB_F_AVX512F    = 1u << 4,
    CNB_F_AVX512BW   = 1u << 5,
    CNB_F_AVX512VL   = 1u << 6,
    CNB_F_AVX512DQ   = 1u << 7,
    CNB_F_AVX512CD   = 1u << 8,
    CNB_F_AVX512VNNI = 1u << 9,
    CNB_F_AVX512BF16 = 1u << 10,
    CNB_F_AVX512FP16 = 1u << 11,
    CNB_F_AMX_TILE   = 1u << 12,
    CNB_F_AMX_BF16   = 1u << 13,
    CNB_F_AMX_INT8   = 1u << 14,
    CNB_F_AVX_VNNI   = 1u << 15,
    CNB_F_NEON       = 1u << 16,
    CNB_F_SVE        = 1u << 17,
    CNB_F_DOTPROD    = 1u << 18,   /* aarch64 sdot/udot */
    CNB_F_BF16       = 1u << 19,   /* aarch64 bfdot/bfmmla */
    CNB_F_I8MM       = 1u << 20,   /* aarch64 smmla/ummla/usmmla */
};
/* The AVX-512 subset every AVX-512 level builds on (F, BW, VL, DQ, with AVX2 and FMA). */
#define CNB_F_AVX512_SET                                                                        \
    (CNB_F_AVX | CNB_F_AVX2 | CNB_F_FMA | CNB_F_AVX512F | CNB_F_AVX512BW | CNB_F_AVX512VL |     \
     CNB_F_AVX512DQ)

/* ISA levels: plain C, then the rows of arch/isa_x86_64.def, then those of arch/isa_aarch64.def
 * (both tables on every target, so that a CSV of the other architecture reads back). An
 * implementation names one level; it may run when every feature bit of that level is usable. */
typedef enum {
    CNB_ISA_SCALAR,  /* plain C, any CPU */
#define CNB_ISA(id, name, features, flags, f32, bf16, int8, triad) CNB_ISA_##id,
#include "arch/isa_x86_64.def"
#include "arch/isa_aarch64.def"
#undef CNB_ISA
    CNB_ISA_COUNT
} cnb_isa;

/* Feature bits an ISA level needs. */
uint32_t cnb_isa_features(cnb_isa isa);
/* The table's name column ("scalar", "avx512_vnni", "neon_dotprod", ...). */
const char *cnb_isa_name(cnb_isa isa);
/* Parse an ISA name of either architecture; returns -1 when unknown. */
int cnb_isa_parse(const char *name);
/* 1 when the level belongs to the architecture this binary is built for (scalar always). */
int cnb_isa_native(cnb_isa isa);

/* Feature bits of this CPU and OS, before any cap. */
uint32_t cnb_cpu_detected(void);
/* Detected bits limited by CNB_MAX_ISA (environment) or cnb_cpu_set_cap(). */
uint32_t cnb_cpu_usable(void);
/* The cap in force, or CNB_ISA_COUNT when none; and where it came from ("" or "CNB_MAX_ISA"). */
int cnb_cpu_cap(void);
/* Set the cap (e.g. from a command line). Returns 0, or -1 for a name that is not a level of
 * this architecture. The cap keeps the features of its own row and of the rows before it in this
 * architecture's table (scalar keeps none). */
int cnb_cpu_set_cap(const char *isa_name);
/* Put back a cap that cnb_cpu_cap() returned (CNB_ISA_COUNT: none). */
void cnb_cpu_restore_cap(int cap);
/* 1 when every feature of the ISA is usable. With why != NULL, on 0 it says why (static text). */
int cnb_isa_usable(cnb_isa isa, const char **why);
/* The CPU's brand string ("unknown" if none). */
const char *cnb_cpu_model(void);
/* The CPU's family and model numbers, "f26m2" on x86 (cpuid leaf 1); "" where the model string
 * already names the part. */
const char *cnb_cpu_signature(void);
/* A brand string without the blanks that pad it, into out (size bytes). */
void cnb_cpu_brand_trim(const char *raw, char *out, int size);
/* Names of the set bits, space-separated, into buf. */
void cnb_cpu_feature_string(uint32_t bits, char *buf, int size);

#endif
