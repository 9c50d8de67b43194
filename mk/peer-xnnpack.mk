# xnnpack as a peer (harness/peers/xnnpack.c): Debian's libxnnpack-dev (with libpthreadpool-dev).
# Sets HAVE_XNNPACK := 1 and adds -DCNB_HAVE_XNNPACK=1 to PEER_DEFS, its libraries to PEER_LIBS and
# `xnnpack` to PEERS_FOUND_MORE when the header and library are found. Included by mk/peers.mk.
