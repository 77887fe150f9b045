#!/bin/bash
# Kernel style over the project's C sources:
#  - scripts/checkpatch.pl --strict on every project .c/.h file;
#  - sparse (make C=2) over the project's kernel directories;
#  - no function body longer than 80 lines (fnlen.awk), tests included.
# Any checkpatch ERROR/WARNING/CHECK, sparse warning or long function fails.
#
#   lint.sh OBJDIR
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$TOP/build/src
OBJ=$1
rc=0
exec 9>"$OBJ/.build.lock"
flock 9

mapfile -t files < <(cd "$TOP" && git ls-files --cached --others --exclude-standard \
	'kernel/*.[ch]' 'drivers/*.[ch]' 'include/*.h' 'uapi/*.h' 'selftests/*.[ch]' 'tools/*.[ch]' |
	grep -v '\.bpf\.c$' | grep -v '\.skel\.h$')
report=$(cd "$TOP" && for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	perl "$SRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f "$f"
done | grep -E 'ERROR|WARNING|CHECK')
if [ -n "$report" ]; then
	echo "lint: checkpatch --strict:"
	echo "$report"
	rc=1
else
	echo "lint: checkpatch --strict: ${#files[@]} files clean"
fi

long=$(cd "$TOP" && for f in "${files[@]}"; do
	[[ -f $f && $f == *.c ]] && echo "$f"
done | xargs awk -v MAX=80 -f tools/build/fnlen.awk)
if [ -n "$long" ]; then
	echo "lint: functions longer than 80 lines:"
	echo "$long"
	rc=1
else
	echo "lint: function length: none over 80 lines"
fi

# sparse: rebuild the project's kernel objects with C=2 (checks even when
# up to date) and W=1; any sparse or compiler warning fails.
dirs=(kernel/devmem_cg/)
[ -n "$(ls "$TOP"/kernel/evict/*.c 2>/dev/null)" ] && dirs+=(kernel/evict/)
grep -qx 'CONFIG_DRM_TTM_DMEM=y' "$OBJ/.config" 2>/dev/null && dirs+=(kernel/ttm/)
for d in "$TOP"/drivers/dmem_*/; do
	[ -n "$(ls "$d"*.c 2>/dev/null)" ] && dirs+=("drivers/$(basename "$d")/")
done
export CCACHE_BASEDIR=$TOP
out=$(make -s -C "$SRC" O="$OBJ" CC="ccache gcc" C=2 W=1 KBUILD_BUILD_TIMESTAMP=2026-01-01 \
	KBUILD_BUILD_USER=dmemcg KBUILD_BUILD_HOST=dmemcg "${dirs[@]}" 2>&1)
status=$?
sparse_report=$(echo "$out" | grep -E ': (warning|error):')
if [ $status -ne 0 ] || [ -n "$sparse_report" ]; then
	echo "lint: sparse (C=2) over ${dirs[*]}:"
	echo "$out" | tail -n 60
	rc=1
else
	echo "lint: sparse: ${dirs[*]} clean"
fi
exit $rc
