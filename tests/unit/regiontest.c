// Host unit test of the region list (kernel/mm/region.c, compiled as is):
// finding, the overlap test (empty regions overlap nothing), and the gap
// for a new mapping (hint if free, else top-down below USERTOP, never
// below the break's guard page). Run by make unittest.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/mm/region.c"

#define UNIT_NAME "regiontest"
#include "tests/unit/check.h"

static struct region pool[16];
static int npool;

// A space with regions [a0, b0), [a1, b1), ... given sorted, brk at brk.
static void build(struct aspace *as, uint64 brk, int n, const uint64 *bounds)
{
  memset(as, 0, sizeof *as);
  npool = 0;
  struct region **pp = &as->regions;
  for (int i = 0; i < n; i++) {
    struct region *r = &pool[npool++];
    memset(r, 0, sizeof *r);
    r->start = bounds[2 * i];
    r->end = bounds[2 * i + 1];
    *pp = r;
    pp = &r->next;
  }
  as->brk = brk;
}

#define P(n) ((uint64)(n) * PGSIZE)

int main(void)
{
  struct aspace as;
  // text, data, stack, an empty heap at its start, a mapping high up
  uint64 b[] = { P(16), P(20), P(20), P(24), P(25), P(26), P(26), P(26),
                 USERTOP - P(8), USERTOP - P(4) };
  build(&as, P(26), 5, b);

  CHECK(region_find(&as, P(16)) == &pool[0], "find at a region's start");
  CHECK(region_find(&as, P(20) - 1) == &pool[0], "find at a region's last byte");
  CHECK(region_find(&as, P(20)) == &pool[1], "find at the next region's start");
  CHECK(region_find(&as, P(24)) == 0, "find in the guard page");
  CHECK(region_find(&as, P(26)) == 0, "an empty heap contains nothing");
  CHECK(region_find(&as, P(15)) == 0, "find below everything");

  CHECK(region_overlap(&as, P(24), P(25)) == 0, "the guard page is free");
  CHECK(region_overlap(&as, P(23), P(25)) == &pool[1], "overlap with data's last page");
  CHECK(region_overlap(&as, P(18), P(30)) == &pool[0], "the lowest overlapping region");
  CHECK(region_overlap(&as, P(26), P(27)) == 0, "an empty region overlaps nothing");
  CHECK(region_overlap(&as, P(25) + P(1), P(100)) == 0, "the gap above the heap");
  CHECK(region_overlap(&as, 0, P(16)) == 0, "the null guard");

  // Gaps: top-down below USERTOP, skipping the mapping.
  CHECK(as_find_gap(&as, P(4), 0) == USERTOP - P(4), "4 pages above the mapping: got %#lx",
        (unsigned long)as_find_gap(&as, P(4), 0));
  CHECK(as_find_gap(&as, P(5), 0) == USERTOP - P(8) - P(5), "5 pages below the mapping: got %#lx",
        (unsigned long)as_find_gap(&as, P(5), 0));
  CHECK(as_find_gap(&as, P(2), P(100)) == P(100), "a free hint is taken");
  CHECK(as_find_gap(&as, P(8), USERTOP - P(10)) == USERTOP - P(8) - P(8),
        "a hint that overlaps is not: got %#lx", (unsigned long)as_find_gap(&as, P(8), USERTOP - P(10)));
  CHECK(as_find_gap(&as, P(1), P(26)) != P(26), "no hint at the break itself (guard page)");
  CHECK(as_find_gap(&as, USERTOP, 0) == 0, "too big for the space");
  CHECK(as_find_gap(&as, USERTOP - P(28), 0) == 0, "bigger than the room above the break");
  CHECK(as_find_gap(&as, USERTOP - P(100), 0) == P(92), "a big gap under the top mapping: got %#lx",
        (unsigned long)as_find_gap(&as, USERTOP - P(100), 0));
  CHECK(as_find_gap(&as, USERTOP - P(30), 0) == 0, "no gap that big between the break and the mapping");
  CHECK(as_find_gap(&as, P(1), (uint64)-PGSIZE) != (uint64)-PGSIZE, "a hint that wraps is refused");

  // A space packed to the top: a gap only below the packed range.
  uint64 c[] = { P(16), P(17), USERTOP - P(64), USERTOP };
  build(&as, P(17), 2, c);
  CHECK(as_find_gap(&as, P(64), 0) == USERTOP - P(128), "below a packed top: got %#lx",
        (unsigned long)as_find_gap(&as, P(64), 0));

  if (failures == 0)
    printf("regiontest: ok\n");
  return failures != 0;
}
