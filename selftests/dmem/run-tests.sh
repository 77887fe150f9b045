#!/bin/sh
# Runs every selftest program in /opt/dmem/selftests inside the VM. Each
# one's TAP output goes to /out/selftests/NAME.tap and its exit status to
# NAME.rc, for the host to parse (tools/vm/summarize.py). A test that runs
# longer than its limit is killed and counted as failed.
#
# DMEM_TEST_REPEAT=N runs each program N times in a row (to hunt flaky
# tests in one boot); run K > 1 writes NAME.runK.tap and NAME.runK.rc, and
# every run is counted.
#
#   [DMEM_TEST_DIR=DIR] run-tests.sh [NAME...]      (default: all)
limit=${DMEM_TEST_TIMEOUT:-600}
repeat=${DMEM_TEST_REPEAT:-1}
mkdir -p /out/selftests
cd "${DMEM_TEST_DIR:-/opt/dmem/selftests}" || exit 1
[ $# -gt 0 ] || set -- *
for t in "$@"; do
	i=1
	while [ "$i" -le "$repeat" ]; do
		out=$t
		[ "$i" -gt 1 ] && out=$t.run$i
		echo "=== selftest $out"
		timeout "$limit" "./$t" >/out/selftests/"$out".tap 2>&1
		rc=$?
		echo $rc >/out/selftests/"$out".rc
		cat /out/selftests/"$out".tap
		echo "=== $out exit $rc"
		i=$((i + 1))
	done
done
