// File-system system calls. Each fetches its arguments, checks them, and
// calls into file.c / fs.c. They return a value >= 0 or -errno.
//
// Every call that may change the disk runs inside one transaction
// (begin_op ... end_op); path lookups do too, because they may drop the
// last reference to an inode (iput), which can free it.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/mm/mm.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/proc.h"
#include "kernel/trap/trap.h"

// Fetch argument n as a file descriptor; set *pfd and *pf (either may be
// null). 0 or -EBADF.
static int argfd(int n, int *pfd, struct file **pf)
{
  int fd = argint(n);
  struct file *f;
  if (fd < 0 || fd >= NOFILE || (f = myproc()->ofile[fd]) == 0)
    return -EBADF;
  if (pfd)
    *pfd = fd;
  if (pf)
    *pf = f;
  return 0;
}

// Give f the lowest free descriptor of the current process.
// The descriptor, or -EMFILE.
int fdalloc(struct file *f)
{
  struct proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -EMFILE;
}

// Fetch path argument n into buf (MAXPATH bytes). 0 or -errno: -EFAULT,
// -ENAMETOOLONG from argstr, -ENOENT for an empty path (as Linux).
static int argpath(int n, char *buf)
{
  int r = argstr(n, buf, MAXPATH);
  if (r < 0)
    return r;
  if (buf[0] == 0)
    return -ENOENT;
  return 0;
}

int64
sys_dup(void)
{
  struct file *f;
  int r = argfd(0, 0, &f);
  if (r < 0)
    return r;
  int fd = fdalloc(f);
  if (fd < 0)
    return fd;
  filedup(f);
  return fd;
}

// read and write take (fd, buffer, count); the buffer must lie wholly in
// memory the process may write (read) or read (write): no partial transfer.
static int rw_args(int access, struct file **f, uint64 *addr, int *n)
{
  int r = argfd(0, 0, f);
  if (r < 0)
    return r;
  *addr = argaddr(1);
  *n = argint(2);
  if (*n < 0)
    return -EINVAL;
  if (!user_buffer_ok(*addr, *n, access))
    return -EFAULT;
  return 0;
}

int64
sys_read(void)
{
  struct file *f;
  uint64 addr;
  int n, r = rw_args(VM_WRITE, &f, &addr, &n);
  return r < 0 ? r : fileread(f, addr, n);
}

int64
sys_write(void)
{
  struct file *f;
  uint64 addr;
  int n, r = rw_args(VM_READ, &f, &addr, &n);
  return r < 0 ? r : filewrite(f, addr, n);
}

int64
sys_close(void)
{
  int fd;
  struct file *f;
  int r = argfd(0, &fd, &f);
  if (r < 0)
    return r;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

int64
sys_fstat(void)
{
  struct file *f;
  int r = argfd(0, 0, &f);
  if (r < 0)
    return r;
  return filestat(f, argaddr(1));
}

// link(old, new): a second name for the file old.
int64
sys_link(void)
{
  char old[MAXPATH], new[MAXPATH], name[DIRSIZ];
  struct inode *ip, *dp;
  int r;

  if ((r = argpath(0, old)) < 0 || (r = argpath(1, new)) < 0)
    return r;

  begin_op();
  if ((ip = namei_err(old, &r)) == 0) {
    end_op();
    return r;
  }
  ilock(ip);
  if (ip->type == T_DIR) {
    iunlockput(ip);
    end_op();
    return -EPERM;
  }
  if (ip->nlink >= 0x7fff) {
    iunlockput(ip);
    end_op();
    return -EMLINK;
  }
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  if ((dp = nameiparent_err(new, name, &r)) == 0)
    goto bad;
  ilock(dp);
  if (dp->dev != ip->dev) {
    iunlockput(dp);
    r = -EPERM;
    goto bad;
  }
  if (dp->nlink == 0) {   // directory was removed
    iunlockput(dp);
    r = -ENOENT;
    goto bad;
  }
  if ((r = dirlink(dp, name, ip->inum)) < 0) {
    iunlockput(dp);
    goto bad;
  }
  iunlockput(dp);
  iput(ip);
  end_op();
  return 0;

bad:
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return r;
}

// Is directory dp empty apart from "." and ".."? Caller holds dp->lock.
static int isdirempty(struct inode *dp)
{
  struct dirent de;
  for (uint off = 0; off < dp->size; off += sizeof(de)) {
    if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("isdirempty: readi");
    if (de.inum == 0)
      continue;
    if (namecmp(de.name, ".") != 0 && namecmp(de.name, "..") != 0)
      return 0;
  }
  return 1;
}

int64
sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ];
  struct inode *ip, *dp;
  struct dirent de;
  uint off;
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;

  begin_op();
  if ((dp = nameiparent_err(path, name, &r)) == 0) {
    end_op();
    return r == -EEXIST ? -EBUSY : r;   // "/" has no parent entry to remove
  }
  ilock(dp);

  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0) {
    r = -EINVAL;
    goto bad;
  }
  if ((ip = dirlookup(dp, name, &off)) == 0) {
    r = -ENOENT;
    goto bad;
  }
  ilock(ip);
  if (ip->nlink < 1)
    panic("unlink: nlink < 1");
  if (ip->type == T_DIR && !isdirempty(ip)) {
    iunlockput(ip);
    r = -ENOTEMPTY;
    goto bad;
  }

  memset(&de, 0, sizeof(de));
  if (writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    panic("unlink: writei");
  if (ip->type == T_DIR) {
    dp->nlink--;   // ip's ".." no longer names dp
    iupdate(dp);
  }
  iunlockput(dp);

  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);   // frees it if this was the last name and reference
  end_op();
  return 0;

bad:
  iunlockput(dp);
  end_op();
  return r;
}

// Create path as a new inode of the given type; for T_FILE, opening an
// existing file or device is fine unless excl. Returns the inode locked,
// or 0 with *err set. In a transaction.
static struct inode *create(char *path, short type, short major, short minor, int excl, int *err)
{
  char name[DIRSIZ];
  struct inode *ip, *dp;

  if ((dp = nameiparent_err(path, name, err)) == 0) {
    if (*err == -EEXIST && type == T_FILE && !excl)
      *err = -EISDIR;   // open("/", O_CREATE)
    return 0;
  }
  ilock(dp);

  if ((ip = dirlookup(dp, name, 0)) != 0) {
    iunlockput(dp);
    ilock(ip);
    if (!excl && type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    *err = (!excl && ip->type == T_DIR) ? -EISDIR : -EEXIST;
    iunlockput(ip);
    return 0;
  }
  if (dp->nlink == 0) {   // creating in a removed directory
    iunlockput(dp);
    *err = -ENOENT;
    return 0;
  }
  if (type == T_DIR && dp->nlink >= 0x7fff) {
    iunlockput(dp);
    *err = -EMLINK;
    return 0;
  }

  if ((ip = ialloc_err(dp->dev, type, err)) == 0) {
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if (type == T_DIR) {
    // "." and ".." (not counted in nlink: that would make a cycle).
    if ((*err = dirlink(ip, ".", ip->inum)) < 0 ||
        (*err = dirlink(ip, "..", dp->inum)) < 0)
      goto fail;
  }
  if ((*err = dirlink(dp, name, ip->inum)) < 0)
    goto fail;

  if (type == T_DIR) {
    dp->nlink++;   // for ip's ".."
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;

fail:
  // Give the half-made inode back: with nlink 0, iput frees it.
  ip->nlink = 0;
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return 0;
}

// The inode open(path, omode) names, locked: made if O_CREATE asks.
// Inside a transaction. Null with the reason in *err.
static struct inode *open_inode(char *path, int omode, int *err)
{
  struct inode *ip;
  if (omode & O_CREATE)
    return create(path, T_FILE, 0, 0, omode & O_EXCL, err);
  if ((ip = namei_err(path, err)) != 0)
    ilock(ip);
  return ip;
}

// May ip be opened so? 0 or the error.
static int open_allowed(struct inode *ip, int omode, int writable)
{
  if (ip->type == T_DIR && writable)
    return -EISDIR;
  if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
    return -ENODEV;
  if (ip->type == T_FILE && (writable || (omode & O_TRUNC)) && text_busy(ip))
    return -ETXTBSY;      // a running program or a mapped library
  return 0;
}

// The file's name for pmap: the last component of the path it was opened by.
static void set_name(struct file *f, char *path)
{
  char *last = path;
  for (char *c = path; *c; c++)
    if (*c == '/' && c[1])
      last = c + 1;
  safestrcpy(f->name, last, sizeof f->name);
  for (char *c = f->name; *c; c++)
    if (*c == '/')
      *c = 0;
}

int64
sys_open(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct file *f;
  int fd, r;

  if ((r = argpath(0, path)) < 0)
    return r;
  int omode = argint(1);

  // Get the file and the descriptor first, so running out of them
  // changes nothing on disk.
  if ((f = filealloc()) == 0)
    return -ENFILE;
  if ((fd = fdalloc(f)) < 0) {
    fileclose(f);
    return fd;
  }
  int writable = (omode & O_WRONLY) || (omode & O_RDWR);

  begin_op();
  if ((ip = open_inode(path, omode, &r)) == 0)
    goto fail;
  if ((r = open_allowed(ip, omode, writable)) < 0) {
    iunlockput(ip);
    goto fail;
  }
  if (ip->type == T_DEVICE) {
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  set_name(f, path);
  f->readable = !(omode & O_WRONLY);
  f->writable = writable;
  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc_to(ip, 0);
  iunlock(ip);
  end_op();
  return fd;

fail:
  end_op();
  myproc()->ofile[fd] = 0;
  fileclose(f);   // still FD_NONE: just frees the slot
  return r;
}

int64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  begin_op();
  if ((ip = create(path, T_DIR, 0, 0, 1, &r)) == 0) {
    end_op();
    return r;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

int64
sys_mknod(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  short major = argint(1);
  short minor = argint(2);
  begin_op();
  if ((ip = create(path, T_DEVICE, major, minor, 1, &r)) == 0) {
    end_op();
    return r;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

int64
sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct proc *p = myproc();
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  begin_op();
  if ((ip = namei_err(path, &r)) == 0) {
    end_op();
    return r;
  }
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    end_op();
    return -ENOTDIR;
  }
  iunlock(ip);
  iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

int64
sys_pipe(void)
{
  uint64 fdarray = argaddr(0);   // user pointer to int[2]
  struct file *rf, *wf;
  struct proc *p = myproc();
  int fd0, fd1, r;

  if ((r = pipealloc(&rf, &wf)) < 0)
    return r;
  if ((fd0 = fdalloc(rf)) < 0) {
    fileclose(rf);
    fileclose(wf);
    return -EMFILE;
  }
  if ((fd1 = fdalloc(wf)) < 0) {
    p->ofile[fd0] = 0;
    fileclose(rf);
    fileclose(wf);
    return -EMFILE;
  }
  if (either_copyout(1, fdarray, &fd0, sizeof(fd0)) < 0 ||
      either_copyout(1, fdarray + sizeof(fd0), &fd1, sizeof(fd1)) < 0) {
    p->ofile[fd0] = 0;
    p->ofile[fd1] = 0;
    fileclose(rf);
    fileclose(wf);
    return -EFAULT;
  }
  return 0;
}

// lseek(fd, off, whence): new offset, or -ESPIPE (not a file),
// -EINVAL (bad whence, negative or too large result).
int64
sys_lseek(void)
{
  struct file *f;
  int r = argfd(0, 0, &f);
  if (r < 0)
    return r;
  int64 off = (int64)argaddr(1);
  int whence = argint(2);

  if (f->type != FD_INODE)
    return -ESPIPE;

  ilock(f->ip);   // f->off is protected by the inode lock
  int64 base;
  switch (whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = f->off; break;
  case SEEK_END: base = f->ip->size; break;
  default:
    iunlock(f->ip);
    return -EINVAL;
  }
  // base <= MAXFILEBYTES, so only a huge |off| can overflow.
  int64 pos;
  if (off > (int64)MAXFILEBYTES || off < -(int64)MAXFILEBYTES)
    pos = -1;
  else
    pos = base + off;
  if (pos < 0 || pos > (int64)MAXFILEBYTES) {
    iunlock(f->ip);
    return -EINVAL;
  }
  f->off = pos;
  f->seeked = 1;
  iunlock(f->ip);
  return pos;
}

// ftruncate(fd, len): set a regular file's size (grow with zeros or
// shrink). -EINVAL for a negative length, or an fd that is not a regular
// file open for writing; -EFBIG past the largest file size; -ETXTBSY if
// the file is mapped executable.
int64
sys_ftruncate(void)
{
  struct file *f;
  int r = argfd(0, 0, &f);
  if (r < 0)
    return r;
  int64 len = (int64)argaddr(1);
  if (len < 0)
    return -EINVAL;

  if (f->type == FD_OBJ) {
    if (!f->ops || !f->ops->truncate)
      return -EINVAL;
    return f->ops->truncate(f, len);
  }
  if (f->type != FD_INODE || !f->writable)
    return -EINVAL;
  if ((uint64)len > MAXFILEBYTES)
    return -EFBIG;

  begin_op();
  ilock(f->ip);
  if (f->ip->type != T_FILE)
    r = -EINVAL;
  else if (text_busy(f->ip))
    r = -ETXTBSY;
  else
    r = itrunc_to(f->ip, len);
  iunlock(f->ip);
  end_op();
  return r;
}

// fsync(fd): -EBADF for a bad descriptor, -EINVAL for one that has no
// blocks behind it (filesync).
int64
sys_fsync(void)
{
  struct file *f;
  int r = argfd(0, 0, &f);
  if (r < 0)
    return r;
  return filesync(f);
}
