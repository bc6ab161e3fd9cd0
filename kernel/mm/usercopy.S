# User-memory copies. The kernel touches user addresses directly, with
# sstatus.SUM set by the C callers (uaccess.c). If an access faults, the
# trap handler asks vm_fault to fix it (COW, zero fill); when it cannot,
# it resumes at uaccess_fault, which returns -EFAULT. These are leaf
# functions without stack frames, so `ret` works from anywhere inside.

.text
.balign 4
.globl uaccess_start
uaccess_start:

# int uaccess_copy(void *dst, const void *src, uint64 n) -> 0
.globl uaccess_copy
uaccess_copy:
  or t1, a0, a1
  andi t1, t1, 7
  bnez t1, 2f
  li t2, 8
1:
  bltu a2, t2, 2f
  ld t0, 0(a1)
  sd t0, 0(a0)
  addi a0, a0, 8
  addi a1, a1, 8
  addi a2, a2, -8
  j 1b
2:
  beqz a2, 3f
  lbu t0, 0(a1)
  sb t0, 0(a0)
  addi a0, a0, 1
  addi a1, a1, 1
  addi a2, a2, -1
  j 2b
3:
  li a0, 0
  ret

# int uaccess_strncpy(char *dst, const char *src, uint64 max)
#   -> length without the NUL, or -1 if no NUL within max bytes
.globl uaccess_strncpy
uaccess_strncpy:
  li t1, 0
1:
  beq t1, a2, 2f
  lbu t0, 0(a1)
  sb t0, 0(a0)
  beqz t0, 3f
  addi a0, a0, 1
  addi a1, a1, 1
  addi t1, t1, 1
  j 1b
2:
  li a0, -1
  ret
3:
  mv a0, t1
  ret

.globl uaccess_end
uaccess_end:

.globl uaccess_fault
uaccess_fault:
  li a0, -14          # -EFAULT
  ret
