// Strings and messages for ld.so (which has no C library).
#include <stdarg.h>
#include "user/ld/ld.h"

uint64 strlen(const char *s)
{
  uint64 n = 0;
  while (s[n])
    n++;
  return n;
}

int streq(const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

// The compiler may call memset and memcpy on its own (to clear or copy a
// structure), so ld.so must define them, under these exact names. Both
// work a word at a time once aligned: ld.so clears the tail of each
// library's last data page (most of 4 KiB) on every exec.
void *memset(void *dst, int c, uint64 n)
{
  unsigned char *d = dst;
  for (; n > 0 && (uint64)d % 8; n--)
    *d++ = (unsigned char)c;
  uint64 v = (unsigned char)c;
  v |= v << 8;
  v |= v << 16;
  v |= v << 32;
  for (; n >= 8; n -= 8, d += 8)
    *(uint64 *)d = v;
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

void *memcpy(void *dst, const void *src, uint64 n)
{
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((uint64)d % 8 == (uint64)s % 8) {
    for (; n > 0 && (uint64)d % 8; n--)
      *d++ = *s++;
    for (; n >= 8; n -= 8, d += 8, s += 8)
      *(uint64 *)d = *(const uint64 *)s;
  }
  while (n--)
    *d++ = *s++;
  return dst;
}

// The message for a -errno result, as strerror() would give it.
const char *errstr(long err)
{
  switch (-err) {
  case ENOENT:       return "No such file or directory";
  case EIO:          return "I/O error";
  case ENOEXEC:      return "Exec format error";
  case EBADF:        return "Bad file descriptor";
  case ENOMEM:       return "Out of memory";
  case EACCES:       return "Permission denied";
  case EFAULT:       return "Bad address";
  case EEXIST:       return "File exists";
  case ENODEV:       return "No such device";
  case ENOTDIR:      return "Not a directory";
  case EISDIR:       return "Is a directory";
  case EINVAL:       return "Invalid argument";
  case ENFILE:       return "Too many open files in system";
  case EMFILE:       return "Too many open files";
  case ENAMETOOLONG: return "File name too long";
  case ENOSYS:       return "Function not implemented";
  default:           return "Unknown error";
  }
}

// A message is built in one buffer and written with one write(), so that
// lines from different processes do not interleave.
#define MSGMAX 256
static char msg[MSGMAX];
static int msglen;

static void put(char c)
{
  if (msglen < MSGMAX - 1)      // always leave room for the final newline
    msg[msglen++] = c;
}

static void puts_(const char *s)
{
  while (*s)
    put(*s++);
}

static void putnum(uint64 v, int base)
{
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (n > 0)
    put(digits[--n]);
}

static void format(const char *fmt, va_list ap)
{
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(*fmt);
      continue;
    }
    switch (*++fmt) {
    case 's': puts_(va_arg(ap, const char *)); break;
    case 'd': {
      long v = va_arg(ap, int);
      if (v < 0) {
        put('-');
        v = -v;
      }
      putnum(v, 10);
      break;
    }
    case 'u': putnum(va_arg(ap, uint64), 10); break;
    case 'x': puts_("0x"); putnum(va_arg(ap, uint64), 16); break;
    case 'e': puts_(errstr(va_arg(ap, long))); break;
    case '%': put('%'); break;
    case 0:   return;
    default:  put('%'); put(*fmt); break;
    }
  }
}

void say(int fd, const char *fmt, ...)
{
  va_list ap;
  msglen = 0;
  va_start(ap, fmt);
  format(fmt, ap);
  va_end(ap);
  sys_write(fd, msg, msglen);
}

void fail(const char *fmt, ...)
{
  va_list ap;
  msglen = 0;
  puts_("ld.so: ");
  va_start(ap, fmt);
  format(fmt, ap);
  va_end(ap);
  msg[msglen++] = '\n';          // put() kept a byte free for it
  sys_write(2, msg, msglen);
  sys_exit(127);
}
