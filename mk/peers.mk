# Peer libraries (oneDNN, OpenBLAS, BLIS) as implementations in the registry (harness/peers/).
# Each is built when its Debian development package is present (scripts/deps.sh installs them for
# `make bench`) and the build works without any of them. Native x86-64 builds only: the peers are
# tagged with x86 ISAs, and the cross build for aarch64 (NO_LIBS=1) gets none.
#
#   oneDNN   libdnnl-dev             header <oneapi/dnnl/dnnl.h>, linked: -ldnnl
#   OpenBLAS libopenblas-dev         pkg-config `openblas`; loaded with dlopen (see below)
#   BLIS     libblis-dev (-openmp,   /usr/include/<multiarch>/blis-<threading>/blis.h; loaded with
#            -pthread or -serial)    dlopen from /usr/lib/<multiarch>/blis-<threading>/
#
# OpenBLAS and BLIS export the same BLAS names (cblas_sgemm, sgemm_, ...): linked into one binary,
# one would silently answer for the other. So neither is linked: harness/peers/openblas.c and
# blis.c dlopen their own library by its path (RTLD_LOCAL) and look their entry points up there.
# Each gets its own include directory (both ship a cblas.h) through a per-object CFLAGS.

ifeq ($(NO_LIBS)$(TARGET),x86_64)
  PEER_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

  # oneDNN: the header preprocesses and the linker finds the library.
  HAVE_DNNL := $(shell printf '\043include <oneapi/dnnl/dnnl.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
                 test -e "$$($(CC) -print-file-name=libdnnl.so)" && echo 1)

  # OpenBLAS: whichever threading variant pkg-config names (Debian: the alternative in force).
  ifneq ($(shell pkg-config --exists openblas 2>/dev/null && echo 1),)
    OPENBLAS_INC := $(shell pkg-config --variable=includedir openblas)
    OPENBLAS_LIBDIR := $(shell pkg-config --variable=libdir openblas)
    OPENBLAS_SO := $(firstword $(wildcard $(OPENBLAS_LIBDIR:%/=%)/libopenblas.so.0 \
                                          $(OPENBLAS_LIBDIR:%/=%)/libopenblas.so))
    ifneq ($(and $(OPENBLAS_SO),$(wildcard $(OPENBLAS_INC:%/=%)/cblas.h)),)
      HAVE_OPENBLAS := 1
    endif
  endif

  # BLIS: Debian's variants, OpenMP first (the runtime our kernels and oneDNN use).
  BLIS_VARIANT := $(firstword $(foreach v,openmp pthread serial,\
                    $(if $(wildcard /usr/include/$(PEER_MULTIARCH)/blis-$(v)/blis.h),\
                      $(if $(wildcard /usr/lib/$(PEER_MULTIARCH)/blis-$(v)/libblis.so*),$(v)))))
  ifneq ($(BLIS_VARIANT),)
    HAVE_BLIS := 1
    BLIS_INC := /usr/include/$(PEER_MULTIARCH)/blis-$(BLIS_VARIANT)
    BLIS_SO := $(firstword $(wildcard /usr/lib/$(PEER_MULTIARCH)/blis-$(BLIS_VARIANT)/libblis.so.4 \
                                      /usr/lib/$(PEER_MULTIARCH)/blis-$(BLIS_VARIANT)/libblis.so))
  endif
endif

PEER_DEFS :=
PEER_LIBS :=
ifeq ($(HAVE_DNNL),1)
  PEER_DEFS += -DCNB_HAVE_DNNL=1
  PEER_LIBS += -ldnnl
endif
ifeq ($(HAVE_OPENBLAS),1)
  PEER_DEFS += -DCNB_HAVE_OPENBLAS=1 -DCNB_OPENBLAS_SO='"$(OPENBLAS_SO)"'
  $(BUILD)/harness/peers/openblas.o: CFLAGS += -isystem $(OPENBLAS_INC)
endif
ifeq ($(HAVE_BLIS),1)
  PEER_DEFS += -DCNB_HAVE_BLIS=1 -DCNB_BLIS_SO='"$(BLIS_SO)"'
  $(BUILD)/harness/peers/blis.o: CFLAGS += -isystem $(BLIS_INC)
endif
ifneq ($(HAVE_OPENBLAS)$(HAVE_BLIS),)
  PEER_LIBS += -ldl
endif
# The current builds from PyPI that scripts/deps.sh --bench installs into .deps/pypi (absolute
# paths: the binary loads them with dlopen, RTLD_LOCAL, as OpenBLAS and BLIS):
#   oneDNN 3.x  onednn-cpu-gomp + onednn-devel   harness/peers/onednn3.c (loaded, never linked:
#                                                Debian's 2.x is linked and exports the same names)
#               onednn (the SYCL/TBB build, with  the same file; in its own prefix,
#               its runtime wheels)               .deps/pypi-sycl (its libdnnl.so.3 is another)
#   MKL         mkl + mkl-include                 harness/peers/mkl.c (libmkl_rt, GNU OpenMP layer)
#   OpenBLAS    scipy-openblas32                  harness/peers/openblas.c (names prefixed scipy_)
PEERS_FOUND_MORE :=
PYPI := $(abspath .deps/pypi)
ifeq ($(NO_LIBS)$(TARGET),x86_64)
  DNNL3_SO := $(wildcard $(PYPI)/lib/libdnnl.so.3)
  ifneq ($(and $(DNNL3_SO),$(wildcard $(PYPI)/include/oneapi/dnnl/dnnl.h)),)
    HAVE_DNNL3 := 1
    PEER_DEFS += -DCNB_HAVE_DNNL3=1 -DCNB_DNNL3_SO='"$(DNNL3_SO)"'
    $(BUILD)/harness/peers/onednn3.o: CFLAGS += -isystem $(PYPI)/include
    PEERS_FOUND_MORE += onednn_gomp
    DNNL_SYCL_DIR := $(abspath .deps/pypi-sycl/lib)
    ifneq ($(and $(wildcard $(DNNL_SYCL_DIR)/libdnnl.so.3),$(wildcard $(DNNL_SYCL_DIR)/libsycl.so.9),\
                 $(wildcard $(DNNL_SYCL_DIR)/../cnnbench-icd/intel-cpu.icd)),)
      HAVE_DNNL_SYCL := 1
      PEER_DEFS += -DCNB_HAVE_DNNL_SYCL=1 -DCNB_DNNL_SYCL_DIR='"$(DNNL_SYCL_DIR)"'
      PEERS_FOUND_MORE += onednn_latest
    endif
  endif
  MKL_SO := $(wildcard $(PYPI)/lib/libmkl_rt.so.3)
  ifneq ($(and $(MKL_SO),$(wildcard $(PYPI)/include/mkl.h)),)
    HAVE_MKL := 1
    PEER_DEFS += -DCNB_HAVE_MKL=1 -DCNB_MKL_SO='"$(MKL_SO)"'
    $(BUILD)/harness/peers/mkl.o: CFLAGS += -isystem $(PYPI)/include
    PEERS_FOUND_MORE += mkl
  endif
  SCIPY_OPENBLAS_DIR := $(firstword $(wildcard $(PYPI)/lib/python3*/*-packages/scipy_openblas32))
  # Compiled against Debian's cblas.h, whose prototypes are those of its scipy_ names.
  ifneq ($(and $(HAVE_OPENBLAS),$(wildcard $(SCIPY_OPENBLAS_DIR)/lib/libscipy_openblas.so)),)
    HAVE_OPENBLAS_LATEST := 1
    PEER_DEFS += -DCNB_HAVE_OPENBLAS_LATEST=1 \
                 -DCNB_OPENBLAS_LATEST_SO='"$(SCIPY_OPENBLAS_DIR)/lib/libscipy_openblas.so"'
    PEERS_FOUND_MORE += openblas_latest
  endif
  ifneq ($(HAVE_DNNL3)$(HAVE_MKL)$(HAVE_OPENBLAS_LATEST),)
    PEER_LIBS += -ldl
  endif
endif

# One fragment per further peer: each sets HAVE_<PEER> and adds to PEER_DEFS, PEER_LIBS and
# PEERS_FOUND_MORE when its library is found (native x86-64 builds only).
include mk/peer-xnnpack.mk mk/peer-libxsmm.mk
FEATURE_DEFS += $(PEER_DEFS)
FEATURE_LIBS += $(PEER_LIBS)

# The peers this configuration builds in, for scripts/deps.sh --bench: `make -s peers-found`.
PEERS_FOUND := $(strip $(if $(filter 1,$(HAVE_DNNL)),onednn) \
                 $(if $(filter 1,$(HAVE_OPENBLAS)),openblas) $(if $(filter 1,$(HAVE_BLIS)),blis) \
                 $(PEERS_FOUND_MORE))
.PHONY: peers-found
peers-found:
	@echo $(PEERS_FOUND)
