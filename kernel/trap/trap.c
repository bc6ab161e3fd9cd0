// Trap handling: system calls, interrupts, and exceptions from user mode
// and from the kernel. Traps never switch page tables (the kernel half is
// in every root), so entry and exit are a register save and restore.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/dev/dev.h"
#include "kernel/boot/sbi.h"
#include "kernel/trap/trap.h"

#define TICK_INTERVAL 1000000   // 10 MHz timebase: 10 ticks a second

volatile uint64 ticks;
struct spinlock tickslock;
extern char trapvec[];
void userret(struct trapframe *tf) __attribute__((noreturn));
void syscall(void);

void trapinit(void)
{
  initlock(&tickslock, "time");
}

void trapinithart(void)
{
  csr_write(stvec, (uint64)trapvec);
  csr_set(sie, SIE_SEIE | SIE_STIE | SIE_SSIE);
  // Let user code read the time CSR (rdtime) for benchmarks.
  csr_write(scounteren, 0x7);
  sbi_set_timer(r_time() + TICK_INTERVAL);
}

static void clockintr(void)
{
  // The first hart to take a timer interrupt keeps the tick count.
  static int keeper = -1;
  if (keeper < 0)
    __sync_bool_compare_and_swap(&keeper, -1, cpuid());
  if (keeper == cpuid()) {
    acquire(&tickslock);
    ticks++;
    wakeup((void *)&ticks);
    release(&tickslock);
  }
  sbi_set_timer(r_time() + TICK_INTERVAL);
}

// Returns 2 for a timer interrupt, 1 for another device interrupt, 0 if
// scause is not an interrupt we know.
static int devintr(uint64 scause)
{
  if (!(scause & SCAUSE_INTR))
    return 0;
  switch (scause & ~SCAUSE_INTR) {
  case IRQ_S_EXT: {
    int irq = plic_claim();
    if (irq == UART0_IRQ)
      uartintr();
    else if (irq == VIRTIO0_IRQ)
      virtio_disk_intr();
    else if (irq)
      printf("unexpected interrupt irq=%d\n", irq);
    if (irq)
      plic_complete(irq);   // irq 0: another hart claimed it first
    return 1;
  }
  case IRQ_S_TIMER:
    clockintr();
    return 2;
  case IRQ_S_SOFT:
    csr_clear(sip, 1 << IRQ_S_SOFT);
    return 1;
  }
  return 0;
}

static int fault_access(uint64 scause)
{
  switch (scause) {
  case EXC_INST_PAGE_FAULT:  return VM_EXEC;
  case EXC_LOAD_PAGE_FAULT:  return VM_READ;
  case EXC_STORE_PAGE_FAULT: return VM_WRITE;
  }
  return 0;
}

void usertrap(struct trapframe *tf)
{
  struct proc *p = myproc();
  uint64 scause = csr_read(scause);
  uint64 stval = scause == EXC_ECALL_U ? 0 : csr_read(stval);
  int which = 0;
  fp_trap_enter(p);       // the FPU off while in the kernel

  if (scause == EXC_ECALL_U) {
    tf->epc += 4;
    intr_on();
    syscall();
  } else if ((which = devintr(scause)) != 0) {
    // handled
  } else if (fault_access(scause)) {
    intr_on();
    int err = vm_fault(p->as, stval, fault_access(scause) | VM_USER);
    if (err == -ENOMEM && oom(p)) {
      // another process died for memory: retry the access
    } else if (err == -ENOMEM) {
      if (!killed(p)) {       // (else another process's OOM chose us and said so)
        VMCOUNT(oom_kills);
        proc_kill_report(p, "out of memory", stval, tf->epc);
      }
    } else if (err) {
      proc_kill_report(p, fault_cause(scause), stval, tf->epc);
    }
  } else if (scause == EXC_ILLEGAL_INST && fp_first_use(p)) {
    // first floating-point instruction: the FPU is now on; retry it
  } else {
    intr_on();
    proc_kill_report(p, fault_cause(scause), stval, tf->epc);
  }

  if (killed(p))
    exit(-1);
  if (which == 2)
    yield();
  usertrapret();
}

void usertrapret(void)
{
  struct proc *p = myproc();
  struct trapframe *tf = p->tf;
  lockdebug_user_return();
  uint64 s = csr_read_clear(sstatus, SSTATUS_SIE) & ~SSTATUS_SIE;   // interrupts off
  ASSERT(!mycpu()->deferred);   // no spin lock held, so none put off (lib/cpu.c)
  kick_pending();
  if (tlbtrace_on) tlbtrace_user();
  tf->kernel_tp = (uint64)mycpu();
  // One write: previous mode user, interrupts on after sret, the FPU as
  // the process needs it.
  s = (s & ~(SSTATUS_SPP | SSTATUS_FS)) | SSTATUS_SPIE | fp_trap_exit(p);
  csr_write(sstatus, s);
  userret(tf);
}

// Traps taken in supervisor mode: device interrupts. The kernel never
// touches user addresses (mm/uaccess.c copies through the direct map),
// so any exception here is a kernel bug.
void kerneltrap(struct trapframe *kf)
{
  uint64 scause = csr_read(scause);
  if ((scause & SCAUSE_INTR) && mycpu()->noff > 0) {
    // Under push_off (lib/cpu.c): return with interrupts off; the
    // interrupt stays pending and is taken at the outermost pop_off.
    mycpu()->deferred = 1;
    kf->sstatus &= ~SSTATUS_SPIE;
    VMCOUNT(intr_deferred);
    return;
  }
  uint64 stval = csr_read(stval);
  if (!(kf->sstatus & SSTATUS_SPP))
    panic("kerneltrap: not from supervisor mode");
  if (intr_get())
    panic("kerneltrap: interrupts enabled");

  int which = devintr(scause);
  if (which == 2) {
    struct proc *p = myproc();
    if (p && p->state == RUNNING)
      yield();
    return;
  }
  if (which)
    return;

  struct proc *p = myproc();
  printf("\nkernel trap: %s (scause %p)\n  sepc %p stval %p hart %d pid %d\n",
         fault_cause(scause), (void *)scause, (void *)kf->epc, (void *)stval, cpuid(),
         p ? p->pid : 0);
  backtrace(kf->s0, kf->epc);
  panic("kernel trap");
}
