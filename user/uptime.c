// uptime: time since boot, in timer ticks (10 a second) and seconds.
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  if (argc > 1) {
    fprintf(2, "usage: uptime\n");
    return 1;
  }
  int t = uptime();
  printf("%d ticks (%d.%d s)\n", t, t / 10, t % 10);
  return 0;
}
