#!/usr/bin/env python3
# Measure the kernel's shape (issue 12, docs/layers.md):
#   tools/layers.sh          lines per folder, the longest functions, the
#                            include lines between mm/ and fs/, upward calls
#   tools/layers.sh --check  exit 1 if a header is included against the
#                            layer order, or a call goes up a layer that is
#                            not one of the named callbacks in docs/layers.md
import os
import re
import sys

KERNEL = "kernel"
DOC = "docs/layers.md"

# Upward calls that may not exist: (from folder, to folder).
UPWARD = [("lib", f) for f in ("boot", "dev", "trap", "proc", "mm", "fs")] + \
         [("dev", f) for f in ("proc", "fs", "mm")] + [("mm", "fs")]

# Which folders' headers a folder may include. Everyone may include the
# shared headers in kernel/ itself and their own folder's headers. "sched"
# is proc/sched.h, the scheduler core (sleep, wakeup, myproc).
MAY_INCLUDE = {
    "lib": {"lib"},
    "dev": {"lib", "dev", "sched"},
    "mm":  {"lib", "dev", "sched", "mm", "proc", "trap", "boot"},
}
# Single headers a folder may include besides.
MAY_INCLUDE_FILE = {
    "dev": {"kernel/mm/uaccess.h"},
}
# Headers that only their own folder may include.
INTERNAL = {"kernel/mm/mm_internal.h": "mm"}


def sources():
    out = []
    for d in sorted(os.listdir(KERNEL)):
        p = os.path.join(KERNEL, d)
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                if f.endswith((".c", ".h", ".S")):
                    out.append(os.path.join(p, f))
    return out


def folder(path):
    if path.startswith("kernel/proc/sched."):
        return "sched"
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else ""


def strip_comments(text):
    # Comments and string literals become blanks; newlines stay, so line
    # numbers stay.
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])\'',
                  blank, text, flags=re.S)


SIG = re.compile(r"^(?:[A-Za-z_].*?\b)?([A-Za-z_]\w*)\s*\(")


def functions(path, text):
    """(name, first line, last line, static) of each function defined."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        body = None
        if line.startswith("{"):
            body = i
        elif re.match(r"^[A-Za-z_].*\)\s*\{\s*$", line) and not line.startswith(("struct", "enum", "union", "typedef")):
            body = i
        if body is None:
            i += 1
            continue
        # The signature: back from the brace to the line at column 0 that names it.
        j = body
        while j >= 0 and not SIG.match(lines[j]):
            j -= 1
        if j < 0 or (line.startswith("{") and body - j > 6):
            i += 1
            continue
        name = SIG.match(lines[j]).group(1)
        first = j
        if j > 0 and re.match(r"^[A-Za-z_][\w \*]*$", lines[j - 1]) and "(" not in lines[j - 1] \
                and not lines[j - 1].rstrip().endswith((";", "}")):
            first = j - 1     # fs/ style: the return type on its own line
        end = body
        while end < len(lines) and not lines[end].startswith("}"):
            if end > body and re.match(r"^[A-Za-z_].*\)\s*\{\s*$", lines[end]):
                break
            end += 1
        static = "static" in lines[first] or "static" in lines[j]
        out.append((name, first + 1, end + 1, static))
        i = end + 1
    return out


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    check = "--check" in sys.argv[1:]
    files = sources()
    texts = {f: open(f).read() for f in files}
    clean = {f: strip_comments(t) for f, t in texts.items()}

    # lines per folder
    per = {}
    for f, t in texts.items():
        per.setdefault(folder(f) or "(kernel/*.h)", 0)
        per[folder(f) or "(kernel/*.h)"] += t.count("\n")
    if not check:
        print("kernel lines per folder:")
        for d in sorted(per):
            print("  %-13s %6d" % (d, per[d]))
        print("  %-13s %6d" % ("total", sum(per.values())))

    # function definitions
    defs = {}        # name -> folder (global functions only)
    allfuncs = []
    for f in files:
        if not f.endswith(".c"):
            continue
        for name, a, b, static in functions(f, clean[f]):
            allfuncs.append((b - a + 1, name, f))
            if not static:
                defs[name] = folder(f)
    if not check:
        print("\nlongest functions (lines from signature to closing brace):")
        for n, name, f in sorted(allfuncs, key=lambda x: -x[0])[:10]:
            print("  %4d  %-24s %s" % (n, name, f))
        over = [x for x in allfuncs if x[0] > 80]
        print("  functions over 80 lines: %d" % len(over))

    # The named exceptions in docs/layers.md: "`from -> name`" for a call,
    # "- `file.c includes kernel/x/y.h`" for an include.
    allowed, allowed_inc = set(), set()
    if os.path.exists(DOC):
        doc = open(DOC).read()
        for m in re.finditer(r"`(\w+) -> (\w+)`", doc):
            allowed.add((m.group(1), m.group(2)))
        for m in re.finditer(r"^- `([\w.]+) includes ([\w./]+)`", doc, re.M):
            allowed_inc.add((m.group(1), m.group(2)))

    # include lines
    bad = []
    inc = re.compile(r'^\s*#\s*include\s+"(kernel/[^"]+)"', re.M)
    mmfs = []
    for f in files:
        src = folder(f)
        for m in inc.finditer(texts[f]):
            h = m.group(1)
            dst = folder(h)
            line = texts[f].count("\n", 0, m.start()) + 1
            where = "%s:%d: %s" % (f, line, h)
            if (src, dst) in (("mm", "fs"), ("fs", "mm")):
                mmfs.append(where)
            if dst and src in MAY_INCLUDE and dst not in MAY_INCLUDE[src] and \
                    h not in MAY_INCLUDE_FILE.get(src, ()) and \
                    (os.path.basename(f), h) not in allowed_inc:
                bad.append("include against the layers: " + where)
            if h in INTERNAL and src != INTERNAL[h]:
                bad.append("internal header outside its folder: " + where)
    if not check:
        print("\ninclude lines between kernel/mm and kernel/fs: %d" % len(mmfs))
        for w in mmfs:
            print("  " + w)

    # upward calls: a call in a lower folder to a global function defined
    # in a folder above it.
    call = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
    up = {}
    for f in files:
        if not f.endswith(".c"):
            continue
        src = folder(f)
        for m in call.finditer(clean[f]):
            name = m.group(1)
            dst = defs.get(name)
            if dst and (src, dst) in UPWARD:
                up.setdefault((src, dst, name), set()).add(os.path.basename(f))
    if not check:
        print("\nupward calls (lib -> anything, dev -> proc/fs/mm, mm -> fs): %d" % len(up))
        for (src, dst, name), where in sorted(up.items()):
            note = "  (named callback)" if (src, name) in allowed else ""
            print("  %s -> %s: %s  [%s]%s" % (src, dst, name, " ".join(sorted(where)), note))
    for (src, dst, name), where in sorted(up.items()):
        if (src, name) not in allowed:
            bad.append("upward call not in %s: %s -> %s: %s [%s]" % (DOC, src, dst, name, " ".join(sorted(where))))

    if check:
        for b in bad:
            print("layers: " + b)
        sys.exit(1 if bad else 0)


main()
