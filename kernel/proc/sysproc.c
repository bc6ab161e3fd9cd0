// Process system calls. Each returns a value >= 0 or -errno.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/trap/trap.h"
#include "kernel/boot/dtb.h"
#include "kernel/boot/sbi.h"
#include "kernel/procinfo.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/file.h"

int64 sys_fork(void)    { return fork(); }
int64 sys_exit(void)    { exit(argint(0)); }
int64 sys_wait(void)    { return wait(argaddr(0)); }
int64 sys_getpid(void)  { return myproc()->pid; }
int64 sys_null(void)    { return 0; }
int64 sys_procdump(void) { procdump(); return 0; }

int64 sys_sleep(void)
{
  int n = argint(0);
  if (n < 0)
    n = 0;
  acquire(&tickslock);
  uint64 start = ticks;
  while (ticks - start < (uint64)n) {
    if (killed(myproc())) {
      release(&tickslock);
      return -EINTR;
    }
    sleep((void *)&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

int64 sys_uptime(void)
{
  return ticks;
}

int64 sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  int n = argstr(0, path, MAXPATH);
  if (n < 0)
    return n;
  uint64 uargv = argaddr(1);
  int err = 0, argc = 0;
  for (;; argc++) {
    uint64 uarg;
    if (argc > MAXARG) {
      err = -E2BIG;
      break;
    }
    if ((err = fetchaddr(uargv + argc * sizeof(uint64), &uarg)) < 0)
      break;
    if (uarg == 0) {
      argv[argc] = 0;
      break;
    }
    if (!(argv[argc] = kalloc())) {
      err = -ENOMEM;
      break;
    }
    int r = fetchstr(uarg, argv[argc], PGSIZE);
    if (r < 0) {
      err = r == -ENAMETOOLONG ? -E2BIG : r;
      argc++;
      break;
    }
  }
  if (err == 0)
    err = exec(path, argv);
  for (int i = 0; i < argc && i <= MAXARG; i++)
    if (argv[i])
      kfree(argv[i]);
  return err;
}

// Power off. QEMU's sifive,test device exits with a status; SBI SRST
// (status 0 only) is the portable fallback.
int64 sys_shutdown(void)
{
  int status = argint(0);
  log_sync();   // what the file system has not committed yet
  printf("shutdown: status %d\n", status);
  if (bootinfo.test_dev) {
    volatile uint32 *dev = P2V(bootinfo.test_dev);
    *dev = status == 0 ? 0x5555 : (((uint32)status & 0xFFFF) << 16) | 0x3333;
  }
  sbi_shutdown();
}

// init cannot be killed: without it orphans are never reaped (EPERM, as
// Linux answers for pid 1).
int64 sys_kill(void)
{
  int pid = argint(0);
  if (proc_is_init(pid))
    return -EPERM;
  return kill(pid);
}

// trace(mask): from now on, print a line when a system call whose bit
// is set in mask returns (trap/syscall.c); fork copies the mask. Returns
// the previous mask.
int64 sys_trace(void)
{
  // LAB syscall: keep the mask in the process (struct proc, proc.h), return the old one
  struct proc *p = myproc();
  int old = p->tracemask;
  p->tracemask = argint(0);
  return old;
  // STUB: return -ENOSYS;
  // END LAB syscall
}

int64 sys_setpgid(void) { return setpgid(argint(0), argint(1)); }
int64 sys_getpgid(void) { return getpgid(argint(0)); }

// fd must be the console (the only terminal).
static int console_fd(int fd)
{
  if (fd < 0 || fd >= NOFILE)
    return -EBADF;
  struct file *f = myproc()->ofile[fd];
  if (!f)
    return -EBADF;
  if (f->type != FD_DEVICE || f->major != CONSOLE)
    return -ENOTTY;
  return 0;
}

// tcsetpgrp(fd, pgid): make pgid the console's foreground job (0: none).
int64 sys_tcsetpgrp(void)
{
  int err = console_fd(argint(0));
  int pgid = argint(1);
  if (err < 0)
    return err;
  if (pgid < 0)
    return -EINVAL;
  console_setfg(pgid);
  return 0;
}

int64 sys_tcgetpgrp(void)
{
  int err = console_fd(argint(0));
  return err < 0 ? err : console_getfg();
}

// procinfo(buf, n): fill buf with up to n processes; returns how many exist.
int64 sys_procinfo(void)
{
  uint64 ubuf = argaddr(0);
  int n = argint(1);
  if (n < 0)
    return -EINVAL;
  // One process at a time into a kernel copy: copyout may fault and
  // sleep, and no lock may be held then.
  int count = 0;
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    struct procinfo pi;
    memset(&pi, 0, sizeof pi);
    acquire(&p->lock);
    if (p->state == UNUSED) {
      release(&p->lock);
      continue;
    }
    pi.pid = p->pid;
    pi.pgid = p->pgid;
    pi.state = p->state == USED ? PI_USED : p->state == SLEEPING ? PI_SLEEPING :
               p->state == RUNNABLE ? PI_RUNNABLE : p->state == RUNNING ? PI_RUNNING : PI_ZOMBIE;
    safestrcpy(pi.name, p->name, sizeof pi.name);
    uint64 wchan = p->state == SLEEPING ? p->wchan : 0;
    if (p->state != ZOMBIE && p->state != USED && p->as)   // p->as is stable under p->lock
      pi.pages = __atomic_load_n(&p->as->rss, __ATOMIC_RELAXED);
    release(&p->lock);
    pi.ppid = proc_ppid(p);
    if (wchan) {
      uint64 off;
      const char *sym = symbol_name(wchan, &off);
      safestrcpy(pi.wchan, sym ? sym : "?", sizeof pi.wchan);
    }
    if (count < n && copyout(ubuf + count * sizeof pi, &pi, sizeof pi) < 0)
      return -EFAULT;
    count++;
  }
  return count;
}
