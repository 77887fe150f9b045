#!/bin/bash
# Packs the VM's initramfs: static busybox, the init script, a minimal /etc,
# and the project's test binaries and scripts under /opt/dmem.
#
#   mkinitramfs.sh OUTPUT.cpio.gz SELFTEST_DIR [TOOLS_DIR]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
selftests=$2
tools=${3:-}
stage=$TOP/build/initramfs
# One packer at a time: make check and make check-debug run side by side
# share the staging directory (one would empty it under the other's cpio).
mkdir -p "$TOP/build"
exec 9>"$TOP/build/.initramfs.lock"
flock 9
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,host,out}
mkdir -p "$stage"/opt/dmem/{bin,selftests,canary,bench,lib}

busybox=$(command -v busybox)
! readelf -l "$busybox" | grep -q 'program interpreter' ||
	{ echo "mkinitramfs: $busybox is not static: install busybox-static" >&2; exit 1; }
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$TOP/tools/vm/init" "$stage/init"

cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
dmemtest:x:1000:1000:dmem delegation tests:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
dmemtest:x:1000:
nogroup:x:65534:
GROUP

# Test binaries (static) and the scripts that drive them.
if [ -d "$selftests" ]; then
	find "$selftests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/opt/dmem/selftests/" \;
fi
if [ -d "$selftests-canary" ]; then
	cp "$selftests-canary"/* "$stage/opt/dmem/canary/"
fi
# Tools (static, e.g. dmemstat) on the guest's PATH.
if [ -n "$tools" ] && [ -d "$tools" ]; then
	find "$tools" -maxdepth 1 -type f -perm -u+x -exec cp {} "$stage/opt/dmem/bin/" \;
fi
install -m 0755 "$TOP/selftests/dmem/run-tests.sh" "$stage/opt/dmem/run-tests.sh"
install -m 0755 "$TOP/tools/vm/demo.sh" "$stage/opt/dmem/demo.sh"
# What selftests hand to host programs run under chroot /host (stdin or
# a copy in /tmp: a checkout may live in the host's /tmp, which the guest
# hides under its own).
install -m 0644 "$TOP/selftests/dmem/prom_check.py" "$stage/opt/dmem/lib/prom_check.py"
install -m 0755 "$TOP/tools/vm/kmemleak-scan.sh" "$stage/opt/dmem/kmemleak-scan.sh"
install -m 0755 "$TOP/tools/vm/kmemleak-classify" "$stage/opt/dmem/kmemleak-classify"
install -m 0644 "$TOP/tools/vm/expected-leaks" "$stage/opt/dmem/expected-leaks"
# The benchmark's guest side: not run from /host, whose /tmp (where a
# checkout may live) is the guest's own tmpfs.
install -m 0755 "$TOP/tools/bench/guest.sh" "$stage/opt/dmem/bench/guest.sh"

(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) | gzip -n -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: ${out#"$TOP"/} ($(du -h "$out" | cut -f1), $(ls "$stage/opt/dmem/selftests" | wc -l) test programs)"
