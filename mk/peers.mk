# Peer libraries (oneDNN, OpenBLAS, BLIS): filled in by the peers issue.
