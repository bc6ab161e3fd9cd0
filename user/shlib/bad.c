// The body of the broken test libraries (libbadhdr.so, libtrunc.so,
// libbadrel.so, libunkrel.so) and of libmissing.so, which is never
// installed. corrupt.py damages the copies that go into the image.
//
// bad_ptr holds the address of the library's own data: that is a dynamic
// relocation (R_RISCV_RELATIVE) for corrupt.py to spoil.
#include "kernel/types.h"
#include "user/user.h"

static int bad_var = 5;
int *bad_ptr = &bad_var;

int
bad_fn(void)
{
  return *bad_ptr + strlen("x");
}
