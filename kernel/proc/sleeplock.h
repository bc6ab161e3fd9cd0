#ifndef PAGODA_SLEEPLOCK_H
#define PAGODA_SLEEPLOCK_H
#include "kernel/lib/spinlock.h"
// Long-term lock: the holder may sleep (disk I/O) while holding it.
struct sleeplock {
  uint locked;
  struct spinlock lk;
  const char *name;
  int pid;
  int waiters;       // processes asleep in acquiresleep (lk)
#ifdef LOCKDEBUG
  int rank;          // place in the lock order (lib/lockorder.c)
#endif
};
void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int  holdingsleep(struct sleeplock *lk);
#endif
