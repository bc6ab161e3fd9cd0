// String and memory functions of the user library.
//
// GCC may turn a byte loop into a call to memset or memcpy
// ("loop distribution"); inside memset and memcpy themselves that call
// would recurse forever, so this file is compiled without that
// transformation.
#pragma GCC optimize ("no-tree-loop-distribute-patterns")

#include "kernel/types.h"
#include "user/user.h"

uint
strlen(const char *s)
{
  const char *p = s;
  while (*p)
    p++;
  return p - s;
}

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;
  while ((*d++ = *src++) != 0)
    ;
  return dst;
}

// Copy at most n bytes; pad with zeros if src is shorter (as in C).
// Like C's strncpy, dst is not terminated when src has n or more bytes.
char *
strncpy(char *dst, const char *src, int n)
{
  int i = 0;
  for (; i < n && src[i]; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = 0;
  return dst;
}

int
strcmp(const char *a, const char *b)
{
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

int
strncmp(const char *a, const char *b, uint n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b || *a == 0)
      return (uchar)*a - (uchar)*b;
  }
  return 0;
}

char *
strchr(const char *s, char c)
{
  for (; *s; s++)
    if (*s == c)
      return (char *)s;
  return c == 0 ? (char *)s : 0;
}

// Word-at-a-time helpers: addresses aligned to 8 bytes can be copied or
// filled 64 bits at a time, which is what makes memcpy fast enough for
// the memcpy_bw benchmark.
#define WORD      sizeof(uint64)
#define ALIGNED(p) ((((uint64)(p)) & (WORD - 1)) == 0)

void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;
  uchar b = (uchar)c;

  while (n > 0 && !ALIGNED(d)) {
    *d++ = b;
    n--;
  }
  if (n >= WORD) {
    uint64 w = b;
    w |= w << 8;
    w |= w << 16;
    w |= w << 32;
    uint64 *dw = (uint64 *)d;
    while (n >= 4 * WORD) {
      dw[0] = w;
      dw[1] = w;
      dw[2] = w;
      dw[3] = w;
      dw += 4;
      n -= 4 * WORD;
    }
    while (n >= WORD) {
      *dw++ = w;
      n -= WORD;
    }
    d = (uchar *)dw;
  }
  while (n > 0) {
    *d++ = b;
    n--;
  }
  return dst;
}

// Forward copy; safe for overlapping areas when dst < src.
static void
copy_forward(uchar *d, const uchar *s, uint64 n)
{
  if (((uint64)d & (WORD - 1)) == ((uint64)s & (WORD - 1))) {
    while (n > 0 && !ALIGNED(d)) {
      *d++ = *s++;
      n--;
    }
    uint64 *dw = (uint64 *)d;
    const uint64 *sw = (const uint64 *)s;
    while (n >= 8 * WORD) {
      uint64 a0 = sw[0], a1 = sw[1], a2 = sw[2], a3 = sw[3];
      uint64 a4 = sw[4], a5 = sw[5], a6 = sw[6], a7 = sw[7];
      dw[0] = a0; dw[1] = a1; dw[2] = a2; dw[3] = a3;
      dw[4] = a4; dw[5] = a5; dw[6] = a6; dw[7] = a7;
      dw += 8;
      sw += 8;
      n -= 8 * WORD;
    }
    while (n >= WORD) {
      *dw++ = *sw++;
      n -= WORD;
    }
    d = (uchar *)dw;
    s = (const uchar *)sw;
  }
  while (n > 0) {
    *d++ = *s++;
    n--;
  }
}

// Backward copy, for overlapping areas when dst > src.
static void
copy_backward(uchar *d, const uchar *s, uint64 n)
{
  d += n;
  s += n;
  if (((uint64)d & (WORD - 1)) == ((uint64)s & (WORD - 1))) {
    while (n > 0 && !ALIGNED(d)) {
      *--d = *--s;
      n--;
    }
    uint64 *dw = (uint64 *)d;
    const uint64 *sw = (const uint64 *)s;
    while (n >= 4 * WORD) {
      uint64 a3 = sw[-1], a2 = sw[-2], a1 = sw[-3], a0 = sw[-4];
      dw[-1] = a3; dw[-2] = a2; dw[-3] = a1; dw[-4] = a0;
      dw -= 4;
      sw -= 4;
      n -= 4 * WORD;
    }
    while (n >= WORD) {
      *--dw = *--sw;
      n -= WORD;
    }
    d = (uchar *)dw;
    s = (const uchar *)sw;
  }
  while (n > 0) {
    *--d = *--s;
    n--;
  }
}

void *
memmove(void *dst, const void *src, int n)
{
  if (n <= 0 || dst == src)
    return dst;
  uchar *d = dst;
  const uchar *s = src;
  if (d < s || d >= s + n)
    copy_forward(d, s, n);
  else
    copy_backward(d, s, n);
  return dst;
}

void *
memcpy(void *dst, const void *src, uint n)
{
  copy_forward(dst, src, n);
  return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;
  for (; n > 0; n--, p++, q++)
    if (*p != *q)
      return *p - *q;
  return 0;
}

// Decimal to int: optional blanks, optional sign, then digits.
int
atoi(const char *s)
{
  int neg = 0, v = 0;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '-' || *s == '+')
    neg = (*s++ == '-');
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (*s++ - '0');
  return neg ? -v : v;
}

// Read a line from fd 0 into buf: at most max-1 characters, stopping
// after a newline or carriage return, which is kept. buf is always
// terminated; at end of input it holds whatever was read (maybe "").
char *
gets(char *buf, int max)
{
  int i = 0;
  while (i + 1 < max) {
    char c;
    if (read(0, &c, 1) < 1)
      break;
    buf[i++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  if (max > 0)
    buf[i] = 0;
  return buf;
}
