/* What the libFuzzer targets under tests/fuzz/ share: the entry point libFuzzer calls, and a
 * cnb_die that aborts. The readers fuzzed here report bad input through their return value; the
 * only exit left inside them is "out of memory", which under the fuzzer is a finding. */
#ifndef CNB_TESTS_FUZZ_H
#define CNB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
