// Symbol lookup and relocation.
//
// A relocation says "write this value at that place in the object". The
// place is r_offset + the object's bias; the value depends on the type:
//   R_RISCV_RELATIVE   B + A    a pointer into the object itself
//   R_RISCV_64         S + A    the address of a symbol (maybe elsewhere)
//   R_RISCV_JUMP_SLOT  S + A    a PLT slot: the address of a function
//   R_RISCV_COPY                the program keeps its own copy of a
//                               library variable: copy its initial bytes
// with B = bias, A = r_addend, S = the run-time address of the symbol.
#include "user/ld/ld.h"

// ---- hashing ----

// The System V ELF hash (DT_HASH).
static uint32 sysv_hash(const char *name)
{
  uint32 h = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    h = (h << 4) + *p;
    uint32 g = h & 0xf0000000;
    if (g)
      h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

// The GNU hash (DT_GNU_HASH): h = h * 33 + c, from 5381.
static uint32 gnu_hash(const char *name)
{
  uint32 h = 5381;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    h = h * 33 + *p;
  return h;
}

// A name being looked up, with its two hashes (computed once).
struct key {
  const char *name;
  uint32 sysv, gnu;
};

// Does symbol i of o define key? (for_plt: the lookup is for a PLT slot.)
static int defines(struct object *o, uint64 i, struct key *k, int for_plt)
{
  if (i >= o->nsyms)
    return 0;
  Elf64_Sym *s = &o->symtab[i];
  int bind = ELF64_ST_BIND(s->st_info);
  if (bind != STB_GLOBAL && bind != STB_WEAK)
    return 0;
  if (ELF64_ST_VISIBILITY(s->st_other) == STV_HIDDEN)
    return 0;
  if (s->st_shndx == SHN_UNDEF) {
    // An undefined function with an address is a program's PLT entry that
    // the program also uses as the function's address: other objects must
    // use it too, so that &f is the same everywhere. Never for a PLT slot,
    // which would then jump to itself.
    if (!(o->is_program && !for_plt && s->st_value != 0 &&
          ELF64_ST_TYPE(s->st_info) == STT_FUNC))
      return 0;
  }
  if (s->st_name >= o->strsz)
    return 0;
  return streq(o->strtab + s->st_name, k->name);
}

// Look key up in one object; its symbol, or 0.
static Elf64_Sym *lookup_in(struct object *o, struct key *k, int for_plt)
{
  if (o->nsyms == 0)
    return 0;
  if (o->hash) {
    // System V: bucket[h % nbucket] starts a chain of symbol indexes.
    uint32 nbucket = o->hash[0], nchain = o->hash[1];
    uint32 *bucket = o->hash + 2, *chain = bucket + nbucket;
    uint32 steps = 0;
    for (uint32 i = bucket[k->sysv % nbucket]; i != 0 && i < nchain && steps <= nchain;
         i = chain[i], steps++)
      if (defines(o, i, k, for_plt))
        return &o->symtab[i];
    return 0;
  }
  if (o->gnuhash) {
    // GNU: bucket[h % nbuckets] is the first symbol of a run of symbols
    // with that bucket; chain[] holds their hashes, low bit set on the last.
    uint32 *h = o->gnuhash;
    uint32 nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
    uint32 *bucket = (uint32 *)((uint64 *)(h + 4) + bloom_size);
    uint32 *chain = bucket + nbuckets;
    uint32 i = bucket[k->gnu % nbuckets];
    if (i < symoffset)
      return 0;
    for (; i < o->nsyms; i++) {
      uint32 ch = chain[i - symoffset];
      if ((ch | 1) == (k->gnu | 1) && defines(o, i, k, for_plt))
        return &o->symtab[i];
      if (ch & 1)
        break;
    }
    return 0;
  }
  return 0;
}

// The run-time address of symbol s defined in object o.
static uint64 sym_addr(struct object *o, Elf64_Sym *s)
{
  return s->st_shndx == SHN_ABS ? s->st_value : s->st_value + o->bias;
}

// Resolve symbol number idx of object o for a relocation of type type:
// its run-time address. For R_RISCV_COPY also returns the definition.
static uint64 resolve(struct object *o, uint64 idx, uint32 type,
                      struct object **defobj, Elf64_Sym **defsym)
{
  if (idx == 0)
    return 0;                   // no symbol: S = 0
  if (idx >= o->nsyms)
    fail("%s: relocation with bad symbol index %u", o->name, idx);
  Elf64_Sym *s = &o->symtab[idx];
  if (s->st_name >= o->strsz)
    fail("%s: symbol %u has a bad name", o->name, idx);
  const char *name = o->strtab + s->st_name;
  int bind = ELF64_ST_BIND(s->st_info);
  int vis = ELF64_ST_VISIBILITY(s->st_other);

  if (ELF64_ST_TYPE(s->st_info) == STT_TLS)
    fail("%s: thread-local symbol %s is not supported", o->name, name);
  // A symbol that cannot be interposed binds to the object's own definition.
  if (s->st_shndx != SHN_UNDEF && type != R_RISCV_COPY &&
      (bind == STB_LOCAL || vis == STV_HIDDEN || vis == STV_PROTECTED || o->symbolic))
    return sym_addr(o, s);

  // The global scope: the program, then the libraries in load order. The
  // first definition wins. A copy relocation copies from a library.
  struct key k = { name, sysv_hash(name), gnu_hash(name) };
  for (int i = 0; i < nobjs; i++) {
    if (type == R_RISCV_COPY && objs[i].is_program)
      continue;
    Elf64_Sym *d = lookup_in(&objs[i], &k, type == R_RISCV_JUMP_SLOT);
    if (d) {
      if (defobj) {
        *defobj = &objs[i];
        *defsym = d;
      }
      return sym_addr(&objs[i], d);
    }
  }
  if (bind == STB_WEAK && type != R_RISCV_COPY)
    return 0;                   // an undefined weak symbol is 0
  fail("%s: symbol %s not found", o->name, name);
}

// Store v at p, which may be unaligned (a misaligned store would trap).
static void store(uint64 p, uint64 v, int bytes)
{
  if (p % bytes == 0) {
    if (bytes == 8)
      *(uint64 *)p = v;
    else
      *(uint32 *)p = v;
    return;
  }
  for (int i = 0; i < bytes; i++)
    ((unsigned char *)p)[i] = v >> (8 * i);
}

// Apply n relocations starting at r to object o.
static void apply(struct object *o, Elf64_Rela *r, uint64 n)
{
  for (; n > 0; r++, n--) {
    uint32 type = ELF64_R_TYPE(r->r_info);
    uint64 sym = ELF64_R_SYM(r->r_info);
    uint64 where = r->r_offset + o->bias;
    uint64 size = type == R_RISCV_32 ? 4 : 8;
    if (type == R_RISCV_NONE)
      continue;
    // Only writable segments may be relocated (text never is: it stays
    // shared), and never outside the object.
    if (type != R_RISCV_COPY && !in_object(o, where, size, PF_W))
      fail("%s: relocation outside the object", o->name);

    switch (type) {
    case R_RISCV_RELATIVE:
      // LAB shlib: a pointer into the object itself: where it was linked to point, moved by the object's bias
      store(where, o->bias + r->r_addend, 8);
      // STUB: store(where, r->r_addend, 8);   // right only at the preferred address
      // END LAB shlib
      break;
    case R_RISCV_64:
    case R_RISCV_JUMP_SLOT:
      store(where, resolve(o, sym, type, 0, 0) + r->r_addend, 8);
      break;
    case R_RISCV_32:
      store(where, resolve(o, sym, type, 0, 0) + r->r_addend, 4);
      break;
    case R_RISCV_COPY: {
      // Only in the program: its copy of a library's variable (a non-PIC
      // program addresses variables directly, so they must live in it).
      struct object *def = 0;
      Elf64_Sym *ds = 0;
      if (!o->is_program || sym == 0 || sym >= o->nsyms)
        fail("%s: bad copy relocation", o->name);
      uint64 len = o->symtab[sym].st_size;
      uint64 from = resolve(o, sym, type, &def, &ds);
      if (ds->st_size < len)
        len = ds->st_size;
      if (!in_object(o, where, len, PF_W) || !in_object(def, from, len, 0))
        fail("%s: relocation outside the object", o->name);
      memcpy((void *)where, (void *)from, len);
      break;
    }
    default:
      fail("%s: unknown relocation type %d", o->name, (int)type);
    }
  }
}

// Relocate object o: its RELA table, then its PLT relocations (all of
// them now: binding is eager, there is no lazy PLT resolver).
void relocate(struct object *o)
{
  if (o->rela)
    apply(o, o->rela, o->relasz / sizeof(Elf64_Rela));
  if (o->jmprel)
    apply(o, o->jmprel, o->pltrelsz / sizeof(Elf64_Rela));
}
