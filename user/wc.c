// wc [FILE...]: count lines, words and bytes, printed as
// "lines words bytes name" (the standard input has an empty name).
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

static char buf[4096];
static long tl, tw, tc;   // totals

static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static int
count(int fd, const char *name)
{
  long l = 0, w = 0, c = 0;
  int inword = 0, n;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    c += n;
    for (int i = 0; i < n; i++) {
      if (buf[i] == '\n')
        l++;
      if (isspace(buf[i])) {
        inword = 0;
      } else if (!inword) {
        inword = 1;
        w++;
      }
    }
  }
  if (n < 0) {
    fprintf(2, "wc: %s: %s\n", *name ? name : "standard input",
            strerror(errno));
    return -1;
  }
  printf("%ld %ld %ld %s\n", l, w, c, name);
  tl += l;
  tw += w;
  tc += c;
  return 0;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2)
    return count(0, "") < 0;

  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: cannot open %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (count(fd, argv[i]) < 0)
      status = 1;
    close(fd);
  }
  if (argc > 2)
    printf("%ld %ld %ld total\n", tl, tw, tc);
  return status;
}
