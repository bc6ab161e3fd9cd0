// vmstat: print the kernel's memory counters, one "name value" per line.
// The meaning of each counter is in kernel/vmstat.h and docs/book/04-memory.md.
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define FIELD(f) { #f, __builtin_offsetof(struct vmstat, f) }

static const struct {
  const char *name;
  unsigned long offset;
} fields[] = {
  FIELD(page_size),
  FIELD(frames_total),
  FIELD(frames_free),
  FIELD(frames_used),
  FIELD(frames_shared),
  FIELD(frames_pagecache),
  FIELD(frames_shm),
  FIELD(shm_objects),
  FIELD(fault_zero),
  FIELD(fault_cow_copy),
  FIELD(fault_cow_reuse),
  FIELD(fault_file),
  FIELD(fault_shm),
  FIELD(fault_around),
  FIELD(fault_kill),
  FIELD(writebacks),
  FIELD(writeback_errors),
  FIELD(evictions),
  FIELD(oom_kills),
  FIELD(oom_waits),
  FIELD(tlb_page),
  FIELD(tlb_asid),
  FIELD(tlb_all),
  FIELD(tlb_remote),
  FIELD(tlb_spurious),
  FIELD(asid_generation),
  FIELD(asid_bits),
  FIELD(nfork),
  FIELD(pages_cow_shared),
  FIELD(log_commits),
  FIELD(disk_flushes),
  FIELD(log_waits),
  FIELD(log_overtaken_max),
  FIELD(disk_reads),
  FIELD(disk_read_blocks),
  FIELD(disk_writes),
  FIELD(disk_write_blocks),
  FIELD(readahead_pages),
  FIELD(readahead_hits),
  FIELD(readahead_waits),
  FIELD(idle_kicks),
  FIELD(exec_premap),
  FIELD(cow_ahead),
  FIELD(intr_deferred),
};

int
main(int argc, char *argv[])
{
  struct vmstat st;

  if (argc > 1) {
    fprintf(2, "usage: vmstat\n");
    return 1;
  }
  memset(&st, 0, sizeof(st));
  if (vmstat(&st) < 0) {
    fprintf(2, "vmstat: %s\n", strerror(errno));
    return 1;
  }
  for (int i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    unsigned long v = *(unsigned long *)((char *)&st + fields[i].offset);
    printf("%s %lu\n", fields[i].name, v);
  }
  return 0;
}
