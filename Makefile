# cnnbench — one Makefile. `make` builds build/cnnbench; `make test` runs every test (x86 natively,
# then the aarch64 build under qemu); `make bench` measures. Each ISA file is compiled with only
# its own flags (see ISA_FLAGS below), everything else for the baseline, so one binary runs on any
# CPU of its architecture and dispatches at run time.

# `make` alone builds everything, whatever rule an included file (mk/*.mk) defines first.
.DEFAULT_GOAL := all

CC      ?= gcc
CXX     ?= g++
BUILD   ?= build
TARGET  ?= $(shell uname -m)
OPT     ?= -O2
CFLAGS_BASE = -std=c11 $(OPT) -g -Wall -Wextra -Werror -fopenmp -I. -D_GNU_SOURCE
LDLIBS_BASE = -fopenmp -lm

ifeq ($(TARGET),aarch64)
  ISA_SKIP := %/avx2.c %/avx512.c %_avx2.c %_avx512.c
else
  ISA_SKIP := %/neon.c %_neon.c
endif

# Per-ISA flags, chosen by the file name: kernels/<op>/avx512.c, arch/peak_avx512.c, ...
AVX2_FLAGS   := -mavx2 -mfma
AVX512_FLAGS := -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq
isa_flags = $(if $(filter %avx512.c,$(1)),$(AVX512_FLAGS),$(if $(filter %avx2.c,$(1)),$(AVX2_FLAGS)))

# Optional libraries: used when present (scripts/deps.sh installs them for native builds);
# the cross build for aarch64 uses none of them.
ifeq ($(NO_LIBS),)
  HAVE_HWLOC     := $(shell pkg-config --exists hwloc 2>/dev/null && echo 1)
  HAVE_XXHASH    := $(shell pkg-config --exists libxxhash 2>/dev/null && echo 1)
  HAVE_BENCHMARK := $(shell pkg-config --exists benchmark 2>/dev/null && echo 1)
endif
FEATURE_DEFS :=
FEATURE_LIBS :=
ifeq ($(HAVE_HWLOC),1)
  FEATURE_DEFS += -DCNB_HAVE_HWLOC=1
  FEATURE_LIBS += $(shell pkg-config --libs hwloc)
endif
ifeq ($(HAVE_XXHASH),1)
  FEATURE_DEFS += -DCNB_HAVE_XXHASH=1
  FEATURE_LIBS += $(shell pkg-config --libs libxxhash)
endif
ifeq ($(HAVE_BENCHMARK),1)
  FEATURE_DEFS += -DCNB_HAVE_BENCHMARK=1
  FEATURE_LIBS += $(shell pkg-config --libs benchmark) -lpthread
endif
include mk/peers.mk

CFLAGS  = $(CFLAGS_BASE) $(FEATURE_DEFS) $(EXTRA_CFLAGS)
LDLIBS  = $(LDLIBS_BASE) $(FEATURE_LIBS) $(EXTRA_LDLIBS)

LIB_SRC := $(filter-out $(ISA_SKIP),$(sort $(wildcard arch/*.c reference/*.c kernels/*.c \
             kernels/*/*.c harness/*.c harness/peers/*.c)))
LIB_SRC := $(filter-out harness/main.c,$(LIB_SRC))
CXX_SRC := $(if $(filter 1,$(HAVE_BENCHMARK)),harness/gbench.cc)
TEST_SRC := $(sort $(wildcard tests/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(CXX_SRC:%.cc=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
LINK     := $(if $(CXX_SRC),$(CXX),$(CC))
CXXFLAGS = -std=c++17 $(OPT) -g -Wall -Wextra -Werror -I. $(FEATURE_DEFS) \
           $(if $(CXX_SRC),$(shell pkg-config --cflags benchmark))

# Other parts of the build (checks, mutation tests) are included here, before the stamp below,
# so that whatever flags they set are part of it.
include mk/check.mk
include mk/mutate.mk

# The configuration stamp (the pattern of git's GIT-CFLAGS): everything that changes an object or
# the link -- compilers, flags and defines (the CNB_HAVE_* features and peers found above), per-ISA
# and per-object flags, libraries -- written to $(BUILD)/config, one per build directory. It is
# rewritten only when its text changes, and every object and link depends on it: a peer library
# installed after a build is picked up by the next `make`, one removed is dropped, and `make -n`
# with the same configuration wants nothing.
CONFIG_STAMP := $(BUILD)/config
CONFIG_TEXT = target=$(TARGET) cc=$(CC) cxx=$(CXX) link=$(LINK) ar=$(AR) \
              cflags=$(CFLAGS) cxxflags=$(CXXFLAGS) avx2=$(AVX2_FLAGS) avx512=$(AVX512_FLAGS) \
              openblas_inc=$(OPENBLAS_INC) blis_inc=$(BLIS_INC) \
              ldflags=$(LDFLAGS) ldlibs=$(LDLIBS) cxx_src=$(CXX_SRC)
ifneq ($(strip $(file <$(CONFIG_STAMP))),$(strip $(CONFIG_TEXT)))
  $(CONFIG_STAMP): FORCE
endif
$(CONFIG_STAMP):
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(subst ','\'',$(strip $(CONFIG_TEXT)))' >$@
	@echo "configuration changed: $@ rewritten"

.PHONY: all deps deps-bench test test-x86 test-arm bench report golden clean info FORCE
all: $(BUILD)/cnnbench $(BUILD)/cnnbench-tests

$(BUILD)/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call isa_flags,$<) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cc $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcnnbench.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/cnnbench: $(BUILD)/harness/main.o $(BUILD)/libcnnbench.a $(CONFIG_STAMP)
	$(LINK) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

$(BUILD)/cnnbench-tests: $(TEST_OBJ) $(BUILD)/libcnnbench.a $(CONFIG_STAMP)
	$(LINK) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/harness/main.d

deps:
	@bash scripts/deps.sh

# make bench also wants the peer libraries (oneDNN, OpenBLAS, BLIS) and gnuplot.
deps-bench:
	@bash scripts/deps.sh --bench

# The whole test suite: deps, native build, unit + validation tests, then the aarch64 check.
test: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/test.sh

test-x86: all
	@bash scripts/test.sh --native-only

test-arm: deps
	@bash scripts/arm.sh

golden: all
	@bash scripts/golden.sh

# `make bench` (QUICK=1: the representative subset; BENCH_ARGS: more `cnnbench bench` options).
# The compiler flags go to the CSV through the environment (exported: they hold quotes).
bench: export CNB_CFLAGS = $(CFLAGS) [avx2.c: $(AVX2_FLAGS)] [avx512.c: $(AVX512_FLAGS)] $(LDFLAGS)
bench: deps-bench
	@$(MAKE) --no-print-directory all
	@QUICK='$(QUICK)' BUILD='$(BUILD)' bash scripts/bench.sh $(BENCH_ARGS)

# `make report`: the design-argument page (scripts/report.sh; REPORT_ARGS: more bench options).
report: export CNB_CFLAGS = $(CFLAGS) [avx2.c: $(AVX2_FLAGS)] [avx512.c: $(AVX512_FLAGS)] $(LDFLAGS)
report: deps-bench
	@$(MAKE) --no-print-directory all
	@BUILD='$(BUILD)' bash scripts/report.sh $(REPORT_ARGS)

clean:
	rm -rf build build-arm

