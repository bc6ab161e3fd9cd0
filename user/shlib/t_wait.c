// t_wait: a dynamically linked program (libc.so only) that says "ready"
// and waits for EOF on stdin. dyntests runs twenty at once to see that
// they share libc's text.
#include "kernel/types.h"
#include "user/user.h"

static char line[64];

int
main(int argc, char **argv)
{
  char c;
  snprintf(line, sizeof(line), "ready %d\n", getpid());
  // One write: the lines of twenty processes must not mix.
  if (write(1, line, strlen(line)) < 0)
    exit(1);
  while (read(0, &c, 1) == 1)
    ;
  exit(0);
}
