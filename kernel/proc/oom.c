// The out-of-memory killer. A fault that finds no free frame (and nothing
// the page cache can give back) comes here with no locks held. One
// victim is chosen: the process with the most resident pages. If that is
// the caller, the caller dies (usertrap prints the report). Otherwise the
// victim is killed and the caller waits for its memory instead of dying
// too, then retries the fault. While a victim is dying, every other
// process that runs out waits for it: one decision, not a kill per fault.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"

#define OOM_WAIT_TICKS 50      // give up waiting (and die) after this long
#define OOM_RETRY_FRAMES 32    // this many free: a fault (a page and its tables) can succeed

static struct spinlock oom_lock;
static int victim;             // pid being killed for memory, 0 if none (oom_lock)

void oominit(void)
{
  initlock(&oom_lock, "oom");
}

// Is pid a process that has not exited yet?
static int alive(int pid)
{
  int yes = 0;
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE)
      yes = 1;
    release(&p->lock);
  }
  return yes;
}

// The live user process with the most resident pages (init, pid 1,
// never: the system needs it), and its size.
static struct proc *largest(uint64 *pages)
{
  struct proc *best = 0;
  *pages = 0;
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    acquire(&p->lock);
    if (p->pid > 1 && p->as && (p->state == RUNNABLE || p->state == RUNNING || p->state == SLEEPING)) {
      uint64 n = __atomic_load_n(&p->as->rss, __ATOMIC_RELAXED);
      if (!best || n > *pages) {
        best = p;
        *pages = n;
      }
    }
    release(&p->lock);
  }
  return best;
}

// self could not get a frame. Returns 1 if it should retry the fault
// (memory was freed by a victim's death), 0 if it must die itself.
int oom(struct proc *self)
{
  for (int t = 0; t < OOM_WAIT_TICKS; t++) {
    acquire(&oom_lock);
    if (victim && !alive(victim))
      victim = 0;
    if (!victim) {
      // A victim died since our fault (we waited for it, or it died just
      // before we came): its memory is back, retry. Choosing again then
      // killed one process too many (racetests oomfair: 3 of 4 children
      // died where 2 fit).
      if (t > 0 || frames_free() >= OOM_RETRY_FRAMES) {
        release(&oom_lock);
        return 1;
      }
      uint64 pages;
      struct proc *v = largest(&pages);
      if (!v) {
        release(&oom_lock);
        return 0;
      }
      victim = v->pid;
      if (v == self) {
        // We die, and whoever runs out meanwhile waits for our memory
        // too, instead of choosing a second victim before it is back.
        release(&oom_lock);
        return 0;
      }
      printf("pid %d (%s): out of memory: killed (largest, %d pages) for pid %d\n", v->pid,
             v->name, (int)pages, self->pid);
      VMCOUNT(oom_kills);
      kill(v->pid);
    }
    release(&oom_lock);
    VMCOUNT(oom_waits);
    // Sleep one tick (the victim needs to run to exit).
    acquire(&tickslock);
    uint64 t0 = ticks;
    while (ticks == t0 && !killed(self))
      sleep((void *)&ticks, &tickslock);
    release(&tickslock);
    if (killed(self))
      return 0;
  }
  return 0;
}
