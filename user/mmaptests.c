// mmaptests: memory-mapped files and the page cache. mmap/munmap/mprotect/
// msync, MAP_SHARED vs MAP_PRIVATE, MAP_FIXED(_NOREPLACE), anonymous
// mappings, coherence between read()/write() and every mapping, write-back,
// ftruncate under a mapping (also under a process spinning on another hart),
// fork, bad arguments (each with its exact errno, and none of them may change
// the address space), the course's mmap-lab scenarios, and mwc.
//
//   mmaptests                 every subtest of tests[]
//   mmaptests NAME...         only these (from tests[] or extra[])
//   mmaptests --after-reboot  only persist_after_reboot: checks the file that
//                             the subtest "persist" wrote in the previous boot
//   mmaptests bigmap          (boot with mem=32M) map and write a 48 MiB file
//
// The subtests of extra[] never run by default: bigmap wants a machine with
// less memory than its file, persist_after_reboot wants a reboot after
// persist. See user/testlib.h for the runner and the leak check.
#include "user/testlib.h"

#define SEC 10000000UL                  // rdtime ticks per second (QEMU virt)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static char buf[64 * KiB];              // scratch (bss, not the one-page stack)
static char buf2[64 * KiB];
static char outbuf[4096];               // captured program output
static struct vmstat vs[8];             // vmstat snapshots
static struct vmregion regs[64];        // vmmap() results
static struct vmregion snapr[64];       // the address space before a bad call
static int nsnap;
static char *guard;                     // an anonymous mapping MAP_FIXED bad calls aim at

// ---------------------------------------------------------------- helpers

// The byte at offset off of pattern `seed`: not periodic in pages, so a
// page at the wrong offset shows.
static inline char
pat(long off, int seed)
{
  return (char)((off * 7 + (off >> 10) * 3 + seed * 29 + 1) & 0xff);
}

static const char *
errname(int e)
{
  return e == ENODEV ? "ENODEV" : tl_errname(e);
}


static void
pread_x(int fd, long off, void *dst, int n)
{
  if (lseek(fd, off, SEEK_SET) != off)
    fail("lseek(%d, %ld): %s", fd, off, strerror(errno));
  xread(fd, dst, n);
}

static void
pwrite_x(int fd, long off, const void *src, int n)
{
  if (lseek(fd, off, SEEK_SET) != off)
    fail("lseek(%d, %ld): %s", fd, off, strerror(errno));
  xwrite(fd, src, n);
}

// Create path holding `size` bytes of pattern `seed`; returns an O_RDWR fd.
static int
mkfile(const char *path, long size, int seed)
{
  int fd = xopen(path, O_CREATE | O_RDWR | O_TRUNC);
  for (long off = 0; off < size;) {
    long n = size - off;
    if (n > (long)sizeof(buf))
      n = sizeof(buf);
    for (long i = 0; i < n; i++)
      buf[i] = pat(off + i, seed);
    xwrite(fd, buf, n);
    off += n;
  }
  return fd;
}

// Check n bytes at p against the pattern at file offset off.
static void
check_pat(const char *what, const char *p, long off, long n, int seed)
{
  const volatile char *v = p;
  for (long i = 0; i < n; i++)
    if (v[i] != pat(off + i, seed))
      fail("%s: byte %ld (file offset %ld) is 0x%x, want 0x%x", what, i, off + i, v[i] & 0xff,
           pat(off + i, seed) & 0xff);
}

static void
check_zero(const char *what, const char *p, long n)
{
  const volatile char *v = p;
  for (long i = 0; i < n; i++)
    if (v[i] != 0)
      fail("%s: byte %ld is 0x%x, want 0", what, i, v[i] & 0xff);
}

// Check the file's bytes [off, off+n) with read().
static void
check_file(const char *what, int fd, long off, long n, int seed)
{
  for (long done = 0; done < n;) {
    long k = n - done;
    if (k > (long)sizeof(buf2))
      k = sizeof(buf2);
    pread_x(fd, off + done, buf2, k);
    for (long i = 0; i < k; i++)
      if (buf2[i] != pat(off + done + i, seed))
        fail("%s: read() of file offset %ld gives 0x%x, want 0x%x", what, off + done + i,
             buf2[i] & 0xff, pat(off + done + i, seed) & 0xff);
    done += k;
  }
}

static char *
xmmap(void *addr, long len, int prot, int flags, int fd, long off)
{
  errno = 0;
  char *p = mmap(addr, len, prot, flags, fd, off);
  if (p == MAP_FAILED)
    fail("mmap(%p, %ld, 0x%x, 0x%x, %d, %ld): %s", addr, len, prot, flags, fd, off,
         strerror(errno));
  if ((uint64)p % PGSIZE != 0 || (uint64)p < USERBASE || (uint64)p + PGROUNDUP(len) > USERTOP)
    fail("mmap(%p, %ld bytes) returned %p", addr, len, p);
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && p != (char *)addr)
    fail("mmap with MAP_FIXED at %p returned %p", addr, p);
  return p;
}

static void
xmunmap(void *p, long len)
{
  if (munmap(p, len) != 0)
    fail("munmap(%p, %ld): %s", p, len, strerror(errno));
}

// ---- the address space, through vmmap()

static int
getregs(struct vmregion *r)
{
  int n = vmmap(getpid(), r, 64);
  if (n < 0)
    fail("vmmap: %s", strerror(errno));
  if (n > 64)
    fail("vmmap: %d regions, more than the test expects", n);
  return n;
}

// The region holding va, copied to *out; 0 if va is not mapped.
static int
region_of(uint64 va, struct vmregion *out)
{
  int n = getregs(regs);
  for (int i = 0; i < n; i++)
    if (regs[i].start <= va && va < regs[i].end) {
      *out = regs[i];
      return 1;
    }
  return 0;
}

static int
mapped(uint64 va)
{
  struct vmregion r = { 0 };
  return region_of(va, &r);
}

// Does the region carry this file name (the last path element, or the path)?
static int
name_is(const struct vmregion *r, const char *base)
{
  char n[sizeof(r->name) + 1];
  memmove(n, r->name, sizeof(r->name));
  n[sizeof(r->name)] = 0;
  return strcmp(n, base) == 0 || (n[0] == '/' && strcmp(n + 1, base) == 0);
}

static void
snap(void)
{
  nsnap = getregs(snapr);
}

// The address space is what snap() saw (resident counts may differ).
static void
snap_same(const char *what)
{
  int n = getregs(regs);
  if (n != nsnap)
    fail("%s changed the address space: %d regions, were %d", what, n, nsnap);
  for (int i = 0; i < n; i++) {
    struct vmregion *a = &snapr[i], *b = &regs[i];
    if (a->start != b->start || a->end != b->end || a->prot != b->prot || a->ino != b->ino ||
        a->offset != b->offset)
      fail("%s changed region %d: now [%p, %p) prot 0x%x, was [%p, %p) prot 0x%x", what, i,
           (void *)b->start, (void *)b->end, b->prot, (void *)a->start, (void *)a->end, a->prot);
  }
}

// A bad call: -1 with exactly errno err, and the address space unchanged.
#define BAD(call, err) do {                                                 \
    snap();                                                                 \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    int _e = errno;                                                         \
    if (_r != -1 || _e != (err))                                            \
      fail("%s: got %ld errno %d (%s), want -1 %s", #call, _r, _e,          \
           strerror(_e), errname(err));                                     \
    snap_same(#call);                                                       \
  } while (0)

// The same where the issue fixes no exact error: any of three.
#define BAD3(call, e1, e2, e3) do {                                         \
    snap();                                                                 \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    int _e = errno;                                                         \
    if (_r != -1 || (_e != (e1) && _e != (e2) && _e != (e3)))               \
      fail("%s: got %ld errno %d (%s), want -1 %s/%s/%s", #call, _r, _e,    \
           strerror(_e), errname(e1), errname(e2), errname(e3));            \
    snap_same(#call);                                                       \
  } while (0)

// Four anonymous pages of 0x77 for MAP_FIXED bad calls to aim at: a bad
// call must not unmap them first.
static void
guard_make(void)
{
  guard = xmmap(0, 4 * PGSIZE, RW, ANON, -1, 0);
  memset(guard, 0x77, 4 * PGSIZE);
}

static void
guard_check(void)
{
  for (long i = 0; i < 4 * PGSIZE; i++)
    if (guard[i] != 0x77)
      fail("the mapping under failed MAP_FIXED calls changed: byte %ld is 0x%x", i, guard[i] & 0xff);
}

// An address where nothing is mapped (npages free pages from there).
static char *
free_addr(long npages)
{
  char *p = xmmap(0, npages * PGSIZE, RW, ANON, -1, 0);
  xmunmap(p, npages * PGSIZE);
  return p;
}

// Spin (no system calls) until *w == want; 0 after secs seconds.
static int
spin_until(volatile uint64 *w, uint64 want, int secs)
{
  uint64 t0 = rdtime();
  while (*w != want)
    if (rdtime() - t0 > (uint64)secs * SEC)
      return 0;
  return 1;
}

// Has the process exited (a zombie or gone)? vmmap() says ESRCH then.
static int
gone(int pid)
{
  errno = 0;
  int r = vmmap(pid, regs, 1);
  return r < 0 && errno == ESRCH;
}

// Run argv with its standard output in file `out`; returns the exit status.
static int
run_to_file(char **argv, const char *out)
{
  int pid = xfork();
  if (pid == 0) {
    close(1);
    int fd = open(out, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd != 1) {
      fprintf(2, "mmaptests: open %s as stdout gave fd %d: %s\n", out, fd, strerror(errno));
      exit(120);
    }
    exec(argv[0], argv);
    fprintf(2, "mmaptests: exec %s: %s\n", argv[0], strerror(errno));
    exit(121);
  }
  return wait_pid(pid);
}

// Read a small file into outbuf (NUL-terminated); returns its length.
static int
slurp(const char *path)
{
  int fd = xopen(path, O_RDONLY);
  int n = 0, r;
  while (n < (int)sizeof(outbuf) - 1 && (r = read(fd, outbuf + n, sizeof(outbuf) - 1 - n)) > 0)
    n += r;
  outbuf[n] = 0;
  close(fd);
  return n;
}

static int
contains(const char *hay, const char *needle)
{
  int n = strlen(needle);
  for (; *hay; hay++)
    if (strncmp(hay, needle, n) == 0)
      return 1;
  return 0;
}

// ---------------------------------------------------------------- lazy read-in

// Mapping reads nothing; a page is read on its first touch (fault_file),
// into the page cache; a fault maps cached neighbours too (fault-around),
// and a second mapping of the same pages uses the cache's frames (no new
// cache frames, no copies until a private store).
static void
t_lazy(void)
{
  struct vmregion r = { 0 };
  static char buf[PGSIZE];
  // Demand paging on a cold file: /README is in the image and nothing in
  // this boot has read it: mmap reads nothing, the first touch reads the
  // page in.
  int rd = xopen("/README", O_RDONLY);
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  tl_vmstat(&vs[0]);
  char *m = xmmap(0, PGSIZE, PROT_READ, MAP_SHARED, rd, 0);
  tl_vmstat(&vs[1]);
  char first = ((volatile char *)m)[0];
  tl_vmstat(&vs[2]);
  check(vs[1].fault_file == vs[0].fault_file, "mmap of a cold file read %lu pages at mmap time",
        vs[1].fault_file - vs[0].fault_file);
  check(vs[2].fault_file - vs[1].fault_file == 1, "first touch of a cold page: fault_file +%lu, want +1",
        vs[2].fault_file - vs[1].fault_file);
  check(read(rd, buf, 1) == 1 && buf[0] == first, "the mapping and read() disagree");
  xmunmap(m, PGSIZE);
  close(rd);

  // A fault maps the page and up to 15 cached neighbours (fault-around),
  // never the whole file at mmap time.
  int fd = mkfile("/mm_lazy", 64 * PGSIZE, 1);
  xmunmap(xmmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0), PGSIZE);   // warm up the code
  tl_vmstat(&vs[0]);
  tl_vmstat(&vs[0]);
  char *p = xmmap(0, 64 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check(region_of((uint64)p, &r) && r.resident == 0, "%u pages resident at mmap time", r.resident);
  volatile char *v = p;
  char c0 = v[3];
  tl_vmstat(&vs[1]);
  check(region_of((uint64)p, &r) && r.resident >= 1 && r.resident <= 16,
        "%u pages resident after one fault, want 1..16", r.resident);
  check(vs[1].fault_around - vs[0].fault_around == r.resident - 1,
        "fault_around +%lu, but %u neighbours are mapped", vs[1].fault_around - vs[0].fault_around,
        r.resident - 1);
  char c2 = v[40 * PGSIZE + 17];
  check(region_of((uint64)p, &r) && r.resident <= 32, "%u pages resident after two faults", r.resident);
  check(c0 == pat(3, 1) && c2 == pat(40 * PGSIZE + 17, 1), "wrong bytes through the mapping");
  check_pat("shared mapping", p, 0, 64 * PGSIZE, 1);

  // A private mapping: a load from a cached page maps it (no new frame);
  // a store copies it, and the copy shows only here.
  char *q = xmmap(0, 64 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  check(region_of((uint64)q, &r) && r.resident == 0, "private mapping: %u pages resident at once",
        r.resident);
  (void)((volatile char *)q)[PGSIZE];         // page 2's table exists from here on
  tl_vmstat(&vs[6]);
  char c1 = ((volatile char *)q)[2 * PGSIZE + 9];
  tl_vmstat(&vs[7]);
  check(vs[7].frames_pagecache == vs[6].frames_pagecache && vs[7].frames_free == vs[6].frames_free,
        "a load from a cached page through a private mapping took a frame (free %lu -> %lu, cache %lu -> %lu)",
        vs[6].frames_free, vs[7].frames_free, vs[6].frames_pagecache, vs[7].frames_pagecache);
  check(c1 == pat(2 * PGSIZE + 9, 1), "private mapping: wrong byte in page 2");
  q[2 * PGSIZE + 9] = ~c1;
  check(q[2 * PGSIZE + 9] == (char)~c1, "private store lost");
  check(p[2 * PGSIZE + 9] == c1, "a private store shows through the shared mapping");
  check_file("after a private store", fd, 0, 64 * PGSIZE, 1);
  xmunmap(q, 64 * PGSIZE);
  xmunmap(p, 64 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_lazy"), 0);
}

// ---------------------------------------------------------------- mmap-lab

// Private writes never reach the file; shared writes do (and are visible
// to read() at once); bytes past EOF in the last page read as zero and are
// never written back.
static void
t_privshared(void)
{
  long size = PGSIZE + PGSIZE / 2;
  int fd = mkfile("/mm_ps", size, 2);
  close(fd);
  fd = xopen("/mm_ps", O_RDWR);

  char *p = xmmap(0, 2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  check_pat("private mapping", p, 0, size, 2);
  check_zero("private mapping past EOF", p + size, 2 * PGSIZE - size);
  memset(p, 'P', 2 * PGSIZE);
  for (long i = 0; i < 2 * PGSIZE; i++)
    check(p[i] == 'P', "private mapping: byte %ld lost its store", i);
  xmunmap(p, 2 * PGSIZE);
  check_file("file after private stores", fd, 0, size, 2);
  check(fsize(fd) == size, "private stores changed the size to %ld", fsize(fd));

  p = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  check_pat("shared mapping", p, 0, size, 2);
  check_zero("shared mapping past EOF", p + size, 2 * PGSIZE - size);
  for (long i = 0; i < 2 * PGSIZE; i++)
    p[i] = 'S' ^ (i & 7);
  pread_x(fd, 0, buf2, size);
  for (long i = 0; i < size; i++)
    check(buf2[i] == ('S' ^ (i & 7)), "read() of byte %ld before munmap: 0x%x, want the store 0x%x", i,
          buf2[i] & 0xff, (int)('S' ^ (i & 7)));
  xmunmap(p, 2 * PGSIZE);
  close(fd);

  fd = xopen("/mm_ps", O_RDWR);
  check(fsize(fd) == size, "shared stores past EOF changed the size to %ld, want %ld", fsize(fd), size);
  pread_x(fd, 0, buf2, size);
  for (long i = 0; i < size; i++)
    check(buf2[i] == ('S' ^ (i & 7)), "file byte %ld after munmap: 0x%x, want 0x%x", i, buf2[i] & 0xff,
          (int)('S' ^ (i & 7)));
  // The stores past EOF never reached the file: growing it shows zeros.
  expect_eq(ftruncate(fd, 2 * PGSIZE), 0);
  pread_x(fd, size, buf2, 2 * PGSIZE - size);
  check_zero("file past the old EOF after growing (stores past EOF leaked in)", buf2, 2 * PGSIZE - size);
  // A new mapping sees all of it.
  p = xmmap(0, 2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  for (long i = 0; i < size; i++)
    check(p[i] == ('S' ^ (i & 7)), "new mapping: byte %ld is 0x%x", i, p[i] & 0xff);
  check_zero("new mapping past the old EOF", p + size, 2 * PGSIZE - size);
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_ps"), 0);
}

// A read-only fd: shared read-only mappings, private writable ones.
static void
t_readonly(void)
{
  int fd = mkfile("/mm_ro", 2 * PGSIZE, 3);
  close(fd);
  fd = xopen("/mm_ro", O_RDONLY);
  BAD(mmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0), EACCES);
  char *p = xmmap(0, 2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check_pat("read-only shared mapping", p, 0, 2 * PGSIZE, 3);
  expect_killed_at("store to a PROT_READ shared mapping", probe_store, (uint64)p + 10);
  BAD(mprotect(p, 2 * PGSIZE, RW), EACCES);
  expect_killed_at("store after the refused mprotect", probe_store, (uint64)p + PGSIZE);

  char *q = xmmap(0, 2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  for (long i = 0; i < 2 * PGSIZE; i += 3)
    q[i] = 'r';
  check_pat("shared view after private stores", p, 0, 2 * PGSIZE, 3);
  check_file("file after private stores", fd, 0, 2 * PGSIZE, 3);
  expect_eq(mprotect(q, 2 * PGSIZE, PROT_READ), 0);
  expect_killed_at("store to a private mapping made read-only", probe_store, (uint64)q + 3);
  expect_eq(mprotect(q, 2 * PGSIZE, RW), 0);
  q[4] = 'w';
  check(q[3] == 'r' && q[4] == 'w', "private mapping lost data across mprotect");

  // The mappings outlive the fd.
  close(fd);
  check_pat("after close(fd)", p, 0, 2 * PGSIZE, 3);
  xmunmap(p, 2 * PGSIZE);
  xmunmap(q, 2 * PGSIZE);

  // A write-only fd cannot be mapped at all (mappings read).
  fd = xopen("/mm_ro", O_WRONLY);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0), EACCES);
  BAD(mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0), EACCES);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0), EACCES);
  close(fd);
  expect_eq(unlink("/mm_ro"), 0);
}

// Past EOF: zeros in the last page, a kill for pages wholly past it.
static void
t_eof(void)
{
  long size = 2 * PGSIZE + 300;
  int fd = mkfile("/mm_eof", size, 4);
  char *p = xmmap(0, 5 * PGSIZE, RW, MAP_SHARED, fd, 0);
  check_pat("shared", p, 0, size, 4);
  check_zero("shared, past EOF in the last page", p + size, 3 * PGSIZE - size);
  expect_killed_at("load from a shared page wholly past EOF", probe_load, (uint64)p + 3 * PGSIZE);
  expect_killed_at("store to a shared page wholly past EOF", probe_store, (uint64)p + 4 * PGSIZE + 5);
  expect_killed_at("load from the last byte of the mapping", probe_load, (uint64)p + 5 * PGSIZE - 1);

  char *q = xmmap(0, 4 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  check_pat("private", q, 0, size, 4);
  check_zero("private, past EOF in the last page", q + size, 3 * PGSIZE - size);
  expect_killed_at("load from a private page wholly past EOF", probe_load, (uint64)q + 3 * PGSIZE);
  expect_killed_at("store to a private page wholly past EOF", probe_store, (uint64)q + 3 * PGSIZE + 8);

  // The kernel's own accesses fault the same way: EFAULT.
  int pp[2];
  expect_ok(pipe(pp));
  expect_err(write(pp[1], p + 3 * PGSIZE, 10), EFAULT);
  close(pp[0]);
  close(pp[1]);

  // An offset past EOF maps; touching it kills.
  char *r = xmmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 8 * PGSIZE);
  expect_killed_at("load from a mapping at an offset past EOF", probe_load, (uint64)r);

  // write() makes the file longer: the page past the old end becomes valid.
  pwrite_x(fd, 3 * PGSIZE, "grown", 5);
  check(fsize(fd) == 3 * PGSIZE + 5, "size %ld after the write", fsize(fd));
  check_zero("the gap between the old and the new EOF", p + size, 3 * PGSIZE - size);
  check(memcmp(p + 3 * PGSIZE, "grown", 5) == 0, "the mapping does not see a write() that grew the file");
  check_zero("past the new EOF", p + 3 * PGSIZE + 5, PGSIZE - 5);
  check(memcmp(q + 3 * PGSIZE, "grown", 5) == 0, "private mapping does not see a write() that grew the file");
  expect_killed_at("load from the page still wholly past EOF", probe_load, (uint64)p + 4 * PGSIZE);
  xmunmap(p, 5 * PGSIZE);
  xmunmap(q, 4 * PGSIZE);
  xmunmap(r, PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_eof"), 0);
}

// Partial munmap: the rest stays, the unmapped part kills, dirty pages
// are written back by munmap.
static void
t_partialunmap(void)
{
  struct vmregion r = { 0 };
  int fd = mkfile("/mm_pu", 3 * PGSIZE, 5);
  char *p = xmmap(0, 3 * PGSIZE, RW, MAP_SHARED, fd, 0);
  for (int i = 0; i < 3; i++)
    memset(p + i * PGSIZE, 'A' + i, PGSIZE);
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  xmunmap(p + PGSIZE, PGSIZE);
  tl_vmstat(&vs[1]);
  check(vs[1].writebacks - vs[0].writebacks >= 1, "munmap of a dirty shared page: writebacks +%lu",
        vs[1].writebacks - vs[0].writebacks);
  check(region_of((uint64)p, &r) && r.start == (uint64)p && r.end == (uint64)p + PGSIZE,
        "after unmapping the middle page the first part is [%p, %p)", (void *)r.start, (void *)r.end);
  check(region_of((uint64)p + 2 * PGSIZE, &r) && r.start == (uint64)p + 2 * PGSIZE &&
        r.end == (uint64)p + 3 * PGSIZE && r.offset == 2 * PGSIZE,
        "after unmapping the middle page the last part is [%p, %p) offset %lu", (void *)r.start,
        (void *)r.end, r.offset);
  check(!mapped((uint64)p + PGSIZE), "the unmapped page is still in vmmap");
  expect_killed_at("load from the unmapped middle page", probe_load, (uint64)p + PGSIZE);
  expect_killed_at("store to the unmapped middle page", probe_store, (uint64)p + 2 * PGSIZE - 1);
  for (int i = 0; i < 3; i += 2)
    for (long j = 0; j < PGSIZE; j++)
      check(p[i * PGSIZE + j] == 'A' + i, "page %d byte %ld changed", i, j);
  pread_x(fd, PGSIZE, buf2, PGSIZE);
  for (long j = 0; j < PGSIZE; j++)
    check(buf2[j] == 'B', "the unmapped page's stores are not in the file (byte %ld)", j);

  // The first page (as the lab does), then the rest with a range that
  // also covers unmapped pages.
  xmunmap(p, PGSIZE);
  expect_killed_at("load from the unmapped first page", probe_load, (uint64)p);
  check(p[2 * PGSIZE + 1] == 'C', "the last page after unmapping the first");
  xmunmap(p, 3 * PGSIZE);
  check(!mapped((uint64)p + 2 * PGSIZE), "munmap of the whole range left the last page");
  expect_killed_at("load from the unmapped last page", probe_load, (uint64)p + 2 * PGSIZE);
  pread_x(fd, 0, buf2, 3 * PGSIZE);
  for (long j = 0; j < 3 * PGSIZE; j++)
    check(buf2[j] == 'A' + j / PGSIZE, "file byte %ld is '%c' after munmap", j, buf2[j]);
  close(fd);
  expect_eq(unlink("/mm_pu"), 0);
}

// munmap of ranges over several mappings and holes; of nothing at all.
static void
t_munmap(void)
{
  struct vmregion r = { 0 };
  int fd = mkfile("/mm_mu", 4 * PGSIZE, 6);
  int n0 = getregs(regs);
  char *base = free_addr(10);
  xmmap(base, 2 * PGSIZE, RW, MAP_SHARED | MAP_FIXED, fd, 0);
  xmmap(base + 3 * PGSIZE, 3 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0);
  xmmap(base + 7 * PGSIZE, 2 * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 2 * PGSIZE);
  for (int i = 0; i < 10; i++)
    if (i != 2 && i != 6 && i != 9)
      (void)*(volatile char *)(base + i * PGSIZE);
  check(getregs(regs) == n0 + 3, "3 mappings: %d regions, want %d", getregs(regs), n0 + 3);

  expect_eq(munmap(base + PGSIZE, 7 * PGSIZE), 0);
  check(region_of((uint64)base, &r) && r.end == (uint64)base + PGSIZE, "first mapping now ends at %p",
        (void *)r.end);
  check(region_of((uint64)base + 8 * PGSIZE, &r) && r.start == (uint64)base + 8 * PGSIZE &&
        r.offset == 3 * PGSIZE, "last mapping now [%p, %p) offset %lu", (void *)r.start, (void *)r.end,
        r.offset);
  for (int i = 1; i < 8; i++)
    check(!mapped((uint64)base + i * PGSIZE), "page %d still mapped", i);
  expect_killed_at("load from the unmapped part of mapping 1", probe_load, (uint64)base + PGSIZE);
  expect_killed_at("load from mapping 2 (unmapped)", probe_load, (uint64)base + 4 * PGSIZE);
  expect_killed_at("load from the unmapped part of mapping 3", probe_load, (uint64)base + 7 * PGSIZE);
  check_pat("what is left of mapping 1", base, 0, PGSIZE, 6);
  check_pat("what is left of mapping 3", base + 8 * PGSIZE, 3 * PGSIZE, PGSIZE, 6);

  // Nothing mapped there (any more): 0.
  expect_eq(munmap(base + 2 * PGSIZE, 4 * PGSIZE), 0);
  expect_eq(munmap(base + PGSIZE, 7 * PGSIZE), 0);
  expect_eq(munmap(base, 10 * PGSIZE), 0);
  check(getregs(regs) == n0, "%d regions after unmapping everything, want %d", getregs(regs), n0);
  expect_eq(munmap(base, 10 * PGSIZE), 0);

  // A length that is not a page multiple covers its last page.
  char *p = xmmap(0, 2 * PGSIZE, RW, ANON, -1, 0);
  p[0] = 1;
  p[PGSIZE] = 2;
  expect_eq(munmap(p, 100), 0);
  check(!mapped((uint64)p) && mapped((uint64)p + PGSIZE), "munmap(p, 100) did not unmap exactly one page");
  xmunmap(p + PGSIZE, PGSIZE);

  // Errors.
  p = xmmap(0, 2 * PGSIZE, RW, ANON, -1, 0);
  BAD(munmap(p + 1, PGSIZE), EINVAL);
  BAD(munmap(p, 0), EINVAL);
  xmunmap(p, 2 * PGSIZE);

  // The reserved pages under MAXVA are not the process's to unmap.
  int pid = xfork();
  if (pid == 0) {
    int rr = munmap((void *)TRAPFRAME, 2 * PGSIZE);
    if (rr != 0 && !(rr == -1 && errno == EINVAL))
      fail("munmap(TRAPFRAME, 2 pages): %d errno %d", rr, errno);
    if (getpid() <= 0)
      exit(2);
    exit(0);
  }
  check(wait_pid(pid) == 0, "a process that munmapped TRAPFRAME/TRAMPOLINE broke");
  close(fd);
  expect_eq(unlink("/mm_mu"), 0);
}

// fork: shared mappings stay shared, private ones become copy-on-write.
static void
t_fork(void)
{
  // Page 2 holds the flags: only the shared mapping covers it (a clean
  // private page would see stores to the shared one: same frame).
  int fd = mkfile("/mm_fork", 3 * PGSIZE, 7);
  char *s = xmmap(0, 3 * PGSIZE, RW, MAP_SHARED, fd, 0);
  char *pv = xmmap(0, 2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  volatile uint64 *flag = (uint64 *)(s + 2 * PGSIZE + 64);
  pv[0] = 'p';                        // a private copy before fork
  (void)*(volatile char *)(pv + PGSIZE); // page 1 only read: still the cache's
  *flag = 0;
  flag[1] = 0;
  int pid = xfork();
  if (pid == 0) {
    check(pv[0] == 'p', "child: the parent's private copy is not inherited");
    check_pat("child: private page 1", pv + PGSIZE, PGSIZE, PGSIZE, 7);
    check_pat("child: shared page 0", s, 0, PGSIZE, 7);
    s[100] = 'c';
    pv[1] = 'c';
    pv[PGSIZE + 100] = 'c';
    if (!spin_until(flag, 1, 20))
      fail("child: the parent's store to the shared mapping never showed");
    check(pv[PGSIZE + 200] == pat(PGSIZE + 200, 7), "child sees the parent's private store");
    flag[1] = 2;
    exit(0);
  }
  pv[PGSIZE + 200] = 'P';
  *flag = 1;
  check(spin_until(&flag[1], 2, 20), "the child's store to the shared mapping never showed");
  check(wait_pid(pid) == 0, "child failed");
  check(s[100] == 'c', "the child's shared store is not in the parent");
  check(pv[1] == pat(1, 7) && pv[0] == 'p', "the child's private store shows in the parent");
  check(pv[PGSIZE + 100] == pat(PGSIZE + 100, 7), "the child's private store to page 1 shows in the parent");
  check(pv[PGSIZE + 200] == 'P', "the parent's private store was lost");
  pread_x(fd, 0, buf2, 2 * PGSIZE);
  check(buf2[100] == 'c', "the child's shared store is not in the file");
  check(buf2[0] == pat(0, 7) && buf2[1] == pat(1, 7) && buf2[PGSIZE + 100] == pat(PGSIZE + 100, 7) &&
        buf2[PGSIZE + 200] == pat(PGSIZE + 200, 7), "private stores reached the file");

  // A child that unmaps its copies leaves the parent's alone.
  pid = xfork();
  if (pid == 0) {
    xmunmap(s, 3 * PGSIZE);
    xmunmap(pv, 2 * PGSIZE);
    exit(0);
  }
  check(wait_pid(pid) == 0, "unmapping child failed");
  check(s[100] == 'c' && pv[0] == 'p', "the parent lost its mappings when the child unmapped them");
  xmunmap(s, 3 * PGSIZE);
  xmunmap(pv, 2 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_fork"), 0);
}

// Two files mapped at once, both closed and unlinked while mapped.
static void
t_twofiles(void)
{
  int fd1 = mkfile("/mm_f1", PGSIZE + 1000, 8);
  int fd2 = mkfile("/mm_f2", 3 * PGSIZE, 9);
  char *p1 = xmmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd1, 0);
  char *p2 = xmmap(0, 3 * PGSIZE, RW, MAP_SHARED, fd2, 0);
  close(fd1);
  close(fd2);
  expect_eq(unlink("/mm_f1"), 0);
  expect_eq(unlink("/mm_f2"), 0);
  expect_err(open("/mm_f1", O_RDONLY), ENOENT);
  // Untouched until now: read in from files that no longer have a name.
  check_pat("file 1", p1, 0, PGSIZE + 1000, 8);
  check_zero("file 1 past EOF", p1 + PGSIZE + 1000, PGSIZE - 1000);
  check_pat("file 2", p2, 0, 3 * PGSIZE, 9);
  memset(p2 + PGSIZE, 'u', PGSIZE);
  expect_eq(msync(p2, 3 * PGSIZE, MS_SYNC), 0);
  check(p2[PGSIZE + 5] == 'u', "store to an unlinked file lost");
  xmunmap(p1, 2 * PGSIZE);
  xmunmap(p2, 3 * PGSIZE);
}

// ---------------------------------------------------------------- persist

#define PERSIST_PAGES 3
#define PERSIST_SEED 42
#define PERSIST_RD_PAGES 64

// Write persist.dat through a shared mapping, msync(MS_SYNC), munmap.
// persist_after_reboot checks it in the next boot.
static void
t_persist(void)
{
  int fd = xopen("/persist.dat", O_CREATE | O_RDWR | O_TRUNC);
  expect_eq(ftruncate(fd, PERSIST_PAGES * PGSIZE), 0);
  char *p = xmmap(0, PERSIST_PAGES * PGSIZE, RW, MAP_SHARED, fd, 0);
  for (long i = 0; i < PERSIST_PAGES * PGSIZE; i++)
    p[i] = pat(i, PERSIST_SEED);
  expect_eq(msync(p, PERSIST_PAGES * PGSIZE, MS_SYNC), 0);
  xmunmap(p, PERSIST_PAGES * PGSIZE);
  check(fsize(fd) == PERSIST_PAGES * PGSIZE, "persist.dat is %ld bytes", fsize(fd));
  check_file("persist.dat", fd, 0, PERSIST_PAGES * PGSIZE, PERSIST_SEED);
  close(fd);

  // persist_rd.dat: its pages are written by read() into a shared
  // mapping while a child write-protects and cleans them with msync
  // over and over, on another hart. The kernel copies through its own
  // map of RAM (kernel/mm/uaccess.c:user_copy): it must still honour the
  // write right of the user PTE, so that a copy into a page write-back
  // has cleaned goes through the fault path and marks it dirty again.
  // Otherwise the new data sits in a clean page, never written, and the
  // disk keeps the old pattern (persist_after_reboot reads it; a kernel
  // that copied into any mapped page failed there). It holds the PTE
  // still across the copy, too: a copy split by a write-back would lose
  // its second half the same way (a narrow window this rarely hits).
  fd = mkfile("/persist_rd.dat", PERSIST_RD_PAGES * PGSIZE, PERSIST_SEED + 1);
  int src = mkfile("/persist_rd.src", PERSIST_RD_PAGES * PGSIZE, PERSIST_SEED + 2);
  p = xmmap(0, PERSIST_RD_PAGES * PGSIZE, RW, MAP_SHARED, fd, 0);
  int pid = fork();
  if (pid == 0) {
    for (;;)
      msync(p, PERSIST_RD_PAGES * PGSIZE, MS_SYNC);
  }
  check(pid > 0, "fork: %s", strerror(errno));
  for (int pg = 0; pg < PERSIST_RD_PAGES; pg++)
    pread_x(src, pg * PGSIZE, p + pg * PGSIZE, PGSIZE);
  kill(pid);
  wait_pid(pid);
  xmunmap(p, PERSIST_RD_PAGES * PGSIZE);
  check_file("persist_rd.dat", fd, 0, PERSIST_RD_PAGES * PGSIZE, PERSIST_SEED + 2);
  close(fd);
  close(src);
  expect_eq(unlink("/persist_rd.src"), 0);
}

static void
t_persist_after_reboot(void)
{
  int fd = open("/persist.dat", O_RDONLY);
  check(fd >= 0, "open /persist.dat: %s (did \"persist\" run in the previous boot?)", strerror(errno));
  check(fsize(fd) == PERSIST_PAGES * PGSIZE, "persist.dat is %ld bytes after the reboot, want %d",
        fsize(fd), PERSIST_PAGES * PGSIZE);
  check_file("persist.dat after the reboot", fd, 0, PERSIST_PAGES * PGSIZE, PERSIST_SEED);
  char *p = xmmap(0, PERSIST_PAGES * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check_pat("persist.dat mapped after the reboot", p, 0, PERSIST_PAGES * PGSIZE, PERSIST_SEED);
  xmunmap(p, PERSIST_PAGES * PGSIZE);
  close(fd);
  expect_eq(unlink("/persist.dat"), 0);
  fd = open("/persist_rd.dat", O_RDONLY);
  check(fd >= 0, "open /persist_rd.dat: %s", strerror(errno));
  check_file("persist_rd.dat after the reboot", fd, 0, PERSIST_RD_PAGES * PGSIZE, PERSIST_SEED + 2);
  close(fd);
  expect_eq(unlink("/persist_rd.dat"), 0);
}

// ---------------------------------------------------------------- anonymous

static void
t_anon(void)
{
  struct vmregion r = { 0 };
  char *p = xmmap(0, 16 * PGSIZE, RW, ANON, -1, 0);
  check(region_of((uint64)p, &r), "no region for the anonymous mapping");
  check(r.resident == 0 && r.ino == 0 && (r.prot & (VMR_READ | VMR_WRITE | VMR_EXEC | VMR_SHARED)) ==
        (VMR_READ | VMR_WRITE), "anonymous private region: resident %u ino %u prot 0x%x", r.resident,
        r.ino, r.prot);
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  tl_vmstat(&vs[0]);
  ((volatile char *)p)[7 * PGSIZE] = 1;
  ((volatile char *)p)[9 * PGSIZE + 5] = 2;
  tl_vmstat(&vs[1]);
  check(vs[1].fault_zero - vs[0].fault_zero == 2, "2 stores to fresh anonymous pages: fault_zero +%lu",
        vs[1].fault_zero - vs[0].fault_zero);
  check(p[7 * PGSIZE] == 1 && p[9 * PGSIZE + 5] == 2, "anonymous stores lost");
  p[7 * PGSIZE] = 0;
  p[9 * PGSIZE + 5] = 0;
  check_zero("fresh anonymous memory", p, 16 * PGSIZE);
  memset(p, 0xab, 16 * PGSIZE);
  int pid = xfork();
  if (pid == 0) {
    for (long i = 0; i < 16 * PGSIZE; i += 97)
      if ((p[i] & 0xff) != 0xab)
        fail("child: inherited anonymous byte %ld is 0x%x", i, p[i] & 0xff);
    p[0] = 1;
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  check((p[0] & 0xff) == 0xab, "a child's store to private anonymous memory shows in the parent");

  // Shared anonymous memory is shared with children.
  char *s = xmmap(0, 4 * PGSIZE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  check(region_of((uint64)s, &r) && (r.prot & VMR_SHARED) && r.ino == 0,
        "shared anonymous region: prot 0x%x ino %u", r.prot, r.ino);
  check_zero("fresh shared anonymous memory", s, 4 * PGSIZE);
  volatile uint64 *w = (uint64 *)(s + 2 * PGSIZE);
  s[100] = 's';
  pid = xfork();
  if (pid == 0) {
    check(s[100] == 's', "child: shared anonymous byte not inherited");
    s[PGSIZE + 5] = 'c';
    if (!spin_until(&w[0], 7, 20))
      fail("child: the parent's store never showed");
    w[1] = 8;
    exit(0);
  }
  w[0] = 7;
  check(spin_until(&w[1], 8, 20), "the child's store to shared anonymous memory never showed");
  check(wait_pid(pid) == 0, "child failed");
  check(s[PGSIZE + 5] == 'c', "the child's store is not in the parent");

  // PROT_NONE: no access until mprotect.
  char *n = xmmap(0, 2 * PGSIZE, PROT_NONE, ANON, -1, 0);
  expect_killed_at("load from PROT_NONE", probe_load, (uint64)n);
  expect_killed_at("store to PROT_NONE", probe_store, (uint64)n + PGSIZE);
  expect_eq(mprotect(n, 2 * PGSIZE, PROT_READ), 0);
  check_zero("PROT_NONE memory made readable", n, 2 * PGSIZE);
  expect_killed_at("store to it", probe_store, (uint64)n + 5);
  xmunmap(p, 16 * PGSIZE);
  xmunmap(s, 4 * PGSIZE);
  xmunmap(n, 2 * PGSIZE);
}

// ---------------------------------------------------------------- placement

// MAP_FIXED replaces what was there; the hint is used when free.
static void
t_fixed(void)
{
  struct vmregion r = { 0 };
  int fd = mkfile("/mm_fix", 4 * PGSIZE, 10);

  // The top page of user space can be mapped.
  if (!mapped(USERTOP - PGSIZE)) {
    char *t = xmmap((void *)(USERTOP - PGSIZE), PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
    t[PGSIZE - 1] = 't';
    check(t[PGSIZE - 1] == 't', "the top page");
    xmunmap(t, PGSIZE);
  }

  char *a = xmmap(0, 8 * PGSIZE, RW, ANON, -1, 0);
  memset(a, 0x11, 8 * PGSIZE);
  int n0 = getregs(regs);
  char *f = xmmap(a + 2 * PGSIZE, 2 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, PGSIZE);
  check_pat("MAP_FIXED file mapping", f, PGSIZE, 2 * PGSIZE, 10);
  for (long i = 0; i < 8 * PGSIZE; i++)
    if (i < 2 * PGSIZE || i >= 4 * PGSIZE)
      check(a[i] == 0x11, "MAP_FIXED changed byte %ld outside its range", i);
  check(getregs(regs) == n0 + 2, "MAP_FIXED in the middle: %d regions, want %d", getregs(regs), n0 + 2);
  check(region_of((uint64)f, &r) && r.start == (uint64)f && r.end == (uint64)f + 2 * PGSIZE &&
        r.offset == PGSIZE, "MAP_FIXED region [%p, %p) offset %lu", (void *)r.start, (void *)r.end,
        r.offset);

  // Again over the file mapping and the anonymous one.
  char *g = xmmap(a + 3 * PGSIZE, 2 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0);
  check_zero("MAP_FIXED anonymous over older mappings", g, 2 * PGSIZE);
  check_pat("what is left of the file mapping", f, PGSIZE, PGSIZE, 10);
  check(a[5 * PGSIZE] == 0x11, "page 5 changed");
  xmunmap(a, 8 * PGSIZE);

  // A free hint is used as given; a hint on a mapping is not (and leaves it alone).
  char *h = xmmap(a + PGSIZE, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check(h == a + PGSIZE, "hint %p (free) gave %p", a + PGSIZE, h);
  char *k = xmmap(a + PGSIZE, 2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 2 * PGSIZE);
  check(k + 2 * PGSIZE <= h || k >= h + PGSIZE, "hint on a mapping: new mapping %p overlaps it", k);
  check_pat("the mapping at the hint", h, 0, PGSIZE, 10);
  check_pat("the mapping placed elsewhere", k, 2 * PGSIZE, 2 * PGSIZE, 10);
  // An unaligned hint, a hint in the kernel half: any good address.
  char *m = xmmap(a + 5 * PGSIZE + 123, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  char *kh = xmmap((void *)KVA_OFFSET, PGSIZE, PROT_READ, MAP_SHARED, fd, PGSIZE);
  char *kt = xmmap((void *)(USERTOP - PGSIZE), 4 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  check_pat("unaligned hint", m, 0, PGSIZE, 10);
  check_pat("hint in the kernel half", kh, PGSIZE, PGSIZE, 10);
  check_pat("hint that does not fit under USERTOP", kt, 0, 4 * PGSIZE, 10);
  xmunmap(h, PGSIZE);
  xmunmap(k, 2 * PGSIZE);
  xmunmap(m, PGSIZE);
  xmunmap(kh, PGSIZE);
  xmunmap(kt, 4 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_fix"), 0);
}

// MAP_FIXED_NOREPLACE: EEXIST over anything mapped, else exactly there.
static void
t_noreplace(void)
{
  int fd = mkfile("/mm_nr", 4 * PGSIZE, 11);
  char *a = xmmap(0, 8 * PGSIZE, RW, ANON, -1, 0);
  xmunmap(a + 4 * PGSIZE, 4 * PGSIZE);
  memset(a, 0x55, 4 * PGSIZE);
  BAD(mmap(a, 4 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0), EEXIST);
  BAD(mmap(a + 3 * PGSIZE, 2 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0), EEXIST);
  BAD(mmap(a + PGSIZE, PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
  BAD(mmap(a + PGSIZE, PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE | MAP_FIXED, -1, 0), EEXIST);
  for (long i = 0; i < 4 * PGSIZE; i++)
    check(a[i] == 0x55, "a refused MAP_FIXED_NOREPLACE changed byte %ld", i);
  char *b = xmmap(a + 4 * PGSIZE, 4 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  check_pat("MAP_FIXED_NOREPLACE in free space", b, 0, 4 * PGSIZE, 11);
  BAD(mmap(a + 2 * PGSIZE, 4 * PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
  // MAP_FIXED does replace both.
  char *c = xmmap(a + 2 * PGSIZE, 4 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0);
  check_zero("MAP_FIXED over two mappings", c, 4 * PGSIZE);
  check(a[2 * PGSIZE - 1] == 0x55, "MAP_FIXED changed the page below its range");
  check_pat("the file page above the MAP_FIXED range", a + 6 * PGSIZE, 2 * PGSIZE, 2 * PGSIZE, 11);
  xmunmap(a, 8 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_nr"), 0);
}

// ---------------------------------------------------------------- rights

static void
t_mprotect(void)
{
  int fd = mkfile("/mm_mp", 4 * PGSIZE, 12);
  char *p = xmmap(0, 4 * PGSIZE, RW, MAP_SHARED, fd, 0);
  for (int i = 0; i < 4; i++)
    p[i * PGSIZE] = 'w';
  int n0 = getregs(regs);
  expect_eq(mprotect(p + PGSIZE, 2 * PGSIZE, PROT_READ), 0);
  check(getregs(regs) == n0 + 2, "mprotect of the middle: %d regions, want %d", getregs(regs), n0 + 2);
  expect_killed_at("store to a page made read-only", probe_store, (uint64)p + PGSIZE);
  expect_killed_at("store to the other page made read-only", probe_store, (uint64)p + 2 * PGSIZE + 5);
  expect_alive_at("load from a page made read-only", probe_load, (uint64)p + PGSIZE);
  expect_alive_at("store below the range", probe_loadstore, (uint64)p + PGSIZE - 1);
  expect_alive_at("store above the range", probe_loadstore, (uint64)p + 3 * PGSIZE);
  expect_eq(mprotect(p + PGSIZE, PGSIZE, PROT_NONE), 0);
  expect_killed_at("load from a page made PROT_NONE", probe_load, (uint64)p + PGSIZE);
  expect_alive_at("load from its read-only neighbour", probe_load, (uint64)p + 2 * PGSIZE);
  expect_eq(mprotect(p, 4 * PGSIZE, RW), 0);
  for (int i = 0; i < 4; i++)
    check(p[i * PGSIZE] == 'w', "page %d lost its data across mprotect", i);
  // A store after read-only -> read-write is written back like any other.
  memset(vs, 0, sizeof(vs));
  expect_eq(msync(p, 4 * PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[0]);
  p[2 * PGSIZE + 1] = 'z';
  expect_eq(msync(p, 4 * PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[1]);
  check(vs[1].writebacks - vs[0].writebacks == 1,
        "store after mprotect(READ) then mprotect(READ|WRITE): msync wrote back %lu pages, want 1",
        vs[1].writebacks - vs[0].writebacks);
  char c;
  pread_x(fd, 2 * PGSIZE + 1, &c, 1);
  check(c == 'z', "read() does not see a store made after mprotect");
  expect_eq(mprotect(p, PGSIZE, PROT_READ | PROT_EXEC), 0);
  expect_killed_at("store to a page made R+X", probe_store, (uint64)p + 8);

  // Private anonymous memory keeps its data through PROT_NONE.
  char *a = xmmap(0, 2 * PGSIZE, RW, ANON, -1, 0);
  memset(a, 'a', 2 * PGSIZE);
  expect_eq(mprotect(a, 2 * PGSIZE, PROT_NONE), 0);
  expect_killed_at("load from anonymous memory made PROT_NONE", probe_load, (uint64)a + 7);
  expect_eq(mprotect(a, 2 * PGSIZE, RW), 0);
  for (long i = 0; i < 2 * PGSIZE; i++)
    check(a[i] == 'a', "anonymous byte %ld lost across PROT_NONE", i);
  // A length that is not a page multiple covers its last page.
  expect_eq(mprotect(a, 100, PROT_READ), 0);
  expect_killed_at("store to the page of mprotect(a, 100)", probe_store, (uint64)a + PGSIZE - 1);
  expect_alive_at("store to the next page", probe_loadstore, (uint64)a + PGSIZE);
  xmunmap(a, 2 * PGSIZE);
  xmunmap(p, 4 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_mp"), 0);
}

// PROT_EXEC: code in a file runs from a mapping; without PROT_EXEC it doesn't.
static const uint32 code42[2] = { 0x02a00513, 0x00008067 };   // li a0, 42; ret

static void
t_exec(void)
{
  struct vmregion r = { 0 };
  int fd = xopen("/mm_code", O_CREATE | O_RDWR | O_TRUNC);
  memset(buf, 0, 2 * PGSIZE);
  memmove(buf, code42, sizeof(code42));
  memmove(buf + PGSIZE + 16, code42, sizeof(code42));
  xwrite(fd, buf, 2 * PGSIZE);
  char *x = xmmap(0, 2 * PGSIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  check(region_of((uint64)x, &r) && (r.prot & VMR_EXEC) && !(r.prot & VMR_WRITE),
        "R+X mapping has prot 0x%x", r.prot);
  int (*f)(void) = (int (*)(void))(uint64)x;
  check(f() == 42, "code at the start of an R+X mapping");
  f = (int (*)(void))(uint64)(x + PGSIZE + 16);
  check(f() == 42, "code in the second page of an R+X mapping");
  char *s = xmmap(0, PGSIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
  f = (int (*)(void))(uint64)s;
  check(f() == 42, "code in a shared R+X mapping");
  char *nx = xmmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  expect_killed_at("jump to a mapping without PROT_EXEC", probe_exec, (uint64)nx);
  expect_eq(mprotect(nx, PGSIZE, PROT_READ | PROT_EXEC), 0);
  expect_alive_at("call into it after mprotect(R+X)", probe_exec, (uint64)nx);
  char *w = xmmap(0, PGSIZE, RW, MAP_PRIVATE, fd, 0);
  expect_killed_at("jump to an RW mapping", probe_exec, (uint64)w);
  xmunmap(x, 2 * PGSIZE);
  xmunmap(s, PGSIZE);
  xmunmap(nx, PGSIZE);
  xmunmap(w, PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_code"), 0);
}

// ---------------------------------------------------------------- coherence

// write() is visible at once through every mapping; a store through a
// shared mapping at once to read() and every other mapping.
static void
t_coherence(void)
{
  char c;
  int fd = mkfile("/mm_coh", 3 * PGSIZE, 13);
  char *s = xmmap(0, 4 * PGSIZE, RW, MAP_SHARED, fd, 0);
  char *s2 = xmmap(0, 3 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  char *pv = xmmap(0, 3 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  check_pat("shared", s, 0, 3 * PGSIZE, 13);
  check_pat("second shared", s2, 0, 3 * PGSIZE, 13);
  check_pat("private", pv, 0, 3 * PGSIZE, 13);

  pwrite_x(fd, PGSIZE + 10, "hello", 5);
  check(memcmp(s + PGSIZE + 10, "hello", 5) == 0, "a shared mapping does not see write()");
  check(memcmp(s2 + PGSIZE + 10, "hello", 5) == 0, "a read-only shared mapping does not see write()");
  check(memcmp(pv + PGSIZE + 10, "hello", 5) == 0, "a private mapping (page never stored to) does not see write()");

  s[2 * PGSIZE + 7] = 'Q';
  check(s2[2 * PGSIZE + 7] == 'Q', "a store is not visible through the other shared mapping");
  check(pv[2 * PGSIZE + 7] == 'Q', "a store is not visible through a private mapping of the page");
  pread_x(fd, 2 * PGSIZE + 7, &c, 1);
  check(c == 'Q', "read() does not see a store through a shared mapping");

  // A private store makes the page private: later write()s don't show.
  pv[PGSIZE] = 'x';
  pwrite_x(fd, PGSIZE + 10, "world", 5);
  check(memcmp(s + PGSIZE + 10, "world", 5) == 0, "the shared mapping does not see the second write()");
  check(memcmp(pv + PGSIZE + 10, "hello", 5) == 0 && pv[PGSIZE] == 'x',
        "a privately copied page changed with write()");
  pread_x(fd, PGSIZE, &c, 1);
  check(c == pat(PGSIZE, 13), "a private store reached the file");

  // A write() that grows the file: the page past the old end is valid now.
  pwrite_x(fd, 3 * PGSIZE, "tail", 4);
  check(memcmp(s + 3 * PGSIZE, "tail", 4) == 0, "the mapping does not see a write() past the old end");
  check_zero("rest of the new last page", s + 3 * PGSIZE + 4, PGSIZE - 4);
  xmunmap(s, 4 * PGSIZE);
  xmunmap(s2, 3 * PGSIZE);
  xmunmap(pv, 3 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_coh"), 0);
}

// One copy of a file page: mappings use the page cache's frames.
static void
t_pagecache(void)
{
  struct vmregion r = { 0 };
  const long n = 32;
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = mkfile("/mm_pc", n * PGSIZE, 14);
  char *p = xmmap(0, n * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check_pat("shared", p, 0, n * PGSIZE, 14);
  tl_vmstat(&vs[1]);
  // Written by write() and touched through a mapping: cached either way.
  check((long)vs[1].frames_pagecache - (long)vs[0].frames_pagecache >= n,
        "a %ld-page file, written and mapped: frames_pagecache +%ld", n,
        (long)vs[1].frames_pagecache - (long)vs[0].frames_pagecache);
  char *q = xmmap(0, n * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  tl_vmstat(&vs[2]);
  check_pat("private", q, 0, n * PGSIZE, 14);
  tl_vmstat(&vs[3]);
  check(vs[3].frames_pagecache == vs[2].frames_pagecache, "mapping %ld cached pages again: frames_pagecache %lu -> %lu",
        n, vs[2].frames_pagecache, vs[3].frames_pagecache);
  check((long)vs[2].frames_free - (long)vs[3].frames_free <= 8,
        "loads from %ld cached pages through a private mapping took %ld frames: copies?", n,
        (long)vs[2].frames_free - (long)vs[3].frames_free);

  // Another process maps the same frames.
  int ctl[2];
  char c;
  expect_ok(pipe(ctl));
  int pid = xfork();
  if (pid == 0) {
    close(ctl[1]);
    char *m = xmmap(0, n * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
    check_pat("child", m, 0, n * PGSIZE, 14);
    read(ctl[0], &c, 1);       // until the parent has looked
    exit(0);
  }
  close(ctl[0]);
  // Wait for the child's mapping to be all resident.
  int found = 0;
  for (int t = 0; t < 100 && !found; t++) {
    int k = vmmap(pid, regs, 64);
    for (int i = 0; i < k && i < 64; i++)
      if (regs[i].end - regs[i].start == (uint64)n * PGSIZE && (regs[i].prot & VMR_SHARED) &&
          regs[i].resident == n) {
        found = 1;
        r = regs[i];
      }
    if (!found)
      sleep(1);
  }
  check(found, "the child's mapping never showed %ld resident pages in vmmap", n);
  check(r.shared == n, "the child's mapping: %u of %ld pages counted as shared with another space", r.shared, n);
  write(ctl[1], "x", 1);
  close(ctl[1]);
  check(wait_pid(pid) == 0, "child failed");

  // Private stores copy.
  tl_vmstat(&vs[4]);
  for (long i = 0; i < 8; i++)
    q[i * PGSIZE] = 'c';
  tl_vmstat(&vs[5]);
  check((long)vs[4].frames_free - (long)vs[5].frames_free >= 8, "8 private stores took %ld frames, want 8 copies",
        (long)vs[4].frames_free - (long)vs[5].frames_free);
  check(vs[5].frames_pagecache == vs[4].frames_pagecache, "private copies changed frames_pagecache");
  xmunmap(p, n * PGSIZE);
  xmunmap(q, n * PGSIZE);
  close(fd);
  // Unlinked and unused: the cache lets go of its pages.
  expect_eq(unlink("/mm_pc"), 0);
  tl_vmstat(&vs[6]);
  check((long)vs[5].frames_pagecache - (long)vs[6].frames_pagecache >= n,
        "removing a %ld-page file freed %ld page-cache frames", n,
        (long)vs[5].frames_pagecache - (long)vs[6].frames_pagecache);
}

// ---------------------------------------------------------------- write-back

static void
t_msync(void)
{
  long size = 4 * PGSIZE + 100;
  int fd = mkfile("/mm_sync", size, 15);
  char *p = xmmap(0, 5 * PGSIZE, RW, MAP_SHARED, fd, 0);
  memset(vs, 0, sizeof(vs));
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC), 0);  // whatever write() left dirty
  check_pat("shared", p, 0, size, 15);          // loads only
  tl_vmstat(&vs[0]);
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[1]);
  check(vs[1].writebacks == vs[0].writebacks, "msync after loads only wrote back %lu pages",
        vs[1].writebacks - vs[0].writebacks);

  p[10] = 'a';
  p[2 * PGSIZE + 10] = 'b';
  p[4 * PGSIZE + 10] = 'c';                     // the partial last page
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[2]);
  check(vs[2].writebacks - vs[1].writebacks == 3, "msync of 3 dirty pages wrote back %lu",
        vs[2].writebacks - vs[1].writebacks);
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[3]);
  check(vs[3].writebacks == vs[2].writebacks, "msync of clean pages wrote back %lu",
        vs[3].writebacks - vs[2].writebacks);

  p[PGSIZE + 1] = 'd';
  expect_eq(msync(p, 5 * PGSIZE, MS_ASYNC), 0);
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC), 0);
  expect_eq(msync(p, 5 * PGSIZE, MS_SYNC | MS_INVALIDATE), 0);
  tl_vmstat(&vs[4]);
  check(vs[4].writebacks - vs[3].writebacks == 1, "one dirty page, MS_ASYNC then MS_SYNC: %lu write-backs",
        vs[4].writebacks - vs[3].writebacks);
  check(p[PGSIZE + 1] == 'd' && p[10] == 'a', "MS_INVALIDATE lost data");

  // A sub-range; then munmap writes back the rest.
  p[0] = 'e';
  p[3 * PGSIZE] = 'f';
  expect_eq(msync(p + 3 * PGSIZE, PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[5]);
  check(vs[5].writebacks - vs[4].writebacks == 1, "msync of 1 page of 2 dirty ones: %lu write-backs",
        vs[5].writebacks - vs[4].writebacks);
  xmunmap(p, 5 * PGSIZE);
  tl_vmstat(&vs[6]);
  check(vs[6].writebacks - vs[5].writebacks >= 1, "munmap of a dirty page: %lu write-backs",
        vs[6].writebacks - vs[5].writebacks);
  pread_x(fd, 0, buf2, size);
  check(buf2[0] == 'e' && buf2[10] == 'a' && buf2[PGSIZE + 1] == 'd' && buf2[2 * PGSIZE + 10] == 'b' &&
        buf2[3 * PGSIZE] == 'f' && buf2[4 * PGSIZE + 10] == 'c', "the file misses stores");

  // exit writes back.
  int pid = xfork();
  if (pid == 0) {
    char *m = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0);
    m[5] = 'x';
    m[PGSIZE + 5] = 'y';
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  tl_vmstat(&vs[7]);
  check(vs[7].writebacks - vs[6].writebacks >= 2, "exit with 2 dirty shared pages: %lu write-backs",
        vs[7].writebacks - vs[6].writebacks);
  pread_x(fd, 0, buf2, 2 * PGSIZE);
  check(buf2[5] == 'x' && buf2[PGSIZE + 5] == 'y', "the exited child's stores are not in the file");

  // Private mappings: msync is fine and writes nothing.
  char *q = xmmap(0, PGSIZE, RW, MAP_PRIVATE, fd, 0);
  q[7] = 'p';
  tl_vmstat(&vs[0]);
  expect_eq(msync(q, PGSIZE, MS_SYNC), 0);
  tl_vmstat(&vs[1]);
  check(vs[1].writebacks == vs[0].writebacks, "msync of a private mapping wrote back %lu pages",
        vs[1].writebacks - vs[0].writebacks);
  pread_x(fd, 7, buf2, 1);
  check(buf2[0] == pat(7, 15), "a private store reached the file through msync");
  xmunmap(q, PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_sync"), 0);
}

static void
t_msyncerr(void)
{
  int fd = mkfile("/mm_mse", 2 * PGSIZE, 16);
  char *p = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  p[0] = 1;
  BAD(msync(p + 1, PGSIZE, MS_SYNC), EINVAL);
  BAD(msync(p, PGSIZE, MS_SYNC | MS_ASYNC), EINVAL);
  BAD(msync(p, PGSIZE, 8), EINVAL);
  BAD(msync(p, PGSIZE, MS_SYNC | 0x100), EINVAL);
  char *hole = free_addr(2);
  BAD(msync(hole, PGSIZE, MS_SYNC), ENOMEM);
  expect_eq(msync(p, 100, MS_SYNC), 0);
  expect_eq(msync(p, 0, MS_SYNC), 0);
  char *a = xmmap(0, PGSIZE, RW, ANON, -1, 0);
  a[0] = 1;
  expect_eq(msync(a, PGSIZE, MS_SYNC), 0);
  xmunmap(a, PGSIZE);
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_mse"), 0);
}

// ---------------------------------------------------------------- vmmap / pmap

static void
t_regions(void)
{
  struct vmregion r = { 0 };
  struct stat st;
  char line[80];
  int fd = mkfile("/mm_reg", 4 * PGSIZE, 17);
  expect_ok(fstat(fd, &st));
  char *p = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, PGSIZE);
  char *q = xmmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 3 * PGSIZE);
  char *a = xmmap(0, 3 * PGSIZE, RW, ANON, -1, 0);
  check_pat("mapping at offset 1 page", p, PGSIZE, 2 * PGSIZE, 17);
  check_pat("mapping at offset 3 pages", q, 3 * PGSIZE, PGSIZE, 17);

  check(region_of((uint64)p, &r), "no region for the shared file mapping");
  check(r.start == (uint64)p && r.end == (uint64)p + 2 * PGSIZE, "shared file region [%p, %p), want [%p, %p)",
        (void *)r.start, (void *)r.end, p, p + 2 * PGSIZE);
  check(r.prot == (VMR_READ | VMR_WRITE | VMR_SHARED), "shared file region prot 0x%x", r.prot);
  check(r.ino == st.ino, "shared file region ino %u, want %u", r.ino, st.ino);
  check(r.offset == PGSIZE, "shared file region offset %lu", r.offset);
  check(name_is(&r, "mm_reg"), "shared file region named '%s', want mm_reg", r.name);
  check(r.resident == 2, "shared file region: %u resident pages, want 2", r.resident);

  check(region_of((uint64)q, &r), "no region for the private file mapping");
  check(r.prot == VMR_READ && r.ino == st.ino && r.offset == 3 * PGSIZE && name_is(&r, "mm_reg"),
        "private file region: prot 0x%x ino %u offset %lu name '%s'", r.prot, r.ino, r.offset, r.name);
  check(region_of((uint64)a, &r), "no region for the anonymous mapping");
  check(r.ino == 0 && r.prot == (VMR_READ | VMR_WRITE) && r.resident == 0,
        "anonymous region: ino %u prot 0x%x resident %u", r.ino, r.prot, r.resident);

  // pmap shows the file regions.
  char pidstr[16];
  snprintf(pidstr, sizeof(pidstr), "%d", getpid());
  char *argv[] = { "/pmap", pidstr, 0 };
  int st2 = run_to_file(argv, "/mm_pmap.out");
  check(st2 == 0, "pmap %s: exit status %d", pidstr, st2);
  slurp("/mm_pmap.out");
  snprintf(line, sizeof(line), "%08lx-%08lx rw-s", (uint64)p, (uint64)p + 2 * PGSIZE);
  check(contains(outbuf, line), "pmap output has no line '%s'", line);
  snprintf(line, sizeof(line), "%08lx-%08lx r--p", (uint64)q, (uint64)q + PGSIZE);
  check(contains(outbuf, line), "pmap output has no line '%s'", line);
  check(contains(outbuf, "mm_reg"), "pmap output does not name the file mm_reg");
  expect_eq(unlink("/mm_pmap.out"), 0);
  xmunmap(p, 2 * PGSIZE);
  xmunmap(q, PGSIZE);
  xmunmap(a, 3 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_reg"), 0);
}

// ---------------------------------------------------------------- bad arguments

static void
t_badoff(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  guard_make();
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 1), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, PGSIZE / 2), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, PGSIZE + 512), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, -PGSIZE), EINVAL);
  BAD(mmap(guard + PGSIZE, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 100), EINVAL);
  BAD(mmap(guard + 1, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), EINVAL);
  BAD(mmap(guard + PGSIZE / 2, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
  char *f = free_addr(2);
  BAD(mmap(f + 100, PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EINVAL);
  guard_check();
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

static void
t_badlen(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  guard_make();
  BAD(mmap(0, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
  BAD(mmap(0, 0, RW, MAP_PRIVATE, fd, 0), EINVAL);
  BAD(mmap(0, 0, RW, ANON, -1, 0), EINVAL);
  BAD(mmap(guard, 0, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
  // More than the whole user address space.
  BAD(mmap(0, 1UL << 40, PROT_READ, ANON, -1, 0), ENOMEM);
  BAD(mmap(0, 1UL << 40, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);
  BAD3(mmap(0, (size_t)-1, PROT_READ, ANON, -1, 0), ENOMEM, EINVAL, EINVAL);
  BAD3(mmap(0, (size_t)-PGSIZE, PROT_READ, MAP_SHARED, fd, 0), ENOMEM, EINVAL, EINVAL);
  guard_check();
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

// MAP_FIXED ranges outside user space.
static void
t_badrange(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  guard_make();
  // Past MAXVA: ENOMEM.
  BAD(mmap((void *)(USERTOP - PGSIZE), 4 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
  BAD(mmap((void *)(USERTOP - PGSIZE), 4 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), ENOMEM);
  BAD(mmap((void *)MAXVA, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
  BAD(mmap((void *)MAXVA, PGSIZE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), ENOMEM);
  BAD(mmap((void *)BAD_NONCANON, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
  BAD(mmap((void *)KVA_OFFSET, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
  BAD(mmap((void *)KERNLINK, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), ENOMEM);
  BAD(mmap((void *)(USERTOP - 4 * PGSIZE), 1UL << 40, RW, ANON | MAP_FIXED, -1, 0), ENOMEM);
  // addr + len wraps around: EINVAL.
  BAD(mmap((void *)BAD_TOP, 2 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
  BAD(mmap(guard, (size_t)-PGSIZE, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
  BAD(mmap(guard, (size_t)-(long)(uint64)guard, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), EINVAL);
  // The reserved pages under MAXVA and the null guard (no exact error fixed).
  BAD3(mmap((void *)TRAPFRAME, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), ENOMEM, EINVAL, EPERM);
  BAD3(mmap((void *)TRAMPOLINE, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), ENOMEM, EINVAL, EPERM);
  BAD3(mmap((void *)0, PGSIZE, RW, ANON | MAP_FIXED, -1, 0), EPERM, ENOMEM, EINVAL);
  BAD3(mmap((void *)(USERBASE - PGSIZE), 2 * PGSIZE, RW, ANON | MAP_FIXED, -1, 0), EPERM, ENOMEM, EINVAL);
  guard_check();
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

static void
t_badflags(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  guard_make();
  BAD(mmap(0, PGSIZE, PROT_READ, 0, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
  BAD(mmap(0, PGSIZE, RW, MAP_ANONYMOUS | MAP_SHARED | MAP_PRIVATE, -1, 0), EINVAL);
  BAD(mmap(guard, PGSIZE, PROT_READ, MAP_FIXED, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED | 0x08, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | 0x40, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | 0x4000, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED | 0x40000000, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, RW, ANON | 0x200000, -1, 0), EINVAL);
  BAD(mmap(guard, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED | 0x1000, fd, 0), EINVAL);
  guard_check();
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

static void
t_badprot(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  guard_make();
  BAD(mmap(0, PGSIZE, 0x8, MAP_SHARED, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ | 0x10, MAP_PRIVATE, fd, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ | 0x01000000, ANON, -1, 0), EINVAL);
  BAD(mmap(0, PGSIZE, PROT_READ | 0x80, ANON, -1, 0), EINVAL);
  BAD(mmap(guard, PGSIZE, RW | 0x20, ANON | MAP_FIXED, -1, 0), EINVAL);
  // W^X.
  BAD(mmap(0, PGSIZE, PROT_WRITE | PROT_EXEC, MAP_SHARED, fd, 0), EACCES);
  BAD(mmap(0, PGSIZE, RW | PROT_EXEC, MAP_PRIVATE, fd, 0), EACCES);
  BAD(mmap(0, PGSIZE, RW | PROT_EXEC, ANON, -1, 0), EACCES);
  BAD(mmap(guard, PGSIZE, RW | PROT_EXEC, ANON | MAP_FIXED, -1, 0), EACCES);
  // The fd's access mode.
  int ro = xopen("/mm_bad", O_RDONLY);
  BAD(mmap(0, PGSIZE, RW, MAP_SHARED, ro, 0), EACCES);
  BAD(mmap(0, PGSIZE, PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
  BAD(mmap(guard, PGSIZE, RW, MAP_SHARED | MAP_FIXED, ro, 0), EACCES);
  int wo = xopen("/mm_bad", O_WRONLY);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, wo, 0), EACCES);
  BAD(mmap(0, PGSIZE, RW, MAP_PRIVATE, wo, 0), EACCES);
  // ...and what is allowed.
  char *p = xmmap(0, PGSIZE, RW, MAP_PRIVATE, ro, 0);
  xmunmap(p, PGSIZE);
  p = xmmap(0, PGSIZE, PROT_NONE, MAP_SHARED, ro, 0);
  xmunmap(p, PGSIZE);
  p = xmmap(0, PGSIZE, PROT_READ | PROT_EXEC, MAP_SHARED, ro, 0);
  xmunmap(p, PGSIZE);
  guard_check();
  close(ro);
  close(wo);
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

static void
t_badfd(void)
{
  struct stat st;
  int pp[2];
  guard_make();
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, -1, 0), EBADF);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, NOFILE, 0), EBADF);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 1000000, 0), EBADF);
  BAD(mmap(guard, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, -1, 0), EBADF);
  int fd = mkfile("/mm_bad", PGSIZE, 18);
  close(fd);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0), EBADF);
  // Things that are not files: ENODEV.
  expect_ok(pipe(pp));
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, pp[0], 0), ENODEV);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, pp[0], 0), ENODEV);
  BAD(mmap(guard, PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, pp[0], 0), ENODEV);
  close(pp[0]);
  close(pp[1]);
  int dfd = xopen("/", O_RDONLY);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
  BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, dfd, 0), ENODEV);
  close(dfd);
  if (fstat(0, &st) == 0 && st.type == T_DEVICE)
    BAD(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, 0, 0), ENODEV);
  guard_check();
  expect_eq(unlink("/mm_bad"), 0);
}

static void
t_badmprotect(void)
{
  int fd = mkfile("/mm_bad", 2 * PGSIZE, 18);
  int ro = xopen("/mm_bad", O_RDONLY);
  char *s = xmmap(0, 2 * PGSIZE, PROT_READ, MAP_SHARED, ro, 0);
  BAD(mprotect(s, 2 * PGSIZE, RW), EACCES);
  BAD(mprotect(s + PGSIZE, PGSIZE, PROT_WRITE), EACCES);
  expect_killed_at("store after the refused mprotect", probe_store, (uint64)s + PGSIZE);
  char *a = xmmap(0, 2 * PGSIZE, RW, ANON, -1, 0);
  BAD(mprotect(a, PGSIZE, PROT_WRITE | PROT_EXEC), EACCES);
  BAD(mprotect(a, 2 * PGSIZE, RW | PROT_EXEC), EACCES);
  BAD(mprotect(s, PGSIZE, RW | PROT_EXEC), EACCES);
  BAD(mprotect(a + 1, PGSIZE, PROT_READ), EINVAL);
  BAD(mprotect(a, PGSIZE, 0x8), EINVAL);
  BAD(mprotect(a, PGSIZE, PROT_READ | 0x01000000), EINVAL);
  char *hole = free_addr(2);
  BAD(mprotect(hole, 2 * PGSIZE, PROT_READ), ENOMEM);
  BAD3(mprotect((void *)KVA_OFFSET, PGSIZE, PROT_READ), ENOMEM, EINVAL, EINVAL);
  // A private mapping of a read-only fd may become writable.
  char *q = xmmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, ro, 0);
  expect_eq(mprotect(q, PGSIZE, RW), 0);
  q[0] = ~pat(0, 18);
  check_file("after a store to a private mapping of a read-only fd", fd, 0, 2 * PGSIZE, 18);
  xmunmap(q, PGSIZE);
  xmunmap(a, 2 * PGSIZE);
  xmunmap(s, 2 * PGSIZE);
  close(ro);
  close(fd);
  expect_eq(unlink("/mm_bad"), 0);
}

// ---------------------------------------------------------------- ftruncate

// Shrinking a mapped file: pages past the end go (kill on touch), the
// partial last page reads zeros past the end; growing brings zeros.
static void
t_truncate(void)
{
  int fd = mkfile("/mm_tr", 4 * PGSIZE, 19);
  char *p = xmmap(0, 4 * PGSIZE, RW, MAP_SHARED, fd, 0);
  char *q = xmmap(0, 4 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  check_pat("shared before", p, 0, 4 * PGSIZE, 19);
  check_pat("private before", q, 0, 4 * PGSIZE, 19);
  p[2 * PGSIZE + 5] = 'd';              // a dirty shared page 2
  expect_eq(ftruncate(fd, PGSIZE + 100), 0);
  check(fsize(fd) == PGSIZE + 100, "size %ld after the shrink", fsize(fd));
  check_pat("shared, inside the new size", p, 0, PGSIZE + 100, 19);
  check_zero("shared, past the new end in its page", p + PGSIZE + 100, PGSIZE - 100);
  check_pat("private, inside the new size", q, 0, PGSIZE + 100, 19);
  check_zero("private (never stored to), past the new end in its page", q + PGSIZE + 100, PGSIZE - 100);
  expect_killed_at("load from a shared page past the new end", probe_load, (uint64)p + 2 * PGSIZE);
  expect_killed_at("store to a shared page past the new end", probe_store, (uint64)p + 3 * PGSIZE);
  expect_killed_at("load from a private page past the new end", probe_load, (uint64)q + 2 * PGSIZE);
  // (q's page 3 is a private copy: what it shows after the shrink is
  // unspecified by POSIX, so it is not checked.)

  expect_eq(ftruncate(fd, 4 * PGSIZE), 0);
  check_zero("shared after growing again", p + PGSIZE + 100, 3 * PGSIZE - 100);
  pread_x(fd, PGSIZE + 100, buf2, 3 * PGSIZE - 100);
  check_zero("file after growing again", buf2, 3 * PGSIZE - 100);
  p[3 * PGSIZE + 7] = 'g';
  pread_x(fd, 3 * PGSIZE + 7, buf2, 1);
  check(buf2[0] == 'g', "read() does not see a store to a page of the regrown file");
  xmunmap(p, 4 * PGSIZE);
  xmunmap(q, 4 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_tr"), 0);
}

// Another process spins on a mapped page, never entering the kernel; the
// parent shrinks the file under it: its next touch must fault (remote TLB
// shootdown). A third process spinning on a page that stays is unharmed.
static void
t_truncspin(void)
{
  int rd[2];
  char c;
  int pids[3];
  int fd = mkfile("/mm_ts", 4 * PGSIZE, 20);
  char *p = xmmap(0, 4 * PGSIZE, RW, MAP_SHARED, fd, 0);
  expect_ok(pipe(rd));
  for (int k = 0; k < 3; k++) {
    pids[k] = xfork();
    if (pids[k] == 0) {
      close(rd[0]);
      volatile char *v = p + (k == 0 ? 3 : k == 1 ? 2 : 0) * PGSIZE;
      (void)v[0];
      if (k == 1)
        v[1] = 1;
      if (k < 2)
        tl_expect_kill("spinning on a page the truncation removes");
      write(rd[1], "r", 1);
      if (k == 0)
        for (uint64 i = 0;; i++)
          (void)v[(i * 64) % PGSIZE];
      if (k == 1)
        for (uint64 i = 0;; i++)
          v[(i * 64) % PGSIZE] = (char)i;
      // k == 2: page 0 stays; wait for the parent's write() of 'S' at offset 1.
      uint64 t0 = rdtime();
      while (v[1] != 'S')
        if (rdtime() - t0 > 30 * SEC)
          exit(3);
      exit(0);
    }
  }
  close(rd[1]);
  for (int k = 0; k < 3; k++)
    check(read(rd[0], &c, 1) == 1, "a child died before it started spinning");
  close(rd[0]);
  sleep(3);
  for (int k = 0; k < 3; k++)
    check(!gone(pids[k]), "child %d died before the file was shrunk", k);

  expect_eq(ftruncate(fd, PGSIZE + 100), 0);
  int ticks = 0;
  while (!(gone(pids[0]) && gone(pids[1])) && ticks < 50) {
    sleep(1);
    ticks++;
  }
  if (!gone(pids[0]) || !gone(pids[1])) {
    int l = !gone(pids[0]), s = !gone(pids[1]);
    kill(pids[0]);
    kill(pids[1]);
    kill(pids[2]);
    fail("%s%s%s still running %d ticks after ftruncate removed the page under it",
         l ? "the child loading from page 3" : "", l && s ? " and " : "",
         s ? "the child storing to page 2" : "", ticks);
  }
  pwrite_x(fd, 1, "S", 1);
  int st = wait_pid(pids[2]);
  check(st == 0, "the child spinning on page 0 (inside the new size): status %d, want 0%s", st,
        st == 3 ? " (it never saw the parent's write())" : "");
  st = wait_pid(pids[0]);
  check(st == -1, "the child loading from page 3: status %d, want -1 (killed)", st);
  st = wait_pid(pids[1]);
  check(st == -1, "the child storing to page 2: status %d, want -1 (killed)", st);
  check(p[0] == pat(0, 20) && p[1] == 'S', "page 0 after the shrink");
  check_pat("page 0-1 after the shrink", p + 2, 2, PGSIZE + 98, 20);
  check_zero("past the new end", p + PGSIZE + 100, PGSIZE - 100);
  expect_killed_at("load from page 3 after the shrink", probe_load, (uint64)p + 3 * PGSIZE);
  check(fsize(fd) == PGSIZE + 100, "size %ld", fsize(fd));
  xmunmap(p, 4 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_ts"), 0);
}

// ---------------------------------------------------------------- processes

// Two processes, each with its own mapping of the file, play ping-pong
// through one word: no system calls, so it is the same frame.
#define PP_ROUNDS 200

static void
t_pingpong(void)
{
  int fd = mkfile("/mm_pp", 2 * PGSIZE, 21);
  char *p = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  volatile uint64 *w = (uint64 *)(p + PGSIZE + 128);
  *w = 0;
  int pid = xfork();
  if (pid == 0) {
    xmunmap(p, 2 * PGSIZE);       // use a mapping of its own
    char *m = xmmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0);
    volatile uint64 *cw = (uint64 *)(m + PGSIZE + 128);
    for (uint64 k = 0; k < PP_ROUNDS; k++) {
      if (!spin_until(cw, 2 * k + 1, 20))
        fail("child: round %lu: the word is %lu, want %lu", k, *cw, 2 * k + 1);
      *cw = 2 * k + 2;
    }
    exit(0);
  }
  for (uint64 k = 0; k < PP_ROUNDS; k++) {
    *w = 2 * k + 1;
    if (!spin_until(w, 2 * k + 2, 20)) {
      kill(pid);
      wait_pid(pid);
      fail("round %lu: the child's store never showed (word is %lu)", k, *w);
    }
  }
  check(wait_pid(pid) == 0, "child failed");
  uint64 v;
  pread_x(fd, PGSIZE + 128, &v, 8);
  check(v == 2 * PP_ROUNDS, "read() gives %lu, want %d", v, 2 * PP_ROUNDS);
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_pp"), 0);
}

// Two processes (on different harts) write disjoint halves of one shared
// mapping at once; read() sees both.
#define MH_PAGES 64
#define MH_WORDS (MH_PAGES / 2 * PGSIZE / 8)     // per half
#define MH_ROUNDS 6

static inline uint64
mhtag(int k, int round, long i)
{
  return ((uint64)(k + 1) << 56) ^ ((uint64)round << 48) ^ ((uint64)i * 0x9E3779B1UL);
}

static void
t_multihart(void)
{
  int fd = xopen("/mm_mh", O_CREATE | O_RDWR | O_TRUNC);
  expect_eq(ftruncate(fd, (MH_PAGES + 1) * PGSIZE), 0);
  char *p = xmmap(0, (MH_PAGES + 1) * PGSIZE, RW, MAP_SHARED, fd, 0);
  volatile uint64 *ctl = (uint64 *)(p + MH_PAGES * PGSIZE);
  int pids[2];
  for (int k = 0; k < 2; k++) {
    pids[k] = xfork();
    if (pids[k] == 0) {
      volatile uint64 *w = (uint64 *)(p + k * (MH_PAGES / 2) * PGSIZE);
      ctl[1 + k] = 1;
      if (!spin_until(&ctl[0], 1, 20))
        fail("writer %d: no go signal", k);
      for (int round = 0; round < MH_ROUNDS; round++) {
        for (long i = 0; i < MH_WORDS; i++)
          w[i] = mhtag(k, round, i);
        for (long i = 0; i < MH_WORDS; i++)
          if (w[i] != mhtag(k, round, i))
            fail("writer %d: round %d word %ld is 0x%lx", k, round, i, w[i]);
      }
      exit(0);
    }
  }
  uint64 t0 = rdtime();
  while (!(ctl[1] == 1 && ctl[2] == 1))
    if (rdtime() - t0 > 20 * SEC) {
      kill(pids[0]);
      kill(pids[1]);
      fail("the writers never started");
    }
  ctl[0] = 1;
  for (int k = 0; k < 2; k++)
    check(wait_pid(pids[k]) == 0, "writer %d failed", k);

  // read() sees both halves.
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  for (long off = 0; off < MH_PAGES * PGSIZE; off += sizeof(buf)) {
    xread(fd, buf, sizeof(buf));
    uint64 *b = (uint64 *)buf;
    for (long j = 0; j < (long)(sizeof(buf) / 8); j++) {
      long gi = off / 8 + j;
      int k = gi / MH_WORDS;
      if (b[j] != mhtag(k, MH_ROUNDS - 1, gi % MH_WORDS))
        fail("read() at offset %ld: 0x%lx, want writer %d's 0x%lx", gi * 8, b[j], k,
             mhtag(k, MH_ROUNDS - 1, gi % MH_WORDS));
    }
  }
  xmunmap(p, (MH_PAGES + 1) * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_mh"), 0);
}

// ---------------------------------------------------------------- the kernel touches mappings

// read()/write() with buffers in file mappings never touched before.
static void
t_uaccess(void)
{
  int fd = mkfile("/mm_ua", 3 * PGSIZE, 22);
  int fd2 = xopen("/mm_ua2", O_CREATE | O_RDWR | O_TRUNC);
  char *s = xmmap(0, 3 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  xwrite(fd2, s + 100, 2 * PGSIZE);
  pread_x(fd2, 0, buf2, 2 * PGSIZE);
  check_pat("write() from an untouched mapping", buf2, 100, 2 * PGSIZE, 22);

  char *pv = xmmap(0, 3 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  pread_x(fd2, 0, pv + PGSIZE + 50, PGSIZE);
  check_pat("read() into an untouched private mapping", pv + PGSIZE + 50, 100, PGSIZE, 22);
  check_pat("the rest of that private page", pv + PGSIZE, PGSIZE, 50, 22);
  check_file("the file under the private mapping", fd, 0, 3 * PGSIZE, 22);

  // Into a read-only mapping, from a PROT_NONE one: EFAULT.
  expect_eq(lseek(fd2, 0, SEEK_SET), 0);
  expect_err(read(fd2, s + 10, 10), EFAULT);
  char *n = xmmap(0, PGSIZE, PROT_NONE, MAP_SHARED, fd, 0);
  expect_err(write(fd2, n, 10), EFAULT);
  check_pat("the read-only mapping after the refused read()", s, 0, 3 * PGSIZE, 22);
  xmunmap(s, 3 * PGSIZE);
  xmunmap(pv, 3 * PGSIZE);
  xmunmap(n, PGSIZE);
  close(fd);
  close(fd2);
  expect_eq(unlink("/mm_ua"), 0);
  expect_eq(unlink("/mm_ua2"), 0);
}

// read()/write() of a file with a buffer in a mapping of the same file:
// the fault taken while copying needs the same file's pages.
static void
t_selfrw(void)
{
  int fd = mkfile("/mm_self", 3 * PGSIZE, 23);
  char *pv = xmmap(0, 3 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  pread_x(fd, 0, pv + 2 * PGSIZE, PGSIZE);
  check_pat("read() of the file into its own private mapping", pv + 2 * PGSIZE, 0, PGSIZE, 23);
  check_file("the file after that", fd, 0, 3 * PGSIZE, 23);

  char *sw = xmmap(0, 3 * PGSIZE, RW, MAP_SHARED, fd, 0);
  pwrite_x(fd, 2 * PGSIZE, sw, PGSIZE);         // page 0 -> page 2, source untouched
  check_pat("write() from the file's own shared mapping", sw + 2 * PGSIZE, 0, PGSIZE, 23);
  pread_x(fd, 0, sw + PGSIZE, PGSIZE);          // page 0 -> page 1
  check_pat("read() of the file into its own shared mapping", sw + PGSIZE, 0, PGSIZE, 23);
  pread_x(fd, PGSIZE, buf2, PGSIZE);
  check_pat("read() after that", buf2, 0, PGSIZE, 23);
  xmunmap(pv, 3 * PGSIZE);
  xmunmap(sw, 3 * PGSIZE);
  close(fd);
  expect_eq(unlink("/mm_self"), 0);
}

// ---------------------------------------------------------------- mwc

#define MWC_SIZE (300 * KiB + 123)
static char mwcbuf[MWC_SIZE];
static char expect_line[96];

static int
mwc_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Run argv with output to out; its output must be exactly expect_line.
static void
mwc_run(char **argv, const char *out)
{
  int st = run_to_file(argv, out);
  check(st == 0, "%s %s %s: exit status %d", argv[0], argv[1], argv[2] ? argv[2] : "", st);
  slurp(out);
  check(strcmp(outbuf, expect_line) == 0, "%s %s %s printed '%s', want '%s'", argv[0], argv[1],
        argv[2] ? argv[2] : "", outbuf, expect_line);
  expect_eq(unlink(out), 0);
}

static void
t_mwc(void)
{
  static const char ws[8] = { ' ', ' ', ' ', '\n', '\n', '\t', '\r', '\v' };
  uint64 seed = 12345;
  long i = 0;
  while (i < MWC_SIZE) {
    uint64 r = tl_rand(&seed);
    long len = 1 + r % 24;
    if (r % 89 == 0)
      len = 2000 + (r >> 8) % 9000;       // longer than a page
    for (long k = 0; k < len && i < MWC_SIZE; k++) {
      uint64 x = tl_rand(&seed);
      char c = 33 + x % 94;
      if (x % 41 == 0)
        c = (char)(0x80 | (x >> 8));      // bytes >= 0x80 are word bytes
      else if (x % 211 == 0)
        c = 0;
      mwcbuf[i++] = c;
    }
    int ns = 1 + (r >> 20) % 3;
    for (int k = 0; k < ns && i < MWC_SIZE; k++)
      mwcbuf[i++] = (r >> (24 + 3 * k)) % 50 == 0 ? '\f' : ws[(r >> (30 + 3 * k)) % 8];
  }
  // Words straddling every 64 KiB window boundary; white space right at
  // some page boundaries; no newline at the end.
  for (long b = 65536; b < MWC_SIZE; b += 65536) {
    mwcbuf[b - 2] = 'w';
    mwcbuf[b - 1] = 'x';
    mwcbuf[b] = 'y';
  }
  mwcbuf[5 * PGSIZE - 1] = 'a';
  mwcbuf[5 * PGSIZE] = ' ';
  mwcbuf[6 * PGSIZE - 1] = '\n';
  mwcbuf[6 * PGSIZE] = 'b';
  mwcbuf[MWC_SIZE - 1] = 'z';

  long l = 0, w = 0;
  int inword = 0;
  for (i = 0; i < MWC_SIZE; i++) {
    if (mwcbuf[i] == '\n')
      l++;
    if (mwc_space(mwcbuf[i]))
      inword = 0;
    else if (!inword) {
      inword = 1;
      w++;
    }
  }
  int fd = xopen("/mm_mwc.txt", O_CREATE | O_RDWR | O_TRUNC);
  for (long off = 0; off < MWC_SIZE; off += 65536)
    xwrite(fd, mwcbuf + off, MWC_SIZE - off < 65536 ? MWC_SIZE - off : 65536);
  close(fd);
  snprintf(expect_line, sizeof(expect_line), "%ld %ld %ld %s\n", l, w, (long)MWC_SIZE, "/mm_mwc.txt");

  char *wc_argv[] = { "/wc", "/mm_mwc.txt", 0 };
  mwc_run(wc_argv, "/mm_wc.out");
  char *a1[] = { "/mwc", "/mm_mwc.txt", "65536", 0 };
  mwc_run(a1, "/mm_mwc.out");
  char *a2[] = { "/mwc", "/mm_mwc.txt", 0 };
  mwc_run(a2, "/mm_mwc.out");
  char *a3[] = { "/mwc", "/mm_mwc.txt", "4096", 0 };
  mwc_run(a3, "/mm_mwc.out");
  char *a4[] = { "/mwc", "/mm_mwc.txt", "10000", 0 };
  mwc_run(a4, "/mm_mwc.out");

  // An empty file.
  fd = xopen("/mm_empty", O_CREATE | O_RDWR | O_TRUNC);
  close(fd);
  snprintf(expect_line, sizeof(expect_line), "0 0 0 /mm_empty\n");
  char *e1[] = { "/wc", "/mm_empty", 0 };
  mwc_run(e1, "/mm_wc.out");
  char *e2[] = { "/mwc", "/mm_empty", "65536", 0 };
  mwc_run(e2, "/mm_mwc.out");
  // A missing file: an error, nothing on stdout.
  char *e3[] = { "/mwc", "/mm_no_such_file", 0 };
  int st = run_to_file(e3, "/mm_mwc.out");
  check(st != 0, "mwc of a missing file: exit status 0");
  check(slurp("/mm_mwc.out") == 0, "mwc of a missing file printed '%s' on stdout", outbuf);
  expect_eq(unlink("/mm_mwc.out"), 0);
  expect_eq(unlink("/mm_empty"), 0);
  expect_eq(unlink("/mm_mwc.txt"), 0);
}

// ---------------------------------------------------------------- bigger than RAM

#define BIG_SIZE (48 * MiB)
#define BIG_PAGES (BIG_SIZE / PGSIZE)

static inline uint64
bigtag(long page, int j)
{
  return 0x6d6d000000000000UL ^ ((uint64)page << 16) ^ (uint64)j;
}

static inline int
bigword(int j)
{
  return j == 0 || j == 1 || j == 257 || j == PGSIZE / 8 - 1;
}

// Write a 48 MiB file through one shared mapping on a machine with less
// memory: page-cache frames must be evicted (written back) to make room.
static void
t_bigmap(void)
{
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  long mem = (long)(vs[0].frames_total * PGSIZE);
  int fd = xopen("/mm_big", O_CREATE | O_RDWR | O_TRUNC);
  expect_eq(ftruncate(fd, BIG_SIZE), 0);
  char *p = xmmap(0, BIG_SIZE, RW, MAP_SHARED, fd, 0);
  for (long pg = 0; pg < BIG_PAGES; pg++) {
    uint64 *w = (uint64 *)(p + pg * PGSIZE);
    for (int j = 0; j < PGSIZE / 8; j++)
      if (bigword(j))
        w[j] = bigtag(pg, j);
    if ((pg + 1) % (8 * MiB / PGSIZE) == 0)
      printf("bigmap: stored to %ld MiB\n", (pg + 1) * PGSIZE / MiB);
  }
  expect_eq(msync(p, BIG_SIZE, MS_SYNC), 0);
  xmunmap(p, BIG_SIZE);
  tl_vmstat(&vs[1]);

  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  for (long off = 0; off < BIG_SIZE; off += sizeof(buf)) {
    xread(fd, buf, sizeof(buf));
    uint64 *b = (uint64 *)buf;
    for (long j = 0; j < (long)(sizeof(buf) / 8); j++) {
      long pg = off / PGSIZE + j / (PGSIZE / 8);
      int wj = j % (PGSIZE / 8);
      uint64 want = bigword(wj) ? bigtag(pg, wj) : 0;
      if (b[j] != want)
        fail("read(): page %ld word %d is 0x%lx, want 0x%lx", pg, wj, b[j], want);
    }
    if ((off + sizeof(buf)) % (8 * MiB) == 0)
      printf("bigmap: read back %ld MiB\n", (off + (long)sizeof(buf)) / MiB);
  }

  p = xmmap(0, BIG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
  for (long pg = 0; pg < BIG_PAGES; pg++) {
    uint64 *w = (uint64 *)(p + pg * PGSIZE);
    for (int j = 0; j < PGSIZE / 8; j += 64)
      if (w[j] != (bigword(j) ? bigtag(pg, j) : 0))
        fail("new mapping: page %ld word %d is 0x%lx", pg, j, w[j]);
    if (w[PGSIZE / 8 - 1] != bigtag(pg, PGSIZE / 8 - 1) || w[257] != bigtag(pg, 257))
      fail("new mapping: page %ld lost its words", pg);
    if ((pg + 1) % (8 * MiB / PGSIZE) == 0)
      printf("bigmap: checked the new mapping to %ld MiB\n", (pg + 1) * PGSIZE / MiB);
  }
  xmunmap(p, BIG_SIZE);
  tl_vmstat(&vs[2]);
  printf("bigmap: %ld MiB of memory; evictions %lu, writebacks %lu, file faults %lu\n", mem / MiB,
         vs[2].evictions - vs[0].evictions, vs[2].writebacks - vs[0].writebacks,
         vs[2].fault_file - vs[0].fault_file);
  check(vs[1].writebacks - vs[0].writebacks >= (unsigned long)BIG_PAGES,
        "%ld pages stored to, only %lu written back", (long)BIG_PAGES, vs[1].writebacks - vs[0].writebacks);
  if (mem < BIG_SIZE)
    check(vs[2].evictions > vs[0].evictions, "a 48 MiB file on a %ld MiB machine: no evictions", mem / MiB);
  else
    printf("bigmap: note: %ld MiB of memory is not less than the file; run it with mem=32M\n", mem / MiB);
  close(fd);
  expect_eq(unlink("/mm_big"), 0);
}

// ---------------------------------------------------------------- table

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "lazy", t_lazy },
  { "privshared", t_privshared },
  { "readonly", t_readonly },
  { "eof", t_eof },
  { "persist", t_persist },
  { "partialunmap", t_partialunmap },
  { "munmap", t_munmap },
  { "fork", t_fork },
  { "twofiles", t_twofiles },
  { "anon", t_anon },
  { "fixed", t_fixed },
  { "noreplace", t_noreplace },
  { "mprotect", t_mprotect },
  { "exec", t_exec },
  { "coherence", t_coherence },
  { "pagecache", t_pagecache },
  { "msync", t_msync },
  { "msyncerr", t_msyncerr },
  { "regions", t_regions },
  { "badoff", t_badoff },
  { "badlen", t_badlen },
  { "badrange", t_badrange },
  { "badflags", t_badflags },
  { "badprot", t_badprot },
  { "badfd", t_badfd },
  { "badmprotect", t_badmprotect },
  { "truncate", t_truncate },
  { "truncspin", t_truncspin },
  { "pingpong", t_pingpong },
  { "multihart", t_multihart },
  { "uaccess", t_uaccess },
  { "selfrw", t_selfrw },
  { "mwc", t_mwc },
};

// Run only when named: bigmap wants a machine smaller than its file (the
// harness boots "mmaptests bigmap" with mem=32M); persist_after_reboot
// wants the previous boot to have run persist ("mmaptests --after-reboot").
struct test extra[] = {
  { "bigmap", t_bigmap },
  { "persist_after_reboot", t_persist_after_reboot },
};

static int
named(const char *name, int argc, char **argv)
{
  for (int a = 1; a < argc; a++)
    if (strcmp(argv[a], name) == 0)
      return 1;
  return 0;
}

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--after-reboot") == 0) {
    tl_run("persist_after_reboot", t_persist_after_reboot);
    exit(tl_done());
  }
  if (argc == 2 && strcmp(argv[1], "-l") == 0) {
    TL_LIST(tests);
    TL_LIST(extra);
    exit(0);
  }
  if (argc < 2)
    exit(TL_RUN(tests, argc, argv));
  for (int a = 1; a < argc; a++) {
    int found = 0;
    for (int i = 0; i < NELEM(tests); i++)
      found |= strcmp(tests[i].name, argv[a]) == 0;
    for (int i = 0; i < NELEM(extra); i++)
      found |= strcmp(extra[i].name, argv[a]) == 0;
    if (!found) {
      snprintf(tl_line, sizeof(tl_line), "test %s: FAIL no such test\n", argv[a]);
      tl_puts(tl_line);
      tl_failed++;
      tl_nosuch++;
    }
  }
  for (int i = 0; i < NELEM(tests); i++)
    if (named(tests[i].name, argc, argv))
      tl_run(tests[i].name, tests[i].fn);
  for (int i = 0; i < NELEM(extra); i++)
    if (named(extra[i].name, argc, argv))
      tl_run(extra[i].name, extra[i].fn);
  exit(tl_done());
}
