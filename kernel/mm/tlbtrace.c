// The TLB trace: with bootarg tlbtrace=1, every leaf-PTE change, fence,
// satp switch and frame free is printed as one line, for the host model
// of per-hart, ASID-tagged TLBs (tests/tlbmodel.c) to replay. It is how
// the test suite checks the fence rules on a machine (QEMU) whose own
// TLB flushes everything on any fence and so cannot show a missing one.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm.h"
#include "kernel/proc/proc.h"
#include "kernel/boot/dtb.h"

int tlbtrace_on;

void tlbtrace_init(void)
{
  tlbtrace_on = bootarg_num("tlbtrace") != 0;
}

// Lines (all numbers hex): "TT P hart space va old new",
// "TT F hart kind asid va size mask", "TT S hart space asid",
// "TT X pa". A space is named by its root table's physical address.
void tlbtrace_pte(struct aspace *as, uint64 va, pte_t old, pte_t new)
{
  printf("TT P %x %lx %lx %lx %lx\n", cpuid(), V2P(as->root), va, old, new);
}

void tlbtrace_fence(int kind, uint64 asid, uint64 va, uint64 size, uint64 mask)
{
  printf("TT F %x %x %lx %lx %lx %lx\n", cpuid(), kind, asid, va, size, mask);
}

void tlbtrace_switch(struct aspace *as)
{
  printf("TT S %x %lx %lx\n", cpuid(), as ? V2P(as->root) : 0, as ? as->asid : 0);
}

void tlbtrace_free(uint64 pa)
{
  printf("TT X %lx\n", pa);
}
