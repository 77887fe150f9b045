#!/bin/bash
# Proves that the test runner turns failures red. Boots the test kernel
# four times, each with one deliberate fault, and asserts that the fault
# is reported as a failure:
#   1. a failing KUnit case      (runner_canary.runner_canary_fails)
#   2. a kernel WARN             (runner_canary.runner_canary_warns)
#   3. a failing selftest        (canary_fail, outside the normal test dir)
#   3b. a selftest over its limit (canary_hang): counted failed, and none
#      of its processes (the harness's test child included) left running
# and, on the WARN's log rewritten (no boot), that an expected WARN
# (tools/vm/expected-warns) passes only from its own KUnit case's thread,
# and, on made-up kmemleak reports, that expected leaks are judged by
# their backtrace (tools/vm/kmemleak-classify).
# None of these counts in `make check`'s closing line.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
VM=$TOP/tools/vm/run
# A directory of its own, so that concurrent runs never share one.
mkdir -p "$TOP/build/run"
R=$(mktemp -d "$TOP/build/run/runner-selftest.XXXXXX")
SUM=$TOP/tools/vm/summarize.py
bad=0

expect() { # NAME CONDITION-DESCRIPTION COMMAND-STATUS EXPECTED-STATUS
	if [ "$3" -eq "$4" ]; then
		echo "runner-selftest: ok   $1: $2"
	else
		echo "runner-selftest: FAIL $1: $2 (status $3, expected $4)"
		bad=1
	fi
}

# 1. A failing KUnit case must make the summary fail.
"$VM" --quiet --name canary-kunit --rundir "$R/canary-kunit" --timeout 300 --kunit 'runner_canary.runner_canary_fails' -- true
python3 "$SUM" "$R/canary-kunit" --kunit-suite runner_canary >"$R/canary-kunit.sum"
rc=$?
grep -q 'kunit:runner_canary: runner_canary_fails' "$R/canary-kunit.sum" || rc=0
expect kunit "a failing KUnit case is reported failed" $rc 1

# 2. A WARN during the run must fail the run even though the command passed.
"$VM" --quiet --name canary-warn --rundir "$R/canary-warn" --timeout 300 --kunit 'runner_canary.runner_canary_warns' -- true 2>"$R/canary-warn.err"
rc=$?
grep -q 'WARNING:' "$R/canary-warn.err" || rc=0
expect warn "a kernel WARN fails the run" $rc 125

# 3. A failing selftest program must make the summary fail.
"$VM" --quiet --name canary-selftest --rundir "$R/canary-selftest" --timeout 300 --kunit 'none' \
	-- DMEM_TEST_DIR=/opt/dmem/canary /opt/dmem/run-tests.sh canary_fail
python3 "$SUM" "$R/canary-selftest" --selftest canary_fail >"$R/canary-selftest.sum"
rc=$?
grep -Eq 'selftest:canary_fail: (global\.)?fails_on_purpose' "$R/canary-selftest.sum" || rc=0
expect selftest "a failing selftest is reported failed" $rc 1

# 3b. A program over its limit is killed with every process it started:
#     the harness's test child is in a process group of its own.
"$VM" --quiet --name canary-hang --rundir "$R/canary-hang" --timeout 300 --kunit 'none' \
	-- 'DMEM_TEST_DIR=/opt/dmem/canary DMEM_TEST_TIMEOUT=5 /opt/dmem/run-tests.sh canary_hang;
	    ps -o pid,args | grep -c "[c]anary_hang" >/out/canary-hang.left'
rc=$(cat "$R/canary-hang/selftests/canary_hang.rc" 2>/dev/null)
expect hang "a selftest over its limit is reported as timed out" "${rc:-0}" 124
left=$(cat "$R/canary-hang/canary-hang.left" 2>/dev/null)
expect hang "no process of it is left running (${left:-none counted})" "${left:-1}" 0

# 4. The canary's WARN rewritten as the first expected one: accepted as it
#    is, refused from another case, from a non-KUnit thread, another line.
scan=$TOP/tools/vm/scan-log
read -r loc case _ < <(grep -v '^#' "$TOP/tools/vm/expected-warns" | grep .)
log=$R/canary-warn/console.log
sed -E "s#at [^ ]*runner_canary_kunit\.c:[0-9]+ #at $loc #; s#ok 1 runner_canary_warns#ok 1 $case#" \
	"$log" >"$R/expected.log"
"$scan" "$R/expected.log" 2>/dev/null
expect expected-warn "the listed WARN of $case is accepted" $? 0
sed "s#ok 1 $case#ok 1 another_case#" "$R/expected.log" >"$R/expected-case.log"
"$scan" "$R/expected-case.log" 2>/dev/null
expect expected-warn "the same WARN in another case fails" $? 1
sed 's#Comm: kunit_try_catch#Comm: kworker/0:1#' "$R/expected.log" >"$R/expected-comm.log"
"$scan" "$R/expected-comm.log" 2>/dev/null
expect expected-warn "the same WARN outside a KUnit thread fails" $? 1
sed -E "s#(at [^ ]*):[0-9]+ #\1:1 #" "$R/expected.log" >"$R/expected-line.log"
"$scan" "$R/expected-line.log" 2>/dev/null
expect expected-warn "a WARN at another line fails" $? 1

# 5. kmemleak's count line: accepted only when kmemleak-scan.sh's next line
#    says every suspect is expected (tools/vm/expected-leaks).
leak="kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
printf '%s\n%s\n' "$leak" "dmem-kmemleak: scan 2: 0 unexpected, 2 expected suspects" \
	>"$R/leak-expected.log"
"$scan" "$R/leak-expected.log" 2>/dev/null
expect expected-leak "expected leaks only are accepted" $? 0
printf '%s\n%s\n' "$leak" "dmem-kmemleak: scan 2: 1 unexpected, 1 expected suspects" \
	>"$R/leak-unexpected.log"
"$scan" "$R/leak-unexpected.log" 2>/dev/null
expect expected-leak "an unexpected leak fails" $? 1
printf '%s\n' "$leak" >"$R/leak-unjudged.log"
"$scan" "$R/leak-unjudged.log" 2>/dev/null
expect expected-leak "a leak no scan judged fails" $? 1

# 6. The classification of kmemleak suspects (tools/vm/kmemleak-classify)
#    on made-up reports: a suspect is expected only if a line of the list
#    matches its backtrace, and a capped line covers no more than its cap.
suspect() { # FUNCTION...: one suspect whose backtrace holds FUNCTION...
	printf 'unreferenced object 0xff11000000000000 (size 64):\n  backtrace (crc 0):\n'
	for f in "$@"; do printf '    %s+0x10/0x20\n' "$f"; done
}
printf '%s\t%s\n' "leaky_helper,case_a" "a leak" "prepare_creds,kthreadd	<=leaky_file" \
	"held creds" >"$R/leaks.list"
classified() { # EXPECTED-OUTPUT DESCRIPTION: classifies $R/leaks.txt
	out=$("$TOP/tools/vm/kmemleak-classify" "$R/leaks.txt" "$R/leaks.list")
	[ "$out" = "$1" ]
	expect kmemleak-classify "$2 ($out)" $? 0
}
{ suspect kmalloc leaky_helper case_a; suspect kmalloc other case_a; } >"$R/leaks.txt"
classified "1 1" "a listed trace is expected, another is not"
suspect kmalloc leaky_helper case_b >"$R/leaks.txt"
classified "1 0" "every function of a line must be in the trace"
{ suspect kmalloc leaky_file leaky_helper case_a; suspect prepare_creds kthreadd
  suspect prepare_creds kthreadd; } >"$R/leaks.txt"
classified "1 2" "a capped line covers one suspect per expected one holding its function"

if [ $bad -ne 0 ]; then
	echo "runner-selftest: the runner missed a deliberate failure" >&2
	exit 1
fi
echo "runner-selftest: all deliberate failures detected, expected WARNs and leaks accepted only where listed"
