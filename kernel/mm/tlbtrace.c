// The TLB trace: with bootarg tlbtrace=1, every leaf-PTE change, fence,
// satp switch and frame free is printed as one line, for the host model
// of per-hart, ASID-tagged TLBs (tests/tlbmodel.c) to replay. It is how
// the test suite checks the fence rules on a machine (QEMU) whose own
// TLB flushes everything on any fence and so cannot show a missing one.
//
// Lines (all numbers hex; docs/book/07-tlb.md, "The TLB model"):
//   TT P hart space va old new pid    a user leaf PTE changed (printed
//                                     before the store, under as->ptlock)
//   TT F hart kind asid va size mask pid
//                                     a fence, printed after it is done
//   TT S hart space asid              satp now names space (after the write)
//   TT R hart pid                     the scheduler runs pid on this hart
//   TT U hart pid                     pid returns to user mode on this hart
//   TT X pa                           frame pa goes back to the free list
//   TT D hart space asid              space is dead: its ASID is retired
// A space is named by its root table's physical address; pid is the
// process whose kernel code made the change (0: none). The hart is the
// one printing: a process preempted between an sfence and its line is
// named on the hart it resumed on (a window of a few instructions).
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/proc/proc.h"
#include "kernel/boot/dtb.h"

int tlbtrace_on;

// Events that change what the model knows (P, F, S, X), counted so that a
// return to user with nothing changed since this hart's last one (same
// process) is not printed: the model's check would see the same state
// and give the same answer. Most returns to user are of that kind.
static uint64 seq;
static uint64 user_seq[NCPU];
static int user_pid[NCPU];

static void changed(void)
{
  __atomic_fetch_add(&seq, 1, __ATOMIC_SEQ_CST);
}

void tlbtrace_init(void)
{
  tlbtrace_on = bootarg_num("tlbtrace") != 0;
}

// The process on whose behalf this hart runs kernel code (0: none). An
// operation (a COW break, a truncation) may move between harts when it
// is preempted; the model follows it by pid.
static int curpid(void)
{
  struct proc *p = myproc();
  return p ? p->pid : 0;
}

void tlbtrace_pte(struct aspace *as, uint64 va, pte_t old, pte_t new)
{
  changed();
  traceline("TT P %x %lx %lx %lx %lx %x", cpuid(), V2P(as->root), va, old, new, curpid());
}

void tlbtrace_fence(int kind, uint64 asid, uint64 va, uint64 size, uint64 mask)
{
  changed();
  traceline("TT F %x %x %lx %lx %lx %lx %x", cpuid(), kind, asid, va, size, mask, curpid());
}

void tlbtrace_switch(struct aspace *as)
{
  changed();
  traceline("TT S %x %lx %lx", cpuid(), as ? V2P(as->root) : 0, as ? as->asid : 0);
}

void tlbtrace_free(uint64 pa)
{
  changed();
  traceline("TT X %lx", pa);
}

void tlbtrace_retire(struct aspace *as)
{
  changed();
  traceline("TT D %x %lx %lx", cpuid(), V2P(as->root), as->asid);
}

// "TT R hart pid": the scheduler is about to run a process on the space
// this hart's satp names (tlb_switch and its fences are done). From here
// the hart may use its TLB for that ASID in user mode. Hook: scheduler() in kernel/proc/proc.c.
void tlbtrace_run(void)
{
  traceline("TT R %x %x", cpuid(), curpid());
}

// "TT U hart pid": this hart returns to user mode; the model checks that
// no entry of the hart's current ASID allows more than the space's PTEs.
// Hook: usertrapret() in kernel/trap/trap.c (interrupts off). The counter
// is read before the line is printed: an event that increments it later
// is printed later too, and the check it would have made is the next
// one's.
void tlbtrace_user(void)
{
  int h = cpuid(), pid = curpid();
  uint64 now = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);
  if (h < NCPU && user_seq[h] == now && user_pid[h] == pid)
    return;
  if (h < NCPU) {
    user_seq[h] = now;
    user_pid[h] = pid;
  }
  traceline("TT U %x %x", h, pid);
}
