#!/bin/sh
# Runs kmemleak's scan at the end of a debug-lane test run and prints what
# it found. kmemleak reports an object only after it stayed unreferenced
# over two scans, so scan twice. The suspects whose allocation backtrace
# holds every function of a line of expected-leaks (leaks of KUnit suites
# the project does not edit) are counted apart; any other fails the lane.
# After each scan a "dmem-kmemleak:" line in the kernel log tells
# tools/vm/log-filter whether kmemleak's "N new suspected" line there
# names expected leaks only.
f=/sys/kernel/debug/kmemleak
list=$(dirname "$0")/expected-leaks
if [ ! -w "$f" ]; then
	echo "kmemleak-scan: $f missing (not a debug kernel)"
	exit 1
fi

# Prints "UNEXPECTED EXPECTED" for the suspects listed in $f now.
classify() {
	awk -v list="$list" '
	BEGIN {
		while ((getline line < list) > 0) {
			if (line ~ /^#/ || line ~ /^[ \t]*$/)
				continue
			split(line, f, /[ \t]+/)
			want[++n] = f[1]
		}
	}
	function judge() {
		if (!inobj)
			return
		hit = 0
		for (i = 1; i <= n && !hit; i++) {
			k = split(want[i], fn, ",")
			ok = 1
			for (j = 1; j <= k; j++)
				if (index(trace, " " fn[j] "+") == 0)
					ok = 0
			hit = ok
		}
		if (hit)
			nexp++
		else
			nunexp++
	}
	/^unreferenced object/ { judge(); inobj = 1; trace = ""; next }
	{ trace = trace " " $0 }
	END { judge(); printf "%d %d\n", nunexp + 0, nexp + 0 }
	' "$f"
}

for pass in 1 2; do
	echo scan >"$f"
	set -- $(classify)
	echo "dmem-kmemleak: scan $pass: $1 unexpected, $2 expected suspects" >/dev/kmsg
done
echo "kmemleak-scan: $1 suspected leaks ($2 expected, listed in expected-leaks)"
cat "$f"
[ "$1" -eq 0 ]
