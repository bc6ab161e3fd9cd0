#ifndef PAGODA_TRUNCBUDGET_H
#define PAGODA_TRUNCBUDGET_H
#include "kernel/types.h"
#include "kernel/param.h"
// The truncation budget (fs/truncbudget.c): which distinct blocks one
// truncation step logs, so that it fits in one transaction.

// Blocks one truncation step may log. iput runs inside its caller's
// transaction, which may already hold 3 blocks (unlink: the directory
// block and two inode blocks).
#define TRUNC_BUDGET (MAXOPBLOCKS - 3)

struct budget {
  uint blk[TRUNC_BUDGET];
  int n;
};

int budget_add(struct budget *t, uint b);   // 0: over budget (t unchanged)
int budget_free_all(struct budget *t, uint ib, const uint *a, int n, uint bmapstart);
#endif
