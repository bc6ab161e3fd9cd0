// shutdown [STATUS]: power the machine off. Under QEMU, QEMU exits with
// STATUS (default 0).
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc > 2) {
    fprintf(2, "usage: shutdown [STATUS]\n");
    return 1;
  }
  if (argc == 2) {
    const char *p = argv[1];
    if (*p == '-' || *p == '+')
      p++;
    int ok = *p != 0;
    for (; *p; p++)
      if (*p < '0' || *p > '9')
        ok = 0;
    if (!ok) {
      fprintf(2, "shutdown: %s: not a number\n", argv[1]);
      return 1;
    }
    status = atoi(argv[1]);
  }
  shutdown(status);
  fprintf(2, "shutdown: %s\n", strerror(errno));
  return 1;
}
