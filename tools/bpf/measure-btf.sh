#!/bin/bash
# Measures what kernel BTF (CONFIG_DEBUG_INFO_BTF) would cost the project:
# two clean builds of the same tree with the compiler cache disabled, side
# by side (so that both see the same load from whatever else runs), one
# with the project's config (base + test) and one with btf-measure.config
# on top; then the pahole step alone, the sizes, and boot times under QEMU.
# The numbers are in docs/tools.md ("Why no kernel BTF").
#
#   measure-btf.sh [LOG]       (default build/logs/btf-cost.txt)
#
# Each build takes only its own object directory's lock: compare CPU time
# (user + sys), which other jobs on the machine do not inflate much, rather
# than wall time.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
LOG=${1:-$TOP/build/logs/btf-cost.txt}
CONFIGS=("$TOP/kernel/configs/base.config" "$TOP/kernel/configs/test.config")
NOBTF=$TOP/build/obj-nobtf
BTF=$TOP/build/obj-btf
TIMEFMT="wall %e s, user %U s, sys %S s"
mkdir -p "$(dirname "$LOG")"
: >"$LOG"

say() { echo "$*" | tee -a "$LOG"; }

build() {
	local obj=$1
	shift
	rm -rf "$obj"
	CCACHE_DISABLE=1 /usr/bin/time -f "$(basename "$obj"): $TIMEFMT" -a -o "$LOG" \
		"$TOP/tools/build/kernel.sh" "$obj" "$@" >"$obj.buildlog" 2>&1 ||
		{ tail -n 30 "$obj.buildlog"; exit 1; }
}

sizes() {
	local obj=$1
	say "$(basename "$obj"): vmlinux $(stat -c %s "$obj/vmlinux") bytes," \
		"bzImage $(stat -c %s "$obj/arch/x86/boot/bzImage") bytes;" \
		"$(size -A "$obj/vmlinux" | awk '$1 ~ /^\.(BTF|BTF_ids|debug_info|text)$/ { printf "%s %s ", $1, $2 }')"
}

say "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
build "$NOBTF" "${CONFIGS[@]}" &
nobtf=$!
build "$BTF" "${CONFIGS[@]}" "$TOP/tools/bpf/btf-measure.config" &
btf=$!
wait $nobtf
wait $btf
say "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
sizes "$NOBTF"
sizes "$BTF"

# The pahole step alone, with the flags scripts/Makefile.btf gives pahole
# 1.24 for a reproducible build (no -j), on the finished vmlinux.
/usr/bin/time -f "pahole -J alone: $TIMEFMT" -a -o "$LOG" \
	pahole -J --btf_gen_floats --lang_exclude=rust \
	--btf_encode_detached="$BTF/vmlinux.btf" "$BTF/vmlinux"
say "BTF blob: $(stat -c %s "$BTF/vmlinux.btf") bytes"

# Boot to the command and back, three times each (QEMU TCG): the guest's
# time to run /init, and the RAM the kernel image takes.
for obj in "$NOBTF" "$BTF"; do
	for i in 1 2 3; do
		rundir=$TOP/build/run/btf-boot-$(basename "$obj")-$i
		"$TOP/tools/vm/run" --rundir "$rundir" --quiet \
			--kernel "$obj/arch/x86/boot/bzImage" -- true >/dev/null 2>&1
		say "boot $(basename "$obj") #$i: $(grep -m1 'Run /init' "$rundir/console.log" | cut -c1-14)" \
			"$(grep -m1 -o '[0-9]*K rodata' "$rundir/console.log")"
	done
done
cat "$LOG"
