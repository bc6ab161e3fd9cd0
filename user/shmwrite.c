// shmwrite NAME [MiB]: the producer half of a shared-memory ring buffer.
//
// shmwrite sends MiB mebibytes (default 64) of a fixed byte stream through
// the POSIX shared memory object NAME; shmread NAME reads the stream and
// checks every byte. Start them in either order:
//
//   $ shmwrite /ring & shmread /ring
//
// The object is one header page followed by the data area, a ring of
// RING_DATA bytes (the layout is in shmring.h, shared with shmread.c).
//
//   header  magic     RING_MAGIC once the writer has filled in the rest
//           total     bytes in the stream
//           datasize  RING_DATA
//           writer, reader  pid of the process that took the role (0: none)
//           failed    set by a side that gives up, so the other stops too
//           left      processes done with the ring; the second removes NAME
//           head      (own cache line) bytes produced so far
//           tail      (own cache line) bytes consumed so far
//   data    the byte with sequence number s is data[s % RING_DATA]
//
// head and tail are sequence numbers: they count bytes from the start of
// the stream and never wrap around (2^64 bytes), so head - tail is the
// number of bytes in the ring, from 0 (empty) to RING_DATA (full). Only the
// writer stores head and only the reader stores tail. The writer fills
// bytes and then publishes the new head with a release store; the reader
// loads head with acquire, so the bytes below it are visible, checks them,
// and publishes tail with release, which gives the space back. No lock and
// no system call while streaming: each side spins on the other's index.
//
// Byte number i of the stream is (i * 131 + (i >> 12)) & 0xff.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#include "user/shmring.h"

int
main(int argc, char *argv[])
{
  struct stat st;

  if (argc < 2 || argc > 3) {
    fprintf(2, "usage: shmwrite NAME [MiB]   (NAME like /ring; default 64 MiB)\n");
    exit(1);
  }
  name = argv[1];
  long mib = argc == 3 ? parse_mib(argv[2]) : 64;
  if (mib < 0) {
    fprintf(2, "shmwrite: %s: not a size in MiB (1 to %ld)\n", argv[2], MAX_MIB);
    exit(1);
  }
  uint64 total = (uint64)mib << 20;

  // Create the object, or open the one the reader created, and size it.
  // Only the writer ever changes the size.
  int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
  if (fd < 0) {
    fprintf(2, "shmwrite: %s: %s\n", name, strerror(errno));
    exit(1);
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "shmwrite: fstat %s: %s\n", name, strerror(errno));
    exit(1);
  }
  if (st.size == 0) {
    if (ftruncate(fd, RING_SIZE) < 0) {
      fprintf(2, "shmwrite: ftruncate %s: %s\n", name, strerror(errno));
      shm_unlink(name);
      exit(1);
    }
  } else if (st.size != RING_SIZE) {
    fprintf(2, "shmwrite: %s is not a ring (%lu bytes, want %lu)\n", name, st.size, RING_SIZE);
    exit(1);
  }
  char *m = mmap(0, RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    fprintf(2, "shmwrite: mmap %s: %s\n", name, strerror(errno));
    shm_unlink(name);
    exit(1);
  }
  close(fd);          // the mapping keeps the object alive
  uchar *data = (uchar *)m + RING_HDR;

  // Take the writer's role. If it is taken, the object is left over from
  // an earlier run (or another writer is running): remove the name.
  uint32 none = 0;
  struct ring *h = (struct ring *)m;
  if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != 0 ||
      !__atomic_compare_exchange_n(&h->writer, &none, (uint32)getpid(), 0,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    fprintf(2, "shmwrite: %s already has a writer (left over from an earlier run?); "
            "name removed, start both again\n", name);
    shm_unlink(name);
    exit(1);
  }
  r = h;
  r->total = total;
  r->datasize = RING_DATA;
  r->head = 0;
  r->tail = 0;
  r->left = 0;
  __atomic_store_n(&r->magic, RING_MAGIC, __ATOMIC_RELEASE);   // publish the header

  // Wait for the reader; it may start long after us.
  while (__atomic_load_n(&r->reader, __ATOMIC_ACQUIRE) == 0) {
    if (__atomic_load_n(&r->failed, __ATOMIC_ACQUIRE)) {
      fprintf(2, "shmwrite: %s: the reader gave up\n", name);
      exit(1);
    }
    sleep(1);
  }

  // Stream. The inner loop spins on tail and calls nothing.
  uint64 head = 0, tail = 0;
  uint64 last = now();        // time of the last progress
  while (head < total) {
    uint64 spins = 0;
    for (;;) {
      tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
      if (head - tail < RING_DATA)
        break;
      if ((++spins & 0xffff) == 0) {
        if (__atomic_load_n(&r->failed, __ATOMIC_RELAXED)) {
          fprintf(2, "shmwrite: %s: the reader gave up\n", name);
          exit(1);
        }
        if (now() - last > STALL_TICKS) {
          fprintf(2, "shmwrite: %s: the reader took nothing for 60 s (at byte %lu)\n", name, head);
          abandon();
        }
      }
    }
    if (tail > head) {
      fprintf(2, "shmwrite: %s: tail %lu is past head %lu\n", name, tail, head);
      abandon();
    }
    uint64 off = head & (RING_DATA - 1);
    uint64 n = RING_DATA - (head - tail);         // free space
    if (n > RING_DATA - off)                      // up to the end of the ring
      n = RING_DATA - off;
    if (n > total - head)
      n = total - head;
    if (n > RING_CHUNK)
      n = RING_CHUNK;
    uchar *d = data + off;
    for (uint64 k = 0; k < n; k++)
      d[k] = pattern(head + k);
    head += n;
    __atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
    last = now();
  }

  // Done. The reader may still be reading: the bytes stay in the object,
  // which lives until the reader unmaps it too. The last one out removes
  // the name.
  if (__atomic_add_fetch(&r->left, 1, __ATOMIC_ACQ_REL) == 2)
    shm_unlink(name);
  printf("shmwrite: %ld MiB written\n", mib);
  exit(0);
}
