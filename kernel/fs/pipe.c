// Pipes: a ring buffer between a read end and a write end.
//
// The ring is protected by a spinlock, and user memory must never be
// touched while holding a spinlock (a copy can page-fault, and the fault
// handler may sleep). So data moves through a small bounce buffer on the
// kernel stack: a writer copies a piece from user memory first, then takes
// the lock and moves it into the ring; a reader takes a piece out of the
// ring under the lock, then copies it to user memory after releasing it.
//
// The ring's arithmetic is in fs/pipering.c.
//
// Pipe structures come from a fixed pool: every pipe uses two file
// structures, so NFILE / 2 pipes are enough.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/uaccess.h"
#include "kernel/fs/pipering.h"

#define BOUNCE   512    // bytes moved per lock hold (on the kernel stack)
#define NPIPE    (NFILE / 2)

struct pipe {
  struct spinlock lock;
  struct ring ring;
  int readopen;     // read end still open
  int writeopen;    // write end still open
  int rwaiting;     // readers asleep on &ring.nread
  int wwaiting;     // writers asleep on &ring.nwrite
  int used;         // slot in use (pool lock)
};

static struct spinlock poollock;
static struct pipe pool[NPIPE];

// Called once at boot, by fileinit.
void pipeinit(void)
{
  initlock(&poollock, "pipepool");
  for (int i = 0; i < NPIPE; i++)
    initlock(&pool[i].lock, "pipe");
}

static struct pipe *pipe_get(void)
{
  acquire(&poollock);
  for (struct pipe *pi = pool; pi < pool + NPIPE; pi++) {
    if (!pi->used) {
      pi->used = 1;
      release(&poollock);
      return pi;
    }
  }
  release(&poollock);
  return 0;
}

static void pipe_put(struct pipe *pi)
{
  acquire(&poollock);
  pi->used = 0;
  release(&poollock);
}

// Make a pipe: *f0 is the read end, *f1 the write end. 0 or -ENFILE.
int pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *pi = 0;
  *f0 = *f1 = 0;

  if ((*f0 = filealloc()) == 0 || (*f1 = filealloc()) == 0 ||
      (pi = pipe_get()) == 0) {
    if (*f0)
      fileclose(*f0);
    if (*f1)
      fileclose(*f1);
    *f0 = *f1 = 0;
    return -ENFILE;
  }
  pi->ring.nread = pi->ring.nwrite = 0;
  pi->readopen = pi->writeopen = 1;
  pi->rwaiting = pi->wwaiting = 0;

  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->writable = 0;
  (*f0)->pipe = pi;
  (*f1)->type = FD_PIPE;
  (*f1)->readable = 0;
  (*f1)->writable = 1;
  (*f1)->pipe = pi;
  return 0;
}

// Close one end; free the pipe when both are closed.
void pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->writeopen = 0;
    wakeup(&pi->ring.nread);    // readers see end of file
  } else {
    pi->readopen = 0;
    wakeup(&pi->ring.nwrite);   // writers see -EPIPE
  }
  int done = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if (done)
    pipe_put(pi);
}

// Write n bytes from user address addr. Blocks while the ring is full.
// Returns n, or a short count / -errno if stopped: -EPIPE (no reader
// left), -EINTR (killed), -EFAULT (bad address).
int pipewrite(struct pipe *pi, uint64 addr, int n)
{
  char buf[BOUNCE];
  int done = 0;

  while (done < n) {
    int m = MIN(n - done, BOUNCE);
    if (either_copyin(buf, 1, addr + done, m) < 0) {
      if (done > 0) {            // what was written must reach the readers
        acquire(&pi->lock);
        if (pi->rwaiting)
          wakeup(&pi->ring.nread);
        release(&pi->lock);
      }
      return done > 0 ? done : -EFAULT;
    }

    acquire(&pi->lock);
    int put = 0;
    while (put < m) {
      int err = 0;
      if (!pi->readopen)
        err = -EPIPE;
      else if (killed(myproc()))
        err = -EINTR;
      if (err) {
        if (pi->rwaiting)
          wakeup(&pi->ring.nread);
        release(&pi->lock);
        return done + put > 0 ? done + put : err;
      }
      if (ring_room(&pi->ring) == 0) {
        // Full: let readers drain it.
        if (pi->rwaiting)
          wakeup(&pi->ring.nread);
        pi->wwaiting++;
        sleep(&pi->ring.nwrite, &pi->lock);
        pi->wwaiting--;
        continue;
      }
      put += ring_put(&pi->ring, buf + put, m - put);
    }
    // Readers are woken once per write (and whenever the ring fills),
    // not once per piece: each wakeup scans the process table.
    if (pi->rwaiting && done + m == n)
      wakeup(&pi->ring.nread);
    release(&pi->lock);
    done += m;
  }
  return done;
}

// Read up to n bytes into user address addr. Blocks while the ring is
// empty and a writer exists; then returns what is there (at least 1 byte),
// or 0 at end of file (empty, no writer). -EINTR if killed while waiting,
// -EFAULT for a bad address (if nothing was copied yet).
int piperead(struct pipe *pi, uint64 addr, int n)
{
  char buf[BOUNCE];
  int done = 0;

  if (n == 0)
    return 0;
  acquire(&pi->lock);
  while (ring_used(&pi->ring) == 0 && pi->writeopen) {
    if (killed(myproc())) {
      release(&pi->lock);
      return -EINTR;
    }
    pi->rwaiting++;
    sleep(&pi->ring.nread, &pi->lock);
    pi->rwaiting--;
  }
  while (done < n) {
    uint m = ring_get(&pi->ring, buf, MIN((uint)(n - done), (uint)BOUNCE));
    if (m == 0)
      break;
    if (pi->wwaiting)
      wakeup(&pi->ring.nwrite);
    release(&pi->lock);

    if (either_copyout(1, addr + done, buf, m) < 0)
      return done > 0 ? done : -EFAULT;
    done += m;
    acquire(&pi->lock);
  }
  release(&pi->lock);
  return done;
}
