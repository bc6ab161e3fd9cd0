// libnosym.so: t_nosym is linked against a libnosym.so with nosym_fn
// (built with -DWITH_NOSYM_FN); the image holds one without it, so the
// dynamic loader cannot find the symbol.
int
nosym_other(void)
{
  return 1;
}

#ifdef WITH_NOSYM_FN
int
nosym_fn(void)
{
  return 2;
}
#endif
