#!/bin/bash
# Compiles the dmem controller (kernel/devmem_cg/, its KUnit suites and the
# selftest region) in a kernel without the eviction layer, in its own object
# directory, and checks that no object refers to a symbol of the eviction
# layer: without kernel/evict the controller is upstream's dmem plus pinned
# accounting. Nothing is linked or booted.
#
#   compile-standalone.sh OBJDIR
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OBJ=$(realpath -m "$1")
mkdir -p "$OBJ"

# base.config without the eviction layer and what selects or needs it.
fragment=$OBJ/standalone-base.config
grep -v -e '^CONFIG_DMEM_EVICT=' -e '^CONFIG_DMEM_SIM=' \
	-e '^CONFIG_DMA_SHARED_BUFFER=' -e '^CONFIG_DMABUF_MOVE_NOTIFY=' \
	-e '^CONFIG_UDMABUF=' "$TOP/kernel/configs/base.config" >"$fragment"

KERNEL_TARGETS="kernel/devmem_cg/" "$TOP/tools/build/kernel.sh" "$OBJ" \
	"$fragment" "$TOP/kernel/configs/standalone.config"

die() { echo "compile-standalone: $*" >&2; exit 1; }
! grep -q '^CONFIG_DMEM_EVICT=y' "$OBJ/.config" || die "CONFIG_DMEM_EVICT is set"
objs=$(find "$OBJ/kernel/devmem_cg" -name '*.o' | sort)
[ -n "$objs" ] || die "no object built"
# shellcheck disable=SC2086
refs=$(nm -u $objs | grep -E ' (dmem_evict_|dmem_buf_|dmem_owner_|dmem_importer_)' || true)
[ -z "$refs" ] || die "the controller refers to the eviction layer: $refs"
echo "compile-standalone: $(echo "$objs" | wc -l) objects of kernel/devmem_cg/ built without CONFIG_DMEM_EVICT, no reference to the eviction layer"
