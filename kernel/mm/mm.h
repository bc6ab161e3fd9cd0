#ifndef PAGODA_MM_H
#define PAGODA_MM_H
// The memory system: frames, page tables, address spaces made of regions,
// the one page-fault path, TLB control, and user-memory access.
// See docs/memory.md and docs/tlb.md.
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/spinlock.h"
#include "kernel/proc/sleeplock.h"

// ---- frames (frame.c): one struct frame per physical page of RAM ----
struct frame {
  int ref;                 // mappings + kernel users; 0 = free
  uint flags;
  struct frame *next;      // free list; hash chain while in the page cache
  struct vmobj *obj;       // page cache: the object and page index it caches
  uint64 index;
  uint io;                 // FRAME_BUSY: bytes still to arrive
};
#define FRAME_KERNEL  0x1  // holds a kernel structure (page table, pipe, ...)
#define FRAME_CACHE   0x2  // in the page cache (obj, index valid)
#define FRAME_DIRTY   0x4  // written through a shared mapping, not yet written back (o->lock)
#define FRAME_REF     0x8  // used since the reclaim clock last passed
#define FRAME_BUSY    0x10 // page-cache page being read: not valid yet (pagecache.c)
#define FRAME_AHEAD   0x20 // read ahead, not used yet (counts readahead_hits)
#define FRAME_MARK    0x40 // read-ahead mark: reaching it reads the next window (readahead.c)

extern uint64 ram_base, ram_end;   // physical RAM bounds, from the device tree
void   frameinit(uint64 free_start, uint64 dtb_pa, uint64 dtb_size);
uint64 frame_alloc(void);          // a zeroed frame's physical address, or 0
uint64 frame_alloc_copy(uint64 src); // a frame holding a copy of page src, or 0
void   frame_get(uint64 pa);       // one more reference
void   frame_put(uint64 pa);       // one less; freed at zero
int    frame_refcount(uint64 pa);
struct frame *pa2frame(uint64 pa);
void  *kalloc(void);               // a zeroed kernel page (kernel virtual address), or 0
void   kfree(void *kva);
void   frame_stats(uint64 *total, uint64 *free, uint64 *shared);
void   frame_stats_quick(uint64 *total, uint64 *free);
uint64 frame_pa(struct frame *f);
uint64 nframes_total(void);
struct frame *frame_at(uint64 i);

// ---- memory objects (vmobj.c) and the page cache (pagecache.c) ----
// An object supplies page n: a file (its inode's cached pages) or a POSIX
// shared-memory object. Every region mapping an object is on its mappers
// list: that is the reverse map used to unmap a page (eviction, truncate).
#define VMOBJ_FILE 1
#define VMOBJ_SHM  2
struct inode;
struct vmobj {
  int kind;
  int ref;                 // regions + open files + (shm) the name; under obj pool lock
  struct spinlock lock;    // mappers list and their ranges; PTEs of its pages; FRAME_DIRTY
  struct inode *ip;        // VMOBJ_FILE
  uint64 size;             // VMOBJ_SHM: bytes (under lock)
  char name[32];           // VMOBJ_SHM: name ("" once unlinked or anonymous)
  struct region *mappers;  // linked through region->objnext
  uint64 npages;           // pages in the cache
  // VMOBJ_FILE read-ahead (readahead.c), under the inode's lock
  uint64 ra_lo, ra_next;   // a miss in [ra_lo, ra_next] is sequential; ra_next: not read ahead yet
  uint ra_win;             // pages the next read-ahead reads
};

void   vmobjinit(void);
void   pagecacheinit(void);
void   shminit(void);
struct vmobj *vmobj_of_inode(struct inode *ip);      // the file's object (created on demand)
struct vmobj *vmobj_alloc(int kind);
void   vmobj_get(struct vmobj *o);
void   vmobj_put(struct vmobj *o);                    // last ref frees its pages
void   vmobj_stats(uint64 *nshm, uint64 *frames);
int    vmobj_getpage(struct vmobj *o, uint64 idx, uint64 *pa);  // pa with a ref for the caller
void   vmobj_add_mapper(struct vmobj *o, struct region *r);
void   vmobj_remove_mapper(struct vmobj *o, struct region *r);
void   vmobj_unmap_page(struct vmobj *o, uint64 idx, uint64 pa);
int    vmobj_clean_page(struct vmobj *o, uint64 idx, uint64 pa, int unmap);
int    vmobj_writeback(struct vmobj *o, uint64 lo, uint64 hi);  // dirty pages [lo, hi) (indices)
void   vmobj_set_range(struct vmobj *o, struct region *r, uint64 start, uint64 end, uint64 off);

uint64 pc_find(struct vmobj *o, uint64 idx);          // cached frame with a ref, or 0 (waits if busy)
uint64 pc_peek(struct vmobj *o, uint64 idx);          // same, never waiting: 0 if busy or a mark
int    pc_take_mark(uint64 pa);                       // clear FRAME_MARK: 1 if it was set
int    pc_insert(struct vmobj *o, uint64 idx, uint64 pa);
int    pc_insert_reading(struct vmobj *o, uint64 idx, uint64 pa, uint flags);  // busy, + a ref for the read
void   pc_read_done(char *kva, uint32 len);           // len bytes of a busy page are there
int    file_getpage(struct vmobj *o, uint64 idx, uint64 *pa);   // readahead.c: read in, read ahead
void   pc_truncate(struct vmobj *o, uint64 size);     // drop pages past size, zero the tail
void   pc_drop_all(struct vmobj *o);                  // forget every (clean) page
int    pc_find_range(struct vmobj *o, uint64 lo, uint64 hi, uint64 *idx, int max);
int    pc_reclaim(int want, int may_unmap);           // evict pages; returns frames freed
uint64 frame_alloc_reclaim(void);                     // frame_alloc, evicting clean pages if need be
uint64 frame_copy_reclaim(uint64 src);                // frame_alloc_copy, the same way
void   pc_reclaim_if_low(int may_unmap);              // keep LOW_WATER frames free
int    pc_low(void);                                  // below the low-water mark?
// fs hooks (fs/fs.c calls these). mm calls into fs only to read and write
// file pages: vmobj.c (read-in, write-back) and pagecache.c (reclaim).
int    pagecache_getpage(struct inode *ip, uint64 idx, uint64 *pa);
int    pagecache_read(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
void   pagecache_write(struct inode *ip, uint off, const void *src, uint n);
void   pagecache_truncate(struct inode *ip, uint64 size);
void   pagecache_zero_tail(struct inode *ip, uint64 size);
void   pagecache_forget(struct inode *ip);
void   pagecache_forget_obj(struct vmobj *o);

// ---- Sv39 page tables (pagetable.c) ----
extern pagetable_t kernel_root;
void   kvminit(uint64 kernel_pa_end);
void   kvm_map_kstack(int slot);   // map the kernel stack of proc slot
pte_t *walk(pagetable_t pt, uint64 va, int alloc);
pte_t *pt_next_leaf(pagetable_t root, uint64 *va, uint64 end);  // next valid leaf in [*va, end)
int    pt_map(pagetable_t pt, uint64 va, uint64 pa, uint64 size, uint64 perm, int level);
pagetable_t pt_new_user_root(void); // a root sharing the kernel half
void   pt_free_user(pagetable_t pt);  // free the user-half tables (not the frames they map)

// ---- address spaces and regions (aspace.c) ----
#define REG_SHARED  0x1    // writes go to the object and are seen by other mappers
#define REG_STACK   0x2
#define REG_HEAP    0x4

struct region {
  uint64 start, end;       // [start, end), page-aligned
  int prot;                // PROT_READ | PROT_WRITE | PROT_EXEC
  int maxprot;             // what the object allows (mprotect cannot exceed it)
  struct aspace *as;       // owner (for the reverse map)
  struct region *objnext;  // next mapper of obj
  int flags;               // REG_*
  struct vmobj *obj;       // backing object, or 0 for anonymous memory
  uint64 off;              // byte offset of start in obj
  char name[24];           // as long as struct vmregion's
  struct region *next;     // sorted by start
};

// The leaf-PTE rule (docs/memory.md): every change to a user leaf PTE,
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
  struct region *regions;
  int nregions;
  uint64 rss;              // valid leaf PTEs (ptlock)
  uint64 heap_start;       // heap region is [heap_start, brk)
  uint64 brk;
};

void   aspaceinit(void);
struct aspace *as_create(void);
void   as_put(struct aspace *as);               // drop a reference (never sleeps)
void   as_teardown(struct aspace *as);          // unmap everything (process context)
int    as_fork(struct aspace *parent, struct aspace *child);
uint64 as_find_gap(struct aspace *as, uint64 len, uint64 hint);
struct region *region_find(struct aspace *as, uint64 va);
struct region *region_overlap(struct aspace *as, uint64 start, uint64 end);
int    region_add(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
                  struct vmobj *obj, uint64 off, const char *name);
int    region_insert(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
                     struct vmobj *obj, uint64 off, const char *name, struct region **out);
void   region_set_prot(struct region *r, int prot);
int    region_writeback(struct region *r, uint64 start, uint64 end);
void   as_pte_set(struct aspace *as, uint64 va, pte_t *pte, pte_t new); // holding as->ptlock
int    as_map_page(struct aspace *as, uint64 va, uint64 pa, int prot); // a private page, as->lock held
void   as_unmap_range(struct aspace *as, uint64 start, uint64 end); // PTEs + frames
int    as_remove(struct aspace *as, uint64 start, uint64 end);      // regions too
int    as_sbrk(struct aspace *as, int64 n, uint64 *old);
void   as_activate(struct aspace *as);           // load into satp on this hart
void   as_activate_kernel(void);                 // leave user spaces (idle hart)

// ---- the fault path (fault.c) ----
#define VM_READ  1
#define VM_WRITE 2
#define VM_EXEC  4
#define VM_USER  8     // from user mode: no kernel locks held, may write back to reclaim
int    vm_fault(struct aspace *as, uint64 va, int access);   // 0, -EFAULT, -ENOMEM
void   as_premap(struct aspace *as, struct region *r);   // map an executable file region's cached pages
extern uint64 fault_delay_us;                           // bootarg faultdelay (tests)
const char *fault_cause(uint64 scause);
uint64 pte_rights(int prot);

// ---- TLB (tlb.c): the only place that executes sfence.vma ----
void   tlbinit(int asid_bits);
void   tlb_flush_page(struct aspace *as, uint64 va);          // after a downgrade/removal
void   tlb_flush_range(struct aspace *as, uint64 lo, uint64 hi);
void   tlb_spurious(struct aspace *as, uint64 va);            // a fault found the PTE already allowing it
void   tlb_switch(struct aspace *as);                          // satp for as (asid, generation)
void   tlb_switch_kernel(void);
void   tlb_boot_flush(void);

// ---- TLB trace (tlbtrace.c): bootarg tlbtrace=1 prints every leaf-PTE
// change, fence, satp switch and frame free, for the host TLB model
// (tests/tlbmodel.c) to replay. Off, it costs a load and a branch.
#define TT_PAGE  1   // sfence.vma va, asid on this hart
#define TT_ASID  2   // sfence.vma zero, asid on this hart
#define TT_ALL   3   // sfence.vma zero, zero on this hart
#define TT_REMOTE 4  // SBI remote fence of [va, va+size) to the harts in mask
extern int tlbtrace_on;
void   tlbtrace_init(void);
void   tlbtrace_pte(struct aspace *as, uint64 va, pte_t old, pte_t new);
void   tlbtrace_fence(int kind, uint64 asid, uint64 va, uint64 size, uint64 mask);
void   tlbtrace_switch(struct aspace *as);   // this hart's satp now names as (0: the kernel's)
void   tlbtrace_free(uint64 pa);             // a frame went back to the free list

// ---- user memory access (uaccess.c, usercopy.S) ----
int    copyin(void *dst, uint64 srcva, uint64 len);    // 0 or -EFAULT
int    copyout(uint64 dstva, const void *src, uint64 len);
int    copyinstr(char *dst, uint64 srcva, uint64 max); // length, -EFAULT, -ENAMETOOLONG
int    uaccess_fixup(uint64 *sepc);                    // trap.c: is sepc in uaccess code?
uint64 uaccess_fault_pc(void);                         // where a failed access resumes
int    user_buffer_ok(uint64 va, uint64 len, int access); // all inside regions with rights?

// ---- statistics (vmstat.c) ----
#include "kernel/vmstat.h"
extern struct vmstat vmcount;            // event counters (approximate under races)
#define VMCOUNT(field) __atomic_fetch_add(&vmcount.field, 1, __ATOMIC_RELAXED)
#define VMCOUNT_SUB(field) __atomic_fetch_sub(&vmcount.field, 1, __ATOMIC_RELAXED)
#endif
