/* ISA detection: cpuid + xgetbv on x86 (a feature counts only when the OS saves its registers:
 * XCR0 bits for SSE/AVX state, and opmask/ZMM state for AVX-512, tile state for AMX), getauxval
 * on aarch64. Detected once; CNB_MAX_ISA (or cnb_cpu_set_cap) caps what dispatch may use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#define CNB_X86 1
#elif defined(__aarch64__)
#include <sys/auxv.h>
#define CNB_ARM 1
#endif

/* The rows of arch/isa_<arch>.def, after scalar: names, features, and which architecture. */
enum { ARCH_ANY, ARCH_X86, ARCH_ARM };
static const struct {
    const char *name;
    uint32_t features;
    int arch;
} isa_rows[CNB_ISA_COUNT] = {
    {"scalar", 0, ARCH_ANY},
#define CNB_ISA(id, name, features, flags, f32, bf16, int8, triad) {#name, features, ARCH_X86},
#include "arch/isa_x86_64.def"
#undef CNB_ISA
#define CNB_ISA(id, name, features, flags, f32, bf16, int8, triad) {#name, features, ARCH_ARM},
#include "arch/isa_aarch64.def"
#undef CNB_ISA
};

#if CNB_X86
#define ARCH_NATIVE ARCH_X86
#elif CNB_ARM
#define ARCH_NATIVE ARCH_ARM
#else
#define ARCH_NATIVE ARCH_ANY
#endif

uint32_t cnb_isa_features(cnb_isa isa)
{
    return isa >= 0 && isa < CNB_ISA_COUNT ? isa_rows[isa].features : ~0u;
}

const char *cnb_isa_name(cnb_isa isa)
{
    return isa >= 0 && isa < CNB_ISA_COUNT ? isa_rows[isa].name : "?";
}

int cnb_isa_parse(const char *name)
{
    for (int i = 0; i < CNB_ISA_COUNT; i++)
        if (strcmp(name, isa_rows[i].name) == 0) return i;
    return -1;
}

int cnb_isa_native(cnb_isa isa)
{
    return isa >= 0 && isa < CNB_ISA_COUNT &&
           (isa_rows[isa].arch == ARCH_ANY || isa_rows[isa].arch == ARCH_NATIVE);
}

/* The cpuid brand string is padded with blanks (leading on some CPUs, trailing on others). */
void cnb_cpu_brand_trim(const char *raw, char *out, int size)
{
    while (*raw == ' ') raw++;
    size_t n = strlen(raw);
    while (n && raw[n - 1] == ' ') n--;
    snprintf(out, size, "%.*s", (int)n, raw);
}

#if CNB_X86
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Linux hands out tile data state (8 KiB per thread) only to a process that asks for it
 * (arch_prctl ARCH_REQ_XCOMP_PERM, Linux 5.16 and later); without it the first tile
 * instruction raises SIGILL. Asking is harmless when nothing uses tiles. */
static int amx_permission(void)
{
    enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

static uint32_t detect(void)
{
    unsigned a, b, c, d;
    uint32_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if ((c >> 20) & 1) f |= CNB_F_SSE42;
    if (!osxsave) return f;  /* no XSAVE enabled by the OS: no AVX state, whatever cpuid says */
    const uint64_t xcr0 = xgetbv0();
    const int ymm_ok = (xcr0 & 0x6) == 0x6;       /* SSE + AVX state */
    const int zmm_ok = (xcr0 & 0xe0) == 0xe0;     /* opmask, ZMM_Hi256, Hi16_ZMM */
    const int amx_ok = (xcr0 & 0x60000) == 0x60000 && amx_permission(); /* XTILECFG + XTILEDATA */
    unsigned max_leaf = __get_cpuid_max(0, NULL);
    unsigned b7 = 0, c7 = 0, d7 = 0, a71 = 0;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b7, c7, d7);
        unsigned b71, c71, d71;
        __cpuid_count(7, 1, a71, b71, c71, d71);
        (void)b71, (void)c71, (void)d71;
    }
    if (ymm_ok && avx) {
        f |= CNB_F_AVX;
        if ((b7 >> 5) & 1) f |= CNB_F_AVX2;
        if (fma) f |= CNB_F_FMA;
        if ((a71 >> 4) & 1) f |= CNB_F_AVX_VNNI;
    }
    if (ymm_ok && zmm_ok) {
        if ((b7 >> 16) & 1) f |= CNB_F_AVX512F;
        if ((b7 >> 17) & 1) f |= CNB_F_AVX512DQ;
        if ((b7 >> 28) & 1) f |= CNB_F_AVX512CD;
        if ((b7 >> 30) & 1) f |= CNB_F_AVX512BW;
        if ((b7 >> 31) & 1) f |= CNB_F_AVX512VL;
        if ((c7 >> 11) & 1) f |= CNB_F_AVX512VNNI;
        if ((d7 >> 23) & 1) f |= CNB_F_AVX512FP16;
        if ((a71 >> 5) & 1) f |= CNB_F_AVX512BF16;
    }
    if (amx_ok) {
        /* Usable only after arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA); see MACHINE.md. */
        if ((d7 >> 24) & 1) f |= CNB_F_AMX_TILE;
        if ((d7 >> 22) & 1) f |= CNB_F_AMX_BF16;
        if ((d7 >> 25) & 1) f |= CNB_F_AMX_INT8;
    }
    return f;
}

static void model(char *buf, int size)
{
    unsigned r[12];
    if (__get_cpuid_max(0x80000000, NULL) < 0x80000004) {
        snprintf(buf, size, "unknown x86-64");
        return;
    }
    for (unsigned i = 0; i < 3; i++)
        __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    char s[49];
    memcpy(s, r, 48);
    s[48] = 0;
    cnb_cpu_brand_trim(s, buf, size);
}

/* cpuid leaf 1's display family and model: the extended fields count when the base family is
 * 0xf (and, for the model, 6), as the vendors' manuals define them. */
static void signature(char *buf, int size)
{
    unsigned a, b, c, d;
    buf[0] = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    const unsigned base_fam = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
    const unsigned fam = base_fam == 0xf ? base_fam + ((a >> 20) & 0xff) : base_fam;
    const unsigned mod = base_fam == 0xf || base_fam == 6 ? (((a >> 16) & 0xf) << 4) | base_model : base_model;
    snprintf(buf, size, "f%um%u", fam, mod);
}
#elif CNB_ARM
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_SVE
#define HWCAP_SVE (1 << 22)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1 << 14)
#endif
static uint32_t detect(void)
{
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    uint32_t f = 0;
    if (hw & HWCAP_ASIMD) f |= CNB_F_NEON;
    if (hw & HWCAP_SVE) f |= CNB_F_SVE;
    if (hw & HWCAP_ASIMDDP) f |= CNB_F_DOTPROD;
    if (hw2 & HWCAP2_BF16) f |= CNB_F_BF16;
    if (hw2 & HWCAP2_I8MM) f |= CNB_F_I8MM;
    return f;
}

static void model(char *buf, int size)
{
    snprintf(buf, size, "unknown aarch64");
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (!fp) return;
    char line[256];
    unsigned impl = 0, part = 0;
    while (fgets(line, sizeof line, fp)) {
        sscanf(line, "CPU implementer : %x", &impl);
        sscanf(line, "CPU part : %x", &part);
    }
    fclose(fp);
    if (impl) snprintf(buf, size, "aarch64 implementer 0x%02x part 0x%03x", impl, part);
}
/* The model string already carries the implementer and part numbers. */
static void signature(char *buf, int size) { (void)size, buf[0] = 0; }
#else
static uint32_t detect(void) { return 0; }
static void model(char *buf, int size) { snprintf(buf, size, "unknown"); }
static void signature(char *buf, int size) { (void)size, buf[0] = 0; }
#endif

static struct {
    int done;
    uint32_t detected;
    int cap; /* CNB_ISA_COUNT = none */
    char model[64];
    char signature[24];
} cpu;

static void init(void)
{
    if (cpu.done) return;
    cpu.detected = detect();
    model(cpu.model, sizeof cpu.model);
    signature(cpu.signature, sizeof cpu.signature);
    cpu.cap = CNB_ISA_COUNT;
    const char *env = getenv("CNB_MAX_ISA");
    if (env && *env) {
        const int isa = cnb_isa_parse(env);
        if (isa < 0 || !cnb_isa_native(isa)) {
            char names[256] = "";
            for (int i = 0, len = 0; i < CNB_ISA_COUNT && len < (int)sizeof names; i++)
                if (cnb_isa_native(i))
                    len += snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                                    isa_rows[i].name);
            fprintf(stderr, "cnnbench: CNB_MAX_ISA=%s is not an ISA level of this architecture (%s)\n",
                    env, names);
            exit(2);
        }
        cpu.cap = isa;
    }
    cpu.done = 1;
}

uint32_t cnb_cpu_detected(void)
{
    init();
    return cpu.detected;
}

uint32_t cnb_cpu_usable(void)
{
    init();
    if (cpu.cap == CNB_ISA_COUNT) return cpu.detected;
    /* The cap keeps the features of its own row and of the rows before it in its table. */
    uint32_t keep = 0;
    for (int i = 0; i <= cpu.cap; i++)
        if (cnb_isa_native((cnb_isa)i)) keep |= cnb_isa_features((cnb_isa)i);
    return cpu.detected & keep;
}

int cnb_cpu_cap(void)
{
    init();
    return cpu.cap;
}

int cnb_cpu_set_cap(const char *isa_name)
{
    init();
    const int isa = cnb_isa_parse(isa_name);
    if (isa < 0 || !cnb_isa_native(isa)) return -1;
    cpu.cap = isa;
    return 0;
}

void cnb_cpu_restore_cap(int cap)
{
    init();
    cpu.cap = cap >= 0 && cap < CNB_ISA_COUNT && cnb_isa_native(cap) ? cap : CNB_ISA_COUNT;
}

int cnb_isa_usable(cnb_isa isa, const char **why)
{
    init();
    const uint32_t need = cnb_isa_features(isa);
    if ((cpu.detected & need) != need) {
        if (why) *why = "the CPU (or the OS) lacks its features";
        return 0;
    }
    if ((cnb_cpu_usable() & need) != need) {
        if (why) *why = "above the cap CNB_MAX_ISA";
        return 0;
    }
    return 1;
}

const char *cnb_cpu_model(void)
{
    init();
    return cpu.model;
}

const char *cnb_cpu_signature(void)
{
    init();
    return cpu.signature;
}

void cnb_cpu_feature_string(uint32_t bits, char *buf, int size)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        {CNB_F_SSE42, "sse4.2"},       {CNB_F_AVX, "avx"},
        {CNB_F_AVX2, "avx2"},          {CNB_F_FMA, "fma"},
        {CNB_F_AVX512F, "avx512f"},    {CNB_F_AVX512BW, "avx512bw"},
        {CNB_F_AVX512VL, "avx512vl"},  {CNB_F_AVX512DQ, "avx512dq"},
        {CNB_F_AVX512CD, "avx512cd"},  {CNB_F_AVX512VNNI, "avx512vnni"},
        {CNB_F_AVX512BF16, "avx512bf16"}, {CNB_F_AVX512FP16, "avx512fp16"},
        {CNB_F_AMX_TILE, "amx-tile"},  {CNB_F_AMX_BF16, "amx-bf16"},
        {CNB_F_AMX_INT8, "amx-int8"},  {CNB_F_AVX_VNNI, "avx-vnni"},
        {CNB_F_NEON, "neon"},          {CNB_F_SVE, "sve"},
        {CNB_F_DOTPROD, "dotprod"},    {CNB_F_BF16, "bf16"},
        {CNB_F_I8MM, "i8mm"},
    };
    int len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(bits & names[i].bit)) continue;
        const int w = snprintf(buf + len, size - len, "%s%s", len ? " " : "", names[i].name);
        if (w < 0 || w >= size - len) break;
        len += w;
    }
    if (!len) snprintf(buf, size, "(none)");
}
