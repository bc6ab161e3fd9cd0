// Physical frames. Every page of RAM has a struct frame and a reference
// count (in frame_refs): a frame is free at 0, private at 1, shared (COW,
// shared memory) above 1. frame_alloc/frame_get/frame_put are the only
// way to own one.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/memlayout.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/boot/dtb.h"

uint64 ram_base, ram_end;
struct frame *frames;            // one per page in [ram_base, ram_end)
int *frame_refs;                 // frames[i]'s reference count (mm_internal.h: frame_refp)
static uint64 nframes;

static struct {
  struct spinlock lock;
  struct frame *free;
  uint64 nfree;
} fl;

void frame_bad(uint64 pa, const char *why)
{
  panic("frame %p: %s", (void *)pa, why);
}

static uint64 frame2pa(struct frame *f)
{
  return ram_base + ((uint64)(f - frames) << PGSHIFT);
}

uint64 frame_pa(struct frame *f)
{
  return frame2pa(f);
}

uint64 nframes_total(void)
{
  return nframes;
}

struct frame *frame_at(uint64 i)
{
  return &frames[i];
}

uint64 frames_free(void)
{
  return __atomic_load_n(&fl.nfree, __ATOMIC_RELAXED);
}

void frame_stats_quick(uint64 *total, uint64 *nfree)
{
  *total = nframes;
  *nfree = fl.nfree;
}

// free_start: first byte after the kernel image. The frame array and the
// counts are carved from the start of free memory; the DTB stays reserved.
void frameinit(uint64 free_start, uint64 dtb_pa, uint64 dtb_size)
{
  initlock(&fl.lock, "frames");
  ram_base = bootinfo.ram_base;     // the device tree knows the RAM size
  ram_end = bootinfo.ram_base + bootinfo.ram_size;
  nframes = (ram_end - ram_base) >> PGSHIFT;
  frames = P2V(PGROUNDUP(free_start));
  frame_refs = (int *)(frames + nframes);
  uint64 first = PGROUNDUP(V2P(frame_refs + nframes));
  memset(frames, 0, nframes * (sizeof(struct frame) + sizeof(int)));
  uint64 dtb_lo = PGROUNDDOWN(dtb_pa), dtb_hi = PGROUNDUP(dtb_pa + dtb_size);
  for (uint64 pa = ram_end - PGSIZE; pa >= first; pa -= PGSIZE) {
    struct frame *f = pa2frame(pa);
    if (pa >= dtb_lo && pa < dtb_hi) {
      *frame_refp(pa) = 1;   // reserved forever
      f->flags = FRAME_KERNEL;
      continue;
    }
    f->next = fl.free;
    fl.free = f;
    fl.nfree++;
  }
  // Everything below `first` (firmware, kernel image, frame array) is never free.
  for (uint64 pa = ram_base; pa < first; pa += PGSIZE) {
    *frame_refp(pa) = 1;
    pa2frame(pa)->flags = FRAME_KERNEL;
  }
  printf("frames: %d free of %d (%d KiB of frame structs and counts)\n", (int)fl.nfree,
         (int)nframes, (int)(nframes * (sizeof(struct frame) + sizeof(int)) >> 10));
}

// A frame off the free list, its contents as they were; 0 if none.
static uint64 take(void)
{
  acquire(&fl.lock);
  struct frame *f = fl.free;
  if (f) {
    ASSERT(frame_refs[f - frames] == 0);
    fl.free = f->next;
    fl.nfree--;
    frame_refs[f - frames] = 1;
    f->flags = 0;
    f->next = 0;
  }
  release(&fl.lock);
  return f ? frame2pa(f) : 0;
}

uint64 frame_alloc(void)
{
  uint64 pa = take();
  if (pa)
    memset(P2V(pa), 0, PGSIZE);
  return pa;
}

// A frame holding a copy of page src (a COW break): not zeroed first.
uint64 frame_alloc_copy(uint64 src)
{
  uint64 pa = take();
  if (pa)
    memmove(P2V(pa), P2V(src), PGSIZE);
  return pa;
}

void frame_get(uint64 pa)
{
  frame_ref(pa);
}

// Drop a reference to pa (frame i); 1 if it was the last (the caller
// frees the frame).
static inline int unref(uint64 pa, uint64 i)
{
  // Release: our uses of the frame come before the drop. Only the last
  // dropper needs acquire too (every other holder's uses come before
  // the free), so it alone pays the fence.
  int old = __atomic_fetch_sub(&frame_refs[i], 1, __ATOMIC_RELEASE);
  if (old > 1)
    return 0;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (old <= 0)
    frame_bad(pa, "frame_put of a free frame");
  if (frames[i].flags & FRAME_CACHE)
    panic("frame_put: %p still in the page cache", (void *)pa);
  if (tlbtrace_on)
    tlbtrace_free(pa);
  return 1;
}

// f goes on the free list. fl.lock is held.
static void give_back(struct frame *f)
{
  f->flags = 0;
  f->next = fl.free;
  fl.free = f;
  fl.nfree++;
}

void frame_put(uint64 pa)
{
  uint64 i = frame_index(pa);
  if (!unref(pa, i))
    return;
  acquire(&fl.lock);
  give_back(&frames[i]);
  release(&fl.lock);
}

// frame_put of n frames, taking the free list's lock once for all those
// freed (an exit gives back thousands).
void frame_put_many(uint64 *pas, int n)
{
  struct frame *freed = 0;
  for (int k = 0; k < n; k++) {
    uint64 i = frame_index(pas[k]);
    if (unref(pas[k], i)) {
      frames[i].next = freed;
      freed = &frames[i];
    }
  }
  if (!freed)
    return;
  acquire(&fl.lock);
  while (freed) {
    struct frame *f = freed;
    freed = f->next;
    give_back(f);
  }
  release(&fl.lock);
}

int frame_refcount(uint64 pa)
{
  return __atomic_load_n(frame_refp(pa), __ATOMIC_ACQUIRE);
}

void *kalloc(void)
{
  uint64 pa = frame_alloc();
  if (!pa)
    return 0;
  pa2frame(pa)->flags = FRAME_KERNEL;
  return P2V(pa);
}

void kfree(void *kva)
{
  frame_put(V2P(kva));
}

void frame_stats(uint64 *total, uint64 *nfree, uint64 *shared)
{
  *total = nframes;
  *nfree = fl.nfree;
  uint64 s = 0;
  for (uint64 i = 0; i < nframes; i++)
    if (frame_refs[i] > 1 && !(frames[i].flags & FRAME_KERNEL))
      s++;
  *shared = s;
}
