#ifndef PAGODA_LOCKORDER_H
#define PAGODA_LOCKORDER_H
// The lock checker of debug kernels (make LOCKDEBUG=1). The order itself,
// and what each lock protects, is written at the top of lockorder.c.
//
// Without LOCKDEBUG every hook below is an empty inline function and the
// structures carry no extra fields: the kernel is the same as before.
#include "kernel/types.h"
#include "kernel/param.h"

struct spinlock;

#define LD_NSPIN  16   // spinlocks one hart may hold at once
// Sleep locks (and log reservations) one process may hold: the commit
// holds every logged buffer at once while it installs them in sorted runs
// (fs/log.c), plus a few of its own.
#define LD_NSLEEP (LOGBLOCKS + 8)

// One sleep lock or log reservation a process holds.
struct heldlock {
  const void *lock;     // the sleeplock, or 0 for a log reservation
  const char *name;
  int rank;
};

// What the checker keeps of one process (struct proc's ld): the scheduler
// points its hart's cpu->ld at it (proc/sched.c), so the checker never
// looks at processes themselves.
struct ldthread {
  int pid;
  const char *name;
  struct heldlock held[LD_NSLEEP];
  int nheld;
};

#ifdef LOCKDEBUG
int  lockorder_rank(const char *name, int sleeplock);
void lockdebug_acquire(struct spinlock *lk);
void lockdebug_release(struct spinlock *lk);
void lockdebug_acquire_sleeping(const void *lock, const char *name, int rank);
void lockdebug_release_sleeping(const void *lock, const char *name, int rank);
void lockdebug_sleep(struct spinlock *lk);
void lockdebug_sched(struct spinlock *plock);
void lockdebug_begin_op(void);
void lockdebug_end_op(void);
void lockdebug_user_return(void);
// For proc/sleeplock.c, which knows struct sleeplock.
#define lockdebug_acquiresleep(lk) lockdebug_acquire_sleeping((lk), (lk)->name, (lk)->rank)
#define lockdebug_releasesleep(lk) lockdebug_release_sleeping((lk), (lk)->name, (lk)->rank)
#else
static inline void lockdebug_acquire(struct spinlock *lk) { (void)lk; }
static inline void lockdebug_release(struct spinlock *lk) { (void)lk; }
#define lockdebug_acquiresleep(lk) ((void)(lk))
#define lockdebug_releasesleep(lk) ((void)(lk))
static inline void lockdebug_sleep(struct spinlock *lk) { (void)lk; }
static inline void lockdebug_sched(struct spinlock *plock) { (void)plock; }
static inline void lockdebug_begin_op(void) { }
static inline void lockdebug_end_op(void) { }
static inline void lockdebug_user_return(void) { }
#endif
#endif
