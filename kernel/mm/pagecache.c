// The page cache: frames that cache pages of memory objects, found by
// (object, page index) in one hash table. read(), write() and every
// mapping of a file use the same frame, so all views are coherent.
// The cache holds one reference on each of its frames; every PTE that
// maps one holds another.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/file.h"

#define NHASH 4096
static struct spinlock pc_lock;
static struct frame *htab[NHASH];

static uint hash(struct vmobj *o, uint64 idx)
{
  return (((uint64)o >> 6) ^ (idx * 2654435761UL)) % NHASH;
}

void pagecacheinit(void)
{
  initlock(&pc_lock, "pagecache");
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
  __atomic_fetch_and(&f->flags, ~(FRAME_CACHE | FRAME_DIRTY | FRAME_REF), __ATOMIC_ACQ_REL);
  f->obj = 0;
}


uint64 pc_find(struct vmobj *o, uint64 idx)
{
  acquire(&pc_lock);
  struct frame *f = lookup(o, idx);
  uint64 pa = 0;
  if (f) {
    __atomic_fetch_or(&f->flags, FRAME_REF, __ATOMIC_RELAXED);
    pa = frame_pa(f);
    frame_get(pa);
  }
  release(&pc_lock);
  return pa;
}

// The cache takes over one reference to pa. -EEXIST if the page is
// already cached (the caller keeps its frame).
int pc_insert(struct vmobj *o, uint64 idx, uint64 pa)
{
  acquire(&pc_lock);
  if (lookup(o, idx)) {
    release(&pc_lock);
    return -EEXIST;
  }
  struct frame *f = pa2frame(pa);
  f->obj = o;
  f->index = idx;
  __atomic_fetch_or(&f->flags, FRAME_CACHE | FRAME_REF, __ATOMIC_ACQ_REL);
  f->next = htab[hash(o, idx)];
  htab[hash(o, idx)] = f;
  o->npages++;
  if (o->kind == VMOBJ_FILE)
    VMCOUNT(frames_pagecache);   // shm frames are counted as frames_shm
  release(&pc_lock);
  return 0;
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
  vmobj_unmap_page(o, idx, pa, 0);
  frame_put(pa);
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
  if (size % PGSIZE) {
    uint64 pa = pc_find(o, size / PGSIZE);
    if (pa) {
      memset((char *)P2V(pa) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
      frame_put(pa);
    }
  }
}

void pc_drop_all(struct vmobj *o)
{
  pc_truncate(o, 0);
}

// ---- hooks for the file system: read() and write() go through here ----

// Copy file bytes [off, off+n) to dst through the cache. Caller holds
// ip->lock and has clipped n to the file size.
int pagecache_read(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  struct vmobj *o = vmobj_of_inode(ip);
  if (!o)
    return -ENOMEM;
  uint tot = 0;
  while (tot < n) {
    uint64 idx = off / PGSIZE;
    uint m = MIN(n - tot, PGSIZE - off % PGSIZE);
    uint64 pa;
    int err = vmobj_getpage(o, idx, &pa);
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

// write() changed file bytes: change the cached page too, if there is one.
void pagecache_write(struct inode *ip, uint off, const void *src, uint n)
{
  struct vmobj *o = ip->obj;
  if (!o || !o->npages)
    return;
  while (n) {
    uint m = MIN(n, PGSIZE - off % PGSIZE);
    uint64 pa = pc_find(o, off / PGSIZE);
    if (pa) {
      char *dst = (char *)P2V(pa) + off % PGSIZE;
      if (dst != src)
        memmove(dst, src, m);
      frame_put(pa);
    }
    off += m, src = (const char *)src + m, n -= m;
  }
}

// The file grows from size: the cached bytes past the old end (stores
// through a shared mapping land there) must read as zeros from now on.
void pagecache_zero_tail(struct inode *ip, uint64 size)
{
  if (!ip->obj || size % PGSIZE == 0)
    return;
  uint64 pa = pc_find(ip->obj, size / PGSIZE);
  if (pa) {
    memset((char *)P2V(pa) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
    frame_put(pa);
  }
}

void pagecache_truncate(struct inode *ip, uint64 size)
{
  if (ip->obj)
    pc_truncate(ip->obj, size);
}

// A file's cache is no longer wanted (the file is deleted, or its inode
// slot is recycled). Its pages are clean and unmapped by then: every
// mapping holds a reference on the inode and writes back when it goes.
void pagecache_forget_obj(struct vmobj *o)
{
  pc_drop_all(o);
  vmobj_put(o);
}

void pagecache_forget(struct inode *ip)
{
  struct vmobj *o = ip->obj;
  if (!o)
    return;
  ip->obj = 0;
  pagecache_forget_obj(o);
}

// ---- reclaim: a clock over all frames ----

static uint64 hand;

// Free up to `want` page-cache frames. Clean pages that nobody maps go
// first (no I/O, no sleeping). With may_write, mapped and dirty file
// pages are unmapped through the reverse map, written back and freed too.
int pc_reclaim(int want, int may_write)
{
  uint64 n = nframes_total();
  int freed = 0;
  for (int pass = 0; pass < 3 && freed < want; pass++) {
    for (uint64 scanned = 0; scanned < n && freed < want; scanned++) {
      struct frame *f = frame_at(hand);
      hand = (hand + 1) % n;
      if (!(f->flags & FRAME_CACHE))
        continue;
      acquire(&pc_lock);
      if (!(f->flags & FRAME_CACHE) || f->obj->kind != VMOBJ_FILE) {
        release(&pc_lock);
        continue;
      }
      if ((f->flags & FRAME_REF) && pass == 0) {   // second chance
        __atomic_fetch_and(&f->flags, ~FRAME_REF, __ATOMIC_RELAXED);
        release(&pc_lock);
        continue;
      }
      if (f->ref == 1 && !(f->flags & FRAME_DIRTY)) {
        // Only the cache holds it, and the disk has its contents.
        unhash(f);
        release(&pc_lock);
        frame_put(frame_pa(f));
        VMCOUNT(evictions);
        freed++;
        continue;
      }
      if (!may_write || pass == 0) {
        release(&pc_lock);
        continue;
      }
      // Mapped or dirty: take the slow path with the file locked.
      struct vmobj *o = f->obj;
      uint64 idx = f->index;
      struct inode *ip = idup(o->ip);
      release(&pc_lock);
      // The slot may have been recycled for another file meanwhile, and
      // our own caller may be using this file: leave both alone.
      if (ip->obj != o || holdingsleep(&ip->lock)) {
        begin_op();
        iput(ip);
        end_op();
        continue;
      }
      begin_op();
      ilock(ip);
      uint64 pa = pc_find(o, idx);
      if (pa) {
        vmobj_unmap_page(o, idx, pa, 0);
        acquire(&pc_lock);
        struct frame *g = pa2frame(pa);
        int dirty = (g->flags & FRAME_CACHE) && (g->flags & FRAME_DIRTY);
        __atomic_fetch_and(&g->flags, ~FRAME_DIRTY, __ATOMIC_ACQ_REL);
        release(&pc_lock);
        if (dirty) {
          fs_writepage(ip, idx, P2V(pa));
          VMCOUNT(writebacks);
        }
        acquire(&pc_lock);
        int ours = (g->flags & FRAME_CACHE) && g->obj == o && g->index == idx && g->ref == 2 &&
                   !(g->flags & FRAME_DIRTY);
        if (ours)
          unhash(g);
        release(&pc_lock);
        if (ours) {
          frame_put(pa);
          VMCOUNT(evictions);
          freed++;
        }
        frame_put(pa);
      }
      iunlock(ip);
      iput(ip);
      end_op();
    }
  }
  return freed;
}

#define LOW_WATER 64   // frames kept free for the kernel's own needs

// Called at the start of a user fault, with no locks held: if memory is
// low, evict a batch of page-cache pages, writing dirty ones back.
void pc_reclaim_if_low(void)
{
  uint64 total, nfree;
  frame_stats_quick(&total, &nfree);
  if (nfree < LOW_WATER)
    pc_reclaim(4 * LOW_WATER, 1);
}

uint64 frame_alloc_reclaim(int may_write)
{
  uint64 total, nfree;
  frame_stats_quick(&total, &nfree);
  if (nfree < LOW_WATER)
    pc_reclaim(LOW_WATER, may_write);
  uint64 pa = frame_alloc();
  if (!pa && pc_reclaim(8, may_write))
    pa = frame_alloc();
  return pa;
}
