// Driver for the virtio block device (the disk) of QEMU virt, through the
// modern virtio-mmio interface. QEMU must run with
//   -global virtio-mmio.force-legacy=false
//   -drive file=fs.img,if=none,format=raw,id=x0
//   -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
//
// How a request travels: submit() builds a chain of descriptors (the
// request header, one or more data segments, a status byte), puts the
// chain's head in the available ring and notifies the device. The segments
// of one request cover consecutive sectors, in order: a run of consecutive
// blocks is one request, however its memory is scattered (spec 5.2.6: the
// data of a request is the concatenation of its segments). The device does
// the transfer by DMA, writes the status byte, puts the head in the used
// ring, and interrupts; virtio_disk_intr() notes the status in the
// request's struct waiter, frees the chain, and wakes the waiter when the
// last of its requests is done (an asynchronous read has no waiter: the
// interrupt calls its completion function instead, virtio_disk_read_async). Freeing chains in the interrupt, not in the
// sleeping caller, matters: a caller may submit many requests before it
// waits, and one that sleeps for descriptors is then sure to get them as
// soon as its own earlier requests finish.
//
// virtio_disk_flush() sends a FLUSH (two descriptors: header and status):
// the device answers once every write it completed before is durable.
//
// Bootarg blktrace=1 prints one line per write or FLUSH when it is
// submitted and one when it completes, for the host checker of the
// commit's ordering rules (tests/blkcheck.c, docs/book/10-fs.md):
//   BT W id block nblocks word0   a write of nblocks blocks from block on;
//                                 word0: its first 4 bytes (a log
//                                 header's count)
//   BT F id                       a FLUSH
//   BT C id                       request id completed
// Each line ends with a checksum of its text (traceline).
//
// The device reads and writes our memory by physical address. Everything it
// touches (the rings, request headers, status bytes, struct buf data and
// page-cache pages) lives in the kernel's direct map, where physical =
// V2P(virtual), and a segment must be physically contiguous: within one
// buf, or within one page.
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fs.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/sched.h"
#include "kernel/fs/buf.h"
#include "kernel/dev/dev.h"
#include "kernel/dev/virtio.h"

#define NUM VIRTQ_NUM
#define SECTORS_PER_BLOCK (BSIZE / VIRTIO_BLK_SECTOR_SIZE)

// The 32-bit virtio-mmio register at offset off, through the direct map.
static inline volatile uint32 *vreg(int off)
{
  return (volatile uint32 *)P2V(VIRTIO0 + off);
}
#define R(off) (*vreg(off))

// Order memory and device accesses: everything before the fence is seen by
// the device before anything after it.
static inline void fence(void)
{
  asm volatile("fence iorw, iorw" ::: "memory");
}

// Read x (which the device may change behind our back) from memory.
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

// Memory shared with the device. One page-aligned block of kernel .bss;
// each part is aligned as the spec requires (descriptors 16 bytes, available
// ring 2, used ring 4). The request header and status byte of a request are
// indexed by the request's head descriptor.
static struct {
  struct virtq_desc desc[NUM];
  struct virtq_avail avail;
  struct virtq_used used __attribute__((aligned(16)));
  struct virtio_blk_req req[NUM];
  uchar status[NUM];
} ring __attribute__((aligned(PGSIZE)));

// Someone waiting for a group of requests (one call of the functions at
// the end of this file). Lives on the caller's stack; the device never
// touches it.
struct waiter {
  int pending;       // requests not finished yet
  int status;        // VIRTIO_BLK_S_OK, or the status of a failed request
  uint64 sector;     // ... and its first sector
  struct aread *aread;   // an asynchronous read: its slot, else 0
};

// The data of one request: nseg pieces of memory (kernel direct-map
// addresses), transferred in order to or from consecutive sectors.
struct segs {
  int nseg;
  uint64 sector;
  char *addr[VIRTIO_MAXSEG];
  uint32 len[VIRTIO_MAXSEG];
};

// An asynchronous read in flight: nobody sleeps for it, so it cannot live
// on a caller's stack. A few slots are enough: each request takes at least
// three descriptors, and a reader that finds none free sleeps for one.
#define NAREAD 16
struct aread {
  int used;
  struct waiter w;
  struct segs s;
  iodone_fn *done;   // called per segment when it is done
};

// Driver state; lock protects it and ring.
static struct {
  struct spinlock lock;
  char free[NUM];             // is descriptor i free?
  struct waiter *waiter[NUM]; // the request whose head is i is in flight for it
  int has_flush;              // VIRTIO_BLK_F_FLUSH negotiated
  int seg_max;                // data segments per request (<= VIRTIO_MAXSEG)
  uint32 size_max;            // bytes per segment (0: no limit)
  uint16 used_idx;            // next used-ring entry to look at
  uint64 capacity;            // disk size in 512-byte sectors
  struct aread aread[NAREAD]; // asynchronous reads
  int trace;                  // bootarg blktrace
  uint trace_seq;             // ids of traced requests
  uint trace_id[NUM];         // ... of the request whose head is i
} disk;

// Read the 64-bit configuration field at off consistently: the device may
// change it between our two 32-bit reads (spec 4.2.3.3: config generation).
static uint64 read_config64(int off)
{
  uint32 gen, lo, hi;
  do {
    gen = R(VIRTIO_MMIO_CONFIG_GENERATION);
    lo = R(VIRTIO_MMIO_CONFIG + off);
    hi = R(VIRTIO_MMIO_CONFIG + off + 4);
  } while (gen != R(VIRTIO_MMIO_CONFIG_GENERATION));
  return ((uint64)hi << 32) | lo;
}

static void fail(const char *why)
{
  R(VIRTIO_MMIO_STATUS) = R(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FAILED;
  panic("virtio_disk: %s", why);
}

// Find and initialise the disk, following spec 3.1.1. Once, on the boot hart.
// Is there a modern (version 2) virtio block device at VIRTIO0?
static void check_device(void)
{
  if (R(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MAGIC)
    panic("virtio_disk: no virtio-mmio device at %p", (void *)VIRTIO0);
  if (R(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
    panic("virtio_disk: no disk at %p (device id %d); run QEMU with "
          "-drive file=fs.img,if=none,format=raw,id=x0 "
          "-device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
          (void *)VIRTIO0, (int)R(VIRTIO_MMIO_DEVICE_ID));
  if (R(VIRTIO_MMIO_VERSION) != 2)
    panic("virtio_disk: virtio-mmio version %d, need 2 (modern); "
          "run QEMU with -global virtio-mmio.force-legacy=false",
          (int)R(VIRTIO_MMIO_VERSION));
}

// Feature negotiation; returns the features accepted. We accept
// VIRTIO_F_VERSION_1, which a modern device offers and requires, and
// VIRTIO_BLK_F_FLUSH. Declining FLUSH makes QEMU write through (an fsync
// per block: a 64 MiB file took 5 minutes); accepting it lets QEMU hand
// each completed write to the host's page cache, where it survives QEMU
// being killed, which is the crash the log is tested against. SEG_MAX and
// SIZE_MAX, when offered, tell how many data segments a request may have
// and how long one may be; a device that offers no SEG_MAX gets one
// segment per request (Linux does the same). We decline INDIRECT_DESC and
// EVENT_IDX.
static uint64 negotiate(uint32 *status)
{
  R(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 0;
  uint64 offered = R(VIRTIO_MMIO_DEVICE_FEATURES);
  R(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 1;
  offered |= (uint64)R(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
  if (!(offered & (1UL << VIRTIO_F_VERSION_1)))
    fail("device does not offer VIRTIO_F_VERSION_1");
  uint64 accepted = (1UL << VIRTIO_F_VERSION_1) |
                    (offered & ((1UL << VIRTIO_BLK_F_FLUSH) | (1UL << VIRTIO_BLK_F_SEG_MAX) |
                                (1UL << VIRTIO_BLK_F_SIZE_MAX)));
  R(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 0;
  R(VIRTIO_MMIO_DRIVER_FEATURES) = (uint32)accepted;
  R(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 1;
  R(VIRTIO_MMIO_DRIVER_FEATURES) = (uint32)(accepted >> 32);
  *status |= VIRTIO_STATUS_FEATURES_OK;
  R(VIRTIO_MMIO_STATUS) = *status;
  if (!(R(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
    fail("device rejected our features");
  return accepted;
}

// Set up queue 0, the only one a block device has by default.
static void setup_queue(void)
{
  R(VIRTIO_MMIO_QUEUE_SEL) = 0;
  if (R(VIRTIO_MMIO_QUEUE_READY))
    fail("queue 0 already in use after reset");
  uint32 max = R(VIRTIO_MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    fail("device has no queue 0");
  if (max < NUM)
    panic("virtio_disk: queue 0 holds %d descriptors, we need %d", (int)max, NUM);
  R(VIRTIO_MMIO_QUEUE_NUM) = NUM;

  memset(&ring, 0, sizeof ring);
  uint64 pa;
  pa = V2P(ring.desc);
  R(VIRTIO_MMIO_QUEUE_DESC_LOW) = (uint32)pa;
  R(VIRTIO_MMIO_QUEUE_DESC_HIGH) = (uint32)(pa >> 32);
  pa = V2P(&ring.avail);
  R(VIRTIO_MMIO_QUEUE_DRIVER_LOW) = (uint32)pa;
  R(VIRTIO_MMIO_QUEUE_DRIVER_HIGH) = (uint32)(pa >> 32);
  pa = V2P(&ring.used);
  R(VIRTIO_MMIO_QUEUE_DEVICE_LOW) = (uint32)pa;
  R(VIRTIO_MMIO_QUEUE_DEVICE_HIGH) = (uint32)(pa >> 32);
  fence();
  R(VIRTIO_MMIO_QUEUE_READY) = 1;
}

// The disk's size and request limits, from its configuration space.
static void read_limits(uint64 accepted)
{
  disk.has_flush = (accepted >> VIRTIO_BLK_F_FLUSH) & 1;
  disk.capacity = read_config64(VIRTIO_BLK_CONFIG_CAPACITY);
  disk.seg_max = 1;
  if (accepted & (1UL << VIRTIO_BLK_F_SEG_MAX)) {
    uint32 m = R(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SEG_MAX);
    disk.seg_max = m < 1 ? 1 : m > VIRTIO_MAXSEG ? VIRTIO_MAXSEG : m;
  }
  disk.size_max = 0;
  if (accepted & (1UL << VIRTIO_BLK_F_SIZE_MAX)) {
    disk.size_max = R(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SIZE_MAX);
    if (disk.size_max < BSIZE)
      fail("segments shorter than a block");
  }
}

void virtio_disk_init(int trace)
{
  initlock(&disk.lock, "virtio_disk");
  disk.trace = trace;
  check_device();

  // Reset, then say hello.
  R(VIRTIO_MMIO_STATUS) = 0;
  while (R(VIRTIO_MMIO_STATUS) != 0)
    ;
  uint32 status = VIRTIO_STATUS_ACKNOWLEDGE;
  R(VIRTIO_MMIO_STATUS) = status;
  status |= VIRTIO_STATUS_DRIVER;
  R(VIRTIO_MMIO_STATUS) = status;

  uint64 accepted = negotiate(&status);
  setup_queue();
  for (int i = 0; i < NUM; i++)
    disk.free[i] = 1;
  disk.used_idx = 0;
  read_limits(accepted);

  // Ready to go.
  status |= VIRTIO_STATUS_DRIVER_OK;
  R(VIRTIO_MMIO_STATUS) = status;
}

// Take a free descriptor; -1 if there is none. Caller holds disk.lock.
static int alloc_desc(void)
{
  for (int i = 0; i < NUM; i++) {
    if (disk.free[i]) {
      disk.free[i] = 0;
      return i;
    }
  }
  return -1;
}

// Give descriptor i back. Caller holds disk.lock.
static void free_desc(int i)
{
  if (i < 0 || i >= NUM)
    panic("virtio_disk: free_desc %d out of range", i);
  if (disk.free[i])
    panic("virtio_disk: descriptor %d freed twice", i);
  ring.desc[i].addr = 0;
  ring.desc[i].len = 0;
  ring.desc[i].flags = 0;
  ring.desc[i].next = 0;
  disk.free[i] = 1;
}

// Give back the whole chain that starts at descriptor i.
static void free_chain(int i)
{
  for (;;) {
    int more = ring.desc[i].flags & VIRTQ_DESC_F_NEXT;
    int next = ring.desc[i].next;
    free_desc(i);
    if (!more)
      break;
    i = next;
  }
  wakeup(&disk.free[0]);   // a request may be waiting for descriptors
}

// Take n descriptors into idx[0..n-1]: all of them, or none (returns -1).
static int alloc_descs(int *idx, int n)
{
  for (int i = 0; i < n; i++) {
    idx[i] = alloc_desc();
    if (idx[i] < 0) {
      for (int j = 0; j < i; j++)
        free_desc(idx[j]);
      return -1;
    }
  }
  return 0;
}

// A request the driver cannot describe is a kernel bug, not an I/O error:
// every segment must be in the direct map (the device needs a physical
// address, which only the direct map has by V2P; not, for example, a
// kernel stack), a whole number of sectors within the device's limit,
// and the request must end inside the disk.
static void check_segs(struct segs *s)
{
  if (s->nseg < 1 || s->nseg > disk.seg_max)
    panic("virtio_disk: %d segments in one request", s->nseg);
  uint64 bytes = 0;
  for (int i = 0; i < s->nseg; i++) {
    uint64 a = (uint64)s->addr[i];
    if (a < KVA_OFFSET || a + s->len[i] > KSTACKBASE)
      panic("virtio_disk: buffer %p is not in the kernel's direct map", (void *)a);
    if (s->len[i] % VIRTIO_BLK_SECTOR_SIZE || s->len[i] == 0 ||
        (disk.size_max && s->len[i] > disk.size_max))
      panic("virtio_disk: segment of %d bytes", (int)s->len[i]);
    bytes += s->len[i];
  }
  if (s->sector + bytes / VIRTIO_BLK_SECTOR_SIZE > disk.capacity)
    panic("virtio_disk: block %d is past the end of the disk (%d blocks)",
          (int)((s->sector + bytes / VIRTIO_BLK_SECTOR_SIZE) / SECTORS_PER_BLOCK - 1),
          (int)(disk.capacity / SECTORS_PER_BLOCK));
}

// blktrace=1: one line per write or FLUSH as it is submitted (its
// completion is traced by the interrupt), for tests/blkcheck.c.
static void trace_request(int type, struct segs *s, int head)
{
  uint id = disk.trace_seq++;
  disk.trace_id[head] = id;
  if (type == VIRTIO_BLK_T_OUT) {
    uint64 bytes = 0;
    for (int i = 0; i < s->nseg; i++)
      bytes += s->len[i];
    traceline("BT W %d %d %d %d", id, (int)(s->sector / SECTORS_PER_BLOCK), (int)(bytes / BSIZE),
              *(int *)s->addr[0]);
  } else {
    traceline("BT F %d", id);
  }
}

// Put one request on the available ring and notify the device: a read or
// write (type VIRTIO_BLK_T_IN or _OUT) of s, or a FLUSH (s is null). The
// interrupt reports its end to w. disk.lock is held; may sleep for free
// descriptors.
static void submit(int type, struct segs *s, struct waiter *w)
{
  int nseg = s ? s->nseg : 0;
  int n = nseg + 2;   // header, data segments, status
  uint64 sector = s ? s->sector : 0;

  if (s)
    check_segs(s);

  int idx[VIRTIO_MAXSEG + 2];
  while (alloc_descs(idx, n) < 0)
    sleep(&disk.free[0], &disk.lock);
  int head = idx[0];

  struct virtio_blk_req *req = &ring.req[head];
  req->type = type;
  req->reserved = 0;
  req->sector = sector;

  // The request header, which the device reads.
  ring.desc[head].addr = V2P(req);
  ring.desc[head].len = sizeof(*req);
  ring.desc[head].flags = VIRTQ_DESC_F_NEXT;
  ring.desc[head].next = idx[1];
  // The data segments, which the device reads (write) or writes (read).
  for (int i = 0; i < nseg; i++) {
    struct virtq_desc *d = &ring.desc[idx[1 + i]];
    d->addr = V2P(s->addr[i]);
    d->len = s->len[i];
    d->flags = (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0) | VIRTQ_DESC_F_NEXT;
    d->next = idx[2 + i];
  }
  // One status byte, which the device writes at the end.
  int st = idx[n - 1];
  ring.status[head] = 0xff;   // anything but VIRTIO_BLK_S_OK
  ring.desc[st].addr = V2P(&ring.status[head]);
  ring.desc[st].len = 1;
  ring.desc[st].flags = VIRTQ_DESC_F_WRITE;
  ring.desc[st].next = 0;

  disk.waiter[head] = w;
  w->pending++;
  if (disk.trace && type != VIRTIO_BLK_T_IN)
    trace_request(type, s, head);

  // Offer the chain: fill the ring slot first, then publish it by advancing
  // idx, then tell the device. The fences keep the device from seeing these
  // steps out of order.
  ring.avail.ring[ring.avail.idx % NUM] = head;
  fence();
  WRITE_ONCE(ring.avail.idx, (uint16)(ring.avail.idx + 1));
  fence();
  R(VIRTIO_MMIO_QUEUE_NOTIFY) = 0;   // queue 0
}

static const char *what(int type)
{
  return type == VIRTIO_BLK_T_IN ? "read" : type == VIRTIO_BLK_T_OUT ? "write" : "flush";
}

// Sleep until every request submitted for w is done. disk.lock is held.
static void wait_for(struct waiter *w, int type)
{
  while (w->pending > 0)
    sleep(w, &disk.lock);
  if (w->status != VIRTIO_BLK_S_OK)
    panic("virtio_disk: %s of block %d failed (status %d)", what(type),
          (int)(w->sector / SECTORS_PER_BLOCK), w->status);
}

// Add a segment of len bytes at addr to s, which must have room.
static void add_seg(struct segs *s, void *addr, uint32 len)
{
  s->addr[s->nseg] = addr;
  s->len[s->nseg] = len;
  s->nseg++;
}

// Read (write = 0) or write (write = 1) block b->blockno from/to b->data.
// Sleeps until the transfer is done; the caller holds b's sleeplock.
void virtio_disk_rw(struct buf *b, int write)
{
  int type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  struct segs s;
  struct waiter w = { 0, VIRTIO_BLK_S_OK, 0, 0 };
  s.nseg = 0;
  s.sector = (uint64)b->blockno * SECTORS_PER_BLOCK;
  add_seg(&s, b->data, BSIZE);
  acquire(&disk.lock);
  submit(type, &s, &w);
  wait_for(&w, type);
  release(&disk.lock);
}

// Read n consecutive blocks, from blockno on, into dst: n * BSIZE bytes of
// physically contiguous memory in the direct map (part of one page, say).
// One request, unless the device limits the segment length and the number
// of segments below that. Returns the number of requests.
int virtio_disk_read(uint blockno, int n, void *dst)
{
  int nreq = 0;
  struct segs s;
  struct waiter w = { 0, VIRTIO_BLK_S_OK, 0, 0 };
  char *p = dst;
  uint64 left = (uint64)n * BSIZE;
  uint32 maxlen = disk.size_max ? disk.size_max / BSIZE * BSIZE : left;
  s.nseg = 0;
  s.sector = (uint64)blockno * SECTORS_PER_BLOCK;
  acquire(&disk.lock);
  while (left > 0) {
    uint32 m = left < maxlen ? left : maxlen;
    add_seg(&s, p, m);
    p += m;
    left -= m;
    if (s.nseg == disk.seg_max || left == 0) {
      submit(VIRTIO_BLK_T_IN, &s, &w);
      nreq++;
      s.sector = (uint64)blockno * SECTORS_PER_BLOCK + (p - (char *)dst) / VIRTIO_BLK_SECTOR_SIZE;
      s.nseg = 0;
    }
  }
  wait_for(&w, VIRTIO_BLK_T_IN);
  release(&disk.lock);
  return nreq;
}

// A free asynchronous-read slot; sleeps for one. disk.lock is held.
static struct aread *aread_alloc(void)
{
  for (;;) {
    for (struct aread *a = disk.aread; a < &disk.aread[NAREAD]; a++) {
      if (!a->used) {
        memset(a, 0, sizeof *a);
        a->used = 1;
        a->w.status = VIRTIO_BLK_S_OK;
        a->w.aread = a;
        return a;
      }
    }
    sleep(&disk.aread[0], &disk.lock);
  }
}

// Read consecutive blocks, from blockno on, into the pieces of memory
// addr[0..nseg-1] (each physically contiguous in the direct map, a
// multiple of BSIZE long), in order, without waiting: done(addr, len) is
// called from the disk interrupt for every piece once its data is there.
// One request per seg_max pieces (pieces longer than the device's
// segment limit are split). Returns the number of requests.
int virtio_disk_read_async(uint blockno, int nseg, char **addr, uint32 *len, iodone_fn *done)
{
  int nreq = 0;
  uint64 sector = (uint64)blockno * SECTORS_PER_BLOCK;
  struct aread *a = 0;
  acquire(&disk.lock);
  for (int i = 0; i < nseg; i++) {
    for (uint32 off = 0; off < len[i]; ) {
      uint32 m = len[i] - off;
      if (disk.size_max && m > disk.size_max)
        m = disk.size_max / BSIZE * BSIZE;
      if (!a) {
        a = aread_alloc();
        a->done = done;
        a->s.sector = sector;
      }
      add_seg(&a->s, addr[i] + off, m);
      off += m;
      sector += m / VIRTIO_BLK_SECTOR_SIZE;
      if (a->s.nseg == disk.seg_max) {
        submit(VIRTIO_BLK_T_IN, &a->s, &a->w);
        nreq++;
        a = 0;
      }
    }
  }
  if (a) {
    submit(VIRTIO_BLK_T_IN, &a->s, &a->w);
    nreq++;
  }
  release(&disk.lock);
  return nreq;
}

// Write n blocks: BSIZE bytes at src[i] (direct-map memory) to block
// to[i]. Each run of consecutive block numbers goes out as one request
// (up to seg_max segments; memory that is contiguous too, such as the
// blocks of one page, is one segment), and all the requests are in flight
// together: a commit writes its log area in one request, each contiguous
// run of home blocks and of file data in one more. The caller keeps the
// memory unchanged until the call returns. Returns the number of requests.
int virtio_disk_writev(const uint *to, char *const *src, int n)
{
  int nreq = 0;
  struct segs s;
  struct waiter w = { 0, VIRTIO_BLK_S_OK, 0, 0 };
  uint64 nblk = 0;   // blocks in s
  s.nseg = 0;
  acquire(&disk.lock);
  for (int i = 0; i < n; i++) {
    uint64 sector = (uint64)to[i] * SECTORS_PER_BLOCK;
    if (s.nseg > 0 && s.sector + nblk * SECTORS_PER_BLOCK != sector) {
      submit(VIRTIO_BLK_T_OUT, &s, &w);
      nreq++;
      s.nseg = 0;
    }
    if (s.nseg == 0) {
      s.sector = sector;
      nblk = 0;
    }
    int last = s.nseg - 1;
    if (s.nseg > 0 && s.addr[last] + s.len[last] == src[i] &&
        (disk.size_max == 0 || s.len[last] + BSIZE <= disk.size_max)) {
      s.len[last] += BSIZE;   // contiguous with the previous segment
    } else {
      if (s.nseg == disk.seg_max) {
        submit(VIRTIO_BLK_T_OUT, &s, &w);
        nreq++;
        s.nseg = 0;
        s.sector = sector;
        nblk = 0;
      }
      add_seg(&s, src[i], BSIZE);
    }
    nblk++;
  }
  if (s.nseg > 0) {
    submit(VIRTIO_BLK_T_OUT, &s, &w);
    nreq++;
  }
  wait_for(&w, VIRTIO_BLK_T_OUT);
  release(&disk.lock);
  return nreq;
}

// Ask the disk to make every write completed so far durable (spec 5.2.6.1:
// a FLUSH covers the writes the device completed before it), and wait.
// Returns -1 if the device offered no FLUSH: it has no write-back cache,
// and a completed write is durable already.
int virtio_disk_flush(void)
{
  if (!disk.has_flush)
    return -1;
  struct waiter w = { 0, VIRTIO_BLK_S_OK, 0, 0 };
  acquire(&disk.lock);
  submit(VIRTIO_BLK_T_FLUSH, 0, &w);
  wait_for(&w, VIRTIO_BLK_T_FLUSH);
  release(&disk.lock);
  return 0;
}

// The disk interrupted: requests have finished. Called from the trap code
// for VIRTIO0_IRQ.
void virtio_disk_intr(void)
{
  acquire(&disk.lock);

  // Acknowledge before looking at the used ring: a request that finishes
  // after this raises a new interrupt, so none is missed.
  R(VIRTIO_MMIO_INTERRUPT_ACK) = R(VIRTIO_MMIO_INTERRUPT_STATUS) &
                                 (VIRTIO_INT_USED_BUFFER | VIRTIO_INT_CONFIG_CHANGE);
  fence();

  while (disk.used_idx != READ_ONCE(ring.used.idx)) {
    fence();   // read the entry only after seeing the index that covers it
    uint32 id = READ_ONCE(ring.used.ring[disk.used_idx % NUM].id);
    struct waiter *w = id < NUM ? disk.waiter[id] : 0;
    if (w == 0)
      panic("virtio_disk: device finished unknown request %d", (int)id);
    int st = READ_ONCE(ring.status[id]);
    if (st != VIRTIO_BLK_S_OK && w->status == VIRTIO_BLK_S_OK) {
      w->status = st;
      w->sector = ring.req[id].sector;
    }
    disk.waiter[id] = 0;
    if (disk.trace && ring.req[id].type != VIRTIO_BLK_T_IN)
      traceline("BT C %d", disk.trace_id[id]);
    free_chain(id);
    if (--w->pending == 0) {
      struct aread *a = w->aread;
      if (a) {
        if (w->status != VIRTIO_BLK_S_OK)
          panic("virtio_disk: read of block %d failed (status %d)",
                (int)(w->sector / SECTORS_PER_BLOCK), w->status);
        for (int i = 0; i < a->s.nseg; i++)
          a->done(a->s.addr[i], a->s.len[i]);
        a->used = 0;
        wakeup(&disk.aread[0]);
      } else {
        wakeup(w);
      }
    }
    disk.used_idx++;
  }

  release(&disk.lock);
}
