// Memory and string routines. GCC emits calls to memset/memcpy/memmove/memcmp
// even with -fno-builtin, and there is no libgcc in the kernel, so they live here.
#include "kernel/lib/klib.h"

void *memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  // Word stores when aligned: page zeroing is on the fault path.
  if (((uint64)d & 7) == 0 && (n & 7) == 0) {
    uint64 v = (uchar)c;
    v |= v << 8; v |= v << 16; v |= v << 32;
    for (uint64 *w = dst; n; n -= 8)
      *w++ = v;
    return dst;
  }
  while (n--)
    *d++ = c;
  return dst;
}

void *memmove(void *dst, const void *src, uint64 n)
{
  const uchar *s = src;
  uchar *d = dst;
  if (s < d && s + n > d) {          // overlap: copy backwards
    s += n; d += n;
    while (n--)
      *--d = *--s;
    return dst;
  }
  if ((((uint64)s ^ (uint64)d) & 7) == 0) {
    // Same alignment: bytes up to a word boundary, then words (page
    // copies, pipe rings, bounce buffers), then the tail.
    for (; n && ((uint64)d & 7); n--)
      *d++ = *s++;
    const uint64 *sw = (const uint64 *)s;
    uint64 *dw = (uint64 *)d;
    for (; n >= 8; n -= 8)
      *dw++ = *sw++;
    s = (const uchar *)sw;
    d = (uchar *)dw;
  }
  while (n--)
    *d++ = *s++;
  return dst;
}

void *memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

int memcmp(const void *a, const void *b, uint64 n)
{
  const uchar *p = a, *q = b;
  for (; n; n--, p++, q++)
    if (*p != *q)
      return *p - *q;
  return 0;
}

uint64 strlen(const char *s)
{
  uint64 n = 0;
  while (s[n])
    n++;
  return n;
}

int strncmp(const char *p, const char *q, uint64 n)
{
  while (n > 0 && *p && *p == *q)
    n--, p++, q++;
  if (n == 0)
    return 0;
  return (uchar)*p - (uchar)*q;
}

char *strncpy(char *s, const char *t, int n)
{
  char *os = s;
  while (n > 0 && (*s = *t) != 0)
    n--, s++, t++;
  while (n-- > 0)
    *s++ = 0;
  return os;
}

char *safestrcpy(char *s, const char *t, int n)
{
  char *os = s;
  if (n <= 0)
    return os;
  while (--n > 0 && (*s = *t) != 0)
    s++, t++;
  *s = 0;
  return os;
}
