// shmread NAME [MiB]: the consumer half of a shared-memory ring buffer.
//
// Reads the byte stream that shmwrite NAME sends through the POSIX shared
// memory object NAME, checks every byte and prints
//
//   shmread: N MiB verified
//
// or an error (exit status 1). With MiB, the writer must be sending exactly
// that much; without it, shmread takes the size the writer announces.
// Start the two in either order:
//
//   $ shmwrite /ring & shmread /ring
//
// The layout and the protocol are described at the top of shmwrite.c; the
// definitions below must stay in step with it. The reader maps the header
// page read-write (it stores tail) but the data area read-only: it cannot
// corrupt the stream, and a stray store into it would kill it.
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
    fprintf(2, "usage: shmread NAME [MiB]   (NAME like /ring; default: what the writer sends)\n");
    exit(1);
  }
  name = argv[1];
  long want = 0;
  if (argc == 3 && (want = parse_mib(argv[2])) < 0) {
    fprintf(2, "shmread: %s: not a size in MiB (1 to %ld)\n", argv[2], MAX_MIB);
    exit(1);
  }

  // Open the object, creating it if the writer has not yet, and wait until
  // the writer has sized it (only the writer changes the size).
  int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
  if (fd < 0) {
    fprintf(2, "shmread: %s: %s\n", name, strerror(errno));
    exit(1);
  }
  for (;;) {
    if (fstat(fd, &st) < 0) {
      fprintf(2, "shmread: fstat %s: %s\n", name, strerror(errno));
      exit(1);
    }
    if (st.size == RING_SIZE)
      break;
    if (st.size != 0) {
      fprintf(2, "shmread: %s is not a ring (%lu bytes, want %lu)\n", name, st.size, RING_SIZE);
      exit(1);
    }
    sleep(1);
  }
  char *hp = mmap(0, RING_HDR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *dp = mmap(0, RING_DATA, PROT_READ, MAP_SHARED, fd, RING_HDR);
  if (hp == MAP_FAILED || dp == MAP_FAILED) {
    fprintf(2, "shmread: mmap %s: %s\n", name, strerror(errno));
    shm_unlink(name);
    exit(1);
  }
  close(fd);          // the mappings keep the object alive
  struct ring *h = (struct ring *)hp;
  const uchar *data = (const uchar *)dp;

  // Wait for the writer to publish the header.
  for (;;) {
    uint64 magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
    if (magic == RING_MAGIC)
      break;
    if (magic != 0) {
      fprintf(2, "shmread: %s is not a ring (magic 0x%lx)\n", name, magic);
      exit(1);
    }
    sleep(1);
  }

  // Take the reader's role. If it is taken, the object is left over from
  // an earlier run (or another reader is running): remove the name.
  uint32 none = 0;
  if (!__atomic_compare_exchange_n(&h->reader, &none, (uint32)getpid(), 0,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    fprintf(2, "shmread: %s already has a reader (left over from an earlier run?); "
            "name removed, start both again\n", name);
    shm_unlink(name);
    exit(1);
  }
  r = h;
  uint64 total = r->total;
  if (r->datasize != RING_DATA || total == 0 || total % (1UL << 20) != 0) {
    fprintf(2, "shmread: %s: bad header (ring %lu bytes, stream %lu bytes)\n", name,
            r->datasize, total);
    abandon();
  }
  if (want && total != (uint64)want << 20) {
    fprintf(2, "shmread: %s: the writer sends %lu MiB, expected %ld MiB\n", name,
            total >> 20, want);
    abandon();
  }

  // Stream. The inner loop spins on head and calls nothing.
  uint64 head = 0, tail = 0;
  uint64 last = now();        // time of the last progress
  while (tail < total) {
    uint64 spins = 0;
    for (;;) {
      head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
      if (head != tail)
        break;
      if ((++spins & 0xffff) == 0) {
        if (__atomic_load_n(&r->failed, __ATOMIC_RELAXED)) {
          fprintf(2, "shmread: %s: the writer gave up at byte %lu\n", name, tail);
          exit(1);
        }
        if (now() - last > STALL_TICKS) {
          fprintf(2, "shmread: %s: no data for 60 s (at byte %lu of %lu)\n", name, tail, total);
          abandon();
        }
      }
    }
    if (head < tail || head - tail > RING_DATA || head > total) {
      fprintf(2, "shmread: %s: bad head %lu (tail %lu, stream %lu bytes)\n", name, head, tail, total);
      abandon();
    }
    uint64 off = tail & (RING_DATA - 1);
    uint64 n = head - tail;                       // bytes available
    if (n > RING_DATA - off)                      // up to the end of the ring
      n = RING_DATA - off;
    if (n > RING_CHUNK)
      n = RING_CHUNK;
    const uchar *s = data + off;
    uchar bad = 0;
    for (uint64 k = 0; k < n; k++)
      bad |= s[k] ^ pattern(tail + k);
    if (bad) {
      uint64 k = 0;
      while (k < n && s[k] == pattern(tail + k))
        k++;
      if (k < n)
        fprintf(2, "shmread: %s: byte %lu is 0x%x, want 0x%x\n", name, tail + k, s[k],
                pattern(tail + k));
      else
        fprintf(2, "shmread: %s: bytes %lu to %lu changed while being checked\n", name,
                tail, tail + n - 1);
      abandon();
    }
    tail += n;
    __atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);   // give the space back
    last = now();
  }
  head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
  if (head != total) {
    fprintf(2, "shmread: %s: the writer went on to byte %lu of %lu\n", name, head, total);
    abandon();
  }

  // The last one out removes the name.
  if (__atomic_add_fetch(&r->left, 1, __ATOMIC_ACQ_REL) == 2)
    shm_unlink(name);
  printf("shmread: %lu MiB verified\n", total >> 20);
  exit(0);
}
