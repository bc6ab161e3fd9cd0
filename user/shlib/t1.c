// libt1.so: a test library (see t_two.c). Linked at the same preferred
// base as libt2.so, so that a program using both needs one relocated.
//
// It exports a function and a variable, keeps a pointer to its own data
// (a relocation that must follow the library if it moves), and calls into
// libc.so (strlen), so it needs libc too.
#include "kernel/types.h"
#include "user/user.h"
#include "user/shlib/tlib.h"

int t1_counter = 1;
static const char t1_tag[] = "libt1";
const char *t1_name = t1_tag;     // a data relocation

int
t1_get(void)
{
  return t1_counter * 100 + strlen(t1_name);
}

void
t1_set(int v)
{
  t1_counter = v;
}

// A function of the library's own (static: reached PC-relatively).
static void
here(void)
{
}

// Where this library's text is, as the library itself sees it.
uint64
t1_where(void)
{
  return (uint64)&here;
}
