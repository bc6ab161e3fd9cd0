// init: the first user process.
//
// The kernel runs /init with argv {"init", 0} for an interactive boot, or
// {"init", CMDLINE, 0} when the boot arguments carried a command line. If
// init ever exits (it cannot be killed: kill(1) fails with EPERM, but it
// may fault), the kernel reports it and runs /init again in the same
// process (pid 1) with {"init", "--restarted", 0}: an interactive start.
//
// init is linked statically (STATIC_PROGS in the Makefile), so that a
// damaged /lib/libc.so or /lib/ld.so cannot stop it.
//
// init opens the console as fds 0, 1 and 2, then
//  - with a command line: runs "sh -c CMDLINE", waits for it and powers
//    the machine off with the shell's exit status (make run, make test);
//  - otherwise: runs an interactive sh, and starts a new one whenever it
//    exits.
// When /sh cannot run at all (exit status 127, e.g. because its
// libraries are damaged), init runs the rescue
// shell /rescue/sh instead: the same shell, statically linked, from
// which /lib can be repaired.
// Meanwhile it reaps orphans: every process whose parent exits becomes
// a child of init, and init's wait() collects it.
//
// For the tests: the command line "--exit-for-test N" makes init exit
// with status N, to show that the kernel restarts it. Only the boot
// arguments can ask for it.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE 1   // major device number of the console
#define SH      "/sh"
#define RESCUE  "/rescue/sh"

static int
start_sh(const char *path, char **argv)
{
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "init: fork failed: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    exec(path, argv);
    fprintf(2, "init: exec %s failed: %s\n", path, strerror(errno));
    exit(127);
  }
  return pid;
}

// Wait for pid, reaping any orphan that exits first. Returns pid's exit
// status, or -1 if there is nothing to wait for.
static int
wait_for(int pid)
{
  for (;;) {
    int status;
    int w = wait(&status);
    if (w == pid)
      return status;
    if (w < 0)
      return -1;
  }
}

int
main(int argc, char *argv[])
{
  if (open("console", O_RDWR) < 0) {
    mknod("console", CONSOLE, 0);
    if (open("console", O_RDWR) < 0)
      exit(1);   // nowhere to report it; the kernel restarts us
  }
  dup(0);      // stdout
  dup(0);      // stderr

  int restarted = argc >= 2 && strcmp(argv[1], "--restarted") == 0;
  if (argc >= 3 && strcmp(argv[1], "--exit-for-test") == 0)
    exit(atoi(argv[2]));
  if (argc == 2 && strncmp(argv[1], "--exit-for-test ", 16) == 0)
    exit(atoi(argv[1] + 16));

  if (argc >= 2 && !restarted) {
    char *sh_argv[] = { "sh", "-c", argv[1], 0 };
    int status = -1;
    int pid = start_sh(SH, sh_argv);
    if (pid > 0)
      status = wait_for(pid);
    shutdown(status);
    fprintf(2, "init: shutdown failed: %s\n", strerror(errno));
    for (;;)          // nothing else to do: keep reaping
      if (wait(0) < 0)
        sleep(100);
  }

  if (restarted)
    printf("init: restarted\n");
  int rescue = 0;   // run the rescue shell next
  for (;;) {
    const char *path = rescue ? RESCUE : SH;
    // argv[0] is the path: it tells the rescue shell that it is one.
    char *sh_argv[] = { (char *)path, 0 };
    printf("init: starting %s\n", path);
    int pid = start_sh(path, sh_argv);
    if (pid < 0) {
      sleep(10);
      continue;
    }
    int status = wait_for(pid);
    // 127: the shell could not run (exec failed, or ld.so could not load
    // its libraries). Fall back to the static rescue shell, and try /sh
    // again after the rescue shell exits. (A user's "exit 127" also gets
    // the rescue shell once: harmless.)
    rescue = status == 127 && !rescue;
    if (rescue)
      printf("init: %s cannot run (status 127); starting the rescue shell %s\n", SH, RESCUE);
  }
}
