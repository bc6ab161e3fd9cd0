// malloc and free over sbrk.
//
// Memory is handed out in units of 16 bytes (so every pointer returned is
// 16-byte aligned). Each block starts with a one-unit header recording its
// size. Free blocks are kept in a list sorted by address, so free() can
// merge a block with its free neighbours. malloc takes the first free
// block that is big enough, cutting the request from its end; when none
// fits it asks sbrk for more (at least 64 KiB at a time: sbrk'd memory is
// only backed by frames once it is touched, so this costs little).
#include "kernel/types.h"
#include "user/user.h"

struct header {
  struct header *next;   // next free block (higher address); free blocks only
  uint64 units;          // size of the block in units, header included
};

#define UNIT       sizeof(struct header)          // 16 bytes
#define MIN_GROW   4096                           // units: 64 KiB
#define MAX_SBRK   0x7ffff000L                    // sbrk takes an int

static struct header *freelist;

static void
insert_free(struct header *b)
{
  struct header *prev = 0, *next = freelist;
  while (next && next < b) {
    prev = next;
    next = next->next;
  }
  if (next == b || (prev && prev + prev->units > b))
    return;                       // double free: ignore it

  // Merge with the block after b?
  if (next && b + b->units == next) {
    b->units += next->units;
    b->next = next->next;
  } else {
    b->next = next;
  }
  // Merge with the block before b?
  if (prev && prev + prev->units == b) {
    prev->units += b->units;
    prev->next = b->next;
  } else if (prev) {
    prev->next = b;
  } else {
    freelist = b;
  }
}

// Get at least `units` more units from the kernel; 0 on failure.
static int
grow(uint64 units)
{
  uint64 want = units < MIN_GROW ? MIN_GROW : units;
  for (;;) {
    uint64 bytes = (want + 1) * UNIT;   // one spare unit for alignment
    if (bytes <= MAX_SBRK) {
      char *p = sbrk((int)bytes);
      if (p != (char *)-1) {
        uint64 start = ((uint64)p + UNIT - 1) & ~(uint64)(UNIT - 1);
        struct header *b = (struct header *)start;
        b->units = ((uint64)p + bytes - start) / UNIT;
        b->next = 0;
        insert_free(b);
        return 1;
      }
    }
    if (want == units)
      return 0;
    want = units;                 // the big request failed: try the minimum
  }
}

void *
malloc(uint nbytes)
{
  uint64 units = ((uint64)nbytes + UNIT - 1) / UNIT + 1;

  for (;;) {
    struct header *prev = 0;
    for (struct header *b = freelist; b; prev = b, b = b->next) {
      if (b->units < units)
        continue;
      if (b->units - units < 2) {
        // Too little would remain: hand out the whole block.
        if (prev)
          prev->next = b->next;
        else
          freelist = b->next;
      } else {
        // Cut the request from the end; the rest stays in the list.
        b->units -= units;
        b += b->units;
        b->units = units;
      }
      b->next = 0;
      return (void *)(b + 1);
    }
    if (!grow(units))
      return 0;
  }
}

void
free(void *p)
{
  if (p == 0)
    return;
  insert_free((struct header *)p - 1);
}
