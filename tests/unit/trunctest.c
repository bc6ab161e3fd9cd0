// Host unit test of the truncation budget (kernel/fs/truncbudget.c,
// compiled as is): a step counts each distinct block it logs once, never
// goes over TRUNC_BUDGET, and together with its caller's blocks fits the
// reservation begin_op made (MAXOPBLOCKS, within the log). Run by make
// unittest.
#include <stdio.h>
#include <string.h>
#include "kernel/fs/truncbudget.c"

#define UNIT_NAME "trunctest"
#include "tests/unit/check.h"

#define BMAP 100   // first bitmap block of the test's disk

// Free blocks[0..n-1] from the end in steps, as trunc_step does: each
// step logs the inode block and the bitmap block of each block it frees.
// Returns the number of steps; *most: most blocks freed by one step.
static int simulate(const uint *blocks, int n, int *most)
{
  int steps = 0;
  *most = 0;
  while (n > 0) {
    struct budget t;
    t.n = 0;
    budget_add(&t, 7);   // the inode block
    int freed = 0;
    while (n > 0 && budget_add(&t, blocks[n - 1] / BPB + BMAP)) {
      n--;
      freed++;
    }
    CHECK(freed > 0, "a step freed nothing (no progress)");
    CHECK(t.n <= TRUNC_BUDGET, "a step logged %d blocks, budget %d", t.n, TRUNC_BUDGET);
    if (freed > *most)
      *most = freed;
    steps++;
    if (freed == 0)
      break;
  }
  return steps;
}

int main(void)
{
  struct budget t;

  // The step and its caller's 3 blocks fit one operation's reservation,
  // and an operation fits the log.
  CHECK(TRUNC_BUDGET + 3 == MAXOPBLOCKS, "budget %d, MAXOPBLOCKS %d", TRUNC_BUDGET, MAXOPBLOCKS);
  CHECK(MAXOPBLOCKS <= LOGBLOCKS, "MAXOPBLOCKS %d > LOGBLOCKS %d", MAXOPBLOCKS, LOGBLOCKS);

  // A block counted twice costs one slot.
  t.n = 0;
  CHECK(budget_add(&t, 5) && budget_add(&t, 5) && t.n == 1, "n %d after adding 5 twice", t.n);

  // Full: a new block is refused and changes nothing; a counted one is fine.
  t.n = 0;
  for (uint b = 0; b < TRUNC_BUDGET; b++)
    CHECK(budget_add(&t, 1000 + b), "block %d refused below the budget", (int)b);
  CHECK(!budget_add(&t, 1), "accepted a block over the budget");
  CHECK(t.n == TRUNC_BUDGET, "n %d after a refused block", t.n);
  CHECK(budget_add(&t, 1000), "refused a block already counted");

  // A whole indirect block whose 256 blocks share one bitmap block costs
  // that bitmap block and the indirect block's own.
  uint a[NINDIRECT];
  for (int i = 0; i < NINDIRECT; i++)
    a[i] = 3 * BPB + i;
  t.n = 0;
  CHECK(budget_free_all(&t, 2 * BPB + 9, a, NINDIRECT, BMAP) && t.n == 2,
        "contiguous indirect block: n %d, want 2", t.n);
  // Holes cost nothing.
  memset(a, 0, sizeof a);
  a[17] = 4 * BPB;
  t.n = 0;
  CHECK(budget_free_all(&t, 4 * BPB + 1, a, NINDIRECT, BMAP) && t.n == 1,
        "sparse indirect block: n %d, want 1", t.n);
  // Spread over more bitmap blocks than the budget: refused, t unchanged.
  for (int i = 0; i < NINDIRECT; i++)
    a[i] = i * BPB;
  t.n = 0;
  budget_add(&t, 7);
  CHECK(!budget_free_all(&t, 9, a, NINDIRECT, BMAP) && t.n == 1,
        "scattered indirect block accepted or t changed (n %d)", t.n);

  // How many blocks one step frees: all of a contiguous file (one bitmap
  // block), but only TRUNC_BUDGET - 1 scattered ones (one bitmap block
  // each, besides the inode block), so a scattered file takes several.
  static uint blocks[4 * BPB];
  int most;
  for (int i = 0; i < 2000; i++)
    blocks[i] = 5 * BPB + i;
  CHECK(simulate(blocks, 2000, &most) == 1 && most == 2000, "contiguous: most %d", most);
  for (int i = 0; i < 100; i++)
    blocks[i] = i * BPB + 3;
  int steps = simulate(blocks, 100, &most);
  CHECK(most == TRUNC_BUDGET - 1, "scattered: a step freed %d, want %d", most, TRUNC_BUDGET - 1);
  CHECK(steps == (100 + TRUNC_BUDGET - 2) / (TRUNC_BUDGET - 1), "scattered: %d steps", steps);

  if (failures == 0)
    printf("trunctest: ok\n");
  return failures ? 1 : 0;
}
