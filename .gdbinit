# Pagoda: attach to `make qemu-gdb`. gdb-multiarch reads this file when it
# starts in the repository root (see README: allow it with add-auto-load-safe-path).
set confirm off
set architecture riscv:rv64
file build/kernel.elf
target remote 127.0.0.1:26000
set disassemble-next-line auto
set riscv use-compressed-breakpoints yes
echo Pagoda: connected. Kernel symbols loaded; try `break main` then `continue`.\n
echo For the boot code at physical addresses: add-symbol-file build/kernel.elf -o -0xFFFFFFC000000000\n
