// Spinlocks. Interrupts are off while a hart holds any spinlock, so an
// interrupt handler on the same hart can never deadlock against it.
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/lockorder.h"
#include "kernel/proc/proc.h"
#include "kernel/riscv.h"

void initlock(struct spinlock *lk, const char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
#ifdef LOCKDEBUG
  lk->rank = lockorder_rank(name, 0);
#endif
}

void acquire(struct spinlock *lk)
{
  push_off();
  if (holding(lk))
    panic("acquire: %s already held", lk->name);
  lockdebug_acquire(lk);
  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  __sync_synchronize();   // critical section's accesses stay after the lock
  lk->cpu = mycpu();
}

void release(struct spinlock *lk)
{
  if (!holding(lk))
    panic("release: %s not held", lk->name);
  lockdebug_release(lk);
  lk->cpu = 0;
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

int holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

// push_off/pop_off nest like intr_off/intr_on; interrupts come back on only
// when the outermost pop_off finds they were on at the outermost push_off.
void push_off(void)
{
  int old = intr_get();
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
