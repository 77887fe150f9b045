#!/bin/bash
# `make bench`: boots the VM once, runs every benchmark in it
# (tools/bench/guest.sh), then computes the statistics on the host
# (tools/bench/report.py) into build/bench/results.{md,json}.
#
#   bench.sh [VAR=VALUE ...]   variables passed to guest.sh (REPS, ...)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/build/bench
mkdir -p "$OUT"

cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
qemu=$(qemu-system-x86_64 --version | head -n1 | sed 's/ *(.*//')
machine="Host: $(nproc) cores${cpu:+ ($cpu)}, shared with other builds; $qemu, TCG (no KVM), 2 vCPUs, 2 GiB."

# No KUnit suite at this boot: nothing but the benchmarks runs.
"$TOP/tools/vm/run" --name bench --rundir "$OUT/vm" --timeout 1500 \
	--kunit dmem_bench_no_kunit -- "$* sh /opt/dmem/bench/guest.sh"
python3 "$TOP/tools/bench/report.py" "$OUT/vm/raw.txt" "$OUT" --machine "$machine" >/dev/null
cat "$OUT/results.md"
echo "bench: build/bench/results.md, build/bench/results.json"
