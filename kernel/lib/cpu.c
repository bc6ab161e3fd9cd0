// Per-hart state, and the interrupt-disable nesting that spin locks use.
#include "kernel/lib/cpu.h"
#include "kernel/lib/klib.h"
#include "kernel/riscv.h"

struct cpu cpus[NCPU];
int ncpu;

// Interrupts come back on only when the outermost pop_off finds they were
// on at the outermost push_off. sstatus is written only when interrupts
// were on: under QEMU every CSR write ends the translated block, and
// nested locks are common.
void push_off(void)
{
  int old = intr_get();
  if (old)
    intr_off();
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = old;
  c->noff++;
}

void pop_off(void)
{
  struct cpu *c = mycpu();
  if (intr_get())
    panic("pop_off: interruptible");
  if (c->noff < 1)
    panic("pop_off: not pushed");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
