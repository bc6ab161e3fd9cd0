#!/bin/sh
# Host unit tests (no QEMU), run by `make unittest` and by `make test`.
# Prints one "test NAME: ok" or "test NAME: FAIL why" line per test, in
# the guest programs' format, so tests/harness.py counts them.
#   tests/unittest.sh BUILD_DIR
# Exit status: 0 when every test passed.
B=${1:-build}
HERE=$(dirname "$0")
fail=0

# The TLB model (tests/tlbmodel.c) against the hand-written traces in
# tests/tlbmodel/: each says which violations it must produce.
for f in "$HERE"/tlbmodel/*.trace; do
	name=tlbmodel/$(basename "$f" .trace)
	want=$(sed -n 's/^# expect: //p' "$f")
	out=$("$B/tlbmodel" < "$f")
	status=$?
	got=$(printf '%s\n' "$out" | sed -n 's/^tlbmodel: .*violations (\(a [0-9]*, b [0-9]*, c [0-9]*\)).*/\1/p')
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
# Pure kernel logic compiled for the host (tests/unit/): each prints
# "NAME: ok" or FAIL lines.
for t in regiontest; do
	out=$("$B/$t" 2>&1)
	if [ $? = 0 ]; then
		echo "test unit/$t: ok"
	else
		echo "test unit/$t: FAIL"
		printf '%s\n' "$out" | sed 's/^/    /'
		fail=1
	fi
done
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
