// Address spaces: a root page table, an ASID, and a sorted list of regions.
// Text, data, stack and heap are regions; so are mappings. The page table
// is a cache of what the regions say: any page may be absent and is then
// filled by vm_fault (fault.c).
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

#define NASPACE (NPROC + NCPU + 8)
#define NREGION (NPROC * 16)

static struct spinlock pool_lock;
static struct aspace aspaces[NASPACE];
static struct region regions[NREGION];
static struct region *free_regions;

void aspaceinit(void)
{
  initlock(&pool_lock, "aspace");
  for (int i = 0; i < NREGION; i++) {
    regions[i].next = free_regions;
    free_regions = &regions[i];
  }
}

static struct region *region_alloc(void)
{
  acquire(&pool_lock);
  struct region *r = free_regions;
  if (r)
    free_regions = r->next;
  release(&pool_lock);
  if (r)
    memset(r, 0, sizeof *r);
  return r;
}

static void region_free(struct region *r)
{
  acquire(&pool_lock);
  r->next = free_regions;
  free_regions = r;
  release(&pool_lock);
}

// An executable mapping of a file makes the file busy: opening it for
// writing or truncating it fails with ETXTBSY while one exists, so a
// running program (or the libc every process maps) cannot be destroyed.
static void text_count(struct region *r, int delta)
{
  if (r->obj && r->obj->kind == VMOBJ_FILE && (r->prot & PROT_EXEC))
    __atomic_add_fetch(&r->obj->textuse, delta, __ATOMIC_ACQ_REL);
}

// A region that maps an object holds a reference on it (ops->hold; a file:
// on its inode, which owns the object) and sits on its mappers list.
static void region_attach(struct region *r)
{
  struct vmobj *o = r->obj;
  if (!o)
    return;
  o->ops->hold(o);
  text_count(r, 1);
  vmobj_add_mapper(o, r);
}

// Undo region_attach. Process context: dropping the last reference to an
// unlinked file frees it, which needs a transaction.
static void region_detach(struct region *r)
{
  struct vmobj *o = r->obj;
  if (!o)
    return;
  vmobj_remove_mapper(o, r);
  text_count(r, -1);
  o->ops->release(o);
}

void region_set_prot(struct region *r, int prot)
{
  text_count(r, -1);
  r->prot = prot;
  text_count(r, 1);
}

// The changes made through shared file mapping r to [start, end) go to
// the file (munmap, exit, msync). 0 or the first write-back error.
int region_writeback(struct region *r, uint64 start, uint64 end)
{
  if (r->obj && (r->flags & REG_SHARED) && r->obj->kind == VMOBJ_FILE)
    return vmobj_writeback(r->obj, (start - r->start + r->off) / PGSIZE,
                           (end - r->start + r->off + PGSIZE - 1) / PGSIZE);
  return 0;
}

struct aspace *as_create(void)
{
  struct aspace *as = 0;
  acquire(&pool_lock);
  for (int i = 0; i < NASPACE; i++) {
    if (!aspaces[i].inuse) {
      as = &aspaces[i];
      as->inuse = 1;
      as->ref = 1;
      break;
    }
  }
  release(&pool_lock);
  if (!as)
    return 0;
  as->root = pt_new_user_root();
  if (!as->root) {
    acquire(&pool_lock);
    as->inuse = 0;
    release(&pool_lock);
    return 0;
  }
  initsleeplock(&as->lock, "aspace");
  initlock(&as->ptlock, "aspace.pt");
  as->asid = 0;
  as->asid_gen = 0;     // no ASID until first switched to
  as->harts = 0;
  as->dead = 0;
  as->regions = 0;
  as->nregions = 0;
  as->rss = 0;
  as->heap_start = as->brk = 0;
  as->cow_next = 0;
  return as;
}

// Insert a region; fails with -EINVAL if it overlaps another, -ENOMEM if the space
// has MAXREGIONS already (one process cannot exhaust the global pool).
// *out, if given, gets the new region.
int region_add(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
               struct vmobj *obj, uint64 off, const char *name)
{
  return region_insert(as, start, end, prot, flags, obj, off, name, 0);
}

int region_insert(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
                  struct vmobj *obj, uint64 off, const char *name, struct region **out)
{
  struct region **pp = &as->regions;
  while (*pp && (*pp)->start < start)
    pp = &(*pp)->next;
  if (start < end && region_overlap(as, start, end))
    return -EINVAL;
  if (as->nregions >= MAXREGIONS)
    return -ENOMEM;
  struct region *r = region_alloc();
  if (!r)
    return -ENOMEM;
  r->start = start;
  r->end = end;
  r->prot = prot;
  r->maxprot = PROT_READ | PROT_WRITE | PROT_EXEC;
  r->flags = flags;
  r->obj = obj;
  r->off = off;
  r->as = as;
  safestrcpy(r->name, name ? name : "", sizeof r->name);
  r->next = *pp;
  *pp = r;
  as->nregions++;
  region_attach(r);
  if (out)
    *out = r;
  return 0;
}

// as_pte_set without as->ptlock: a kernel bug.
void as_pte_unlocked(struct aspace *as, uint64 va)
{
  panic("as_pte_set: va %p of space %p without its ptlock", (void *)va, (void *)as);
}

// Map a private frame at an absent va (exec: the stack, a segment's last
// page). The space is exec's own, not yet running; the PTE takes over the
// reference to pa.
int as_map_page(struct aspace *as, uint64 va, uint64 pa, int prot)
{
  pte_t *pte = walk(as->root, va, 1);
  if (!pte)
    return -ENOMEM;
  acquire(&as->ptlock);
  int err = (*pte & PTE_V) ? -EEXIST : 0;
  if (!err)
    as_pte_set(as, va, pte, PA2PTE(pa) | pte_rights(prot) | PTE_V | PTE_A | PTE_D);
  release(&as->ptlock);
  return err;
}

// The page at USYSCALL that user code reads without a system call
// (ugetpid in user/lib): a one-page region that can never be made
// writable (maxprot) or executable, holding a struct usyscall. exec maps
// it in the new space; fork gives the child its own (as_fork skips the
// parent's), since the pid differs. The space is not running yet.
int as_map_usys(struct aspace *as, int pid)
{
  // LAB pgtbl: add a read-only region "[usys]" (REG_USYS), fill a frame with a struct usyscall, map it (as_map_page)
  struct region *r;
  int err = region_insert(as, USYSCALL, USYSCALL + PGSIZE, PROT_READ, REG_USYS, 0, 0, "[usys]", &r);
  if (err < 0)
    return err;
  r->maxprot = PROT_READ;
  uint64 pa = frame_alloc();
  if (!pa)
    return -ENOMEM;      // the region goes with the space
  ((struct usyscall *)P2V(pa))->pid = pid;
  if ((err = as_map_page(as, USYSCALL, pa, PROT_READ)) < 0)
    frame_put(pa);
  return err;
  // STUB: (void)as;
  // STUB: (void)pid;
  // STUB: return 0;
  // END LAB pgtbl
}

// The end of the leaf table's span that va is in, or end if that is sooner.
static uint64 table_end(uint64 va, uint64 end)
{
  uint64 t = (va | ((1UL << PXSHIFT(1)) - 1)) + 1;
  return t < end ? t : end;
}

// Unmap the pages in [start, end): clear the PTEs, fence, then drop the
// frames (never before the fence: another hart could still use them).
// Only the tables that exist are walked (a sparse 1 GiB heap is cheap),
// and each leaf table from its first valid entry on, entry by entry, not
// from the root for every page.
void as_unmap_range(struct aspace *as, uint64 start, uint64 end)
{
  // Frames wait in a batch for the fence. A big range gets a page of
  // them: each fence is a whole-ASID flush there (tlb_flush_range), so
  // a 64 MiB exit fences 32 times, not 256.
  enum { SMALL = 32, BIG = PGSIZE / sizeof(uint64) };
  uint64 small[SMALL], *pas = small;
  int batch = SMALL;
  if ((end - start) / PGSIZE > SMALL && (pas = kalloc()) != 0)
    batch = BIG;
  else
    pas = small;
  uint64 va = start;
  while (va < end) {
    uint64 lo = va;
    int n = 0;
    pte_t *pte;
    acquire(&as->ptlock);
    while (n < batch && (pte = pt_next_leaf(as->root, &va, end)) != 0) {
      int k = MIN((table_end(va, end) - va) / PGSIZE, (uint64)(batch - n));
      n += as_pte_clear(as, va, pte, k, pas + n);
      va += (uint64)k * PGSIZE;
    }
    release(&as->ptlock);
    if (n == 0)
      break;
    tlb_flush_range(as, lo, va);
    frame_put_many(pas, n);
  }
  if (pas != small)
    kfree(pas);
}

// Remove [start, end) from the region list, splitting regions that
// straddle the boundaries, and unmap the pages. Dirty pages of shared file
// mappings are written back first. A region stays on its object's mappers
// list until its pages are gone, so eviction and truncation always find
// every PTE of a cached page. Caller holds as->lock. Returns 0, or the
// first write-back error (the pages stay dirty in the cache; the mapping
// goes all the same).
int as_remove(struct aspace *as, uint64 start, uint64 end)
{
  ASSERT(holdingsleep(&as->lock));
  int err = 0;
  struct region **pp = &as->regions;
  while (*pp) {
    struct region *r = *pp;
    if (r->end <= start || r->start >= end || r->start == r->end) {
      pp = &r->next;
      continue;
    }
    uint64 lo = MAX(r->start, start), hi = MIN(r->end, end);
    struct region *tail = 0;
    if (r->start < start && r->end > end) {      // a hole: the tail becomes its own region
      if (as->nregions >= MAXREGIONS || !(tail = region_alloc()))
        return -ENOMEM;
    }
    // LAB mmap: a shared file mapping's dirty pages go to the file before they are unmapped (region_writeback)
    int e = region_writeback(r, lo, hi);
    if (e < 0 && err == 0)
      err = e;
    // END LAB mmap
    as_unmap_range(as, lo, hi);
    if (tail) {
      *tail = *r;
      tail->objnext = 0;
      tail->start = end;
      tail->off = r->off + (end - r->start);
      vmobj_set_range(r->obj, r, r->start, start, r->off);
      tail->next = r->next;
      r->next = tail;
      as->nregions++;
      region_attach(tail);                      // its own references
      pp = &tail->next;
    } else if (r->start < start) {               // keep the head
      vmobj_set_range(r->obj, r, r->start, start, r->off);
      pp = &r->next;
    } else if (r->end > end) {                   // keep the tail
      vmobj_set_range(r->obj, r, end, r->end, r->off + (end - r->start));
      pp = &r->next;
    } else {                                     // the whole region goes
      *pp = r->next;
      as->nregions--;
      region_detach(r);
      region_free(r);
    }
  }
  return err;
}

// Write into a space that no hart runs yet (exec's new stack), through
// the direct map. The pages must be mapped: -EFAULT if one is not.
int as_write(struct aspace *as, uint64 va, const void *src, uint64 n)
{
  while (n) {
    pte_t *pte = walk(as->root, va, 0);
    if (!pte || !(*pte & PTE_V))
      return -EFAULT;
    uint64 chunk = MIN(n, PGSIZE - (va % PGSIZE));
    memmove((char *)P2V(PTE2PA(*pte)) + va % PGSIZE, src, chunk);
    va += chunk, src = (const char *)src + chunk, n -= chunk;
  }
  return 0;
}

// Drop every mapping (exit, failed exec). Process context: file regions
// may write pages back here once they exist.
void as_teardown(struct aspace *as)
{
  acquiresleep(&as->lock);
  tlb_retire(as);
  as_remove(as, 0, MAXVA);
  while (as->regions) {          // empty regions (a heap of size 0)
    struct region *r = as->regions;
    as->regions = r->next;
    as->nregions--;
    region_detach(r);
    region_free(r);
  }
  ASSERT(as->rss == 0 && as->nregions == 0);
  releasesleep(&as->lock);
}

// Drop a reference. The last one frees the page tables; it never sleeps,
// because the scheduler drops the reference an idle hart held.
void as_put(struct aspace *as)
{
  if (__atomic_sub_fetch(&as->ref, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  ASSERT(as->regions == 0);  // as_teardown emptied it
  pt_free_user(as->root);
  kfree(as->root);
  as->root = 0;
  acquire(&pool_lock);
  as->inuse = 0;
  release(&pool_lock);
}

// Share the pages of parent region r with the child's copy of it, one
// leaf table (2 MiB) at a time: the parent's PTEs are read from the
// table directly, not walked from the root per page, into buf (a page
// of PTEs, buf[i] for the table's i-th page from where the run starts),
// then stored in the child's table in one as_pte_fill. Private writable
// pages become read-only (COW) in the parent; the child gets the same
// PTE. For a region over an object the object's lock is held across a
// table, so that eviction cannot remove a parent PTE between our reading
// it and the child's getting it. [*lo, *hi) grows to cover the parent
// PTEs downgraded.
static int fork_region(struct aspace *parent, struct aspace *child, struct region *r,
                       pte_t *buf, uint64 *lo, uint64 *hi)
{
  uint64 va = r->start;
  int err = 0, private = !(r->flags & REG_SHARED);
  while (va < r->end && !err) {
    if (r->obj)
      acquire(&r->obj->lock);
    acquire(&parent->ptlock);
    pte_t *pte = pt_next_leaf(parent->root, &va, r->end);
    uint64 first = va, a = va, tend = table_end(va, r->end);
    pte_t *out = buf;
    for (; pte && a < tend; a += PGSIZE, pte++, out++) {
      pte_t e = *pte;
      *out = 0;
      if (!(e & PTE_V))
        continue;
      // LAB cow: a private writable page: make it read-only and PTE_COW in the parent (as_pte_set, widen [*lo, *hi) for the fence, count pages_cow_shared); the child gets the same PTE and the frame one more reference (frame_get)
      if (private && (e & PTE_W)) {
        e = (e & ~PTE_W) | PTE_COW;
        as_pte_set(parent, a, pte, e);
        *lo = MIN(*lo, a);
        *hi = MAX(*hi, a + PGSIZE);
        VMCOUNT(pages_cow_shared);
      }
      frame_ref(PTE2PA(e));
      // STUB: (void)lo;
      // STUB: (void)hi;
      // STUB: if (private && (e & PTE_W)) {   // for now, copy the page at once
      // STUB:   uint64 copy = frame_alloc();
      // STUB:   if (!copy) {
      // STUB:     err = -ENOMEM;
      // STUB:     break;
      // STUB:   }
      // STUB:   memmove(P2V(copy), P2V(PTE2PA(e)), PGSIZE);
      // STUB:   e = PA2PTE(copy) | PTE_FLAGS(e);
      // STUB: } else {
      // STUB:   frame_get(PTE2PA(e));
      // STUB: }
      // END LAB cow
      *out = e;
    }
    release(&parent->ptlock);
    // buf[0..n) holds [first, a); the child takes the PTEs (and references).
    int n = (a - first) / PGSIZE;
    va = a;
    acquire(&child->ptlock);
    pte_t *table = n ? walk(child->root, first, 1) : 0;
    if (table)
      as_pte_fill(child, first, table, buf, n);
    else
      for (int i = 0; i < n; i++)
        if (buf[i])
          frame_put(PTE2PA(buf[i]));
    release(&child->ptlock);
    if (r->obj)
      release(&r->obj->lock);
    if (n && !table)
      err = -ENOMEM;
  }
  return err;
}

// Copy-on-write fork: the child gets the same regions; private pages are
// shared read-only in both spaces, shared pages are shared as they are.
// No data page is copied here, and only pages that exist are visited.
int as_fork(struct aspace *parent, struct aspace *child)
{
  int err = 0;
  uint64 lo = ~0UL, hi = 0;    // parent PTEs downgraded
  pte_t *buf = kalloc();       // one leaf table's PTEs for the child
  if (!buf)
    return -ENOMEM;
  acquiresleep(&parent->lock);
  child->heap_start = parent->heap_start;
  child->brk = parent->brk;
  for (struct region *r = parent->regions; r && !err; r = r->next) {
    struct region *c;
    if (r->flags & REG_USYS)
      continue;                     // fork() maps the child's own
    if ((err = region_insert(child, r->start, r->end, r->prot, r->flags, r->obj, r->off,
                             r->name, &c)) < 0)
      break;
    c->maxprot = r->maxprot;        // a read-only fd stays read-only in the child
    err = fork_region(parent, child, r, buf, &lo, &hi);
  }
  // The parent's downgraded PTEs must be fenced before fork returns, on
  // every hart that may cache them.
  if (hi > lo)
    tlb_flush_range(parent, lo, hi);
  releasesleep(&parent->lock);
  kfree(buf);
  return err;
}

// Move the break. Growth only moves it (pages come on first touch);
// shrinking unmaps and frees what lies above the new break.
int as_sbrk(struct aspace *as, int64 n, uint64 *old)
{
  acquiresleep(&as->lock);
  uint64 brk = as->brk;
  *old = brk;
  int64 nb = (int64)brk + n;
  struct region *heap = 0;
  for (struct region *r = as->regions; r; r = r->next)
    if (r->flags & REG_HEAP)
      heap = r;
  // The heap may grow up to the next region or the top of user space.
  uint64 limit = USERTOP;
  for (struct region *r = as->regions; r; r = r->next)
    if (r != heap && r->start >= as->heap_start && r->start < limit)
      limit = r->start;
  if (!heap || nb < (int64)as->heap_start || (uint64)nb > limit) {
    releasesleep(&as->lock);
    return -ENOMEM;
  }
  uint64 oldend = heap->end;
  as->brk = nb;
  heap->end = PGROUNDUP((uint64)nb);
  if (heap->end < oldend)
    as_unmap_range(as, heap->end, oldend);
  releasesleep(&as->lock);
  return 0;
}

// Switch this hart to as. The hart holds a reference on the space in its
// satp so the page table outlives the process if the hart still uses it.
// A dead space is not loaded again: its process only finishes its exit
// in the kernel, which never goes through user mappings.
void as_activate(struct aspace *as)
{
  if (__atomic_load_n(&as->dead, __ATOMIC_ACQUIRE)) {
    as_activate_kernel();
    return;
  }
  push_off();
  struct cpu *c = mycpu();
  struct aspace *old = c->as;
  if (old != as) {
    __atomic_add_fetch(&as->ref, 1, __ATOMIC_ACQ_REL);
    c->as = as;
  }
  tlb_switch(as);
  if (old && old != as)
    as_put(old);
  pop_off();
}

// Is this hart's satp a dead space? An idle hart that kept a process's
// space loaded leaves it once the process has exited elsewhere. Called
// by the scheduler, which never moves to another hart.
int as_current_dead(void)
{
  struct aspace *as = mycpu()->as;
  return as && __atomic_load_n(&as->dead, __ATOMIC_ACQUIRE);
}

// Leave this hart's user space for the kernel's table. Exit calls it
// after the teardown, so that the dead space's page tables go as soon as
// the parent reaps the process, not whenever this hart next switches
// (tests count free frames around a child's exit).
void as_activate_kernel(void)
{
  push_off();
  struct cpu *c = mycpu();
  struct aspace *old = c->as;
  if (old) {
    tlb_switch_kernel();
    c->as = 0;
    as_put(old);
  }
  pop_off();
}
