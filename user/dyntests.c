// dyntests: shared libraries and the dynamic loader (/lib/ld.so).
//
//   dyntests            run every subtest
//   dyntests NAME...    run only these
//
// The programs it runs (fixtures in /t/) are always dynamically linked (user/shlib/, built
// whatever the Makefile's DYNAMIC says): t_wait (libc.so only), t_one
// (libt2.so), t_two (libt1.so and libt2.so, which have the same preferred
// base, so ld.so must move one), the broken-input programs t_badhdr,
// t_trunc, t_badrel, t_unkrel, t_nolib, t_nosym, and t_nointerp (its
// PT_INTERP names /lib/nold.so). See user/testlib.h for the runner and
// the leak check.
#include "user/testlib.h"

#define NSHARE 20                     // processes in t_share20
#define KFRAMES 10                    // kernel frames per process, at most (t_share20)

static struct vmregion regs[64];      // vmmap() results
static char out[1024];                // a program's output
static int pids[NSHARE];

// ---------------------------------------------------------------- helpers

// Start path with argv in a child: stdin from infd, stdout and stderr to
// outfd (-1: inherited), every other descriptor closed (so that the child
// sees EOF on its stdin pipe when we close our end).
static int
spawn(char *path, char **argv, int infd, int outfd)
{
  int pid = xfork();
  if (pid == 0) {
    if (infd >= 0) {
      close(0);
      dup(infd);
    }
    if (outfd >= 0) {
      close(1);
      dup(outfd);
      close(2);
      dup(outfd);
    }
    for (int fd = 3; fd < NOFILE; fd++)
      close(fd);
    exec(path, argv);
    fail("exec %s: %s", path, strerror(errno));
  }
  return pid;
}

// Run path with argv, its stdout and stderr going to a file, which is read
// back into out[] (NUL-terminated). Returns the exit status. Its stdin is
// an empty pipe, so a program that waits for EOF does not wait.
static int
run_capture(char *path, char **argv)
{
  char name[16];
  int in[2];
  snprintf(name, sizeof(name), "/dyo%d", getpid());
  int fd = expect_ok(open(name, O_CREATE | O_WRONLY | O_TRUNC));
  expect_ok(pipe(in));
  close(in[1]);
  int pid = spawn(path, argv, in[0], fd);
  close(in[0]);
  close(fd);
  int st = wait_pid(pid);
  fd = expect_ok(open(name, O_RDONLY));
  int n = 0, r;
  while (n < (int)sizeof(out) - 1 && (r = read(fd, out + n, sizeof(out) - 1 - n)) > 0)
    n += r;
  out[n] = 0;
  close(fd);
  expect_ok(unlink(name));
  return st;
}

static int
count_lines(const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

// Does s contain t?
static int
contains(const char *s, const char *t)
{
  int n = strlen(t);
  for (; *s; s++)
    if (strncmp(s, t, n) == 0)
      return 1;
  return 0;
}

// Read from fd until n lines have come (fail at EOF).
static void
read_lines(int fd, int n, const char *what)
{
  static char buf[512];
  int got = 0, len = 0;
  while (got < n) {
    int r = read(fd, buf + len, sizeof(buf) - 1 - len);
    if (r <= 0) {
      buf[len] = 0;
      fail("%s: only %d of %d ready lines came (output: %s)", what, got, n, buf);
    }
    for (int i = len; i < len + r; i++)
      got += buf[i] == '\n';
    len += r;
    if (len >= (int)sizeof(buf) - 1)
      len = 0;    // only the count matters
  }
}

static uint
file_ino(const char *path)
{
  struct stat st;
  expect_ok(stat(path, &st));
  return st.ino;
}

// Pages of the executable PT_LOAD segments of an ELF file.
static long
text_pages(const char *path)
{
  struct {
    uint magic; uchar ident[12]; ushort type, machine; uint version;
    uint64 entry, phoff, shoff; uint flags;
    ushort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
  } eh;
  struct {
    uint type, flags; uint64 off, vaddr, paddr, filesz, memsz, align;
  } ph;
  long pages = 0;
  int fd = expect_ok(open(path, O_RDONLY));
  check(read(fd, &eh, sizeof(eh)) == sizeof(eh) && eh.magic == 0x464C457F &&
        eh.phentsize == sizeof(ph), "%s: not an ELF file", path);
  for (int i = 0; i < eh.phnum; i++) {
    expect_ok(lseek(fd, eh.phoff + i * sizeof(ph), SEEK_SET));
    check(read(fd, &ph, sizeof(ph)) == sizeof(ph), "%s: short program headers", path);
    if (ph.type == 1 && (ph.flags & 1))   // PT_LOAD, PF_X
      pages += (PGROUNDUP(ph.vaddr + ph.memsz) - PGROUNDDOWN(ph.vaddr)) / PGSIZE;
  }
  close(fd);
  return pages;
}

// The executable region of process pid mapping the file with inode ino.
static struct vmregion *
text_region(int pid, uint ino, const char *what)
{
  int n = vmmap(pid, regs, NELEM(regs));
  check(n > 0, "vmmap(%d): %s", pid, strerror(errno));
  for (int i = 0; i < n && i < NELEM(regs); i++)
    if (regs[i].ino == ino && (regs[i].prot & VMR_EXEC))
      return &regs[i];
  fail("pid %d: no executable region of %s", pid, what);
}

// Private pages of process pid: resident, not shared with another space.
static long
private_pages(int pid)
{
  long p = 0;
  int n = vmmap(pid, regs, NELEM(regs));
  check(n > 0, "vmmap(%d): %s", pid, strerror(errno));
  for (int i = 0; i < n && i < NELEM(regs); i++)
    p += regs[i].resident - regs[i].shared;
  return p;
}

static long
frames_used(void)
{
  struct vmstat vs;
  tl_vmstat(&vs);
  return (long)vs.frames_used;
}

// ---------------------------------------------------------------- tests

// Twenty processes running a dynamically linked program share libc's text:
// in each, the pages of libc.so's text region are all shared, and the
// twenty together cost far fewer frames than twenty copies of what each
// one maps.
static void
t_share20(void)
{
  char *argv[] = { "t_wait", 0 };
  uint ino = file_ino("/lib/libc.so");
  long tpages = text_pages("/lib/libc.so");
  check(tpages > 0, "/lib/libc.so has no text");

  // Once alone: its file pages come into the page cache, and we learn
  // what one process maps.
  check(run_capture("/t/t_wait", argv) == 0, "t_wait failed: %s", out);

  int in[2], rd[2];
  long before = frames_used();
  expect_ok(pipe(in));
  expect_ok(pipe(rd));
  for (int i = 0; i < NSHARE; i++)
    pids[i] = spawn("/t/t_wait", argv, in[0], rd[1]);
  close(in[0]);
  close(rd[1]);
  read_lines(rd[0], NSHARE, "t_wait");
  long used = frames_used() - before;

  // libc's text in two of them: every resident page is shared.
  long mapped = 0, priv = 0;
  for (int k = 0; k < NSHARE; k += NSHARE - 1) {
    struct vmregion *r = text_region(pids[k], ino, "/lib/libc.so");
    check(r->resident > 0, "pid %d: libc text %p-%p has no resident page", pids[k],
          (void *)r->start, (void *)r->end);
    check(r->resident == r->shared, "pid %d: libc text %p-%p: %d resident pages, %d shared",
          pids[k], (void *)r->start, (void *)r->end, r->resident, r->shared);
    mapped += r->resident;
    priv += private_pages(pids[k]);
  }
  mapped /= 2;
  priv /= 2;
  // Twenty statically linked programs would each hold their own copy of
  // libc's text (tpages each). Shared, it costs nothing per process: the
  // twenty cost their private pages plus the kernel's frames for them
  // (page-table pages, kernel stack, trap frame: KFRAMES is a generous
  // bound), and no copies on top.
  long copies = NSHARE * tpages;
  long kernel = used - NSHARE * priv;
  snprintf(tl_line, sizeof(tl_line),
           "  share20: %d processes: +%ld frames: %ld private pages each, %ld.%ld kernel frames"
           " each; libc text %ld pages, %ld resident and shared in each (%d copies: %ld frames)\n",
           NSHARE, used, priv, kernel / NSHARE, kernel % NSHARE * 10 / NSHARE, tpages, mapped,
           NSHARE, copies);
  tl_puts(tl_line);
  check(used < NSHARE * (priv + KFRAMES),
        "%d processes used %ld frames: more than their private pages (%ld each) and %d kernel"
        " frames each", NSHARE, used, priv, KFRAMES);

  close(in[1]);
  for (int i = 0; i < NSHARE; i++) {
    int st = wait_pid(pids[i]);
    check(st == 0, "t_wait pid %d exited with status %d", pids[i], st);
  }
  close(rd[0]);
}

// Parse "NAME preferred 0x.. actual 0x.." for name; fail if missing.
static void
ldd_line(const char *s, const char *name, uint64 *pref, uint64 *act)
{
  int n = strlen(name);
  for (const char *l = s; *l; ) {
    if (strncmp(l, name, n) == 0 && l[n] == ' ') {
      const char *p = l + n;
      uint64 v[2] = { 0, 0 };
      for (int k = 0; k < 2; k++) {
        while (*p && *p != '\n' && !(p[0] == '0' && p[1] == 'x'))
          p++;
        check(p[0] == '0' && p[1] == 'x', "ldd: bad line for %s: %s", name, l);
        for (p += 2;; p++) {
          int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
          if (d < 0)
            break;
          v[k] = v[k] * 16 + d;
        }
      }
      *pref = v[0];
      *act = v[1];
      return;
    }
    while (*l && *l != '\n')
      l++;
    if (*l)
      l++;
  }
  fail("ldd printed no line for %s: %s", name, s);
}

// Two libraries with the same preferred base: t_two works, ldd shows one
// of them moved, and t_one (libt2.so at its preferred base) shares libt2's
// text pages with a t_two that has it elsewhere.
static void
t_samebase(void)
{
  char *two[] = { "t_two", 0 };
  int st = run_capture("/t/t_two", two);
  check(st == 0, "t_two: status %d: %s", st, out);
  check(contains(out, "t1_get 105 t2_get 206"), "t_two printed: %s", out);

  char *ldd[] = { "ldd", "/t/t_two", 0 };
  st = run_capture("/ldd", ldd);
  check(st == 0, "ldd /t_two: status %d: %s", st, out);
  uint64 p1, a1, p2, a2, pc, ac;
  ldd_line(out, "libt1.so", &p1, &a1);
  ldd_line(out, "libt2.so", &p2, &a2);
  ldd_line(out, "libc.so", &pc, &ac);
  check(p1 == 0x3D00000000UL && p2 == 0x3D00000000UL,
        "preferred bases %p and %p, want 0x3D00000000", (void *)p1, (void *)p2);
  check(pc == 0x3F00100000UL, "libc.so preferred base %p, want 0x3F00100000", (void *)pc);
  check((a1 == p1) + (a2 == p2) == 1, "want exactly one of libt1.so (at %p) and libt2.so"
        " (at %p) moved", (void *)a1, (void *)a2);
  check(a1 != a2, "libt1.so and libt2.so both at %p", (void *)a1);

  // t_two and t_one at once.
  char *twow[] = { "t_two", "-wait", 0 };
  char *onew[] = { "t_one", "-wait", 0 };
  int in[2], rd[2];
  expect_ok(pipe(in));
  expect_ok(pipe(rd));
  int ptwo = spawn("/t/t_two", twow, in[0], rd[1]);
  int pone = spawn("/t/t_one", onew, in[0], rd[1]);
  close(in[0]);
  close(rd[1]);
  read_lines(rd[0], 2, "t_two -wait, t_one -wait");
  uint ino = file_ino("/lib/libt2.so");
  struct vmregion r2 = *text_region(ptwo, ino, "/lib/libt2.so");
  struct vmregion r1 = *text_region(pone, ino, "/lib/libt2.so");
  close(in[1]);
  check(wait_pid(ptwo) == 0, "t_two -wait failed");
  check(wait_pid(pone) == 0, "t_one -wait failed");
  close(rd[0]);

  snprintf(tl_line, sizeof(tl_line), "  samebase: libt2 text at %p in t_two (%d resident,"
           " %d shared), at %p in t_one (%d, %d)\n", (void *)r2.start, r2.resident, r2.shared,
           (void *)r1.start, r1.resident, r1.shared);
  tl_puts(tl_line);
  check(r1.start != r2.start, "libt2.so's text at %p in both t_one and t_two", (void *)r1.start);
  check(r1.start >= 0x3D00000000UL && r1.start < 0x3D00000000UL + 0x100000UL,
        "t_one: libt2.so's text at %p, not at its preferred base", (void *)r1.start);
  check(r1.resident > 0 && r2.resident > 0, "libt2 text not resident (%d, %d)",
        r1.resident, r2.resident);
  check(r1.resident == r1.shared && r2.resident == r2.shared,
        "libt2 text not shared: t_one %d resident %d shared, t_two %d resident %d shared",
        r1.resident, r1.shared, r2.resident, r2.shared);
}

// Library data is private: two t_two set their own counters at once.
static void
t_private(void)
{
  char a[] = "111", b[] = "222";
  char *argv1[] = { "t_two", "-set", a, 0 };
  char *argv2[] = { "t_two", "-set", b, 0 };
  int in[2], rd[2];
  expect_ok(pipe(in));
  expect_ok(pipe(rd));
  int p1 = spawn("/t/t_two", argv1, in[0], rd[1]);
  int p2 = spawn("/t/t_two", argv2, in[0], rd[1]);
  close(in[0]);
  close(rd[1]);
  read_lines(rd[0], 2, "t_two -set");   // both have set their values
  close(in[1]);                         // now each checks its own
  int s1 = wait_pid(p1), s2 = wait_pid(p2);
  int n = 0, r;
  while (n < (int)sizeof(out) - 1 && (r = read(rd[0], out + n, sizeof(out) - 1 - n)) > 0)
    n += r;
  out[n] = 0;
  close(rd[0]);
  check(s1 == 0 && s2 == 0, "t_two -set: status %d and %d; output: %s", s1, s2, out);
  check(contains(out, "t1_counter 111 t2_counter 112") &&
        contains(out, "t1_counter 222 t2_counter 223"), "t_two -set printed: %s", out);
}

// fork of a dynamically linked process: the child calls the libraries.
static void
t_fork(void)
{
  char *argv[] = { "t_two", "-fork", 0 };
  int st = run_capture("/t/t_two", argv);
  check(st == 0, "t_two -fork: status %d: %s", st, out);
  check(contains(out, "child t1_get 705 t2_get 806") && contains(out, "fork ok"),
        "t_two -fork printed: %s", out);
}

// A broken input: exactly one line "ld.so: ...", mentioning what, and
// exit status 127.
static void
bad_input(char *prog, const char *what)
{
  char *argv[] = { prog + 1, 0 };
  int st = run_capture(prog, argv);
  check(st == 127, "%s: exit status %d, want 127; output: %s", prog, st, out);
  check(count_lines(out) == 1 && strncmp(out, "ld.so: ", 7) == 0 &&
        out[strlen(out) - 1] == '\n',
        "%s: want one line \"ld.so: ...\", got: %s", prog, out);
  check(contains(out, what), "%s: the message does not name %s: %s", prog, what, out);
}

static void t_badhdr(void) { bad_input("/t/t_badhdr", "libbadhdr.so"); }
static void t_trunc(void) { bad_input("/t/t_trunc", "libtrunc.so"); }
static void t_badrel(void) { bad_input("/t/t_badrel", "libbadrel.so"); }
static void t_unkrel(void) { bad_input("/t/t_unkrel", "libunkrel.so"); }
static void t_nolib(void) { bad_input("/t/t_nolib", "libmissing.so"); }
static void t_nosym(void) { bad_input("/t/t_nosym", "nosym_fn"); }

// PT_INTERP names a file that does not exist: exec fails with ENOENT.
static void
t_nointerp(void)
{
  char *argv[] = { "t_nointerp", 0 };
  int pid = xfork();
  if (pid == 0) {
    errno = 0;
    int r = exec("/t/t_nointerp", argv);
    if (r != -1 || errno != ENOENT)
      fail("exec /t_nointerp: got %d errno %d (%s), want -1 ENOENT", r, errno, strerror(errno));
    exit(0);
  }
  check(wait_pid(pid) == 0, "exec /t_nointerp did not fail with ENOENT");
}

// ldd: a static program is "not a dynamic executable" (status 1); a
// dynamic one lists its libraries.
static void
t_ldd(void)
{
  char *s[] = { "ldd", "/t/sh_static", 0 };
  int st = run_capture("/ldd", s);
  check(st == 1, "ldd /sh_static: status %d, want 1: %s", st, out);
  check(strcmp(out, "/t/sh_static: not a dynamic executable\n") == 0,
        "ldd /sh_static printed: %s", out);

  char *d[] = { "ldd", "/t/t_one", 0 };
  st = run_capture("/ldd", d);
  check(st == 0, "ldd /t_one: status %d: %s", st, out);
  uint64 p, a;
  ldd_line(out, "libt2.so", &p, &a);
  check(p == 0x3D00000000UL && a == p, "ldd /t_one: libt2.so preferred %p actual %p, want"
        " both 0x3D00000000", (void *)p, (void *)a);
  ldd_line(out, "libc.so", &p, &a);
  check(p == 0x3F00100000UL && a == p, "ldd /t_one: libc.so preferred %p actual %p, want"
        " both 0x3F00100000", (void *)p, (void *)a);
}

// Private pages (resident, not shared) of an object in process pid: its
// regions of the file with inode ino and the anonymous region right
// after them (its bss).
static long
private_of(int pid, uint ino)
{
  long p = 0;
  uint64 end = 0;
  int n = vmmap(pid, regs, NELEM(regs));
  check(n > 0, "vmmap(%d): %s", pid, strerror(errno));
  for (int i = 0; i < n && i < NELEM(regs); i++)
    if (regs[i].ino == ino || (regs[i].ino == 0 && regs[i].start == end)) {
      p += regs[i].resident - regs[i].shared;
      end = regs[i].ino ? regs[i].end : 0;
    }
  return p;
}

// What a dynamically linked program costs beyond a static one, per
// process, once ld.so is done. Page tables: ld.so, libc.so and the usys
// page are placed in one 2 MiB range (kernel/memlayout.h), so the process
// has no more page-table pages than a static program (two for its low
// range, two for the high one). Private copies: libc.so needs no
// relocation for its own use and ld.so keeps its variables in the page
// exec made private, so each owns a single private page (the one where
// its file data ends and its bss begins, which the bss clearing copies).
static void
t_lean(void)
{
  static char pt[4096];
  char *argv[] = { "t_wait", 0 };
  int in[2], rd[2];
  expect_ok(pipe(in));
  expect_ok(pipe(rd));
  int pid = spawn("/t/t_wait", argv, in[0], rd[1]);
  close(in[0]);
  close(rd[1]);
  read_lines(rd[0], 1, "t_wait");

  int n = pgtprint(pid, pt, sizeof(pt) - 1);
  check(n > 0 && n < (int)sizeof(pt) - 1, "pgtprint(%d): %d", pid, n);
  pt[n] = 0;
  int tables = 0;
  for (char *l = pt; *l; l++)
    tables += strncmp(l, " pte ", 5) == 0;
  check(tables == 4, "t_wait has %d page-table pages below its root, want 4:\n%s", tables, pt);

  long libc = private_of(pid, file_ino("/lib/libc.so"));
  long ldso = private_of(pid, file_ino("/lib/ld.so"));
  check(libc == 1 && ldso == 1, "t_wait: %ld private pages of libc.so, %ld of ld.so, want 1 and 1",
        libc, ldso);

  close(in[1]);
  check(wait_pid(pid) == 0, "t_wait failed");
  close(rd[0]);
}

// ---------------------------------------------------------------- table

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "share20", t_share20 },
  { "samebase", t_samebase },
  { "private", t_private },
  { "fork", t_fork },
  { "badhdr", t_badhdr },
  { "trunc", t_trunc },
  { "badrel", t_badrel },
  { "unkrel", t_unkrel },
  { "nolib", t_nolib },
  { "nosym", t_nosym },
  { "nointerp", t_nointerp },
  { "ldd", t_ldd },
  { "lean", t_lean },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
