// kill PID...: kill processes. A killed process exits with status -1.
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2) {
    fprintf(2, "usage: kill PID...\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *p = argv[i];
    int ok = *p != 0;
    for (; *p; p++)
      if (*p < '0' || *p > '9')
        ok = 0;
    if (!ok) {
      fprintf(2, "kill: %s: not a process id\n", argv[i]);
      status = 1;
      continue;
    }
    if (kill(atoi(argv[i])) < 0) {
      fprintf(2, "kill: %s: %s\n", argv[i], strerror(errno));
      status = 1;
    }
  }
  return status;
}
