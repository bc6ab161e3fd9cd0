// ldd PROG: list the shared libraries a dynamically linked program uses,
// and where they go.
//
// ldd reads PROG's program headers itself: a program without PT_INTERP is
// static ("PROG: not a dynamic executable", exit 1). Otherwise it runs
// PROG with the arguments { PROG, "--ld-list" }: the dynamic loader sees
// "--ld-list", loads and relocates the libraries without running the
// program, prints one line per library
//
//   NAME preferred 0x... actual 0x...
//
// (the preferred base address it was linked at, and where it went) and
// exits 0. ldd's exit status is the loader's.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

// The parts of the ELF-64 headers ldd reads.
#define ELF_MAGIC  0x464C457FU   // "\x7fELF", little-endian
#define PT_INTERP  3

struct elfhdr {
  uint   magic;
  uchar  ident[12];
  ushort type, machine;
  uint   version;
  uint64 entry, phoff, shoff;
  uint   flags;
  ushort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct proghdr {
  uint   type, flags;
  uint64 off, vaddr, paddr, filesz, memsz, align;
};

// 1: PROG has PT_INTERP; 0: it has not; -1: not an ELF file we can read
// (a message has been printed).
static int
is_dynamic(const char *prog)
{
  struct elfhdr eh;
  struct proghdr ph;
  int fd = open(prog, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "ldd: %s: %s\n", prog, strerror(errno));
    return -1;
  }
  if (read(fd, &eh, sizeof(eh)) != sizeof(eh) || eh.magic != ELF_MAGIC ||
      eh.phentsize != sizeof(ph)) {
    fprintf(2, "ldd: %s: not an ELF file\n", prog);
    close(fd);
    return -1;
  }
  int found = 0;
  for (int i = 0; i < eh.phnum && !found; i++) {
    if (lseek(fd, eh.phoff + (uint64)i * sizeof(ph), SEEK_SET) < 0 ||
        read(fd, &ph, sizeof(ph)) != sizeof(ph)) {
      fprintf(2, "ldd: %s: program headers cut short\n", prog);
      close(fd);
      return -1;
    }
    if (ph.type == PT_INTERP)
      found = 1;
  }
  close(fd);
  return found;
}

int
main(int argc, char *argv[])
{
  if (argc != 2) {
    fprintf(2, "usage: ldd PROG\n");
    exit(2);
  }
  char *prog = argv[1];
  int dyn = is_dynamic(prog);
  if (dyn < 0)
    exit(1);
  if (dyn == 0) {
    printf("%s: not a dynamic executable\n", prog);
    exit(1);
  }

  int pid = fork();
  if (pid < 0) {
    fprintf(2, "ldd: fork: %s\n", strerror(errno));
    exit(1);
  }
  if (pid == 0) {
    char *args[] = { prog, "--ld-list", 0 };
    exec(prog, args);
    fprintf(2, "ldd: exec %s: %s\n", prog, strerror(errno));
    exit(1);
  }
  int st = 1;
  if (wait(&st) != pid)
    st = 1;
  exit(st);
}
