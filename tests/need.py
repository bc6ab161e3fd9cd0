#!/usr/bin/env python3
"""Check that the tools Pagoda needs are installed; install them as root.

Needs: a riscv64 cross gcc (riscv64-linux-gnu-gcc or another riscv64-*-gcc on
PATH, as the Makefile looks for), qemu-system-riscv64 >= 7.2, QEMU's OpenSBI
firmware (for -bios default), a host C compiler (for mkfs); gdb-multiarch is
optional (warning only).  When all is present this runs no package manager.
Exit status 0 when the required tools are there, 1 otherwise.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

PKGS = ["gcc-riscv64-linux-gnu", "qemu-system-misc", "gdb-multiarch"]
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
MIN_QEMU = (7, 2)
PREFIXES = ["riscv64-linux-gnu-", "riscv64-unknown-linux-gnu-",
            "riscv64-unknown-elf-", "riscv64-elf-"]
FW_NAMES = ["opensbi-riscv64-generic-fw_dynamic.bin",
            "opensbi-riscv64-generic-fw_dynamic.elf"]
FW_DIRS = ["/usr/share/qemu", "/usr/local/share/qemu", "/usr/share/qemu-efi-riscv64"]


def find_gcc():
    pre = os.environ.get("TOOLPREFIX")
    if pre and shutil.which(pre + "gcc"):
        return pre + "gcc"
    for p in PREFIXES:
        if shutil.which(p + "gcc"):
            return p + "gcc"
    for d in os.environ.get("PATH", "").split(os.pathsep):
        for f in sorted(glob.glob(os.path.join(d or ".", "riscv64-*-gcc"))):
            if os.access(f, os.X_OK):
                return f
    return None


def qemu_version():
    """(major, minor) of qemu-system-riscv64, None if missing, () if unparsable."""
    exe = shutil.which(QEMU)
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--version"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             timeout=20).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return ()
    m = re.search(r"version (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else ()


def find_firmware():
    dirs = list(FW_DIRS)
    exe = shutil.which(QEMU)
    if exe:  # a QEMU installed under a prefix looks in PREFIX/share/qemu
        dirs.insert(0, os.path.join(os.path.dirname(os.path.dirname(
            os.path.realpath(exe))), "share", "qemu"))
    for d in dirs:
        for n in FW_NAMES:
            if os.path.isfile(os.path.join(d, n)):
                return os.path.join(d, n)
    return None


def check():
    """Return (missing required tools, missing packages, fatal message or None)."""
    missing, pkgs, fatal = [], [], None
    if not find_gcc():
        missing.append("riscv64-linux-gnu-gcc")
        pkgs.append("gcc-riscv64-linux-gnu")
    v = qemu_version()
    if v is None:
        missing.append(QEMU)
        pkgs.append("qemu-system-misc")
    elif v == ():
        fatal = "need.py: cannot read the version of %s (%s --version failed)" % (QEMU, QEMU)
    elif v < MIN_QEMU:
        fatal = ("need.py: %s is version %d.%d; Pagoda needs QEMU >= %d.%d "
                 "(the version it is built and tested with): "
                 "install a newer qemu-system-misc (Debian 12 has 7.2)"
                 % (QEMU, v[0], v[1], MIN_QEMU[0], MIN_QEMU[1]))
    if v and not find_firmware():
        missing.append("OpenSBI firmware for -bios default "
                       "(/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin)")
        pkgs.append("qemu-system-data")
    if not shutil.which(os.environ.get("HOSTCC", "cc")):
        missing.append("host C compiler (cc, for mkfs)")
        pkgs += ["gcc", "libc6-dev"]
    return missing, pkgs, fatal


def apt_install(pkgs):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("need.py: installing: %s" % " ".join(pkgs), flush=True)
    for cmd in (["apt-get", "update"],
                ["apt-get", "install", "-y", "--no-install-recommends"] + pkgs):
        r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            print("need.py: '%s' failed with status %d" % (" ".join(cmd), r.returncode))
            return False
    return True


def main():
    missing, pkgs, fatal = check()
    if fatal:
        print(fatal)
        return 1
    want_gdb = shutil.which("gdb-multiarch") is None
    if missing:
        can_apt = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
        if not can_apt:
            print("need.py: missing %s; install with: sudo apt-get install "
                  "--no-install-recommends %s"
                  % (", ".join(missing), " ".join(PKGS + [x for x in pkgs if x not in PKGS])))
            return 1
        # install gdb-multiarch along with the rest, since apt runs anyway
        allp = sorted(set(pkgs + PKGS + (["gdb-multiarch"] if want_gdb else [])))
        if not apt_install(allp):
            return 1
        missing, pkgs, fatal = check()
        if fatal:
            print(fatal)
            return 1
        if missing:
            print("need.py: still missing after apt-get install: %s" % ", ".join(missing))
            return 1
    if shutil.which("gdb-multiarch") is None:
        print("need.py: warning: gdb-multiarch not found (only 'make qemu-gdb' needs it; "
              "apt-get install --no-install-recommends gdb-multiarch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
