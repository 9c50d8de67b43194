/* A small table-driven test runner: each test is a function registered in tests/main.c; CHECK
 * prints one line a person can act on and counts the failure. */
#ifndef CNB_TESTS_TEST_H
#define CNB_TESTS_TEST_H

#include <stdio.h>

extern int cnb_test_failures;

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            cnb_test_failures++;                                                  \
            printf("  FAIL %s:%d: ", __FILE__, __LINE__);                         \
            printf(__VA_ARGS__);                                                  \
            printf("\n");                                                         \
        }                                                                         \
    } while (0)

typedef struct cnb_test { const char *name; void (*fn)(void); } cnb_test;

/* The sizes around a tile dimension t, for the edge sweeps: t−1, t, t+1, 2t−1, 2t+1 (those ≥ 1),
 * into out (5 slots). Returns the count. */
static inline int cnb_test_around(int t, int *out)
{
    const int c[] = {t - 1, t, t + 1, 2 * t - 1, 2 * t + 1};
    int n = 0;
    for (int i = 0; i < 5; i++)
        if (c[i] >= 1 && (n == 0 || c[i] != out[n - 1])) out[n++] = c[i];
    return n;
}

#endif
