// Memory objects: a file (its inode's page cache) or a POSIX shared-memory
// object. The object supplies page n (vmobj_getpage) and keeps the list of
// regions that map it: the reverse map used to unmap one page from every
// address space (eviction, truncation, write-protection for write-back).
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/proc/proc.h"

#define NVMOBJ (NINODE + 64)
static struct spinlock obj_lock;
static struct vmobj objs[NVMOBJ];

void vmobjinit(void)
{
  initlock(&obj_lock, "vmobj");
}

struct vmobj *vmobj_alloc(int kind, const struct vmobj_ops *ops)
{
  acquire(&obj_lock);
  for (struct vmobj *o = objs; o < &objs[NVMOBJ]; o++) {
    if (o->ref == 0 && o->kind == 0) {
      memset(o, 0, sizeof *o);
      o->kind = kind;
      o->ops = ops;
      o->ref = 1;
      initlock(&o->lock, "vmobj");
      release(&obj_lock);
      return o;
    }
  }
  release(&obj_lock);
  return 0;
}

void vmobj_get(struct vmobj *o)
{
  acquire(&obj_lock);
  o->ref++;
  release(&obj_lock);
}

void vmobj_put(struct vmobj *o)
{
  acquire(&obj_lock);
  int last = --o->ref == 0;
  release(&obj_lock);
  if (!last)
    return;
  pc_drop_all(o);
  ASSERT(o->npages == 0 && o->mappers == 0);   // every mapping held a reference
  acquire(&obj_lock);
  o->kind = 0;    // slot free
  release(&obj_lock);
}

// Shared-memory objects alive, and the frames they hold.
void vmobj_stats(uint64 *nshm, uint64 *frames)
{
  *nshm = *frames = 0;
  acquire(&obj_lock);
  for (struct vmobj *o = objs; o < &objs[NVMOBJ]; o++) {
    if (o->kind == VMOBJ_SHM && o->ref > 0) {
      (*nshm)++;
      *frames += o->npages;
    }
  }
  release(&obj_lock);
}

// Executable mappings make an object busy: its file may not be opened
// for writing or truncated (ETXTBSY) while one exists.
int vmobj_text_busy(struct vmobj *o)
{
  return __atomic_load_n(&o->textuse, __ATOMIC_ACQUIRE) > 0;
}

// A memory-only object's missing page: a new zeroed one, inserted under
// the object's lock after checking the size there: ftruncate sets the
// size under the same lock before it evicts, so no page past the end can
// slip into the cache.
static int zero_page(struct vmobj *o, uint64 idx, uint64 *pa)
{
  uint64 f = frame_alloc_reclaim();
  if (!f)
    return -ENOMEM;
  frame_get(f);                    // one for the cache, one for the caller
  acquire(&o->lock);
  int err = idx < PGROUNDUP(o->ops->size(o)) / PGSIZE ? pc_insert(o, idx, f) : -EFAULT;
  release(&o->lock);
  if (err < 0) {
    frame_put(f);
    frame_put(f);
    // -EEXIST: lost a race, use the winner's page
    return err == -EEXIST ? vmobj_getpage(o, idx, pa) : err;
  }
  VMCOUNT(fault_shm);
  *pa = f;
  return 0;
}

// Page idx of o, with a reference for the caller: from the cache, else
// read in with read-ahead (a file: readahead.c) or zero-filled (memory
// only).
int vmobj_getpage(struct vmobj *o, uint64 idx, uint64 *pa)
{
  if (o->ops->readpages)
    return ra_getpage(o, idx, pa);
  if ((*pa = pc_find(o, idx)) != 0)
    return 0;
  return zero_page(o, idx, pa);
}

void vmobj_add_mapper(struct vmobj *o, struct region *r)
{
  acquire(&o->lock);
  r->objnext = o->mappers;
  o->mappers = r;
  release(&o->lock);
}

void vmobj_remove_mapper(struct vmobj *o, struct region *r)
{
  acquire(&o->lock);
  struct region **pp = &o->mappers;
  while (*pp && *pp != r)
    pp = &(*pp)->objnext;
  if (*pp)
    *pp = r->objnext;
  r->objnext = 0;
  release(&o->lock);
}

// Give region r the range [start, end) at object offset off. The reverse
// map reads a mapper's range under the object's lock, so it changes under
// it too. o may be 0 (anonymous memory: no reverse map).
void vmobj_set_range(struct vmobj *o, struct region *r, uint64 start, uint64 end, uint64 off)
{
  if (o)
    acquire(&o->lock);
  r->start = start;
  r->end = end;
  r->off = off;
  if (o)
    release(&o->lock);
}

// Through the reverse map: every PTE that maps frame pa as page idx of o.
// Caller holds o->lock. unmap: remove them (dropping their references)
// else only take write permission away; either way with a shootdown.
static void for_each_mapping(struct vmobj *o, uint64 idx, uint64 pa, int unmap)
{
  ASSERT(holding(&o->lock));
  uint64 off = idx * PGSIZE;
  for (struct region *r = o->mappers; r; r = r->objnext) {
    if (off < r->off || off >= r->off + (r->end - r->start))
      continue;
    uint64 va = r->start + (off - r->off);
    pte_t *pte = walk(r->as->root, va, 0);
    if (!pte)
      continue;
    acquire(&r->as->ptlock);
    pte_t e = *pte;
    int hit = (e & PTE_V) && PTE2PA(e) == pa && (unmap || (e & PTE_W));
    if (hit)
      as_pte_set(r->as, va, pte, unmap ? 0 : e & ~PTE_W);
    release(&r->as->ptlock);
    if (!hit)
      continue;
    tlb_flush_page(r->as, va);
    if (unmap)
      frame_put(pa);
  }
}

// Remove every mapping of frame pa, cached as page idx of o.
void vmobj_unmap_page(struct vmobj *o, uint64 idx, uint64 pa)
{
  acquire(&o->lock);
  for_each_mapping(o, idx, pa, 1);
  release(&o->lock);
}

// The one write-back protocol (msync, munmap, exit, eviction). Under the
// object's lock, every mapping of the page loses write permission (or,
// with unmap, goes) and the dirty bit is taken; a store after that point
// faults, and the fault, under the same lock, sets the bit again before
// it grants write permission. So the bit is never clear while a writable
// PTE exists. Then the page goes to its file. If that fails (a full
// disk, an I/O error) the page stays dirty in the cache, and the error
// is returned: nothing is dropped silently.
int vmobj_clean_page(struct vmobj *o, uint64 idx, uint64 pa, int unmap)
{
  struct frame *f = pa2frame(pa);
  acquire(&o->lock);
  for_each_mapping(o, idx, pa, unmap);
  int dirty = (f->flags & FRAME_DIRTY) && (f->flags & FRAME_CACHE) && f->obj == o;
  if (dirty)
    __atomic_fetch_and(&f->flags, ~FRAME_DIRTY, __ATOMIC_ACQ_REL);
  release(&o->lock);
  if (!dirty || !o->ops->writepage)
    return 0;
  int err = o->ops->writepage(o, idx, P2V(pa));
  if (err < 0) {
    acquire(&o->lock);
    if ((f->flags & FRAME_CACHE) && f->obj == o)
      __atomic_fetch_or(&f->flags, FRAME_DIRTY, __ATOMIC_ACQ_REL);
    release(&o->lock);
    VMCOUNT(writeback_errors);
    return err;
  }
  VMCOUNT(writebacks);
  return 0;
}

// Write dirty pages [lo, hi) of a file back through the log. Only pages
// in the cache are visited, so msync of a huge, sparse range costs what
// its cached pages cost. Returns 0 or the first error.
int vmobj_writeback(struct vmobj *o, uint64 lo, uint64 hi)
{
  if (!o->ops->writepage)
    return 0;
  int err = 0;
  uint64 idx[32];
  for (uint64 from = lo; from < hi; ) {
    int n = pc_find_range(o, from, hi, idx, NELEM(idx));
    if (n == 0)
      break;
    for (int i = 0; i < n; i++) {
      uint64 pa = pc_find(o, idx[i]);
      if (!pa)
        continue;
      if (pa2frame(pa)->flags & FRAME_DIRTY) {
        int e = vmobj_clean_page(o, idx[i], pa, 0);
        if (e < 0 && err == 0)
          err = e;
      }
      frame_put(pa);
    }
    from = idx[n - 1] + 1;
  }
  return err;
}
