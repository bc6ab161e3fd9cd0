#ifndef PAGODA_DEV_H
#define PAGODA_DEV_H
// Devices: UART console, PLIC, virtio block disk, power.
#include "kernel/types.h"
struct buf;

// uart.c
void uartinit(void);
void uartintr(void);
void uartputc(int c);        // buffered, may sleep
void uartputc_sync(int c);   // spins; for printf and echo
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
void virtio_disk_init(void);
void virtio_disk_rw(struct buf *b, int write);
int  virtio_disk_read(uint blockno, int n, void *dst);            // n consecutive blocks, one request; returns requests sent
int  virtio_disk_read_async(uint blockno, int nseg, char **addr, uint32 *len,
                            void (*done)(char *addr, uint32 len));   // no waiting: done() from the interrupt
int  virtio_disk_write(struct buf **bs, const uint *to, int n);  // runs of consecutive blocks, one request each
int  virtio_disk_flush(void);   // completed writes made durable: 0, or -1 if the disk has no FLUSH
void virtio_disk_intr(void);
#endif
