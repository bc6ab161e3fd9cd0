// blkcheck: replays a Pagoda disk trace (bootarg blktrace=1,
// kernel/dev/virtio_disk.c) and checks the ordering rules the log's
// commit relies on (kernel/fs/log.c, docs/book/10-fs.md "Checking the order").
//
//   blkcheck [-q] < console-output
//
// Lines that do not start with "BT " are ignored, so a whole console log
// can be piped in. Events, in the order the kernel printed them:
//   BT L start n                  the log: header at block start, then n-1
//                                 log blocks
//   BT W id block nblocks word0   write request id submitted
//   BT F id                       FLUSH request id submitted
//   BT C id                       request id completed
// A line may end with " ~sum", a checksum of the text before it; a line
// whose checksum does not match (user output landed inside it) is
// dropped and counted.
//
// A write is durable at some point of the trace if a FLUSH was submitted
// after the write completed and completed itself before that point: a
// FLUSH covers the writes the device completed before it. The rules:
//   (a) a log header write (the commit record, or the clear) is
//       submitted only when every write submitted before it is durable:
//       log blocks and file data before the commit record, the installs
//       before the clear;
//   (b) after a commit record (a header whose first word, the count, is
//       not 0) and until the next header write, a write outside the log
//       area (an install) is submitted only when the commit record is
//       durable;
//   (c) a write into the log area is submitted only when the last header
//       write (the clear of the previous commit) is durable.
// Exit status: 0 no violation, 1 violations, 2 usage or a trace it
// cannot follow.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXREQ 2000000

struct req {
  char kind;        // 'W', 'F', or 0 (not seen)
  long block, n, word0;
  long submit, done;   // event numbers; done -1 while in flight
  long durable;        // writes: when a FLUSH made it durable; -1 not yet
};

static struct req *reqs;
static long nev;             // events so far (the clock)
static long logstart = -1, logend = -1;
static int quiet;

// Writes not durable yet (ids).
static long *pending;
static long npending;

static long last_header = -1;   // id of the last header write
static long commit_rec = -1;    // id of the commit record in force, or -1
static long violations[3], nwrites, nflushes, ncommits, dropped;

static struct req *get(long id)
{
  if (id < 0 || id >= MAXREQ) {
    fprintf(stderr, "blkcheck: request id %ld out of range\n", id);
    exit(2);
  }
  return &reqs[id];
}

// Is write w durable now?
static int durable(struct req *w)
{
  return w->durable >= 0;
}

static void violation(int rule, long id, const char *why)
{
  violations[rule]++;
  if (!quiet)
    printf("blkcheck: (%c) write %ld (block %ld): %s\n", 'a' + rule, id, get(id)->block, why);
}

static int in_log(struct req *w)
{
  return w->block > logstart && w->block < logend;
}

static void on_write(long id, long block, long n, long word0)
{
  struct req *w = get(id);
  w->kind = 'W';
  w->block = block;
  w->n = n;
  w->word0 = word0;
  w->submit = nev;
  w->done = -1;
  w->durable = -1;
  nwrites++;
  if (logstart < 0)
    return;   // the layout comes first; before it nothing is checked
  if (block == logstart) {
    // (a): everything submitted before is durable.
    if (npending > 0)
      violation(0, id, word0 ? "commit record before an earlier write is durable"
                             : "log cleared before an earlier write is durable");
    last_header = id;
    pending[npending++] = id;
    commit_rec = word0 ? id : -1;
    if (word0)
      ncommits++;
    return;
  }
  pending[npending++] = id;
  if (in_log(w)) {
    if (last_header >= 0 && !durable(get(last_header)))
      violation(2, id, "log block written before the last header write is durable");
    return;
  }
  if (commit_rec >= 0 && !durable(get(commit_rec)))
    violation(1, id, "installed before the commit record is durable");
}

static void on_flush(long id)
{
  struct req *f = get(id);
  f->kind = 'F';
  f->submit = nev;
  f->done = -1;
  nflushes++;
}

static void on_done(long id)
{
  struct req *r = get(id);
  if (!r->kind) {
    fprintf(stderr, "blkcheck: completion of unknown request %ld\n", id);
    exit(2);
  }
  r->done = nev;
  if (r->kind != 'F')
    return;
  // The FLUSH covers every write that completed before it was submitted.
  long k = 0;
  for (long i = 0; i < npending; i++) {
    struct req *w = &reqs[pending[i]];
    if (w->done >= 0 && w->done < r->submit)
      w->durable = nev;
    else
      pending[k++] = pending[i];
  }
  npending = k;
}

// The checksum the kernel appends: sum = sum * 31 + c over the text.
static int checksum_ok(char *line)
{
  char *t = strstr(line, " ~");
  if (!t)
    return 1;
  unsigned sum = 0;
  for (char *c = line; c < t; c++)
    sum = (sum * 31 + (unsigned char)*c) & 0xffff;
  unsigned want;
  if (sscanf(t + 2, "%x", &want) != 1 || want != sum)
    return 0;
  *t = 0;
  return 1;
}

int main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "-q") == 0)
    quiet = 1;
  else if (argc != 1) {
    fprintf(stderr, "usage: blkcheck [-q] < trace\n");
    return 2;
  }
  reqs = calloc(MAXREQ, sizeof(*reqs));
  pending = calloc(MAXREQ, sizeof(long));
  if (!reqs || !pending)
    return 2;
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    char *bt = strstr(line, "BT ");
    if (!bt)
      continue;
    line[strcspn(line, "\r\n")] = 0;
    if (!checksum_ok(bt)) {
      dropped++;
      continue;
    }
    long a, b, c, d;
    nev++;
    if (sscanf(bt, "BT L %ld %ld", &a, &b) == 2) {
      logstart = a;
      logend = a + b;
    } else if (sscanf(bt, "BT W %ld %ld %ld %ld", &a, &b, &c, &d) == 4) {
      on_write(a, b, c, d);
    } else if (sscanf(bt, "BT F %ld", &a) == 1) {
      on_flush(a);
    } else if (sscanf(bt, "BT C %ld", &a) == 1) {
      on_done(a);
    } else {
      dropped++;
    }
  }
  long v = violations[0] + violations[1] + violations[2];
  printf("blkcheck: %ld writes, %ld flushes, %ld commits, %ld lines dropped; "
         "violations (a %ld, b %ld, c %ld)\n", nwrites, nflushes, ncommits, dropped,
         violations[0], violations[1], violations[2]);
  if (logstart < 0) {
    printf("blkcheck: no layout line (BT L): was the kernel booted with blktrace=1?\n");
    return 2;
  }
  return v ? 1 : 0;
}
