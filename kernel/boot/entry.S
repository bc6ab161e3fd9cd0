# Pagoda boot entry. OpenSBI jumps here at physical 0x80200000 in S-mode
# with a0 = hartid, a1 = device tree, paging off. We build a gigapage table
# (identity RAM, high alias of RAM, low device gigabyte), turn on paging,
# jump to the high half and call main(). Until then every address must be
# PC-relative (lla), because the code is linked high but runs low.
#include "kernel/param.h"
#include "kernel/riscv.h"

#define BOOTSTACK 16384
#define PTE_VRWXAD 0xCF   /* V R W X A D */
#define PTE_GLOBAL 0x20

.section .text.entry
.globl _entry
_entry:
  # One hart boots. Under heavy host load OpenSBI has been seen to send a
  # second hart here as well: it must not zero .bss under the first one.
  # It waits until the boot hart publishes the kernel's satp, then joins
  # as a secondary hart (as if started by hart_start).
  lla t0, boot_claimed
  li t1, 1
  amoswap.w t1, t1, (t0)
  bnez t1, late_hart
  # zero .bss (at its physical address); OpenSBI gives no guarantee
  lla t0, bss_start
  lla t1, bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  # boot_pgtbl: three gigapages.
  lla t0, boot_pgtbl
  li t1, (0x80000000 >> PGSHIFT) << PTE_PPN_SHIFT
  ori t1, t1, PTE_VRWXAD
  sd t1, (2*8)(t0)              # identity: VA 0x80000000
  ori t1, t1, PTE_GLOBAL
  li t2, 2048                   # the high entries are beyond sd's 12-bit offset
  add t2, t0, t2
  sd t1, (258*8-2048)(t2)       # VA 0xFFFFFFC080000000
  li t1, PTE_VRWXAD | PTE_GLOBAL
  sd t1, (256*8-2048)(t2)       # VA 0xFFFFFFC000000000 -> PA 0 (devices)
  srli t0, t0, PGSHIFT            # satp: Sv39, ASID 0, the table's page number
  li t1, SATP_MODE_SV39
  slli t1, t1, SATP_MODE_SHIFT
  or t0, t0, t1
  csrw satp, t0
  sfence.vma zero, zero
  # jump to the high half
  lla t0, 3f
  ld t0, 0(t0)
  jr t0
.balign 8
3: .dword high_entry

late_hart:
  lla t0, kernel_satp
1:
  ld a1, 0(t0)
  beqz a1, 1b
  fence r, rw
  j secondary_entry

# Secondary harts start here (SBI HSM hart_start) with a1 = satp of the
# kernel page table. Writing satp makes the next fetch fault, because the
# physical PC is not mapped; stvec sends that fault to the high half.
.globl secondary_entry
secondary_entry:
  lla t0, 4f
  ld t0, 0(t0)
  csrw stvec, t0
  csrw satp, a1
  sfence.vma zero, zero
  j .                           # never reached: the fetch above faults
.balign 8
4: .dword secondary_high

.text
.balign 4
high_entry:
  # sp = stack0 + (hartid+1) * BOOTSTACK
  lla sp, stack0
  li t0, BOOTSTACK
  addi t1, a0, 1
  mul t0, t0, t1
  add sp, sp, t0
  li s0, 0                      # ends backtraces
  csrw sscratch, zero           # "in the kernel" for the trap vector
  call main
  j .

.balign 4
secondary_high:
  lla sp, stack0
  li t0, BOOTSTACK
  addi t1, a0, 1
  mul t0, t0, t1
  add sp, sp, t0
  li s0, 0
  csrw sscratch, zero
  call mainhart
  j .

.section .data
.balign 4096
.globl boot_pgtbl
boot_pgtbl:
  .zero 4096
boot_claimed:                   # set by the first hart at _entry
  .word 0
.balign 8
.globl kernel_satp
kernel_satp:                    # published by main once the kernel table is live
  .dword 0

.section .bss
.balign 16
.globl stack0
stack0:
  .zero BOOTSTACK * NCPU
