// File system: blocks, inodes, directories, path names.
//
// Disk layout (see kernel/fs.h; mkfs/mkfs.c builds it):
//   [ boot | super | log header + log | inode blocks | free bitmap | data ]
//
// Layers, bottom up:
//   blocks       balloc/bfree: the free bitmap
//   inodes       the in-memory inode table; ilock reads a dinode from disk,
//                iupdate writes it back; bmap maps a file block to a disk block
//                (11 direct, 1 single-indirect, 1 double-indirect);
//                readi/writei move bytes; itrunc_to grows or shrinks a file
//   directories  a directory is a file of struct dirent; dirlookup, dirlink
//   path names   namei/nameiparent_err walk "/a/b/c" one element at a time
//
// Inode life cycle (as in xv6):
//   ref    number of in-memory pointers (open files, cwd, lookups in progress);
//          iget/idup raise it, iput lowers it. The table slot is reused
//          when ref reaches 0.
//   valid  the dinode has been read (ilock does it on first use).
//   nlink  number of directory entries naming the inode; when the last
//          ref goes and nlink is 0, iput frees the inode and its blocks.
//
// Invariant kept by writei and itrunc_to: in every allocated data block the
// bytes past the end of the file are zero, and no data block exists at or
// past block ceil(size / BSIZE). So growing a file just raises size, and a
// block never written reads as zeros (a hole: address 0).

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/errno.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/file.h"
#include "kernel/fs/truncbudget.h"
#include "kernel/mm/mm.h"
#include "kernel/memlayout.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/sleeplock.h"
#include "kernel/proc/proc.h"

// There is one file system per machine; its super block.
static struct superblock sb;

static void readsb(int dev, struct superblock *s)
{
  struct buf *bp = bread(dev, 1);
  memmove(s, bp->data, sizeof(*s));
  brelse(bp);
}

static void free_orphans(uint dev);
static void freed_init(void);

// Read the super block, replay the log, and free orphaned inodes.
// Sleeps: call from a process (it needs myproc() for sleeping on I/O).
void fsinit(int dev)
{
  readsb(dev, &sb);
  if (sb.magic != FSMAGIC)
    panic("fsinit: bad file system magic %x", sb.magic);
  freed_init();
  initlog(dev, &sb);
  free_orphans(dev);
}

// ---------------------------------------------------------------------------
// Blocks

// Search hint for balloc: no block below it is known to be free. Only a
// hint (the bitmap, read under its buf lock, is the truth).
static struct spinlock hintlock;
static uint alloc_hint;

// Blocks freed since the last commit (a bit each, under hintlock). balloc
// does not hand them out again before the commit that frees them: file
// data go to their home blocks before the commit (log.c), and if a crash
// came first, a block written for its new file would still belong to the
// old one (or be its indirect block, or a directory's).
#define FREED_PAGES 16   // bits for disks of up to 16 * 8 * PGSIZE blocks
static uchar *freed[FREED_PAGES];
static uint nfreed;

static int freed_test(uint b)
{
  return (freed[b / (8 * PGSIZE)][b / 8 % PGSIZE] >> (b % 8)) & 1;
}

// The commit made the frees durable: the blocks may be allocated again.
void balloc_commit(void)
{
  acquire(&hintlock);
  if (nfreed) {
    for (uint i = 0; i < FREED_PAGES && freed[i]; i++)
      memset(freed[i], 0, PGSIZE);
    nfreed = 0;
  }
  release(&hintlock);
}

// A disk that looked full may only be waiting for a commit: blocks freed
// by the open transaction are not allocated again before it. If there are
// such blocks, commit (log_sync) and return 1: the caller may try again.
// Call outside any operation.
int balloc_free_pending(void)
{
  acquire(&hintlock);
  int n = nfreed;
  release(&hintlock);
  if (n)
    log_sync();
  return n > 0;
}

static void freed_init(void)
{
  uint n = (sb.size + 8 * PGSIZE - 1) / (8 * PGSIZE);
  if (n > FREED_PAGES)
    panic("fsinit: a disk of %d blocks is too big", (int)sb.size);
  for (uint i = 0; i < n; i++)
    if ((freed[i] = kalloc()) == 0)
      panic("fsinit: no memory");
}

// Take block b if it is free, and was not freed since the last commit,
// in the bitmap block bp (which covers it).
static int take_if_free(struct buf *bp, uint b)
{
  uint bi = b % BPB;
  uchar m = 1 << (bi % 8);
  if (bp->data[bi / 8] & m)
    return 0;
  acquire(&hintlock);
  int recent = nfreed && freed_test(b);
  release(&hintlock);
  if (recent)
    return 0;
  bp->data[bi / 8] |= m;
  log_write(bp);
  return 1;
}

// Allocate a disk block, near goal if it is not 0: goal itself if it is
// free, else the first free block after it (wrapping around). A growing
// file asks for the block after its last one, so its blocks stay
// consecutive on the disk where they can, and a page or a read-ahead run
// is one request. Without a goal, the first free block from the hint.
// With zero, the block is zeroed through the log (metadata: an indirect
// block, a directory's); file data blocks are not (their contents come
// from the page cache before the commit, data.c). Returns the block's
// number, or 0 if the disk is full.
static uint balloc(uint dev, uint goal, int zero)
{
  uint datastart = sb.bmapstart + (sb.size + BPB - 1) / BPB;
  if (goal < datastart || goal >= sb.size)
    goal = 0;
  uint start = goal;
  if (start == 0) {
    acquire(&hintlock);
    start = alloc_hint;
    release(&hintlock);
  }

  // Scan the bitmap from start, wrapping around once: the rest of start's
  // bitmap block, the others, then the beginning of start's.
  uint nbmap = (sb.size + BPB - 1) / BPB;
  uint first = start / BPB;
  for (uint k = 0; k <= nbmap; k++) {
    uint base = ((first + k) % nbmap) * BPB;   // first block this bitmap block covers
    uint from = k == 0 ? start : base;
    uint to = MIN(base + BPB, sb.size);
    if (k == nbmap)
      to = MIN(start, to);
    struct buf *bp = bread(dev, BBLOCK(base, sb));
    for (uint b = from; b < to; b++) {
      if (bp->data[(b % BPB) / 8] == 0xff && b % 8 == 0) {
        b += 7;                   // eight blocks in use
        continue;
      }
      if (take_if_free(bp, b)) {
        brelse(bp);

        acquire(&hintlock);
        if (alloc_hint == b || (goal == 0 && alloc_hint <= b))
          alloc_hint = b + 1;
        release(&hintlock);

        if (zero) {
          // Zero the new block through the log (no need to read it).
          struct buf *zb = bgetblank(dev, b);
          log_write(zb);
          brelse(zb);
        }
        return b;
      }
    }
    brelse(bp);
  }
  return 0;
}

// Free a disk block.
static void bfree(uint dev, uint b)
{
  if (b < sb.bmapstart + (sb.size + BPB - 1) / BPB || b >= sb.size)
    panic("bfree: bad block %d", (int)b);
  struct buf *bp = bread(dev, BBLOCK(b, sb));
  uint bi = b % BPB;
  uchar m = 1 << (bi % 8);
  if ((bp->data[bi / 8] & m) == 0)
    panic("bfree: block %d is free already", (int)b);
  bp->data[bi / 8] &= ~m;
  log_write(bp);
  brelse(bp);

  acquire(&hintlock);
  if (b < alloc_hint)
    alloc_hint = b;
  freed[b / (8 * PGSIZE)][b / 8 % PGSIZE] |= 1 << (b % 8);
  nfreed++;
  release(&hintlock);
}

// ---------------------------------------------------------------------------
// Inodes

static struct {
  struct spinlock lock;   // protects ref, dev, inum of every slot
  struct inode inode[NINODE];
} itable;

void iinit(void)
{
  initlock(&itable.lock, "itable");
  initlock(&hintlock, "balloc");
  for (int i = 0; i < NINODE; i++)
    initsleeplock(&itable.inode[i].lock, "inode");
}

// Find the in-memory inode (dev, inum), or take a free slot for it.
// Does not lock it or read it from disk. Returns 0 if the table is full.
static struct inode *iget(uint dev, uint inum)
{
  struct inode *ip, *empty;

  // An unreferenced inode keeps its page cache (ip->obj) until its slot
  // is needed for another file, so a file read again soon is still in
  // memory. Prefer empty slots that cache nothing.
  acquire(&itable.lock);
again:
  empty = 0;
  for (ip = itable.inode; ip < itable.inode + NINODE; ip++) {
    if ((ip->ref > 0 || ip->obj) && ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if (ip->ref == 0 && (empty == 0 || (empty->obj && !ip->obj)))
      empty = ip;
  }
  if (empty && empty->obj && __atomic_load_n(&empty->ordered, __ATOMIC_RELAXED)) {
    // Its cached pages hold data that wait for the commit: write them
    // home first, so that the file read in again finds them on the disk.
    // Our reference keeps the slot meanwhile; then look again.
    empty->ref++;
    release(&itable.lock);
    int err = log_data_early(empty);
    acquire(&itable.lock);
    empty->ref--;
    if (err == 0)
      goto again;
    release(&itable.lock);
    return 0;
  }
  struct vmobj *old = 0;
  if (empty) {
    old = empty->obj;
    empty->obj = 0;
    empty->dev = dev;
    empty->inum = inum;
    empty->ref = 1;
    empty->valid = 0;
    empty->lastblock = 0;
  }
  release(&itable.lock);
  if (old)
    pagecache_forget_obj(old);   // clean and unmapped: nobody held the inode
  return empty;
}

// Allocate an inode of the given type on disk. Returns it referenced but
// not locked, or 0 with *err = -ENOSPC (no free dinode) or -ENFILE (the
// in-memory table is full).
struct inode *ialloc_err(uint dev, short type, int *err)
{
  for (uint inum = 1; inum < sb.ninodes; inum++) {
    struct buf *bp = bread(dev, IBLOCK(inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + inum % IPB;
    if (dip->type == 0) {
      // Get the table slot first, so that failing leaves the disk alone.
      // The buf lock keeps other allocators off this dinode meanwhile.
      struct inode *ip = iget(dev, inum);
      if (ip == 0) {
        brelse(bp);
        *err = -ENFILE;
        return 0;
      }
      memset(dip, 0, sizeof(*dip));
      dip->type = type;
      log_write(bp);
      brelse(bp);
      return ip;
    }
    brelse(bp);
  }
  *err = -ENOSPC;
  return 0;
}

// Copy a changed in-memory inode to disk (through the log).
// Caller holds ip->lock and is in a transaction.
void iupdate(struct inode *ip)
{
  struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(bp);
  brelse(bp);
}

// One more reference to ip.
struct inode *idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

// idup for reclaim, which finds inodes through the page cache, not
// through a reference it holds: 0 if the inode is unreferenced or being
// freed by iput (its blocks are going; it must not be written back), or
// if obj is no longer its page cache (the slot holds another file now).
// With the reference, obj stays the inode's.
struct inode *idup_live(struct inode *ip, struct vmobj *obj)
{
  acquire(&itable.lock);
  int live = ip->ref > 0 && !ip->freeing && ip->obj == obj;
  if (live)
    ip->ref++;
  release(&itable.lock);
  return live ? ip : 0;
}

// Lock ip, reading it from disk if needed.
void ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("ilock");
  acquiresleep(&ip->lock);
  if (!ip->valid) {
    struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
    ip->type = dip->type;
    ip->major = dip->major;
    ip->minor = dip->minor;
    ip->nlink = dip->nlink;
    ip->size = dip->size;
    memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
    brelse(bp);
    ip->valid = 1;
    if (ip->type == 0)
      panic("ilock: inode %d has no type", (int)ip->inum);
  }
}

void iunlock(struct inode *ip)
{
  if (ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock");
  releasesleep(&ip->lock);
}

static int trunc_step(struct inode *ip, uint keep);

// Drop a reference. If it was the last one and no directory names the
// inode any more, free the inode and its blocks. Call inside a transaction.
void iput(struct inode *ip)
{
  acquire(&itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    // Ours is the only reference, so nobody else holds the lock or can
    // find the inode (no directory entry names it; reclaim, which finds
    // it through the page cache, sees freeing and leaves it alone), and
    // the slot cannot be reused while ref is 1. So the table lock can go
    // first: the lock order puts every sleep lock before every spin lock.
    ip->freeing = 1;
    release(&itable.lock);
    acquiresleep(&ip->lock);

    // Its cached pages die with it (nobody maps it: mappings hold references).
    inode_forget_obj(ip);
    // Free the blocks, committing in between if the file is big.
    while (!trunc_step(ip, 0)) {
      // Commit in between, unlocked as in itrunc: begin_op comes before
      // any inode lock in the lock order.
      releasesleep(&ip->lock);
      end_op();
      begin_op();
      acquiresleep(&ip->lock);
    }
    ip->size = 0;
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;

    releasesleep(&ip->lock);
    acquire(&itable.lock);
    ip->freeing = 0;
  }
  ip->ref--;
  release(&itable.lock);
}

// At boot, free every inode that is allocated but has no name: a file
// that was unlinked while open, or whose freeing was cut short by a crash
// (freeing a big file takes several transactions). Nothing can have such
// an inode open now, so dropping the reference frees it.
static void free_orphans(uint dev)
{
  for (uint inum = ROOTINO + 1; inum < sb.ninodes; inum++) {
    struct buf *bp = bread(dev, IBLOCK(inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + inum % IPB;
    int orphan = dip->type != 0 && dip->nlink == 0;
    brelse(bp);
    if (!orphan)
      continue;
    begin_op();
    struct inode *ip = iget(dev, inum);
    if (ip == 0)
      panic("free_orphans: inode table full");
    ilock(ip);      // reads the dinode: valid, nlink 0
    iunlockput(ip); // last reference: frees blocks and inode
    end_op();
  }
}

void iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

void stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// ---------------------------------------------------------------------------
// Block map
//
// File block bn lives in:
//   bn < NDIRECT                    addrs[bn]
//   bn < NDIRECT + NINDIRECT        entry bn - NDIRECT of block addrs[NDIRECT]
//   otherwise, with d = bn - NDIRECT - NINDIRECT:
//                                   entry d % NINDIRECT of the block found at
//                                   entry d / NINDIRECT of block addrs[NDIRECT+1]
// An address 0 means "not allocated".

#define DBASE (NDIRECT + NINDIRECT)   // first file block of the double-indirect tree

// Where the next block allocated to ip should go: after the last one.
static uint alloc_goal(struct inode *ip)
{
  return ip->lastblock ? ip->lastblock + 1 : 0;
}

// Allocate a block for ip (near its last one) and remember it. zero: see
// balloc.
static uint balloc_for(struct inode *ip, int zero)
{
  uint b = balloc(ip->dev, alloc_goal(ip), zero);
  if (b)
    ip->lastblock = b;
  return b;
}

// Entry i of indirect block blk of ip, allocating it if missing and alloc
// is set (zeroed, if zero). Returns 0 if missing (or if the disk is full).
static uint ind_entry(struct inode *ip, uint blk, uint i, int alloc, int zero)
{
  struct buf *bp = bread(ip->dev, blk);
  uint *a = (uint *)bp->data;
  uint b = a[i];
  if (b == 0 && alloc) {
    b = balloc_for(ip, zero);
    if (b) {
      a[i] = b;
      log_write(bp);
    }
  }
  brelse(bp);
  return b;
}

// Address slot i of the inode itself, allocating it if asked.
static uint inode_entry(struct inode *ip, uint i, int alloc, int zero)
{
  if (ip->addrs[i] == 0 && alloc)
    ip->addrs[i] = balloc_for(ip, zero);   // stays 0 if the disk is full
  return ip->addrs[i];
}

// Disk block of file block bn; with alloc, allocate what is missing
// (the caller then iupdates ip). Returns 0 for a hole or a full disk.
// Indirect blocks and a directory's blocks are zeroed through the log; a
// regular file's data block is not (its caller writes all of it).
static uint bmap(struct inode *ip, uint bn, int alloc)
{
  int z = ip->type != T_FILE;
  if (bn < NDIRECT)
    return inode_entry(ip, bn, alloc, z);
  bn -= NDIRECT;

  if (bn < NINDIRECT) {
    uint ind = inode_entry(ip, NDIRECT, alloc, 1);
    return ind ? ind_entry(ip, ind, bn, alloc, z) : 0;
  }
  bn -= NINDIRECT;

  if (bn < NDINDIRECT) {
    uint root = inode_entry(ip, NDIRECT + 1, alloc, 1);
    if (root == 0)
      return 0;
    uint l2 = ind_entry(ip, root, bn / NINDIRECT, alloc, 1);
    return l2 ? ind_entry(ip, l2, bn % NINDIRECT, alloc, z) : 0;
  }
  panic("bmap: block %d out of range", (int)(bn + NDIRECT + NINDIRECT));
}

// bmap without allocation of the n file blocks from bn on, into out[]:
// each indirect block is read once for all its entries, not once per
// block (a buffer-cache lookup costs several lock round trips).
static void bmap_many(struct inode *ip, uint bn, uint n, uint *out)
{
  for (uint i = 0; i < n; ) {
    uint b = bn + i;
    if (b < NDIRECT || b >= MAXFILE) {
      out[i++] = b < NDIRECT ? ip->addrs[b] : 0;
      continue;
    }
    uint blk, first;    // the indirect block that holds b's entry, and where
    if (b < DBASE) {
      blk = ip->addrs[NDIRECT];
      first = b - NDIRECT;
    } else {
      uint root = ip->addrs[NDIRECT + 1];
      blk = root ? ind_entry(ip, root, (b - DBASE) / NINDIRECT, 0, 0) : 0;
      first = (b - DBASE) % NINDIRECT;
    }
    uint m = MIN(n - i, NINDIRECT - first);
    if (blk == 0) {
      memset(out + i, 0, m * sizeof(uint));
    } else {
      struct buf *bp = bread(ip->dev, blk);
      memmove(out + i, (uint *)bp->data + first, m * sizeof(uint));
      brelse(bp);
    }
    i += m;
  }
}

// ---------------------------------------------------------------------------
// Truncation
//
// Freeing a big file touches many bitmap blocks, too many for one
// transaction. So blocks are freed from the end in steps, each within a
// budget of distinct blocks logged; after each step the file is consistent
// (it just looks truncated at a block boundary), and the caller commits
// before the next step.

// The budget itself (distinct blocks logged) is in truncbudget.c.

// Free the data blocks at file index >= keep held by the indirect block
// in *slot, which covers file blocks [base, base + NINDIRECT), and the
// indirect block itself if nothing in it is kept. *slot is in the inode or
// in the locked buf of a double-indirect block (the caller logs that).
// Returns 1 when finished; 0 when the budget ran out, with *low lowered to
// the lowest index such that everything at or above it (and >= keep) is free.
static int trunc_ind(struct inode *ip, uint *slot, uint base, uint keep,
          struct budget *t, uint *low)
{
  uint ib = *slot;
  if (ib == 0 || keep >= base + NINDIRECT) {
    *low = MIN(*low, MAX(keep, base));
    return 1;
  }
  uint first = keep > base ? keep - base : 0;   // first entry to free
  struct buf *bp = bread(ip->dev, ib);
  uint *a = (uint *)bp->data;

  if (first == 0) {
    // The whole block goes. If all its bitmap blocks fit, free the lot
    // without rewriting the indirect block.
    if (budget_free_all(t, ib, a, NINDIRECT, sb.bmapstart)) {
      for (uint i = 0; i < NINDIRECT; i++)
        if (a[i])
          bfree(ip->dev, a[i]);
      brelse(bp);
      bfree(ip->dev, ib);
      *slot = 0;
      *low = MIN(*low, base);
      return 1;
    }
  }

  // Entry by entry from the end, clearing them in the indirect block.
  if (!budget_add(t, ib)) {
    brelse(bp);
    return 0;
  }
  int done = 1, changed = 0;
  for (int i = NINDIRECT - 1; i >= (int)first; i--) {
    if (a[i]) {
      if (!budget_add(t, BBLOCK(a[i], sb))) {
        done = 0;
        break;
      }
      bfree(ip->dev, a[i]);
      a[i] = 0;
      changed = 1;
    }
    *low = MIN(*low, base + i);
  }
  if (changed)
    log_write(bp);
  brelse(bp);

  if (done && first == 0) {
    if (budget_add(t, BBLOCK(ib, sb))) {
      bfree(ip->dev, ib);
      *slot = 0;
    } else {
      done = 0;   // empty now; the next step frees it
    }
  }
  return done;
}

// Same for the double-indirect tree in addrs[NDIRECT+1], covering
// file blocks [DBASE, MAXFILE).
static int trunc_dind(struct inode *ip, uint keep, struct budget *t, uint *low)
{
  uint root = ip->addrs[NDIRECT + 1];
  if (root == 0 || keep >= MAXFILE) {
    *low = MIN(*low, MAX(keep, DBASE));
    return 1;
  }
  if (!budget_add(t, root))
    return 0;
  struct buf *bp = bread(ip->dev, root);
  uint *a = (uint *)bp->data;
  uint jfirst = keep > DBASE ? (keep - DBASE) / NINDIRECT : 0;
  int done = 1, changed = 0;
  for (int j = NINDIRECT - 1; j >= (int)jfirst; j--) {
    uint old = a[j];
    int r = trunc_ind(ip, &a[j], DBASE + j * NINDIRECT, keep, t, low);
    if (a[j] != old)
      changed = 1;
    if (!r) {
      done = 0;
      break;
    }
  }
  if (changed)
    log_write(bp);
  brelse(bp);

  if (done && keep <= DBASE) {
    if (budget_add(t, BBLOCK(root, sb))) {
      bfree(ip->dev, root);
      ip->addrs[NDIRECT + 1] = 0;
    } else {
      done = 0;
    }
  }
  if (done)
    *low = MIN(*low, MAX(keep, DBASE));
  return done;
}

// One step of freeing every block at file index >= keep. Lowers ip->size
// to what is left and writes the inode. Returns 1 when finished.
// Caller holds ip->lock and is in a transaction.
static int trunc_step(struct inode *ip, uint keep)
{
  struct budget t;
  t.n = 0;
  budget_add(&t, IBLOCK(ip->inum, sb));

  uint low = MAXFILE;
  int done = trunc_dind(ip, keep, &t, &low) &&
             trunc_ind(ip, &ip->addrs[NDIRECT], NDIRECT, keep, &t, &low);
  if (done) {
    for (int i = NDIRECT - 1; i >= (int)keep; i--) {
      if (ip->addrs[i]) {
        if (!budget_add(&t, BBLOCK(ip->addrs[i], sb))) {
          done = 0;
          break;
        }
        bfree(ip->dev, ip->addrs[i]);
        ip->addrs[i] = 0;
      }
      low = i;
    }
    if (done)
      low = MIN(low, keep);
  }
  if ((uint64)low * BSIZE < ip->size)
    ip->size = low * BSIZE;
  iupdate(ip);
  return done;
}

// Block b of ip, whose first len bytes are at pgoff in frame pa (the
// rest zero), was written: note it for the commit (ordered data), or,
// with to_log, copy it into the log. A block once logged in a transaction
// stays logged for the rest of it (its notes cancelled): written in place
// first and installed from the log after, the older copy would win.
static void note_block(struct inode *ip, uint64 pa, uint pgoff, uint b, uint len, int to_log)
{
  if (!to_log && !log_has(b)) {
    log_data(ip, pa, pgoff, b, len);
    return;
  }
  struct buf *bp = bgetblank(ip->dev, b);
  memmove(bp->data, (char *)P2V(pa) + pgoff, len);
  log_write(bp);
  brelse(bp);
  log_data_cancel(b);
}

// Shrinking to len, which ends inside a block: zero the rest of that
// block. Like all file data it lives in the page cache and goes home
// before the commit (log_data), not through the log.
static int zero_tail_block(struct inode *ip, uint64 len)
{
  uint b;
  if (len % BSIZE == 0 || (b = bmap(ip, len / BSIZE, 0)) == 0)
    return 0;
  uint64 pa;
  int err = pagecache_getpage(vmobj_of_inode(ip), len / PGSIZE, &pa);
  if (err < 0)
    return err;
  pagecache_zero_tail(ip->obj, len);
  note_block(ip, pa, len % PGSIZE / BSIZE * BSIZE, b, len % BSIZE, 0);
  frame_put(pa);
  return 0;
}

// Set the size of file ip to len. Growing just raises the size (the new
// bytes read as zeros; blocks come when written). Shrinking zeroes the
// tail of the new last block and frees the blocks past it.
//
// A big shrink takes several transactions. Between them ip is unlocked:
// another process may be inside a transaction waiting for ip->lock, and
// the log cannot commit (to make room for our next step) until it ends.
// Whatever it does meanwhile is harmless: every step frees all blocks past
// the end again, and the last one zeroes the tail and sets the size in
// the same transaction.
// Caller holds ip->lock and is in a transaction; both are held again on
// return. Returns 0, -EFBIG, or -ENOMEM (nothing changed: the page of the
// new last block could not be read).
int itrunc_to(struct inode *ip, uint64 len)
{
  if (len > MAXFILEBYTES)
    return -EFBIG;
  if (len >= ip->size) {
    if (len > ip->size) {
      pagecache_zero_tail(ip->obj, ip->size);
      ip->size = len;
      iupdate(ip);
    }
    return 0;
  }

  pagecache_truncate(ip->obj, len);   // unmap pages past the end everywhere
  uint keep = (len + BSIZE - 1) / BSIZE;
  for (;;) {
    int err = zero_tail_block(ip, len);
    if (err < 0)
      return err;
    if (trunc_step(ip, keep))
      break;
    iunlock(ip);
    end_op();
    begin_op();
    ilock(ip);
  }
  ip->size = len;
  iupdate(ip);
  // Again: the inode was unlocked between steps, and a fault may have
  // read a page past the new end back in meanwhile.
  pagecache_truncate(ip->obj, len);
  return 0;
}

// ---------------------------------------------------------------------------
// Reading and writing file contents

static char zeros[BSIZE];   // source for holes (never written)

// Copy n bytes at offset boff of disk block b (0: a hole) to dst.
// For user destinations, go through a kernel bounce buffer, so that the
// buf lock is not held while touching user memory (which may fault).
static int copy_block_out(struct inode *ip, uint b, uint boff, int user_dst, uint64 dst, uint n)
{
  if (b == 0)
    return either_copyout(user_dst, dst, zeros, n);
  struct buf *bp = bread(ip->dev, b);
  if (!user_dst) {
    memmove((void *)dst, bp->data + boff, n);
    brelse(bp);
    return 0;
  }
  char bounce[BSIZE];
  memmove(bounce, bp->data + boff, n);
  brelse(bp);
  return either_copyout(1, dst, bounce, n);
}

// Read n bytes at off from ip into dst (user or kernel address).
// Returns bytes read: 0 at or past EOF; -EFAULT if the first copy failed.
// Caller holds ip->lock.
static int readi_blocks(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  uint tot = 0;
  while (tot < n) {
    uint m = MIN(n - tot, BSIZE - off % BSIZE);
    uint b = bmap(ip, off / BSIZE, 0);
    if (copy_block_out(ip, b, off % BSIZE, user_dst, dst, m) < 0)
      return tot > 0 ? (int)tot : -EFAULT;
    tot += m;
    off += m;
    dst += m;
  }
  return tot;
}

int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  if (off >= ip->size)
    return 0;
  if (n > ip->size - off)
    n = ip->size - off;
  // File data comes through the page cache, so read() sees exactly what
  // mappings see; directories keep using the block cache.
  if (ip->type == T_FILE)
    return pagecache_read(vmobj_of_inode(ip), user_dst, dst, off, n);
  return readi_blocks(ip, user_dst, dst, off, n);
}

// A run of consecutive disk blocks being gathered for one read: pieces of
// pages (each piece contiguous in memory), in block order.
#define RUNSEG 32
struct run {
  uint start, nblocks;   // first block, blocks so far
  int nseg;
  char *addr[RUNSEG];
  uint32 len[RUNSEG];
};

static void run_flush(struct inode *ip, struct run *r, iodone_fn *done)
{
  if (r->nseg)
    bread_run_async(ip->dev, r->start, r->nseg, r->addr, r->len, done);
  r->nseg = 0;
  r->nblocks = 0;
}

// Block b goes to dst: add it to the run if it continues it, else send
// the run and start another.
static void run_add(struct inode *ip, struct run *r, uint b, char *dst, iodone_fn *done)
{
  if (r->nseg && b == r->start + r->nblocks) {
    int last = r->nseg - 1;
    if (r->addr[last] + r->len[last] == dst && (uint64)dst % PGSIZE) {   // one piece per page
      r->len[last] += BSIZE;
      r->nblocks++;
      return;
    }
    if (r->nseg < RUNSEG) {
      r->addr[r->nseg] = dst;
      r->len[r->nseg++] = BSIZE;
      r->nblocks++;
      return;
    }
  }
  run_flush(ip, r, done);
  r->start = b;
  r->nblocks = 1;
  r->addr[0] = dst;
  r->len[0] = BSIZE;
  r->nseg = 1;
}

// Start filling the page-cache pages first .. first+n-1 of ip, page i at
// kva[i] (0: leave that page alone), and return without waiting for the
// disk. done(addr, len) reports each piece of a page once it is filled,
// PGSIZE bytes per page in all: holes and the part past EOF (zeros)
// before this returns; the blocks from the disk interrupt, each run of
// consecutive block numbers in one request, across pages. File data never
// live in the buffer cache, and a page is read only when it is not
// cached, so the disk has the file's current bytes (data.c). The last
// block of a file that ends inside it is read here, and what lies past
// EOF in it zeroed: a page reads as zeros past EOF, whatever the disk
// holds there. Caller holds ip->lock (see bread_run_async).
void fs_readpages(struct inode *ip, uint64 first, int n, char **kva, iodone_fn *done)
{
  enum { NB = PGSIZE / BSIZE, CHUNK = 16 };
  uint addr[CHUNK * NB];    // block addresses of the pages [c, c + CHUNK)
  struct run r;
  r.nseg = 0;
  r.nblocks = 0;
  for (int i = 0; i < n; i++) {
    if (i % CHUNK == 0)
      bmap_many(ip, (first + i) * NB, MIN(CHUNK, n - i) * NB, addr);
    char *page = kva[i];
    if (!page)
      continue;
    uint64 off = (first + i) * PGSIZE;
    uint valid = off >= ip->size ? 0 : MIN(PGSIZE, ip->size - off);
    uint j = 0;
    for (; j * BSIZE < valid; j++) {
      char *dst = page + j * BSIZE;
      uint b = addr[i % CHUNK * NB + j];
      uint tail = (j + 1) * BSIZE > valid ? (j + 1) * BSIZE - valid : 0;
      if (b == 0) {
        memset(dst, 0, BSIZE);    // a hole
      } else if (tail) {
        bread_run(ip->dev, b, 1, dst);
        memset(dst + BSIZE - tail, 0, tail);
      } else {
        run_add(ip, &r, b, dst, done);
        continue;
      }
      done(dst, BSIZE);
    }
    if (j * BSIZE < PGSIZE) {
      memset(page + j * BSIZE, 0, PGSIZE - j * BSIZE);
      done(page + j * BSIZE, PGSIZE - j * BSIZE);
    }
  }
  run_flush(ip, &r, done);
}

// Write a dirty page-cache page (stores through a shared mapping) back
// to its blocks, up to EOF, allocating the missing ones, and wait for the
// writes: the blocks are on the disk (not yet flushed) before the commit
// that names any new one. 0, or -ENOSPC / -ENOMEM when not all of it
// reached the disk: the caller keeps the page dirty. Caller holds
// ip->lock and is in a transaction.
int fs_writepage(struct inode *ip, uint64 idx, void *kva)
{
  enum { NB = PGSIZE / BSIZE };
  uint64 off = idx * PGSIZE;
  if (off >= ip->size)
    return 0;
  uint n = MIN(PGSIZE, ip->size - off);
  struct datablk d[NB];
  uint order[NB], to[NB];
  char *src[NB];
  int nb = 0, err = 0;
  for (uint i = 0; i * BSIZE < n; i++) {
    uint b = bmap(ip, off / BSIZE + i, 1);
    if (b == 0) {
      err = -ENOSPC;
      break;
    }
    d[nb++] = (struct datablk){ .blockno = b, .len = MIN(BSIZE, n - i * BSIZE),
                                .pa = V2P(kva), .pgoff = i * BSIZE, .ip = ip };
  }
  iupdate(ip);   // bmap may have added addresses
  struct datascratch w = { order, to, src, 0 };
  if (nb > 0 && d[nb - 1].len < BSIZE && (w.bounce = kalloc()) == 0)
    return -ENOMEM;
  write_blocks_with(d, nb, &w);
  if (w.bounce)
    kfree(w.bounce);
  return err;
}

// Write n bytes from kernel memory src at off of regular file ip, all
// within one page, allocating blocks as needed; writing past EOF leaves a
// hole that reads as zeros. The bytes go into the page-cache page (so a
// read after the write, and every mapping, sees them) and each block is
// noted for the commit, which writes it home before the metadata that
// names it (log_data). Returns bytes written, or if none: -EFBIG at the
// size limit, -ENOSPC, -ENOMEM. Caller holds ip->lock and is in a
// transaction (one page's blocks fit in one: at most 4 bitmap blocks, 4
// indirect blocks and the inode).
int writei_page(struct inode *ip, uint off, const char *src, uint n)
{
  if (off >= MAXFILEBYTES)
    return -EFBIG;
  n = MIN(n, MAXFILEBYTES - off);
  n = MIN(n, PGSIZE - off % PGSIZE);
  if (n == 0)
    return 0;

  // Read the page in only if some of its bytes inside the file stay.
  uint64 idx = off / PGSIZE, pstart = idx * PGSIZE;
  uint64 pend = MIN(pstart + PGSIZE, (uint64)ip->size);
  int fill = pstart < ip->size && (off > pstart || off + n < pend);
  if (off + n > ip->size)
    pagecache_zero_tail(ip->obj, ip->size);   // the file grows: no stale bytes past the old end
  uint64 pa;
  int err = pagecache_getpage_write(vmobj_of_inode(ip), idx, fill, &pa);
  if (err < 0)
    return err;
  char *page = (char *)P2V(pa);

  uint tot = 0;
  while (tot < n) {
    uint o = off + tot;
    uint m = MIN(n - tot, BSIZE - o % BSIZE);
    uint b = bmap(ip, o / BSIZE, 1);
    if (b == 0) {
      err = -ENOSPC;
      break;
    }
    memmove(page + o % PGSIZE, src + tot, m);
    tot += m;
    uint old = ip->size, bstart = o / BSIZE * BSIZE;
    if (off + tot > ip->size)
      ip->size = off + tot;
    // The block that held the end of the file grows: written in place
    // before the commit, the new bytes would sit past the old size if a
    // crash came first (fsck: zeros past the end). That block goes
    // through the log, atomically with the new size.
    int grows = old > bstart && old < bstart + BSIZE && ip->size > old;
    note_block(ip, pa, bstart % PGSIZE, b, MIN(BSIZE, ip->size - bstart), grows);
  }
  // Even if the size did not change: bmap may have added addresses.
  iupdate(ip);
  frame_put(pa);
  return tot > 0 ? (int)tot : err;
}

// Write n bytes to directory dp at off through the log, allocating blocks
// as needed. Returns bytes written, or if none: -EFBIG, -ENOSPC, -EFAULT.
// Caller holds dp->lock and is in a transaction; n is a few directory
// entries (one transaction's worth).
int writei(struct inode *dp, int user_src, uint64 src, uint off, uint n)
{
  if (dp->type == T_FILE)
    panic("writei: a regular file (writei_page)");
  if (n == 0)
    return 0;
  if (off >= MAXFILEBYTES)
    return -EFBIG;
  if (n > MAXFILEBYTES - off)
    n = MAXFILEBYTES - off;

  char bounce[BSIZE];
  uint tot = 0;
  int err = 0;
  while (tot < n) {
    uint boff = off % BSIZE;
    uint m = MIN(n - tot, BSIZE - boff);
    // Fetch the bytes first: a bad address then changes nothing, and no
    // buf lock is held while touching user memory.
    if (either_copyin(bounce, user_src, src, m) < 0) {
      err = -EFAULT;
      break;
    }
    uint b = bmap(dp, off / BSIZE, 1);
    if (b == 0) {
      err = -ENOSPC;
      break;
    }
    // A whole-block write need not read the old contents.
    struct buf *bp = (m == BSIZE) ? bgetblank(dp->dev, b) : bread(dp->dev, b);
    memmove(bp->data + boff, bounce, m);
    log_write(bp);
    brelse(bp);
    tot += m;
    off += m;
    src += m;
  }

  if (off > dp->size)
    dp->size = off;
  // Write the inode back even if the size did not change: bmap may have
  // added block addresses to dp->addrs[].
  iupdate(dp);
  return tot > 0 ? (int)tot : err;
}

// ---------------------------------------------------------------------------
// Directories

int namecmp(const char *s, const char *t)
{
  return strncmp(s, t, DIRSIZ);
}

#define DPB (BSIZE / sizeof(struct dirent))   // directory entries per block

// Scan directory dp for name (if name != 0). Returns 1 and sets *inum and
// *poff if found. If pfree != 0, sets *pfree to the offset of the first
// unused entry, or dp->size if there is none. Caller holds dp->lock.
static int dirscan(struct inode *dp, const char *name, uint *inum, uint *poff, uint *pfree)
{
  if (dp->type != T_DIR)
    panic("dirscan: not a directory");
  if (pfree)
    *pfree = dp->size;
  int found_free = 0;
  for (uint off = 0; off < dp->size; off += BSIZE) {
    uint b = bmap(dp, off / BSIZE, 0);
    if (b == 0)
      continue;   // never happens with our directories; treat as empty
    struct buf *bp = bread(dp->dev, b);
    struct dirent *de = (struct dirent *)bp->data;
    for (uint i = 0; i < DPB && off + i * sizeof(*de) < dp->size; i++) {
      if (de[i].inum == 0) {
        if (pfree && !found_free) {
          *pfree = off + i * sizeof(*de);
          found_free = 1;
        }
        continue;
      }
      // The first byte alone rules out most entries, without a call.
      if (name && de[i].name[0] == name[0] && namecmp(name, de[i].name) == 0) {
        *inum = de[i].inum;
        if (poff)
          *poff = off + i * sizeof(*de);
        brelse(bp);
        return 1;
      }
    }
    brelse(bp);
  }
  return 0;
}

// Look name up in directory dp. Returns the inode, referenced and not
// locked, and its entry's offset in *poff (if poff != 0); or 0 with *err
// -ENOENT or -ENFILE. Caller holds dp->lock.
static struct inode *dirlookup_err(struct inode *dp, char *name, uint *poff, int *err)
{
  uint inum;
  if (!dirscan(dp, name, &inum, poff, 0)) {
    *err = -ENOENT;
    return 0;
  }
  struct inode *ip = iget(dp->dev, inum);
  if (ip == 0)
    *err = -ENFILE;
  return ip;
}

struct inode *dirlookup(struct inode *dp, char *name, uint *poff)
{
  int err;
  return dirlookup_err(dp, name, poff, &err);
}

// Add entry (name, inum) to directory dp, reusing a free slot if there is
// one. Returns 0, -EEXIST, or -ENOSPC. Caller holds dp->lock, in a transaction.
int dirlink(struct inode *dp, char *name, uint inum)
{
  uint old, freeoff;
  if (dirscan(dp, name, &old, 0, &freeoff))
    return -EEXIST;

  struct dirent de;
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  int r = writei(dp, 0, (uint64)&de, freeoff, sizeof(de));
  if (r < 0)
    return r;
  if (r != sizeof(de))
    panic("dirlink: short write");
  return 0;
}

// ---------------------------------------------------------------------------
// Path names

// Copy the next path element of path into name and return what follows
// it, with leading slashes skipped; return 0 if there is no element.
// name has DIRSIZ bytes; a longer element is cut to DIRSIZ (then name has
// no terminating NUL, which namecmp/strncpy with DIRSIZ accept).
//   skipelem("a/bb/c", name) = "bb/c", name = "a"
//   skipelem("///a//bb", name) = "bb", name = "a"
//   skipelem("a", name) = "", name = "a"
//   skipelem("", name) = skipelem("////", name) = 0
static char *skipelem(char *path, char *name)
{
  while (*path == '/')
    path++;
  if (*path == 0)
    return 0;
  char *s = path;
  while (*path != '/' && *path != 0)
    path++;
  int len = path - s;
  if (len >= DIRSIZ) {
    memmove(name, s, DIRSIZ);
  } else {
    memmove(name, s, len);
    name[len] = 0;
  }
  while (*path == '/')
    path++;
  return path;
}

// Walk path. With parent set, stop one element early: return the parent
// directory and copy the last element into name. Returns the inode
// referenced, not locked; or 0 with *err set. Calls iput: in a transaction.
static struct inode *namex(char *path, int parent, char *name, int *err)
{
  struct inode *ip, *next;

  if (*path == '/')
    ip = iget(ROOTDEV, ROOTINO);
  else
    ip = idup(myproc()->cwd);
  if (ip == 0) {
    *err = -ENFILE;
    return 0;
  }

  while ((path = skipelem(path, name)) != 0) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      *err = -ENOTDIR;
      return 0;
    }
    if (parent && *path == 0) {
      iunlock(ip);   // stop one level early
      return ip;
    }
    next = dirlookup_err(ip, name, 0, err);
    // Unlock ip before locking next: next may be ip ("."), or its parent
    // (".."), which another thread could be locking in the other order.
    iunlockput(ip);
    if (next == 0)
      return 0;
    ip = next;
  }
  if (parent) {
    iput(ip);
    *err = -EEXIST;   // no last element, e.g. "/"
    return 0;
  }
  return ip;
}

struct inode *namei_err(char *path, int *err)
{
  char name[DIRSIZ];
  return namex(path, 0, name, err);
}

struct inode *nameiparent_err(char *path, char *name, int *err)
{
  return namex(path, 1, name, err);
}

struct inode *namei(char *path)
{
  int err;
  return namei_err(path, &err);
}
