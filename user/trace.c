// trace MASK CMD [ARG...]: run CMD with system-call tracing on. Bit N of
// MASK traces system call N (kernel/syscall.h): the kernel prints
// "PID: syscall NAME -> RETURN" as each such call returns, in CMD and in
// every process it forks. trace 2147483647 CMD traces calls 1-30.
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  if (argc < 3 || argv[1][0] < '0' || argv[1][0] > '9') {
    fprintf(2, "usage: trace MASK CMD [ARG...]\n");
    exit(1);
  }
  if (trace(atoi(argv[1])) < 0) {
    fprintf(2, "trace: %s\n", strerror(errno));
    exit(1);
  }
  exec(argv[2], &argv[2]);
  fprintf(2, "trace: exec %s: %s\n", argv[2], strerror(errno));
  exit(1);
}
