// The console: a line discipline on top of the UART.
//
// Input typed at the terminal collects in a ring buffer and is echoed; it
// becomes readable a whole line at a time (or on ^D, or when the buffer is
// full). Editing keys work on the line not yet readable:
//   Backspace (^H) or Delete (DEL)  erase one character
//   ^U                              erase the whole line
//   ^D                              end of file: a read returns what it has,
//                                   and 0 if the line was empty
//   ^P                              print the process list (procdump)
//   ^C                              interrupt: throw away the input not yet
//                                   read and kill the foreground job (the
//                                   process group set by tcsetpgrp), which
//                                   leaves no foreground group; with no
//                                   foreground job, end the line empty so
//                                   that the shell prompts again
//
// Flow control: when the ring is full, the UART's receive interrupt is
// turned off and its FIFO left alone; QEMU then keeps the bytes that have
// not arrived yet (it only hands the UART what its FIFO can take). Reading
// makes room and turns the interrupt back on. So a paste of any length
// arrives whole, whatever the speed. (A ^C typed while the ring is full
// waits behind the bytes before it.)
// Output goes to the UART: processes through its buffered path, echo
// through consputc(), the kernel's printf through uart_write_sync().
#include "kernel/types.h"
#include "kernel/errno.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/proc/sched.h"
#include "kernel/mm/uaccess.h"
#include "kernel/dev/dev.h"

struct devsw devsw[NDEV];

#define CTRL(x) ((x) - '@')   // Control-x
#define DEL 0x7f
#define BACKSPACE 0x100        // consputc(): erase the last character on screen

// Room for two of the shell's longest lines (4096 bytes): a paste of a
// long line arrives while the previous one is still being read.
#define INPUT_BUF 8192
#define CHUNK 64               // bytes moved per copyin/copyout

// Input ring. The indices only grow; positions are taken modulo INPUT_BUF.
//   [r, w)  complete lines, ready for consoleread()
//   [w, e)  the line being typed, still editable
static struct {
  struct spinlock lock;
  char buf[INPUT_BUF];
  uint64 r;   // next byte to read
  uint64 w;   // end of the readable part
  uint64 e;   // end of the line being edited
  int fg;     // foreground process group, 0 if none (tcsetpgrp)
  int rxoff;  // the UART's receive interrupt is off: the ring was full
} cons;

void console_setfg(int pgid)
{
  acquire(&cons.lock);
  cons.fg = pgid;
  release(&cons.lock);
}

int console_getfg(void)
{
  acquire(&cons.lock);
  int g = cons.fg;
  release(&cons.lock);
  return g;
}

// May the UART hand us another byte? When not, its receive interrupt is
// turned off (under cons.lock, so that a reader making room at the same
// time turns it on again after us, never before).
int console_room(void)
{
  acquire(&cons.lock);
  int room = cons.e - cons.r < INPUT_BUF;
  if (!room && !cons.rxoff) {
    cons.rxoff = 1;
    uart_rx_enable(0);
  }
  release(&cons.lock);
  return room;
}

// Print one character on the terminal, by polling. Used by printf and echo.
void consputc(int c)
{
  if (c == BACKSPACE) {
    // Step back, overwrite with a space, step back again.
    uartputc_sync('\b');
    uartputc_sync(' ');
    uartputc_sync('\b');
  } else {
    uartputc_sync(c);
  }
}

// devsw write: copy n bytes from src (a user address if user_src) to the UART.
// Returns the number written, or -EFAULT if none could be read.
static int consolewrite(int user_src, uint64 src, int n)
{
  char chunk[CHUNK];
  int done = 0;

  while (done < n) {
    int k = MIN(n - done, CHUNK);
    // No lock is held here: copyin may fault and sleep.
    if (either_copyin(chunk, user_src, src + done, k) < 0) {
      // Part of the chunk may be readable: find out byte by byte.
      for (k = 0; k < MIN(n - done, CHUNK); k++)
        if (either_copyin(&chunk[k], user_src, src + done + k, 1) < 0)
          break;
      for (int i = 0; i < k; i++)
        uartputc(chunk[i]);
      done += k;
      return done > 0 ? done : -EFAULT;
    }
    for (int i = 0; i < k; i++)
      uartputc(chunk[i]);
    done += k;
  }
  return done;
}

// devsw read: copy at most n bytes of input to dst (a user address if
// user_dst). Waits until a line (or ^D) is available; returns at the end of
// a line. Returns the number of bytes copied (0 at end of file), -EINTR if the
// process was killed while waiting, -EFAULT if dst is bad.
static int consoleread(int user_dst, uint64 dst, int n)
{
  char chunk[CHUNK];
  int got = 0;

  acquire(&cons.lock);
  while (got < n) {
    while (cons.r == cons.w) {
      struct proc *p = myproc();
      if (p != 0 && killed(p)) {
        release(&cons.lock);
        return got > 0 ? got : -EINTR;
      }
      sleep(&cons.r, &cons.lock);
    }

    // Take what we can under the lock, up to the end of a line.
    int k = 0;
    int eol = 0;
    while (k < CHUNK && got + k < n && cons.r != cons.w) {
      char c = cons.buf[cons.r % INPUT_BUF];
      if (c == CTRL('D')) {
        // End of file. If we already have bytes, leave the ^D for the next
        // read, so that it returns 0.
        if (got + k == 0)
          cons.r++;
        eol = 1;
        break;
      }
      cons.r++;
      chunk[k++] = c;
      if (cons.rxoff) {
        // There is room again: let the UART deliver the bytes it holds.
        cons.rxoff = 0;
        uart_rx_enable(1);
      }
      if (c == '\n') {
        eol = 1;
        break;
      }
    }

    // Copy out with the lock released: the copy may fault and sleep.
    release(&cons.lock);
    if (k > 0 && either_copyout(user_dst, dst + got, chunk, k) < 0)
      return got > 0 ? got : -EFAULT;
    got += k;
    if (eol)
      return got;
    acquire(&cons.lock);
  }
  release(&cons.lock);
  return got;
}

// ^C: nothing typed before it may reach the next command, so all input
// not yet read goes (as POSIX terminals do). Returns the foreground group
// to kill, 0 if none. Caller holds cons.lock.
static int interrupt(void)
{
  consputc('^');
  consputc('C');
  consputc('\n');
  cons.e = cons.w = cons.r;
  int pgid = cons.fg;
  // The job is gone: no foreground group now. (The shell sees this and
  // does not run the rest of its command line.)
  cons.fg = 0;
  if (pgid == 0) {
    // No job to interrupt: an empty line makes a reading shell prompt
    // again.
    cons.buf[cons.e % INPUT_BUF] = '\n';
    cons.e++;
    cons.w = cons.e;
    wakeup(&cons.r);
  }
  if (cons.rxoff) {
    cons.rxoff = 0;
    uart_rx_enable(1);
  }
  return pgid;
}

// An ordinary character: echo it and add it to the line. Caller holds
// cons.lock.
static void input(int c)
{
  if (c == 0 || cons.e - cons.r >= INPUT_BUF)
    return;
  if (c == '\r')
    c = '\n';
  if (c != CTRL('D'))   // ^D is not echoed
    consputc(c);
  cons.buf[cons.e % INPUT_BUF] = (char)c;
  cons.e++;
  if (c == '\n' || c == CTRL('D') || cons.e - cons.r == INPUT_BUF) {
    // The line is complete (or the buffer is full): make it readable.
    cons.w = cons.e;
    wakeup(&cons.r);
  }
}

// A byte arrived from the terminal (called by uartintr, in interrupt context).
void consoleintr(int c)
{
  int dump = 0;
  int intr = 0;

  acquire(&cons.lock);
  switch (c) {
  case CTRL('P'):
    dump = 1;   // after the lock is released
    break;
  case CTRL('C'):
    intr = interrupt();
    break;
  case CTRL('U'):
    while (cons.e != cons.w && cons.buf[(cons.e - 1) % INPUT_BUF] != '\n') {
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  case CTRL('H'):
  case DEL:
    if (cons.e != cons.w) {
      cons.e--;
      consputc(BACKSPACE);
    }
    break;
  default:
    input(c);
    break;
  }
  release(&cons.lock);

  if (dump)
    procdump();
  if (intr)
    kill_pgrp(intr);   // takes the process locks: not under cons.lock
}

void consoleinit(void)
{
  initlock(&cons.lock, "cons");
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
}
