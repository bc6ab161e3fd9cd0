// stat(path): fstat on a freshly opened file descriptor.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return -1;
  int r = fstat(fd, st);
  int saved = errno;
  close(fd);
  errno = saved;
  return r;
}
