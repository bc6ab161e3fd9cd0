// Loading a shared library: open /lib/NAME, check its headers, reserve
// its address range, map its segments, read its dynamic section.
#include "user/ld/ld.h"
#include "kernel/stat.h"

struct object objs[MAXOBJ];
int nobjs;

// Read exactly n bytes from the file's current offset, or fail.
static void read_all(struct object *o, int fd, void *buf, uint64 n)
{
  long r;
  char *p = buf;
  while (n > 0) {
    r = sys_read(fd, p, n);
    if (sys_failed(r))
      fail("%s: cannot read: %e", o->name, r);
    if (r == 0)
      fail("%s: file too short", o->name);
    p += r;
    n -= r;
  }
}

// Read exactly n bytes at file offset off, or fail.
static void read_at(struct object *o, int fd, uint64 off, void *buf, uint64 n)
{
  long r = sys_lseek(fd, off, 0 /* SEEK_SET */);
  if (sys_failed(r))
    fail("%s: cannot seek: %e", o->name, r);
  read_all(o, fd, buf, n);
}

// Is [addr, addr+len) inside one of the object's PT_LOAD segments, and does
// that segment have (at least) the rights in need_flags (PF_W, PF_X, or 0)?
// Every address taken from a file is checked with this before it is used.
int in_object(struct object *o, uint64 addr, uint64 len, int need_flags)
{
  if (addr + len < addr)
    return 0;
  for (int i = 0; i < o->nseg; i++) {
    struct segment *s = &o->seg[i];
    if (addr >= s->start && addr + len <= s->end && (s->flags & need_flags) == need_flags)
      return 1;
  }
  return 0;
}

// The mmap protection for a segment's p_flags.
static int seg_prot(int flags)
{
  int prot = 0;
  if (flags & PF_R) prot |= PROT_READ;
  if (flags & PF_W) prot |= PROT_WRITE;
  if (flags & PF_X) prot |= PROT_EXEC;
  return prot;
}

// Check the ELF header: a 64-bit little-endian RISC-V shared object whose
// program headers lie inside the file.
static void check_header(struct object *o, Elf64_Ehdr *eh, uint64 fsize)
{
  unsigned char *id = eh->e_ident;
  if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
    fail("%s: not an ELF file", o->name);
  if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
    fail("%s: not a 64-bit little-endian ELF file", o->name);
  if (eh->e_machine != EM_RISCV)
    fail("%s: not a RISC-V file (machine %d)", o->name, eh->e_machine);
  if (eh->e_type != ET_DYN)
    fail("%s: not a shared object (ELF type %d)", o->name, eh->e_type);
  if (eh->e_phentsize != sizeof(Elf64_Phdr))
    fail("%s: bad program header size %d", o->name, eh->e_phentsize);
  if (eh->e_phnum == 0 || eh->e_phnum > MAXPHNUM)
    fail("%s: bad number of program headers (%d)", o->name, eh->e_phnum);
  uint64 phsize = (uint64)eh->e_phnum * sizeof(Elf64_Phdr);
  if (eh->e_phoff > fsize || phsize > fsize - eh->e_phoff)
    fail("%s: program headers outside the file", o->name);
}

// Check the PT_LOAD segments (in phdrs[0..phnum)) and record them in o
// (link-time addresses for now): inside the file, page-aligned alike in
// the file and in memory, sorted, not sharing a page, never W+X.
// Returns the largest p_align.
static uint64 check_segments(struct object *o, Elf64_Phdr *phdrs, int phnum, uint64 fsize)
{
  uint64 prev_end = 0, maxalign = PAGE;
  o->nseg = 0;
  for (int i = 0; i < phnum; i++) {
    Elf64_Phdr *ph = &phdrs[i];
    if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
      continue;
    if (ph->p_filesz > ph->p_memsz)
      fail("%s: segment %d: file size exceeds memory size", o->name, i);
    if (ph->p_offset > fsize || ph->p_filesz > fsize - ph->p_offset)
      fail("%s: segment %d: outside the file", o->name, i);
    if (ph->p_offset % PAGE != ph->p_vaddr % PAGE)
      fail("%s: segment %d: offset and address not page-aligned alike", o->name, i);
    if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr || ph->p_vaddr + ph->p_memsz > (1UL << 38))
      fail("%s: segment %d: address out of range", o->name, i);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
      fail("%s: segment %d: both writable and executable", o->name, i);
    if (o->nseg > 0 && PAGE_DOWN(ph->p_vaddr) < PAGE_UP(prev_end))
      fail("%s: segment %d: unsorted or overlapping segments", o->name, i);
    if (o->nseg == MAXSEG)
      fail("%s: too many segments", o->name);
    if (ph->p_align > maxalign && (ph->p_align & (ph->p_align - 1)) == 0)
      maxalign = ph->p_align;
    struct segment *s = &o->seg[o->nseg++];
    s->start = ph->p_vaddr;
    s->end = ph->p_vaddr + ph->p_memsz;
    s->flags = ph->p_flags;
    prev_end = s->end;
  }
  if (o->nseg == 0)
    fail("%s: no loadable segments", o->name);
  return maxalign;
}

// Reserve the object's whole address range, PROT_NONE, at its preferred
// address if that range is free, else wherever the kernel finds room.
// Sets o->actual and o->bias. Segments are mapped over the reservation
// afterwards (MAP_FIXED), and the holes between them stay inaccessible.
static void reserve(struct object *o, uint64 maxalign)
{
  const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
  long r = -EINVAL;
  if (o->preferred != 0)
    r = sys_mmap(o->preferred, o->span, PROT_NONE, anon | MAP_FIXED_NOREPLACE, -1, 0);
  // LAB shlib: the preferred range is taken (or there is none): reserve o->span bytes anywhere (sys_mmap with no address), keeping the segments' alignment
  if (sys_failed(r)) {
    // Taken (EEXIST) or impossible there: anywhere will do, as long as
    // the bias keeps the segments' alignment (at most 2 MiB honoured).
    // Over-reserve by the alignment and give back what is not needed.
    uint64 align = maxalign <= (2UL << 20) ? maxalign : PAGE;
    uint64 len = o->span + align - PAGE;
    r = sys_mmap(0, len, PROT_NONE, anon, -1, 0);
    if (sys_failed(r))
      fail("%s: cannot reserve %u bytes of address space: %e", o->name, o->span, r);
    uint64 start = ((uint64)r + align - 1) & ~(align - 1);
    if (start > (uint64)r)
      sys_munmap(r, start - r);
    if (start + o->span < r + len)
      sys_munmap(start + o->span, r + len - (start + o->span));
    r = start;
  }
  // STUB: if (sys_failed(r))
  // STUB:   fail("%s: its preferred address %x is taken: place it elsewhere (user/ld/load.c reserve)", o->name, o->preferred);
  // END LAB shlib
  o->actual = r;
  o->bias = o->actual - o->preferred;
}

// Map one PT_LOAD segment at its run-time address.
static void map_segment(struct object *o, int fd, Elf64_Phdr *ph)
{
  int prot = seg_prot(ph->p_flags);
  uint64 start = PAGE_DOWN(ph->p_vaddr) + o->bias;        // first page
  uint64 file_end = ph->p_vaddr + ph->p_filesz + o->bias;  // end of file bytes
  uint64 mem_end = ph->p_vaddr + ph->p_memsz + o->bias;    // end of segment
  uint64 anon_start = start;

  if (ph->p_filesz > 0) {
    // The file's pages, private: text and read-only data stay the page
    // cache's own frames (shared by every process); a write to data copies
    // the page first (copy-on-write), so the file never changes.
    long r = sys_mmap(start, PAGE_UP(file_end) - start, prot, MAP_PRIVATE | MAP_FIXED,
                      fd, PAGE_DOWN(ph->p_offset));
    if (sys_failed(r))
      fail("%s: cannot map segment at %x: %e", o->name, start, r);
    anon_start = PAGE_UP(file_end);

    // The last file page holds whatever follows in the file; the part
    // that belongs to the bss must read as zero. Writing it makes our own
    // copy of that one page. (Linkers do not leave bss in read-only
    // segments, but if one does, open the page for writing meanwhile.)
    if (mem_end > file_end && file_end % PAGE != 0) {
      uint64 len = PAGE_UP(file_end) - file_end;
      if (!(prot & PROT_WRITE))
        sys_mprotect(PAGE_DOWN(file_end), PAGE, PROT_READ | PROT_WRITE);
      memset((void *)file_end, 0, len);
      if (!(prot & PROT_WRITE))
        sys_mprotect(PAGE_DOWN(file_end), PAGE, prot);
    }
  }
  // The rest of the bss: fresh zero pages.
  if (PAGE_UP(mem_end) > anon_start) {
    long r = sys_mmap(anon_start, PAGE_UP(mem_end) - anon_start, prot,
                      MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
    if (sys_failed(r))
      fail("%s: cannot map bss at %x: %e", o->name, anon_start, r);
  }
}

// Find an already loaded library by DT_NEEDED name.
static struct object *find_loaded(const char *name)
{
  for (int i = 1; i < nobjs; i++)
    if (streq(objs[i].name, name))
      return &objs[i];
  return 0;
}

// Load the library called name (a DT_NEEDED string of needer), unless it
// is loaded already. Returns its object; on any error, fails.
struct object *load_library(const char *name, struct object *needer)
{
  struct object *o = find_loaded(name);
  if (o)
    return o;
  uint64 nlen = strlen(name);
  if (nlen == 0 || nlen >= NAMELEN)
    fail("%s: bad library name length %u", needer->name, nlen);
  if (nobjs == MAXOBJ)
    fail("%s: too many libraries (at most %d)", name, MAXOBJ - 1);

  // A name with a slash is a path; a plain name is looked for in /lib.
  char path[sizeof(LIBDIR) + NAMELEN];
  int has_slash = 0;
  for (const char *p = name; *p; p++)
    if (*p == '/')
      has_slash = 1;
  uint64 n = 0;
  if (!has_slash)
    for (const char *p = LIBDIR; *p; p++)
      path[n++] = *p;
  memcpy(path + n, name, nlen + 1);

  long fd = sys_open(path, O_RDONLY);
  if (sys_failed(fd))
    fail("%s: cannot open: %e", name, fd);
  struct stat st;
  long r = sys_fstat(fd, &st);
  if (sys_failed(r))
    fail("%s: cannot stat: %e", name, r);
  if (st.type != T_FILE)
    fail("%s: not a regular file", name);

  // The same file under another name (a link): load it only once.
  for (int i = 1; i < nobjs; i++)
    if (objs[i].dev == (uint)st.dev && objs[i].ino == st.ino) {
      sys_close(fd);
      return &objs[i];
    }

  o = &objs[nobjs];
  memset(o, 0, sizeof *o);
  memcpy(o->name, name, nlen + 1);
  o->dev = st.dev;
  o->ino = st.ino;

  // The ELF header and the program headers, which linkers put right
  // after it: one read from the start of the file (just opened) for
  // both, into a buffer on our stack, whose page is in use anyway.
  uint64 head[(sizeof(Elf64_Ehdr) + MAXPHNUM * sizeof(Elf64_Phdr)) / 8];
  if (st.size < sizeof(Elf64_Ehdr))
    fail("%s: not an ELF file (too short)", name);
  uint64 got = st.size < sizeof head ? st.size : sizeof head;
  read_all(o, fd, head, got);
  Elf64_Ehdr *eh = (Elf64_Ehdr *)head;
  check_header(o, eh, st.size);
  uint64 phsize = (uint64)eh->e_phnum * sizeof(Elf64_Phdr);
  Elf64_Phdr *ph = (Elf64_Phdr *)((char *)head + eh->e_phoff);
  if (eh->e_phoff % 8 != 0 || eh->e_phoff > got || phsize > got - eh->e_phoff) {
    // Elsewhere in the file: read them in after the header.
    ph = (Elf64_Phdr *)(eh + 1);
    read_at(o, fd, eh->e_phoff, ph, phsize);
  }
  uint64 maxalign = check_segments(o, ph, eh->e_phnum, st.size);

  o->preferred = PAGE_DOWN(o->seg[0].start);
  o->span = PAGE_UP(o->seg[o->nseg - 1].end) - o->preferred;
  if (o->span > (1UL << 32))
    fail("%s: too large (%u bytes)", name, o->span);
  reserve(o, maxalign);

  // Map the segments, and turn the recorded segments and the dynamic
  // section and RELRO range into run-time addresses.
  uint64 dynsz = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    Elf64_Phdr *p = &ph[i];
    if (p->p_type == PT_LOAD && p->p_memsz > 0)
      map_segment(o, fd, p);
    else if (p->p_type == PT_DYNAMIC) {
      o->dynamic = (Elf64_Dyn *)(p->p_vaddr + o->bias);
      dynsz = p->p_memsz;
    } else if (p->p_type == PT_GNU_RELRO) {
      o->relro_start = p->p_vaddr + o->bias;
      o->relro_end = p->p_vaddr + p->p_memsz + o->bias;
    }
  }
  for (int i = 0; i < o->nseg; i++) {
    o->seg[i].start += o->bias;
    o->seg[i].end += o->bias;
  }
  sys_close(fd);     // the mappings keep the file
  nobjs++;

  if (!o->dynamic)
    fail("%s: no dynamic section", name);
  if (!in_object(o, (uint64)o->dynamic, dynsz, 0) || dynsz < sizeof(Elf64_Dyn) ||
      (uint64)o->dynamic % 8)
    fail("%s: bad dynamic section", name);
  read_dynamic(o);
  return o;
}

// ---- the dynamic section ----

// The number of symbols of a GNU hash table: one past the highest symbol
// index reachable from its buckets (there is no explicit count).
static uint64 gnu_nsyms(struct object *o)
{
  uint32 *h = o->gnuhash;
  if (!in_object(o, (uint64)h, 16, 0))
    return 0;
  uint32 nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
  uint32 *buckets = (uint32 *)((uint64 *)(h + 4) + bloom_size);
  uint32 *chain = buckets + nbuckets;
  if (!in_object(o, (uint64)buckets, (uint64)nbuckets * 4, 0))
    fail("%s: bad GNU hash table", o->name);
  uint32 last = 0;
  for (uint32 b = 0; b < nbuckets; b++)
    if (buckets[b] > last)
      last = buckets[b];
  if (last < symoffset)
    return symoffset;
  // Follow the last chain to its end (the entry with the low bit set).
  for (;;) {
    uint32 *c = &chain[last - symoffset];
    if (!in_object(o, (uint64)c, 4, 0))
      fail("%s: bad GNU hash table", o->name);
    if (*c & 1)
      break;
    last++;
  }
  // Every chain entry up to there will be read by lookups: all inside?
  if (!in_object(o, (uint64)chain, ((uint64)last + 1 - symoffset) * 4, 0))
    fail("%s: bad GNU hash table", o->name);
  return (uint64)last + 1;
}

// Read the dynamic section of o into its fields, checking that every table
// it names lies inside the object.
void read_dynamic(struct object *o)
{
  uint64 strtab = 0, symtab = 0, rela = 0, jmprel = 0, init_array = 0, preinit = 0;
  uint64 syment = sizeof(Elf64_Sym), relaent = sizeof(Elf64_Rela), pltrel = DT_RELA;
  uint64 relsz = 0;
  for (Elf64_Dyn *d = o->dynamic; d->d_tag != DT_NULL; d++) {
    if (!in_object(o, (uint64)(d + 1), sizeof *d, 0))
      fail("%s: dynamic section not terminated", o->name);
    uint64 v = d->d_un.d_val;
    switch (d->d_tag) {
    case DT_STRTAB:   strtab = v; break;
    case DT_STRSZ:    o->strsz = v; break;
    case DT_SYMTAB:   symtab = v; break;
    case DT_SYMENT:   syment = v; break;
    case DT_HASH:     o->hash = (uint32 *)(v + o->bias); break;
    case DT_GNU_HASH: o->gnuhash = (uint32 *)(v + o->bias); break;
    case DT_RELA:     rela = v; break;
    case DT_RELASZ:   o->relasz = v; break;
    case DT_RELAENT:  relaent = v; break;
    case DT_JMPREL:   jmprel = v; break;
    case DT_PLTRELSZ: o->pltrelsz = v; break;
    case DT_PLTREL:   pltrel = v; break;
    case DT_RELSZ:    relsz = v; break;
    case DT_INIT:     o->init = v + o->bias; break;
    case DT_INIT_ARRAY:      init_array = v; break;
    case DT_INIT_ARRAYSZ:    o->init_arraysz = v; break;
    case DT_PREINIT_ARRAY:   preinit = v; break;
    case DT_PREINIT_ARRAYSZ: o->preinit_arraysz = v; break;
    case DT_SYMBOLIC: o->symbolic = 1; break;
    case DT_TEXTREL:
      fail("%s: has text relocations (build it with -fPIC)", o->name);
    case DT_FLAGS:
      if (v & DF_TEXTREL)
        fail("%s: has text relocations (build it with -fPIC)", o->name);
      if (v & DF_SYMBOLIC)
        o->symbolic = 1;
      break;
    }
  }

  if (syment != sizeof(Elf64_Sym) || relaent != sizeof(Elf64_Rela))
    fail("%s: bad symbol or relocation entry size", o->name);
  if (relsz != 0)
    fail("%s: REL relocations are not supported (RISC-V uses RELA)", o->name);
  if ((o->pltrelsz != 0 && pltrel != DT_RELA))
    fail("%s: PLT relocations are not RELA", o->name);

  // The string table must end with a NUL, so that every name in it does.
  if (strtab) {
    o->strtab = (const char *)(strtab + o->bias);
    if (o->strsz == 0 || !in_object(o, (uint64)o->strtab, o->strsz, 0) ||
        o->strtab[o->strsz - 1] != 0)
      fail("%s: bad string table", o->name);
  }

  // The symbol count comes from a hash table.
  if (o->hash) {
    if ((uint64)o->hash % 4 || !in_object(o, (uint64)o->hash, 8, 0) ||
        !in_object(o, (uint64)o->hash, 8 + 4 * ((uint64)o->hash[0] + o->hash[1]), 0) ||
        o->hash[0] == 0)
      fail("%s: bad hash table", o->name);
    o->nsyms = o->hash[1];
  } else if (o->gnuhash) {
    if ((uint64)o->gnuhash % 8)
      fail("%s: bad GNU hash table", o->name);
    o->nsyms = gnu_nsyms(o);
    if (o->gnuhash[0] == 0)
      o->gnuhash = 0;          // no buckets: nothing to find through it
  }
  if (symtab) {
    o->symtab = (Elf64_Sym *)(symtab + o->bias);
    if ((uint64)o->symtab % 8 ||
        !in_object(o, (uint64)o->symtab, o->nsyms * sizeof(Elf64_Sym), 0))
      fail("%s: bad symbol table", o->name);
  } else {
    o->nsyms = 0;
  }
  if (o->nsyms > 0 && !o->strtab)
    fail("%s: symbols without a string table", o->name);

  // Relocation tables and initialiser arrays: aligned and inside.
  if (rela && o->relasz) {
    o->rela = (Elf64_Rela *)(rela + o->bias);
    if ((uint64)o->rela % 8 || !in_object(o, (uint64)o->rela, o->relasz, 0))
      fail("%s: bad relocation table", o->name);
  }
  if (jmprel && o->pltrelsz) {
    o->jmprel = (Elf64_Rela *)(jmprel + o->bias);
    if ((uint64)o->jmprel % 8 || !in_object(o, (uint64)o->jmprel, o->pltrelsz, 0))
      fail("%s: bad PLT relocation table", o->name);
  }
  if (init_array && o->init_arraysz) {
    o->init_array = (uint64 *)(init_array + o->bias);
    if ((uint64)o->init_array % 8 || !in_object(o, init_array + o->bias, o->init_arraysz, 0))
      fail("%s: bad DT_INIT_ARRAY", o->name);
  }
  if (preinit && o->preinit_arraysz) {
    o->preinit_array = (uint64 *)(preinit + o->bias);
    if ((uint64)o->preinit_array % 8 || !in_object(o, preinit + o->bias, o->preinit_arraysz, 0))
      fail("%s: bad DT_PREINIT_ARRAY", o->name);
  }
}
