/*
** check.h -- the C unit tests' check: CHECK(cond, fmt, ...) counts a pass,
** or counts a failure and prints where and why.  The test's main prints
** `passed` and `failed` and returns failed != 0.
*/
#ifndef ORC_SPEC_CHECK_H
#define ORC_SPEC_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...) do {                                        \
    if (cond) passed++;                                              \
    else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__);     \
           printf(__VA_ARGS__); printf("\n"); }                      \
  } while (0)

#endif
