#ifndef PAGODA_VMSTAT_H
#define PAGODA_VMSTAT_H
// What the vmstat() and vmmap() system calls report (see docs/book/04-memory.md).

struct vmstat {
  unsigned long page_size;
  unsigned long frames_total;    // frames managed by the allocator
  unsigned long frames_free;
  unsigned long frames_used;
  unsigned long frames_shared;   // frames with more than one reference
  unsigned long frames_pagecache;
  unsigned long frames_shm;
  unsigned long shm_objects;
  // faults by kind
  unsigned long fault_zero;      // zero-filled page
  unsigned long fault_cow_copy;  // COW break that copied the page
  unsigned long fault_cow_reuse; // COW break on a frame we alone held: no copy
  unsigned long fault_file;      // file page read in
  unsigned long fault_shm;       // shm page mapped
  unsigned long fault_kill;      // faults that killed the process
  unsigned long writebacks;      // dirty file pages written back
  unsigned long evictions;       // page-cache frames reclaimed
  unsigned long oom_kills;
  // TLB
  unsigned long tlb_page;        // local sfence.vma va, asid
  unsigned long tlb_asid;        // local sfence.vma zero, asid
  unsigned long tlb_all;         // local sfence.vma zero, zero (boot, rollover)
  unsigned long tlb_remote;      // SBI remote fences sent
  unsigned long asid_generation; // ASID generations so far (1 at boot)
  unsigned long asid_bits;       // size of the ASID pool (ASIDs 1..n-1 for processes)
  unsigned long nfork;
  unsigned long pages_cow_shared; // private pages shared (not copied) by fork
  unsigned long tlb_spurious;    // faults on a PTE that already allowed the access
  unsigned long oom_waits;       // faults that waited for an OOM victim's memory
  unsigned long writeback_errors; // write-backs that failed (the page stays dirty)
  unsigned long fault_around;    // cached neighbours mapped by a file fault
  // file system log (fs/log.c)
  unsigned long log_commits;     // transactions committed
  unsigned long disk_flushes;    // FLUSH requests the disk completed (4 per commit if it has a cache)
  unsigned long log_waits;       // begin_op calls that had to wait
  unsigned long log_overtaken_max; // most operations admitted while one begin_op waited (FIFO: those queued before it, < NPROC)
  // block layer (fs/bio.c): requests sent to the disk and the blocks they carried
  unsigned long disk_reads;
  unsigned long disk_read_blocks;
  unsigned long disk_writes;
  unsigned long disk_write_blocks;
  // read-ahead (mm/readahead.c)
  unsigned long readahead_pages;  // pages read ahead of the reader
  unsigned long readahead_hits;   // of those, pages a reader then used
  unsigned long readahead_waits;  // lookups that slept for a page being read
  unsigned long idle_kicks;       // IPIs that woke an idle hart for a runnable process
  unsigned long exec_premap;      // cached pages mapped with a new executable mapping (as_premap)
  unsigned long cow_ahead;        // pages a sequential COW writer's fault copied ahead of it
  unsigned long intr_deferred;    // interrupts that came under push_off, taken at pop_off (lib/cpu.c)
};

#define VMR_READ    1
#define VMR_WRITE   2
#define VMR_EXEC    4
#define VMR_SHARED  8

struct vmregion {
  unsigned long start, end;     // [start, end)
  unsigned int prot;            // VMR_* bits
  unsigned int resident;        // pages present in the page table
  unsigned int shared;          // of those, frames mapped by more than one space
  unsigned int ino;             // inode of a file region, 0 otherwise
  unsigned long offset;         // offset in the object (bytes)
  char name[24];                // "[text]", "[heap]", "[stack]", file or shm name
};
#endif
