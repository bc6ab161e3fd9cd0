// t_two: a program using two libraries linked at the same preferred base
// (libt1.so and libt2.so, both at 0x3D00000000), so the dynamic loader
// must move one of them (libt2.so: libt1.so is needed first). Used by
// dyntests.
//
//   t_two          check both libraries, print one line; exit 0 if right
//   t_two -wait    check, print "ready", then wait for EOF on stdin
//   t_two -set N   set t1_counter = N, t2_counter = N + 1, print "set N",
//                  wait for EOF on stdin, then check that the values are
//                  still ours (library data is private to the process)
//   t_two -fork    fork; the child changes the libraries' data and calls
//                  them; the parent's data must be unchanged
#include "kernel/types.h"
#include "user/user.h"
#include "user/shlib/tlib.h"

static char line[200];

static void
fail(const char *why, long got, long want)
{
  printf("t_two: FAIL %s: got %ld, want %ld\n", why, got, want);
  exit(1);
}

// The libraries' answers must agree with counters c1, c2.
static void
check(int c1, int c2)
{
  if (t1_counter != c1)
    fail("t1_counter", t1_counter, c1);
  if (t2_counter != c2)
    fail("t2_counter", t2_counter, c2);
  if (t1_get() != c1 * 100 + T1_LEN)
    fail("t1_get()", t1_get(), c1 * 100 + T1_LEN);
  if (t2_get() != c2 * 100 + T2_LEN)
    fail("t2_get()", t2_get(), c2 * 100 + T2_LEN);
  if (strcmp(t1_name, "libt1") != 0 || strcmp(t2_name, "libt2.") != 0)
    fail("library names (data relocations)", 0, 1);
  if (t1_where() == t2_where())
    fail("both libraries at one address", t1_where(), 0);
}

static void
wait_eof(void)
{
  char c;
  while (read(0, &c, 1) == 1)
    ;
}

int
main(int argc, char **argv)
{
  check(1, 2);
  if (argc == 1) {
    snprintf(line, sizeof(line), "t_two: t1_get %d t2_get %d t1_counter %d t2_counter %d"
             " libt1 at %p libt2 at %p\n", t1_get(), t2_get(), t1_counter, t2_counter,
             (void *)t1_where(), (void *)t2_where());
    write(1, line, strlen(line));
    exit(0);
  }
  if (argc == 2 && strcmp(argv[1], "-wait") == 0) {
    write(1, "ready\n", 6);
    wait_eof();
    check(1, 2);
    exit(0);
  }
  if (argc == 3 && strcmp(argv[1], "-set") == 0) {
    int n = atoi(argv[2]);
    t1_set(n);
    t2_set(n + 1);
    check(n, n + 1);
    snprintf(line, sizeof(line), "set %d\n", n);
    write(1, line, strlen(line));
    wait_eof();
    check(n, n + 1);
    snprintf(line, sizeof(line), "t_two: t1_counter %d t2_counter %d\n", t1_counter, t2_counter);
    write(1, line, strlen(line));
    exit(0);
  }
  if (argc == 2 && strcmp(argv[1], "-fork") == 0) {
    int pid = fork();
    if (pid < 0)
      fail("fork", pid, 0);
    if (pid == 0) {
      t1_set(7);
      t2_set(8);
      check(7, 8);
      snprintf(line, sizeof(line), "t_two: child t1_get %d t2_get %d\n", t1_get(), t2_get());
      write(1, line, strlen(line));
      exit(0);
    }
    int st = -2;
    if (wait(&st) != pid || st != 0)
      fail("child status", st, 0);
    check(1, 2);
    printf("t_two: fork ok\n");
    exit(0);
  }
  printf("usage: t_two [-wait | -set N | -fork]\n");
  exit(2);
}
