// shmtests: POSIX shared memory. shm_open/shm_unlink names and errors,
// ftruncate and fstat of shm objects, MAP_SHARED and MAP_PRIVATE views,
// rights per mapper, truncation under live mappings, the object table
// limit, lifetime (memory freed exactly when the last fd and mapping go),
// fork and exec, vmstat/vmmap accounting, and the shmwrite/shmread ring.
//
//   shmtests            run every subtest
//   shmtests NAME...    run only these
//   shmtests --child-fd FD ADDR SIZE NAME
//                       helper run by the execfd subtest after exec
//
// Every subtest removes the names it uses first (a failed earlier run may
// have left them) and before it returns, so the runner's leak check sees
// all object memory come back. See user/testlib.h for the runner.
#include "user/testlib.h"

// Longest name: 31 characters, the leading '/' included (SHM_NAME_MAX - 1);
// 32 or more fail with ENAMETOOLONG.
#define SHM_NAME_MAX 32

#define RW (PROT_READ | PROT_WRITE)
#define WORDS (PGSIZE / 8)
#define SPIN_TIMEOUT (30UL * 10000000UL)    // 30 s of the 10 MHz time counter

static struct vmstat vs[8];          // vmstat snapshots (bss, not the stack)
static struct vmregion regs[64];
static struct stat st;
static char namebuf[320];
static char namebuf2[64];
static char outbuf[2][256];
static char argbuf[4][32];

// ---------------------------------------------------------------- helpers

// Word j of page i as written by generation g.
static inline uint64
tag(int g, long i, long j)
{
  return ((uint64)(g + 1) << 48) ^ ((uint64)i << 16) ^ (uint64)j ^ 0x3c3c000000000000UL;
}

static void
fill(char *p, long npages, int g)
{
  uint64 *w = (uint64 *)p;
  for (long i = 0; i < npages; i++)
    for (long j = 0; j < WORDS; j++)
      w[i * WORDS + j] = tag(g, i, j);
}

// Pages [first, first + npages) of a view of the object, whose page 0 is
// at p, hold generation g.
static void
verify(const char *what, char *p, long first, long npages, int g)
{
  uint64 *w = (uint64 *)p;
  for (long i = first; i < first + npages; i++)
    for (long j = 0; j < WORDS; j++)
      if (w[i * WORDS + j] != tag(g, i, j))
        fail("%s: page %ld word %ld is 0x%lx, want 0x%lx", what, i, j, w[i * WORDS + j], tag(g, i, j));
}

static void
verify_zero(const char *what, char *p, long from, long to)
{
  for (long i = from; i < to; i++)
    if (p[i] != 0)
      fail("%s: byte %ld is 0x%x, want 0", what, i, p[i] & 0xff);
}

static int
xshm_open(const char *name, int oflag)
{
  errno = 0;
  int fd = shm_open(name, oflag, 0600);
  if (fd < 0)
    fail("shm_open(\"%s\", 0x%x): %s", name, oflag, strerror(errno));
  return fd;
}

// A new object of npages pages.
static int
xcreate(const char *name, long npages)
{
  shm_unlink(name);           // left over from a failed run
  int fd = xshm_open(name, O_CREAT | O_EXCL | O_RDWR);
  if (npages && ftruncate(fd, npages * PGSIZE) != 0)
    fail("ftruncate(\"%s\", %ld pages): %s", name, npages, strerror(errno));
  return fd;
}

static void
xftruncate(int fd, long len)
{
  errno = 0;
  if (ftruncate(fd, len) != 0)
    fail("ftruncate(%d, %ld): %s", fd, len, strerror(errno));
}

static char *
xmmap(long len, int prot, int flags, int fd, long off)
{
  errno = 0;
  char *p = mmap(0, len, prot, flags, fd, off);
  if (p == MAP_FAILED)
    fail("mmap(%ld bytes, prot %d, flags 0x%x, fd %d, off %ld): %s", len, prot, flags, fd, off,
         strerror(errno));
  if ((uint64)p % PGSIZE)
    fail("mmap returned %p: not page-aligned", p);
  return p;
}

static void
xmunmap(char *p, long len)
{
  if (munmap(p, len) != 0)
    fail("munmap(%p, %ld): %s", p, len, strerror(errno));
}

static void
xunlink(const char *name)
{
  errno = 0;
  if (shm_unlink(name) != 0)
    fail("shm_unlink(\"%s\"): %s", name, strerror(errno));
}

// fstat of a shm fd: type T_SHM; returns the size.
static long
shm_size(int fd)
{
  memset(&st, 0, sizeof(st));
  errno = 0;
  if (fstat(fd, &st) != 0)
    fail("fstat(%d): %s", fd, strerror(errno));
  if (st.type != T_SHM)
    fail("fstat(%d): type %d, want T_SHM (%d)", fd, st.type, T_SHM);
  return (long)st.size;
}

#define expect_size(fd, want) do {                                          \
    long _s = shm_size(fd), _w = (long)(want);                              \
    if (_s != _w)                                                           \
      fail("fstat(%s): size %ld, want %ld", #fd, _s, _w);                   \
  } while (0)

// A call that must fail with one of two errors.
#define expect_err2(call, e1, e2) do {                                      \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    int _e = errno;                                                         \
    if (_r != -1 || (_e != (e1) && _e != (e2)))                             \
      fail("%s: got %ld errno %d (%s), want -1 %s or %s", #call, _r, _e,    \
           strerror(_e), strerror(e1), strerror(e2));                       \
  } while (0)

// The name does not exist.
static void
expect_gone(const char *name)
{
  errno = 0;
  int fd = shm_open(name, O_RDWR, 0);
  if (fd >= 0 || errno != ENOENT)
    fail("shm_open(\"%s\", O_RDWR) of a removed name: got %d errno %d (%s), want ENOENT", name,
         fd, errno, strerror(errno));
}

// shm_objects and frames_shm of snapshot s are the base's plus these.
static void
expect_shm(const char *when, struct vmstat *s, struct vmstat *base, long dobj, long dframes)
{
  long o = (long)(s->shm_objects - base->shm_objects);
  long f = (long)(s->frames_shm - base->frames_shm);
  if (o != dobj || f != dframes)
    fail("%s: shm_objects %+ld frames_shm %+ld, want %+ld %+ld", when, o, f, dobj, dframes);
}

// Spin (no system call) until *p == want.
static void
spin_until(uint64 *p, uint64 want, const char *what)
{
  uint64 t0 = rdtime();
  while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != want)
    if (rdtime() - t0 > SPIN_TIMEOUT)
      fail("%s: waited 30 s for %lu, have %lu", what, want, __atomic_load_n(p, __ATOMIC_ACQUIRE));
}

// The region of our address space that holds va, or 0.
static struct vmregion *
region_of(uint64 va)
{
  memset(regs, 0, sizeof(regs));
  int n = vmmap(getpid(), regs, NELEM(regs));
  if (n < 0)
    fail("vmmap: %s", strerror(errno));
  if (n > NELEM(regs))
    n = NELEM(regs);
  for (int i = 0; i < n; i++)
    if (regs[i].start <= va && va < regs[i].end)
      return &regs[i];
  return 0;
}

// vmregion.name holds at most sizeof(name) - 1 characters.
static int
region_named(struct vmregion *r, const char *name)
{
  int n = sizeof(r->name) - 1;
  return strncmp(r->name, name, n) == 0;
}

static void
make_name(char *buf, int len, char c)
{
  buf[0] = '/';
  for (int i = 1; i < len; i++)
    buf[i] = c + i % 10;
  buf[len] = 0;
}

// ---------------------------------------------------------------- basics

// Create, size, map twice, reopen by name, map at an offset, remove.
static void
t_basic(void)
{
  const char *nm = "/t_basic";
  shm_unlink(nm);
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = xshm_open(nm, O_CREAT | O_EXCL | O_RDWR);
  expect_size(fd, 0);
  tl_vmstat(&vs[1]);
  expect_shm("after creating an empty object", &vs[1], &vs[0], 1, 0);

  xftruncate(fd, 3 * PGSIZE);
  expect_size(fd, 3 * PGSIZE);
  xftruncate(fd, 5000);
  expect_size(fd, 5000);
  xftruncate(fd, 3 * PGSIZE);
  expect_size(fd, 3 * PGSIZE);

  char *p = xmmap(3 * PGSIZE, RW, MAP_SHARED, fd, 0);
  verify_zero("new object", p, 0, 3 * PGSIZE);
  fill(p, 3, 1);

  // Opened again by name: the same object.
  int fd2 = xshm_open(nm, O_RDWR);
  check(fd2 != fd, "second shm_open returned the same fd %d", fd);
  expect_size(fd2, 3 * PGSIZE);
  char *q = xmmap(3 * PGSIZE, RW, MAP_SHARED, fd2, 0);
  check(q != p, "two mappings at the same address %p", p);
  verify("second mapping", q, 0, 3, 1);
  fill(q, 3, 2);
  verify("first mapping after stores through the second", p, 0, 3, 2);

  // A window at an offset.
  char *w = xmmap(PGSIZE, PROT_READ, MAP_SHARED, fd, 2 * PGSIZE);
  for (long j = 0; j < WORDS; j++)
    check(((uint64 *)w)[j] == tag(2, 2, j), "mapping at offset 2 pages: word %ld is 0x%lx", j,
          ((uint64 *)w)[j]);
  expect_err(mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 100), EINVAL);

  // O_CREAT without O_EXCL opens the existing object.
  int fd3 = xshm_open(nm, O_CREAT | O_RDWR);
  expect_size(fd3, 3 * PGSIZE);
  close(fd3);

  tl_vmstat(&vs[2]);
  expect_shm("3 touched pages", &vs[2], &vs[0], 1, 3);
  xmunmap(p, 3 * PGSIZE);
  xmunmap(q, 3 * PGSIZE);
  xmunmap(w, PGSIZE);
  close(fd);
  close(fd2);
  xunlink(nm);
  expect_gone(nm);
  tl_vmstat(&vs[3]);
  expect_shm("after removing everything", &vs[3], &vs[0], 0, 0);
}

// O_TRUNC empties an existing object; mappings past the new end fault.
static void
t_otrunc(void)
{
  const char *nm = "/t_otrunc";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 2, 3);
  int fd2 = xshm_open(nm, O_RDWR | O_TRUNC);
  expect_size(fd2, 0);
  expect_size(fd, 0);
  expect_killed_at("load from a mapping of an object truncated by O_TRUNC", probe_load, (uint64)p);
  xftruncate(fd2, 2 * PGSIZE);
  verify_zero("object regrown after O_TRUNC", p, 0, 2 * PGSIZE);
  close(fd2);
  // O_CREAT | O_TRUNC on a new name: an empty object.
  shm_unlink("/t_otrunc2");
  int fd3 = xshm_open("/t_otrunc2", O_CREAT | O_TRUNC | O_RDWR);
  expect_size(fd3, 0);
  close(fd3);
  xunlink("/t_otrunc2");
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  xunlink(nm);
}

// ---------------------------------------------------------------- bad input

static const char *bad_names[] = { "ring", "", "/", "/a/b", "//a", "/a/", "a/b", "//" };

static void
t_badname(void)
{
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  for (int i = 0; i < NELEM(bad_names); i++) {
    const char *n = bad_names[i];
    errno = 0;
    int r = shm_open(n, O_CREAT | O_RDWR, 0600);
    int e = errno;
    if (r >= 0)
      shm_unlink(n);
    check(r == -1 && e == EINVAL, "shm_open(\"%s\", O_CREAT|O_RDWR): got %d errno %d (%s), want EINVAL",
          n, r, e, strerror(e));
    errno = 0;
    r = shm_open(n, O_RDWR, 0);
    check(r == -1 && errno == EINVAL, "shm_open(\"%s\", O_RDWR): got %d errno %d (%s), want EINVAL",
          n, r, errno, strerror(errno));
    errno = 0;
    r = shm_unlink(n);
    check(r == -1 && errno == EINVAL, "shm_unlink(\"%s\"): got %d errno %d (%s), want EINVAL",
          n, r, errno, strerror(errno));
  }
  // Names the kernel cannot read.
  expect_err(shm_open((char *)0, O_CREAT | O_RDWR, 0600), EFAULT);
  expect_err(shm_open((char *)BAD_KERNEL, O_CREAT | O_RDWR, 0600), EFAULT);
  expect_err(shm_unlink((char *)0), EFAULT);
  tl_vmstat(&vs[1]);
  expect_shm("after the bad names", &vs[1], &vs[0], 0, 0);
}

// Names of up to SHM_NAME_MAX - 1 characters work; longer: ENAMETOOLONG.
static void
t_longname(void)
{
  make_name(namebuf, SHM_NAME_MAX - 1, 'a');
  shm_unlink(namebuf);
  int fd = xshm_open(namebuf, O_CREAT | O_EXCL | O_RDWR);
  xftruncate(fd, PGSIZE);
  close(fd);
  fd = xshm_open(namebuf, O_RDONLY);
  expect_size(fd, PGSIZE);
  close(fd);
  xunlink(namebuf);
  expect_gone(namebuf);

  static const int lens[] = { SHM_NAME_MAX, SHM_NAME_MAX + 1, 100, 300 };
  for (int i = 0; i < NELEM(lens); i++) {
    make_name(namebuf, lens[i], 'k');
    errno = 0;
    int r = shm_open(namebuf, O_CREAT | O_RDWR, 0600);
    int e = errno;
    if (r >= 0)
      shm_unlink(namebuf);
    check(r == -1 && e == ENAMETOOLONG, "shm_open of a %d-character name: got %d errno %d (%s), "
          "want ENAMETOOLONG", lens[i], r, e, strerror(e));
    errno = 0;
    r = shm_open(namebuf, O_RDWR, 0);
    check(r == -1 && errno == ENAMETOOLONG, "shm_open(O_RDWR) of a %d-character name: errno %d (%s), "
          "want ENAMETOOLONG", lens[i], errno, strerror(errno));
    errno = 0;
    r = shm_unlink(namebuf);
    check(r == -1 && errno == ENAMETOOLONG, "shm_unlink of a %d-character name: errno %d (%s), "
          "want ENAMETOOLONG", lens[i], errno, strerror(errno));
  }
}

// O_CREAT | O_EXCL on an existing name: EEXIST.
static void
t_excl(void)
{
  const char *nm = "/t_excl";
  int fd = xcreate(nm, 1);
  char *p = xmmap(PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 1, 4);
  expect_err(shm_open(nm, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
  expect_err(shm_open(nm, O_CREAT | O_EXCL | O_RDONLY, 0600), EEXIST);
  // The failed calls left the object alone.
  expect_size(fd, PGSIZE);
  verify("object after O_EXCL failed", p, 0, 1, 4);
  // Once the name is gone, O_EXCL creates a new, empty object.
  xunlink(nm);
  int fd2 = xshm_open(nm, O_CREAT | O_EXCL | O_RDWR);
  expect_size(fd2, 0);
  expect_size(fd, PGSIZE);
  close(fd2);
  xunlink(nm);
  xmunmap(p, PGSIZE);
  close(fd);
}

// Missing names without O_CREAT, and shm_unlink of a missing name: ENOENT.
static void
t_noent(void)
{
  const char *nm = "/t_noent";
  shm_unlink(nm);
  expect_err(shm_open(nm, O_RDWR, 0), ENOENT);
  expect_err(shm_open(nm, O_RDONLY, 0), ENOENT);
  expect_err(shm_open(nm, O_RDWR | O_TRUNC, 0), ENOENT);
  expect_err(shm_unlink(nm), ENOENT);
  int fd = xcreate(nm, 0);
  close(fd);
  xunlink(nm);
  expect_err(shm_unlink(nm), ENOENT);
  expect_err(shm_open(nm, O_RDWR, 0), ENOENT);
}

// ftruncate: O_RDONLY fd, negative and too large sizes fail; the size stays.
static void
t_ftruncbad(void)
{
  const char *nm = "/t_ftbad";
  int fd = xcreate(nm, 1);
  int ro = xshm_open(nm, O_RDONLY);
  expect_err(ftruncate(ro, 2 * PGSIZE), EINVAL);
  expect_err(ftruncate(ro, 0), EINVAL);
  expect_err(ftruncate(fd, -1), EINVAL);
  expect_err(ftruncate(fd, -PGSIZE), EINVAL);
  expect_err(ftruncate(fd, (long)(1UL << 63)), EINVAL);
  expect_err2(ftruncate(fd, GiB + 1), EINVAL, EFBIG);
  expect_err2(ftruncate(fd, GiB + PGSIZE), EINVAL, EFBIG);
  expect_err2(ftruncate(fd, 2 * GiB), EINVAL, EFBIG);
  expect_err2(ftruncate(fd, 1L << 40), EINVAL, EFBIG);
  expect_err2(ftruncate(fd, 0x7fffffffffffffffL), EINVAL, EFBIG);
  expect_size(fd, PGSIZE);
  expect_size(ro, PGSIZE);
  close(ro);
  close(fd);
  xunlink(nm);
}

// The largest object (1 GiB) can be made on a 128 MiB machine: frames
// come on first touch.
static void
t_bigobj(void)
{
  const char *nm = "/t_big";
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = xcreate(nm, 0);
  xftruncate(fd, GiB);
  expect_size(fd, GiB);
  char *p = xmmap(GiB, RW, MAP_SHARED, fd, 0);
  p[0] = 1;
  p[GiB - 1] = 2;
  tl_vmstat(&vs[1]);
  long f = (long)(vs[1].frames_shm - vs[0].frames_shm);
  check(f >= 2 && f <= 8, "a 1 GiB object with 2 touched pages holds %ld frames", f);
  check(p[0] == 1 && p[GiB - 1] == 2, "the ends of a 1 GiB object");
  expect_err2(ftruncate(fd, GiB + 1), EINVAL, EFBIG);
  expect_size(fd, GiB);
  xmunmap(p, GiB);
  xftruncate(fd, 0);
  tl_vmstat(&vs[2]);
  expect_shm("1 GiB object shrunk to 0", &vs[2], &vs[0], 1, 0);
  close(fd);
  xunlink(nm);
}

// More objects than the table holds: ENFILE or ENOSPC; nothing leaks.
#define TM_MAX 4096

static void
t_toomany(void)
{
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int n, err = 0;
  // Create until the table is full; nothing below may fail() before the
  // names are removed again.
  for (n = 0; n < TM_MAX; n++) {
    snprintf(namebuf, sizeof(namebuf), "/t_many%d", n);
    shm_unlink(namebuf);
    errno = 0;
    int fd = shm_open(namebuf, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
      err = errno;
      break;
    }
    close(fd);
  }
  tl_vmstat(&vs[1]);
  // The name that failed must not exist.
  errno = 0;
  int r = shm_open(namebuf, O_RDWR, 0);
  int renoent = r == -1 && errno == ENOENT;
  if (r >= 0) {
    close(r);
    shm_unlink(namebuf);
  }
  int bad = 0;
  for (int i = 0; i < n; i++) {
    snprintf(namebuf, sizeof(namebuf), "/t_many%d", i);
    if (shm_unlink(namebuf) != 0)
      bad++;
  }
  tl_vmstat(&vs[2]);

  check(n < TM_MAX, "created %d objects and the table never filled up", n);
  check(err == ENFILE || err == ENOSPC, "object %d: errno %d (%s), want ENFILE or ENOSPC", n, err,
        strerror(err));
  check(n >= 8, "only %d objects fit in the table", n);
  check(renoent, "the object whose creation failed exists");
  check(bad == 0, "%d of %d names could not be removed", bad, n);
  expect_shm("table full", &vs[1], &vs[0], n, 0);
  expect_shm("after removing all", &vs[2], &vs[0], 0, 0);
  // The table works again.
  int fd = xcreate("/t_many_again", 1);
  close(fd);
  xunlink("/t_many_again");
}

// ---------------------------------------------------------------- rights

// An object opened O_RDONLY maps only PROT_READ; a read-only mapping
// cannot store; mprotect cannot exceed what the fd allows.
static void
t_rdonly(void)
{
  const char *nm = "/t_rdonly";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 2, 5);
  int ro = xshm_open(nm, O_RDONLY);
  expect_err(mmap(0, 2 * PGSIZE, RW, MAP_SHARED, ro, 0), EACCES);
  expect_err(mmap(0, 2 * PGSIZE, PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
  char *q = xmmap(2 * PGSIZE, PROT_READ, MAP_SHARED, ro, 0);
  verify("read-only mapping", q, 0, 2, 5);
  expect_err(mprotect(q, 2 * PGSIZE, RW), EACCES);
  expect_killed_at("store to a PROT_READ mapping of an O_RDONLY object", probe_store, (uint64)q + 8);
  expect_killed_at("store to its second page", probe_store, (uint64)q + 2 * PGSIZE - 1);
  expect_alive_at("load from it", probe_load, (uint64)q + PGSIZE);
  // The writer's stores show through at once.
  ((uint64 *)p)[3] = 0x1234;
  check(((uint64 *)q)[3] == 0x1234, "the reader's mapping does not see the writer's store");
  ((uint64 *)p)[3] = tag(5, 0, 3);
  verify("read-only mapping after the failed stores", q, 0, 2, 5);

  // A read-only mapping of a read-write fd may be upgraded.
  char *r = xmmap(PGSIZE, PROT_READ, MAP_SHARED, fd, PGSIZE);
  expect_killed_at("store to a PROT_READ mapping of an O_RDWR object", probe_store, (uint64)r);
  expect_ok(mprotect(r, PGSIZE, RW));
  ((uint64 *)r)[7] = 77;
  check(((uint64 *)p)[WORDS + 7] == 77 && ((uint64 *)q)[WORDS + 7] == 77,
        "store after mprotect(PROT_READ|PROT_WRITE) not seen by the other mappings");
  xmunmap(r, PGSIZE);
  xmunmap(q, 2 * PGSIZE);
  xmunmap(p, 2 * PGSIZE);
  close(ro);
  close(fd);
  xunlink(nm);
}

// A writer and a reader in two processes that opened the object by name:
// every store of the writer is seen by the reader, which only spins on
// memory (no system call in between). The reader answers through a second
// object. Then a store by the reader kills it.
#define CO_ROUNDS 128

static void
t_coherent(void)
{
  const char *dn = "/t_coh", *an = "/t_cohack";
  int fd = xcreate(dn, 1);
  int afd = xcreate(an, 1);
  int pid = xfork();
  if (pid == 0) {
    close(fd);
    close(afd);
    int rfd = xshm_open(dn, O_RDONLY);
    uint64 *d = (uint64 *)xmmap(PGSIZE, PROT_READ, MAP_SHARED, rfd, 0);
    int wfd = xshm_open(an, O_RDWR);
    uint64 *a = (uint64 *)xmmap(PGSIZE, RW, MAP_SHARED, wfd, 0);
    for (uint64 k = 1; k <= CO_ROUNDS; k++) {
      spin_until(&d[0], k, "reader");
      for (long j = 1; j < WORDS; j++)
        if (d[j] != tag((int)k, 0, j))
          fail("reader, round %lu: word %ld is 0x%lx, want 0x%lx", k, j, d[j], tag((int)k, 0, j));
      __atomic_store_n(&a[0], k, __ATOMIC_RELEASE);
    }
    expect_killed_at("reader's store to its PROT_READ mapping", probe_store, (uint64)&d[5]);
    check(d[5] == tag(CO_ROUNDS, 0, 5), "a killed store changed the object");
    exit(0);
  }
  uint64 *d = (uint64 *)xmmap(PGSIZE, RW, MAP_SHARED, fd, 0);
  uint64 *a = (uint64 *)xmmap(PGSIZE, RW, MAP_SHARED, afd, 0);
  for (uint64 k = 1; k <= CO_ROUNDS; k++) {
    for (long j = 1; j < WORDS; j++)
      d[j] = tag((int)k, 0, j);
    __atomic_store_n(&d[0], k, __ATOMIC_RELEASE);
    spin_until(&a[0], k, "writer");
  }
  check(wait_pid(pid) == 0, "reader failed");
  xmunmap((char *)d, PGSIZE);
  xmunmap((char *)a, PGSIZE);
  close(fd);
  close(afd);
  xunlink(dn);
  xunlink(an);
}

// ---------------------------------------------------------------- truncation

// Shrinking unmaps the pages past the end from every process: touching
// them kills only the process that touches; frames past the end are freed.
static void
t_shrink(void)
{
  const char *nm = "/t_shrink";
  int ready[2], go[2];
  char c;
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = xcreate(nm, 4);
  char *p = xmmap(4 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 4, 6);
  expect_ok(pipe(ready));
  expect_ok(pipe(go));

  // A: inherited mapping, page 3 resident, touches it after the shrink.
  int a = xfork();
  if (a == 0) {
    verify("child A before the shrink", p, 0, 4, 6);
    write(ready[1], "a", 1);
    read(go[0], &c, 1);
    verify("child A, page 0 after the shrink", p, 0, 1, 6);
    tl_expect_kill("load from page 3 after the shrink");
    probe_addr = (uint64)p + 3 * PGSIZE + 16;
    probe_load();
    exit(0);     // survived: the runner reports status 0 != -1
  }
  // B: its own mapping by name, all pages resident; touches only page 0.
  int b = xfork();
  if (b == 0) {
    int bfd = xshm_open(nm, O_RDWR);
    char *bp = xmmap(4 * PGSIZE, RW, MAP_SHARED, bfd, 0);
    verify("child B before the shrink", bp, 0, 4, 6);
    write(ready[1], "b", 1);
    read(go[0], &c, 1);
    verify("child B, page 0 after the shrink", bp, 0, 1, 6);
    exit(0);
  }
  for (int i = 0; i < 2; i++)
    check(read(ready[0], &c, 1) == 1, "children died before the shrink");
  xftruncate(fd, PGSIZE);
  expect_size(fd, PGSIZE);
  tl_vmstat(&vs[1]);
  expect_shm("4-page object shrunk to 1 page", &vs[1], &vs[0], 1, 1);
  write(go[1], "xx", 2);
  int sa = wait_pid(a), sb = wait_pid(b);
  check(sa == -1, "child A touching page 3 after the shrink: status %d, want -1 (killed)", sa);
  check(sb == 0, "child B touching page 0 after the shrink: status %d, want 0", sb);

  // Here: page 0 intact, pages 1-3 fault.
  verify("page 0 after the shrink", p, 0, 1, 6);
  expect_killed_at("load from page 1 after the shrink", probe_load, (uint64)p + PGSIZE);
  expect_killed_at("store to page 3 after the shrink", probe_store, (uint64)p + 4 * PGSIZE - 1);
  expect_alive_at("store to the last byte of page 0", probe_loadstore, (uint64)p + PGSIZE - 1);

  // Grown again: the old pages come back as zeros, through the same mapping.
  xftruncate(fd, 4 * PGSIZE);
  verify_zero("pages 1-3 after growing back", p, PGSIZE, 4 * PGSIZE);
  verify("page 0 after growing back", p, 0, 1, 6);
  fill(p, 4, 7);
  tl_vmstat(&vs[2]);
  expect_shm("grown back to 4 touched pages", &vs[2], &vs[0], 1, 4);
  xmunmap(p, 4 * PGSIZE);
  close(fd);
  close(ready[0]);
  close(ready[1]);
  close(go[0]);
  close(go[1]);
  xunlink(nm);
}

// Shrinking to the middle of a page zeroes the rest of that page.
static void
t_truncpartial(void)
{
  const char *nm = "/t_tpart";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  memset(p, 0xaa, 2 * PGSIZE);
  xftruncate(fd, PGSIZE + 100);
  expect_size(fd, PGSIZE + 100);
  for (long i = 0; i < PGSIZE + 100; i++)
    check((p[i] & 0xff) == 0xaa, "byte %ld below the new end is 0x%x", i, p[i] & 0xff);
  verify_zero("the tail of the last page after the shrink", p, PGSIZE + 100, 2 * PGSIZE);
  xftruncate(fd, 2 * PGSIZE);
  verify_zero("the tail after growing back", p, PGSIZE + 100, 2 * PGSIZE);
  check((p[PGSIZE + 99] & 0xff) == 0xaa, "the last byte kept is 0x%x", p[PGSIZE + 99] & 0xff);
  xftruncate(fd, 100);
  expect_killed_at("load from page 1 of a 100-byte object", probe_load, (uint64)p + PGSIZE);
  expect_alive_at("load past the end inside the last page", probe_load, (uint64)p + PGSIZE - 1);
  verify_zero("page 0 past a 100-byte end", p, 100, PGSIZE);
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  xunlink(nm);
}

// ---------------------------------------------------------------- lifetime

// Fork inherits the fd and the mapping; both sides see each other's stores.
static void
t_fork(void)
{
  const char *nm = "/t_fork";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 1, 8);
  int pid = xfork();
  if (pid == 0) {
    expect_size(fd, 2 * PGSIZE);
    verify("child, inherited mapping", p, 0, 1, 8);
    uint64 *w = (uint64 *)p;
    for (long j = 0; j < WORDS; j++)
      w[WORDS + j] = tag(9, 1, j);
    char *q = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
    verify("child, new mapping of the inherited fd, page 0", q, 0, 1, 8);
    verify("child, new mapping of the inherited fd, page 1", q, 1, 1, 9);
    close(fd);
    xmunmap(p, 2 * PGSIZE);
    xmunmap(q, 2 * PGSIZE);
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  verify("parent, page 1 written by the child", p, 1, 1, 9);
  verify("parent, page 0", p, 0, 1, 8);
  expect_size(fd, 2 * PGSIZE);      // the child's close did not close ours
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  xunlink(nm);
}

// MAP_PRIVATE is a copy-on-write view: its stores are seen by nobody else.
static void
t_private(void)
{
  const char *nm = "/t_priv";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 2, 10);
  char *q = xmmap(2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  verify("private view", q, 0, 2, 10);
  fill(q, 1, 11);                           // copies page 0
  verify("shared view after stores to the private one", p, 0, 2, 10);
  verify("private view, page 1 (not stored to)", q, 1, 1, 10);
  fill(p, 1, 12);                           // the private copy keeps its data
  verify("private view after stores to the shared one", q, 0, 1, 11);

  int pid = xfork();
  if (pid == 0) {
    int cfd = xshm_open(nm, O_RDONLY);
    char *c = xmmap(2 * PGSIZE, PROT_READ, MAP_SHARED, cfd, 0);
    verify("another process: page 0", c, 0, 1, 12);
    verify("another process: page 1", c, 1, 1, 10);
    verify("child's inherited private view", q, 0, 1, 11);
    fill(q, 1, 13);                         // the child's own copy
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  verify("private view after the child stored to its copy", q, 0, 1, 11);

  // A private writable view of an O_RDONLY fd is allowed.
  int ro = xshm_open(nm, O_RDONLY);
  char *r = xmmap(2 * PGSIZE, RW, MAP_PRIVATE, ro, 0);
  verify("private view of an O_RDONLY fd", r, 1, 1, 10);
  fill(r, 2, 14);
  verify("shared view after stores to a private view of an O_RDONLY fd", p, 1, 1, 10);
  verify("shared view, page 0", p, 0, 1, 12);
  xmunmap(r, 2 * PGSIZE);
  xmunmap(q, 2 * PGSIZE);
  verify("shared view after the private views went", p, 0, 1, 12);
  xmunmap(p, 2 * PGSIZE);
  close(ro);
  close(fd);
  xunlink(nm);
}

// Removing the name of a mapped object: the data stays, the name is gone,
// a new object may take the name.
static void
t_unlinkmapped(void)
{
  const char *nm = "/t_unlmap";
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 2, 15);
  xunlink(nm);
  expect_gone(nm);
  expect_err(shm_unlink(nm), ENOENT);
  verify("mapping after shm_unlink", p, 0, 2, 15);
  expect_size(fd, 2 * PGSIZE);
  fill(p, 1, 16);
  char *q = xmmap(2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);    // the fd still maps
  verify("new mapping of an unlinked object", q, 0, 1, 16);
  verify("new mapping of an unlinked object, page 1", q, 1, 1, 15);

  int fd2 = xshm_open(nm, O_CREAT | O_EXCL | O_RDWR);
  expect_size(fd2, 0);
  xftruncate(fd2, 2 * PGSIZE);
  char *r = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd2, 0);
  verify_zero("new object under the old name", r, 0, 2 * PGSIZE);
  fill(r, 2, 17);
  verify("old object after the new one was written", p, 0, 1, 16);
  tl_vmstat(&vs[1]);
  expect_shm("two objects, one unlinked", &vs[1], &vs[0], 2, 4);
  xmunmap(p, 2 * PGSIZE);
  xmunmap(q, 2 * PGSIZE);
  xmunmap(r, 2 * PGSIZE);
  close(fd);
  close(fd2);
  xunlink(nm);
  tl_vmstat(&vs[2]);
  expect_shm("after removing both", &vs[2], &vs[0], 0, 0);
}

// The object's memory is freed exactly when the last fd, mapping and name
// go, whichever order they go in.
#define LR_PAGES 64
static struct vmstat *lr_base = &vs[0], *lr_prev = &vs[1], *lr_cur = &vs[2];

static void
lr_check(const char *after, int alive)
{
  tl_vmstat(lr_cur);
  long freed = (long)lr_cur->frames_free - (long)lr_prev->frames_free;
  if (alive) {
    expect_shm(after, lr_cur, lr_base, 1, LR_PAGES);
    check(freed <= 8, "%s: %ld frames freed while the object lives", after, freed);
  } else {
    expect_shm(after, lr_cur, lr_base, 0, 0);
    check(freed >= LR_PAGES, "%s: %ld frames freed, want at least %d", after, freed, LR_PAGES);
  }
  *lr_prev = *lr_cur;
}

static char *
lr_setup(const char *nm, int *fd)
{
  tl_vmstat(lr_base);
  *fd = xcreate(nm, LR_PAGES);
  char *p = xmmap(LR_PAGES * PGSIZE, RW, MAP_SHARED, *fd, 0);
  fill(p, LR_PAGES, 18);
  tl_vmstat(lr_prev);
  lr_check("creating and touching", 1);
  return p;
}

static void
t_lastref(void)
{
  const char *nm = "/t_lastref";
  int fd, ctl[2];
  char c;
  memset(vs, 0, sizeof(vs));

  // 1. name, then mapping, then fd.
  char *p = lr_setup(nm, &fd);
  xunlink(nm);
  lr_check("shm_unlink (fd and mapping left)", 1);
  xmunmap(p, LR_PAGES * PGSIZE);
  lr_check("shm_unlink, munmap (fd left)", 1);
  close(fd);
  lr_check("shm_unlink, munmap, close", 0);

  // 2. fd, then name, then mapping.
  p = lr_setup(nm, &fd);
  close(fd);
  lr_check("close (name and mapping left)", 1);
  verify("mapping after close", p, 0, LR_PAGES, 18);
  xunlink(nm);
  lr_check("close, shm_unlink (mapping left)", 1);
  verify("mapping after close and shm_unlink", p, 0, LR_PAGES, 18);
  xmunmap(p, LR_PAGES * PGSIZE);
  lr_check("close, shm_unlink, munmap", 0);

  // 3. The name alone keeps the object: reopened, the data is there.
  p = lr_setup(nm, &fd);
  xmunmap(p, LR_PAGES * PGSIZE);
  close(fd);
  lr_check("munmap, close (name left)", 1);
  fd = xshm_open(nm, O_RDONLY);
  p = xmmap(LR_PAGES * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  verify("object reopened by name", p, 0, LR_PAGES, 18);
  xmunmap(p, LR_PAGES * PGSIZE);
  close(fd);
  lr_check("munmap, close again (name left)", 1);
  xunlink(nm);
  lr_check("munmap, close, shm_unlink", 0);

  // 4. A child's inherited mapping is the last reference; its exit frees.
  p = lr_setup(nm, &fd);
  expect_ok(pipe(ctl));
  int pid = xfork();
  if (pid == 0) {
    close(fd);
    close(ctl[1]);
    read(ctl[0], &c, 1);
    verify("child, after the parent dropped everything", p, 0, LR_PAGES, 18);
    exit(0);
  }
  close(ctl[0]);
  xunlink(nm);
  xmunmap(p, LR_PAGES * PGSIZE);
  close(fd);
  lr_check("parent: shm_unlink, munmap, close (child's mapping left)", 1);
  write(ctl[1], "x", 1);
  close(ctl[1]);
  check(wait_pid(pid) == 0, "child failed");
  lr_check("the child holding the last mapping exited", 0);
}

// exec drops the mappings but keeps the fd.
static void
t_execfd(void)
{
  const char *nm = "/t_exec";
  int fd = xcreate(nm, 2);
  char *p = xmmap(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, 2, 19);
  int pid = xfork();
  if (pid == 0) {
    snprintf(argbuf[0], sizeof(argbuf[0]), "%d", fd);
    snprintf(argbuf[1], sizeof(argbuf[1]), "%lu", (uint64)p);
    snprintf(argbuf[2], sizeof(argbuf[2]), "%ld", 2L * PGSIZE);
    char *argv[] = { tl_self, "--child-fd", argbuf[0], argbuf[1], argbuf[2], (char *)nm, 0 };
    exec(tl_self, argv);
    fail("exec %s: %s", tl_self, strerror(errno));
  }
  int s = wait_pid(pid);
  static const char *why[] = {
    "ok", "bad arguments (or exec failed)", "fstat of the fd failed", "fd is not T_SHM",
    "wrong size", "vmmap failed", "the old mapping survived exec",
    "a region still carries the object's name", "mmap of the fd failed",
    "the object's data is wrong",
  };
  check(s == 0, "after exec: %s (status %d)", s > 0 && s < NELEM(why) ? why[s] : "?", s);
  verify("parent after the child's exec", p, 0, 2, 19);
  xmunmap(p, 2 * PGSIZE);
  close(fd);
  xunlink(nm);
}

static uint64
parse_u64(const char *s)
{
  uint64 v = 0;
  for (; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (*s - '0');
  return v;
}

// shmtests --child-fd FD ADDR SIZE NAME: run after exec by t_execfd.
static void
child_fd(int argc, char **argv)
{
  if (argc != 6)
    exit(1);
  int fd = atoi(argv[2]);
  uint64 old = parse_u64(argv[3]);
  long size = (long)parse_u64(argv[4]);
  const char *nm = argv[5];
  if (fstat(fd, &st) != 0)
    exit(2);
  if (st.type != T_SHM)
    exit(3);
  if ((long)st.size != size)
    exit(4);
  int n = vmmap(getpid(), regs, NELEM(regs));
  if (n < 0)
    exit(5);
  if (n > NELEM(regs))
    n = NELEM(regs);
  for (int i = 0; i < n; i++) {
    if (regs[i].start <= old && old < regs[i].end)
      exit(6);
    if (region_named(&regs[i], nm))
      exit(7);
  }
  uint64 *w = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
  if ((char *)w == MAP_FAILED)
    exit(8);
  for (long i = 0; i < size / PGSIZE; i++)
    if (w[i * WORDS + 5] != tag(19, i, 5))
      exit(9);
  exit(0);
}

// ---------------------------------------------------------------- accounting

// vmstat counts objects and frames; vmmap names shm regions by object name;
// a second process maps the same frames (no new shm frames).
#define CN_PAGES 16

static void
t_counters(void)
{
  const char *nm = "/t_cnt";
  int ctl[2], done[2];
  char c;
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int fd = xcreate(nm, 0);
  tl_vmstat(&vs[1]);
  expect_shm("empty object", &vs[1], &vs[0], 1, 0);
  xftruncate(fd, CN_PAGES * PGSIZE);
  tl_vmstat(&vs[1]);
  check(vs[1].frames_shm - vs[0].frames_shm <= CN_PAGES, "ftruncate to %d pages: frames_shm %+ld",
        CN_PAGES, (long)(vs[1].frames_shm - vs[0].frames_shm));
  char *p = xmmap(CN_PAGES * PGSIZE, RW, MAP_SHARED, fd, 0);
  fill(p, CN_PAGES, 20);
  tl_vmstat(&vs[2]);
  expect_shm("all pages touched", &vs[2], &vs[0], 1, CN_PAGES);
  long nf = (long)(vs[2].fault_shm - vs[1].fault_shm);
  check(nf >= 1 && nf <= CN_PAGES, "touching %d pages of a new mapping: fault_shm %+ld", CN_PAGES, nf);

  struct vmregion *g = region_of((uint64)p);
  check(g, "no region holds the mapping at %p", p);
  check(g->start == (uint64)p && g->end == (uint64)p + CN_PAGES * PGSIZE,
        "region [%p, %p), want [%p, %p)", (void *)g->start, (void *)g->end, p, p + CN_PAGES * PGSIZE);
  check((g->prot & (VMR_READ | VMR_WRITE | VMR_SHARED | VMR_EXEC)) == (VMR_READ | VMR_WRITE | VMR_SHARED),
        "region prot 0x%x, want r, w, shared", g->prot);
  check(region_named(g, nm), "shared region named \"%s\", want \"%s\"", g->name, nm);
  check(g->offset == 0 && g->ino == 0, "region offset %lu ino %u, want 0 0", g->offset, g->ino);
  check(g->resident == CN_PAGES, "region: %u resident pages, want %d", g->resident, CN_PAGES);

  // A read-only window at an offset: the same frames.
  char *q = xmmap(2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 4 * PGSIZE);
  verify("window at page 4", q - 4 * PGSIZE, 4, 2, 20);
  g = region_of((uint64)q);
  check(g && g->offset == 4 * PGSIZE, "window region offset %lu, want %ld", g ? g->offset : 0,
        4L * PGSIZE);
  check((g->prot & (VMR_WRITE | VMR_SHARED)) == VMR_SHARED, "window prot 0x%x, want r, shared", g->prot);
  check(region_named(g, nm), "window region named \"%s\"", g->name);

  // A private view: named too; its copies are not shm frames.
  char *r = xmmap(2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  g = region_of((uint64)r);
  check(g && !(g->prot & VMR_SHARED), "private view region is shared (prot 0x%x)", g ? g->prot : 0);
  check(region_named(g, nm), "private view region named \"%s\"", g->name);
  r[0] = 1;
  r[PGSIZE] = 2;
  tl_vmstat(&vs[3]);
  expect_shm("after copy-on-write of 2 private pages", &vs[3], &vs[0], 1, CN_PAGES);

  // Another process maps the same frames.
  expect_ok(pipe(ctl));
  expect_ok(pipe(done));
  int pid = xfork();
  if (pid == 0) {
    close(ctl[1]);
    int cfd = xshm_open(nm, O_RDWR);
    tl_vmstat(&vs[4]);                     // the page holding vs is ours now
    tl_vmstat(&vs[4]);
    char *cp = xmmap(CN_PAGES * PGSIZE, RW, MAP_SHARED, cfd, 0);
    verify("another process", cp, 0, CN_PAGES, 20);
    tl_vmstat(&vs[5]);
    expect_shm("another process touched every page", &vs[5], &vs[0], 1, CN_PAGES);
    long used = (long)vs[4].frames_free - (long)vs[5].frames_free;
    check(used <= 8, "mapping %d pages of an object took %ld frames", CN_PAGES, used);
    g = region_of((uint64)cp);
    check(g && g->resident == CN_PAGES && g->shared == CN_PAGES,
          "second mapper's region: %u resident, %u shared, want %d %d", g ? g->resident : 0,
          g ? g->shared : 0, CN_PAGES, CN_PAGES);
    check(region_named(g, nm), "second mapper's region named \"%s\"", g->name);
    write(done[1], "d", 1);
    read(ctl[0], &c, 1);
    exit(0);
  }
  close(done[1]);
  check(read(done[0], &c, 1) == 1, "the second mapper failed");
  g = region_of((uint64)p);
  check(g && g->shared == CN_PAGES, "first mapper's region: %u shared, want %d", g ? g->shared : 0,
        CN_PAGES);
  write(ctl[1], "x", 1);
  close(ctl[1]);
  close(ctl[0]);
  close(done[0]);
  check(wait_pid(pid) == 0, "second mapper failed");

  // A 31-character name, cut to fit vmregion.name.
  make_name(namebuf2, SHM_NAME_MAX - 1, 'n');
  int lfd = xcreate(namebuf2, 1);
  char *l = xmmap(PGSIZE, PROT_READ, MAP_SHARED, lfd, 0);
  g = region_of((uint64)l);
  check(g && region_named(g, namebuf2), "region of \"%s\" named \"%.*s\"", namebuf2,
        (int)sizeof(g->name), g ? g->name : "");
  tl_vmstat(&vs[6]);
  expect_shm("two objects", &vs[6], &vs[0], 2, CN_PAGES);

  xmunmap(l, PGSIZE);
  close(lfd);
  xunlink(namebuf2);
  xmunmap(p, CN_PAGES * PGSIZE);
  xmunmap(q, 2 * PGSIZE);
  xmunmap(r, 2 * PGSIZE);
  close(fd);
  xunlink(nm);
  tl_vmstat(&vs[7]);
  expect_shm("everything removed", &vs[7], &vs[0], 0, 0);
}

// ---------------------------------------------------------------- the ring

// Run argv[0] with its standard output into a pipe; *out gets the read end.
static int
spawn(char **argv, int *out)
{
  int p[2];
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    close(1);
    if (dup(p[1]) != 1)
      fail("dup to fd 1");
    close(p[0]);
    close(p[1]);
    exec(argv[0], argv);
    fail("exec %s: %s", argv[0], strerror(errno));
  }
  close(p[1]);
  *out = p[0];
  return pid;
}

// Read fd to end of file into buf (a C string).
static void
slurp(int fd, char *buf, int cap)
{
  int n = 0, r;
  while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
    n += r;
  buf[n] = 0;
  close(fd);
}

// shmwrite and shmread move the stream through NAME; reader_first starts
// the reader first and the writer some ticks later.
static void
ring_run(const char *nm, const char *mib, int reader_first)
{
  char *wargv[] = { "/shmwrite", (char *)nm, (char *)mib, 0 };
  char *rargv[] = { "/shmread", (char *)nm, (char *)mib, 0 };
  int wout, rout, w, r;
  memset(vs, 0, sizeof(vs));
  shm_unlink(nm);
  tl_vmstat(&vs[0]);
  if (reader_first) {
    r = spawn(rargv, &rout);
    sleep(5);
    w = spawn(wargv, &wout);
  } else {
    w = spawn(wargv, &wout);
    r = spawn(rargv, &rout);
  }
  slurp(rout, outbuf[0], sizeof(outbuf[0]));
  slurp(wout, outbuf[1], sizeof(outbuf[1]));
  int sr = wait_pid(r), sw = wait_pid(w);
  check(sr == 0, "shmread exited with %d (output \"%s\")", sr, outbuf[0]);
  check(sw == 0, "shmwrite exited with %d (output \"%s\")", sw, outbuf[1]);
  snprintf(namebuf2, sizeof(namebuf2), "shmread: %s MiB verified\n", mib);
  check(strcmp(outbuf[0], namebuf2) == 0, "shmread printed \"%s\", want \"%s\"", outbuf[0], namebuf2);
  expect_gone(nm);            // the last one out removed the name
  tl_vmstat(&vs[1]);
  expect_shm("after the ring", &vs[1], &vs[0], 0, 0);
}

// 64 MiB through the ring; the writer starts first.
static void
t_ring(void)
{
  ring_run("/t_ring", "64", 0);
}

// The reader starts first (and creates the object).
static void
t_ringrev(void)
{
  ring_run("/t_ringrev", "8", 1);
}

// The reader expects another size: it fails, the writer gives up too, and
// the name is removed.
static void
t_ringbad(void)
{
  char *wargv[] = { "/shmwrite", "/t_ringbad", "4", 0 };
  char *rargv[] = { "/shmread", "/t_ringbad", "8", 0 };
  int wout, rout;
  memset(vs, 0, sizeof(vs));
  shm_unlink("/t_ringbad");
  tl_vmstat(&vs[0]);
  int w = spawn(wargv, &wout);
  int r = spawn(rargv, &rout);
  slurp(rout, outbuf[0], sizeof(outbuf[0]));
  slurp(wout, outbuf[1], sizeof(outbuf[1]));
  int sr = wait_pid(r), sw = wait_pid(w);
  check(sr == 1, "shmread expecting 8 MiB from a 4 MiB writer: status %d, want 1", sr);
  check(sw == 1, "shmwrite whose reader gave up: status %d, want 1", sw);
  expect_gone("/t_ringbad");
  tl_vmstat(&vs[1]);
  expect_shm("after the failed ring", &vs[1], &vs[0], 0, 0);
}

// ---------------------------------------------------------------- table

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "basic", t_basic },
  { "otrunc", t_otrunc },
  { "badname", t_badname },
  { "longname", t_longname },
  { "excl", t_excl },
  { "noent", t_noent },
  { "ftruncbad", t_ftruncbad },
  { "bigobj", t_bigobj },
  { "toomany", t_toomany },
  { "rdonly", t_rdonly },
  { "coherent", t_coherent },
  { "shrink", t_shrink },
  { "truncpartial", t_truncpartial },
  { "fork", t_fork },
  { "private", t_private },
  { "unlinkmapped", t_unlinkmapped },
  { "lastref", t_lastref },
  { "execfd", t_execfd },
  { "counters", t_counters },
  { "ring", t_ring },
  { "ringrev", t_ringrev },
  { "ringbad", t_ringbad },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--child-fd") == 0)
    child_fd(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
