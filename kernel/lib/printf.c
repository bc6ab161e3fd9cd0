// Kernel formatted output: printf to the console, snprintf to a buffer,
// and panic with a backtrace.
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"

volatile int panicked = 0;
static struct spinlock pr_lock;
static void (*output)(const char *buf, int n);   // where printf's lines go

// write must work anywhere: with interrupts off, in a trap, in a panic
// (boot passes the UART's polled output).
void printfinit(void (*write)(const char *buf, int n))
{
  initlock(&pr_lock, "printf");
  output = write;
}

// The formatter writes through a sink: a buffer with a bound.
struct sink { char *buf; int n, len; };

static void put(struct sink *s, char c)
{
  if (s->len < s->n - 1)
    s->buf[s->len] = c;
  s->len++;
}

static void putnum(struct sink *s, uint64 x, int base, int neg, int width, char pad)
{
  static const char digits[] = "0123456789abcdef";
  char tmp[24];
  int i = 0;
  do {
    tmp[i++] = digits[x % base];
    x /= base;
  } while (x);
  if (neg)
    tmp[i++] = '-';
  for (int w = i; w < width; w++)
    put(s, pad);
  while (--i >= 0)
    put(s, tmp[i]);
}

int vsnprintf(char *buf, int n, const char *fmt, va_list ap)
{
  struct sink s = { buf, n, 0 };
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(&s, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0;
    if (*fmt == '0')
      pad = '0', fmt++;
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l')
      lng++, fmt++;
    switch (*fmt) {
    case 'd': {
      int64 v = lng ? va_arg(ap, int64) : va_arg(ap, int);
      putnum(&s, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0, width, pad);
      break;
    }
    case 'u':
      putnum(&s, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0, width, pad);
      break;
    case 'x':
      putnum(&s, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0, width, pad);
      break;
    case 'p':
      put(&s, '0'); put(&s, 'x');
      putnum(&s, va_arg(ap, uint64), 16, 0, 16, '0');
      break;
    case 's': {
      const char *str = va_arg(ap, const char *);
      if (!str)
        str = "(null)";
      int l = strlen(str);
      for (int w = l; w < width; w++)
        put(&s, ' ');
      while (*str)
        put(&s, *str++);
      break;
    }
    case 'c':
      put(&s, va_arg(ap, int));
      break;
    case '%':
      put(&s, '%');
      break;
    case 0:
      fmt--;
      break;
    default:
      put(&s, '%');
      put(&s, *fmt);
    }
  }
  if (n > 0)
    buf[s.len < n ? s.len : n - 1] = 0;
  return s.len;
}

int snprintf(char *buf, int n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

// Format into a local buffer, then emit under the lock so lines from
// several harts never interleave.
void printf(const char *fmt, ...)
{
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (len > (int)sizeof buf - 1)
    len = sizeof buf - 1;
  int locking = !panicked;
  if (locking)
    acquire(&pr_lock);
  output(buf, len);
  if (locking)
    release(&pr_lock);
}

// Function names for backtraces come from a table the Makefile generates
// from the linked kernel (tools/symtab.sh).
extern const uint64 ksyms_count;
extern const uint64 ksyms_addrs[];
extern const char *const ksyms_names[];

const char *symbol_name(uint64 pc, uint64 *offset)
{
  int lo = 0, hi = (int)ksyms_count - 1, best = -1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (ksyms_addrs[mid] <= pc)
      best = mid, lo = mid + 1;
    else
      hi = mid - 1;
  }
  if (best < 0)
    return "?";
  *offset = pc - ksyms_addrs[best];
  return ksyms_names[best];
}

extern char kernel_start[], etext[];

// The return addresses of up to max callers, innermost first, by walking
// frame pointers: a non-leaf frame keeps ra at fp-8 and the caller's fp
// at fp-16. The one frame walker: backtraces and the lock checker use it.
int frame_callers(uint64 fp, uint64 *ra, int max)
{
  int n = 0;
  while (n < max) {
    if (fp < KVA_OFFSET || (fp & 7))
      break;
    uint64 r = *(uint64 *)(fp - 8);
    uint64 next = *(uint64 *)(fp - 16);
    if (r < (uint64)kernel_start || r >= (uint64)etext)
      break;
    ra[n++] = r;
    if (next <= fp)
      break;
    fp = next;
  }
  return n;
}

// Start from pc (the faulting instruction) so a leaf is named too.
void backtrace(uint64 fp, uint64 pc)
{
  uint64 off = 0, ra[32];
  printf("backtrace:\n");
  if (pc) {
    const char *name = symbol_name(pc, &off);
    printf("  %p %s+0x%lx\n", (void *)pc, name, off);
  }
  int n = frame_callers(fp, ra, NELEM(ra));
  for (int i = 0; i < n; i++) {
    const char *name = symbol_name(ra[i] - 4, &off);
    printf("  %p %s+0x%lx\n", (void *)(ra[i] - 4), name, off + 4);
  }
}

void panic(const char *fmt, ...)
{
  char buf[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  printf("\npanic: %s (hart %d)\n", buf, cpuid());
  backtrace(r_fp(), 0);
  panicked = 1;   // now other harts stop at their next console output
  for (;;)
    asm volatile("wfi");
}

// One line of a trace for a host checker (tlbtrace, blktrace), with a
// checksum of its text (" ~%x", sum = sum * 31 + c). printf writes a line
// whole (user output waits for the UART's wire), so the checksum only
// guards against a damaged console log: the checker drops a line whose
// checksum does not match instead of reading wrong numbers from it.
void traceline(const char *fmt, ...)
{
  char line[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  uint sum = 0;
  for (char *c = line; *c; c++)
    sum = (sum * 31 + (uchar)*c) & 0xffff;
  printf("%s ~%x\n", line, sum);
}
