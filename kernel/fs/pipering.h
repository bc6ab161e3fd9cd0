#ifndef PAGODA_PIPERING_H
#define PAGODA_PIPERING_H
// A pipe's ring buffer: its index and copy arithmetic, apart from the
// locking and sleeping around it (fs/pipe.c), so that the host unit test
// (tests/unit/pipetest.c) compiles fs/pipering.c as it is.
#include "kernel/types.h"

#define PIPESIZE 4096   // bytes in the ring
_Static_assert((PIPESIZE & (PIPESIZE - 1)) == 0, "PIPESIZE must be a power of 2 (counters wrap)");

// nread and nwrite count bytes ever read and written; they wrap around
// together (unsigned arithmetic), nwrite - nread is the number of bytes
// in the ring, and the byte at count c sits in data[c % PIPESIZE].
struct ring {
  uint nread;
  uint nwrite;
  char data[PIPESIZE] __attribute__((aligned(8)));   // word copies (memmove)
};

uint ring_used(struct ring *r);                       // bytes in the ring
uint ring_room(struct ring *r);                       // bytes that fit
uint ring_put(struct ring *r, const char *src, uint n);  // copy in what fits of n; how much
uint ring_get(struct ring *r, char *dst, uint n);        // copy out up to n; how much
#endif
