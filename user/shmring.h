// The shared-memory ring of shmwrite and shmread: the object's layout and
// the helpers both sides use (see the comment at the top of shmwrite.c).
#ifndef PAGODA_SHMRING_H
#define PAGODA_SHMRING_H
#define RING_MAGIC   0x31474e4952474150UL   // "PAGRING1"
#define RING_HDR     4096UL                 // the header page
#define RING_DATA    (1UL << 20)            // the ring: 1 MiB, a power of two
#define RING_SIZE    (RING_HDR + RING_DATA) // size of the object
#define RING_CHUNK   (16UL << 10)           // publish head at least this often
#define STALL_TICKS  (60UL * 10000000UL)    // 60 s of the 10 MHz time counter
#define MAX_MIB      (1L << 20)

struct ring {
  uint64 magic;
  uint64 total;
  uint64 datasize;
  uint32 writer;
  uint32 reader;
  uint32 failed;
  uint32 left;
  uint64 head __attribute__((aligned(64)));
  uint64 tail __attribute__((aligned(64)));
};

static const char *name;
static struct ring *r;

static inline uchar
pattern(uint64 i)
{
  return (uchar)(i * 131 + (i >> 12));
}

// The time counter, read inline: the streaming loop calls no function.
static inline __attribute__((always_inline)) uint64
now(void)
{
  uint64 t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}

// Give up: tell the other side, remove the name (this session is over), exit 1.
static void
abandon(void)
{
  if (r)
    __atomic_store_n(&r->failed, 1, __ATOMIC_RELEASE);
  shm_unlink(name);
  exit(1);
}

// "64" -> 64; anything but 1..MAX_MIB -> -1.
static long
parse_mib(const char *s)
{
  long v = 0;
  if (*s == 0)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    v = v * 10 + (*s - '0');
    if (v > MAX_MIB)
      return -1;
  }
  return v > 0 ? v : -1;
}

#endif
