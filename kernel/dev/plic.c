// The platform-level interrupt controller (PLIC) of QEMU virt.
//
// Devices raise numbered interrupt sources (UART0_IRQ, VIRTIO0_IRQ); the PLIC
// forwards an enabled source whose priority is above a context's threshold to
// that context as an external interrupt. Every hart has two contexts, M-mode
// (2*hart) and S-mode (2*hart+1); the kernel runs in S-mode, so it uses the
// second one. A hart takes an interrupt by reading its claim register (which
// returns the source number, or 0 if another hart claimed it first) and, once
// the device is serviced, writes the number back to the same register.
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/lib/cpu.h"
#include "kernel/dev/dev.h"

// Register offsets from PLIC (physical).
#define PLIC_PRIORITY(irq)   (4L * (irq))                        // per-source priority
#define PLIC_SENABLE(hart)   (0x2080L + (long)(hart) * 0x100)    // enable bits, S context
#define PLIC_STHRESHOLD(hart) (0x201000L + (long)(hart) * 0x2000) // priority threshold, S context
#define PLIC_SCLAIM(hart)    (0x201004L + (long)(hart) * 0x2000)  // claim/complete, S context

// The 32-bit PLIC register at offset off, through the kernel's direct map.
static inline volatile uint32 *plic_reg(long off)
{
  return (volatile uint32 *)P2V(PLIC + off);
}

// Once, on the boot hart: give our devices a non-zero priority (0 = never).
void plicinit(void)
{
  *plic_reg(PLIC_PRIORITY(UART0_IRQ)) = 1;
  *plic_reg(PLIC_PRIORITY(VIRTIO0_IRQ)) = 1;
}

// On every hart: accept our devices' interrupts in this hart's S context.
void plicinithart(void)
{
  int hart = cpuid();
  // Sources 1..31 are the bits of the first enable word.
  *plic_reg(PLIC_SENABLE(hart)) = (1U << UART0_IRQ) | (1U << VIRTIO0_IRQ);
  // Threshold 0: every source with priority >= 1 gets through.
  *plic_reg(PLIC_STHRESHOLD(hart)) = 0;
}

// Which source interrupted this hart? 0 if none (another hart took it).
int plic_claim(void)
{
  return (int)*plic_reg(PLIC_SCLAIM(cpuid()));
}

// Tell the PLIC this hart has serviced irq; the source may interrupt again.
void plic_complete(int irq)
{
  *plic_reg(PLIC_SCLAIM(cpuid())) = (uint32)irq;
}
