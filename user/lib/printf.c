// printf, fprintf, snprintf and their va_list forms.
//
// Conversions: %d %i %u %x %X %o %p %s %c %%, with flags - 0 + space #,
// a field width and precision (digits or *), and the length modifiers
// h hh l ll z. %p prints 0x and 16 hex digits, as on xv6.
//
// printf and fprintf format into a buffer on the stack and write it with
// as few write() calls as possible: normally one per call. If the buffer
// fills up, only whole lines are written out while any remain, so lines
// printed by concurrent processes do not get mixed up mid-line.
#include <stdarg.h>
#include "kernel/types.h"
#include "user/user.h"

#define OUTBUF 256      // the user stack is one page: stay modest

struct sink {
  char *buf;
  int cap;
  int len;
  int fd;      // where to flush; -1 for a string (snprintf)
  int total;   // characters produced so far, stored or not
};

static void
write_all(int fd, const char *p, int n)
{
  while (n > 0) {
    int w = write(fd, p, n);
    if (w <= 0)
      return;
    p += w;
    n -= w;
  }
}

// The buffer is full: write out everything up to the last newline, or
// all of it if it holds no newline.
static void
drain(struct sink *o)
{
  int n = o->len;
  while (n > 0 && o->buf[n - 1] != '\n')
    n--;
  if (n == 0)
    n = o->len;
  write_all(o->fd, o->buf, n);
  memmove(o->buf, o->buf + n, o->len - n);
  o->len -= n;
}

static void
emit(struct sink *o, char c)
{
  o->total++;
  if (o->fd < 0) {
    if (o->len + 1 < o->cap)   // keep room for the terminating 0
      o->buf[o->len++] = c;
    return;
  }
  if (o->len == o->cap)
    drain(o);
  o->buf[o->len++] = c;
}

static void
emit_n(struct sink *o, char c, int n)
{
  for (; n > 0; n--)
    emit(o, c);
}

#define F_LEFT   1
#define F_ZERO   2
#define F_PLUS   4
#define F_SPACE  8
#define F_ALT   16
#define F_UPPER 32

static void
put_number(struct sink *o, uint64 v, int neg, int base, int flags,
           int width, int prec, const char *prefix)
{
  const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF"
                                         : "0123456789abcdef";
  char tmp[24];
  int nd = 0;

  if (!(v == 0 && prec == 0)) {   // "%.0d" of 0 prints no digits
    do {
      tmp[nd++] = digits[v % base];
      v /= base;
    } while (v != 0);
  }

  char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
  int zeros = prec > nd ? prec - nd : 0;
  int len = nd + zeros + (sign != 0) + (prefix ? strlen(prefix) : 0);

  if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0 && width > len) {
    zeros += width - len;
    len = width;
  }
  if (!(flags & F_LEFT))
    emit_n(o, ' ', width - len);
  if (sign)
    emit(o, sign);
  for (; prefix && *prefix; prefix++)
    emit(o, *prefix);
  emit_n(o, '0', zeros);
  while (nd > 0)
    emit(o, tmp[--nd]);
  if (flags & F_LEFT)
    emit_n(o, ' ', width - len);
}

static void
put_string(struct sink *o, const char *s, int flags, int width, int prec)
{
  if (s == 0)
    s = "(null)";
  int n = 0;
  while (s[n] && (prec < 0 || n < prec))
    n++;
  if (!(flags & F_LEFT))
    emit_n(o, ' ', width - n);
  for (int i = 0; i < n; i++)
    emit(o, s[i]);
  if (flags & F_LEFT)
    emit_n(o, ' ', width - n);
}

static void
format(struct sink *o, const char *fmt, va_list ap)
{
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      emit(o, *fmt);
      continue;
    }
    const char *spec = fmt++;

    int flags = 0;
    for (;; fmt++) {
      if (*fmt == '-')      flags |= F_LEFT;
      else if (*fmt == '0') flags |= F_ZERO;
      else if (*fmt == '+') flags |= F_PLUS;
      else if (*fmt == ' ') flags |= F_SPACE;
      else if (*fmt == '#') flags |= F_ALT;
      else break;
    }

    int width = 0;
    if (*fmt == '*') {
      width = va_arg(ap, int);
      if (width < 0) {
        flags |= F_LEFT;
        width = -width;
      }
      fmt++;
    } else {
      while (*fmt >= '0' && *fmt <= '9')
        width = width * 10 + (*fmt++ - '0');
    }

    int prec = -1;
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') {
        prec = va_arg(ap, int);
        if (prec < 0)
          prec = -1;
        fmt++;
      } else {
        while (*fmt >= '0' && *fmt <= '9')
          prec = prec * 10 + (*fmt++ - '0');
      }
    }

    int islong = 0;   // l, ll and z all mean 64 bits here
    for (;; fmt++) {
      if (*fmt == 'l' || *fmt == 'z')
        islong = 1;
      else if (*fmt != 'h')
        break;
    }

    switch (*fmt) {
    case 'd':
    case 'i': {
      long v = islong ? va_arg(ap, long) : va_arg(ap, int);
      uint64 mag = v < 0 ? -(uint64)v : (uint64)v;
      put_number(o, mag, v < 0, 10, flags, width, prec, 0);
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      uint64 v = islong ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
      int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
      const char *prefix = 0;
      if (*fmt == 'X')
        flags |= F_UPPER;
      if ((flags & F_ALT) && v != 0)
        prefix = base == 16 ? (*fmt == 'X' ? "0X" : "0x") : base == 8 ? "0" : 0;
      put_number(o, v, 0, base, flags & ~(F_PLUS | F_SPACE), width, prec, prefix);
      break;
    }
    case 'p': {
      uint64 v = (uint64)va_arg(ap, void *);
      put_number(o, v, 0, 16, flags & F_LEFT, width, 16, "0x");
      break;
    }
    case 's':
      put_string(o, va_arg(ap, const char *), flags, width, prec);
      break;
    case 'c': {
      char c = (char)va_arg(ap, int);
      if (!(flags & F_LEFT))
        emit_n(o, ' ', width - 1);
      emit(o, c);
      if (flags & F_LEFT)
        emit_n(o, ' ', width - 1);
      break;
    }
    case '%':
      emit(o, '%');
      break;
    case 0:
      // The format ends inside a conversion: print what there is.
      for (; spec < fmt; spec++)
        emit(o, *spec);
      fmt--;
      break;
    default:
      // Unknown conversion: print it as it was written.
      for (; spec <= fmt; spec++)
        emit(o, *spec);
      break;
    }
  }
}

void
vfprintf(int fd, const char *fmt, va_list ap)
{
  char buf[OUTBUF];
  struct sink o = { buf, sizeof(buf), 0, fd, 0 };
  format(&o, fmt, ap);
  if (o.len > 0)
    write_all(fd, buf, o.len);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vfprintf(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vfprintf(1, fmt, ap);
  va_end(ap);
}

// Format into buf, which holds size bytes; the result is always
// terminated when size > 0. Returns the length the whole result would
// have had (as C's snprintf does), so a return value >= size means the
// output was cut short.
int
vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
  struct sink o = { buf, size > 0 ? size : 0, 0, -1, 0 };
  format(&o, fmt, ap);
  if (size > 0)
    buf[o.len] = 0;
  return o.total;
}

int
snprintf(char *buf, int size, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
