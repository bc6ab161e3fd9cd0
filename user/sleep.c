// sleep TICKS: pause for that many timer ticks (10 a second).
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  if (argc != 2) {
    fprintf(2, "usage: sleep ticks\n");
    exit(1);
  }
  if (sleep(atoi(argv[1])) < 0) {
    fprintf(2, "sleep: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}
