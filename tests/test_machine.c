/* The machine facts a CSV row repeats: the CPU model without the brand string's padding. */
#include <string.h>

#include "arch/cpu.h"
#include "tests/test.h"

void test_cpu_brand_trim(void)
{
    static const struct { const char *raw, *want; } cases[] = {
        {"Intel(R) Xeon(R) Processor                  ", "Intel(R) Xeon(R) Processor"},
        {"       Intel(R) Core(TM) i7 CPU @ 2.40GHz", "Intel(R) Core(TM) i7 CPU @ 2.40GHz"},
        {"  AMD EPYC 9R14 96-Core Processor   ", "AMD EPYC 9R14 96-Core Processor"},
        {"AMD EPYC", "AMD EPYC"},
        {"      ", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        cnb_cpu_brand_trim(cases[i].raw, out, sizeof out);
        CHECK(!strcmp(out, cases[i].want), "brand '%s': got '%s', want '%s'", cases[i].raw, out,
              cases[i].want);
    }
    const char *model = cnb_cpu_model();
    const size_t n = strlen(model);
    CHECK(n && model[0] != ' ' && model[n - 1] != ' ', "cnb_cpu_model() is padded: '%s'", model);
}
