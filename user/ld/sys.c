// System calls for ld.so.
//
// ld.so cannot use the C library (it is what loads the C library), so it
// makes its own system calls: the number in a7, arguments in a0..a5,
// `ecall`, and the result back in a0. Pagoda returns -errno on failure,
// so a result in [-4095, -1] is an error; nothing here touches errno.
#include "user/ld/ld.h"
#include "kernel/syscall.h"

static long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
  register long a0 asm("a0") = a;
  register long a1 asm("a1") = b;
  register long a2 asm("a2") = c;
  register long a3 asm("a3") = d;
  register long a4 asm("a4") = e;
  register long a5 asm("a5") = f;
  register long a7 asm("a7") = n;
  asm volatile("ecall"
               : "+r"(a0)
               : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
               : "memory");
  return a0;
}

long sys_open(const char *path, int flags)
{
  return syscall6(SYS_open, (long)path, flags, 0, 0, 0, 0);
}

long sys_read(int fd, void *buf, uint64 n)
{
  return syscall6(SYS_read, fd, (long)buf, n, 0, 0, 0);
}

long sys_write(int fd, const void *buf, uint64 n)
{
  return syscall6(SYS_write, fd, (long)buf, n, 0, 0, 0);
}

long sys_close(int fd)
{
  return syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
}

long sys_fstat(int fd, void *st)
{
  return syscall6(SYS_fstat, fd, (long)st, 0, 0, 0, 0);
}

long sys_lseek(int fd, long off, int whence)
{
  return syscall6(SYS_lseek, fd, off, whence, 0, 0, 0);
}

long sys_mmap(uint64 addr, uint64 len, int prot, int flags, int fd, uint64 off)
{
  return syscall6(SYS_mmap, addr, len, prot, flags, fd, off);
}

long sys_munmap(uint64 addr, uint64 len)
{
  return syscall6(SYS_munmap, addr, len, 0, 0, 0, 0);
}

long sys_mprotect(uint64 addr, uint64 len, int prot)
{
  return syscall6(SYS_mprotect, addr, len, prot, 0, 0, 0);
}

void sys_exit(int status)
{
  for (;;)
    syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
}
