# Pagoda: build the kernel, the user programs and fs.img; run them under QEMU.
#   make qemu            boot to a shell (Ctrl-A x leaves QEMU)
#   make test [T=name]   run the test suite headless; last line "N passed, N failed"
#   make run CMD='...'   boot, run one command line, exit with its status
#   make bench           run the benchmarks, print the table, write bench.json
#   make qemu-gdb        like qemu, but wait for gdb-multiarch

CPUS ?= 3
MEM  ?= 128M
B    := build

# Toolchain: Debian's riscv64-linux-gnu-, or any riscv64-*- prefix found.
TOOLPREFIX ?= $(shell for p in riscv64-linux-gnu- riscv64-unknown-linux-gnu- riscv64-unknown-elf- riscv64-elf-; do \
	if command -v $${p}gcc >/dev/null 2>&1; then echo $$p; break; fi; done)
CC      = $(TOOLPREFIX)gcc
LD      = $(TOOLPREFIX)ld
OBJDUMP = $(TOOLPREFIX)objdump
NM      = $(TOOLPREFIX)nm
QEMU   ?= qemu-system-riscv64
HOSTCC ?= cc
PYTHON ?= python3

KCFLAGS = -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -fno-pie \
	-ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-O2 -g -Wall -Wextra -Werror -DKERNEL -I. -MMD -MP
KLDFLAGS = -no-pie -nostdlib -Wl,--build-id=none -T linker.ld

UCFLAGS = -march=rv64gc -mabi=lp64d -mcmodel=medany -fno-pie -ffreestanding \
	-nostdlib -fno-builtin -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -O2 -g -Wall -Werror -I. -MMD -MP
ULDFLAGS = -no-pie -nostdlib -Wl,--build-id=none -T user/user.ld

KSRC  := $(sort $(wildcard kernel/*/*.c) $(wildcard kernel/*/*.S))
KOBJ  := $(patsubst %,$(B)/%.o,$(basename $(KSRC)))
ULIBSRC := $(sort $(wildcard user/lib/*.c) $(wildcard user/lib/*.S))
ULIBOBJ := $(patsubst %,$(B)/%.o,$(basename $(ULIBSRC))) $(B)/user/lib/usys.o
UPROGS  := $(patsubst user/%.c,$(B)/user/_%,$(sort $(wildcard user/*.c)))

all: $(B)/kernel.elf fs.img

check-tools:
	@$(PYTHON) tests/need.py

# ---- kernel ----
$(B)/kernel/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<
$(B)/kernel/%.o: kernel/%.S
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

# The kernel is linked twice: the second time with a symbol table (for
# backtraces) generated from the first link.
$(B)/kernel.elf: $(KOBJ) linker.ld tools/symtab.sh
	sh tools/symtab.sh $(NM) /dev/null > $(B)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(B)/ksyms.o $(B)/ksyms.S
	$(CC) $(KLDFLAGS) -o $(B)/kernel0.elf $(KOBJ) $(B)/ksyms.o
	sh tools/symtab.sh $(NM) $(B)/kernel0.elf > $(B)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(B)/ksyms.o $(B)/ksyms.S
	$(CC) $(KLDFLAGS) -o $(B)/kernel1.elf $(KOBJ) $(B)/ksyms.o
	sh tools/symtab.sh $(NM) $(B)/kernel1.elf > $(B)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(B)/ksyms.o $(B)/ksyms.S
	$(CC) $(KLDFLAGS) -o $@ $(KOBJ) $(B)/ksyms.o
	$(OBJDUMP) -S $@ > $(B)/kernel.asm

# ---- user ----
$(B)/user/lib/usys.S: kernel/syscall.h user/lib/usys.sh
	@mkdir -p $(@D)
	sh user/lib/usys.sh kernel/syscall.h > $@
$(B)/user/lib/usys.o: $(B)/user/lib/usys.S
	$(CC) $(UCFLAGS) -c -o $@ $<
$(B)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<
$(B)/user/%.o: user/%.S
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<
$(B)/user/libulib.a: $(ULIBOBJ)
	rm -f $@ && $(TOOLPREFIX)ar rcs $@ $^
$(B)/user/_%: $(B)/user/%.o $(B)/user/libulib.a user/user.ld
	$(CC) $(UCFLAGS) $(ULDFLAGS) -o $@ $< $(B)/user/libulib.a -lgcc

# ---- file system image ----
$(B)/mkfs: mkfs/mkfs.c kernel/fs.h kernel/param.h kernel/stat.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -I. -o $@ mkfs/mkfs.c

fs.img: $(B)/mkfs README $(UPROGS)
	$(B)/mkfs fs.img README $(UPROGS)

# ---- running ----
QEMUOPTS = -machine virt -bios default -kernel $(B)/kernel.elf -m $(MEM) -smp $(CPUS) -nographic \
	-global virtio-mmio.force-legacy=false \
	-drive file=fs.img,if=none,format=raw,id=x0 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0

qemu: check-tools all
	$(QEMU) $(QEMUOPTS)

GDBPORT = 26000
qemu-gdb: check-tools all
	@echo "*** Now run 'gdb-multiarch' in this directory (it reads .gdbinit; see README)."
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

test: check-tools all
	$(PYTHON) tests/harness.py test $(if $(T),--only "$(T)")

run: check-tools all
	$(PYTHON) tests/harness.py run --mem $(MEM) --cpus $(CPUS)

bench: check-tools all
	$(PYTHON) tests/harness.py bench

clean:
	rm -rf $(B) fs.img bench.json

.PHONY: all qemu qemu-gdb test run bench clean check-tools
.PRECIOUS: $(B)/user/%.o
-include $(shell find $(B) -name '*.d' 2>/dev/null)
