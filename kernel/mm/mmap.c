// mmap, munmap, mprotect, msync: regions over memory objects.
// A mapping is only a region: pages arrive on first touch (vm_fault).
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/trap/trap.h"

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAP_KNOWN (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)

// Validate a user range of whole pages: [addr, addr+len) in user space.
static int page_range(uint64 addr, uint64 len, uint64 *end)
{
  if (addr % PGSIZE || len == 0)
    return -EINVAL;
  uint64 e = addr + PGROUNDUP(len);
  if (e < addr || PGROUNDUP(len) < len)
    return -EINVAL;
  if (e > MAXVA)
    return -ENOMEM;
  *end = e;
  return 0;
}

// Check mmap's arguments. For a fixed mapping, *end is its end.
static int mmap_check(uint64 addr, uint64 len, int prot, int flags, uint64 off, uint64 *end)
{
  if (len == 0 || (prot & ~PROT_ALL) || (flags & ~MAP_KNOWN) || (off % PGSIZE))
    return -EINVAL;
  if (!!(flags & MAP_SHARED) == !!(flags & MAP_PRIVATE))
    return -EINVAL;
  if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
    return -EACCES;                          // W^X
  uint64 size = PGROUNDUP(len);
  if (size < len || off + size < off)
    return -EINVAL;
  *end = 0;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    int err = page_range(addr, len, end);
    if (err < 0)
      return err;
    if (addr < USERBASE)
      return -EINVAL;
    if (*end > USERTOP)
      return -ENOMEM;
  }
  return 0;
}

// The object a new mapping of size bytes maps (0: anonymous private
// memory), the most it may allow, and its name. A shared anonymous
// mapping gets a new object, with a reference the caller drops.
static int mmap_object(int flags, int fd, int prot, uint64 size, struct vmobj **obj,
                       int *maxprot, char *name)
{
  // LAB mmap: anonymous memory has no object (shared: a new shm object of size bytes); a file's object comes from file_vmobj (fs/fileobj.c), and prot must stay within *maxprot
  *obj = 0;
  *maxprot = PROT_ALL;
  safestrcpy(name, "[anon]", REGION_NAME);
  if (flags & MAP_ANONYMOUS) {
    if (flags & MAP_SHARED) {
      // Shared anonymous memory is an unnamed shared-memory object.
      if (!(*obj = vmobj_alloc(VMOBJ_SHM, &shm_vmops)))
        return -ENOMEM;
      (*obj)->size = size;
      safestrcpy(name, "[shared anon]", REGION_NAME);
    }
    return 0;
  }
  int err = file_vmobj(fd, flags, obj, maxprot, name);
  if (err < 0)
    return err;
  if (prot & ~*maxprot)
    return -EACCES;
  return 0;
  // STUB: (void)flags;
  // STUB: (void)fd;
  // STUB: (void)prot;
  // STUB: (void)size;
  // STUB: (void)name;
  // STUB: *obj = 0;
  // STUB: *maxprot = 0;
  // STUB: return -ENOSYS;
  // END LAB mmap
}

// Where the mapping goes: [*addr, *end) if fixed (replacing what is there,
// unless MAP_FIXED_NOREPLACE), else a gap of size bytes near the hint
// *addr. Holding as->lock.
static int mmap_place(struct aspace *as, int flags, uint64 size, uint64 *addr, uint64 *end)
{
  // LAB mmap: MAP_FIXED_NOREPLACE fails on an overlap (region_overlap), MAP_FIXED first removes what is there (as_remove), else as_find_gap
  if (flags & MAP_FIXED_NOREPLACE)
    return region_overlap(as, *addr, *end) ? -EEXIST : 0;
  if (flags & MAP_FIXED)
    return as_remove(as, *addr, *end);
  *addr = as_find_gap(as, size, PGROUNDDOWN(*addr));
  *end = *addr + size;
  return *addr ? 0 : -ENOMEM;
  // STUB: (void)as;
  // STUB: (void)flags;
  // STUB: (void)size;
  // STUB: (void)addr;
  // STUB: (void)end;
  // STUB: return -ENOSYS;
  // END LAB mmap
}

int64 sys_mmap(void)
{
  uint64 addr = argaddr(0), len = argaddr(1);
  int prot = argint(2), flags = argint(3), fd = argint(4);
  uint64 off = argaddr(5), end;
  struct aspace *as = myproc()->as;
  int err = mmap_check(addr, len, prot, flags, off, &end);
  if (err < 0)
    return err;
  struct vmobj *obj;
  int maxprot;
  char name[REGION_NAME];
  if ((err = mmap_object(flags, fd, prot, PGROUNDUP(len), &obj, &maxprot, name)) < 0)
    return err;
  if (flags & MAP_ANONYMOUS)
    off = 0;

  acquiresleep(&as->lock);
  int rflags = (flags & MAP_SHARED) ? REG_SHARED : 0;
  struct region *r;
  if ((err = mmap_place(as, flags, PGROUNDUP(len), &addr, &end)) == 0 &&
      (err = region_insert(as, addr, end, prot, rflags, obj, off, name, &r)) == 0) {
    r->maxprot = maxprot;
    if ((prot & PROT_EXEC) && obj && obj->kind == VMOBJ_FILE)
      as_premap(as, r);
  }
  releasesleep(&as->lock);
  if ((flags & MAP_ANONYMOUS) && obj)
    vmobj_put(obj);      // the region holds its own reference
  return err < 0 ? err : (int64)addr;
}

int64 sys_munmap(void)
{
  uint64 addr = argaddr(0), len = argaddr(1), end;
  int err = page_range(addr, len, &end);
  if (err < 0)
    return err == -ENOMEM ? -EINVAL : err;
  struct aspace *as = myproc()->as;
  acquiresleep(&as->lock);
  err = as_remove(as, addr, end);
  releasesleep(&as->lock);
  return err;
}

// Is every page of [addr, end) inside some region? (mprotect, msync)
static int fully_mapped(struct aspace *as, uint64 addr, uint64 end)
{
  for (uint64 a = addr; a < end; ) {
    struct region *r = region_find(as, a);
    if (!r)
      return 0;
    a = r->end;
  }
  return 1;
}

// Split so that addr is a region boundary (no-op if it already is).
static int split_at(struct aspace *as, uint64 addr)
{
  struct region *r = region_find(as, addr);
  if (!r || r->start == addr)
    return 0;
  // The upper part becomes its own region through the generic insert,
  // with the same object and offset; it is on the object's mappers list
  // before the lower part stops covering its pages.
  uint64 end = r->end;
  struct region *upper;
  vmobj_set_range(r->obj, r, r->start, addr, r->off);
  int err = region_insert(as, addr, end, r->prot, r->flags, r->obj, r->off + (addr - r->start),
                          r->name, &upper);
  if (err < 0) {
    vmobj_set_range(r->obj, r, r->start, end, r->off);
    return err;
  }
  upper->maxprot = r->maxprot;
  return 0;
}

int64 sys_mprotect(void)
{
  uint64 addr = argaddr(0), len = argaddr(1), end;
  int prot = argint(2);
  int err = page_range(addr, len, &end);
  if (err < 0)
    return err;
  if (prot & ~PROT_ALL)
    return -EINVAL;
  if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
    return -EACCES;
  struct aspace *as = myproc()->as;
  acquiresleep(&as->lock);
  if (!fully_mapped(as, addr, end)) {
    releasesleep(&as->lock);
    return -ENOMEM;
  }
  for (struct region *r = as->regions; r; r = r->next)
    if (r->start < end && addr < r->end && (prot & ~r->maxprot)) {
      releasesleep(&as->lock);
      return -EACCES;
    }
  if ((err = split_at(as, addr)) < 0 || (err = split_at(as, end)) < 0) {
    releasesleep(&as->lock);
    return err;
  }
  // New rights apply to PTEs by removing what is no longer allowed; rights
  // that were added come back through vm_fault on the next access. Only
  // the pages that exist are visited; only removals need a fence.
  uint64 allow = prot ? pte_rights(prot) : 0;   // PROT_NONE: valid for us, no user access
  int removed = 0;
  for (struct region *r = as->regions; r; r = r->next) {
    if (r->end <= addr || r->start >= end)
      continue;
    region_set_prot(r, prot);
    uint64 va = r->start;
    pte_t *pte;
    acquire(&as->ptlock);
    while ((pte = pt_next_leaf(as->root, &va, r->end)) != 0) {
      pte_t old = *pte;
      pte_t new = (old & ~(PTE_RWX | PTE_U)) | (old & allow & PTE_RWX) | (allow & PTE_U);
      if (new != old) {
        removed |= (old & ~new) != 0;
        as_pte_set(as, va, pte, new);
      }
      va += PGSIZE;
    }
    release(&as->ptlock);
  }
  if (removed)
    tlb_flush_range(as, addr, end);
  releasesleep(&as->lock);
  return 0;
}

int64 sys_msync(void)
{
  uint64 addr = argaddr(0), len = argaddr(1), end;
  int flags = argint(2);
  if (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))
    return -EINVAL;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC))
    return -EINVAL;
  if (addr % PGSIZE)
    return -EINVAL;
  if (len == 0)
    return 0;
  int err = page_range(addr, len, &end);
  if (err < 0)
    return err;
  struct aspace *as = myproc()->as;
  acquiresleep(&as->lock);
  if (!fully_mapped(as, addr, end)) {
    releasesleep(&as->lock);
    return -ENOMEM;
  }
  // Write-back is synchronous, so MS_ASYNC and MS_SYNC both complete
  // here. A page that could not be written stays dirty, and msync says
  // so (-EIO, -ENOSPC): the caller learns its data is not on disk.
  // LAB mmap: write back the dirty pages of every mapping in [addr, end) (region_writeback); the first error is msync's
  for (struct region *r = as->regions; r && err == 0; r = r->next) {
    if (r->end <= addr || r->start >= end)
      continue;
    err = region_writeback(r, MAX(r->start, addr), MIN(r->end, end));
    if (err == 0 && r->obj && r->obj->ops->sync)
      r->obj->ops->sync(r->obj);   // durable when msync returns (a file: commit)
  }
  // END LAB mmap
  releasesleep(&as->lock);
  return err;
}
