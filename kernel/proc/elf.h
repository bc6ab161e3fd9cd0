#ifndef PAGODA_ELF_H
#define PAGODA_ELF_H
// ELF64 file format: only what exec needs.
#include "kernel/types.h"
#define ELF_MAGIC 0x464C457FU   // "\x7FELF" little-endian
#define ELFCLASS64 2
#define EM_RISCV 243
#define ET_EXEC 2

struct elfhdr {
  uint magic;
  uchar elf[12];
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

#define ET_DYN  3
#define MAXPHDR 64          // program headers exec accepts

#define ELF_PROG_LOAD    1
#define ELF_PROG_INTERP  3

// Auxiliary vector entries exec puts on the stack for ld.so.
#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE   7
#define AT_ENTRY  9
#define ELF_PROG_FLAG_EXEC  1
#define ELF_PROG_FLAG_WRITE 2
#define ELF_PROG_FLAG_READ  4
#endif
