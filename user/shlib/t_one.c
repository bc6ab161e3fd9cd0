// t_one: a program using only libt2.so, which it gets at its preferred
// base (0x3D00000000). Used by dyntests beside t_two, which has libt2.so
// moved: the two must still share its text pages.
//
//   t_one          check libt2, print one line; exit 0 if right
//   t_one -wait    check, print "ready", then wait for EOF on stdin
#include "kernel/types.h"
#include "user/user.h"
#include "user/shlib/tlib.h"

static char line[200];

int
main(int argc, char **argv)
{
  if (t2_counter != 2 || t2_get() != 2 * 100 + T2_LEN || strcmp(t2_name, "libt2.") != 0) {
    printf("t_one: FAIL t2_counter %d t2_get %d\n", t2_counter, t2_get());
    exit(1);
  }
  if (argc == 2 && strcmp(argv[1], "-wait") == 0) {
    char c;
    write(1, "ready\n", 6);
    while (read(0, &c, 1) == 1)
      ;
    exit(0);
  }
  snprintf(line, sizeof(line), "t_one: t2_get %d libt2 at %p\n", t2_get(), (void *)t2_where());
  write(1, line, strlen(line));
  exit(0);
}
