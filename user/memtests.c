// memtests: the memory system. Copy-on-write fork, lazy sbrk, out of
// memory, vmstat counters, ASID rollover, and faults at every boundary of
// every region.
//
//   memtests            run every subtest
//   memtests NAME...    run only these
//
// The harness boots memtests with bootargs asids=4 (a tiny ASID pool), which
// asidroll needs. See user/testlib.h for the runner and the leak check.
#include "user/testlib.h"

static struct vmstat vs[8];          // vmstat snapshots (bss, not the stack)
static struct vmregion regs[64];

// Word j of page i as written by generation g.
static inline uint64
tag(int g, long i, long j)
{
  return ((uint64)(g + 1) << 48) ^ ((uint64)i << 16) ^ (uint64)j ^ 0x5a5a000000000000UL;
}

// Grow the heap by npages (page-aligned), failing the test if it can't.
static uint64 *
heap_pages(long npages)
{
  align_break();
  char *p = sbrk(npages * PGSIZE);
  if (p == (char *)-1)
    fail("sbrk(%ld pages): %s", npages, strerror(errno));
  return (uint64 *)p;
}

static void
fill_pages(uint64 *p, long npages, int g)
{
  for (long i = 0; i < npages; i++)
    for (long j = 0; j < PGSIZE / 8; j++)
      p[i * (PGSIZE / 8) + j] = tag(g, i, j);
}

// ---------------------------------------------------------------- COW

// Parent, child and grandchild each write their own words in every page,
// and each one fully rewrites its own third; each then sees only its own
// writes on top of the original contents.
#define CG_PAGES 48
#define CG_WORDS (PGSIZE / 8)

static void
cg_write(uint64 *p, int g)
{
  for (long i = 0; i < CG_PAGES; i++) {
    if (i / (CG_PAGES / 3) == g)
      for (long j = 0; j < CG_WORDS; j++)
        p[i * CG_WORDS + j] = tag(g + 1, i, j);
    else
      p[i * CG_WORDS + 64 * (g + 1)] = tag(g + 1, i, 64 * (g + 1));
  }
}

static void
cg_verify(uint64 *p, int g, const char *who)
{
  for (long i = 0; i < CG_PAGES; i++)
    for (long j = 0; j < CG_WORDS; j++) {
      uint64 want;
      if (i / (CG_PAGES / 3) == g || j == 64 * (g + 1))
        want = tag(g + 1, i, j);
      else
        want = tag(0, i, j);
      if (p[i * CG_WORDS + j] != want)
        fail("%s: page %ld word %ld is 0x%lx, want 0x%lx", who, i, j, p[i * CG_WORDS + j], want);
    }
}

static void
t_cow3gen(void)
{
  int w[2], go[2];
  char c;
  uint64 *p = heap_pages(CG_PAGES);
  fill_pages(p, CG_PAGES, 0);
  expect_ok(pipe(w));
  expect_ok(pipe(go));

  int child = xfork();
  if (child == 0) {
    int gchild = xfork();
    if (gchild == 0) {
      cg_verify(p, -1, "grandchild before writing");   // the original contents
      cg_write(p, 2);
      write(w[1], "g", 1);
      read(go[0], &c, 1);
      cg_verify(p, 2, "grandchild");
      exit(0);
    }
    cg_write(p, 1);
    write(w[1], "c", 1);
    read(go[0], &c, 1);
    cg_verify(p, 1, "child");
    int st = wait_pid(gchild);
    if (st != 0)
      fail("grandchild exited with %d", st);
    cg_verify(p, 1, "child after the grandchild exited");
    exit(0);
  }
  cg_write(p, 0);
  for (int n = 0; n < 2; n++)
    if (read(w[0], &c, 1) != 1)
      fail("child or grandchild died before writing");
  write(go[1], "xx", 2);
  cg_verify(p, 0, "parent");
  int st = wait_pid(child);
  check(st == 0, "child exited with %d", st);
  cg_verify(p, 0, "parent after the others exited");
  close(w[0]);
  close(w[1]);
  close(go[0]);
  close(go[1]);
}

// A child writing its inherited heap in order breaks COW ahead of itself
// (fault.c: cow_ahead): fewer faults than pages, and every page it broke
// early, written or not, is its own copy: the original contents until it
// writes, and never what the parent writes afterwards.
#define CA_PAGES 64
#define CA_WRITTEN 40

static void
ca_verify(uint64 *p, const char *who, int child_wrote, int parent_wrote)
{
  for (long i = 0; i < CA_PAGES; i++)
    for (long j = 0; j < CG_WORDS; j += 61) {
      uint64 want = tag(0, i, j);
      if (child_wrote && i < CA_WRITTEN && j == 0)
        want = tag(1, i, 0);
      if (parent_wrote)
        want = tag(2, i, j);
      if (p[i * CG_WORDS + j] != want)
        fail("%s: page %ld word %ld is 0x%lx, want 0x%lx", who, i, j, p[i * CG_WORDS + j], want);
    }
}

static void
t_cowahead(void)
{
  int w[2], go[2];
  char c;
  uint64 *p = heap_pages(CA_PAGES);
  fill_pages(p, CA_PAGES, 0);
  expect_ok(pipe(w));
  expect_ok(pipe(go));
  int pid = xfork();
  if (pid == 0) {
    close(w[0]);
    close(go[1]);
    tl_vmstat(&vs[0]);
    for (long i = 0; i < CA_WRITTEN; i++)
      p[i * CG_WORDS] = tag(1, i, 0);
    tl_vmstat(&vs[1]);
    long faults = vs[1].fault_cow_copy - vs[0].fault_cow_copy;
    long ahead = vs[1].cow_ahead - vs[0].cow_ahead;
    if (faults + ahead < CA_WRITTEN || faults >= CA_WRITTEN / 2)
      fail("%d pages written in order: %ld copying faults, %ld pages copied ahead", CA_WRITTEN,
           faults, ahead);
    ca_verify(p, "child after its writes", 1, 0);
    write(w[1], "c", 1);
    read(go[0], &c, 1);             // the parent has rewritten every page
    ca_verify(p, "child after the parent's writes", 1, 0);
    exit(0);
  }
  close(w[1]);          // a child that fails ends the read with EOF
  close(go[0]);
  int ready = read(w[0], &c, 1) == 1;
  fill_pages(p, CA_PAGES, 2);
  write(go[1], "g", 1);
  close(w[0]);
  close(go[1]);
  int st = wait_pid(pid);
  check(ready && st == 0, "the child failed (status %d)", st);
  ca_verify(p, "parent", 0, 1);
}

// A child shrinks the heap it shares copy-on-write, then grows it again:
// the parent keeps its data, the child gets zeros.
static void
t_cowshrink(void)
{
  uint64 *p = heap_pages(16);
  fill_pages(p, 16, 3);
  int pid = xfork();
  if (pid == 0) {
    sbrk(-16 * PGSIZE);
    uint64 *q = (uint64 *)sbrk(16 * PGSIZE);
    if (q != p)
      fail("regrown heap at %p, want %p", q, p);
    for (long i = 0; i < 16 * CG_WORDS; i++)
      if (q[i] != 0)
        fail("regrown heap word %ld is 0x%lx, want 0", i, q[i]);
    q[5] = 1;
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  for (long i = 0; i < 16; i++)
    for (long j = 0; j < CG_WORDS; j++)
      check(p[i * CG_WORDS + j] == tag(3, i, j), "parent page %ld changed after the child shrank", i);
  p[0] = 7;   // the parent can still write (it is now the only owner)
  check(p[0] == 7, "write after the child left");
}

// A process near the memory limit forks: with COW it works.
static void
t_bigfork(void)
{
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  long avail = (long)(vs[0].frames_free + vs[0].frames_pagecache);
  long n = avail * 2 / 3;
  if (n > 85 * MiB / PGSIZE)
    n = 85 * MiB / PGSIZE;
  check(n > avail / 2 || n == 85 * MiB / PGSIZE, "not enough memory (%ld frames) to test", avail);
  uint64 *p = heap_pages(n);
  for (long i = 0; i < n; i++)
    p[i * CG_WORDS] = tag(1, i, 0);
  int pid = fork();
  check(pid >= 0, "fork of a process with %ld MiB touched (%ld frames were available): %s",
        n * PGSIZE / MiB, avail, strerror(errno));
  if (pid == 0) {
    for (int k = 0; k < 8; k++) {
      long i = k * (n / 8) + 3;
      p[i * CG_WORDS] = tag(2, i, 0);
    }
    for (long i = 0; i < n; i++) {
      int mine = (i % (n / 8)) == 3 && i / (n / 8) < 8;
      if (p[i * CG_WORDS] != tag(mine ? 2 : 1, i, 0))
        fail("child: page %ld holds 0x%lx", i, p[i * CG_WORDS]);
    }
    exit(0);
  }
  check(wait_pid(pid) == 0, "child failed");
  for (long i = 0; i < n; i++)
    check(p[i * CG_WORDS] == tag(1, i, 0), "parent: page %ld holds 0x%lx", i, p[i * CG_WORDS]);
}

// The kernel writes (copyout) into pages shared copy-on-write.
static char srcbuf[3 * PGSIZE + 200];

static void
t_cowcopyout(void)
{
  int p[2], hold[2];
  char c;
  char *buf = (char *)heap_pages(4);
  memset(buf, 'p', 4 * PGSIZE);
  int n = 2 * PGSIZE + 100;
  for (int i = 0; i < n; i++)
    srcbuf[i] = 'a' + i % 23;

  // 1. The child read()s from a pipe into the shared buffer.
  expect_ok(pipe(p));
  int pid = xfork();
  if (pid == 0) {
    close(p[1]);
    int got = 0;
    while (got < n) {
      int r = read(p[0], buf + 50 + got, n - got);
      if (r <= 0)
        fail("child read: %d (%s)", r, strerror(errno));
      got += r;
    }
    for (int i = 0; i < 4 * PGSIZE; i++) {
      char want = (i >= 50 && i < 50 + n) ? 'a' + (i - 50) % 23 : 'p';
      if (buf[i] != want)
        fail("child buffer byte %d is '%c', want '%c'", i, buf[i], want);
    }
    exit(0);
  }
  close(p[0]);
  for (int off = 0; off < n; off += 1000)
    if (write(p[1], srcbuf + off, n - off < 1000 ? n - off : 1000) < 0)
      fail("write to pipe: %s", strerror(errno));
  close(p[1]);
  check(wait_pid(pid) == 0, "child failed");
  for (int i = 0; i < 4 * PGSIZE; i++)
    check(buf[i] == 'p', "parent buffer byte %d changed to '%c' by the child's read", i, buf[i]);

  // 2. The parent read()s from a file into the buffer while a child shares it;
  //    pipe() writes its descriptors into a shared page too.
  int fd = open("/mt_src", O_CREATE | O_RDWR | O_TRUNC);
  check(fd >= 0, "create /mt_src: %s", strerror(errno));
  check(write(fd, srcbuf, 3 * PGSIZE) == 3 * PGSIZE, "write /mt_src: %s", strerror(errno));
  expect_ok(pipe(hold));
  pid = xfork();
  if (pid == 0) {
    close(hold[1]);
    read(hold[0], &c, 1);          // until the parent is done
    for (int i = 0; i < 4 * PGSIZE; i++)
      if (buf[i] != 'p')
        fail("child sees byte %d as '%c' after the parent's read()", i, buf[i]);
    exit(0);
  }
  close(hold[0]);
  expect_eq(lseek(fd, 0, SEEK_SET), 0);
  expect_eq(read(fd, buf + 100, 3 * PGSIZE), 3 * PGSIZE);
  for (int i = 0; i < 3 * PGSIZE; i++)
    check(buf[100 + i] == srcbuf[i], "parent read() byte %d", i);
  int *fds = (int *)(buf + 4 * PGSIZE - 8);
  expect_ok(pipe(fds));
  check(fds[0] >= 0 && fds[1] >= 0, "pipe into a shared page gave %d %d", fds[0], fds[1]);
  close(fds[0]);
  close(fds[1]);
  close(fd);
  write(hold[1], "x", 1);
  close(hold[1]);
  check(wait_pid(pid) == 0, "child saw the parent's writes");
  unlink("/mt_src");

  // 3. read() into heap pages never touched (lazy): they appear.
  char *lazy = (char *)heap_pages(3);
  fd = open("/README", O_RDONLY);
  check(fd >= 0, "open /README: %s", strerror(errno));
  int r = read(fd, lazy + PGSIZE - 10, 100);
  check(r > 0, "read into a lazy page: %d (%s)", r, strerror(errno));
  close(fd);
}

// Several processes fork storms of children on three harts; everybody's
// copy of a 1 MiB buffer stays intact.
#define FS_WORDS (MiB / 8)

static void
t_forkstorm(void)
{
  uint64 *p = heap_pages(MiB / PGSIZE);
  fill_pages(p, MiB / PGSIZE, 4);
  uint64 sum = checksum(p, FS_WORDS);
  int stormers[3];
  for (int s = 0; s < 3; s++) {
    stormers[s] = xfork();
    if (stormers[s] == 0) {
      for (int round = 0; round < 12; round++) {
        int kids[4];
        for (int k = 0; k < 4; k++) {
          kids[k] = fork();
          if (kids[k] < 0)
            fail("stormer %d: fork: %s", s, strerror(errno));
          if (kids[k] == 0) {
            uint64 seed = getpid() * 7919 + round;
            long touched[16];
            for (int t = 0; t < 16; t++) {
              touched[t] = (long)(tl_rand(&seed) % FS_WORDS);
              p[touched[t]] = ~tag(4, touched[t] / CG_WORDS, touched[t] % CG_WORDS);
            }
            for (int t = 0; t < 16; t++)
              if (p[touched[t]] != ~tag(4, touched[t] / CG_WORDS, touched[t] % CG_WORDS))
                fail("storm child lost its own write");
            // Its parent's words it didn't touch are the originals.
            for (long i = 0; i < FS_WORDS; i += 509) {
              int mine = 0;
              for (int t = 0; t < 16; t++)
                mine |= touched[t] == i;
              if (!mine && p[i] != tag(4, i / CG_WORDS, i % CG_WORDS))
                fail("storm child sees word %ld as 0x%lx", i, p[i]);
            }
            exit(0);
          }
        }
        for (int k = 0; k < 4; k++)
          if (wait_pid(kids[k]) != 0)
            fail("stormer %d: child failed", s);
        if (checksum(p, FS_WORDS) != sum)
          fail("stormer %d: buffer changed in round %d", s, round);
      }
      exit(0);
    }
  }
  // Meanwhile the parent rewrites and restores its buffer.
  for (int round = 0; round < 6; round++) {
    check(checksum(p, FS_WORDS) == sum, "parent buffer changed (round %d)", round);
    for (long i = 0; i < FS_WORDS; i += 3)
      p[i] ^= 0xffff;
    for (long i = 0; i < FS_WORDS; i += 3)
      p[i] ^= 0xffff;
    sleep(1);
  }
  for (int s = 0; s < 3; s++)
    check(wait_pid(stormers[s]) == 0, "stormer %d failed", s);
  check(checksum(p, FS_WORDS) == sum, "parent buffer changed after the storm");
}

// Children that are killed while breaking COW give every frame back.
static void
t_forkkill(void)
{
  int pids[6];
  long npages = 4 * MiB / PGSIZE;
  uint64 *p = heap_pages(npages);
  fill_pages(p, npages, 5);
  uint64 sum = checksum(p, npages * CG_WORDS);
  for (int k = 0; k < 6; k++) {
    pids[k] = xfork();
    if (pids[k] == 0) {
      uint64 seed = k + 1;
      for (;;) {
        long i = tl_rand(&seed) % (npages * CG_WORDS);
        p[i] = seed;
      }
    }
  }
  sleep(3);
  for (int k = 0; k < 6; k++)
    expect_eq(kill(pids[k]), 0);
  for (int k = 0; k < 6; k++) {
    int st = wait_pid(pids[k]);
    check(st == -1, "killed child %d: status %d", k, st);
  }
  check(checksum(p, npages * CG_WORDS) == sum, "parent memory changed by its children");
}

// exec frees the old image; a failed exec keeps it.
static void
t_execfree(void)
{
  long before = tl_avail();
  int pid = xfork();
  if (pid == 0) {
    uint64 *p = heap_pages(16 * MiB / PGSIZE);
    fill_pages(p, 16 * MiB / PGSIZE, 6);
    char *bad[] = { "x", "--exit", "97", 0 };
    if (exec("/mt_no_such_program", bad) != -1 || errno != ENOENT)
      fail("exec of a missing file: errno %d", errno);
    for (long i = 0; i < 16 * MiB / PGSIZE; i += 17)
      if (p[i * CG_WORDS + 1] != tag(6, i, 1))
        fail("memory changed by a failed exec");
    char *argv[] = { tl_self, "--exit", "0", 0 };
    exec(tl_self, argv);
    fail("exec %s: %s", tl_self, strerror(errno));
  }
  check(wait_pid(pid) == 0, "child failed");
  long after = tl_avail();
  for (int i = 0; i < 10 && after != before; i++) {
    sleep(1);
    after = tl_avail();
  }
  check(after == before, "exec of a 16 MiB process: %ld frames not returned", before - after);
}

// ---------------------------------------------------------------- sbrk

static void
t_lazysbrk(void)
{
  const long n = 64 * MiB / PGSIZE;
  memset(vs, 0, sizeof(vs));
  long a0 = tl_avail();
  uint64 base = align_break();
  char *p = sbrk(64 * MiB);
  check((uint64)p == base, "sbrk(64 MiB) returned %p, want %p (errno %d)", p, (void *)base, errno);
  check(tl_avail() >= a0 - 4, "sbrk(64 MiB) took %ld frames before any touch", a0 - tl_avail());

  // Touch one page per MiB.
  tl_vmstat(&vs[0]);
  long a1 = tl_avail();
  for (long i = 0; i < 64; i++)
    p[i * MiB + i * 8] = (char)(i + 1);
  tl_vmstat(&vs[1]);
  long used = a1 - tl_avail();
  check(vs[1].fault_zero - vs[0].fault_zero == 64, "64 touches: %lu zero-fill faults",
        vs[1].fault_zero - vs[0].fault_zero);
  check(used >= 64 && used < 64 + 48, "64 touched pages took %ld frames", used);
  for (long i = 0; i < 64; i++)
    check(p[i * MiB + i * 8] == (char)(i + 1), "page at %ld MiB lost its byte", i);
  // Untouched pages read as zero.
  for (long i = 0; i < n; i += 97)
    check(p[i * PGSIZE + 100] == 0, "untouched page %ld not zero", i);

  // Shrink by half: frames come back, the upper half is gone.
  long a2 = tl_avail();
  char *r = sbrk(-32 * MiB);
  check(r == p + 64 * MiB, "sbrk(-32 MiB) returned %p, want %p", r, p + 64 * MiB);
  check(tl_avail() - a2 >= 32, "shrinking freed only %ld frames", tl_avail() - a2);
  expect_killed_at("load above the shrunk break", probe_load, base + 48 * MiB);
  expect_killed_at("store at the new break", probe_store, base + 32 * MiB);
  expect_alive_at("store just below the new break", probe_loadstore, base + 32 * MiB - 1);
  check(p[31 * MiB + 31 * 8] == 32, "lower half lost data");

  // Grow again: zeros, not the old contents.
  r = sbrk(32 * MiB);
  check(r == p + 32 * MiB, "regrow returned %p", r);
  for (long i = 32; i < 64; i++)
    check(p[i * MiB + i * 8] == 0, "regrown page at %ld MiB holds old data 0x%x", i, p[i * MiB + i * 8] & 0xff);

  // Past the size of memory.
  char *g = sbrk(1 << 30);
  check(g == p + 64 * MiB, "sbrk(1 GiB) returned %p (errno %d)", g, errno);
  g[0] = 1;
  g[(1 << 30) - 1] = 2;
  check(g[0] == 1 && g[(1 << 30) - 1] == 2, "1 GiB heap ends");
  sbrk(-(1 << 30));
  // An unaligned break: its last byte is there.
  char *u = sbrk(100);
  u[99] = 9;
  check(u[99] == 9, "byte below an unaligned break");
  check(sbrk(-100) == u + 100, "sbrk(-100)");
}

static void
t_sbrkbad(void)
{
  uint64 b0 = (uint64)sbrk(0);
  check(b0 >= tl_heap0, "break below its start");
  sbrk_down_to(tl_heap0);
  expect_err(sbrk(-1), ENOMEM);
  expect_err(sbrk(INT_MIN), ENOMEM);
  expect_err(sbrk(-(int)(tl_heap0 - USERBASE)), ENOMEM);
  check((uint64)sbrk(0) == tl_heap0, "failed sbrk moved the break");

  // INT_MAX grows (lazily); INT_MIN from there would go below the heap.
  char *p = sbrk(INT_MAX);
  check((uint64)p == tl_heap0, "sbrk(INT_MAX) returned %p (errno %d)", p, errno);
  p[INT_MAX - 1] = 5;
  check(p[INT_MAX - 1] == 5, "last byte of an INT_MAX heap");
  expect_err(sbrk(INT_MIN), ENOMEM);
  check((uint64)sbrk(0) == tl_heap0 + INT_MAX, "failed sbrk(INT_MIN) moved the break");
  check(sbrk(-INT_MAX) == p + INT_MAX, "sbrk(-INT_MAX)");
  check((uint64)sbrk(0) == tl_heap0, "break not back");

  // All the way up: the last step that fits works, then ENOMEM.
  uint64 ceiling = tl_heap_ceiling();
  uint64 top = sbrk_climb();
  check(top == ceiling, "the heap stops at %p, want %p (USERTOP or the lowest mapping above)",
        (void *)top, (void *)ceiling);
  expect_err(sbrk(INT_MAX), ENOMEM);
  expect_err(sbrk(1), ENOMEM);
  *(volatile char *)(top - 1) = 1;
  sbrk_down_to(tl_heap0);
  expect_killed_at("the released top of the heap", probe_load, top - 1);
}

// A child touching 1 GiB page by page is killed; every frame comes back.
static void
t_oomkill(void)
{
  memset(vs, 0, sizeof(vs));      // our own copies of these pages, before counting
  tl_vmstat(&vs[0]);
  long before = tl_avail();
  int pid = xfork();
  if (pid == 0) {
    tl_expect_kill("out of memory touching 1 GiB");
    char *p = sbrk(1 << 30);
    if (p == (char *)-1)
      fail("sbrk(1 GiB): %s", strerror(errno));
    for (long i = 0; i < (1L << 30); i += PGSIZE)
      p[i] = 1;
    exit(0);
  }
  int st = wait_pid(pid);
  check(st == -1, "child touching 1 GiB: status %d, want -1 (killed)", st);
  tl_vmstat(&vs[1]);
  check(vs[1].oom_kills > vs[0].oom_kills, "oom_kills did not move (%lu)", vs[1].oom_kills);
  long after = tl_avail();
  for (int i = 0; i < 10 && after != before; i++) {
    sleep(1);
    after = tl_avail();
  }
  check(after == before, "after the OOM kill: %ld frames missing", before - after);

  // Out of memory while breaking COW: the parent's data is intact.
  long n = before / 3;
  uint64 *q = heap_pages(n);
  for (long i = 0; i < n; i++)
    q[i * CG_WORDS] = tag(7, i, 0);
  pid = xfork();
  if (pid == 0) {
    tl_expect_kill("out of memory breaking COW, then touching 1 GiB");
    for (long i = 0; i < n; i++)            // copies every page
      q[i * CG_WORDS + 1] = 1;
    char *more = sbrk(1 << 30);
    for (long i = 0; i < (1L << 30); i += PGSIZE)
      more[i] = 1;
    exit(0);
  }
  st = wait_pid(pid);
  check(st == -1, "COW child touching everything: status %d, want -1", st);
  for (long i = 0; i < n; i++)
    check(q[i * CG_WORDS] == tag(7, i, 0) && q[i * CG_WORDS + 1] == 0, "parent page %ld changed", i);

  // Memory can be used again.
  pid = xfork();
  if (pid == 0) {
    uint64 *r = heap_pages(16 * MiB / PGSIZE);
    fill_pages(r, 16 * MiB / PGSIZE, 8);
    exit(0);
  }
  check(wait_pid(pid) == 0, "a 16 MiB child after the OOM kills failed");
}

// ---------------------------------------------------------------- vmstat

static void
t_vmstatcow(void)
{
  int ctl[2];
  char c;
  const long n = 16 * MiB / PGSIZE;
  uint64 *p = heap_pages(n);
  for (long i = 0; i < n; i++)
    p[i * CG_WORDS] = i;
  expect_ok(pipe(ctl));
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  int pid = xfork();
  if (pid == 0) {
    close(ctl[1]);
    read(ctl[0], &c, 1);
    exit(p[5 * CG_WORDS] == 5 && p[7 * CG_WORDS] == 7 ? 0 : 1);
  }
  tl_vmstat(&vs[1]);
  struct vmstat *a = &vs[0], *b = &vs[1];
  check(b->nfork == a->nfork + 1, "nfork went from %lu to %lu", a->nfork, b->nfork);
  check(b->fault_cow_copy - a->fault_cow_copy < 16,
        "fork of a 16 MiB process: fault_cow_copy moved by %lu", b->fault_cow_copy - a->fault_cow_copy);
  check(b->pages_cow_shared - a->pages_cow_shared >= (unsigned long)n &&
        b->pages_cow_shared - a->pages_cow_shared <= (unsigned long)n + 256,
        "pages_cow_shared grew by %lu, want about %ld", b->pages_cow_shared - a->pages_cow_shared, n);
  check(b->frames_shared - a->frames_shared >= (unsigned long)n,
        "frames_shared grew by %lu, want at least %ld", b->frames_shared - a->frames_shared, n);
  check(a->frames_free - b->frames_free < 128, "fork of 16 MiB took %lu frames", a->frames_free - b->frames_free);

  // A write to a shared page copies it.
  memset(&vs[2], 0, 4 * sizeof(vs[0]));
  tl_vmstat(&vs[2]);
  p[5 * CG_WORDS] = 55;
  tl_vmstat(&vs[3]);
  check(vs[3].fault_cow_copy == vs[2].fault_cow_copy + 1 && vs[3].fault_cow_reuse == vs[2].fault_cow_reuse,
        "COW write while shared: copy +%lu reuse +%lu, want +1 +0", vs[3].fault_cow_copy - vs[2].fault_cow_copy,
        vs[3].fault_cow_reuse - vs[2].fault_cow_reuse);
  check(vs[3].frames_free == vs[2].frames_free - 1, "a COW copy took %ld frames",
        (long)(vs[2].frames_free - vs[3].frames_free));
  // Once the child is gone, a write to a page marked COW just reuses it.
  write(ctl[1], "x", 1);
  close(ctl[1]);
  close(ctl[0]);
  check(wait_pid(pid) == 0, "child saw the parent's write");
  tl_vmstat(&vs[4]);
  p[7 * CG_WORDS] = 77;
  tl_vmstat(&vs[5]);
  check(vs[5].fault_cow_reuse == vs[4].fault_cow_reuse + 1 && vs[5].fault_cow_copy == vs[4].fault_cow_copy,
        "COW write after the child left: copy +%lu reuse +%lu, want +0 +1",
        vs[5].fault_cow_copy - vs[4].fault_cow_copy, vs[5].fault_cow_reuse - vs[4].fault_cow_reuse);
  check(vs[5].frames_free == vs[4].frames_free, "COW reuse took %ld frames",
        (long)(vs[4].frames_free - vs[5].frames_free));
  for (long i = 0; i < n; i++)
    check(p[i * CG_WORDS] == (i == 5 ? 55 : i == 7 ? 77 : (uint64)i), "page %ld", i);
  // Touching a fresh page is a zero fill.
  char *z = sbrk(PGSIZE);
  tl_vmstat(&vs[6]);
  z[1] = 1;
  tl_vmstat(&vs[7]);
  check(vs[7].fault_zero == vs[6].fault_zero + 1, "zero fill: fault_zero +%lu", vs[7].fault_zero - vs[6].fault_zero);
}

// ---------------------------------------------------------------- ASIDs

#define AR_BATCH 8
#define AR_LPAGES 16

static void
t_asidroll(void)
{
  int ctl[2];
  char c;
  memset(vs, 0, sizeof(vs));
  tl_vmstat(&vs[0]);
  // vmstat.h: the pool holds 1 << asid_bits ASIDs. A large pool can't be
  // exhausted by a test; the harness boots memtests with bootargs asids=4.
  unsigned long ab = vs[0].asid_bits;
  check(ab <= 6, "asid_bits = %lu (pool 1 << asid_bits): too big to roll over; boot with bootargs asids=4", ab);
  long pool = 1L << ab;
  int nspawn = 3 * pool + 8;
  if (nspawn < 24)
    nspawn = 24;

  // The long-lived process: keeps rewriting and checking its memory.
  expect_ok(pipe(ctl));
  int lp = xfork();
  if (lp == 0) {
    close(ctl[1]);
    uint64 *m = heap_pages(AR_LPAGES);
    for (int round = 0;; round++) {
      fill_pages(m, AR_LPAGES, 10 + round);
      for (int k = 0; k < 4; k++) {
        for (int rep = 0; rep < 10; rep++)
          for (long i = 0; i < AR_LPAGES; i++)
            for (long j = 0; j < CG_WORDS; j += 7)
              if (m[i * CG_WORDS + j] != tag(10 + round, i, j))
                fail("long-lived process: round %d page %ld word %ld is 0x%lx", round, i, j,
                     m[i * CG_WORDS + j]);
        sleep(1);
      }
      if (read(ctl[0], &c, 1) != 1)
        exit(0);
    }
  }
  close(ctl[0]);

  int spawned = 0;
  while (spawned < nspawn) {
    int kids[AR_BATCH];
    write(ctl[1], "x", 1);
    for (int k = 0; k < AR_BATCH; k++) {
      kids[k] = xfork();
      if (kids[k] == 0) {
        uint64 *m = heap_pages(4);
        int me = getpid();
        for (int round = 0; round < 3; round++) {
          fill_pages(m, 4, me * 8 + round);
          sleep(1);
          for (long i = 0; i < 4; i++)
            for (long j = 0; j < CG_WORDS; j++)
              if (m[i * CG_WORDS + j] != tag(me * 8 + round, i, j))
                fail("short-lived pid %d: page %ld word %ld is 0x%lx", me, i, j, m[i * CG_WORDS + j]);
        }
        exit(0);
      }
    }
    for (int k = 0; k < AR_BATCH; k++) {
      int st = 0x7777;
      int w = wait(&st);
      check(w != lp, "the long-lived process exited early (status %d)", st);
      check(w > 0 && st == 0, "short-lived child %d: status %d", w, st);
    }
    spawned += AR_BATCH;
  }
  close(ctl[1]);
  check(wait_pid(lp) == 0, "the long-lived process saw wrong memory");
  tl_vmstat(&vs[1]);
  check(vs[1].asid_generation > vs[0].asid_generation,
        "%d processes with a pool of %ld ASIDs: asid_generation stayed %lu", nspawn + 1, pool,
        vs[1].asid_generation);
}

// ---------------------------------------------------------------- boundaries

static const char ro_str[] = "rodata";

static void
t_boundaries(void)
{
  uint64 sbottom = tl_heap0 - USERSTACK * PGSIZE;
  uint64 sp = r_sp();
  check(sp >= sbottom && sp < tl_heap0, "sp %p not in the stack [%p, %p)", (void *)sp,
        (void *)sbottom, (void *)tl_heap0);
  uint64 dend = PGROUNDUP((uint64)end);
  check(sbottom == dend + PGSIZE, "layout: stack at %p, want data end %p + one guard page",
        (void *)sbottom, (void *)dend);

  // Text: from vmmap, the region holding this function.
  int n = vmmap(getpid(), regs, NELEM(regs));
  check(n > 0, "vmmap: %s", strerror(errno));
  uint64 tstart = 0, tend = 0;
  for (int i = 0; i < n; i++)
    if (regs[i].start <= (uint64)t_boundaries && (uint64)t_boundaries < regs[i].end) {
      tstart = regs[i].start;
      tend = regs[i].end;
    }
  check(tstart == USERBASE, "text region starts at %p, want %p", (void *)tstart, (void *)USERBASE);

  // Null guard.
  expect_killed_at("load at 0", probe_load, 0);
  expect_killed_at("load from the last byte below USERBASE", probe_load, USERBASE - 1);
  expect_killed_at("store to the last byte below USERBASE", probe_store, USERBASE - 1);
  // Text: readable to its last byte, never writable.
  expect_alive_at("load the first byte of text", probe_load, USERBASE);
  expect_alive_at("load the last byte of text", probe_load, tend - 1);
  expect_killed_at("store to the last byte of text", probe_store, tend - 1);
  expect_killed_at("store to rodata", probe_store, (uint64)ro_str);
  // Data and bss: writable up to the end of the last page, then the guard.
  expect_alive_at("store to the last byte of bss", probe_loadstore, (uint64)end - 1);
  expect_alive_at("store to the last byte of the data page", probe_loadstore, dend - 1);
  expect_killed_at("load from the first byte after data", probe_load, dend);
  expect_killed_at("load from the last byte of the guard page", probe_load, sbottom - 1);
  expect_killed_at("store to one byte below the stack", probe_store, sbottom - 1);
  expect_alive_at("store to the stack bottom", probe_loadstore, sbottom);
  expect_killed_at("jump to the stack", probe_exec, sbottom);
  // Heap: sbrk(0)-1 is there, sbrk(0) is not.
  uint64 brk = align_break();
  check(sbrk(2 * PGSIZE) != (char *)-1, "sbrk: %s", strerror(errno));
  brk += 2 * PGSIZE;
  expect_alive_at("store to sbrk(0)-1", probe_loadstore, brk - 1);
  expect_alive_at("store to the heap start", probe_loadstore, brk - 2 * PGSIZE);
  expect_killed_at("load from sbrk(0)", probe_load, brk);
  expect_killed_at("store to sbrk(0)", probe_store, brk);
  expect_killed_at("jump to the heap", probe_exec, brk - PGSIZE);
  // The top of user space.
  expect_killed_at("load from just below TRAPFRAME", probe_load, TRAPFRAME - 1);
  expect_killed_at("store to TRAPFRAME", probe_store, TRAPFRAME);
  expect_killed_at("store to the last byte of TRAPFRAME", probe_store, TRAMPOLINE - 1);
  expect_killed_at("store to TRAMPOLINE", probe_store, TRAMPOLINE);
  expect_killed_at("store to MAXVA-1", probe_store, MAXVA - 1);
  expect_killed_at("load at MAXVA", probe_load, MAXVA);
  expect_killed_at("store at MAXVA", probe_store, MAXVA);
  expect_killed_at("load, non-canonical", probe_load, BAD_NONCANON);
  expect_killed_at("load from the kernel half", probe_load, BAD_KVA);
  expect_killed_at("load from the kernel image", probe_load, BAD_KERNEL);
  expect_killed_at("store to the kernel image", probe_store, BAD_KERNEL);
  expect_killed_at("jump to the kernel image", probe_exec, BAD_KERNEL);
  expect_killed_at("load from the last page", probe_load, BAD_TOP);
}

// ---------------------------------------------------------------- table

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "cow3gen", t_cow3gen },
  { "cowahead", t_cowahead },
  { "cowshrink", t_cowshrink },
  { "bigfork", t_bigfork },
  { "cowcopyout", t_cowcopyout },
  { "forkstorm", t_forkstorm },
  { "forkkill", t_forkkill },
  { "execfree", t_execfree },
  { "lazysbrk", t_lazysbrk },
  { "sbrkbad", t_sbrkbad },
  { "oomkill", t_oomkill },
  { "vmstatcow", t_vmstatcow },
  { "asidroll", t_asidroll },
  { "boundaries", t_boundaries },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
