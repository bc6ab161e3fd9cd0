#ifndef PAGODA_MM_H
#define PAGODA_MM_H
// The memory system, as the rest of the kernel sees it: frames, address
// spaces, the page fault, memory objects and the page-cache interface the
// file system uses, and user-memory access. What only mm/ uses is in
// mm/mm_internal.h. See docs/book/04-memory.md, docs/book/07-tlb.md and docs/layers.md.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/sleeplock.h"

// ---- frames (frame.c) ----
extern uint64 ram_base, ram_end;   // physical RAM bounds, from the device tree
void   frameinit(uint64 free_start, uint64 dtb_pa, uint64 dtb_size);
uint64 frame_alloc(void);          // a zeroed frame's physical address, or 0
uint64 frame_alloc_copy(uint64 src); // a frame holding a copy of page src, or 0
void   frame_get(uint64 pa);       // one more reference
void   frame_put(uint64 pa);       // one less; freed at zero
void   frame_put_many(uint64 *pas, int n);
uint64 frames_free(void);          // free frames now (a hint: no lock)
void  *kalloc(void);               // a zeroed kernel page (kernel virtual address), or 0
void   kfree(void *kva);

// ---- memory objects (vmobj.c) ----
// An object supplies page n: a file (its inode's cached pages) or a POSIX
// shared-memory object. Every region mapping an object is on its mappers
// list: that is the reverse map used to unmap a page (eviction, truncate).
// mm reaches what owns an object (a file's inode) only through its kind's
// operations: the file kind's are fs/fileobj.c's, shm's are mm/shm.c's.
#define VMOBJ_FILE 1
#define VMOBJ_SHM  2
struct vmobj;
struct vmobj_ops {
  // Reading pages in that are not cached. lock/unlock serialise read-ins
  // with each other and with truncation; lock returns 0 when the caller
  // held it already. size is the object's length in bytes: no page wholly
  // past it is read. readpages starts filling pages first..first+n-1 at
  // kva[i] (0: skip that page) and does not wait: done(addr, len) reports
  // each piece filled, PGSIZE bytes per page in all, from the disk
  // interrupt or before readpages returns (mm/readahead.c). A null
  // readpages means memory only: a missing page is a zeroed one (size
  // checked under o->lock).
  int    (*lock)(struct vmobj *o);
  void   (*unlock)(struct vmobj *o);
  uint64 (*size)(struct vmobj *o);
  void   (*readpages)(struct vmobj *o, uint64 first, int n, char **kva, iodone_fn *done);
  // Write dirty page idx (a copy of it at kva) back; null: nothing to write to.
  int    (*writepage)(struct vmobj *o, uint64 idx, void *kva);
  // Make what writepage wrote durable (msync); null: nothing to do.
  void   (*sync)(struct vmobj *o);
  // A mapping's reference on the object and what owns it. release runs in
  // process context (dropping a file's last reference may free it).
  void   (*hold)(struct vmobj *o);
  void   (*release)(struct vmobj *o);
  // Reclaim's reference, taken under the page-cache lock, to write a page
  // back with no locks held: 0 (and no reference) if the owner is being
  // freed or no longer owns o. While it is held, o stays the owner's.
  int    (*hold_live)(struct vmobj *o);
};

struct inode;
struct vmobj {
  int kind;
  const struct vmobj_ops *ops;
  int ref;                 // regions + open files + (shm) the name; under obj pool lock
  struct spinlock lock;    // mappers list and their ranges; PTEs of its pages; FRAME_DIRTY
  struct inode *ip;        // VMOBJ_FILE: the owner (fs/fileobj.c; opaque to mm)
  uint ino;                // VMOBJ_FILE: its inode number (vmmap)
  int textuse;             // executable mappings of it (aspace.c): ETXTBSY (atomic)
  uint64 size;             // VMOBJ_SHM: bytes (under lock)
  char name[32];           // VMOBJ_SHM: name ("" once unlinked or anonymous)
  struct region *mappers;  // linked through region->objnext
  uint64 npages;           // pages in the cache
  // read-ahead (readahead.c), under the owner's lock (ops->lock)
  uint64 ra_lo, ra_next;   // a miss in [ra_lo, ra_next] is sequential; ra_next: not read ahead yet
  uint ra_win;             // pages the next read-ahead reads
};

void   vmobjinit(void);
void   pagecacheinit(void);
void   shminit(void);
struct vmobj *vmobj_alloc(int kind, const struct vmobj_ops *ops);
void   vmobj_get(struct vmobj *o);
void   vmobj_put(struct vmobj *o);                    // last ref frees its pages
int    vmobj_text_busy(struct vmobj *o);              // mapped executable?

// ---- the page-cache interface (pagecache.c): what fs/ calls ----
// o may be 0 (a file nobody has read through the cache) where noted.
int    pagecache_getpage(struct vmobj *o, uint64 idx, uint64 *pa);  // pa with a ref for the caller
int    pagecache_read(struct vmobj *o, int user_dst, uint64 dst, uint off, uint n);
int    pagecache_getpage_write(struct vmobj *o, uint64 idx, int fill, uint64 *pa);  // for write()
void   pagecache_truncate(struct vmobj *o, uint64 size);    // o may be 0
void   pagecache_zero_tail(struct vmobj *o, uint64 size);   // o may be 0
void   pagecache_forget_obj(struct vmobj *o);

// ---- POSIX shared memory (shm.c): what fs/fileobj.c's shm files call ----
#define SHM_NAME 32                    // bytes of a name, NUL included
int    shm_argname(int n, char *name);  // system-call argument n: "/name"
int    shm_get(const char *name, int oflag, struct vmobj **out);  // a reference for the caller
int    shm_truncate(struct vmobj *o, uint64 len);   // 0, -EFBIG

// ---- the kernel's page table (pagetable.c) ----
extern pagetable_t kernel_root;
void   kvminit(uint64 ram_top);
void   kvm_map_kstack(int slot);   // map the kernel stack of proc slot

// ---- callbacks into fs/ (fs/fileobj.c; docs/layers.md says why) ----
int    file_vmobj(int fd, int flags, struct vmobj **obj, int *maxprot, char *name); // mmap(fd)

// ---- address spaces (aspace.c) ----
#define REG_SHARED  0x1    // writes go to the object and are seen by other mappers
#define REG_STACK   0x2
#define REG_HEAP    0x4
#define REG_USYS    0x8    // the page at USYSCALL: each process its own (fork skips it)

// The leaf-PTE rule (docs/book/04-memory.md): every change to a user leaf PTE,
// by whoever makes it (the owner's fault, fork, mprotect, munmap, or
// another process's eviction or truncation through the reverse map), is
// made holding the space's ptlock, through as_pte_set. A PTE that maps a
// page of an object is installed, made writable (with FRAME_DIRTY set)
// or removed by the reverse map also holding the object's lock, so
// write-back and eviction see a page's mappings and dirty state at once.
#define MAXREGIONS 64      // regions per address space
struct aspace {
  struct sleeplock lock;   // regions and page-table structure
  struct spinlock ptlock;  // leaf PTEs and rss (the leaf-PTE rule)
  int inuse;               // slot taken (aspace.c pool lock)
  int ref;                 // the process + each hart that has it in satp
  pagetable_t root;
  uint64 asid;             // valid while asid_gen is current (tlb.c)
  uint64 asid_gen;
  uint64 harts;            // bit per hart that may cache its translations
  int dead;                // torn down for good: its ASID is retired (tlb_retire)
  struct region *regions;
  int nregions;
  uint64 rss;              // valid leaf PTEs (ptlock)
  uint64 heap_start;       // heap region is [heap_start, brk)
  uint64 brk;
  uint64 cow_next;         // where a sequential COW writer faults next (fault.c: cow_ahead)
};

void   aspaceinit(void);
struct aspace *as_create(void);
void   as_put(struct aspace *as);               // drop a reference (never sleeps)
void   as_teardown(struct aspace *as);          // unmap everything (process context)
int    as_fork(struct aspace *parent, struct aspace *child);
int    region_add(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
                  struct vmobj *obj, uint64 off, const char *name);
int    as_map_page(struct aspace *as, uint64 va, uint64 pa, int prot); // a private page; as->lock held, or as not in use yet
int    as_write(struct aspace *as, uint64 va, const void *src, uint64 n); // into a space not in use yet
int    as_map_usys(struct aspace *as, int pid);  // the read-only page at USYSCALL (exec, fork)
void   as_activate(struct aspace *as);           // load into satp on this hart
void   as_activate_kernel(void);                 // leave user spaces (idle hart, exit)
int    as_current_dead(void);                    // this hart's space has been torn down

// ---- the fault path (fault.c) ----
#define VM_READ  1
#define VM_WRITE 2
#define VM_EXEC  4
#define VM_USER  8     // from user mode: no kernel locks held, may write back to reclaim
int    vm_fault(struct aspace *as, uint64 va, int access);   // 0, -EFAULT, -ENOMEM
void   as_premap_at(struct aspace *as, uint64 va);   // map the cached pages of the file region at va (exec)
extern uint64 fault_delay_us;                           // bootarg faultdelay (tests)
const char *fault_cause(uint64 scause);

// ---- TLB (tlb.c) and its trace (tlbtrace.c, bootarg tlbtrace=1) ----
void   tlbinit(int pool);                 // pool: ASIDs to use, 0 for all the hardware has
void   tlb_boot_flush(void);
extern int tlbtrace_on;
void   tlbtrace_init(void);
void   tlbtrace_run(void);    // the scheduler runs a process on this hart
void   tlbtrace_user(void);   // this hart returns to user mode

// ---- user memory access ----
#include "kernel/mm/uaccess.h"

// ---- statistics (the vmstat system call; counters defined in fault.c) ----
#include "kernel/vmstat.h"
extern struct vmstat vmcount;            // event counters (approximate under races)
#define VMCOUNT(field) __atomic_fetch_add(&vmcount.field, 1, __ATOMIC_RELAXED)
#define VMCOUNT_SUB(field) __atomic_fetch_sub(&vmcount.field, 1, __ATOMIC_RELAXED)
// Bytes of a region's name, NUL included: what vmmap reports.
#define REGION_NAME ((int)sizeof ((struct vmregion *)0)->name)
#endif
