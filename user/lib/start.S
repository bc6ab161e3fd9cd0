# Entry point of every user program.
#
# The kernel's exec starts a program here with
#   a0 = argc, a1 = argv (array of argc pointers, then 0), sp = top of stack.
# We clear the frame pointer and return address so that a backtrace stops
# here, keep sp 16-byte aligned as the calling convention requires, run
# main(argc, argv), and hand its return value to exit().

        .section .text.start, "ax", @progbits
        .globl _start
        .type _start, @function
_start:
        li      s0, 0
        li      ra, 0
        andi    sp, sp, -16
        call    main
        call    exit
1:      j       1b              # exit does not return
        .size _start, . - _start
