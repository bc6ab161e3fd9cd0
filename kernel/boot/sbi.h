#ifndef PAGODA_SBI_H
#define PAGODA_SBI_H
// Calls into OpenSBI (the SBI specification, v1.0+).
#include "kernel/types.h"

struct sbiret { long error; long value; };
#define SBI_ERR_ALREADY_AVAILABLE (-6)
struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2, long a3, long a4);

void sbi_set_timer(uint64 when);
int  sbi_hart_start(uint64 hartid, uint64 start_pa, uint64 opaque);
int  sbi_remote_sfence_vma_asid(uint64 hart_mask, uint64 start, uint64 size, uint64 asid);
void sbi_send_ipi(uint64 hart_mask);
void sbi_shutdown(void) __attribute__((noreturn));
#endif
