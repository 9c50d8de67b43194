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

#endif
