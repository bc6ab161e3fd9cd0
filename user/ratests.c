// ratests: read-ahead (kernel/mm/readahead.c, docs/book/06-pagecache.md).
//
//   seq       a cold file read front to back with read(): every byte
//             right, read-ahead happened (readahead_pages and
//             readahead_hits grow), and the cache gained exactly the
//             file's pages: none past EOF. The file is not fsync'ed, so
//             its data are written home when cold() recycles its slot
//   mmapseq   the same through a shared mapping (faults read ahead too),
//             on a file fsync'ed first; the bytes past EOF in the last
//             page read as zero
//   holes     a file with holes (whole pages, single blocks, a hole just
//             before a last partial block) read by read() and by mmap:
//             zeros where nothing was written
//   random    after a sequential start, scattered one-page reads: the
//             window shrinks, so together they read ahead less than two
//             windows, not a window each
//   trunc     one process truncates and rewrites a file over and over
//             while two read it front to back (3 harts): every word read
//             is one written at that offset, never a stale page of
//             another offset and never zero
//
// A file just written is in the page cache (write() leaves it there).
// cold() pushes it out: an unreferenced inode keeps its pages until its
// slot in the inode table is needed, so children holding more files open
// than the table has slots make the kernel recycle every unreferenced
// slot. cold() checks that the table did fill (an open failed with
// ENFILE); otherwise the read-ahead checks would pass on a warm file.
#include "user/testlib.h"

static char buf[8192];

// The byte at offset off of file pattern id, never zero.
static char
pat(int id, long off)
{
  unsigned long x = (unsigned long)off * 2654435761UL + id * 0x9e3779b9UL + (off >> 12) * 131;
  return (char)((x >> 13) | 1);
}

// Write n bytes of pattern id at off of fd.
static void
put(int fd, int id, long off, int n)
{
  if (lseek(fd, off, SEEK_SET) != off)
    fail("lseek %ld: %s", off, strerror(errno));
  for (int i = 0; i < n; i++)
    buf[i] = pat(id, off + i);
  xwrite(fd, buf, n);
}

// Write file name with pattern id; with sync, commit it before returning.
// Without, cold() finds its data still waiting for the commit, and the
// kernel must write them home before it recycles the inode's slot.
static void
make_file(const char *name, int id, long size, int sync)
{
  int fd = xopen(name, O_CREATE | O_TRUNC | O_WRONLY);
  for (long off = 0; off < size; off += 4096)
    put(fd, id, off, size - off < 4096 ? size - off : 4096);
  if (sync)
    expect_ok(fsync(fd));
  close(fd);
}

#define NHOLD 8     // children holding files open
#define HOLD 8      // files each: a child has NOFILE descriptors, a few taken
                    // already (NHOLD * HOLD > NINODE)

// Push every unreferenced inode's pages out of the cache (see the top).
static void
cold(void)
{
  char name[16];
  for (int i = 0; i < NHOLD * HOLD; i++) {
    snprintf(name, sizeof name, "ra_hold%d", i);
    close(xopen(name, O_CREATE | O_RDONLY));
  }
  int ready[2], go[2];
  expect_ok(pipe(ready));
  expect_ok(pipe(go));
  for (int c = 0; c < NHOLD; c++) {
    int pid = expect_ok(fork());
    if (pid == 0) {
      close(ready[0]);
      close(go[1]);
      char full = 'r';
      for (int i = 0; i < HOLD; i++) {
        snprintf(name, sizeof name, "ra_hold%d", c * HOLD + i);
        if (open(name, O_RDONLY) < 0) {
          if (errno != ENFILE)
            fail("open %s: %s", name, strerror(errno));
          full = 'f';     // the table is full: every slot was recycled
        }
      }
      write(ready[1], &full, 1);
      read(go[0], buf, 1);        // until the parent closes go
      exit(0);
    }
  }
  close(ready[1]);
  close(go[0]);
  int full = 0;
  for (int c = 0; c < NHOLD; c++) {
    expect_eq(read(ready[0], buf, 1), 1);
    full |= buf[0] == 'f';
  }
  close(go[1]);
  for (int c = 0; c < NHOLD; c++) {
    int st;
    expect_ok(wait(&st));
    check(st == 0, "a child holding files failed");
  }
  close(ready[0]);
  check(full, "%d files held open did not fill the inode table", NHOLD * HOLD);
}

static void
check_bytes(const char *how, const char *got, int id, long off, int n, long hole_lo, long hole_hi)
{
  for (int i = 0; i < n; i++) {
    long o = off + i;
    char want = (o >= hole_lo && o < hole_hi) ? 0 : pat(id, o);
    if (got[i] != want)
      fail("%s: byte %ld is 0x%x, want 0x%x", how, o, got[i] & 0xff, want & 0xff);
  }
}

#define SEQ_PAGES 150
#define SEQ_SIZE (SEQ_PAGES * 4096L + 1234)

static void
t_seq(void)
{
  struct vmstat a, z;
  make_file("ra_seq", 1, SEQ_SIZE, 0);
  cold();
  tl_vmstat(&a);
  int fd = xopen("ra_seq", O_RDONLY);
  for (long off = 0; off < SEQ_SIZE; off += 3000) {
    int n = SEQ_SIZE - off < 3000 ? SEQ_SIZE - off : 3000;
    xread(fd, buf, n);
    check_bytes("read", buf, 1, off, n, 0, 0);
  }
  expect_eq(read(fd, buf, 1), 0);
  tl_vmstat(&z);
  close(fd);
  unsigned long ra = z.readahead_pages - a.readahead_pages;
  unsigned long hits = z.readahead_hits - a.readahead_hits;
  unsigned long cached = z.frames_pagecache - a.frames_pagecache;
  printf("seq: %lu pages read ahead, %lu used, cache +%lu\n", ra, hits, cached);
  check(ra >= SEQ_PAGES / 2, "only %lu pages read ahead", ra);
  check(hits >= SEQ_PAGES / 2, "only %lu pages read ahead were used", hits);
  check(cached == SEQ_PAGES + 1, "the cache gained %lu pages for a file of %d", cached,
        SEQ_PAGES + 1);
  expect_ok(unlink("ra_seq"));
}

static void
t_mmapseq(void)
{
  struct vmstat a, z;
  make_file("ra_mseq", 2, SEQ_SIZE, 1);
  cold();
  tl_vmstat(&a);
  int fd = xopen("ra_mseq", O_RDONLY);
  char *p = mmap(0, SEQ_SIZE, PROT_READ, MAP_SHARED, fd, 0);
  if (p == (char *)-1)
    fail("mmap: %s", strerror(errno));
  for (long off = 0; off < SEQ_SIZE; off += 4096) {
    int n = SEQ_SIZE - off < 4096 ? SEQ_SIZE - off : 4096;
    check_bytes("mmap", p + off, 2, off, n, 0, 0);
  }
  for (long o = SEQ_SIZE; o < SEQ_PAGES * 4096L + 4096; o++)
    check(p[o] == 0, "byte %ld past EOF is 0x%x", o, p[o] & 0xff);
  tl_vmstat(&z);
  munmap(p, SEQ_SIZE);
  close(fd);
  unsigned long ra = z.readahead_pages - a.readahead_pages;
  unsigned long cached = z.frames_pagecache - a.frames_pagecache;
  printf("mmapseq: %lu pages read ahead, %lu used, cache +%lu\n", ra,
         z.readahead_hits - a.readahead_hits, cached);
  check(ra >= SEQ_PAGES / 2, "only %lu pages read ahead", ra);
  check(cached == SEQ_PAGES + 1, "the cache gained %lu pages for a file of %d", cached,
        SEQ_PAGES + 1);
  expect_ok(unlink("ra_mseq"));
}

// holes: [2, 10) pages, page 10 but for its second block, pages [11, 20)
// and page 20 up to its last 100 bytes.
#define HOLE_SIZE (20 * 4096L + 3100)
static int
written(long o)
{
  return o < 2 * 4096 || (o >= 10 * 4096 + 1024 && o < 10 * 4096 + 2048) || o >= 20 * 4096 + 3000;
}

static void
t_holes(void)
{
  int fd = xopen("ra_holes", O_CREATE | O_TRUNC | O_WRONLY);
  put(fd, 3, 0, 4096);
  put(fd, 3, 4096, 4096);
  put(fd, 3, 10 * 4096 + 1024, 1024);
  put(fd, 3, 20 * 4096 + 3000, 100);
  close(fd);
  for (int how = 0; how < 2; how++) {
    cold();
    fd = xopen("ra_holes", O_RDONLY);
    char *p = 0;
    if (how == 1 && (p = mmap(0, HOLE_SIZE, PROT_READ, MAP_SHARED, fd, 0)) == (char *)-1)
      fail("mmap: %s", strerror(errno));
    for (long off = 0; off < HOLE_SIZE; off += 1000) {
      int n = HOLE_SIZE - off < 1000 ? HOLE_SIZE - off : 1000;
      char *got = p ? p + off : buf;
      if (!p)
        xread(fd, buf, n);
      for (int i = 0; i < n; i++) {
        long o = off + i;
        char want = written(o) ? pat(3, o) : 0;
        if (got[i] != want)
          fail("%s: byte %ld is 0x%x, want 0x%x", p ? "mmap" : "read", o, got[i] & 0xff,
               want & 0xff);
      }
    }
    if (p)
      munmap(p, HOLE_SIZE);
    else
      expect_eq(read(fd, buf, 1), 0);
    close(fd);
  }
  expect_ok(unlink("ra_holes"));
}

#define RND_PAGES 400
#define RND_READS 30

static void
t_random(void)
{
  struct vmstat a, z;
  make_file("ra_rnd", 4, RND_PAGES * 4096L, 1);
  cold();
  int fd = xopen("ra_rnd", O_RDONLY);
  for (long pg = 0; pg < 32; pg++) {
    xread(fd, buf, 4096);
    check_bytes("read", buf, 4, pg * 4096, 4096, 0, 0);
  }
  tl_vmstat(&a);
  check(a.readahead_pages > 0, "no read-ahead");
  for (int i = 0; i < RND_READS; i++) {
    long pg = 150 + (i * 97) % 250;
    expect_eq(lseek(fd, pg * 4096, SEEK_SET), pg * 4096);
    xread(fd, buf, 4096);
    check_bytes("read", buf, 4, pg * 4096, 4096, 0, 0);
  }
  tl_vmstat(&z);
  close(fd);
  unsigned long ra = z.readahead_pages - a.readahead_pages;
  printf("random: %d scattered reads read %lu pages ahead\n", RND_READS, ra);
  check(ra <= 64, "%d scattered reads read %lu pages ahead: the window did not shrink",
        RND_READS, ra);
  expect_ok(unlink("ra_rnd"));
}

#define TR_PAGES 64
#define TR_GENS 12
#define TR_PASSES 16

// Page pg of generation gen: word w says (gen, its own index + 1).
static void
tr_fill(int gen, long pg)
{
  uint64 *w = (uint64 *)buf;
  for (int i = 0; i < 512; i++)
    w[i] = ((uint64)gen << 32) | (uint64)(pg * 512 + i + 1);
}

static void
tr_writer(void)
{
  for (int gen = 0; gen < TR_GENS; gen++) {
    int keep = gen % 2 ? (gen * 7) % TR_PAGES : 0;   // pages kept by ftruncate
    int fd = xopen("ra_tr", O_WRONLY | (keep ? 0 : O_TRUNC));
    if (keep)
      expect_ok(ftruncate(fd, keep * 4096L));
    for (long pg = keep; pg < TR_PAGES; pg++) {
      tr_fill(gen, pg);
      expect_eq(lseek(fd, pg * 4096, SEEK_SET), pg * 4096);
      xwrite(fd, buf, 4096);
    }
    close(fd);
  }
  exit(0);
}

static void
tr_reader(void)
{
  for (int pass = 0; pass < TR_PASSES; pass++) {
    int fd = xopen("ra_tr", O_RDONLY);
    long off = 0;
    int n;
    while ((n = read(fd, buf, 4096)) > 0) {
      uint64 *w = (uint64 *)buf;
      check(n % 8 == 0 && off % 8 == 0, "read %d bytes at %ld", n, off);
      for (int i = 0; i < n / 8; i++) {
        uint64 want = off / 8 + i + 1;
        if ((w[i] & 0xffffffff) != want || (w[i] >> 32) >= TR_GENS)
          fail("word at %ld is 0x%lx: gen %lu, index %lu (want %lu)", off + i * 8, w[i],
               w[i] >> 32, w[i] & 0xffffffff, want);
      }
      off += n;
    }
    check(n == 0, "read: %s", strerror(errno));
    close(fd);
  }
  exit(0);
}

static void
t_trunc(void)
{
  int fd = xopen("ra_tr", O_CREATE | O_TRUNC | O_WRONLY);
  for (long pg = 0; pg < TR_PAGES; pg++) {
    tr_fill(0, pg);
    xwrite(fd, buf, 4096);
  }
  close(fd);
  cold();
  int pids[3];
  for (int i = 0; i < 3; i++) {
    pids[i] = expect_ok(fork());
    if (pids[i] == 0) {
      if (i == 0)
        tr_writer();
      tr_reader();
    }
  }
  int bad = 0;
  for (int i = 0; i < 3; i++) {
    int st;
    expect_ok(wait(&st));
    bad += st != 0;
  }
  check(bad == 0, "%d of 3 processes failed", bad);
  expect_ok(unlink("ra_tr"));
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "seq", t_seq },
  { "mmapseq", t_mmapseq },
  { "holes", t_holes },
  { "random", t_random },
  { "trunc", t_trunc },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  int r = TL_RUN(tests, argc, argv);
  char name[16];
  for (int i = 0; i < NHOLD * HOLD; i++) {
    snprintf(name, sizeof name, "ra_hold%d", i);
    unlink(name);
  }
  exit(r);
}
