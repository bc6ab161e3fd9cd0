// pmap [PID]: print the memory regions of process PID (default: pmap
// itself), one per line, like Linux's /proc/PID/maps:
//
//   start-end perms resident shared offset inode name
//
//   perms     r/w/x rights, then s (shared) or p (private)
//   resident  pages of the region present in the page table
//   shared    of those, frames mapped by more than one address space
//   offset    offset of the region in its file or shm object (hex)
//   inode     inode of a file region, 0 otherwise
//   name      [text], [data], [heap], [stack], a file or shm name
//
// A last line gives the totals.
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define MAXREGIONS 4096

int
main(int argc, char *argv[])
{
  int pid;

  if (argc > 2) {
    fprintf(2, "usage: pmap [PID]\n");
    return 1;
  }
  if (argc == 2) {
    const char *p = argv[1];
    int ok = *p != 0;
    for (; *p; p++)
      if (*p < '0' || *p > '9')
        ok = 0;
    if (!ok) {
      fprintf(2, "pmap: %s: not a process id\n", argv[1]);
      return 1;
    }
    pid = atoi(argv[1]);
  } else {
    pid = getpid();
  }

  // Ask for the regions; if the buffer may have been too small, retry
  // with a bigger one.
  struct vmregion *r = 0;
  int cap = 32, n;
  for (;;) {
    r = malloc(cap * sizeof(struct vmregion));
    if (r == 0) {
      fprintf(2, "pmap: out of memory\n");
      return 1;
    }
    n = vmmap(pid, r, cap);
    if (n < 0) {
      fprintf(2, "pmap: %d: %s\n", pid, strerror(errno));
      return 1;
    }
    if (n < cap || cap >= MAXREGIONS)
      break;
    free(r);
    cap *= 2;
  }
  if (n > cap)
    n = cap;

  unsigned long total = 0, resident = 0, shared = 0;
  for (int i = 0; i < n; i++) {
    struct vmregion *v = &r[i];
    char perms[5];
    perms[0] = (v->prot & VMR_READ) ? 'r' : '-';
    perms[1] = (v->prot & VMR_WRITE) ? 'w' : '-';
    perms[2] = (v->prot & VMR_EXEC) ? 'x' : '-';
    perms[3] = (v->prot & VMR_SHARED) ? 's' : 'p';
    perms[4] = 0;

    char name[sizeof(v->name) + 1];
    memmove(name, v->name, sizeof(v->name));
    name[sizeof(v->name)] = 0;

    printf("%08lx-%08lx %s %5u %5u %08lx %5u %s\n", v->start, v->end, perms,
           v->resident, v->shared, v->offset, v->ino,
           name[0] ? name : "[anon]");
    total += v->end - v->start;
    resident += v->resident;
    shared += v->shared;
  }
  printf("total %luK mapped, %lu pages resident, %lu shared, %d regions\n",
         total / 1024, resident, shared, n);
  free(r);
  return 0;
}
