// pmap [PID | -a]: print the memory regions of process PID (default: pmap
// itself), one per line, like Linux's /proc/PID/maps; -a: of every live
// process, each table after a line "== pid N (name) ==" (tools/vmdraw
// draws such output):
//
//   start-end perms resident shared offset inode name
//
//   perms     r/w/x rights, then s (shared) or p (private)
//   resident  pages of the region present in the page table
//   shared    of those, frames mapped by more than one address space
//   offset    offset of the region in its file or shm object (hex)
//   inode     inode of a file region, 0 otherwise
//   name      [text], [data], [heap], [stack] (the program's own), a file
//             (a library: libc.so) or shm name; the dynamic loader's
//             regions, which exec maps and names like the program's, are
//             shown as ld.so (its bss as "ld.so [bss]")
//
// A header row comes first; a last line gives the totals.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/vmstat.h"
#include "kernel/param.h"
#include "kernel/procinfo.h"
#include "user/user.h"

#define LDSO "/lib/ld.so"

#define MAXREGIONS 4096

static int show(int pid);

static struct procinfo pi[NPROC];

// Every live process, in the order procinfo lists them.
static int
show_all(void)
{
  int n = procinfo(pi, NPROC);
  if (n < 0) {
    fprintf(2, "pmap: procinfo: %s\n", strerror(errno));
    return 1;
  }
  if (n > NPROC)
    n = NPROC;
  int status = 0;
  for (int i = 0; i < n; i++) {
    if (pi[i].state == PI_ZOMBIE || pi[i].state == PI_USED)
      continue;
    printf("== pid %d (%s) ==\n", pi[i].pid, pi[i].name);
    if (show(pi[i].pid) != 0)
      status = 1;
  }
  return status;
}

int
main(int argc, char *argv[])
{
  int pid;

  if (argc > 2) {
    fprintf(2, "usage: pmap [PID | -a]\n");
    return 1;
  }
  if (argc == 2 && strcmp(argv[1], "-a") == 0)
    return show_all();
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
  return show(pid);
}

// Print the regions of process pid; 0 if it could.
static int
show(int pid)
{
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
      free(r);
      return 1;
    }
    if (n < cap || cap >= MAXREGIONS)
      break;
    free(r);
    cap *= 2;
  }
  if (n > cap)
    n = cap;

  // ld.so's file regions carry its inode number.
  struct stat ldst;
  uint ldino = stat(LDSO, &ldst) == 0 ? ldst.ino : 0;
  unsigned long ldend = 0;     // end of ld.so's last file region seen

  printf("%-8s-%-8s %-4s %5s %5s %-8s %5s %s\n", "START", "END", "PERM", "RES", "SHR",
         "OFFSET", "INODE", "NAME");
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

    const char *label = name[0] ? name : "[anon]";
    if (ldino && v->ino == ldino) {
      label = "ld.so";
      ldend = v->end;
    } else if (ldend && v->start == ldend && v->ino == 0 && strcmp(name, "[bss]") == 0) {
      label = "ld.so [bss]";
    }
    printf("%08lx-%08lx %s %5u %5u %08lx %5u %s\n", v->start, v->end, perms,
           v->resident, v->shared, v->offset, v->ino, label);
    total += v->end - v->start;
    resident += v->resident;
    shared += v->shared;
  }
  printf("total %luK mapped, %lu page%s resident, %lu shared, %d region%s\n",
         total / 1024, resident, resident == 1 ? "" : "s", shared, n, n == 1 ? "" : "s");
  free(r);
  return 0;
}
