// Write-ahead log for metadata, with file data ordered before it.
//
// A system call that changes the file system brackets its work with
// begin_op() and end_op(). Inside, it changes cached metadata blocks
// (inodes, the bitmap, indirect blocks, directories) and calls
// log_write(b) instead of bwrite(b): the block is only noted (and pinned
// in the cache). File data do not go through the log: write() leaves them
// in the page cache and notes each block with log_data() (the frame, the
// home block, how many bytes of it are inside the file). A commit:
//
//   0. writes the noted file data to their home blocks, sorted, each run
//      of consecutive blocks in one request ("ordered data"),
//   1. copies every logged block into the log area on disk (one
//      request: the log area is consecutive),                  FLUSH
//   2. writes the log header with the count n and the home block numbers:
//      this single-block write is the commit point,             FLUSH
//   3. writes every logged block to its home location ("install"),
//      sorted by block number, each consecutive run in one request, FLUSH
//   4. writes the header again with n = 0.                      FLUSH
//
// A crash before step 2 leaves the metadata as before the operations; a
// crash after it is repaired at boot by initlog(), which installs the
// logged blocks again (doing it twice is harmless). Either way the disk
// holds all of a transaction's metadata or none of it, and the data of
// every block it adds to a file reached the disk before it (step 0 and
// the first FLUSH), so a crash never shows a file a block of stale
// contents. Two rules make that hold (docs/book/10-fs.md, "Ordered data"): a file
// data block never goes through the log, and a block freed by the open
// transaction is not allocated again before it commits (balloc_commit).
//
// A disk with a write-back cache may make completed writes durable in any
// order, so where the order matters the commit sends a FLUSH (when the
// device offers one) and waits for it:
//   after 1: the header must never be durable before the blocks it names,
//            nor before the file data those blocks point to;
//   after 2: the commit point is durable before any home block changes and
//            before log_sync returns;
//   after 3: the home blocks are durable before the header forgets them;
//   after 4: the cleared header is durable before the next commit
//            overwrites the log blocks (a stale header naming new log
//            contents would install them at the wrong homes).
// A commit with file data and no metadata (overwrites in place) writes the
// data and FLUSHes once.
//
// Commits are deferred (group commit): end_op of the last running
// operation commits only when someone waits in log_sync (fsync, msync,
// shutdown), when the log or the data list could not take one more
// operation, or when the last commit is COMMIT_AGE ticks old. So a burst
// of write() calls shares one commit: a file written with 4 KiB writes
// costs a data request per run of blocks and a few metadata blocks, not
// four FLUSHes per call.
//
// Several operations may run at once and commit together. Each one may
// note at most MAXOPBLOCKS distinct metadata blocks and DATAPEROP data
// blocks; begin_op admits a new operation only if the log and the data
// list have room for it as well as for the worst case of every operation
// already running. A block noted twice takes one slot (absorption), so a
// transaction touching the bitmap many times costs one log block.
//
// Admission is first come, first served: begin_op takes a ticket and
// operations start in ticket order. A newcomer queues behind the waiters
// even when the log has room for it; otherwise a process that commits and
// comes straight back finds the room before the woken waiters run, again
// and again, and they starve. The head of the queue waits only for room,
// and while it waits nobody else is admitted, so the running operations
// drain, the group commits, and the head gets in: a waiter is admitted
// after at most the operations queued before it (vmstat log_overtaken_max).
//
// On-disk log: a header block followed by the logged blocks.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/errno.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/file.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/mm/mm.h"
#include "kernel/boot/dtb.h"

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
  int want_commit;  // log_sync is waiting: the last end_op commits
  uint ncommits;    // commits finished (log_sync waits for the next one)
  uint64 since;     // ticks at the end of the last commit
  int ndata;        // file data blocks noted (data[])
  uint next_ticket; // begin_op's queue: the ticket the next caller takes
  uint serving;     // the ticket admitted next
  char queue[NPROC];// sleep channels: ticket t waits on queue[t % NPROC]
  int dev;
  struct logheader lh;
} log;

// File data blocks of the open transaction, written at home before it
// commits (step 0). Each holds a reference on its page-cache frame and
// counts in its inode's `ordered` (iget does not recycle the inode's slot,
// and with it the cached pages, before the data are on the disk).
#define DATAPEROP  (PGSIZE / BSIZE)    // an operation writes at most one page
#define COMMIT_AGE 10                  // ticks (1 s)
static struct datablk data[LOGDATA];

static void recover_from_log(void);

// Crash-test knob: bootarg logstop=K.S stops the kernel's K-th commit
// (K = 0: the recovery at boot) for good after step S, having printed
// "log: stopped ...", so that the host kills QEMU with the disk exactly
// there (tests/harness.py crash). Steps: 1 log blocks written and flushed,
// header not; 2 header written (committed), nothing installed; 3 the first
// home block installed; 4 every home block installed, header not cleared.
static int stop_commit = -1, stop_step, ncommit;
static void stop_point(int step);

static void commit(void);
static void write_data(void);
static void install_some(int recovering, int lo, int hi);
static void flush(void);

// The decimal number at *s; advances *s past it.
static int number(const char **s)
{
  int n = 0;
  for (; **s >= '0' && **s <= '9'; (*s)++)
    n = n * 10 + (**s - '0');
  return n;
}

void initlog(int dev, struct superblock *sb)
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
  if (bootarg_num("blktrace"))   // the layout, for tests/blkcheck.c
    traceline("BT L %d %d", log.start, log.cap + 1);
  const char *ls = bootarg("logstop");
  if (ls) {
    stop_commit = number(&ls);
    stop_step = 1;
    if (*ls == '.') {
      ls++;
      stop_step = number(&ls);
    }
  }
  recover_from_log();
}

// The commit's working set: the logged bufs, held locked while their
// requests are in flight, and where each one goes. Static, because only one
// commit (or the recovery) runs at a time, and a kernel stack has no room
// for them.
static struct buf *iob[LOGBLOCKS];
static uint iodst[LOGBLOCKS];

// Order iob[0..n-1] (and iodst with it) by destination block number, so
// that runs of consecutive blocks become one request each. Insertion sort:
// n is at most LOGBLOCKS, and a log is often nearly sorted already.
static void sort_by_dst(int n)
{
  for (int i = 1; i < n; i++) {
    struct buf *b = iob[i];
    uint d = iodst[i];
    int j = i;
    for (; j > 0 && iodst[j - 1] > d; j--) {
      iob[j] = iob[j - 1];
      iodst[j] = iodst[j - 1];
    }
    iob[j] = b;
    iodst[j] = d;
  }
}

// Copy the logged blocks to their home locations, sorted by block number,
// each run of consecutive blocks in one request. At boot (recovering),
// read them from the log area; after a commit the cache still holds them
// (pinned and unchanged), so write those copies and unpin them.
static void install_trans(int recovering)
{
  int n = log.lh.n;
  int i0 = 0;
  // The crash test's step 3 wants the first block installed alone.
  if (n > 0 && stop_commit == ncommit && stop_step == 3) {
    install_some(recovering, 0, 1);
    stop_point(3);
    i0 = 1;
  }
  install_some(recovering, i0, n);
}

// install_trans for log entries [lo, hi).
static void install_some(int recovering, int lo, int hi)
{
  int n = hi - lo;
  if (n <= 0)
    return;
  if (recovering) {
    // Through the cache, block by block: recovery runs once, at boot.
    for (int i = 0; i < n; i++) {
      struct buf *lbuf = bread(log.dev, log.start + 1 + lo + i);
      iob[i] = bgetblank(log.dev, log.lh.block[lo + i]);
      memmove(iob[i]->data, lbuf->data, BSIZE);
      brelse(lbuf);
      iodst[i] = log.lh.block[lo + i];
    }
  } else {
    for (int i = 0; i < n; i++) {
      iob[i] = bread(log.dev, log.lh.block[lo + i]);
      iodst[i] = log.lh.block[lo + i];
    }
  }
  sort_by_dst(n);
  bwrite_many(iob, iodst, n);
  for (int i = 0; i < n; i++) {
    if (!recovering)
      bunpin(iob[i]);
    brelse(iob[i]);
  }
}

// Read the on-disk header into memory.
static void read_head(void)
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
static void write_head(void)
{
  struct buf *b = bgetblank(log.dev, log.start);
  struct logheader *hb = (struct logheader *)b->data;
  hb->n = log.lh.n;
  for (int i = 0; i < log.lh.n; i++)
    hb->block[i] = log.lh.block[i];
  bwrite(b);
  brelse(b);
}

static void recover_from_log(void)
{
  read_head();
  if (log.lh.n > 0) {
    printf("fs: recovering %d blocks from the log\n", log.lh.n);
    install_trans(1);
    flush();        // installed before the header forgets them
    stop_point(4);
    log.lh.n = 0;
    write_head();   // clear the log
    flush();        // cleared before the first commit reuses the log
  }
  ncommit = 1;
}

// Room for one more operation if every running one used its maximum?
static int log_has_room(void)
{
  return log.lh.n + (log.outstanding + 1) * MAXOPBLOCKS <= log.cap &&
         log.ndata + (log.outstanding + 1) * DATAPEROP <= LOGDATA;
}

// Should the last operation to end commit now? (log.lock held, no
// operation running.)
static int commit_due(void)
{
  return log.want_commit || !log_has_room() || ticks - log.since >= COMMIT_AGE;
}

// Wake the head of begin_op's queue, if any: the only waiter that can go.
// There are fewer than NPROC waiters, so their tickets differ mod NPROC.
static void wake_head(void)
{
  if (log.next_ticket != log.serving)
    wakeup(&log.queue[log.serving % NPROC]);
}

// Start a file system operation: wait for our turn (ticket order), for no
// commit to be running, and for room in the log.
void begin_op(void)
{
  lockdebug_begin_op();
  acquire(&log.lock);
  uint t = log.next_ticket++;
  uint ahead = t - log.serving;   // operations queued before us
  if (ahead > 0 || log.committing || !log_has_room()) {
    VMCOUNT(log_waits);
    while (t != log.serving || log.committing || !log_has_room())
      sleep(&log.queue[t % NPROC], &log.lock);
    if (ahead > vmcount.log_overtaken_max)
      vmcount.log_overtaken_max = ahead;
  }
  log.serving++;
  log.outstanding++;
  // The next in line may fit as well.
  wake_head();
  release(&log.lock);
}

// Commit with log.lock held and log.committing just set by the caller.
// Returns with log.lock held, the commit done and new operations let in.
static void commit_locked(void)
{
  // No lock held across the commit: it sleeps on disk I/O. committing
  // keeps new operations out meanwhile.
  release(&log.lock);
  commit();
  acquire(&log.lock);
  log.committing = 0;
  log.want_commit = 0;
  log.ncommits++;
  log.since = ticks;
  wakeup(&log.ncommits);
  wake_head();
}

// End a file system operation; commit if it was the last one running.
void end_op(void)
{
  lockdebug_end_op();
  acquire(&log.lock);
  if (log.outstanding < 1)
    panic("end_op: no operation");
  if (log.committing)
    panic("end_op: committing");
  log.outstanding--;
  if (log.outstanding == 0 && commit_due()) {
    log.committing = 1;
    commit_locked();
  } else {
    // This operation's reservation is free now: maybe the head fits.
    wake_head();
  }
  release(&log.lock);
}

// Return once every operation that ended before the call is committed,
// with its blocks on the disk and flushed (fsync, msync). If operations
// are running, the last of them commits (want_commit); if none is, commit
// here. Call outside any operation.
void log_sync(void)
{
  acquire(&log.lock);
  while (log.committing)
    sleep(&log.ncommits, &log.lock);
  if (log.outstanding == 0) {
    log.committing = 1;
    commit_locked();
  } else {
    uint n = log.ncommits;
    log.want_commit = 1;
    while (log.ncommits == n)
      sleep(&log.ncommits, &log.lock);
  }
  release(&log.lock);
}

// Copy the modified blocks from the cache into the log area: one request
// (the log area is consecutive), straight from the pinned bufs, with no
// copy and no bufs of the log area taken from the cache. (Bufs of the log
// area that recovery read at boot may stay cached, stale after this write;
// nothing reads the log area through the cache but recovery, at the next
// boot, with a fresh cache.)
static void write_log(void)
{
  int n = log.lh.n;
  for (int i = 0; i < n; i++) {
    iob[i] = bread(log.dev, log.lh.block[i]);
    iodst[i] = log.start + 1 + i;
  }
  bwrite_many(iob, iodst, n);
  for (int i = 0; i < n; i++)
    brelse(iob[i]);
}

// Make every completed write durable, if the disk has a write-back cache.
static void flush(void)
{
  if (virtio_disk_flush() == 0)
    VMCOUNT(disk_flushes);
}

static void commit(void)
{
  if (log.lh.n == 0 && log.ndata == 0)
    return;
  write_data();        // file data at home before the metadata naming them
  if (log.lh.n > 0) {
    write_log();
    flush();           // log blocks and data durable before the header
    stop_point(1);
    write_head();      // the commit point
    flush();           // committed, before any home block changes
    stop_point(2);
    install_trans(0);
    flush();           // home blocks durable before the header forgets them
    stop_point(4);
    log.lh.n = 0;
    write_head();      // erase the transaction from the log
    flush();           // cleared before the next commit reuses the log
    balloc_commit();   // the blocks it freed may be allocated again
    VMCOUNT(log_commits);
    ncommit++;
  } else {
    flush();           // overwrites in place only: durable
  }
}

// Note that file data block blockno must be written before the open
// transaction commits: its first len bytes are at pgoff in frame pa (a
// page-cache page of ip), the rest of the block is zero. Called inside an
// operation, holding ip->lock, at most DATAPEROP times per operation. The
// latest note of a block wins (it knows the file's current size).
void log_data(struct inode *ip, uint64 pa, uint pgoff, uint blockno, uint len)
{
  acquire(&log.lock);
  if (log.outstanding < 1)
    panic("log_data outside of a transaction");
  int n = log.ndata;
  if (n > 0 && data[n - 1].blockno == blockno && data[n - 1].pa == pa && !data[n - 1].cancelled) {
    data[n - 1].len = len;     // the same block again (small appends)
    release(&log.lock);
    return;
  }
  if (n >= LOGDATA)
    panic("log_data: too many blocks");
  frame_get(pa);
  __atomic_fetch_add(&ip->ordered, 1, __ATOMIC_RELAXED);
  data[n] = (struct datablk){ .blockno = blockno, .len = len, .pa = pa, .pgoff = pgoff, .ip = ip };
  log.ndata = n + 1;
  release(&log.lock);
}

// Is block blockno logged in the open transaction?
int log_has(uint blockno)
{
  acquire(&log.lock);
  int i = 0;
  while (i < log.lh.n && log.lh.block[i] != (int)blockno)
    i++;
  int found = i < log.lh.n;
  release(&log.lock);
  return found;
}

// Data block blockno goes through the log from now on in this
// transaction (writei_page): its notes must not be written in place. They
// keep their references until the commit lets go of them.
void log_data_cancel(uint blockno)
{
  acquire(&log.lock);
  for (int i = 0; i < log.ndata; i++)
    if (data[i].blockno == blockno)
      data[i].cancelled = 1;
  release(&log.lock);
}

// Step 0 of the commit: write the noted file data home and let go of the
// frames. Nothing changes them meanwhile (no operation runs during a
// commit; a store through a shared mapping leaves its page dirty for
// msync or eviction).
static void write_data(void)
{
  int n = log.ndata;
  write_blocks(data, n);
  for (int i = 0; i < n; i++) {
    if (data[i].blockno == 0)
      continue;   // written early
    __atomic_fetch_sub(&data[i].ip->ordered, 1, __ATOMIC_RELAXED);
    frame_put(data[i].pa);
  }
  log.ndata = 0;
}

// iget recycles the slot of ip (unreferenced but for the caller's
// reference) and with it the cached pages: write ip's noted data home
// now, so that a page read in again finds them on the disk. Writing data
// before the commit is always allowed (its new blocks are not named by
// committed metadata yet). The notes are taken off the list (block 0);
// called inside an operation, so no commit runs meanwhile. 0 or -ENOMEM.
int log_data_early(struct inode *ip)
{
  // One page for the notes and the scratch space, one to bounce through.
  enum { MAX = PGSIZE / 2 / sizeof(struct datablk) };
  char *page = kalloc(), *bounce = kalloc();
  int err = page && bounce ? 0 : -ENOMEM;
  struct datablk *d = (struct datablk *)page;
  uint *order = (uint *)(page + PGSIZE / 2), *to = order + MAX;
  struct datascratch w = { order, to, (char **)(to + MAX), bounce };
  int max = MAX;
  while (err == 0) {
    int k = 0;
    acquire(&log.lock);
    for (int i = 0; i < log.ndata && k < max; i++) {
      if (data[i].ip == ip && data[i].blockno) {
        d[k++] = data[i];
        data[i].blockno = 0;
      }
    }
    release(&log.lock);
    if (k == 0)
      break;
    write_blocks_with(d, k, &w);
    for (int i = 0; i < k; i++) {
      __atomic_fetch_sub(&ip->ordered, 1, __ATOMIC_RELAXED);
      frame_put(d[i].pa);
    }
  }
  if (page)
    kfree(page);
  if (bounce)
    kfree(bounce);
  return err;
}

static void stop_point(int step)
{
  static char forever;
  if (ncommit != stop_commit || step != stop_step)
    return;
  printf("log: stopped in commit %d after step %d (logstop)\n", ncommit, step);
  acquire(&log.lock);
  for (;;)
    sleep(&forever, &log.lock);
}

// Note that b was modified and must be written with the transaction.
// Replaces bwrite inside an operation:
//   bp = bread(...); modify bp->data[]; log_write(bp); brelse(bp);
// The block stays pinned in the cache until the commit installed it.
void log_write(struct buf *b)
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
