// Spinlocks. No interrupt handler runs on a hart while it holds any
// spinlock (push_off defers interrupts, lib/cpu.c), so a handler on the
// same hart can never deadlock against it.
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/lockorder.h"
#include "kernel/lib/cpu.h"
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
