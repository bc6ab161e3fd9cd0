// The truncation budget: how many blocks one truncation step may free.
//
// Freeing a block changes its bitmap block, and a step's transaction may
// log at most TRUNC_BUDGET distinct blocks besides what its caller logged
// (MAXOPBLOCKS in all: begin_op reserved no more). fs.c's trunc_step asks
// here before every change. Pure arithmetic on block numbers, compiled
// unchanged by the host test tests/unit/trunctest.c.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/fs/truncbudget.h"

// Account for logging block b; 0 if that would exceed the budget. A
// block already counted costs nothing (the log absorbs it).
int budget_add(struct budget *t, uint b)
{
  for (int i = 0; i < t->n; i++)
    if (t->blk[i] == b)
      return 1;
  if (t->n >= TRUNC_BUDGET)
    return 0;
  t->blk[t->n++] = b;
  return 1;
}

// Can the whole indirect block ib go in this step, with its n entries a[]
// (0: a hole)? Counts the bitmap block of ib and of every block in a[]
// (the bitmap starts at block bmapstart); the indirect block itself is
// not rewritten. All or nothing: 1 with t updated, or 0 with t unchanged.
int budget_free_all(struct budget *t, uint ib, const uint *a, int n, uint bmapstart)
{
  struct budget t2 = *t;
  if (!budget_add(&t2, ib / BPB + bmapstart))
    return 0;
  for (int i = 0; i < n; i++)
    if (a[i] && !budget_add(&t2, a[i] / BPB + bmapstart))
      return 0;
  *t = t2;
  return 1;
}
