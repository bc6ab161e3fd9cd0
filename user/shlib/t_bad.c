// t_bad: needs one broken library (t_badhdr, t_trunc, t_badrel, t_unkrel)
// or a missing one (t_nolib): the dynamic loader must refuse to run it with
// one line "ld.so: ..." and exit status 127. Should it run anyway, it says
// so and exits 0.
#include "kernel/types.h"
#include "user/user.h"

int bad_fn(void);

int
main(void)
{
  printf("t_bad: ran, bad_fn() = %d\n", bad_fn());
  return 0;
}
