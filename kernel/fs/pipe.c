// Pipes: a ring buffer between a read end and a write end.
//
// The ring is protected by a spinlock, and user memory must never be
// touched while holding a spinlock (a copy can page-fault, and the fault
// handler may sleep). So data moves through a small bounce buffer on the
// kernel stack: a writer copies a piece from user memory first, then takes
// the lock and moves it into the ring; a reader takes a piece out of the
// ring under the lock, then copies it to user memory after releasing it.
//
// nread and nwrite count bytes ever read and written; they wrap around
// together (unsigned arithmetic), nwrite - nread is the number of bytes
// in the ring, and the byte at count c sits in data[c % PIPESIZE].
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

#define PIPESIZE 4096   // bytes in the ring
#define BOUNCE   512    // bytes moved per lock hold (on the kernel stack)
#define NPIPE    (NFILE / 2)
_Static_assert((PIPESIZE & (PIPESIZE - 1)) == 0, "PIPESIZE must be a power of 2 (counters wrap)");

struct pipe {
  struct spinlock lock;
  uint nread;       // bytes read
  uint nwrite;      // bytes written
  int readopen;     // read end still open
  int writeopen;    // write end still open
  int rwaiting;     // readers asleep on &nread
  int wwaiting;     // writers asleep on &nwrite
  int used;         // slot in use (pool lock)
  char data[PIPESIZE] __attribute__((aligned(8)));   // word copies (memmove)
};

static struct spinlock poollock;
static struct pipe pool[NPIPE];

// Called once at boot, by fileinit.
void
pipeinit(void)
{
  initlock(&poollock, "pipepool");
  for (int i = 0; i < NPIPE; i++)
    initlock(&pool[i].lock, "pipe");
}

static struct pipe *
pipe_get(void)
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

static void
pipe_put(struct pipe *pi)
{
  acquire(&poollock);
  pi->used = 0;
  release(&poollock);
}

// Copy k bytes from src into the ring at byte count c (k <= free space).
static void
ring_put(struct pipe *pi, uint c, const char *src, uint k)
{
  uint at = c % PIPESIZE;
  uint first = MIN(k, PIPESIZE - at);
  memmove(pi->data + at, src, first);
  memmove(pi->data, src + first, k - first);
}

// Copy k bytes out of the ring from byte count c (k <= bytes present).
static void
ring_get(struct pipe *pi, uint c, char *dst, uint k)
{
  uint at = c % PIPESIZE;
  uint first = MIN(k, PIPESIZE - at);
  memmove(dst, pi->data + at, first);
  memmove(dst + first, pi->data, k - first);
}

// Make a pipe: *f0 is the read end, *f1 the write end. 0 or -ENFILE.
int
pipealloc(struct file **f0, struct file **f1)
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
  pi->nread = pi->nwrite = 0;
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
void
pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->writeopen = 0;
    wakeup(&pi->nread);    // readers see end of file
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);   // writers see -EPIPE
  }
  int done = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if (done)
    pipe_put(pi);
}

// Write n bytes from user address addr. Blocks while the ring is full.
// Returns n, or a short count / -errno if stopped: -EPIPE (no reader
// left), -EINTR (killed), -EFAULT (bad address).
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  char buf[BOUNCE];
  int done = 0;

  while (done < n) {
    int m = MIN(n - done, BOUNCE);
    if (either_copyin(buf, 1, addr + done, m) < 0) {
      if (done > 0) {            // what was written must reach the readers
        acquire(&pi->lock);
        if (pi->rwaiting)
          wakeup(&pi->nread);
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
          wakeup(&pi->nread);
        release(&pi->lock);
        return done + put > 0 ? done + put : err;
      }
      uint space = PIPESIZE - (pi->nwrite - pi->nread);
      if (space == 0) {
        // Full: let readers drain it.
        if (pi->rwaiting)
          wakeup(&pi->nread);
        pi->wwaiting++;
        sleep(&pi->nwrite, &pi->lock);
        pi->wwaiting--;
        continue;
      }
      uint k = MIN((uint)(m - put), space);
      ring_put(pi, pi->nwrite, buf + put, k);
      pi->nwrite += k;
      put += k;
    }
    // Readers are woken once per write (and whenever the ring fills),
    // not once per piece: each wakeup scans the process table.
    if (pi->rwaiting && done + m == n)
      wakeup(&pi->nread);
    release(&pi->lock);
    done += m;
  }
  return done;
}

// Read up to n bytes into user address addr. Blocks while the ring is
// empty and a writer exists; then returns what is there (at least 1 byte),
// or 0 at end of file (empty, no writer). -EINTR if killed while waiting,
// -EFAULT for a bad address (if nothing was copied yet).
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  char buf[BOUNCE];
  int done = 0;

  if (n == 0)
    return 0;
  acquire(&pi->lock);
  while (pi->nread == pi->nwrite && pi->writeopen) {
    if (killed(myproc())) {
      release(&pi->lock);
      return -EINTR;
    }
    pi->rwaiting++;
    sleep(&pi->nread, &pi->lock);
    pi->rwaiting--;
  }
  while (done < n) {
    uint avail = pi->nwrite - pi->nread;
    if (avail == 0)
      break;
    uint m = MIN(MIN((uint)(n - done), avail), (uint)BOUNCE);
    ring_get(pi, pi->nread, buf, m);
    pi->nread += m;
    if (pi->wwaiting)
      wakeup(&pi->nwrite);
    release(&pi->lock);

    if (either_copyout(1, addr + done, buf, m) < 0)
      return done > 0 ? done : -EFAULT;
    done += m;
    acquire(&pi->lock);
  }
  release(&pi->lock);
  return done;
}
