// rm FILE...: remove directory entries (an empty directory too).
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2) {
    fprintf(2, "usage: rm FILE...\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (unlink(argv[i]) < 0) {
      fprintf(2, "rm: cannot remove %s: %s\n", argv[i], strerror(errno));
      status = 1;
    }
  }
  return status;
}
