#!/bin/sh
# Runs inside the VM (see tools/bench/bench.sh): every benchmark of
# `make bench` through /sys/kernel/debug/dmem_bench, the raw per-repetition
# lines appended to $OUT for tools/bench/report.py.
#
# Scale with REPS, CHARGE_ITERS, CHARGE_LARGE_ITERS, VICTIM_ITERS, NAIVE_ITERS, REVOKE_ITERS,
# SIZES (the buffer counts of the victim benchmark), POOLS (the pool
# counts of the pools benchmark, at most 1000), POOLS_ITERS and
# POOLS_OLD_ITERS, BW (size:iterations pairs of the bandwidth benchmark),
# FUTILE_BUFS, FUTILE_ITERS and FUTILE_PINNED (buffers, operations and
# most of the region pinned, in percent, per CPU of the
# evictions-in-vain workload). SECTIONS picks the sections of each
# repetition (default: all of "charge victim pools bw revoke futile"), to
# rerun one quickly; report.py leaves out the tables of sections not run.
set -eu

B=/sys/kernel/debug/dmem_bench
CG=/sys/fs/cgroup
OUT=${OUT:-/out/raw.txt}
REPS=${REPS:-5}
CHARGE_ITERS=${CHARGE_ITERS:-400000}
CHARGE_LARGE_ITERS=${CHARGE_LARGE_ITERS:-50000}
VICTIM_ITERS=${VICTIM_ITERS:-2000}
NAIVE_ITERS=${NAIVE_ITERS:-20}
REVOKE_ITERS=${REVOKE_ITERS:-2000}
SIZES=${SIZES:-1000 10000 100000}
POOLS=${POOLS:-10 1000}
POOLS_ITERS=${POOLS_ITERS:-2000}
POOLS_OLD_ITERS=${POOLS_OLD_ITERS:-200}
BW=${BW:-4096:200 65536:100 2097152:20 33554432:5}
FUTILE_BUFS=${FUTILE_BUFS:-64}
FUTILE_ITERS=${FUTILE_ITERS:-20000}
FUTILE_PINNED=${FUTILE_PINNED:-90}
SECTIONS=${SECTIONS:-charge victim pools bw revoke futile}

# Is section $1 picked?
want() {
	case " $SECTIONS " in
	*" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}

[ -e $B/run ] || { echo "guest.sh: $B missing: kernel without CONFIG_DMEM_BENCH" >&2; exit 1; }

bench() {
	t0=$(date +%s)
	if ! echo "$*" >$B/run; then
		echo "guest.sh: '$*' failed" >&2
		exit 1
	fi
	cat $B/results >>"$OUT"
	echo "  $* ($(($(date +%s) - t0)) s)"
}

# The cgroup d levels below the root: /bench, /bench/l2, ... /bench/l2/../l8.
cgpath() {
	p=/bench
	i=2
	while [ "$i" -le "$1" ]; do
		p=$p/l$i
		i=$((i + 1))
	done
	echo "$p"
}

# A sibling of that cgroup, for the separate-pool cases.
cgsibling() {
	p=$(dirname "$(cgpath "$1")")
	echo "${p%/}/s$1"
}

: >"$OUT"
echo "meta cpus=$(nproc) kernel=$(uname -r) reps=$REPS charge_iters=$CHARGE_ITERS charge_large_iters=$CHARGE_LARGE_ITERS victim_iters=$VICTIM_ITERS naive_iters=$NAIVE_ITERS revoke_iters=$REVOKE_ITERS pools_iters=$POOLS_ITERS pools_old_iters=$POOLS_OLD_ITERS" >>"$OUT"

for d in 1 2 3 4 5 6 7 8; do
	mkdir -p "$CG$(cgpath $d)" "$CG$(cgsibling $d)"
	[ $d -lt 8 ] && echo +dmem >"$CG$(cgpath $d)/cgroup.subtree_control"
done

# The pools benchmark's cgroups, at depth 3: /bpools/g<i/100>/c<i%100>.
mkdir -p $CG/bpools
echo +dmem >$CG/bpools/cgroup.subtree_control
for g in 0 1 2 3 4 5 6 7 8 9; do
	mkdir -p $CG/bpools/g$g
	echo +dmem >$CG/bpools/g$g/cgroup.subtree_control
	c=0
	while [ "$c" -lt 100 ]; do
		mkdir -p $CG/bpools/g$g/c$c
		c=$((c + 1))
	done
done

# The bandwidth benchmark's cgroup: its owner is charged there.
mkdir -p $CG/bw

echo "== memory overhead"
bench mem

# Each repetition is one pass over every configuration (one command each,
# with its own unreported warm-up), so that a burst of load on the host
# hits one repetition of every figure rather than every repetition of one;
# within a command, the baseline runs right after the figure it goes with.
rep=1
while [ "$rep" -le "$REPS" ]; do
	echo "== repetition $rep of $REPS"
	want charge && echo "-- charge path ($CHARGE_ITERS pairs per CPU)"
	want charge && for d in 1 4 8; do
		bench charge depth=$d cpus=1 shared=1 reps=1 iters="$CHARGE_ITERS" cg="$(cgpath $d)"
		bench charge depth=$d cpus=2 shared=1 reps=1 iters="$CHARGE_ITERS" cg="$(cgpath $d)"
		bench charge depth=$d cpus=2 shared=0 reps=1 iters="$CHARGE_ITERS" \
			cg="$(cgpath $d)" cg2="$(cgsibling $d)"
	done
	# Charges larger than a stock holds (2 MiB): page_counters every time.
	want charge && for c in 1 2; do
		bench charge depth=1 cpus=$c shared=1 size=2097152 reps=1 \
			iters="$CHARGE_LARGE_ITERS" cg="$(cgpath 1)"
	done
	want victim && echo "-- victim selection"
	want victim && for mode in resident enomem; do
		for n in $SIZES; do
			for p in 0 50 99; do
				bench victim n="$n" pinned="$p" mode=$mode reps=1 \
					iters="$VICTIM_ITERS" naive_iters="$NAIVE_ITERS"
			done
		done
	done
	want pools && echo "-- victim choice over many pools"
	want pools && for mode in resident enomem; do
		for p in $POOLS; do
			bench pools n="$p" mode=$mode reps=1 iters="$POOLS_ITERS" \
				naive_iters="$POOLS_OLD_ITERS" cg=/bpools
		done
	done
	want bw && echo "-- evict and restore bandwidth"
	want bw && for sz in $BW; do
		t0=$(date +%s)
		/opt/dmem/bin/dmem-bench-bw $CG/bw "${sz%%:*}" "${sz##*:}" >>"$OUT"
		echo "  dmem-bench-bw ${sz%%:*} ${sz##*:} ($(($(date +%s) - t0)) s)"
		bench memcpy size="${sz%%:*}" reps=1 iters="${sz##*:}"
	done
	want revoke && echo "-- revoke"
	want revoke && for k in 1 4 16; do
		bench revoke k=$k reps=1 iters="$REVOKE_ITERS"
	done
	want futile && echo "-- evictions in vain, 2 CPUs"
	want futile && bench futile n="$FUTILE_BUFS" pinned="$FUTILE_PINNED" reps=1 iters="$FUTILE_ITERS"
	rep=$((rep + 1))
done
echo "guest.sh: done"
