// Internal declarations of the dynamic loader, /lib/ld.so.
//
// ld.so is a shared object that relocates itself before any C code runs
// (start.S). To need no relocation but R_RISCV_RELATIVE, every symbol in
// it is hidden: calls and global variables are then reached PC-relatively,
// never through the GOT or the PLT. The pragma below does that for every
// declaration that follows it, in every file that includes this header.
#ifndef PAGODA_LD_H
#define PAGODA_LD_H

#pragma GCC visibility push(hidden)

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "user/ld/elf.h"

#define PAGE        4096UL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a)   (((a) + PAGE - 1) & ~(PAGE - 1))

#define MAXOBJ   32     // objects in a process: the program and its libraries
#define MAXSEG   8      // PT_LOAD segments per object
#define MAXPHNUM 16     // program headers per library file (read onto ld.so's stack)
#define NAMELEN  64     // longest library name (DT_NEEDED string)
#define LIBDIR   "/lib/"

// One PT_LOAD segment of a loaded object, at its run-time address.
struct segment {
  uint64 start, end;   // [start, end): p_vaddr + bias .. + p_memsz
  int    flags;        // PF_R | PF_W | PF_X
};

// An ELF object in the process: the program or a shared library.
struct object {
  char   name[NAMELEN];      // DT_NEEDED name ("libc.so"); the program's argv[0]
  int    is_program;
  uint64 bias;               // run-time address - link-time address
  uint64 preferred, actual;  // lowest mapped page: link-time and run-time
  uint64 span;               // bytes reserved from `actual`
  int    nseg;
  struct segment seg[MAXSEG];
  uint64 relro_start, relro_end;  // PT_GNU_RELRO (run-time), or 0, 0
  uint   dev, ino;           // the file, to load each file only once
  Elf64_Dyn *dynamic;        // PT_DYNAMIC (run-time address), or 0

  // From the dynamic section, already biased.
  const char *strtab;  uint64 strsz;
  Elf64_Sym  *symtab;  uint64 nsyms;   // nsyms from the hash table
  uint32     *hash;                    // DT_HASH (System V)
  uint32     *gnuhash;                 // DT_GNU_HASH
  Elf64_Rela *rela;    uint64 relasz;
  Elf64_Rela *jmprel;  uint64 pltrelsz;
  uint64 init;                         // DT_INIT, or 0
  uint64 *init_array;    uint64 init_arraysz;
  uint64 *preinit_array; uint64 preinit_arraysz;
  int    symbolic;                     // DT_SYMBOLIC: own symbols first
};

// All objects, in load order: objs[0] is the program, then the libraries
// breadth-first in DT_NEEDED order.
extern struct object objs[MAXOBJ];
extern int nobjs;

// sys.c: system calls (results: >= 0, or -errno) and the way out.
long sys_open(const char *path, int flags);
long sys_read(int fd, void *buf, uint64 n);
long sys_write(int fd, const void *buf, uint64 n);
long sys_close(int fd);
long sys_fstat(int fd, void *st);
long sys_lseek(int fd, long off, int whence);
long sys_mmap(uint64 addr, uint64 len, int prot, int flags, int fd, uint64 off);
long sys_munmap(uint64 addr, uint64 len);
long sys_mprotect(uint64 addr, uint64 len, int prot);
void sys_exit(int status) __attribute__((noreturn));
static inline int sys_failed(long r) { return r < 0 && r >= -4095; }

// util.c: strings and output.
uint64 strlen(const char *s);
int    streq(const char *a, const char *b);
void  *memset(void *dst, int c, uint64 n);
void  *memcpy(void *dst, const void *src, uint64 n);
const char *errstr(long err);  // "No such file or directory" for -ENOENT
// printf-like, into one write(2) call: %s (string), %d (int), %u (uint64),
// %x (uint64 as 0x...), %e (a -errno value as its message).
void   say(int fd, const char *fmt, ...);
// One line "ld.so: ...\n" on fd 2, then exit(127). Every error ends here.
void   fail(const char *fmt, ...) __attribute__((noreturn));

// load.c: map a library; check that a run-time range is inside an object.
struct object *load_library(const char *name, struct object *needer);
int    in_object(struct object *o, uint64 addr, uint64 len, int need_flags);
void   read_dynamic(struct object *o);

// reloc.c: relocate an object; look a symbol up.
void   relocate(struct object *o);

// dl_main: everything between the self-relocation and the program's entry.
uint64 dl_main(uint64 *sp);

#endif
