#ifndef PAGODA_RISCV_H
#define PAGODA_RISCV_H
// RISC-V Sv39 paging constants, usable from kernel and user code,
// plus (for the kernel only) control-register accessors.

#define PGSIZE 4096
#define PGSHIFT 12
#define PGROUNDUP(sz)  (((sz)+PGSIZE-1) & ~(PGSIZE-1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE-1))

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)
#define PTE_G (1L << 5)
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)
#define PTE_COW (1L << 8)   // software bit (RSW): a private page shared copy-on-write
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

// A PTE: the flags above in bits 0-9, the physical page number from bit 10.
#define PTE_PPN_SHIFT 10
#define PTE_FLAG_MASK ((1L << PTE_PPN_SHIFT) - 1)
#define PA2PTE(pa) ((((unsigned long)pa) >> PGSHIFT) << PTE_PPN_SHIFT)
#define PTE2PA(pte) (((pte) >> PTE_PPN_SHIFT) << PGSHIFT)
#define PTE_FLAGS(pte) ((pte) & PTE_FLAG_MASK)

#define PXMASK          0x1FF // 9 bits
#define PXSHIFT(level)  (PGSHIFT+(9*(level)))
#define PX(level, va) ((((unsigned long) (va)) >> PXSHIFT(level)) & PXMASK)

// One beyond the highest user virtual address: Sv39 user half is
// 38 bits so that addresses are never sign-extended into the kernel half.
#define MAXVA (1L << (PXSHIFT(3) - 1))

// satp: MODE in bits 60-63, ASID in bits 44-59, the root table's physical
// page number in bits 0-43.
#define SATP_MODE_SHIFT 60
#define SATP_MODE_SV39  8
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xFFFFUL   // 16 bits; a hart may implement fewer

#ifndef __ASSEMBLER__
static inline unsigned long r_sp(void)
{
  unsigned long x;
  asm volatile("mv %0, sp" : "=r" (x) );
  return x;
}
static inline unsigned long r_fp(void)
{
  unsigned long x;
  asm volatile("mv %0, s0" : "=r" (x) );
  return x;
}
static inline unsigned long r_ra(void)
{
  unsigned long x;
  asm volatile("mv %0, ra" : "=r" (x) );
  return x;
}
#endif

#if defined(KERNEL) && !defined(__ASSEMBLER__)
#include "kernel/types.h"

#define SSTATUS_SUM  (1L << 18)  // supervisor may access user memory
#define SSTATUS_FS   (3L << 13)  // floating-point unit state
#define SSTATUS_FS_OFF     (0L << 13)
#define SSTATUS_FS_INITIAL (1L << 13)
#define SSTATUS_FS_CLEAN   (2L << 13)
#define SSTATUS_FS_DIRTY   (3L << 13)
#define SSTATUS_SPP  (1L << 8)   // previous mode, 1=supervisor, 0=user
#define SSTATUS_SPIE (1L << 5)   // supervisor previous interrupt enable
#define SSTATUS_SIE  (1L << 1)   // supervisor interrupt enable

#define SIE_SEIE (1L << 9)  // external
#define SIE_STIE (1L << 5)  // timer
#define SIE_SSIE (1L << 1)  // software

#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_SOFT   1
#define IRQ_S_TIMER  5
#define IRQ_S_EXT    9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS     1
#define EXC_ILLEGAL_INST    2
#define EXC_BREAKPOINT      3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS     5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS    7
#define EXC_ECALL_U         8
#define EXC_INST_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

#define SATP_SV39 ((uint64)SATP_MODE_SV39 << SATP_MODE_SHIFT)
#define MAKE_SATP(pa, asid) (SATP_SV39 | ((uint64)(asid) << SATP_ASID_SHIFT) | (((uint64)(pa)) >> PGSHIFT))

#define csr_read(csr) ({ uint64 __v; asm volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, val) ({ uint64 __v = (uint64)(val); asm volatile("csrw " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_set(csr, val) ({ uint64 __v = (uint64)(val); asm volatile("csrs " #csr ", %0" :: "rK"(__v) : "memory"); })
#define csr_clear(csr, val) ({ uint64 __v = (uint64)(val); asm volatile("csrc " #csr ", %0" :: "rK"(__v) : "memory"); })
// Clear bits and return the old value: one CSR access instead of two.
#define csr_read_clear(csr, val) ({ uint64 __o, __v = (uint64)(val); asm volatile("csrrc %0, " #csr ", %1" : "=r"(__o) : "rK"(__v) : "memory"); __o; })

static inline void intr_on(void)  { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline int  intr_get(void) { return (csr_read(sstatus) & SSTATUS_SIE) != 0; }
static inline uint64 r_tp(void) { uint64 x; asm volatile("mv %0, tp" : "=r" (x)); return x; }
static inline void w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r" (x)); }
static inline uint64 r_time(void) { uint64 x; asm volatile("rdtime %0" : "=r"(x)); return x; }
#endif
#endif
