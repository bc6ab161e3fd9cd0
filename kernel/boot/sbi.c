// SBI calls: ecall to M-mode firmware with a7 = extension, a6 = function.
#include "kernel/boot/sbi.h"

#define EXT_TIME  0x54494D45
#define EXT_HSM   0x48534D
#define EXT_RFNC  0x52464E43
#define EXT_SRST  0x53525354
#define EXT_IPI   0x735049

struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2, long a3, long a4)
{
  register long r0 asm("a0") = a0;
  register long r1 asm("a1") = a1;
  register long r2 asm("a2") = a2;
  register long r3 asm("a3") = a3;
  register long r4 asm("a4") = a4;
  register long r6 asm("a6") = fid;
  register long r7 asm("a7") = eid;
  asm volatile("ecall"
               : "+r"(r0), "+r"(r1)
               : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
               : "memory");
  struct sbiret ret = { r0, r1 };
  return ret;
}

void sbi_set_timer(uint64 when)
{
  sbi_call(EXT_TIME, 0, when, 0, 0, 0, 0);
}

int sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque)
{
  return sbi_call(EXT_HSM, 0, hartid, start_pa, opaque, 0, 0).error;
}

// hart_mask is relative to hart 0 (hart_mask_base = 0).
// 0, or the SBI error code.
int sbi_remote_sfence_vma_asid(uint64 hart_mask, uint64 start, uint64 size, uint64 asid)
{
  return sbi_call(EXT_RFNC, 2, hart_mask, 0, start, size, asid).error;
}

// A supervisor software interrupt to the harts in hart_mask.
void sbi_send_ipi(uint64 hart_mask)
{
  sbi_call(EXT_IPI, 0, hart_mask, 0, 0, 0, 0);
}

void sbi_shutdown(void)
{
  sbi_call(EXT_SRST, 0, 0 /* shutdown */, 0 /* no reason */, 0, 0, 0);
  for (;;)
    ;
}

