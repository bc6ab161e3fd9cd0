// Memory and string routines. GCC emits calls to memset/memcpy/memmove/memcmp
// even with -fno-builtin, and there is no libgcc in the kernel, so they live here.
#include "kernel/lib/klib.h"

void *memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  // Word stores when aligned, eight to a loop turn: page zeroing is on
  // the fault path, and under QEMU time goes with instructions.
  if (((uint64)d & 7) == 0 && (n & 7) == 0) {
    uint64 v = (uchar)c;
    v |= v << 8; v |= v << 16; v |= v << 32;
    uint64 *w = dst;
    for (; n >= 64; n -= 64, w += 8) {
      w[0] = v; w[1] = v; w[2] = v; w[3] = v;
      w[4] = v; w[5] = v; w[6] = v; w[7] = v;
    }
    for (; n; n -= 8)
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
    for (; n >= 64; n -= 64, sw += 8, dw += 8) {
      uint64 a = sw[0], b = sw[1], c = sw[2], e = sw[3];
      uint64 f = sw[4], g = sw[5], h = sw[6], i = sw[7];
      dw[0] = a; dw[1] = b; dw[2] = c; dw[3] = e;
      dw[4] = f; dw[5] = g; dw[6] = h; dw[7] = i;
    }
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
