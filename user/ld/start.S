# _dl_start: the first instruction of ld.so.
#
# The kernel jumps here (ld.so's base + e_entry) with the initial stack of
# a Linux RISC-V process:
#
#   sp ->  argc
#          argv[0] .. argv[argc-1], 0
#          envp[0] .. , 0               (Pagoda: just the 0)
#          auxv: (type, value) pairs, ending with (AT_NULL, 0)
#
# Nothing in ld.so has been relocated yet: any pointer stored in its data
# still holds its link-time value (ld.so is linked at address 0). So
# before calling C we apply ld.so's own relocations, which are all
# R_RISCV_RELATIVE ("add the load base"): the build makes every symbol
# hidden, and build.sh checks with readelf that no other kind is left.
#
# Only PC-relative addressing (lla) is used until then: lla computes
# "this instruction's address + a constant", which is right wherever we
# were loaded.
#
# When dl_main has loaded and relocated the program's libraries, it returns
# the program's entry point; we jump there with the stack exactly as the
# kernel gave it to us and a0 = argc, a1 = argv, as a statically linked
# program would have been started.

        .equ    DT_NULL, 0
        .equ    DT_RELA, 7
        .equ    DT_RELASZ, 8
        .equ    DT_JMPREL, 23
        .equ    R_RISCV_RELATIVE, 3
        .equ    SYS_write, 16
        .equ    SYS_exit, 2
        .equ    SYS_munmap, 23
        .equ    LDSTACK_SIZE, 8192

        .text
        .globl  _dl_start
        .hidden _dl_start
        .type   _dl_start, @function
_dl_start:
        mv      s1, sp                  # s1 = the initial stack (callee-saved)
        li      fp, 0                   # backtraces stop here
        li      ra, 0

        # Our load base. ld.so is linked at 0, so its ELF header, which the
        # first PT_LOAD maps, is at link-time address 0: its run-time
        # address is the base. (dl_main checks it against AT_BASE.)
        lla     s2, __ehdr_start        # s2 = base

        # Find DT_RELA and DT_RELASZ in our own dynamic section.
        lla     t0, _DYNAMIC
        li      t1, 0                   # t1 = first relocation (0: none)
        li      t2, 0                   # t2 = their size in bytes
1:      ld      t3, 0(t0)               # d_tag
        ld      t4, 8(t0)               # d_val / d_ptr
        beqz    t3, 4f                  # DT_NULL: end of the array
        li      t5, DT_RELA
        bne     t3, t5, 2f
        add     t1, t4, s2              # DT_RELA is a link-time address
2:      li      t5, DT_RELASZ
        bne     t3, t5, 3f
        mv      t2, t4
3:      li      t5, DT_JMPREL           # ld.so must have no PLT relocations
        beq     t3, t5, bad
        addi    t0, t0, 16              # sizeof(Elf64_Dyn)
        j       1b

        # Apply them: *(base + r_offset) = base + r_addend.
4:      beqz    t1, 6f
        add     t2, t2, t1              # t2 = end of the relocations
5:      bgeu    t1, t2, 6f
        ld      t3, 8(t1)               # r_info: symbol 0, type RELATIVE
        li      t5, R_RISCV_RELATIVE
        bne     t3, t5, bad
        ld      t3, 0(t1)               # r_offset
        ld      t4, 16(t1)              # r_addend
        add     t3, t3, s2
        add     t4, t4, s2
        sd      t4, 0(t3)
        addi    t1, t1, 24              # sizeof(Elf64_Rela)
        j       5b

        # ld.so is now an ordinary position-independent program: run C, on
        # a stack of its own. The process's stack is one page, and long
        # arguments may leave only a few hundred bytes of it free.
6:      lla     sp, ldstack_top
        mv      a0, s1
        call    dl_main                 # returns the program's entry point
        mv      s3, a0

        # Back on the process's stack; our stack is not needed any more:
        # give its pages back.
        mv      sp, s1
        lla     a0, ldstack
        li      a1, LDSTACK_SIZE
        li      a7, SYS_munmap
        ecall

        # Enter the program: original stack, a0 = argc, a1 = argv,
        # a2 = envp (after argv's terminating 0).
        mv      t0, s3
        ld      a0, 0(sp)
        addi    a1, sp, 8
        slli    a2, a0, 3
        add     a2, a2, a1
        addi    a2, a2, 8
        li      ra, 0
        li      fp, 0
        jr      t0

        # A relocation we cannot apply before C runs: ld.so was built wrongly.
bad:    li      a0, 2
        lla     a1, badmsg
        lla     a2, badend
        sub     a2, a2, a1              # its length
        li      a7, SYS_write
        ecall
        li      a0, 127
        li      a7, SYS_exit
        ecall
7:      j       7b
        .size   _dl_start, . - _dl_start

        .section .rodata
badmsg: .ascii  "ld.so: ld.so: not self-relocatable (symbolic relocation in ld.so)\n"
badend:

        # ld.so's stack: whole pages of their own, so that they can be
        # unmapped when ld.so is done. A section of its own too, which the
        # linker puts after .bss: .bss then needs no page alignment and
        # starts right after the data, in the page that exec has already
        # made private (the one where the file's bytes end), so ld.so's
        # variables cost no page fault.
        .section .ldstack, "aw", @nobits
        .balign 4096
ldstack:
        .space  LDSTACK_SIZE
ldstack_top:
