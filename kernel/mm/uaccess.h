#ifndef PAGODA_UACCESS_H
#define PAGODA_UACCESS_H
// User-memory access (mm/uaccess.c): the part of mm that
// device drivers may call too (docs/layers.md).
#include "kernel/types.h"

int    copyin(void *dst, uint64 srcva, uint64 len);    // 0 or -EFAULT
int    copyout(uint64 dstva, const void *src, uint64 len);
int    copyinstr(char *dst, uint64 srcva, uint64 max); // length, -EFAULT, -ENAMETOOLONG
int    either_copyout(int user_dst, uint64 dst, void *src, uint64 len);  // user or kernel dst
int    either_copyin(void *dst, int user_src, uint64 src, uint64 len);
int    user_buffer_ok(uint64 va, uint64 len, int access); // all inside regions with rights?
#endif
