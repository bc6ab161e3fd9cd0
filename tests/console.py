"""Console tests: boot the shell interactively and type at it (tests.txt
lines "console NAME ..."), and host-side checks ("host NAME ...").

Each console test boots QEMU on a scratch copy of fs.img with its serial
port on a pipe, waits for output, sends bytes (keys, Ctrl-C, pastes) and
checks what comes back. Nothing depends on timing: the harness waits for
output (a hang is `timeout` seconds of silence), and when it must know
that a program is running it asks the console for the process list (^P)
until the program shows up.
"""

import hashlib
import os
import re
import select
import subprocess
import time

PROMPT = b"$ "
MAX_POLLS = 400


class Fail(Exception):
    pass


class Console:
    """A booted QEMU whose console we read and type at."""

    def __init__(self, argv, log, idle):
        self.log = log
        self.idle = idle
        self.out = b""         # everything the guest printed
        self.pos = 0           # what expect() has consumed
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)

    def _more(self):
        """Read more output; Fail after `idle` seconds of silence."""
        fd = self.p.stdout.fileno()
        r, _, _ = select.select([fd], [], [], self.idle)
        if not r:
            raise Fail("no output for %d s" % self.idle)
        d = os.read(fd, 65536)
        if not d:
            raise Fail("QEMU exited (status %s)" % self.p.wait())
        self.log.write(d)
        self.log.flush()
        self.out += d.replace(b"\r", b"")
        if b"panic:" in self.out:
            raise Fail("kernel panic: %s" % self.text()[self.text().find("panic:"):][:200])

    def expect(self, pattern, what=None):
        """Wait for regex pattern (bytes) after what was consumed; consume
        through the match and return it."""
        rx = re.compile(pattern, re.M)
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            try:
                self._more()
            except Fail as e:
                raise Fail("waiting for %s: %s" % (what or pattern.decode(errors="replace"), e))

    def prompt(self):
        self.expect(re.escape(PROMPT), "the shell prompt")

    def since(self, start):
        return self.out[start:self.pos].decode(errors="replace")

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def run(self, line):
        """Type a command line; return its output (up to the next prompt)."""
        start = self.pos
        self.send(line + "\n")
        self.prompt()
        return self.since(start)

    def wait_running(self, names):
        """Ask the console for the process list (^P) until every program in
        names (a list; repeats count) runs. Two ^P in a row: the second
        list's first line (init) marks the end of the first. Gives up after
        MAX_POLLS lists (a program that never starts)."""
        for _ in range(MAX_POLLS):
            time.sleep(0.05)           # not a threshold: only spares the guest
            self.send(b"\x10\x10")
            self.expect(rb"^1 \S+\s+init$", "a ^P process list")
            start = self.pos
            self.expect(rb"^1 \S+\s+init$", "a second ^P process list")
            listing = self.out[start:self.pos].decode(errors="replace")
            have = re.findall(r"^\d+ \S+\s+(\S+)$", listing, re.M)
            if all(have.count(n) >= names.count(n) for n in set(names)):
                return
        raise Fail("%s not running after %d process lists" % (" ".join(names), MAX_POLLS))

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.close()
            except OSError:
                pass
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p.stdout.close()

    def shutdown(self):
        self.send("shutdown\n")
        try:
            while True:
                self._more()
        except Fail:
            pass
        self.close()


# A ps line of a process with this name.
PS_NAME = r"^\s*\d+\s+\d+\s+\d+\s+\S+\s+\d+\s+%s\b"


def lines(text):
    return [l for l in text.split("\n")]


# ---------------------------------------------------------------------------
# the tests: each takes a booted Console at the first prompt

def t_ctrl_c(c):
    """^C kills a foreground sleep, and the rest of its line does not run;
    the shell survives; $? shows the kill."""
    c.send("sleep 100; echo after-list\n")
    c.wait_running(["sleep"])
    start = c.pos
    c.send(b"\x03")
    c.prompt()
    if re.search(r"^after-list$", c.since(start), re.M):
        raise Fail("the rest of the line ran after ^C")
    out = c.run("echo status=$?")
    if "status=-1" not in out:
        raise Fail("after ^C, echo $? printed %r, want status=-1" % out)
    out = c.run("ps")
    if re.search(PS_NAME % "sleep", out, re.M):
        raise Fail("sleep still running after ^C: %s" % out)
    # The ^C never reaches the next line: it was not stored.
    out = c.run("echo next")
    if not re.search(r"^next$", out, re.M) or "\x03" in out:
        raise Fail("the line after ^C printed %r" % out)


def t_ctrl_c_pipeline(c):
    """^C kills every process of the foreground pipeline, not a background
    job, and ^C at the prompt just gives a new prompt."""
    out = c.run("sleep 300 &")
    m = re.search(r"\[1\] (\d+)", out)
    if not m:
        raise Fail("'sleep 300 &' printed %r, want [1] PID" % out)
    bg = m.group(1)
    c.send("sleep 200 | sleep 100 | cat\n")
    c.wait_running(["sleep", "sleep", "sleep", "cat"])
    c.send(b"\x03")
    c.prompt()
    out = c.run("echo status=$?")
    if "status=-1" not in out:
        raise Fail("after ^C, echo $? printed %r, want status=-1" % out)
    out = c.run("ps")
    procs = re.findall(r"^\s*(\d+)\s+\d+\s+\d+\s+\S+\s+\d+\s+(\S+)", out, re.M)
    left = [(pid, n) for pid, n in procs if n in ("sleep", "cat")]
    if left != [(bg, "sleep")]:
        raise Fail("after ^C, want only the background sleep %s, ps shows %s" % (bg, left))
    out = c.run("jobs")
    if not re.search(r"\[1\] running\s+sleep 300", out):
        raise Fail("jobs printed %r" % out)
    # ^C at the prompt: a fresh prompt, the half-typed line thrown away.
    c.send("echo half")
    c.send(b"\x03")
    c.prompt()
    out = c.run("echo whole")
    if "half" in out.replace("echo half", "") or not re.search(r"^whole$", out, re.M):
        raise Fail("after ^C at the prompt, the next line printed %r" % out)
    out = c.run("kill %s; wait; echo waited=$?" % bg)
    if "waited=0" not in out:
        raise Fail("kill + wait printed %r" % out)


def t_long_line(c):
    """A 1000-character line arrives whole; a line longer than the shell's
    maximum (4096) is rejected whole, and the next line is unharmed."""
    word = "".join(chr(ord("a") + i % 26) for i in range(995))
    out = c.run("echo " + word)            # 1000 characters
    if not re.search("^" + word + "$", out, re.M):
        raise Fail("echo of a 1000-character line printed %d bytes: %r..." % (len(out), out[:80]))
    big = "echo " + "y" * 5000
    out = c.run(big)
    if "line too long" not in out:
        raise Fail("a 5005-character line: no 'line too long' message")
    if re.search(r"^y+$", out, re.M):
        raise Fail("part of a too-long line ran")
    out = c.run("echo after")
    if not re.search(r"^after$", out, re.M):
        raise Fail("the line after a too-long one printed %r" % out)


def t_paste(c):
    """200 lines (12 KB, more than the console's 8 KB ring) pasted in one
    write, at the speed the pipe delivers: every line runs, intact."""
    n = 200
    want = ["p%03d-%s" % (i, "z" * 44) for i in range(n)]
    paste = "".join("echo %s >> /paste\n" % w for w in want)
    c.send(paste + "cat /paste; echo paste-done\n")
    c.expect(rb"^paste-done$", "paste-done")
    # (The prompts of the 200 lines come out together, before cat's output.
    # The echo of typed-ahead input interleaves with output at any byte, as
    # on any terminal: it can split the last prompt's "$ " and leave its
    # space in front of cat's first line.)
    outl = [re.sub(r"^[$ ]+", "", l) for l in lines(c.out.decode(errors="replace"))]
    got = [l for l in outl if re.fullmatch(r"p\d{3}-z+", l)]
    if got != want:
        missing = [w for w in want if w not in got]
        raise Fail("%d of %d lines came back intact; first missing: %s"
                   % (n - len(missing), n, missing[:1]))
    c.prompt()


def t_kill_init(c):
    """kill 1 fails with EPERM, and init goes on."""
    out = c.run("kill 1; echo status=$?")
    if "kill: 1: Operation not permitted" not in out or "status=1" not in out:
        raise Fail("kill 1 printed %r" % out)
    out = c.run("ps")
    if not re.search(r"^\s*1\s+0\s+\d+\s+\S+\s+\d+\s+init\b", out, re.M):
        raise Fail("init is not in ps: %r" % out)


def t_jobs(c):
    """'&' prints the pid of the job's last process; $!, ps and pmap agree;
    wait gives the status; sleep takes seconds (with a fraction) and
    rejects junk; cat of a directory is an error."""
    out = c.run("sleep 100 | sleep 100 &")
    m = re.search(r"\[(\d+)\] (\d+)", out)
    if not m:
        raise Fail("'&' printed %r" % out)
    last = m.group(2)
    c.wait_running(["sleep", "sleep"])
    out = c.run("echo last=$!; ps")
    if "last=%s" % last not in out:
        raise Fail("$! is not %s: %r" % (last, out))
    procs = re.findall(r"^\s*(\d+)\s+\d+\s+(\d+)\s+sleep\s+\d+\s+sleep\s+(\S+)", out, re.M)
    if len(procs) != 2 or max(int(p[0]) for p in procs) != int(last):
        raise Fail("ps does not show the job's two sleeps with %s the last: %r" % (last, out))
    first = min(int(p[0]) for p in procs)
    if any(int(p[1]) != first or p[2] != "sys_sleep" for p in procs):
        raise Fail("the job's sleeps are not both in group %d waiting in sys_sleep: %r"
                   % (first, procs))
    out = c.run("pmap %s" % last)
    if not re.search(r"^START", out, re.M) or "libc.so" not in out or "ld.so" not in out:
        raise Fail("pmap %s printed %r" % (last, out))
    # wait LAST gives its status; the final wait reaps the first sleep
    # too, so the job has ended before the next prompt, which reports it.
    out = c.run("kill %d %s; wait %s; echo st=$?; wait" % (first, last, last))
    if "st=-1" not in out:
        raise Fail("kill + wait %s printed %r" % (last, out))
    if not re.search(r"^\[1\] exit -1 +sleep 100 \| sleep 100$", out, re.M):
        raise Fail("no report of the job's end before the prompt: %r" % out)
    out = c.run("sleep 0.5; echo st=$?")
    if "st=0" not in out:
        raise Fail("sleep 0.5 printed %r" % out)
    out = c.run("sleep abc; echo st=$?")
    if "invalid time interval" not in out or "st=1" not in out:
        raise Fail("sleep abc printed %r" % out)
    out = c.run("cat /; echo st=$?")
    if "Is a directory" not in out or "st=1" not in out:
        raise Fail("cat / printed %r" % out)


def t_rescue(c):
    """With /lib/libc.so destroyed, init (static) starts the rescue shell,
    from which /lib is repaired; then /sh runs again."""
    c.run("rm /lib/libc.so")
    c.run("echo > /lib/libc.so")          # an empty libc.so
    c.send("exit\n")
    c.expect(rb"starting the rescue shell", "init starting the rescue shell")
    c.prompt()
    out = c.run("ls /rescue")
    if "libc.so" not in out:
        raise Fail("rescue shell: ls /rescue printed %r" % out)
    c.run("cat /rescue/libc.so > /lib/libc.so")
    c.send("exit\n")
    c.expect(rb"init: starting /sh", "init starting /sh again")
    c.prompt()
    out = c.run("echo repaired; ps")
    if not re.search(r"^repaired$", out, re.M):
        raise Fail("after the repair, echo printed %r" % out)


def t_vmdraw_live(c):
    """pmap -a prints every process's regions after a "== pid N (name) =="
    line, and tools/vmdraw draws that live output: the two sleeps'
    columns are joined by bands over libc's text (the same page-cache
    frames)."""
    c.run("sleep 100 & sleep 100 &")
    c.wait_running(["sleep", "sleep"])
    out = c.run("pmap -a")
    heads = re.findall(r"^== pid (\d+) \((\S+)\) ==$", out, re.M)
    names = [n for _, n in heads]
    if names.count("sleep") != 2 or "init" not in names or "pmap" not in names:
        raise Fail("pmap -a listed %r" % heads)
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(["python3", os.path.join(here, "..", "tools", "vmdraw")], input=out,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Fail("vmdraw: exit %d: %s" % (r.returncode, r.stderr.strip()))
    labels = re.findall(r'<g class="process" data-label="([^"]*)"', r.stdout)
    if labels != ["pid %s (%s)" % h for h in heads]:
        raise Fail("vmdraw's columns %r are not pmap's processes %r" % (labels, heads))
    bands = re.findall(r'<path class="shared" data-file="(\d+)" data-offset="0x1000"', r.stdout)
    if not bands:
        raise Fail("vmdraw drew no band over libc's text (offset 0x1000)")


CONSOLE_TESTS = {
    "ctrl_c": t_ctrl_c,
    "ctrl_c_pipeline": t_ctrl_c_pipeline,
    "long_line": t_long_line,
    "paste": t_paste,
    "kill_init": t_kill_init,
    "jobs": t_jobs,
    "rescue": t_rescue,
    "vmdraw_live": t_vmdraw_live,
}

# Tests that boot with a command line for init instead of a prompt.
def t_init_restart(c):
    """init exits (asked to by its boot command line): the kernel reports it
    in one line and restarts /init, which starts a shell."""
    c.expect(rb"^init: exited with status 7; restarting /init", "the kernel's restart line")
    c.expect(rb"^init: restarted$", "init's restarted line")
    c.prompt()
    out = c.run("echo alive")
    if not re.search(r"^alive$", out, re.M):
        raise Fail("echo alive printed %r" % out)


BOOT_TESTS = {
    "init_restart": (t_init_restart, "--exit-for-test 7"),
}


def console_names():
    return list(CONSOLE_TESTS) + list(BOOT_TESTS)


def run_console(name, argv_for, log, idle):
    """Run console test `name`. argv_for(cmd) gives QEMU's argv for a boot
    with that init command line (None: interactive). Returns None or the
    failure reason."""
    if name in BOOT_TESTS:
        fn, cmd = BOOT_TESTS[name]
    elif name in CONSOLE_TESTS:
        fn, cmd = CONSOLE_TESTS[name], None
    else:
        return "no such console test (have: %s)" % " ".join(console_names())
    c = Console(argv_for(cmd), log, idle)
    try:
        if cmd is None:
            c.expect(rb"init: starting /sh", "init starting the shell")
            c.prompt()
        fn(c)
        c.shutdown()
        return None
    except Fail as e:
        return str(e)
    finally:
        c.close()


# ---------------------------------------------------------------------------
# host checks

def h_image_busy(root, log):
    """Rebuilding fs.img while a QEMU holds it is refused, and fs.img is
    left as it was."""
    img = os.path.join(root, "fs.img")

    def digest():
        with open(img, "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()
    before = digest()
    q = subprocess.Popen(["qemu-system-riscv64", "-machine", "virt", "-bios", "default", "-S",
                          "-nographic", "-monitor", "none", "-serial", "none",
                          "-kernel", os.path.join(root, "build", "kernel.elf"),
                          "-drive", "file=%s,if=none,format=raw,id=x0" % img,
                          "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        # QEMU locks the image while it starts, before it runs anything:
        # wait until the lock is there (or QEMU has gone).
        busy = [os.environ.get("PYTHON", "python3"), os.path.join(root, "tools", "fsimg.py"),
                "busy", img]
        while subprocess.run(busy, stdout=log, stderr=log).returncode == 0:
            if q.poll() is not None:
                return "QEMU exited (status %s) before locking fs.img" % q.returncode
            time.sleep(0.2)
        env = dict(os.environ)
        env.pop("MAKEFLAGS", None)
        env.pop("MAKELEVEL", None)
        r = subprocess.run(["make", "-C", root, "-W", "README", "fs.img"], env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        log.write(r.stdout)
        out = r.stdout.decode(errors="replace")
        if r.returncode == 0:
            return "make fs.img succeeded while QEMU held fs.img: %s" % out[-300:]
        if "in use by a running QEMU" not in out:
            return "make fs.img failed without saying why: %s" % out[-300:]
    finally:
        q.kill()
        q.wait()
    if digest() != before:
        return "fs.img changed although the rebuild was refused"
    return None


def h_image_keep(root, log):
    """A rebuild keeps an image the guest changed as fs.img.old (and says
    so), and replaces an unchanged one silently (tools/fsimg.py install,
    on files in a scratch directory)."""
    import tempfile
    tool = os.path.join(root, "tools", "fsimg.py")
    py = os.environ.get("PYTHON", "python3")
    with tempfile.TemporaryDirectory() as d:
        img, new, old = (os.path.join(d, n) for n in ("fs.img", "new.img", "fs.img.old"))

        def install(data):
            with open(new, "wb") as f:
                f.write(data)
            r = subprocess.run([py, tool, "install", new, img], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            log.write(r.stdout)
            return r.returncode, r.stdout.decode(errors="replace")
        rc, out = install(b"A" * 4096)
        if rc != 0 or not os.path.exists(img):
            return "first install failed: %s" % out
        rc, out = install(b"B" * 4096)          # fs.img untouched since
        if rc != 0 or os.path.exists(old) or out:
            return "replacing an unchanged image: status %d, %s, said %r" % (
                rc, "made fs.img.old" if os.path.exists(old) else "no fs.img.old", out)
        with open(img, "r+b") as f:             # "the guest" writes a block
            f.seek(1024)
            f.write(b"guest file")
        rc, out = install(b"C" * 4096)
        if rc != 0 or not os.path.exists(old) or "files made in the guest" not in out:
            return "replacing a changed image: status %d, said %r" % (rc, out)
        with open(old, "rb") as f:
            if b"guest file" not in f.read():
                return "fs.img.old is not the changed image"
        with open(img, "rb") as f:
            if f.read() != b"C" * 4096:
                return "fs.img is not the new image"
    return None


HOST_TESTS = {"image_busy": h_image_busy, "image_keep": h_image_keep}
