# The one trap vector, for traps from user mode and from the kernel.
# Convention: sscratch is 0 while in the kernel, and the top of the
# process's kernel stack while in user mode. One csrrw tells them apart.
# The trap frame layout is struct trapframe (proc/proc.h): register xN
# at 8*N, sepc at 0, sstatus at 256, kernel tp at 264; 288 bytes in all.

#define SAVE_REGS        \
  sd x1, 8(sp);          \
  sd x3, 24(sp);         \
  sd x5, 40(sp);         \
  sd x6, 48(sp);         \
  sd x7, 56(sp);         \
  sd x8, 64(sp);         \
  sd x9, 72(sp);         \
  sd x10, 80(sp);        \
  sd x11, 88(sp);        \
  sd x12, 96(sp);        \
  sd x13, 104(sp);       \
  sd x14, 112(sp);       \
  sd x15, 120(sp);       \
  sd x16, 128(sp);       \
  sd x17, 136(sp);       \
  sd x18, 144(sp);       \
  sd x19, 152(sp);       \
  sd x20, 160(sp);       \
  sd x21, 168(sp);       \
  sd x22, 176(sp);       \
  sd x23, 184(sp);       \
  sd x24, 192(sp);       \
  sd x25, 200(sp);       \
  sd x26, 208(sp);       \
  sd x27, 216(sp);       \
  sd x28, 224(sp);       \
  sd x29, 232(sp);       \
  sd x30, 240(sp);       \
  sd x31, 248(sp)

#define RESTORE_REGS(b)  \
  ld x1, 8(b);           \
  ld x3, 24(b);          \
  ld x5, 40(b);          \
  ld x6, 48(b);          \
  ld x7, 56(b);          \
  ld x8, 64(b);          \
  ld x9, 72(b);          \
  ld x11, 88(b);         \
  ld x12, 96(b);         \
  ld x13, 104(b);        \
  ld x14, 112(b);        \
  ld x15, 120(b);        \
  ld x16, 128(b);        \
  ld x17, 136(b);        \
  ld x18, 144(b);        \
  ld x19, 152(b);        \
  ld x20, 160(b);        \
  ld x21, 168(b);        \
  ld x22, 176(b);        \
  ld x23, 184(b);        \
  ld x24, 192(b);        \
  ld x25, 200(b);        \
  ld x26, 208(b);        \
  ld x27, 216(b);        \
  ld x28, 224(b);        \
  ld x29, 232(b);        \
  ld x30, 240(b);        \
  ld x31, 248(b)

.text
.balign 4
.globl trapvec
trapvec:
  csrrw sp, sscratch, sp
  bnez sp, from_user

  # From the kernel: put sp back (sscratch becomes 0 again) and push a frame.
  csrrw sp, sscratch, sp
  addi sp, sp, -288
  SAVE_REGS
  csrr t0, sepc
  sd t0, 0(sp)
  csrr t0, sstatus
  sd t0, 256(sp)
  mv a0, sp
  call kerneltrap
  # sepc and sstatus come back from the frame: kerneltrap may have moved
  # sepc (uaccess fixup), and a yield inside it may have run other code.
  ld t0, 0(sp)
  csrw sepc, t0
  ld t0, 256(sp)
  csrw sstatus, t0
  # tp is not restored: it names this hart, and we may have moved harts.
  ld x1, 8(sp)
  ld x3, 24(sp)
  ld x5, 40(sp)
  ld x6, 48(sp)
  ld x7, 56(sp)
  ld x8, 64(sp)
  ld x9, 72(sp)
  ld x10, 80(sp)
  ld x11, 88(sp)
  ld x12, 96(sp)
  ld x13, 104(sp)
  ld x14, 112(sp)
  ld x15, 120(sp)
  ld x16, 128(sp)
  ld x17, 136(sp)
  ld x18, 144(sp)
  ld x19, 152(sp)
  ld x20, 160(sp)
  ld x21, 168(sp)
  ld x22, 176(sp)
  ld x23, 184(sp)
  ld x24, 192(sp)
  ld x25, 200(sp)
  ld x26, 208(sp)
  ld x27, 216(sp)
  ld x28, 224(sp)
  ld x29, 232(sp)
  ld x30, 240(sp)
  ld x31, 248(sp)
  addi sp, sp, 288
  sret

from_user:
  # sp = top of the kernel stack; the trap frame is the top 288 bytes.
  addi sp, sp, -288
  SAVE_REGS
  sd x4, 32(sp)               # user tp
  csrrw t0, sscratch, zero    # now in the kernel
  sd t0, 16(sp)               # user sp
  csrr t0, sepc
  sd t0, 0(sp)
  ld tp, 264(sp)              # this hart's struct cpu
  li s0, 0                    # backtraces stop here
  mv a0, sp
  call usertrap               # does not return; leaves through userret

# userret(struct trapframe *tf): back to user mode. sstatus must already
# say "previous mode user, interrupts on after sret".
.globl userret
userret:
  addi t0, a0, 288
  csrw sscratch, t0           # kernel stack top, for the next trap
  ld t0, 0(a0)
  csrw sepc, t0
  RESTORE_REGS(a0)
  ld x2, 16(a0)
  ld x4, 32(a0)
  ld x10, 80(a0)
  sret
