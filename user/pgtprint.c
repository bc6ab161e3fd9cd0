// pgtprint [PID]: print a process's page table (default: its own), as
// the kernel's pgtprint system call describes it (kernel/mm/ptdump.c):
// one line per valid entry, indented by level; leaves with their rights
// and the reference count of their frame (above 1: shared).
#include "kernel/types.h"
#include "user/user.h"

static char buf[64 * 1024];

int
main(int argc, char *argv[])
{
  int pid = argc > 1 ? atoi(argv[1]) : 0;
  int n = pgtprint(pid, buf, sizeof buf);
  if (n < 0) {
    fprintf(2, "pgtprint: %s\n", strerror(errno));
    exit(1);
  }
  if (n > (int)sizeof buf) {
    fprintf(2, "pgtprint: %d bytes, only %d shown\n", n, (int)sizeof buf);
    n = sizeof buf;
  }
  write(1, buf, n);
  exit(0);
}
