#ifndef PAGODA_SPINLOCK_H
#define PAGODA_SPINLOCK_H
#include "kernel/types.h"
#include "kernel/lib/cpu.h"
// Mutual exclusion lock; interrupts stay off on this hart while it is held.
struct spinlock {
  uint locked;
  const char *name;
  struct cpu *cpu;   // the hart holding the lock
#ifdef LOCKDEBUG
  int rank;          // place in the lock order (lib/lockorder.c)
#endif
};

void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);

// Does this hart hold lk? Inline: assertions call it in per-page loops.
static inline int holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}
#endif
