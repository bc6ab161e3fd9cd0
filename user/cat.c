// cat [FILE...]: copy each file (or the standard input) to the standard
// output.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "user/user.h"

static char buf[4096];

// Copy fd to the standard output; 0 on success.
static int
copy(int fd, const char *name)
{
  int n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (int off = 0; off < n; ) {
      int w = write(1, buf + off, n - off);
      if (w <= 0) {
        fprintf(2, "cat: write error: %s\n", strerror(errno));
        return -1;
      }
      off += w;
    }
  }
  if (n < 0) {
    fprintf(2, "cat: %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2)
    return copy(0, "standard input") < 0;

  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: cannot open %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    // read() of a directory returns its raw entries: refuse, as POSIX
    // cat does (EISDIR).
    struct stat st;
    if (fstat(fd, &st) == 0 && st.type == T_DIR) {
      fprintf(2, "cat: %s: %s\n", argv[i], strerror(EISDIR));
      status = 1;
      close(fd);
      continue;
    }
    if (copy(fd, argv[i]) < 0)
      status = 1;
    close(fd);
  }
  return status;
}
