// logtests: the file system log's admission order and its disk flushes
// (kernel/fs/log.c, docs/book/10-fs.md).
//
//   fifo   three writers append one byte per write() (one transaction
//          each, back to back) while three others create, write, close and
//          unlink small files (four transactions per round). Each counts
//          its transactions. begin_op admits in ticket order, so a writer
//          waiting in begin_op is passed by at most the operations queued
//          before it, and everyone keeps up. The test counts operations,
//          not time: when the busiest writer has done OPS transactions,
//          every writer must have done OPS / 20 (about OPS / 2 are
//          expected). With every waiter woken in no order (before), whoever
//          had just ended an operation came straight back and found the
//          room before the woken waiters ran: one kind of writer got 100
//          times more done than the other. Also: vmstat's log_overtaken_max
//          stays below NPROC.
//   flush  commits are deferred: 20 appends in a row share a few commits
//          (not one each), fsync commits the rest, and every commit sends
//          four FLUSH requests, when the disk offers FLUSH (QEMU's
//          virtio-blk does).
//   fsync  fsync(fd) of a file or directory returns 0; a bad or closed
//          descriptor is EBADF, a pipe or the console EINVAL.
#include "user/testlib.h"

#define NHOT 3
#define NCOLD 3
#define OPS 240          // transactions of the busiest writer
#define MIN_OPS (OPS / 20) // ... and of every other writer meanwhile

// Shared with the writers: their counts, and "stop".
struct board {
  volatile int stop;
  volatile int count[NHOT + NCOLD];
};

static struct board *board_map(void)
{
  void *p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == (void *)-1)
    fail("mmap shared anonymous: %s", strerror(errno));
  memset(p, 0, PGSIZE);
  return p;
}

static void hot(struct board *b, int i)
{
  char name[16];
  snprintf(name, sizeof(name), "lt_hot%d", i);
  int fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    fail("open %s: %s", name, strerror(errno));
  while (!b->stop) {
    xwrite(fd, "h", 1);
    b->count[i] += 1;
    if (b->count[i] >= OPS)
      b->stop = 1;
  }
  close(fd);
  unlink(name);
  exit(0);
}

static void cold(struct board *b, int i)
{
  static char buf[512];
  char name[16];
  snprintf(name, sizeof(name), "lt_cold%d", i);
  memset(buf, 'c', sizeof(buf));
  while (!b->stop) {
    int fd = open(name, O_CREATE | O_WRONLY);
    if (fd < 0)
      fail("open %s: %s", name, strerror(errno));
    xwrite(fd, buf, sizeof(buf));
    close(fd);
    if (unlink(name) < 0)
      fail("unlink %s: %s", name, strerror(errno));
    b->count[NHOT + i] += 4;
    if (b->count[NHOT + i] >= OPS)
      b->stop = 1;
  }
  exit(0);
}

static void t_fifo(void)
{
  struct board *b = board_map();
  // Cold writers first: they are the ones that starved.
  for (int i = 0; i < NCOLD; i++)
    if (xfork() == 0)
      cold(b, i);
  for (int i = 0; i < NHOT; i++)
    if (xfork() == 0)
      hot(b, i);
  wait_all(0);

  int max = 0;
  for (int i = 0; i < NHOT + NCOLD; i++)
    if (b->count[i] > max)
      max = b->count[i];
  printf("fifo: transactions of the appenders %d %d %d, of the creators %d %d %d\n",
         b->count[0], b->count[1], b->count[2], b->count[3], b->count[4], b->count[5]);
  for (int i = 0; i < NHOT + NCOLD; i++)
    check(b->count[i] >= MIN_OPS, "writer %d did %d transactions while another did %d "
          "(want at least %d)", i, b->count[i], max, MIN_OPS);

  struct vmstat st;
  expect_ok(vmstat(&st));
  printf("fifo: log_waits %lu log_overtaken_max %lu\n", st.log_waits, st.log_overtaken_max);
  check(st.log_overtaken_max < NPROC, "a begin_op waited while %lu operations were admitted",
        st.log_overtaken_max);
  munmap(b, PGSIZE);
}

static void t_flush(void)
{
  struct vmstat a, z;
  int fd = open("lt_flush", O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    fail("open: %s", strerror(errno));
  expect_ok(fsync(fd));
  expect_ok(vmstat(&a));
  for (int i = 0; i < 20; i++)
    xwrite(fd, "0123456789", 10);
  expect_ok(fsync(fd));
  expect_ok(vmstat(&z));
  close(fd);
  expect_ok(unlink("lt_flush"));
  unsigned long commits = z.log_commits - a.log_commits;
  unsigned long flushes = z.disk_flushes - a.disk_flushes;
  printf("flush: 20 appends and fsync: %lu commits, %lu flushes\n", commits, flushes);
  check(commits >= 1, "fsync after 20 appends committed nothing");
  check(commits < 20, "%lu commits for 20 appends: one each, not deferred", commits);
  check(flushes == 4 * commits, "%lu flushes for %lu commits, want 4 each", flushes, commits);
}

static void t_fsync(void)
{
  int fd = open("lt_fsync", O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0)
    fail("open: %s", strerror(errno));
  xwrite(fd, "0123456789", 10);
  expect_ok(fsync(fd));
  int dir = open(".", O_RDONLY);
  if (dir < 0)
    fail("open .: %s", strerror(errno));
  expect_ok(fsync(dir));
  close(dir);
  close(fd);
  expect_err(fsync(fd), EBADF);
  expect_err(fsync(-1), EBADF);
  expect_err(fsync(NOFILE), EBADF);
  int p[2];
  expect_ok(pipe(p));
  expect_err(fsync(p[0]), EINVAL);
  expect_err(fsync(p[1]), EINVAL);
  close(p[0]);
  close(p[1]);
  expect_err(fsync(1), EINVAL);   // the console
  expect_ok(unlink("lt_fsync"));
}

struct test { const char *name; void (*fn)(void); } tests[] = {
  { "fifo", t_fifo },
  { "flush", t_flush },
  { "fsync", t_fsync },
};

int
main(int argc, char *argv[])
{
  tl_init(argc, argv);
  exit(TL_RUN(tests, argc, argv));
}
