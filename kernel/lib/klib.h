#ifndef PAGODA_KLIB_H
#define PAGODA_KLIB_H
// Kernel library: strings, formatted printing, panic. Knows nothing of processes.
#include "kernel/types.h"
#include <stdarg.h>

void  *memset(void *dst, int c, uint64 n);
void  *memcpy(void *dst, const void *src, uint64 n);
void  *memmove(void *dst, const void *src, uint64 n);
int    memcmp(const void *a, const void *b, uint64 n);
uint64 strlen(const char *s);
int    strncmp(const char *p, const char *q, uint64 n);
char  *strncpy(char *s, const char *t, int n);
char  *safestrcpy(char *s, const char *t, int n);   // always NUL-terminates

void   printfinit(void (*write)(const char *buf, int n));   // printf writes its lines through write
void   printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int    snprintf(char *buf, int n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int    vsnprintf(char *buf, int n, const char *fmt, va_list ap);
void   traceline(const char *fmt, ...) __attribute__((format(printf, 1, 2))); // one line + " ~checksum"
void   panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void   backtrace(uint64 fp, uint64 pc);
int    frame_callers(uint64 fp, uint64 *ra, int max);   // return addresses, innermost first
const char *symbol_name(uint64 pc, uint64 *offset);

extern volatile int panicked;

#define NELEM(x) (sizeof(x)/sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
// ASSERT(cond): a condition the code relies on; false means a kernel bug.
#define ASSERT(c) do { if (!(c)) panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #c); } while (0)

// Debug kernels (make LOCKDEBUG=1): panic if this hart holds a spin lock or
// this process a sleep lock (lib/lockorder.c says why user memory needs
// that). LOCKDEBUG_COPY_CHECK is the same check in copyin/copyout, behind
// its own flag (LOCKDEBUG_COPY, on in debug kernels unless set to 0).
#ifdef LOCKDEBUG
void lockdebug_assert_no_locks(const char *where);
#else
static inline void lockdebug_assert_no_locks(const char *where) { (void)where; }
#endif
#ifdef LOCKDEBUG_COPY
#define LOCKDEBUG_COPY_CHECK(where) lockdebug_assert_no_locks(where)
#else
#define LOCKDEBUG_COPY_CHECK(where) do { } while (0)
#endif
#endif
