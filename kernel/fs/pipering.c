// A pipe's ring buffer (see fs/pipering.h). Plain arithmetic and copies,
// no locks: the caller (fs/pipe.c) holds the pipe's lock. The copies use
// __builtin_memmove, which is the kernel's memmove in the kernel and the
// C library's in the host unit test.
#include "kernel/fs/pipering.h"

uint ring_used(struct ring *r)
{
  return r->nwrite - r->nread;
}

uint ring_room(struct ring *r)
{
  return PIPESIZE - ring_used(r);
}

// Copy min(n, room) bytes from src to the end of the ring: at most two
// pieces, up to the end of data[] and on from its start.
uint ring_put(struct ring *r, const char *src, uint n)
{
  uint k = n < ring_room(r) ? n : ring_room(r);
  uint at = r->nwrite % PIPESIZE;
  uint first = k < PIPESIZE - at ? k : PIPESIZE - at;
  __builtin_memmove(r->data + at, src, first);
  __builtin_memmove(r->data, src + first, k - first);
  r->nwrite += k;
  return k;
}

// Copy min(n, used) bytes from the front of the ring to dst.
uint ring_get(struct ring *r, char *dst, uint n)
{
  uint k = n < ring_used(r) ? n : ring_used(r);
  uint at = r->nread % PIPESIZE;
  uint first = k < PIPESIZE - at ? k : PIPESIZE - at;
  __builtin_memmove(dst, r->data + at, first);
  __builtin_memmove(dst + first, r->data, k - first);
  r->nread += k;
  return k;
}
