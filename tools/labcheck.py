#!/usr/bin/env python3
"""The course labs' check in make test (tests.txt line "labcheck"):

  lab_NAME_full      the complete tree gets full marks (tools/grade.py)
  lab_NAME_student   the lab's student tree (tools/lab.py) builds without
                     a warning, boots, runs its tests without a kernel
                     panic, and scores below full marks
In a student tree (cut by tools/lab.py, which leaves a .lab file) the
check is that lab's grade instead.

A student tree is cut into build/labs/NAME with a copy of this tree's
build/ (times kept), so make rebuilds only the files the cut changed.
Run alone: python3 tools/labcheck.py [NAME...]
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grade  # noqa: E402
import lab    # noqa: E402


def student(root, name):
    """Cut, build and grade the student tree; (ok, why, lines)."""
    tree = os.path.join(root, "build", "labs", name)
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(os.path.dirname(tree), exist_ok=True)
    try:
        lab.cut(name, tree, os.path.join(root, "build"))
    except lab.CutError as e:
        return False, "cut: %s" % e, []
    r = subprocess.run(["make", "-j2", "all"], cwd=tree, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace").splitlines()
    warn = [l for l in out if "warning:" in l or "error:" in l]
    if r.returncode != 0 or warn:
        return False, "the student tree does not build cleanly: %s" % (
            warn[0] if warn else "make exit status %d" % r.returncode), out[-40:]
    lines = []
    rep = grade.grade(tree, name, say=lines.append, until_loss=True)
    if rep.panicked:
        return False, "a kernel panic while grading (the stub must leave a working kernel)", lines
    if not rep.ran:
        return False, "no test program ran: the student tree does not boot to its tests", lines
    if rep.score >= rep.full:
        return False, "the student tree gets full marks (%d/%d): nothing was cut" % (rep.score, rep.full), lines
    return True, "%d/%d, below full as it must be" % (rep.score, rep.full), lines


def check(root, names=None, say=print):
    """Yields (test name, ok, why, lines) for every check. In a student
    tree (one with a .lab file) there is one: the grade of its lab."""
    mine = os.path.join(root, ".lab")
    if os.path.isfile(mine):
        with open(mine) as f:
            name = f.read().strip()
        lines = []
        rep = grade.grade(root, name, say=lines.append)
        yield ("lab_%s" % name, rep.score == rep.full, "%d/%d: make grade LAB=%s, docs/labs/%s.md"
               % (rep.score, rep.full, name, name), lines)
        return
    for name in names or lab.LABS:
        t0 = time.monotonic()
        lines = []
        rep = grade.grade(root, name, say=lines.append)
        ok = rep.score == rep.full and not rep.panicked
        yield ("lab_%s_full" % name, ok, "" if ok else "%d/%d" % (rep.score, rep.full), lines)
        say("[labs] %s: complete tree %d/%d (%.0f s)" % (name, rep.score, rep.full, time.monotonic() - t0))
        t0 = time.monotonic()
        ok, why, lines = student(root, name)
        yield ("lab_%s_student" % name, ok, "" if ok else why, lines)
        say("[labs] %s: student tree: %s (%.0f s)" % (name, why, time.monotonic() - t0))


def main():
    root = os.path.dirname(HERE)
    failed = 0
    for name, ok, why, lines in check(root, sys.argv[1:] or None):
        print("test %s: %s" % (name, "ok" if ok else "FAIL " + why))
        if not ok:
            failed += 1
            for l in lines[-20:]:
                print("    | " + l)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
