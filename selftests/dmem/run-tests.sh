#!/bin/sh
# Runs every selftest program in /opt/dmem/selftests inside the VM. Each
# one's TAP output goes to /out/selftests/NAME.tap and its exit status to
# NAME.rc, for the host to parse (tools/vm/summarize.py). A test that runs
# longer than its limit is killed and counted as failed.
#
#   [DMEM_TEST_DIR=DIR] run-tests.sh [NAME...]      (default: all)
limit=${DMEM_TEST_TIMEOUT:-600}
mkdir -p /out/selftests
cd "${DMEM_TEST_DIR:-/opt/dmem/selftests}" || exit 1
[ $# -gt 0 ] || set -- *
for t in "$@"; do
	echo "=== selftest $t"
	timeout "$limit" "./$t" >/out/selftests/"$t".tap 2>&1
	rc=$?
	echo $rc >/out/selftests/"$t".rc
	cat /out/selftests/"$t".tap
	echo "=== $t exit $rc"
done
