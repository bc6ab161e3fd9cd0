// The scheduler core: each hart's scheduler loop, switching to it and
// back (sched, yield), sleep and wakeup, and the process a hart runs.
// Processes are made and ended in proc.c; see docs/book/03-processes.md.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/boot/sbi.h"

// The lock checker (lib/lockorder.c) follows the sleep locks of the
// process this hart runs.
static void lockdebug_run(struct cpu *c, struct proc *p)
{
#ifdef LOCKDEBUG
  c->ld = p ? &p->ld : 0;
  if (p) {
    p->ld.pid = p->pid;
    p->ld.name = p->name;
  }
#else
  (void)c, (void)p;
#endif
}

// The process running on this hart, or 0. One load relative to tp: an
// interrupt (and with it a move to another hart) comes before or after
// that instruction, never between finding this hart's struct cpu and
// reading its proc, so interrupts need not go off (xv6 turns them off
// and on, two CSR writes that QEMU makes costly, for every call).
struct proc *myproc(void)
{
  _Static_assert(__builtin_offsetof(struct cpu, proc) == 0, "myproc reads 0(tp)");
  struct proc *p;
  asm volatile("ld %0, 0(tp)" : "=r"(p));
  return p;
}

// A process just became runnable. If a hart is idle in wfi, wake it with
// an IPI, so it runs the process now and not at its next timer tick (a
// tenth of a second later). The fence pairs with the one in scheduler():
// either we see the hart's idle flag, or it sees the runnable process.
void kick_idle(void)
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  struct cpu *sleeper = 0;
  for (struct cpu *c = cpus; c < &cpus[NCPU]; c++) {
    if (!c->started)
      continue;
    int idle = __atomic_load_n(&c->idle, __ATOMIC_ACQUIRE);
    if (idle == IDLE_POLL)
      return;                   // it is looking: it finds the process itself
    if (idle == IDLE_WFI && !sleeper)
      sleeper = c;
  }
  if (sleeper && __atomic_exchange_n(&sleeper->idle, 0, __ATOMIC_ACQ_REL) == IDLE_WFI) {
    sbi_send_ipi(1UL << sleeper->hartid);
    VMCOUNT(idle_kicks);
  }
}

// wakeup made n processes runnable. Often the waker is about to sleep
// (a pipe round trip: write, then read), and then this hart runs the
// woken process itself, sooner than an idle hart could after an SBI IPI,
// and with its data warm. So the kick waits for what this hart does
// next: sched() kicks if more became runnable than this hart will run,
// kick_pending() (the return to user mode) if the waker runs on. A hart
// in its scheduler (an interrupt while idle) runs the process next.
static void kick_later(int n)
{
  push_off();
  struct cpu *c = mycpu();
  if (c->proc)
    c->kick += n;
  pop_off();
}

// The process on this hart goes back to user mode: kick for what it woke.
// Interrupts are off.
void kick_pending(void)
{
  struct cpu *c = mycpu();
  if (c->kick) {
    c->kick = 0;
    kick_idle();
  }
}

// Is any process runnable? A hint, read without locks.
static int any_runnable(void)
{
  for (struct proc *p = proc, *end = proc_end(); p < end; p++)
    if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) == RUNNABLE)
      return 1;
  return 0;
}

// An idle hart first watches the process table this long (10 MHz
// timebase ticks) before it sleeps. Work often comes back within a few
// microseconds (the other end of a pipe answers), and a hart that is
// still looking takes it at once, in the address space it already has
// loaded; one in wfi needs an SBI IPI and, under QEMU, a host thread
// wakeup (this alone took pipe_rtt_2cpu from 227 to 136 us). The cost
// is host CPU burnt for at most this long after each transition to idle.
#define IDLE_POLL_TICKS 2000    // 200 us

// Watch for a runnable process until IDLE_POLL_TICKS pass. Interrupts
// are on: the timer and devices are still served.
static int poll_runnable(struct cpu *c)
{
  uint64 until = r_time() + IDLE_POLL_TICKS;
  __atomic_store_n(&c->idle, IDLE_POLL, __ATOMIC_SEQ_CST);
  int found;
  while (!(found = any_runnable()) && r_time() < until)
    if (as_current_dead())
      as_activate_kernel();      // its page tables can go now
  __atomic_store_n(&c->idle, 0, __ATOMIC_RELEASE);
  return found;
}

// Each hart runs this loop forever. A hart with nothing to run looks
// for work a little longer (poll_runnable), then leaves user address
// spaces (so their page tables can be freed) and waits in wfi, so it
// does not burn a host core, until an interrupt: its timer, a device,
// or kick_idle's IPI.
void scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    intr_on();
    int found = 0;
    for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
      // A first look without the lock: a process made runnable just
      // after it is found by the next pass, or by any_runnable below.
      if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != RUNNABLE)
        continue;
      acquire(&p->lock);
      if (p->state == RUNNABLE) {
        p->state = RUNNING;
        c->proc = p;
        lockdebug_run(c, p);
        if (p->as)
          as_activate(p->as);
        if (tlbtrace_on) tlbtrace_run();
        swtch(&c->context, &p->context);
        c->proc = 0;
        lockdebug_run(c, 0);
        found = 1;
      }
      release(&p->lock);
    }
    if (!found && !poll_runnable(c)) {
      intr_off();
      as_activate_kernel();
      // Say we are idle before the last look (kick_idle's fence pairs
      // with this one). wfi returns when an interrupt is pending, even
      // with interrupts off; it is taken once they are on again.
      ASSERT(!c->deferred);   // depth 0: an interrupt would be taken, not put off
      __atomic_store_n(&c->idle, IDLE_WFI, __ATOMIC_SEQ_CST);
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      if (!any_runnable())
        asm volatile("wfi");
      __atomic_store_n(&c->idle, 0, __ATOMIC_RELEASE);
      intr_on();
    }
  }
}

// Switch to the scheduler. p->lock must be held and nothing else.
void sched(void)
{
  struct proc *p = myproc();
  if (!holding(&p->lock))
    panic("sched p->lock");
  lockdebug_sched(&p->lock);
  if (mycpu()->noff != 1)
    panic("sched locks");
  if (p->state == RUNNING)
    panic("sched running");
  // This hart runs one of the processes it woke (kick_later), unless
  // the one giving up the hart stays runnable itself.
  struct cpu *c = mycpu();
  if (c->kick > (p->state == RUNNABLE ? 0 : 1))
    kick_idle();
  c->kick = 0;
  // Were interrupts on before p->lock was taken? Then they are on now,
  // or one came under the lock and was deferred (lib/cpu.c).
  int intena = c->deferred || intr_get();
  swtch(&p->context, &c->context);
  // Back, perhaps on another hart, whose scheduler took p->lock with
  // interrupts on. A caller that had them off (yield in kerneltrap,
  // before its sret) gets them off again; an interrupt deferred meanwhile
  // stays pending in hardware.
  if (!intena) {
    intr_off();
    mycpu()->deferred = 0;
  }
}

void yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// Sleep on chan, giving up lk (the lock that protects the condition the
// caller waits for) and taking it back when woken. chan and the state are
// set before lk is released: a waker holding lk then sees them without
// taking p->lock (wakeup's first look).
void sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();
  lockdebug_sleep(lk);
  acquire(&p->lock);
  p->chan = chan;
  p->wchan = (uint64)__builtin_return_address(0);
  p->state = SLEEPING;
  release(lk);
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
}

// Wake every process sleeping on chan. The caller holds the lock that
// the sleepers gave up (or the wakeup may come before a sleep and be
// lost, as in xv6). Only a process seen sleeping on chan without its
// lock is locked and looked at again: taking all NPROC locks (each an
// interrupt disable and enable, costly under QEMU) made every wakeup,
// and so every sleep-lock release, cost as much as a disk block read.
void wakeup(void *chan)
{
  int woke = 0;
  struct proc *me = myproc();
  for (struct proc *p = proc, *end = proc_end(); p < end; p++) {
    if (p == me)
      continue;
    if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != SLEEPING ||
        __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
      continue;
    acquire(&p->lock);
    if (p->state == SLEEPING && p->chan == chan) {
      p->state = RUNNABLE;
      woke++;
    }
    release(&p->lock);
  }
  if (woke)
    kick_later(woke);
}

void setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

// Has p been killed? One load, no lock: the flag only ever goes from 0
// to 1, and a caller that just misses it finds it at its next check, as
// it would had it looked a moment earlier under the lock (pipes check
// for every piece: two interrupt toggles each, costly under QEMU).
int killed(struct proc *p)
{
  return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}
