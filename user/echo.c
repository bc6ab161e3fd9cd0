// echo ARG...: print the arguments separated by spaces, then a newline.
// The whole line goes out in one write() so that it cannot be split by
// another process writing at the same time.
#include "kernel/types.h"
#include "user/user.h"

static char line[4096];

int
main(int argc, char *argv[])
{
  int n = 0;

  for (int i = 1; i < argc; i++) {
    int len = strlen(argv[i]);
    if (n + len + 1 > sizeof(line)) {
      // Longer than the buffer (cannot happen with exec's limits): flush.
      if (write(1, line, n) != n)
        goto fail;
      n = 0;
      if (write(1, argv[i], len) != len)
        goto fail;
    } else {
      memmove(line + n, argv[i], len);
      n += len;
    }
    line[n++] = i + 1 < argc ? ' ' : '\n';
  }
  if (argc < 2)
    line[n++] = '\n';
  if (write(1, line, n) != n)
    goto fail;
  return 0;

fail:
  fprintf(2, "echo: write error: %s\n", strerror(errno));
  return 1;
}
