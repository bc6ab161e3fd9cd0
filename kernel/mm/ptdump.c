// pgtprint(pid, buf, n): a process's page table as text, one line per
// valid entry, indented by level (the pgtbl lab; the user program
// pgtprint prints it). Root entries point to level-1 tables, those to
// level-0 tables, whose entries are the leaves:
//
//   page table of pid 3, root pa 0x0000000087f4e000
//    ..0: pte 0x0000000021fd3401 pa 0x0000000087f4d000
//    .. ..0: pte 0x0000000021fd3001 pa 0x0000000087f4c000
//    .. .. ..16: va 0x0000000000010000 pa 0x0000000087f35000 r-xu- ref 4
//
// A leaf shows its rights (read, write, execute, user, c: copy-on-write)
// and its frame's reference count: above 1, the frame is shared (with
// another process, or with the page cache). Only the user half is shown:
// root entries 256-511 are the kernel's, the same in every space.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/trap/trap.h"

// Where the text goes: n bytes at user address ubuf; len counts all of
// it, including what did not fit.
struct dump {
  uint64 ubuf, n, len;
  int err;
};

static void emit(struct dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct dump *d, const char *fmt, ...)
{
  char line[160];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (k >= (int)sizeof line)
    k = sizeof line - 1;
  if (d->len < d->n && !d->err) {
    uint64 part = MIN((uint64)k, d->n - d->len);
    if (copyout(d->ubuf + d->len, line, part) < 0)
      d->err = -EFAULT;
  }
  d->len += k;
}

// Print the valid entries of table pt (level 2 is the root), each
// followed by the table it points to. va: the first address pt maps.
static void dump_table(struct dump *d, pagetable_t pt, int level, uint64 va)
{
  // LAB pgtbl: for each valid entry print a line (a table: recurse; a leaf: va, pa, rights, frame_refcount)
  static const char *const dots[] = { " .. .. ..", " .. ..", " .." };
  int n = level == 2 ? 256 : 512;
  for (int i = 0; i < n; i++) {
    pte_t e = __atomic_load_n(&pt[i], __ATOMIC_RELAXED);
    if (!(e & PTE_V))
      continue;
    uint64 a = va | ((uint64)i << PXSHIFT(level));
    uint64 pa = PTE2PA(e);
    if (!(e & (PTE_R | PTE_W | PTE_X))) {
      emit(d, "%s%d: pte %p pa %p\n", dots[level], i, (void *)e, (void *)pa);
      if (level > 0)
        dump_table(d, P2V(pa), level - 1, a);
      continue;
    }
    emit(d, "%s%d: va %p pa %p %c%c%c%c%c ref %d\n", dots[level], i, (void *)a, (void *)pa,
         e & PTE_R ? 'r' : '-', e & PTE_W ? 'w' : '-', e & PTE_X ? 'x' : '-',
         e & PTE_U ? 'u' : '-', e & PTE_COW ? 'c' : '-', frame_refcount(pa));
  }
  // STUB: (void)d;
  // STUB: (void)pt;
  // STUB: (void)level;
  // STUB: (void)va;
  // END LAB pgtbl
}

// pgtprint(pid, buf, n): pid 0 is the caller. Returns the length of the
// whole text (more than n: it was cut; call again with a bigger buffer),
// -ESRCH for no such live process, -EFAULT for a bad buffer.
//
// No lock is held while the tables are walked (the text goes to user
// memory as it is made, and a copy may fault): a reference on the space
// keeps its tables, which only ever go with the space (as_put). A leaf
// may change meanwhile; the picture is of a moment or two.
int64 sys_pgtprint(void)
{
  int pid = argint(0);
  struct dump d = { argaddr(1), argint(2) < 0 ? 0 : (uint64)argint(2), 0, 0 };
  struct aspace *as = 0;
  if (pid == 0)
    pid = myproc()->pid;
  for (struct proc *p = proc, *end = proc_end(); p < end && !as; p++) {
    acquire(&p->lock);
    if (p->pid == pid && (p->state == SLEEPING || p->state == RUNNABLE || p->state == RUNNING) && p->as) {
      as = p->as;      // stable under p->lock
      __atomic_add_fetch(&as->ref, 1, __ATOMIC_ACQ_REL);
    }
    release(&p->lock);
  }
  if (!as)
    return -ESRCH;
  emit(&d, "page table of pid %d, root pa %p\n", pid, (void *)V2P(as->root));
  dump_table(&d, as->root, 2, 0);
  as_put(as);
  return d.err ? d.err : (int64)d.len;
}
