#!/bin/sh
# Emit an assembly file holding the kernel's function symbols (address, name),
# sorted by address, so panic() can print a backtrace with names.
# usage: symtab.sh NM kernel.elf > ksyms.S
nm=$1; elf=$2
echo '  .section .rodata'
echo '  .balign 8'
echo '  .globl ksyms_count'
echo '  .globl ksyms_addrs'
echo '  .globl ksyms_names'
$nm -n "$elf" | awk '$2 == "T" || $2 == "t" { print $1, $3 }' | grep -v '\$' > /tmp/ksyms.$$
n=$(wc -l < /tmp/ksyms.$$)
echo "ksyms_count: .quad $n"
echo "ksyms_addrs:"
awk '{ print "  .quad 0x" $1 }' /tmp/ksyms.$$
echo "ksyms_names:"
awk '{ print "  .quad .Lname" NR }' /tmp/ksyms.$$
awk '{ print ".Lname" NR ": .asciz \"" $2 "\"" }' /tmp/ksyms.$$
rm -f /tmp/ksyms.$$
