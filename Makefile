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
CFLAGS_BASE = -std=c11 $(OPT) -g -Wall -Wextra -Wpointer-arith -Werror -fopenmp -I. -D_GNU_SOURCE
LDLIBS_BASE = -fopenmp -lm

# ISA levels come from one table per architecture, arch/isa_<target>.def (docs/adding-an-isa.md):
# a row's name is the suffix of the files built with its flags (kernels/<op>/<name>.c,
# kernels/<op>/<part>_<name>.c, arch/peak_<name>.c). A whitelist: such a file is built only when
# its ISA is a row of the target's table, and a file in kernels/<op>/ that is neither driver.c nor
# named after an ISA of some table stops the build, rather than being compiled for the baseline.
ISA_TABLE := arch/isa_$(TARGET).def
ifeq ($(wildcard $(ISA_TABLE)),)
  $(error TARGET=$(TARGET): no ISA table $(ISA_TABLE) (there are: $(wildcard arch/isa_*.def)))
endif
# "name:flags" per row, blanks in the flags as @ (make splits words on blanks).
isa_rows = ${shell sed -n 's/^CNB_ISA( *[A-Z0-9_]*, *\([a-z0-9_]*\) *,[^"]*"\([^"]*\)".*/\1:\2/p' $(1) | tr ' ' '@'}
ISA_ROWS  := $(call isa_rows,$(ISA_TABLE))
ISA_NAMES := scalar $(foreach r,$(ISA_ROWS),$(firstword $(subst :, ,$(r))))
ISA_ALL   := scalar $(foreach r,$(foreach t,$(wildcard arch/isa_*.def),$(call isa_rows,$(t))),$(firstword $(subst :, ,$(r))))
$(foreach r,$(ISA_ROWS),$(eval ISA_FLAGS_$(firstword $(subst :, ,$(r))) := $(subst @, ,$(word 2,$(subst :, ,$(r))))))
# The ISA a file is built for (empty: the baseline).
isa_of = $(strip $(foreach i,$(ISA_ALL),$(if $(filter %/$(i).c %_$(i).c,$(1)),$(i))))
isa_flags = $(ISA_FLAGS_$(call isa_of,$(1)))

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

ALL_SRC := $(sort $(wildcard arch/*.c reference/*.c kernels/*.c kernels/*/*.c harness/*.c \
             harness/peers/*.c))
$(foreach f,$(ALL_SRC),$(if $(word 2,$(call isa_of,$(f))),$(error $(f): named after more than one ISA ($(call isa_of,$(f))))))
$(foreach f,$(wildcard kernels/*/*.c),$(if $(or $(filter %/driver.c,$(f)),$(call isa_of,$(f))),,$(error $(f): neither driver.c nor named after an ISA of $(wildcard arch/isa_*.def) (docs/adding-an-isa.md))))
LIB_SRC := $(foreach f,$(ALL_SRC),$(if $(call isa_of,$(f)),$(if $(filter $(call isa_of,$(f)),$(ISA_NAMES)),$(f)),$(f)))
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
              cflags=$(CFLAGS) cxxflags=$(CXXFLAGS) isas=$(ISA_ROWS) \
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

# The whole test suite: deps, then scripts/test.sh (the native build, unit + validation tests,
# sanitizers, the aarch64 check). The script runs the builds itself: the sanitizer and aarch64
# builds start first, in the background, and fill the core the native build leaves idle.
test: deps
	@bash scripts/test.sh

test-x86:
	@bash scripts/test.sh --native-only

test-arm: deps
	@bash scripts/arm.sh

golden: all
	@bash scripts/golden.sh

# The per-ISA flags for the CSV's cflags field: "[avx2: -mavx2 -mfma] [avx512: ...]".
ISA_FLAGS_TEXT = $(foreach i,$(filter-out scalar,$(ISA_NAMES)),[$(i): $(ISA_FLAGS_$(i))])

# `make bench` (QUICK=1: the representative subset; BENCH_ARGS: more `cnnbench bench` options).
# The compiler flags go to the CSV through the environment (exported: they hold quotes).
bench: export CNB_CFLAGS = $(CFLAGS) $(ISA_FLAGS_TEXT) $(LDFLAGS)
bench: deps-bench
	@$(MAKE) --no-print-directory all
	@QUICK='$(QUICK)' BUILD='$(BUILD)' bash scripts/bench.sh $(BENCH_ARGS)

# `make report`: the design-argument page (scripts/report.sh; REPORT_ARGS: more bench options).
report: export CNB_CFLAGS = $(CFLAGS) $(ISA_FLAGS_TEXT) $(LDFLAGS)
report: deps-bench
	@$(MAKE) --no-print-directory all
	@BUILD='$(BUILD)' bash scripts/report.sh $(REPORT_ARGS)

clean:
	rm -rf build build-arm

