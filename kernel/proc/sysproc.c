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

int64 sys_fork(void)    { return fork(); }
int64 sys_exit(void)    { exit(argint(0)); }
int64 sys_wait(void)    { return wait(argaddr(0)); }
int64 sys_kill(void)    { return kill(argint(0)); }
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
  printf("shutdown: status %d\n", status);
  if (bootinfo.test_dev) {
    volatile uint32 *dev = P2V(bootinfo.test_dev);
    *dev = status == 0 ? 0x5555 : (((uint32)status & 0xFFFF) << 16) | 0x3333;
  }
  sbi_shutdown();
}
