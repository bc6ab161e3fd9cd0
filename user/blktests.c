// blktests: the block layer (kernel/dev/virtio_disk.c, kernel/fs/bio.c,
// fs_readpage in kernel/fs/fs.c, file data in kernel/fs/data.c, the
// commit in kernel/fs/log.c).
//
// A disk request carries a run of consecutive blocks; a page-cache page is
// filled from the disk, one request per run of consecutive blocks, and
// file data go from the page cache to their home blocks before the commit
// that names them. These tests write files in every pattern, so that a
// page's blocks are consecutive on the disk or not, holes or not:
//
//   seq         4 KiB writes, then 3000-byte writes (block boundaries
//               anywhere), front to back
//   reverse     1 KiB writes from the last block to the first: each page's
//               blocks lie on the disk in descending order
//   sparse      1 KiB pieces here and there: whole pages, single blocks
//               and parts of blocks are holes
//   interleave  two processes at once, each writing every other block of
//               one shared file and all of a file of its own
//   mixed       a file gets one block of every page rewritten after its
//               first commit: overwrites in place, with no metadata
//   requests    vmstat counts requests and the blocks they carry: file
//               data are written once (not through the log) and in runs,
//               and reading a sequentially written file back takes fewer
//               requests than blocks
//
// write() leaves the data in the page cache, so reading them back in the
// same boot tests the cache, not the disk. So every test runs twice: in
// the first boot it writes its files, checks them (warm, through the page
// cache) and leaves them; the program runs again after a reboot
// (tests.txt: reboot; "blktests --after-reboot"), where nothing is cached,
// and checks every file from the disk: one copy through read() first,
// another through a mapping first, so that both paths fill pages from the
// disk, then each by the other method too.
#include "user/testlib.h"

#define FSZ (256 * KiB)        // each test file: more blocks than NBUF
#define NBLK (FSZ / BSIZE)

static char buf[8192];
static char want[8192];
static char written[2][NBLK];   // per file copy: which 1 KiB blocks hold data

// The byte at offset off of file pattern id: differs between blocks,
// between files, and from zero nearly everywhere.
static char
pat(int id, long off)
{
  unsigned long x = (unsigned long)off * 2654435761UL + id * 0x9e3779b9UL + (off >> 10) * 77;
  return (char)((x >> 11) | 1);
}

static void
fill(char *p, int id, long off, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = pat(id, off + i);
}

// Write n bytes of pattern id at off of fd.
static void
put(int fd, int id, long off, int n)
{
  if (lseek(fd, off, SEEK_SET) != off)
    fail("lseek %ld: %s", off, strerror(errno));
  fill(buf, id, off, n);
  xwrite(fd, buf, n);
}

// What the file should hold at [off, off+n): the pattern in blocks marked
// written, zeros elsewhere (holes, and the untouched rest of a block).
// The tests write whole blocks, except seq, which writes everything.
static void
expect(int id, char *mark, long off, int n)
{
  for (int i = 0; i < n; i++) {
    long o = off + i;
    want[i] = mark[o / BSIZE] ? pat(id, o) : 0;
  }
}

static void
compare(const char *how, const char *name, const char *got, long off, int n)
{
  for (int i = 0; i < n; i++)
    if (got[i] != want[i])
      fail("%s %s: byte %ld is 0x%x, want 0x%x", how, name, off + i,
           got[i] & 0xff, want[i] & 0xff);
}

// Read name back with read() in 3000-byte pieces (not aligned to anything).
static void
check_read(const char *name, int id, char *mark, long size)
{
  int fd = xopen(name, O_RDONLY);
  if (fsize(fd) != size)
    fail("%s: size %ld, want %ld", name, fsize(fd), size);
  for (long off = 0; off < size; off += 3000) {
    int n = size - off < 3000 ? size - off : 3000;
    xread(fd, buf, n);
    expect(id, mark, off, n);
    compare("read", name, buf, off, n);
  }
  if (read(fd, buf, 1) != 0)
    fail("%s: read past EOF returned data", name);
  close(fd);
}

// Read name back through a shared read-only mapping.
static void
check_mmap(const char *name, int id, char *mark, long size)
{
  int fd = xopen(name, O_RDONLY);
  char *p = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == (char *)-1)
    fail("mmap %s: %s", name, strerror(errno));
  for (long off = 0; off < size; off += sizeof(want)) {
    int n = size - off < (long)sizeof(want) ? size - off : (long)sizeof(want);
    expect(id, mark, off, n);
    compare("mmap", name, p + off, off, n);
  }
  munmap(p, size);
  close(fd);
}

// Read both copies back, by the two methods in both orders; then (after
// the reboot) remove them.
static void
check_both(const char *name0, const char *name1, int id, long size, int cold)
{
  check_read(name0, id, written[0], size);
  check_mmap(name1, id, written[1], size);
  check_mmap(name0, id, written[0], size);
  check_read(name1, id, written[1], size);
  if (cold) {
    expect_ok(unlink(name0));
    expect_ok(unlink(name1));
  }
}

static int after_reboot;   // the second run: check from the disk

static void
mark_all(int c, int v)
{
  memset(written[c], v, NBLK);
}

static void
t_seq(void)
{
  const char *name[2] = { "bt_seq0", "bt_seq1" };
  for (int c = 0; c < 2 && !after_reboot; c++) {
    int fd = xopen(name[c], O_CREATE | O_TRUNC | O_WRONLY);
    for (long off = 0; off < FSZ / 2; off += 4096)
      put(fd, 1, off, 4096);
    for (long off = FSZ / 2; off < FSZ; off += 3000)
      put(fd, 1, off, FSZ - off < 3000 ? FSZ - off : 3000);
    close(fd);
  }
  mark_all(0, 1);
  mark_all(1, 1);
  check_both(name[0], name[1], 1, FSZ, after_reboot);
}

static void
t_reverse(void)
{
  const char *name[2] = { "bt_rev0", "bt_rev1" };
  for (int c = 0; c < 2 && !after_reboot; c++) {
    int fd = xopen(name[c], O_CREATE | O_TRUNC | O_WRONLY);
    for (long b = NBLK - 1; b >= 0; b--)
      put(fd, 2, b * BSIZE, BSIZE);
    close(fd);
  }
  mark_all(0, 1);
  mark_all(1, 1);
  check_both(name[0], name[1], 2, FSZ, after_reboot);
}

static void
t_sparse(void)
{
  const char *name[2] = { "bt_sparse0", "bt_sparse1" };
  for (int c = 0; c < 2; c++) {
    mark_all(c, 0);
    // Every third page is a hole; of the others, blocks by a pattern that
    // gives pages with one, two, three or four blocks, in varying places.
    for (long b = 0; b < NBLK; b++) {
      long page = b / 4;
      if (page % 3 == 1)
        continue;
      if ((b * 7 + page) % 5 < 2 && b != NBLK - 1)
        continue;
      written[c][b] = 1;
    }
    written[c][NBLK - 1] = 1;   // the size is FSZ
    if (after_reboot)
      continue;
    // Write them in a scrambled order: odd blocks first, then even.
    int fd = xopen(name[c], O_CREATE | O_TRUNC | O_WRONLY);
    for (int odd = 1; odd >= 0; odd--)
      for (long b = odd; b < NBLK; b += 2)
        if (written[c][b])
          put(fd, 3, b * BSIZE, BSIZE);
    close(fd);
  }
  check_both(name[0], name[1], 3, FSZ, after_reboot);
}

// Child i of the interleave test: every other block of the shared file,
// alternating with the next block of its own file.
static void
interleaver(const char *shared, const char *own, int i)
{
  int fs = xopen(shared, O_WRONLY);
  int fo = xopen(own, O_CREATE | O_TRUNC | O_WRONLY);
  for (long b = i; b < NBLK; b += 2) {
    put(fs, 4, b * BSIZE, BSIZE);
    put(fo, 5 + i, (b / 2) * BSIZE, BSIZE);
    put(fo, 5 + i, (b / 2 + NBLK / 2) * BSIZE, BSIZE);
  }
  close(fs);
  close(fo);
  exit(0);
}

static void
t_interleave(void)
{
  const char *shared[2] = { "bt_il0", "bt_il1" };
  const char *own[2][2] = { { "bt_own00", "bt_own01" }, { "bt_own10", "bt_own11" } };
  for (int c = 0; c < 2 && !after_reboot; c++) {
    close(xopen(shared[c], O_CREATE | O_TRUNC | O_WRONLY));
    for (int i = 0; i < 2; i++)
      if (xfork() == 0)
        interleaver(shared[c], own[c][i], i);
    wait_all(0);
  }
  mark_all(0, 1);
  mark_all(1, 1);
  check_both(shared[0], shared[1], 4, FSZ, after_reboot);
  for (int i = 0; i < 2; i++)
    check_both(own[0][i], own[1][i], 5 + i, FSZ, after_reboot);
}

static void
t_mixed(void)
{
  const char *name[2] = { "bt_mixed0", "bt_mixed1" };
  for (int c = 0; c < 2 && !after_reboot; c++) {
    int fd = xopen(name[c], O_CREATE | O_TRUNC | O_WRONLY);
    for (long off = 0; off < FSZ; off += 4096)
      put(fd, 6, off, 4096);
    expect_ok(fsync(fd));   // committed: what follows overwrites in place
    close(fd);
  }
  // Overwrite the second block of every page with zeros (to the model, a
  // block not written).
  for (int c = 0; c < 2; c++) {
    mark_all(c, 1);
    int fd = after_reboot ? -1 : xopen(name[c], O_WRONLY);
    memset(buf, 0, BSIZE);
    for (long b = 1; b < NBLK; b += 4) {
      written[c][b] = 0;
      if (fd < 0)
        continue;
      if (lseek(fd, b * BSIZE, SEEK_SET) != b * BSIZE)
        fail("lseek: %s", strerror(errno));
      xwrite(fd, buf, BSIZE);
    }
    if (fd >= 0)
      close(fd);
  }
  check_both(name[0], name[1], 6, FSZ, after_reboot);
}

static void
t_requests(void)
{
  struct vmstat a, z;
  const char *name = "bt_req";

  mark_all(0, 1);
  if (!after_reboot) {
    expect_ok(vmstat(&a));
    int fd = xopen(name, O_CREATE | O_TRUNC | O_WRONLY);
    for (long off = 0; off < FSZ; off += 4096)
      put(fd, 7, off, 4096);
    expect_ok(fsync(fd));
    close(fd);
    expect_ok(vmstat(&z));
    unsigned long w = z.disk_writes - a.disk_writes;
    unsigned long wb = z.disk_write_blocks - a.disk_write_blocks;
    printf("requests: writing %ld KiB: %lu write requests for %lu blocks\n", FSZ / KiB, w, wb);
    check(wb >= NBLK && wb < NBLK + NBLK / 4,
          "%lu blocks written for %d data blocks (the data once, and a few metadata)", wb,
          (int)NBLK);
    check(w * 8 <= wb, "%lu write requests for %lu blocks", w, wb);
    check_read(name, 7, written[0], FSZ);
    return;
  }
  expect_ok(vmstat(&a));
  check_mmap(name, 7, written[0], FSZ);
  expect_ok(vmstat(&z));
  unsigned long r = z.disk_reads - a.disk_reads;
  unsigned long rb = z.disk_read_blocks - a.disk_read_blocks;
  printf("requests: mapping %ld KiB: %lu read requests for %lu blocks\n", FSZ / KiB, r, rb);
  check(rb >= NBLK / 2, "only %lu blocks read from the disk", rb);
  check(r * 2 <= rb, "%lu read requests for %lu blocks", r, rb);
  expect_ok(unlink(name));
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "seq", t_seq },
  { "reverse", t_reverse },
  { "sparse", t_sparse },
  { "interleave", t_interleave },
  { "mixed", t_mixed },
  { "requests", t_requests },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--after-reboot") == 0) {
    after_reboot = 1;
    exit(TL_RUN(tests, 1, argv));
  }
  exit(TL_RUN(tests, argc, argv));
}
