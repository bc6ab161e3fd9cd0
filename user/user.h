#ifndef PAGODA_USER_H
#define PAGODA_USER_H
// The user library: xv6's system calls and helpers, plus POSIX-named additions.
// Programs include "kernel/types.h" before this file, as on xv6.
#include "kernel/errno.h"

typedef unsigned long size_t;
typedef long off_t;
struct stat;
struct vmstat;
struct vmregion;
struct procinfo;

// mmap's failure value (POSIX). Exactly this text: course-lab tests define
// it themselves, and an identical redefinition is allowed.
#define MAP_FAILED ((char *) -1)

// system calls (return -1 and set errno on error)
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int*);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(const char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sbrk(int);
int sleep(int);
int pause(int);
int uptime(void);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int msync(void *addr, size_t len, int flags);
int ftruncate(int fd, off_t len);
off_t lseek(int fd, off_t off, int whence);
int shm_open(const char *name, int oflag, int mode);
int shm_unlink(const char *name);
int vmstat(struct vmstat *);
int vmmap(int pid, struct vmregion *buf, int n);
int shutdown(int status);
int nullcall(void);
int procdump(void);
int setpgid(int pid, int pgid);
int getpgid(int pid);
int tcsetpgrp(int fd, int pgid);
int tcgetpgrp(int fd);
int procinfo(struct procinfo *buf, int n);
int trace(int mask);
int pgtprint(int pid, char *buf, int n);
int ugetpid(void);    // user/lib/ugetpid.c: no system call
int fsync(int fd);

// library
extern int errno;
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
char* strncpy(char*, const char*, int);
void *memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
int strncmp(const char*, const char*, uint);
void fprintf(int, const char*, ...) __attribute__ ((format (printf, 2, 3)));
void printf(const char*, ...) __attribute__ ((format (printf, 1, 2)));
int snprintf(char*, int, const char*, ...) __attribute__ ((format (printf, 3, 4)));
void vfprintf(int, const char*, __builtin_va_list) __attribute__ ((format (printf, 2, 0)));
int vsnprintf(char*, int, const char*, __builtin_va_list) __attribute__ ((format (printf, 3, 0)));
char* gets(char*, int max);
uint strlen(const char*);
void* memset(void*, int, uint);
int atoi(const char*);
int memcmp(const void *, const void *, uint);
void *memcpy(void *, const void *, uint);
char *strerror(int err);
void perror(const char *s);
uint64 rdtime(void);

// umalloc.c
void* malloc(uint);
void free(void*);
#endif
