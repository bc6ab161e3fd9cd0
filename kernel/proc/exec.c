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
    as_premap_at(as, lo);   // after the private page: premap leaves it alone
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

// What exec loads: the program and, if it names one, its interpreter.
struct image {
  struct elfhdr eh;        // the program's ELF header
  struct proghdr *phdrs;   // its program headers (a kalloc'd page: MAXPHDR fit)
  char *interp;            // its interpreter's path, or 0; the rest of that
                           // page holds the interpreter's program headers
  uint64 top;              // end of the program's highest segment
  uint64 ibase;            // where the interpreter is loaded (0: none)
  uint64 entry;            // where the process starts
};
_Static_assert(MAXPHDR * sizeof(struct proghdr) <= PGSIZE - MAXPATH,
               "an interpreter's program headers fit after its path");

// The path in the program's PT_INTERP header (at most one), if any.
static int read_interp(struct inode *ip, struct image *im)
{
  for (int i = 0; i < im->eh.phnum; i++) {
    struct proghdr *ph = &im->phdrs[i];
    if (ph->type != ELF_PROG_INTERP)
      continue;
    if (im->interp || ph->filesz < 2 || ph->filesz > MAXPATH || !(im->interp = kalloc()))
      return -ENOEXEC;
    if (readi(ip, 0, (uint64)im->interp, ph->off, ph->filesz) != (int)ph->filesz ||
        im->interp[ph->filesz - 1] != 0)
      return -ENOEXEC;
  }
  return 0;
}

// Map the program at path into a new space *asp (made once the file is
// known to be an executable). Inside a transaction.
static int load_program(char *path, struct aspace **asp, struct image *im)
{
  struct inode *ip = namei(path);
  if (!ip)
    return -ENOENT;
  ilock(ip);
  int err = read_elf(ip, &im->eh, ET_EXEC);
  if (err == 0 && !(*asp = as_create()))
    err = -ENOMEM;
  if (err == 0)
    err = map_image(*asp, ip, &im->eh, im->phdrs, 0, USERTOP / 2, &im->top);
  if (err == 0 && (im->eh.entry < USERBASE || im->eh.entry >= im->top))
    err = -ENOEXEC;
  if (err == 0)
    err = read_interp(ip, im);
  im->entry = im->eh.entry;
  iunlockput(ip);
  return err;
}

// Map the program's interpreter (ld.so) at LDSO_BASE; the process starts
// there. Inside a transaction.
static int load_interp(struct aspace *as, struct image *im)
{
  struct inode *ip = namei(im->interp);
  if (!ip)
    return -ENOENT;
  ilock(ip);
  struct elfhdr ieh;
  struct proghdr *iph = (struct proghdr *)(im->interp + MAXPATH);
  uint64 itop;
  int err = read_elf(ip, &ieh, ET_DYN);
  if (err == 0)
    err = map_image(as, ip, &ieh, iph, LDSO_BASE, USERTOP, &itop);
  im->ibase = LDSO_BASE;
  im->entry = im->ibase + ieh.entry;
  if (err == 0 && (im->entry < im->ibase || im->entry >= itop))
    err = -ENOEXEC;
  iunlockput(ip);
  return err;
}

// Guard page, stack, then the (empty) heap above it, as in xv6. The stack
// is mapped now: the arguments go there before the space runs.
static int make_stack(struct aspace *as, uint64 top, uint64 *lo, uint64 *hi)
{
  uint64 stack_lo = top + PGSIZE, stack_hi = stack_lo + USERSTACK * PGSIZE;
  int err;
  if ((err = region_add(as, stack_lo, stack_hi, PROT_READ | PROT_WRITE, REG_STACK, 0, 0, "[stack]")) < 0 ||
      (err = region_add(as, stack_hi, stack_hi, PROT_READ | PROT_WRITE, REG_HEAP, 0, 0, "[heap]")) < 0)
    return err;
  as->heap_start = as->brk = stack_hi;
  for (uint64 va = stack_lo; va < stack_hi; va += PGSIZE) {
    uint64 pa = frame_alloc();
    if (!pa || as_map_page(as, va, pa, PROT_READ | PROT_WRITE) < 0) {
      if (pa)
        frame_put(pa);
      return -ENOMEM;
    }
  }
  *lo = stack_lo;
  *hi = stack_hi;
  return 0;
}

// Push n bytes at src below *sp (16-byte aligned), staying above lo.
static int push(struct aspace *as, uint64 *sp, uint64 lo, const void *src, uint64 n)
{
  if (n > *sp - lo)
    return -E2BIG;
  *sp = (*sp - n) & ~15UL;
  if (*sp < lo || as_write(as, *sp, src, n) < 0)
    return -E2BIG;
  return 0;
}

// The initial stack in [lo, hi), as the RISC-V Linux ABI lays it out:
// strings at the top, a copy of the program headers (AT_PHDR), then from
// sp upwards: argc, argv[0..argc-1], 0, envp (empty: 0), auxv pairs,
// AT_NULL. a0 and a1 also hold argc and argv, which is all a static
// program reads. Returns argc, or -E2BIG.
static int push_args(struct aspace *as, struct image *im, char **argv, uint64 lo, uint64 hi,
                     uint64 *spp)
{
  uint64 sp = hi, ustack[MAXARG + 1];
  int argc;
  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG || push(as, &sp, lo, argv[argc], strlen(argv[argc]) + 1) < 0)
      return -E2BIG;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  if (push(as, &sp, lo, im->phdrs, im->eh.phnum * sizeof(struct proghdr)) < 0)
    return -E2BIG;
  uint64 auxv[] = {
    AT_PHDR, sp, AT_PHENT, sizeof(struct proghdr), AT_PHNUM, im->eh.phnum,
    AT_PAGESZ, PGSIZE, AT_BASE, im->ibase, AT_ENTRY, im->eh.entry, AT_NULL, 0,
  };
  uint64 words = 1 + (argc + 1) + 1;
  uint64 need = words * sizeof(uint64) + sizeof auxv;
  if (need > sp - lo)
    return -E2BIG;
  sp = (sp - need) & ~15UL;
  if (sp < lo)
    return -E2BIG;
  uint64 zero = 0, uargc = argc;
  if (as_write(as, sp, &uargc, 8) < 0 ||
      as_write(as, sp + 8, ustack, (argc + 1) * 8) < 0 ||
      as_write(as, sp + 8 + (argc + 1) * 8, &zero, 8) < 0 ||
      as_write(as, sp + words * 8, auxv, sizeof auxv) < 0)
    return -E2BIG;
  *spp = sp;
  return argc;
}

// The point of no return: the process becomes the program.
static void commit(struct proc *p, char *path, struct aspace *as, uint64 entry, uint64 sp)
{
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
}

int exec(char *path, char **argv)
{
  struct image im = { .phdrs = kalloc() };
  struct aspace *as = 0;
  uint64 stack_lo = 0, stack_hi = 0, sp = 0;
  if (!im.phdrs)
    return -ENOMEM;

  begin_op();
  int err = load_program(path, &as, &im);
  if (err == 0 && im.interp)
    err = load_interp(as, &im);
  end_op();
  if (err == 0)
    err = make_stack(as, im.top, &stack_lo, &stack_hi);
  if (err == 0)
    err = as_map_usys(as, myproc()->pid);
  if (err == 0)
    err = push_args(as, &im, argv, stack_lo, stack_hi, &sp);
  if (err >= 0)
    commit(myproc(), path, as, im.entry, sp);
  else if (as) {        // outside the transaction: dropping regions may iput
    as_teardown(as);
    as_put(as);
  }
  kfree(im.phdrs);
  if (im.interp)
    kfree(im.interp);
  return err;   // argc lands in a0: main(argc, argv)
}
