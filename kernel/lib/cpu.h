#ifndef PAGODA_CPU_H
#define PAGODA_CPU_H
// Per-hart state. tp holds a pointer to this hart's struct cpu while in
// the kernel. The bottom layer: what it points to (the running process,
// the address space in satp) is opaque here.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/lockorder.h"

// Callee-saved registers for kernel context switches (proc/swtch.S).
struct context {
  uint64 ra, sp;
  uint64 s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

struct proc;
struct aspace;
struct spinlock;
struct cpu {
  struct proc *proc;          // running process, or null
  struct context context;     // swtch() here to enter scheduler()
  int noff;                   // depth of push_off() nesting
  int deferred;               // an interrupt came under push_off; interrupts are off until pop_off
  int hartid;                 // the SBI hart id
  int started;
  struct proc *fpowner;       // whose f-registers this hart holds
  uint64 asid_gen;            // TLB generation this hart has flushed to (mm/tlb.c)
  struct aspace *as;          // the space in satp; holds a reference (mm/aspace.c)
  int idle;                   // 0, IDLE_POLL or IDLE_WFI (proc/sched.c: scheduler)
  int kick;                   // processes woken here, idle harts not yet told (wakeup)
#ifdef LOCKDEBUG
  struct spinlock *ld_spin[LD_NSPIN];   // spin locks this hart holds (lib/lockorder.c)
  int ld_nspin;
  struct ldthread *ld;        // the running process's sleep locks (proc/sched.c sets it)
#endif
};

#define IDLE_POLL 1           // idle, watching the process table: it sees new work
#define IDLE_WFI  2           // idle in wfi: kick_idle wakes it with an IPI

extern struct cpu cpus[NCPU];
extern int ncpu;              // harts found in the device tree

static inline struct cpu *mycpu(void)
{
  struct cpu *c;
  asm volatile("mv %0, tp" : "=r"(c));
  return c;
}

// This hart's id. Stable only while interrupts are off (or a lock is held).
static inline int cpuid(void)
{
  return mycpu()->hartid;
}

// push_off/pop_off nest like intr_off/intr_on: between them this hart
// runs no interrupt handler and so cannot move to another hart (cpu.c).
void push_off(void);
void pop_off(void);
int  intr_masked(void);
#endif
