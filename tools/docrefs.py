#!/usr/bin/env python3
"""Check the code references in the documentation.

    python3 tools/docrefs.py [--root DIR] [FILE.md ...]

With no FILE, reads README.md and every .md file under docs/, and also
checks that every page of docs/ named anywhere in the code (comments in
kernel/, user/, tests/, tools/, mkfs/, the Makefile) exists, and that
every SVG figure under docs/ is well-formed XML and linked from a page. A reference
is a repository path in the text, such as `kernel/mm/fault.c` or
`kernel/mm/` (a path beginning with one of the top-level directories
below, or a top-level file), optionally followed by `:function`, as in
`kernel/mm/fault.c:fault_cow`; or the target of a relative markdown link
or image, `[text](../kernel/lib/lockorder.c)`, resolved from the
document's directory.

Outside `code` spans, a word counts as a path only if it ends in a file
extension or a `/`, so that prose like "user/kernel boundary" is not
taken for one. A path must exist. A function must be defined in that file: a C function
or a function-like macro (`name(` at the start of a line, after its
type, with no `;`), an assembly label (`name:`), a Python `def name` or a
shell `name()`. Paths under build/ (made by make) and paths with a
placeholder component (NAME, PATH, ...) are not checked, nor files a page
asks the reader to create, declared in it as <!-- docrefs: new PATH -->.

Prints one line per broken reference (FILE:LINE: what) and exits 1 if
there was any; prints a summary line either way.
"""
import os
import re
import sys
import xml.dom.minidom

TOPDIRS = ("kernel", "user", "tests", "tools", "mkfs", "docs")
TOPFILES = ("Makefile", "linker.ld", "README.md", ".gdbinit")
PLACEHOLDERS = {"NAME", "PATH", "DIR", "FILE", "PROG", "N", "X"}

# A path like kernel/mm/fault.c or kernel/mm/, then maybe :function.
PATH_RE = re.compile(
    r"(?<![\w./-])((?:%s)/[\w.+-]+(?:/[\w.+-]+)*/?|%s)(?::([A-Za-z_]\w*))?"
    % ("|".join(TOPDIRS), "|".join(re.escape(f) for f in TOPFILES)))
LINK_RE = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def definitions(path, cache={}):
    """The names a source file defines."""
    if path in cache:
        return cache[path]
    names = set()
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    if path.endswith(".py"):
        names.update(re.findall(r"^\s*def\s+(\w+)\s*\(", text, re.M))
        names.update(re.findall(r"^\s*class\s+(\w+)", text, re.M))
    elif path.endswith(".sh"):
        names.update(re.findall(r"^(\w+)\s*\(\)", text, re.M))
    else:
        # C: a definition starts at column 0 ("int\nname(...)" or
        # "static int name(...)"); a prototype ends in ';'.
        for m in re.finditer(r"^(?:[A-Za-z_][\w \t*]*[ \t*])?([A-Za-z_]\w*)[ \t]*\(([^;]*)$",
                             text, re.M):
            if m.group(1) not in ("if", "for", "while", "switch", "return", "sizeof"):
                names.add(m.group(1))
        names.update(re.findall(r"^[ \t]*#[ \t]*define[ \t]+(\w+)", text, re.M))
        names.update(re.findall(r"^([A-Za-z_.$]\w*):", text, re.M))   # asm labels
    cache[path] = names
    return names


def placeholder(path):
    for part in path.strip("/").split("/"):
        if part.split(".")[0] in PLACEHOLDERS:
            return True
    return False


def check_file(root, doc, errors):
    """Check one markdown file; return how many references it holds."""
    count = 0
    docdir = os.path.dirname(os.path.abspath(doc))
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    # Files a page asks the reader to create: <!-- docrefs: new PATH ... -->
    new = set()
    for m in re.finditer(r"<!--\s*docrefs:\s*new\s+([^>]*?)\s*-->", text):
        new.update(m.group(1).split())
    for lineno, line in enumerate(lines, 1):
        where = "%s:%d" % (os.path.relpath(doc, root), lineno)
        spans = [m.span() for m in re.finditer(r"`[^`]*`", line)]
        for m in PATH_RE.finditer(line):
            path, func = m.group(1), m.group(2)
            path = path.rstrip(".")  # a path ending a sentence
            if placeholder(path):
                continue
            # In prose (outside `code`), "user/kernel boundary" is no
            # path: there a reference names a file (has an extension)
            # or a directory (ends in /).
            quoted = any(a <= m.start() < b for a, b in spans)
            if not quoted and not (path.endswith("/") or "." in os.path.basename(path)):
                continue
            if path in new:
                continue
            count += 1
            full = os.path.join(root, path)
            if not os.path.exists(full):
                errors.append("%s: %s does not exist" % (where, path))
            elif func and os.path.isfile(full) and func not in definitions(full):
                errors.append("%s: %s defines no %s" % (where, path, func))
        for m in LINK_RE.finditer(line):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target) or target.startswith("/"):
                continue                      # http:, mailto:, absolute
            full = os.path.normpath(os.path.join(docdir, target))
            rel = os.path.relpath(full, root)
            if rel.startswith("build") or placeholder(rel):
                continue
            count += 1
            if not os.path.exists(full):
                errors.append("%s: link to %s: %s does not exist" % (where, target, rel))
    return count


def check_code(root, errors):
    """The docs/ pages that comments in the code point at must exist."""
    count = 0
    files = [os.path.join(root, "Makefile")]
    for top in TOPDIRS:
        if top == "docs":
            continue
        for d, subdirs, names in os.walk(os.path.join(root, top)):
            subdirs.sort()
            files += [os.path.join(d, n) for n in sorted(names) if not n.endswith(".md")]
    for path in files:
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (OSError, UnicodeDecodeError):
            continue                           # binaries, fixtures
        for lineno, line in enumerate(lines, 1):
            for m in re.finditer(r"(?<![\w./-])docs/[\w./-]*\.md", line):
                count += 1
                if not os.path.exists(os.path.join(root, m.group(0))):
                    errors.append("%s:%d: %s does not exist"
                                  % (os.path.relpath(path, root), lineno, m.group(0)))
    return count


def check_figures(root, docs, errors):
    """Every SVG under docs/ is well-formed XML and shown by some page."""
    shown = set()
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            for m in LINK_RE.finditer(f.read()):
                shown.add(os.path.normpath(os.path.join(os.path.dirname(doc), m.group(1))))
    count = 0
    for d, subdirs, names in os.walk(os.path.join(root, "docs")):
        subdirs.sort()
        for n in sorted(names):
            if not n.endswith(".svg"):
                continue
            path = os.path.join(d, n)
            rel = os.path.relpath(path, root)
            count += 1
            try:
                xml.dom.minidom.parse(path)
            except Exception as ex:
                errors.append("%s: not well-formed XML: %s" % (rel, ex))
            if os.path.normpath(path) not in shown:
                errors.append("%s: no page shows or links it" % rel)
    return count


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--root":
        root = os.path.abspath(args[1])
        args = args[2:]
    docs = args
    if not docs:
        docs = [os.path.join(root, "README.md")]
        for d, subdirs, files in os.walk(os.path.join(root, "docs")):
            subdirs.sort()
            docs += [os.path.join(d, f) for f in sorted(files) if f.endswith(".md")]
    errors = []
    count = 0
    for doc in docs:
        count += check_file(root, doc, errors)
    if not args:
        count += check_code(root, errors)
        count += check_figures(root, docs, errors)
    for e in errors:
        print(e)
    print("docrefs: %d references in %d files, %d broken" % (count, len(docs), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
