// Sleeping locks: for long waits (disk I/O, page faults that read files).
#include "kernel/types.h"
#include "kernel/proc/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/lockorder.h"

void initsleeplock(struct sleeplock *lk, const char *name)
{
  initlock(&lk->lk, "sleep lock");
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
  lk->waiters = 0;
#ifdef LOCKDEBUG
  lk->rank = lockorder_rank(name, 1);
#endif
}

void acquiresleep(struct sleeplock *lk)
{
  lockdebug_acquiresleep(lk);
  acquire(&lk->lk);
  while (lk->locked) {
    lk->waiters++;
    sleep(lk, &lk->lk);
    lk->waiters--;
  }
  lk->locked = 1;
  lk->pid = myproc() ? myproc()->pid : -1;
  release(&lk->lk);
}

void releasesleep(struct sleeplock *lk)
{
  lockdebug_releasesleep(lk);
  acquire(&lk->lk);
  lk->locked = 0;
  lk->pid = 0;
  if (lk->waiters)     // a wakeup looks at every process: only if needed
    wakeup(lk);
  release(&lk->lk);
}

int holdingsleep(struct sleeplock *lk)
{
  acquire(&lk->lk);
  int r = lk->locked && lk->pid == (myproc() ? myproc()->pid : -1);
  release(&lk->lk);
  return r;
}
