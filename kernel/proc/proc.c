// Processes: creation (fork), exit and wait, kill, process groups. The
// scheduler, sleep and wakeup are sched.c's. Each process has a kernel stack with a guard page
// below it and its trap frame at the top.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/file.h"
#include "kernel/trap/trap.h"
#include "kernel/boot/sbi.h"

struct proc proc[NPROC];
struct proc *proc_top = proc;
static struct proc *initproc;
static int nextpid = 1;
static struct spinlock pid_lock;
// Protects p->parent, and makes wakeups of waiting parents not get lost.
static struct spinlock wait_lock;
static char init_cmd[256];
static void forkret(void);
static void init_restart(int status) __attribute__((noreturn));

void procinit(void)
{
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for (int i = 0; i < NPROC; i++) {
    struct proc *p = &proc[i];
    initlock(&p->lock, "proc");
    p->state = UNUSED;
    p->slot = i;
    p->kstack = KSTACK(i);
    kvm_map_kstack(i);
    p->tf = (struct trapframe *)(p->kstack + KSTACKPAGES * PGSIZE - TF_SIZE);
  }
  tlb_boot_flush();   // the kernel stacks are the last kernel mappings made
}

static int allocpid(void)
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// An UNUSED slot, made USED, returned with p->lock held; 0 if none.
struct proc *allocproc(void)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state == UNUSED) {
      // Raise proc_top before p can be seen by anyone (it only grows).
      struct proc *top = __atomic_load_n(&proc_top, __ATOMIC_RELAXED);
      while (top <= p && !__atomic_compare_exchange_n(&proc_top, &top, p + 1, 0,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        ;
      p->pid = allocpid();
      p->state = USED;
      p->killed = 0;
      p->xstate = 0;
      p->as = 0;
      fp_forget(p);
      memset(p->tf, 0, sizeof *p->tf);
      memset(&p->context, 0, sizeof p->context);
      p->context.ra = (uint64)forkret;
      p->context.sp = (uint64)p->tf;    // the kernel stack grows down from the trap frame
      return p;
    }
    release(&p->lock);
  }
  return 0;
}

// Free a zombie's remaining state. p->lock must be held.
void freeproc(struct proc *p)
{
  if (p->as)
    as_put(p->as);
  p->as = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  p->tracemask = 0;
  p->state = UNUSED;
}

// The first process: its kernel thread mounts the root file system and
// execs /init (see forkret).
void userinit(const char *cmd)
{
  struct proc *p = allocproc();
  if (!p)
    panic("userinit");
  initproc = p;
  p->pgid = p->pid;
  if (cmd)
    safestrcpy(init_cmd, cmd, sizeof init_cmd);
  safestrcpy(p->name, "init", sizeof p->name);
  p->state = RUNNABLE;
  release(&p->lock);
}

// A new process's first scheduling lands here, still holding p->lock
// from the scheduler.
static void forkret(void)
{
  static int first = 1;
  struct proc *p = myproc();
  release(&p->lock);
  if (first) {
    // The file system needs a process context (it sleeps on the disk).
    first = 0;
    fsinit(ROOTDEV);
    p->cwd = namei("/");
    char *argv[3] = { "init", init_cmd[0] ? init_cmd : 0, 0 };
    int r = exec("/init", argv);
    if (r < 0)
      panic("exec /init failed: %d", r);
    p->tf->a0 = r;
  }
  usertrapret();
}

int fork(void)
{
  struct proc *p = myproc();
  struct proc *np = allocproc();
  if (!np)
    return -EAGAIN;
  // np is USED, so no scheduler will touch it; drop its lock because
  // copying the address space takes sleep locks (whose wakeups scan proc[]).
  release(&np->lock);
  int err = -ENOMEM;
  np->as = as_create();
  if (!np->as || (err = as_fork(p->as, np->as)) < 0 || (err = as_map_usys(np->as, np->pid)) < 0) {
    if (np->as)
      as_teardown(np->as);
    acquire(&np->lock);
    freeproc(np);
    release(&np->lock);
    return err;
  }
  *np->tf = *p->tf;
  np->tf->a0 = 0;             // fork returns 0 in the child
  np->fp_used = p->fp_used;
  memmove(np->fregs, p->fregs, sizeof p->fregs);
  np->fcsr = p->fcsr;
  for (int i = 0; i < NOFILE; i++)
    np->ofile[i] = p->ofile[i] ? filedup(p->ofile[i]) : 0;
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof np->name);
  np->pgid = p->pgid;         // a child is in its parent's job until setpgid()
  // LAB syscall: the child traces what its parent traces
  np->tracemask = p->tracemask;
  // END LAB syscall
  int pid = np->pid;

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);
  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  kick_idle();
  VMCOUNT(nfork);
  return pid;
}

// Give p's children to init. wait_lock must be held.
static void reparent(struct proc *p)
{
  for (struct proc *pp = proc, *end = proc_end(); pp < end; pp++) {
    if (pp->parent == p) {
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

void exit(int status)
{
  struct proc *p = myproc();
  if (p == initproc)
    init_restart(status);
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;
  // Give back the user memory now; the page table itself goes when the
  // last hart that has it in satp moves on (mm/aspace.c). This hart
  // moves on at once.
  as_teardown(p->as);
  as_activate_kernel();

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);
  sched();
  panic("zombie exit");
}

// Wait for a child to exit; copy its status to addr if addr != 0.
int wait(uint64 addr)
{
  struct proc *p = myproc();
  acquire(&wait_lock);
  for (;;) {
    int havekids = 0;
    for (struct proc *pp = proc, *end = proc_end(); pp < end; pp++) {
      if (pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if (pp->state == ZOMBIE) {
        int pid = pp->pid, status = pp->xstate;
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        // No locks held: copyout may fault (COW, lazy stack) and sleep.
        if (addr && copyout(addr, &status, sizeof status) < 0)
          return -EFAULT;
        return pid;
      }
      release(&pp->lock);
    }
    if (!havekids) {
      release(&wait_lock);
      return -ECHILD;
    }
    if (killed(p)) {
      release(&wait_lock);
      return -EINTR;
    }
    sleep(p, &wait_lock);
  }
}

int kill(int pid)
{
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED) {
      // A zombie is still a process (POSIX); killing it changes nothing.
      p->killed = 1;
      int woke = p->state == SLEEPING;
      if (woke)
        p->state = RUNNABLE;
      release(&p->lock);
      if (woke)
        kick_idle();
      return 0;
    }
    release(&p->lock);
  }
  return -ESRCH;
}

// The one-line report of a process the kernel kills.
void proc_kill_report(struct proc *p, const char *cause, uint64 addr, uint64 pc)
{
  printf("pid %d (%s): %s at 0x%lx, pc 0x%lx: killed\n", p->pid, p->name, cause, addr, pc);
  setkilled(p);
}

// ^P: the process list. No locks: it must work when the kernel is wedged.
void procdump(void)
{
  static const char *states[] = {
    [UNUSED] "unused", [USED] "used", [SLEEPING] "sleep ",
    [RUNNABLE] "runble", [RUNNING] "run   ", [ZOMBIE] "zombie"
  };
  printf("\n");
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    if (p->state == UNUSED)
      continue;
    printf("%d %s %s\n", p->pid, states[p->state], p->name);
  }
}

// ---------------------------------------------------------------- init
// init must never go away: every orphan is given to it, and without it
// nobody would wait for them or start a shell. If it exits anyway (a
// fault, a bug, a damaged binary), report it in one line and run /init
// again in the same process: same pid 1, same children, a fresh image.
// If /init cannot be run, the static rescue shell is the last resort.
static void init_restart(int status)
{
  struct proc *p = myproc();
  static int restarts;
  printf("init: exited with status %d; restarting /init (restart %d)\n", status, ++restarts);
  acquire(&p->lock);
  p->killed = 0;
  release(&p->lock);
  char *argv[3] = { "init", "--restarted", 0 };
  int r = exec("/init", argv);
  if (r >= 0) {
    // The new init opens the console as fds 0-2 itself.
    for (int fd = 0; fd < NOFILE; fd++) {
      if (p->ofile[fd]) {
        fileclose(p->ofile[fd]);
        p->ofile[fd] = 0;
      }
    }
  } else {
    // The rescue shell keeps init's descriptors: the console.
    printf("init: cannot run /init (error %d); running /rescue/sh\n", r);
    char *rargv[2] = { "/rescue/sh", 0 };
    r = exec("/rescue/sh", rargv);
    if (r < 0)
      panic("init died and neither /init nor /rescue/sh can run: %d", r);
  }
  p->tf->a0 = r;
  usertrapret();
  panic("init_restart");
}

int proc_is_init(int pid)
{
  return initproc && initproc->pid == pid;
}

// ---------------------------------------------------------------- jobs
// A process group is the set of processes of one job (a pipeline); the
// shell makes one with setpgid() and tells the console which one is in
// the foreground (tcsetpgrp). ^C kills that group: every member, never
// init. Returns the number of processes killed.
int kill_pgrp(int pgid)
{
  int n = 0;
  if (pgid <= 0)
    return 0;
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    acquire(&p->lock);
    if (p->state != UNUSED && p->state != ZOMBIE && p->pgid == pgid && p != initproc) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;
      n++;
    }
    release(&p->lock);
  }
  if (n)
    kick_idle();
  return n;
}

// POSIX setpgid, minimal: pid 0 is the caller, pgid 0 means pgid = pid;
// the caller may move itself or one of its children.
int setpgid(int pid, int pgid)
{
  struct proc *me = myproc();
  if (pid < 0 || pgid < 0)
    return -EINVAL;
  if (pid == 0)
    pid = me->pid;
  if (pgid == 0)
    pgid = pid;
  int err = -ESRCH;
  acquire(&wait_lock);
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    if (p->pid != pid || (p != me && p->parent != me))
      continue;
    acquire(&p->lock);
    if (p->state != UNUSED && p->state != ZOMBIE) {
      p->pgid = pgid;
      err = 0;
    }
    release(&p->lock);
    break;
  }
  release(&wait_lock);
  return err;
}

int getpgid(int pid)
{
  if (pid == 0)
    pid = myproc()->pid;
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED) {
      int g = p->pgid;
      release(&p->lock);
      return g;
    }
    release(&p->lock);
  }
  return -ESRCH;
}

// The parent's pid (0 if none), read under wait_lock.
int proc_ppid(struct proc *p)
{
  acquire(&wait_lock);
  int ppid = p->parent ? p->parent->pid : 0;
  release(&wait_lock);
  return ppid;
}
