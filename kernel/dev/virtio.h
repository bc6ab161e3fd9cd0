#ifndef PAGODA_VIRTIO_H
#define PAGODA_VIRTIO_H
// Virtio over MMIO, modern interface (virtio 1.x, MMIO version 2), and the
// parts of the block device we use. Names follow the virtio specification
// ("Virtual I/O Device (VIRTIO) Version 1.1"), sections 2, 4.2 and 5.2.
// Private to kernel/dev/virtio_disk.c.
#include "kernel/types.h"

// ---- MMIO register offsets (spec 4.2.2) ----
#define VIRTIO_MMIO_MAGIC_VALUE         0x000  // reads 0x74726976 ("virt")
#define VIRTIO_MMIO_VERSION             0x004  // 2 = modern, 1 = legacy
#define VIRTIO_MMIO_DEVICE_ID           0x008  // 2 = block device, 0 = nothing here
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010  // 32 feature bits, chosen by ..._SEL
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030  // which queue the QUEUE_* registers mean
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034  // largest ring size the device allows
#define VIRTIO_MMIO_QUEUE_NUM           0x038  // ring size we use
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050  // write a queue index: "new buffers"
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080  // physical address of the descriptor table
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090  // physical address of the available ring
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0  // physical address of the used ring
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100  // device-specific configuration space

#define VIRTIO_MAGIC      0x74726976
#define VIRTIO_ID_BLOCK   2

// ---- device status bits (spec 2.1) ----
#define VIRTIO_STATUS_ACKNOWLEDGE        1    // we saw the device
#define VIRTIO_STATUS_DRIVER             2    // we know how to drive it
#define VIRTIO_STATUS_DRIVER_OK          4    // driver ready, device live
#define VIRTIO_STATUS_FEATURES_OK        8    // feature negotiation finished
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128  // we gave up on the device

// ---- interrupt status bits (spec 4.2.2) ----
#define VIRTIO_INT_USED_BUFFER   1   // the device used a buffer
#define VIRTIO_INT_CONFIG_CHANGE 2

// ---- feature bits: generic (spec 6) and block (spec 5.2.3) ----
#define VIRTIO_F_INDIRECT_DESC   28
#define VIRTIO_F_EVENT_IDX       29
#define VIRTIO_F_VERSION_1       32   // modern device; a modern driver must accept it
#define VIRTIO_BLK_F_SIZE_MAX     1   // config size_max: longest data segment
#define VIRTIO_BLK_F_SEG_MAX      2   // config seg_max: most data segments per request
#define VIRTIO_BLK_F_RO           5   // device is read-only
#define VIRTIO_BLK_F_FLUSH        9   // device has a write-back cache and FLUSH

// ---- split virtqueue (spec 2.6) ----
// Ring size: a request takes a header and a status descriptor plus one per
// data segment (at most VIRTIO_MAXSEG). Must be a power of 2, and at least
// VIRTIO_MAXSEG + 2, or a full-size request could never be placed.
#define VIRTQ_NUM 128
#define VIRTIO_MAXSEG 32

#define VIRTQ_DESC_F_NEXT  1   // the chain continues at desc.next
#define VIRTQ_DESC_F_WRITE 2   // the device writes this buffer (else it reads it)

// One buffer of a request; chained through next.
struct virtq_desc {
  uint64 addr;    // physical address
  uint32 len;
  uint16 flags;   // VIRTQ_DESC_F_*
  uint16 next;
};

// Driver -> device: heads of descriptor chains ready for the device.
struct virtq_avail {
  uint16 flags;
  uint16 idx;               // where we put the next entry (mod VIRTQ_NUM); only grows
  uint16 ring[VIRTQ_NUM];   // heads of chains
  uint16 used_event;        // only with VIRTIO_F_EVENT_IDX (unused)
};

// Device -> driver: chains the device has finished with.
struct virtq_used_elem {
  uint32 id;    // head of the finished chain
  uint32 len;   // bytes the device wrote
};

struct virtq_used {
  uint16 flags;
  uint16 idx;               // where the device puts the next entry; only grows
  struct virtq_used_elem ring[VIRTQ_NUM];
  uint16 avail_event;       // only with VIRTIO_F_EVENT_IDX (unused)
};

// ---- block device requests (spec 5.2.6) ----
#define VIRTIO_BLK_T_IN  0   // read from the disk
#define VIRTIO_BLK_T_OUT 1   // write to the disk
#define VIRTIO_BLK_T_FLUSH 4 // make every completed write durable (with VIRTIO_BLK_F_FLUSH)

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR_SIZE 512   // sectors are always 512 bytes

// The first descriptor of every request: what to do, and where.
struct virtio_blk_req {
  uint32 type;       // VIRTIO_BLK_T_*
  uint32 reserved;
  uint64 sector;     // in 512-byte units
};

// Offsets in the block device's configuration space.
#define VIRTIO_BLK_CONFIG_CAPACITY 0   // uint64: disk size in 512-byte sectors
#define VIRTIO_BLK_CONFIG_SIZE_MAX 8   // uint32 (with VIRTIO_BLK_F_SIZE_MAX)
#define VIRTIO_BLK_CONFIG_SEG_MAX 12   // uint32 (with VIRTIO_BLK_F_SEG_MAX)
#endif
