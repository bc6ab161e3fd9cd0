// rdtime(): the real-time counter (10 MHz on QEMU virt).
// The kernel lets user mode read it through scounteren.
#include "kernel/types.h"
#include "user/user.h"

uint64
rdtime(void)
{
  uint64 t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}
