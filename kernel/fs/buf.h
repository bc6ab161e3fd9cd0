#ifndef PAGODA_BUF_H
#define PAGODA_BUF_H
#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/proc/sleeplock.h"
// Block cache (fs/bio.c): one struct buf per cached disk block.
//
// A buf returned by bread/bgetblank is locked (its sleeplock is held) and
// belongs to the caller until brelse. Only the holder may read or change
// data[]; changes reach the disk through log_write (inside a transaction)
// or bwrite (the log itself).
struct buf {
  int valid;   // has data been read from disk?
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt; // holders + pins; a buf with refcnt 0 may be recycled
  struct buf *prev; // LRU cache list
  struct buf *next;
  uchar data[BSIZE];
};

void        binit(void);
struct buf *bread(uint dev, uint blockno);
struct buf *bgetblank(uint dev, uint blockno); // locked, zero-filled, no disk read
void        brelse(struct buf *b);
void        bwrite(struct buf *b);
void        bwrite_many(struct buf **bs, const uint *to, int n); // runs of consecutive blocks: one request each
void        bwrite_mem(const uint *to, char *const *src, int n);  // memory to blocks, not through the cache
void        bread_run(uint dev, uint blockno, int n, void *dst); // n blocks from the disk, one request
void        bread_run_async(uint dev, uint blockno, int nseg, char **addr, uint32 *len, iodone_fn *done);  // bread_run, no waiting
void        bpin(struct buf *b);
void        bunpin(struct buf *b);
#endif
