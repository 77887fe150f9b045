#!/bin/bash
# Builds the project's kernel out of tree.
#
#   kernel.sh OBJDIR FRAGMENT...
#   kernel.sh --source     steps 1 to 3 only (what the selftests build
#                          against: the kselftest harness, uapi headers)
#
# 1. Extracts the linux-source-6.12 tarball under build/src once.
# 2. Applies kernel/patches/*.patch in order (new patches are applied on top;
#    a patch whose diff changed, or a removed one, forces a fresh
#    extraction; a change of a description alone does not).
# 3. Links the project's kernel directories and headers into the tree.
# 4. Generates OBJDIR/.config: tinyconfig + the fragments, olddefconfig, and
#    verifies that every option a fragment asks for ended up set.
# 5. Builds bzImage with ccache and -j$(nproc), or the make targets in
#    KERNEL_TARGETS (`make compile-drivers`: single objects).
#
# Locks: build/.src.lock while the source tree is extracted, patched and
# linked; OBJDIR/.build.lock while one object directory is configured and
# built. Concurrent callers are safe, and builds into different object
# directories (the test and debug kernels) run side by side.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$TOP/build/src
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
source_only=
if [ "${1:-}" = --source ]; then
	source_only=1
else
	OBJ=$(realpath -m "$1")
	shift
	FRAGMENTS=("$@")
	mkdir -p "$OBJ"
	exec 8>"$OBJ/.build.lock"
	flock 8
fi
mkdir -p "$TOP/build"
exec 9>"$TOP/build/.src.lock"
flock 9

die() { echo "kernel: $*" >&2; exit 1; }

[ -f "$TARBALL" ] || die "$TARBALL missing: run 'make deps'"

# A patch is known by its name and the sum of its diff: from its first
# "--- " or "diff " line on, what patch(1) applies. Its description above
# can change without a fresh tree (and a full rebuild).
patch_ids() {
	local p
	for p in "$TOP"/kernel/patches/*.patch; do
		[ -e "$p" ] || continue
		echo "$(basename "$p") $(sed -n '/^\(--- \|diff \)/,$p' "$p" | sha1sum | cut -c1-40)"
	done
}

extract() {
	echo "kernel: extracting $(basename "$TARBALL") into build/src"
	rm -rf "$SRC" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	tar -xf "$TARBALL" -C "$SRC.tmp" --strip-components=1
	mv "$SRC.tmp" "$SRC"
	: >"$SRC/.dmemcg-patches"
}

# Re-extract when an applied patch changed or disappeared; otherwise apply
# only the patches not applied yet.
wanted=$(patch_ids)
if [ ! -f "$SRC/.dmemcg-patches" ]; then
	extract
else
	applied=$(cat "$SRC/.dmemcg-patches")
	if [ -n "$applied" ] && [ "${wanted#"$applied"}" = "$wanted" ]; then
		echo "kernel: kernel/patches changed; starting from a fresh tree"
		extract
	fi
fi
applied=$(cat "$SRC/.dmemcg-patches")
while read -r name sum; do
	[ -n "$name" ] || continue
	if grep -qx "$name $sum" "$SRC/.dmemcg-patches"; then
		continue
	fi
	if ! patch -p1 -d "$SRC" --dry-run --batch --forward -s <"$TOP/kernel/patches/$name" >/dev/null; then
		echo "kernel: patch kernel/patches/$name does not apply to $(basename "$TARBALL"):" >&2
		patch -p1 -d "$SRC" --dry-run --batch --forward <"$TOP/kernel/patches/$name" >&2 || true
		exit 1
	fi
	patch -p1 -d "$SRC" --batch --forward -s <"$TOP/kernel/patches/$name"
	echo "$name $sum" >>"$SRC/.dmemcg-patches"
	echo "kernel: applied $name"
done <<<"$wanted"

# Link the project's sources into the tree. Links that point into the
# project but whose target is gone are removed, so deleting a project file
# does not leave the tree referring to it.
link() {
	local target=$1 link=$2
	if [ -L "$link" ]; then
		[ "$(readlink "$link")" = "$target" ] && return 0
		rm -f "$link"
	elif [ -e "$link" ]; then
		die "$link exists in the upstream tree; refusing to shadow it"
	fi
	ln -s "$target" "$link"
}
find "$SRC/include" "$SRC/kernel" "$SRC/drivers" -maxdepth 3 -type l -lname "$TOP/*" ! -exec test -e {} \; -delete
link "$TOP/kernel/devmem_cg" "$SRC/kernel/devmem_cg"
link "$TOP/kernel/evict" "$SRC/kernel/evict"
link "$TOP/kernel/ttm" "$SRC/kernel/ttm"
link "$TOP/drivers/dmem_sim" "$SRC/drivers/dmem_sim"
link "$TOP/drivers/dmem_evq" "$SRC/drivers/dmem_evq"
link "$TOP/drivers/dmem_nic" "$SRC/drivers/dmem_nic"
for h in "$TOP"/include/linux/*.h; do
	[ -e "$h" ] && link "$h" "$SRC/include/linux/$(basename "$h")"
done
for h in "$TOP"/include/trace/events/*.h; do
	[ -e "$h" ] && link "$h" "$SRC/include/trace/events/$(basename "$h")"
done
for h in "$TOP"/uapi/linux/*.h; do
	[ -e "$h" ] && link "$h" "$SRC/include/uapi/linux/$(basename "$h")"
done

# Paths under the checkout are hashed relative to it, so that another clone
# of the project (CI's) reuses this machine's compiler cache.
export CCACHE_BASEDIR=$TOP
flock -u 9
[ -z "$source_only" ] || exit 0

MAKEK=(make --no-print-directory -C "$SRC" O="$OBJ" CC="ccache gcc" HOSTCC="ccache gcc"
	KBUILD_BUILD_USER=dmemcg KBUILD_BUILD_HOST=dmemcg
	KBUILD_BUILD_TIMESTAMP="2026-01-01")

# Regenerate .config only when a fragment or a project Kconfig changed, so
# that an unchanged tree keeps its timestamps and rebuilds nothing.
config_hash=$(cat "${FRAGMENTS[@]}" "$TOP"/kernel/*/Kconfig "$TOP"/drivers/dmem_*/Kconfig \
	"$SRC/.dmemcg-patches" 2>/dev/null | sha1sum | cut -c1-40)
if [ ! -f "$OBJ/.config" ] || [ "$(cat "$OBJ/.dmemcg-config" 2>/dev/null)" != "$config_hash" ]; then
	echo "kernel: generating $OBJ/.config from tinyconfig + ${FRAGMENTS[*]#"$TOP"/}"
	"${MAKEK[@]}" -s tinyconfig >/dev/null
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${FRAGMENTS[@]}" >/dev/null
	"${MAKEK[@]}" -s olddefconfig >/dev/null
	# Verify every request: "CONFIG_X=v" must appear verbatim and
	# "# CONFIG_X is not set" must not be set to anything.
	missing=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$OBJ/.config" || missing+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$OBJ/.config" || echo unset))")
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" "$OBJ/.config" || missing+=("$line (got: $(grep "^$opt=" "$OBJ/.config"))")
			;;
		esac
	done < <(cat "${FRAGMENTS[@]}")
	if [ ${#missing[@]} -ne 0 ]; then
		echo "kernel: these options did not end up as the fragments ask (a dependency is missing):" >&2
		printf '  %s\n' "${missing[@]}" >&2
		rm -f "$OBJ/.dmemcg-config"
		exit 1
	fi
	echo "$config_hash" >"$OBJ/.dmemcg-config"
fi

if [ -n "${KERNEL_TARGETS:-}" ]; then
	read -ra targets <<<"$KERNEL_TARGETS"
	echo "kernel: building ${#targets[@]} targets in ${OBJ#"$TOP"/} (-j$(nproc))"
	"${MAKEK[@]}" -j"$(nproc)" "${targets[@]}"
	exit 0
fi
echo "kernel: building bzImage in ${OBJ#"$TOP"/} (-j$(nproc))"
"${MAKEK[@]}" -j"$(nproc)" bzImage
echo "kernel: $(cat "$OBJ/include/config/kernel.release") ready: ${OBJ#"$TOP"/}/arch/x86/boot/bzImage"
