// testlib.h: the runner and helpers shared by Pagoda's test programs
// (usertests, memtests). Header-only: everything is static.
//
// A program defines its table exactly as
//
//   struct test { const char *name; void (*fn)(void); } tests[] = {
//     { "name", fn },
//   };
//
// and its main() calls tl_init(argc, argv) and then TL_RUN(tests, argc,
// argv) with the table. With no arguments every subtest runs; with -l the
// program lists its subtests and exits; otherwise only the named ones run.
// The program's last line is a summary, "N passed, N failed" (tl_done()).
// For each subtest the runner prints "start NAME",
// runs it in a forked child, and prints exactly one line:
//
//   test NAME: ok
//   test NAME: FAIL <reason>
//
// The reason comes from fail() in the child (which prints the whole line
// itself and exits 1), or from the runner: "exit status N" when the child
// exited non-zero without calling fail(), "leaked N frames" when free
// memory did not come back to exactly where it was.
//
// Leak check: the runner reads vmstat() before forking the child and after
// reaping it, and compares frames_free + frames_pagecache (so that file
// pages that stay cached, e.g. a program read in by exec, are not counted
// as leaks; evicting such a page moves a frame from one to the other and
// keeps the sum). It retries a few times with sleep(1) so that orphans the
// test left for init are reaped first. The sum must come back EXACTLY: more
// free frames than before also fails (a double free looks like that).
//
// fail() called in a descendant of the test process (a grandchild of the
// runner) prints a detail line "  NAME: pid P: reason" and exits 1; the
// test process then sees the status and reports the failure itself.
//
// The user stack is one page: keep locals small, use static buffers.
#ifndef PAGODA_TESTLIB_H
#define PAGODA_TESTLIB_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define TL_FN static __attribute__((unused))
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define INT_MAX 0x7fffffff
#define INT_MIN (-INT_MAX - 1)
#define KiB 1024L
#define MiB (1024L * 1024L)
#define GiB (1024L * 1024L * 1024L)

// Addresses every user access must fault on (load or store).
#define BAD_KERNEL   KERNLINK                  // the kernel image, high half
#define BAD_KVA      KVA_OFFSET                // start of the direct map
#define BAD_TOP      0xFFFFFFFFFFFFF000UL      // last page of the address space
#define BAD_NONCANON (1UL << 39)               // Sv39 non-canonical

extern char end[];     // first byte past bss (user/user.ld)

// ---- state (in the runner, then inherited by the test process) ----
static const char *tl_name = "?";   // current subtest
static int tl_pid;                  // pid of the test process
static int tl_marker = -1;          // write end: "the test printed its FAIL line"
static int tl_failed;               // runner: number of failed subtests
static int tl_ran;                  // runner: number of subtests run
static int tl_nosuch;               // runner: names given that are no subtest
static uint64 tl_heap0;             // the break when main() started

// How far the heap can grow: to the lowest region above it (in a
// dynamically linked program, the libraries ld.so mapped high up), or to
// USERTOP when there is none.
static __attribute__((unused)) uint64
tl_heap_ceiling(void)
{
  static struct vmregion regs[64];
  uint64 brk = (uint64)sbrk(0), top = USERTOP;
  int n = vmmap(0, regs, 64);
  for (int i = 0; i < n && i < 64; i++)
    if (regs[i].start >= brk && regs[i].start < top && strcmp(regs[i].name, "[heap]") != 0)
      top = regs[i].start;
  return top;
}
static char tl_self[MAXPATH];       // path of this program, for exec
static char tl_msg[320];            // fail() message
static char tl_line[400];           // one output line

// Write a string in one write() so lines of concurrent processes don't mix.
TL_FN void
tl_puts(const char *s)
{
  write(1, s, strlen(s));
}

static void tl_fail(void) __attribute__((noreturn, unused));
static void
tl_fail(void)
{
  if (getpid() == tl_pid) {
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL %s\n", tl_name, tl_msg);
    tl_puts(tl_line);
    if (tl_marker >= 0)
      write(tl_marker, "F", 1);
  } else {
    snprintf(tl_line, sizeof(tl_line), "  %s: pid %d: %s\n", tl_name, getpid(), tl_msg);
    tl_puts(tl_line);
  }
  exit(1);
}

// fail(fmt, ...): report the failure of the current subtest and exit 1.
#define fail(...) do { snprintf(tl_msg, sizeof(tl_msg), __VA_ARGS__); tl_fail(); } while (0)

// Check that a call failed with -1 and exactly this errno.
#define expect_err(call, err) do {                                          \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    int _e = errno;                                                         \
    if (_r != -1 || _e != (err))                                            \
      fail("%s: got %ld errno %d (%s), want -1 %s", #call, _r, _e,          \
           strerror(_e), tl_errname(err));                                  \
  } while (0)

// Check that a call returned exactly this value.
#define expect_eq(call, want) do {                                          \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    long _w = (long)(want);                                                 \
    if (_r != _w)                                                           \
      fail("%s: got %ld (errno %d, %s), want %ld", #call, _r, errno,        \
           strerror(errno), _w);                                            \
  } while (0)

// Check that a call succeeded (did not return -1); evaluates to its value.
#define expect_ok(call) ({                                                  \
    errno = 0;                                                              \
    long _r = (long)(call);                                                 \
    if (_r == -1)                                                           \
      fail("%s: failed: errno %d (%s)", #call, errno, strerror(errno));     \
    _r;                                                                     \
  })

#define check(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

TL_FN const char *
tl_errname(int e)
{
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case E2BIG: return "E2BIG";
  case ENOEXEC: return "ENOEXEC";
  case EBADF: return "EBADF";
  case ECHILD: return "ECHILD";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EEXIST: return "EEXIST";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case EFBIG: return "EFBIG";
  case ENOSPC: return "ENOSPC";
  case ESPIPE: return "ESPIPE";
  case EPIPE: return "EPIPE";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOTEMPTY: return "ENOTEMPTY";
  }
  return "E?";
}

// ---- memory accounting ----
TL_FN void
tl_vmstat(struct vmstat *vs)
{
  memset(vs, 0, sizeof(*vs));
  if (vmstat(vs) != 0)
    fail("vmstat: %s", strerror(errno));
}

// Free frames, counting page-cache frames as free (they can be reclaimed).
// File data waiting for the commit hold frames a test may have let go of
// (an unlinked file's pages): commit first (fsync).
TL_FN long
tl_avail(void)
{
  struct vmstat vs;
  int root = open("/", O_RDONLY);
  if (root >= 0) {
    fsync(root);
    close(root);
  }
  memset(&vs, 0, sizeof(vs));
  if (vmstat(&vs) != 0)
    return -1;
  return (long)(vs.frames_free + vs.frames_pagecache);
}

// ---- processes ----
// Children reaped by wait_pid() while it waited for another one: their
// statuses are kept here for a later wait_pid()/wait_all().
static int tl_zpid[NPROC], tl_zst[NPROC], tl_nz;

// Wait for a particular child; returns its status.
TL_FN int
wait_pid(int pid)
{
  int st;
  for (int i = 0; i < tl_nz; i++)
    if (tl_zpid[i] == pid) {
      st = tl_zst[i];
      tl_nz--;
      tl_zpid[i] = tl_zpid[tl_nz];
      tl_zst[i] = tl_zst[tl_nz];
      return st;
    }
  for (;;) {
    st = 0x7777;
    int w = wait(&st);
    if (w < 0)
      fail("wait for pid %d: %s", pid, strerror(errno));
    if (w == pid)
      return st;
    if (tl_nz >= NPROC)
      fail("wait_pid: too many other children");
    tl_zpid[tl_nz] = w;
    tl_zst[tl_nz] = st;
    tl_nz++;
  }
}

// Reap every child; fail if any exited with a status other than want.
TL_FN void
wait_all(int want)
{
  int st;
  while (tl_nz > 0) {
    tl_nz--;
    if (tl_zst[tl_nz] != want)
      fail("child %d exited with status %d, want %d", tl_zpid[tl_nz], tl_zst[tl_nz], want);
  }
  for (;;) {
    st = 0x7777;
    int w = wait(&st);
    if (w < 0) {
      if (errno != ECHILD)
        fail("wait: %s", strerror(errno));
      return;
    }
    if (st != want)
      fail("child %d exited with status %d, want %d", w, st, want);
  }
}

TL_FN int
xfork(void)
{
  int pid = fork();
  if (pid < 0)
    fail("fork: %s", strerror(errno));
  return pid;
}

// Memory probes for expect_killed()/expect_alive(). The address is a volatile
// global, so the compiler cannot see (or "optimize") a null dereference.
static volatile uint64 probe_addr;
// open/write/read that fail the test on error (read: exactly n bytes,
// looping over short reads, as pipes give them).
TL_FN int
xopen(const char *path, int flags)
{
  int fd = open(path, flags);
  if (fd < 0)
    fail("open(%s, 0x%x): %s", path, flags, strerror(errno));
  return fd;
}

TL_FN void
xwrite(int fd, const void *p, int n)
{
  int r = write(fd, p, n);
  if (r != n)
    fail("write(%d, %d bytes) returned %d: %s", fd, n, r, strerror(errno));
}

// The size fstat reports for fd.
TL_FN long
fsize(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    fail("fstat(%d): %s", fd, strerror(errno));
  return (long)st.size;
}

TL_FN void
xread(int fd, void *p, int n)
{
  char *c = p;
  while (n > 0) {
    int r = read(fd, c, n);
    if (r <= 0)
      fail("read(%d, %d bytes) returned %d: %s", fd, n, r, r < 0 ? strerror(errno) : "EOF");
    c += r;
    n -= r;
  }
}

TL_FN void probe_load(void) { (void)*(volatile char *)probe_addr; }
TL_FN void probe_store(void) { *(volatile char *)probe_addr = 0x5a; }
TL_FN void probe_exec(void) { ((void (*)(void))probe_addr)(); }
TL_FN void probe_loadstore(void)
{
  volatile char *p = (volatile char *)probe_addr;
  char c = *p;
  *p = c ^ 1;
  *p = c;
}

// A kill the test provokes on purpose: say so first, so that the
// kernel's kill report that follows is not taken for a failure.
TL_FN void
tl_expect_kill(const char *what)
{
  snprintf(tl_line, sizeof(tl_line), "  expected: pid %d is killed next (%s)\n", getpid(), what);
  tl_puts(tl_line);
}

// Run fn in a child; it must be killed by the kernel (status -1).
TL_FN void
expect_killed(const char *what, void (*fn)(void))
{
  int pid = xfork();
  if (pid == 0) {
    tl_expect_kill(what);
    fn();
    exit(0);        // survived
  }
  int st = wait_pid(pid);
  if (st != -1)
    fail("%s: child not killed (status %d, want -1)", what, st);
}

// Same as expect_killed with probe_addr = addr.
TL_FN void
expect_killed_at(const char *what, void (*fn)(void), uint64 addr)
{
  probe_addr = addr;
  int pid = xfork();
  if (pid == 0) {
    tl_expect_kill(what);
    fn();
    exit(0);
  }
  int st = wait_pid(pid);
  if (st != -1)
    fail("%s at %p: child not killed (status %d, want -1)", what, (void *)addr, st);
}

// Run fn in a child; it must survive and exit 0.
TL_FN void
expect_alive_at(const char *what, void (*fn)(void), uint64 addr)
{
  probe_addr = addr;
  int pid = xfork();
  if (pid == 0) {
    fn();
    exit(0);
  }
  int st = wait_pid(pid);
  if (st != 0)
    fail("%s at %p: child died (status %d, want 0)", what, (void *)addr, st);
}

// Number of open file descriptors (probed with dup, which works on any kind).
TL_FN int
count_open_fds(void)
{
  int n = 0;
  for (int fd = 0; fd < NOFILE; fd++) {
    int d = dup(fd);
    if (d >= 0) {
      close(d);
      n++;
    }
  }
  return n;
}

// Make the break page-aligned and return it.
TL_FN uint64
align_break(void)
{
  uint64 b = (uint64)sbrk(0);
  if (b % PGSIZE) {
    if (sbrk(PGROUNDUP(b) - b) == (char *)-1)
      fail("sbrk align: %s", strerror(errno));
    b = PGROUNDUP(b);
  }
  return b;
}

// Grow the break as far as the kernel lets it (lazily: nothing is touched),
// checking each step: a success returns the old break and never passes
// USERTOP; a failure is ENOMEM and leaves the break alone. Returns the
// highest break reached.
TL_FN uint64
sbrk_climb(void)
{
  int step = 0x7ffff000;   // the largest page multiple an int holds
  int calls = 0;
  while (step >= PGSIZE) {
    uint64 old = (uint64)sbrk(0);
    errno = 0;
    char *r = sbrk(step);
    if (r == (char *)-1) {
      if (errno != ENOMEM)
        fail("sbrk(%d) at break %p: errno %d (%s), want ENOMEM", step,
             (void *)old, errno, strerror(errno));
      if ((uint64)sbrk(0) != old)
        fail("failed sbrk(%d) moved the break from %p to %p", step,
             (void *)old, (void *)sbrk(0));
      step = (step / 2) & ~(PGSIZE - 1);
      continue;
    }
    if ((uint64)r != old)
      fail("sbrk(%d) returned %p, break was %p", step, r, (void *)old);
    if (old + step > USERTOP)
      fail("sbrk(%d) moved the break to %p, past USERTOP %p", step,
           (void *)(old + step), (void *)USERTOP);
    if (++calls > 1000)
      fail("sbrk keeps growing past %p", (void *)(old + step));
  }
  return (uint64)sbrk(0);
}

// Shrink the break back to `to` in int-sized steps.
TL_FN void
sbrk_down_to(uint64 to)
{
  for (;;) {
    uint64 b = (uint64)sbrk(0);
    if (b <= to)
      break;
    long d = b - to;
    if (d > 0x7ffff000)
      d = 0x7ffff000;
    char *r = sbrk(-(int)d);
    if (r == (char *)-1)
      fail("sbrk(-%ld) from %p: %s", d, (void *)b, strerror(errno));
    if ((uint64)r != b)
      fail("sbrk(-%ld) returned %p, break was %p", d, r, (void *)b);
  }
  if ((uint64)sbrk(0) != to)
    fail("break %p after shrinking, want %p", sbrk(0), (void *)to);
}

// Pseudo-random numbers (xorshift), deterministic per seed.
TL_FN uint64
tl_rand(uint64 *s)
{
  uint64 x = *s ? *s : 88172645463325252UL;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

// Checksum of a buffer of 64-bit words, position-sensitive.
TL_FN uint64
checksum(const uint64 *p, long nwords)
{
  uint64 h = 1469598103934665603UL;
  for (long i = 0; i < nwords; i++)
    h = (h ^ (p[i] + (uint64)i)) * 1099511628211UL;
  return h;
}

// ---- helper modes: the programs exec themselves with these arguments ----
//   --argv N L     argc must be N, argv[argc] 0, and every argv[i], i >= 4,
//                  L bytes of 'a' + i % 26; exit 0 if so, 3 otherwise
//   --fd N         write "exec-fd" to fd N (inherited across exec); exit 0
//   --exit N ...   exit N at once (any further arguments are ignored)
TL_FN int
tl_helper(int argc, char **argv)
{
  if (argc >= 4 && strcmp(argv[1], "--argv") == 0) {
    int n = atoi(argv[2]), len = atoi(argv[3]);
    if (argc != n || argv[argc] != 0)
      exit(3);
    for (int i = 4; i < argc; i++) {
      if ((int)strlen(argv[i]) != len)
        exit(3);
      for (int j = 0; j < len; j++)
        if (argv[i][j] != 'a' + i % 26)
          exit(3);
    }
    exit(0);
  }
  if (argc == 3 && strcmp(argv[1], "--fd") == 0) {
    int fd = atoi(argv[2]);
    exit(write(fd, "exec-fd", 7) == 7 ? 0 : 4);
  }
  if (argc >= 3 && strcmp(argv[1], "--exit") == 0)
    exit(atoi(argv[2]));
  return 0;
}

// ---- the runner ----
TL_FN void
tl_init(int argc, char **argv)
{
  tl_heap0 = (uint64)sbrk(0);
  if (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-')
    tl_helper(argc, argv);

  // Where to find ourselves for exec: programs live in the root directory.
  const char *a0 = argc > 0 && argv[0] ? argv[0] : "usertests";
  if (strchr(a0, '/'))
    snprintf(tl_self, sizeof(tl_self), "%s", a0);
  else
    snprintf(tl_self, sizeof(tl_self), "/%s", a0);

  // Touch every global the runner writes, so that no page is first faulted
  // in between two leak measurements.
  tl_name = "?";
  tl_pid = 0;
  tl_marker = -1;
  tl_failed = 0;
  tl_ran = 0;
  tl_msg[0] = 0;
  tl_line[0] = 0;
  probe_addr = 0;
}

// Run one subtest in a child and print its result line.
TL_FN void
tl_run(const char *name, void (*fn)(void))
{
  int mk[2];
  int st = 0;
  char c;

  tl_name = name;
  tl_ran++;
  snprintf(tl_line, sizeof(tl_line), "start %s\n", name);
  tl_puts(tl_line);

  long before = tl_avail();
  // A program's first subtest starts right after a boot or an exec. The
  // kernel may still be finishing work started before, with frames on
  // their way back to the free list (a read-ahead the exec started, a
  // dead space's page tables that an idle hart had kept loaded). Wait
  // for the count to hold still for a tick, so that such a frame is not
  // taken for one freed twice by the test.
  for (int i = 0; tl_ran == 1 && i < 10; i++) {
    sleep(1);
    long now = tl_avail();
    if (now == before)
      break;
    before = now;
  }
  if (pipe(mk) < 0) {
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL runner: pipe: %s\n", name, strerror(errno));
    tl_puts(tl_line);
    tl_failed++;
    return;
  }
  int pid = fork();
  if (pid < 0) {
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL runner: fork: %s\n", name, strerror(errno));
    tl_puts(tl_line);
    close(mk[0]);
    close(mk[1]);
    tl_failed++;
    return;
  }
  if (pid == 0) {
    // Wait for the runner's go: until then it may still be copying the
    // pages it shares with us (COW) on another hart, which would move
    // the frame counts a test reads at its start.
    read(mk[0], &c, 1);
    close(mk[0]);
    tl_marker = mk[1];
    tl_pid = getpid();
    fn();
    exit(0);
  }
  st = 0x7777;                // our last store before the child runs
  write(mk[1], "G", 1);
  for (;;) {
    st = 0x7777;
    int w = wait(&st);
    if (w == pid)
      break;
    if (w < 0) {      // cannot happen: pid is our child
      st = 0x7777;
      break;
    }
  }
  // Did the test print its own FAIL line? Any 'F' in the marker pipe says so.
  // Our own 'S' ends the scan, so the read never blocks. (The 'G' is
  // still there if the child died before reading it.)
  int printed = 0;
  write(mk[1], "S", 1);
  while (read(mk[0], &c, 1) == 1 && c != 'S')
    if (c == 'F')
      printed = 1;
  close(mk[0]);
  close(mk[1]);

  if (st != 0) {
    if (!printed) {
      if (st == -1)
        snprintf(tl_line, sizeof(tl_line), "test %s: FAIL killed (exit status -1)\n", name);
      else
        snprintf(tl_line, sizeof(tl_line), "test %s: FAIL exit status %d\n", name, st);
      tl_puts(tl_line);
    }
    tl_failed++;
    return;
  }

  long after = tl_avail();
  for (int i = 0; i < 10 && after != before; i++) {
    sleep(1);
    after = tl_avail();
  }
  if (before < 0 || after < 0)
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL vmstat: %s\n", name, strerror(errno));
  else if (after < before)
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL leaked %ld frames\n", name, before - after);
  else if (after > before)
    snprintf(tl_line, sizeof(tl_line), "test %s: FAIL %ld more free frames than before (freed twice?)\n",
             name, after - before);
  else {
    snprintf(tl_line, sizeof(tl_line), "test %s: ok\n", name);
    tl_puts(tl_line);
    return;
  }
  tl_puts(tl_line);
  tl_failed++;
}

// The summary line every test program ends with; returns the exit status.
TL_FN int
tl_done(void)
{
  int failed_runs = tl_failed - tl_nosuch;
  snprintf(tl_line, sizeof(tl_line), "%d passed, %d failed\n", tl_ran - failed_runs, tl_failed);
  tl_puts(tl_line);
  return tl_failed ? 1 : 0;
}

// -l: list the subtests, one a line.
#define TL_LIST(tbl) do {                                                   \
    for (int _i = 0; _i < NELEM(tbl); _i++) {                               \
      snprintf(tl_line, sizeof(tl_line), "%s\n", (tbl)[_i].name);           \
      tl_puts(tl_line);                                                     \
    }                                                                       \
  } while (0)

// Run the named subtests (all if none are named); -l lists them instead.
// Returns the exit status, after the summary line.
#define TL_RUN(tbl, argc, argv) ({                                          \
    if ((argc) == 2 && strcmp((argv)[1], "-l") == 0) {                      \
      TL_LIST(tbl);                                                         \
      exit(0);                                                              \
    }                                                                       \
    int _sel = (argc) > 1;                                                  \
    for (int _a = 1; _a < (argc); _a++) {                                   \
      int _found = 0;                                                       \
      for (int _i = 0; _i < NELEM(tbl); _i++)                               \
        if (strcmp((tbl)[_i].name, (argv)[_a]) == 0)                        \
          _found = 1;                                                       \
      if (!_found) {                                                        \
        snprintf(tl_line, sizeof(tl_line),                                  \
                 "test %s: FAIL no such test\n", (argv)[_a]);               \
        tl_puts(tl_line);                                                   \
        tl_failed++;                                                        \
        tl_nosuch++;                                                        \
      }                                                                     \
    }                                                                       \
    for (int _i = 0; _i < NELEM(tbl); _i++) {                               \
      int _want = !_sel;                                                    \
      for (int _a = 1; _a < (argc); _a++)                                   \
        if (strcmp((tbl)[_i].name, (argv)[_a]) == 0)                        \
          _want = 1;                                                        \
      if (_want)                                                            \
        tl_run((tbl)[_i].name, (tbl)[_i].fn);                               \
    }                                                                       \
    tl_done();                                                              \
  })

#endif
