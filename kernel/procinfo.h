#ifndef PAGODA_PROCINFO_H
#define PAGODA_PROCINFO_H
// procinfo(buf, n): one struct per process, for ps. Returns the number of
// processes (which may exceed n: then only n were filled).

#define PI_USED     1   // being created
#define PI_SLEEPING 2
#define PI_RUNNABLE 3
#define PI_RUNNING  4
#define PI_ZOMBIE   5

struct procinfo {
  int pid;
  int ppid;                   // 0: none
  int pgid;                   // process group (job)
  int state;                  // PI_*
  unsigned long pages;        // user pages present in its page table
  char name[16];
  char wchan[24];             // while sleeping: the kernel function that waits
};
#endif
