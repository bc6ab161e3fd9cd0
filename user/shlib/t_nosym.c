// t_nosym: needs nosym_fn from libnosym.so, but the installed libnosym.so
// lacks it: the dynamic loader must refuse to run it with one line
// "ld.so: ..." naming the symbol, and exit status 127.
#include "kernel/types.h"
#include "user/user.h"

int nosym_fn(void);

int
main(void)
{
  printf("t_nosym: ran, nosym_fn() = %d\n", nosym_fn());
  return 0;
}
