#!/bin/sh
# Runs kmemleak's scan at the end of a debug-lane test run and prints what
# it found. kmemleak reports an object only after it stayed unreferenced
# over two scans, so scan twice. The suspects that kmemleak-classify finds
# listed in expected-leaks (leaks of KUnit suites the project does not
# edit) are counted apart; any other fails the lane.
# After each scan a "dmem-kmemleak:" line in the kernel log tells
# tools/vm/log-filter whether kmemleak's "N new suspected" line there
# names expected leaks only.
f=/sys/kernel/debug/kmemleak
list=$(dirname "$0")/expected-leaks
if [ ! -w "$f" ]; then
	echo "kmemleak-scan: $f missing (not a debug kernel)"
	exit 1
fi

for pass in 1 2; do
	echo scan >"$f"
	set -- $("$(dirname "$0")"/kmemleak-classify "$f" "$list")
	echo "dmem-kmemleak: scan $pass: $1 unexpected, $2 expected suspects" >/dev/kmsg
done
echo "kmemleak-scan: $1 suspected leaks ($2 expected, listed in expected-leaks)"
cat "$f"
[ "$1" -eq 0 ]
