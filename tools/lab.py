#!/usr/bin/env python3
"""Cut a lab's student tree out of the complete kernel (docs/labs/README.md).

  lab.py cut NAME DIR [--build-from BUILD]
      Copy the tracked files (git ls-files) to DIR with lab NAME's solution
      blocks replaced by their stubs, and every other lab's markers
      removed (their code stays). --build-from also copies a build
      directory (and fs.img) whose objects are up to date with this tree,
      so that make in DIR rebuilds only what the cut changed: unchanged
      files keep their times, changed files get the current time.
  lab.py list
      The labs and where their blocks are.
  lab.py check
      Check every marker: blocks closed, not nested, known lab names.

A block in the complete source:

    // LAB cow: share the page read-only (PTE_COW) in both spaces
    ...the solution...
    // STUB: return -1;
    // END LAB cow

becomes, in the cow tree,

    // YOUR CODE HERE (lab cow): share the page read-only (PTE_COW) in both spaces
    return -1;

and, in every other lab's tree, the solution alone. Shell, Makefile and
assembly files use "#" instead of "//".
"""

import os
import re
import shutil
import subprocess
import sys
import time

LABS = ["syscall", "pgtbl", "cow", "mmap", "tlb", "shlib"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BEGIN_RE = re.compile(r"^(\s*)(//|#) LAB (\w+)(?::\s*(.*?))?\s*$")
END_RE = re.compile(r"^\s*(//|#) END LAB (\w+)\s*$")
STUB_RE = re.compile(r"^(\s*)(//|#) STUB: ?(.*?)\s*$")


# Only these files carry markers (docs and this script show examples).
def marked_kind(path):
    return path.endswith((".c", ".h", ".S", ".sh", ".ld")) or os.path.basename(path) == "Makefile"


class CutError(Exception):
    pass


def tracked_files(root):
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise CutError("git ls-files failed in %s (a lab is cut from a git checkout "
                       "of the complete kernel): %s" % (root, e))
    return [f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(root, f))]


def cut_text(text, lab, where="?"):
    """The text of one file in lab's tree, and the blocks found in it as
    (lab, first line number)."""
    out, blocks = [], []
    block = None           # (lab, line number, keep the solution?)
    for n, line in enumerate(text.split("\n"), 1):
        m = BEGIN_RE.match(line)
        if m:
            if block:
                raise CutError("%s:%d: LAB %s inside LAB %s (line %d)" % (where, n, m.group(3), block[0], block[1]))
            name = m.group(3)
            if name not in LABS:
                raise CutError("%s:%d: unknown lab %r (labs: %s)" % (where, n, name, " ".join(LABS)))
            block = (name, n, name != lab)
            blocks.append((name, n))
            if name == lab:
                hint = m.group(4) or "write this part"
                out.append("%s%s YOUR CODE HERE (lab %s): %s" % (m.group(1), m.group(2), name, hint))
            continue
        m = END_RE.match(line)
        if m:
            if not block or block[0] != m.group(2):
                raise CutError("%s:%d: END LAB %s without its LAB line" % (where, n, m.group(2)))
            block = None
            continue
        if block:
            m = STUB_RE.match(line)
            if m:
                if not block[2]:
                    out.append(m.group(1) + m.group(3))
                continue
            if block[2]:
                out.append(line)
            continue
        out.append(line)
    if block:
        raise CutError("%s:%d: LAB %s is never closed" % (where, block[1], block[0]))
    return "\n".join(out), blocks


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cut(lab, dest, build_from=None):
    if lab not in LABS:
        raise CutError("no lab %r (labs: %s)" % (lab, " ".join(LABS)))
    dest = os.path.abspath(dest)
    if os.path.abspath(ROOT) == dest:
        raise CutError("DIR must not be this tree")
    if os.path.exists(dest) and os.listdir(dest):
        raise CutError("%s exists and is not empty" % dest)
    os.makedirs(dest, exist_ok=True)
    if build_from:
        copy_build(build_from, dest)
    now = time.time()
    changed = []
    for f in tracked_files(ROOT):
        src = os.path.join(ROOT, f)
        dst = os.path.join(dest, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        data = read(src)
        try:
            text = data.decode()
        except UnicodeDecodeError:
            text = None
        new = text
        ours = False
        if text is not None and marked_kind(f) and "LAB " in text:
            new, blocks = cut_text(text, lab, f)
            ours = any(name == lab for name, _ in blocks)
        if new is None or new == text:
            shutil.copy2(src, dst)
            continue
        with open(dst, "w") as out:
            out.write(new)
        if build_from and not ours:
            # With a copied build, a file that only lost other labs'
            # marker lines keeps its time: its code is the same, so are
            # its objects (but for line numbers in their debug information).
            shutil.copystat(src, dst)
        else:
            shutil.copymode(src, dst)
            os.utime(dst, (now, now))
        changed.append(f)
    with open(os.path.join(dest, ".lab"), "w") as out:
        out.write(lab + "\n")      # a student tree says which lab it is (tools/labcheck.py)
    return changed


def copy_build(build_from, dest):
    """build/ and fs.img of an up-to-date complete tree, times kept; not
    the scratch images and logs."""
    src = os.path.abspath(build_from)
    skip = shutil.ignore_patterns("*.img", "test-logs", "stress-logs", "grade-logs", "labs")
    shutil.copytree(src, os.path.join(dest, os.path.basename(src)), symlinks=True, ignore=skip)
    top = os.path.dirname(src)
    for f in ("fs.img",):
        if os.path.isfile(os.path.join(top, f)):
            shutil.copy2(os.path.join(top, f), os.path.join(dest, f))


def all_blocks():
    found = []
    for f in tracked_files(ROOT):
        if not marked_kind(f):
            continue
        try:
            text = read(os.path.join(ROOT, f)).decode()
        except UnicodeDecodeError:
            continue
        if "LAB " in text:
            _, blocks = cut_text(text, None, f)
            found += [(lab, f, n) for lab, n in blocks]
    return found


def main():
    args = sys.argv[1:]
    try:
        if len(args) >= 3 and args[0] == "cut":
            build = None
            if len(args) == 5 and args[3] == "--build-from":
                build = args[4]
            elif len(args) != 3:
                raise CutError("usage: lab.py cut NAME DIR [--build-from BUILD]")
            changed = cut(args[1], args[2], build)
            print("lab %s: student tree in %s (%d files cut: %s)" % (args[1], args[2], len(changed),
                                                                    " ".join(changed)))
            print("next: cd %s && make qemu; make grade LAB=%s; the handout is docs/labs/%s.md"
                  % (args[2], args[1], args[1]))
            return 0
        if args == ["list"] or args == ["check"]:
            blocks = all_blocks()
            if args == ["list"]:
                for lab in LABS:
                    where = ["%s:%d" % (f, n) for l, f, n in blocks if l == lab]
                    print("%-8s %s" % (lab, " ".join(where) or "(no blocks)"))
            else:
                empty = [lab for lab in LABS if not any(l == lab for l, _, _ in blocks)]
                if empty:
                    raise CutError("labs with no blocks: %s" % " ".join(empty))
                print("lab markers: %d blocks, all closed" % len(blocks))
            return 0
    except CutError as e:
        print("lab: %s" % e, file=sys.stderr)
        return 1
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
