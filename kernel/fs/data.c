// File data on the disk: blocks written from page-cache frames.
//
// File data never go through the buffer cache or the log (docs/book/10-fs.md,
// "Ordered data"). write() leaves them in the page cache and the commit
// writes them home before the metadata that names them (log.c, step 0);
// write-back of a page dirtied through a mapping writes them at once
// (fs_writepage). Both come here with a list of blocks: where each one
// goes, which frame holds it, and how many of its bytes are inside the
// file. The bytes of a block past the end of the file are written as
// zeros (fsck's rule: zeros past the end in the last block), whatever a
// store through a mapping left there in the frame.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/file.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm.h"

static char *block_src(struct datablk *d)
{
  return (char *)P2V(d->pa) + d->pgoff;
}

// Sort d[0..n-1] by block number; of several notes of one block, the
// latest (highest index) comes last. Shell sort on (block, index) keys.
static void sort_blocks(struct datablk *d, int n, uint *order)
{
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int gap = n / 2; gap > 0; gap /= 2) {
    for (int i = gap; i < n; i++) {
      uint x = order[i];
      int j = i;
      for (; j >= gap; j -= gap) {
        uint y = order[j - gap];
        if (d[y].blockno < d[x].blockno || (d[y].blockno == d[x].blockno && y < x))
          break;
        order[j] = y;
      }
      order[j] = x;
    }
  }
}

// Is d[order[i]] the block's latest note, neither written early nor
// cancelled (the block went through the log)?
static int latest(struct datablk *d, int n, const uint *order, int i)
{
  uint b = d[order[i]].blockno;
  return b != 0 && !d[order[i]].cancelled && (i + 1 == n || d[order[i + 1]].blockno != b);
}

// Write the blocks of d[0..n-1] home: sorted, the latest note of a block
// only (notes taken by log_data_early have block 0). Blocks wholly inside
// their file go straight from their frames, each run of consecutive
// blocks one request, all in flight together; one that ends its file is
// copied into the bounce page with its tail zeroed, four at a time.
// Returns when everything is written (not flushed).
void write_blocks_with(struct datablk *d, int n, struct datascratch *w)
{
  sort_blocks(d, n, w->order);
  int k = 0;
  for (int i = 0; i < n; i++) {
    struct datablk *b = &d[w->order[i]];
    if (latest(d, n, w->order, i) && b->len == BSIZE) {
      w->to[k] = b->blockno;
      w->src[k++] = block_src(b);
    }
  }
  bwrite_mem(w->to, w->src, k);
  k = 0;
  for (int i = 0; i < n; i++) {
    struct datablk *b = &d[w->order[i]];
    if (!latest(d, n, w->order, i) || b->len == BSIZE)
      continue;
    char *p = w->bounce + k * BSIZE;
    memmove(p, block_src(b), b->len);
    memset(p + b->len, 0, BSIZE - b->len);
    w->to[k] = b->blockno;
    w->src[k++] = p;
    if (k == PGSIZE / BSIZE) {
      bwrite_mem(w->to, w->src, k);
      k = 0;
    }
  }
  bwrite_mem(w->to, w->src, k);
}

// The commit's step 0 (only one commit runs at a time).
void write_blocks(struct datablk *d, int n)
{
  static uint order[LOGDATA], to[LOGDATA];
  static char *src[LOGDATA];
  static char bounce[PGSIZE] __attribute__((aligned(PGSIZE)));
  static struct datascratch w = { order, to, src, bounce };
  if (n > LOGDATA)
    panic("write_blocks: %d blocks", n);
  write_blocks_with(d, n, &w);
}
