#!/bin/bash
# `make bench`: boots the VM once, runs every benchmark in it
# (tools/bench/guest.sh), then computes the statistics on the host
# (tools/bench/report.py) into build/bench/results.{md,json}.
#
#   bench.sh [VAR=VALUE ...]   variables passed to guest.sh (REPS, ...)
#
# guest.sh's variables set in the environment (`make bench SECTIONS=charge`)
# are passed too.
set -euo pipefail

vars=()
for v in REPS SECTIONS CHARGE_ITERS CHARGE_LARGE_ITERS VICTIM_ITERS NAIVE_ITERS REVOKE_ITERS \
	SIZES POOLS POOLS_ITERS POOLS_OLD_ITERS BW FUTILE_BUFS FUTILE_ITERS FUTILE_PINNED; do
	[ -n "${!v:-}" ] && vars+=("$(printf '%s=%q' "$v" "${!v}")")
done
for a in "$@"; do
	vars+=("$(printf '%q' "$a")")
done

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/bench
mkdir -p "$OUT"

cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
qemu=$(qemu-system-x86_64 --version | head -n1 | sed 's/ *(.*//')
machine="Host: $(nproc) cores${cpu:+ ($cpu)}, shared with other builds; $qemu, TCG (no KVM), 2 vCPUs, 2 GiB."

# One KUnit suite at this boot: TTM's benchmark (kernel/ttm/bench), which
# runs before init and is done when guest.sh starts; nothing else runs.
"$TOP/tools/vm/run" --name bench --rundir "$OUT/vm" --timeout 1800 \
	--kunit bench_dmem_ttm -- "${vars[*]} sh /opt/dmem/bench/guest.sh"
ttm=$OUT/vm/kunit/bench_dmem_ttm.ktap
if ! grep -q '^ok .* bench_dmem_ttm' "$ttm" 2>/dev/null; then
	echo "bench: the TTM benchmark (KUnit suite bench_dmem_ttm) did not pass; see $ttm" >&2
	exit 1
fi
sed -n 's/^.*# [a-z_]*: \(ttm_[a-z_]* .*\)$/\1/p' "$ttm" >>"$OUT/vm/raw.txt"
python3 "$TOP/tools/bench/report.py" "$OUT/vm/raw.txt" "$OUT" --machine "$machine" >/dev/null
cat "$OUT/results.md"
echo "bench: build/bench/results.md, build/bench/results.json"
