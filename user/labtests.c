// labtests: tests for the course labs (docs/labs/): trace (the syscall
// lab), pgtprint and the page at USYSCALL (the pgtbl lab), the two
// halves of copy-on-write fork (the cow lab), ASID generations (the tlb
// lab, booted with asids=4). The labs are also graded
// with subtests of memtests, mmaptests and dyntests (tools/grade.py). A failure says where in the
// kernel the missing piece goes.
#include "user/testlib.h"

// ---------------------------------------------------------------- syscall

// trace(mask) returns the previous mask.
static void
t_trace_mask(void)
{
  int r = trace(0x12);
  check(r == 0, "trace(0x12) returned %d (%s), want the old mask 0: "
        "write sys_trace in kernel/proc/sysproc.c", r, r < 0 ? strerror(errno) : "");
  r = trace(1 << 16);
  check(r == 0x12, "trace(1 << 16) returned %d, want the previous mask 0x12 (kernel/proc/sysproc.c sys_trace)", r);
  r = trace(0);
  check(r == 1 << 16, "trace(0) returned %d, want 0x10000 (kernel/proc/sysproc.c sys_trace)", r);
}

// A child inherits the mask (fork), and keeps it across exec.
static void
t_trace_fork(void)
{
  check(trace(1 << SYS_getpid) >= 0, "trace: %s (kernel/proc/sysproc.c sys_trace)", strerror(errno));
  int pid = xfork();
  if (pid == 0)
    exit(trace(0) == 1 << SYS_getpid ? 0 : 7);
  int st = wait_pid(pid);
  check(st == 0, "the child's mask is not its parent's: copy it in kernel/proc/proc.c fork");
  pid = xfork();
  if (pid == 0) {
    char *argv[] = { "labtests", "--tracemask", 0 };
    exec(tl_self, argv);
    exit(8);
  }
  st = wait_pid(pid);
  check(st == 0, "after exec the mask is gone (status %d): exec must keep it", st);
  check(trace(0) == 1 << SYS_getpid, "the parent's mask changed");
}

// ---------------------------------------------------------------- pgtbl

static char pt[64 * 1024];

// The caller's (or pid's) page table as text, NUL-terminated.
static int
pgt(int pid)
{
  int n = pgtprint(pid, pt, sizeof(pt) - 1);
  if (n < 0)
    fail("pgtprint(%d): %s (kernel/mm/ptdump.c sys_pgtprint)", pid, strerror(errno));
  if (n > (int)sizeof(pt) - 1)
    fail("pgtprint(%d): %d bytes, more than the %d expected", pid, n, (int)sizeof(pt) - 1);
  pt[n] = 0;
  return n;
}

// Where needle first occurs in line l (up to its newline), or 0.
static char *
in_line(char *l, const char *needle)
{
  int k = strlen(needle);
  for (; *l && *l != '\n'; l++)
    if (strncmp(l, needle, k) == 0)
      return l;
  return 0;
}

// The leaf line for va in pt[], or 0.
static char *
leaf(uint64 va)
{
  static char needle[40];
  snprintf(needle, sizeof(needle), "va %p ", (void *)PGROUNDDOWN(va));
  for (char *l = pt; *l; ) {
    if (in_line(l, needle))
      return l;
    char *e = strchr(l, '\n');
    l = e ? e + 1 : l + strlen(l);
  }
  return 0;
}

// The rights field ("r-xu-") and reference count of va's leaf line.
static void
leaf_info(uint64 va, char rights[6], int *ref)
{
  char *l = leaf(va);
  if (!l)
    fail("no leaf line for va %p in:\n%s\n(kernel/mm/ptdump.c dump_table)", (void *)va, pt);
  char *pa = in_line(l, " pa 0x");
  check(pa, "leaf line without a pa: %.80s", l);
  char *r = pa + 6;
  while ((*r >= '0' && *r <= '9') || (*r >= 'a' && *r <= 'f'))
    r++;
  check(*r == ' ', "leaf line: %.80s", l);
  memmove(rights, r + 1, 5);
  rights[5] = 0;
  char *f = r + 6;
  check(strncmp(f, " ref ", 5) == 0, "leaf line without \"ref N\": %.80s", l);
  *ref = atoi(f + 5);
}

static int
count_prefix(const char *prefix)
{
  int n = 0, k = strlen(prefix);
  for (char *l = pt; *l; ) {
    if (strncmp(l, prefix, k) == 0 && l[k] >= '0' && l[k] <= '9')
      n++;
    char *e = strchr(l, '\n');
    l = e ? e + 1 : l + strlen(l);
  }
  return n;
}

// The caller's own table: three levels, text, data and stack leaves with
// their rights, the header.
static void
t_pgt_self(void)
{
  static int data = 1;
  data++;
  pgt(0);
  char want[40];
  snprintf(want, sizeof(want), "page table of pid %d", getpid());
  check(strncmp(pt, want, strlen(want)) == 0, "the text starts %.60s, want \"%s\"", pt, want);
  check(count_prefix(" ..") >= 1 && count_prefix(" .. ..") >= 1 && count_prefix(" .. .. ..") >= 3,
        "want lines at all three levels (\" ..N:\", \" .. ..N:\", \" .. .. ..N:\"; kernel/mm/ptdump.c "
        "dump_table), got:\n%s", pt);
  char rights[6];
  int ref;
  leaf_info((uint64)t_pgt_self, rights, &ref);
  check(strcmp(rights, "r-xu-") == 0, "text page rights %s, want r-xu-", rights);
  leaf_info((uint64)&data, rights, &ref);
  check(strcmp(rights, "rw-u-") == 0, "data page rights %s, want rw-u- (written, private)", rights);
  check(ref == 1, "a written private data page has ref %d, want 1", ref);
  volatile int local = 0;
  leaf_info((uint64)&local, rights, &ref);
  check(strcmp(rights, "rw-u-") == 0, "stack page rights %s, want rw-u-", rights);
  check(!leaf(0) && !leaf(USERBASE - PGSIZE), "a leaf below USERBASE (the null guard)");
}

// Another process's table: the frames it shares with us show ref > 1
// and copy-on-write; its USYSCALL page is its own.
static void
t_pgt_shared(void)
{
  int ctl[2];
  char c;
  char *heap = sbrk(PGSIZE);
  check(heap != (char *)-1, "sbrk: %s", strerror(errno));
  heap = (char *)PGROUNDUP((uint64)heap);
  if ((uint64)sbrk(0) < (uint64)heap + PGSIZE)
    sbrk(PGSIZE);
  heap[0] = 1;
  expect_ok(pipe(ctl));
  int pid = xfork();
  if (pid == 0) {
    close(ctl[1]);
    read(ctl[0], &c, 1);
    exit(heap[0] == 1 ? 0 : 1);
  }
  // The child's table while it lives; the checks come after it is gone,
  // so that a failure leaves no child behind.
  int n = pgtprint(pid, pt, sizeof(pt) - 1);
  int err = errno;
  write(ctl[1], "x", 1);
  close(ctl[0]);
  close(ctl[1]);
  int st = wait_pid(pid);
  check(n >= 0, "pgtprint(%d): %s (kernel/mm/ptdump.c sys_pgtprint)", pid, strerror(err));
  check(n < (int)sizeof(pt) - 1, "pgtprint(%d): %d bytes, more than expected", pid, n);
  pt[n] = 0;
  check(st == 0, "the child saw another heap value");
  char want[40];
  snprintf(want, sizeof(want), "page table of pid %d", pid);
  check(strncmp(pt, want, strlen(want)) == 0, "pgtprint(%d) starts %.60s, want \"%s\"", pid, pt, want);
  char rights[6], urights[6];
  int ref, uref;
  leaf_info((uint64)heap, rights, &ref);
  check(ref >= 2, "a heap page the child shares with its parent has ref %d, want >= 2", ref);
  check(strcmp(rights, "r--uc") == 0, "the shared heap page has rights %s, want r--uc (copy-on-write)", rights);
  leaf_info(USYSCALL, urights, &uref);
  check(strcmp(urights, "r--u-") == 0 && uref == 1, "the child's USYSCALL page: %s ref %d, want r--u- ref 1",
        urights, uref);
  char childpa[24];
  snprintf(childpa, sizeof(childpa), "%.22s", in_line(leaf(USYSCALL), " pa 0x"));
  pgt(0);
  char *l = leaf(USYSCALL);
  check(l && !in_line(l, childpa), "parent and child map the same frame at USYSCALL (%s): "
        "fork must give the child its own (kernel/mm/aspace.c as_map_usys)", childpa);
}

// Bad arguments: no such pid, a short buffer, a bad buffer.
static void
t_pgt_args(void)
{
  errno = 0;
  check(pgtprint(1 << 30, pt, sizeof(pt)) == -1 && errno == ESRCH,
        "pgtprint(no such pid): errno %d, want ESRCH", errno);
  int n = pgt(0);
  memset(pt, 'Z', 64);
  int m = pgtprint(0, pt, 10);
  check(m >= n - 200 && m > 10, "pgtprint(0, buf, 10) returned %d, want the whole length (about %d)", m, n);
  check(pt[10] == 'Z' && pt[9] != 'Z', "pgtprint(0, buf, 10) wrote %s10 bytes", pt[10] == 'Z' ? "fewer than " : "past ");
  errno = 0;
  check(pgtprint(0, (char *)BAD_KERNEL, 100) == -1 && errno == EFAULT,
        "pgtprint into the kernel: errno %d, want EFAULT", errno);
  check(pgtprint(0, 0, 0) > 0, "pgtprint(0, 0, 0) must just return the length");
}

// ugetpid reads the page at USYSCALL: right in every process, after fork
// and exec.
static void
usys_mapped(void)
{
  static struct vmregion regs[64];
  int nr = vmmap(0, regs, 64), found = 0;
  for (int i = 0; i < nr && i < 64; i++)
    if (regs[i].start == USYSCALL)
      found = 1;
  check(found, "no region at USYSCALL %p: map the page in kernel/mm/aspace.c as_map_usys",
        (void *)USYSCALL);
}

static void
t_usys_pid(void)
{
  usys_mapped();
  check(ugetpid() == getpid(), "ugetpid() %d, getpid() %d (kernel/mm/aspace.c as_map_usys)",
        ugetpid(), getpid());
  int pid = xfork();
  if (pid == 0)
    exit(ugetpid() == getpid() ? 0 : 5);
  check(wait_pid(pid) == 0, "in a forked child ugetpid() is not its pid (proc.c fork: as_map_usys)");
  pid = xfork();
  if (pid == 0) {
    char *argv[] = { "labtests", "--ugetpid", 0 };
    exec(tl_self, argv);
    exit(8);
  }
  check(wait_pid(pid) == 0, "after exec ugetpid() is not the pid (exec.c: as_map_usys)");
}

// The page is read-only: a store or a jump kills, mprotect cannot raise it.
static void
t_usys_ro(void)
{
  usys_mapped();
  check(ugetpid() == getpid(), "ugetpid() %d, getpid() %d (kernel/mm/aspace.c as_map_usys)",
        ugetpid(), getpid());
  expect_killed_at("store to USYSCALL", probe_store, USYSCALL);
  expect_killed_at("jump to USYSCALL", probe_exec, USYSCALL);
  errno = 0;
  check(mprotect((void *)USYSCALL, PGSIZE, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
        "mprotect(USYSCALL, PROT_WRITE): errno %d, want EACCES (the region's maxprot)", errno);
  check(ugetpid() == getpid(), "ugetpid() changed");
}

// ---------------------------------------------------------------- cow

static struct vmstat vs[4];

// fork of a process with 4 MiB of written heap copies nothing: the pages
// are shared, read-only and copy-on-write, in both processes.
static void
t_cow_share(void)
{
  const long n = 4 * MiB / PGSIZE;
  char *p = (char *)align_break();
  check(sbrk(n * PGSIZE) != (char *)-1, "sbrk: %s", strerror(errno));
  for (long i = 0; i < n; i++)
    p[i * PGSIZE] = i;
  int ctl[2];
  char c;
  expect_ok(pipe(ctl));
  tl_vmstat(&vs[0]);
  int pid = xfork();
  if (pid == 0) {
    read(ctl[0], &c, 1);
    for (long i = 0; i < n; i++)
      if (p[i * PGSIZE] != (char)i)
        exit(3);
    p[0] = 100;        // our own copy now
    exit(0);
  }
  tl_vmstat(&vs[1]);
  write(ctl[1], "x", 1);       // let the child check and go before anything can fail
  close(ctl[0]);
  close(ctl[1]);
  int st = wait_pid(pid);
  long taken = (long)(vs[0].frames_free - vs[1].frames_free);
  check(taken < n / 4, "fork of a process with %ld written pages took %ld frames: share them "
        "copy-on-write in kernel/mm/aspace.c fork_region", n, taken);
  check(vs[1].pages_cow_shared - vs[0].pages_cow_shared >= (unsigned long)n,
        "fork shared %lu pages copy-on-write, want at least %ld (kernel/mm/aspace.c fork_region)",
        vs[1].pages_cow_shared - vs[0].pages_cow_shared, n);
  check(st == 0, "the child did not see the parent's data");
  check(p[0] == 0, "the child's write reached the parent");
}

// Once the other process is gone, a write to a page marked COW takes no
// copy: the frame is ours alone.
static void
t_cow_reuse(void)
{
  char *p = (char *)align_break();
  check(sbrk(PGSIZE) != (char *)-1, "sbrk: %s", strerror(errno));
  p[0] = 1;
  int pid = xfork();
  if (pid == 0)
    exit(0);
  check(wait_pid(pid) == 0, "child");
  tl_vmstat(&vs[2]);
  p[0] = 2;
  tl_vmstat(&vs[3]);
  check(vs[3].fault_cow_reuse == vs[2].fault_cow_reuse + 1 && vs[3].fault_cow_copy == vs[2].fault_cow_copy,
        "a write to a COW page nobody else maps: copy +%lu reuse +%lu, want +0 +1 "
        "(kernel/mm/fault.c fault_cow)", vs[3].fault_cow_copy - vs[2].fault_cow_copy,
        vs[3].fault_cow_reuse - vs[2].fault_cow_reuse);
  check(vs[3].frames_free == vs[2].frames_free, "that write took %ld frames (kernel/mm/fault.c fault_cow)",
        (long)(vs[2].frames_free - vs[3].frames_free));
}

// ---------------------------------------------------------------- tlb

// With a pool of 4 ASIDs (boot with asids=4), 16 processes alive at once
// each get an ASID and run again after the others did: the generation
// must roll over, and each must still see its own memory.
static void
t_asid_gen(void)
{
  enum { NKIDS = 16 };
  tl_vmstat(&vs[0]);
  check(vs[0].asid_bits <= 8, "a pool of %lu ASIDs: boot with bootargs asids=4", vs[0].asid_bits);
  int go[2], ready[2];
  char c;
  expect_ok(pipe(go));
  expect_ok(pipe(ready));
  int pids[NKIDS];
  for (int k = 0; k < NKIDS; k++) {
    pids[k] = xfork();
    if (pids[k] == 0) {
      close(go[1]);
      close(ready[0]);
      volatile int *m = (volatile int *)sbrk(PGSIZE);
      *m = getpid();
      write(ready[1], "r", 1);
      if (read(go[0], &c, 1) != 1)       // one byte each: every child runs again
        exit(4);
      exit(*m == getpid() ? 0 : 5);
    }
  }
  close(go[0]);
  close(ready[1]);
  for (int k = 0; k < NKIDS; k++)
    check(read(ready[0], &c, 1) == 1, "a child died before it wrote its page");
  for (int k = 0; k < NKIDS; k++)
    write(go[1], "g", 1);
  close(go[1]);
  close(ready[0]);
  for (int k = 0; k < NKIDS; k++) {
    int st = wait_pid(pids[k]);
    check(st == 0, "child %d: status %d (%s)", k, st, st == 5 ? "its memory changed under it" : "died");
  }
  tl_vmstat(&vs[1]);
  check(vs[1].asid_generation >= vs[0].asid_generation + 2,
        "%d processes with a pool of %lu ASIDs: asid_generation went from %lu to %lu "
        "(kernel/mm/tlb.c tlb_switch)", NKIDS, vs[0].asid_bits, vs[0].asid_generation,
        vs[1].asid_generation);
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "trace_mask", t_trace_mask },
  { "trace_fork", t_trace_fork },
  { "pgt_self", t_pgt_self },
  { "pgt_shared", t_pgt_shared },
  { "pgt_args", t_pgt_args },
  { "usys_pid", t_usys_pid },
  { "usys_ro", t_usys_ro },
  { "cow_share", t_cow_share },
  { "cow_reuse", t_cow_reuse },
  { "asid_gen", t_asid_gen },
};

int
main(int argc, char *argv[])
{
  // helper modes, after exec
  if (argc == 2 && strcmp(argv[1], "--tracemask") == 0)
    exit(trace(0) == 1 << SYS_getpid ? 0 : 9);
  if (argc == 2 && strcmp(argv[1], "--ugetpid") == 0)
    exit(ugetpid() == getpid() ? 0 : 9);
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
