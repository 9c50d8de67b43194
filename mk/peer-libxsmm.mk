# libxsmm as a peer (harness/peers/libxsmm.c): Debian's libxsmm-dev.
# Sets HAVE_LIBXSMM := 1 and adds -DCNB_HAVE_LIBXSMM=1 to PEER_DEFS, its libraries to PEER_LIBS and
# `libxsmm` to PEERS_FOUND_MORE when the header and library are found. Included by mk/peers.mk.
