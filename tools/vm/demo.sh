#!/bin/sh
# `make demo`, run inside the VM. For now: what the project's kernel offers.
# (The narrated soft-pin scenario arrives with the simulated device.)
section() { printf '\n== %s\n' "$*"; }

section "kernel"
uname -a

section "cgroup v2 controllers (/sys/fs/cgroup/cgroup.controllers)"
cat /sys/fs/cgroup/cgroup.controllers

section "dmem files in the root cgroup"
ls /sys/fs/cgroup | grep '^dmem\.' || echo "(none)"
for f in /sys/fs/cgroup/dmem.capacity /sys/fs/cgroup/dmem.current; do
	[ -f "$f" ] && { echo "-- $f"; cat "$f"; }
done

section "libcgroup (the host's cgget, run against the guest's cgroupfs)"
chroot /host cgget -n -g dmem / 2>&1 | head -n 20

section "KUnit suites that ran at boot"
for s in /sys/kernel/debug/kunit/*/; do
	s=${s%/}
	n=$(grep -Ec '^    ok ' "$s/results")
	f=$(grep -Ec '^    not ok ' "$s/results")
	echo "${s##*/}: $n passed, $f failed"
done
