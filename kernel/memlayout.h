#ifndef PAGODA_MEMLAYOUT_H
#define PAGODA_MEMLAYOUT_H
// Physical memory (QEMU virt):
//   0x00100000 sifive,test (exit-status device)
//   0x0C000000 PLIC
//   0x10000000 UART0
//   0x10001000 virtio-mmio disks
//   0x80000000 RAM: OpenSBI until 0x80200000, then the kernel, then free frames.
//
// Virtual memory (Sv39), see docs/book/04-memory.md:
//   user      [0x10000, MAXVA - 2 pages)   per process
//   kernel    0xFFFFFFC000000000 + pa      direct map of devices and all RAM
//   kstacks   KSTACKBASE ...               one slot per process, each with a guard page

#define KERNBASE 0x80000000L

#define UART0    0x10000000L
#define UART0_IRQ 10
#define VIRTIO0  0x10001000L
#define VIRTIO0_IRQ 1
#define PLIC     0x0c000000L

// User layout.
#define USERBASE   0x10000L                  // null guard below this
#define TRAMPOLINE (MAXVA - PGSIZE)          // never user-accessible (kept for xv6 programs)
#define TRAPFRAME  (TRAMPOLINE - PGSIZE)     // never user-accessible
#define USERTOP    TRAPFRAME                 // first address above all user mappings
// High, out of the heap's way: the usys page, ld.so right above it, and
// libc.so's preferred address (LIBC_BASE in the Makefile) 1 MiB above
// that, all in one 2 MiB range, so that one leaf page-table page (and one
// above it) maps them all: every range further away costs each process
// two more page-table pages, to allocate, clear, scan and free.
#define USYSCALL   0x3F00000000L             // a read-only page per process that user code reads (ugetpid)
#define LDSO_BASE  (USYSCALL + PGSIZE)       // where exec loads a program's interpreter (ld.so)

#ifndef __ASSEMBLER__
// What the page at USYSCALL holds (kernel/mm/aspace.c as_map_usys).
struct usyscall {
  int pid;
};
#endif

// Kernel half.
#define KVA_OFFSET 0xFFFFFFC000000000UL
#define KERNLINK   0xFFFFFFC080200000UL      // link address of the kernel image
#define KSTACKBASE 0xFFFFFFFF00000000UL      // kernel stacks, each with a guard page below
#define KSTACKSLOT ((KSTACKPAGES + 1) * PGSIZE)
#define KSTACK(i)  (KSTACKBASE + (i) * KSTACKSLOT + PGSIZE)   // lowest mapped byte of stack i

#if defined(KERNEL) && !defined(__ASSEMBLER__)
#define P2V(pa) ((void *)((uint64)(pa) + KVA_OFFSET))
#define V2P(va) ((uint64)(va) - KVA_OFFSET)
#endif
#endif
