// Per-hart state, and the interrupt-disable nesting that spin locks use.
#include "kernel/lib/cpu.h"
#include "kernel/lib/klib.h"
#include "kernel/riscv.h"

struct cpu cpus[NCPU];
int ncpu;

// Interrupts come back on only when the outermost pop_off finds they were
// on at the outermost push_off. Under QEMU every CSR access is a call out
// of the translated code, and a write also ends the translated block, so
// the outermost push_off and pop_off touch sstatus once each and nested
// ones not at all (nested locks are common).
void push_off(void)
{
  // One load relative to tp, as in myproc: a move to another hart comes
  // before or after it. Interrupts on implies depth 0 on the hart we run
  // on, so a depth above 0 means interrupts are off and stay off: we
  // pushed it ourselves.
  int noff;
  asm volatile("lw %0, %1(tp)" : "=r"(noff) : "i"(__builtin_offsetof(struct cpu, noff)));
  struct cpu *c;
  if (noff == 0) {
    int old = (csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE) != 0;
    c = mycpu();
    c->intena = old;
  } else {
    c = mycpu();
  }
  c->noff++;
}

void pop_off(void)
{
  struct cpu *c = mycpu();
#ifdef LOCKDEBUG
  if (intr_get())
    panic("pop_off: interruptible");
#endif
  if (c->noff < 1)
    panic("pop_off: not pushed");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
