// init: the first user process.
//
// The kernel runs /init with argv {"init", 0} for an interactive boot, or
// {"init", CMDLINE, 0} when the boot arguments carried a command line.
//
// init opens the console as fds 0, 1 and 2, then
//  - with a command line: runs "sh -c CMDLINE", waits for it and powers
//    the machine off with the shell's exit status (make run, make test);
//  - otherwise: runs an interactive sh, and starts a new one whenever it
//    exits.
// Meanwhile it reaps orphans: every process whose parent exits becomes
// a child of init, and init's wait() collects it.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE 1   // major device number of the console

static int
start_sh(char **argv)
{
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "init: fork failed: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    exec("/sh", argv);
    fprintf(2, "init: exec sh failed: %s\n", strerror(errno));
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
      exit(1);   // nowhere to report it; the kernel will panic
  }
  dup(0);      // stdout
  dup(0);      // stderr

  if (argc >= 2) {
    char *sh_argv[] = { "sh", "-c", argv[1], 0 };
    int status = -1;
    int pid = start_sh(sh_argv);
    if (pid > 0)
      status = wait_for(pid);
    shutdown(status);
    fprintf(2, "init: shutdown failed: %s\n", strerror(errno));
    for (;;)          // nothing else to do: keep reaping
      if (wait(0) < 0)
        sleep(100);
  }

  for (;;) {
    char *sh_argv[] = { "sh", 0 };
    printf("init: starting sh\n");
    int pid = start_sh(sh_argv);
    if (pid < 0) {
      sleep(10);
      continue;
    }
    wait_for(pid);
  }
}
