// The TLB: address-space identifiers and every sfence.vma in the kernel.
// Policy (docs/book/07-tlb.md):
//   - switching to a space whose ASID is current writes satp, no fence;
//   - ASIDs are handed out in generations; when they run out a new
//     generation starts and each hart flushes once when it next switches;
//   - a PTE that becomes valid or gains rights is not fenced: a hart that
//     still holds the old (absent or weaker) entry faults, the fault finds
//     the PTE already allowing the access, and fences that page locally
//     (tlb_spurious);
//   - a downgrade, a removal, or a PTE pointed at another frame (COW
//     break) fences the page locally and, through SBI RFENCE, on every
//     other hart that may cache the space, before the old frame or right
//     can be reused;
//   - many pages at once: one fence of the whole ASID instead;
//   - a space torn down for good (exit, exec's old space) is not fenced
//     at all: its ASID is retired (tlb_retire).
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/proc/proc.h"
#include "kernel/boot/sbi.h"

// Above this many pages, fence the whole ASID instead of page by page.
// Per-page fences keep the space's other entries, but each costs a whole
// TLB flush where the hardware ignores the address (QEMU 7.2 does: 16
// page fences after a COW-ahead window cost 16 flushes), and OpenSBI
// itself turns a remote fence of more than one page into an ASID fence.
#define RANGE_PAGES 4

static struct spinlock asid_lock;
static uint64 generation = 1;  // written under asid_lock; tlb_switch looks first without it
// LAB tlb: the next ASID of this generation to hand out (ASID 0 is the kernel's, for idle harts)
static uint64 next_asid = 1;   // ASID 0 is the kernel's (idle harts)
// END LAB tlb
static uint64 nasids;          // ASIDs 0 .. nasids-1

static inline void sfence_page(uint64 va, uint64 asid)
{
  asm volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
  if (tlbtrace_on)
    tlbtrace_fence(TT_PAGE, asid, va, PGSIZE, 0);
}

static inline void sfence_asid(uint64 asid)
{
  asm volatile("sfence.vma zero, %0" :: "r"(asid) : "memory");
  if (tlbtrace_on)
    tlbtrace_fence(TT_ASID, asid, 0, 0, 0);
}

static inline void sfence_all(void)
{
  asm volatile("sfence.vma zero, zero" ::: "memory");
  if (tlbtrace_on)
    tlbtrace_fence(TT_ALL, 0, 0, 0, 0);
}

// pool: ASIDs to use (bootarg asids=N shrinks the pool to force
// rollovers in tests); 0 means all the hardware has.
void tlbinit(int pool)
{
  initlock(&asid_lock, "asid");
  // The ASID field keeps only the bits the hart implements.
  uint64 old = csr_read(satp);
  csr_write(satp, MAKE_SATP(V2P(kernel_root), SATP_ASID_MASK));
  uint64 hw = ((csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK) + 1;
  csr_write(satp, old);
  nasids = hw;
  if (pool >= 2 && (uint64)pool < hw)
    nasids = pool;
  vmcount.asid_generation = generation;
  vmcount.asid_bits = nasids;
  printf("tlb: %d ASIDs in hardware, using %d\n", (int)hw, (int)nasids);
}

void tlb_boot_flush(void)
{
  sfence_all();
  VMCOUNT(tlb_all);
  mycpu()->asid_gen = generation;
}

// Load as into satp on this hart, giving it a fresh ASID if its
// generation has passed. Interrupts must be off (we are in the scheduler).
void tlb_switch(struct aspace *as)
{
  struct cpu *c = mycpu();
  // LAB tlb: give as an ASID of the current generation (a new generation when they run out); flush = this hart has not flushed since the generation changed
  // The common switch, to a space whose ASID is current on a hart that
  // has flushed for this generation, changes nothing here and takes no
  // lock: a rollover just after our look is the same race as one just
  // after the lock's release, and the next switch sees it.
  uint64 gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
  int flush = 0;
  if (as->asid_gen != gen || c->asid_gen != gen) {
    acquire(&asid_lock);
    if (as->asid_gen != generation) {
      if (next_asid >= nasids) {
        __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);
        next_asid = 1;
        vmcount.asid_generation = generation;
      }
      as->asid = next_asid++;
      as->asid_gen = generation;
    }
    flush = c->asid_gen != generation;
    c->asid_gen = generation;
    release(&asid_lock);
  }
  // STUB: as->asid = 0;      // for now every space shares ASID 0: flush the whole TLB at every switch
  // STUB: int flush = 1;
  // END LAB tlb

  // Join the space's hart set before using its page table. With the
  // sequentially consistent fence in remote(), either a PTE writer sees
  // our bit (and fences us), or our walks come after its store. A hart
  // that joins for the first time fences the ASID once, so no entry it
  // might have fetched early (hardware may walk speculatively) survives.
  uint64 bit = 1UL << c->hartid;
  int joined = !(__atomic_fetch_or(&as->harts, bit, __ATOMIC_SEQ_CST) & bit);
  uint64 satp = MAKE_SATP(V2P(as->root), as->asid);
  if (csr_read(satp) != satp)
    csr_write(satp, satp);
  if (tlbtrace_on)
    tlbtrace_switch(as);
  if (joined && !flush) {
    sfence_asid(as->asid);
    VMCOUNT(tlb_asid);
  }
  if (flush) {
    // This hart may hold entries of the previous generation's holder of
    // any ASID: drop them all, once.
    sfence_all();
    VMCOUNT(tlb_all);
  }
}

void tlb_switch_kernel(void)
{
  uint64 satp = MAKE_SATP(V2P(kernel_root), 0);
  if (csr_read(satp) != satp)
    csr_write(satp, satp);   // only global mappings: nothing to fence
  if (tlbtrace_on)
    tlbtrace_switch(0);
}

// A fault found the PTE already allowing the access: this hart holds an
// older entry (absent or with fewer rights) that no fence has dropped yet.
void tlb_spurious(struct aspace *as, uint64 va)
{
  sfence_page(va, as->asid);
  VMCOUNT(tlb_spurious);
}

// Fence [start, start+size) of the space on every other hart in its set.
// The PTE stores that made the fence necessary must be ordered before
// reading the set (see tlb_switch); a failed fence would leave stale
// entries behind, so it is fatal. The caller is under push_off from the
// local fence to here (no interrupt, so no move to another hart): "every
// other hart" must mean other than the hart that fenced locally. (A
// process preempted in between and resumed elsewhere once left the first
// hart out; the TLB model in tests/tlbmodel.c found it, QEMU cannot show
// it.)
static void remote(struct aspace *as, uint64 start, uint64 size)
{
  ASSERT(intr_masked());
  // LAB tlb: fence [start, start+size) of as's ASID on every other hart in as->harts (sbi_remote_sfence_vma_asid), after a full memory fence
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  uint64 others = __atomic_load_n(&as->harts, __ATOMIC_SEQ_CST) & ~(1UL << mycpu()->hartid);
  if (others) {
    int err = sbi_remote_sfence_vma_asid(others, start, size, as->asid);
    if (tlbtrace_on)
      tlbtrace_fence(TT_REMOTE, as->asid, start, size, others);
    if (err)
      panic("tlb: remote fence to harts %p failed: SBI error %d", (void *)others, err);
    VMCOUNT(tlb_remote);
  }
  // STUB: (void)as;
  // STUB: (void)start;
  // STUB: (void)size;
  // END LAB tlb
}

// as is being torn down and no hart will run it again: exit and exec
// tear down the space of the process that runs them, after the last
// user access; the process's hart leaves it at its next switch. Its
// pages can then be unmapped and freed without fences. An entry some
// hart still holds is tagged with as's ASID, and that hart could use it
// only with that ASID in satp: as is never switched to again, and the
// ASID is not handed out again in this generation (as_create gives a
// space generation 0), while a new generation fences every hart before
// it reuses ASIDs. For a 64 MiB process this saves 32 whole-ASID fences
// at exit, and a small one's per-page fences (each a full TLB flush
// under QEMU): bench fork_0M made 377 per-page fences, now 39, and went
// from 0.281 to 0.155 ms.
void tlb_retire(struct aspace *as)
{
  // The trace line first: once dead is set, a truncation on another
  // hart may skip its fence and free a frame, and the model must
  // already know the space is dead when it reads that free.
  if (tlbtrace_on)
    tlbtrace_retire(as);
  __atomic_store_n(&as->dead, 1, __ATOMIC_RELEASE);
}

void tlb_flush_page(struct aspace *as, uint64 va)
{
  if (__atomic_load_n(&as->dead, __ATOMIC_ACQUIRE))
    return;
  push_off();
  sfence_page(va, as->asid);
  VMCOUNT(tlb_page);
  remote(as, va, PGSIZE);
  pop_off();
}

void tlb_flush_range(struct aspace *as, uint64 lo, uint64 hi)
{
  if (hi <= lo || __atomic_load_n(&as->dead, __ATOMIC_ACQUIRE))
    return;
  push_off();
  if ((hi - lo) / PGSIZE > RANGE_PAGES) {
    sfence_asid(as->asid);
    VMCOUNT(tlb_asid);
    remote(as, 0, (uint64)-1);
  } else {
    for (uint64 va = lo; va < hi; va += PGSIZE) {
      sfence_page(va, as->asid);
      VMCOUNT(tlb_page);
    }
    remote(as, lo, hi - lo);
  }
  pop_off();
}
