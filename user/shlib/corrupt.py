#!/usr/bin/env python3
"""Damage a copy of a good shared library, for the dynamic loader's tests.

  corrupt.py KIND IN OUT

KIND is one of
  badhdr   the ELF magic is wrong ("\\x7fELX")
  trunc    the file ends in the middle of the program-header table
  badrel   the first R_RISCV_RELATIVE relocation points 1 GiB past the
           library's preferred base: outside the object
  unkrel   that relocation gets type 200, which is not a RISC-V type

IN is left alone; OUT is written (mode 0644). Errors: one line on stderr
and exit status 1.
"""
import struct
import sys

R_RISCV_RELATIVE = 3
UNKNOWN_TYPE = 200
PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_RELA, DT_RELASZ = 0, 7, 8


def die(msg):
    sys.stderr.write("corrupt.py: %s\n" % msg)
    sys.exit(1)


def header(data):
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        die("input is not a little-endian ELF64 file")
    # e_phoff, e_shoff, e_flags, e_ehsize, e_phentsize, e_phnum
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    return phoff, phentsize, phnum


def phdrs(data):
    phoff, phentsize, phnum = header(data)
    out = []
    for i in range(phnum):
        # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
        out.append(struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize))
    return out


def file_offset(data, vaddr):
    for p in phdrs(data):
        if p[0] == PT_LOAD and p[3] <= vaddr < p[3] + p[5]:
            return p[2] + vaddr - p[3]
    die("address 0x%x is in no PT_LOAD segment" % vaddr)


def first_relative(data):
    """File offset of the first R_RISCV_RELATIVE entry in DT_RELA."""
    dyn = [p for p in phdrs(data) if p[0] == PT_DYNAMIC]
    if not dyn:
        die("no PT_DYNAMIC")
    off, size = dyn[0][2], dyn[0][5]
    rela = relasz = None
    for i in range(0, size, 16):
        tag, val = struct.unpack_from("<qQ", data, off + i)
        if tag == DT_NULL:
            break
        if tag == DT_RELA:
            rela = val
        elif tag == DT_RELASZ:
            relasz = val
    if rela is None or not relasz:
        die("no DT_RELA relocations")
    base = file_offset(data, rela)
    for i in range(0, relasz, 24):
        _, info, _ = struct.unpack_from("<QQq", data, base + i)
        if info & 0xffffffff == R_RISCV_RELATIVE:
            return base + i
    die("no R_RISCV_RELATIVE relocation")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("badhdr", "trunc", "badrel", "unkrel"):
        sys.stderr.write("usage: corrupt.py badhdr|trunc|badrel|unkrel IN OUT\n")
        sys.exit(2)
    kind, src, dst = sys.argv[1:]
    try:
        with open(src, "rb") as f:
            data = bytearray(f.read())
    except OSError as e:
        die("%s: %s" % (src, e.strerror))
    phoff, phentsize, phnum = header(data)

    if kind == "badhdr":
        data[3] = ord("X")
    elif kind == "trunc":
        if phnum < 2:
            die("too few program headers to cut")
        del data[phoff + phentsize * (phnum // 2) + phentsize // 2:]
    else:
        loads = [p for p in phdrs(data) if p[0] == PT_LOAD]
        base = min(p[3] for p in loads)
        at = first_relative(data)
        offset, info, addend = struct.unpack_from("<QQq", data, at)
        if kind == "badrel":
            offset = base + (1 << 30)
        else:
            info = (info & ~0xffffffff) | UNKNOWN_TYPE
        struct.pack_into("<QQq", data, at, offset, info, addend)

    try:
        with open(dst, "wb") as f:
            f.write(data)
    except OSError as e:
        die("%s: %s" % (dst, e.strerror))


if __name__ == "__main__":
    main()
