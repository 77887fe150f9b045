#!/bin/sh
# Runs every selftest program in /opt/dmem/selftests inside the VM. Each
# one's TAP output goes to /out/selftests/NAME.tap and its exit status to
# NAME.rc, for the host to parse (tools/vm/summarize.py). A test that runs
# longer than its limit is killed, with every process it started (its own
# process group: the harness forks each test case), and counted as failed
# with status 124.
#
# DMEM_TEST_REPEAT=N runs each program N times in a row (to hunt flaky
# tests in one boot); run K > 1 writes NAME.runK.tap and NAME.runK.rc, and
# every run is counted.
#
# The programs test_gpu_* need the emulated GPU, which only the second
# boot of make check has (tools/vm/run --device qxl,...): --gpu runs them,
# and no argument runs every other program.
#
#   [DMEM_TEST_DIR=DIR] run-tests.sh [--gpu | NAME...]
limit=${DMEM_TEST_TIMEOUT:-600}
repeat=${DMEM_TEST_REPEAT:-1}
mkdir -p /out/selftests

# Runs "$2" in a session (and process group) of its own; after $1 seconds
# kills the whole group, not only the program (busybox's timeout would
# leave the harness's test processes running into the next program).
run_limited() {
	setsid "$2" &
	pid=$!
	(
		sleep "$1" &
		s=$!
		trap 'kill $s 2>/dev/null; exit 0' TERM
		wait $s && echo >/tmp/run-tests.timeout &&
			kill -KILL -- "-$pid" 2>/dev/null
	) &
	dog=$!
	wait "$pid"
	status=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	if [ -e /tmp/run-tests.timeout ]; then
		rm -f /tmp/run-tests.timeout
		echo "# run-tests: killed after $1 s with its process group"
		return 124
	fi
	return "$status"
}
cd "${DMEM_TEST_DIR:-/opt/dmem/selftests}" || exit 1
if [ "${1:-}" = --gpu ]; then
	set -- test_gpu_*
elif [ $# -eq 0 ]; then
	for t in *; do
		case $t in
		test_gpu_*) ;;
		*) set -- "$@" "$t" ;;
		esac
	done
fi
for t in "$@"; do
	i=1
	while [ "$i" -le "$repeat" ]; do
		out=$t
		[ "$i" -gt 1 ] && out=$t.run$i
		echo "=== selftest $out"
		run_limited "$limit" "./$t" >/out/selftests/"$out".tap 2>&1
		rc=$?
		echo $rc >/out/selftests/"$out".rc
		cat /out/selftests/"$out".tap
		echo "=== $out exit $rc"
		i=$((i + 1))
	done
done
