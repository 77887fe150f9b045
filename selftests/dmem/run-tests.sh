#!/bin/sh
# Runs every selftest program in /opt/dmem/selftests inside the VM. Each
# one's TAP output goes to /out/selftests/NAME.tap and its exit status to
# NAME.rc, for the host to parse (tools/vm/summarize.py). A test that runs
# longer than its limit is killed, with every process it started, and
# counted as failed with status 124. Every program runs in a session of its
# own, and the next one starts only when no process of that session is
# left: the harness runs each test case in a process group of its own, so
# a program's process group does not hold them all, and a test case that
# outlived its program once ran on beside the next one (fuzz-files beside
# fuzz-ioctl: each saw the other's regions, and the guest ran out of
# memory).
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

# SIGKILLs every live process of session $1 until none is left; zombies
# are dead already. Prints the pids it killed; fails if some outlive 60 s.
kill_session() {
	sid=$1
	tries=0
	while :; do
		left=
		for st in /proc/[0-9]*/stat; do
			{ read -r line <"$st"; } 2>/dev/null || continue
			# After the command name: state, ppid, pgrp, session.
			# shellcheck disable=SC2086
			set -- ${line##*) }
			if [ "$4" != "$sid" ] || [ "$1" = Z ]; then
				continue
			fi
			p=${st#/proc/}
			p=${p%/stat}
			kill -KILL "$p" 2>/dev/null
			left="$left $p"
		done
		[ -z "$left" ] && return 0
		[ "$tries" -eq 0 ] && echo "# run-tests: killed$left (session $sid)"
		tries=$((tries + 1))
		if [ "$tries" -ge 600 ]; then
			echo "# run-tests: session $sid:$left outlived SIGKILL for 60 s"
			return 1
		fi
		sleep 0.1
	done
}

# Runs "$2" in a session of its own; after $1 seconds kills the whole
# session, not only the program (busybox's timeout would leave the
# harness's test processes running into the next program). When the
# program ends, whatever it left running is killed too.
run_limited() {
	setsid "$2" &
	pid=$!
	(
		sleep "$1" &
		s=$!
		trap 'kill $s 2>/dev/null; exit 0' TERM
		wait $s && echo >/tmp/run-tests.timeout &&
			kill_session "$pid" >/dev/null
	) &
	dog=$!
	wait "$pid"
	status=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	kill_session "$pid" || status=125
	if [ -e /tmp/run-tests.timeout ]; then
		rm -f /tmp/run-tests.timeout
		echo "# run-tests: killed after $1 s with every process of its session"
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
