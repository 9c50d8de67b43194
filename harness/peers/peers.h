/* Which peer libraries this binary was built with, and which ones this machine has installed but
 * the binary lacks (a build older than the install): for the bench header, the CSV's `peers`
 * column and the warning that a row the user expects is missing. */
#ifndef CNB_HARNESS_PEERS_PEERS_H
#define CNB_HARNESS_PEERS_PEERS_H

#include <stdio.h>

/* The peers built in, space-separated in dispatch order ("onednn openblas blis"); "" for none. */
const char *cnb_peers_built(void);

/* One line on f for each peer whose Debian development package is installed on this machine but
 * that this binary was built without; returns how many. */
int cnb_peers_warn_missing(FILE *f);

#endif
