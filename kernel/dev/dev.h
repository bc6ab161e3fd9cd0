#ifndef PAGODA_DEV_H
#define PAGODA_DEV_H
// Devices: UART console, PLIC, virtio block disk, power.
#include "kernel/types.h"
#include "kernel/param.h"
struct buf;

// The device switch: a major device number's read and write. user_dst /
// user_src: 1 if addr is a user virtual address, 0 if kernel. Drivers fill
// their entry at init; fs/file.c dispatches reads and writes of devices.
struct devsw {
  int (*read)(int user_dst, uint64 addr, int n);
  int (*write)(int user_src, uint64 addr, int n);
};
extern struct devsw devsw[NDEV];   // console.c
#define CONSOLE 1

// uart.c
void uartinit(void);
void uartintr(void);
void uartputc(int c);        // buffered, may sleep
void uartputc_sync(int c);   // spins; for echo
void uart_write_sync(const char *buf, int n);  // spins; printf's lines, whole
void uart_rx_enable(int on);  // receive interrupt on/off (console flow control)
// console.c
void consoleinit(void);
void consoleintr(int c);
void consputc(int c);
int  console_room(void);      // may the UART deliver a byte?
void console_setfg(int pgid); // foreground process group (tcsetpgrp)
int  console_getfg(void);
// plic.c
void plicinit(void);
void plicinithart(void);
int  plic_claim(void);
void plic_complete(int irq);
// virtio_disk.c
void virtio_disk_init(int trace);   // trace: bootarg blktrace (one line per write and FLUSH)
void virtio_disk_rw(struct buf *b, int write);
int  virtio_disk_read(uint blockno, int n, void *dst);            // n consecutive blocks, one request; returns requests sent
int  virtio_disk_read_async(uint blockno, int nseg, char **addr, uint32 *len, iodone_fn *done);   // no waiting: done() from the interrupt
int  virtio_disk_writev(const uint *to, char *const *src, int n);  // runs of consecutive blocks, one request each
int  virtio_disk_flush(void);   // completed writes made durable: 0, or -1 if the disk has no FLUSH
void virtio_disk_intr(void);

// Callbacks the console makes into proc/proc.c (docs/layers.md): ^P and ^C.
void procdump(void);             // print the process list; takes no locks
int  kill_pgrp(int pgid);        // kill every process in group pgid
#endif
