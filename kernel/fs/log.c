// Write-ahead log: makes multi-block file system updates atomic.
//
// A system call that changes the file system brackets its work with
// begin_op() and end_op(). Inside, it changes cached blocks and calls
// log_write(b) instead of bwrite(b): the block is only noted (and pinned in
// the cache). When the last running operation ends, commit():
//
//   1. copies every noted block into the log area on disk,
//   2. writes the log header with the count n and the home block numbers:
//      this single-block write is the commit point,
//   3. writes every block to its home location ("install"),
//   4. writes the header again with n = 0.
//
// A crash before step 2 leaves the disk as before the operations; a crash
// after it is repaired at boot by initlog(), which installs the logged
// blocks again (doing it twice is harmless). Either way the disk holds all
// of a transaction or none of it.
//
// Several operations may run at once and commit together (group commit).
// Each one may note at most MAXOPBLOCKS distinct blocks; begin_op admits a
// new operation only if the log has room for it as well as for the worst
// case of every operation already running. A block noted twice takes one
// slot (absorption), so a transaction touching the bitmap many times costs
// one log block.
//
// On-disk log: a header block followed by the logged blocks.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/file.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"

// Header block contents, on disk and in memory.
struct logheader {
  int n;                  // number of logged blocks
  int block[LOGBLOCKS];   // home block number of each
};

static struct {
  struct spinlock lock;
  int start;        // block number of the header block
  int cap;          // usable log blocks: min(LOGBLOCKS, blocks after the header)
  int outstanding;  // operations between begin_op and end_op
  int committing;   // commit() running: new operations wait
  int dev;
  struct logheader lh;
} log;

static void recover_from_log(void);

// Blocks written to the disk together (bwrite_many): the commit costs a
// few device round trips instead of one per block.
#define WBATCH 16
static void commit(void);

void
initlog(int dev, struct superblock *sb)
{
  if (sizeof(struct logheader) > BSIZE)
    panic("initlog: log header too big");

  initlock(&log.lock, "log");
  log.start = sb->logstart;
  log.dev = dev;
  log.cap = sb->nlog - 1;
  if (log.cap > LOGBLOCKS)
    log.cap = LOGBLOCKS;
  if (log.cap < MAXOPBLOCKS)
    panic("initlog: log of %d blocks is too small", sb->nlog);
  recover_from_log();
}

// Copy the logged blocks to their home locations. At boot (recovering),
// read them from the log area; after a commit the cache still holds them
// (pinned and unchanged), so write those copies and unpin them.
static void
install_trans(int recovering)
{
  struct buf *b[WBATCH];
  for (int i = 0; i < log.lh.n; i += WBATCH) {
    int n = MIN(WBATCH, log.lh.n - i);
    for (int j = 0; j < n; j++) {
      if (recovering) {
        struct buf *lbuf = bread(log.dev, log.start + 1 + i + j);
        b[j] = bgetblank(log.dev, log.lh.block[i + j]);
        memmove(b[j]->data, lbuf->data, BSIZE);
        brelse(lbuf);
      } else {
        b[j] = bread(log.dev, log.lh.block[i + j]);
      }
    }
    bwrite_many(b, n);
    for (int j = 0; j < n; j++) {
      if (!recovering)
        bunpin(b[j]);
      brelse(b[j]);
    }
  }
}

// Read the on-disk header into memory.
static void
read_head(void)
{
  struct buf *b = bread(log.dev, log.start);
  struct logheader *hb = (struct logheader *)b->data;
  log.lh.n = hb->n;
  if (log.lh.n < 0 || log.lh.n > log.cap)
    panic("log: bad header (n = %d)", log.lh.n);
  for (int i = 0; i < log.lh.n; i++)
    log.lh.block[i] = hb->block[i];
  brelse(b);
}

// Write the in-memory header to disk. With n > 0 this is the commit point.
static void
write_head(void)
{
  struct buf *b = bgetblank(log.dev, log.start);
  struct logheader *hb = (struct logheader *)b->data;
  hb->n = log.lh.n;
  for (int i = 0; i < log.lh.n; i++)
    hb->block[i] = log.lh.block[i];
  bwrite(b);
  brelse(b);
}

static void
recover_from_log(void)
{
  read_head();
  if (log.lh.n > 0)
    printf("fs: recovering %d blocks from the log\n", log.lh.n);
  install_trans(1);
  log.lh.n = 0;
  write_head();   // clear the log
}

// Start a file system operation.
void
begin_op(void)
{
  lockdebug_begin_op();
  acquire(&log.lock);
  for (;;) {
    if (log.committing) {
      sleep(&log, &log.lock);
    } else if (log.lh.n + (log.outstanding + 1) * MAXOPBLOCKS > log.cap) {
      // Not enough room if every running operation used its maximum;
      // wait for one to end (or for the commit).
      sleep(&log, &log.lock);
    } else {
      log.outstanding++;
      release(&log.lock);
      return;
    }
  }
}

// End a file system operation; commit if it was the last one running.
void
end_op(void)
{
  int do_commit = 0;

  lockdebug_end_op();
  acquire(&log.lock);
  if (log.outstanding < 1)
    panic("end_op: no operation");
  if (log.committing)
    panic("end_op: committing");
  log.outstanding--;
  if (log.outstanding == 0) {
    do_commit = 1;
    log.committing = 1;
  } else {
    // This operation's reservation is free now: maybe a waiter fits.
    wakeup(&log);
  }
  release(&log.lock);

  if (do_commit) {
    // No lock held: commit sleeps on disk I/O. committing keeps new
    // operations out meanwhile.
    commit();
    acquire(&log.lock);
    log.committing = 0;
    wakeup(&log);
    release(&log.lock);
  }
}

// Copy the modified blocks from the cache into the log area.
static void
write_log(void)
{
  struct buf *to[WBATCH];
  for (int i = 0; i < log.lh.n; i += WBATCH) {
    int n = MIN(WBATCH, log.lh.n - i);
    for (int j = 0; j < n; j++) {
      to[j] = bgetblank(log.dev, log.start + 1 + i + j);
      struct buf *from = bread(log.dev, log.lh.block[i + j]);
      memmove(to[j]->data, from->data, BSIZE);
      brelse(from);
    }
    bwrite_many(to, n);
    for (int j = 0; j < n; j++)
      brelse(to[j]);
  }
}

static void
commit(void)
{
  if (log.lh.n > 0) {
    write_log();
    write_head();      // the commit point
    install_trans(0);
    log.lh.n = 0;
    write_head();      // erase the transaction from the log
  }
}

// Note that b was modified and must be written with the transaction.
// Replaces bwrite inside an operation:
//   bp = bread(...); modify bp->data[]; log_write(bp); brelse(bp);
// The block stays pinned in the cache until the commit installed it.
void
log_write(struct buf *b)
{
  int i;

  acquire(&log.lock);
  if (log.outstanding < 1)
    panic("log_write outside of a transaction");
  for (i = 0; i < log.lh.n; i++) {
    if (log.lh.block[i] == (int)b->blockno)   // absorption
      break;
  }
  if (i == log.lh.n) {
    if (log.lh.n >= log.cap)
      panic("log_write: transaction too big");
    log.lh.block[i] = b->blockno;
    log.lh.n++;
    bpin(b);
  }
  release(&log.lock);
}
