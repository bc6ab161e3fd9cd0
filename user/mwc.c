// mwc FILE [WINDOW_BYTES]: count lines, words and bytes of FILE like wc,
// but read it through a memory mapping instead of read(). The file is
// looked at through a window of WINDOW_BYTES (default 1 MiB, rounded up to
// whole pages) that slides along it: map the window at a page-aligned
// offset, scan it, unmap it, map the next one. A word that straddles two
// windows is counted once, because the scanner's state ("inside a word")
// carries over from one window to the next.
//
// The output line is the same as wc's: "lines words bytes name".
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define DEFAULT_WINDOW (1024L * 1024L)

// The same notion of white space as wc.
static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static void
usage(void)
{
  fprintf(2, "usage: mwc FILE [WINDOW_BYTES]\n");
  exit(1);
}

// A positive decimal number, or -1.
static long
parse_size(const char *s)
{
  long v = 0;
  if (*s == 0)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    v = v * 10 + (*s - '0');
    if (v > (1L << 40))
      return -1;
  }
  return v > 0 ? v : -1;
}

int
main(int argc, char *argv[])
{
  if (argc < 2 || argc > 3)
    usage();
  const char *name = argv[1];
  long window = DEFAULT_WINDOW;
  if (argc == 3) {
    window = parse_size(argv[2]);
    if (window < 0) {
      fprintf(2, "mwc: bad window size '%s'\n", argv[2]);
      usage();
    }
  }
  window = PGROUNDUP(window);

  int fd = open(name, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "mwc: cannot open %s: %s\n", name, strerror(errno));
    return 1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    fprintf(2, "mwc: %s: %s\n", name, strerror(errno));
    return 1;
  }
  if (st.type != T_FILE) {
    fprintf(2, "mwc: %s: not a regular file\n", name);
    return 1;
  }
  long size = (long)st.size;

  long l = 0, w = 0;
  int inword = 0;
  for (long off = 0; off < size; off += window) {
    long len = size - off < window ? size - off : window;
    char *p = mmap(0, len, PROT_READ, MAP_SHARED, fd, off);
    if (p == MAP_FAILED) {
      fprintf(2, "mwc: %s: mmap of %ld bytes at offset %ld: %s\n", name, len,
              off, strerror(errno));
      return 1;
    }
    for (long i = 0; i < len; i++) {
      char c = p[i];
      if (c == '\n')
        l++;
      if (isspace(c)) {
        inword = 0;
      } else if (!inword) {
        inword = 1;
        w++;
      }
    }
    if (munmap(p, len) < 0) {
      fprintf(2, "mwc: %s: munmap: %s\n", name, strerror(errno));
      return 1;
    }
  }
  close(fd);
  printf("%ld %ld %ld %s\n", l, w, size, name);
  return 0;
}
