// The host unit tests' one assertion: CHECK(cond, fmt, ...) prints the
// test's name (UNIT_NAME, defined before including this), the line and
// the message when cond is false, and counts the failure; main returns
// failures != 0.
#include <stdio.h>

static int failures;

#define CHECK(cond, ...) do {                                    \
    if (!(cond)) {                                               \
      printf("%s: FAIL line %d: ", UNIT_NAME, __LINE__);         \
      printf(__VA_ARGS__);                                       \
      printf("\n");                                              \
      failures++;                                                \
    }                                                            \
  } while (0)
