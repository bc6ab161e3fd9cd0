// Boot: the first hart to arrive sets up the machine, starts the others
// with SBI HSM, and every hart ends in its scheduler.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/boot/sbi.h"
#include "kernel/boot/dtb.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/mm.h"
#include "kernel/trap/trap.h"
#include "kernel/proc/proc.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/buf.h"
#include "kernel/fs/file.h"

extern char end[];              // first address after the kernel image (linker.ld)
extern char secondary_entry[];  // boot/entry.S
extern uint64 kernel_satp;      // boot/entry.S: a late hart at _entry waits for it

static void cpu_enter(uint64 hartid)
{
  if (hartid >= NCPU)
    panic("hart id %d >= NCPU", (int)hartid);
  struct cpu *c = &cpus[hartid];
  c->hartid = hartid;
  w_tp((uint64)c);
  // OpenSBI leaves the FPU on (Dirty). Turn it off so an accidental
  // floating-point instruction in the kernel traps; see proc/fp.c.
  csr_clear(sstatus, SSTATUS_FS);
}

void main(uint64 hartid, uint64 dtb_pa)
{
  printfinit(uart_write_sync);
  cpu_enter(hartid);
  dtb_parse(dtb_pa);
  consoleinit();
  printf("\nPagoda: hart %d booting, %d hart%s, %d MiB RAM at %p\n", (int)hartid,
         bootinfo.nharts, bootinfo.nharts == 1 ? "" : "s", (int)(bootinfo.ram_size >> 20),
         (void *)bootinfo.ram_base);

  frameinit(V2P(end), bootinfo.dtb_pa, bootinfo.dtb_size);
  kvminit(bootinfo.ram_base + bootinfo.ram_size);
  tlbinit(bootarg_num("asids"));
  fault_delay_us = bootarg_num("faultdelay");
  tlbtrace_init();
  aspaceinit();
  vmobjinit();
  pagecacheinit();
  shminit();
  trapinit();
  trapinithart();
  plicinit();
  plicinithart();
  binit();
  iinit();
  fileinit();
  virtio_disk_init(bootarg_num("blktrace") != 0);
  procinit();
  oominit();
  userinit(bootcmd());

  __sync_synchronize();
  cpus[hartid].started = 1;
  // A hart OpenSBI sent to _entry too waits for this (boot/entry.S);
  // hart_start then finds it already running.
  kernel_satp = MAKE_SATP(V2P(kernel_root), 0);
  __sync_synchronize();
  ncpu = 1;
  for (int id = 0; id < NCPU; id++) {
    if (id == (int)hartid || !(bootinfo.hartids & (1UL << id)))
      continue;
    int err = sbi_hart_start(id, V2P(secondary_entry), kernel_satp);
    if (err == 0 || err == SBI_ERR_ALREADY_AVAILABLE)
      ncpu++;
    else
      printf("hart %d: did not start (SBI error %d)\n", id, err);
  }
  scheduler();
}

// Other harts arrive here on the kernel page table (boot/entry.S).
void mainhart(uint64 hartid)
{
  cpu_enter(hartid);
  tlb_boot_flush();
  trapinithart();
  plicinithart();
  __sync_synchronize();
  cpus[hartid].started = 1;
  scheduler();
}
