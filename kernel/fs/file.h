#ifndef PAGODA_FILE_H
#define PAGODA_FILE_H
// Open files, in-memory inodes, pipes, devices, and the log: what fs/ offers.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/proc/sleeplock.h"
#include "kernel/dev/dev.h"      // the device switch (devsw)

struct stat;
struct pipe;
struct superblock;
struct buf;
struct file;

// Operations of a file whose object lives outside fs/ (type FD_OBJ), for
// example a POSIX shared-memory object from mm/. Whoever creates such a file
// sets f->type = FD_OBJ, f->ops and f->obj. A null operation makes the
// corresponding call fail with -EINVAL; close may be null.
struct fileops {
  int  (*read)(struct file *f, uint64 addr, int n);    // user address
  int  (*write)(struct file *f, uint64 addr, int n);   // user address
  int  (*stat)(struct file *f, struct stat *st);       // kernel struct
  int  (*truncate)(struct file *f, uint64 len);        // ftruncate(2)
  void (*close)(struct file *f);  // last reference gone; f is a copy, the slot is free
};

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE, FD_OBJ } type;
  int ref;           // reference count
  char readable;
  char writable;
  struct pipe *pipe; // FD_PIPE
  struct inode *ip;  // FD_INODE and FD_DEVICE
  uint64 off;        // FD_INODE (protected by ip->lock)
  char seeked;       // FD_INODE: off was set by lseek (see filewrite)
  short major;       // FD_DEVICE
  const struct fileops *ops;  // FD_OBJ
  void *obj;                  // FD_OBJ
  char name[DIRSIZ + 1];      // FD_INODE: last path component at open (pmap names mappings)
};

#define major(dev)  ((dev) >> 16 & 0xFFFF)
#define minor(dev)  ((dev) & 0xFFFF)
#define mkdev(m,n)  ((uint)((m)<<16| (n)))

// in-memory copy of an inode
struct inode {
  uint dev;           // Device number
  uint inum;          // Inode number
  int ref;            // Reference count
  struct sleeplock lock; // protects everything below here
  int valid;          // inode has been read from disk?

  short type;         // copy of disk inode
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT+2];
  struct vmobj *obj;  // its page cache (fileobj.c), or 0
  uint lastblock;     // the block last allocated to it, 0 if none yet (allocation goal)
  int freeing;        // iput is freeing it (itable.lock)
  int ordered;        // its data blocks waiting for the commit (log.c; atomic)
};

// Largest file size in bytes.
#define MAXFILEBYTES ((uint64)MAXFILE * BSIZE)

// fs.c  (all errors are -errno)
//
// Rules: every function that may write the disk (writei, itrunc_to, iput,
// iupdate, dirlink, ialloc_err, namei/nameiparent_err since they iput) must be
// called inside a transaction (begin_op ... end_op). ilock before reading or
// changing an inode's fields; readi/writei/itrunc_to/stati/dirlookup/dirlink
// want the inode locked. fsinit sleeps: call it from a process.
//
// iput and itrunc_to may commit the current transaction and open a new one
// (end_op + begin_op) when freeing a file too big for one transaction; call
// them only where the file system is consistent (as every caller does).
void          fsinit(int dev);
int           dirlink(struct inode *dp, char *name, uint inum);   // 0, -EEXIST, -ENOSPC
struct inode *dirlookup(struct inode *dp, char *name, uint *poff); // null if absent
struct inode *ialloc_err(uint dev, short type, int *err); // -ENOSPC, -ENFILE
struct inode *idup(struct inode *ip);
struct inode *idup_live(struct inode *ip, struct vmobj *obj); // 0 if not live or obj is not its cache
void          iinit(void);
void          ilock(struct inode *ip);
void          iput(struct inode *ip);
void          iunlock(struct inode *ip);
void          iunlockput(struct inode *ip);
void          iupdate(struct inode *ip);
int           namecmp(const char *s, const char *t);
struct inode *namei(char *path);                    // null on any error
// Same, with the reason in *err: -ENOENT, -ENOTDIR, -ENFILE (inode table
// full); nameiparent_err gives -EEXIST for a path with no last element ("/").
struct inode *namei_err(char *path, int *err);
struct inode *nameiparent_err(char *path, char *name, int *err);
// Bytes read (0 at or past EOF; holes read as zeros), or -EFAULT.
int           readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
// Directories: bytes written through the log, or -ENOSPC / -EFAULT / -EFBIG
// if none; a few entries per call (one transaction).
int           writei(struct inode *dp, int user_src, uint64 src, uint off, uint n);
// Regular files: n bytes of kernel memory at off, within one page, into
// the page cache; each block goes home before the commit. Bytes written,
// or -ENOSPC / -EFBIG / -ENOMEM if none. May write past EOF (the gap reads
// as zeros). One call per transaction.
int           writei_page(struct inode *ip, uint off, const char *src, uint n);
void          balloc_commit(void);   // log.c: the frees are committed
int           balloc_free_pending(void);  // commit if freed blocks wait for it; 1 if so
int           itrunc_to(struct inode *ip, uint64 len);   // grow with zeros or shrink; 0 or -EFBIG
void          stati(struct inode *ip, struct stat *st);
// The page cache's access to file data (mm/readahead.c, mm/vmobj.c): caller
// holds ip->lock; fs_writepage also needs a transaction. Bytes past EOF are
// written as zeros. fs_readpages does not wait: done() reports each piece.
void          fs_readpages(struct inode *ip, uint64 first, int n, char **kva, iodone_fn *done);
int           fs_writepage(struct inode *ip, uint64 idx, void *kva);

// A block of file data on its way home (log.c, data.c): the first len
// bytes of the block are at pgoff in frame pa, a page-cache page of ip;
// the rest is written as zeros.
struct datablk {
  uint blockno;
  uint len;
  uint64 pa;
  uint pgoff;
  struct inode *ip;
  int cancelled;     // the block went through the log instead (log_data_cancel)
};

// log.c
#define LOGDATA 1024   // file data blocks one commit writes at most (1 MiB)
void initlog(int dev, struct superblock *sb);
void log_write(struct buf *b);
void log_data(struct inode *ip, uint64 pa, uint pgoff, uint blockno, uint len);
int  log_data_early(struct inode *ip);   // write ip's noted data now (iget)
int  log_has(uint blockno);              // logged in the open transaction?
void log_data_cancel(uint blockno);      // it goes through the log now: drop its notes
void begin_op(void);
void end_op(void);
void log_sync(void);   // everything ended so far committed and flushed

// file.c
struct file *filealloc(void);               // null if the table is full
void         fileclose(struct file *f);
struct file *filedup(struct file *f);
void         fileinit(void);
int          fileread(struct file *f, uint64 addr, int n);   // user addr
int          filestat(struct file *f, uint64 addr);          // user addr
int          filewrite(struct file *f, uint64 addr, int n);  // user addr
int          filesync(struct file *f);                       // 0, -EINVAL

// data.c. Scratch space for write_blocks_with: n indices, n block numbers,
// n pointers, and a bounce page (may be 0 if no block ends its file).
struct datascratch {
  uint *order;
  uint *to;
  char **src;
  char *bounce;
};
void write_blocks(struct datablk *d, int n);   // the commit's (n <= LOGDATA)
void write_blocks_with(struct datablk *d, int n, struct datascratch *w);

// fileobj.c: files as memory objects (mm/ reaches file data only here)
struct vmobj *vmobj_of_inode(struct inode *ip);   // the file's object (made on demand), or 0
void          inode_forget_obj(struct inode *ip); // the file is freed: drop its cached pages
int           text_busy(struct inode *ip);        // mapped executable: no writing (ETXTBSY)

// sysfile.c
int fdalloc(struct file *f);                      // the lowest free fd for f, or -EMFILE

// pipe.c
void pipeinit(void);                                         // called by fileinit
int  pipealloc(struct file **f0, struct file **f1);          // 0, -ENFILE
void pipeclose(struct pipe *pi, int writable);
int  piperead(struct pipe *pi, uint64 addr, int n);          // user addr
int  pipewrite(struct pipe *pi, uint64 addr, int n);         // user addr
#endif
