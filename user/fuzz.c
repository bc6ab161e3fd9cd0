// fuzz: seeded random system calls with hostile arguments.
//
//   fuzz SEED [N] [--harts] [-v] [-r ROUND]
//       N system calls (default 20000) from seed SEED; prints "start fuzz",
//       then "test fuzz: ok" or "test fuzz: FAIL why". --harts runs three
//       sub-fuzzers at a time (one per hart) instead of one. -v prints every
//       call before making it; -r ROUND runs only that round (to replay).
//   fuzz [fuzz1 | fuzz3]
//       the make-test subtests: a fixed seed, a bounded count, one sub-fuzzer
//       at a time (fuzz1) or three (fuzz3).
//
// How it runs. The driver (the test process) works in a scratch directory
// /fz that it creates and removes. It runs rounds: each round forks a
// sub-fuzzer (a "round") with its own seed, derived from SEED and the round
// number, so "fuzz SEED -r R -v" replays round R call by call. A sub-fuzzer
// calls random system calls with interesting arguments (null, the null
// guard, kernel-half and non-canonical addresses, unaligned pointers and
// pointers straddling the end of a mapping or of the heap, huge and negative
// lengths, bad fds, bad flags, over-long paths), touches its own mappings,
// and forks children that fuzz on their own (a fault kills a child, never
// the driver). A watchdog child kills a round that blocks for too long on
// something legitimate (a read of a pipe it holds both ends of). Every
// process of the run registers its pid in a shared page, so the driver can
// kill the orphans of a round that died.
//
// What it checks: the kernel never panics (the harness sees it); no call
// that was given a kernel-half or null-guard buffer of non-zero length
// reports success (that would be a copy to or from kernel memory); after the
// run, with every process reaped and every file removed, free frames plus
// page-cache frames are back exactly where they were (the runner in
// testlib.h checks that). The number of system calls made is printed.
//
// Calls: every number in kernel/syscall.h (the job-control ones and
// procinfo when the header has them), plus numbers that are not calls.
// procdump only from the watchdog with -v.
//
// Safety: it never calls shutdown, execs only itself ("--exit N", which
// exits at once) or bad paths/arguments, kills only processes of the run,
// writes only under /fz (and to shm objects named /fz.*), and opens files
// outside /fz read-only (O_RDONLY exactly): no program or library is ever
// truncated or written.
#include "user/testlib.h"

int main(int argc, char *argv[]);

#ifndef MAP_FAILED
#define MAP_FAILED ((char *) -1)
#endif

// ---------------------------------------------------------------- raw calls

// A system call with every argument register under our control (the libc
// stubs would truncate ints and set errno).
static long
sc(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
  register long x0 asm("a0") = a0;
  register long x1 asm("a1") = a1;
  register long x2 asm("a2") = a2;
  register long x3 asm("a3") = a3;
  register long x4 asm("a4") = a4;
  register long x5 asm("a5") = a5;
  register long x7 asm("a7") = n;
  asm volatile("ecall"
               : "+r"(x0)
               : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x7)
               : "memory");
  return x0;
}

// ---------------------------------------------------------------- shared state

#define MAXPIDS 64
// One page shared by every process of the run (an shm object mapped by the
// driver before it forks): counters and the pids of live fuzz processes.
struct shared {
  long calls;          // system calls made by all sub-fuzzers
  long bugs;           // oracle failures
  long forks;          // successful forks
  long rounds_killed;  // rounds ended by the watchdog
  int pids[MAXPIDS];   // registered fuzz processes (0: free slot)
  long progress[3];    // calls made by each of the rounds running now
  long count[NSYSCALL + 1];   // calls by number (the last: unknown numbers)
  long time[NSYSCALL + 1];    // rdtime ticks spent in them (for -v)
};
static struct shared *sh;
#define SHM_COUNT "/fz.count"
#define SHARED_AT 0x2000000000UL   // where the driver maps sh (t_fuzz)

// ---------------------------------------------------------------- per process

enum { K_NONE, K_FILE, K_RO, K_DIR, K_PIPER, K_PIPEW, K_SHM };
static char fdkind[NOFILE];        // what our fd is (K_NONE: not ours)
// Pipes: which pipe an fd is an end of, and how many bytes we believe it
// holds (only what this process wrote minus what it read). A read of a
// pipe we believe empty, or a write that could fill it, would block for
// good when the other end is ours too: those get length 0 or a small one.
#define NPIPE 8
static char fdpipe[NOFILE];
static int pipebytes[NPIPE];
static int npipes;
#define PIPEMAX 128

#define NMAP 24
// rofile: a MAP_SHARED mapping of a file we opened read-only (outside
// /fz): never written to, even on purpose.
struct map { uint64 addr, len; int prot, flags, rofile; };
static struct map maps[NMAP];

#define NKID 4
static int kids[NKID];
static int depth;                  // 0: the round's first process
static long budget;                // calls left
static uint64 rng;
static int verbose;
static uint64 seed0;
static int roundno;
static int slot;                   // which of the rounds running at once we belong to
static uint64 edge;                // first byte of an unmapped page after a mapped one
static char *bufp;                 // 4 mapped pages; edge is right after them
static char path[MAXPATH * 40];    // path strings, built per call
static char *argvbuf[MAXARG + 8];
static char line[300];

static uint64
rnd(void)
{
  return tl_rand(&rng);
}

static uint64
below(uint64 n)
{
  return n ? rnd() % n : 0;
}

static int
chance(int n)        // true one time in n
{
  return below(n) == 0;
}

static void
say(const char *s)
{
  write(1, s, strlen(s));
}

static void
reg_pid(int pid)
{
  for (int i = 0; i < MAXPIDS; i++)
    if (__atomic_compare_exchange_n(&sh->pids[i], &(int){0}, pid, 0,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return;
}

static void
unreg_pid(int pid)
{
  for (int i = 0; i < MAXPIDS; i++)
    if (sh->pids[i] == pid)
      sh->pids[i] = 0;
}

static void
bug(const char *what, long r)
{
  snprintf(line, sizeof(line), "fuzz: BUG seed %lu round %d pid %d: %s returned %ld\n",
           seed0, roundno, getpid(), what, r);
  say(line);
  __atomic_fetch_add(&sh->bugs, 1, __ATOMIC_SEQ_CST);
}

// ---------------------------------------------------------------- arguments

static const uint64 bad_addrs[] = {
  0, 1, 0x1000, 0xFFFF, 0x10000 - 8, KERNLINK, KVA_OFFSET, KERNBASE,
  0xFFFFFFFFFFFFF000UL, 1UL << 39, MAXVA - 1, MAXVA, TRAMPOLINE, TRAPFRAME,
  0xFFFFFFFFFFFFFFFFUL, 0x8000000000000000UL, KSTACKBASE,
};

// An address that no user buffer may ever be: a copy through it must fail.
static int
is_bad(uint64 a)
{
  return a < USERBASE || a >= TRAPFRAME;
}

// A pointer argument: mostly valid memory, often hostile.
static uint64
pick_addr(void)
{
  switch (below(14)) {
  case 0: case 1:
    return bad_addrs[below(NELEM(bad_addrs))];
  case 2:                                   // straddles the end of a mapping
    return edge - 1 - below(64);
  case 3: {                                 // straddles the break
    uint64 b = (uint64)sbrk(0);
    return b - below(64);
  }
  case 4:
    return (uint64)bufp + 1 + below(7);     // unaligned
  case 5:                                   // the guard page under our stack
    return PGROUNDDOWN(r_sp()) - 1 - below(64);
  case 6:
    return (uint64)&main + below(64);       // our text (read-only)
  case 7: case 8: {                         // somewhere in one of our mappings
    struct map *m = &maps[below(NMAP)];
    if (m->len)
      return m->addr + below(m->len > 1 << 20 ? 1 << 20 : m->len);
    return (uint64)bufp;
  }
  default:
    return (uint64)bufp + below(3 * PGSIZE);
  }
}

// A length or size: small, page-sized, huge, negative.
static long
pick_len(void)
{
  switch (below(12)) {
  case 0: return 0;
  case 1: return -1;
  case 2: return 0x7fffffff;
  case 3: return (long)(1UL << 32) + below(64);
  case 4: return PGSIZE;
  case 5: return PGSIZE + 1;
  case 6: return (long)0x8000000000000000UL;
  case 7: return MAXVA;
  case 8: return below(4) * PGSIZE;
  default: return below(600);
  }
}

static long
pick_int(void)
{
  switch (below(8)) {
  case 0: return -1;
  case 1: return INT_MIN;
  case 2: return INT_MAX;
  case 3: return 0;
  case 4: return (long)rnd();
  default: return below(16);
  }
}

// An fd argument: one of ours (never 1, the console), or a bad one.
static long
pick_fd(void)
{
  if (chance(6)) {
    static const long bad[] = { -1, NOFILE, NOFILE + 1, 1000, INT_MAX, INT_MIN,
                                (long)0x8000000000000000UL };
    return bad[below(NELEM(bad))];
  }
  for (int tries = 0; tries < 8; tries++) {
    int fd = below(NOFILE);
    if (fdkind[fd] != K_NONE)
      return chance(10) ? (long)(0x100000000UL | fd) : fd;   // junk in the upper bits
  }
  return below(NOFILE) | 16;
}

// The kernel reads an fd argument as an int: junk in the upper 32 bits is
// ignored, so our bookkeeping must ignore it too.
#define FD(x) ((int)(x))

static int
ours(long fd)
{
  return FD(fd) >= 0 && FD(fd) < NOFILE && fdkind[FD(fd)] != K_NONE;
}

// A path inside our directory (never "..": we must stay in /fz).
static const char *names[] = {
  "a", "b", "c", "d", "d/x", "d/e", "d/e/f", "e", ".", "abcdefghijklmn",
  "abcdefghijklmnopqrstuvwxyz", "d/abcdefghijklmnop", "a/b", "",
  // shared by the rounds that run at once: their calls race on these
  "/fz/s/a", "/fz/s/b", "/fz/s/c", "/fz/s/d",
};

static uint64
sandbox_path(void)
{
  switch (below(12)) {
  case 0: {                                 // MAXPATH-1, MAXPATH, and far more
    int n = (int[]){ MAXPATH - 1, MAXPATH, MAXPATH + 1, 4000 }[below(4)];
    for (int i = 0; i < n; i++)
      path[i] = (i % 2) ? '/' : 'q';
    path[n] = 0;
    return (uint64)path;
  }
  case 1: {                                 // no terminator before the unmapped edge
    // Our own bytes: whatever a read() left there (a program's bytes hold
    // "/lib/ld.so") must never become a path.
    char *p = (char *)edge - 1 - below(20);
    if (below(2) == 0 && sc(SYS_mprotect, (long)PGROUNDDOWN((uint64)p), PGSIZE,
                            PROT_READ | PROT_WRITE, 0, 0, 0) == 0) {
      for (char *q = p; (uint64)q < edge; q++)
        *q = 'q';
      return (uint64)p;
    }
    return bad_addrs[below(NELEM(bad_addrs))];
  }
  default:
    strcpy(path, names[below(NELEM(names))]);
    return (uint64)path;
  }
}

// Paths outside /fz: only ever opened read-only, stat'ed, chdir'ed-to by
// exec'd helpers, or exec'd (non-programs).
static const char *outside[] = {
  "/README", "/", "/echo", "/lib/libc.so", "/lib", "/nonexistent", "/README/x",
};

// ---------------------------------------------------------------- mappings

static void
map_add(uint64 a, uint64 len, int prot, int flags, int rofile)
{
  for (int i = 0; i < NMAP; i++)
    if (maps[i].len == 0) {
      maps[i] = (struct map){ a, len, prot, flags, rofile };
      return;
    }
  maps[below(NMAP)] = (struct map){ a, len, prot, flags, rofile };
}

// Touch a mapping: read or write a word at a random spot, mostly within
// what its protection allows. (A write to a read-only page or a page past
// the end of a file kills us: that is a normal end for a sub-fuzzer.)
static void
touch(void)
{
  struct map *m = &maps[below(NMAP)];
  if (!m->len)
    return;
  uint64 span = m->len > 64 * PGSIZE ? 64 * PGSIZE : m->len;
  volatile char *p = (volatile char *)(m->addr + below(span));
  int risky = chance(40) && !m->rofile;
  if ((m->prot & PROT_WRITE) || risky)
    *p = (char)rnd();
  else if ((m->prot & PROT_READ) || risky)
    (void)*p;
}

// ---------------------------------------------------------------- the calls

// Names of the calls, for -v.
static const char *scname[NSYSCALL] = {
  [SYS_fork] "fork", [SYS_exit] "exit", [SYS_wait] "wait", [SYS_pipe] "pipe",
  [SYS_read] "read", [SYS_kill] "kill", [SYS_exec] "exec", [SYS_fstat] "fstat",
  [SYS_chdir] "chdir", [SYS_dup] "dup", [SYS_getpid] "getpid", [SYS_sbrk] "sbrk",
  [SYS_sleep] "sleep", [SYS_uptime] "uptime", [SYS_open] "open", [SYS_write] "write",
  [SYS_mknod] "mknod", [SYS_unlink] "unlink", [SYS_link] "link", [SYS_mkdir] "mkdir",
  [SYS_close] "close", [SYS_mmap] "mmap", [SYS_munmap] "munmap",
  [SYS_mprotect] "mprotect", [SYS_msync] "msync", [SYS_ftruncate] "ftruncate",
  [SYS_lseek] "lseek", [SYS_shm_open] "shm_open", [SYS_shm_unlink] "shm_unlink",
  [SYS_vmstat] "vmstat", [SYS_vmmap] "vmmap", [SYS_shutdown] "shutdown",
  [SYS_null] "null", [SYS_procdump] "procdump",
#ifdef SYS_setpgid
  [SYS_setpgid] "setpgid", [SYS_getpgid] "getpgid", [SYS_tcsetpgrp] "tcsetpgrp",
  [SYS_tcgetpgrp] "tcgetpgrp", [SYS_procinfo] "procinfo",
#endif
};

static long
call(int n, long a0, long a1, long a2, long a3, long a4, long a5)
{
  if (verbose) {
    snprintf(line, sizeof(line), "fz %d d%d %s(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n",
             getpid(), depth, n >= 0 && n < NSYSCALL && scname[n] ? scname[n] : "?",
             a0, a1, a2, a3, a4, a5);
    say(line);
  }
  __atomic_fetch_add(&sh->calls, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&sh->progress[slot], 1, __ATOMIC_RELAXED);
  budget--;
  int k = n >= 0 && n < NSYSCALL ? n : NSYSCALL;
  uint64 t = rdtime();
  long r = sc(n, a0, a1, a2, a3, a4, a5);
  __atomic_fetch_add(&sh->count[k], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&sh->time[k], (long)(rdtime() - t), __ATOMIC_RELAXED);
  return r;
}

static void
note_fd(long r, int kind)
{
  if (r >= 0 && r < NOFILE)
    fdkind[r] = kind;
}

static void fuzz_loop(void);

static void
do_fork(void)
{
  int slot = -1;
  for (int i = 0; i < NKID; i++)
    if (kids[i] == 0)
      slot = i;
  if (slot < 0 || depth >= 2) {
    // No room for another child: reap one instead (killed first, so that a
    // child blocked on a pipe cannot block us too).
    int st;
    int k = below(NKID);
    if (kids[k])
      call(SYS_kill, kids[k], 0, 0, 0, 0, 0);
    long r = call(SYS_wait, chance(4) ? (long)pick_addr() : (long)&st, 0, 0, 0, 0, 0);
    for (int i = 0; i < NKID; i++)
      if (kids[i] == r)
        kids[i] = 0;
    return;
  }
  // The child's calls come out of our budget, so that a round makes about
  // round_calls calls in all however its processes fork.
  long give = budget / 4 < 200 ? budget / 4 : 200;
  long r = call(SYS_fork, 0, 0, 0, 0, 0, 0);
  if (r > 0)
    budget -= give;
  if (r == 0) {
    reg_pid(getpid());
    depth++;
    for (int i = 0; i < NKID; i++)
      kids[i] = 0;
    for (int i = 0; i < NPIPE; i++)   // the bytes in there are the parent's to read
      pipebytes[i] = 0;
    rng ^= 0x9E3779B97F4A7C15UL * (uint64)getpid();
    budget = give + 1;
    fuzz_loop();
    // not reached
  }
  if (r > 0) {
    kids[slot] = r;
    __atomic_fetch_add(&sh->forks, 1, __ATOMIC_RELAXED);
  }
}

// exec: of ourselves with "--exit N" in a child (it exits at once), or with
// bad arguments (which must fail and leave us running).
static void
do_exec(void)
{
  static char self_exit[] = "--exit";
  static char zero[] = "0";
  int n = 0;
  if (chance(3) && depth < 2) {
    int slot = -1;
    for (int i = 0; i < NKID; i++)
      if (kids[i] == 0)
        slot = i;
    if (slot < 0)
      return;
    long pid = call(SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
      argvbuf[n++] = "fuzz";
      argvbuf[n++] = self_exit;
      argvbuf[n++] = zero;
      int extra = below(MAXARG + 4);
      for (int i = 0; i < extra && n < MAXARG + 6; i++)
        argvbuf[n++] = chance(8) ? (char *)pick_addr() : bufp;
      argvbuf[n] = 0;
      bufp[below(3 * PGSIZE)] = 0;
      call(SYS_exec, (long)tl_self, (long)argvbuf, 0, 0, 0, 0);
      exit(0);        // exec failed: fine, the arguments were bad
    }
    if (pid > 0)
      kids[slot] = pid;
    return;
  }
  // Bad exec in this process: nonexistent, a directory, a non-ELF file of
  // ours, a bad path pointer, or a good path with a bad argv.
  uint64 p;
  switch (below(5)) {
  case 0: p = sandbox_path(); break;
  case 1: p = (uint64)"/README"; break;
  case 2: p = (uint64)"/lib"; break;
  case 3: p = bad_addrs[below(NELEM(bad_addrs))]; break;
  default: p = (uint64)"/nonexistent"; break;
  }
  uint64 av = chance(2) ? pick_addr() : (uint64)argvbuf;
  argvbuf[0] = (char *)pick_addr();
  argvbuf[1] = 0;
  long r = call(SYS_exec, p, av, 0, 0, 0, 0);
  if (r >= 0)
    exit(0);          // cannot happen: exec of a non-program succeeded (we are gone anyway)
}

static void
one_call(void)
{
  long r;
  int which = below(44);
  switch (which) {
  case 0:
    do_fork();
    break;
  case 1: {           // wait (for a child we may have just killed)
    int st;
    int k = below(NKID);
    if (kids[k] && chance(2))
      call(SYS_kill, kids[k], 0, 0, 0, 0, 0);
    r = call(SYS_wait, chance(3) ? (long)pick_addr() : (long)&st, 0, 0, 0, 0, 0);
    for (int i = 0; i < NKID; i++)
      if (r > 0 && kids[i] == r)
        kids[i] = 0;
    break;
  }
  case 2: {           // pipe
    uint64 a = chance(3) ? pick_addr() : (uint64)bufp;
    int *fds = (int *)a;
    r = call(SYS_pipe, a, 0, 0, 0, 0, 0);
    if (r == 0 && is_bad(a))
      bug("pipe(bad address)", r);
    if (r == 0 && !is_bad(a)) {      // the kernel wrote there: we can read it
      int id = npipes++ % NPIPE;
      pipebytes[id] = 0;
      note_fd(fds[0], K_PIPER);
      note_fd(fds[1], K_PIPEW);
      if (fds[0] >= 0 && fds[0] < NOFILE)
        fdpipe[fds[0]] = id;
      if (fds[1] >= 0 && fds[1] < NOFILE)
        fdpipe[fds[1]] = id;
    }
    break;
  }
  case 3: case 4: case 5: {   // read
    long fd = pick_fd();
    uint64 a = pick_addr();
    long n = pick_len();
    int piper = ours(fd) && fdkind[FD(fd)] == K_PIPER;
    int *pb = &pipebytes[(int)fdpipe[FD(fd) & (NOFILE - 1)]];
    if (piper && *pb == 0)
      n = 0;          // reading an empty pipe we also write would block
    r = call(SYS_read, fd, a, n, 0, 0, 0);
    if (piper && r > 0)
      *pb -= r < *pb ? r : *pb;
    if (r > 0 && is_bad(a))
      bug("read into a bad address", r);
    break;
  }
  case 6: case 7: case 8: {   // write
    long fd = pick_fd();
    uint64 a = pick_addr();
    long n = pick_len();
    int pipew = ours(fd) && fdkind[FD(fd)] == K_PIPEW;
    int *pb = &pipebytes[(int)fdpipe[FD(fd) & (NOFILE - 1)]];
    if (pipew) {      // a full pipe with its reader open here would block
      int room = PIPEMAX - *pb;
      if ((int)n < 0 || (int)n > room)
        n = below(room + 1);
    }
    r = call(SYS_write, fd, a, n, 0, 0, 0);
    if (pipew && r > 0)
      *pb += r;
    if (r > 0 && is_bad(a))
      bug("write from a bad address", r);
    break;
  }
  case 9: {           // kill: only our own children, or pids that cannot exist
    long pid;
    int i = below(NKID);
    if (kids[i] && chance(2))
      pid = kids[i];
    else
      pid = (long[]){ INT_MIN, INT_MAX, -12345 }[below(3)];   // not 0 or -1: POSIX groups
    call(SYS_kill, pid, 0, 0, 0, 0, 0);
    break;
  }
  case 10:
    do_exec();
    break;
  case 11: {          // fstat
    uint64 a = pick_addr();
    r = call(SYS_fstat, pick_fd(), a, 0, 0, 0, 0);
    if (r == 0 && is_bad(a))
      bug("fstat(bad address)", r);
    break;
  }
  case 12: {          // chdir: only within our directory
    call(SYS_chdir, sandbox_path(), 0, 0, 0, 0, 0);
    break;
  }
  case 13: {          // dup
    long fd = pick_fd();
    r = call(SYS_dup, fd, 0, 0, 0, 0, 0);
    if (ours(fd)) {
      note_fd(r, fdkind[FD(fd)]);
      if (r >= 0 && r < NOFILE)
        fdpipe[r] = fdpipe[FD(fd)];
    }
    break;
  }
  case 14:
    call(SYS_getpid, 0, 0, 0, 0, 0, 0);
    call(SYS_uptime, 0, 0, 0, 0, 0, 0);
    call(SYS_null, 0, 0, 0, 0, 0, 0);
    break;
  case 15: {          // sbrk: grow, shrink, huge; touch the new memory a little
    long n;
    switch (below(6)) {
    case 0: n = INT_MAX; break;
    case 1: n = INT_MIN; break;
    case 2: n = -(long)below(4 * PGSIZE); break;
    case 3: n = (long)rnd(); break;
    default: n = below(8 * PGSIZE); break;
    }
    r = call(SYS_sbrk, n, 0, 0, 0, 0, 0);
    if (r > 0 && n > 0 && n < 64 * PGSIZE)
      ((volatile char *)r)[below(n)] = 1;
    // Huge lazy heaps make every later fork walk them (issue 9, item 8):
    // give the space back.
    if ((uint64)sbrk(0) - tl_heap0 > 64 * MiB)
      sbrk_down_to(tl_heap0 + 16 * PGSIZE);
    break;
  }
  case 16:            // sleep: short, or negative
    call(SYS_sleep, chance(2) ? -1 : (long)below(2), 0, 0, 0, 0, 0);
    break;
  case 17: case 18: case 19: {   // open
    long flags;
    switch (below(6)) {
    case 0: flags = (long)rnd(); break;
    case 1: flags = O_CREATE | O_RDWR; break;
    case 2: flags = O_CREATE | O_EXCL | O_WRONLY; break;
    case 3: flags = O_RDWR | O_TRUNC; break;
    case 4: flags = O_RDONLY; break;
    default: flags = O_CREATE | O_RDWR | (chance(2) ? O_TRUNC : 0); break;
    }
    if (chance(5)) {  // outside: read-only, always
      r = call(SYS_open, (long)outside[below(NELEM(outside))], O_RDONLY, 0, 0, 0, 0);
      note_fd(r, K_RO);
    } else {
      uint64 p = sandbox_path();
      r = call(SYS_open, p, flags, 0, 0, 0, 0);
      note_fd(r, (flags & 3) == O_RDONLY ? K_RO : K_FILE);
    }
    break;
  }
  case 20:            // mknod: never the console's major number (1, also as 65537: a short)
    call(SYS_mknod, sandbox_path(), (long[]){ 0, 2, 9, NDEV, -1, 32767, 65536 + 2 }[below(7)],
         pick_int(), 0, 0, 0);
    break;
  case 21:
    call(SYS_unlink, sandbox_path(), 0, 0, 0, 0, 0);
    break;
  case 22: {          // link: both names ours
    uint64 p = sandbox_path();
    char old[32];
    strcpy(old, names[below(NELEM(names))]);
    call(SYS_link, chance(4) ? p : (long)old, chance(4) ? (long)old : p, 0, 0, 0, 0);
    break;
  }
  case 23:
    call(SYS_mkdir, sandbox_path(), 0, 0, 0, 0, 0);
    break;
  case 24: {          // close: ours, or bad
    long fd = pick_fd();
    r = call(SYS_close, fd, 0, 0, 0, 0, 0);
    if (r == 0 && FD(fd) >= 0 && FD(fd) < NOFILE)
      fdkind[FD(fd)] = K_NONE;
    break;
  }
  case 25: case 26: case 27: {   // mmap
    long len, prot, flags, fd, off;
    uint64 addr = 0;
    len = chance(4) ? pick_len() : (long)(below(16) + 1) * PGSIZE - (chance(4) ? 100 : 0);
    prot = chance(6) ? (long)rnd() : (long)below(8);
    switch (below(6)) {
    case 0: flags = (long)rnd(); break;
    case 1: flags = MAP_PRIVATE | MAP_ANONYMOUS; break;
    case 2: flags = MAP_SHARED | MAP_ANONYMOUS; break;
    case 3: flags = MAP_PRIVATE; break;
    default: flags = MAP_SHARED; break;
    }
    if (chance(4)) {
      flags |= chance(2) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
      addr = pick_addr();
      // MAP_FIXED over our own text, stack or the shared page would kill
      // the round at once; keep it to mapping space and hostile addresses.
      if ((flags & MAP_FIXED) && addr >= USERBASE && addr < (uint64)sbrk(0) + 64 * MiB)
        addr = (uint64)sbrk(0) + PGSIZE * below(64) + 32 * MiB;
    } else if (chance(4))
      addr = pick_addr();            // a hint
    fd = (flags & MAP_ANONYMOUS) && chance(2) ? -1 : pick_fd();
    off = chance(4) ? pick_len() : (long)below(4) * PGSIZE;
    r = call(SYS_mmap, addr, len, prot, flags, fd, off);
    if (r < 0 && r > -4096)
      break;
    int rofile = ours(fd) && fdkind[FD(fd)] == K_RO && (flags & 3) == MAP_SHARED &&
                 !(flags & MAP_ANONYMOUS);
    if (rofile && (prot & PROT_WRITE))
      bug("mmap(MAP_SHARED, PROT_WRITE) of a read-only fd", r);
    if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
      bug("mmap(PROT_WRITE|PROT_EXEC)", r);
    if ((uint64)len >= 64 * MiB) {   // huge: give it back before any fork walks it
      call(SYS_munmap, r, len, 0, 0, 0, 0);
      break;
    }
    map_add(r, PGROUNDUP(len), prot, flags, rofile);
    break;
  }
  case 28: {          // munmap: ours, partial, hostile
    struct map *m = &maps[below(NMAP)];
    uint64 a = pick_addr();
    long len = pick_len();
    if (m->len && chance(2)) {
      a = m->addr + PGSIZE * below(m->len / PGSIZE + 1);
      len = PGSIZE * below(4) + (chance(4) ? 1 : 0);
      if (chance(2)) {
        a = m->addr;
        len = m->len;
        m->len = 0;
      }
    } else if (a >= USERBASE && a < TRAPFRAME && !chance(50)) {
      break;          // an arbitrary user range: our text or stack, once in a while only
    }
    call(SYS_munmap, a, len, 0, 0, 0, 0);
    break;
  }
  case 29: {          // mprotect
    struct map *m = &maps[below(NMAP)];
    uint64 a = m->len && chance(2) ? m->addr + PGSIZE * below(m->len / PGSIZE + 1) : pick_addr();
    long len = m->len && chance(2) ? PGSIZE * (long)below(4) : pick_len();
    long prot = chance(6) ? (long)rnd() : (long)below(8);
    if (a >= USERBASE && a < TRAPFRAME && !(m->len && a >= m->addr && a < m->addr + m->len) &&
        !chance(50))
      break;
    r = call(SYS_mprotect, a, len, prot, 0, 0, 0);
    if (r == 0 && (prot & PROT_WRITE) && (prot & PROT_EXEC))
      bug("mprotect(PROT_WRITE|PROT_EXEC)", r);
    if (r == 0 && m->len && m->rofile && (prot & PROT_WRITE) && a >= m->addr &&
        a < m->addr + m->len) {
      bug("mprotect(PROT_WRITE) of a shared mapping of a read-only fd", r);
      m->len = 0;     // and never touch it
    }
    if (r == 0 && m->len && a == m->addr)
      m->prot = prot;
    break;
  }
  case 30: {          // msync
    struct map *m = &maps[below(NMAP)];
    uint64 a = m->len && chance(2) ? m->addr : pick_addr();
    long len = m->len && chance(2) ? (long)m->len : pick_len();
    long fl = (long[]){ MS_SYNC, MS_ASYNC, MS_INVALIDATE, MS_SYNC | MS_ASYNC, -1, 0 }[below(6)];
    if ((uint64)len > GiB && a < TRAPFRAME)
      len = GiB;      // issue 9 item 8: msync walks every page of the range
    call(SYS_msync, a, len, fl, 0, 0, 0);
    break;
  }
  case 31: {          // ftruncate: ours only (a read-only fd must fail)
    long fd = pick_fd();
    long len;
    switch (below(6)) {
    case 0: len = -1; break;
    case 1: len = (long)1 << 40; break;
    case 2: len = (long)0x8000000000000000UL; break;
    default: len = below(64 * KiB) + (chance(2) ? 0 : PGSIZE - 1); break;
    }
    r = call(SYS_ftruncate, fd, len, 0, 0, 0, 0);
    if (r == 0 && ours(fd) && fdkind[FD(fd)] == K_RO)
      bug("ftruncate of a read-only fd", r);
    break;
  }
  case 32: {          // lseek
    long off = chance(3) ? pick_len() : (long)below(128 * KiB);
    long wh = chance(5) ? pick_int() : (long)below(3);
    call(SYS_lseek, pick_fd(), off, wh, 0, 0, 0);
    break;
  }
  case 33: {          // shm_open
    static const char *shm_names[] = { "/fz.a", "/fz.b", "/fz.c", "", "noslash", "/", "/a/b",
      "/fz.abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz" };
    uint64 nm = chance(6) ? pick_addr() : (uint64)shm_names[below(NELEM(shm_names))];
    long fl = chance(5) ? (long)rnd() :
      (long[]){ O_CREATE | O_RDWR, O_RDWR, O_RDONLY, O_CREATE | O_EXCL | O_RDWR,
                O_CREATE | O_RDONLY }[below(5)];
    r = call(SYS_shm_open, nm, fl, pick_int(), 0, 0, 0);
    note_fd(r, (fl & 3) == O_RDONLY ? K_RO : K_SHM);
    break;
  }
  case 34: {
    static const char *shm_names[] = { "/fz.a", "/fz.b", "/fz.c", "", "/", "noslash" };
    uint64 nm = chance(6) ? pick_addr() : (uint64)shm_names[below(NELEM(shm_names))];
    call(SYS_shm_unlink, nm, 0, 0, 0, 0, 0);
    break;
  }
  case 35: {
    uint64 a = pick_addr();
    r = call(SYS_vmstat, a, 0, 0, 0, 0, 0);
    if (r == 0 && is_bad(a))
      bug("vmstat(bad address)", r);
    break;
  }
  case 36: {          // vmmap: any pid (it only reads), hostile buffers and counts
    uint64 a = pick_addr();
    long n = chance(3) ? pick_int() : (long)below(8);
    long pid = (long[]){ 0, -1, 1, 2, INT_MAX }[below(5)];
    if (chance(2))
      pid = getpid();
    else if (chance(2) && kids[below(NKID)])
      pid = kids[below(NKID)];    // a child, maybe exiting or exec'ing right now
    r = call(SYS_vmmap, pid, a, n, 0, 0, 0);
    if (r > 0 && n > 0 && is_bad(a))
      bug("vmmap(bad address)", r);
    break;
  }
  case 37: case 38:
    touch();
    break;
#ifdef SYS_setpgid
  case 40: {          // job control: ourselves or our children (the kernel allows no more)
    long pid = (long[]){ 0, -1, INT_MAX, 1 }[below(4)];
    if (chance(2))
      pid = chance(2) ? getpid() : kids[below(NKID)];
    long pg = chance(2) ? pick_int() : pid;
    call(SYS_setpgid, pid, pg, 0, 0, 0, 0);
    call(SYS_getpgid, chance(2) ? pid : pick_int(), 0, 0, 0, 0, 0);
    // Our fds are never the console: these must fail (ENOTTY, EBADF).
    long fd = pick_fd();
    r = call(chance(2) ? SYS_tcsetpgrp : SYS_tcgetpgrp, fd, pick_int(), 0, 0, 0, 0);
    if (r >= 0 && ours(fd))
      bug("tcsetpgrp/tcgetpgrp on a non-terminal", r);
    break;
  }
  case 41: {          // procinfo: hostile buffers and counts
    uint64 a = pick_addr();
    long n = chance(3) ? pick_int() : (long)below(4);
    r = call(SYS_procinfo, a, n, 0, 0, 0, 0);
    if (r > 0 && n > 0 && is_bad(a))
      bug("procinfo(bad address)", r);
    break;
  }
#endif
  case 42: {          // fsync of any fd; pgtprint of any pid into a hostile buffer
    long fd = pick_fd();
    r = call(SYS_fsync, fd, 0, 0, 0, 0, 0);
    if (r >= 0 && (FD(fd) < 0 || FD(fd) >= NOFILE))
      bug("fsync of a descriptor out of range", r);
    uint64 a = pick_addr();
    long n = chance(3) ? pick_int() : (long)below(4096);
    long pid = chance(2) ? getpid() : (long[]){ 0, -1, 1, INT_MAX }[below(4)];
    r = call(SYS_pgtprint, pid, a, n, 0, 0, 0);
    if (r > 0 && (int)n > 0 && is_bad(a))     // the kernel takes n as an int
      bug("pgtprint(bad address)", r);
    break;
  }
  default:            // a system call number out of range must fail
    r = call((long[]){ 0, 36, 45, NSYSCALL, NSYSCALL + 1, -1, 1000, INT_MIN }[below(8)] & 0xffffffff,
             0, 0, 0, 0, 0, 0);
    if (r >= 0)
      bug("an unknown system call number", r);
    break;
  }
}

// The end of a process of the round: kill and reap our children, exit.
static void
finish(void)
{
  for (int i = 0; i < NKID; i++)
    if (kids[i])
      kill(kids[i]);
  while (wait(0) >= 0)
    ;
  unreg_pid(getpid());
  if (depth > 0 && below(3) == 0)
    call(SYS_exit, pick_int(), 0, 0, 0, 0, 0);   // any status, junk in the upper bits
  exit(0);
}

static void
fuzz_loop(void)
{
  while (budget > 0)
    one_call();
  finish();
}

// The first process of a round: set up and fuzz.
static void
round_main(uint64 seed, long n)
{
  reg_pid(getpid());
  rng = seed;
  budget = n;
  depth = 0;
  // fd 0 is the console: a read of it would block forever. fds 1 and 2
  // stay the console and the fuzzer never passes them (see pick_fd).
  close(0);
  for (int i = 0; i < NOFILE; i++)
    fdkind[i] = K_NONE;
  // The buffer for every valid pointer argument: 4 pages followed by an
  // unmapped one (edge), so that a long copy straddles into nothing
  // instead of running over our own variables.
  char *m = mmap(0, 5 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    exit(2);
  munmap(m + 4 * PGSIZE, PGSIZE);
  memset(m, 'z', 4 * PGSIZE);
  bufp = m;
  edge = (uint64)m + 4 * PGSIZE;
  fuzz_loop();
}

// ---------------------------------------------------------------- driver

// Remove everything in the current directory, recursively. It works with
// chdir so that paths stay short however deep the fuzzers nested
// directories; the stack frame is small (the user stack is one page).
static void
rmtree_here(void)
{
  struct dirent de;
  struct stat st;
  char name[DIRSIZ + 1];
  int fd = open(".", O_RDONLY);
  if (fd < 0)
    return;
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    if (stat(name, &st) == 0 && st.type == T_DIR && chdir(name) == 0) {
      rmtree_here();
      chdir("..");
    }
    if (unlink(name) < 0)
      printf("fuzz: cannot remove %s: %s\n", name, strerror(errno));
  }
  close(fd);
}

static uint64 opt_seed = 1;
static long opt_n = 20000;
static int opt_par = 1;
static int opt_round = -1;
static int opt_ticks = 50;        // a round's watchdog: this long without a call (10 ticks a second)

static long round_calls = 1500;    // calls a round makes (its processes share them)

static void
kill_orphans(void)
{
  for (int i = 0; i < MAXPIDS; i++) {
    int pid = sh->pids[i];
    if (pid) {
      kill(pid);
      sh->pids[i] = 0;
    }
  }
}

// Start round r in /fz/cK; returns the pid of its first process.
static int
start_round(int r, int k)
{
  char dir[32];
  snprintf(dir, sizeof(dir), "/fz/c%d", k);
  mkdir(dir);
  int pid = xfork();
  if (pid == 0) {
    if (chdir(dir) < 0)
      exit(3);
    roundno = r;
    slot = k;
    round_main(seed0 * 1000003 + r + 1, round_calls);
  }
  return pid;
}

static void
t_fuzz(void)
{
  int sfd = shm_open(SHM_COUNT, O_CREATE | O_RDWR, 0600);
  if (sfd < 0)
    fail("shm_open: %s", strerror(errno));
  if (ftruncate(sfd, PGSIZE) < 0)
    fail("ftruncate: %s", strerror(errno));
  // Far from every other mapping, with nothing mapped around it: a
  // fuzzer's long copy that straddles the end of its scratch buffer runs
  // on through whatever it mapped next to it, and must stop at a hole
  // before it reaches the counters (the scratch buffer was once the
  // mapping just below them, and a fuzzer's one-page mmap filled the
  // hole between: its read() then overwrote the counters).
  sh = (struct shared *)mmap((void *)SHARED_AT, PGSIZE, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_FIXED_NOREPLACE, sfd, 0);
  if ((char *)sh == MAP_FAILED)
    fail("mmap: %s", strerror(errno));
  close(sfd);
  memset(sh, 0, sizeof(*sh));
  seed0 = opt_seed;

  if (mkdir("/fz") < 0 && errno != EEXIST)
    fail("mkdir /fz: %s", strerror(errno));
  mkdir("/fz/s");
  uint64 t0 = uptime();
  int rounds = 1000000;
  int first = opt_round >= 0 ? opt_round : 0;
  int last = opt_round >= 0 ? opt_round + 1 : rounds;
  int died = 0;
  // Rounds run opt_par at a time, each with a watchdog. A batch ends when
  // all of its rounds are reaped.
  int r;
  for (r = first; r < last && (opt_round >= 0 || sh->calls < opt_n); r += opt_par) {
    int pids[3], dogs[3], n = 0;
    for (int k = 0; k < opt_par && r + k < last; k++, n++) {
      sh->progress[k] = 0;
      pids[k] = start_round(r + k, k);
      dogs[k] = xfork();
      if (dogs[k] == 0) {
        // The round is stuck when none of its processes makes a call for
        // opt_ticks: something blocked for good (a pipe both ends of which
        // it holds). A kernel deadlock is not cured by kill: the harness
        // time-out sees it.
        long seen = -1;
        while (sh->progress[k] != seen) {
          seen = sh->progress[k];
          sleep(opt_ticks);
        }
        if (verbose) {      // who is still there, and in which state
          printf("fuzz: watchdog: round %d still running\n", r + k);
          procdump();
        }
        if (kill(pids[k]) == 0)
          __atomic_fetch_add(&sh->rounds_killed, 1, __ATOMIC_RELAXED);
        exit(0);
      }
    }
    for (int k = 0; k < n; k++) {
      int st = wait_pid(pids[k]);
      if (st != 0)
        died++;
      kill(dogs[k]);
      wait_pid(dogs[k]);
    }
    kill_orphans();
    // A line per batch: the seed to replay it, and output for the
    // harness's silence time-out.
    printf("fuzz: seed %lu rounds %d-%d done: %ld calls so far\n", opt_seed, r, r + n - 1,
           sh->calls);
  }
  // Give killed orphans time to die (init reaps them), then clean up.
  sleep(2);
  kill_orphans();
  if (chdir("/fz") == 0) {
    rmtree_here();
    chdir("/");
  }
  if (unlink("/fz") < 0)
    printf("fuzz: cannot remove /fz: %s\n", strerror(errno));
  shm_unlink("/fz.a");
  shm_unlink("/fz.b");
  shm_unlink("/fz.c");
  shm_unlink(SHM_COUNT);
  long calls = sh->calls, bugs = sh->bugs;
  printf("fuzz: seed %lu: %ld system calls, %d rounds (%d ended by a fault or kill, "
         "%ld by the watchdog), %ld forks, %d at a time, %lu s\n",
         opt_seed, calls, r - first, died, sh->rounds_killed, sh->forks, opt_par,
         (uptime() - t0) / 10);
  if (verbose)
    for (int i = 0; i <= NSYSCALL; i++)
      if (sh->count[i])
        printf("fuzz: %s: %ld calls, %ld ms\n", i < NSYSCALL && scname[i] ? scname[i] : "?",
               sh->count[i], sh->time[i] / 10000);
  munmap(sh, PGSIZE);
  if (bugs)
    fail("%ld oracle failures (lines \"fuzz: BUG\" above)", bugs);
}

static void
t_fuzz1(void)
{
  opt_seed = 1;
  opt_n = 2000;
  round_calls = 1000;
  opt_par = 1;
  t_fuzz();
}

static void
t_fuzz3(void)
{
  opt_seed = 2;
  opt_n = 1800;
  round_calls = 600;        // one batch of three short rounds
  opt_par = 3;
  t_fuzz();
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "fuzz1", t_fuzz1 },
  { "fuzz3", t_fuzz3 },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9') {
    opt_seed = 0;
    for (char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
      opt_seed = opt_seed * 10 + (*s - '0');
    for (int i = 2; i < argc; i++) {
      if (strcmp(argv[i], "--harts") == 0)
        opt_par = 3;
      else if (strcmp(argv[i], "-v") == 0)
        verbose = 1;
      else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
        opt_round = atoi(argv[++i]);
      else
        opt_n = atoi(argv[i]);
    }
    printf("fuzz: seed %lu, %ld calls, %d at a time%s\n", opt_seed, opt_n, opt_par,
           opt_round >= 0 ? " (one round)" : "");
    tl_run("fuzz", t_fuzz);
    exit(tl_failed ? 1 : 0);
  }
  exit(TL_RUN(tests, argc, argv));
}
