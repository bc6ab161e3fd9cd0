// The one page-fault path. User faults (trap.c) and faults inside
// copyin/copyout (uaccess.c) both come here.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm.h"

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

// Map page idx of the region's object at va. Shared regions map the
// object's frame itself: read-only until the first write, so that the
// write can mark the page dirty (software dirty tracking). Private regions
// map it read-only and copy-on-write, or copy at once for a write.
static int fault_object(struct region *r, uint64 va, int access, pte_t *pte)
{
  struct vmobj *o = r->obj;
  uint64 idx = (va - r->start + r->off) / PGSIZE;
  uint64 pa;
  int err = vmobj_getpage(o, idx, &pa);
  if (err < 0)
    return err;
  uint64 rights = pte_rights(r->prot);
  if (!(r->flags & REG_SHARED)) {
    if (access & VM_WRITE) {
      uint64 copy = frame_alloc_reclaim(access & VM_USER);
      if (!copy) {
        frame_put(pa);
        return -ENOMEM;
      }
      memmove(P2V(copy), P2V(pa), PGSIZE);
      frame_put(pa);
      *pte = PA2PTE(copy) | rights | PTE_V | PTE_A | PTE_D;
      VMCOUNT(fault_cow_copy);
      return 0;
    }
    if (rights & PTE_W)
      rights = (rights & ~PTE_W) | PTE_COW;
  } else if (rights & PTE_W) {
    if (access & VM_WRITE)
      __atomic_fetch_or(&pa2frame(pa)->flags, FRAME_DIRTY, __ATOMIC_ACQ_REL);
    else
      rights &= ~PTE_W;
  }
  // Install under the object's lock, and only if the frame is still the
  // cached page: eviction unmaps pages under the same lock.
  acquire(&o->lock);
  struct frame *f = pa2frame(pa);
  int current = (f->flags & FRAME_CACHE) && f->obj == o && f->index == idx;
  if (current)
    *pte = PA2PTE(pa) | rights | PTE_V | PTE_A | PTE_D;
  release(&o->lock);
  if (!current) {
    frame_put(pa);
    return -EAGAIN;     // evicted meanwhile: the access will simply fault again
  }
  return 0;             // the PTE owns the reference getpage gave us
}

// Resolve a fault at va for the given access. Returns 0 when the access
// may be retried, -EFAULT for a segmentation fault, -ENOMEM when no frame
// could be had (the caller kills the process: out of memory).
int vm_fault(struct aspace *as, uint64 va, int access)
{
  if (va >= MAXVA)
    return -EFAULT;
  va = PGROUNDDOWN(va);
  // A fault from user mode holds no locks: the place to make room,
  // writing dirty file pages back if need be (pagecache.c).
  if (access & VM_USER)
    pc_reclaim_if_low();
  acquiresleep(&as->lock);
  int err = 0;
  struct region *r = region_find(as, va);
  if (!r || !allowed(r->prot, access)) {
    err = -EFAULT;
    goto out;
  }
  pte_t *pte = walk(as->root, va, 1);
  if (!pte) {
    err = -ENOMEM;
    goto out;
  }
  if (!(*pte & PTE_V)) {
    if (r->obj) {
      err = fault_object(r, va, access, pte);
      if (err == -EAGAIN)
        err = 0;
      if (err == 0)
        tlb_fill_page(as, va);
      goto out;
    }
    // Anonymous memory starts zeroed.
    uint64 pa = frame_alloc_reclaim(access & VM_USER);
    if (!pa) {
      err = -ENOMEM;
      goto out;
    }
    *pte = PA2PTE(pa) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D;
    VMCOUNT(fault_zero);
    tlb_fill_page(as, va);
  } else if ((access & VM_WRITE) && !(*pte & PTE_W) && !(r->flags & REG_SHARED) &&
             ((*pte & PTE_COW) || frame_refcount(PTE2PA(*pte)) > 1 ||
              (pa2frame(PTE2PA(*pte))->flags & FRAME_CACHE))) {
    // Copy-on-write: copy unless we are the frame's last user (a page-cache
    // frame is never ours alone: the file keeps it).
    uint64 pa = PTE2PA(*pte);
    if (frame_refcount(pa) == 1 && !(pa2frame(pa)->flags & FRAME_CACHE)) {
      VMCOUNT(fault_cow_reuse);
    } else {
      uint64 copy = frame_alloc_reclaim(access & VM_USER);
      if (!copy) {
        err = -ENOMEM;
        goto out;
      }
      memmove(P2V(copy), P2V(pa), PGSIZE);
      frame_put(pa);
      pa = copy;
      VMCOUNT(fault_cow_copy);
    }
    *pte = PA2PTE(pa) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D;
    // Read-only -> writable: other harts' read-only entries only cause
    // a spurious fault, so a local fence is enough.
    tlb_fill_page(as, va);
  } else if ((access & VM_WRITE) && !(*pte & PTE_W)) {
    // Writable region, read-only PTE: the first write to a shared page
    // (mark it dirty), or rights that mprotect has since raised.
    uint64 pa = PTE2PA(*pte);
    if (r->flags & REG_SHARED)
      __atomic_fetch_or(&pa2frame(pa)->flags, FRAME_DIRTY, __ATOMIC_ACQ_REL);
    *pte |= PTE_W | PTE_R | PTE_D;
    tlb_fill_page(as, va);
  } else if ((access & VM_EXEC) && !(*pte & PTE_X)) {
    *pte |= PTE_X;
    tlb_fill_page(as, va);
  } else if ((access & VM_READ) && !(*pte & PTE_R)) {
    *pte |= PTE_R;
    tlb_fill_page(as, va);
  } else {
    // Already valid with the right permission: a stale TLB entry
    // (another hart changed the PTE). Refetch it.
    tlb_fill_page(as, va);
  }
out:
  if (err == -EFAULT)
    VMCOUNT(fault_kill);
  releasesleep(&as->lock);
  return err;
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
