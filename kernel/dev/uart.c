// Driver for the 16550-compatible UART of QEMU virt (the console's wire).
//
// Output has two paths:
//   uartputc_sync()  polls the transmitter; for kernel printf and input echo,
//                    usable anywhere, even with interrupts off or in a trap.
//   uartputc()       appends to a small transmit ring and returns; the ring is
//                    drained by uartstart(), both from here and from the
//                    transmit-empty interrupt. A writer sleeps while it is full.
// Input arrives by receive interrupt: uartintr() hands each byte to
// consoleintr() while the console has room; when it has none, the console
// turns the receive interrupt off (uart_rx_enable) and the bytes wait in
// the UART, and behind it in QEMU, until a reader makes room.
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/sched.h"
#include "kernel/dev/dev.h"

// 16550 registers (byte offsets from UART0). Some share an offset and differ
// by direction, or by the divisor-latch bit (LCR_DLAB).
#define RHR 0                 // receive holding register (read)
#define THR 0                 // transmit holding register (write)
#define DLL 0                 // divisor latch, low byte (when LCR_DLAB)
#define IER 1                 // interrupt enable
#define  IER_RX    (1 << 0)   //   a byte has arrived
#define  IER_TX    (1 << 1)   //   the transmitter is empty
#define DLM 1                 // divisor latch, high byte (when LCR_DLAB)
#define FCR 2                 // FIFO control (write)
#define  FCR_ENABLE (1 << 0)
#define  FCR_CLEAR  (3 << 1)  //   empty both FIFOs
#define IIR 2                 // interrupt identification (read); reading it
                              // acknowledges a transmit-empty interrupt
#define LCR 3                 // line control
#define  LCR_8N1   0x03       //   8 data bits, no parity, 1 stop bit
#define  LCR_DLAB  (1 << 7)   //   divisor latch access
#define LSR 5                 // line status
#define  LSR_RX_READY (1 << 0) //  a byte waits in RHR
#define  LSR_TX_EMPTY (1 << 5) //  THR can take a byte

// The UART register at offset r, through the kernel's direct map.
static inline volatile uchar *uart_reg(int r)
{
  return (volatile uchar *)P2V(UART0 + r);
}
#define ReadReg(r)     (*uart_reg(r))
#define WriteReg(r, v) (*uart_reg(r) = (uchar)(v))

// Transmit ring. tx_w and tx_r only grow; the ring holds tx_w - tx_r bytes,
// at positions taken modulo TX_SIZE. Writers sleep on &tx_r when it is full.
#define TX_SIZE 32
static struct spinlock tx_lock;
static char tx_buf[TX_SIZE];
static uint64 tx_w;   // next byte goes to tx_buf[tx_w % TX_SIZE]
static uint64 tx_r;   // next byte to send is tx_buf[tx_r % TX_SIZE]

static void uartstart(void);

// Kernel lines and the transmit ring take turns on the wire: wire_lock is
// held for a whole printf line (uart_write_sync) and by uartstart() while
// it moves bytes, so a process's output never lands inside a kernel line
// (a host program parses the TLB and disk trace lines). It is the
// innermost lock: nothing is acquired while it is held.
static struct spinlock wire_lock;
static int wire_ready;   // set by uartinit; before it, one hart prints alone

void uartinit(void)
{
  WriteReg(IER, 0);                 // no interrupts while we set up
  WriteReg(LCR, LCR_DLAB);          // divisor latch: 115200 / 3 = 38400 baud
  WriteReg(DLL, 3);
  WriteReg(DLM, 0);
  WriteReg(LCR, LCR_8N1);           // latch off, 8N1
  WriteReg(FCR, FCR_ENABLE | FCR_CLEAR);
  WriteReg(IER, IER_RX | IER_TX);
  initlock(&tx_lock, "uart_tx");
  initlock(&wire_lock, "uart_wire");
  wire_ready = 1;
}

// Queue c for output; sleeps while the ring is full. For console writes by
// processes; not for interrupt handlers (they use uartputc_sync).
void uartputc(int c)
{
  acquire(&tx_lock);
  if (panicked) {
    for (;;)   // another hart panicked: stop here, don't garble its message
      ;
  }
  while (tx_w == tx_r + TX_SIZE) {
    if (myproc() != 0) {
      // uartstart() from the transmit interrupt frees space and wakes us.
      sleep(&tx_r, &tx_lock);
    } else {
      uartstart();   // no process to put to sleep: drain by polling
    }
  }
  tx_buf[tx_w % TX_SIZE] = (char)c;
  tx_w++;
  uartstart();
  release(&tx_lock);
}

// Write c by polling the transmitter. Interrupts stay off meanwhile so the
// byte goes out without delay; works before any lock or process exists.
void uartputc_sync(int c)
{
  push_off();
  if (panicked) {
    for (;;)
      ;
  }
  while ((ReadReg(LSR) & LSR_TX_EMPTY) == 0)
    ;
  WriteReg(THR, c);
  pop_off();
}

// Write a kernel line by polling, with the wire to itself (printf's
// output; see wire_lock).
void uart_write_sync(const char *buf, int n)
{
  int locking = wire_ready && !panicked;
  if (locking)
    acquire(&wire_lock);
  for (int i = 0; i < n; i++)
    uartputc_sync(buf[i]);
  if (locking)
    release(&wire_lock);
}

// Move bytes from the ring to the UART while it can take them. Caller holds
// tx_lock. When the UART is busy we stop: its transmit-empty interrupt calls
// us again.
static void uartstart(void)
{
  int freed = 0;
  acquire(&wire_lock);
  while (tx_r != tx_w) {
    if ((ReadReg(LSR) & LSR_TX_EMPTY) == 0)
      break;
    char c = tx_buf[tx_r % TX_SIZE];
    tx_r++;
    freed = 1;
    WriteReg(THR, c);
  }
  release(&wire_lock);
  if (freed)
    wakeup(&tx_r);   // writers waiting in uartputc() for room
}

// Turn the receive interrupt on or off. Turning it on while a byte waits
// raises the interrupt at once.
void uart_rx_enable(int on)
{
  WriteReg(IER, IER_TX | (on ? IER_RX : 0));
}

// One received byte, or -1 if none waits.
static int uartgetc(void)
{
  if (ReadReg(LSR) & LSR_RX_READY)
    return ReadReg(RHR);
  return -1;
}

// The UART interrupted: a byte arrived, the transmitter is empty, or both.
// Called from the trap code for UART0_IRQ.
void uartintr(void)
{
  // Acknowledge a transmit-empty interrupt (if that is what is pending);
  // left alone, it would keep the interrupt line raised.
  (void)ReadReg(IIR);

  int c;
  while (console_room() && (c = uartgetc()) >= 0)
    consoleintr(c);

  acquire(&tx_lock);
  uartstart();
  release(&tx_lock);
}
