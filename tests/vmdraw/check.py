#!/usr/bin/env python3
"""Host test of tools/vmdraw: draw tests/vmdraw/capture.txt (the output of
`make run CMD='sleep 60 & sleep 60 & sleep 60 & sleep 1; echo == sleep 3 ==;
pmap 3; echo == sleep 4 ==; pmap 4; echo == sleep 5 ==; pmap 5; vmstat'`)
and check the SVG: well-formed XML, one column per process with its name,
every region of the capture, the shared-file bands, and the vmstat line.
Prints "test vmdraw: ok" or "test vmdraw: FAIL why"; exit 1 on failure.
"""
import os
import subprocess
import sys
import xml.dom.minidom

HERE = os.path.dirname(os.path.abspath(__file__))
VMDRAW = os.path.join(HERE, "..", "..", "tools", "vmdraw")


def fail(why):
    print("test vmdraw: FAIL " + why)
    sys.exit(1)


def main():
    r = subprocess.run([sys.executable, VMDRAW, os.path.join(HERE, "capture.txt")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("exit status %d: %s" % (r.returncode, r.stderr.strip()))
    try:
        doc = xml.dom.minidom.parseString(r.stdout)
    except Exception as ex:
        fail("not well-formed XML: %s" % ex)
    if doc.documentElement.tagName != "svg":
        fail("the root element is <%s>, not <svg>" % doc.documentElement.tagName)
    groups = [g for g in doc.getElementsByTagName("g") if g.getAttribute("class") == "process"]
    labels = [g.getAttribute("data-label") for g in groups]
    if labels != ["sleep 3", "sleep 4", "sleep 5"]:
        fail("columns %s, want sleep 3, sleep 4, sleep 5" % labels)
    for g in groups:
        regions = [e for e in g.getElementsByTagName("rect") if e.getAttribute("class") == "region"]
        names = sorted({e.getAttribute("data-name") for e in regions})
        want = ["[data]", "[heap]", "[rodata]", "[stack]", "[text]", "ld.so", "ld.so [bss]", "libc.so"]
        if names != want or len(regions) != 14:
            fail("%s: regions %s (%d), want %s (14)" % (g.getAttribute("data-label"), names,
                                                        len(regions), want))
        text = [e for e in regions if e.getAttribute("data-name") == "libc.so"
                and e.getAttribute("data-start") == "0x3e00001000"]
        if not text or text[0].getAttribute("data-shr") != "2":
            fail("libc.so's text at 0x3e00001000 with 2 shared pages is missing")
        shared = [e for e in g.getElementsByTagName("rect") if e.getAttribute("class") == "page shared"]
        if len(shared) != 10:
            fail("%s: %d shared page squares, want 10" % (g.getAttribute("data-label"), len(shared)))
    bands = [(p.getAttribute("data-file"), p.getAttribute("data-offset"))
             for p in doc.getElementsByTagName("path") if p.getAttribute("class") == "shared"]
    if bands.count(("57", "0x1000")) != 2:
        fail("want 2 bands joining libc.so's text (inode 57, offset 0x1000), got %s" % bands)
    if len(bands) != 12:
        fail("want 12 bands (6 shared file regions, 3 columns), got %d" % len(bands))
    texts = "".join(t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild)
    if "frames_total 32768" not in texts:
        fail("the vmstat counters are missing")
    # No pmap in the input: an error, not an empty picture.
    r = subprocess.run([sys.executable, VMDRAW], input="hello\n", capture_output=True, text=True)
    if r.returncode != 1 or "no pmap output" not in r.stderr:
        fail("input without pmap output: exit %d, %r" % (r.returncode, r.stderr))
    print("test vmdraw: ok")


main()
