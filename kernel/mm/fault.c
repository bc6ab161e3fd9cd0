// The one page-fault path. User faults (trap.c) and copyin/copyout
// meeting a page they may not touch yet (uaccess.c) both come here.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm_internal.h"

struct vmstat vmcount;

// The PTE bits for a region's protection (PROT_WRITE implies read).
uint64 pte_rights(int prot)
{
  uint64 f = PTE_U;
  if (prot & PROT_READ)  f |= PTE_R;
  if (prot & PROT_WRITE) f |= PTE_W | PTE_R;
  if (prot & PROT_EXEC)  f |= PTE_X;
  return f;
}

static int allowed(int prot, int access)
{
  if ((access & VM_READ) && !(prot & (PROT_READ | PROT_WRITE)))
    return 0;
  if ((access & VM_WRITE) && !(prot & PROT_WRITE))
    return 0;
  if ((access & VM_EXEC) && !(prot & PROT_EXEC))
    return 0;
  return 1;
}

// Debug knob (bootarg faultdelay=N): spin N microseconds inside the COW
// break, between the copy and the install, to open the window that a
// concurrent truncation or eviction must not fall into. Tests use it.
uint64 fault_delay_us;

static void debug_delay(void)
{
  if (fault_delay_us) {
    uint64 until = r_time() + fault_delay_us * 10;   // 10 MHz timebase
    while (r_time() < until)
      ;
  }
}

#define AROUND 16   // fault-around window, in pages
#define PREMAP 256  // pages of an executable mapping mapped at once, at most

// Map the pages of [lo, hi) of file region r that are already in the page
// cache and not mapped yet; first is the PTE of lo, and the range lies in
// one leaf table. Only read (and execute) rights are given: a write still
// faults, so dirty tracking and COW see it. Never reads from disk, never
// maps past EOF (the cache holds no page past EOF), never waits for a
// page being read, and stops short of a read-ahead mark (the fault there
// reads the next window: readahead.c). Returns the pages mapped.
static int map_cached(struct aspace *as, struct region *r, uint64 lo, uint64 hi, pte_t *first)
{
  struct vmobj *o = r->obj;
  uint64 rights = pte_rights(r->prot) & ~PTE_W;
  if (!(r->flags & REG_SHARED) && (r->prot & PROT_WRITE))
    rights |= PTE_COW;
  uint64 pas[AROUND];
  int mapped = 0;
  for (; lo < hi; lo += AROUND * PGSIZE, first += AROUND) {
    uint64 end = MIN(hi, lo + AROUND * PGSIZE);
    int n = 0;
    for (uint64 a = lo; a < end; a += PGSIZE, n++)
      pas[n] = (first[n] & PTE_V) ? 0 : pc_peek(o, (a - r->start + r->off) / PGSIZE);
    acquire(&o->lock);
    acquire(&as->ptlock);
    n = 0;
    for (uint64 a = lo; a < end; a += PGSIZE, n++) {
      uint64 pa = pas[n];
      if (!pa)
        continue;
      struct frame *f = pa2frame(pa);
      if ((f->flags & FRAME_CACHE) && f->obj == o && !(first[n] & PTE_V)) {
        as_pte_set(as, a, &first[n], PA2PTE(pa) | rights | PTE_V | PTE_A | PTE_D);
        pas[n] = 0;          // the PTE owns the reference now
        mapped++;
      }
    }
    release(&as->ptlock);
    release(&o->lock);
    for (int i = 0; i < n; i++)
      if (pas[i])
        frame_put(pas[i]);
  }
  return mapped;
}

// Map the neighbours of a file page that a fault just mapped, if they are
// already in the page cache: a program touching its text or a file in
// order then takes one fault per window instead of one per page. Never
// leaves the region or the leaf table that holds va's PTE (so no table
// is allocated).
static void fault_around(struct aspace *as, struct region *r, uint64 va, pte_t *pte)
{
  uint64 table = va & ~((1UL << PXSHIFT(1)) - 1);     // what va's leaf table maps
  uint64 lo = va - table >= (AROUND / 2) * PGSIZE ? va - (AROUND / 2) * PGSIZE : table;
  lo = MAX(lo, r->start);
  uint64 hi = MIN(lo + AROUND * PGSIZE, MIN(r->end, table + (1UL << PXSHIFT(1))));
  int n = map_cached(as, r, lo, hi, pte - (int64)(va - lo) / PGSIZE);
  __atomic_fetch_add(&vmcount.fault_around, n, __ATOMIC_RELAXED);
}

// A new executable mapping of a file (a program's or ld.so's segments at
// exec, a library's text mapped by ld.so): map at once, read-only, the
// pages of its first PREMAP that are in the page cache, as fault-around
// would one fault at a time. A program started again, or a library many
// programs use, then runs its text without a fault per 16 pages
// (docs/book/09-shlib.md). Caller holds as->lock.
void as_premap(struct aspace *as, struct region *r)
{
  uint64 end = MIN(r->end, r->start + PREMAP * PGSIZE);
  for (uint64 a = r->start; a < end; ) {
    uint64 tend = MIN(end, (a | ((1UL << PXSHIFT(1)) - 1)) + 1);
    pte_t *pte = walk(as->root, a, 1);
    if (!pte)
      return;          // no memory for the table: faults will do
    int n = map_cached(as, r, a, tend, pte);
    __atomic_fetch_add(&vmcount.exec_premap, n, __ATOMIC_RELAXED);
    a = tend;
  }
}

// as_premap for the file region at va of a space not in use yet (exec).
void as_premap_at(struct aspace *as, uint64 va)
{
  struct region *r = region_find(as, va);
  if (r && r->obj)
    as_premap(as, r);
}

// Map our new private frame pa at va with r's rights, if the PTE is still
// what the caller saw (old; 0: absent). The frame was prepared with no
// lock held; meanwhile a truncation or eviction may have changed the PTE,
// and then the frame is dropped (-EAGAIN: the access faults again).
static int map_private(struct aspace *as, struct region *r, uint64 va, pte_t *pte, pte_t old,
                       uint64 pa)
{
  acquire(&as->ptlock);
  int same = old ? *pte == old : !(*pte & PTE_V);
  if (same)
    as_pte_set(as, va, pte, PA2PTE(pa) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D);
  release(&as->ptlock);
  if (!same) {
    frame_put(pa);
    return -EAGAIN;
  }
  return 0;
}

// The one copy-on-write copy: a private copy of frame pa, mapped at va
// if the PTE is still old (map_private).
static int map_copy(struct aspace *as, struct region *r, uint64 va, pte_t *pte, pte_t old,
                    uint64 pa)
{
  uint64 copy = frame_copy_reclaim(pa);
  if (!copy)
    return -ENOMEM;
  debug_delay();
  int err = map_private(as, r, va, pte, old, copy);
  if (err == 0)
    VMCOUNT(fault_cow_copy);
  return err;
}

// A fault on an absent page of a region over an object. Shared regions
// map the object's frame itself: read-only until the first write, so
// that the write can mark the page dirty (software dirty tracking).
// Private regions map it read-only and copy-on-write, or copy at once
// for a write. The PTE is installed under the object's lock, and only if
// the frame is still the cached page (eviction unmaps under that lock)
// and the PTE is still absent (the leaf-PTE rule).
static int fault_object(struct aspace *as, struct region *r, uint64 va, int access, pte_t *pte)
{
  struct vmobj *o = r->obj;
  uint64 idx = (va - r->start + r->off) / PGSIZE;
  uint64 pa;
  int err = vmobj_getpage(o, idx, &pa);
  if (err < 0)
    return err;
  uint64 rights = pte_rights(r->prot);
  if (!(r->flags & REG_SHARED) && (access & VM_WRITE)) {
    err = map_copy(as, r, va, pte, 0, pa);
    frame_put(pa);
    return err;
  }
  // LAB mmap: a shared mapping maps the object's frame itself, writable (and the page dirty) only for a write; read-only otherwise, so that the first write faults (fault_dirty)
  int dirty = 0;
  if (!(r->flags & REG_SHARED) && (rights & PTE_W))
    rights = (rights & ~PTE_W) | PTE_COW;
  else if ((rights & PTE_W) && (access & VM_WRITE))
    dirty = 1;
  else
    rights &= ~PTE_W;
  // STUB: int dirty = 0;
  // STUB: if (rights & PTE_W)
  // STUB:   rights = (rights & ~PTE_W) | PTE_COW;   // private mappings only, so far
  // END LAB mmap
  acquire(&o->lock);
  struct frame *f = pa2frame(pa);
  int ok = (f->flags & FRAME_CACHE) && f->obj == o && f->index == idx;
  acquire(&as->ptlock);
  ok = ok && !(*pte & PTE_V);
  if (ok) {
    if (dirty)
      __atomic_fetch_or(&f->flags, FRAME_DIRTY, __ATOMIC_ACQ_REL);
    as_pte_set(as, va, pte, PA2PTE(pa) | rights | PTE_V | PTE_A | PTE_D);
  }
  release(&as->ptlock);
  release(&o->lock);
  if (!ok) {
    frame_put(pa);
    return -EAGAIN;     // evicted or mapped meanwhile: the access will simply fault again
  }
  if (o->kind == VMOBJ_FILE)
    fault_around(as, r, va, pte);
  return 0;             // the PTE owns the reference getpage gave us
}

// Case 1: nothing mapped at va. Anonymous memory starts zeroed.
static int fault_absent(struct aspace *as, struct region *r, uint64 va, int access, pte_t *pte)
{
  if (r->obj)
    return fault_object(as, r, va, access, pte);
  uint64 pa = frame_alloc_reclaim();
  if (!pa)
    return -ENOMEM;
  int err = map_private(as, r, va, pte, 0, pa);
  if (err == 0)
    VMCOUNT(fault_zero);
  return err;
}

// A COW break at as->cow_next, the page right after the previous break,
// comes from a sequential writer: a child filling a buffer it inherited.
// Break the pages after va too, up to AROUND in all, so that it takes
// one fault and one fence per window instead of one per page (a fence
// is a full TLB flush under QEMU).
// Only anonymous pages (nobody but us, holding as->lock, changes their
// PTEs), only COW pages still shared, only while memory is not low, and
// never past the region or va's leaf table. Their old frames go to
// olds, to be dropped after the caller's fence. Returns where the run
// of broken pages ends.
static uint64 cow_ahead(struct aspace *as, struct region *r, uint64 va, pte_t *pte,
                        uint64 *olds, int *nolds)
{
  uint64 table = va & ~((1UL << PXSHIFT(1)) - 1);
  uint64 end = MIN(MIN(r->end, table + (1UL << PXSHIFT(1))), va + AROUND * PGSIZE);
  uint64 a = va + PGSIZE;
  for (pte++; a < end && !pc_low(); a += PGSIZE, pte++) {
    pte_t old = *pte;    // stable: only we change an anonymous PTE
    if (!(old & PTE_V) || (old & PTE_W) || !(old & PTE_COW))
      break;
    uint64 pa = PTE2PA(old), copy = pa;
    if (frame_refcount(pa) > 1) {      // else ours alone now: no copy
      if (!(copy = frame_alloc_copy(pa)))
        break;
      olds[(*nolds)++] = pa;
    }
    acquire(&as->ptlock);
    as_pte_set(as, a, pte, PA2PTE(copy) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D);
    release(&as->ptlock);
    VMCOUNT(cow_ahead);
  }
  return a;
}

// Case 2: a write to a private page mapped read-only (copy-on-write, or
// rights that mprotect has since raised). Copy (map_copy) unless we hold
// the frame alone (a page-cache frame is never ours alone: the file keeps
// it).
static int fault_cow(struct aspace *as, struct region *r, uint64 va, pte_t *pte)
{
  acquire(&as->ptlock);
  pte_t old = *pte;
  if (!(old & PTE_V) || (old & PTE_W)) {
    release(&as->ptlock);
    return -EAGAIN;
  }
  uint64 pa = PTE2PA(old);
  // LAB cow: a frame only this PTE holds (frame_refcount 1, not in the page cache) needs no copy: make the PTE writable again, count fault_cow_reuse
  if (frame_refcount(pa) == 1 && !(pa2frame(pa)->flags & FRAME_CACHE)) {
    // Nobody else can take a reference now: only our PTE has the frame.
    as_pte_set(as, va, pte, PA2PTE(pa) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D);
    release(&as->ptlock);
    VMCOUNT(fault_cow_reuse);
    return 0;
  }
  // END LAB cow
  // Keep the old frame while we copy it. (In an anonymous region only we,
  // holding as->lock, change this PTE, so its reference would do; a
  // private file region can lose the PTE to eviction or truncation.)
  if (r->obj)
    frame_get(pa);
  release(&as->ptlock);
  int err = map_copy(as, r, va, pte, old, pa);
  ASSERT(err != -EAGAIN || r->obj);   // only the reverse map changes our PTE
  if (err == 0) {
    uint64 olds[AROUND], end = va + PGSIZE;
    int n = 0;
    if (!r->obj && va == as->cow_next)
      end = cow_ahead(as, r, va, pte, olds, &n);
    as->cow_next = end;
    // The PTEs now name other frames: every hart that may hold an old,
    // read-only entry must drop it before the old frame can be reused,
    // or it would go on reading stale data (later: someone else's).
    if (n == 0)
      tlb_flush_page(as, va);
    else
      tlb_flush_range(as, va, end);
    frame_put(pa);          // the PTE's reference
    frame_put_many(olds, n);
  }
  if (r->obj)
    frame_put(pa);          // ours
  return err;
}

// Case 3: the first write to a page of a shared mapping: mark the page
// dirty and make the PTE writable, both under the object's lock, so that
// write-back (vmobj_clean_page) sees them change together.
static int fault_dirty(struct aspace *as, struct region *r, uint64 va, pte_t *pte)
{
  // LAB mmap: under the object's lock and the PTE lock, if the PTE is still valid and read-only: set FRAME_DIRTY on its frame and make it writable
  struct vmobj *o = r->obj;
  acquire(&o->lock);
  acquire(&as->ptlock);
  pte_t old = *pte;
  int ok = (old & PTE_V) && !(old & PTE_W);
  if (ok) {
    __atomic_fetch_or(&pa2frame(PTE2PA(old))->flags, FRAME_DIRTY, __ATOMIC_ACQ_REL);
    as_pte_set(as, va, pte, old | PTE_W | PTE_R | PTE_D);
  }
  release(&as->ptlock);
  release(&o->lock);
  return ok ? 0 : -EAGAIN;
  // STUB: (void)as;
  // STUB: (void)r;
  // STUB: (void)va;
  // STUB: (void)pte;
  // STUB: return -EFAULT;
  // END LAB mmap
}

// Case 4: the PTE is valid and the region allows the access. Either
// mprotect raised the rights (PTEs gain them lazily, here), or this hart
// holds an entry older than the PTE: fence that page locally.
static int fault_rights(struct aspace *as, struct region *r, uint64 va, int access, pte_t *pte)
{
  uint64 want = 0;
  if (access & VM_EXEC)
    want |= PTE_X;
  if (access & VM_READ)
    want |= PTE_R;
  want &= pte_rights(r->prot);
  acquire(&as->ptlock);
  pte_t old = *pte;
  int raise = (old & PTE_V) && (want & ~old);
  if (raise)
    as_pte_set(as, va, pte, old | want | PTE_U);
  release(&as->ptlock);
  if (!raise)
    tlb_spurious(as, va);
  return 0;
}

// Resolve a fault at va for the given access. Returns 0 when the access
// may be retried, -EFAULT for a segmentation fault, -ENOMEM when no frame
// could be had (the caller decides whom the OOM killer takes).
//
// Nothing here fences a PTE that became valid or gained rights: a hart
// with an older entry faults again and lands in fault_rights (docs/book/07-tlb.md).
int vm_fault(struct aspace *as, uint64 va, int access)
{
  if (va >= MAXVA)
    return -EFAULT;
  va = PGROUNDDOWN(va);
  acquiresleep(&as->lock);
  struct region *r = region_find(as, va);
  if ((access & VM_USER) && pc_low()) {
    // Make room first, with no locks held. Only a fault on a file
    // mapping may evict mapped pages: anonymous growth must not eat
    // the working sets of others (or its own text).
    int file = r && r->obj && r->obj->kind == VMOBJ_FILE;
    releasesleep(&as->lock);
    pc_reclaim_if_low(file);
    acquiresleep(&as->lock);
    r = region_find(as, va);
  }
  int err;
  pte_t *pte;
  if (!r || !allowed(r->prot, access))
    err = -EFAULT;
  else if (!(pte = walk(as->root, va, 1)))
    err = -ENOMEM;
  else if (!(*pte & PTE_V))
    err = fault_absent(as, r, va, access, pte);
  else if ((access & VM_WRITE) && !(*pte & PTE_W))
    err = (r->flags & REG_SHARED) && r->obj ? fault_dirty(as, r, va, pte) : fault_cow(as, r, va, pte);
  else
    err = fault_rights(as, r, va, access, pte);
  if (err == -EFAULT)
    VMCOUNT(fault_kill);
  releasesleep(&as->lock);
  return err == -EAGAIN ? 0 : err;
}

const char *fault_cause(uint64 scause)
{
  switch (scause) {
  case 0:  return "instruction address misaligned";
  case 1:  return "instruction access fault";
  case 2:  return "illegal instruction";
  case 3:  return "breakpoint";
  case 4:  return "load address misaligned";
  case 5:  return "load access fault";
  case 6:  return "store address misaligned";
  case 7:  return "store access fault";
  case 12: return "instruction page fault";
  case 13: return "load page fault";
  case 15: return "store page fault";
  default: return "unexpected trap";
  }
}
