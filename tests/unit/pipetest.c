// Host unit test of the pipe ring (kernel/fs/pipering.c, compiled as is):
// bytes come out in the order they went in, whatever the piece sizes;
// put stops at a full ring and get at an empty one; the counters wrap
// around 2^32 with the ring; the data is word-aligned. Run by make
// unittest.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/fs/pipering.c"

#define UNIT_NAME "pipetest"
#include "tests/unit/check.h"

static struct ring r;
static char in[3 * PIPESIZE], out[3 * PIPESIZE];

// The byte at position i of a stream.
static char at(uint i)
{
  return (char)(i * 7 + i / 251 + 1);
}

// Stream `total` bytes through the ring from counters start, in pieces
// of pseudo-random sizes up to maxpiece, checking every byte and count.
static void stream(uint start, uint total, uint maxpiece, unsigned seed)
{
  memset(&r, 0, sizeof r);
  r.nread = r.nwrite = start;
  srand(seed);
  uint sent = 0, got = 0;
  while (got < total) {
    uint want = 1 + rand() % maxpiece;
    uint room = ring_room(&r);
    for (uint i = 0; i < want; i++)
      in[i] = at(sent + i);
    uint k = ring_put(&r, in, want < total - sent ? want : total - sent);
    CHECK(k == (want < total - sent ? want : total - sent) || k == room,
          "put %u of %u with %u room", k, want, room);
    CHECK(ring_used(&r) <= PIPESIZE, "%u bytes in a ring of %d", ring_used(&r), PIPESIZE);
    sent += k;
    want = 1 + rand() % maxpiece;
    uint used = ring_used(&r);
    uint m = ring_get(&r, out, want);
    CHECK(m == (want < used ? want : used), "got %u of %u with %u there", m, want, used);
    for (uint i = 0; i < m; i++)
      if (out[i] != at(got + i)) {
        CHECK(0, "byte %u is %d, want %d (start %u)", got + i, out[i], at(got + i), start);
        return;
      }
    got += m;
  }
  CHECK(r.nwrite - start == total && r.nread - start == total, "counters moved %u, %u for %u",
        r.nwrite - start, r.nread - start, total);
}

int main(void)
{
  for (uint i = 0; i < sizeof in; i++)
    in[i] = at(i);
  CHECK((unsigned long)r.data % 8 == 0, "ring data at %p", (void *)r.data);

  // Full and empty.
  memset(&r, 0, sizeof r);
  CHECK(ring_get(&r, out, 10) == 0, "get from an empty ring");
  CHECK(ring_put(&r, in, 3 * PIPESIZE) == PIPESIZE, "put more than fits");
  CHECK(ring_room(&r) == 0 && ring_put(&r, in, 1) == 0, "put into a full ring");
  CHECK(ring_get(&r, out, 3 * PIPESIZE) == PIPESIZE && memcmp(out, in, PIPESIZE) == 0,
        "get a full ring back");

  // Pieces that straddle the end of data[], with counters from 0, from
  // just below the wrap of 2^32 and from an odd offset.
  uint starts[] = { 0, 0xFFFFFFFFu - 100, 0xFFFFFFFFu - PIPESIZE + 3, 12345 };
  uint pieces[] = { 1, 7, 512, 3000, 2 * PIPESIZE };
  for (int s = 0; s < 4; s++)
    for (int p = 0; p < 5; p++)
      stream(starts[s], 5 * PIPESIZE + 17, pieces[p], 1 + s * 5 + p);

  if (failures)
    return 1;
  printf("pipetest: ok\n");
  return 0;
}
