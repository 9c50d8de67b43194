# xnnpack as a peer (harness/peers/xnnpack.c): Debian's libxnnpack-dev (with libpthreadpool-dev).
# Sets HAVE_XNNPACK := 1 and adds -DCNB_HAVE_XNNPACK=1 to PEER_DEFS, its libraries to PEER_LIBS and
# `xnnpack` to PEERS_FOUND_MORE when the header and library are found. Included by mk/peers.mk.
#
# Found when <xnnpack.h> preprocesses (it includes <pthreadpool.h>, so that header must be there
# too) and the linker finds both libXNNPACK.so and libpthreadpool.so, the way mk/peers.mk finds
# oneDNN. We call XNNPACK and pthreadpool directly; Debian's libXNNPACK.so.0 brings its own
# dependency on libcpuinfo.so.0 (DT_NEEDED, resolved by the loader), and we call nothing of
# cpuinfo's or clog's, so neither is linked here (Debian ships no libcpuinfo.so link without
# libcpuinfo-dev, which this does not need).

ifeq ($(NO_LIBS)$(TARGET),x86_64)
  HAVE_XNNPACK := $(shell printf '\043include <xnnpack.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 && \
                    test -e "$$($(CC) -print-file-name=libXNNPACK.so)" && \
                    test -e "$$($(CC) -print-file-name=libpthreadpool.so)" && echo 1)
endif

# XNNPACK has no version query: the package's version (Debian: 0.0~git20220216.ae108ef-2 gives
# "git20220216.ae108ef") is handed to harness/peers/xnnpack.c for kernel_name(); "unknown" when
# the library did not come from a Debian package.
ifeq ($(HAVE_XNNPACK),1)
  XNNPACK_VERSION := $(or $(shell dpkg-query -W -f='$${Version}' libxnnpack-dev 2>/dev/null | \
                       sed -e 's/^[0-9.]*~//' -e 's/-[^-]*$$//'),unknown)
  PEER_DEFS += -DCNB_HAVE_XNNPACK=1 -DCNB_XNNPACK_VERSION='"$(XNNPACK_VERSION)"'
  PEER_LIBS += -lXNNPACK -lpthreadpool
  PEERS_FOUND_MORE += xnnpack
endif
