// stress: concurrency and memory-pressure stress of the memory system.
//
//   stress                run every subtest (including the known-bad ones below)
//   stress NAME...        run only these
//   stress mix ITER       the mix with ITER iterations per worker (default 20)
//   stress truncow ITER   truncow with ITER iterations per worker (default 10)
//
// Subtests:
//   mix        readers, writers (write() and stores through MAP_SHARED),
//              mappers (MAP_SHARED and MAP_PRIVATE, reading and writing, with
//              mprotect and partial munmap), truncaters (ftruncate shrink and
//              grow of each file's tail) and forkers, all on two shared files,
//              on every hart. Invariants: each writer owns a set of stripes of
//              each file and writes every word of a stripe with its pattern and
//              a generation number; whoever reads a stripe (read(), a shared
//              mapping, a private mapping not yet written, a forked child) must
//              find in every word a valid pattern of that stripe with a
//              generation no older than the last one the writer had finished
//              before the read began and no newer than the one it has started.
//              At the end every stripe holds exactly the last generation.
//   truncow    issue 9 item 2: ftruncate shrinking and growing a file under
//              processes that COW-break, write-fault and fork its pages
//              through private and shared mappings (no panic, no leak).
//   vmmaprace  issue 9 item 4: vmmap(pid) in a loop on other harts while pid
//              forks and execs, over and over (no leak, no panic).
//   rwdeadlock issue 9 item 1: P read()s file F into a MAP_PRIVATE mapping of
//              G while Q reads G into a mapping of F, and the same with
//              write() from the mappings, many times on 3 harts. Today it can
//              hang for good (the harness time-out catches it).
//
// All of them run in make test (vmmaprace panicked and rwdeadlock hung
// before issue 9's fixes). The memory-pressure probes (xv6's mem,
// usertests' countfree) are in racetests.
#include "user/testlib.h"

#ifndef MAP_FAILED
#define MAP_FAILED ((char *) -1)
#endif

// ---------------------------------------------------------------- mix

#define NFILES   2
#define NWRITERS 3
#define STRIPE   1024                       // bytes
#define SWORDS   (STRIPE / 8)
#define AREA     (4 * PGSIZE)               // the striped part of a file
#define NSTRIPES (AREA / STRIPE)
#define TAILMAX  (3 * PGSIZE + 123)         // truncaters move the end within AREA..AREA+TAILMAX

static const char *files[NFILES] = { "/stress.f0", "/stress.f1" };
static int iters = 20;

// Shared by every worker (an shm object mapped before the forks).
struct board {
  long started[NFILES][NWRITERS];  // generation a writer is writing
  long done[NFILES][NWRITERS];     // last generation it finished
  long ops;                        // operations done, all workers
  long reads_checked;              // stripes checked by readers
};
static struct board *bd;

// Word j of stripe s of file f, written by generation g. The stripe's
// owner is s % NWRITERS.
static uint64
pat(int f, int s, long g, int j)
{
  return 0x5700000000000000UL | ((uint64)f << 52) | ((uint64)s << 40) | ((uint64)g << 8) | (uint64)j;
}

static char sbuf[AREA];             // a whole striped area, for read()/write()

// Check one stripe as read: every word valid for (f, s), generation within
// [lo, hi] for its writer. Torn stripes (words of two generations) are fine:
// neither write() nor stores are atomic against a reader. The stripe may be
// a live mapping that writers keep storing to, so it is copied first and
// hi (the generation its writer has started) is read after the copy: a
// word the copy saw was written by a generation that had started.
static void
check_stripe(const char *who, int f, int s, const uint64 *w, long lo, const long *hip)
{
  uint64 copy[SWORDS];
  for (int j = 0; j < SWORDS; j++)
    copy[j] = __atomic_load_n(&w[j], __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  long hi = __atomic_load_n(hip, __ATOMIC_SEQ_CST);
  for (int j = 0; j < SWORDS; j++) {
    uint64 v = copy[j];
    long g = (long)((v >> 8) & 0xFFFFFFFFUL);
    if (v != pat(f, s, g, j))
      fail("%s: file %d stripe %d word %d is 0x%lx: not a pattern of this stripe (lo gen %ld)",
           who, f, s, j, v, lo);
    if (g < lo || g > hi)
      fail("%s: file %d stripe %d word %d has generation %ld, want %ld..%ld (lost update?)",
           who, f, s, j, g, lo, hi);
  }
}

// Check a whole area; lo was snapshotted before the read.
static void
check_area(const char *who, int f, const char *area, long *lo)
{
  for (int s = 0; s < NSTRIPES; s++) {
    int w = s % NWRITERS;
    check_stripe(who, f, s, (const uint64 *)(area + s * STRIPE), lo[w], &bd->started[f][w]);
  }
  __atomic_fetch_add(&bd->reads_checked, NSTRIPES, __ATOMIC_RELAXED);
}

static void
snap_lo(int f, long *lo)
{
  for (int w = 0; w < NWRITERS; w++)
    lo[w] = __atomic_load_n(&bd->done[f][w], __ATOMIC_SEQ_CST);
}

static void
fill_stripe(uint64 *p, int f, int s, long g)
{
  for (int j = 0; j < SWORDS; j++)
    p[j] = pat(f, s, g, j);
}

static void *
xmap(int fd, int prot, int flags, long len)
{
  void *p = mmap(0, len, prot, flags, fd, 0);
  if (p == MAP_FAILED)
    fail("mmap(%ld, prot %d, flags 0x%x): %s", len, prot, flags, strerror(errno));
  return p;
}

// Writer w of file f: each generation rewrites all of its stripes, through
// write() (one stripe at a time, at its offset) or through a shared mapping.
static void
writer(int f, int w)
{
  int fd = xopen(files[f], O_RDWR);
  uint64 st[SWORDS];
  for (long g = 1; g <= iters; g++) {
    __atomic_store_n(&bd->started[f][w], g, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   // started is seen before any word of g
    if (g % 2) {
      for (int s = w; s < NSTRIPES; s += NWRITERS) {
        fill_stripe(st, f, s, g);
        if (lseek(fd, s * STRIPE, SEEK_SET) != s * STRIPE)
          fail("lseek: %s", strerror(errno));
        xwrite(fd, st, STRIPE);
      }
    } else {
      char *m = xmap(fd, PROT_READ | PROT_WRITE, MAP_SHARED, AREA);
      for (int s = w; s < NSTRIPES; s += NWRITERS)
        fill_stripe((uint64 *)(m + s * STRIPE), f, s, g);
      if (g % 4 == 0 && msync(m, AREA, MS_SYNC) < 0)
        fail("msync: %s", strerror(errno));
      munmap(m, AREA);
    }
    __atomic_store_n(&bd->done[f][w], g, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&bd->ops, 1, __ATOMIC_RELAXED);
  }
  close(fd);
}

// Reader: read() the whole area and check it.
static void
reader(int f)
{
  long lo[NWRITERS];
  int fd = xopen(files[f], O_RDONLY);
  for (int i = 0; i < iters * 2; i++) {
    snap_lo(f, lo);
    if (lseek(fd, 0, SEEK_SET) != 0)
      fail("lseek: %s", strerror(errno));
    xread(fd, sbuf, AREA);
    check_area("reader", f, sbuf, lo);
    __atomic_fetch_add(&bd->ops, 1, __ATOMIC_RELAXED);
  }
  close(fd);
}

// Mapper: map the file shared or private, check the stripes through the
// mapping; private mappers also write their own pattern into one page and
// check it stays theirs; mprotect and partial munmap on the way.
static void
mapper(int f, int shared)
{
  long lo[NWRITERS];
  int fd = xopen(files[f], shared ? O_RDONLY : O_RDWR);
  for (int i = 0; i < iters; i++) {
    snap_lo(f, lo);
    char *m = xmap(fd, PROT_READ | (shared ? 0 : PROT_WRITE),
                   shared ? MAP_SHARED : MAP_PRIVATE, AREA);
    if (!shared) {
      // Reading before any store sees the file (coherent with writers).
      check_area("private mapper", f, m, lo);
      int pg = i % (AREA / PGSIZE);
      uint64 *p = (uint64 *)(m + pg * PGSIZE);
      for (int j = 0; j < PGSIZE / 8; j++)
        p[j] = 0xABCD000000000000UL | ((uint64)getpid() << 20) | (uint64)j;
      if (mprotect(m, AREA, PROT_READ) < 0)
        fail("mprotect: %s", strerror(errno));
      for (int j = 0; j < PGSIZE / 8; j++)
        if (p[j] != (0xABCD000000000000UL | ((uint64)getpid() << 20) | (uint64)j))
          fail("private page %d word %d changed to 0x%lx", pg, j, p[j]);
      // Drop the written page: the others still map the file.
      if (munmap(p, PGSIZE) < 0)
        fail("munmap: %s", strerror(errno));
      snap_lo(f, lo);
      for (int s = 0; s < NSTRIPES; s++)
        if (s / (PGSIZE / STRIPE) != pg)
          check_stripe("private mapper after munmap", f, s, (uint64 *)(m + s * STRIPE),
                       lo[s % NWRITERS], &bd->started[f][s % NWRITERS]);
    } else {
      for (int k = 0; k < 3; k++) {
        snap_lo(f, lo);
        check_area("shared mapper", f, m, lo);
      }
    }
    munmap(m, AREA);
    __atomic_fetch_add(&bd->ops, 1, __ATOMIC_RELAXED);
  }
  close(fd);
}

// Truncater: move the end of the file around in the tail, never into the
// striped area. A grown tail reads as zeros.
static void
truncater(int f)
{
  uint64 rng = 0x1234 + f;
  int fd = xopen(files[f], O_RDWR);
  for (int i = 0; i < iters * 2; i++) {
    long len = AREA + (long)(tl_rand(&rng) % TAILMAX);
    if (ftruncate(fd, len) < 0)
      fail("ftruncate(%ld): %s", len, strerror(errno));
    if (i % 8 == 0) {       // map the tail, write into it, shrink under it
      char *m = xmap(fd, PROT_READ | PROT_WRITE, MAP_SHARED, AREA + PGSIZE);
      m[AREA] = 1;
      if (ftruncate(fd, AREA) < 0)
        fail("ftruncate(AREA): %s", strerror(errno));
      munmap(m, AREA + PGSIZE);
    }
    __atomic_fetch_add(&bd->ops, 1, __ATOMIC_RELAXED);
  }
  close(fd);
}

// Forker: fork with a shared and a private mapping of the file; the child
// checks both, writes its private copy, exits; the parent's private copy
// must not see the child's stores.
static void
forker(int f)
{
  long lo[NWRITERS];
  int fd = xopen(files[f], O_RDWR);
  for (int i = 0; i < iters / 2; i++) {
    char *sm = xmap(fd, PROT_READ, MAP_SHARED, AREA);
    char *pm = xmap(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE, AREA);
    // One private page copied before the fork (volatile: a store of the
    // value just loaded is otherwise dropped by the compiler).
    volatile uint64 *p0 = (volatile uint64 *)pm;
    *p0 = *p0 ^ 1;
    uint64 keep = *p0;
    snap_lo(f, lo);
    int pid = xfork();
    if (pid == 0) {
      snap_lo(f, lo);
      check_area("forked child (shared)", f, sm, lo);
      memset(pm, 0x77, AREA);
      exit(0);
    }
    int st = wait_pid(pid);
    if (st != 0)
      fail("forked child exited with %d", st);
    if (*p0 != keep)
      fail("parent's private page changed after the child wrote its copy");
    // The pages the parent never wrote still show the file, not the
    // child's stores.
    for (int s = PGSIZE / STRIPE; s < NSTRIPES; s++)
      check_stripe("forker parent after the child", f, s, (uint64 *)(pm + s * STRIPE),
                   lo[s % NWRITERS], &bd->started[f][s % NWRITERS]);
    munmap(sm, AREA);
    munmap(pm, AREA);
    __atomic_fetch_add(&bd->ops, 1, __ATOMIC_RELAXED);
  }
  close(fd);
}

static void
t_mix(void)
{
  int sfd = shm_open("/stress.board", O_CREATE | O_RDWR, 0600);
  if (sfd < 0)
    fail("shm_open: %s", strerror(errno));
  if (ftruncate(sfd, PGSIZE) < 0)
    fail("ftruncate: %s", strerror(errno));
  bd = xmap(sfd, PROT_READ | PROT_WRITE, MAP_SHARED, PGSIZE);
  close(sfd);
  memset(bd, 0, sizeof(*bd));

  // Each file starts with generation 0 in every stripe, and a tail.
  for (int f = 0; f < NFILES; f++) {
    int fd = xopen(files[f], O_CREATE | O_RDWR | O_TRUNC);
    for (int s = 0; s < NSTRIPES; s++)
      fill_stripe((uint64 *)(sbuf + s * STRIPE), f, s, 0);
    xwrite(fd, sbuf, AREA);
    if (ftruncate(fd, AREA + PGSIZE) < 0)
      fail("ftruncate: %s", strerror(errno));
    close(fd);
  }

  // A reporter: the count of operations every 10 s (output, so the
  // harness's silence time-out measures a hang, not a slow machine), and a
  // process list when nothing moved for 60 s (a deadlock: it stays put).
  int rep = xfork();
  if (rep == 0) {
    long last = -1;
    int still = 0;
    for (;;) {
      sleep(100);
      long ops = bd->ops;
      printf("stress: mix: %ld operations\n", ops);
      still = ops == last ? still + 1 : 0;
      if (still == 6) {       // (also how it ends if the test failed and left it)
        printf("stress: mix: no progress for 60 s\n");
        procdump();
        exit(0);
      }
      last = ops;
    }
  }
  int n = 0;
  for (int f = 0; f < NFILES; f++) {
    for (int w = 0; w < NWRITERS; w++)
      if (xfork() == 0) { writer(f, w); exit(0); }
    if (xfork() == 0) { reader(f); exit(0); }
    if (xfork() == 0) { reader(f); exit(0); }
    if (xfork() == 0) { mapper(f, 1); exit(0); }
    if (xfork() == 0) { mapper(f, 0); exit(0); }
    if (xfork() == 0) { truncater(f); exit(0); }
    if (xfork() == 0) { forker(f); exit(0); }
    n += NWRITERS + 6;
  }
  for (int i = 0; i < n; i++) {
    int st = 0x7777;
    int w = wait(&st);
    if (w < 0)
      fail("wait: %s", strerror(errno));
    if (w == rep)
      fail("the reporter exited with %d", st);
    if (st != 0)
      fail("worker %d exited with status %d", w, st);
  }
  kill(rep);
  wait_pid(rep);

  // Every stripe holds its writer's last generation, through read() and
  // through a fresh shared mapping.
  for (int f = 0; f < NFILES; f++) {
    int fd = xopen(files[f], O_RDONLY);
    long sz = fsize(fd);
    if (sz < AREA)
      fail("file %d is %ld bytes, less than the striped area", f, sz);
    xread(fd, sbuf, AREA);
    char *m = xmap(fd, PROT_READ, MAP_SHARED, AREA);
    for (int s = 0; s < NSTRIPES; s++) {
      long g = bd->done[f][s % NWRITERS];
      if (g != iters)
        fail("writer %d of file %d finished generation %ld of %d", s % NWRITERS, f, g, iters);
      check_stripe("final read", f, s, (uint64 *)(sbuf + s * STRIPE), g, &g);
      check_stripe("final mapping", f, s, (uint64 *)(m + s * STRIPE), g, &g);
    }
    munmap(m, AREA);
    close(fd);
    unlink(files[f]);
  }
  printf("stress: mix: %d workers, %ld operations, %ld stripes checked\n", n, bd->ops,
         bd->reads_checked);
  munmap(bd, PGSIZE);
  shm_unlink("/stress.board");
}

// ---------------------------------------------------------------- rwdeadlock

#define DL_PAGES 4
#define DL_ITERS 50

// Drop b's pages from the page cache (truncate to 0 and grow back), so
// that the next fault on a mapping of b must read the page in, which takes
// b's inode lock.
static void
dl_uncache(int fb)
{
  if (ftruncate(fb, 0) < 0 || ftruncate(fb, DL_PAGES * PGSIZE) < 0)
    fail("ftruncate: %s", strerror(errno));
}

// One side: read() file a into a fresh private mapping of file b (the copy
// faults on b's pages, reading them in, while a's inode is locked for the
// read), then write() into a from a fresh private mapping of b (the copy-in
// faults on b inside a's write). The other side does the same with a and b
// swapped. The read may come back short: the other side truncates a.
static void
dl_side(const char *a, const char *b)
{
  int fa = xopen(a, O_RDWR);
  int fb = xopen(b, O_RDWR);
  for (int i = 0; i < DL_ITERS; i++) {
    dl_uncache(fb);
    char *m = xmap(fb, PROT_READ | PROT_WRITE, MAP_PRIVATE, DL_PAGES * PGSIZE);
    if (lseek(fa, 0, SEEK_SET) != 0)
      fail("lseek: %s", strerror(errno));
    int r = read(fa, m, DL_PAGES * PGSIZE);
    if (r < 0)
      fail("read into the mapping: %s", strerror(errno));
    munmap(m, DL_PAGES * PGSIZE);
    dl_uncache(fb);
    m = xmap(fb, PROT_READ, MAP_PRIVATE, DL_PAGES * PGSIZE);
    if (lseek(fa, 0, SEEK_SET) != 0)
      fail("lseek: %s", strerror(errno));
    r = write(fa, m, DL_PAGES * PGSIZE);
    if (r != DL_PAGES * PGSIZE)
      fail("write from the mapping returned %d: %s", r, strerror(errno));
    munmap(m, DL_PAGES * PGSIZE);
  }
  close(fa);
  close(fb);
}

static void
t_rwdeadlock(void)
{
  // Two pairs, so that every hart is busy with it; each pair its own two
  // files (only a file's own pair truncates it, so no copy runs past an
  // end another process moved).
  static const char *fs[2][2] = { { "/stress.dlF0", "/stress.dlG0" },
                                  { "/stress.dlF1", "/stress.dlG1" } };
  memset(sbuf, 'F', DL_PAGES * PGSIZE);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++) {
      int fd = xopen(fs[k][j], O_CREATE | O_RDWR | O_TRUNC);
      xwrite(fd, sbuf, DL_PAGES * PGSIZE);
      close(fd);
    }
  for (int k = 0; k < 2; k++) {
    if (xfork() == 0) { dl_side(fs[k][0], fs[k][1]); exit(0); }
    if (xfork() == 0) { dl_side(fs[k][1], fs[k][0]); exit(0); }
  }
  wait_all(0);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++)
      unlink(fs[k][j]);
}

// ---------------------------------------------------------------- truncow

// Issue 9 item 2: truncation racing copy-on-write breaks and write faults
// of the same file pages. Cowers map the whole file MAP_PRIVATE and store
// into every page (each store a COW break of a page-cache frame), sharers
// map it MAP_SHARED and store (write faults, dirtying), forkers fork with
// both mappings live, and truncaters shrink the file to a random size and
// grow it back, under all of them. A store to a page wholly past the end
// kills its process (status -1): allowed. Nothing may panic or leak.
#define TC_PAGES 16
static int tc_iters = 10;

static void
tc_worker(const char *path, int kind, int seed)
{
  uint64 rng = 0xC0FFEE + seed;
  int fd = xopen(path, O_RDWR);
  for (int i = 0; i < tc_iters; i++) {
    if (kind == 0) {            // truncater
      long len = (long)(tl_rand(&rng) % (TC_PAGES * PGSIZE));
      if (ftruncate(fd, len) < 0 || ftruncate(fd, TC_PAGES * PGSIZE) < 0)
        fail("ftruncate: %s", strerror(errno));
      continue;
    }
    // A mapper runs each pass in a child, so that a store past a
    // just-shrunk end kills only the child.
    int pid = xfork();
    if (pid == 0) {
      int shared = kind == 2;
      char *m = xmap(fd, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE,
                     TC_PAGES * PGSIZE);
      for (int pg = 0; pg < TC_PAGES; pg++)
        m[pg * PGSIZE + (i % 64) * 8] = (char)(pg + i);
      if (kind == 3 && xfork() == 0) {    // a child with the COW'd pages
        for (int pg = 0; pg < TC_PAGES; pg++)
          m[pg * PGSIZE + 1] = 1;
        exit(0);
      }
      if (mprotect(m, TC_PAGES * PGSIZE, PROT_READ) < 0)
        fail("mprotect: %s", strerror(errno));
      munmap(m, TC_PAGES * PGSIZE / 2);
      while (wait(0) >= 0)
        ;
      exit(0);
    }
    int st = wait_pid(pid);
    if (st != 0 && st != -1)
      fail("mapper child exited with %d", st);
  }
  close(fd);
}

static void
t_truncow(void)
{
  static const char *path = "/stress.tc";
  int fd = xopen(path, O_CREATE | O_RDWR | O_TRUNC);
  memset(sbuf, 'T', AREA);
  for (int k = 0; k < TC_PAGES * PGSIZE / AREA; k++)
    xwrite(fd, sbuf, AREA);
  close(fd);
  // kinds: 0 truncater, 1 private cower, 2 shared writer, 3 forking cower
  static const int kinds[] = { 0, 0, 1, 1, 2, 3 };
  for (int k = 0; k < NELEM(kinds); k++)
    if (xfork() == 0) {
      tc_worker(path, kinds[k], k);
      exit(0);
    }
  wait_all(0);
  unlink(path);
}

// ---------------------------------------------------------------- vmmaprace

// Issue 9 item 4: vmmap(pid) looks up the target's address space under the
// target's lock, then reads target->as again without it; exec replaces
// p->as without the lock. One process forks children that exec at once
// (stress --exit 0), over and over, while the other harts call vmmap() on
// the newest child's pid in a loop. A reference taken on one address space
// and dropped on another shows as leaked frames or a panic.
#define VR_EXECS 150

struct vrboard { volatile int pid; volatile int done; long calls; };

static void
t_vmmaprace(void)
{
  static struct vmregion regs[16];
  struct vrboard *vb = xmap(-1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, PGSIZE);
  vb->pid = 0;
  vb->done = 0;
  for (int k = 0; k < 2; k++)
    if (xfork() == 0) {
      while (!vb->done) {
        int pid = vb->pid;
        for (int d = 0; d < 2; d++)
          vmmap(pid + d, regs, 16);
        __atomic_fetch_add(&vb->calls, 2, __ATOMIC_RELAXED);
      }
      exit(0);
    }
  static char *args[] = { "stress", "--exit", "0", 0 };
  for (int i = 0; i < VR_EXECS; i++) {
    int pid = xfork();
    if (pid == 0) {
      exec(tl_self, args);
      exit(9);
    }
    vb->pid = pid;
    int st = wait_pid(pid);
    if (st != 0)
      fail("exec'd child exited with %d", st);
  }
  vb->done = 1;
  wait_all(0);
  printf("stress: vmmaprace: %d execs, %ld vmmap calls\n", VR_EXECS, vb->calls);
  munmap(vb, PGSIZE);
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "mix", t_mix },
  { "truncow", t_truncow },
  { "vmmaprace", t_vmmaprace },
  { "rwdeadlock", t_rwdeadlock },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  if (argc == 3 && strcmp(argv[1], "mix") == 0 && argv[2][0] >= '0' && argv[2][0] <= '9') {
    iters = atoi(argv[2]);
    if (iters < 1)
      iters = 1;
    tl_run("mix", t_mix);
    exit(tl_failed ? 1 : 0);
  }
  if (argc == 3 && strcmp(argv[1], "truncow") == 0 && argv[2][0] >= '0' && argv[2][0] <= '9') {
    tc_iters = atoi(argv[2]);
    tl_run("truncow", t_truncow);
    exit(tl_failed ? 1 : 0);
  }
  exit(TL_RUN(tests, argc, argv));
}
