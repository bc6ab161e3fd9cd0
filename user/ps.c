// ps: list the processes.
//
//   PID  PPID  PGID STATE    PAGES NAME       WAIT
//
//   PGID   process group (job); ^C kills the console's foreground group
//   STATE  run (on a hart), ready (runnable), sleep, zombie, new
//   PAGES  user pages present in its page table (shared ones included)
//   WAIT   for a sleeping process, the kernel function it sleeps in:
//          sys_sleep (sleep), wait (a child), consoleread (the console),
//          piperead / pipewrite, acquiresleep (a lock, e.g. an inode),
//          begin_op (the file system log), virtio_disk_rw (the disk)
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/procinfo.h"
#include "user/user.h"

static struct procinfo pi[NPROC];

int
main(int argc, char *argv[])
{
  static const char *states[] = {
    [PI_USED] = "new", [PI_SLEEPING] = "sleep", [PI_RUNNABLE] = "ready",
    [PI_RUNNING] = "run", [PI_ZOMBIE] = "zombie",
  };

  if (argc > 1) {
    fprintf(2, "usage: ps\n");
    return 1;
  }
  int n = procinfo(pi, NPROC);
  if (n < 0) {
    fprintf(2, "ps: procinfo: %s\n", strerror(errno));
    return 1;
  }
  if (n > NPROC)
    n = NPROC;
  printf("  PID  PPID  PGID STATE  PAGES NAME             WAIT\n");
  for (int i = 0; i < n; i++) {
    struct procinfo *p = &pi[i];
    const char *st = p->state >= PI_USED && p->state <= PI_ZOMBIE ? states[p->state] : "?";
    printf("%5d %5d %5d %-6s %5lu %-16s %s\n", p->pid, p->ppid, p->pgid, st,
           p->pages, p->name, p->wchan);
  }
  return 0;
}
