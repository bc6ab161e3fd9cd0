// bench: the guest side of `make bench` (DESIGN.md section 8).
//
// Prints one line per row:   BENCH name value unit [extra]
//                        or  BENCH name skip reason
// Times come from rdtime() (10 MHz: one tick is 100 ns); each row reports
// the median of several repetitions.  Values are printed in fixed point
// with integer arithmetic (user printf has no floating point).
//
// usage: bench [-i] [-keep] [ROW...]   all rows, or only the named ones
//                                      (fork, read_seq, mmap_seq and sh10
//                                      name their groups); -i adds instructions
//                                      per operation (meaningful under
//                                      QEMU -icount); -keep leaves
//                                      /benchfile in place for -cold
//        bench -cold read|mmap         only read_seq_cold or mmap_seq_cold,
//                                      on the /benchfile a -keep run left:
//                                      run right after boot, the cache is
//                                      really cold
//        bench -noop                   exit at once (the exec row runs it)
//
// exec execs bench itself (always linked statically, see STATIC_PROGS in
// the Makefile); exec_dyn execs /t/t_noop, dynamically linked against
// libc.so. sh10_static_frames and sh10_dynamic_frames: frames_used grows
// by this much while 10 shells (/t/sh_static, /t/sh_dyn) wait on a pipe.
//
// Every row runs in a child process, so a row that runs out of memory or
// faults costs only its own lines: the parent prints "skip" for each row
// the child did not report.

#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/vmstat.h"
#include "kernel/fs.h"
#include "user/user.h"

#define PG        4096
#define MiB       (1024 * 1024)
#define TICK_NS   100               // rdtime runs at 10 MHz
#define SEC       10000000UL        // ticks per second
#define MAXREP    11

#define FILE_NAME "/benchfile"
#define FILE_SIZE (32 * MiB)        // the file read_seq and mmap_seq use ...
#define FILE_MIN  (1 * MiB)
#define WRITE_BUDGET 30             // ... unless writing it takes longer (s)
#define IO_CHUNK  (64 * 1024)

static int want_inst;     // -i given and rdinstret readable
static int report_fd = -1; // in a row's child: tells the parent a row is done
static volatile uint64 sink;
static char iobuf[PG];    // 4 KiB buffers for the pipe, shm and write rows
static char iobuf2[PG];

// ---------------------------------------------------------------------------
// counters and statistics

static inline uint64
now(void)
{
  return rdtime();
}

static inline uint64
instret(void)
{
  uint64 x = 0;
  if (want_inst)
    asm volatile("rdinstret %0" : "=r"(x));
  return x;
}

static uint64
median(uint64 *a, int n)
{
  for (int i = 1; i < n; i++) {
    uint64 v = a[i];
    int j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
  return n > 0 ? a[n / 2] : 0;
}

// Repeat while fewer than minr repetitions ran, or fewer than maxr ran and
// one more (as long as the average so far) fits in budget seconds.
static int
more(int r, int minr, int maxr, uint64 start, int budget)
{
  if (r >= MAXREP || r >= maxr)
    return 0;
  if (r < minr || r == 0)
    return 1;
  uint64 spent = now() - start;
  return spent + spent / r <= (uint64)budget * SEC;
}

static uint64
tenpow(int d)
{
  uint64 p = 1;
  while (d-- > 0)
    p *= 10;
  return p;
}

// ticks for n operations -> value * 10^dec in units of unit_ns nanoseconds
static uint64
per_op(uint64 ticks, uint64 n, uint64 unit_ns, int dec)
{
  return (ticks * TICK_NS * tenpow(dec) + n * unit_ns / 2) / (n * unit_ns);
}

// bytes moved in ticks -> MiB/s * 10^dec
static uint64
bandwidth(uint64 bytes, uint64 ticks, int dec)
{
  if (ticks == 0)
    ticks = 1;
  return bytes * SEC / MiB * tenpow(dec) / ticks;
}

// ---------------------------------------------------------------------------
// output: each line goes out in one write()

static void
emit_line(const char *line)
{
  write(1, line, strlen(line));
  if (report_fd >= 0)
    write(report_fd, "r", 1);
}

// "BENCH name value unit [extra]", value given as v * 10^dec
static void
emit(const char *name, uint64 v, int dec, const char *unit, const char *extra)
{
  char num[32], line[128];
  uint64 p = tenpow(dec);
  if (dec > 0) {
    char frac[12];
    uint64 f = v % p;
    for (int i = dec - 1; i >= 0; i--) {
      frac[i] = '0' + f % 10;
      f /= 10;
    }
    frac[dec] = 0;
    snprintf(num, sizeof num, "%lu.%s", v / p, frac);
  } else {
    snprintf(num, sizeof num, "%lu", v);
  }
  if (extra && extra[0])
    snprintf(line, sizeof line, "BENCH %s %s %s %s\n", name, num, unit, extra);
  else
    snprintf(line, sizeof line, "BENCH %s %s %s\n", name, num, unit);
  emit_line(line);
}

// same, with "inst=N" (instructions per op) as extra when -i is on
static void
emit_inst(const char *name, uint64 v, int dec, const char *unit, uint64 inst_per_op)
{
  char extra[32];
  extra[0] = 0;
  if (want_inst)
    snprintf(extra, sizeof extra, "inst=%lu", inst_per_op);
  emit(name, v, dec, unit, extra);
}

static void
skip(const char *name, const char *why)
{
  char line[128];
  snprintf(line, sizeof line, "BENCH %s skip %s\n", name, why);
  emit_line(line);
}

// skip with "what: strerror(errno)"
static void
skip_err(const char *name, const char *what)
{
  char why[80];
  snprintf(why, sizeof why, "%s: %s", what, strerror(errno));
  skip(name, why);
}

// a row that reports nothing on purpose (shm without shm_open)
static void
emit_nothing(void)
{
  if (report_fd >= 0)
    write(report_fd, "n", 1);
}

// ---------------------------------------------------------------------------
// running a row in a child process

// Run fn in a child; names[0..n-1] are the rows it reports, in order.  Rows
// it did not report (it was killed, or exited early) get a skip line here.
static void
isolated(void (*fn)(void), const char **names, int n)
{
  int p[2], st = 0;
  if (pipe(p) < 0) {
    for (int i = 0; i < n; i++)
      skip_err(names[i], "pipe");
    return;
  }
  int pid = fork();
  if (pid < 0) {
    for (int i = 0; i < n; i++)
      skip_err(names[i], "fork");
    close(p[0]);
    close(p[1]);
    return;
  }
  if (pid == 0) {
    close(p[0]);
    report_fd = p[1];
    fn();
    exit(0);
  }
  close(p[1]);
  if (wait(&st) < 0)
    st = -1;
  int done = 0;
  char c;
  while (done < n && read(p[0], &c, 1) == 1)
    done++;
  close(p[0]);
  for (int i = done; i < n; i++) {
    char why[48];
    if (st == -1)
      snprintf(why, sizeof why, "row killed (out of memory or fault)");
    else
      snprintf(why, sizeof why, "row exited with status %d", st);
    skip(names[i], why);
  }
}

// Grow the heap by n bytes and write every page; 0 on failure.
static char *
touched(uint64 n)
{
  char *p = sbrk(n);
  if (p == (char *)-1)
    return 0;
  for (uint64 i = 0; i < n; i += PG)
    p[i] = 1;
  return p;
}

// ---------------------------------------------------------------------------
// system calls

#define SYS_N 20000

static void
row_syscall(const char *name, int (*call)(void))
{
  uint64 t[MAXREP], in[MAXREP];
  if (call() < 0) {
    skip_err(name, name);
    return;
  }
  int r = 0;
  uint64 start = now();
  while (more(r, 5, 11, start, 3)) {
    uint64 i0 = instret(), t0 = now();
    for (int k = 0; k < SYS_N; k++)
      call();
    uint64 t1 = now(), i1 = instret();
    t[r] = t1 - t0;
    in[r++] = i1 - i0;
  }
  emit_inst(name, per_op(median(t, r), SYS_N, 1, 1), 1, "ns", median(in, r) / SYS_N);
}

static void row_trap_null(void) { row_syscall("trap_null", nullcall); }
static void row_getpid(void) { row_syscall("getpid", getpid); }

// ---------------------------------------------------------------------------
// pipes

#define RTT_N 2000

static void
row_pipe_rtt(void)
{
  int a[2], b[2], st;
  uint64 t[MAXREP], in[MAXREP];
  char c = 'x';
  if (pipe(a) < 0 || pipe(b) < 0) {
    skip_err("pipe_rtt", "pipe");
    return;
  }
  int pid = fork();
  if (pid < 0) {
    skip_err("pipe_rtt", "fork");
    return;
  }
  if (pid == 0) {
    close(a[1]);
    close(b[0]);
    while (read(a[0], &c, 1) == 1)
      if (write(b[1], &c, 1) != 1)
        break;
    exit(0);
  }
  close(a[0]);
  close(b[1]);
  int r = 0, bad = 0;
  uint64 start = now();
  while (!bad && more(r, 3, 9, start, 5)) {
    uint64 i0 = instret(), t0 = now();
    for (int k = 0; k < RTT_N; k++) {
      if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) {
        bad = 1;
        break;
      }
    }
    uint64 t1 = now(), i1 = instret();
    t[r] = t1 - t0;
    in[r++] = i1 - i0;
  }
  close(a[1]);
  close(b[0]);
  wait(&st);
  if (bad)
    skip_err("pipe_rtt", "pipe read/write");
  else
    emit_inst("pipe_rtt", per_op(median(t, r), RTT_N, 1000, 2), 2, "us",
              median(in, r) / RTT_N);
}

// The same ping-pong through one shared-memory word: each side spins on
// it, so a round trip needs no system call (on one hart, each turn costs a
// timer tick's worth of spinning; run with CPUS>1 to see the real figure).
#define SHM_RTT_N 200

static void
row_shm_rtt(void)
{
  uint64 t[MAXREP], in[MAXREP];
  int fd = shm_open("/bench_rtt", O_CREAT | O_RDWR, 0600);
  if (fd < 0) {
    if (errno != ENOSYS)
      skip_err("shm_rtt", "shm_open");
    return;
  }
  shm_unlink("/bench_rtt");
  if (ftruncate(fd, 4096) < 0) {
    skip_err("shm_rtt", "ftruncate");
    return;
  }
  volatile uint64 *w = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (w == (volatile uint64 *)-1) {
    skip_err("shm_rtt", "mmap");
    return;
  }
  *w = 0;
  int pid = fork();
  if (pid < 0) {
    skip_err("shm_rtt", "fork");
    return;
  }
  if (pid == 0) {
    // odd values are pings, the next even value the pong; ~0 ends it
    for (;;) {
      uint64 v = *w;
      if (v == ~0UL)
        exit(0);
      if (v & 1)
        *w = v + 1;
    }
  }
  int r = 0;
  uint64 seq = 0, start = now();
  while (more(r, 3, 9, start, 5)) {
    uint64 i0 = instret(), t0 = now();
    for (int k = 0; k < SHM_RTT_N; k++) {
      *w = ++seq;
      while (*w != seq + 1)
        ;
      seq++;
    }
    uint64 t1 = now(), i1 = instret();
    t[r] = t1 - t0;
    in[r++] = i1 - i0;
  }
  *w = ~0UL;
  wait(0);
  munmap((void *)w, 4096);
  emit_inst("shm_rtt", per_op(median(t, r), SHM_RTT_N, 1000, 2), 2, "us", median(in, r) / SHM_RTT_N);
}

#define BW_BYTES (64UL * MiB)

static void
row_pipe_bw(void)
{
  uint64 t[MAXREP];
  int r = 0;
  uint64 start = now();
  while (more(r, 1, 5, start, 15)) {
    int p[2], st = 0;
    if (pipe(p) < 0) {
      skip_err("pipe_bw", "pipe");
      return;
    }
    int pid = fork();
    if (pid < 0) {
      skip_err("pipe_bw", "fork");
      return;
    }
    if (pid == 0) {
      close(p[1]);
      uint64 got = 0;
      int n;
      while ((n = read(p[0], iobuf2, PG)) > 0)
        got += n;
      exit(got == BW_BYTES ? 0 : 1);
    }
    close(p[0]);
    memset(iobuf, 'p', PG);
    uint64 t0 = now();
    for (uint64 sent = 0; sent < BW_BYTES; sent += PG) {
      if (write(p[1], iobuf, PG) != PG) {
        skip_err("pipe_bw", "write");
        close(p[1]);
        wait(0);
        return;
      }
    }
    close(p[1]);
    wait(&st);
    uint64 t1 = now();
    if (st != 0) {
      skip("pipe_bw", "reader did not get every byte");
      return;
    }
    t[r++] = t1 - t0;
  }
  emit("pipe_bw", bandwidth(BW_BYTES, median(t, r), 1), 1, "MiB/s", 0);
}

// ---------------------------------------------------------------------------
// shared memory: a ring of SLOTS slots of SLOT bytes; two pipes carry one
// token per slot ("full" to the reader, "empty" back to the writer), so both
// sides block instead of spinning (at CPUS=1 a spinning side would burn its
// whole time slice).  Each side copies 4 KiB at a time, as the pipe row does.

#define SLOT  (1 * MiB)
#define SLOTS 4

static void
row_shm_bw(void)
{
  int fd = shm_open("/benchshm", O_CREAT | O_RDWR, 0600);
  if (fd < 0) {
    if (errno == ENOSYS)
      emit_nothing();
    else
      skip_err("shm_bw", "shm_open");
    return;
  }
  shm_unlink("/benchshm");
  if (ftruncate(fd, SLOT * SLOTS) < 0) {
    skip_err("shm_bw", "ftruncate");
    return;
  }
  char *ring = mmap(0, SLOT * SLOTS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == (char *)-1) {
    skip_err("shm_bw", "mmap");
    return;
  }
  close(fd);
  int full[2], empty[2];
  if (pipe(full) < 0 || pipe(empty) < 0) {
    skip_err("shm_bw", "pipe");
    return;
  }
  char tok = 't';
  for (int i = 0; i < SLOTS; i++)
    write(empty[1], &tok, 1);
  memset(iobuf, 's', PG);

  uint64 t[MAXREP];
  int r = 0, nslot = BW_BYTES / SLOT;
  uint64 start = now();
  while (more(r, 1, 5, start, 15)) {
    int st = 0;
    int pid = fork();
    if (pid < 0) {
      skip_err("shm_bw", "fork");
      return;
    }
    if (pid == 0) {
      for (int k = 0; k < nslot; k++) {
        if (read(full[0], &tok, 1) != 1)
          exit(1);
        char *s = ring + (k % SLOTS) * SLOT;
        for (int off = 0; off < SLOT; off += PG)
          memmove(iobuf2, s + off, PG);
        write(empty[1], &tok, 1);
      }
      exit(iobuf2[PG - 1] == 's' ? 0 : 2);
    }
    uint64 t0 = now();
    for (int k = 0; k < nslot; k++) {
      if (read(empty[0], &tok, 1) != 1)
        break;
      char *d = ring + (k % SLOTS) * SLOT;
      for (int off = 0; off < SLOT; off += PG)
        memmove(d + off, iobuf, PG);
      write(full[1], &tok, 1);
    }
    wait(&st);
    uint64 t1 = now();
    if (st != 0) {
      skip("shm_bw", "reader saw wrong data");
      return;
    }
    t[r++] = t1 - t0;
  }
  emit("shm_bw", bandwidth(BW_BYTES, median(t, r), 1), 1, "MiB/s", 0);
}

// ---------------------------------------------------------------------------
// fork, exec, page faults

#define FORK_N 8

static void
row_fork(int mib)
{
  char name[16];
  uint64 t[MAXREP], in[MAXREP];
  snprintf(name, sizeof name, "fork_%dM", mib);
  if (mib > 0 && touched((uint64)mib * MiB) == 0) {
    skip_err(name, "sbrk");
    return;
  }
  // A round is FORK_N forks: one fork is a millisecond or less, and a
  // timer tick or a host hiccup inside one sample moved the median of
  // single forks by 2x between runs.
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 9, start, 5)) {
    uint64 i0 = instret(), t0 = now();
    for (int k = 0; k < FORK_N; k++) {
      int pid = fork();
      if (pid < 0) {
        skip_err(name, "fork");
        return;
      }
      if (pid == 0)
        exit(0);
      wait(0);
    }
    uint64 t1 = now(), i1 = instret();
    t[r] = t1 - t0;
    in[r++] = (i1 - i0) / FORK_N;
  }
  emit_inst(name, per_op(median(t, r), FORK_N, 1000000, 3), 3, "ms", median(in, r));
}

static void row_fork_0(void) { row_fork(0); }
static void row_fork_1(void) { row_fork(1); }
static void row_fork_16(void) { row_fork(16); }
static void row_fork_64(void) { row_fork(64); }

#define FAULT_PAGES 2048   // 8 MiB

// The child writes one byte in each page of a heap it shares copy-on-write
// with its parent; it sends its own timing back through a pipe.
static void
row_cow_fault(void)
{
  uint64 t[MAXREP], in[MAXREP];
  char *p = touched((uint64)FAULT_PAGES * PG);
  if (p == 0) {
    skip_err("cow_fault", "sbrk");
    return;
  }
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 7, start, 5)) {
    int fds[2], st = 0;
    uint64 m[2];
    if (pipe(fds) < 0) {
      skip_err("cow_fault", "pipe");
      return;
    }
    int pid = fork();
    if (pid < 0) {
      skip_err("cow_fault", "fork");
      return;
    }
    if (pid == 0) {
      close(fds[0]);
      uint64 i0 = instret(), t0 = now();
      for (int i = 0; i < FAULT_PAGES; i++)
        p[(uint64)i * PG] = 2;
      uint64 t1 = now(), i1 = instret();
      m[0] = t1 - t0;
      m[1] = i1 - i0;
      write(fds[1], m, sizeof m);
      exit(0);
    }
    close(fds[1]);
    int n = read(fds[0], m, sizeof m);
    close(fds[0]);
    wait(&st);
    if (n != sizeof m || st != 0) {
      skip("cow_fault", "child failed");
      return;
    }
    t[r] = m[0];
    in[r++] = m[1];
  }
  emit_inst("cow_fault", per_op(median(t, r), FAULT_PAGES, 1, 0), 0, "ns",
            median(in, r) / FAULT_PAGES);
}

static void
row_zero_fault(void)
{
  uint64 t[MAXREP], in[MAXREP];
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 7, start, 5)) {
    char *p = sbrk(FAULT_PAGES * PG);
    if (p == (char *)-1) {
      skip_err("zero_fault", "sbrk");
      return;
    }
    uint64 i0 = instret(), t0 = now();
    for (int i = 0; i < FAULT_PAGES; i++)
      p[(uint64)i * PG] = 3;
    uint64 t1 = now(), i1 = instret();
    t[r] = t1 - t0;
    in[r++] = i1 - i0;
    sbrk(-(FAULT_PAGES * PG));   // give the pages back: the next pass faults afresh
  }
  emit_inst("zero_fault", per_op(median(t, r), FAULT_PAGES, 1, 0), 0, "ns",
            median(in, r) / FAULT_PAGES);
}

// fork + exec + wait of a program that exits at once.
static void
row_exec_of(const char *name, char *path, char **argv)
{
  uint64 t[MAXREP], in[MAXREP];
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 11, start, 5)) {
    int st = 0;
    uint64 i0 = instret(), t0 = now();
    int pid = fork();
    if (pid < 0) {
      skip_err(name, "fork");
      return;
    }
    if (pid == 0) {
      exec(path, argv);
      exit(127);
    }
    wait(&st);
    uint64 t1 = now(), i1 = instret();
    if (st != 0) {
      char why[64];
      snprintf(why, sizeof why, "exec %s failed (status %d)", path, st);
      skip(name, why);
      return;
    }
    t[r] = t1 - t0;
    in[r++] = i1 - i0;
  }
  emit_inst(name, per_op(median(t, r), 1, 1000000, 3), 3, "ms", median(in, r));
}

// exec: bench itself (always linked statically) with -noop. exec_dyn: the
// dynamically linked /t/t_noop, which ld.so must load with libc.so first.
static void
row_exec(void)
{
  char *argv[] = { "bench", "-noop", 0 };
  row_exec_of("exec", "/bench", argv);
}

static void
row_exec_dyn(void)
{
  char *argv[] = { "t_noop", 0 };
  row_exec_of("exec_dyn", "/t/t_noop", argv);
}

// ---------------------------------------------------------------------------
// memory of idle shells: static vs dynamically linked

#define IDLE_SH 10

static long
frames_used(void)
{
  struct vmstat vs;
  memset(&vs, 0, sizeof vs);
  if (vmstat(&vs) < 0)
    return -1;
  return (long)vs.frames_used;
}

// Start n shells (prog) reading a pipe: with inr = 0 the write end is
// closed at once and they exit; otherwise *inw stays open and they wait.
// Returns the number started.
static int
start_shells(char *prog, int n, int *pids, int *inw)
{
  int in[2];
  char *argv[] = { "sh", 0 };
  if (pipe(in) < 0)
    return 0;
  int k;
  for (k = 0; k < n; k++) {
    pids[k] = fork();
    if (pids[k] < 0)
      break;
    if (pids[k] == 0) {
      close(0);
      dup(in[0]);
      close(in[0]);
      close(in[1]);
      exec(prog, argv);
      exit(127);
    }
  }
  close(in[0]);
  if (inw)
    *inw = in[1];
  else
    close(in[1]);
  return k;
}

// Reap the shells; 0 if all exited with status 0.
static int
reap_shells(int *pids, int n)
{
  int bad = 0;
  for (int k = 0; k < n; k++) {
    int st = -1;
    if (wait(&st) < 0 || st != 0)
      bad = 1;
  }
  (void)pids;
  return bad ? -1 : 0;
}

// Frames used by IDLE_SH idle shells of prog (median of 3 runs), with its
// file pages already in the page cache; -1 on failure (why says what).
static long
idle_shell_frames(char *prog, char *why, int whylen)
{
  int pids[IDLE_SH], inw;
  uint64 d[3];
  // A first shell that exits at once brings the program in.
  if (start_shells(prog, 1, pids, 0) != 1 || reap_shells(pids, 1) < 0) {
    snprintf(why, whylen, "%s does not run", prog);
    return -1;
  }
  for (int r = 0; r < 3; r++) {
    long before = frames_used();
    int n = start_shells(prog, IDLE_SH, pids, &inw);
    if (n != IDLE_SH) {
      close(inw);
      reap_shells(pids, n);
      snprintf(why, whylen, "fork: %s", strerror(errno));
      return -1;
    }
    // Idle: frames_used has not moved for three ticks in a row.
    long last = frames_used(), now_used = last;
    for (int same = 0, t = 0; same < 3 && t < 100; t++) {
      sleep(1);
      now_used = frames_used();
      same = now_used == last ? same + 1 : 0;
      last = now_used;
    }
    close(inw);
    if (reap_shells(pids, n) < 0 || before < 0 || now_used < 0) {
      snprintf(why, whylen, "%s failed", prog);
      return -1;
    }
    d[r] = now_used > before ? now_used - before : 0;
  }
  return (long)median(d, 3);
}

static void
row_sh10(void)
{
  static char *progs[2] = { "/t/sh_static", "/t/sh_dyn" };
  static const char *names[2] = { "sh10_static_frames", "sh10_dynamic_frames" };
  for (int i = 0; i < 2; i++) {
    char why[64], extra[32];
    long f = idle_shell_frames(progs[i], why, sizeof why);
    if (f < 0) {
      skip(names[i], why);
      continue;
    }
    snprintf(extra, sizeof extra, "per_sh=%ld.%ld", f / 10, f % 10);   // f / IDLE_SH
    emit(names[i], f, 0, "frames", extra);
  }
}

// ---------------------------------------------------------------------------
// file reads: read() and mmap() over a 32 MiB file

static int cold_only;      // -cold: measure the first pass only
static int keep_file;      // -keep: leave FILE_NAME for a later -cold run
static char *chunk;        // IO_CHUNK bytes

static uint64 file_size;   // size of FILE_NAME

// Write FILE_NAME: FILE_SIZE bytes, or fewer (whole MiB, at least FILE_MIN)
// if the file system is so slow that writing it would take more than
// WRITE_BUDGET seconds; the rows then say "file=N MiB".
static int
make_file(void)
{
  int fd = open(FILE_NAME, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    return -1;
  for (uint64 i = 0; i < IO_CHUNK; i++)
    chunk[i] = (char)(i * 7 + 1);
  uint64 t0 = now(), off;
  for (off = 0; off < FILE_SIZE; off += IO_CHUNK) {
    if (off >= FILE_MIN && off % MiB == 0) {
      uint64 spent = now() - t0;
      if (spent + spent / (off / MiB) > WRITE_BUDGET * SEC)
        break;   // the next MiB would not fit
    }
    if (write(fd, chunk, IO_CHUNK) != IO_CHUNK) {
      int e = errno;
      close(fd);
      unlink(FILE_NAME);
      errno = e;
      return -1;
    }
  }
  close(fd);
  file_size = off;
  uint64 t = now() - t0;
  printf("bench: wrote %s (%d MiB) in %lu.%lu s\n", FILE_NAME, (int)(off / MiB),
         t / SEC, t % SEC / (SEC / 10));
  return 0;
}

// file_size from the file itself (for -cold, and after another row wrote it)
static int
find_size(void)
{
  struct stat st;
  int fd = open(FILE_NAME, O_RDONLY);
  if (fd < 0)
    return -1;
  int r = fstat(fd, &st);
  close(fd);
  if (r < 0)
    return -1;
  if (st.size == 0) {
    errno = ENOENT;
    return -1;
  }
  file_size = st.size;
  return 0;
}

// one sequential pass with read(); ticks, or 0 on error
static uint64
read_pass(void)
{
  int fd = open(FILE_NAME, O_RDONLY);
  if (fd < 0)
    return 0;
  uint64 total = 0;
  int n;
  uint64 t0 = now();
  while ((n = read(fd, chunk, IO_CHUNK)) > 0)
    total += n;
  uint64 t1 = now();
  close(fd);
  if (n < 0 || total != file_size) {
    errno = EIO;
    return 0;
  }
  return t1 - t0 ? t1 - t0 : 1;
}

// one sequential pass over a fresh mapping, reading every 64-bit word
static uint64
mmap_pass(void)
{
  int fd = open(FILE_NAME, O_RDONLY);
  if (fd < 0)
    return 0;
  uint64 *p = mmap(0, file_size, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);
  if (p == (uint64 *)-1) {
    errno = e;
    return 0;
  }
  uint64 sum = 0, t0 = now();
  for (uint64 i = 0; i < file_size / sizeof(uint64); i += 4)
    sum += p[i] + p[i + 1] + p[i + 2] + p[i + 3];
  uint64 t1 = now();
  sink = sum;
  munmap(p, file_size);
  return t1 - t0 ? t1 - t0 : 1;
}

// name_cold: the first pass; name_warm: the median of the next ones
static void
seq_rows(const char *cold, const char *warm, uint64 (*pass)(void), const char *what)
{
  uint64 t[MAXREP];
  char extra[48];
  if (file_size == 0 && find_size() < 0) {
    skip_err(cold, FILE_NAME);
    if (!cold_only)
      skip_err(warm, FILE_NAME);
    return;
  }
  uint64 c = pass();
  if (c == 0) {
    skip_err(cold, what);
    if (!cold_only)
      skip_err(warm, what);
    return;
  }
  extra[0] = 0;
  if (file_size != FILE_SIZE)
    snprintf(extra, sizeof extra, "file=%luMiB", file_size / MiB);
  char extra1[64];
  if (cold_only)
    strcpy(extra1, extra);
  else
    snprintf(extra1, sizeof extra1, "%s%sfirst-pass", extra, extra[0] ? " " : "");
  emit(cold, bandwidth(file_size, c, 1), 1, "MiB/s", extra1);
  if (cold_only)
    return;
  int r = 0;
  uint64 start = now();
  while (more(r, 1, 5, start, 20)) {
    uint64 x = pass();
    if (x == 0) {
      skip_err(warm, what);
      return;
    }
    t[r++] = x;
  }
  emit(warm, bandwidth(file_size, median(t, r), 1), 1, "MiB/s", extra);
}

static void
row_read_seq(void)
{
  if (!cold_only && make_file() < 0) {
    skip_err("read_seq_cold", "writing " FILE_NAME);
    skip_err("read_seq_warm", "writing " FILE_NAME);
    return;
  }
  seq_rows("read_seq_cold", "read_seq_warm", read_pass, "read");
}

static void
row_mmap_seq(void)
{
  seq_rows("mmap_seq_cold", "mmap_seq_warm", mmap_pass, "mmap");
}

// ---------------------------------------------------------------------------
// writes: 16 MiB in 4 KiB writes, then a read of a file just written

#define WSEQ_BYTES (16 * MiB)
#define RAW_BYTES  (4 * MiB)

// Write n bytes to a new file in 4 KiB writes and close it; ticks, or 0.
// The file system commits a burst of writes together (docs/book/10-fs.md), so
// part of the file may still be waiting for its commit at close.
static uint64
write_file(const char *name, uint64 n)
{
  int fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    return 0;
  uint64 t0 = now();
  for (uint64 off = 0; off < n; off += PG)
    if (write(fd, iobuf, PG) != PG) {
      close(fd);
      return 0;
    }
  close(fd);
  uint64 t = now() - t0;
  return t ? t : 1;
}

static void
row_write_seq(void)
{
  memset(iobuf, 'w', PG);
  uint64 t = write_file("bench_w", WSEQ_BYTES);
  if (t == 0)
    skip_err("write_seq", "write");
  else
    emit("write_seq", bandwidth(WSEQ_BYTES, t, 1), 1, "MiB/s", "16MiB 4KiB-writes");
  unlink("bench_w");
}

// A file of the largest size (MAXFILE blocks, 64 MiB) in 1 KiB writes,
// as xv6's usertests writebig, then fsync, then read back: seconds for
// all of it. Needs a disk with room for it (harness.py bench makes one).
static void
row_writebig(void)
{
  int fd = open("bench_big", O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0) {
    skip_err("writebig", "open");
    return;
  }
  uint64 t0 = now();
  for (int b = 0; b < MAXFILE; b++) {
    memset(iobuf, b, BSIZE);
    if (write(fd, iobuf, BSIZE) != BSIZE) {
      close(fd);
      unlink("bench_big");
      skip_err("writebig", "write");
      return;
    }
  }
  int err = fsync(fd);
  close(fd);
  fd = open("bench_big", O_RDONLY);
  int ok = err == 0 && fd >= 0;
  for (int b = 0; ok && b < MAXFILE; b++)
    ok = read(fd, iobuf, BSIZE) == BSIZE && iobuf[0] == (char)b && iobuf[BSIZE - 1] == (char)b;
  uint64 t = now() - t0;
  close(fd);
  unlink("bench_big");
  if (!ok)
    skip_err("writebig", "fsync or read back");
  else
    emit("writebig", per_op(t, 1, 1000000000, 1), 1, "s", "64MiB 1KiB-writes+fsync+read");
}

// Read back a 4 MiB file right after writing it: warm if write() left
// the data in the page cache. Each round writes a new file and reads it
// once (the median of the reads): the first read of data just written
// is the one this row is about, and one pass alone is at the mercy of
// the host's noise.
static void
row_read_after_write(void)
{
  uint64 t[MAXREP];
  memset(iobuf, 'r', PG);
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 7, start, 5)) {
    if (write_file("bench_raw", RAW_BYTES) == 0) {
      skip_err("read_after_write", "write");
      return;
    }
    int fd = open("bench_raw", O_RDONLY);
    uint64 total = 0, t0 = now();
    int n;
    while (fd >= 0 && (n = read(fd, chunk, IO_CHUNK)) > 0)
      total += n;
    uint64 t1 = now();
    close(fd);
    unlink("bench_raw");
    if (total != RAW_BYTES) {
      skip_err("read_after_write", "read");
      return;
    }
    t[r++] = t1 > t0 ? t1 - t0 : 1;
  }
  emit("read_after_write", bandwidth(RAW_BYTES, median(t, r), 1), 1, "MiB/s", "4MiB");
}

// fork; the child writes every page of an 8 MiB heap it shares
// copy-on-write; exit; wait. The whole round trip, like a program would.
static void
row_cow_touch(void)
{
  uint64 t[MAXREP];
  char *p = touched(8 * MiB);
  if (p == 0) {
    skip_err("cow_touch_8M", "sbrk");
    return;
  }
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 7, start, 5)) {
    uint64 t0 = now();
    int pid = fork();
    if (pid < 0) {
      skip_err("cow_touch_8M", "fork");
      return;
    }
    if (pid == 0) {
      for (uint64 i = 0; i < 8 * MiB; i += PG)
        p[i] = 5;
      exit(0);
    }
    wait(0);
    t[r++] = now() - t0;
  }
  emit("cow_touch_8M", per_op(median(t, r), 1, 1000000, 2), 2, "ms", 0);
}

// Fork 60 children that sleep, kill them all, reap them all (run it with
// several harts: idle harts must be woken to run the dying children).
#define NKILL 60

static void
row_kill60(void)
{
  uint64 t[MAXREP];
  static int pids[NKILL];
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 5, start, 10)) {
    uint64 t0 = now();
    for (int i = 0; i < NKILL; i++) {
      pids[i] = fork();
      if (pids[i] < 0) {
        skip_err("kill60", "fork");
        return;
      }
      if (pids[i] == 0) {
        sleep(1000);
        exit(0);
      }
    }
    for (int i = 0; i < NKILL; i++)
      kill(pids[i]);
    for (int i = 0; i < NKILL; i++)
      wait(0);
    t[r++] = now() - t0;
  }
  emit("kill60", per_op(median(t, r), 1, 1000000, 1), 1, "ms", 0);
}

// ---------------------------------------------------------------------------
// memcpy

#define COPY_BYTES (4 * MiB)

static void
row_memcpy_bw(void)
{
  uint64 t[MAXREP];
  char *src = touched(COPY_BYTES), *dst = touched(COPY_BYTES);
  if (src == 0 || dst == 0) {
    skip_err("memcpy_bw", "sbrk");
    return;
  }
  int r = 0;
  uint64 start = now();
  while (more(r, 3, 9, start, 5)) {
    uint64 t0 = now();
    memmove(dst, src, COPY_BYTES);
    memmove(src, dst, COPY_BYTES);
    t[r++] = now() - t0;
  }
  emit("memcpy_bw", bandwidth(2 * COPY_BYTES, median(t, r), 1), 1, "MiB/s", 0);
}

// ---------------------------------------------------------------------------

struct row {
  const char *group;      // the name that selects it on the command line
  void (*fn)(void);
  const char *names[2];   // the rows it reports
  int n;
};

static struct row rows[] = {
  { "trap_null", row_trap_null, { "trap_null" }, 1 },
  { "getpid", row_getpid, { "getpid" }, 1 },
  { "pipe_rtt", row_pipe_rtt, { "pipe_rtt" }, 1 },
  { "pipe_bw", row_pipe_bw, { "pipe_bw" }, 1 },
  { "shm_bw", row_shm_bw, { "shm_bw" }, 1 },
  { "shm_rtt", row_shm_rtt, { "shm_rtt" }, 1 },
  { "fork", row_fork_0, { "fork_0M" }, 1 },
  { "fork", row_fork_1, { "fork_1M" }, 1 },
  { "fork", row_fork_16, { "fork_16M" }, 1 },
  { "fork", row_fork_64, { "fork_64M" }, 1 },
  { "cow_fault", row_cow_fault, { "cow_fault" }, 1 },
  { "zero_fault", row_zero_fault, { "zero_fault" }, 1 },
  { "exec", row_exec, { "exec" }, 1 },
  { "exec_dyn", row_exec_dyn, { "exec_dyn" }, 1 },
  { "sh10", row_sh10, { "sh10_static_frames", "sh10_dynamic_frames" }, 2 },
  { "read_seq", row_read_seq, { "read_seq_cold", "read_seq_warm" }, 2 },
  { "mmap_seq", row_mmap_seq, { "mmap_seq_cold", "mmap_seq_warm" }, 2 },
  { "write_seq", row_write_seq, { "write_seq" }, 1 },
  { "read_after_write", row_read_after_write, { "read_after_write" }, 1 },
  { "writebig", row_writebig, { "writebig" }, 1 },
  { "cow_touch_8M", row_cow_touch, { "cow_touch_8M" }, 1 },
  { "kill60", row_kill60, { "kill60" }, 1 },
  { "memcpy_bw", row_memcpy_bw, { "memcpy_bw" }, 1 },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

// Does an instruction work in user mode?  Try it in a child: if the kernel
// has not enabled the counter the child dies with an illegal instruction.
static int
probe(int which)
{
  int st = -1;
  int pid = fork();
  if (pid < 0)
    return 0;
  if (pid == 0) {
    uint64 x;
    if (which == 0)
      x = rdtime();
    else
      asm volatile("rdinstret %0" : "=r"(x));
    sink = x;
    exit(0);
  }
  wait(&st);
  return st == 0;
}

static struct row *
find_row(const char *group)
{
  for (uint r = 0; r < NROWS; r++)
    if (strcmp(rows[r].group, group) == 0)
      return &rows[r];
  return 0;
}

static int
selected(struct row *row, int argc, char **argv, int first)
{
  if (first >= argc)   // spinning ping-pong needs 2 harts, kill60 3: run them by name
    return row->fn != row_shm_rtt && row->fn != row_kill60;
  for (int i = first; i < argc; i++) {
    if (strcmp(argv[i], row->group) == 0)
      return 1;
    for (int k = 0; k < row->n; k++)
      if (strcmp(argv[i], row->names[k]) == 0)
        return 1;
  }
  return 0;
}

static void
usage(void)
{
  fprintf(2, "usage: bench [-i] [-keep] [row...] | bench -cold read|mmap | bench -noop\n");
  exit(2);
}

int
main(int argc, char **argv)
{
  int i = 1;
  if (argc > 1 && strcmp(argv[1], "-noop") == 0)
    exit(0);
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "-i") == 0)
      want_inst = 1;
    else if (strcmp(argv[i], "-keep") == 0)
      keep_file = 1;
    else if (strcmp(argv[i], "-cold") == 0)
      cold_only = 1;
    else
      usage();
  }
  if (cold_only && (i != argc - 1 ||
                    (strcmp(argv[i], "read") != 0 && strcmp(argv[i], "mmap") != 0)))
    usage();

  int timer_ok = probe(0);
  if (want_inst && !probe(1)) {
    want_inst = 0;
    printf("bench: rdinstret is not readable in user mode; no inst= column\n");
  }

  chunk = sbrk(IO_CHUNK);
  if (chunk == (char *)-1) {
    fprintf(2, "bench: sbrk failed\n");
    exit(1);
  }
  memset(chunk, 0, IO_CHUNK);

  if (cold_only) {
    struct row *row = find_row(strcmp(argv[i], "read") == 0 ? "read_seq" : "mmap_seq");
    const char *name = row->names[0];
    if (!timer_ok)
      skip(name, "rdtime traps in user mode");
    else
      isolated(row->fn, &name, 1);
    exit(0);
  }

  int read_ran = 0;
  for (uint r = 0; r < NROWS; r++) {
    struct row *row = &rows[r];
    if (!selected(row, argc, argv, i))
      continue;
    if (!timer_ok) {
      for (int k = 0; k < row->n; k++)
        skip(row->names[k], "rdtime traps in user mode");
      continue;
    }
    if (row->fn == row_mmap_seq && !read_ran && !selected(find_row("read_seq"), argc, argv, i)) {
      // mmap_seq alone: it needs the file that read_seq writes
      if (make_file() < 0) {
        skip_err(row->names[0], "writing " FILE_NAME);
        skip_err(row->names[1], "writing " FILE_NAME);
        continue;
      }
    }
    isolated(row->fn, row->names, row->n);
    if (row->fn == row_read_seq)
      read_ran = 1;
  }
  if (!keep_file)
    unlink(FILE_NAME);
  exit(0);
}
