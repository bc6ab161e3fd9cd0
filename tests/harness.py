#!/usr/bin/env python3
"""Pagoda's host harness: boot QEMU headless, run guest programs, read their output.

  harness.py run [--cmd "prog args"] [--mem 128M] [--cpus 3] [--bootargs "k=v ..."]
                 [--timeout S] [--keep-disk] [--icount]
      Boot once with the command ($CMD and $BOOTARGS are the defaults of --cmd
      and --bootargs), stream the guest's output, exit with the
      guest's status (QEMU's exit status; a guest status of -1 arrives as 255).
      124: no output for S seconds (QEMU killed); 125: kernel panic (QEMU killed).
      Runs on a scratch copy of fs.img (build/run-fs.img), so every run starts
      from a clean disk; --keep-disk boots fs.img itself.

  harness.py test [--only NAME ...] [--cpus N]
      Run the host unit tests (tests/unittest.sh; with --only, only if
      "unittest" is named), then every program listed in tests/tests.txt
      (or the programs/subtests named), and print a summary whose last
      line is "N passed, N failed".

  harness.py bench [--icount] [--mem 128M]
      Run the bench program with CPUS=1, print a table, write bench.json.

  harness.py crash [--points N] [--seed S] [--cpus C]
      The crash test: N times, boot a fresh image with the file-system
      workload user/crashwork.c, SIGKILL QEMU at a random point (after a
      seeded random number of reported operations plus a random delay),
      run the host checker build/fsck on the image, boot again with
      "crashwork -check" (the kernel recovers from its log) and compare the
      listing with every operation the guest reported done; fsck again.
      One result per crash point ("crashN"). The seed is printed; $CRASHSEED
      or --seed repeats the choices (not QEMU's timing).
  harness.py stress [--seconds S] [--seed N] [--calls N] [--iters N]
      Attack tools for as long as asked: boot after boot, "fuzz SEED CALLS"
      on 1 hart, "fuzz SEED CALLS --harts" on 3, "stress mix ITERS" on 3,
      with a new seed each time (from --seed on, or the clock), until S
      seconds have passed. Every boot's seed and outcome is printed, and a
      failure's log is kept in build/stress-logs, so a failure replays with
      "make run CMD='fuzz SEED CALLS'" (or "fuzz SEED CALLS -r ROUND -v").

  harness.py selftest
      Check the output parser against canned guest output (no QEMU).

The kernel command line is "<kernel options> -- <command>": the kernel hands
everything after " -- " to /init, which runs it with "sh -c" and powers off
with its exit status.

tests/tests.txt, one program per line ("#" starts a comment):
  console NAME ...  console tests (tests/console.py): boot to the shell
                    prompt, type at it (Ctrl-C, long lines, pastes), check
                    what comes back; each on its own scratch image
  host NAME ...     host-side checks (tests/console.py), e.g. image_busy
  labcheck [LAB ...] the course labs (tools/labcheck.py): full marks on this
                    tree, each student tree builds, boots, scores below full
  PROGRAM [ARG ...] [mem=32M] [cpus=1] [bootargs=K=V ...] [timeout=S] [fssize=N] [reboot] [crash=N]
          [tlbmodel] [blkcheck] [lockdebug]
    ARG         arguments given to the program (a list of its subtests)
    mem, cpus   QEMU -m and -smp (defaults 128M, 3)
    bootargs=   kernel options (repeat the key, or quote: bootargs="a=1 b=2")
    timeout=S   the run is a hang if the guest prints nothing for S seconds
                (default 120); a boot is also stopped after 4*S seconds in all
    fssize=N    boot a fresh image of N blocks (build/mkfs -s N) instead of a
                copy of fs.img
    reboot      boot twice on the same disk: "PROGRAM" then
                "PROGRAM --after-reboot"; both runs' results count
    crash=N     the crash test (see "harness.py crash") with N points instead
                of booting PROGRAM (crashwork) as usual
    lockdebug   boot the lock-checking kernel (build-lockdebug/kernel.elf,
                make LOCKDEBUG=1; docs/book/11-locking.md) instead of the usual one
    tlbmodel    boot with tlbtrace=1 and feed the trace lines ("TT ...")
                to build/tlbmodel instead of the log; its verdict counts
                as one more test per boot ("[tlbmodel] test NAME: ok")
    blkcheck    the same with blktrace=1, the "BT ..." lines and
                build/blkcheck (the commit's FLUSH order, docs/book/10-fs.md)

Guest contract: before a subtest a program prints "start NAME", after it
"test NAME: ok" or "test NAME: FAIL reason".  A line containing "panic:" is
a kernel panic.  A panic, a hang, or a non-zero exit status with no FAIL line
is a failure named after the running subtest (the last "start" without a
result) or the program.  After a boot dies in the middle of a subtest, the
program is booted again with the subtests it has not run yet: their names come
from the `{ "name", function }` entries of the tests[] table in user/PROGRAM.c.

Environment: QEMU (binary), KERNEL (kernel ELF), QEMUEXTRA (more QEMU options),
BENCH_ICOUNT=1 (as --icount for bench), CRASHSEED (the crash test's seed),
DISKCACHE (QEMU's -drive cache= mode: run mode default QEMU's (writeback),
test and crash modes default unsafe, see test_cache()).
"""

import argparse
import json
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402  (tests/console.py)

DEFAULT_MEM = "128M"
DEFAULT_CPUS = 3
DEFAULT_TIMEOUT = 120      # seconds of silence that make a hang
PANIC_GRACE = 3.0          # after "panic:", wait this long for the backtrace
PANIC_MAX = 10.0           # ... but no longer than this in all
RETRY_BOOTS = 6            # boots per program line after the first crash
BATCH_NAMES = 16           # subtest names per re-boot command line
BATCH_CHARS = 200          # longest re-boot command line
SHOW_LINES = 40            # guest lines printed with a failure

FILE_MIB = 32              # bench's file for read_seq and mmap_seq
BENCH_FSSIZE = 160000      # blocks of the bench disk (writebig: 64 MiB more)
COLD_MAX = 90              # longest cold-cache boot worth running (seconds)
BENCH_ORDER = ["trap_null", "getpid", "pipe_rtt", "pipe_rtt_2cpu", "shm_rtt", "pipe_bw", "shm_bw",
               "fork_0M", "fork_1M", "fork_16M", "fork_64M",
               "cow_fault", "zero_fault", "cow_touch_8M", "exec", "exec_dyn", "kill60",
               "sh10_static_frames", "sh10_dynamic_frames",
               "read_seq_cold", "read_seq_warm", "mmap_seq_cold", "mmap_seq_warm",
               "write_seq", "read_after_write", "writebig", "memcpy_bw"]


def say(*a):
    print(*a, flush=True)


class Paths:
    def __init__(self, root):
        self.root = root
        self.build = os.path.join(root, "build")
        self.kernel = os.environ.get("KERNEL") or os.path.join(self.build, "kernel.elf")
        # the lock-checking kernel (make LOCKDEBUG=1), for "lockdebug" lines
        self.kernel_lockdebug = os.environ.get("KERNEL_LOCKDEBUG") or \
            os.path.join(self.root, "build-lockdebug", "kernel.elf")
        self.fsimg = os.path.join(root, "fs.img")
        self.mkfs = os.path.join(self.build, "mkfs")
        self.tests = os.path.join(root, "tests", "tests.txt")
        self.user = os.path.join(root, "user")
        self.logs = os.path.join(self.build, "test-logs")
        self.qemu = os.environ.get("QEMU") or "qemu-system-riscv64"

    def rel(self, p):
        return os.path.relpath(p, self.root)


# ---------------------------------------------------------------------------
# booting QEMU

def make_append(bootargs, cmd):
    """The kernel command line: options, then " -- " and the command."""
    opts = " ".join(a for a in bootargs if a)
    return opts + " -- " + cmd


def test_cache():
    """The drive cache mode of test boots: $DISKCACHE, else "unsafe". The
    guest's FLUSH requests are then completed without an fdatasync on the
    host: the kernel does the same work, and the crash test (a SIGKILL of
    QEMU, whose completed writes are in the host's page cache either way)
    sees the same disk, but a write-heavy test does not push gigabytes
    through the host's journal (mmaptests bigmap: 4.7 GB for 48 MiB written,
    with a flush per page written back). DISKCACHE=writeback tests the real
    thing."""
    return os.environ.get("DISKCACHE") or "unsafe"


def qemu_argv(P, img, mem, cpus, append, icount=False, cache=None, kernel=None):
    """cache: QEMU's -drive cache mode (None: QEMU's default, writeback,
    where the guest's FLUSH is an fdatasync of the image on the host).
    kernel: the kernel ELF (default P.kernel)."""
    drive = "file=%s,if=none,format=raw,id=x0" % img
    if cache:
        drive += ",cache=" + cache
    argv = [P.qemu, "-machine", "virt", "-bios", "default", "-kernel", kernel or P.kernel,
            "-m", str(mem), "-smp", str(cpus), "-nographic",
            "-monitor", "none", "-serial", "stdio",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", drive,
            "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
            "-append", append]
    if icount:
        argv += ["-icount", "shift=0,sleep=off"]
    argv += shlex.split(os.environ.get("QEMUEXTRA", ""))
    return argv


class Boot:
    """The outcome of one boot."""
    def __init__(self):
        self.status = None     # QEMU's exit status (negative: killed by signal)
        self.end = "exit"      # exit | hang | maxtime | panic
        self.panic = False     # a "panic:" line was seen
        self.elapsed = 0.0
        self.lines = []


def boot(argv, idle=None, maxtime=None, on_line=None, on_data=None, log=None, divert=None):
    """Run QEMU; feed each output line to on_line, raw bytes to on_data.

    divert: called with each line first; it returns the line to go on with
    (perhaps changed), or None for a line that goes nowhere else (not to
    on_line, the log or Boot.lines).

    idle: seconds of silence after which QEMU is killed (a hang);
    maxtime: seconds in all after which QEMU is killed.
    After a line containing "panic:" QEMU gets PANIC_GRACE seconds of silence
    (PANIC_MAX in all) to print the rest, then it is killed.
    """
    b = Boot()
    start = time.monotonic()
    if log:
        log.write(("$ " + " ".join(shlex.quote(a) for a in argv) + "\n").encode())
        log.flush()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    except OSError as e:
        msg = "harness: cannot start %s: %s" % (argv[0], e)
        b.lines.append(msg)
        if on_line:
            on_line(msg)
        b.status = 127
        return b
    fd = p.stdout.fileno()
    partial = b""
    last = start
    panic_at = None

    def line_out(raw):
        s = raw.decode("utf-8", "replace").replace("\r", "")
        if divert:
            s = divert(s)
            if s is None:
                return False
            if log:
                log.write(s.encode() + b"\n")
        b.lines.append(s)
        if "panic:" in s:
            b.panic = True
        if on_line:
            on_line(s)
        return "panic:" in s

    try:
        while True:
            t = time.monotonic()
            limits = []
            if panic_at is not None:
                limits.append(("panic", min(last + PANIC_GRACE, panic_at + PANIC_MAX)))
            if idle:
                limits.append(("hang", last + idle))
            if maxtime:
                limits.append(("maxtime", start + maxtime))
            wait = None
            if limits:
                wait = max(0.0, min(d for _, d in limits) - t)
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                t = time.monotonic()
                due = [why for why, d in limits if d <= t + 0.001]
                if not due:
                    continue
                b.end = due[0]
                p.kill()
                break
            data = os.read(fd, 65536)
            if not data:
                break
            last = time.monotonic()
            if on_data:
                on_data(data)
            if log and not divert:
                log.write(data)
            partial += data
            while b"\n" in partial:
                raw, partial = partial.split(b"\n", 1)
                if line_out(raw) and panic_at is None:
                    panic_at = last
        if partial:
            line_out(partial)
        try:
            b.status = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            b.status = p.wait()
            if b.end == "exit":
                b.end = "maxtime"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
    b.elapsed = time.monotonic() - start
    if log:
        log.write(("\n$ end=%s status=%s elapsed=%.1fs\n" % (b.end, b.status, b.elapsed)).encode())
        log.flush()
    return b


def copy_image(P, dst):
    if not os.path.isfile(P.fsimg):
        raise HarnessError("%s not found (run make)" % P.rel(P.fsimg))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(P.fsimg, dst)


def fresh_image(P, dst, blocks):
    """A new image of the given size holding what fs.img holds (the list
    the Makefile wrote to build/fs.contents), or README, every user program
    and /lib."""
    if not os.path.isfile(P.mkfs):
        raise HarnessError("%s not found (run make)" % P.rel(P.mkfs))
    contents = os.path.join(P.build, "fs.contents")
    if os.path.isfile(contents):
        with open(contents) as f:
            files = f.read().split()
        if os.path.exists(dst):
            os.unlink(dst)
        r = subprocess.run([P.mkfs, "-s", str(blocks), dst] + files, cwd=P.root,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise HarnessError("mkfs -s %d failed: %s" % (blocks, r.stdout.decode(errors="replace").strip()))
        return
    progs = sorted(f for f in os.listdir(os.path.join(P.build, "user"))
                   if f.startswith("_"))
    if os.path.exists(dst):
        os.unlink(dst)
    # Shared libraries (ld.so, libc.so, the test libraries) go into /lib.
    libdir = os.path.join(P.build, "lib")
    libs = sorted(f for f in os.listdir(libdir) if f.endswith(".so")) \
        if os.path.isdir(libdir) else []
    cmd = [P.mkfs, "-s", str(blocks), dst, os.path.join(P.root, "README")] + \
          [os.path.join(P.build, "user", f) for f in progs] + \
          ["lib/%s=%s" % (f, os.path.join(libdir, f)) for f in libs]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise HarnessError("mkfs -s %d failed: %s" % (blocks, r.stdout.decode(errors="replace").strip()))


class HarnessError(Exception):
    pass


def check_kernel(P):
    if not os.path.isfile(P.kernel):
        raise HarnessError("%s not found (run make)" % P.rel(P.kernel))


# ---------------------------------------------------------------------------
# parsing guest test output

START_RE = re.compile(r"(?:^|\s)start (\S+)\s*$")
RESULT_RE = re.compile(r"(?:^|\s)test (\S+?):\s*(ok|OK|FAIL|FAILED)\b:?\s*(.*?)\s*$")


class Result:
    def __init__(self, prog, name, ok, why, lines, kind="result"):
        self.prog = prog
        self.name = name
        self.ok = ok
        self.why = why
        self.lines = lines     # guest output of the subtest
        self.kind = kind       # result | panic | hang | exit | missing | notrun


class Parser:
    """Follows one boot's output: which subtest runs, which passed or failed."""
    def __init__(self, prog, report=None):
        self.prog = prog
        self.report = report   # called with each Result as it comes
        self.results = []
        self.seen = set()      # subtests that started or reported
        self.current = None
        self.cur_lines = []
        self.lines = []

    def feed(self, line):
        self.lines.append(line)
        if self.current is not None:
            self.cur_lines.append(line)
        m = RESULT_RE.search(line)
        if m:
            name, verdict, why = m.group(1), m.group(2), m.group(3)
            ok = verdict.lower() == "ok"
            lines = self.cur_lines if name == self.current else [line]
            r = Result(self.prog, name, ok, "" if ok else why, lines)
            self.results.append(r)
            self.seen.add(name)
            if name == self.current:
                self.current = None
                self.cur_lines = []
            if self.report:
                self.report(r)
            return
        m = START_RE.search(line)
        if m:
            self.current = m.group(1)
            self.cur_lines = [line]
            self.seen.add(self.current)

    def finish(self, b, timeout):
        """After the boot: the failures the results do not show. Returns the
        extra Results (also reported); self.current says whether the boot
        died inside a subtest."""
        extra = []
        failed_lines = any(not r.ok for r in self.results)
        why = None
        kind = None
        if b.end == "panic" or b.panic:
            kind = "panic"
            why = next((l.strip() for l in self.lines if "panic:" in l), "kernel panic")
        elif b.end == "hang":
            kind, why = "hang", "no output for %d s" % timeout
        elif b.end == "maxtime":
            kind, why = "hang", "QEMU still running after %d s" % int(b.elapsed)
        elif b.status != 0 and (self.current is not None or not failed_lines):
            kind, why = "exit", "exit status %s" % b.status
        elif self.current is not None:
            kind, why = "exit", "no result (program ended)"
        if kind:
            name = self.current or self.prog
            lines = self.cur_lines if self.current else self.lines
            if kind == "panic" and not self.current:   # show from the panic on
                for i, l in enumerate(self.lines):
                    if "panic:" in l:
                        lines = self.lines[max(0, i - 5):]
                        break
            extra.append(Result(self.prog, name, False, why, lines, kind))
        elif not self.results:
            extra.append(Result(self.prog, self.prog, False,
                                "no test results (exit status %s)" % b.status,
                                self.lines, "missing"))
        for r in extra:
            self.results.append(r)
            if self.report:
                self.report(r)
        return extra


def subtests_of(P, prog):
    """Names in the tests[] table of user/PROG.c ({ "name", fn } entries)."""
    try:
        with open(os.path.join(P.user, prog + ".c"), errors="replace") as f:
            src = f.read()
    except OSError:
        return []
    m = re.search(r"\btests\s*\[\s*\w*\s*\]\s*=\s*\{", src)
    if m:
        end = src.find("};", m.end())
        src = src[m.end():end if end >= 0 else len(src)]
    return re.findall(r'\{\s*"([^"]+)"\s*,\s*&?\s*[A-Za-z_]\w*\s*,?\s*\}', src)


# ---------------------------------------------------------------------------
# tests.txt

class Entry:
    def __init__(self, prog, lineno):
        self.prog = prog
        self.lineno = lineno
        self.args = []
        self.mem = DEFAULT_MEM
        self.cpus = DEFAULT_CPUS
        self.bootargs = []
        self.timeout = DEFAULT_TIMEOUT
        self.fssize = None
        self.crash = 0         # crash=N: the crash test with N points (crashwork)
        self.reboot = False
        self.tlbmodel = False
        self.blkcheck = False  # blkcheck: boot with blktrace=1, check the disk order
        self.lockdebug = False  # boot the lock-checking kernel

    @property
    def label(self):
        return " ".join([self.prog] + self.args)


def parse_tests(text, where="tests.txt"):
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as e:
            raise HarnessError("%s:%d: %s" % (where, n, e))
        if not words:
            continue
        e = Entry(words[0], n)
        for w in words[1:]:
            key, eq, val = w.partition("=")
            try:
                if w == "reboot":
                    e.reboot = True
                elif w == "tlbmodel":
                    e.tlbmodel = True
                elif w == "blkcheck":
                    e.blkcheck = True
                elif w == "lockdebug":
                    e.lockdebug = True
                elif not eq:
                    e.args.append(w)
                elif key == "mem":
                    if not re.fullmatch(r"\d+[KMG]?", val):
                        raise ValueError(w)
                    e.mem = val
                elif key == "cpus":
                    e.cpus = int(val)
                elif key == "bootargs":
                    e.bootargs += val.split()
                elif key == "timeout":
                    e.timeout = int(val)
                elif key == "fssize":
                    e.fssize = int(val)
                elif key == "crash":
                    e.crash = int(val)
                else:
                    raise ValueError(w)
            except ValueError:
                raise HarnessError("%s:%d: bad option %r" % (where, n, w))
        entries.append(e)
    return entries


def load_tests(P):
    try:
        with open(P.tests) as f:
            return parse_tests(f.read(), P.rel(P.tests))
    except OSError as e:
        raise HarnessError("cannot read %s: %s" % (P.rel(P.tests), e))


def select_tests(P, entries, names):
    """--only: program names run whole; subtest names run in their program."""
    chosen = []
    for name in names:
        hit = [e for e in entries if e.prog == name or e.label == name]
        if hit:
            chosen += hit
            continue
        # a line that names the subtest itself (with its own options) wins
        hit = [e for e in entries if name in e.args]
        if hit:
            for base in hit:
                e = Entry(base.prog, base.lineno)
                e.__dict__.update({k: v for k, v in base.__dict__.items() if k != "args"})
                e.args = [name]
                chosen.append(e)
            continue
        progs = []
        for e in entries:   # programs of tests.txt first, in its order
            if e.prog not in progs and name in subtests_of(P, e.prog):
                progs.append(e.prog)
        if not progs:
            for f in sorted(os.listdir(P.user)):
                if f.endswith(".c") and name in subtests_of(P, f[:-2]):
                    progs.append(f[:-2])
        if not progs:
            raise HarnessError("no test program or subtest named %r "
                               "(programs: %s)" % (name, " ".join(e.prog for e in entries)))
        for prog in progs:
            base = next((e for e in entries if e.prog == prog), None)
            e = Entry(prog, base.lineno if base else 0)
            if base:
                e.__dict__.update({k: v for k, v in base.__dict__.items()
                                   if k not in ("prog", "args")})
            e.args = [name]
            chosen.append(e)
    # one boot for several subtests of the same program and options
    merged = []
    for e in chosen:
        m = next((x for x in merged if x.prog == e.prog and x.args and e.args and
                  (x.mem, x.cpus, x.bootargs, x.fssize, x.reboot, x.tlbmodel, x.blkcheck, x.lockdebug) ==
                  (e.mem, e.cpus, e.bootargs, e.fssize, e.reboot, e.tlbmodel, e.blkcheck, e.lockdebug)), None)
        if m:
            m.args += [a for a in e.args if a not in m.args]
        elif not any(x is e for x in merged):
            merged.append(e)
    return merged


# ---------------------------------------------------------------------------
# test mode

class Suite:
    def __init__(self, P):
        self.P = P
        self.results = []
        self.nboot = 0

    def show(self, lines, limit=SHOW_LINES):
        if len(lines) > limit:
            say("    | ... (%d lines; full output in %s)" % (len(lines) - limit,
                                                         self.P.rel(self.P.logs)))
            lines = lines[-limit:]
        for l in lines:
            say("    | " + l)

    def report(self, tag):
        def rep(r):
            self.results.append(r)
            if r.ok:
                say("[%s] test %s: ok" % (tag, r.name))
            else:
                word = {"panic": "PANIC", "hang": "HANG"}.get(r.kind, "FAIL")
                say("[%s] test %s: %s %s" % (tag, r.name, word, r.why))
                self.show(r.lines)
        return rep

    def image(self, e, img):
        if e.fssize:
            fresh_image(self.P, img, e.fssize)
        else:
            copy_image(self.P, img)

    def boot_once(self, e, cmd, img, tag):
        """One boot of cmd; returns (Boot, Parser)."""
        self.nboot += 1
        os.makedirs(self.P.logs, exist_ok=True)
        logname = os.path.join(self.P.logs, "%02d-%s.log" % (
            self.nboot, re.sub(r"[^\w.-]+", "_", cmd)[:60]))
        parser = Parser(e.prog, self.report(tag))
        bootargs = e.bootargs + (["tlbtrace=1"] if e.tlbmodel else []) + \
            (["blktrace=1"] if e.blkcheck else [])
        argv = qemu_argv(self.P, img, e.mem, e.cpus, make_append(bootargs, cmd),
                         cache=test_cache(), kernel=self.P.kernel_lockdebug if e.lockdebug else None)
        model = TraceModel(self.P) if e.tlbmodel else \
            TraceModel(self.P, "blkcheck", r"BT [LWFC] ") if e.blkcheck else None
        with open(logname, "wb") as log:
            b = boot(argv, idle=e.timeout, maxtime=4 * e.timeout,
                     on_line=parser.feed, log=log, divert=model.feed if model else None)
        parser.finish(b, e.timeout)
        if model:
            r = model.finish(e.prog, cmd, b)
            if r.ok:
                say("[%s] %s" % (model.tool, r.lines[-1]))
            self.report(model.tool)(r)
        return b, parser

    def not_run(self, e, tag, todo, why):
        r = Result(e.prog, e.prog, False, "%d subtests not run %s: %s"
                   % (len(todo), why, " ".join(todo)), [], "notrun")
        self.report(tag)(r)

    def retry(self, e, tag, img, names, seen):
        """Boot again (in batches) for the subtests a crashed boot left."""
        seen = set(seen)
        crashes = 1
        while True:
            todo = [n for n in names if n not in seen]
            if not todo:
                return
            if crashes > RETRY_BOOTS:
                self.not_run(e, tag, todo, "after %d crashed boots" % crashes)
                return
            batch = []
            for n in todo:
                if batch and (len(batch) >= BATCH_NAMES or
                              len(" ".join([e.prog] + batch + [n])) > BATCH_CHARS):
                    break
                batch.append(n)
            cmd = " ".join([e.prog] + batch)
            say("[%s] booting again for the subtests not run yet: %s" % (tag, cmd))
            self.image(e, img)
            b, parser = self.boot_once(e, cmd, img, tag)
            if not parser.seen & set(batch):
                self.not_run(e, tag, todo, "(the boot for them ran none)")
                return
            seen |= parser.seen
            if parser.current is not None or b.end != "exit":
                crashes += 1

    def run_console(self, e):
        """tests.txt "console NAME...": interactive boots (tests/console.py)."""
        P = self.P
        names = e.args or console.console_names()
        img = os.path.join(P.build, "test-fs.img")
        kernel = P.kernel_lockdebug if e.lockdebug else None
        for name in names:
            tag = "console lockdebug" if e.lockdebug else "console"
            t0 = time.monotonic()
            self.image(e, img)
            self.nboot += 1
            os.makedirs(P.logs, exist_ok=True)
            logname = os.path.join(P.logs, "%02d-console-%s.log" % (self.nboot, name))

            def argv_for(cmd):
                append = make_append(e.bootargs, cmd) if cmd else " ".join(e.bootargs)
                return qemu_argv(P, img, e.mem, e.cpus, append, kernel=kernel)
            with open(logname, "wb") as log:
                why = console.run_console(name, argv_for, log, e.timeout)
            lines = []
            if why:
                with open(logname, "rb") as log:
                    lines = log.read().decode(errors="replace").replace("\r", "").split("\n")
            self.report(tag)(Result("console", name, why is None, why or "", lines,
                                    "result" if why is None or "no output" not in why else "hang"))
            say("[%s] %s: %.0f s" % (tag, name, time.monotonic() - t0))

    def run_host(self, e):
        """tests.txt "host NAME...": checks run on the host."""
        os.makedirs(self.P.logs, exist_ok=True)
        for name in e.args or list(console.HOST_TESTS):
            fn = console.HOST_TESTS.get(name)
            with open(os.path.join(self.P.logs, "host-%s.log" % name), "wb") as log:
                why = fn(self.P.root, log) if fn else "no such host test"
            self.report("host")(Result("host", name, why is None, why or "", []))

    def run_labcheck(self, e):
        """tests.txt "labcheck [LAB...]": tools/labcheck.py, one result per check."""
        sys.path.insert(0, os.path.join(self.P.root, "tools"))
        import labcheck
        for name, ok, why, lines in labcheck.check(self.P.root, e.args or None, say):
            self.report("labs")(Result("labs", name, ok, why, lines))

    def run_entry(self, e):
        P = self.P
        if e.prog == "console":
            return self.run_console(e)
        if e.prog == "host":
            return self.run_host(e)
        if e.prog == "labcheck":
            return self.run_labcheck(e)
        tag = e.label if not e.args or len(e.label) <= 30 else e.prog
        if e.lockdebug:
            tag += " lockdebug"
            if not os.path.isfile(P.kernel_lockdebug):
                raise HarnessError("%s not found (run make LOCKDEBUG=1)" % P.rel(P.kernel_lockdebug))
        img = os.path.join(P.build, "test-fs.img")
        t0 = time.monotonic()
        n0 = len(self.results)
        if e.crash:
            seed = int(os.environ.get("CRASHSEED") or time.time_ns() % 1000000)
            crash_series(P, e.crash, seed, e.cpus, self.report(tag), e.prog,
                         P.kernel_lockdebug if e.lockdebug else None)
            self.nboot += 2 * e.crash
            mine = self.results[n0:]
            say("[%s] %d ok, %d failed (%.0f s)" % (tag, sum(r.ok for r in mine),
                                                   sum(not r.ok for r in mine),
                                                   time.monotonic() - t0))
            return
        self.image(e, img)
        cmd = " ".join([e.prog] + e.args)
        b, parser = self.boot_once(e, cmd, img, tag)
        if e.reboot:
            say("[%s] rebooting: %s --after-reboot" % (tag, e.prog))
            self.boot_once(e, " ".join([e.prog, "--after-reboot"] + e.args), img,
                           tag + " after-reboot")
        else:
            # the boot died inside a subtest: run the ones it did not reach
            names = e.args or subtests_of(P, e.prog)
            if parser.current is not None and names:
                self.retry(e, tag, img, names, parser.seen)
        # Whatever the program did, the disk it leaves must be consistent.
        if os.path.isfile(os.path.join(P.build, "fsck")):
            rc, out = run_fsck(P, img)
            self.report(tag)(Result(e.prog, "fsck", rc == 0,
                                    "" if rc == 0 else (out[0] if out else "status %d" % rc),
                                    out, "result"))
        mine = self.results[n0:]
        say("[%s] %d ok, %d failed (%.0f s)" % (tag, sum(r.ok for r in mine),
                                               sum(not r.ok for r in mine),
                                               time.monotonic() - t0))


class TraceModel:
    """A host checker fed the trace lines of one boot: build/tlbmodel the
    "TT" lines (docs/book/07-tlb.md), build/blkcheck the "BT" lines
    (docs/book/10-fs.md)."""
    def __init__(self, P, tool="tlbmodel", pattern=r"TT [PFSRUXD] "):
        self.tool = tool
        self.path = os.path.join(P.build, tool)
        if not os.path.isfile(self.path):
            raise HarnessError("%s not found (run make)" % P.rel(self.path))
        self.p = subprocess.Popen([self.path], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.n = 0
        self.broken = None
        self.held = ""
        self.TT_RE = re.compile(pattern)

    def feed(self, line):
        """Takes the trace lines; returns the others (or None)."""
        # A kernel line is written whole, but it can come between two
        # pieces of a process's line: "start truncspin" may come out as
        # "startTT S 0 0 0" and " truncspin". The text before the trace
        # line is held and put back in front of the next line.
        m = self.TT_RE.search(line)
        if not m:
            if self.held:
                line, self.held = self.held + line, ""
            return line
        self.held += line[:m.start()]
        line = line[m.start():]
        self.n += 1
        if self.broken is None:
            try:
                self.p.stdin.write(line.encode() + b"\n")
            except OSError as ex:
                self.broken = str(ex)
        return None

    def finish(self, prog, cmd, b):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        out = self.p.stdout.read().decode("utf-8", "replace").splitlines()
        status = self.p.wait()
        name = re.sub(r"\s+", ",", cmd.strip())
        lines = ["%d trace lines" % self.n] + out
        if self.broken:
            why = "model died: %s" % self.broken
        elif self.n == 0:
            why = "no trace lines (was the kernel booted with the trace on?)"
        elif status != 0:
            head = self.tool + ": "
            summary = [l for l in out if l.startswith(head) and "violations" in l]
            why = summary[-1][len(head):] if summary else "exit status %d" % status
            if b.end != "exit":
                why += " (boot ended: %s; the trace may stop inside an operation)" % b.end
        else:
            return Result(prog, name, True, "", lines)
        return Result(prog, name, False, why, lines)


def run_unittests(suite):
    """tests/unittest.sh: host tests, reported like a guest program's."""
    P = suite.P
    say("[unittest] tests/unittest.sh")
    parser = Parser("unittest", suite.report("unittest"))
    try:
        r = subprocess.run(["sh", os.path.join(HERE, "unittest.sh"), P.build],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    except OSError as ex:
        raise HarnessError("cannot run tests/unittest.sh: %s" % ex)
    out = r.stdout.decode("utf-8", "replace").splitlines()
    for l in out:
        parser.feed(l)
    b = Boot()
    b.status = r.returncode
    b.lines = out
    parser.finish(b, 0)


def cmd_test(P, args):
    suite = Suite(P)
    t0 = time.monotonic()
    if os.path.isdir(P.logs):
        for f in os.listdir(P.logs):
            if f.endswith(".log"):
                os.unlink(os.path.join(P.logs, f))
    errors = []
    try:
        check_kernel(P)
        entries = load_tests(P)
        names = [n for o in args.only or [] for n in re.split(r"[\s,]+", o) if n]
        if not names or "unittest" in names:
            try:
                run_unittests(suite)
            except HarnessError as ex:
                errors.append("unittest: %s" % ex)
                say("[unittest] harness error: %s" % ex)
        names = [n for n in names if n != "unittest"]
        if args.only and not names:
            entries = []
        elif names:
            entries = select_tests(P, entries, names)
        if not entries and not (args.only and not names):
            raise HarnessError("no tests to run (%s is empty)" % P.rel(P.tests))
        for e in entries:
            if args.cpus:
                e.cpus = args.cpus
            try:
                suite.run_entry(e)
            except HarnessError as ex:
                errors.append("%s: %s" % (e.prog, ex))
                say("[%s] harness error: %s" % (e.prog, ex))
    except HarnessError as ex:
        errors.append(str(ex))
        say("harness: %s" % ex)
    except KeyboardInterrupt:
        say("harness: interrupted")
        errors.append("interrupted")
    passed = sum(r.ok for r in suite.results)
    failed = sum(not r.ok for r in suite.results) + len(errors)
    say("")
    say("== %d boots in %.0f s; guest logs in %s" % (suite.nboot, time.monotonic() - t0,
                                                    P.rel(P.logs)))
    for r in suite.results:
        if not r.ok:
            word = {"panic": "PANIC ", "hang": "HANG "}.get(r.kind, "")
            say("FAILED %s:%s: %s%s" % (r.prog, r.name, word, r.why))
    for m in errors:
        say("FAILED harness: %s" % m)
    say("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1



# ---------------------------------------------------------------------------
# crash test: kill QEMU in the middle of a file-system workload, check the disk

CRASH_NOPS = 400           # operations crashwork is asked for (it is killed long before)
CRASH_KILL = (3, 60)       # kill after this many reported operations (inclusive range)
CRASH_DELAY_MS = 40        # ... plus up to this many milliseconds
CRASH_COMMIT = (8, 200)    # or stop this commit (logstop=K.S)
CRASH_FSSIZE = 8000        # a fresh image of this many blocks per crash point
CRASH_WRITERS = 3          # crashwork's concurrent appenders (fsync after each record)
BLOCK = 1024


def cw_pattern(v, n):
    """The bytes crashwork writes: byte i is (v*7 + i + (i >> 10) * 31) & 0xff."""
    return bytes((v * 7 + i + (i >> 10) * 31) & 0xff for i in range(n))


class CrashModel:
    """What the disk must hold: crashwork's operations applied one by one.

    names maps a file's path to an inode id, data an inode id to its bytes,
    dirs is the set of directory paths."""
    def __init__(self):
        self.names = {}
        self.data = {}
        self.dirs = set()
        self.nextid = 1

    def state(self, path):
        if path in self.dirs:
            return ("dir",)
        if path in self.names:
            return ("file", bytes(self.data[self.names[path]]))
        return None

    def aliases(self, path):
        i = self.names.get(path)
        return [p for p, j in self.names.items() if j == i] if i else [path]

    def apply(self, op):
        k = op[0]
        if k == "write":
            path, off, n, v = op[1], int(op[2]), int(op[3]), int(op[4])
            if path not in self.names:
                self.names[path] = self.nextid
                self.data[self.nextid] = bytearray()
                self.nextid += 1
            d = self.data[self.names[path]]
            if len(d) < off:
                d.extend(bytes(off - len(d)))
            d[off:off + n] = cw_pattern(v, n)
        elif k == "trunc":
            d = self.data[self.names[op[1]]]
            n = int(op[2])
            if n < len(d):
                del d[n:]
            else:
                d.extend(bytes(n - len(d)))
        elif k in ("unlink", "rmdir"):
            self.names.pop(op[1], None)
            self.dirs.discard(op[1])
        elif k == "rename":
            self.names[op[2]] = self.names.pop(op[1])
        elif k == "link":
            self.names[op[2]] = self.names[op[1]]
        elif k == "mkdir":
            self.dirs.add(op[1])
        elif k != "none":
            raise ValueError("unknown operation %r" % " ".join(op))
        live = set(self.names.values())
        self.data = {i: d for i, d in self.data.items() if i in live}

    def variants(self, op):
        """{path: [contents]} an operation in flight may have written into
        blocks in place before its commit (ordered data, docs/book/10-fs.md): any
        block of an allowed state may hold the same block of one of these
        instead. A write overwrites in place; a shrinking ftruncate zeroes
        the rest of the new last block."""
        k, v = op[0], {}
        if k == "write" and op[1] in self.names:
            path, off, n = op[1], int(op[2]), int(op[3])
            d = bytearray(self.state(path)[1])
            if len(d) < off:
                d.extend(bytes(off - len(d)))
            d[off:off + n] = cw_pattern(int(op[4]), n)
            for p in self.aliases(path):
                v[p] = [bytes(d)]
        elif k == "trunc":
            old = self.state(op[1])[1]
            n = int(op[2])
            if n < len(old) and n % BLOCK:
                end = min(len(old), (n // BLOCK + 1) * BLOCK)
                for p in self.aliases(op[1]):
                    v[p] = [old[:n] + bytes(end - n) + old[end:]]
        return v

    def in_flight(self, op):
        """{path: [allowed states]} for the paths an operation that may have
        run partly (or not at all, or wholly) touches."""
        k = op[0]
        c = {}
        if k == "write":
            path, off, n, v = op[1], int(op[2]), int(op[3]), int(op[4])
            old = self.state(path)
            base = bytearray(old[1]) if old else bytearray()
            pat = cw_pattern(v, n)
            states = [old] if old else [None, ("file", b"")]
            # filewrite commits a piece at a time, each ending on a block boundary
            cuts = [j for j in range(1, n) if (off + j) % BLOCK == 0] + [n]
            for j in cuts:
                d = bytearray(base)
                if len(d) < off:
                    d.extend(bytes(off - len(d)))
                d[off:off + j] = pat[:j]
                states.append(("file", bytes(d)))
            for p in self.aliases(path):
                c[p] = states
        elif k == "trunc":
            old = self.state(op[1])[1]
            n = int(op[2])
            sizes = {n, len(old)} | set(range((n // BLOCK + 1) * BLOCK, len(old), BLOCK))
            states = [("file", old[:z] + bytes(max(0, z - len(old)))) for z in sorted(sizes)]
            for p in self.aliases(op[1]):
                c[p] = states
        elif k == "unlink":
            c[op[1]] = [self.state(op[1]), None]
        elif k == "rename":
            c[op[1]] = [self.state(op[1]), None]
            c[op[2]] = [self.state(op[2]), None, self.state(op[1])]
        elif k == "link":
            c[op[2]] = [None, self.state(op[1])]
        elif k == "mkdir":
            c[op[1]] = [None, ("dir",)]
        elif k == "rmdir":
            c[op[1]] = [("dir",), None]
        return c


def crc_of(state):
    return None if state is None else ("dir",) if state[0] == "dir" else \
        ("file", len(state[1]), zlib.crc32(state[1]) & 0xffffffff)


def block_crcs(data):
    return [zlib.crc32(data[i:i + BLOCK]) & 0xffffffff for i in range(0, len(data), BLOCK)]


def blockwise_ok(states, variants, got_blocks):
    """Does a file whose blocks have CRCs got_blocks match one of states,
    each of its blocks taken from the state or from a variant?"""
    for st in states:
        if st is None or st[0] != "file" or len(got_blocks) != len(block_crcs(st[1])):
            continue
        size = len(st[1])
        options = [block_crcs(st[1])] + [block_crcs(v[:size] + bytes(max(0, size - len(v))))
                                          for v in variants]
        if all(any(o[i] == c for o in options) for i, c in enumerate(got_blocks)):
            return True
    return False


def is_appender(path):
    return re.match(r"/cw/p\d+$", path) is not None


def appender_check(synced, listing, blocks):
    """Violations: an appender's file must hold every byte its fsyncs
    covered (block b of /cw/pK: seed 1000 * (K + 1) + b)."""
    bad = []
    for k, size in sorted(synced.items()):
        p = "/cw/p%d" % k
        got = listing.get(p)
        if got is None or got[0] != "file" or got[1] < size:
            bad.append("%s: %s, want at least the %d bytes fsync returned for" %
                       (p, got or "absent", size))
            continue
        for b in range(size // BLOCK):
            v = 1000 * (k + 1) + b
            want = zlib.crc32(bytes((v * 7 + i) & 0xff for i in range(BLOCK))) & 0xffffffff
            if blocks[p][b] != want:
                bad.append("%s: block %d lost (fsync had returned for %d bytes)" % (p, b, size))
                break
    return bad


def crash_compare(model, pending, listing, blocks=None):
    """Violations: the listing (path -> ("dir",) or ("file", size, crc)) against
    the model, the pending operation's paths allowed any of their states
    (a block at a time, with its in-place variants, given the blocks' CRCs).
    The appenders' files are checked by appender_check."""
    bad = []
    loose = model.in_flight(pending) if pending else {}
    var = model.variants(pending) if pending else {}
    paths = set(p for p in listing if not is_appender(p)) | set(model.names) | set(model.dirs)
    for p in sorted(paths | set(loose)):
        got = listing.get(p)
        if p in loose:
            allowed = [crc_of(x) for x in loose[p]]
            if got not in allowed and not (blocks and p in blocks and
                                           blockwise_ok(loose[p], var.get(p, []), blocks[p])):
                bad.append("%s: %s, want one of %s (operation in flight: %s)" %
                           (p, got or "absent", ", ".join(str(a or "absent") for a in allowed),
                            " ".join(pending)))
            continue
        want = crc_of(model.state(p))
        if got != want:
            bad.append("%s: %s, want %s" % (p, got or "absent", want or "absent"))
    return bad


def run_crashwork(argv, trigger, log):
    """Boot with the workload; SIGKILL QEMU trigger(line) seconds after the
    first line for which trigger returns a number. Returns (lines, killed)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    fd = p.stdout.fileno()
    lines, partial, killed = [], b"", False
    deadline = None
    start = time.monotonic()
    try:
        while True:
            t = time.monotonic()
            if deadline is not None and t >= deadline:
                p.send_signal(9)
                killed = True
                break
            if t - start > 300:
                lines.append("harness: the workload ran for 300 s")
                break
            wait = 1.0 if deadline is None else max(0.0, deadline - t)
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            log.write(data)
            partial += data
            while b"\n" in partial:
                raw, partial = partial.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").replace("\r", "")
                lines.append(line)
                d = trigger(line) if deadline is None else None
                if d is not None:
                    deadline = time.monotonic() + d
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stdout.close()
    return lines, killed


def run_fsck(P, img):
    r = subprocess.run([os.path.join(P.build, "fsck"), img], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace").splitlines()
    return r.returncode, out


def stopped(line):
    return 0.0 if "log: stopped" in line else None


def crash_point(P, name, wseed, how, cpus, log, kernel=None):
    """One crash point. how: ("kill", N, delay): SIGKILL delay seconds after
    the guest reported N operations; ("stop", K, S, rec): boot with
    logstop=K.S (the K-th commit stops after step S), SIGKILL when it
    stopped; with rec, also stop the recovery after its first block and
    kill again. kernel: the kernel ELF (None: P.kernel). Returns (ok, why,
    detail lines)."""
    img = os.path.join(P.build, "crash-fs.img")
    fresh_image(P, img, CRASH_FSSIZE)
    bootargs = ["logstop=%d.%d" % (how[1], how[2])] if how[0] == "stop" else []
    argv = qemu_argv(P, img, DEFAULT_MEM, cpus,
                     make_append(bootargs, "crashwork %d %d %d" % (wseed, CRASH_NOPS, CRASH_WRITERS)),
                     cache=test_cache(), kernel=kernel)
    if how[0] == "kill":
        def trigger(line):
            m = re.search(r"cw done (\d+) ", line)
            return how[2] if m and int(m.group(1)) >= how[1] else None
        what = "killed after 'done %d' + %.0f ms" % (how[1], how[2] * 1000)
    else:
        trigger = stopped
        what = "commit %d stopped after step %d, then killed%s" % (
            how[1], how[2], "; recovery stopped after one block and killed" if how[3] else "")
    lines, killed = run_crashwork(argv, trigger, log)
    detail = ["%s: workload seed %d, %s" % (name, wseed, what)]
    if how[0] == "stop" and not any("log: stopped" in l for l in lines):
        detail[0] += " (the workload ended before that commit)"
    if any("panic:" in l for l in lines):
        return False, "kernel panic in the workload", lines[-SHOW_LINES:]
    # Replay crashwork's report into the model.
    model, pending, done, finished, synced = CrashModel(), None, 0, False, {}
    for l in lines:
        m = re.match(r"\s*cw (start|done) (\d+) next (.*\S)\s*$", l)
        if m:
            if m.group(1) == "done":
                model.apply(pending)
                done = int(m.group(2))
            pending = m.group(3).split()
        elif re.match(r"\s*cw finished", l):
            finished = True
        m = re.match(r"\s*cw synced (\d+) (\d+)\s*$", l)
        if m:
            synced[int(m.group(1))] = int(m.group(2))
    if pending is None:
        return False, "the workload printed no start line", lines[-SHOW_LINES:]
    if any(l.startswith("crashwork:") for l in lines):
        return False, "the workload failed: " + next(l for l in lines if l.startswith("crashwork:")), \
            lines[-SHOW_LINES:]
    detail.append("%s: %d operations reported done%s; in flight: %s; appenders fsynced %s" %
                  (name, done, " (finished)" if finished else "", " ".join(pending),
                   " ".join("p%d:%d" % kv for kv in sorted(synced.items())) or "nothing"))
    # The disk as the kill left it, the log replayed in memory.
    rc, out = run_fsck(P, img)
    detail += out
    if rc != 0:
        return False, "fsck after the crash: %s" % (out[0] if out else "status %d" % rc), detail
    state = []
    if any("log replayed" in l for l in out):
        state.append("a committed transaction in the log")
    orphans = sum("orphan" in l for l in out if "note:" in l)
    if orphans:
        state.append("%d orphans" % orphans)
    detail[1] += "; disk: %s" % (", ".join(state) or "log empty")
    # A second crash, in the middle of the recovery.
    if how[0] == "stop" and how[3] and state and "committed" in state[0]:
        argv = qemu_argv(P, img, DEFAULT_MEM, cpus,
                         make_append(["logstop=0.3"], "crashwork -check"), cache=test_cache(),
                         kernel=kernel)
        rlines, _ = run_crashwork(argv, stopped, log)
        if not any("log: stopped" in l for l in rlines):
            return False, "the recovery did not stop at logstop=0.3", detail + rlines[-SHOW_LINES:]
        rc, out = run_fsck(P, img)
        detail += out
        if rc != 0:
            return False, "fsck after a crash in the recovery: %s" % (
                out[0] if out else "status %d" % rc), detail
        detail[1] += "; recovery crashed after one block"
    # Boot again: the kernel recovers; list what is there.
    argv = qemu_argv(P, img, DEFAULT_MEM, cpus, make_append([], "crashwork -check"),
                     cache=test_cache(), kernel=kernel)
    b = boot(argv, idle=60, maxtime=240, log=log)
    if b.end != "exit" or b.panic or b.status != 0:
        return False, "check boot: %s, status %s" % ("panic" if b.panic else b.end, b.status), \
            detail + b.lines[-SHOW_LINES:]
    listing, blocks, count = {}, {}, None
    for l in b.lines:
        m = re.match(r"\s*cw dir (\S+) (\d+)", l)
        if m:
            listing[m.group(1)] = ("dir",)
        m = re.match(r"\s*cw file (\S+) (\d+) (\d+) (\d+) (\d+)", l)
        if m:
            listing[m.group(1)] = ("file", int(m.group(2)), int(m.group(3)))
        m = re.match(r"\s*cw blocks (\S+)((?: [0-9a-f]+)*)\s*$", l)
        if m:
            blocks[m.group(1)] = [int(x, 16) for x in m.group(2).split()]
        m = re.match(r"\s*cw listed (\d+)", l)
        if m:
            count = int(m.group(1))
    if count is None or count != len(listing) or \
            any(x[0] == "file" and len(blocks.get(p, [])) != (x[1] + BLOCK - 1) // BLOCK
                for p, x in listing.items()):
        return False, "check boot: incomplete listing", detail + b.lines[-SHOW_LINES:]
    bad = crash_compare(model, pending if not finished else None, listing, blocks)
    bad += appender_check(synced, listing, blocks)
    rc, out = run_fsck(P, img)
    if rc != 0:
        bad.append("fsck after recovery: %s" % (out[0] if out else "status %d" % rc))
        detail += out
    if bad:
        return False, "%d violations: %s" % (len(bad), bad[0]), detail + bad
    detail.append("%s: %d paths as expected; fsck clean before and after recovery" %
                  (name, len(listing)))
    return True, "", detail


def crash_series(P, npoints, seed, cpus, report, prog="crashwork", kernel=None):
    """Run npoints crash points; report(Result) for each."""
    import random
    rng = random.Random(seed)
    say("[%s] crash test: seed %d, %d points, %d harts (CRASHSEED=%d to repeat the choices)" %
        (prog, seed, npoints, cpus, seed))
    stats = []
    os.makedirs(P.logs, exist_ok=True)
    for i in range(1, npoints + 1):
        name = "crash%d" % i
        wseed = rng.randrange(1, 1 << 30)
        # Of every 6 points: the commit stopped after each of its 4 steps
        # (after step 2 also a crash in the recovery), then 2 random kills.
        k = (i - 1) % 6
        if k < 4:
            how = ("stop", rng.randint(*CRASH_COMMIT), k + 1, k == 1)
        else:
            how = ("kill", rng.randint(*CRASH_KILL), rng.randint(0, CRASH_DELAY_MS) / 1000.0)
        with open(os.path.join(P.logs, "crash-%d.log" % i), "wb") as log:
            ok, why, detail = crash_point(P, name, wseed, how, cpus, log, kernel)
        for l in detail[:2]:
            say("    | " + l)
        stats.append(detail[1] if len(detail) > 1 else "")
        report(Result(prog, name, ok, why, detail, "result"))
    say("[%s] crash points with a committed transaction in the log: %d of %d; with orphans: %d" %
        (prog, sum("committed" in x for x in stats), npoints, sum("orphan" in x for x in stats)))


def fsck_selftest(P):
    """Plant one kind of damage at a time in a copy of fs.img; build/fsck must
    name it (and exit 1), or accept it (orphan: exit 0)."""
    import struct
    fails = []
    with open(P.fsimg, "rb") as f:
        f.seek(BLOCK)
        _, size, _, ninodes, nlog, logstart, inodestart, bmapstart = struct.unpack("<8I", f.read(32))
    datastart = bmapstart + (size + BLOCK * 8 - 1) // (BLOCK * 8)

    def dino(inum):
        return inodestart * BLOCK + inum * 64

    def addr0(f, inum):
        f.seek(dino(inum) + 12)
        return struct.unpack("<I", f.read(4))[0]

    def put(f, off, data):
        f.seek(off)
        f.write(data)

    def clear_bit(f):
        b = addr0(f, 2)
        f.seek(bmapstart * BLOCK + b // 8)
        v = f.read(1)[0]
        put(f, bmapstart * BLOCK + b // 8, bytes([v & ~(1 << (b % 8))]))

    def set_bit(f):   # the last block of the image is free in a fresh image
        b = size - 1
        f.seek(bmapstart * BLOCK + b // 8)
        v = f.read(1)[0]
        put(f, bmapstart * BLOCK + b // 8, bytes([v | (1 << (b % 8))]))
    cases = [
        ("nlink", lambda f: put(f, dino(2) + 6, struct.pack("<h", 5)), "nlink 5, but 1 entries"),
        ("twice", lambda f: put(f, dino(3) + 12, struct.pack("<I", addr0(f, 2))), "used by inode 2 and by inode 3"),
        ("bitfree", clear_bit, "free in the bitmap but used by an inode"),
        ("bitused", set_bit, "marked in use but nothing uses it"),
        ("range", lambda f: put(f, dino(2) + 12, struct.pack("<I", 3)), "outside the data area"),
        ("lost", lambda f: put(f, dino(ninodes - 1), struct.pack("<hhhhI", 2, 0, 0, 1, 0)), "not reachable"),
        ("dotdot", lambda f: put(f, addr0(f, 1) * BLOCK + 16, struct.pack("<H", 2)), "entry 1 is '..'"),
        ("orphan", lambda f: put(f, dino(ninodes - 1), struct.pack("<hhhhI", 2, 0, 0, 0, 0)), None),
    ]
    img = os.path.join(P.build, "fsck-selftest.img")
    for name, plant, want in cases:
        shutil.copyfile(P.fsimg, img)
        with open(img, "r+b") as f:
            plant(f)
        rc, out = run_fsck(P, img)
        text = "\n".join(out)
        if want is None and rc != 0:
            fails.append("fsck %s: exit %d: %s" % (name, rc, text))
        elif want is not None and (rc != 1 or want not in text):
            fails.append("fsck %s: exit %d, want 1 and %r in: %s" % (name, rc, want, text))
    os.unlink(img)
    rc, out = run_fsck(P, P.fsimg)
    if rc != 0:
        fails.append("fsck of fs.img: " + " ".join(out))
    return fails


def cmd_crash(P, args):
    seed = args.seed if args.seed is not None else int(os.environ.get("CRASHSEED") or
                                                        time.time_ns() % 1000000)
    results = []

    def rep(r):
        results.append(r)
        say("[crash] test %s: %s" % (r.name, "ok" if r.ok else "FAIL " + r.why))
        if not r.ok:
            for l in r.lines[-SHOW_LINES:]:
                say("    | " + l)
    try:
        check_kernel(P)
        crash_series(P, args.points, seed, args.cpus, rep)
    except HarnessError as e:
        say("harness: %s" % e)
        return 1
    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    say("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1

# ---------------------------------------------------------------------------
# run mode

def cmd_run(P, args):
    if not args.cmd.strip():
        sys.stderr.write("harness: no command: make run CMD='prog args' "
                         "(or harness.py run --cmd 'prog args')\n")
        return 2
    try:
        check_kernel(P)
        if args.keep_disk:
            img = P.fsimg
            if not os.path.isfile(img):
                raise HarnessError("%s not found (run make)" % P.rel(img))
        else:
            img = os.path.join(P.build, "run-fs.img")
            copy_image(P, img)
    except HarnessError as e:
        sys.stderr.write("harness: %s\n" % e)
        return 1
    argv = qemu_argv(P, img, args.mem, args.cpus,
                     make_append(shlex.split(args.bootargs or ""), args.cmd),
                     icount=args.icount, cache=os.environ.get("DISKCACHE") or None)
    out = sys.stdout.buffer

    def data(d):
        out.write(d)
        out.flush()
    try:
        b = boot(argv, idle=args.timeout or None, on_data=data)
    except KeyboardInterrupt:
        sys.stderr.write("\nharness: interrupted\n")
        return 130
    if b.end == "hang":
        sys.stderr.write("\nharness: no output for %d s; QEMU killed\n" % args.timeout)
        return 124
    if b.end == "panic":
        sys.stderr.write("\nharness: kernel panic; QEMU killed\n")
        return 125
    if b.status is None or b.status < 0:
        return 1
    return b.status


# ---------------------------------------------------------------------------
# stress mode

def cmd_stress(P, args):
    try:
        check_kernel(P)
    except HarnessError as e:
        say("harness: %s" % e)
        return 1
    # Its own log directory: a "test" run meanwhile empties build/test-logs.
    logs = os.path.join(P.build, "stress-logs")
    os.makedirs(logs, exist_ok=True)
    img = os.path.join(P.build, "stress-fs.img")
    seed = first = args.seed if args.seed is not None else int(time.time()) % 1000000
    t0 = time.monotonic()
    runs, failures = 0, []
    calls = {"1": 0, "3": 0}
    say("stress: %d s, first seed %d" % (args.seconds, seed))
    while time.monotonic() - t0 < args.seconds:
        for cmd, cpus in (("fuzz %d %d" % (seed, args.calls), 1),
                          ("fuzz %d %d --harts" % (seed, args.calls), 3),
                          ("stress mix %d" % args.iters, 3)):
            if time.monotonic() - t0 >= args.seconds:
                break
            copy_image(P, img)
            runs += 1
            parser = Parser(cmd.split()[0])
            logname = os.path.join(logs, "%03d-%s.log" % (runs, re.sub(r"\W+", "_", cmd)))
            argv = qemu_argv(P, img, args.mem, cpus, make_append([], cmd))
            with open(logname, "wb") as log:
                b = boot(argv, idle=args.timeout, maxtime=4 * args.timeout,
                         on_line=parser.feed, log=log)
            parser.finish(b, args.timeout)
            bad = [r for r in parser.results if not r.ok]
            for l in b.lines:
                m = re.search(r"fuzz: seed \d+: (\d+) system calls", l)
                if m:
                    calls[str(cpus)] += int(m.group(1))
            summary = next((l.strip() for l in reversed(b.lines)
                            if re.search(r"system calls|operations,", l)), "")
            say("[%4.0fs] %s (cpus=%d): %s %s" % (time.monotonic() - t0, cmd, cpus,
                                                 "FAIL" if bad else "ok", summary))
            if bad:
                failures.append((cmd, cpus, logname, bad))
                for r in bad:
                    say("    %s: %s" % (r.name, r.why))
                self_lines = [l for l in b.lines if "panic" in l or "BUG" in l or "FAIL" in l]
                for l in self_lines[:10]:
                    say("    | " + l)
                say("    log: %s" % P.rel(logname))
            elif os.path.exists(logname):
                os.unlink(logname)
        seed += 1
    say("")
    say("stress: %d boots in %.0f s, seeds %d..%d; %d system calls on 1 hart, %d on 3 harts"
        % (runs, time.monotonic() - t0, first, max(first, seed - 1), calls["1"], calls["3"]))
    for cmd, cpus, log, bad in failures:
        say("FAILED %s (cpus=%d): %s; log %s" % (cmd, cpus, "; ".join(r.why for r in bad), P.rel(log)))
    say("%d passed, %d failed" % (runs - len(failures), len(failures)))
    return 1 if failures else 0


# ---------------------------------------------------------------------------
# bench mode

BENCH_RE = re.compile(r"^BENCH (\S+) (\S+)(?: (\S+))?(?: (.*?))?\s*$")


def parse_bench(lines):
    """{metric: row} from BENCH lines; row = dict(metric, value, unit[, note])."""
    rows = {}
    for l in lines:
        m = BENCH_RE.search(l)
        if not m:
            continue
        name, val, unit, extra = m.groups()
        if val == "skip":
            reason = " ".join(x for x in (unit, extra) if x)
            rows[name] = {"metric": name, "value": None, "unit": "", "note": "skip " + reason}
            continue
        try:
            v = float(val) if re.search(r"[.eE]", val) else int(val)
        except ValueError:
            continue
        row = {"metric": name, "value": v, "unit": unit or "", "text": val}
        if extra:
            row["note"] = extra
        rows[name] = row
    return rows


def bench_table(rows):
    order = [m for m in BENCH_ORDER if m in rows] + \
            [m for m in rows if m not in BENCH_ORDER]
    table = [{k: v for k, v in rows[m].items() if k != "text"} for m in order]
    hdr = ("metric", "value", "unit", "note")
    cells = [hdr] + [(r["metric"], "-" if r["value"] is None else r.get("text", str(r["value"])),
                      r["unit"], r.get("note", "")) for r in (rows[m] for m in order)]
    w = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = []
    for i, c in enumerate(cells):
        lines.append("| %s | %s | %s | %s |" % (c[0].ljust(w[0]), c[1].rjust(w[1]),
                                                c[2].ljust(w[2]), c[3].ljust(w[3])))
        if i == 0:
            lines.append("|-%s-|-%s-|-%s-|-%s-|" % tuple("-" * x for x in w))
    return table, lines


def cmd_bench(P, args):
    icount = args.icount or os.environ.get("BENCH_ICOUNT", "") not in ("", "0")
    try:
        check_kernel(P)
        img = os.path.join(P.build, "bench-fs.img")
        # Room for the read file and writebig's 64 MiB file at once.
        fresh_image(P, img, BENCH_FSSIZE)
    except HarnessError as e:
        say("harness: %s" % e)
        return 1
    os.makedirs(P.logs, exist_ok=True)

    t0 = time.monotonic()

    def one(cmd):
        argv = qemu_argv(P, img, args.mem, 1, make_append([], cmd), icount=icount)
        say("bench: boot: %s" % cmd)

        def line(l):
            if l.startswith("BENCH ") or l.startswith("bench:") or "panic:" in l:
                say("  [%4.0fs] %s" % (time.monotonic() - t0, l))
        with open(os.path.join(P.logs, "bench-%s.log" % re.sub(r"\W+", "_", cmd)), "wb") as log:
            return boot(argv, idle=args.timeout, maxtime=4 * args.timeout,
                        on_line=line, log=log)

    say("bench: CPUS=1 MEM=%s%s" % (args.mem, " icount" if icount else ""))
    b = one("bench -keep" + (" -i" if icount else ""))
    rows = parse_bench(b.lines)
    ok = b.end == "exit" and b.status == 0
    if not ok:
        say("bench: guest run ended badly (%s, status %s); last lines:" % (b.end, b.status))
        for l in b.lines[-SHOW_LINES:]:
            say("    | " + l)
    # cold-cache rows: a fresh boot reads the file the first run left
    for what, metric in (("read", "read_seq_cold"), ("mmap", "mmap_seq_cold")):
        first = rows.get(metric, {}).get("value")
        if ok and first is not None:
            m = re.search(r"file=(\d+)MiB", rows[metric].get("note", ""))
            size = int(m.group(1)) if m else FILE_MIB
            if size / max(first, 0.001) > COLD_MAX:
                rows[metric]["note"] = "first pass after writing (a cold boot would " \
                                       "take over %d s)" % COLD_MAX
                continue
            cb = one("bench -cold " + what)
            cold = parse_bench(cb.lines).get(metric)
            if cb.end == "exit" and cold and cold["value"] is not None:
                cold["note"] = " ".join(x for x in (cold.get("note"), "fresh boot") if x)
                rows[metric] = cold
            else:
                rows[metric]["note"] = "first pass after writing (cold boot run failed)"
    # Round trips between two processes that spin need two harts: one
    # more boot with CPUS=2 measures shm_rtt beside pipe_rtt.
    if ok:
        argv = qemu_argv(P, img, args.mem, 2, make_append([], "bench shm_rtt pipe_rtt"), icount=False)
        say("bench: boot: bench shm_rtt pipe_rtt (CPUS=2)")
        with open(os.path.join(P.logs, "bench-rtt2.log"), "wb") as log:
            r2 = boot(argv, idle=args.timeout, maxtime=4 * args.timeout, log=log)
        two = parse_bench(r2.lines)
        for m in ("shm_rtt", "pipe_rtt"):
            if m in two and two[m]["value"] is not None:
                row = dict(two[m])
                row["metric"] = m + "_2cpu" if m == "pipe_rtt" else m
                row["note"] = " ".join(x for x in (row.get("note"), "CPUS=2") if x)
                rows[row["metric"]] = row
        # Killing many sleepers is about waking idle harts: CPUS=3.
        argv = qemu_argv(P, img, args.mem, 3, make_append([], "bench kill60"), icount=False)
        say("bench: boot: bench kill60 (CPUS=3)")
        with open(os.path.join(P.logs, "bench-kill60.log"), "wb") as log:
            r3 = boot(argv, idle=args.timeout, maxtime=4 * args.timeout, log=log)
        three = parse_bench(r3.lines)
        if "kill60" in three:
            row = dict(three["kill60"])
            row["note"] = " ".join(x for x in (row.get("note"), "CPUS=3") if x)
            rows["kill60"] = row
    table, lines = bench_table(rows)
    say("")
    say("bench: %.0f s" % (time.monotonic() - t0))
    for l in lines:
        say(l)
    with open(os.path.join(P.root, "bench.json"), "w") as f:
        json.dump(table, f, indent=1)
        f.write("\n")
    say("wrote bench.json")
    return 0 if ok and any(r["value"] is not None for r in table) else 1


# ---------------------------------------------------------------------------
# selftest: the parser against canned output (no QEMU)

def cmd_selftest(P, args):
    fails = []

    def check(what, got, want):
        if got != want:
            fails.append("%s: got %r, want %r" % (what, got, want))

    def run(lines, end="exit", status=0, prog="t"):
        p = Parser(prog)
        b = Boot()
        b.end, b.status = end, status
        for l in lines:
            p.feed(l)
            b.panic |= "panic:" in l
        p.finish(b, 120)
        return p, [(r.name, r.ok, r.kind) for r in p.results]

    _, r = run(["start a", "test a: ok", "start b", "x", "test b: FAIL bad value 3",
                "test c: OK"], status=1)
    check("ok/fail", r, [("a", True, "result"), ("b", False, "result"), ("c", True, "result")])
    p, r = run(["start a", "test a: ok", "start b", "panic: kerneltrap", "bt 0x1"],
               end="panic", status=-9)
    check("panic", r, [("a", True, "result"), ("b", False, "panic")])
    check("panic current", p.current, "b")
    _, r = run(["start a", "test a: ok", "start b"], end="hang", status=-9)
    check("hang", r, [("a", True, "result"), ("b", False, "hang")])
    _, r = run(["start a", "test a: ok"], status=255)
    check("exit status", r, [("a", True, "result"), ("t", False, "exit")])
    _, r = run(["exec t failed"], status=1)
    check("no results", r, [("t", False, "exit")])
    _, r = run([], status=0)
    check("nothing", r, [("t", False, "missing")])
    _, r = run(["start a", "test a: ok", "start b"], status=0)
    check("ended in subtest", r, [("a", True, "result"), ("b", False, "exit")])
    _, r = run(["junkstart a", "  test a: ok", "$ test q: FAILED why"], status=1)
    check("lenient", r, [("a", True, "result"), ("q", False, "result")])
    m = RESULT_RE.search("test sbrk_big: FAIL sbrk returned 0x0: errno 12")
    check("why", m and m.group(3), "sbrk returned 0x0: errno 12")

    es = parse_tests("# c\nusertests timeout=600\nmemtests a b mem=32M cpus=1 "
                     "bootargs=asids=8 'bootargs=x=1 y=2' fssize=2000 reboot tlbmodel\n")
    check("tests.txt", [(e.prog, e.args, e.mem, e.cpus, e.bootargs, e.timeout,
                         e.fssize, e.reboot, e.tlbmodel) for e in es],
          [("usertests", [], "128M", 3, [], 600, None, False, False),
           ("memtests", ["a", "b"], "32M", 1, ["asids=8", "x=1", "y=2"], 120, 2000, True, True)])
    try:
        parse_tests("x tiemout=3\n")
        fails.append("bad option accepted")
    except HarnessError:
        pass
    check("append", make_append(["asids=8"], "memtests a"), "asids=8 -- memtests a")
    check("append0", make_append([], "echo hi"), " -- echo hi")

    src = ('struct test { char *name; void (*fn)(char*); } tests[] = {\n'
           '  { "open_bad", open_bad },\n  {"sbrk_big",sbrk_big},\n  { 0, 0 },\n};\n'
           'static void f(void) { x = { "notatest", y }; }\n')
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "user"))
        with open(os.path.join(d, "user", "prog.c"), "w") as f:
            f.write(src)
        Q = Paths(d)
        check("subtests", subtests_of(Q, "prog"), ["open_bad", "sbrk_big"])
        es = parse_tests("prog timeout=60 cpus=1\nother\nprog sbrk_big bootargs=asids=4\n")
        sel = select_tests(Q, es, ["sbrk_big"])
        check("select line", [(e.prog, e.args, e.bootargs) for e in sel],
              [("prog", ["sbrk_big"], ["asids=4"])])
        es = parse_tests("prog timeout=60 cpus=1\nother\n")
        sel = select_tests(Q, es, ["open_bad", "sbrk_big"])
        check("select", [(e.prog, e.args, e.timeout, e.cpus) for e in sel],
              [("prog", ["open_bad", "sbrk_big"], 60, 1)])
        sel = select_tests(Q, es, ["other"])
        check("select prog", [(e.prog, e.args) for e in sel], [("other", [])])

    rows = parse_bench(["BENCH getpid 412.3 ns inst=120", "BENCH pipe_bw 85.2 MiB/s",
                        "BENCH fork_16M 2.100 ms", "BENCH shm_bw skip shm_open: ENOSYS",
                        "noise", "BENCH trap_null 300 ns"])
    table, lines = bench_table(rows)
    check("bench order", [r["metric"] for r in table],
          ["trap_null", "getpid", "pipe_bw", "shm_bw", "fork_16M"])
    check("bench value", table[1], {"metric": "getpid", "value": 412.3,
                                    "unit": "ns", "note": "inst=120"})
    check("bench text", [l.split("|")[2].strip() for l in lines[2:]],
          ["300", "412.3", "85.2", "-", "2.100"])
    check("bench skip", rows["shm_bw"]["value"], None)

    # the crash test's model
    m = CrashModel()
    for op in ("mkdir /cw", "write /cw/x 0 3000 5", "link /cw/x /cw/y", "write /cw/y 1000 100 6",
               "trunc /cw/x 1500"):
        m.apply(op.split())
    want = bytearray(cw_pattern(5, 3000))
    want[1000:1100] = cw_pattern(6, 100)
    check("model link", m.state("/cw/y"), ("file", bytes(want[:1500])))
    fl = m.in_flight("write /cw/x 1000 2100 7".split())
    check("in flight cuts", sorted(len(st[1]) for st in fl["/cw/x"]), [1500, 1500, 2048, 3072, 3100])
    check("in flight aliases", sorted(fl), ["/cw/x", "/cw/y"])
    lst = {"/cw": ("dir",), "/cw/x": crc_of(m.state("/cw/x")), "/cw/y": crc_of(m.state("/cw/y"))}
    check("compare ok", crash_compare(m, "unlink /cw/x".split(), lst), [])
    del lst["/cw/y"]
    check("compare lost", len(crash_compare(m, "unlink /cw/x".split(), lst)), 1)
    lst2 = dict(lst, **{"/cw/y": crc_of(m.state("/cw/y"))})
    del lst2["/cw/x"]
    check("compare in flight", crash_compare(m, "unlink /cw/x".split(), lst2), [])
    # a write in flight: blocks overwritten in place before the commit
    op = "write /cw/x 0 1500 8".split()
    mixed = bytearray(m.state("/cw/x")[1])
    mixed[1024:1500] = cw_pattern(8, 1500)[1024:]        # the second block new, the first old
    lst3 = dict(lst, **{p: crc_of(("file", bytes(mixed))) for p in ("/cw/x", "/cw/y")})
    bl3 = {p: block_crcs(bytes(mixed)) for p in ("/cw/x", "/cw/y")}
    check("compare in place", crash_compare(m, op, lst3, bl3), [])
    mixed[0] ^= 1
    lst3["/cw/x"] = crc_of(("file", bytes(mixed)))
    bl3["/cw/x"] = block_crcs(bytes(mixed))
    check("compare in place bad", len(crash_compare(m, op, lst3, bl3)), 1)
    # the appenders: what fsync returned for must be there
    rec = b"".join(bytes((v * 7 + i) & 0xff for i in range(BLOCK)) for v in (1000, 1001, 1002))
    app = {"/cw/p0": ("file", len(rec), 0)}
    check("appender ok", appender_check({0: 3072}, app, {"/cw/p0": block_crcs(rec)}), [])
    check("appender short", len(appender_check({0: 4096}, app, {"/cw/p0": block_crcs(rec)})), 1)
    check("appender lost", len(appender_check({0: 3072}, app,
                                              {"/cw/p0": block_crcs(rec[:2048] + bytes(1024))})), 1)

    # fsck finds damage planted in a copy of fs.img (when both are built)
    fsck = os.path.join(P.build, "fsck")
    if os.path.isfile(fsck) and os.path.isfile(P.fsimg):
        fails += fsck_selftest(P)

    for f in fails:
        say("selftest: " + f)
    say("selftest: %s" % ("FAILED" if fails else "ok"))
    return 1 if fails else 0


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="Boot Pagoda under QEMU: run a command, the tests, or the benchmarks.",
        epilog="See the docstring at the top of tests/harness.py for the contracts.")
    ap.add_argument("--root", default=os.path.dirname(HERE),
                    help="the source tree (default: the one holding this file)")
    sub = ap.add_subparsers(dest="mode", required=True)

    r = sub.add_parser("run", help="boot, run one command line, exit with its status")
    r.add_argument("--cmd", default=os.environ.get("CMD", ""),
                   help="the command line given to sh -c in the guest (default: $CMD)")
    r.add_argument("--mem", default=DEFAULT_MEM)
    r.add_argument("--cpus", type=int, default=DEFAULT_CPUS)
    r.add_argument("--bootargs", default=os.environ.get("BOOTARGS", ""),
                   help='kernel options, e.g. "asids=8" (default: $BOOTARGS)')
    r.add_argument("--timeout", type=int, default=0,
                   help="kill QEMU after this many seconds without output (0: never)")
    r.add_argument("--keep-disk", action="store_true",
                   help="boot fs.img itself instead of a scratch copy")
    r.add_argument("--icount", action="store_true", help="QEMU -icount shift=0,sleep=off")

    t = sub.add_parser("test", help="run the tests of tests/tests.txt")
    t.add_argument("--only", action="append", metavar="NAME",
                   help="a program of tests.txt or a subtest name (repeatable)")
    t.add_argument("--cpus", type=int, metavar="N",
                   help="boot every test with N harts, whatever its line says (make test CPUS=N)")

    b = sub.add_parser("bench", help="run the benchmarks, print a table, write bench.json")
    b.add_argument("--icount", action="store_true", help="QEMU -icount (also BENCH_ICOUNT=1)")
    b.add_argument("--mem", default=DEFAULT_MEM)
    b.add_argument("--timeout", type=int, default=300,
                   help="seconds without output that make a hang")

    c = sub.add_parser("crash", help="the crash test: kill QEMU during a file-system "
                       "workload, check the disk")
    c.add_argument("--points", type=int, default=8, help="crash points (default 8)")
    c.add_argument("--seed", type=int, default=None,
                   help="seed of the choices (default: $CRASHSEED, or from the clock)")
    c.add_argument("--cpus", type=int, default=DEFAULT_CPUS)
    st = sub.add_parser("stress", help="run fuzz and stress with new seeds for a while")
    st.add_argument("--seconds", type=int, default=600)
    st.add_argument("--seed", type=int, default=None, help="first seed (default: from the clock)")
    st.add_argument("--calls", type=int, default=20000, help="system calls per fuzz boot")
    st.add_argument("--iters", type=int, default=40, help="iterations per stress mix worker")
    st.add_argument("--mem", default=DEFAULT_MEM)
    st.add_argument("--timeout", type=int, default=180,
                    help="seconds without output that make a hang")

    sub.add_parser("selftest", help="check the output parser (no QEMU)")

    args = ap.parse_args()
    P = Paths(os.path.abspath(args.root))
    fn = {"run": cmd_run, "test": cmd_test, "bench": cmd_bench,
          "selftest": cmd_selftest, "crash": cmd_crash, "stress": cmd_stress}[args.mode]
    return fn(P, args)


if __name__ == "__main__":
    sys.exit(main())
