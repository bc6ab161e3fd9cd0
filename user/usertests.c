// usertests: the foundation tests. Every system call's normal behaviour,
// and its bad inputs and limits, each with the exact expected result
// (-1 and a Linux errno value, or a kill with exit status -1).
//
//   usertests            run every subtest
//   usertests NAME...    run only these
//
// See user/testlib.h for the runner, the output lines and the leak check.
// The slow subtests are maxfile (writes a 64 MiB file) and diskfull (fills
// whatever the disk has: about 95 MiB on the default image; run it on a
// small image with `usertests diskfull`).
#include "user/testlib.h"

#define BIG (64 * 1024)                 // chunk for big file writes

static char bigbuf[BIG];                // 64 KiB scratch (bss)
static char buf2[BIG];                  // another one
static const char ro_str[] = "read-only data, in .rodata";
static uint32 data_code[4] = { 0x00008067, 0x00008067, 0, 0 };   // ret; in .data

// ---------------------------------------------------------------- helpers


// The byte at offset off of pattern `seed`.
static inline char
pat(long off, int seed)
{
  return (char)((off * 7 + (off >> 9) + seed * 13) & 0xff);
}

static void
fill(char *p, int n, long off, int seed)
{
  for (int i = 0; i < n; i++)
    p[i] = pat(off + i, seed);
}

// Fail unless p[0..n) holds pattern `seed` starting at offset off.
static void
check_fill(const char *what, const char *p, int n, long off, int seed)
{
  for (int i = 0; i < n; i++)
    if (p[i] != pat(off + i, seed))
      fail("%s: byte at offset %ld is 0x%x, want 0x%x", what, off + i,
           p[i] & 0xff, pat(off + i, seed) & 0xff);
}

static void
write_file(const char *path, int n, int seed)
{
  int fd = xopen(path, O_CREATE | O_RDWR | O_TRUNC);
  fill(bigbuf, n, 0, seed);
  xwrite(fd, bigbuf, n);
  close(fd);
}

static void
xstat(const char *path, struct stat *st)
{
  if (stat(path, st) < 0)
    fail("stat(%s): %s", path, strerror(errno));
}

// Build a path of exactly len characters naming /tail: "/" or "//",
// then "./" repeated, then tail.
static char *
make_path(char *buf, int len, const char *tail)
{
  int t = strlen(tail);
  int rest = len - t;
  int i = 0;
  if (rest < 1)
    fail("make_path: %d too short for %s", len, tail);
  buf[i++] = '/';
  if ((rest - 1) % 2)
    buf[i++] = '/';
  while (i < rest) {
    buf[i++] = '.';
    buf[i++] = '/';
  }
  memmove(buf + i, tail, t);
  buf[i + t] = 0;
  if ((int)strlen(buf) != len)
    fail("make_path: built %d chars, want %d", (int)strlen(buf), len);
  return buf;
}

// Name of this program without the leading '/'.
static const char *
self_name(void)
{
  const char *s = tl_self;
  while (*s == '/')
    s++;
  return s;
}

// Lowest address of the (one-page by default) user stack: the initial
// break is the top of the stack (layout: ... guard, stack, heap).
static uint64
stack_bottom(void)
{
  uint64 bottom = tl_heap0 - USERSTACK * PGSIZE;
  uint64 sp = r_sp();
  if (sp < bottom || sp >= tl_heap0)
    fail("layout: sp %p not in the stack [%p, %p) under the initial break",
         (void *)sp, (void *)bottom, (void *)tl_heap0);
  return bottom;
}

// Grow the heap by a page and return the (page-aligned) break; the page
// below it belongs to the heap.
static uint64
heap_end(void)
{
  align_break();
  if (sbrk(PGSIZE) == (char *)-1)
    fail("sbrk(PGSIZE): %s", strerror(errno));
  return (uint64)sbrk(0);
}

// Addresses no system call may read user data from.
static const uint64 bad_src[] = {
  0, 0x1000, USERBASE - 1, BAD_KVA, BAD_KERNEL, BAD_TOP, MAXVA,
  MAXVA + PGSIZE, BAD_NONCANON,
};
// Addresses no system call may write user data to: the above, plus the two
// pages under MAXVA, text and rodata.
static uint64 bad_dst[NELEM(bad_src) + 4];
static int nbad_dst;

static void
init_bad_dst(void)
{
  nbad_dst = 0;
  for (int i = 0; i < NELEM(bad_src); i++)
    bad_dst[nbad_dst++] = bad_src[i];
  bad_dst[nbad_dst++] = TRAPFRAME;
  bad_dst[nbad_dst++] = TRAMPOLINE;
  bad_dst[nbad_dst++] = USERBASE;           // text
  bad_dst[nbad_dst++] = (uint64)ro_str;     // rodata
}

// ---------------------------------------------------------------- processes

// fork, exit status propagation, wait(0), ECHILD.
static void
t_forkwait(void)
{
  int pids[5], p[2];

  expect_ok(pipe(p));
  int me = getpid();
  int pid = xfork();
  if (pid == 0) {
    int mine = getpid();
    write(p[1], &mine, sizeof(mine));
    exit(getpid() == me ? 1 : 0);
  }
  int got = 0;
  xread(p[0], &got, sizeof(got));
  check(got == pid, "fork returned %d but the child's getpid() is %d", pid, got);
  check(getpid() == me, "parent's pid changed from %d to %d", me, getpid());
  int st = wait_pid(pid);
  check(st == 0, "child status %d, want 0", st);
  close(p[0]);
  close(p[1]);

  // Exit statuses reach wait, each with its own child.
  for (int i = 0; i < 5; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      sleep(i % 2);
      exit(i * 10 + 3);
    }
  }
  for (int n = 0; n < 5; n++) {
    st = 0x7777;
    int w = wait(&st);
    int i;
    for (i = 0; i < 5; i++)
      if (pids[i] == w)
        break;
    check(i < 5, "wait returned %d, not one of our children", w);
    check(st == i * 10 + 3, "child %d: status %d, want %d", w, st, i * 10 + 3);
    pids[i] = -2;
  }
  expect_err(wait(&st), ECHILD);
  expect_err(wait(0), ECHILD);

  // exit(-1) by hand and a big status.
  pid = xfork();
  if (pid == 0)
    exit(-1);
  check(wait_pid(pid) == -1, "exit(-1) status mismatch");
  pid = xfork();
  if (pid == 0)
    exit(100000);
  st = wait_pid(pid);
  check(st == 100000, "exit(100000): status %d", st);

  // wait(0) reaps and returns the pid; wait blocks until the child exits.
  pid = xfork();
  if (pid == 0) {
    sleep(2);
    exit(9);
  }
  expect_eq(wait(0), pid);
  expect_err(wait(0), ECHILD);

  // main()'s return value is the exit status.
  pid = xfork();
  if (pid == 0) {
    char *argv[] = { tl_self, "--exit", "42", 0 };
    exec(tl_self, argv);
    fail("exec %s: %s", tl_self, strerror(errno));
  }
  st = wait_pid(pid);
  check(st == 42, "exec'd child exit(42): status %d", st);
}

static void
t_getpid(void)
{
  int p[2];
  int me = getpid();
  check(me > 0, "getpid() = %d", me);
  check(getpid() == me, "getpid changed");
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    int a = getpid();
    write(p[1], &a, sizeof(a));
    exit(a == me || a <= 0 ? 1 : 0);
  }
  int got;
  xread(p[0], &got, sizeof(got));
  check(got == pid && got != me, "child pid %d, fork said %d, parent %d", got, pid, me);
  check(wait_pid(pid) == 0, "child failed");
  // pids are not reused right away: a second child has a different pid.
  int pid2 = xfork();
  if (pid2 == 0)
    exit(0);
  wait_pid(pid2);
  check(pid2 != pid, "pid %d reused at once", pid);
  expect_eq(nullcall(), 0);
}

static void
t_uptime(void)
{
  int t0 = uptime();
  check(t0 >= 0, "uptime() = %d", t0);
  expect_eq(sleep(0), 0);
  expect_eq(sleep(3), 0);
  int t1 = uptime();
  check(t1 - t0 >= 3, "sleep(3) returned after %d ticks", t1 - t0);
  check(t1 - t0 < 3 + 50, "sleep(3) took %d ticks", t1 - t0);
  expect_eq(pause(1), 0);
  int t2 = uptime();
  check(t2 >= t1 + 1, "pause(1): uptime went from %d to %d", t1, t2);
  // Time advances while a process computes too.
  uint64 r0 = rdtime();
  int u0 = uptime();
  while (uptime() < u0 + 2)
    ;
  check(rdtime() > r0, "rdtime did not advance");
}

static void
t_kill(void)
{
  int p[2], st;
  static volatile long spin;

  // A sleeping process.
  int pid = xfork();
  if (pid == 0) {
    sleep(100000);
    exit(0);
  }
  sleep(2);
  check(kill(pid) == 0, "kill of a sleeping process: %s", strerror(errno));
  st = wait_pid(pid);
  check(st == -1, "killed sleeper: status %d, want -1", st);

  // A running process that never makes a system call.
  pid = xfork();
  if (pid == 0) {
    for (;;)
      spin++;
  }
  sleep(2);
  check(kill(pid) == 0, "kill of a spinning process: %s", strerror(errno));
  st = wait_pid(pid);
  check(st == -1, "killed spinner: status %d, want -1", st);

  // A process blocked reading a pipe.
  expect_ok(pipe(p));
  pid = xfork();
  if (pid == 0) {
    char c;
    close(p[1]);
    read(p[0], &c, 1);
    exit(0);
  }
  sleep(2);
  check(kill(pid) == 0, "kill of a process blocked on a pipe: %s", strerror(errno));
  st = wait_pid(pid);
  check(st == -1, "killed reader: status %d, want -1", st);
  close(p[0]);
  close(p[1]);

  // A process killing itself dies at once.
  pid = xfork();
  if (pid == 0) {
    kill(getpid());
    for (int i = 0; i < 1000; i++)
      getpid();
    sleep(5);
    exit(0);
  }
  st = wait_pid(pid);
  check(st == -1, "self-kill: status %d, want -1", st);

  // A zombie keeps its exit status.
  pid = xfork();
  if (pid == 0)
    exit(3);
  sleep(2);
  check(kill(pid) == 0, "kill of a zombie: %s", strerror(errno));
  st = wait_pid(pid);
  check(st == 3, "kill of a zombie changed its status to %d (want 3)", st);

  // Missing processes.
  expect_err(kill(pid), ESRCH);          // reaped
  expect_err(kill(99999), ESRCH);
  expect_err(kill(1), EPERM);        // init cannot be killed
  expect_err(kill(-12345), ESRCH);
}

// fork until the process table is full, then back again.
static void
t_nproc(void)
{
  int p[2], n = 0, e = 0;

  expect_ok(pipe(p));
  for (;;) {
    int pid = fork();
    if (pid < 0) {
      e = errno;
      break;
    }
    if (pid == 0) {
      char c;
      close(p[1]);
      read(p[0], &c, 1);     // until the parent closes the write end
      exit(0);
    }
    if (++n > NPROC)
      break;
  }
  close(p[1]);
  close(p[0]);
  int reaped = 0, st;
  for (;;) {
    st = 0x7777;
    int w = wait(&st);
    if (w < 0)
      break;
    check(st == 0, "child %d status %d", w, st);
    reaped++;
  }
  check(n <= NPROC - 3, "%d forks succeeded with NPROC %d (init, the runner and the test exist)", n, NPROC);
  check(e == EAGAIN, "fork failed with errno %d (%s), want EAGAIN", e, strerror(e));
  check(n >= NPROC - 10, "only %d forks succeeded, NPROC is %d", n, NPROC);
  check(reaped == n, "reaped %d of %d children", reaped, n);
  // And fork works again.
  for (int i = 0; i < 3; i++) {
    int pid = xfork();
    if (pid == 0)
      exit(7);
    check(wait_pid(pid) == 7, "fork after the table was full");
  }
}

// Floating point: every process has its own f-registers.
__attribute__((noinline)) static double
fp_work(double seed, int n)
{
  double x = seed, y = 1.0 / seed, z = 0.0;
  for (int i = 0; i < n; i++) {
    x = x * 1.0000001 + y * 0.5;
    y = y * 0.9999999 - x * 1e-9;
    z += x * y;
    if (x > 1e6)
      x = x / 1e6;
  }
  return z + x + y;
}

static uint64
dbits(double d)
{
  union { double d; uint64 u; } v;
  v.d = d;
  return v.u;
}

// Load fs0-fs3 from in[], make system call nr(arg), store fs0-fs3 in out[].
// Returns the raw a0 (negative errno on failure).
static long
fp_syscall(const double *in, double *out, long nr, long arg)
{
  long ret;
  asm volatile(
    "fld fs0, 0(%[in])\n\t"
    "fld fs1, 8(%[in])\n\t"
    "fld fs2, 16(%[in])\n\t"
    "fld fs3, 24(%[in])\n\t"
    "mv a0, %[arg]\n\t"
    "mv a7, %[nr]\n\t"
    "ecall\n\t"
    "mv %[ret], a0\n\t"
    "fsd fs0, 0(%[out])\n\t"
    "fsd fs1, 8(%[out])\n\t"
    "fsd fs2, 16(%[out])\n\t"
    "fsd fs3, 24(%[out])\n\t"
    : [ret] "=&r"(ret)
    : [in] "r"(in), [out] "r"(out), [nr] "r"(nr), [arg] "r"(arg)
    : "a0", "a7", "fs0", "fs1", "fs2", "fs3", "memory");
  return ret;
}

static void
fp_expect(const char *what, const double *want, const double *got)
{
  for (int i = 0; i < 4; i++)
    if (dbits(want[i]) != dbits(got[i]))
      fail("%s: fs%d is 0x%lx, want 0x%lx", what, i, dbits(got[i]), dbits(want[i]));
}

#define FP_N 100000
#define FP_PROCS 6

static void
t_fpiso(void)
{
  static double ref[FP_PROCS], seeds[FP_PROCS];
  static double pin[4] = { 1.5, -2.25, 3.125, 1e100 };
  static double cin[4] = { -7.0, 0.1, 1e-300, 65536.5 };
  static double out[4];

  for (int k = 0; k < FP_PROCS; k++) {
    seeds[k] = 1.0 + k * 0.37;
    ref[k] = fp_work(seeds[k], FP_N);
  }
  for (int k = 1; k < FP_PROCS; k++)
    check(dbits(ref[k]) != dbits(ref[0]), "fp_work gives the same result for two seeds");
  check(dbits(fp_work(seeds[2], FP_N)) == dbits(ref[2]), "fp_work is not repeatable");

  // fork copies the f-registers; afterwards each side has its own.
  long pid = fp_syscall(pin, out, SYS_fork, 0);
  if (pid < 0)
    fail("fork: %s", strerror(-pid));
  fp_expect(pid == 0 ? "child after fork" : "parent after fork", pin, out);
  if (pid == 0) {
    for (int i = 0; i < 10; i++) {
      fp_syscall(cin, out, SYS_sleep, 1);
      fp_expect("child across sleep", cin, out);
    }
    exit(0);
  }
  for (int i = 0; i < 10; i++) {
    fp_syscall(pin, out, SYS_sleep, 1);
    fp_expect("parent across sleep", pin, out);
  }
  check(wait_pid(pid) == 0, "child saw wrong f-registers");

  // Six processes on three harts, preempted mid-computation: each must get
  // its own results, bit for bit.
  for (int k = 0; k < FP_PROCS; k++) {
    if (xfork() == 0) {
      uint64 deadline = rdtime() + 10000000;   // 1 s at 10 MHz
      int rounds = 0;
      do {
        double r = fp_work(seeds[k], FP_N);
        if (dbits(r) != dbits(ref[k]))
          fail("process %d round %d: 0x%lx, want 0x%lx", k, rounds, dbits(r), dbits(ref[k]));
        rounds++;
      } while ((rdtime() < deadline || rounds < 3) && rounds < 1000);
      exit(0);
    }
  }
  wait_all(0);
}

// ---------------------------------------------------------------- memory

static void
t_sbrkbasic(void)
{
  char *b0 = sbrk(0);
  check((uint64)b0 >= tl_heap0, "break %p below the initial break %p", b0, (void *)tl_heap0);
  char *r = sbrk(10000);
  check(r == b0, "sbrk(10000) returned %p, break was %p", r, b0);
  check(sbrk(0) == b0 + 10000, "break %p, want %p", sbrk(0), b0 + 10000);
  for (int i = 0; i < 10000; i++)
    b0[i] = (char)i;
  for (int i = 0; i < 10000; i++)
    check(b0[i] == (char)i, "heap byte %d lost", i);
  r = sbrk(-10000);
  check(r == b0 + 10000, "sbrk(-10000) returned %p, want %p", r, b0 + 10000);
  check(sbrk(0) == b0, "break %p after shrinking, want %p", sbrk(0), b0);

  // Shrink, grow again: the pages come back zeroed.
  uint64 a = align_break();
  char *p = sbrk(3 * PGSIZE);
  check((uint64)p == a, "sbrk returned %p, want %p", p, (void *)a);
  memset(p, 0x77, 3 * PGSIZE);
  sbrk(-3 * PGSIZE);
  p = sbrk(3 * PGSIZE);
  for (int i = 0; i < 3 * PGSIZE; i++)
    check(p[i] == 0, "regrown heap byte %d is 0x%x, want 0", i, p[i] & 0xff);

  // Shrink to the initial break (an empty heap) works, one byte more is ENOMEM.
  sbrk_down_to(tl_heap0);
  expect_err(sbrk(-1), ENOMEM);
  expect_err(sbrk(-PGSIZE), ENOMEM);
  expect_err(sbrk(-(int)(tl_heap0 - USERBASE)), ENOMEM);
  expect_err(sbrk(INT_MIN), ENOMEM);
  check((uint64)sbrk(0) == tl_heap0, "failed sbrk moved the break to %p", sbrk(0));
  // The stack (right under the heap) is intact: call something that uses it.
  char line[40];
  snprintf(line, sizeof(line), "%d-%s", 123, "stack");
  check(strcmp(line, "123-stack") == 0, "stack damaged");

  // 1 GiB grows lazily on a 128 MiB machine.
  long av0 = tl_avail();
  p = sbrk(1 << 30);
  check((uint64)p == tl_heap0, "sbrk(1 GiB) returned %p (errno %d), want %p", p, errno, (void *)tl_heap0);
  check(tl_avail() > av0 - 64, "sbrk(1 GiB) took %ld frames: not lazy", av0 - tl_avail());
  p[0] = 1;
  p[(1 << 30) - 1] = 2;
  p[(1 << 29) + 12345] = 3;
  check(p[0] == 1 && p[(1 << 30) - 1] == 2 && p[(1 << 29) + 12345] == 3, "lazy heap lost data");
  check(p[(1 << 28)] == 0, "untouched lazy page not zero");
  sbrk_down_to(tl_heap0);
}

static void
t_sbrklimit(void)
{
  uint64 b0 = (uint64)sbrk(0);
  uint64 ceiling = tl_heap_ceiling();
  uint64 top = sbrk_climb();
  check(top == ceiling, "the heap stops growing at %p, want %p (USERTOP or the lowest mapping above)",
        (void *)top, (void *)ceiling);
  expect_err(sbrk(1), ENOMEM);
  expect_err(sbrk(INT_MAX), ENOMEM);
  check((uint64)sbrk(0) == top, "failed sbrk moved the break");
  // The highest heap page works.
  volatile char *hi = (volatile char *)(top - 1);
  *hi = 42;
  check(*hi == 42, "top heap byte");
  hi = (volatile char *)(top - PGSIZE);
  *hi = 43;
  check(*hi == 43, "top heap page");
  sbrk_down_to(b0);
  // It is gone after shrinking.
  expect_killed_at("load from the released top of the heap", probe_load, top - 1);
}

static void probe_jump_stack(void)
{
  uint32 code[2] = { 0x00008067, 0 };   // ret
  probe_addr = (uint64)code;
  probe_exec();
}

static void probe_jump_heap(void)
{
  uint32 *code = (uint32 *)sbrk(PGSIZE);
  code[0] = 0x00008067;
  probe_addr = (uint64)code;
  probe_exec();
}

static void
t_faults(void)
{
  uint64 sb = stack_bottom();
  expect_killed_at("load from page 0", probe_load, 0);
  expect_killed_at("store to page 0", probe_store, 8);
  expect_killed_at("load from the null guard", probe_load, USERBASE - 8);
  expect_killed_at("jump to 0", probe_exec, 0);
  expect_killed_at("store to text", probe_store, (uint64)t_faults);
  expect_killed_at("store to text start", probe_store, USERBASE);
  expect_killed_at("store to rodata", probe_store, (uint64)ro_str);
  expect_killed_at("jump to rodata", probe_exec, (uint64)ro_str);
  expect_killed_at("jump to data", probe_exec, (uint64)data_code);
  expect_killed("jump to the stack", probe_jump_stack);
  expect_killed("jump to the heap", probe_jump_heap);
  expect_killed_at("load below the stack", probe_load, sb - 8);
  expect_killed_at("load from the stack guard page", probe_load, sb - PGSIZE);
  expect_killed_at("load from the kernel", probe_load, BAD_KERNEL);
  expect_killed_at("store to the kernel", probe_store, BAD_KVA + 0x80200000UL);
  expect_killed_at("load at MAXVA", probe_load, MAXVA);
  expect_killed_at("store to TRAPFRAME", probe_store, TRAPFRAME);
  expect_killed_at("store to TRAMPOLINE", probe_store, TRAMPOLINE);
  // And the same process survives the legal neighbours.
  expect_alive_at("load text", probe_load, USERBASE);
  expect_alive_at("load rodata", probe_load, (uint64)ro_str);
  expect_alive_at("store data", probe_loadstore, (uint64)data_code + 8);
  expect_alive_at("store stack bottom", probe_loadstore, sb);
}

static void
t_vmstat(void)
{
  static struct vmstat a, b;
  tl_vmstat(&a);
  check(a.page_size == PGSIZE, "page_size %lu", a.page_size);
  check(a.frames_total > 1000, "frames_total %lu", a.frames_total);
  check(a.frames_free <= a.frames_total, "frames_free %lu > total %lu", a.frames_free, a.frames_total);
  check(a.frames_free + a.frames_used == a.frames_total, "free %lu + used %lu != total %lu",
        a.frames_free, a.frames_used, a.frames_total);
  check(a.frames_total * PGSIZE <= 16UL * GiB, "frames_total %lu is absurd", a.frames_total);
  check(a.asid_generation >= 1, "asid_generation %lu", a.asid_generation);

  // A fork counts; touching a fresh heap page is a zero-fill fault.
  int pid = xfork();
  if (pid == 0)
    exit(0);
  wait_pid(pid);
  tl_vmstat(&b);
  check(b.nfork == a.nfork + 1, "nfork went from %lu to %lu", a.nfork, b.nfork);
  char *p = sbrk(PGSIZE * 4);
  tl_vmstat(&a);
  p[PGSIZE] = 1;
  tl_vmstat(&b);
  check(b.fault_zero == a.fault_zero + 1, "fault_zero went from %lu to %lu", a.fault_zero, b.fault_zero);
  check(b.frames_free < a.frames_free, "touching a page took no frame");
}

static struct vmregion regs[64];

static struct vmregion *
region_of(int n, uint64 va)
{
  for (int i = 0; i < n; i++)
    if (regs[i].start <= va && va < regs[i].end)
      return &regs[i];
  return 0;
}

static void
t_vmmap(void)
{
  align_break();
  char *h = sbrk(3 * PGSIZE);
  h[PGSIZE] = 1;                 // one resident page of three

  memset(regs, 0, sizeof(regs));
  int n = vmmap(getpid(), regs, NELEM(regs));
  check(n >= 4 && n <= NELEM(regs), "vmmap returned %d (%s)", n, n < 0 ? strerror(errno) : "");
  for (int i = 0; i < n; i++) {
    struct vmregion *r = &regs[i];
    check(r->start < r->end, "region %d: [%p, %p)", i, (void *)r->start, (void *)r->end);
    check(r->start % PGSIZE == 0 && r->end % PGSIZE == 0, "region %d unaligned", i);
    check(r->start >= USERBASE && r->end <= USERTOP, "region %d [%p, %p) outside user space", i,
          (void *)r->start, (void *)r->end);
    check(i == 0 || regs[i - 1].end <= r->start, "regions %d and %d overlap or are unsorted", i - 1, i);
    check(!((r->prot & VMR_WRITE) && (r->prot & VMR_EXEC)), "region %d is writable and executable", i);
    check(r->resident <= (r->end - r->start) / PGSIZE, "region %d: %u resident in %lu pages", i,
          r->resident, (r->end - r->start) / PGSIZE);
  }
  struct vmregion *t = region_of(n, (uint64)t_vmmap);
  check(t && (t->prot & VMR_EXEC) && !(t->prot & VMR_WRITE), "no R-X region holds the text");
  check(strcmp(t->name, "[text]") == 0, "text region named '%s'", t->name);
  struct vmregion *d = region_of(n, (uint64)&bigbuf[0]);
  check(d && (d->prot & VMR_WRITE) && !(d->prot & VMR_EXEC), "no RW- region holds the bss");
  struct vmregion *ro = region_of(n, (uint64)ro_str);
  check(ro && !(ro->prot & VMR_WRITE), "rodata region missing or writable");
  int local;
  struct vmregion *s = region_of(n, (uint64)&local);
  check(s && (s->prot & VMR_WRITE) && !(s->prot & VMR_EXEC), "no RW- region holds the stack");
  check(strcmp(s->name, "[stack]") == 0, "stack region named '%s'", s->name);
  check(s->end - s->start == USERSTACK * PGSIZE, "stack region is %lu bytes", s->end - s->start);
  struct vmregion *hp = region_of(n, (uint64)h);
  check(hp && hp == region_of(n, (uint64)h + 3 * PGSIZE - 1), "no region holds the heap");
  check(strcmp(hp->name, "[heap]") == 0, "heap region named '%s'", hp->name);
  check(hp->end == (uint64)sbrk(0), "heap region ends at %p, break is %p", (void *)hp->end, sbrk(0));
  check(hp->resident == 1, "heap region: %u resident pages, want 1", hp->resident);
  check(region_of(n, (uint64)stack_bottom() - 1) == 0, "the stack guard page is mapped");

  // Another process's map; missing pids.
  int p[2];
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    char c;
    close(p[1]);
    read(p[0], &c, 1);
    exit(0);
  }
  int m = vmmap(pid, regs, NELEM(regs));
  check(m >= 3, "vmmap(child) returned %d (%s)", m, m < 0 ? strerror(errno) : "");
  close(p[1]);
  close(p[0]);
  wait_pid(pid);
  expect_err(vmmap(pid, regs, NELEM(regs)), ESRCH);
  expect_err(vmmap(99999, regs, NELEM(regs)), ESRCH);
}

// ---------------------------------------------------------------- bad pointers

// read() into a bad buffer: EFAULT, from a file, a pipe and the console.
static void
t_badread(void)
{
  init_bad_dst();
  write_file("/ut_src", 8192, 1);
  int fd = xopen("/ut_src", O_RDONLY);
  static char text0[64];
  memmove(text0, (void *)USERBASE, sizeof(text0));
  for (int i = 0; i < nbad_dst; i++) {
    lseek(fd, 0, SEEK_SET);
    errno = 0;
    int r = read(fd, (void *)bad_dst[i], 100);
    check(r == -1 && errno == EFAULT, "read(file, %p, 100) = %d errno %d, want -1 EFAULT",
          (void *)bad_dst[i], r, errno);
  }
  check(memcmp(text0, (void *)USERBASE, sizeof(text0)) == 0, "read() changed the text");
  check(strcmp(ro_str, "read-only data, in .rodata") == 0, "read() changed rodata");

  // Straddling the end of the heap, and starting in the stack guard page.
  uint64 he = heap_end();
  lseek(fd, 0, SEEK_SET);
  expect_err(read(fd, (void *)(he - 50), 100), EFAULT);
  lseek(fd, 0, SEEK_SET);
  expect_err(read(fd, (void *)(he - 8), 4096), EFAULT);
  lseek(fd, 0, SEEK_SET);
  expect_err(read(fd, (void *)(stack_bottom() - 8), 16), EFAULT);
  // The same buffer inside the heap is fine.
  lseek(fd, 0, SEEK_SET);
  expect_eq(read(fd, (void *)(he - 100), 100), 100);
  check_fill("read at the end of the heap", (char *)(he - 100), 100, 0, 1);
  close(fd);

  // From a pipe.
  int p[2];
  expect_ok(pipe(p));
  for (int i = 0; i < nbad_dst; i++) {
    xwrite(p[1], "0123456789", 10);
    errno = 0;
    int r = read(p[0], (void *)bad_dst[i], 10);
    check(r == -1 && errno == EFAULT, "read(pipe, %p, 10) = %d errno %d, want -1 EFAULT",
          (void *)bad_dst[i], r, errno);
    // drain what may be left
    close(p[0]);
    close(p[1]);
    expect_ok(pipe(p));
  }
  close(p[0]);
  close(p[1]);
  unlink("/ut_src");
}

// write() from a bad buffer: EFAULT and nothing written.
static void
t_badwrite(void)
{
  int fd = xopen("/ut_dst", O_CREATE | O_RDWR | O_TRUNC);
  for (int i = 0; i < NELEM(bad_src); i++) {
    errno = 0;
    int r = write(fd, (void *)bad_src[i], 100);
    check(r == -1 && errno == EFAULT, "write(file, %p, 100) = %d errno %d, want -1 EFAULT",
          (void *)bad_src[i], r, errno);
  }
  uint64 he = heap_end();
  memset((void *)(he - PGSIZE), 'h', PGSIZE);
  expect_err(write(fd, (void *)(he - 50), 100), EFAULT);
  expect_err(write(fd, (void *)(he - PGSIZE), PGSIZE + 1), EFAULT);
  expect_err(write(fd, (void *)(PGROUNDUP((uint64)end) - 8), 16), EFAULT);
  expect_err(write(fd, (void *)(stack_bottom() - 8), 16), EFAULT);
  check(fsize(fd) == 0, "failed writes left %ld bytes in the file (no partial writes)", fsize(fd));
  expect_eq(write(fd, (void *)(he - 100), 100), 100);
  check(fsize(fd) == 100, "file size %ld after a 100-byte write", fsize(fd));
  close(fd);
  unlink("/ut_dst");

  // To a pipe and the console.
  int p[2];
  expect_ok(pipe(p));
  expect_err(write(p[1], 0, 10), EFAULT);
  expect_err(write(p[1], (void *)BAD_KERNEL, 10), EFAULT);
  close(p[0]);
  close(p[1]);
  expect_err(write(1, 0, 10), EFAULT);
  expect_err(write(1, (void *)BAD_KERNEL, 10), EFAULT);
}

static void
t_badpipe(void)
{
  init_bad_dst();
  int before = count_open_fds();
  for (int i = 0; i < nbad_dst; i++) {
    errno = 0;
    int r = pipe((int *)bad_dst[i]);
    check(r == -1 && errno == EFAULT, "pipe(%p) = %d errno %d, want -1 EFAULT", (void *)bad_dst[i], r, errno);
  }
  uint64 he = heap_end();
  expect_err(pipe((int *)(he - 4)), EFAULT);    // fd[0] fits, fd[1] does not
  int after = count_open_fds();
  check(after == before, "failed pipe() calls left %d descriptors open", after - before);
  expect_ok(pipe((int *)(he - 8)));             // exactly fits
  int *fds = (int *)(he - 8);
  check(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1], "pipe gave fds %d %d", fds[0], fds[1]);
  close(fds[0]);
  close(fds[1]);
}

static void
t_badfstat(void)
{
  init_bad_dst();
  int fd = xopen("/", O_RDONLY);
  for (int i = 0; i < nbad_dst; i++) {
    errno = 0;
    int r = fstat(fd, (struct stat *)bad_dst[i]);
    check(r == -1 && errno == EFAULT, "fstat(fd, %p) = %d errno %d, want -1 EFAULT",
          (void *)bad_dst[i], r, errno);
  }
  uint64 he = heap_end();
  expect_err(fstat(fd, (struct stat *)(he - 8)), EFAULT);
  expect_ok(fstat(fd, (struct stat *)(he - sizeof(struct stat))));
  close(fd);
}

// Every call that takes a path, with a bad one.
static void
badpath_one(const char *what, const char *p)
{
  static char *argv[] = { "x", 0 };
  char *q = (char *)p;
  expect_err(open(p, O_RDONLY), EFAULT);
  expect_err(open(p, O_CREATE | O_RDWR), EFAULT);
  expect_err(unlink(p), EFAULT);
  expect_err(link(p, "/ut_lnk"), EFAULT);
  expect_err(link("/README", p), EFAULT);
  expect_err(mkdir(p), EFAULT);
  expect_err(chdir(p), EFAULT);
  expect_err(mknod(p, 1, 0), EFAULT);
  expect_err(exec(q, argv), EFAULT);
  expect_err(stat(p, (struct stat *)bigbuf), EFAULT);
  (void)what;
}

static void
t_badpath(void)
{
  struct stat st;
  for (int i = 0; i < NELEM(bad_src); i++)
    badpath_one("bad", (const char *)bad_src[i]);
  // A name running into the end of the heap, without its NUL.
  uint64 he = heap_end();
  memset((void *)(he - 8), 'a', 8);
  badpath_one("heap end", (const char *)(he - 8));
  // A name in the last bytes of the heap, with its NUL, works.
  memmove((void *)(he - 8), "/ut_hp", 7);
  int fd = open((const char *)(he - 8), O_CREATE | O_RDWR);
  check(fd >= 0, "open of a path at the end of the heap: %s", strerror(errno));
  close(fd);
  expect_eq(unlink((const char *)(he - 8)), 0);
  check(stat("/ut_lnk", &st) < 0, "a failed link created /ut_lnk");
}

static void
t_badexec(void)
{
  static char *argv[4];
  uint64 he = heap_end();
  // argv itself bad (0 is left out: Linux accepts a null argv).
  for (int i = 1; i < NELEM(bad_src); i++) {
    errno = 0;
    int r = exec(tl_self, (char **)bad_src[i]);
    check(r == -1 && errno == EFAULT, "exec(%s, argv=%p) = %d errno %d, want -1 EFAULT", tl_self,
          (void *)bad_src[i], r, errno);
  }
  // An argument pointer bad (0 would just end the list).
  for (int i = 1; i < NELEM(bad_src); i++) {
    argv[0] = tl_self;
    argv[1] = (char *)bad_src[i];
    argv[2] = 0;
    errno = 0;
    int r = exec(tl_self, argv);
    check(r == -1 && errno == EFAULT, "exec(%s, {self, %p}) = %d errno %d, want -1 EFAULT", tl_self,
          (void *)bad_src[i], r, errno);
  }
  // An argument running past the heap; the argv array running past it.
  memset((void *)(he - 8), 'a', 8);
  argv[0] = tl_self;
  argv[1] = (char *)(he - 8);
  argv[2] = 0;
  expect_err(exec(tl_self, argv), EFAULT);
  char **av = (char **)(he - 8);
  av[0] = tl_self;                 // av[1] lies past the break
  expect_err(exec(tl_self, av), EFAULT);
  // Still alive and well.
  check(strcmp(ro_str, "read-only data, in .rodata") == 0, "memory damaged by failed exec");
}

static void
t_badwait(void)
{
  init_bad_dst();
  uint64 he = heap_end();
  bad_dst[0] = he - 2;        // instead of 0, which wait() allows: straddles the break
  for (int i = 0; i < nbad_dst; i++) {
    int pid = xfork();
    if (pid == 0)
      exit(5);
    errno = 0;
    int r = wait((int *)bad_dst[i]);
    check(r == -1 && errno == EFAULT, "wait(%p) = %d errno %d, want -1 EFAULT", (void *)bad_dst[i], r, errno);
    // The child is either still there to be reaped, or gone (as on Linux).
    int st = 0x7777;
    r = wait(&st);
    check((r == pid && st == 5) || (r == -1 && errno == ECHILD),
          "wait after a failed wait: %d status %d errno %d", r, st, errno);
  }
  int pid = xfork();
  if (pid == 0)
    exit(6);
  int *sp = (int *)(he - 4);
  expect_eq(wait(sp), pid);
  check(*sp == 6, "status %d at the end of the heap", *sp);
}

static void
t_badvmstat(void)
{
  init_bad_dst();
  for (int i = 0; i < nbad_dst; i++) {
    errno = 0;
    int r = vmstat((struct vmstat *)bad_dst[i]);
    check(r == -1 && errno == EFAULT, "vmstat(%p) = %d errno %d", (void *)bad_dst[i], r, errno);
    errno = 0;
    r = vmmap(getpid(), (struct vmregion *)bad_dst[i], 8);
    check(r == -1 && errno == EFAULT, "vmmap(pid, %p, 8) = %d errno %d", (void *)bad_dst[i], r, errno);
  }
  uint64 he = heap_end();
  expect_err(vmstat((struct vmstat *)(he - 16)), EFAULT);
  expect_err(vmmap(getpid(), (struct vmregion *)(he - sizeof(struct vmregion)), 8), EFAULT);
  expect_ok(vmstat((struct vmstat *)(he - sizeof(struct vmstat))));
  expect_ok(vmmap(getpid(), (struct vmregion *)(he - sizeof(struct vmregion)), 1));
}

// ---------------------------------------------------------------- paths

static char path[300], path2[300];

static void
t_pathmax(void)
{
  struct stat st;
  int fd;

  // MAXPATH-1 characters work everywhere.
  fd = open(make_path(path, MAXPATH - 1, "ut_pm"), O_CREATE | O_RDWR);
  check(fd >= 0, "open of a %d-char path: %s", MAXPATH - 1, strerror(errno));
  xwrite(fd, "pm", 2);
  close(fd);
  xstat("/ut_pm", &st);
  check(st.size == 2, "size %lu", st.size);
  expect_eq(link(make_path(path, MAXPATH - 1, "ut_pm"), make_path(path2, MAXPATH - 1, "ut_pm2")), 0);
  expect_eq(unlink(path2), 0);
  expect_eq(mkdir(make_path(path2, MAXPATH - 1, "ut_pmd")), 0);
  expect_eq(chdir(path2), 0);
  expect_eq(chdir("/"), 0);
  expect_eq(mknod(make_path(path2, MAXPATH - 1, "ut_pmn"), 1, 0), 0);
  expect_eq(unlink(path2), 0);

  // MAXPATH characters or more: ENAMETOOLONG, everywhere.
  for (int len = MAXPATH; len <= 260; len += 132) {
    make_path(path2, len, "ut_pm");
    expect_err(open(path2, O_RDONLY), ENAMETOOLONG);
    expect_err(open(path2, O_CREATE | O_RDWR), ENAMETOOLONG);
    expect_err(unlink(path2), ENAMETOOLONG);
    expect_err(link(path2, "/ut_pm3"), ENAMETOOLONG);
    expect_err(link("/ut_pm", path2), ENAMETOOLONG);
    expect_err(mkdir(make_path(path2, len, "ut_pmd2")), ENAMETOOLONG);
    expect_err(chdir(make_path(path2, len, "ut_pmd")), ENAMETOOLONG);
    expect_err(mknod(make_path(path2, len, "ut_pmn"), 1, 0), ENAMETOOLONG);
  }
  check(stat("/ut_pm3", &st) < 0, "a failed link created /ut_pm3");
  check(stat("/ut_pmd2", &st) < 0, "a failed mkdir created /ut_pmd2");
  check(stat("/ut_pmn", &st) < 0, "a failed mknod created /ut_pmn");

  // exec: MAXPATH-1 works, MAXPATH does not.
  static char *argv[] = { "self", "--exit", "7", 0 };
  make_path(path2, MAXPATH, self_name());
  expect_err(exec(path2, argv), ENAMETOOLONG);
  int pid = xfork();
  if (pid == 0) {
    make_path(path2, MAXPATH - 1, self_name());
    exec(path2, argv);
    fail("exec of a %d-char path: %s", MAXPATH - 1, strerror(errno));
  }
  check(wait_pid(pid) == 7, "exec of a %d-char path failed", MAXPATH - 1);

  expect_eq(unlink(make_path(path, MAXPATH - 1, "ut_pmd")), 0);
  expect_eq(unlink(make_path(path, MAXPATH - 1, "ut_pm")), 0);
}

// Names longer than DIRSIZ are cut to DIRSIZ characters (as xv6 does).
static void
t_longname(void)
{
  struct stat a, b;
  int fd = xopen("/ut_abcdefghijklmnopqrstuvwxyz", O_CREATE | O_RDWR);
  close(fd);
  xstat("/ut_abcdefghijk", &a);          // the first 14 characters
  xstat("/ut_abcdefghijkXYZ", &b);
  check(a.ino == b.ino, "long names do not map to the same %d-character name", DIRSIZ);
  expect_eq(unlink("/ut_abcdefghijk"), 0);
  check(stat("/ut_abcdefghijklmnopqrstuvwxyz", &a) < 0, "file still there");
}

// ---------------------------------------------------------------- exec

static char *xargv[MAXARG + 8];
static char argstr[MAXARG + 8][8];
static char longarg[2][5200];

static void
t_exec(void)
{
  int p[2];
  char fdnum[8];

  // Arguments arrive; descriptors survive exec.
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    snprintf(fdnum, sizeof(fdnum), "%d", p[1]);
    char *argv[] = { tl_self, "--fd", fdnum, 0 };
    exec(tl_self, argv);
    fail("exec: %s", strerror(errno));
  }
  close(p[1]);
  char got[16];
  memset(got, 0, sizeof(got));
  xread(p[0], got, 7);
  check(memcmp(got, "exec-fd", 7) == 0, "exec'd child wrote '%s' to the inherited fd", got);
  check(read(p[0], got, 1) == 0, "no EOF after the child exited");
  close(p[0]);
  check(wait_pid(pid) == 0, "exec --fd child failed");

  // Exactly MAXARG arguments.
  xargv[0] = tl_self;
  xargv[1] = "--argv";
  snprintf(argstr[0], 8, "%d", MAXARG);
  xargv[2] = argstr[0];
  xargv[3] = "5";
  for (int i = 4; i < MAXARG; i++) {
    memset(argstr[i], 'a' + i % 26, 5);
    argstr[i][5] = 0;
    xargv[i] = argstr[i];
  }
  xargv[MAXARG] = 0;
  pid = xfork();
  if (pid == 0) {
    exec(tl_self, xargv);
    fail("exec with %d args: %s", MAXARG, strerror(errno));
  }
  check(wait_pid(pid) == 0, "exec with MAXARG args: the arguments came out wrong");

  // One argument of 3000 bytes fits in the one-page stack.
  memset(longarg[0], 'a' + 4 % 26, 3000);
  longarg[0][3000] = 0;
  char *argv2[] = { tl_self, "--argv", "5", "3000", longarg[0], 0 };
  pid = xfork();
  if (pid == 0) {
    exec(tl_self, argv2);
    fail("exec with a 3000-byte argument: %s", strerror(errno));
  }
  check(wait_pid(pid) == 0, "exec with a 3000-byte argument: it came out wrong");

  // A path relative to the working directory.
  pid = xfork();
  if (pid == 0) {
    char *argv3[] = { "x", "--exit", "0", 0 };
    chdir("/");
    exec(self_name(), argv3);
    fail("exec relative: %s", strerror(errno));
  }
  check(wait_pid(pid) == 0, "relative exec failed");
}

// ELF structures, just what the corruptions below need.
struct elfhdr {
  uint32 magic;
  uchar ident[12];
  ushort type, machine;
  uint32 version;
  uint64 entry, phoff, shoff;
  uint32 flags;
  ushort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct proghdr {
  uint32 type, flags;
  uint64 off, vaddr, paddr, filesz, memsz, align;
};
#define ELF_MAGIC 0x464C457FU
#define PT_LOAD 1

// Copy this program to dst, changing the headers with `how`.
static void
copy_self(const char *dst, int how)
{
  int in = xopen(tl_self, O_RDONLY);
  int out = xopen(dst, O_CREATE | O_WRONLY | O_TRUNC);
  int first = 1, n;
  while ((n = read(in, bigbuf, BIG)) > 0) {
    if (first) {
      struct elfhdr *eh = (struct elfhdr *)bigbuf;
      check(eh->magic == ELF_MAGIC, "%s is not an ELF file", tl_self);
      struct proghdr *ph = 0;
      for (int i = 0; i < eh->phnum; i++) {
        struct proghdr *q = (struct proghdr *)(bigbuf + eh->phoff + i * eh->phentsize);
        if (q->type == PT_LOAD && q->filesz > 0) {
          ph = q;
          break;
        }
      }
      check(ph != 0, "no PT_LOAD segment in %s", tl_self);
      switch (how) {
      case 0: break;
      case 1: ph->vaddr = KVA_OFFSET; break;                    // kernel half
      case 2: ph->vaddr = 0xFFFFFFFFFFFFF000UL; ph->memsz = ph->filesz + 0x2000; break;   // wraps
      case 3: ph->memsz = ph->filesz - 1; break;                // memsz < filesz
      case 4: ph->off = 0x7ffff000; break;                      // past EOF
      case 5: eh->phoff = 0x7ffff000; break;                    // headers past EOF
      case 6: eh->machine = 62; break;                          // x86-64
      case 7: ph->vaddr = 0; break;                             // in the null guard
      case 8: ph->vaddr = MAXVA - PGSIZE; break;                // the TRAMPOLINE page
      }
      first = 0;
    }
    xwrite(out, bigbuf, n);
  }
  close(in);
  close(out);
}

static void
t_execerr(void)
{
  // Calls that must fail use arguments that make a wrongly started program
  // exit 97 at once, so the runner reports "exit status 97".
  static char *argv[] = { "x", "--exit", "97", 0 };
  static char *argv0[] = { "x", "--exit", "0", 0 };
  struct stat st;

  memset(buf2, 0x3c, 4096);
  // Missing files.
  expect_err(exec("/ut_no_such_program", argv), ENOENT);
  expect_err(exec("/ut_no_dir/prog", argv), ENOENT);
  // Too many arguments: MAXARG + 1.
  xargv[0] = tl_self;
  xargv[1] = "--exit";
  xargv[2] = "97";
  for (int i = 3; i <= MAXARG; i++)
    xargv[i] = "x";
  xargv[MAXARG + 1] = 0;
  expect_err(exec(tl_self, xargv), E2BIG);
  xargv[MAXARG + 1] = "y";
  xargv[MAXARG + 2] = 0;
  expect_err(exec(tl_self, xargv), E2BIG);
  // Arguments too long for the one-page stack.
  memset(longarg[0], 'q', 3000);
  longarg[0][3000] = 0;
  memset(longarg[1], 'r', 3000);
  longarg[1][3000] = 0;
  char *two[] = { tl_self, "--exit", "97", longarg[0], longarg[1], 0 };
  expect_err(exec(tl_self, two), E2BIG);
  memset(longarg[0], 'q', 5000);
  longarg[0][5000] = 0;
  char *one[] = { tl_self, "--exit", "97", longarg[0], 0 };
  expect_err(exec(tl_self, one), E2BIG);

  // Not ELF at all; empty.
  write_file("/ut_badelf", 3000, 9);
  expect_err(exec("/ut_badelf", argv), ENOEXEC);
  int fd = xopen("/ut_badelf", O_CREATE | O_RDWR | O_TRUNC);
  close(fd);
  expect_err(exec("/ut_badelf", argv), ENOEXEC);
  // Only the ELF header, the program headers cut off.
  int in = xopen(tl_self, O_RDONLY);
  xread(in, bigbuf, 64);
  close(in);
  fd = xopen("/ut_badelf", O_CREATE | O_RDWR | O_TRUNC);
  xwrite(fd, bigbuf, 64);
  close(fd);
  expect_err(exec("/ut_badelf", argv), ENOEXEC);
  // A correct copy runs...
  copy_self("/ut_badelf", 0);
  int pid = xfork();
  if (pid == 0) {
    exec("/ut_badelf", argv0);
    fail("exec of a copy of %s: %s", tl_self, strerror(errno));
  }
  check(wait_pid(pid) == 0, "a copy of %s does not run", tl_self);
  // ... corrupted ones don't.
  static const char *what[] = { "", "segment in the kernel half", "segment wrapping around",
    "memsz < filesz", "segment past EOF", "program headers past EOF", "wrong machine",
    "segment at 0", "segment on the TRAMPOLINE page" };
  for (int how = 1; how <= 8; how++) {
    copy_self("/ut_badelf", how);
    errno = 0;
    int r = exec("/ut_badelf", argv);
    check(r == -1 && errno == ENOEXEC, "exec of an ELF with %s: %d errno %d (%s), want -1 ENOEXEC",
          what[how], r, errno, strerror(errno));
  }
  expect_eq(unlink("/ut_badelf"), 0);
  check(stat("/ut_badelf", &st) < 0, "unlink failed");
  // The failed execs left this process alone.
  for (int i = 0; i < 4096; i++)
    check(buf2[i] == 0x3c, "memory changed by a failed exec");
}

// ---------------------------------------------------------------- files

static void
t_readwrite(void)
{
  int fd, r;
  struct stat st;

  // Create, write, read back.
  fd = xopen("/ut_rw", O_CREATE | O_RDWR);
  fill(bigbuf, 5000, 0, 3);
  xwrite(fd, bigbuf, 5000);
  expect_eq(write(fd, bigbuf, 0), 0);
  close(fd);
  fd = xopen("/ut_rw", O_RDONLY);
  memset(buf2, 0, 6000);
  expect_eq(read(fd, buf2, 6000), 5000);         // short read at EOF
  check_fill("read back", buf2, 5000, 0, 3);
  expect_eq(read(fd, buf2, 10), 0);              // EOF
  expect_eq(read(fd, buf2, 0), 0);
  close(fd);

  // O_CREATE on an existing file keeps it; O_TRUNC empties it.
  fd = xopen("/ut_rw", O_CREATE | O_RDWR);
  check(fsize(fd) == 5000, "O_CREATE truncated the file to %ld", fsize(fd));
  xwrite(fd, "XY", 2);                           // overwrite at offset 0
  close(fd);
  fd = xopen("/ut_rw", O_RDONLY);
  expect_eq(read(fd, buf2, 3), 3);
  check(buf2[0] == 'X' && buf2[1] == 'Y' && buf2[2] == pat(2, 3), "overwrite at 0");
  close(fd);
  fd = xopen("/ut_rw", O_RDWR | O_TRUNC);
  check(fsize(fd) == 0, "O_TRUNC left %ld bytes", fsize(fd));
  close(fd);
  // O_EXCL.
  expect_err(open("/ut_rw", O_CREATE | O_EXCL | O_RDWR), EEXIST);
  fd = open("/ut_rw2", O_CREATE | O_EXCL | O_RDWR);
  check(fd >= 0, "O_CREATE|O_EXCL of a new file: %s", strerror(errno));
  close(fd);
  expect_eq(unlink("/ut_rw2"), 0);

  // Wrong direction.
  fd = xopen("/ut_rw", O_RDONLY);
  expect_err(write(fd, "x", 1), EBADF);
  close(fd);
  fd = xopen("/ut_rw", O_WRONLY);
  expect_err(read(fd, buf2, 1), EBADF);
  close(fd);

  // 200 KiB in odd-sized pieces, read back in other odd sizes.
  fd = xopen("/ut_rw", O_RDWR | O_TRUNC);
  long off = 0;
  static const int wsz[] = { 1, 1000, 3001, 4096, 777, 9000, 12345, 1024 };
  for (int i = 0; off < 200 * 1024; i++) {
    int n = wsz[i % NELEM(wsz)];
    if (off + n > 200 * 1024)
      n = 200 * 1024 - off;
    fill(bigbuf, n, off, 4);
    xwrite(fd, bigbuf, n);
    off += n;
  }
  close(fd);
  xstat("/ut_rw", &st);
  check(st.size == 200 * 1024, "size %lu, want %d", st.size, 200 * 1024);
  fd = xopen("/ut_rw", O_RDONLY);
  off = 0;
  static const int rsz[] = { 4097, 1, 511, 65536, 3, 20000 };
  for (int i = 0;; i++) {
    r = read(fd, buf2, rsz[i % NELEM(rsz)]);
    check(r >= 0, "read: %s", strerror(errno));
    if (r == 0)
      break;
    check_fill("200 KiB file", buf2, r, off, 4);
    off += r;
  }
  check(off == 200 * 1024, "read %ld bytes back", off);
  close(fd);
  expect_eq(unlink("/ut_rw"), 0);

  // A directory reads as its entries (ls relies on it).
  fd = xopen("/", O_RDONLY);
  struct dirent de;
  expect_eq(read(fd, &de, sizeof(de)), sizeof(de));
  check(de.inum == ROOTINO && strcmp(de.name, ".") == 0, "first entry of / is %d '%s'", de.inum, de.name);
  close(fd);
}

static void
t_openerr(void)
{
  write_file("/ut_oe", 10, 1);
  expect_err(open("/ut_no_such_file", O_RDONLY), ENOENT);
  expect_err(open("/ut_no_dir/x", O_RDONLY), ENOENT);
  expect_err(open("/ut_no_dir/x", O_CREATE | O_RDWR), ENOENT);
  expect_err(open("/", O_WRONLY), EISDIR);
  expect_err(open("/", O_RDWR), EISDIR);
  expect_err(open("/", O_CREATE | O_RDWR), EISDIR);
  expect_err(open("/ut_oe/x", O_RDONLY), ENOTDIR);
  expect_err(open("/ut_oe/x", O_CREATE | O_RDWR), ENOTDIR);
  expect_err(open("/ut_oe", O_CREATE | O_EXCL | O_WRONLY), EEXIST);
  expect_eq(unlink("/ut_oe"), 0);
}

static void
t_nofile(void)
{
  int fds[NOFILE + 2];
  int open0 = count_open_fds();
  int n = 0, e = 0;
  write_file("/ut_nf", 10, 1);
  for (;;) {
    int fd = open("/ut_nf", O_RDONLY);
    if (fd < 0) {
      e = errno;
      break;
    }
    check(n < NOFILE, "more than NOFILE (%d) files open", NOFILE);
    fds[n++] = fd;
  }
  check(e == EMFILE, "open failed with errno %d (%s), want EMFILE", e, strerror(e));
  check(n == NOFILE - open0, "opened %d files with %d already open, NOFILE %d", n, open0, NOFILE);
  expect_err(dup(0), EMFILE);
  int p[2];
  expect_err(pipe(p), EMFILE);
  // With one slot free: open takes the lowest, pipe still can't (needs two).
  int victim = fds[n / 2];
  close(victim);
  expect_err(pipe(p), EMFILE);
  int fd = open("/ut_nf", O_RDONLY);
  check(fd == victim, "open returned %d, want the lowest free fd %d", fd, victim);
  expect_err(open("/ut_nf", O_RDONLY), EMFILE);
  for (int i = 0; i < n; i++)
    close(fds[i]);
  check(count_open_fds() == open0, "descriptors left open");
  expect_eq(unlink("/ut_nf"), 0);
}

static void
t_closebad(void)
{
  char c;
  struct stat st;
  int fd = xopen("/", O_RDONLY);
  expect_eq(close(fd), 0);
  expect_err(close(fd), EBADF);
  expect_err(close(-1), EBADF);
  expect_err(close(NOFILE), EBADF);
  expect_err(close(NOFILE + 1000), EBADF);
  expect_err(read(fd, &c, 1), EBADF);
  expect_err(write(fd, &c, 1), EBADF);
  expect_err(read(-1, &c, 1), EBADF);
  expect_err(write(NOFILE, &c, 1), EBADF);
  expect_err(fstat(fd, &st), EBADF);
  expect_err(dup(fd), EBADF);
  expect_err(dup(-1), EBADF);
  expect_err(lseek(fd, 0, SEEK_SET), EBADF);
  expect_err(ftruncate(fd, 0), EBADF);
}

static void
t_dup(void)
{
  int fd = xopen("/ut_dup", O_CREATE | O_RDWR | O_TRUNC);
  int fd2 = dup(fd);
  check(fd2 > fd, "dup returned %d", fd2);
  // Shared offset.
  xwrite(fd, "abc", 3);
  xwrite(fd2, "def", 3);
  expect_eq(lseek(fd, 0, SEEK_CUR), 6);
  expect_eq(lseek(fd2, 1, SEEK_SET), 1);
  expect_eq(lseek(fd, 0, SEEK_CUR), 1);
  close(fd);
  // The duplicate still works.
  char b[8];
  memset(b, 0, sizeof(b));
  expect_eq(read(fd2, b, 8), 5);
  check(strcmp(b, "bcdef") == 0, "read '%s' through the dup", b);
  // dup takes the lowest free descriptor.
  int d = dup(fd2);
  check(d == fd, "dup returned %d, want the lowest free %d", d, fd);
  close(d);
  // A forked child shares the offset too.
  lseek(fd2, 0, SEEK_END);
  int pid = xfork();
  if (pid == 0) {
    xwrite(fd2, "ghi", 3);
    exit(0);
  }
  check(wait_pid(pid) == 0, "child");
  expect_eq(lseek(fd2, 0, SEEK_CUR), 9);
  xwrite(fd2, "j", 1);
  close(fd2);
  fd = xopen("/ut_dup", O_RDONLY);
  memset(b, 0, sizeof(b));
  expect_eq(read(fd, b, 8), 8);
  check(memcmp(b, "abcdefgh", 8) == 0, "file holds '%s'", b);
  close(fd);
  expect_eq(unlink("/ut_dup"), 0);
  // dup of a pipe end.
  int p[2];
  expect_ok(pipe(p));
  int w = dup(p[1]);
  close(p[1]);
  xwrite(w, "zz", 2);
  close(w);
  expect_eq(read(p[0], b, 8), 2);
  expect_eq(read(p[0], b, 8), 0);       // every write end closed: EOF
  close(p[0]);
}

static void
t_lseek(void)
{
  char b[16];
  int fd = xopen("/ut_seek", O_CREATE | O_RDWR | O_TRUNC);
  fill(bigbuf, 100, 0, 5);
  xwrite(fd, bigbuf, 100);
  expect_eq(lseek(fd, 0, SEEK_CUR), 100);
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, b, 10), 10);
  expect_eq(lseek(fd, 0, SEEK_CUR), 10);
  expect_eq(lseek(fd, 20, SEEK_SET), 20);
  expect_eq(read(fd, b, 1), 1);
  check(b[0] == pat(20, 5), "byte 20");
  expect_eq(lseek(fd, 5, SEEK_CUR), 26);
  expect_eq(read(fd, b, 1), 1);
  check(b[0] == pat(26, 5), "byte 26");
  expect_eq(lseek(fd, -5, SEEK_CUR), 22);
  expect_eq(lseek(fd, -5, SEEK_END), 95);
  expect_eq(read(fd, b, 16), 5);
  check_fill("tail", b, 5, 95, 5);
  expect_eq(lseek(fd, 0, SEEK_END), 100);
  // Errors leave the offset alone.
  expect_eq(lseek(fd, 30, SEEK_SET), 30);
  expect_err(lseek(fd, -1, SEEK_SET), EINVAL);
  expect_err(lseek(fd, -31, SEEK_CUR), EINVAL);
  expect_err(lseek(fd, -101, SEEK_END), EINVAL);
  expect_err(lseek(fd, 0, 3), EINVAL);
  expect_err(lseek(fd, 0, -1), EINVAL);
  expect_eq(lseek(fd, 0, SEEK_CUR), 30);
  // Past the end: reads give EOF, a write leaves a hole of zeros.
  expect_eq(lseek(fd, 200, SEEK_SET), 200);
  expect_eq(read(fd, b, 1), 0);
  check(fsize(fd) == 100, "seeking changed the size to %ld", fsize(fd));
  xwrite(fd, "Z", 1);
  check(fsize(fd) == 201, "size %ld after writing at 200", fsize(fd));
  expect_eq(lseek(fd, 100, SEEK_SET), 100);
  memset(buf2, 1, 101);
  expect_eq(read(fd, buf2, 101), 101);
  for (int i = 0; i < 100; i++)
    check(buf2[i] == 0, "hole byte %d is 0x%x", 100 + i, buf2[i] & 0xff);
  check(buf2[100] == 'Z', "byte 200");
  close(fd);
  expect_eq(unlink("/ut_seek"), 0);
  // Pipes can't seek.
  int p[2];
  expect_ok(pipe(p));
  expect_err(lseek(p[0], 0, SEEK_SET), ESPIPE);
  expect_err(lseek(p[1], 0, SEEK_CUR), ESPIPE);
  close(p[0]);
  close(p[1]);
}

static void
t_ftruncate(void)
{
  int fd = xopen("/ut_trunc", O_CREATE | O_RDWR | O_TRUNC);
  fill(bigbuf, 5000, 0, 6);
  xwrite(fd, bigbuf, 5000);
  // Shrink.
  expect_eq(ftruncate(fd, 100), 0);
  check(fsize(fd) == 100, "size %ld after ftruncate(100)", fsize(fd));
  expect_eq(lseek(fd, 0, SEEK_CUR), 5000);       // the offset stays
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, buf2, 5000), 100);
  check_fill("after shrink", buf2, 100, 0, 6);
  // Grow: zeros, also in the rest of the page that held old data.
  expect_eq(ftruncate(fd, 8000), 0);
  check(fsize(fd) == 8000, "size %ld after ftruncate(8000)", fsize(fd));
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, buf2, 9000), 8000);
  check_fill("after grow", buf2, 100, 0, 6);
  for (int i = 100; i < 8000; i++)
    check(buf2[i] == 0, "byte %d is 0x%x after shrink+grow, want 0", i, buf2[i] & 0xff);
  // Across many blocks, then to zero.
  expect_eq(ftruncate(fd, 300 * 1024), 0);
  check(fsize(fd) == 300 * 1024, "size %ld", fsize(fd));
  expect_eq(lseek(fd, 299 * 1024, SEEK_SET), 299 * 1024);
  expect_eq(read(fd, buf2, 2048), 1024);
  for (int i = 0; i < 1024; i++)
    check(buf2[i] == 0, "grown tail not zero");
  expect_eq(ftruncate(fd, 0), 0);
  check(fsize(fd) == 0, "size %ld after ftruncate(0)", fsize(fd));
  // Errors.
  expect_err(ftruncate(fd, -1), EINVAL);
  expect_err(ftruncate(fd, (long)MAXFILE * BSIZE + 1), EFBIG);
  check(fsize(fd) == 0, "failed ftruncate changed the size");
  close(fd);
  fd = xopen("/ut_trunc", O_RDONLY);
  errno = 0;
  int r = ftruncate(fd, 10);
  check(r == -1 && (errno == EINVAL || errno == EBADF),
        "ftruncate of a read-only fd: %d errno %d, want -1 EINVAL (or EBADF)", r, errno);
  close(fd);
  int p[2];
  expect_ok(pipe(p));
  expect_err(ftruncate(p[1], 0), EINVAL);
  close(p[0]);
  close(p[1]);
  expect_eq(unlink("/ut_trunc"), 0);
}

static void
t_fstat(void)
{
  struct stat a, b, c;
  int fd = xopen("/ut_fst", O_CREATE | O_RDWR | O_TRUNC);
  fill(bigbuf, 1500, 0, 1);
  xwrite(fd, bigbuf, 1500);
  expect_eq(fstat(fd, &a), 0);
  check(a.type == T_FILE, "type %d, want T_FILE", a.type);
  check(a.size == 1500, "size %lu", a.size);
  check(a.nlink == 1, "nlink %d", a.nlink);
  check(a.ino > ROOTINO, "ino %u", a.ino);
  check(a.dev == ROOTDEV, "dev %d", a.dev);
  xstat("/ut_fst", &b);
  check(b.ino == a.ino && b.size == 1500, "stat and fstat disagree");
  xstat("/", &c);
  check(c.type == T_DIR && c.ino == ROOTINO, "/: type %d ino %u", c.type, c.ino);
  check(c.size >= 2 * sizeof(struct dirent) && c.size % sizeof(struct dirent) == 0, "/: size %lu", c.size);
  expect_eq(link("/ut_fst", "/ut_fst2"), 0);
  expect_eq(fstat(fd, &b), 0);
  check(b.nlink == 2, "nlink %d after link", b.nlink);
  expect_eq(unlink("/ut_fst"), 0);
  expect_eq(unlink("/ut_fst2"), 0);
  // Unlinked but open: nlink 0, still readable.
  expect_eq(fstat(fd, &b), 0);
  check(b.nlink == 0, "nlink %d after unlinking every name", b.nlink);
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, buf2, 2000), 1500);
  check_fill("unlinked file", buf2, 1500, 0, 1);
  close(fd);
  // A new file gets a different inode number.
  write_file("/ut_fst3", 1, 1);
  xstat("/ut_fst3", &c);
  write_file("/ut_fst4", 1, 1);
  xstat("/ut_fst4", &b);
  check(c.ino != b.ino, "two files share inode %u", b.ino);
  unlink("/ut_fst3");
  unlink("/ut_fst4");
}

static void
t_linkunlink(void)
{
  struct stat a, b;
  write_file("/ut_a", 3000, 7);
  expect_eq(link("/ut_a", "/ut_b"), 0);
  xstat("/ut_a", &a);
  xstat("/ut_b", &b);
  check(a.ino == b.ino && b.nlink == 2, "link: ino %u/%u nlink %d", a.ino, b.ino, b.nlink);
  expect_err(link("/ut_a", "/ut_b"), EEXIST);
  expect_err(link("/ut_none", "/ut_c"), ENOENT);
  expect_err(link("/ut_a", "/ut_no_dir/c"), ENOENT);
  expect_err(link("/ut_a", "/ut_b/c"), ENOTDIR);
  expect_err(link("/", "/ut_rootlink"), EPERM);
  expect_eq(unlink("/ut_a"), 0);
  expect_err(open("/ut_a", O_RDONLY), ENOENT);
  expect_err(unlink("/ut_a"), ENOENT);
  int fd = xopen("/ut_b", O_RDONLY);
  expect_eq(read(fd, buf2, 4000), 3000);
  check_fill("through the second name", buf2, 3000, 0, 7);
  close(fd);
  xstat("/ut_b", &b);
  check(b.nlink == 1, "nlink %d", b.nlink);
  // Unlink while open: the data lives on until close.
  fd = xopen("/ut_b", O_RDWR);
  expect_eq(unlink("/ut_b"), 0);
  xwrite(fd, "new", 3);
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, buf2, 4000), 3000);
  check(memcmp(buf2, "new", 3) == 0, "write to an unlinked file lost");
  close(fd);
  expect_err(unlink("/ut_b"), ENOENT);
  expect_err(unlink("/ut_no_dir/x"), ENOENT);

  // Directories: not empty -> ENOTEMPTY; empty -> gone.
  expect_eq(mkdir("/ut_ld"), 0);
  write_file("/ut_ld/f", 10, 1);
  expect_err(unlink("/ut_ld"), ENOTEMPTY);
  expect_eq(unlink("/ut_ld/f"), 0);
  expect_eq(unlink("/ut_ld"), 0);

  // Many names in one directory.
  expect_eq(mkdir("/ut_many"), 0);
  char name[32];
  for (int i = 0; i < 60; i++) {
    snprintf(name, sizeof(name), "/ut_many/f%d", i);
    write_file(name, 20, i);
  }
  fd = xopen("/ut_many", O_RDONLY);
  struct dirent de;
  int live = 0;
  while (read(fd, &de, sizeof(de)) == sizeof(de))
    if (de.inum != 0)
      live++;
  close(fd);
  check(live == 62, "directory lists %d live entries, want 62", live);
  for (int i = 0; i < 60; i++) {
    snprintf(name, sizeof(name), "/ut_many/f%d", i);
    fd = xopen(name, O_RDONLY);
    expect_eq(read(fd, buf2, 100), 20);
    check_fill(name, buf2, 20, 0, i);
    close(fd);
    expect_eq(unlink(name), 0);
  }
  expect_eq(unlink("/ut_many"), 0);
}

static void
t_mkdirchdir(void)
{
  struct stat d, s;
  expect_eq(mkdir("/ut_d"), 0);
  expect_err(mkdir("/ut_d"), EEXIST);
  expect_eq(mkdir("/ut_d/sub"), 0);
  expect_err(mkdir("/ut_no_dir/x"), ENOENT);
  expect_eq(chdir("/ut_d/sub"), 0);
  write_file("f", 10, 2);                        // relative
  expect_eq(chdir(".."), 0);
  int fd = xopen("sub/f", O_RDONLY);
  close(fd);
  expect_eq(chdir("/"), 0);
  fd = xopen("/ut_d/sub/f", O_RDONLY);
  close(fd);
  expect_err(chdir("/ut_d/sub/f"), ENOTDIR);
  expect_err(chdir("/ut_no_dir"), ENOENT);
  expect_err(mkdir("/ut_d/sub/f/x"), ENOTDIR);
  expect_err(open("/ut_d", O_RDWR), EISDIR);
  // "." and "..".
  xstat("/ut_d", &d);
  xstat("/ut_d/sub", &s);
  check(d.type == T_DIR && s.type == T_DIR, "types %d %d", d.type, s.type);
  fd = xopen("/ut_d/sub", O_RDONLY);
  struct dirent de[2];
  expect_eq(read(fd, de, sizeof(de)), sizeof(de));
  close(fd);
  check(strcmp(de[0].name, ".") == 0 && de[0].inum == s.ino, "'.' is %d '%s'", de[0].inum, de[0].name);
  check(strcmp(de[1].name, "..") == 0 && de[1].inum == d.ino, "'..' is %d '%s'", de[1].inum, de[1].name);
  xstat("/ut_d/sub/..", &s);
  check(s.ino == d.ino, "sub/.. is not its parent");
  // The working directory belongs to the process.
  expect_eq(chdir("/ut_d"), 0);
  int pid = xfork();
  if (pid == 0) {
    chdir("/");
    exit(open("ut_d", O_RDONLY) >= 0 ? 0 : 1);
  }
  check(wait_pid(pid) == 0, "child's relative open from /");
  fd = open("sub", O_RDONLY);
  check(fd >= 0, "child's chdir moved the parent");
  close(fd);
  expect_eq(chdir("/"), 0);
  expect_err(unlink("/ut_d"), ENOTEMPTY);
  expect_eq(unlink("/ut_d/sub/f"), 0);
  expect_eq(unlink("/ut_d/sub"), 0);
  expect_eq(unlink("/ut_d"), 0);
}

static void
t_mknod(void)
{
  struct stat st;
  expect_eq(mknod("/ut_dev", 1, 0), 0);           // the console
  expect_err(mknod("/ut_dev", 1, 0), EEXIST);
  expect_err(mknod("/ut_no_dir/dev", 1, 0), ENOENT);
  xstat("/ut_dev", &st);
  check(st.type == T_DEVICE, "type %d, want T_DEVICE", st.type);
  int fd = xopen("/ut_dev", O_WRONLY);
  expect_eq(write(fd, "", 0), 0);
  expect_eq(fstat(fd, &st), 0);
  check(st.type == T_DEVICE, "fstat type %d", st.type);
  close(fd);
  expect_eq(unlink("/ut_dev"), 0);
}

// ---------------------------------------------------------------- pipes

static void
t_pipe(void)
{
  int p[2];
  expect_ok(pipe(p));
  check(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "pipe fds %d %d", p[0], p[1]);
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    long off = 0;
    static const int sz[] = { 1, 100, 511, 4096, 3000, 20000 };
    for (int i = 0; off < 200 * 1024; i++) {
      int n = sz[i % NELEM(sz)];
      if (off + n > 200 * 1024)
        n = 200 * 1024 - off;
      fill(bigbuf, n, off, 8);
      xwrite(p[1], bigbuf, n);
      off += n;
    }
    exit(0);
  }
  close(p[1]);
  long off = 0;
  int r;
  while ((r = read(p[0], buf2, 7000)) > 0) {
    check_fill("pipe data", buf2, r, off, 8);
    off += r;
  }
  check(r == 0, "pipe read: %s", strerror(errno));
  check(off == 200 * 1024, "got %ld of %d bytes", off, 200 * 1024);
  expect_eq(read(p[0], buf2, 10), 0);
  close(p[0]);
  check(wait_pid(pid) == 0, "writer failed");
  // Read and write on the wrong ends.
  expect_ok(pipe(p));
  expect_err(write(p[0], "x", 1), EBADF);
  expect_err(read(p[1], buf2, 1), EBADF);
  close(p[0]);
  close(p[1]);
}

static void
t_pipeepipe(void)
{
  int p[2];
  expect_ok(pipe(p));
  close(p[0]);
  expect_err(write(p[1], "x", 1), EPIPE);
  close(p[1]);
  // A writer blocked on a full pipe when the reader goes away.
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    close(p[0]);
    long total = 0;
    int r;
    while ((r = write(p[1], bigbuf, BIG)) == BIG)
      if ((total += r) > 16 * MiB)
        fail("wrote %ld bytes into a pipe nobody reads", total);
    if (!(r == -1 && errno == EPIPE) && !(r > 0 && r < BIG))
      fail("blocked write after the reader closed: %d errno %d", r, errno);
    errno = 0;
    r = write(p[1], "y", 1);
    if (r != -1 || errno != EPIPE)
      fail("write with no reader: %d errno %d, want -1 EPIPE", r, errno);
    exit(0);
  }
  close(p[1]);
  sleep(3);
  expect_eq(read(p[0], buf2, 10), 10);
  close(p[0]);
  check(wait_pid(pid) == 0, "writer saw the wrong result");
}

// ---------------------------------------------------------------- concurrency

#define CC_PROCS 6
#define CC_FILES 25

static void
t_concfs(void)
{
  char name[32];
  expect_eq(mkdir("/ut_cc"), 0);
  for (int k = 0; k < CC_PROCS; k++) {
    if (xfork() == 0) {
      for (int i = 0; i < CC_FILES; i++) {
        snprintf(name, sizeof(name), "/ut_cc/f%d_%d", k, i);
        int fd = xopen(name, O_CREATE | O_RDWR);
        fill(bigbuf, 2500, 0, k * 31 + i);
        xwrite(fd, bigbuf, 2500);
        close(fd);
        fd = xopen(name, O_RDONLY);
        memset(buf2, 0, 2600);
        int r = read(fd, buf2, 2600);
        if (r != 2500)
          fail("%s: read %d bytes", name, r);
        check_fill(name, buf2, 2500, 0, k * 31 + i);
        close(fd);
        if (i % 2 && unlink(name) != 0)
          fail("unlink %s: %s", name, strerror(errno));
      }
      // Everyone on the same few names.
      for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof(name), "/ut_cc/shared%d", i % 3);
        int fd = open(name, O_CREATE | O_RDWR);
        if (fd < 0)
          fail("open %s: %s", name, strerror(errno));
        if (write(fd, "0123456789", 10) != 10)
          fail("write %s: %s", name, strerror(errno));
        close(fd);
        if (unlink(name) != 0 && errno != ENOENT)
          fail("unlink %s: errno %d", name, errno);
      }
      for (int i = 0; i < CC_FILES; i += 2) {
        snprintf(name, sizeof(name), "/ut_cc/f%d_%d", k, i);
        if (unlink(name) != 0)
          fail("unlink %s: %s", name, strerror(errno));
      }
      exit(0);
    }
  }
  wait_all(0);
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof(name), "/ut_cc/shared%d", i);
    unlink(name);
  }
  expect_eq(unlink("/ut_cc"), 0);         // empty: every name was removed
}

// ---------------------------------------------------------------- errno

static void
t_errno(void)
{
  // The numbers are Linux's.
  check(ENOENT == 2 && ESRCH == 3 && E2BIG == 7 && ENOEXEC == 8 && EBADF == 9 && ECHILD == 10 &&
        EAGAIN == 11 && ENOMEM == 12 && EFAULT == 14 && EEXIST == 17 && ENOTDIR == 20 &&
        EISDIR == 21 && EINVAL == 22 && EMFILE == 24 && EFBIG == 27 && ENOSPC == 28 &&
        ESPIPE == 29 && EPIPE == 32 && ENAMETOOLONG == 36 && ENOTEMPTY == 39,
        "errno values are not Linux's");
  errno = 0;
  check(open("/ut_no_such_file", O_RDONLY) == -1 && errno == 2, "errno %d after a failed open", errno);
  check(close(-1) == -1 && errno == 9, "errno %d after a failed close", errno);
  // A failure in a child leaves the parent's errno alone.
  errno = 1234;
  int pid = xfork();
  if (pid == 0) {
    close(-1);
    exit(errno == EBADF ? 0 : 1);
  }
  check(wait_pid(pid) == 0, "child errno");
  check(errno == 1234, "parent errno changed to %d", errno);
  // strerror: a message for each, all different.
  static const int errs[] = { EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, ENOEXEC, EBADF, ECHILD,
    EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE,
    EFBIG, ENOSPC, ESPIPE, EMLINK, EPIPE, ERANGE, ENAMETOOLONG, ENOSYS, ENOTEMPTY };
  static char msgs[NELEM(errs)][64];
  for (int i = 0; i < NELEM(errs); i++) {
    char *m = strerror(errs[i]);
    check(m && m[0], "strerror(%d) is empty", errs[i]);
    snprintf(msgs[i], sizeof(msgs[i]), "%s", m);
    for (int j = 0; j < i; j++)
      check(strcmp(msgs[i], msgs[j]) != 0, "strerror(%d) == strerror(%d)", errs[i], errs[j]);
  }
  check(strcmp(strerror(ENOENT), "No such file or directory") == 0, "strerror(ENOENT) = '%s'", strerror(ENOENT));
  char *u = strerror(9999);
  check(u && u[0], "strerror(9999) empty");
}

// ---------------------------------------------------------------- big files

// A progress line every 16 MiB, so a slow disk isn't mistaken for a hang
// (the harness gives up after a long silence).
static void
progress(const char *what, long bytes, long step)
{
  if (bytes % (16 * MiB) < step) {
    snprintf(tl_line, sizeof(tl_line), "  %s: %ld MiB written\n", what, bytes / MiB);
    tl_puts(tl_line);
  }
}

// Each 1 KiB block starts with its block number and its complement; the
// rest is a fixed pattern.
static void
stamp_chunk(long firstblock, int nblocks)
{
  for (int i = 0; i < nblocks; i++) {
    uint32 *w = (uint32 *)(bigbuf + i * BSIZE);
    w[0] = (uint32)(firstblock + i);
    w[1] = ~(uint32)(firstblock + i);
  }
}

static void
fill_body(void)
{
  for (int i = 0; i < BIG; i++)
    bigbuf[i] = (char)(((i % BSIZE) * 13 + 7) & 0xff);
}

static void
check_block(int fd, long b)
{
  static char blk[BSIZE];
  expect_eq(lseek(fd, b * BSIZE, SEEK_SET), b * BSIZE);
  int r = read(fd, blk, BSIZE);
  check(r == BSIZE, "read of block %ld returned %d (%s)", b, r, r < 0 ? strerror(errno) : "");
  uint32 *w = (uint32 *)blk;
  check(w[0] == (uint32)b && w[1] == ~(uint32)b, "block %ld holds the stamp of block %u", b, w[0]);
  for (int i = 8; i < BSIZE; i++)
    check(blk[i] == (char)((i * 13 + 7) & 0xff), "block %ld byte %d corrupt", b, i);
}

// Write nblocks stamped blocks starting at block first.
static void
write_blocks(int fd, long first, long nblocks)
{
  expect_eq(lseek(fd, first * BSIZE, SEEK_SET), first * BSIZE);
  while (nblocks > 0) {
    int nb = nblocks < BIG / BSIZE ? (int)nblocks : BIG / BSIZE;
    stamp_chunk(first, nb);
    int r = write(fd, bigbuf, nb * BSIZE);
    if (r != nb * BSIZE)
      fail("write of blocks %ld.. returned %d: %s", first, r, r < 0 ? strerror(errno) : "short");
    first += nb;
    nblocks -= nb;
  }
}

// A file of the maximum size. Dense stretches cover the direct blocks,
// the whole single-indirect range and the start of the double-indirect
// range; the rest is written sparsely (a sample of blocks and the last
// one), so the test does not spend minutes writing 64 MiB on an emulated
// disk. Every double-indirect level is still exercised, holes read as
// zeros, and one more byte gives EFBIG.
static void
t_maxfile(void)
{
  const long max = (long)MAXFILE * BSIZE;
  static const long sparse[] = { 1000, 12345, 40000, 65000, 65536, 65801, 65802 };
  fill_body();
  int fd = xopen("/ut_max", O_CREATE | O_RDWR | O_TRUNC);
  write_blocks(fd, 0, NDIRECT + NINDIRECT + 300);
  for (int i = 0; i < NELEM(sparse); i++)
    write_blocks(fd, sparse[i], 1);
  long hole = 30000;
  static char blk[BSIZE];
  expect_eq(lseek(fd, hole * BSIZE, SEEK_SET), hole * BSIZE);
  expect_eq(read(fd, blk, BSIZE), BSIZE);
  for (int i = 0; i < BSIZE; i++)
    check(blk[i] == 0, "hole block %ld byte %d is %d, want 0", hole, i, blk[i]);
  check(fsize(fd) == max, "size %ld, want %ld", fsize(fd), max);
  expect_eq(lseek(fd, max, SEEK_SET), max);
  expect_err(write(fd, "x", 1), EFBIG);
  expect_err(write(fd, bigbuf, BIG), EFBIG);
  check(fsize(fd) == max, "size %ld after EFBIG, want %ld", fsize(fd), max);
  // A sample of blocks: direct, single and double indirect, the last.
  static const long sample[] = { 0, 1, 10, 11, 12, 266, 267, 268, 1000, 12345, 40000, 65802 };
  for (int i = 0; i < NELEM(sample); i++)
    check_block(fd, sample[i]);
  for (long b = 3; b < NDIRECT + NINDIRECT + 300; b += 37)
    check_block(fd, b);
  for (int i = 0; i < NELEM(sparse); i++)
    check_block(fd, sparse[i]);
  check_block(fd, MAXFILE - 1);
  expect_eq(lseek(fd, max, SEEK_SET), max);
  expect_eq(read(fd, buf2, 10), 0);
  expect_err(ftruncate(fd, max + 1), EFBIG);
  close(fd);
  expect_eq(unlink("/ut_max"), 0);
}

// Fill the disk: ENOSPC, then the file system still works.
static void
t_diskfull(void)
{
  char name[32];
  int nfiles = 0, full = 0;
  long total = 0;
  fill_body();
  while (!full) {
    check(nfiles < 100, "%d files of 32 MiB and the disk is not full", nfiles);
    snprintf(name, sizeof(name), "/ut_full%d", nfiles);
    int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0) {
      check(errno == ENOSPC, "open %s on a full disk: errno %d (%s)", name, errno, strerror(errno));
      break;
    }
    nfiles++;
    long size = 0;
    while (size < 32 * MiB) {
      stamp_chunk(size / BSIZE, BIG / BSIZE);
      errno = 0;
      int r = write(fd, bigbuf, BIG);
      if (r == BIG) {
        size += r;
        progress("diskfull", total + size, BIG);
        continue;
      }
      check(r != 0, "write returned 0 at %ld in %s", size, name);
      if (r > 0) {                       // partial: the next one must fail
        size += r;
        errno = 0;
        r = write(fd, bigbuf, BIG);
      }
      check(r == -1 && errno == ENOSPC, "write on a full disk: %d errno %d (%s), want -1 ENOSPC",
            r, errno, strerror(errno));
      full = 1;
      break;
    }
    total += size;
    check(fsize(fd) == size, "%s: size %ld, wrote %ld", name, fsize(fd), size);
    close(fd);
  }
  check(total > 4 * MiB, "the disk filled up after only %ld bytes", total);
  // Still full: another file can't get data.
  int fd = open("/ut_fullx", O_CREATE | O_WRONLY);
  if (fd >= 0) {
    expect_err(write(fd, bigbuf, BIG), ENOSPC);
    close(fd);
    expect_eq(unlink("/ut_fullx"), 0);
  }
  // What was written is there.
  snprintf(name, sizeof(name), "/ut_full%d", 0);
  fd = xopen(name, O_RDONLY);
  check_block(fd, 0);
  check_block(fd, 1000);
  close(fd);
  for (int i = 0; i < nfiles; i++) {
    snprintf(name, sizeof(name), "/ut_full%d", i);
    expect_eq(unlink(name), 0);
  }
  // Usable again: 4 MiB written and read back.
  fd = xopen("/ut_after", O_CREATE | O_RDWR | O_TRUNC);
  for (long b = 0; b < 4 * MiB / BSIZE; b += BIG / BSIZE) {
    stamp_chunk(b, BIG / BSIZE);
    xwrite(fd, bigbuf, BIG);
  }
  for (long b = 0; b < 4 * MiB / BSIZE; b += 97)
    check_block(fd, b);
  close(fd);
  expect_eq(unlink("/ut_after"), 0);
}

// ---------------------------------------------------------------- table

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "forkwait", t_forkwait },
  { "getpid", t_getpid },
  { "uptime", t_uptime },
  { "kill", t_kill },
  { "nproc", t_nproc },
  { "fpiso", t_fpiso },
  { "sbrkbasic", t_sbrkbasic },
  { "sbrklimit", t_sbrklimit },
  { "faults", t_faults },
  { "vmstat", t_vmstat },
  { "vmmap", t_vmmap },
  { "badread", t_badread },
  { "badwrite", t_badwrite },
  { "badpipe", t_badpipe },
  { "badfstat", t_badfstat },
  { "badpath", t_badpath },
  { "badexec", t_badexec },
  { "badwait", t_badwait },
  { "badvmstat", t_badvmstat },
  { "pathmax", t_pathmax },
  { "longname", t_longname },
  { "exec", t_exec },
  { "execerr", t_execerr },
  { "readwrite", t_readwrite },
  { "openerr", t_openerr },
  { "nofile", t_nofile },
  { "closebad", t_closebad },
  { "dup", t_dup },
  { "lseek", t_lseek },
  { "ftruncate", t_ftruncate },
  { "fstat", t_fstat },
  { "linkunlink", t_linkunlink },
  { "mkdirchdir", t_mkdirchdir },
  { "mknod", t_mknod },
  { "pipe", t_pipe },
  { "pipeepipe", t_pipeepipe },
  { "concfs", t_concfs },
  { "errno", t_errno },
  { "maxfile", t_maxfile },
  { "diskfull", t_diskfull },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
