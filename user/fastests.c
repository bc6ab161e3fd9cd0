// fastests: the fast paths keep their promises (issue 10).
//
//   aroundeof    a fault on a cached file maps cached neighbours
//                (fault-around), never a page past EOF: a 16-page mapping
//                of a 6-page file has 6 pages resident, and the 7th kills
//   aroundwrite  fault-around maps read-only: the first store to a
//                neighbour of a shared mapping still faults, so the page
//                is dirty and msync writes it back (writebacks +1); a store
//                to a neighbour of a private mapping copies it, and the
//                file is unchanged
//   aroundend    fault-around stays inside the region: a mapping of another
//                file right after it gets nothing mapped, and reads its own
//                bytes
//   upgrade      one process makes a shared page writable again and again
//                (a store after each msync, which write-protects it) while
//                another, on another hart, spins reading it: the reader
//                sees every value, in order, and each store after an msync
//                faults (writebacks count them). No fence is sent when the
//                PTE gains write permission (docs/book/07-tlb.md): a stale
//                entry faults once more and is fenced locally then
//   killmany     50 processes asleep in read() on a pipe, all killed: all
//                are reaped, each with status -1 (3 harts: the kills wake
//                idle harts)
//   deferintr    spin locks do not turn interrupts off (kernel/lib/cpu.c):
//                one that arrives under a lock is deferred to the lock's
//                release. With a process on each hart taking locks in a
//                loop, deferrals happen (vmstat intr_deferred grows) and
//                every deferred interrupt is still taken: over 3 s of such
//                locking the kernel's tick count keeps up with the
//                hardware clock (rdtime) within a generous margin, so no
//                timer interrupt was held back for good
#include "user/testlib.h"

static char buf[PGSIZE];
static struct vmregion regs[64];

// The byte at offset off of file pattern id, never zero.
static char
pat(int id, long off)
{
  return (char)(((unsigned long)off * 2654435761UL + id * 977) >> 9 | 1);
}

// n bytes at off of fd, through read().
static void
readat(int fd, long off, int n)
{
  expect_eq(lseek(fd, off, SEEK_SET), off);
  xread(fd, buf, n);
}

// A file of size bytes of pattern id, read once with read() so that its
// pages are in the page cache.
static int
warm_file(const char *name, int id, long size)
{
  int fd = xopen(name, O_CREATE | O_TRUNC | O_RDWR);
  for (long off = 0; off < size; off += PGSIZE) {
    int n = size - off < PGSIZE ? size - off : PGSIZE;
    for (int i = 0; i < n; i++)
      buf[i] = pat(id, off + i);
    xwrite(fd, buf, n);
  }
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  for (long off = 0; off < size; off += PGSIZE)
    xread(fd, buf, size - off < PGSIZE ? size - off : PGSIZE);
  return fd;
}

static char *
xmmap(long len, int prot, int flags, int fd, long off)
{
  char *p = mmap(0, len, prot, flags, fd, off);
  if (p == MAP_FAILED)
    fail("mmap(%ld, 0x%x, 0x%x, %d, %ld): %s", len, prot, flags, fd, off, strerror(errno));
  return p;
}

// Pages resident in the region that holds va.
static uint
resident(uint64 va)
{
  int n = vmmap(getpid(), regs, 64);
  for (int i = 0; i < n && i < 64; i++)
    if (regs[i].start <= va && va < regs[i].end)
      return regs[i].resident;
  fail("no region at %p", (void *)va);
}

static void
t_aroundeof(void)
{
  long size = 5 * PGSIZE + 100;
  int fd = warm_file("fa_eof", 1, size);
  char *p = xmmap(16 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  check(p[0] == pat(1, 0), "first byte");
  uint n = resident((uint64)p);
  check(n == 6, "%u pages resident after one fault on a 6-page file mapped 16 pages long", n);
  for (long o = 0; o < size; o++)
    check(p[o] == pat(1, o), "byte %ld", o);
  for (long o = size; o < 6 * PGSIZE; o++)
    check(p[o] == 0, "byte %ld past EOF is 0x%x", o, p[o] & 0xff);
  expect_killed_at("load from the page after EOF", probe_load, (uint64)p + 6 * PGSIZE);
  check(resident((uint64)p) == 6, "%u pages resident", resident((uint64)p));
  munmap(p, 16 * PGSIZE);
  close(fd);
  expect_ok(unlink("fa_eof"));
}

static void
t_aroundwrite(void)
{
  struct vmstat a, z;
  int fd = warm_file("fa_w", 2, 16 * PGSIZE);
  char *s = xmmap(16 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  check(s[0] == pat(2, 0), "first byte");
  check(resident((uint64)s) == 16, "%u pages resident after one fault", resident((uint64)s));
  tl_vmstat(&a);
  s[3 * PGSIZE + 5] = 'X';       // a neighbour fault-around mapped
  expect_ok(msync(s, 16 * PGSIZE, MS_SYNC));
  tl_vmstat(&z);
  check(z.writebacks - a.writebacks == 1,
        "msync after one store wrote back %lu pages: the store did not mark its page dirty",
        z.writebacks - a.writebacks);
  readat(fd, 3 * PGSIZE + 5, 1);
  check(buf[0] == 'X', "read() sees 0x%x, not the store", buf[0] & 0xff);

  char *q = xmmap(16 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  check(q[0] == pat(2, 0), "first byte of the private mapping");
  q[7 * PGSIZE] = 'Y';
  check(q[7 * PGSIZE] == 'Y', "the private store");
  readat(fd, 7 * PGSIZE, 1);
  check(buf[0] == pat(2, 7 * PGSIZE), "a private store reached the file");
  check(s[7 * PGSIZE] == pat(2, 7 * PGSIZE), "a private store reached a shared mapping");
  munmap(q, 16 * PGSIZE);
  munmap(s, 16 * PGSIZE);
  close(fd);
  expect_ok(unlink("fa_w"));
}

static void
t_aroundend(void)
{
  int a = warm_file("fa_a", 3, 32 * PGSIZE);
  int b = warm_file("fa_b", 4, 32 * PGSIZE);
  // Two regions side by side: 3 pages of a from its page 8, then 8 pages of b.
  char *p = xmmap(11 * PGSIZE, PROT_READ, MAP_SHARED, a, 8 * PGSIZE);
  char *q = mmap(p + 3 * PGSIZE, 8 * PGSIZE, PROT_READ, MAP_SHARED | MAP_FIXED, b, 0);
  check(q == p + 3 * PGSIZE, "MAP_FIXED at %p gave %p", p + 3 * PGSIZE, q);
  check(p[PGSIZE] == pat(3, 9 * PGSIZE), "a's page 9");
  check(resident((uint64)p) == 3, "%u pages of a 3-page region resident", resident((uint64)p));
  check(resident((uint64)q) == 0, "%u pages of the next region mapped by a fault before it",
        resident((uint64)q));
  for (long o = 0; o < 8 * PGSIZE; o += 512)
    check(q[o] == pat(4, o), "b's byte %ld", o);
  munmap(p, 11 * PGSIZE);
  close(a);
  close(b);
  expect_ok(unlink("fa_a"));
  expect_ok(unlink("fa_b"));
}

#define ROUNDS 200

static void
t_upgrade(void)
{
  struct vmstat a, z;
  int fd = warm_file("fa_up", 5, PGSIZE);
  volatile uint64 *s = (volatile uint64 *)xmmap(PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  s[0] = 0;
  s[1] = 0;
  expect_ok(msync((void *)s, PGSIZE, MS_SYNC));
  int pid = xfork();
  if (pid == 0) {
    // The reader: values only grow, and the last one comes.
    uint64 last = 0;
    uint64 spins = 0;
    while (last < ROUNDS) {
      uint64 v = s[0];
      if (v < last)
        fail("read %lu after %lu", v, last);
      last = v;
      if (++spins % 4096 == 0)
        s[1] = last;             // a store of its own now and then: its PTE upgrades too
    }
    exit(0);
  }
  tl_vmstat(&a);
  for (uint64 v = 1; v <= ROUNDS; v++) {
    s[0] = v;                    // after the msync: a fault makes the PTE writable again
    expect_ok(msync((void *)s, PGSIZE, MS_SYNC));
  }
  tl_vmstat(&z);
  check(wait_pid(pid) == 0, "the reader failed");
  check(z.writebacks - a.writebacks >= ROUNDS,
        "%lu write-backs for %d stores each after an msync: a store did not fault",
        z.writebacks - a.writebacks, ROUNDS);
  readat(fd, 0, 8);
  check(*(uint64 *)buf == ROUNDS, "the file holds %lu", *(uint64 *)buf);
  munmap((void *)s, PGSIZE);
  close(fd);
  expect_ok(unlink("fa_up"));
}

#define NKILL 50

static void
t_killmany(void)
{
  int p[2];
  int pids[NKILL];
  expect_ok(pipe(p));
  for (int i = 0; i < NKILL; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      close(p[1]);
      read(p[0], buf, 1);        // asleep until killed
      exit(0);
    }
  }
  close(p[0]);
  sleep(2);                      // let them all go to sleep
  for (int i = 0; i < NKILL; i++)
    expect_ok(kill(pids[i]));
  for (int i = 0; i < NKILL; i++) {
    int st = wait_pid(pids[i]);
    check(st == -1, "child %d exited with status %d, not killed", pids[i], st);
  }
  close(p[1]);
}

// Each worker passes bytes through a pipe to itself and reads a file
// (pipe, file, buffer-cache and log locks) until killed, counting its
// rounds in *rounds (shared with the test).
static void
lockloop(volatile uint64 *rounds)
{
  int p[2];
  expect_ok(pipe(p));
  int fd = xopen("fa_lk", O_RDONLY);
  for (;;) {
    expect_eq(write(p[1], buf, 512), 512);
    expect_eq(read(p[0], buf, 512), 512);
    expect_eq(lseek(fd, 0, SEEK_SET), 0);
    expect_eq(read(fd, buf, 512), 512);
    (*rounds)++;
  }
}

static void
t_deferintr(void)
{
  enum { NWORK = 3 };
  int pids[NWORK];
  close(warm_file("fa_lk", 7, PGSIZE));
  volatile uint64 *rounds = (volatile uint64 *)xmmap(PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  struct vmstat a, z;
  tl_vmstat(&a);
  for (int i = 0; i < NWORK; i++)
    if ((pids[i] = xfork()) == 0)
      lockloop(&rounds[i]);
  // Interrupts come about 10 times a second per hart, and the workers
  // hold a lock much of the time: a deferral comes within seconds.
  int t0 = uptime();
  do {
    sleep(1);
    tl_vmstat(&z);
  } while (z.intr_deferred == a.intr_deferred && uptime() - t0 < 300);
  check(z.intr_deferred > a.intr_deferred,
        "no interrupt deferred in 30 s while the workers made %lu, %lu, %lu rounds",
        rounds[0], rounds[1], rounds[2]);
  // Spin (no sleep: that would itself need the ticks) for 3 s of the
  // 10 MHz hardware clock while the workers lock on every hart: 30 ticks
  // of 0.1 s. Each tick is set from when the last was handled, so a busy
  // host makes them drift late; half of them is still far from the
  // handful an interrupt held back for good would leave.
  int u0 = uptime();
  uint64 c0 = rdtime();
  while (rdtime() - c0 < 30000000)
    ;
  int ticks = uptime() - u0;
  check(ticks >= 15, "%d ticks in 3 s of hardware time: timer interrupts were held back", ticks);
  for (int i = 0; i < NWORK; i++)
    check(rounds[i] > 0, "worker %d made no round", pids[i]);
  for (int i = 0; i < NWORK; i++)
    expect_ok(kill(pids[i]));
  for (int i = 0; i < NWORK; i++)
    check(wait_pid(pids[i]) == -1, "worker %d was not killed", pids[i]);
  munmap((void *)rounds, PGSIZE);
  expect_ok(unlink("fa_lk"));
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "aroundeof", t_aroundeof },
  { "aroundwrite", t_aroundwrite },
  { "aroundend", t_aroundend },
  { "upgrade", t_upgrade },
  { "killmany", t_killmany },
  { "deferintr", t_deferintr },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
