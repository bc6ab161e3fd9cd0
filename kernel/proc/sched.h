#ifndef PAGODA_SCHED_H
#define PAGODA_SCHED_H
// The scheduler core (proc/sched.c): the one place devices, the file
// system and mm wait (sleep/wakeup) and learn which process is running.
// It is all of proc/ that a device driver may call (docs/layers.md).
#include "kernel/types.h"

struct proc;
struct spinlock;

struct proc *myproc(void);      // the process running on this hart, or 0
void sleep(void *chan, struct spinlock *lk);   // give up lk, wait for wakeup(chan), retake lk
void wakeup(void *chan);        // make every process sleeping on chan runnable
int  killed(struct proc *p);
void setkilled(struct proc *p);
void yield(void);               // give up the hart for one round
void sched(void);               // switch to this hart's scheduler, holding p->lock only
void scheduler(void) __attribute__((noreturn));
void kick_idle(void);           // a process became runnable: wake an idle hart
void kick_pending(void);        // back to user mode: wake idle harts for what this hart woke
#endif
