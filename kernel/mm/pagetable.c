// Sv39 page tables. The kernel half (root entries 256-511) is built once
// at boot, marked global, and shared by every user root, so traps and
// system calls never switch satp.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/boot/dtb.h"

pagetable_t kernel_root;
extern char kernel_start[], etext[], erodata[], end[];

static pagetable_t pt_alloc(void)
{
  return kalloc();   // zeroed
}

// The PTE for va at level 0, creating intermediate tables when alloc is set.
// Returns 0 when a table is missing (or cannot be allocated) or when a
// superpage covers va. Tables are only ever added to a live space (they
// go when the space does), so a walk needs no lock against another walk;
// a new table is published with a release store, after its zeroing, for
// the reverse map, which walks other spaces' tables.
pte_t *walk(pagetable_t pt, uint64 va, int alloc)
{
  for (int level = 2; level > 0; level--) {
    pte_t *pte = &pt[PX(level, va)];
    pte_t e = __atomic_load_n(pte, __ATOMIC_ACQUIRE);
    if (e & PTE_V) {
      if (e & PTE_RWX)
        return 0;   // superpage leaf
      pt = P2V(PTE2PA(e));
    } else {
      if (!alloc || !(pt = pt_alloc()))
        return 0;
      __atomic_store_n(pte, PA2PTE(V2P(pt)) | PTE_V, __ATOMIC_RELEASE);
    }
  }
  return &pt[PX(0, va)];
}

// The first valid leaf PTE at or above *va and below end, with *va set to
// its address; 0 (and *va = end) if there is none. Missing tables are
// skipped whole, so the cost follows the pages that exist, not the size
// of the range: fork, munmap, mprotect and pmap of a 200 GiB lazy heap
// cost what its few touched pages cost.
pte_t *pt_next_leaf(pagetable_t root, uint64 *va, uint64 end)
{
  uint64 a = *va;
  while (a < end) {
    pte_t l2 = root[PX(2, a)];
    if (!(l2 & PTE_V)) {
      a = (a | ((1UL << PXSHIFT(2)) - 1)) + 1;
      continue;
    }
    pte_t l1 = ((pagetable_t)P2V(PTE2PA(l2)))[PX(1, a)];
    if (!(l1 & PTE_V)) {
      a = (a | ((1UL << PXSHIFT(1)) - 1)) + 1;
      continue;
    }
    pagetable_t t0 = P2V(PTE2PA(l1));
    do {
      if (t0[PX(0, a)] & PTE_V) {
        *va = a;
        return &t0[PX(0, a)];
      }
      a += PGSIZE;
    } while (a < end && PX(0, a) != 0);
  }
  *va = end;
  return 0;
}

// Map [va, va+size) to pa with leaves at `level` (0: 4 KiB, 1: 2 MiB).
// A and D are set here so hardware that faults on them behaves like QEMU.
int pt_map(pagetable_t pt, uint64 va, uint64 pa, uint64 size, uint64 perm, int level)
{
  uint64 step = 1UL << PXSHIFT(level);
  for (uint64 off = 0; off < size; off += step) {
    pagetable_t t = pt;
    for (int l = 2; l > level; l--) {
      pte_t *pte = &t[PX(l, va + off)];
      if (!(*pte & PTE_V)) {
        pagetable_t n = pt_alloc();
        if (!n)
          return -1;
        *pte = PA2PTE(V2P(n)) | PTE_V;
      }
      t = P2V(PTE2PA(*pte));
    }
    pte_t *pte = &t[PX(level, va + off)];
    if (*pte & PTE_V)
      panic("pt_map: remap %p", (void *)(va + off));
    *pte = PA2PTE(pa + off) | perm | PTE_V | PTE_A | PTE_D;
  }
  return 0;
}

static void kmap(uint64 va, uint64 pa, uint64 size, uint64 perm)
{
  // 2 MiB leaves wherever alignment allows, 4 KiB elsewhere.
  while (size) {
    uint64 big = 1UL << PXSHIFT(1);
    int level = ((va | pa) & (big - 1)) == 0 && size >= big;
    uint64 n = level ? big : PGSIZE;
    if (pt_map(kernel_root, va, pa, n, perm | PTE_G, level) < 0)
      panic("kvminit: out of memory");
    va += n, pa += n, size -= n;
  }
}

// Build the kernel page table: devices, the image with W^X section rights,
// and the rest of RAM read/write, never executable.
void kvminit(uint64 ram_top)
{
  kernel_root = pt_alloc();
  // Pre-allocate every level-1 table of the kernel half: user roots copy
  // entries 256-511 once, so later kernel mappings must land below them.
  for (int i = 256; i < 512; i++) {
    pagetable_t l1 = pt_alloc();
    if (!l1)
      panic("kvminit: no memory");
    kernel_root[i] = PA2PTE(V2P(l1)) | PTE_V;
  }
  kmap((uint64)P2V(UART0), UART0, PGSIZE, PTE_R | PTE_W);
  kmap((uint64)P2V(VIRTIO0), VIRTIO0, 8 * PGSIZE, PTE_R | PTE_W);
  kmap((uint64)P2V(PLIC), PLIC, 0x400000, PTE_R | PTE_W);
  if (bootinfo.test_dev)
    kmap((uint64)P2V(bootinfo.test_dev), bootinfo.test_dev, PGSIZE, PTE_R | PTE_W);

  uint64 text = (uint64)kernel_start, rodata = (uint64)etext, data = (uint64)erodata;
  kmap(text, V2P(text), rodata - text, PTE_R | PTE_X);
  kmap(rodata, V2P(rodata), data - rodata, PTE_R);
  uint64 kend = PGROUNDUP((uint64)end);
  kmap(data, V2P(data), kend - data, PTE_R | PTE_W);
  kmap(kend, V2P(kend), ram_top - V2P(kend), PTE_R | PTE_W);
  // Leave the boot table (and its identity map) for good.
  csr_write(satp, MAKE_SATP(V2P(kernel_root), 0));
  tlb_boot_flush();
}

// A kernel stack: KSTACKPAGES pages with an unmapped guard page below.
void kvm_map_kstack(int slot)
{
  for (int i = 0; i < KSTACKPAGES; i++) {
    void *page = kalloc();
    if (!page)
      panic("kstack: no memory");
    if (pt_map(kernel_root, KSTACK(slot) + i * PGSIZE, V2P(page), PGSIZE, PTE_R | PTE_W | PTE_G, 0) < 0)
      panic("kstack: no memory");
  }
}

pagetable_t pt_new_user_root(void)
{
  pagetable_t pt = pt_alloc();
  if (pt)
    memmove(pt + 256, kernel_root + 256, 256 * sizeof(pte_t));
  return pt;
}

// Free the user half's intermediate tables; every leaf must already be
// unmapped (the regions own the frames, not the page table).
void pt_free_user(pagetable_t root)
{
  for (int i = 0; i < 256; i++) {
    if (!(root[i] & PTE_V))
      continue;
    pagetable_t l1 = P2V(PTE2PA(root[i]));
    for (int j = 0; j < 512; j++) {
      if (!(l1[j] & PTE_V))
        continue;
      pagetable_t l0 = P2V(PTE2PA(l1[j]));
      for (int k = 0; k < 512; k++)
        if (l0[k] & PTE_V)
          panic("pt_free_user: page still mapped");
      kfree(l0);
    }
    kfree(l1);
    root[i] = 0;
  }
}
