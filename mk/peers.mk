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
# One fragment per further peer: each sets HAVE_<PEER> and adds to PEER_DEFS, PEER_LIBS and
# PEERS_FOUND_MORE when its library is found (native x86-64 builds only).
PEERS_FOUND_MORE :=
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
