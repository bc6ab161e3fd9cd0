// copyin / copyout / copyinstr: the kernel reads and writes user memory
// in place, through the current process's page table, with SUM set only
// for the duration of the copy.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/lib/klib.h"
#include "kernel/fcntl.h"
#include "kernel/proc/proc.h"

int uaccess_copy(void *dst, const void *src, uint64 n);
int uaccess_strncpy(char *dst, const char *src, uint64 max);
extern char uaccess_start[], uaccess_end[], uaccess_fault[];

// [va, va+len) must lie in the user half: this check is what keeps a
// user pointer from naming kernel memory.
static int user_range(uint64 va, uint64 len)
{
  return va < MAXVA && len <= MAXVA - va;
}

int copyin(void *dst, uint64 srcva, uint64 len)
{
  LOCKDEBUG_COPY_CHECK("copyin");
  if (!user_range(srcva, len))
    return -EFAULT;
  csr_set(sstatus, SSTATUS_SUM);
  int r = uaccess_copy(dst, (const void *)srcva, len);
  csr_clear(sstatus, SSTATUS_SUM);
  return r;
}

int copyout(uint64 dstva, const void *src, uint64 len)
{
  LOCKDEBUG_COPY_CHECK("copyout");
  if (!user_range(dstva, len))
    return -EFAULT;
  csr_set(sstatus, SSTATUS_SUM);
  int r = uaccess_copy((void *)dstva, src, len);
  csr_clear(sstatus, SSTATUS_SUM);
  return r;
}

// Copy a NUL-terminated string of at most max bytes (NUL included).
int copyinstr(char *dst, uint64 srcva, uint64 max)
{
  LOCKDEBUG_COPY_CHECK("copyinstr");
  if (srcva >= MAXVA)
    return -EFAULT;
  uint64 lim = MIN(max, MAXVA - srcva);
  csr_set(sstatus, SSTATUS_SUM);
  int r = uaccess_strncpy(dst, (const char *)srcva, lim);
  csr_clear(sstatus, SSTATUS_SUM);
  if (r == -1)
    return lim < max ? -EFAULT : -ENAMETOOLONG;
  return r;
}

// Trap handler: was the faulting instruction a user access? If so, the
// caller tries vm_fault and, failing that, resumes at the fixup.
int uaccess_fixup(uint64 *sepc)
{
  if (*sepc < (uint64)uaccess_start || *sepc >= (uint64)uaccess_end)
    return 0;
  return 1;
}

uint64 uaccess_fault_pc(void)
{
  return (uint64)uaccess_fault;
}

// Is every byte of [va, va+len) inside a region that allows `access`?
// read() and write() ask this first, so a buffer that runs off the end of
// the heap fails with -EFAULT before any data moves (no partial transfer).
int user_buffer_ok(uint64 va, uint64 len, int access)
{
  if (!user_range(va, len))
    return 0;
  if (len == 0)
    return 1;
  struct aspace *as = myproc()->as;
  int ok = 1;
  acquiresleep(&as->lock);
  for (uint64 a = PGROUNDDOWN(va); ok && a < va + len; ) {
    struct region *r = region_find(as, a);
    if (!r || ((access & VM_WRITE) && !(r->prot & PROT_WRITE)) ||
        ((access & VM_READ) && !(r->prot & (PROT_READ | PROT_WRITE))))
      ok = 0;
    else
      a = r->end;
  }
  releasesleep(&as->lock);
  return ok;
}

// The same for callers that move data to or from either the user or the
// kernel (device reads and writes, readi): user_dst says which dst is.
int either_copyout(int user_dst, uint64 dst, void *src, uint64 len)
{
  if (user_dst)
    return copyout(dst, src, len);
  memmove((void *)dst, src, len);
  return 0;
}

int either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (user_src)
    return copyin(dst, src, len);
  memmove(dst, (void *)src, len);
  return 0;
}
