// libt2.so: a test library (see t_two.c). Linked at the same preferred
// base as libt1.so. Like libt1, it exports a function and a variable, keeps
// a pointer to its own data, and calls into libc.so.
#include "kernel/types.h"
#include "user/user.h"
#include "user/shlib/tlib.h"

int t2_counter = 2;
static const char t2_tag[] = "libt2.";
const char *t2_name = t2_tag;     // a data relocation

int
t2_get(void)
{
  return t2_counter * 100 + strlen(t2_name);
}

void
t2_set(int v)
{
  t2_counter = v;
}

// A function of the library's own (static: reached PC-relatively).
static void
here(void)
{
}

// Where this library's text is, as the library itself sees it.
uint64
t2_where(void)
{
  return (uint64)&here;
}
