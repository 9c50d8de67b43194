/* The rule for a `--threads` value, one for every command: thread counts are whole numbers from 1
 * to the processing units this process may run on (one worker pinned per unit), each given once.
 * Bad input stops with one line naming the problem and exit status 2. */
#ifndef CNB_HARNESS_THREADS_ARG_H
#define CNB_HARNESS_THREADS_ARG_H

/* A comma-separated list ("1,2") into out[0..max): returns the count (at least 1). */
int cnb_threads_list(const char *list, int *out, int max);
/* A single thread count (check's --threads N). */
int cnb_threads_one(const char *value);

#endif
