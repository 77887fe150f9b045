#!/bin/bash
# The test run of `make check`: lint, the runner's self-test, then one boot
# of the test kernel in which the KUnit suites run at boot and every
# selftest program runs; then the summary. Lint and the runner self-test
# are not counted as tests, but either failing adds a failure. The last
# line printed is "N passed, N failed[, N skipped]"; the exit status is
# non-zero on any failure, missing suite, unfinished boot or kernel report.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$TOP/build/run" "$TOP/build/logs"
RUN=$(mktemp -d "$TOP/build/run/check.XXXXXX")
fails=()

"$TOP/tools/build/lint.sh" "$TOP/build/obj" || fails+=(--fail "lint:checkpatch or sparse reported problems (see above)")
"$TOP/tools/vm/runner-selftest.sh" || fails+=(--fail "runner-selftest:the runner missed a deliberate failure")

# What must have run: every KUnit suite the project defines (dmem*) and
# every selftest program built from selftests/dmem.
mapfile -t suites < <(grep -rhoP --include='*kunit*.c' '\.name\s*=\s*"\Kdmem[A-Za-z0-9_]*' \
	"$TOP/kernel" "$TOP/drivers" | sort -u)
mapfile -t selftests < <(cd "$TOP/build/selftests" && ls | sort)

echo "check: booting the test kernel: ${#suites[@]} KUnit suites, ${#selftests[@]} selftest programs"
"$TOP/tools/vm/run" --name check --rundir "$RUN" --timeout "${DMEM_CHECK_TIMEOUT:-2400}" \
	-- /opt/dmem/run-tests.sh >"$RUN/check-output.log"
rc=$?
case $rc in
0) ;;
124) fails+=(--fail "vm:the guest did not finish (console: ${RUN#"$TOP"/}/console.log)") ;;
125) fails+=(--fail "kernel:the kernel log shows a BUG/WARNING/lockdep/KASAN/kmemleak report") ;;
*) fails+=(--fail "vm:run-tests.sh exited $rc") ;;
esac
echo "check: guest output in ${RUN#"$TOP"/}/check-output.log, console in ${RUN#"$TOP"/}/console.log"

python3 "$TOP/tools/vm/summarize.py" "$RUN" --kunit-suite "${suites[@]}" \
	--selftest "${selftests[@]}" "${fails[@]}"
