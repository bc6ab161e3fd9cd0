// Files as memory objects: the operations through which mm/ reads and
// writes a file's pages (mm never calls the file system otherwise), the
// object behind a file descriptor for mmap, and shared-memory objects
// opened as files (shm_open). See docs/layers.md.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/fs/file.h"
#include "kernel/mm/mm.h"
#include "kernel/trap/trap.h"

// ---- the file kind's memory-object operations ----

// Read-ins of a file page happen under its inode lock, which truncation
// holds too. A read() that copies into a mapping of the same file
// already holds it.
static int file_lock(struct vmobj *o)
{
  if (holdingsleep(&o->ip->lock))
    return 0;
  ilock(o->ip);
  return 1;
}

static void file_unlock(struct vmobj *o)
{
  iunlock(o->ip);
}

static uint64 file_size(struct vmobj *o)
{
  return o->ip->size;
}

static void file_readpages(struct vmobj *o, uint64 first, int n, char **kva, iodone_fn *done)
{
  fs_readpages(o->ip, first, n, kva, done);
}

// A dirty page goes to the file in a transaction of its own.
static int file_writepage(struct vmobj *o, uint64 idx, void *kva)
{
  struct inode *ip = o->ip;
  for (int tried = 0; ; tried = 1) {
    begin_op();
    ilock(ip);
    int err = fs_writepage(ip, idx, kva);
    iunlock(ip);
    end_op();
    // A full disk may have room after the commit of blocks freed since.
    if (err != -ENOSPC || tried || !balloc_free_pending())
      return err;
  }
}

// A mapping holds a reference on the inode, which owns the object.
static void file_hold(struct vmobj *o)
{
  idup(o->ip);
}

static void file_release(struct vmobj *o)
{
  begin_op();
  iput(o->ip);
  end_op();
}

// Reclaim calls this under the page-cache lock. An inode that iput is
// freeing is left alone (its pages are being dropped, its blocks freed),
// and so is an object whose inode slot now holds another file (it is
// being dropped too).
static int file_hold_live(struct vmobj *o)
{
  return idup_live(o->ip, o) != 0;
}

// msync: the blocks written back, and those allocated for them, are
// committed (log_sync).
static void file_sync(struct vmobj *o)
{
  (void)o;
  log_sync();
}

static const struct vmobj_ops file_vmops = {
  .lock = file_lock,
  .unlock = file_unlock,
  .size = file_size,
  .readpages = file_readpages,
  .writepage = file_writepage,
  .sync = file_sync,
  .hold = file_hold,
  .release = file_release,
  .hold_live = file_hold_live,
};

// The file's object, made on first use. Its life is the in-memory
// inode's: inode_forget_obj drops it when the inode's last reference
// goes. Caller holds a reference on ip.
struct vmobj *vmobj_of_inode(struct inode *ip)
{
  if (ip->obj)
    return ip->obj;
  struct vmobj *o = vmobj_alloc(VMOBJ_FILE, &file_vmops);
  if (!o)
    return 0;
  o->ip = ip;
  o->ino = ip->inum;
  if (!__sync_bool_compare_and_swap(&ip->obj, 0, o))
    vmobj_put(o);          // someone else made it first
  return ip->obj;
}

// The file is being freed: its cached pages go with it (nobody maps it:
// mappings hold references).
void inode_forget_obj(struct inode *ip)
{
  struct vmobj *o = ip->obj;
  if (!o)
    return;
  ip->obj = 0;
  pagecache_forget_obj(o);
}

// Is the file mapped executable (a running program, a loaded library)?
// Then it may not be opened for writing or truncated.
int text_busy(struct inode *ip)
{
  struct vmobj *o = ip->obj;
  return o && vmobj_text_busy(o);
}

// ---- mmap of a file descriptor ----

// The object behind fd, the most a mapping of it may be given, and a name
// for it (REGION_NAME bytes). Called by mm/mmap.c.
int file_vmobj(int fd, int flags, struct vmobj **obj, int *maxprot, char *name)
{
  struct proc *p = myproc();
  if (fd < 0 || fd >= NOFILE || !p->ofile[fd])
    return -EBADF;
  struct file *f = p->ofile[fd];
  if (f->type == FD_OBJ && f->obj) {        // POSIX shared memory
    *obj = f->obj;
    safestrcpy(name, ((struct vmobj *)f->obj)->name, REGION_NAME);
  } else if (f->type == FD_INODE && f->ip->type == T_FILE) {
    if (!(*obj = vmobj_of_inode(f->ip)))
      return -ENOMEM;
    // the name it was opened by (pmap); the inode number if it has none
    if (f->name[0])
      safestrcpy(name, f->name, REGION_NAME);
    else
      snprintf(name, REGION_NAME, "file:%d", f->ip->inum);
  } else {
    return -ENODEV;                          // pipes, devices, directories
  }
  if (!f->readable)
    return -EACCES;
  *maxprot = PROT_READ | PROT_EXEC;
  if (f->writable || (flags & MAP_PRIVATE))
    *maxprot |= PROT_WRITE;                  // private writes never reach the object
  return 0;
}

// ---- shared-memory objects as open files (the namespace is mm/shm.c's) ----

static int shm_stat(struct file *f, struct stat *st)
{
  struct vmobj *o = f->obj;
  st->type = T_SHM;
  st->nlink = o->name[0] ? 1 : 0;
  st->size = o->size;
  return 0;
}

static int shm_ftruncate(struct file *f, uint64 len)
{
  if (!f->writable)
    return -EINVAL;
  return shm_truncate(f->obj, len);
}

static void shm_close(struct file *f)
{
  vmobj_put(f->obj);
}

static const struct fileops shm_fileops = {
  .stat = shm_stat,
  .truncate = shm_ftruncate,
  .close = shm_close,
};

int64 sys_shm_open(void)
{
  char name[SHM_NAME];
  int err = shm_argname(0, name);
  if (err < 0)
    return err;
  int oflag = argint(1);
  int acc = oflag & 3;
  if (acc != O_RDONLY && acc != O_RDWR)
    return -EINVAL;
  if (oflag & ~(3 | O_CREAT | O_EXCL | O_TRUNC))
    return -EINVAL;

  struct file *f = filealloc();
  if (!f)
    return -ENFILE;
  struct vmobj *o;
  if ((err = shm_get(name, oflag, &o)) < 0) {
    fileclose(f);
    return err;
  }
  if ((oflag & O_TRUNC) && acc == O_RDWR)
    shm_truncate(o, 0);
  f->type = FD_OBJ;
  f->ops = &shm_fileops;
  f->obj = o;
  f->readable = 1;
  f->writable = acc == O_RDWR;
  int fd = fdalloc(f);
  if (fd < 0)
    fileclose(f);
  return fd;
}
