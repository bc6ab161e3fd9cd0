#ifndef PAGODA_TRAP_H
#define PAGODA_TRAP_H
#include "kernel/types.h"
// Traps, interrupts, and system-call argument fetching.

void trapinit(void);
void trapinithart(void);
void usertrapret(void) __attribute__((noreturn));

// System-call arguments, fetched from the current process's trap frame.
// Handlers return a value >= 0 or -errno.
uint64 argraw(int n);
int    argint(int n);
uint64 argaddr(int n);
int    argstr(int n, char *buf, int max);   // length, or -EFAULT / -ENAMETOOLONG
int    fetchaddr(uint64 addr, uint64 *ip);  // 0 or -EFAULT
int    fetchstr(uint64 addr, char *buf, int max);
#endif
