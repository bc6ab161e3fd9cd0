// Buffer cache: NBUF in-memory copies of disk blocks.
//
// The cache does two jobs. It keeps recently used blocks in memory so that
// reading them again costs no disk access, and it is the one place that
// makes sure at most one copy of a block exists in memory, so that every
// kernel thread looking at a block sees the same bytes. Each buf has a
// sleeplock: a thread that got a buf from bread() owns it until brelse().
//
// The bufs form a doubly-linked list ordered by last use (most recent
// first, after the list head). A buf whose refcnt is 0 is free to be
// recycled for another block; we recycle the least recently used one.
// The log pins the blocks of a running transaction (bpin) so they are not
// recycled before they are committed.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/fs/buf.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/mm/mm.h"

// Count disk traffic in vmstat: requests and the blocks they carried.
#define COUNT(field, n) __atomic_fetch_add(&vmcount.field, (n), __ATOMIC_RELAXED)

// Read or write one buf: one request.
static void disk_rw(struct buf *b, int write)
{
  virtio_disk_rw(b, write);
  if (write) {
    COUNT(disk_writes, 1);
    COUNT(disk_write_blocks, 1);
  } else {
    COUNT(disk_reads, 1);
    COUNT(disk_read_blocks, 1);
  }
}

static struct {
  struct spinlock lock;   // protects the list, refcnt, dev and blockno
  struct buf buf[NBUF];
  struct buf head;        // head.next is the most recently used buf
  int waiters;            // threads sleeping in bget for a free buf
} bcache;

// Unlink b from the LRU list.
static void list_remove(struct buf *b)
{
  b->next->prev = b->prev;
  b->prev->next = b->next;
}

// Put b at the front (most recently used end) of the LRU list.
static void list_push_front(struct buf *b)
{
  b->next = bcache.head.next;
  b->prev = &bcache.head;
  bcache.head.next->prev = b;
  bcache.head.next = b;
}

void binit(void)
{
  initlock(&bcache.lock, "bcache");
  bcache.head.prev = &bcache.head;
  bcache.head.next = &bcache.head;
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    initsleeplock(&b->lock, "buffer");
    list_push_front(b);
  }
}

// Find the buf caching block (dev, blockno), or recycle an unused buf for
// it. Returns the buf locked; b->valid says whether its data is the block's.
// If every buf is in use, wait for a brelse (xv6 panics here instead).
static struct buf *bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
  for (;;) {
    // Cached already?
    for (b = bcache.head.next; b != &bcache.head; b = b->next) {
      if (b->dev == dev && b->blockno == blockno) {
        b->refcnt++;
        release(&bcache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    // Not cached: recycle the least recently used free buf.
    for (b = bcache.head.prev; b != &bcache.head; b = b->prev) {
      if (b->refcnt == 0) {
        b->dev = dev;
        b->blockno = blockno;
        b->valid = 0;
        b->refcnt = 1;
        release(&bcache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    // All busy. Another thread may cache our block while we sleep, so
    // search again from the start when woken.
    bcache.waiters++;
    sleep(&bcache, &bcache.lock);
    bcache.waiters--;
  }
}

// Return a locked buf with the contents of the block.
struct buf *bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if (!b->valid) {
    disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

// Return a locked buf for a block the caller is about to overwrite
// completely: no disk read, the data are zero.
struct buf *bgetblank(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  memset(b->data, 0, BSIZE);
  b->valid = 1;
  return b;
}

// Write b's contents to disk. The caller must hold b's lock.
void bwrite(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("bwrite: buf not locked");
  disk_rw(b, 1);
}

// Write several locked buffers: bs[i] to block to[i], or to its own block
// when to is null. Each run of consecutive block numbers is one disk
// request, and the requests are in flight together, so a caller that sorts
// its blocks pays one round trip for all of them.
void bwrite_many(struct buf **bs, const uint *to, int n)
{
  uint blk[LOGBLOCKS];
  char *src[LOGBLOCKS];
  if (n > LOGBLOCKS)
    panic("bwrite_many: %d bufs", n);
  for (int i = 0; i < n; i++) {
    if (!holdingsleep(&bs[i]->lock))
      panic("bwrite_many: buf not locked");
    blk[i] = to ? to[i] : bs[i]->blockno;
    src[i] = (char *)bs[i]->data;
  }
  bwrite_mem(blk, src, n);
}

// Write n blocks from memory, not through the cache: BSIZE bytes at src[i]
// (direct-map memory, such as a page-cache page) to block to[i]. For file
// data, which never lives in the buffer cache (docs/book/10-fs.md), and for the
// commit. Runs of consecutive blocks are one request each, all in flight
// together; returns when all are done.
void bwrite_mem(const uint *to, char *const *src, int n)
{
  if (n <= 0)
    return;
  COUNT(disk_writes, virtio_disk_writev(to, src, n));
  COUNT(disk_write_blocks, n);
}

// Read n consecutive blocks from the disk into dst (n * BSIZE bytes,
// physically contiguous) in one request, bypassing the cache: for file
// data, which never lives in the buffer cache.
void bread_run(uint dev, uint blockno, int n, void *dst)
{
  (void)dev;   // one disk
  COUNT(disk_reads, virtio_disk_read(blockno, n, dst));
  COUNT(disk_read_blocks, n);
}

// bread_run without waiting, into several pieces of memory (each a
// multiple of BSIZE, physically contiguous): done(addr, len) is called
// from the disk interrupt for each piece when it is there. The caller
// holds the inode's lock while it starts the read, as for bread_run; a
// writer that changes one of these blocks afterwards also changes the
// page-cache page they go to, and waits for the read to finish first
// (a page being read is busy in the page cache).
void bread_run_async(uint dev, uint blockno, int nseg, char **addr, uint32 *len, iodone_fn *done)
{
  (void)dev;
  uint nblocks = 0;
  for (int i = 0; i < nseg; i++)
    nblocks += len[i] / BSIZE;
  COUNT(disk_reads, virtio_disk_read_async(blockno, nseg, addr, len, done));
  COUNT(disk_read_blocks, nblocks);
}

// Drop one reference; called when the caller is done with b.
// Must be called with b locked; unlocks it.
void brelse(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("brelse: buf not locked");
  releasesleep(&b->lock);

  acquire(&bcache.lock);
  if (b->refcnt == 0)
    panic("brelse: refcnt 0");
  b->refcnt--;
  if (b->refcnt == 0) {
    // Nobody uses it now: make it the most recently used.
    list_remove(b);
    list_push_front(b);
    if (bcache.waiters)
      wakeup(&bcache);
  }
  release(&bcache.lock);
}

// Keep b in the cache (the log holds it until committed).
void bpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->refcnt++;
  release(&bcache.lock);
}

void bunpin(struct buf *b)
{
  acquire(&bcache.lock);
  if (b->refcnt == 0)
    panic("bunpin: refcnt 0");
  b->refcnt--;
  if (b->refcnt == 0 && bcache.waiters)
    wakeup(&bcache);
  release(&bcache.lock);
}
