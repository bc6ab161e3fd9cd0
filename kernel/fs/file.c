// Open files: the system-wide file table and the operations on a file,
// whatever is behind it (an inode, a device, a pipe, or an outside object).
//
// A struct file is shared by every descriptor that dup/fork made from one
// open(), so they share the offset. ref counts those descriptors.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/memlayout.h"
#include "kernel/mm/mm.h"


static struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable;

void fileinit(void)
{
  initlock(&ftable.lock, "ftable");
  pipeinit();
}

// Allocate a file structure, or return 0 if the table is full.
struct file *filealloc(void)
{
  acquire(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

// One more reference to f.
struct file *filedup(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("filedup");
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference; close what is behind f when the last one goes.
void fileclose(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("fileclose");
  if (--f->ref > 0) {
    release(&ftable.lock);
    return;
  }
  struct file ff = *f;   // the slot may be reused once we release the lock
  f->ref = 0;
  f->type = FD_NONE;
  release(&ftable.lock);

  switch (ff.type) {
  case FD_PIPE:
    pipeclose(ff.pipe, ff.writable);
    break;
  case FD_INODE:
  case FD_DEVICE:
    begin_op();
    iput(ff.ip);
    end_op();
    break;
  case FD_OBJ:
    if (ff.ops && ff.ops->close)
      ff.ops->close(&ff);
    break;
  case FD_NONE:
    break;
  }
}

// Copy metadata about f to user address addr. 0 or -errno.
int filestat(struct file *f, uint64 addr)
{
  struct stat st;
  memset(&st, 0, sizeof(st));

  switch (f->type) {
  case FD_INODE:
  case FD_DEVICE:
    ilock(f->ip);
    stati(f->ip, &st);
    iunlock(f->ip);
    break;
  case FD_OBJ: {
    if (!f->ops || !f->ops->stat)
      return -EINVAL;
    int r = f->ops->stat(f, &st);
    if (r < 0)
      return r;
    break;
  }
  default:
    return -EINVAL;   // pipes have no inode (as in xv6)
  }
  if (either_copyout(1, addr, &st, sizeof(st)) < 0)
    return -EFAULT;
  return 0;
}

// Device entry for major number m, or 0.
static struct devsw *getdev(int m)
{
  if (m < 0 || m >= NDEV)
    return 0;
  return &devsw[m];
}

// Read from an inode a page at a time. The inode lock is held only to
// find the bytes (a pinned page-cache page for a file, a kernel bounce
// page for a directory), never across the copy to the user: the copy may
// fault, and the fault may need this inode, another file's inode (a
// buffer mapped from another file) or the memory of the page cache.
// The bytes are reserved by advancing f->off under the lock, so readers
// sharing the descriptor get successive pieces.
static int inode_read(struct file *f, uint64 addr, int n)
{
  struct inode *ip = f->ip;
  char *bounce = 0;
  int tot = 0, err = 0;
  while (tot < n && !err) {
    ilock(ip);
    uint off = f->off;
    if (off >= ip->size) {
      iunlock(ip);
      break;
    }
    uint m = MIN((uint)(n - tot), MIN(ip->size - off, PGSIZE - off % PGSIZE));
    uint64 pa = 0;
    char *src = 0;
    if (ip->type == T_FILE) {
      if ((err = pagecache_getpage(vmobj_of_inode(ip), off / PGSIZE, &pa)) == 0)
        src = (char *)P2V(pa) + off % PGSIZE;
    } else if (bounce || (bounce = kalloc())) {
      if (readi(ip, 0, (uint64)bounce, off, m) != (int)m)
        err = -EIO;
      src = bounce;
    } else {
      err = -ENOMEM;
    }
    if (!err)
      f->off = off + m;
    iunlock(ip);
    if (!err && copyout(addr + tot, src, m) < 0) {
      err = -EFAULT;
      ilock(ip);
      if (f->off == off + m)
        f->off = off;      // give the bytes back
      iunlock(ip);
    }
    if (pa)
      frame_put(pa);
    if (!err)
      tot += m;
    if (killed(myproc()))
      break;
  }
  if (bounce)
    kfree(bounce);
  return tot > 0 ? tot : err;
}

// Write to an inode a page at a time. The bytes are copied from the user
// into a kernel page first, with no lock held (the copy may fault, and
// the fault may need the log or an inode); then each piece, which ends at
// a page boundary of the file, is one transaction (writei_page: into the
// page cache, the blocks noted for the commit). A process that is killed
// stops between pages. A disk that looks full may only be waiting for a
// commit (blocks freed by the open transaction are not reused before it,
// fs.c): then commit and try once more.
//
// Writing at an offset past the end of the file leaves a gap that
// reads as zeros (POSIX) if the offset came from lseek. Otherwise the
// file shrank under this descriptor (another open with O_TRUNC, or
// ftruncate), and the write fails with -EINVAL, as on xv6, which has no
// lseek and whose tests (usertests truncate2) expect that.
static int inode_write(struct file *f, uint64 addr, int n)
{
  struct inode *ip = f->ip;
  char *kbuf = kalloc();
  if (!kbuf)
    return -ENOMEM;
  int tot = 0, err = 0, retried = 0;
  while (tot < n && !err) {
    if (killed(myproc())) {
      err = -EINTR;
      break;
    }
    uint m = MIN((uint)(n - tot), PGSIZE - (uint)(f->off % PGSIZE));
    if (copyin(kbuf, addr + tot, m) < 0) {
      err = -EFAULT;
      break;
    }
    begin_op();
    ilock(ip);
    int r = -EINVAL;
    if (f->off <= ip->size || f->seeked)
      r = writei_page(ip, f->off, kbuf, m);
    if (r > 0)
      f->off += r;
    iunlock(ip);
    end_op();
    if (r > 0)
      tot += r;
    if ((r == -ENOSPC || (r >= 0 && (uint)r < m)) && !retried && balloc_free_pending()) {
      retried = 1;
      continue;
    }
    if (r < 0)
      err = r;
    else if ((uint)r != m)
      err = -ENOSPC;     // stopped midway: disk full (or the size limit)
  }
  kfree(kbuf);
  return tot > 0 ? tot : err;
}

// fsync: make every write to f that returned before the call durable,
// with the metadata it needs (the block map, the size, the bitmap): the
// log commits everything that ended so far (file data are written before
// the commit that references them) and FLUSHes. Files and directories;
// -EINVAL for pipes, devices and shared memory, which have no blocks.
int filesync(struct file *f)
{
  if (f->type != FD_INODE)
    return -EINVAL;
  log_sync();
  return 0;
}

// Read up to n bytes from f into user address addr.
// Returns bytes read (0 at end of file) or -errno.
int fileread(struct file *f, uint64 addr, int n)
{
  if (!f->readable)
    return -EBADF;
  if (n < 0)
    return -EINVAL;

  switch (f->type) {
  case FD_PIPE:
    return piperead(f->pipe, addr, n);
  case FD_DEVICE: {
    struct devsw *d = getdev(f->major);
    if (d == 0 || d->read == 0)
      return -ENODEV;
    return d->read(1, addr, n);
  }
  case FD_INODE:
    return inode_read(f, addr, n);
  case FD_OBJ:
    if (!f->ops || !f->ops->read)
      return -EINVAL;
    return f->ops->read(f, addr, n);
  default:
    panic("fileread: bad type");
  }
}

// Write n bytes from user address addr to f.
// Returns bytes written (a short count if an error stopped it midway)
// or -errno if nothing was written.
int filewrite(struct file *f, uint64 addr, int n)
{
  if (!f->writable)
    return -EBADF;
  if (n < 0)
    return -EINVAL;

  switch (f->type) {
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FD_DEVICE: {
    struct devsw *d = getdev(f->major);
    if (d == 0 || d->write == 0)
      return -ENODEV;
    return d->write(1, addr, n);
  }
  case FD_INODE:
    return inode_write(f, addr, n);
  case FD_OBJ:
    if (!f->ops || !f->ops->write)
      return -EINVAL;
    return f->ops->write(f, addr, n);
  default:
    panic("filewrite: bad type");
  }
}
