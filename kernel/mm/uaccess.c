// copyin / copyout / copyinstr: the kernel reads and writes user memory
// through its own direct map of RAM, a page at a time, after finding the
// page in the process's page table. sstatus.SUM is never set, so no
// kernel instruction can reach a user address by mistake: a kernel bug
// that dereferences a user pointer faults and panics at once.
//
// Each page's part is copied with as->ptlock held, after checking that
// the PTE allows the access. Every leaf-PTE change takes that lock
// (as_pte_set), so the PTE stays what we checked until the copy is done:
// write-back cannot write-protect the page and clean it halfway through
// a write, and eviction or a COW break cannot free the frame under us.
// The copy itself cannot fault (the direct map covers all of RAM), so
// holding a spinlock across it is safe; it is at most a page.
//
// A page the PTE does not allow goes through vm_fault, the one page-fault
// path that user faults take too, so COW, lazy heap pages and file pages
// "just work" for system-call buffers; then the page is looked up again.
//
// Why not in place, with SUM set around the copy (as Pagoda once did)?
// The same protection needs an sstatus write before and after each copy,
// and QEMU 7.2 flushes its whole TLB on every change of SUM: 8 flushes
// per pipe round trip, 40% of pipe_rtt. And this way the kernel takes no
// page faults of its own: kerneltrap has no special case for them.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/errno.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/lib/klib.h"
#include "kernel/fcntl.h"
#include "kernel/proc/proc.h"

// [va, va+len) must lie in the user half: this check is what keeps a
// user pointer from naming kernel memory.
static int user_range(uint64 va, uint64 len)
{
  return va < MAXVA && len <= MAXVA - va;
}

// The kernel address of user address va if its PTE allows access
// (VM_READ or VM_WRITE) from user mode, else 0. With as->ptlock held the
// answer stays true while the lock is; without it, it is only a hint.
static char *user_kaddr(struct aspace *as, uint64 va, int access)
{
  pte_t *pte = walk(as->root, va, 0);
  if (!pte)
    return 0;
  pte_t e = __atomic_load_n(pte, __ATOMIC_RELAXED);
  uint64 need = PTE_V | PTE_U | (access == VM_WRITE ? PTE_W : PTE_R);
  if ((e & need) != need)
    return 0;
  return (char *)P2V(PTE2PA(e)) + va % PGSIZE;
}

// The page at va does not allow access: resolve it as a fault. 0 when
// the copy may look again, -EFAULT when it must stop. Out of memory
// asks the OOM killer, as a user fault does; if nobody else can die,
// the process is killed, with the pc of its system call.
static int copy_fault(struct aspace *as, uint64 va, int access)
{
  struct proc *p = myproc();
  int err = vm_fault(as, va, access);
  if (err == -ENOMEM && oom(p))
    return 0;
  if (err == -ENOMEM && !killed(p)) {
    VMCOUNT(oom_kills);
    proc_kill_report(p, "out of memory", va, p->tf->epc);
  }
  return err ? -EFAULT : 0;
}

// Move n bytes between user address va and kernel buffer k: toward user
// memory if access is VM_WRITE, from it if VM_READ. With str set, a copy
// from user memory ends after the first NUL. *moved says how many bytes
// moved. 0 or -EFAULT.
static int user_copy(uint64 va, char *k, uint64 n, int access, int str, uint64 *moved)
{
  struct aspace *as = myproc()->as;
  uint64 done = 0;
  int err = 0;
  while (done < n) {
    uint64 chunk = MIN(n - done, PGSIZE - va % PGSIZE);
    acquire(&as->ptlock);
    char *u = user_kaddr(as, va, access);
    if (u && access == VM_WRITE) {
      memmove(u, k, chunk);
    } else if (u && str) {
      uint64 i = 0;
      while (i < chunk && (k[i] = u[i]) != 0)
        i++;
      if (i < chunk)
        chunk = i + 1, n = done + chunk;   // the NUL ends the copy
    } else if (u) {
      memmove(k, u, chunk);
    }
    release(&as->ptlock);
    if (!u) {
      if ((err = copy_fault(as, va, access)) < 0)
        break;
      continue;
    }
    va += chunk, k += chunk, done += chunk;
  }
  *moved = done;
  return err;
}

int copyin(void *dst, uint64 srcva, uint64 len)
{
  LOCKDEBUG_COPY_CHECK("copyin");
  uint64 n;
  if (!user_range(srcva, len))
    return -EFAULT;
  return user_copy(srcva, dst, len, VM_READ, 0, &n);
}

int copyout(uint64 dstva, const void *src, uint64 len)
{
  LOCKDEBUG_COPY_CHECK("copyout");
  uint64 n;
  if (!user_range(dstva, len))
    return -EFAULT;
  return user_copy(dstva, (char *)src, len, VM_WRITE, 0, &n);
}

// Copy a NUL-terminated string of at most max bytes (NUL included).
// Returns its length without the NUL.
int copyinstr(char *dst, uint64 srcva, uint64 max)
{
  LOCKDEBUG_COPY_CHECK("copyinstr");
  if (srcva >= MAXVA)
    return -EFAULT;
  uint64 lim = MIN(max, MAXVA - srcva), n;
  if (user_copy(srcva, dst, lim, VM_READ, 1, &n) < 0)
    return -EFAULT;
  if (n == 0 || dst[n - 1] != 0)
    return lim < max ? -EFAULT : -ENAMETOOLONG;
  return n - 1;
}

// Do the PTEs already allow `access` to every page of [va, va+len)? A PTE
// never grants more than its region allows, so then the regions need not
// be searched, nor as->lock taken: the common read() or write() of a
// buffer in use (a pipe round trip saved two region-pool pages of TLB
// refills and about 130 instructions per call). A hint, read without
// ptlock (tables outlive the space's use, see walk): if a PTE goes
// meanwhile, the copy faults it back, as it would after the region
// check. Only a few pages are looked at; a bigger buffer searches the
// regions.
static int ptes_allow(struct aspace *as, uint64 va, uint64 len, int access)
{
  if (len > 4 * PGSIZE)
    return 0;
  for (uint64 a = PGROUNDDOWN(va); a < va + len; a += PGSIZE)
    if (!user_kaddr(as, a, access))
      return 0;
  return 1;
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
  if (ptes_allow(as, va, len, access))
    return 1;
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
