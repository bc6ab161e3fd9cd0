// crashwork: the file system workload of the crash test (tests/harness.py
// crash, docs/book/10-fs.md), and the listing the test checks afterwards.
//
//   crashwork SEED NOPS [NW]  run NOPS seeded operations under /cw, with NW
//                             concurrent appenders (at most 4)
//   crashwork -check          list everything under /cw
//
// The host kills QEMU at a random moment while the workload runs, boots
// again with "crashwork -check", and compares what is on the disk with
// what the workload said it had done.
//
// Every operation is a few system calls followed by an fsync (of the file
// written or truncated, else of /cw or /), which returns once everything
// so far is committed (docs/book/10-fs.md: what is
// durable when). So an operation
// whose "done" line the host saw is entirely on the disk. Before starting
// operation N the program has already printed its description, as the
// "next" part of the line that reported N - 1:
//
//   cw start SEED next OP...
//   cw done N next OP...
//   cw finished N
//
// OP is one of (PATH under /cw, V the seed of the bytes written):
//   write PATH OFF LEN V   open (creating), lseek to OFF, write LEN bytes
//   trunc PATH LEN         ftruncate
//   unlink PATH
//   rename SRC DST         unlink DST if it exists, link SRC DST, unlink SRC
//   link SRC DST           a second name
//   mkdir PATH | rmdir PATH
//   none                   (after the last operation)
//
// Byte i of a write with seed V is (V * 7 + i + (i >> 10) * 31) & 0xff, so
// that every block of every write differs from the others.
//
// The appenders: process k appends records of 1 to 8 KiB to /cw/pK (block
// b of the file holds the bytes of seed 1000 * (k + 1) + b) and fsyncs
// after each; what fsync has returned for is noted in a shared page. The
// main process, after each operation, reports what is new there with
// "cw synced K SIZE": every byte below SIZE of /cw/pK is on the disk. So
// the host checks that no fsync that returned before the crash was lost,
// under writers that commit at any moment for each other.
//
// The listing: "cw dir PATH NLINK" and "cw file PATH SIZE CRC32 NLINK INUM"
// for /cw and everything under it (depth first, in directory order), each
// file followed by "cw blocks PATH C0 C1 ..." (the CRC-32 of each 1 KiB
// block, in hex), then "cw listed COUNT".
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"

#define NDIR 4
#define NNAME 5
#define BIGMAX (300 * 1024)

static const char *dirs[NDIR] = { "/cw", "/cw/a", "/cw/b", "/cw/c" };
static char buf[BIGMAX];
static uint64 rs;

static uint rnd(uint n)
{
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (uint)(rs % n);
}

static void die(const char *what, const char *path)
{
  fprintf(2, "crashwork: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

// ---------------------------------------------------------------------------
// Operations

enum { NONE, WRITE, TRUNC, UNLINK, RENAME, LINK, MKDIR, RMDIR };
static const char *opname[] = { "none", "write", "trunc", "unlink", "rename", "link", "mkdir",
                                "rmdir" };

struct op {
  int kind;
  char a[32], b[32];
  uint off, len, v;
};

static void describe(struct op *o, char *s, int n)
{
  switch (o->kind) {
  case WRITE:
    snprintf(s, n, "write %s %d %d %d", o->a, o->off, o->len, o->v);
    break;
  case TRUNC:
    snprintf(s, n, "trunc %s %d", o->a, o->len);
    break;
  case RENAME:
  case LINK:
    snprintf(s, n, "%s %s %s", opname[o->kind], o->a, o->b);
    break;
  case UNLINK:
  case MKDIR:
  case RMDIR:
    snprintf(s, n, "%s %s", opname[o->kind], o->a);
    break;
  default:
    snprintf(s, n, "none");
  }
}

static int exists(const char *path, struct stat *st)
{
  return stat(path, st) == 0;
}

// A random file path in an existing directory.
static void pick_path(char *p)
{
  struct stat st;
  const char *d;
  do
    d = dirs[rnd(NDIR)];
  while (!exists(d, &st));
  snprintf(p, 32, "%s/f%d", d, rnd(NNAME));
}

// A random existing file, or 0 if none was found in a few tries.
static int pick_file(char *p, struct stat *st)
{
  for (int i = 0; i < 20; i++) {
    pick_path(p);
    if (exists(p, st) && st->type == T_FILE)
      return 1;
  }
  return 0;
}

// Choose the next operation; the first ones make the directories.
static void choose(struct op *o, int n)
{
  struct stat st;
  memset(o, 0, sizeof(*o));
  if (n < 3) {
    o->kind = MKDIR;
    strcpy(o->a, dirs[n]);
    return;
  }
  for (;;) {
    uint r = rnd(100);
    if (r < 45) {
      o->kind = WRITE;
      pick_path(o->a);
      uint size = exists(o->a, &st) ? st.size : 0;
      o->off = rnd(2) ? size : rnd(size + 1);
      uint k = rnd(100);
      if (k < 70)
        o->len = 1 + rnd(3000);
      else if (k < 95)
        o->len = 3000 + rnd(40000);
      else
        o->len = 40000 + rnd(BIGMAX - 40000);
      if (o->off + o->len > BIGMAX)
        o->off = 0;
      o->v = rnd(1000000);
      return;
    }
    if (r < 55) {
      if (!pick_file(o->a, &st))
        continue;
      o->kind = TRUNC;
      o->len = rnd(st.size + st.size / 2 + 2);
      return;
    }
    if (r < 68) {
      if (!pick_file(o->a, &st))
        continue;
      o->kind = UNLINK;
      return;
    }
    if (r < 82) {
      if (!pick_file(o->a, &st))
        continue;
      pick_path(o->b);
      if (strcmp(o->a, o->b) == 0)
        continue;
      o->kind = RENAME;
      return;
    }
    if (r < 92) {
      if (!pick_file(o->a, &st))
        continue;
      pick_path(o->b);
      if (exists(o->b, &st))
        continue;
      o->kind = LINK;
      return;
    }
    // The fourth directory comes and goes (only when empty).
    strcpy(o->a, dirs[3]);
    if (!exists(o->a, &st)) {
      o->kind = MKDIR;
      return;
    }
    int fd = open(o->a, O_RDONLY);
    struct dirent de;
    int empty = 1;
    while (fd >= 0 && read(fd, &de, sizeof(de)) == sizeof(de))
      if (de.inum && strcmp(de.name, ".") && strcmp(de.name, ".."))
        empty = 0;
    close(fd);
    if (empty) {
      o->kind = RMDIR;
      return;
    }
  }
}

static void fill(uint v, uint len)
{
  for (uint i = 0; i < len; i++)
    buf[i] = (v * 7 + i + (i >> 10) * 31) & 0xff;
}

// fsync(fd), then close it.
static void sync_close(int fd, const char *path)
{
  if (fsync(fd) < 0)
    die("fsync", path);
  close(fd);
}

// Make a change of the name space durable: fsync the directory.
static void sync_dir(const char *path)
{
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    die("open", path);
  sync_close(fd, path);
}

static void run(struct op *o)
{
  struct stat st;
  int fd;
  switch (o->kind) {
  case WRITE:
    fd = open(o->a, O_CREATE | O_WRONLY);
    if (fd < 0)
      die("open", o->a);
    if (lseek(fd, o->off, SEEK_SET) != o->off)
      die("lseek", o->a);
    fill(o->v, o->len);
    if (write(fd, buf, o->len) != o->len)
      die("write", o->a);
    sync_close(fd, o->a);
    return;
  case TRUNC:
    fd = open(o->a, O_WRONLY);
    if (fd < 0)
      die("open", o->a);
    if (ftruncate(fd, o->len) < 0)
      die("ftruncate", o->a);
    sync_close(fd, o->a);
    return;
  case UNLINK:
  case RMDIR:
    if (unlink(o->a) < 0)
      die("unlink", o->a);
    break;
  case RENAME:
    if (exists(o->b, &st) && unlink(o->b) < 0)
      die("unlink", o->b);
    if (link(o->a, o->b) < 0)
      die("link", o->b);
    if (unlink(o->a) < 0)
      die("unlink", o->a);
    break;
  case LINK:
    if (link(o->a, o->b) < 0)
      die("link", o->b);
    break;
  case MKDIR:
    if (mkdir(o->a) < 0)
      die("mkdir", o->a);
    break;
  }
  sync_dir(strcmp(o->a, "/cw") == 0 ? "/" : "/cw");
}

// ---------------------------------------------------------------------------
// Appenders

#define MAXW 4

struct board {
  volatile int stop;
  volatile uint synced[MAXW];   // bytes of /cw/pK that fsync returned for
};

static struct board *board;

static void appender(int k, int seed)
{
  static char rec[8 * 1024];
  char path[16];
  snprintf(path, sizeof(path), "/cw/p%d", k);
  int fd = open(path, O_CREATE | O_WRONLY);
  if (fd < 0)
    die("open", path);
  rs = 0x2545F4914F6CDD1DULL ^ ((uint64)(seed + k) * 0x100000001B3ULL);
  uint size = 0;
  while (!board->stop && size < BIGMAX) {
    uint n = 1 + rnd(8);
    for (uint b = 0; b < n; b++) {
      uint v = 1000 * (k + 1) + size / 1024 + b;
      for (int i = 0; i < 1024; i++)
        rec[b * 1024 + i] = (v * 7 + i) & 0xff;
    }
    if (write(fd, rec, n * 1024) != (int)(n * 1024))
      die("write", path);
    size += n * 1024;
    if (fsync(fd) < 0)
      die("fsync", path);
    board->synced[k] = size;
  }
  close(fd);
  exit(0);
}

// Report what the appenders' fsyncs have covered since the last report.
static void report_synced(int nw)
{
  static uint told[MAXW];
  for (int k = 0; k < nw; k++) {
    uint s = board->synced[k];
    if (s != told[k]) {
      printf("cw synced %d %d\n", k, s);
      told[k] = s;
    }
  }
}

static void workload(int seed, int nops, int nw)
{
  static struct op cur, next;
  static char desc[96];
  board = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (board == (void *)-1)
    die("mmap", "board");
  memset(board, 0, sizeof(*board));
  rs = 0x9E3779B97F4A7C15ULL ^ ((uint64)seed * 0x100000001B3ULL);
  if (rs == 0)
    rs = 1;
  choose(&next, 0);
  describe(&next, desc, sizeof(desc));
  printf("cw start %d next %s\n", seed, desc);
  for (int n = 1; n <= nops; n++) {
    cur = next;
    run(&cur);
    if (n == 1)   // /cw exists: start the appenders
      for (int k = 0; k < nw; k++)
        if (fork() == 0)
          appender(k, seed);
    report_synced(nw);
    if (n < nops)
      choose(&next, n);
    else
      next.kind = NONE;
    describe(&next, desc, sizeof(desc));
    printf("cw done %d next %s\n", n, desc);
  }
  board->stop = 1;
  for (int k = 0; k < nw; k++)
    wait(0);
  report_synced(nw);
  printf("cw finished %d\n", nops);
}

// ---------------------------------------------------------------------------
// The listing

static uint crc32(uint crc, const char *p, int n)
{
  crc = ~crc;
  for (int i = 0; i < n; i++) {
    crc ^= (uchar)p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1));
  }
  return ~crc;
}

static int listed;

static void list(const char *dir)
{
  struct dirent de;
  struct stat st;
  char path[64];
  int fd = open(dir, O_RDONLY);
  if (fd < 0)
    die("open", dir);
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
      continue;
    char name[DIRSIZ + 1];
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (stat(path, &st) < 0)
      die("stat", path);
    listed++;
    if (st.type == T_DIR) {
      printf("cw dir %s %d\n", path, st.nlink);
      list(path);
      continue;
    }
    int f = open(path, O_RDONLY);
    if (f < 0)
      die("open", path);
    static uint bcrc[MAXFILE];
    uint crc = 0, size = 0, nb = 0;
    int n;
    while (nb < MAXFILE && (n = read(f, buf, 1024)) > 0) {
      crc = crc32(crc, buf, n);
      bcrc[nb++] = crc32(0, buf, n);
      size += n;
    }
    close(f);
    if (size != st.size)
      die("read", path);
    printf("cw file %s %d %u %d %d\n", path, size, crc, st.nlink, st.ino);
    printf("cw blocks %s", path);
    for (uint b = 0; b < nb; b++)
      printf(" %x", bcrc[b]);
    printf("\n");
  }
  close(fd);
}

int
main(int argc, char *argv[])
{
  struct stat st;
  if (argc == 2 && strcmp(argv[1], "-check") == 0) {
    if (exists("/cw", &st)) {
      printf("cw dir /cw %d\n", st.nlink);
      listed++;
      list("/cw");
    }
    printf("cw listed %d\n", listed);
    exit(0);
  }
  int nw = argc == 4 ? atoi(argv[3]) : 0;
  if ((argc != 3 && argc != 4) || nw < 0 || nw > MAXW) {
    fprintf(2, "usage: crashwork SEED NOPS [NW] | crashwork -check\n");
    exit(2);
  }
  workload(atoi(argv[1]), atoi(argv[2]), nw);
  exit(0);
}
