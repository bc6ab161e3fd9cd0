#!/bin/sh
# Build /lib/ld.so, the dynamic loader (docs/book/09-shlib.md). Run it from the top
# of the repository:
#   sh user/ld/build.sh build/user         -> build/user/ld.so  (a directory)
#   sh user/ld/build.sh build/lib/ld.so    -> that file         (a .so path)
# Objects go to build/user/ld/ or, for a file, DIR/ld-objs/ beside it.
# $TOOLPREFIX (default riscv64-linux-gnu-) or $CC choose the compiler.
set -e
OUT=${1:-build/user}
PREFIX=${TOOLPREFIX:-riscv64-linux-gnu-}
CC=${CC:-${PREFIX}gcc}
READELF=${PREFIX}readelf

case "$OUT" in
  *.so) SO="$OUT"; OBJDIR="$(dirname "$OUT")/ld-objs" ;;
  *)    SO="$OUT/ld.so"; OBJDIR="$OUT/ld" ;;
esac

# Position-independent, freestanding: no C library, no builtins that would
# call one. Everything inside is made hidden by user/ld/ld.h.
CFLAGS="-march=rv64gc -mabi=lp64d -fPIC -ffreestanding -nostdlib -fno-builtin \
 -fno-stack-protector -fno-omit-frame-pointer -O2 -Wall -Werror -I."
# A shared object linked at 0, entered at _dl_start. -Bsymbolic and -z now
# are belt and braces (nothing is exported or called through a PLT);
# -z relro gives ld.so's own GOT a PT_GNU_RELRO that it protects itself.
LDFLAGS="-shared -nostdlib -Wl,-e,_dl_start -Wl,--hash-style=sysv -Wl,-z,noexecstack \
 -Wl,--build-id=none -Wl,-Bsymbolic -Wl,-z,now -Wl,-z,relro"

mkdir -p "$OBJDIR" "$(dirname "$SO")"
OBJS=
for src in user/ld/*.c user/ld/*.S; do
  obj="$OBJDIR/$(basename "$src" | sed 's/\.[cS]$//').o"
  $CC $CFLAGS -c -o "$obj" "$src"
  OBJS="$OBJS $obj"
done
$CC $LDFLAGS -o "$SO.tmp" $OBJS -lgcc

# ld.so relocates itself before it can look symbols up, so it may need
# R_RISCV_RELATIVE relocations only; and it must be entered at _dl_start.
if $READELF -r "$SO.tmp" | grep 'R_RISCV_' | grep -qv 'R_RISCV_RELATIVE'; then
  echo "build.sh: $SO has relocations other than R_RISCV_RELATIVE:" >&2
  $READELF -r "$SO.tmp" >&2
  rm -f "$SO.tmp"
  exit 1
fi
mv "$SO.tmp" "$SO"
