# libxsmm as a peer (harness/peers/libxsmm.c): Debian's libxsmm-dev.
# Sets HAVE_LIBXSMM := 1 and adds -DCNB_HAVE_LIBXSMM=1 to PEER_DEFS, its libraries to PEER_LIBS and
# `libxsmm` to PEERS_FOUND_MORE when the header and library are found. Included by mk/peers.mk.
#
# Found when <libxsmm.h> preprocesses and the linker finds libxsmm.a and libxsmmnoblas.a (Debian 12
# ships libxsmm 1.17 as static archives only, in /usr/lib). libxsmm calls a BLAS (sgemm_, dgemm_)
# for whatever its JIT kernels do not cover; we link no BLAS for it but libxsmmnoblas, libxsmm's
# own stubs for those names, which only report an error: libxsmm can never hand a problem to
# OpenBLAS or BLIS behind the row's back (our OpenBLAS and BLIS are dlopened with RTLD_LOCAL and
# never linked, see mk/peers.mk). The archives are named by their full paths, so that no other
# libxsmm (a shared one built against a BLAS) is picked up instead. libxsmmext (the OpenMP
# front-ends) is not needed: the adapter runs libxsmm's per-thread GEMM in its own OpenMP region.

ifeq ($(NO_LIBS)$(TARGET),x86_64)
  LIBXSMM_A := $(abspath $(shell $(CC) -print-file-name=libxsmm.a))
  LIBXSMM_NOBLAS_A := $(abspath $(shell $(CC) -print-file-name=libxsmmnoblas.a))
  HAVE_LIBXSMM := $(shell printf '\043include <libxsmm.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
                    test -e "$(LIBXSMM_A)" && test -e "$(LIBXSMM_NOBLAS_A)" && echo 1)
endif

ifeq ($(HAVE_LIBXSMM),1)
  PEER_DEFS += -DCNB_HAVE_LIBXSMM=1
  PEER_LIBS += $(LIBXSMM_A) $(LIBXSMM_NOBLAS_A) -lpthread -lrt -ldl
  PEERS_FOUND_MORE += libxsmm
endif
