// ELF-64 definitions used by the dynamic loader (ld.so).
//
// Only the parts a RISC-V 64 dynamic loader needs: the file header, the
// program headers, the dynamic section, the symbol table and RELA
// relocations. Names follow the ELF specification (and <elf.h> on Linux),
// so documentation and readelf output can be read side by side.
#ifndef PAGODA_LD_ELF_H
#define PAGODA_LD_ELF_H

#include "kernel/types.h"

typedef uint64 Elf64_Addr;    // an address in the object's own address space
typedef uint64 Elf64_Off;     // a file offset
typedef uint16 Elf64_Half;
typedef uint32 Elf64_Word;
typedef int    Elf64_Sword;
typedef uint64 Elf64_Xword;
typedef int64  Elf64_Sxword;

// ---- file header ----

#define EI_NIDENT   16
#define EI_MAG0     0         // e_ident[0..3] = 0x7f 'E' 'L' 'F'
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1         // little endian
#define EV_CURRENT  1

#define ET_EXEC     2         // executable at a fixed address
#define ET_DYN      3         // position-independent: shared library or PIE
#define EM_RISCV    243

typedef struct {
  unsigned char e_ident[EI_NIDENT];
  Elf64_Half e_type;
  Elf64_Half e_machine;
  Elf64_Word e_version;
  Elf64_Addr e_entry;         // entry point
  Elf64_Off  e_phoff;         // program header table's file offset
  Elf64_Off  e_shoff;         // section headers (not used at run time)
  Elf64_Word e_flags;         // RISC-V: float ABI, RVC
  Elf64_Half e_ehsize;
  Elf64_Half e_phentsize;     // must be sizeof(Elf64_Phdr) = 56
  Elf64_Half e_phnum;
  Elf64_Half e_shentsize;
  Elf64_Half e_shnum;
  Elf64_Half e_shstrndx;
} Elf64_Ehdr;

// ---- program headers: what to map, and where ----

#define PT_NULL      0
#define PT_LOAD      1        // a segment to map
#define PT_DYNAMIC   2        // the dynamic section (Elf64_Dyn array)
#define PT_INTERP    3        // path of the dynamic loader ("/lib/ld.so")
#define PT_PHDR      6        // the program headers themselves
#define PT_GNU_STACK 0x6474e551
#define PT_GNU_RELRO 0x6474e552  // read-only after relocation

#define PF_X 1
#define PF_W 2
#define PF_R 4

typedef struct {
  Elf64_Word  p_type;
  Elf64_Word  p_flags;        // PF_*
  Elf64_Off   p_offset;       // where the segment starts in the file
  Elf64_Addr  p_vaddr;        // where it goes in memory (before the bias)
  Elf64_Addr  p_paddr;
  Elf64_Xword p_filesz;       // bytes taken from the file
  Elf64_Xword p_memsz;        // bytes in memory (the rest is zero: bss)
  Elf64_Xword p_align;
} Elf64_Phdr;

// ---- dynamic section ----

#define DT_NULL         0     // end of the array
#define DT_NEEDED       1     // d_val: string table offset of a library name
#define DT_PLTRELSZ     2     // size of the PLT relocations (DT_JMPREL)
#define DT_PLTGOT       3
#define DT_HASH         4     // System V hash table
#define DT_STRTAB       5     // string table
#define DT_SYMTAB       6     // symbol table
#define DT_RELA         7     // RELA relocations
#define DT_RELASZ       8
#define DT_RELAENT      9     // must be sizeof(Elf64_Rela)
#define DT_STRSZ        10
#define DT_SYMENT       11    // must be sizeof(Elf64_Sym)
#define DT_INIT         12    // initialiser function
#define DT_FINI         13
#define DT_SONAME       14
#define DT_RPATH        15
#define DT_SYMBOLIC     16    // look symbols up in this object first
#define DT_REL          17    // REL relocations: not used on RISC-V
#define DT_RELSZ        18
#define DT_RELENT       19
#define DT_PLTREL       20    // type of the PLT relocations: DT_RELA
#define DT_DEBUG        21
#define DT_TEXTREL      22    // relocations modify read-only text
#define DT_JMPREL       23    // PLT relocations
#define DT_BIND_NOW     24
#define DT_INIT_ARRAY   25    // array of initialiser functions
#define DT_FINI_ARRAY   26
#define DT_INIT_ARRAYSZ 27
#define DT_FINI_ARRAYSZ 28
#define DT_FLAGS        30
#define DT_PREINIT_ARRAY   32 // executables only: run before everything
#define DT_PREINIT_ARRAYSZ 33
#define DT_GNU_HASH     0x6ffffef5  // GNU-style hash table
#define DT_RELACOUNT    0x6ffffff9  // how many leading R_RISCV_RELATIVE

#define DF_SYMBOLIC 0x2       // DT_FLAGS bits
#define DF_TEXTREL  0x4

typedef struct {
  Elf64_Sxword d_tag;         // DT_*
  union {
    Elf64_Xword d_val;
    Elf64_Addr  d_ptr;        // an address (before the bias)
  } d_un;
} Elf64_Dyn;

// ---- symbols ----

#define SHN_UNDEF  0          // st_shndx of an undefined symbol
#define SHN_ABS    0xfff1

#define STB_LOCAL  0
#define STB_GLOBAL 1
#define STB_WEAK   2
#define STT_NOTYPE 0
#define STT_OBJECT 1
#define STT_FUNC   2
#define STT_TLS    6
#define STV_DEFAULT   0
#define STV_HIDDEN    2
#define STV_PROTECTED 3

#define ELF64_ST_BIND(i)       ((i) >> 4)
#define ELF64_ST_TYPE(i)       ((i) & 0xf)
#define ELF64_ST_VISIBILITY(o) ((o) & 0x3)

typedef struct {
  Elf64_Word    st_name;      // string table offset of the name
  unsigned char st_info;      // binding << 4 | type
  unsigned char st_other;     // visibility
  Elf64_Half    st_shndx;     // section index; SHN_UNDEF if undefined here
  Elf64_Addr    st_value;     // address (before the bias)
  Elf64_Xword   st_size;
} Elf64_Sym;

// ---- relocations ----

typedef struct {
  Elf64_Addr   r_offset;      // where to write (before the bias)
  Elf64_Xword  r_info;        // symbol index << 32 | type
  Elf64_Sxword r_addend;
} Elf64_Rela;

#define ELF64_R_SYM(i)  ((i) >> 32)
#define ELF64_R_TYPE(i) ((i) & 0xffffffff)

// RISC-V dynamic relocation types (S = symbol value, A = addend,
// B = the object's load bias).
#define R_RISCV_NONE          0
#define R_RISCV_32            1   // 32-bit S + A
#define R_RISCV_64            2   // S + A
#define R_RISCV_RELATIVE      3   // B + A
#define R_RISCV_COPY          4   // copy the symbol's bytes into the executable
#define R_RISCV_JUMP_SLOT     5   // S: a PLT slot
#define R_RISCV_TLS_DTPMOD64  7   // thread-local storage: not supported
#define R_RISCV_TLS_DTPREL64  9
#define R_RISCV_TLS_TPREL64  11
#define R_RISCV_IRELATIVE    58   // ifunc: not supported

// ---- auxiliary vector (on the initial stack, after envp) ----

#define AT_NULL   0
#define AT_PHDR   3   // the program's program headers, in memory
#define AT_PHENT  4   // sizeof(Elf64_Phdr)
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE   7   // where the kernel put ld.so
#define AT_ENTRY  9   // the program's entry point

#endif
