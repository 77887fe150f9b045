#!/bin/bash
# Builds the driver objects that kernel/patches/ touch outside TTM and qxl
# (qxl is in the test kernel), in their own object directory with
# kernel/configs/drivers.config, so that a hook line that stops compiling
# fails here. Nothing is linked or booted.
#
#   compile-drivers.sh OBJDIR FRAGMENT...
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)

# Every .c file under drivers/gpu/drm/ that a patch touches, as its object.
mapfile -t objects < <(sed -n 's|^+++ b/\(drivers/gpu/drm/.*\)\.c$|\1.o|p' \
	"$TOP"/kernel/patches/*.patch | grep -v -e '/ttm/' -e '/qxl/' | sort -u)
[ ${#objects[@]} -gt 0 ] || { echo "compile-drivers: no driver object in kernel/patches" >&2; exit 1; }
KERNEL_TARGETS="${objects[*]}" "$TOP/tools/build/kernel.sh" "$@"
printf 'compile-drivers: %s\n' "${objects[@]}"
echo "compile-drivers: ${#objects[@]} objects built"
