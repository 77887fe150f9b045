#!/bin/bash
# Measures what kernel BTF (CONFIG_DEBUG_INFO_BTF) would cost the project:
# two clean builds of the same tree, compiler cache disabled, one with the
# project's config (base + test) and one with btf-measure.config on top; then
# the time of the pahole step alone, and the sizes. The numbers are written
# down in docs/tools.md ("Why no kernel BTF").
#
#   measure-btf.sh [LOG]       (default build/logs/btf-measure.log)
#
# Each build takes its own object directory's lock only, so it runs beside
# other builds: on a shared machine compare CPU time (user + sys) rather
# than wall time.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
LOG=${1:-$TOP/build/logs/btf-measure.log}
CONFIGS=("$TOP/kernel/configs/base.config" "$TOP/kernel/configs/test.config")
mkdir -p "$(dirname "$LOG")"
: >"$LOG"

say() { echo "$*" | tee -a "$LOG"; }

build() {
	local obj=$1
	shift
	rm -rf "$obj"
	say "== $(basename "$obj"): loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
	CCACHE_DISABLE=1 /usr/bin/time -f "wall %e s, user %U s, sys %S s" \
		-a -o "$LOG" "$TOP/tools/build/kernel.sh" "$obj" "$@" >"$obj.buildlog" 2>&1 ||
		{ tail -n 30 "$obj.buildlog"; exit 1; }
	tail -n 1 "$LOG"
	say "   loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"
	say "   vmlinux $(stat -c %s "$obj/vmlinux") bytes, bzImage $(stat -c %s "$obj/arch/x86/boot/bzImage") bytes"
	say "   sections: $(size -A "$obj/vmlinux" | awk '$1 ~ /^\.(BTF|BTF_ids|debug_info|text)$/ { printf "%s=%s ", $1, $2 }')"
}

build "$TOP/build/obj-nobtf" "${CONFIGS[@]}"
build "$TOP/build/obj-btf" "${CONFIGS[@]}" "$TOP/tools/bpf/btf-measure.config"

# The pahole step alone, with the flags scripts/Makefile.btf gives pahole
# 1.24 for a reproducible build (no -j), on the finished vmlinux.
say "== pahole -J alone on obj-btf/vmlinux ($(pahole --version))"
/usr/bin/time -f "wall %e s, user %U s, sys %S s" -a -o "$LOG" \
	pahole -J --btf_gen_floats --lang_exclude=rust \
	--btf_encode_detached="$TOP/build/obj-btf/vmlinux.btf" "$TOP/build/obj-btf/vmlinux"
tail -n 1 "$LOG"
say "   BTF blob $(stat -c %s "$TOP/build/obj-btf/vmlinux.btf") bytes"
