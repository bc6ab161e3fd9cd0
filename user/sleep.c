// sleep SECONDS: pause for that many seconds, like POSIX sleep; a
// fraction is allowed (sleep 0.5). The kernel counts in timer ticks, 10
// a second, so the time is rounded up to a whole tick. Ticks since boot:
// uptime.
#include "kernel/types.h"
#include "user/user.h"

#define HZ 10   // timer ticks a second (TICK_INTERVAL in kernel/trap/trap.c)

// SECONDS as ticks, rounded up; -1 if it is not a non-negative decimal
// number or is too large.
static long
parse_ticks(const char *s)
{
  long whole = 0, frac = 0, scale = 1;
  const char *p = s;
  int digits = 0;

  for (; *p >= '0' && *p <= '9'; p++, digits++) {
    whole = whole * 10 + (*p - '0');
    if (whole > 100000000L)
      return -1;
  }
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
      if (scale < 1000000000L) {
        frac = frac * 10 + (*p - '0');
        scale *= 10;
      }
    }
  }
  if (*p != 0 || digits == 0)
    return -1;
  long ticks = whole * HZ + (frac * HZ + scale - 1) / scale;
  return ticks > 0x7fffffffL ? -1 : ticks;
}

int
main(int argc, char *argv[])
{
  if (argc != 2) {
    fprintf(2, "usage: sleep SECONDS  (a fraction is allowed: sleep 0.5)\n");
    exit(1);
  }
  long ticks = parse_ticks(argv[1]);
  if (ticks < 0) {
    fprintf(2, "sleep: invalid time interval '%s'\n", argv[1]);
    exit(1);
  }
  if (sleep((int)ticks) < 0) {
    fprintf(2, "sleep: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}
