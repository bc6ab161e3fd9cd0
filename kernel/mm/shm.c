// POSIX shared memory: named, memory-only objects. shm_open (the file
// side is fs/fileobj.c's) gives an fd whose object (a VMOBJ_SHM) mmap maps; ftruncate sizes it; shm_unlink
// removes the name, and the memory lives until the last fd and mapping go.
// The namespace holds one reference on each named object.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/errno.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/trap/trap.h"

#define NSHM      32                  // names in the namespace
#define SHM_MAX   (1UL << 30)         // largest object

static struct spinlock shm_lock;
static struct vmobj *names[NSHM];

void shminit(void)
{
  initlock(&shm_lock, "shm");
}

// System-call argument n as a name (SHM_NAME bytes at name): "/name",
// one leading slash, no other, not empty.
int shm_argname(int n, char *name)
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

static uint64 shm_size(struct vmobj *o)
{
  return o->size;
}

// Memory only: no read-in, no write-back; a mapping holds a reference on
// the object itself.
const struct vmobj_ops shm_vmops = {
  .size = shm_size,
  .hold = vmobj_get,
  .release = vmobj_put,
};

// Set the size; a shrink drops the pages past the end from every mapping.
int shm_truncate(struct vmobj *o, uint64 len)
{
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

// The object named name, made if oflag has O_CREAT (and must be, with
// O_EXCL), with a reference for the caller (shm_open's file).
int shm_get(const char *name, int oflag, struct vmobj **out)
{
  int err = 0;
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
  } else if (slot < 0 || !(o = vmobj_alloc(VMOBJ_SHM, &shm_vmops))) {
    err = -ENFILE;
  } else {
    safestrcpy(o->name, name, SHM_NAME);   // vmobj_alloc's reference is the name's
    names[slot] = o;
  }
  if (err == 0)
    vmobj_get(o);                   // the caller's reference
  release(&shm_lock);
  *out = o;
  return err;
}

int64 sys_shm_unlink(void)
{
  char name[SHM_NAME];
  int err = shm_argname(0, name);
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
