#!/usr/bin/env python3
"""Keep fs.img safe from the build (used by the Makefile).

  fsimg.py busy IMG          exit 1 (with a message) if a running QEMU holds
                             IMG, 0 otherwise
  fsimg.py install NEW IMG   put the freshly built image NEW in place of IMG:
                             - refuse (exit 1, NEW left where it is) while a
                               QEMU holds IMG: replacing the file under a
                               running guest loses what the guest writes;
                             - if IMG holds changes made in the guest (its
                               contents differ from the image mkfs last made),
                               keep it as IMG.old and say so;
                             then record the new image's digest.

How "a QEMU holds IMG" is seen: QEMU locks the image files it opens (byte
range locks, `locking=auto`); a write lock on the whole file then fails.
The digest of the image last installed is kept in build/fs.img.sum.
"""
import fcntl
import hashlib
import os
import sys


def busy(img):
    """True if another process (QEMU) holds a lock on img."""
    try:
        fd = os.open(img, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 0, 0)
    except OSError:
        return True
    finally:
        os.close(fd)          # drops our lock too
    return False


def digest(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def sumfile(img):
    return os.path.join(os.path.dirname(os.path.abspath(img)), "build",
                        os.path.basename(img) + ".sum")


def refuse(img, new=None):
    sys.stderr.write("*** %s is in use by a running QEMU: not replacing it.\n" % img)
    if new:
        sys.stderr.write("*** The new image is in %s; stop QEMU (Ctrl-A x) and run make again.\n" % new)
    return 1


def install(new, img):
    if busy(img):
        return refuse(img, new)
    sf = sumfile(img)
    if os.path.exists(img):
        try:
            with open(sf) as f:
                recorded = f.read().split()
        except OSError:
            recorded = []
        st = os.stat(img)
        # Unchanged since we installed it (same mtime): no need to hash.
        same = len(recorded) == 2 and recorded[1] == str(st.st_mtime_ns)
        if not same and (not recorded or digest(img) != recorded[0]):
            old = img + ".old"
            os.replace(img, old)
            if recorded:
                print("*** %s held files made in the guest (it differs from the image make built);"
                      % img)
            else:
                print("*** %s was not built by this tree's make (no %s): it may hold files made "
                      "in the guest;" % (img, sf))
            print("*** it is kept as %s. The new %s drops them. To boot the old one: "
                  "mv %s %s; make qemu KEEP=1" % (old, img, old, img))
    os.replace(new, img)
    os.makedirs(os.path.dirname(sf), exist_ok=True)
    with open(sf, "w") as f:
        f.write("%s %d\n" % (digest(img), os.stat(img).st_mtime_ns))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "busy":
        return refuse(a[1]) if busy(a[1]) else 0
    if len(a) == 3 and a[0] == "install":
        return install(a[1], a[2])
    sys.stderr.write("usage: fsimg.py busy IMG | fsimg.py install NEW IMG\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
