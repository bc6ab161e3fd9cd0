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
    if ((err = as_map_page(as, page, pa, prot)) < 0) {
      frame_put(pa);
      return err;
    }
    uint64 from = MAX(page, ph->vaddr);
    uint64 n = fend - from;
    if (readi(ip, 0, (uint64)P2V(pa) + (from - page), ph->off + (from - ph->vaddr), n) != (int)n)
      return -ENOEXEC;
  }
  if (ph->filesz > 0)
    as_premap(as, region_find(as, lo));   // after the private page: premap leaves it alone
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

// Is a PT_LOAD segment, placed at bias + vaddr, sane and inside [USERBASE, limit)?
static int segment_ok(struct proghdr *ph, uint64 bias, struct inode *ip, uint64 limit)
{
  uint64 va = bias + ph->vaddr;
  int prot = seg_prot(ph->flags);
  return ph->memsz >= ph->filesz && va >= bias && va + ph->memsz >= va && va >= USERBASE &&
         va + ph->memsz <= limit && ph->off + ph->filesz >= ph->off &&
         ph->off + ph->filesz <= ip->size && (ph->vaddr % PGSIZE) == (ph->off % PGSIZE) &&
         !((prot & PROT_WRITE) && (prot & PROT_EXEC));
}

// Read and check an ELF header of the given type.
static int read_elf(struct inode *ip, struct elfhdr *eh, int type)
{
  if (ip->type != T_FILE || readi(ip, 0, (uint64)eh, 0, sizeof *eh) != sizeof *eh)
    return -ENOEXEC;
  if (eh->magic != ELF_MAGIC || eh->elf[0] != ELFCLASS64 || eh->machine != EM_RISCV ||
      eh->type != type || eh->phentsize != sizeof(struct proghdr) || eh->phnum == 0 ||
      eh->phnum > MAXPHDR)
    return -ENOEXEC;
  return 0;
}

// Map every PT_LOAD of an ELF file at bias + vaddr; *top is the end of the
// highest one. The program headers are left in phdrs.
static int map_image(struct aspace *as, struct inode *ip, struct elfhdr *eh, struct proghdr *phdrs,
                     uint64 bias, uint64 limit, uint64 *top)
{
  uint64 n = eh->phnum * sizeof(struct proghdr);
  if (eh->phoff + n < eh->phoff || readi(ip, 0, (uint64)phdrs, eh->phoff, n) != (int)n)
    return -ENOEXEC;
  *top = 0;
  for (int i = 0; i < eh->phnum; i++) {
    struct proghdr ph = phdrs[i];
    if (ph.type != ELF_PROG_LOAD || ph.memsz == 0)
      continue;
    if (!segment_ok(&ph, bias, ip, limit))
      return -ENOEXEC;
    ph.vaddr += bias;
    int err = map_segment(as, ip, &ph, seg_prot(ph.flags));
    if (err < 0)
      return err == -EINVAL ? -ENOEXEC : err;   // -EINVAL: overlapping segments
    *top = MAX(*top, PGROUNDUP(ph.vaddr + ph.memsz));
  }
  return *top ? 0 : -ENOEXEC;
}

int exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfhdr eh, ieh;
  struct aspace *as = 0;
  struct proghdr *phdrs = kalloc();    // the program's headers (one page holds MAXPHDR)
  char *interp = 0;
  uint64 ibase = 0, entry, top, itop;
  int err = -ENOMEM;
  if (!phdrs)
    return -ENOMEM;

  begin_op();
  int in_op = 1;
  struct inode *ip = namei(path);
  if (!ip) {
    end_op();
    kfree(phdrs);
    return -ENOENT;
  }
  ilock(ip);
  if ((err = read_elf(ip, &eh, ET_EXEC)) < 0)
    goto bad;
  err = -ENOMEM;
  if (!(as = as_create()))
    goto bad;
  if ((err = map_image(as, ip, &eh, phdrs, 0, USERTOP / 2, &top)) < 0)
    goto bad;
  err = -ENOEXEC;
  if (eh.entry < USERBASE || eh.entry >= top)
    goto bad;
  entry = eh.entry;
  // A dynamically linked program names its interpreter (ld.so).
  for (int i = 0; i < eh.phnum; i++) {
    if (phdrs[i].type != ELF_PROG_INTERP)
      continue;
    if (interp || phdrs[i].filesz < 2 || phdrs[i].filesz > MAXPATH || !(interp = kalloc()))
      goto bad;
    if (readi(ip, 0, (uint64)interp, phdrs[i].off, phdrs[i].filesz) != (int)phdrs[i].filesz ||
        interp[phdrs[i].filesz - 1] != 0)
      goto bad;
  }
  iunlockput(ip);
  ip = 0;
  if (interp) {
    err = -ENOENT;
    if (!(ip = namei(interp)))
      goto bad;
    ilock(ip);
    struct proghdr *iph = (struct proghdr *)((char *)interp + MAXPATH);  // rest of that page
    if ((err = read_elf(ip, &ieh, ET_DYN)) < 0 ||
        ieh.phnum * sizeof(struct proghdr) > PGSIZE - MAXPATH ||
        (err = map_image(as, ip, &ieh, iph, LDSO_BASE, USERTOP, &itop)) < 0)
      goto bad;
    ibase = LDSO_BASE;
    entry = ibase + ieh.entry;
    err = -ENOEXEC;
    if (entry < ibase || entry >= itop)
      goto bad;
    iunlockput(ip);
    ip = 0;
  }
  end_op();
  in_op = 0;

  // Guard page, stack, then the (empty) heap above it, as in xv6.
  uint64 stack_lo = top + PGSIZE, stack_hi = stack_lo + USERSTACK * PGSIZE;
  if ((err = region_add(as, stack_lo, stack_hi, PROT_READ | PROT_WRITE, REG_STACK, 0, 0, "[stack]")) < 0 ||
      (err = region_add(as, stack_hi, stack_hi, PROT_READ | PROT_WRITE, REG_HEAP, 0, 0, "[heap]")) < 0)
    goto bad;
  as->heap_start = as->brk = stack_hi;
  for (uint64 va = stack_lo; va < stack_hi; va += PGSIZE) {
    uint64 pa = frame_alloc();
    if (!pa || as_map_page(as, va, pa, PROT_READ | PROT_WRITE) < 0) {
      if (pa)
        frame_put(pa);
      err = -ENOMEM;
      goto bad;
    }
  }

  // The initial stack, as the RISC-V Linux ABI lays it out: strings at the
  // top, a copy of the program headers (AT_PHDR), then from sp upwards:
  // argc, argv[0..argc-1], 0, envp (empty: 0), auxv pairs, AT_NULL.
  // a0 and a1 also hold argc and argv, which is all a static program reads.
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
  uint64 phsize = eh.phnum * sizeof(struct proghdr);
  if (phsize > sp - stack_lo)
    goto bad;
  sp = (sp - phsize) & ~15UL;
  if (sp < stack_lo || stack_write(as, sp, phdrs, phsize) < 0)
    goto bad;
  uint64 auxv[] = {
    AT_PHDR, sp, AT_PHENT, sizeof(struct proghdr), AT_PHNUM, eh.phnum,
    AT_PAGESZ, PGSIZE, AT_BASE, ibase, AT_ENTRY, eh.entry, AT_NULL, 0,
  };
  uint64 words = 1 + (argc + 1) + 1;
  uint64 need = words * sizeof(uint64) + sizeof auxv;
  if (need > sp - stack_lo)
    goto bad;
  sp = (sp - need) & ~15UL;
  if (sp < stack_lo)
    goto bad;
  uint64 zero = 0, uargc = argc;
  if (stack_write(as, sp, &uargc, 8) < 0 ||
      stack_write(as, sp + 8, ustack, (argc + 1) * 8) < 0 ||
      stack_write(as, sp + 8 + (argc + 1) * 8, &zero, 8) < 0 ||
      stack_write(as, sp + words * 8, auxv, sizeof auxv) < 0)
    goto bad;

  // Commit: nothing can fail from here on.
  char *last = path, *s;
  for (s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  safestrcpy(p->name, last, sizeof p->name);
  memset(p->tf, 0, sizeof *p->tf);
  p->tf->epc = entry;
  p->tf->sp = sp;
  p->tf->a1 = sp + 8;
  fp_forget(p);
  acquire(&p->lock);        // others read p->as under it (vmmap, ps)
  struct aspace *old = p->as;
  p->as = as;
  release(&p->lock);
  as_activate(as);
  if (old) {
    as_teardown(old);
    as_put(old);
  }
  kfree(phdrs);
  if (interp)
    kfree(interp);
  return argc;   // lands in a0: main(argc, argv)

bad:
  if (ip)
    iunlockput(ip);
  if (in_op)
    end_op();
  if (as) {             // outside the transaction: dropping regions may iput
    as_teardown(as);
    as_put(as);
  }
  kfree(phdrs);
  if (interp)
    kfree(interp);
  return err;
}
