// errno, strerror and perror. The system call stubs (usys.S) store the
// error code of a failed call in errno.
#include "kernel/types.h"
#include "user/user.h"

int errno;

// Messages as Linux's C library words them, so that man pages and
// Linux habits apply. The text itself is the table, not pointers to it:
// a pointer in libc.so's data is a relocation that ld.so must write in
// every process, making that data page the process's own copy.
// MSGLEN: the longest message and its NUL. (C drops the NUL of a string
// exactly MSGLEN long without a word: a longer message needs more.)
#define MSGLEN 33   // "Resource temporarily unavailable"
static const char messages[][MSGLEN] = {
  [0]            = "Success",
  [EPERM]        = "Operation not permitted",
  [ENOENT]       = "No such file or directory",
  [ESRCH]        = "No such process",
  [EINTR]        = "Interrupted system call",
  [EIO]          = "Input/output error",
  [E2BIG]        = "Argument list too long",
  [ENOEXEC]      = "Exec format error",
  [EBADF]        = "Bad file descriptor",
  [ECHILD]       = "No child processes",
  [EAGAIN]       = "Resource temporarily unavailable",
  [ENOMEM]       = "Cannot allocate memory",
  [EACCES]       = "Permission denied",
  [EFAULT]       = "Bad address",
  [EBUSY]        = "Device or resource busy",
  [EEXIST]       = "File exists",
  [ENODEV]       = "No such device",
  [ENOTDIR]      = "Not a directory",
  [EISDIR]       = "Is a directory",
  [EINVAL]       = "Invalid argument",
  [ENFILE]       = "Too many open files in system",
  [EMFILE]       = "Too many open files",
  [ENOTTY]       = "Inappropriate ioctl for device",
  [ETXTBSY]      = "Text file busy",
  [EFBIG]        = "File too large",
  [ENOSPC]       = "No space left on device",
  [ESPIPE]       = "Illegal seek",
  [EMLINK]       = "Too many links",
  [EPIPE]        = "Broken pipe",
  [ERANGE]       = "Numerical result out of range",
  [ENAMETOOLONG] = "File name too long",
  [ENOSYS]       = "Function not implemented",
  [ENOTEMPTY]    = "Directory not empty",
};

#define NMESSAGES ((int)(sizeof(messages) / sizeof(messages[0])))

char *
strerror(int err)
{
  static char unknown[32];

  if (err >= 0 && err < NMESSAGES && messages[err][0])
    return (char *)messages[err];
  snprintf(unknown, sizeof(unknown), "Unknown error %d", err);
  return unknown;
}

// "s: message\n" on fd 2, in one write.
void
perror(const char *s)
{
  const char *msg = strerror(errno);
  if (s && *s)
    fprintf(2, "%s: %s\n", s, msg);
  else
    fprintf(2, "%s\n", msg);
}
