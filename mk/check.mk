# `make sanitize` and `make fuzz` (included from the Makefile). Each builds into its own folder, so
# neither touches build/: sanitize into build-asan and build-tsan (scripts/sanitize.sh), fuzz into
# build-fuzz. The fuzz targets link only the readers they drive, built by clang with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer.
FUZZ_SECONDS ?= 300
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_TARGETS := desc net csv
FUZZ_LIB     := harness/desc.c harness/csv.c kernels/problem.c tests/fuzz/die.c
FUZZ_CFLAGS  := -std=c11 -O1 -g -I. -D_GNU_SOURCE -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: sanitize fuzz fuzz-build
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB) harness/desc.h harness/csv.h \
                      harness/cli.h kernels/problem.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_LIB) -o $@ -lm

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# Every target for FUZZ_SECONDS (default 300) after its regression inputs; fails on a finding, which
# it copies to tests/fuzz/regress/<target>/ to be committed.
fuzz: fuzz-build
	@FUZZ_BUILD='$(FUZZ_BUILD)' bash scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

# Unit tests and the reduced network check under ASan + UBSan (gcc), then the threaded drivers
# under TSan (clang with its own OpenMP runtime).
sanitize:
	@bash scripts/sanitize.sh

# `make clean` also removes these builds (a prerequisite added to the Makefile's own clean rule).
.PHONY: clean-check
clean: clean-check
clean-check:
	rm -rf build-asan build-tsan $(FUZZ_BUILD)
