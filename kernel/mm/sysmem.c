// Memory system calls: sbrk, vmstat, vmmap (mmap and friends: mmap.c).
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/trap/trap.h"

int64 sys_sbrk(void)
{
  uint64 old;
  int err = as_sbrk(myproc()->as, argint(0), &old);
  return err < 0 ? err : (int64)old;
}

int64 sys_vmstat(void)
{
  struct vmstat st = vmcount;
  st.page_size = PGSIZE;
  frame_stats(&st.frames_total, &st.frames_free, &st.frames_shared);
  st.frames_used = st.frames_total - st.frames_free;
  vmobj_stats(&st.shm_objects, &st.frames_shm);
  return copyout(argaddr(0), &st, sizeof st);
}

// A process's regions, like /proc/PID/maps. pid 0 means the caller.
int64 sys_vmmap(void)
{
  int pid = argint(0);
  uint64 ubuf = argaddr(1);
  int n = argint(2);
  if (n < 0)
    return -EINVAL;
  struct aspace *as = 0;
  if (pid == 0)
    pid = myproc()->pid;
  for (struct proc *p = proc, *end = proc_end(); p < end && !as; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE && p->as) {
      as = p->as;     // read under p->lock: exec replaces p->as under it
      __atomic_add_fetch(&as->ref, 1, __ATOMIC_ACQ_REL);   // keep it while we look
    }
    release(&p->lock);
  }
  if (!as)
    return -ESRCH;
  // Gather into a kernel page first: copyout may fault, and the fault
  // path takes as->lock, which we would be holding.
  struct vmregion *vr = kalloc();
  int max = PGSIZE / sizeof *vr, count = 0, err = 0;
  if (!vr) {
    as_put(as);
    return -ENOMEM;
  }
  acquiresleep(&as->lock);
  for (struct region *r = as->regions; r; r = r->next, count++) {
    if (count >= n || count >= max)
      continue;
    struct vmregion *v = &vr[count];
    v->start = r->start;
    v->end = r->end;
    v->prot = (r->prot & PROT_READ ? VMR_READ : 0) | (r->prot & PROT_WRITE ? VMR_WRITE : 0) |
              (r->prot & PROT_EXEC ? VMR_EXEC : 0) | (r->flags & REG_SHARED ? VMR_SHARED : 0);
    v->offset = r->off;
    if (r->obj && r->obj->kind == VMOBJ_FILE)
      v->ino = r->obj->ino;
    safestrcpy(v->name, r->name, sizeof v->name);
    uint64 va = r->start;
    pte_t *pte;
    acquire(&as->ptlock);
    for (; (pte = pt_next_leaf(as->root, &va, r->end)) != 0; va += PGSIZE) {
      v->resident++;
      if (frame_refcount(PTE2PA(*pte)) > 1)
        v->shared++;
    }
    release(&as->ptlock);
  }
  releasesleep(&as->lock);
  as_put(as);
  int ncopy = MIN(MIN(count, n), max);
  if (ncopy > 0)
    err = copyout(ubuf, vr, ncopy * sizeof *vr);
  kfree(vr);
  return err < 0 ? err : count;
}

