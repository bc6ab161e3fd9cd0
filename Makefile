# Pagoda: build the kernel, the user programs and fs.img; run them under QEMU.
#   make qemu            boot to a shell (Ctrl-A x leaves QEMU)
#   make qemu KEEP=1     ... on the existing fs.img, even if user/ changed
#   make test [T=name] [CPUS=N]  run the test suite headless; last line "N passed, N failed"
#   make unittest        build and run the host unit tests (no QEMU)
#   make run CMD='...'   boot, run one command line, exit with its status
#   make bench           run the benchmarks, print the table, write bench.json
#   make crashtest [N=20] kill QEMU N times during a file-system workload; check the disk
#   make stress [MINUTES=10 | SECONDS=N] [SEED=N]
#                        fuzz and stress boot after boot with new seeds
#   make qemu-gdb        like qemu, but wait for gdb-multiarch
#   make LOCKDEBUG=1 ... the same with the lock checker (kernel/lib/lockorder.c)
#   make lab LAB=NAME DIR=PATH   write a lab's student tree (docs/labs/)
#   make grade LAB=NAME  run a lab's tests, print points and the score

CPUS ?= 3
MEM  ?= 128M
B    := build

# The lock checker (kernel/lib/lockorder.c, docs/book/11-locking.md). LOCKDEBUG=1
# builds a debug kernel in build-lockdebug/ (user programs, mkfs and fs.img
# are shared), so both kernels can exist side by side; the harness is given
# its path in KERNEL. LOCKDEBUG_COPY (on with LOCKDEBUG unless set to 0)
# adds the no-locks check to copyin/copyout/copyinstr; LOCKDEBUG_WARN=1
# reports each distinct violation once and goes on instead of panicking.
LOCKDEBUG ?= 0
LOCKDEBUG_COPY ?= $(LOCKDEBUG)
LOCKDEBUG_WARN ?= 0
LOCKDEBUG_CFLAGS := $(if $(filter 1,$(LOCKDEBUG)),-DLOCKDEBUG \
	$(if $(filter 1,$(LOCKDEBUG_COPY)),-DLOCKDEBUG_COPY) \
	$(if $(filter 1,$(LOCKDEBUG_WARN)),-DLOCKDEBUG_WARN))
KB   := $(if $(filter 1,$(LOCKDEBUG)),build-lockdebug,$(B))
KERNEL_ELF := $(KB)/kernel.elf

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
	-ffunction-sections -O2 -g -Wall -Wextra -Werror -DKERNEL -I. -MMD -MP $(LOCKDEBUG_CFLAGS)
KLDFLAGS = -no-pie -nostdlib -Wl,--build-id=none -T linker.ld

UCFLAGS = -march=rv64gc -mabi=lp64d -mcmodel=medany -fno-pie -ffreestanding \
	-nostdlib -fno-builtin -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -O2 -g -Wall -Werror -I. -MMD -MP
ULDFLAGS = -no-pie -nostdlib -Wl,--build-id=none -T user/user.ld

# Linking of the user programs (docs/book/09-shlib.md). DYNAMIC=1 links every
# program in user/*.c against /lib/libc.so, run by the dynamic loader
# /lib/ld.so; DYNAMIC=0 links them statically, with the user library
# copied in. Programs named in STATIC_PROGS are static either way: bench,
# so that its rows (and its `exec` row, which execs bench itself) measure
# the same thing in both modes (exec_dyn measures a dynamic program), and
# init, so that a damaged /lib cannot stop the first process (it falls back
# to the static rescue shell /rescue/sh when /sh cannot run).
# libc.so, ld.so, the test libraries and the test programs in user/shlib/
# are built, and put into fs.img, in both modes.
# LAB mmap: ld.so maps libraries with mmap: programs are static until it works (then make DYNAMIC=1)
DYNAMIC ?= 1
# STUB: DYNAMIC ?= 0
# END LAB mmap
STATIC_PROGS ?= bench init
# Preferred base addresses: libc.so (beside ld.so: kernel/memlayout.h says
# why); libt1.so and libt2.so (the same one, on purpose); the broken test
# libraries.
LIBC_BASE   := 0x3F00100000
TLIB_BASE   := 0x3D00000000
BADLIB_BASE := 0x3C00000000

# libc.so: the user library (all of user/lib but start.S) compiled as
# position-independent code, linked at a preferred base address. Its text
# is read-only and executable, its data separate; no text relocations.
# -Bsymbolic-functions: libc's calls to its own functions are bound when
# it is linked, as in a static program (where a program cannot replace a
# libc function either), not through PLT slots that ld.so would look up
# and write in every process.
PICFLAGS  = $(filter-out -fno-pie,$(UCFLAGS)) -fPIC
SOFLAGS   = -shared -nostdlib -Wl,--build-id=none -Wl,--hash-style=sysv \
	-Wl,-z,separate-code -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,-z,text
# Dynamically linked programs: linked as now (not PIC, at 0x10000), with
# user/dyn.ld, start.o copied in, and the rest from the shared libraries.
DYNLDFLAGS = -no-pie -nostdlib -Wl,--build-id=none -T user/dyn.ld \
	-Wl,--dynamic-linker=/lib/ld.so -Wl,--hash-style=sysv -Wl,-z,text
DYNDEPS  := $(B)/user/lib/start.o $(B)/lib/libc.so user/dyn.ld

KSRC  := $(sort $(wildcard kernel/*/*.c) $(wildcard kernel/*/*.S))
KOBJ  := $(patsubst %,$(KB)/%.o,$(basename $(KSRC)))
ULIBSRC := $(sort $(wildcard user/lib/*.c) $(wildcard user/lib/*.S))
ULIBOBJ := $(patsubst %,$(B)/%.o,$(basename $(ULIBSRC))) $(B)/user/lib/usys.o
LIBCSRC := $(filter-out user/lib/start.S,$(ULIBSRC))
LIBCOBJ := $(patsubst user/lib/%,$(B)/user/pic/%.o,$(basename $(LIBCSRC))) $(B)/user/pic/usys.o
UPROGS  := $(patsubst user/%.c,$(B)/user/_%,$(sort $(wildcard user/*.c)))

all: $(KERNEL_ELF) fs.img $(B)/fsck

check-tools:
	@$(PYTHON) tests/need.py

# ---- kernel ----
# $(KB)/kflags changes whenever the kernel's flags do (LOCKDEBUG_COPY,
# LOCKDEBUG_WARN), so that every kernel object is compiled again.
$(shell mkdir -p $(KB) && [ "`cat $(KB)/kflags 2>/dev/null`" = "$(KCFLAGS)" ] || echo "$(KCFLAGS)" > $(KB)/kflags)
$(KB)/kernel/%.o: kernel/%.c $(KB)/kflags
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<
$(KB)/kernel/%.o: kernel/%.S $(KB)/kflags
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

# The kernel is linked three times: first with an empty symbol table
# (`true` stands in for nm: no symbols, no warning), then twice with the
# table (for backtraces) generated from the previous link, so that the
# addresses settle.
$(KB)/kernel.elf: $(KOBJ) linker.ld tools/symtab.sh
	sh tools/symtab.sh true /dev/null > $(KB)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(KB)/ksyms.o $(KB)/ksyms.S
	$(CC) $(KLDFLAGS) -o $(KB)/kernel0.elf $(KOBJ) $(KB)/ksyms.o
	sh tools/symtab.sh $(NM) $(KB)/kernel0.elf > $(KB)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(KB)/ksyms.o $(KB)/ksyms.S
	$(CC) $(KLDFLAGS) -o $(KB)/kernel1.elf $(KOBJ) $(KB)/ksyms.o
	sh tools/symtab.sh $(NM) $(KB)/kernel1.elf > $(KB)/ksyms.S
	$(CC) $(KCFLAGS) -c -o $(KB)/ksyms.o $(KB)/ksyms.S
	$(CC) $(KLDFLAGS) -o $@ $(KOBJ) $(KB)/ksyms.o
	$(OBJDUMP) -S $@ > $(KB)/kernel.asm

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

# How a program is linked: statically (user/user.ld, the user library
# copied in) or dynamically (user/dyn.ld: start.o copied in, the rest from
# libc.so, loaded by /lib/ld.so). $(B)/linkmode changes whenever DYNAMIC or
# STATIC_PROGS does, so that every program is linked again.
LINKMODE := DYNAMIC=$(DYNAMIC) STATIC_PROGS=$(STATIC_PROGS)
$(shell mkdir -p $(B) && [ "`cat $(B)/linkmode 2>/dev/null`" = "$(LINKMODE)" ] || echo "$(LINKMODE)" > $(B)/linkmode)
LINK_STATIC  = $(CC) $(UCFLAGS) $(ULDFLAGS) -o $@ $(1) $(B)/user/libulib.a -lgcc
LINK_DYNAMIC = $(CC) $(UCFLAGS) $(DYNLDFLAGS) -o $@ $(B)/user/lib/start.o $(1) $(B)/lib/libc.so -lgcc
IS_DYNAMIC   = $(and $(filter 1,$(DYNAMIC)),$(filter-out $(STATIC_PROGS),$(1)))
$(B)/user/_%: $(B)/user/%.o $(B)/user/libulib.a user/user.ld $(B)/linkmode $(if $(filter 1,$(DYNAMIC)),$(DYNDEPS))
	$(if $(call IS_DYNAMIC,$*),$(call LINK_DYNAMIC,$<),$(call LINK_STATIC,$<))

# ---- shared libraries (docs/book/09-shlib.md) ----
$(B)/user/pic/%.o: user/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) -c -o $@ $<
$(B)/user/pic/%.o: user/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) -c -o $@ $<
$(B)/user/pic/usys.o: $(B)/user/lib/usys.S
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) -c -o $@ $<
$(B)/lib/libc.so: $(LIBCOBJ)
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) $(SOFLAGS) -Wl,-Bsymbolic-functions -Wl,-soname,libc.so \
		-Wl,-Ttext-segment=$(LIBC_BASE) -o $@ $^ -lgcc

# ld.so: built by user/ld/build.sh (the exact commands are there).
LDSO := $(if $(wildcard user/ld/build.sh),$(B)/lib/ld.so)
$(B)/lib/ld.so: $(wildcard user/ld/*) kernel/syscall.h
	@test -f user/ld/build.sh || { echo "ld.so: user/ld/build.sh is missing: cannot build /lib/ld.so (needed when DYNAMIC=1)" >&2; exit 1; }
	@mkdir -p $(@D)
	CC="$(CC)" TOOLPREFIX="$(TOOLPREFIX)" sh user/ld/build.sh $@

# Test libraries and programs (user/shlib/). All of them are dynamically
# linked, whatever DYNAMIC says. Libraries installed in /lib go to $(B)/lib;
# libraries only linked against stay in $(B)/user/shlib.
SH := $(B)/user/shlib
SHLINK = $(CC) $(UCFLAGS) $(DYNLDFLAGS) -o $@ $(B)/user/lib/start.o
SHLIB  = $(CC) $(PICFLAGS) $(SOFLAGS) -o $@
$(SH)/%.o: user/shlib/%.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<
$(SH)/pic/%.o: user/shlib/%.c
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) -c -o $@ $<
$(SH)/pic/nosym_full.o: user/shlib/nosym.c
	@mkdir -p $(@D)
	$(CC) $(PICFLAGS) -DWITH_NOSYM_FN -c -o $@ $<

# libt1.so and libt2.so: the same preferred base, so a program using both
# gets one of them relocated.
$(B)/lib/libt1.so: $(SH)/pic/t1.o $(B)/lib/libc.so
	$(SHLIB) -Wl,-soname,libt1.so -Wl,-Ttext-segment=$(TLIB_BASE) $^
$(B)/lib/libt2.so: $(SH)/pic/t2.o $(B)/lib/libc.so
	$(SHLIB) -Wl,-soname,libt2.so -Wl,-Ttext-segment=$(TLIB_BASE) $^
# Broken libraries: a good library with the name, damaged by corrupt.py.
$(SH)/lib%.so: $(SH)/pic/bad.o $(B)/lib/libc.so
	$(SHLIB) -Wl,-soname,lib$*.so -Wl,-Ttext-segment=$(BADLIB_BASE) $^
$(B)/lib/libbadhdr.so $(B)/lib/libtrunc.so $(B)/lib/libbadrel.so $(B)/lib/libunkrel.so: \
		$(B)/lib/%.so: $(SH)/%.so user/shlib/corrupt.py
	$(PYTHON) user/shlib/corrupt.py $(patsubst lib%,%,$*) $< $@
# libnosym.so: programs link against the full one (it has nosym_fn); the
# image gets one without nosym_fn.
$(SH)/libnosym.so: $(SH)/pic/nosym_full.o $(B)/lib/libc.so
	$(SHLIB) -Wl,-soname,libnosym.so -Wl,-Ttext-segment=$(BADLIB_BASE) $^
$(B)/lib/libnosym.so: $(SH)/pic/nosym.o $(B)/lib/libc.so
	$(SHLIB) -Wl,-soname,libnosym.so -Wl,-Ttext-segment=$(BADLIB_BASE) $^

SHLIBS := $(addprefix $(B)/lib/,libc.so libt1.so libt2.so libbadhdr.so libtrunc.so \
	libbadrel.so libunkrel.so libnosym.so)
SHPROGS := $(addprefix $(B)/user/_,t_two t_one t_noop t_wait t_badhdr t_trunc t_badrel \
	t_unkrel t_nolib t_nosym t_nointerp sh_static sh_dyn)
SHDEPS = $(DYNDEPS)

$(B)/user/_t_two: $(SH)/t_two.o $(B)/lib/libt1.so $(B)/lib/libt2.so $(SHDEPS)
	$(SHLINK) $< $(B)/lib/libt1.so $(B)/lib/libt2.so $(B)/lib/libc.so -lgcc
$(B)/user/_t_one: $(SH)/t_one.o $(B)/lib/libt2.so $(SHDEPS)
	$(SHLINK) $< $(B)/lib/libt2.so $(B)/lib/libc.so -lgcc
$(B)/user/_t_noop $(B)/user/_t_wait: $(B)/user/_%: $(SH)/%.o $(SHDEPS)
	$(SHLINK) $< $(B)/lib/libc.so -lgcc
# Each needs one broken library (and libc.so).
$(B)/user/_t_badhdr $(B)/user/_t_trunc $(B)/user/_t_badrel $(B)/user/_t_unkrel: \
		$(B)/user/_t_%: $(SH)/t_bad.o $(SH)/lib%.so $(SHDEPS)
	$(SHLINK) $< $(SH)/lib$*.so $(B)/lib/libc.so -lgcc
$(B)/user/_t_nolib: $(SH)/t_bad.o $(SH)/libmissing.so $(SHDEPS)
	$(SHLINK) $< $(SH)/libmissing.so $(B)/lib/libc.so -lgcc
# -z now: the missing function is looked up at load time, whatever ld.so's
# policy for PLT entries.
$(B)/user/_t_nosym: $(SH)/t_nosym.o $(SH)/libnosym.so $(SHDEPS)
	$(SHLINK) -Wl,-z,now $< $(SH)/libnosym.so $(B)/lib/libc.so -lgcc
$(B)/user/_t_nointerp: $(SH)/t_noop.o $(SHDEPS)
	$(SHLINK) -Wl,--dynamic-linker=/lib/nold.so $< $(B)/lib/libc.so -lgcc
# The shell twice, for bench's idle-shell rows: static and dynamic. The
# static one is also the rescue shell, /rescue/sh.
$(B)/user/_sh_static: $(B)/user/sh.o $(B)/user/libulib.a user/user.ld
	$(call LINK_STATIC,$<)
$(B)/user/_sh_dyn: $(B)/user/sh.o $(SHDEPS)
	$(SHLINK) $< $(B)/lib/libc.so -lgcc

# fs.img: lib/NAME=FILE puts FILE into the image as /lib/NAME. ld.so is
# left out only while user/ld/build.sh does not exist and DYNAMIC=0.
IMGLIBS := $(SHLIBS) $(if $(filter 1,$(DYNAMIC)),$(B)/lib/ld.so,$(LDSO))

# ---- file system image ----
$(B)/mkfs: mkfs/mkfs.c kernel/fs.h kernel/param.h kernel/stat.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -I. -o $@ mkfs/mkfs.c

# fsck: the host checker of an image (tools/fsck.c, docs/book/10-fs.md).
$(B)/fsck: tools/fsck.c kernel/fs.h kernel/param.h kernel/stat.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Wextra -Werror -O2 -I. -o $@ tools/fsck.c

# What goes where: README and the programs in /, the test fixtures (the
# programs of user/shlib/ and the two shells for bench) in /t/, the
# libraries in /lib/, and /rescue/: statically linked copies of the shell
# and of the tools needed to repair /lib (init runs /rescue/sh when /sh
# cannot run), with spare copies of libc.so and ld.so. The list is also
# written to build/fs.contents, from which the test harness builds images
# of other sizes.
IMGFILES = README $(UPROGS) $(foreach f,$(SHPROGS),t/$(patsubst _%,%,$(notdir $(f)))=$(f)) \
	$(foreach p,$(RESCUE),rescue/$(p)=$(B)/rescue/_$(p)) rescue/libc.so=$(B)/lib/libc.so \
	$(if $(LDSO),rescue/ld.so=$(LDSO)) $(foreach f,$(IMGLIBS),lib/$(notdir $(f))=$(f))

# fs.img is never rewritten under a running guest: the image is built
# beside it and moved in place by tools/fsimg.py, which refuses while a
# QEMU holds fs.img (QEMU locks it), and keeps an image that holds files
# made in the guest as fs.img.old, saying so (README: "The disk image").
# The rescue tools: static whatever DYNAMIC says.
RESCUE := sh cat ls rm ln echo
$(B)/rescue/_%: $(B)/user/%.o $(B)/user/libulib.a user/user.ld
	@mkdir -p $(@D)
	$(call LINK_STATIC,$<)

fs.img: $(B)/mkfs README $(UPROGS) $(SHPROGS) $(RESCUE:%=$(B)/rescue/_%) $(IMGLIBS) tools/fsimg.py
	@$(PYTHON) tools/fsimg.py busy fs.img
	$(B)/mkfs $(B)/fs.img.new $(IMGFILES)
	@echo "$(IMGFILES)" > $(B)/fs.contents
	@$(PYTHON) tools/fsimg.py install $(B)/fs.img.new fs.img

# ---- host unit tests and tools (tests/unittest.sh) ----
# tlbmodel replays a TLB trace (bootarg tlbtrace=1) against a model of
# per-hart, ASID-tagged TLBs (docs/book/07-tlb.md); make test also feeds it the
# traces of the tests.txt lines marked "tlbmodel".
$(B)/tlbmodel: tests/tlbmodel.c
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -o $@ tests/tlbmodel.c

# regiontest compiles kernel/mm/region.c itself on the host.
$(B)/regiontest: tests/unit/check.h tests/unit/regiontest.c kernel/mm/region.c kernel/mm/mm.h kernel/mm/mm_internal.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -I. -DKERNEL -o $@ tests/unit/regiontest.c

# pipetest compiles kernel/fs/pipering.c itself on the host.
$(B)/pipetest: tests/unit/check.h tests/unit/pipetest.c kernel/fs/pipering.c kernel/fs/pipering.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -I. -o $@ tests/unit/pipetest.c

# blkcheck checks the commit's FLUSH order in a disk trace (bootarg
# blktrace=1, docs/book/10-fs.md); make test feeds it the tests.txt lines marked
# "blkcheck".
$(B)/blkcheck: tests/blkcheck.c
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -o $@ tests/blkcheck.c

# trunctest compiles kernel/fs/truncbudget.c itself on the host.
$(B)/trunctest: tests/unit/check.h tests/unit/trunctest.c kernel/fs/truncbudget.c kernel/fs/truncbudget.h
	@mkdir -p $(B)
	$(HOSTCC) -Wall -Werror -O2 -I. -DKERNEL -o $@ tests/unit/trunctest.c

HOSTTOOLS := $(B)/tlbmodel $(B)/regiontest $(B)/blkcheck $(B)/trunctest $(B)/pipetest

unittest: $(HOSTTOOLS)
	sh tests/unittest.sh $(B)

# ---- running ----
QEMUOPTS = -machine virt -bios default -kernel $(KERNEL_ELF) -m $(MEM) -smp $(CPUS) -nographic \
	-global virtio-mmio.force-legacy=false \
	-drive file=fs.img,if=none,format=raw,id=x0 -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0

# KEEP=1: boot the fs.img there is (files made in the guest stay), even
# if the programs changed; it is built only when missing.
IMGDEP = $(if $(and $(filter 1,$(KEEP)),$(wildcard fs.img)),,fs.img)
qemu: check-tools $(KERNEL_ELF) $(IMGDEP)
	$(if $(IMGDEP),,@echo "KEEP=1: booting the existing fs.img, not rebuilt")
	@# The guest's shutdown status is no build error: report it, exit 0.
	@$(QEMU) $(QEMUOPTS) || echo "qemu: exited with status $$? (the guest's shutdown status)"

GDBPORT = 26000
qemu-gdb: check-tools $(KERNEL_ELF) $(IMGDEP)
	@echo "*** Now run 'gdb-multiarch' in this directory (it reads .gdbinit; see README)."
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

# The host unit tests run first, inside the harness, so that they count
# in its "N passed, N failed". Lines marked lockdebug in tests/tests.txt
# boot the lock-checking kernel, built here too.
lockdebug-kernel:
	$(MAKE) LOCKDEBUG=1 build-lockdebug/kernel.elf

test: check-tools all $(HOSTTOOLS) lockdebug-kernel
	KERNEL=$(KERNEL_ELF) $(PYTHON) tests/harness.py test $(if $(T),--only "$(T)") \
	  $(if $(filter command line,$(origin CPUS)),--cpus $(CPUS))

# Exits with the command's status (as QEMU's: -1 arrives as 255), which
# make reports as an error when it is not 0.
# CMD is passed unexpanded ($(value CMD)), so that the shell's $? and $!
# reach the guest instead of being taken for make's automatic variables.
shquote = '$(subst ','\'',$(1))'
run: check-tools all
	@KERNEL=$(KERNEL_ELF) $(PYTHON) tests/harness.py run --cmd $(call shquote,$(value CMD)) --mem $(MEM) --cpus $(CPUS) || \
	  { st=$$?; echo "make run: exit status $$st"; exit $$st; }

bench: check-tools all
	KERNEL=$(KERNEL_ELF) $(PYTHON) tests/harness.py bench

# The crash test alone, longer: make crashtest [N=points] [SEED=seed]
# (make test runs a few points: tests/tests.txt, crashwork crash=N).
crashtest: check-tools all
	KERNEL=$(KERNEL_ELF) $(PYTHON) tests/harness.py crash --points $(or $(N),20) $(if $(SEED),--seed $(SEED))

# The attack tools for as long as asked (tests/harness.py, "stress" mode):
# fuzz on 1 and 3 harts and stress mix, a new seed per round of boots.
MINUTES ?= 10
stress: check-tools all
	KERNEL=$(KERNEL_ELF) $(PYTHON) tests/harness.py stress --seconds $(if $(SECONDS),$(SECONDS),$(shell echo $$(( $(MINUTES) * 60 )))) $(if $(SEED),--seed $(SEED))

# The course labs (docs/labs/README.md): cut a student tree out of this
# one (tools/lab.py), grade a lab in either kind of tree (tools/grade.py).
lab:
	@test -n "$(LAB)" -a -n "$(DIR)" || { echo "usage: make lab LAB=NAME DIR=PATH (labs: syscall pgtbl cow mmap tlb shlib)"; exit 2; }
	@$(PYTHON) tools/lab.py cut $(LAB) $(DIR)

grade: check-tools all $(B)/tlbmodel
	@test -n "$(LAB)" || { echo "usage: make grade LAB=NAME (labs: syscall pgtbl cow mmap tlb shlib)"; exit 2; }
	@$(PYTHON) tools/grade.py $(LAB)

clean:
	@$(PYTHON) tools/fsimg.py busy fs.img
	rm -rf $(B) build-lockdebug fs.img bench.json

# make help: one line per target. tests/unittest.sh checks that every
# .PHONY target is listed here.
help:
	@echo "make [all]             build build/kernel.elf, the user programs, fs.img and build/fsck"
	@echo "make qemu [KEEP=1]     build and boot to a shell (Ctrl-A x leaves QEMU; KEEP=1 boots the existing fs.img)"
	@echo "make qemu-gdb          the same, halted, waiting for gdb-multiarch on port $(GDBPORT) (docs/debugging.md)"
	@echo "make test [T=name] [CPUS=N]  the whole suite headless (or one program or subtest; every boot with N harts); last line N passed, N failed"
	@echo "make unittest          the host unit tests alone: TLB model, region list, doc references, vmdraw, this list"
	@echo "make run CMD='...'     boot headless, run one command line, exit with its status"
	@echo "make bench             the benchmarks on one hart: a table and bench.json"
	@echo "make crashtest [N=20]  kill QEMU N times during a file-system workload and check the disk"
	@echo "make stress [MINUTES=10] the fuzzer and the concurrency stress, boot after boot, new seeds"
	@echo "make clean             remove build/, build-lockdebug/, fs.img and bench.json"
	@echo "make check-tools       check for the Debian packages the build needs (installs them as root)"
	@echo "make lockdebug-kernel  build the lock-checking kernel, build-lockdebug/kernel.elf"
	@echo "make lab LAB=NAME DIR=PATH  write a course lab's student tree (docs/labs/README.md)"
	@echo "make grade LAB=NAME    run a lab's tests: points per test and the score"
	@echo "make help              this list"
	@echo "Options: CPUS=3 MEM=128M LOCKDEBUG=1 DYNAMIC=0 BOOTARGS=...; see the top of the Makefile and README.md"

.PHONY: all qemu qemu-gdb test unittest run bench crashtest stress clean check-tools lockdebug-kernel lab grade
.PHONY: help
.PRECIOUS: $(B)/user/%.o $(SH)/%.o $(SH)/pic/%.o $(SH)/lib%.so
-include $(shell find $(B) $(KB) -name '*.d' 2>/dev/null | sort -u)
