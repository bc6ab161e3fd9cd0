#!/bin/sh
# Host unit tests (no QEMU), run by `make unittest` and by `make test`.
# Prints one "test NAME: ok" or "test NAME: FAIL why" line per test, in
# the guest programs' format, so tests/harness.py counts them.
#   tests/unittest.sh BUILD_DIR
# Exit status: 0 when every test passed.
B=${1:-build}
HERE=$(dirname "$0")
fail=0

# A trace checker against the traces in tests/TOOL/: each says, in a
# "# expect: a N, b N, c N" line, which violations it must produce.
#   traces TOOL
traces() {
	for f in "$HERE"/$1/*.trace; do
		name=$1/$(basename "$f" .trace)
		want=$(sed -n 's/^# expect: //p' "$f")
		out=$("$B/$1" < "$f")
		status=$?
		got=$(printf '%s\n' "$out" | sed -n "s/^$1: .*violations (\(a [0-9]*, b [0-9]*, c [0-9]*\)).*/\1/p")
		case "$want" in
		"a 0, b 0, c 0") wstatus=0 ;;
		*) wstatus=1 ;;
		esac
		if [ -z "$want" ]; then
			echo "test $name: FAIL no '# expect:' line"
			fail=1
		elif [ "$got" = "$want" ] && [ "$status" = "$wstatus" ]; then
			echo "test $name: ok"
		else
			echo "test $name: FAIL want $want (exit $wstatus), got ${got:-nothing} (exit $status)"
			printf '%s\n' "$out" | sed 's/^/    /'
			fail=1
		fi
	done
}

# The TLB model (tests/tlbmodel.c) against hand-written traces.
traces tlbmodel
# The disk-order checker (tests/blkcheck.c) against recorded traces: one
# of a correct kernel, two of kernels with a FLUSH taken out of the commit.
traces blkcheck
# Pure kernel logic compiled for the host (tests/unit/): each prints
# "NAME: ok" or FAIL lines.
for t in regiontest trunctest pipetest; do
	out=$("$B/$t" 2>&1)
	if [ $? = 0 ]; then
		echo "test unit/$t: ok"
	else
		echo "test unit/$t: FAIL"
		printf '%s\n' "$out" | sed 's/^/    /'
		fail=1
	fi
done
# The code references in README.md and docs/ (tools/docrefs.py): every
# file and function they name must exist. Its self-test: a fixture whose
# three references are all broken must fail with three reports, and a
# sound one must pass.
ROOT="$HERE/.."
docrefs() {
	${PYTHON:-python3} "$ROOT/tools/docrefs.py" "$@" 2>&1
}
out=$(docrefs)
if [ $? = 0 ]; then
	echo "test docrefs: ok"
else
	echo "test docrefs: FAIL broken references in the documentation"
	printf '%s\n' "$out" | sed 's/^/    /'
	fail=1
fi
out=$(docrefs "$HERE/docrefs/bad.md")
status=$?
if [ $status = 1 ] && printf '%s\n' "$out" | grep -q ', 3 broken$' &&
    docrefs "$HERE/docrefs/good.md" >/dev/null; then
	echo "test docrefs/selftest: ok"
else
	echo "test docrefs/selftest: FAIL the checker missed a broken reference in tests/docrefs/bad.md (exit $status) or failed good.md"
	printf '%s\n' "$out" | sed 's/^/    /'
	fail=1
fi
# tools/vmdraw on a captured pmap/vmstat fixture: the SVG must be
# well-formed and show every region and the shared-file bands.
if ! ${PYTHON:-python3} "$HERE/vmdraw/check.py"; then
	fail=1
fi
# make help lists every .PHONY target of the Makefile.
help=$(make -s -C "$ROOT" help 2>&1)
missing=
for t in $(sed -n 's/^\.PHONY://p' "$ROOT/Makefile"); do
	printf '%s\n' "$help" | grep -Eq "^make (\[)?$t\b" || missing="$missing $t"
done
if [ -z "$missing" ]; then
	echo "test makehelp: ok"
else
	echo "test makehelp: FAIL make help does not list:$missing"
	fail=1
fi
# The kernel's layers (docs/layers.md): no include against them, no call
# up a layer that the page does not name.
out=$(python3 "$HERE/../tools/layers.sh" --check 2>&1)
if [ $? = 0 ]; then
	echo "test layers: ok"
else
	echo "test layers: FAIL"
	printf '%s\n' "$out" | sed 's/^/    /'
	fail=1
fi
exit $fail
