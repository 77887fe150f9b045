/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmemtrace: what the BPF programs (dmemtrace.bpf.c) and the program that
 * loads them (dmemtrace.c) share: the layout of the dmem trace events as
 * the kernel records them, the event records of the ring buffer and the
 * values of the maps.
 *
 * Kernel BTF is not needed: the tracepoint records are declared here, as
 * /sys/kernel/tracing/events/dmem/<event>/format describes them, and
 * dmemtrace checks those files at startup (format.c) before it loads
 * anything. Keep this in step with include/trace/events/dmem.h.
 */
#ifndef DMEMTRACE_EVENTS_H
#define DMEMTRACE_EVENTS_H

#include <linux/types.h>

/* The events, in the order of the tables and of the JSON. */
enum dt_event {
	DT_CHARGE,
	DT_UNCHARGE,
	DT_EVICT,
	DT_REVOKE_START,
	DT_REVOKE_DONE,
	DT_REVOKE_TIMEOUT,
	DT_ENOMEM,
	DT_PIN,
	DT_UNPIN,
	DT_NR_EVENTS,
};

/* The latencies measured, each with a log2 histogram per region. */
enum dt_latency {
	DT_LAT_EVICT,		/* dmem_evict_one() entry to dmem:dmem_evict */
	DT_LAT_REVOKE,		/* dmem:dmem_revoke_done's latency_ns */
	DT_NR_LAT,
};

/* Region names are copied up to this many bytes, NUL included. */
#define DT_REGION_LEN		64
#define DT_COMM_LEN		16
/* Slot i counts latencies of [2^(i-1), 2^i) microseconds; slot 0: < 1 us. */
#define DT_HIST_SLOTS		32

/*
 * The record of every dmem event but revoke_done (the class dmem_buf_class):
 * the common header of 8 bytes (common_type, common_flags,
 * common_preempt_count, common_pid), then the fields. A __string field is
 * recorded as a __data_loc: a u32 whose low 16 bits are the offset of the
 * string from the start of the record and whose high 16 bits its length.
 * dmemtrace.c checks that the structs agree with the DT_OFF_* offsets.
 */
#define DT_OFF_REGION		8
#define DT_OFF_CGROUP		16
#define DT_OFF_TGID		24
#define DT_OFF_BYTES		32
/* dmem_revoke_done only. */
#define DT_OFF_LATENCY		40
#define DT_OFF_RET		48

struct dt_tp_buf {
	__u64 common;
	__u32 region_loc;
	__u32 pad0;
	__u64 cgroup;
	__s32 tgid;
	__u32 pad1;
	__u64 bytes;
};

struct dt_tp_revoke_done {
	__u64 common;
	__u32 region_loc;
	__u32 pad0;
	__u64 cgroup;
	__s32 tgid;
	__u32 pad1;
	__u64 bytes;
	__u64 latency_ns;
	__s32 ret;
};

/* dt_record::flags */
#define DT_F_LATENCY		0x1	/* latency_ns is valid */

/* One event, in the ring buffer (only with -e). */
struct dt_record {
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__u64 cgroup;		/* the cgroup charged (id), 0 for none */
	__u64 bytes;
	__u64 latency_ns;
	__u32 type;		/* enum dt_event */
	__u32 flags;		/* DT_F_* */
	__s32 tgid;		/* the buffer's owner */
	__s32 ret;		/* revoke_done: the evict op's result */
	__s32 by_tgid;		/* the task the event happened in */
	__u32 pad;
	char by_comm[DT_COMM_LEN];
	char region[DT_REGION_LEN];
};

struct dt_hist {
	__u64 slots[DT_HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

/* Map "regions": region name -> what happened in it. */
struct dt_region_key {
	char name[DT_REGION_LEN];
};

struct dt_region_stats {
	__u64 count[DT_NR_EVENTS];
	__u64 bytes[DT_NR_EVENTS];
	__u64 revoke_failed;	/* revoke_done with ret != 0 */
	struct dt_hist lat[DT_NR_LAT];
};

/* Map "owners": (region, cgroup, tgid) -> bytes taken from the owner. */
struct dt_owner_key {
	__u64 cgroup;
	__s32 tgid;
	__u32 pad;
	char region[DT_REGION_LEN];
};

struct dt_owner_stats {
	__u64 evicted_bytes;
	__u64 evictions;
	__u64 revoked_bytes;
	__u64 revokes;
};

/* Map "comms": tgid -> the comm seen for it. */
struct dt_comm {
	char comm[DT_COMM_LEN];
};

/* Indexes of the global counters in the "stats" array. */
enum dt_stat {
	DT_STAT_RB_LOST,	/* -e records the ring buffer had no room for */
	DT_STAT_MAP_FULL,	/* events not counted: a map was full */
	DT_STAT_EVICT_UNPAIRED,	/* evictions without a start time */
	DT_NR_STATS,
};

#endif /* DMEMTRACE_EVENTS_H */
