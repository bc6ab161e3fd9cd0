// POSIX shared memory: named, memory-only objects. shm_open gives an fd
// whose object (a VMOBJ_SHM) mmap maps; ftruncate sizes it; shm_unlink
// removes the name, and the memory lives until the last fd and mapping go.
// The namespace holds one reference on each named object.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm.h"
#include "kernel/fs/file.h"
#include "kernel/trap/trap.h"

#define NSHM      32                  // names in the namespace
#define SHM_NAME  32                  // bytes of a name, NUL included
#define SHM_MAX   (1UL << 30)         // largest object

static struct spinlock shm_lock;
static struct vmobj *names[NSHM];

void shminit(void)
{
  initlock(&shm_lock, "shm");
}

// "/name": one leading slash, no other, not empty.
static int get_name(int n, char *name)
{
  int len = argstr(n, name, SHM_NAME);
  if (len < 0)
    return len;
  if (len < 2 || name[0] != '/')
    return -EINVAL;
  for (int i = 1; i < len; i++)
    if (name[i] == '/')
      return -EINVAL;
  return 0;
}

static int shm_stat(struct file *f, struct stat *st)
{
  struct vmobj *o = f->obj;
  st->type = T_SHM;
  st->nlink = o->name[0] ? 1 : 0;
  st->size = o->size;
  return 0;
}

static int shm_truncate(struct file *f, uint64 len)
{
  struct vmobj *o = f->obj;
  if (!f->writable)
    return -EINVAL;
  if (len > SHM_MAX)
    return -EFBIG;
  acquire(&o->lock);        // getpage reads the size under it
  uint64 old = o->size;
  o->size = len;
  release(&o->lock);
  if (len < old)
    pc_truncate(o, len);   // unmapped everywhere, with remote fences
  return 0;
}

static void shm_close(struct file *f)
{
  vmobj_put(f->obj);
}

static const struct fileops shm_ops = {
  .stat = shm_stat,
  .truncate = shm_truncate,
  .close = shm_close,
};

int64 sys_shm_open(void)
{
  char name[SHM_NAME];
  int err = get_name(0, name);
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
  acquire(&shm_lock);
  struct vmobj *o = 0;
  int slot = -1;
  for (int i = 0; i < NSHM; i++) {
    if (names[i] && strncmp(names[i]->name, name, SHM_NAME) == 0)
      o = names[i];
    else if (!names[i] && slot < 0)
      slot = i;
  }
  if (o) {
    if ((oflag & O_CREAT) && (oflag & O_EXCL))
      err = -EEXIST;
  } else if (!(oflag & O_CREAT)) {
    err = -ENOENT;
  } else if (slot < 0 || !(o = vmobj_alloc(VMOBJ_SHM))) {
    err = -ENFILE;
  } else {
    safestrcpy(o->name, name, SHM_NAME);   // vmobj_alloc's reference is the name's
    names[slot] = o;
  }
  if (err == 0)
    vmobj_get(o);                   // the file's reference
  release(&shm_lock);
  if (err < 0) {
    fileclose(f);
    return err;
  }
  if ((oflag & O_TRUNC) && acc == O_RDWR) {
    acquire(&o->lock);
    o->size = 0;
    release(&o->lock);
    pc_truncate(o, 0);
  }
  f->type = FD_OBJ;
  f->ops = &shm_ops;
  f->obj = o;
  f->readable = 1;
  f->writable = acc == O_RDWR;
  struct proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (!p->ofile[fd]) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  fileclose(f);
  return -EMFILE;
}

int64 sys_shm_unlink(void)
{
  char name[SHM_NAME];
  int err = get_name(0, name);
  if (err < 0)
    return err;
  struct vmobj *o = 0;
  acquire(&shm_lock);
  for (int i = 0; i < NSHM; i++) {
    if (names[i] && strncmp(names[i]->name, name, SHM_NAME) == 0) {
      o = names[i];
      names[i] = 0;
      o->name[0] = 0;
      break;
    }
  }
  release(&shm_lock);
  if (!o)
    return -ENOENT;
  vmobj_put(o);     // the namespace's reference
  return 0;
}
