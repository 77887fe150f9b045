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
			cap[n] = f[2] ~ /^<=/ ? substr(f[2], 3) : ""
			if (cap[n] != "")
				capfn[cap[n]] = 1
		}
	}
	function has(fn) { return index(trace, " " fn "+") > 0 }
	# The first line whose every function is in the trace, or 0.
	function match_line(   i, j, k, ok, fn) {
		for (i = 1; i <= n; i++) {
			k = split(want[i], fn, ",")
			ok = 1
			for (j = 1; j <= k && ok; j++)
				ok = has(fn[j])
			if (ok)
				return i
		}
		return 0
	}
	function judge(   i, c) {
		if (!inobj)
			return
		i = match_line()
		if (!i) {
			nunexp++
		} else if (cap[i] != "") {
			capped[i]++
		} else {
			nexp++
			for (c in capfn)
				if (has(c))
					covered[c]++
		}
	}
	/^unreferenced object/ { judge(); inobj = 1; trace = ""; next }
	{ trace = trace " " $0 }
	END {
		judge()
		for (i = 1; i <= n; i++) {
			if (!capped[i])
				continue
			ok = capped[i] <= covered[cap[i]] + 0 ? capped[i] : covered[cap[i]] + 0
			nexp += ok
			nunexp += capped[i] - ok
		}
		printf "%d %d\n", nunexp + 0, nexp + 0
	}
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
