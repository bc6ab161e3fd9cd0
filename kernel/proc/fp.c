// Per-process floating point. A new process runs with the FPU off
// (sstatus.FS = Off); its first FP instruction traps as illegal, and we
// switch the FPU on for it. On every trap from user mode, registers the
// process dirtied are saved; on the way back they are reloaded only if
// this hart's FPU holds someone else's state.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"

void fp_save(uint64 *fregs, uint64 *fcsr);
void fp_restore(uint64 *fregs, uint64 *fcsr);

// Registers the process changed are saved, and the FPU goes off for the
// kernel. A process that never used the FPU runs with it off, so there
// is nothing to look at: no sstatus access (under QEMU each CSR access
// leaves the translated code, and most processes never use the FPU).
void fp_trap_enter(struct proc *p)
{
  if (!p->fp_used)
    return;
  if ((csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
    fp_save(p->fregs, &p->fcsr);
    p->fp_cpu = mycpu();
    mycpu()->fpowner = p;
  }
  csr_clear(sstatus, SSTATUS_FS);
}

// The FS bits the process returns to user mode with: Off if it has not
// used the FPU, else Clean (the registers match p->fregs until the
// process writes one). usertrapret writes them with the rest of sstatus.
// Interrupts are off: we cannot move harts in here.
uint64 fp_trap_exit(struct proc *p)
{
  if (!p->fp_used)
    return SSTATUS_FS_OFF;
  struct cpu *c = mycpu();
  if (c->fpowner != p || p->fp_cpu != c) {
    csr_set(sstatus, SSTATUS_FS_CLEAN);   // on, to load the registers
    fp_restore(p->fregs, &p->fcsr);
    c->fpowner = p;
    p->fp_cpu = c;
  }
  return SSTATUS_FS_CLEAN;
}

// An illegal-instruction trap. If the process has not used the FPU yet,
// this is (probably) its first FP instruction: give it a zeroed FPU.
int fp_first_use(struct proc *p)
{
  if (p->fp_used)
    return 0;
  p->fp_used = 1;
  memset(p->fregs, 0, sizeof p->fregs);
  p->fcsr = 0;
  p->fp_cpu = 0;    // forces fp_trap_exit to load the zeroed registers
  return 1;
}

void fp_forget(struct proc *p)
{
  p->fp_used = 0;
  p->fp_cpu = 0;
}
