#ifndef PAGODA_MM_INTERNAL_H
#define PAGODA_MM_INTERNAL_H
// What only mm/ uses: frame bookkeeping, page-table walks, the page
// cache's index, regions, the reverse map, TLB control. The rest of the
// kernel includes kernel/mm/mm.h (tools/layers.sh --check enforces it).
#include "kernel/mm/mm.h"

// ---- frames (frame.c): one struct frame per physical page of RAM ----
// Its reference count (mappings + kernel users; 0 = free) is kept apart,
// in frame_refs: see frame_refp.
struct frame {
  uint flags;
  struct frame *next;      // free list; hash chain while in the page cache
  struct vmobj *obj;       // page cache: the object and page index it caches
  uint index;              // (objects are at most 1 GiB: 2^18 pages)
  uint io;                 // FRAME_BUSY: bytes still to arrive
};
_Static_assert(sizeof(struct frame) == 32, "struct frame: 32 bytes, so frames[i] is one shift");
#define FRAME_KERNEL  0x1  // holds a kernel structure (page table, pipe, ...)
#define FRAME_CACHE   0x2  // in the page cache (obj, index valid)
#define FRAME_DIRTY   0x4  // written through a shared mapping, not yet written back (o->lock)
#define FRAME_REF     0x8  // used since the reclaim clock last passed
#define FRAME_BUSY    0x10 // page-cache page being read: not valid yet (pagecache.c)
#define FRAME_AHEAD   0x20 // read ahead, not used yet (counts readahead_hits)
#define FRAME_MARK    0x40 // read-ahead mark: reaching it reads the next window (readahead.c)

int    frame_refcount(uint64 pa);
void   frame_bad(uint64 pa, const char *why) __attribute__((noreturn));
void   frame_stats(uint64 *total, uint64 *nfree, uint64 *shared);
void   frame_stats_quick(uint64 *total, uint64 *nfree);
uint64 frame_pa(struct frame *f);
uint64 nframes_total(void);
struct frame *frame_at(uint64 i);

// The frame of pa and its reference count, and frame_get's body
// (frame_ref): inline, because fork takes a reference for every page it
// shares and exit drops one for every page it unmaps.
extern struct frame *frames;     // frame.c: one per page in [ram_base, ram_end)
extern int *frame_refs;          // frame.c: frame_refs[i] is frames[i]'s count
static inline uint64 frame_index(uint64 pa)
{
  if (pa - ram_base >= ram_end - ram_base)    // unsigned: below ram_base wraps high
    frame_bad(pa, "outside RAM");
  return (pa - ram_base) >> PGSHIFT;
}

static inline struct frame *pa2frame(uint64 pa)
{
  return &frames[frame_index(pa)];
}

// The counts are an array of their own, 4 bytes a frame, because fork
// and exit touch nothing else of a frame: the counts of a 64 MiB heap
// span 16 pages, where its struct frames span 128 (or, scattered, up to
// all 256 of a 128 MiB machine's), and under QEMU each page touched is a
// TLB refill after every satp write.
static inline int *frame_refp(uint64 pa)
{
  return &frame_refs[frame_index(pa)];
}

static inline int frame_count(struct frame *f)
{
  return __atomic_load_n(&frame_refs[f - frames], __ATOMIC_RELAXED);
}

// One more reference to a frame the caller knows is in use (it holds a
// reference, or a PTE it has locked maps the frame): the count cannot be
// reaching 0 meanwhile, so the increment needs no ordering.
static inline void frame_ref(uint64 pa)
{
  if (__atomic_fetch_add(frame_refp(pa), 1, __ATOMIC_RELAXED) <= 0)
    frame_bad(pa, "frame_get of a free frame");
}

// ---- memory objects (vmobj.c): the reverse map and write-back ----
void   vmobj_stats(uint64 *nshm, uint64 *frames);
int    vmobj_getpage(struct vmobj *o, uint64 idx, uint64 *pa);  // pa with a ref for the caller
void   vmobj_add_mapper(struct vmobj *o, struct region *r);
void   vmobj_remove_mapper(struct vmobj *o, struct region *r);
void   vmobj_unmap_page(struct vmobj *o, uint64 idx, uint64 pa);
int    vmobj_clean_page(struct vmobj *o, uint64 idx, uint64 pa, int unmap);
int    vmobj_writeback(struct vmobj *o, uint64 lo, uint64 hi);  // dirty pages [lo, hi) (indices)
void   vmobj_set_range(struct vmobj *o, struct region *r, uint64 start, uint64 end, uint64 off);
extern const struct vmobj_ops shm_vmops;   // shm.c: memory-only objects

// ---- the page cache's index and reclaim (pagecache.c) ----
uint64 pc_find(struct vmobj *o, uint64 idx);          // cached frame with a ref, or 0 (waits if busy)
uint64 pc_peek(struct vmobj *o, uint64 idx);          // same, never waiting: 0 if busy or a mark
int    pc_take_mark(uint64 pa);                       // clear FRAME_MARK: 1 if it was set
int    pc_insert(struct vmobj *o, uint64 idx, uint64 pa);
int    pc_insert_reading(struct vmobj *o, uint64 idx, uint64 pa, uint flags);  // busy, + a ref for the read
void   pc_read_done(char *kva, uint32 len);           // len bytes of a busy page are there
int    ra_getpage(struct vmobj *o, uint64 idx, uint64 *pa);   // readahead.c: read in, read ahead
void   pc_truncate(struct vmobj *o, uint64 size);     // drop pages past size, zero the tail
void   pc_drop_all(struct vmobj *o);                  // forget every (clean) page
int    pc_find_range(struct vmobj *o, uint64 lo, uint64 hi, uint64 *idx, int max);
int    pc_reclaim(int want, int may_unmap);           // evict pages; returns frames freed
uint64 frame_alloc_reclaim(void);                     // frame_alloc, evicting clean pages if need be
uint64 frame_copy_reclaim(uint64 src);                // frame_alloc_copy, the same way
void   pc_reclaim_if_low(int may_unmap);              // keep LOW_WATER frames free
int    pc_low(void);                                  // below the low-water mark?

// ---- Sv39 page tables (pagetable.c) ----
pte_t *walk(pagetable_t pt, uint64 va, int alloc);
pte_t *pt_next_leaf(pagetable_t root, uint64 *va, uint64 end);  // next valid leaf in [*va, end)
int    pt_map(pagetable_t pt, uint64 va, uint64 pa, uint64 size, uint64 perm, int level);
pagetable_t pt_new_user_root(void); // a root sharing the kernel half
void   pt_free_user(pagetable_t root);  // free the user-half tables (not the frames they map)

// ---- regions (region.c, aspace.c) ----
struct region {
  uint64 start, end;       // [start, end), page-aligned
  int prot;                // PROT_READ | PROT_WRITE | PROT_EXEC
  int maxprot;             // what the object allows (mprotect cannot exceed it)
  struct aspace *as;       // owner (for the reverse map)
  struct region *objnext;  // next mapper of obj
  int flags;               // REG_*
  struct vmobj *obj;       // backing object, or 0 for anonymous memory
  uint64 off;              // byte offset of start in obj
  char name[REGION_NAME];  // as long as struct vmregion's
  struct region *next;     // sorted by start
};

uint64 as_find_gap(struct aspace *as, uint64 len, uint64 hint);
struct region *region_find(struct aspace *as, uint64 va);
struct region *region_overlap(struct aspace *as, uint64 start, uint64 end);
int    region_insert(struct aspace *as, uint64 start, uint64 end, int prot, int flags,
                     struct vmobj *obj, uint64 off, const char *name, struct region **out);
void   region_set_prot(struct region *r, int prot);
int    region_writeback(struct region *r, uint64 start, uint64 end);
void   as_unmap_range(struct aspace *as, uint64 start, uint64 end); // PTEs + frames
int    as_remove(struct aspace *as, uint64 start, uint64 end);      // regions too
int    as_sbrk(struct aspace *as, int64 n, uint64 *old);
uint64 pte_rights(int prot);
void   as_premap(struct aspace *as, struct region *r);   // map an executable file region's cached pages (fault.c)

// ---- TLB (tlb.c): the only place that executes sfence.vma ----
void   tlb_flush_page(struct aspace *as, uint64 va);          // after a downgrade/removal
void   tlb_flush_range(struct aspace *as, uint64 lo, uint64 hi);
void   tlb_spurious(struct aspace *as, uint64 va);            // a fault found the PTE already allowing it
void   tlb_switch(struct aspace *as);                          // satp for as (asid, generation)
void   tlb_switch_kernel(void);
void   tlb_retire(struct aspace *as);                          // as will never run again: no more fences

// ---- TLB trace (tlbtrace.c): bootarg tlbtrace=1 prints every leaf-PTE
// change, fence, satp switch and frame free, for the host TLB model
// (tests/tlbmodel.c) to replay. Off, it costs a load and a branch.
#define TT_PAGE  1   // sfence.vma va, asid on this hart
#define TT_ASID  2   // sfence.vma zero, asid on this hart
#define TT_ALL   3   // sfence.vma zero, zero on this hart
#define TT_REMOTE 4  // SBI remote fence of [va, va+size) to the harts in mask
void   tlbtrace_pte(struct aspace *as, uint64 va, pte_t old, pte_t new);
void   tlbtrace_fence(int kind, uint64 asid, uint64 va, uint64 size, uint64 mask);
void   tlbtrace_switch(struct aspace *as);   // this hart's satp now names as (0: the kernel's)
void   tlbtrace_free(uint64 pa);             // a frame went back to the free list
void   tlbtrace_retire(struct aspace *as);   // as's ASID will not be used again

// Change a leaf PTE of as. Every change to a user leaf PTE goes through
// here, under as->ptlock (the leaf-PTE rule in mm.h); rss follows.
// Inline: fork and exit call it for every page.
void   as_pte_unlocked(struct aspace *as, uint64 va) __attribute__((noreturn));
static inline void as_pte_set(struct aspace *as, uint64 va, pte_t *pte, pte_t new)
{
  if (!holding(&as->ptlock))
    as_pte_unlocked(as, va);
  if (tlbtrace_on)
    tlbtrace_pte(as, va, *pte, new);
  if ((*pte & PTE_V) && !(new & PTE_V))
    as->rss--;
  else if (!(*pte & PTE_V) && (new & PTE_V))
    as->rss++;
  *pte = new;
}

// as_pte_set for the n PTEs of a run in one leaf table that are all
// invalid (a child's table at fork): pte[i] becomes new[i] (0 leaves it
// invalid), with the lock checked and rss counted once for the run.
static inline void as_pte_fill(struct aspace *as, uint64 va, pte_t *pte, const pte_t *new, int n)
{
  if (!holding(&as->ptlock))
    as_pte_unlocked(as, va);
  int added = 0, trace = tlbtrace_on;
  for (int i = 0; i < n; i++) {
    if (!new[i])
      continue;
    if (pte[i] & PTE_V)
      frame_bad(PTE2PA(pte[i]), "as_pte_fill over a valid PTE");
    if (trace)
      tlbtrace_pte(as, va + (uint64)i * PGSIZE, pte[i], new[i]);
    pte[i] = new[i];
    added++;
  }
  as->rss += added;
}

// as_pte_set(..., 0) for every valid PTE of a run of n in one leaf table
// (unmap, exit): their frames' addresses go to pas. Returns how many.
static inline int as_pte_clear(struct aspace *as, uint64 va, pte_t *pte, int n, uint64 *pas)
{
  if (!holding(&as->ptlock))
    as_pte_unlocked(as, va);
  int k = 0, trace = tlbtrace_on;
  for (int i = 0; i < n; i++) {
    pte_t e = pte[i];
    if (!(e & PTE_V))
      continue;
    if (trace)
      tlbtrace_pte(as, va + (uint64)i * PGSIZE, e, 0);
    pas[k++] = PTE2PA(e);
    pte[i] = 0;
  }
  as->rss -= k;
  return k;
}
#endif
