#ifndef PAGODA_PROC_H
#define PAGODA_PROC_H
// Processes: struct proc, creation, exit, wait, exec. The scheduler core
// is proc/sched.h; per-hart state lib/cpu.h.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/lockorder.h"
#include "kernel/proc/sched.h"

// Saved user registers. The slot of register xN is at offset 8*N; slot 0
// (x0 is always zero) holds sepc. The trap frame lives at the top of the
// process's kernel stack; trap/trapvec.S knows this layout.
struct trapframe {
  uint64 epc;
  uint64 ra, sp, gp, tp, t0, t1, t2, s0, s1;
  uint64 a0, a1, a2, a3, a4, a5, a6, a7;
  uint64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
  uint64 t3, t4, t5, t6;
  uint64 sstatus;     // offset 256
  uint64 kernel_tp;   // offset 264: this hart's struct cpu *, reloaded on entry
};
#define TF_SIZE 288   // bytes the frame takes on the stack (16-byte aligned)
// trap/trapvec.S hard-codes these offsets.
_Static_assert(__builtin_offsetof(struct trapframe, ra) == 8 * 1, "trapframe: x1 at 8");
_Static_assert(__builtin_offsetof(struct trapframe, t6) == 8 * 31, "trapframe: x31 at 248");
_Static_assert(__builtin_offsetof(struct trapframe, sstatus) == 256, "trapframe: sstatus at 256");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_tp) == 264, "trapframe: kernel_tp at 264");
_Static_assert(sizeof(struct trapframe) <= TF_SIZE && TF_SIZE % 16 == 0, "trapframe size");

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
  struct spinlock lock;
  // p->lock must be held for these:
  enum procstate state;
  void *chan;                 // sleeping on chan
  int killed;                 // written under p->lock; killed() reads it without
  int xstate;                 // exit status for the parent's wait
  int pid;
  int pgid;                   // process group (job); ^C kills the console's foreground group
  uint64 wchan;               // while SLEEPING: the pc that called sleep() (for ps)

  struct proc *parent;        // wait_lock must be held

  // private to the process, no lock needed:
  int slot;                   // index in proc[]; picks the kernel stack
  uint64 kstack;              // lowest address of the kernel stack
  struct trapframe *tf;       // at the top of the kernel stack
  struct context context;
  struct aspace *as;          // user address space
  struct file *ofile[NOFILE];
  struct inode *cwd;
  char name[16];
  int tracemask;              // system calls to trace, bit N for number N (trace(), the syscall lab)

  // floating point: off until first use, then saved on trap when dirty
  int fp_used;
  struct cpu *fp_cpu;         // hart whose f-registers hold our state
  uint64 fregs[32];
  uint64 fcsr;
#ifdef LOCKDEBUG
  struct ldthread ld;         // sleep locks and log reservations held (lib/lockorder.c)
#endif
};

extern struct proc proc[NPROC];
extern struct proc *proc_top;     // one past the highest slot ever used (proc.c)

// Where a scan of the process table may stop: no slot at or above it has
// ever been used. Slots are taken lowest first, so with a few processes
// the scheduler's and wakeup's scans touch a few slots, not the whole
// table (41 KiB, whose pages each need a TLB refill after every switch
// of address space).
static inline struct proc *proc_end(void)
{
  return __atomic_load_n(&proc_top, __ATOMIC_ACQUIRE);
}

// proc.c
void procinit(void);
void userinit(const char *cmd);
int  fork(void);
void exit(int status) __attribute__((noreturn));
int  wait(uint64 addr);
int  kill(int pid);
struct proc *allocproc(void);
void freeproc(struct proc *p);
void proc_kill_report(struct proc *p, const char *cause, uint64 addr, uint64 pc);
// process groups and ps (proc.c, the end of the file; procdump and
// kill_pgrp, which the console calls, are declared in dev/dev.h)
int  setpgid(int pid, int pgid);
int  getpgid(int pid);
int  proc_ppid(struct proc *p);
int  proc_is_init(int pid);
void swtch(struct context *old, struct context *new);

// fp.c
void fp_trap_enter(struct proc *p);
uint64 fp_trap_exit(struct proc *p);
int  fp_first_use(struct proc *p);
void fp_forget(struct proc *p);

// oom.c
void oominit(void);
int  oom(struct proc *self);

// exec.c
int  exec(char *path, char **argv);

extern volatile uint64 ticks;
extern struct spinlock tickslock;
#endif
