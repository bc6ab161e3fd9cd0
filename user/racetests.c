// racetests: the memory system under concurrency, pressure and hostile
// programs (issue 9). Each subtest is a case that once hung, panicked,
// lost data or killed the wrong process; see the comment above each.
// Subtests that need a special boot (a small disk, a fault delay) have
// their own lines in tests/tests.txt.
#include "user/testlib.h"

#define NPG 16                          // pages in the test files

// A file of npages pages, every byte c.
static void
make_file(const char *path, int npages, char c)
{
  static char page[PGSIZE];
  memset(page, c, PGSIZE);
  int fd = xopen(path, O_CREATE | O_RDWR | O_TRUNC);
  for (int i = 0; i < npages; i++)
    xwrite(fd, page, PGSIZE);
  close(fd);
}

static char *
xmmap(int len, int prot, int flags, int fd, long off)
{
  char *p = mmap(0, len, prot, flags, fd, off);
  if (p == (char *)-1)
    fail("mmap(%d bytes, prot %d, flags 0x%x, fd %d): %s", len, prot, flags, fd, strerror(errno));
  return p;
}

// One side of crossread: read() and write() between file `io` and a
// private mapping of file `map`, so that the user copy faults on `map`
// while the kernel works on `io`. Both files hold only 'Z', so the
// writes change nothing and both sides can check what they read.
static void
cross(const char *io, const char *map, int iters)
{
  for (int i = 0; i < iters; i++) {
    int fio = xopen(io, O_RDWR), fmap = xopen(map, O_RDONLY);
    char *p = xmmap(NPG * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fmap, 0);
    int n = (i % 2) ? write(fio, p, NPG * PGSIZE) : read(fio, p, NPG * PGSIZE);
    if (n != NPG * PGSIZE)
      fail("%s %s from a mapping of %s: %d: %s", i % 2 ? "write" : "read", io, map, n, strerror(errno));
    for (int j = 0; j < NPG * PGSIZE; j += 512)
      if (p[j] != 'Z')
        fail("byte %d is %d after iteration %d", j, p[j], i);
    munmap(p, NPG * PGSIZE);
    close(fio);
    close(fmap);
  }
  exit(0);
}

// Deadlock (item 1): P reads F into a private mapping of G while Q reads
// G into a mapping of F (and the same with write). The kernel once held
// the inode lock (and the log) across the user copy; the copy faulted on
// the other file and took its inode lock: both slept forever.
static void
t_crossread(void)
{
  make_file("rt_f", NPG, 'Z');
  make_file("rt_g", NPG, 'Z');
  int a = xfork();
  if (a == 0)
    cross("rt_f", "rt_g", 60);
  int b = xfork();
  if (b == 0)
    cross("rt_g", "rt_f", 60);
  check(wait_pid(a) == 0 && wait_pid(b) == 0, "a crossing reader failed");
  unlink("rt_f");
  unlink("rt_g");
}

// A COW break racing a truncation (item 2). Booted with faultdelay=N,
// the COW break spins between copying the page and installing the copy;
// meanwhile the truncation removes the PTE through the reverse map. The
// kernel once dropped the old frame twice (panic: frame_put: free frame).
// The children may be killed (the page is past EOF after a truncation):
// that is expected; the kernel must survive and leak nothing.
static void
t_cowtrunc(void)
{
  make_file("rt_c", 2, 'C');
  int tr = xfork();
  if (tr == 0) {
    int fd = xopen("rt_c", O_RDWR);
    for (int i = 0; i < 400; i++) {
      if (ftruncate(fd, PGSIZE) < 0 || ftruncate(fd, 2 * PGSIZE) < 0)
        fail("ftruncate: %s", strerror(errno));
    }
    exit(0);
  }
  printf("expected: some children are killed (page past EOF)\n");
  for (int round = 0; round < 20; round++) {
    int pid = xfork();
    if (pid == 0) {
      int fd = xopen("rt_c", O_RDONLY);
      for (int i = 0; i < 20; i++) {
        volatile char *p = xmmap(2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        (void)p[PGSIZE];        // map the cached page, read-only, COW
        p[PGSIZE] = 'x';        // break it, slowly
        munmap((char *)p, 2 * PGSIZE);
      }
      exit(0);
    }
    int st = wait_pid(pid);
    check(st == 0 || st == -1, "COW child: status %d", st);
  }
  check(wait_pid(tr) == 0, "truncater failed");
  unlink("rt_c");
}

// Write-back errors (item 5): a shared mapping over a hole on a full
// disk. msync must say ENOSPC (it once returned 0 and the data was
// gone), the page must stay dirty, and once there is room, a second
// msync must write it. Needs a small disk (fssize=).
static void
t_wberr(void)
{
  static char buf[PGSIZE];
  int hole = xopen("rt_hole", O_CREATE | O_RDWR | O_TRUNC);
  check(ftruncate(hole, NPG * PGSIZE) == 0, "ftruncate: %s", strerror(errno));
  int fill = xopen("rt_fill", O_CREATE | O_RDWR | O_TRUNC);
  memset(buf, 'f', sizeof buf);
  while (write(fill, buf, sizeof buf) == sizeof buf)
    ;
  check(write(fill, buf, 1) < 0 && errno == ENOSPC, "the disk is not full: %s", strerror(errno));
  char *p = xmmap(NPG * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, hole, 0);
  for (int i = 0; i < NPG * PGSIZE; i++)
    p[i] = 'a' + i % 26;
  errno = 0;
  check(msync(p, NPG * PGSIZE, MS_SYNC) < 0 && errno == ENOSPC,
        "msync on a full disk: %s, want ENOSPC", strerror(errno));
  close(fill);
  check(unlink("rt_fill") == 0, "unlink: %s", strerror(errno));
  check(msync(p, NPG * PGSIZE, MS_SYNC) == 0, "msync with room again: %s", strerror(errno));
  check(munmap(p, NPG * PGSIZE) == 0, "munmap: %s", strerror(errno));
  check(lseek(hole, 0, SEEK_SET) == 0, "lseek");
  for (int pg = 0; pg < NPG; pg++) {
    xread(hole, buf, PGSIZE);
    for (int i = 0; i < PGSIZE; i++)
      if (buf[i] != 'a' + (pg * PGSIZE + i) % 26)
        fail("byte %d of page %d lost: %d", i, pg, buf[i]);
  }
  close(hole);
  unlink("rt_hole");
}

// ETXTBSY (item 6): a file that is mapped executable (a running program,
// a loaded library) cannot be opened for writing or truncated. Without
// it one program could truncate /lib/libc.so and kill every process.
static void
t_etxtbsy(void)
{
  expect_err(open("/lib/libc.so", O_RDWR), ETXTBSY);
  expect_err(open("/lib/libc.so", O_WRONLY | O_TRUNC), ETXTBSY);
  expect_err(open(tl_self, O_WRONLY), ETXTBSY);
  int fd = expect_ok(open("/lib/libc.so", O_RDONLY));
  close(fd);
  // Our own file, mapped executable: busy until the mapping goes.
  make_file("rt_x", 1, 0);
  int ro = xopen("rt_x", O_RDONLY);
  int rw = xopen("rt_x", O_RDWR);
  char *p = xmmap(PGSIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE, ro, 0);
  expect_err(open("rt_x", O_RDWR), ETXTBSY);
  expect_err(ftruncate(rw, 0), ETXTBSY);
  check(munmap(p, PGSIZE) == 0, "munmap");
  close(expect_ok(open("rt_x", O_RDWR)));
  check(ftruncate(rw, 0) == 0, "ftruncate after munmap: %s", strerror(errno));
  // mprotect adds and removes execute rights, and the busy state with them.
  p = xmmap(PGSIZE, PROT_READ, MAP_PRIVATE, ro, 0);
  close(expect_ok(open("rt_x", O_RDWR)));
  check(mprotect(p, PGSIZE, PROT_READ | PROT_EXEC) == 0, "mprotect: %s", strerror(errno));
  expect_err(open("rt_x", O_RDWR), ETXTBSY);
  check(mprotect(p, PGSIZE, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  close(expect_ok(open("rt_x", O_RDWR)));
  munmap(p, PGSIZE);
  close(ro);
  close(rw);
  unlink("rt_x");
}

// xv6's classic mem test (item 7): malloc until it fails, on a lazy
// heap. It once ran for over 20 minutes: below the low-water mark every
// allocation scanned all frames three times. Now the child is killed
// (out of memory) or malloc fails, quickly; either is fine.
static void
t_mem(void)
{
  printf("expected: a child killed for memory\n");
  int pid = xfork();
  if (pid == 0) {
    void *m1 = 0, *m2;
    while ((m2 = malloc(10001)) != 0) {
      *(char **)m2 = m1;
      m1 = m2;
    }
    while (m1) {
      m2 = *(char **)m1;
      free(m1);
      m1 = m2;
    }
    m1 = malloc(1024 * 20);
    if (m1 == 0)
      fail("couldn't allocate mem?!!");
    free(m1);
    exit(0);
  }
  int st = wait_pid(pid);
  check(st == 0 || st == -1, "mem child: status %d", st);
}

// usertests' countfree (item 7): a child grows its heap a page at a time
// and touches each page until it is killed, reporting each page through
// a pipe. It must end (killed) and must have got most of free memory;
// twice, and the second time about as much (no memory lost).
static long
countfree(void)
{
  int fds[2];
  check(pipe(fds) == 0, "pipe");
  printf("expected: a child killed for memory\n");
  int pid = xfork();
  if (pid == 0) {
    close(fds[0]);
    for (;;) {
      char *a = sbrk(PGSIZE);
      if (a == (char *)-1)
        break;
      *(volatile char *)(a + PGSIZE - 1) = 1;
      if (write(fds[1], "x", 1) != 1)
        break;
    }
    exit(0);
  }
  close(fds[1]);
  long n = 0;
  char c;
  while (read(fds[0], &c, 1) == 1)
    n++;
  close(fds[0]);
  int st = wait_pid(pid);
  check(st == -1 || st == 0, "countfree child: status %d", st);
  return n;
}

static void
t_countfree(void)
{
  long avail = tl_avail();
  long a = countfree(), b = countfree();
  check(a > avail / 2, "child got only %ld of %ld free pages", a, avail);
  check(b >= a - a / 10, "second countfree got %ld pages, the first %ld: memory lost", b, a);
}

// OOM picks one victim (item 9): four children each want 44% of the
// free memory. Two fit. Every process that ran out once died at once (all
// four could die); now one victim at a time, the largest, and the others
// wait for its memory: at least two finish. Children that got all their
// memory hold it until the parent lets them go, so the four always
// compete, however the harts schedule them: the first child to end must
// be one the OOM killer chose.
static void
t_oomfair(void)
{
  // 44% of the free frames, not of tl_avail(): the page cache counted
  // there need not be given up to feed anonymous growth.
  struct vmstat vs;
  check(vmstat(&vs) == 0, "vmstat");
  long each = (long)vs.frames_free * 44 / 100;
  int go[2], ok = 0, killed = 0, st;
  check(pipe(go) == 0, "pipe");
  printf("expected: children killed for memory\n");
  for (int i = 0; i < 4; i++) {
    if (xfork() == 0) {
      close(go[1]);
      char *p = sbrk(each * PGSIZE);
      if (p == (char *)-1)
        exit(2);
      for (long j = 0; j < each; j++)
        p[j * PGSIZE] = 1;
      char c;
      read(go[0], &c, 1);       // hold the memory until the parent closes go
      exit(0);
    }
  }
  close(go[0]);
  check(wait(&st) > 0, "wait");
  check(st == -1, "the first child to end was not killed for memory (status %d)", st);
  close(go[1]);
  killed++;
  for (int i = 1; i < 4; i++) {
    check(wait(&st) > 0, "wait");
    if (st == 0)
      ok++;
    else if (st == -1)
      killed++;
    else
      fail("a child: status %d", st);
  }
  check(ok >= 2, "only %d of 4 children finished (%d killed); 2 fit", ok, killed);
}

// A long write must notice kill (item 8): it once went on for minutes
// (filewrite never checked), and the process died 320 s after kill().
static void
t_killwrite(void)
{
  int fds[2];
  check(pipe(fds) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    long len = 48 * MiB;
    char *p = sbrk(len);
    if (p == (char *)-1)
      exit(2);
    for (long i = 0; i < len; i += PGSIZE)
      p[i] = 'w';
    int fd = xopen("rt_big", O_CREATE | O_RDWR | O_TRUNC);
    write(fds[1], "g", 1);
    write(fd, p, len);
    exit(0);
  }
  close(fds[1]);
  char c;
  check(read(fds[0], &c, 1) == 1, "child did not start");
  close(fds[0]);
  sleep(2);
  kill(pid);
  int st = wait_pid(pid);
  check(st == -1, "killed writer: status %d", st);
  int fd = xopen("rt_big", O_RDONLY);
  long size = fsize(fd);
  close(fd);
  check(size < 48 * MiB, "the write ran to its end (%ld bytes) despite the kill", size);
  unlink("rt_big");
}

// One process cannot take every region of the system (item 10): the
// region pool is global; a process that maps page after page once left
// nothing for anybody else's exec or mmap.
static void
t_regionpool(void)
{
  int fds[2];
  check(pipe(fds) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    close(fds[0]);
    int n = 0;
    // Separate regions: every other page, so none can merge.
    for (char *a = (char *)0x1000000000UL; ; a += 2 * PGSIZE, n++)
      if (mmap(a, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == (char *)-1)
        break;
    check(errno == ENOMEM, "mmap number %d: %s, want ENOMEM", n, strerror(errno));
    write(fds[1], "m", 1);
    sleep(1000);
    exit(0);
  }
  close(fds[1]);
  char c;
  check(read(fds[0], &c, 1) == 1, "mapper did not report");
  close(fds[0]);
  // Others can still map, fork and exec.
  char *p = xmmap(PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 1;
  int child = xfork();
  if (child == 0) {
    char *argv[] = { tl_self, "--exit", "7", 0 };
    exec(tl_self, argv);
    exit(3);
  }
  check(wait_pid(child) == 7, "fork+exec while one process holds its maximum of regions");
  kill(pid);
  wait_pid(pid);
}

// Costs that once grew with virtual size (item 8): fork of an untouched
// 64 GiB heap, mprotect and msync over huge ranges. Here only their
// results are checked; make bench has the times.
static void
t_hugevirt(void)
{
  char *base = sbrk(0);
  long gib = 0;
  for (; gib < 64; gib++)
    if (sbrk(1 << 30) == (char *)-1)
      break;
  check(gib >= 8, "sbrk: only %ld GiB", gib);
  base[0] = 1;
  base[gib * GiB - 1] = 2;
  for (int i = 0; i < 3; i++) {
    int pid = xfork();
    if (pid == 0)
      exit(base[0] == 1 && base[gib * GiB - 1] == 2 ? 0 : 1);
    check(wait_pid(pid) == 0, "fork of a %ld GiB heap", gib);
  }
  check(mprotect(base, gib * GiB, PROT_READ) == 0, "mprotect: %s", strerror(errno));
  check(base[gib * GiB - 1] == 2, "data after mprotect");
  check(mprotect(base, gib * GiB, PROT_READ | PROT_WRITE) == 0, "mprotect back: %s", strerror(errno));
  base[1] = 3;
  for (long i = 0; i < gib; i++)
    check(sbrk(-(1 << 30)) != (char *)-1, "sbrk down: %s", strerror(errno));
  // A 4 GiB shared file mapping, one page touched, msync of all of it.
  int fd = xopen("rt_sparse", O_CREATE | O_RDWR | O_TRUNC);
  check(ftruncate(fd, 8 * MiB) == 0, "ftruncate");
  char *m = mmap(0, 4 * GiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  check(m != (char *)-1, "mmap 4 GiB: %s", strerror(errno));
  m[5 * MiB] = 'q';
  check(msync(m, 4 * GiB, MS_SYNC) == 0, "msync: %s", strerror(errno));
  munmap(m, 4 * GiB);
  close(fd);
  unlink("rt_sparse");
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "crossread", t_crossread },
  { "etxtbsy", t_etxtbsy },
  { "mem", t_mem },
  { "countfree", t_countfree },
  { "oomfair", t_oomfair },
  { "killwrite", t_killwrite },
  { "regionpool", t_regionpool },
  { "hugevirt", t_hugevirt },
  { "cowtrunc", t_cowtrunc },
  { "wberr", t_wberr },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
