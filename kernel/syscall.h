#ifndef PAGODA_SYSCALL_H
#define PAGODA_SYSCALL_H
// System call numbers: xv6's 1-21, then Pagoda's.
#define SYS_fork     1
#define SYS_exit     2
#define SYS_wait     3
#define SYS_pipe     4
#define SYS_read     5
#define SYS_kill     6
#define SYS_exec     7
#define SYS_fstat    8
#define SYS_chdir    9
#define SYS_dup     10
#define SYS_getpid  11
#define SYS_sbrk    12
#define SYS_sleep   13
#define SYS_uptime  14
#define SYS_open    15
#define SYS_write   16
#define SYS_mknod   17
#define SYS_unlink  18
#define SYS_link    19
#define SYS_mkdir   20
#define SYS_close   21
#define SYS_mmap     22
#define SYS_munmap   23
#define SYS_mprotect 24
#define SYS_msync    25
#define SYS_ftruncate 26
#define SYS_lseek    27
#define SYS_shm_open 28
#define SYS_shm_unlink 29
#define SYS_vmstat   30
#define SYS_vmmap    31
#define SYS_shutdown 32
#define SYS_null     33   // does nothing: the floor of a system call (bench)
#define SYS_procdump 34   // print the process list (as ^P does)
#define SYS_fsync    35   // a file's writes durable (docs/book/10-fs.md)
// Job control and ps (numbers 40-44, left apart from the memory system's).
#define SYS_setpgid   40
#define SYS_getpgid   41
#define SYS_tcsetpgrp 42
#define SYS_tcgetpgrp 43
#define SYS_procinfo  44
// Course labs (docs/labs/): the syscall and pgtbl labs' calls.
#define SYS_trace     50
#define SYS_pgtprint  51
#define NSYSCALL     52
#endif
