#ifndef PAGODA_FCNTL_H
#define PAGODA_FCNTL_H
// open(2) flags: xv6 values, plus O_EXCL.
#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_CREAT   O_CREATE
#define O_TRUNC   0x400
#define O_EXCL    0x800

// mmap(2) protections and flags: Linux values.
#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4

#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_ANON            MAP_ANONYMOUS
#define MAP_FIXED_NOREPLACE 0x100000

#define MS_ASYNC       1
#define MS_INVALIDATE  2
#define MS_SYNC        4

#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2
#endif
