#ifndef PAGODA_PARAM_H
#define PAGODA_PARAM_H
#define NPROC        64     // maximum number of processes
#define NCPU         8      // maximum number of harts
#define NOFILE       16     // open files per process
#define NFILE        100    // open files per system
#define NINODE       50     // maximum number of active i-nodes
#define NDEV         10     // maximum major device number
#define ROOTDEV      1      // device number of file system root disk
#define MAXARG       32     // max exec arguments
#define MAXOPBLOCKS  32     // max # of blocks any FS op writes
#define LOGBLOCKS    (MAXOPBLOCKS*3)  // max data blocks in on-disk log
#define LOGSIZE      LOGBLOCKS
#define NBUF         (MAXOPBLOCKS*6)  // size of disk block cache (> LOGBLOCKS: logged blocks stay pinned)
#define FSSIZE       100000 // size of file system in blocks (default image)
#define MAXPATH      128    // maximum file path name
#define USERSTACK    1      // user stack pages
#define KSTACKPAGES  2      // kernel stack pages per process (plus a guard page)
#endif
