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

static uint64 pte_rights(int prot)
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

// Resolve a fault at va for the given access. Returns 0 when the access
// may be retried, -EFAULT for a segmentation fault, -ENOMEM when no frame
// could be had (the caller kills the process: out of memory).
int vm_fault(struct aspace *as, uint64 va, int access)
{
  if (va >= MAXVA)
    return -EFAULT;
  va = PGROUNDDOWN(va);
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
    // Not present: anonymous memory starts zeroed. (File and shm
    // objects will supply their page here.)
    uint64 pa = frame_alloc();
    if (!pa) {
      err = -ENOMEM;
      goto out;
    }
    *pte = PA2PTE(pa) | pte_rights(r->prot) | PTE_V | PTE_A | PTE_D;
    VMCOUNT(fault_zero);
    tlb_fill_page(as, va);
  } else if ((access & VM_WRITE) && (*pte & PTE_COW)) {
    // Copy-on-write: copy unless we are the frame's last user.
    uint64 pa = PTE2PA(*pte);
    if (frame_refcount(pa) == 1) {
      VMCOUNT(fault_cow_reuse);
    } else {
      uint64 copy = frame_alloc();
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
  } else if (((access & VM_WRITE) && !(*pte & PTE_W)) ||
             ((access & VM_EXEC) && !(*pte & PTE_X))) {
    err = -EFAULT;
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
