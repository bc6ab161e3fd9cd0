// exec: replace the current process's address space with a program's.
// Each PT_LOAD segment becomes a region with exactly its rights (text
// R+X, rodata R, data R+W; W+X is refused), backed by the file through the
// page cache; bss pages beyond the file bytes are zero-filled on first touch.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/elf.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/file.h"
#include "kernel/stat.h"

static int seg_prot(uint32 flags)
{
  int prot = 0;
  if (flags & ELF_PROG_FLAG_READ)  prot |= PROT_READ;
  if (flags & ELF_PROG_FLAG_WRITE) prot |= PROT_WRITE;
  if (flags & ELF_PROG_FLAG_EXEC)  prot |= PROT_EXEC;
  return prot;
}

// Map a PT_LOAD segment. The pages that hold file bytes are a private
// mapping of the file: they come from the page cache on first touch, so
// every process running the program shares one copy of its text, and a
// write to data copies the page (COW). The bss beyond the file bytes is
// anonymous, zero-filled memory. The page where the file bytes end and the
// bss begins is made private at once, with its tail zeroed: the file holds
// other things there.
static int map_segment(struct aspace *as, struct inode *ip, struct proghdr *ph, int prot)
{
  const char *name = (prot & PROT_EXEC) ? "[text]" : (prot & PROT_WRITE) ? "[data]" : "[rodata]";
  uint64 lo = PGROUNDDOWN(ph->vaddr);
  uint64 fend = ph->vaddr + ph->filesz;           // end of the file bytes
  uint64 mid = PGROUNDUP(fend), hi = PGROUNDUP(ph->vaddr + ph->memsz);
  int err;
  if (ph->filesz > 0) {
    struct vmobj *o = vmobj_of_inode(ip);
    if (!o)
      return -ENOMEM;
    if ((err = region_add(as, lo, mid, prot, 0, o, PGROUNDDOWN(ph->off), name)) < 0)
      return err;
  } else {
    mid = lo;
  }
  if (hi > mid && (err = region_add(as, mid, hi, prot, 0, 0, 0, "[bss]")) < 0)
    return err;
  if (ph->filesz > 0 && fend % PGSIZE && ph->memsz > ph->filesz) {
    uint64 page = PGROUNDDOWN(fend), pa = frame_alloc();
    if (!pa)
      return -ENOMEM;
    if (pt_map(as->root, page, pa, PGSIZE, pte_rights(prot), 0) < 0) {
      frame_put(pa);
      return -ENOMEM;
    }
    uint64 from = MAX(page, ph->vaddr);
    uint64 n = fend - from;
    if (readi(ip, 0, (uint64)P2V(pa) + (from - page), ph->off + (from - ph->vaddr), n) != (int)n)
      return -ENOEXEC;
  }
  return 0;
}

// Write into the new (not yet active) space's stack through the direct map.
static int stack_write(struct aspace *as, uint64 va, const void *src, uint64 n)
{
  while (n) {
    pte_t *pte = walk(as->root, va, 0);
    if (!pte || !(*pte & PTE_V))
      return -E2BIG;
    uint64 chunk = MIN(n, PGSIZE - (va % PGSIZE));
    memmove((char *)P2V(PTE2PA(*pte)) + va % PGSIZE, src, chunk);
    va += chunk, src = (const char *)src + chunk, n -= chunk;
  }
  return 0;
}

int exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfhdr eh;
  struct proghdr ph;
  struct aspace *as = 0;
  int err;

  begin_op();
  struct inode *ip = namei(path);
  if (!ip) {
    end_op();
    return -ENOENT;
  }
  ilock(ip);
  err = -ENOEXEC;
  if (ip->type != T_FILE)
    goto bad;
  if (readi(ip, 0, (uint64)&eh, 0, sizeof eh) != sizeof eh)
    goto bad;
  if (eh.magic != ELF_MAGIC || eh.elf[0] != ELFCLASS64 || eh.machine != EM_RISCV ||
      eh.type != ET_EXEC || eh.phentsize != sizeof ph || eh.phnum == 0 || eh.phnum > 64)
    goto bad;
  err = -ENOMEM;
  if (!(as = as_create()))
    goto bad;

  uint64 top = 0;
  for (int i = 0; i < eh.phnum; i++) {
    err = -ENOEXEC;
    if (readi(ip, 0, (uint64)&ph, eh.phoff + i * sizeof ph, sizeof ph) != sizeof ph)
      goto bad;
    if (ph.type != ELF_PROG_LOAD || ph.memsz == 0)
      continue;
    int prot = seg_prot(ph.flags);
    if (ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr || ph.vaddr < USERBASE ||
        ph.vaddr + ph.memsz > USERTOP / 2 || ph.off + ph.filesz < ph.off ||
        ph.off + ph.filesz > ip->size || (ph.vaddr % PGSIZE) != (ph.off % PGSIZE) ||
        ((prot & PROT_WRITE) && (prot & PROT_EXEC)))
      goto bad;
    if ((err = map_segment(as, ip, &ph, prot)) < 0) {
      if (err == -EINVAL)
        err = -ENOEXEC;   // overlapping segments
      goto bad;
    }
    top = MAX(top, PGROUNDUP(ph.vaddr + ph.memsz));
  }
  err = -ENOEXEC;
  if (top == 0 || eh.entry < USERBASE || eh.entry >= top)
    goto bad;
  iunlockput(ip);
  end_op();
  ip = 0;

  // Guard page, stack, then the (empty) heap above it, as in xv6.
  uint64 stack_lo = top + PGSIZE, stack_hi = stack_lo + USERSTACK * PGSIZE;
  if ((err = region_add(as, stack_lo, stack_hi, PROT_READ | PROT_WRITE, REG_STACK, 0, 0, "[stack]")) < 0 ||
      (err = region_add(as, stack_hi, stack_hi, PROT_READ | PROT_WRITE, REG_HEAP, 0, 0, "[heap]")) < 0)
    goto bad;
  as->heap_start = as->brk = stack_hi;
  for (uint64 va = stack_lo; va < stack_hi; va += PGSIZE) {
    uint64 pa = frame_alloc();
    if (!pa || pt_map(as->root, va, pa, PGSIZE, pte_rights(PROT_READ | PROT_WRITE), 0) < 0) {
      if (pa)
        frame_put(pa);
      err = -ENOMEM;
      goto bad;
    }
  }

  // Arguments: strings at the top, then the argv array, 16-byte aligned.
  uint64 sp = stack_hi, ustack[MAXARG + 1];
  int argc;
  err = -E2BIG;
  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG)
      goto bad;
    uint64 len = strlen(argv[argc]) + 1;
    if (len > sp - stack_lo)
      goto bad;
    sp = (sp - len) & ~15UL;
    if (sp < stack_lo || stack_write(as, sp, argv[argc], len) < 0)
      goto bad;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  uint64 vec = (argc + 1) * sizeof(uint64);
  if (vec > sp - stack_lo)
    goto bad;
  sp = (sp - vec) & ~15UL;
  if (sp < stack_lo || stack_write(as, sp, ustack, vec) < 0)
    goto bad;

  // Commit: nothing can fail from here on.
  char *last = path, *s;
  for (s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  safestrcpy(p->name, last, sizeof p->name);
  memset(p->tf, 0, sizeof *p->tf);
  p->tf->epc = eh.entry;
  p->tf->sp = sp;
  p->tf->a1 = sp;
  fp_forget(p);
  struct aspace *old = p->as;
  p->as = as;
  as_activate(as);
  if (old) {
    as_teardown(old);
    as_put(old);
  }
  return argc;   // lands in a0: main(argc, argv)

bad:
  if (ip) {
    iunlockput(ip);
    end_op();
  }
  if (as) {             // outside the transaction: dropping regions may iput
    as_teardown(as);
    as_put(as);
  }
  return err;
}
