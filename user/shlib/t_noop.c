// t_noop: a dynamically linked program that does nothing: bench's exec_dyn
// row runs it. (Also linked with a missing interpreter as t_nointerp.)
int
main(void)
{
  return 0;
}
