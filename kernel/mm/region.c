// Regions as a sorted list: finding the region at an address, the
// overlap test, and the gap for a new mapping. Pure list logic with no
// locks (the caller holds as->lock) and no allocation, so the host unit
// tests (tests/unit/regiontest.c) compile this very file.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/mm/mm_internal.h"

// The region containing va, or 0.
struct region *region_find(struct aspace *as, uint64 va)
{
  for (struct region *r = as->regions; r && r->start <= va; r = r->next)
    if (va < r->end)
      return r;
  return 0;
}

// The lowest region that overlaps [start, end), or 0. Empty regions (a
// heap of size 0) overlap nothing. The one overlap test: region_insert,
// as_find_gap and MAP_FIXED_NOREPLACE use it.
struct region *region_overlap(struct aspace *as, uint64 start, uint64 end)
{
  for (struct region *r = as->regions; r && r->start < end; r = r->next)
    if (r->start < r->end && start < r->end && r->start < end)
      return r;
  return 0;
}

// Where to put a new mapping of len bytes: at hint if that range is free,
// otherwise as high as possible below USERTOP (top-down, far from the heap).
// Returns 0 if there is no room. Caller holds as->lock.
uint64 as_find_gap(struct aspace *as, uint64 len, uint64 hint)
{
  uint64 floor = PGROUNDUP(as->brk) + PGSIZE;
  if (hint && hint >= floor && hint + len > hint && hint + len <= USERTOP &&
      !region_overlap(as, hint, hint + len))
    return hint;
  if (len > USERTOP - floor)
    return 0;
  uint64 top = USERTOP;
  for (;;) {
    uint64 cand = top - len;
    if (cand < floor || cand > top)
      return 0;
    struct region *hit = region_overlap(as, cand, cand + len);
    if (!hit)
      return cand;
    top = hit->start;
  }
}
