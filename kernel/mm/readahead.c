// Reading file pages into the page cache, and reading ahead of a
// sequential reader (read() and mapped-file faults alike). The file
// system is reached only through the object's operations (lock, unlock,
// size, readpages: fs/fileobj.c).
//
// A page is put into the cache busy before its read starts (FRAME_BUSY,
// pagecache.c), and the read does not wait: the disk interrupt makes the
// page valid and wakes whoever found it busy. So the pages after the one
// a reader asked for can be on their way while it works on that one, and
// the inode lock is not held while the disk works.
//
// The window, per file (in its object, under the owner's lock):
// - A miss on a page just after the last one that started a read (or
//   within what was read ahead) is sequential: the window doubles, from
//   RA_MIN up to RA_MAX pages. Any other miss halves it, and below RA_MIN
//   it is gone: a random reader reads only the pages it asks for.
// - A miss reads its page and, without waiting for them, the window's
//   pages after it. The first page read ahead carries a mark
//   (FRAME_MARK): the reader that reaches it reads the next window
//   (doubled) after the last one, and marks its first page. So the disk
//   stays one window ahead of a sequential reader, who in steady state
//   never waits for it.
// Read-ahead never goes past EOF, reads only pages not cached, and stops
// when memory is low.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm_internal.h"

#define RA_MIN 4    // pages: the first window of a sequential reader
#define RA_MAX 32   // pages (128 KiB): the window grows no further

// Start reading the pages of [lo, hi) that are not cached: each goes into
// the cache busy, and fs_readpages fills it. With need, page lo is one a
// reader waits for (-ENOMEM if no frame can be had for it); the others
// are read ahead, only while memory is not low, and the first of them
// carries the mark. Caller holds the owner's lock and clipped hi to EOF.
static int start_reads(struct vmobj *o, uint64 lo, uint64 hi, int need)
{
  char *kva[RA_MAX + 1];
  int mark = 1, n = 0;
  for (uint64 i = lo; i < hi && n < (int)NELEM(kva); i++, n++) {
    int ahead = !need || i != lo;
    uint64 pa = ahead ? (pc_low() ? 0 : frame_alloc()) : frame_alloc_reclaim();
    if (!pa) {
      if (!ahead)
        return -ENOMEM;
      break;
    }
    uint flags = ahead ? FRAME_AHEAD | (mark ? FRAME_MARK : 0) : 0;
    kva[n] = 0;
    if (pc_insert_reading(o, i, pa, flags) < 0) {
      frame_put(pa);     // cached already
      continue;
    }
    kva[n] = P2V(pa);
    if (ahead) {
      mark = 0;
      VMCOUNT(readahead_pages);
    } else {
      VMCOUNT(fault_file);
    }
  }
  o->ops->readpages(o, lo, n, kva, pc_read_done);
  return 0;
}

// Page idx of the file missed: read it, and the window after it.
static int on_miss(struct vmobj *o, uint64 idx)
{
  uint64 end = PGROUNDUP(o->ops->size(o)) / PGSIZE;
  if (idx >= o->ra_lo && idx <= o->ra_next)
    o->ra_win = o->ra_win ? MIN(2 * o->ra_win, RA_MAX) : RA_MIN;
  else
    o->ra_win = o->ra_win / 2 >= RA_MIN ? o->ra_win / 2 : 0;
  uint64 hi = MIN(idx + 1 + o->ra_win, end);
  o->ra_lo = idx + 1;
  o->ra_next = hi;
  return start_reads(o, idx, hi, 1);
}

// A reader reached the mark on page idx: read the next window.
static void on_mark(struct vmobj *o, uint64 idx)
{
  int locked = o->ops->lock(o);
  uint64 end = PGROUNDUP(o->ops->size(o)) / PGSIZE;
  o->ra_win = o->ra_win ? MIN(2 * o->ra_win, RA_MAX) : RA_MIN;
  uint64 lo = MAX(o->ra_next, idx + 1);
  uint64 hi = MIN(lo + o->ra_win, end);
  o->ra_lo = idx + 1;
  o->ra_next = MAX(lo, hi);
  if (lo < hi)
    start_reads(o, lo, hi, 0);
  if (locked)
    o->ops->unlock(o);
}

// Page idx of file object o, with a reference for the caller: from the
// cache (waiting if it is being read), else read in. -EFAULT past EOF.
// The caller may hold the owner's lock (read() copying into a mapping
// of the same file).
int ra_getpage(struct vmobj *o, uint64 idx, uint64 *pa)
{
  for (;;) {
    if ((*pa = pc_find(o, idx)) != 0) {
      if (pc_take_mark(*pa))
        on_mark(o, idx);
      return 0;
    }
    int locked = o->ops->lock(o);
    uint64 there;
    int err = 0;
    if (idx * PGSIZE >= o->ops->size(o))
      err = -EFAULT;      // wholly past the end of the file
    else if (pc_find_range(o, idx, idx + 1, &there, 1) == 0)
      err = on_miss(o, idx);
    if (locked)
      o->ops->unlock(o);
    if (err < 0)
      return err;
    // Now it is cached (perhaps busy), unless a truncation just took it.
  }
}
