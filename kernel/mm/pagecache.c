// The page cache: frames that cache pages of memory objects, found by
// (object, page index) in one hash table. read(), write() and every
// mapping of a file use the same frame, so all views are coherent.
// The cache holds one reference on each of its frames; every PTE that
// maps one holds another.
//
// A page being read from the disk is in the cache already, busy
// (FRAME_BUSY), with one more reference held by the read. pc_find sleeps
// until it is valid; pc_read_done, called as its pieces arrive (from the
// disk interrupt), makes it valid. Nothing maps a busy page or copies
// into it. Truncation may drop a busy page from the cache: the read's
// reference keeps the frame until the read ends.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/proc/proc.h"

#define NHASH 4096
static struct spinlock pc_lock;
static struct frame *htab[NHASH];
static struct spinlock io_lock;   // sleeping for busy pages (FRAME_BUSY's clearing)

static uint hash(struct vmobj *o, uint64 idx)
{
  return (((uint64)o >> 6) ^ (idx * 2654435761UL)) % NHASH;
}

void pagecacheinit(void)
{
  initlock(&pc_lock, "pagecache");
  initlock(&io_lock, "pageio");
}

static struct frame *lookup(struct vmobj *o, uint64 idx)
{
  for (struct frame *f = htab[hash(o, idx)]; f; f = f->next)
    if (f->obj == o && f->index == idx)
      return f;
  return 0;
}

static void unhash(struct frame *f)
{
  struct frame **pp = &htab[hash(f->obj, f->index)];
  while (*pp != f)
    pp = &(*pp)->next;
  *pp = f->next;
  f->next = 0;
  f->obj->npages--;
  if (f->obj->kind == VMOBJ_FILE)
    VMCOUNT_SUB(frames_pagecache);
  __atomic_fetch_and(&f->flags, ~(FRAME_CACHE | FRAME_DIRTY | FRAME_REF | FRAME_AHEAD | FRAME_MARK),
                     __ATOMIC_ACQ_REL);
  f->obj = 0;
}

// A reader found f: count the first use of a page read ahead.
static void touch(struct frame *f)
{
  __atomic_fetch_or(&f->flags, FRAME_REF, __ATOMIC_RELAXED);
  if (f->flags & FRAME_AHEAD)
    if (__atomic_fetch_and(&f->flags, ~FRAME_AHEAD, __ATOMIC_RELAXED) & FRAME_AHEAD)
      VMCOUNT(readahead_hits);
}

// Page idx of o with a reference for the caller, or 0 if it is not
// cached. A page still being read is waited for (sleeping), so the
// caller must hold no spin lock.
uint64 pc_find(struct vmobj *o, uint64 idx)
{
  for (;;) {
    acquire(&pc_lock);
    struct frame *f = lookup(o, idx);
    uint64 pa = 0;
    if (f) {
      touch(f);
      pa = frame_pa(f);
      frame_get(pa);
    }
    release(&pc_lock);
    if (!f || !(f->flags & FRAME_BUSY))
      return pa;
    VMCOUNT(readahead_waits);
    acquire(&io_lock);
    while (f->flags & FRAME_BUSY)
      sleep(f, &io_lock);
    release(&io_lock);
    if ((f->flags & FRAME_CACHE) && f->obj == o && f->index == idx)
      return pa;
    frame_put(pa);      // truncated while it was being read: look again
  }
}

// pc_find for fault-around: never waits, and leaves out a busy page and
// a read-ahead mark (the fault on the mark starts the next read-ahead).
uint64 pc_peek(struct vmobj *o, uint64 idx)
{
  acquire(&pc_lock);
  struct frame *f = lookup(o, idx);
  uint64 pa = 0;
  if (f && !(f->flags & (FRAME_BUSY | FRAME_MARK))) {
    touch(f);
    pa = frame_pa(f);
    frame_get(pa);
  }
  release(&pc_lock);
  return pa;
}

// Take the read-ahead mark off page pa: 1 if it had one.
int pc_take_mark(uint64 pa)
{
  struct frame *f = pa2frame(pa);
  return (f->flags & FRAME_MARK) &&
         (__atomic_fetch_and(&f->flags, ~FRAME_MARK, __ATOMIC_ACQ_REL) & FRAME_MARK);
}

// Up to max indices of o's cached pages in [lo, hi), in increasing order.
// A short range is looked up page by page; a long one (msync of a huge
// mapping) by one pass over the hash table, so the cost is bounded by
// the cache, not by the range.
int pc_find_range(struct vmobj *o, uint64 lo, uint64 hi, uint64 *idx, int max)
{
  int n = 0;
  acquire(&pc_lock);
  if (hi - lo <= 4 * NHASH) {
    for (uint64 i = lo; i < hi && n < max; i++)
      if (lookup(o, i))
        idx[n++] = i;
  } else {
    // Keep the max smallest indices >= lo, sorted (insertion).
    for (int h = 0; h < NHASH; h++) {
      for (struct frame *f = htab[h]; f; f = f->next) {
        if (f->obj != o || f->index < lo || f->index >= hi)
          continue;
        if (n == max && f->index >= idx[n - 1])
          continue;
        int j = n < max ? n++ : n - 1;
        while (j > 0 && idx[j - 1] > f->index) {
          idx[j] = idx[j - 1];
          j--;
        }
        idx[j] = f->index;
      }
    }
  }
  release(&pc_lock);
  return n;
}

// Put pa in the cache as page idx of o, with flags.
static int pc_insert_flags(struct vmobj *o, uint64 idx, uint64 pa, uint flags)
{
  acquire(&pc_lock);
  if (lookup(o, idx)) {
    release(&pc_lock);
    return -EEXIST;
  }
  ASSERT(idx == (uint)idx);   // struct frame keeps 32 bits of index
  struct frame *f = pa2frame(pa);
  f->obj = o;
  f->index = idx;
  __atomic_fetch_or(&f->flags, FRAME_CACHE | FRAME_REF | flags, __ATOMIC_ACQ_REL);
  f->next = htab[hash(o, idx)];
  htab[hash(o, idx)] = f;
  o->npages++;
  if (o->kind == VMOBJ_FILE)
    VMCOUNT(frames_pagecache);   // shm frames are counted as frames_shm
  release(&pc_lock);
  return 0;
}

// The cache takes over one reference to pa. -EEXIST if the page is
// already cached (the caller keeps its frame).
int pc_insert(struct vmobj *o, uint64 idx, uint64 pa)
{
  return pc_insert_flags(o, idx, pa, 0);
}

// pc_insert of a page about to be read: busy until pc_read_done has seen
// all of it, and holding one more reference meanwhile (the read's). flags
// may add FRAME_AHEAD and FRAME_MARK.
int pc_insert_reading(struct vmobj *o, uint64 idx, uint64 pa, uint flags)
{
  struct frame *f = pa2frame(pa);
  f->io = PGSIZE;
  frame_get(pa);
  int err = pc_insert_flags(o, idx, pa, FRAME_BUSY | flags);
  if (err < 0)
    frame_put(pa);
  return err;
}

// len bytes of a busy page arrived at kva (from the disk interrupt, or
// from the reader when they needed no disk). The last piece makes the
// page valid and wakes whoever waits for it.
void pc_read_done(char *kva, uint32 len)
{
  uint64 pa = V2P(PGROUNDDOWN((uint64)kva));
  struct frame *f = pa2frame(pa);
  if (__atomic_sub_fetch(&f->io, len, __ATOMIC_ACQ_REL) != 0)
    return;
  acquire(&io_lock);
  __atomic_fetch_and(&f->flags, ~FRAME_BUSY, __ATOMIC_RELEASE);
  wakeup(f);
  release(&io_lock);
  frame_put(pa);       // the read's reference
}

// Remove the cached page idx of o if it is there. It leaves the cache
// first, so no fault can map it again (fault_object installs a PTE only
// for a frame that is still cached, under o->lock), then every mapping of
// it goes, then the cache's reference.
static void pc_evict_index(struct vmobj *o, uint64 idx)
{
  acquire(&pc_lock);
  struct frame *f = lookup(o, idx);
  if (!f) {
    release(&pc_lock);
    return;
  }
  uint64 pa = frame_pa(f);
  unhash(f);
  release(&pc_lock);
  vmobj_unmap_page(o, idx, pa);
  frame_put(pa);
}

// The cached bytes of o past size, to the end of their page, read as zeros.
static void zero_tail(struct vmobj *o, uint64 size)
{
  if (size % PGSIZE == 0)
    return;
  uint64 pa = pc_find(o, size / PGSIZE);
  if (pa) {
    memset((char *)P2V(pa) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
    frame_put(pa);
  }
}

// Shrink: pages wholly past size leave every mapping and the cache; the
// tail of the last page is zeroed (bytes past EOF read as zero).
void pc_truncate(struct vmobj *o, uint64 size)
{
  uint64 first = PGROUNDUP(size) / PGSIZE;
  // One pass over the hash table, evicting a bucket's victims in batches
  // (eviction unmaps and may sleep: not under the cache lock).
  for (int h = 0; h < NHASH && o->npages; h++) {
    for (;;) {
      uint64 victim[32];
      int n = 0;
      acquire(&pc_lock);
      for (struct frame *f = htab[h]; f && n < (int)NELEM(victim); f = f->next)
        if (f->obj == o && f->index >= first)
          victim[n++] = f->index;
      release(&pc_lock);
      if (n == 0)
        break;
      for (int i = 0; i < n; i++)
        pc_evict_index(o, victim[i]);
    }
  }
  zero_tail(o, size);
}

void pc_drop_all(struct vmobj *o)
{
  pc_truncate(o, 0);
}

// ---- the page-cache interface: fs/ reads and writes files through here ----

// Page idx of the object, with a reference for the caller (who may hold
// the file's lock and then copies from it with no lock held: see
// fileread). o is 0 when the file's object could not be made.
int pagecache_getpage(struct vmobj *o, uint64 idx, uint64 *pa)
{
  if (!o)
    return -ENOMEM;
  return vmobj_getpage(o, idx, pa);
}

// Copy file bytes [off, off+n) to dst through the cache. Caller holds
// the file's lock and has clipped n to the file size. The kernel itself
// reads only into kernel memory here (exec): a user copy under the file's
// lock could fault into another file and deadlock, so read() copies with
// no lock held (fileread).
int pagecache_read(struct vmobj *o, int user_dst, uint64 dst, uint off, uint n)
{
  uint tot = 0;
  while (tot < n) {
    uint m = MIN(n - tot, PGSIZE - off % PGSIZE);
    uint64 pa;
    int err = pagecache_getpage(o, off / PGSIZE, &pa);
    if (err < 0)
      return tot ? (int)tot : err;
    err = either_copyout(user_dst, dst, (char *)P2V(pa) + off % PGSIZE, m);
    frame_put(pa);
    if (err < 0)
      return tot ? (int)tot : -EFAULT;
    tot += m, off += m, dst += m;
  }
  return tot;
}

// Page idx of the file for write(), with a reference for the caller (who
// holds the file's lock). A page not cached is read in only if fill is
// set (some of its bytes inside the file are not being overwritten);
// otherwise it starts as zeros, and the writer fills it. o is 0 when the
// file's object could not be made.
int pagecache_getpage_write(struct vmobj *o, uint64 idx, int fill, uint64 *pa)
{
  if (!o)
    return -ENOMEM;
  if (fill || (*pa = pc_find(o, idx)) != 0)
    return fill ? vmobj_getpage(o, idx, pa) : 0;
  uint64 f = frame_alloc_reclaim();
  if (!f)
    return -ENOMEM;
  frame_get(f);              // one for the cache, one for the caller
  if (pc_insert(o, idx, f) < 0) {
    // Cached meanwhile (not by a read-in: those hold the file's lock too).
    frame_put(f);
    frame_put(f);
    return pagecache_getpage_write(o, idx, fill, pa);
  }
  *pa = f;
  return 0;
}

// The file grows from size: the cached bytes past the old end (stores
// through a shared mapping land there) must read as zeros from now on.
void pagecache_zero_tail(struct vmobj *o, uint64 size)
{
  if (o)
    zero_tail(o, size);
}

void pagecache_truncate(struct vmobj *o, uint64 size)
{
  if (o)
    pc_truncate(o, size);
}

// A file's cache is no longer wanted (the file is deleted, or its inode
// slot is recycled). Its pages are clean and unmapped by then: every
// mapping holds a reference on the inode and writes back when it goes.
void pagecache_forget_obj(struct vmobj *o)
{
  pc_drop_all(o);
  vmobj_put(o);
}

// ---- reclaim: a clock over all frames ----

#define SCAN_MAX  2048  // frames one reclaim call looks at, at most
#define LOW_WATER 64    // frames kept free for the kernel's own needs

static uint64 hand;     // the clock hand (pc_lock)

// Evict one mapped or dirty page: unmap it everywhere, write it back if
// dirty, and free it if nobody took it meanwhile. No locks held.
static int evict_slow(struct vmobj *o, uint64 idx)
{
  int freed = 0;
  uint64 pa = pc_find(o, idx);
  if (!pa)
    return 0;
  if (vmobj_clean_page(o, idx, pa, 1) == 0) {
    acquire(&pc_lock);
    struct frame *g = pa2frame(pa);
    // Still ours: cached as (o, idx), held only by the cache and us, clean.
    int ours = (g->flags & FRAME_CACHE) && g->obj == o && g->index == idx && frame_count(g) == 2 &&
               !(g->flags & FRAME_DIRTY);
    if (ours)
      unhash(g);
    release(&pc_lock);
    if (ours) {
      frame_put(pa);
      VMCOUNT(evictions);
      freed = 1;
    }
  }
  frame_put(pa);
  return freed;
}

// Free up to `want` page-cache frames, looking at no more than SCAN_MAX
// frames (twice over, for the second chance), so an allocation never
// scans all of memory when nothing can be reclaimed. Clean pages that
// nobody maps go first (no I/O, no sleeping). With may_unmap, mapped
// and dirty file pages are unmapped through the reverse map, written
// back and freed too: only a fault on a file mapping asks for that, so a
// process growing its anonymous memory never evicts anybody's working
// set (it meets the OOM killer instead). The caller holds no locks when
// may_unmap is set.
int pc_reclaim(int want, int may_unmap)
{
  if (may_unmap)
    lockdebug_assert_no_locks("pc_reclaim");   // write-back takes the file's locks
  uint64 n = nframes_total();
  uint64 budget = 2 * MIN(n, SCAN_MAX);
  int freed = 0;
  for (uint64 scanned = 0; scanned < budget && freed < want; scanned++) {
    if (__atomic_load_n(&vmcount.frames_pagecache, __ATOMIC_RELAXED) == 0)
      break;
    acquire(&pc_lock);
    struct frame *f = frame_at(hand);
    hand = (hand + 1) % n;
    if (!(f->flags & FRAME_CACHE) || f->obj->kind != VMOBJ_FILE || (f->flags & FRAME_BUSY)) {
      release(&pc_lock);
      continue;
    }
    if (f->flags & FRAME_REF) {   // used since the hand last passed: second chance
      __atomic_fetch_and(&f->flags, ~FRAME_REF, __ATOMIC_RELAXED);
      release(&pc_lock);
      continue;
    }
    if (frame_count(f) == 1 && !(f->flags & FRAME_DIRTY)) {
      // Only the cache holds it, and the disk has its contents.
      unhash(f);
      release(&pc_lock);
      frame_put(frame_pa(f));
      VMCOUNT(evictions);
      freed++;
      continue;
    }
    if (!may_unmap) {
      release(&pc_lock);
      continue;
    }
    // Mapped or dirty. The owner's reference (hold_live) keeps the object
    // alive while we work without the cache lock; a file that is being
    // freed is left alone (its pages are being dropped, its blocks freed).
    struct vmobj *o = f->obj;
    uint64 idx = f->index;
    int held = o->ops->hold_live(o);
    release(&pc_lock);
    if (!held)
      continue;
    freed += evict_slow(o, idx);
    o->ops->release(o);
  }
  return freed;
}

int pc_low(void)
{
  uint64 total, nfree;
  frame_stats_quick(&total, &nfree);
  return nfree < LOW_WATER;
}

// If memory is low, evict a batch of page-cache pages (with may_unmap,
// mapped and dirty ones too, writing them back). No locks held.
void pc_reclaim_if_low(int may_unmap)
{
  if (pc_low())
    pc_reclaim(4 * LOW_WATER, may_unmap);
}

// frame_alloc (src 0) or frame_alloc_copy(src), evicting clean unmapped
// cache pages if memory is low. Safe under sleep locks (it neither
// writes nor unmaps).
static uint64 alloc_reclaim(uint64 src)
{
  if (pc_low())
    pc_reclaim(LOW_WATER, 0);
  uint64 pa = src ? frame_alloc_copy(src) : frame_alloc();
  if (!pa && pc_reclaim(8, 0))
    pa = src ? frame_alloc_copy(src) : frame_alloc();
  return pa;
}

uint64 frame_alloc_reclaim(void)
{
  return alloc_reclaim(0);
}

uint64 frame_copy_reclaim(uint64 src)
{
  return alloc_reclaim(src);
}
