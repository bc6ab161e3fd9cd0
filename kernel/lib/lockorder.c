// The lock order, and the checker that enforces it in debug kernels.
//
// WHY AN ORDER
//
// Two threads that take the same two locks in opposite orders can each get
// one and wait forever for the other. Pagoda prevents this the classic way:
// every lock belongs to a class (its name, the string given to initlock or
// initsleeplock), every class has a rank, and a thread may only acquire a
// lock whose rank is greater than the rank of every lock it already holds.
// The table below lists every class, outermost (taken first) at the top.
//
// THE ORDER, IN FOUR LAYERS
//
//  1. Sleep locks, held across disk I/O and page faults:
//       aspace   as->lock: a space's region list and page table; the owner
//                side of the user PTEs (fault, fork, mprotect, munmap).
//       log.op   not a lock but a log reservation (begin_op .. end_op). It
//                behaves like one: begin_op may wait for the running
//                operations to end, so it goes after aspace (munmap and
//                exit write dirty pages back while holding as->lock) and
//                before any inode lock (an operation that held an inode
//                lock while waiting for the log could wait for a commit
//                that waits for that inode).
//       inode    ip->lock: the inode's fields and its contents.
//       buffer   b->lock: one cached disk block.
//  2. Spin locks that a thread may sleep on (sleep(chan, lk) releases lk),
//     and the locks taken in the file system and drivers: wait_lock,
//     ftable, pipes, balloc, log, bcache, cons, uart_tx, time, virtio_disk,
//     pageio (the disk interrupt completes page reads holding virtio_disk)
//     and the spin lock inside every sleep lock. They all come before
//     "proc", because sleep() takes p->lock while holding them and
//     wakeup() takes every p->lock while its caller holds them.
//  3. "oom" (the out-of-memory killer looks at every p->lock and kills
//     while it holds its lock), then "proc" and what is taken under it:
//     the scheduler activates a space (ASIDs) and may drop the last
//     reference to one (as_put, which unmaps its pages: objects, page
//     cache, frames) while it holds p->lock.
//  4. The memory system's spin locks, outer to inner: the shm name table,
//     memory objects (pool and object lock share the name "vmobj"; they
//     are never held together), a space's leaf PTEs (aspace.pt), the page
//     cache index, the inode table (reclaim takes a reference to a cached
//     file's inode under the page-cache lock; nothing is taken under the
//     inode table's lock, so it can sit this deep), the space pool, ASIDs,
//     the frame allocator, then printf, which any code may call
//     holding anything, and last the UART's wire (printf's line, or the
//     transmit ring's drain under uart_tx, with nothing taken inside).
//
// A page fault is an acquisition too: it takes as->lock, the outermost
// lock. So kernel code that touches user memory (copyin, copyout,
// copyinstr) must hold no lock at all: no spin lock (it could sleep) and
// no sleep lock (the fault would take aspace after it, against the order;
// if the faulting address belongs to a file whose inode is held, or the
// space's own as->lock is held, that is a real deadlock). The one
// exception is a log reservation, which read-only faults never need.
//
// NESTING WITHIN ONE CLASS
//
// Spin locks never nest within their class. Two sleep-lock classes do, by
// design, and the checker allows it for them only:
//   inode   a directory, then an entry in it (create, unlink): parent
//           before child. Path lookup never holds two (namex unlocks the
//           directory before locking the next component), and ".." is
//           looked up the same way, so no thread holds a child while
//           waiting for its parent.
//   buffer  the log holds a batch of log-area blocks while it reads their
//           home blocks; bmap holds an indirect block while balloc reads a
//           bitmap block. The blocks' roles give the order: log area before
//           home blocks, indirect and inode blocks before bitmap blocks.
//
// THE CHECKER (make LOCKDEBUG=1)
//
// initlock/initsleeplock look the name up here and store its rank in the
// lock; a name missing from the table panics there and then. Each hart
// records the spin locks it holds (struct cpu), each process its sleep
// locks and log reservations (struct ldthread, in struct proc; the
// scheduler points cpu->ld at the running one). Acquiring against the order,
// sleeping (acquiresleep, begin_op, sleep, sched) while holding a spin
// lock that the sleep does not release, returning to user mode with any
// lock or reservation still held, or touching user memory with a lock
// held (LOCKDEBUG_COPY=1) panics, printing the locks involved and a
// backtrace. LOCKDEBUG_WARN=1 prints each distinct violation once and goes
// on, to collect all of them in one run.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/lockorder.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/cpu.h"

#ifdef LOCKDEBUG

enum { SPIN, SLEEP, PSEUDO };

struct lockclass {
  const char *name;
  int kind;
  int nest;             // may nest within its own class, by design
};

// Every lock in the kernel, outermost first. Rank = index + 1.
static const struct lockclass order[] = {
  // sleep locks and the log reservation
  { "aspace",      SLEEP,  0 },  // as->lock
  { "log.op",      PSEUDO, 0 },  // begin_op .. end_op
  { "inode",       SLEEP,  1 },  // ip->lock; directory, then entry
  { "buffer",      SLEEP,  1 },  // b->lock; see NESTING above
  // spin locks that are slept on, or taken by the file system and drivers
  { "wait_lock",   SPIN,   0 },  // p->parent
  { "ftable",      SPIN,   0 },  // struct file reference counts
  { "pipepool",    SPIN,   0 },  // free pipes
  { "pipe",        SPIN,   0 },  // one pipe's ring
  { "balloc",      SPIN,   0 },  // the allocator's hint, blocks freed since the last commit
  { "log",         SPIN,   0 },  // log header in memory, outstanding ops
  { "bcache",      SPIN,   0 },  // buffer cache list, b->refcnt
  { "cons",        SPIN,   0 },  // console input line
  { "uart_tx",     SPIN,   0 },  // UART transmit ring
  { "time",        SPIN,   0 },  // ticks
  { "virtio_disk", SPIN,   0 },  // virtio descriptors and requests
  { "pageio",      SPIN,   0 },  // busy page-cache pages: sleep until read (disk interrupt: under virtio_disk)
  { "sleep lock",  SPIN,   0 },  // the spin lock inside every sleep lock
  // processes
  { "oom",         SPIN,   0 },  // the OOM victim; walks proc[] and kills under it
  { "proc",        SPIN,   0 },  // p->state, chan, killed, xstate, pid
  { "nextpid",     SPIN,   0 },
  // the memory system
  { "shm",         SPIN,   0 },  // shm name table
  { "vmobj",       SPIN,   0 },  // object pool; one object's mapper list
  { "aspace.pt",   SPIN,   0 },  // one space's user leaf PTEs
  { "pagecache",   SPIN,   0 },  // the page-cache index
  { "itable",      SPIN,   0 },  // in-memory inode table, ip->ref (reclaim: idup under pagecache)
  { "aspace",      SPIN,   0 },  // the space pool
  { "asid",        SPIN,   0 },  // ASID allocation and generation
  { "frames",      SPIN,   0 },  // the free frame list
  // anyone may print
  { "printf",      SPIN,   0 },
  { "uart_wire",   SPIN,   0 },  // the UART's transmitter: a printf line or a ring drain
};

int lockorder_rank(const char *name, int sleeplock)
{
  for (int i = 0; i < (int)NELEM(order); i++) {
    int kind = order[i].kind == SLEEP ? 1 : 0;
    if (kind == (sleeplock != 0) && strncmp(order[i].name, name, 64) == 0)
      return i + 1;
  }
  panic("lockorder: %s lock \"%s\" is not in the table in kernel/lib/lockorder.c",
        sleeplock ? "sleep" : "spin", name);
}

static int nests(int rank)
{
  return rank > 0 && rank <= (int)NELEM(order) && order[rank - 1].nest;
}

// Set while a hart prints a report, so that printf's own lock is not
// checked against the report's locks.
static int reporting[NCPU];

static void show_held(void)
{
  struct cpu *c = mycpu();
  for (int i = 0; i < c->ld_nspin; i++)
    printf("  hart holds spin lock %s\n", c->ld_spin[i]->name);
  struct ldthread *t = c->ld;
  if (t)
    for (int i = 0; i < t->nheld; i++)
      printf("  pid %d holds %s\n", t->pid, t->held[i].name);
}

#ifdef LOCKDEBUG_WARN
// A summary of the call chain: the return addresses of the innermost
// frames, mixed. Two reports with the same locks and the same chain are
// the same violation.
static uint64 chain_hash(void)
{
  uint64 ra[8], h = 0;
  int n = frame_callers(r_fp(), ra, NELEM(ra));
  for (int i = 0; i < n; i++)
    h = h * 31 + ra[i];
  return h;
}
#endif

// fmt names the two locks (or lock and place) a and b. In panic mode,
// report and stop. In warn mode, report each distinct violation (message,
// locks and call chain) once, with a backtrace, and go on.
static void violation(const char *fmt, const char *a, const char *b)
{
  if (panicked)
    return;
#ifdef LOCKDEBUG_WARN
  static struct { const char *fmt, *a, *b; uint64 chain; } seen[128];
  static int nseen;
  static uint seenlock;     // a bare flag: a spinlock here would recurse
  push_off();
  int id = cpuid();
  if (reporting[id]) {
    pop_off();
    return;
  }
  while (__sync_lock_test_and_set(&seenlock, 1) != 0)
    ;
  uint64 chain = chain_hash();
  int dup = 0;
  for (int i = 0; i < nseen; i++)
    if (seen[i].fmt == fmt && seen[i].a == a && seen[i].b == b && seen[i].chain == chain)
      dup = 1;
  if (!dup && nseen < (int)NELEM(seen)) {
    seen[nseen].fmt = fmt;
    seen[nseen].a = a;
    seen[nseen].b = b;
    seen[nseen].chain = chain;
    nseen++;
  }
  __sync_lock_release(&seenlock);
  if (!dup) {
    reporting[id] = 1;
    char msg[160];
    snprintf(msg, sizeof msg, fmt, a, b);
    struct ldthread *t = mycpu()->ld;
    printf("lockdebug: %s (hart %d, pid %d)\n", msg, id, t ? t->pid : -1);
    show_held();
    backtrace(r_fp(), 0);
    reporting[id] = 0;
  }
  pop_off();
#else
  push_off();
  reporting[cpuid()] = 1;
  show_held();
  char msg[160];
  snprintf(msg, sizeof msg, fmt, a, b);
  panic("lockdebug: %s", msg);
#endif
}

// Spin locks: called under push_off, before spinning for lk.
void lockdebug_acquire(struct spinlock *lk)
{
  struct cpu *c = mycpu();
  if (reporting[c - cpus] || panicked)
    return;
  if (lk->rank == 0)
    violation("acquire of %s, a lock never given to initlock%s", lk->name ? lk->name : "?", "");
  for (int i = 0; i < c->ld_nspin; i++)
    if (c->ld_spin[i]->rank >= lk->rank)
      violation("acquiring %s while holding %s: against the lock order",
                lk->name, c->ld_spin[i]->name);
  if (c->ld_nspin == LD_NSPIN)
    panic("lockdebug: hart holds more than %d spin locks", LD_NSPIN);
  c->ld_spin[c->ld_nspin++] = lk;
}

// Locks are not always released in the order they were taken (sleep
// releases its condition lock after taking p->lock).
void lockdebug_release(struct spinlock *lk)
{
  struct cpu *c = mycpu();
  for (int i = c->ld_nspin - 1; i >= 0; i--) {
    if (c->ld_spin[i] == lk) {
      for (int j = i; j < c->ld_nspin - 1; j++)
        c->ld_spin[j] = c->ld_spin[j + 1];
      c->ld_nspin--;
      return;
    }
  }
  if (!reporting[c - cpus])
    violation("release of %s, which this hart does not hold%s", lk->name, "");
}

// The first spin lock this hart holds, other than `except`, or 0.
static struct spinlock *spin_held(struct spinlock *except)
{
  struct cpu *c = mycpu();
  for (int i = 0; i < c->ld_nspin; i++)
    if (c->ld_spin[i] != except)
      return c->ld_spin[i];
  return 0;
}

// Whoever may sleep must hold no spin lock. Then rank must exceed every
// sleep lock and reservation the process holds.
// The process running on this hart (its record), or 0.
static struct ldthread *thread(void)
{
  push_off();
  struct ldthread *t = mycpu()->ld;
  pop_off();
  return t;
}

void lockdebug_acquire_sleeping(const void *lock, const char *name, int rank)
{
  push_off();
  struct spinlock *s = spin_held(0);
  struct ldthread *t = mycpu()->ld;
  pop_off();
  if (s)
    violation("%s may sleep, but this hart holds spin lock %s", name, s->name);
  if (!t)
    return;     // boot, before the first process: nothing to order against
  for (int i = 0; i < t->nheld; i++) {
    struct heldlock *h = &t->held[i];
    if (h->rank > rank || (h->rank == rank && !nests(rank)))
      violation("acquiring %s while holding %s: against the lock order", name, h->name);
  }
  if (t->nheld == LD_NSLEEP)
    panic("lockdebug: pid %d holds more than %d sleep locks", t->pid, LD_NSLEEP);
  t->held[t->nheld].lock = lock;
  t->held[t->nheld].name = name;
  t->held[t->nheld].rank = rank;
  t->nheld++;
}

void lockdebug_release_sleeping(const void *lock, const char *name, int rank)
{
  struct ldthread *t = thread();
  if (!t)
    return;
  for (int i = t->nheld - 1; i >= 0; i--) {
    struct heldlock *h = &t->held[i];
    if (h->lock == lock && h->rank == rank) {
      for (int j = i; j < t->nheld - 1; j++)
        t->held[j] = t->held[j + 1];
      t->nheld--;
      return;
    }
  }
  violation("release of %s, which this process does not hold%s", name, "");
}

// A log reservation is recorded like a sleep lock with no lock object.
static int logop_rank(void)
{
  static int rank;
  if (!rank)
    rank = lockorder_rank("log.op", 0);
  return rank;
}

void lockdebug_begin_op(void)
{
  lockdebug_acquire_sleeping(0, "log.op (begin_op)", logop_rank());
}

void lockdebug_end_op(void)
{
  lockdebug_release_sleeping(0, "log.op (begin_op)", logop_rank());
}

// sleep(chan, lk) gives up lk; any other spin lock would stay held while
// this hart runs someone else.
void lockdebug_sleep(struct spinlock *lk)
{
  push_off();
  struct spinlock *s = spin_held(lk);
  pop_off();
  if (s)
    violation("sleep() giving up %s while holding spin lock %s", lk ? lk->name : "?", s->name);
}

// sched: the process's lock (plock) and nothing else.
void lockdebug_sched(struct spinlock *plock)
{
  struct spinlock *s = spin_held(plock);
  struct ldthread *t = mycpu()->ld;
  if (s)
    violation("sched() of %s while holding spin lock %s", t ? t->name : "?", s->name);
}

// Back to user mode: a lock or log reservation still held here was
// leaked (an error path that forgot to release it).
void lockdebug_user_return(void)
{
  push_off();
  struct spinlock *s = spin_held(0);
  struct ldthread *t = mycpu()->ld;
  pop_off();
  const char *name = t ? t->name : "?";
  if (s)
    violation("return to user (%s) while holding spin lock %s", name, s->name);
  if (t && t->nheld > 0)
    violation("return to user (%s) while holding %s", name, t->held[0].name);
}

// For copyin/copyout/copyinstr (LOCKDEBUG_COPY) and any code that is about
// to touch user memory or otherwise fault: see the comment at the top.
void lockdebug_assert_no_locks(const char *where)
{
  push_off();
  struct spinlock *s = spin_held(0);
  struct ldthread *t = mycpu()->ld;
  pop_off();
  if (s)
    violation("%s while holding spin lock %s", where, s->name);
  if (!t)
    return;
  for (int i = 0; i < t->nheld; i++)
    if (t->held[i].lock)
      violation("%s while holding sleep lock %s", where, t->held[i].name);
}

#endif
