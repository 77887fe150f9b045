#!/bin/bash
# The test run of `make check`: lint, the runner's self-test, then two
# boots of the test kernel: the first runs the KUnit suites at boot and
# every selftest program but test_gpu_*; the second, short one adds QEMU's
# qxl GPU and runs only the test_gpu_* programs, with KUnit off (6.12's
# ttm_device_init_multiple counts every TTM device, qxl's too, and would
# fail). Then the summary of both. Lint and the runner self-test
# are not counted as tests, but either failing adds a failure. The last
# line printed is "N passed, N failed[, N skipped]"; the exit status is
# non-zero on any failure, missing suite, unfinished boot or kernel report.
#
#   check.sh            the test kernel (build/obj)
#   check.sh --debug    the debug kernel (build/obj-debug: KASAN, lockdep,
#                       kmemleak, UBSAN, ...): no lint or runner self-test,
#                       a kmemleak scan after the tests
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
lane=check
obj=$TOP/build/obj
[ "${1:-}" = --debug ] && { lane=check-debug; obj=$TOP/build/obj-debug; }
# The emulated GPU of the second boot: qxl's VRAM heap (TTM_PL_VRAM, the
# dmem region drm/<pci>/vram0) is its 64 MiB of RAM (ram_size_mb, default)
# less two pages; 16 MiB of surface memory, 8 MiB of VGA memory.
GPU_DEVICE=qxl,vram_size_mb=16,vgamem_mb=8
mkdir -p "$TOP/build/run" "$TOP/build/logs"
RUN=$(mktemp -d "$TOP/build/run/$lane.XXXXXX")
fails=()

if [ $lane = check ]; then
	"$TOP/tools/build/lint.sh" "$obj" || fails+=(--fail "lint:checkpatch or sparse reported problems (see above)")
	"$TOP/tools/vm/runner-selftest.sh" || fails+=(--fail "runner-selftest:the runner missed a deliberate failure")
	cmd=/opt/dmem/run-tests.sh
	gpu_cmd="/opt/dmem/run-tests.sh --gpu"
else
	cmd="/opt/dmem/run-tests.sh; /opt/dmem/kmemleak-scan.sh >/out/kmemleak.txt"
	gpu_cmd="/opt/dmem/run-tests.sh --gpu; /opt/dmem/kmemleak-scan.sh >/out/kmemleak.txt"
	# The debug lane's stress runs at full width (unless told otherwise),
	# for 30 s of running time: on the debug kernel each of its checks
	# takes about 25 s at that width, so its 6 checks add about 150 s.
	export DMEM_STRESS_PROCS=${DMEM_STRESS_PROCS:-64}
	export DMEM_STRESS_SECONDS=${DMEM_STRESS_SECONDS:-30}
fi

# What must have run: every KUnit suite the project defines (dmem*), 6.12's
# own TTM suites (ttm_*, drivers/gpu/drm/ttm/tests, unchanged) when the
# kernel has them, and every selftest program built from selftests/dmem.
# One glob selects both families at boot ("[dt][mt][em_]*": dmem*, ttm_*);
# a suite that ran without being expected fails the run, so the glob can
# never make a suite count silently.
mapfile -t suites < <({
	grep -rhoP --include='*kunit*.c' '\.name\s*=\s*"\Kdmem[A-Za-z0-9_]*' \
		"$TOP/kernel" "$TOP/drivers"
	if grep -qx 'CONFIG_DRM_TTM_KUNIT_TEST=y' "$obj/.config"; then
		grep -hoP '\.name\s*=\s*"\Kttm_[A-Za-z0-9_]*' \
			"$TOP"/build/src/drivers/gpu/drm/ttm/tests/*.c
	fi
} | sort -u)
kunit_glob='[dt][mt][em_]*'
mapfile -t selftests < <(cd "$TOP/build/selftests" && ls | grep -v '^test_gpu_' | sort)
mapfile -t gpu_selftests < <(cd "$TOP/build/selftests" && ls | grep '^test_gpu_' | sort)

echo "$lane: booting $(cat "$obj/include/config/kernel.release"): ${#suites[@]} KUnit suites, ${#selftests[@]} selftest programs, then with the GPU ${#gpu_selftests[@]}; each program run ${DMEM_TEST_REPEAT:-1} time(s)"
start=$SECONDS
"$TOP/tools/vm/run" --name $lane --rundir "$RUN" --kunit "$kunit_glob" --timeout "${DMEM_CHECK_TIMEOUT:-$((2400 * ${DMEM_TEST_REPEAT:-1}))}" \
	--kernel "$obj/arch/x86/boot/bzImage" -- "$cmd" >"$RUN/check-output.log"
rc=$?
vm_seconds=$((SECONDS - start))
nleaks=0
judge_boot() {	# BOOT RUNDIR RC: the failures of one boot
	local boot=$1 dir=$2 rc=$3 n
	if [ $lane = check-debug ] && [ "$rc" -ne 124 ]; then
		head -n 1 "$dir/kmemleak.txt" 2>/dev/null || echo "$lane: $boot: no kmemleak result"
		n=$(sed -n 's/^kmemleak-scan: \([0-9]*\) suspected leaks.*/\1/p' "$dir/kmemleak.txt" 2>/dev/null)
		nleaks=$((nleaks + ${n:-0}))
		grep -q '^kmemleak-scan: 0 suspected leaks' "$dir/kmemleak.txt" 2>/dev/null ||
			fails+=(--fail "$boot-kmemleak:suspected leaks or no scan (see ${dir#"$TOP"/}/kmemleak.txt)")
		[ "$rc" -eq 1 ] && rc=0	# the scan's own status, counted just above
	fi
	case $rc in
	0) ;;
	124) fails+=(--fail "$boot:the guest did not finish (console: ${dir#"$TOP"/}/console.log)") ;;
	125) fails+=(--fail "$boot-kernel:the kernel log shows a BUG/WARNING/lockdep/KASAN/kmemleak report") ;;
	*) fails+=(--fail "$boot:run-tests.sh exited $rc") ;;
	esac
}
judge_boot vm "$RUN" $rc
echo "$lane: guest output in ${RUN#"$TOP"/}/check-output.log, console in ${RUN#"$TOP"/}/console.log"

# The GPU boot: the same kernel and initramfs with the emulated GPU.
start=$SECONDS
"$TOP/tools/vm/run" --name $lane-gpu --rundir "$RUN/gpu" --no-kunit --device "$GPU_DEVICE" \
	--timeout $((600 * ${DMEM_TEST_REPEAT:-1})) --kernel "$obj/arch/x86/boot/bzImage" \
	-- "$gpu_cmd" >"$RUN/gpu-output.log"
gpu_rc=$?
gpu_seconds=$((SECONDS - start))
vm_seconds=$((vm_seconds + gpu_seconds))
judge_boot gpu-vm "$RUN/gpu" $gpu_rc
echo "$lane: the GPU boot took ${gpu_seconds}s; guest output in ${RUN#"$TOP"/}/gpu-output.log, console in ${RUN#"$TOP"/}/gpu/console.log"
for f in "$RUN"/gpu/kunit/*.ktap; do
	[ -e "$f" ] && fails+=(--fail "kunit:$(basename "$f" .ktap) ran in the GPU boot, which runs no KUnit")
done
leaks=()
[ $lane = check-debug ] && leaks=(--leaks "$nleaks")
for f in "$RUN"/kunit/*.ktap; do
	[ -e "$f" ] || continue
	s=$(basename "$f" .ktap)
	[[ " ${suites[*]} " == *" $s "* ]] ||
		fails+=(--fail "kunit:$s ran, but nothing expects it (see tools/vm/check.sh)")
done

python3 "$TOP/tools/vm/summarize.py" "$RUN" --kunit-suite "${suites[@]}" \
	--selftest "${selftests[@]}" --selftest-in "$RUN/gpu" "${gpu_selftests[@]}" \
	--repeat "${DMEM_TEST_REPEAT:-1}" \
	"${fails[@]}" >"$RUN/summary.txt"
status=$?
head -n -1 "$RUN/summary.txt"

# The figures docs/reliability.md is written from (tools/vm/reliability.py).
python3 "$TOP/tools/vm/reliability.py" record "$RUN" $lane --obj "$obj" \
	--summary "$(tail -n 1 "$RUN/summary.txt")" --seconds $vm_seconds \
	--splats $(($("$TOP/tools/vm/scan-log" --count "$RUN/console.log" "$RUN/dmesg") +
		$("$TOP/tools/vm/scan-log" --count "$RUN/gpu/console.log" "$RUN/gpu/dmesg"))) \
	"${leaks[@]}" >&2 || status=1
# The summary stays the last line printed.
tail -n 1 "$RUN/summary.txt"
exit $status
