// ls [PATH...]: list files. One line per file, as on xv6:
//   name type inode size
// with the name padded to DIRSIZ and type 1 = directory, 2 = file,
// 3 = device. A directory argument lists its entries.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

static char path[MAXPATH + DIRSIZ + 2];

// The last element of a path.
static const char *
basename(const char *p)
{
  const char *last = p;
  for (; *p; p++)
    if (*p == '/' && p[1] != 0)
      last = p + 1;
  return last;
}

static void
show(const char *name, struct stat *st)
{
  printf("%-*s %d %u %lu\n", DIRSIZ, name, st->type, st->ino, st->size);
}

static int
list(const char *arg)
{
  struct stat st;
  int fd = open(arg, O_RDONLY);

  if (fd < 0) {
    fprintf(2, "ls: cannot open %s: %s\n", arg, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s: %s\n", arg, strerror(errno));
    close(fd);
    return -1;
  }
  if (st.type != T_DIR) {
    show(basename(arg), &st);
    close(fd);
    return 0;
  }

  int len = strlen(arg);
  if (len + 1 + DIRSIZ + 1 > sizeof(path)) {
    fprintf(2, "ls: %s: path too long\n", arg);
    close(fd);
    return -1;
  }
  strcpy(path, arg);
  if (len > 0 && path[len - 1] != '/')
    path[len++] = '/';

  struct dirent de;
  int n, status = 0;
  while ((n = read(fd, &de, sizeof(de))) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    char name[DIRSIZ + 1];
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    strcpy(path + len, name);
    if (stat(path, &st) < 0) {
      fprintf(2, "ls: cannot stat %s: %s\n", path, strerror(errno));
      status = -1;
      continue;
    }
    show(name, &st);
  }
  if (n < 0) {
    fprintf(2, "ls: %s: %s\n", arg, strerror(errno));
    status = -1;
  }
  close(fd);
  return status;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2)
    return list(".") < 0;
  for (int i = 1; i < argc; i++)
    if (list(argv[i]) < 0)
      status = 1;
  return status;
}
