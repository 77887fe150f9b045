#!/bin/sh
# `make demo`, run inside the VM: the soft-pin story told with the simulated
# device /dev/dmem_sim, two tenants in cgroups, cgset/cgget from the host,
# the device's events, the cgroup numbers and the dmem trace events; then
# the same controller on a real GPU driver (QEMU's qxl under TTM), and the
# soft-pin story again on that GPU, with a PRIME export pinned by the NIC.
#
# Tenant A pins a buffer that it exports to a simulated RDMA NIC (a pinned
# dma-buf importer) and pins a second one; asking for more gets ENOMEM while
# its pinned buffers stay. Tenant B's allocation then evicts A's unpinned
# buffers and, as a last resort, revokes A's exported buffer: the NIC is
# notified and acknowledges, A is told, and A's data is intact.
set -u
CG=/sys/fs/cgroup
TR=/sys/kernel/tracing
SYNC=/tmp/demo
REGION=sim/vram0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
waitf() { n=0; while [ ! -e "$1" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; }
fail() { echo "demo: $*" >&2; exit 1; }
# Starts dmemtrace on region $1 in the background (its output in $2.out,
# its messages in $2.err; $! is its pid) and waits until it has attached.
start_dmemtrace() {
	dmemtrace -R "$1" >"$2.out" 2>"$2.err" &
	waitf_text "$2.err" attached
}
# Waits up to 60 s for file $1 to contain $2.
waitf_text() { n=0; while ! grep -q "$2" "$1" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done; }

# Step 8: a container whose dmem limits come from its OCI config, as an
# orchestrator would set them, started by crun (the host's, chrooted).
container_chapter() {
	local b=$SYNC/ctr dev
	say "8. A container with dmem limits, from its OCI config (crun)"
	mkdir -p $b/rootfs/dev $b/state $CG/jobs
	cp "$(command -v dmemsim)" $b/rootfs/dmemsim
	echo +dmem >$CG/jobs/cgroup.subtree_control
	dev=$(stat -c '%t %T' /dev/dmem_sim)
	set -- $dev
	cat >$b/config.json <<-JSON
	{"ociVersion": "1.0.2",
	 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/"],
	  "args": ["/dmemsim", "-n", "ctr", "alloc weights vram0 8M pinned; !ENOMEM alloc more vram0 4M pinned; alloc act vram0 2M; alloc tmp vram0 4M; expect-state act evicted; touch-file /ready; wait-file /go 60000"]},
	 "root": {"path": "rootfs"}, "hostname": "train",
	 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
	 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}],
	  "cgroupsPath": "/jobs/train",
	  "devices": [{"path": "/dev/dmem_sim", "type": "c", "major": $((16#$1)), "minor": $((16#$2)), "fileMode": 438}],
	  "resources": {"devices": [{"allow": false, "access": "rwm"},
	    {"allow": true, "type": "c", "major": $((16#$1)), "minor": $((16#$2)), "access": "rw"}],
	   "unified": {"dmem.max": "$REGION 12582912", "dmem.pinned.max": "$REGION 8388608"}}}}
	JSON
	note "config.json's linux.resources.unified:"
	grep -o '"unified": {[^}]*}' $b/config.json | sed 's/^/   /'
	note "the container pins 8M of its 12M, may pin no more, and its last 4M evict its own unpinned 2M:"
	chroot /host crun --root $b/state run --bundle $b train >$b/out 2>&1 &
	local crun_pid=$! n=0
	while [ ! -e $b/rootfs/ready ] && kill -0 $crun_pid 2>/dev/null && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	cat $b/out
	run grep "^$REGION " $CG/jobs/train/dmem.max $CG/jobs/train/dmem.current \
		$CG/jobs/train/dmem.pinned.current
	if command -v dmemstat >/dev/null; then
		run dmemstat --cgroup jobs --region $REGION
		run dmemstat --processes --cgroup jobs
	fi
	touch $b/rootfs/go
	wait $crun_pid
	if [ -d $CG/jobs/train ]; then
		note "the container exited, but its cgroup is still there"
	else
		note "the container exited, and crun removed its cgroup"
	fi
	rmdir $CG/jobs
}

# Step 9: the same controller on a real driver. qxl's VRAM heap is managed
# by TTM, which charges every buffer object to its client's cgroup and,
# when a cgroup hits its dmem.max, evicts inside that cgroup only.
gpu_chapter() {
	say "9. A real GPU driver: QEMU's qxl, whose VRAM TTM manages"
	note "qxl registers its VRAM heap as a dmem region, next to the simulated one:"
	run cat $CG/dmem.capacity
	note "B may use 8M of the GPU's VRAM; A has no GPU limit."
	run chroot /host cgset -r "dmem.max=$GPU 8M" tenants/B
	gpu_trace_pid=
	if command -v dmemtrace >/dev/null; then
		start_dmemtrace "$GPU" $SYNC/gputrace
		gpu_trace_pid=$!
	fi
	note "A allocates 12 buffer objects of 1M; B then allocates 20 of 1M."
	note "B's limit makes TTM evict B's own oldest buffer objects to system"
	note "memory (every allocation succeeds); A's stay in VRAM."
	(echo 0 >$CG/tenants/A/cgroup.procs; exec dmemgpu 1 12 $SYNC/gpu.end) >$SYNC/gpu.a &
	gpu_a=$!
	waitf_text $SYNC/gpu.a allocated
	(echo 0 >$CG/tenants/B/cgroup.procs; exec dmemgpu 1 20 $SYNC/gpu.end) >$SYNC/gpu.b &
	gpu_b=$!
	waitf_text $SYNC/gpu.b allocated
	cat $SYNC/gpu.a $SYNC/gpu.b
	run grep "^$GPU " $CG/tenants/A/dmem.current $CG/tenants/B/dmem.current \
		$CG/tenants/B/dmem.events.local
	if command -v dmemstat >/dev/null; then
		run dmemstat --cgroup tenants --region "$GPU"
	fi
	if [ -n "$gpu_trace_pid" ]; then
		note "dmemtrace -R $GPU ran meanwhile; its summary:"
		kill -INT $gpu_trace_pid
		wait $gpu_trace_pid
		cat $SYNC/gputrace.out
	fi
	touch $SYNC/gpu.end
	wait $gpu_a $gpu_b
	note "the clients exited: their buffer objects are freed and uncharged"
	n=0
	while [ "$(awk -v r="$GPU" '$1 == r { print $2 }' $CG/tenants/B/dmem.current)" != 0 ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	run grep "^$GPU " $CG/tenants/A/dmem.current $CG/tenants/B/dmem.current
}

# The value of region $GPU in file $1 (dmem.current, dmem.capacity...).
gpu_value() { awk -v r="$GPU" '$1 == r { print $2 }' "$1"; }

# Step 9: soft pins on the real driver. A's buffer object, exported by
# PRIME, is pinned by the simulated NIC: A's own allocation gets ENOMEM,
# and B's makes TTM revoke it as a last resort.
gpu_softpin_chapter() {
	say "10. Soft pins on the GPU: A's buffer object, pinned by the NIC through PRIME"
	run chroot /host cgset -r "dmem.max=$GPU max" tenants/B
	# MiB: 1M more than is left once A's 4M buffer object is in.
	more=$(( ($(gpu_value $CG/dmem.capacity) - $(gpu_value $CG/dmem.current)) / 1048576 - 3 ))
	note "A allocates a 4M buffer object and exports it by PRIME (dmemgpu -e);"
	note "the simulated NIC imports it, pinned and revocable, like an RDMA NIC."
	note "Then A asks for ${more}M more, 1M more than is left: only its own soft"
	note "pin could make room, and that is never a victim for A: ENOMEM."
	nic="dmabuf bo 3; import nic bo pinned; use nic; touch-file $SYNC/nic.ready"
	nic="$nic; wait-event importer-acked nic 30000"
	nic="$nic; !ENODEV use nic"
	(echo 0 >$CG/tenants/A/cgroup.procs
	 exec dmemgpu -e "exec dmemsim -n NIC \"$nic\" >>$SYNC/nic.out" \
		-w $SYNC/nic.ready -a $more 4 1 $SYNC/gpu2.end) >$SYNC/gpu2.a &
	gpu_a=$!
	waitf_text $SYNC/gpu2.a "1 more"
	cat $SYNC/gpu2.a $SYNC/nic.out
	run grep "^$GPU " $CG/tenants/A/dmem.current $CG/tenants/A/dmem.pinned.current \
		$CG/tenants/A/dmem.events.local
	note "B asks for ${more}M: TTM revokes A's buffer object as a last resort."
	note "The NIC is told, acknowledges by unmapping, and A's bytes move to"
	note "system memory (test_gpu_prime checks every one)."
	: >$SYNC/nic.out
	(echo 0 >$CG/tenants/B/cgroup.procs; exec dmemgpu $more 1 $SYNC/gpu2.end) >$SYNC/gpu2.b &
	gpu_b=$!
	waitf_text $SYNC/gpu2.b allocated
	waitf_text $SYNC/nic.out "use failed"
	cat $SYNC/gpu2.b $SYNC/nic.out
	run grep "^$GPU " $CG/tenants/A/dmem.current $CG/tenants/A/dmem.pinned.current \
		$CG/tenants/A/dmem.events.local $CG/tenants/B/dmem.current
	note "A's dmem.stat counts the revoked bytes:"
	run grep "^$GPU " $CG/tenants/A/dmem.stat
	touch $SYNC/gpu2.end
	wait $gpu_a $gpu_b
}

rm -rf "$SYNC"
mkdir -p "$SYNC"
command -v dmemsim >/dev/null || fail "dmemsim missing from /opt/dmem/bin"

say "1. A simulated GPU with 64 MiB of VRAM"
note "/dev/dmem_sim registers a region with the dmem cgroup controller:"
run dmemsim -n admin "region-create vram0 64M" || fail "region-create"
run cat $CG/dmem.capacity
note "the pin policy: soft (pinned buffers of others may be revoked, last resort)"
run cat $CG/dmem.policy

say "2. Two tenants, limits set with libcgroup's cgset (the host's, chrooted)"
note "A may pin at most 48M; B may use at most 32M."
mkdir -p $CG/tenants/A $CG/tenants/B
echo +dmem >$CG/tenants/cgroup.subtree_control
run chroot /host cgset -r "dmem.pinned.max=$REGION 48M" tenants/A
run chroot /host cgset -r "dmem.max=$REGION 32M" tenants/B
run chroot /host cgget -r dmem.max -r dmem.pinned.max tenants/A tenants/B

# The dmem trace events, from now on.
if [ -d $TR/events/dmem ]; then
	echo 0 >$TR/tracing_on
	echo >$TR/trace
	echo 1 >$TR/events/dmem/enable
	echo 1 >$TR/tracing_on
fi

# --- dmemtrace (tools/bpf): BPF programs on the same events, from now on.
dmemtrace_pid=
if command -v dmemtrace >/dev/null; then
	start_dmemtrace $REGION $SYNC/dmemtrace
	dmemtrace_pid=$!
fi
# --- end of dmemtrace

say "3. Tenant A pins memory and exports it to an RDMA NIC"
note "mr (32M) is pinned and registered with a simulated NIC without"
note "on-demand paging (a pinned dma-buf importer that acks revokes);"
note "kv (16M) is pinned too. Then A asks for 24M more: nothing of A's"
note "pinned memory may be taken for A itself, so it gets ENOMEM."
(
	echo 0 >$CG/tenants/A/cgroup.procs
	exec dmemsim -n A "
	alloc mr vram0 32M pinned; fill mr 1
	export mr; import nic mr pinned
	alloc kv vram0 16M pinned; fill kv 2
	!ENOMEM alloc more vram0 24M
	info mr; info kv
	echo A now fills the rest with two unpinned scratch buffers:
	alloc scratch1 vram0 8M; fill scratch1 3
	alloc scratch2 vram0 8M; fill scratch2 4
	touch-file $SYNC/a.ready
	wait-file $SYNC/b.done
	echo what A was told while B allocated:
	events
	echo A checks its data:
	verify mr 1; verify kv 2; verify scratch1 3; verify scratch2 4
	info mr
	echo the NIC must register mr again:
	!ENODEV use nic
	owner
	touch-file $SYNC/a.done
	wait-file $SYNC/end
	" || touch $SYNC/a.failed
) &
a_pid=$!
waitf $SYNC/a.ready
[ -e $SYNC/a.failed ] && fail "tenant A failed"
note "A's cgroup: dmem.events shows the enomem; its pinned memory stays:"
run chroot /host cgget -r dmem.current -r dmem.pinned.current -r dmem.events tenants/A

say "4. Tenant B needs 24M: the region is full"
note "Victims, oldest first: A's unpinned buffers (evicted), then, as a last"
note "resort, A's oldest pinned buffer: revoked, after the NIC acknowledges."
(
	echo 0 >$CG/tenants/B/cgroup.procs
	exec dmemsim -n B "
	alloc job vram0 24M; fill job 5
	touch-file $SYNC/b.done
	wait-file $SYNC/end
	" || touch $SYNC/b.failed
) &
b_pid=$!
waitf $SYNC/b.done
[ -e $SYNC/b.failed ] && fail "tenant B failed"
waitf $SYNC/a.done
[ -e $SYNC/a.failed ] && fail "tenant A failed"

say "5. The numbers"
if command -v dmemstat >/dev/null; then
	run dmemstat --cgroup tenants --region $REGION
	note "per process, from each /dev/dmem_sim file's fdinfo:"
	run dmemstat --processes --cgroup tenants
else
	for t in A B; do
		for f in dmem.current dmem.pinned.current dmem.events dmem.stat; do
			printf '%s/%s: ' "$t" "$f"
			grep "^$REGION " $CG/tenants/$t/$f
		done
	done
fi
run dmemsim -n admin "region-info vram0"

if [ -d $TR/events/dmem ]; then
	say "6. The dmem trace events (charge/uncharge counted, the rest shown)"
	echo 0 >$TR/tracing_on
	printf '   charge: %s  uncharge: %s\n' \
		"$(grep -c 'dmem_charge:' $TR/trace)" "$(grep -c 'dmem_uncharge:' $TR/trace)"
	grep -E 'dmem_(evict|revoke_start|revoke_done|revoke_timeout|enomem|pin|unpin):' $TR/trace |
		sed -E 's/^ *//; s/ +\[[0-9]+\] [^ ]+ +/ /'
	echo 0 >$TR/events/dmem/enable
fi

# --- dmemtrace: what it saw since step 3.
if [ -n "$dmemtrace_pid" ]; then
	say "7. dmemtrace: latency histograms and who lost memory (BPF, tools/bpf)"
	note "dmemtrace -R $REGION ran since step 3; Ctrl-C (SIGINT) prints its summary:"
	kill -INT $dmemtrace_pid
	wait $dmemtrace_pid
	cat $SYNC/dmemtrace.out
fi
# --- end of dmemtrace

touch $SYNC/end
wait $a_pid $b_pid
if chroot /host sh -c 'command -v crun' >/dev/null 2>&1; then
	container_chapter
fi
dmemsim -q -n admin "region-destroy vram0" >/dev/null

# --- A real GPU: the demo boots with QEMU's qxl (Makefile, `make demo`).
GPU=$(awk '$1 ~ /^drm\/.*\/vram0$/ { print $1 }' $CG/dmem.capacity)
if [ -n "$GPU" ] && command -v dmemgpu >/dev/null; then
	gpu_chapter
	gpu_softpin_chapter
fi
rmdir $CG/tenants/A $CG/tenants/B $CG/tenants 2>/dev/null
say "done: nothing lost, the pinned memory was taken back only through a revoke"
