// dl_main: ld.so's work between its self-relocation (start.S) and the
// program's first instruction.
//
//   1. read the auxiliary vector: where the program's headers are, its entry
//   2. describe the program as objs[0]
//   3. load its DT_NEEDED libraries, breadth-first, each once (load.c)
//   4. relocate every object, libraries first, the program last (reloc.c)
//   5. make each object's RELRO range read-only
//   6. run initialisers, dependencies first
//   7. return the program's entry point (start.S jumps there)
// With "--ld-list" as argv[1], step 5 is followed by a listing instead
// (for ldd), and no code of the program or its libraries runs.
#include "user/ld/ld.h"

// Defined by the linker: our own ELF header, at our load base.
extern const Elf64_Ehdr __ehdr_start;

// Make ld.so's own RELRO part (its GOT, dynamic section) read-only, now
// that start.S has relocated it.
static void protect_self(uint64 base)
{
  const Elf64_Ehdr *eh = &__ehdr_start;
  if (eh->e_phentsize != sizeof(Elf64_Phdr))
    return;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_GNU_RELRO) {
      uint64 start = PAGE_DOWN(base + ph[i].p_vaddr);
      uint64 end = PAGE_DOWN(base + ph[i].p_vaddr + ph[i].p_memsz);
      if (end > start)
        sys_mprotect(start, end - start, PROT_READ);
    }
}

// Describe the program (already mapped by the kernel) as objs[0], from its
// program headers in memory.
static void setup_program(const char *argv0, uint64 phdr, uint64 phent, uint64 phnum)
{
  struct object *o = &objs[0];
  nobjs = 1;
  memset(o, 0, sizeof *o);
  o->is_program = 1;
  const char *name = argv0 ? argv0 : "program";
  uint64 n = 0;
  while (name[n] && n < NAMELEN - 1) {
    o->name[n] = name[n];
    n++;
  }
  o->name[n] = 0;

  if (phdr == 0 || phent != sizeof(Elf64_Phdr) || phnum == 0 || phnum > 256)
    fail("%s: bad program headers in the auxiliary vector", o->name);
  const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;

  // The kernel runs only fixed-address programs (ET_EXEC): bias 0. (Linux
  // also runs position-independent ones, and then AT_PHDR - PT_PHDR's
  // p_vaddr is the bias; Pagoda's AT_PHDR points at a copy of the headers
  // on the stack, so that calculation would not work here.)
  o->bias = 0;

  uint64 dynsz = 0;
  for (uint64 i = 0; i < phnum; i++) {
    if (ph[i].p_type == PT_LOAD && ph[i].p_memsz > 0) {
      if (o->nseg == MAXSEG)
        fail("%s: too many segments", o->name);
      struct segment *s = &o->seg[o->nseg++];
      s->start = ph[i].p_vaddr + o->bias;
      s->end = s->start + ph[i].p_memsz;
      s->flags = ph[i].p_flags;
    } else if (ph[i].p_type == PT_DYNAMIC) {
      o->dynamic = (Elf64_Dyn *)(ph[i].p_vaddr + o->bias);
      dynsz = ph[i].p_memsz;
    } else if (ph[i].p_type == PT_GNU_RELRO) {
      o->relro_start = ph[i].p_vaddr + o->bias;
      o->relro_end = o->relro_start + ph[i].p_memsz;
    }
  }
  if (o->nseg > 0) {
    o->preferred = PAGE_DOWN(o->seg[0].start - o->bias);
    o->actual = PAGE_DOWN(o->seg[0].start);
  }
  if (o->dynamic) {
    if (!in_object(o, (uint64)o->dynamic, dynsz, 0) || dynsz < sizeof(Elf64_Dyn) ||
        (uint64)o->dynamic % 8)
      fail("%s: bad dynamic section", o->name);
    read_dynamic(o);
  }
}

// Load the libraries every object needs. objs[] doubles as the queue:
// objects are appended as they are loaded, so walking it in order is
// breadth-first.
static void load_all(void)
{
  for (int i = 0; i < nobjs; i++) {
    struct object *o = &objs[i];
    if (!o->dynamic)
      continue;
    for (Elf64_Dyn *d = o->dynamic; d->d_tag != DT_NULL; d++) {
      if (d->d_tag != DT_NEEDED)
        continue;
      if (!o->strtab || d->d_un.d_val >= o->strsz)
        fail("%s: bad DT_NEEDED entry", o->name);
      load_library(o->strtab + d->d_un.d_val, o);
    }
  }
}

// RELRO: the part of the data that only relocation writes (GOT, pointers
// in constant tables). Read-only from now on. Only whole pages: the page
// holding the end may also hold ordinary data.
static void protect_relro(struct object *o)
{
  uint64 start = PAGE_DOWN(o->relro_start), end = PAGE_DOWN(o->relro_end);
  if (o->relro_end == 0 || end <= start)
    return;
  long r = sys_mprotect(start, end - start, PROT_READ);
  if (sys_failed(r))
    fail("%s: cannot protect RELRO range: %e", o->name, r);
}

typedef void (*initfn)(int argc, char **argv, char **envp);

// Call each function of an initialiser array (0 and -1 entries are
// placeholders), after checking it points into the object's text.
static void run_array(struct object *o, uint64 *a, uint64 size, int argc, char **argv, char **envp)
{
  for (uint64 i = 0; i < size / 8; i++) {
    uint64 fn = a[i];
    if (fn == 0 || fn == (uint64)-1)
      continue;
    if (!in_object(o, fn, 4, PF_X))
      fail("%s: initialiser outside the object's text", o->name);
    ((initfn)fn)(argc, argv, envp);
  }
}

static void run_init(struct object *o, int argc, char **argv, char **envp)
{
  if (o->init) {
    if (!in_object(o, o->init, 4, PF_X))
      fail("%s: DT_INIT outside the object's text", o->name);
    ((initfn)o->init)(argc, argv, envp);
  }
  if (o->init_array)
    run_array(o, o->init_array, o->init_arraysz, argc, argv, envp);
}

// For ldd: one line per library, in load order.
static void list_libraries(void)
{
  for (int i = 1; i < nobjs; i++) {
    struct object *o = &objs[i];
    say(1, "%s preferred %x actual %x%s\n", o->name, o->preferred, o->actual,
        o->actual != o->preferred ? " relocated" : "");
  }
  sys_exit(0);
}

uint64 dl_main(uint64 *sp)
{
  // The initial stack: argc, argv[], 0, envp[], 0, auxv pairs.
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char **e = envp;
  while (*e)
    e++;
  uint64 *auxv = (uint64 *)(e + 1);
  uint64 at_phdr = 0, at_phent = 0, at_phnum = 0, at_base = 0, at_entry = 0;
  for (uint64 *a = auxv; a[0] != AT_NULL; a += 2) {
    switch (a[0]) {
    case AT_PHDR:  at_phdr = a[1]; break;
    case AT_PHENT: at_phent = a[1]; break;
    case AT_PHNUM: at_phnum = a[1]; break;
    case AT_BASE:  at_base = a[1]; break;
    case AT_ENTRY: at_entry = a[1]; break;
    case AT_PAGESZ:
      if (a[1] != PAGE)
        fail("page size %u is not %u", a[1], PAGE);
      break;
    }
  }

  uint64 base = (uint64)&__ehdr_start;
  protect_self(base);
  if (at_base != 0 && at_base != base)
    fail("AT_BASE is %x but ld.so is at %x", at_base, base);
  if (at_entry == 0 || at_entry == base + __ehdr_start.e_entry)
    fail("no program to run (ld.so cannot be run by itself)");

  setup_program(argc > 0 ? argv[0] : 0, at_phdr, at_phent, at_phnum);
  load_all();

  // Libraries before the program (so that a copy relocation in the program
  // copies relocated data), dependencies before their users.
  for (int i = nobjs - 1; i >= 0; i--) {
    relocate(&objs[i]);
    protect_relro(&objs[i]);
  }

  // ldd: everything is loaded and relocated (so a missing symbol shows
  // up here too); list it instead of running anything of the program.
  if (argc >= 2 && streq(argv[1], "--ld-list"))
    list_libraries();

  // Initialisers: the program's pre-initialisers, then dependencies
  // first, the program last.
  struct object *prog = &objs[0];
  if (prog->preinit_array)
    run_array(prog, prog->preinit_array, prog->preinit_arraysz, argc, argv, envp);
  for (int i = nobjs - 1; i >= 0; i--)
    run_init(&objs[i], argc, argv, envp);

  return at_entry;
}
