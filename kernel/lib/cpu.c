// Per-hart state, and the interrupt-disable nesting that spin locks use.
#include "kernel/lib/cpu.h"
#include "kernel/lib/klib.h"
#include "kernel/riscv.h"

struct cpu cpus[NCPU];
int ncpu;

// Spin locks need interrupts off on their hart (an interrupt handler
// could want the same lock), but turning them off and on costs two CSR
// writes per lock, and under QEMU each CSR access leaves the translated
// code. So push_off only counts, and interrupts are put off lazily: one
// that arrives while the count is above 0 finds it so in kerneltrap,
// which sets deferred and returns with interrupts off (its source keeps
// it pending: the timer until the next sbi_set_timer, an IPI until sip
// is cleared, a device until the PLIC claim). The outermost pop_off sees
// deferred and turns interrupts on, and the interrupt is taken then.
// Nothing touches sstatus unless an interrupt actually came.
//
// Invariant: while this hart takes interrupts, its depth is 0. So code
// that reads a depth above 0 cannot be moved to another hart until it
// pops to 0, and code that runs on a hart at depth 0 finds deferred 0.
// The fields are read and written relative to tp, one instruction each,
// where a move to another hart could come in between.

void push_off(void)
{
  // A move in between happens only at depth 0 and lands on a hart at
  // depth 0: the increment is right wherever the store goes.
  int t;
  asm volatile("lw %0, %1(tp)\n\taddi %0, %0, 1\n\tsw %0, %1(tp)"
               : "=&r"(t) : "i"(__builtin_offsetof(struct cpu, noff)) : "memory");
}

void pop_off(void)
{
  struct cpu *c = mycpu();     // depth above 0: we stay on this hart
  if (c->noff < 1)
    panic("pop_off: not pushed");
  int n = c->noff - 1;
  c->noff = n;
  if (n > 0)
    return;
  // From the store above an interrupt is taken (and may move us), unless
  // one was deferred: then interrupts are off and we are still here.
  int d;
  asm volatile("lw %0, %1(tp)" : "=r"(d) : "i"(__builtin_offsetof(struct cpu, deferred)) : "memory");
  if (d) {
    c->deferred = 0;
    intr_on();
  }
}

// Is this hart protected from interrupt handlers: inside push_off, or
// with interrupts off? For assertions.
int intr_masked(void)
{
  int noff;
  asm volatile("lw %0, %1(tp)" : "=r"(noff) : "i"(__builtin_offsetof(struct cpu, noff)));
  return noff > 0 || !intr_get();
}
