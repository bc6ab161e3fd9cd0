#!/usr/bin/env python3
"""Grade a lab: make grade LAB=NAME (docs/labs/README.md).

  grade.py NAME       boot the lab's tests (in this tree: complete or a
                      student tree) and print one line per test with its
                      points, then "Score: N/M"; exit 0 only on full marks
  grade.py --list     the labs and their tests with points

Each group below is one boot running one command line; a test is either
a subtest the command's test program reports ("test NAME: ok"), or an
output check: lines that must appear in the boot's output (for what the
kernel prints, which a test program cannot read). A failed test names the
place in the kernel to look at. Logs: build/grade-logs/.
"""

import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import harness  # noqa: E402  (tests/harness.py)


class Group:
    """One boot: cmd, and its tests [(name, points, hint, regexes or None)]."""
    def __init__(self, cmd, tests, cpus=3, mem="128M", bootargs=(), tlbmodel=False, timeout=120):
        self.cmd = cmd
        self.tests = tests
        self.cpus = cpus
        self.mem = mem
        self.bootargs = list(bootargs)
        self.tlbmodel = tlbmodel
        self.timeout = timeout


SYSCALL = "kernel/proc/sysproc.c sys_trace"
PRINT = "kernel/trap/syscall.c syscall (and the names table above it)"
INHERIT = "kernel/proc/proc.c fork"
PGT = "kernel/mm/ptdump.c dump_table"
USYS = "kernel/mm/aspace.c as_map_usys"
SHARE = "kernel/mm/aspace.c fork_region (share and downgrade)"
BREAK = "kernel/mm/fault.c fault_cow (reuse a frame held alone)"
MMAP = "kernel/mm/mmap.c mmap_object, mmap_place; kernel/mm/fault.c fault_object, fault_dirty"
MSYNC = "kernel/mm/mmap.c sys_msync; kernel/mm/aspace.c as_remove (write-back before unmapping)"
ASID = "kernel/mm/tlb.c tlb_switch (ASIDs and generations)"
REMOTE = "kernel/mm/tlb.c remote (fence the other harts)"
RELOC = "user/ld/load.c reserve and user/ld/reloc.c apply (R_RISCV_RELATIVE)"

LABS = {
    "syscall": [
        Group("labtests trace_mask trace_fork; trace 32 grep hello README; trace 2147483647 echo hi", [
            ("trace_mask", 10, SYSCALL, None),
            ("trace_fork", 10, INHERIT, None),
            ("trace_read", 10, PRINT, [r"^\d+: syscall read -> [1-9]\d*$", r"^\d+: syscall read -> 0$"]),
            ("trace_all", 10, PRINT, [r"^\d+: syscall exec -> 2$", r"^\d+: syscall write -> 3$"]),
        ]),
    ],
    "pgtbl": [
        Group("labtests pgt_self pgt_shared pgt_args usys_pid usys_ro; pgtprint", [
            ("pgt_self", 15, PGT, None),
            ("pgt_shared", 15, PGT, None),
            ("pgt_args", 10, "kernel/mm/ptdump.c sys_pgtprint, dump_table", None),
            ("usys_pid", 10, USYS, None),
            ("usys_ro", 10, USYS, None),
            ("pgtprint_output", 10, PGT, [r"^page table of pid \d+, root pa 0x[0-9a-f]{16}$",
                                          r"^ \.\. \.\.\d+: pte 0x[0-9a-f]{16} pa 0x[0-9a-f]{16}$",
                                          r"^ \.\. \.\. \.\.\d+: va 0x[0-9a-f]{16} pa 0x[0-9a-f]{16} "
                                          r"r-xu- ref \d+$"]),
        ]),
    ],
    "cow": [
        Group("labtests cow_share cow_reuse", [
            ("cow_share", 20, SHARE, None),
            ("cow_reuse", 15, BREAK, None),
        ]),
        Group("memtests vmstatcow cow3gen bigfork cowcopyout cowshrink forkkill", [
            ("vmstatcow", 15, SHARE + "; " + BREAK, None),
            ("cow3gen", 10, SHARE, None),
            ("bigfork", 10, SHARE, None),
            ("cowcopyout", 10, SHARE, None),
            ("cowshrink", 5, BREAK, None),
            ("forkkill", 5, SHARE, None),
        ]),
    ],
    "mmap": [
        Group("mmaptests lazy privshared readonly eof persist partialunmap munmap fork twofiles "
              "coherence pagecache msync msyncerr truncate", [
                  ("lazy", 5, MMAP, None),
                  ("privshared", 10, MMAP, None),
                  ("readonly", 5, MMAP, None),
                  ("eof", 5, MMAP, None),
                  ("persist", 10, MSYNC, None),
                  ("partialunmap", 5, MMAP, None),
                  ("munmap", 10, MSYNC, None),
                  ("fork", 5, MMAP, None),
                  ("twofiles", 5, MMAP, None),
                  ("coherence", 10, MMAP, None),
                  ("pagecache", 5, MMAP, None),
                  ("msync", 10, MSYNC, None),
                  ("msyncerr", 5, MSYNC, None),
                  ("truncate", 10, MMAP, None),
              ]),
    ],
    "tlb": [
        Group("labtests asid_gen", [("asid_gen", 20, ASID, None)], bootargs=["asids=4"]),
        # The TLB model replays every PTE change, fence and switch of a run
        # on 3 harts: a hart left unfenced shows as a violation. (On QEMU a
        # stale entry rarely lives long enough for a test program to see
        # it: QEMU drops a hart's whole TLB on many CSR writes.)
        Group("memtests cow3gen", [("tlbmodel_cow", 30, REMOTE + "; the model's report says which "
                                    "hart kept a stale entry (docs/book/07-tlb.md)", None)], tlbmodel=True),
        Group("mmaptests truncspin multihart pingpong", [
            ("truncspin", 10, REMOTE, None),
            ("multihart", 10, REMOTE, None),
            ("pingpong", 10, REMOTE, None),
            ("tlbmodel_mmap", 30, REMOTE + "; the model's report says which hart kept a stale "
             "entry (docs/book/07-tlb.md)", None),
        ], tlbmodel=True),
    ],
    "shlib": [
        Group("dyntests samebase fork share20 private ldd", [
            ("samebase", 30, RELOC, None),
            ("fork", 10, RELOC, None),
            ("share20", 10, "user/ld/load.c (libraries at their preferred base)", None),
            ("private", 10, RELOC, None),
            ("ldd", 10, RELOC, None),
        ]),
    ],
}


def total(lab):
    return sum(t[1] for g in LABS[lab] for t in g.tests)


def run_group(P, g, log):
    """Boot g.cmd; returns {test name: (ok, why)}, whether the program
    reported any result itself, and whether the kernel panicked."""
    img = os.path.join(P.build, "grade-fs.img")
    harness.copy_image(P, img)
    bootargs = g.bootargs + (["tlbtrace=1"] if g.tlbmodel else [])
    argv = harness.qemu_argv(P, img, g.mem, g.cpus, harness.make_append(bootargs, g.cmd),
                             cache=harness.test_cache())
    parser = harness.Parser(g.cmd.split()[0])
    model = harness.TraceModel(P) if g.tlbmodel else None
    b = harness.boot(argv, idle=g.timeout, maxtime=4 * g.timeout, on_line=parser.feed, log=log,
                     divert=model.feed if model else None)
    reported = list(parser.results)
    parser.finish(b, g.timeout)
    got = {}
    for r in parser.results:
        if r.name not in got or not r.ok:
            got[r.name] = (r.ok, r.why)
    if model:
        r = model.finish(g.cmd.split()[0], g.cmd, b)
        for t in g.tests:
            if t[0].startswith("tlbmodel"):
                got[t[0]] = (r.ok, r.why)
    ended = None
    if b.end != "exit" or b.panic:
        ended = next((l.strip() for l in b.lines if "panic:" in l), "the boot ended: %s" % b.end)
    out = {}
    for name, _, _, regexes in g.tests:
        if regexes:
            missing = [rx for rx in regexes if not any(re.search(rx, l) for l in b.lines)]
            out[name] = (not missing, "no output line matches %s" % missing[0] if missing else "")
        elif name in got:
            out[name] = got[name]
        else:
            out[name] = (False, ended or "did not run")
    return out, bool(reported), b.panic


class Report:
    def __init__(self, lab):
        self.score = 0
        self.full = total(lab)
        self.ran = False        # some test program reported results
        self.panicked = False


def grade(root, lab, say=print, until_loss=False):
    """Run lab's tests in the tree at root; returns a Report. until_loss:
    stop after the first boot that loses points (the CI check of a
    student tree only needs to know that it is below full marks)."""
    P = harness.Paths(root)
    P.kernel = os.path.join(P.build, "kernel.elf")     # this tree's, whatever $KERNEL says
    harness.check_kernel(P)
    logdir = os.path.join(P.build, "grade-logs")
    os.makedirs(logdir, exist_ok=True)
    rep = Report(lab)
    for i, g in enumerate(LABS[lab]):
        with open(os.path.join(logdir, "%s-%d.log" % (lab, i + 1)), "wb") as log:
            res, reported, panicked = run_group(P, g, log)
        rep.ran = rep.ran or reported
        rep.panicked = rep.panicked or panicked
        lost = False
        for name, pts, hint, _ in g.tests:
            ok, why = res[name]
            if ok:
                rep.score += pts
                say("test %s: OK (%d/%d)" % (name, pts, pts))
            else:
                lost = True
                say("test %s: FAIL (0/%d) %s" % (name, pts, why))
                say("    look at: %s" % hint)
        if lost and until_loss:
            break
    return rep


def main():
    args = sys.argv[1:]
    if args == ["--list"]:
        for lab in LABS:
            print("%-8s %3d points: %s" % (lab, total(lab), ", ".join(
                "%s %d" % (t[0], t[1]) for g in LABS[lab] for t in g.tests)))
        return 0
    if len(args) != 1 or args[0] not in LABS:
        print("usage: make grade LAB=NAME (labs: %s)" % " ".join(LABS), file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        rep = grade(ROOT, args[0])
    except harness.HarnessError as e:
        print("grade: %s" % e, file=sys.stderr)
        return 1
    print("(%.0f s; logs in build/grade-logs)" % (time.monotonic() - t0))
    print("Score: %d/%d" % (rep.score, rep.full))
    return 0 if rep.score == rep.full else 1


if __name__ == "__main__":
    sys.exit(main())
