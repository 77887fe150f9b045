// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmemtrace's BPF programs: one per dmem trace event, plus a kprobe on
 * dmem_evict_one() that timestamps the start of an eviction.
 *
 * Built with clang -target bpf and turned into a skeleton by bpftool. No
 * CO-RE and no kernel BTF: the tracepoint records are the plain structs of
 * events.h, read at fixed offsets that dmemtrace checked against the
 * kernel's format files before loading, and nothing else of the kernel is
 * read. The program's own BTF (-g) only describes its maps.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by dmemtrace before loading: send every event to "records" (-e). */
const volatile int live;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct dt_region_key);
	__type(value, struct dt_region_stats);
} regions SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dt_owner_key);
	__type(value, struct dt_owner_stats);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __s32);
	__type(value, struct dt_comm);
} comms SEC(".maps");

/* Thread id -> time it entered dmem_evict_one(). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} evict_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} records SEC(".maps");

/* enum dt_stat */
__u64 stats[DT_NR_STATS];

static const struct dt_region_stats zero_region;
static const struct dt_owner_stats zero_owner;

/* floor(log2(v)) for v > 0. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline void hist_add(struct dt_hist *h, __u64 ns)
{
	__u64 us = ns / 1000;
	__u64 slot = us ? log2_u64(us) + 1 : 0;

	if (slot >= DT_HIST_SLOTS)
		slot = DT_HIST_SLOTS - 1;
	/*
	 * A no-op, but the verifier cannot prove the bound above through
	 * the copies clang makes: mask the register that indexes.
	 */
	barrier_var(slot);
	slot &= DT_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static __always_inline void *lookup_or_init(void *map, const void *key,
					    const void *zero)
{
	void *val = bpf_map_lookup_elem(map, key);

	if (val)
		return val;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	val = bpf_map_lookup_elem(map, key);
	if (!val)
		__sync_fetch_and_add(&stats[DT_STAT_MAP_FULL], 1);
	return val;
}

/* Remember the comm of an owner when the event happens in its own task. */
static __always_inline void note_comm(__s32 tgid, __u64 pid_tgid)
{
	struct dt_comm comm = {};

	if ((__s32)(pid_tgid >> 32) != tgid || bpf_map_lookup_elem(&comms, &tgid))
		return;
	bpf_get_current_comm(comm.comm, sizeof(comm.comm));
	bpf_map_update_elem(&comms, &tgid, &comm, BPF_NOEXIST);
}

static __always_inline int handle(void *ctx, enum dt_event type, __u32 loc,
				  __u64 cgroup, __s32 tgid, __u64 bytes,
				  __u64 latency_ns, __u32 flags, __s32 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct dt_region_key rkey = {};
	struct dt_owner_key okey = {};
	struct dt_region_stats *rs;
	struct dt_owner_stats *os;
	struct dt_record *rec;

	/* __data_loc: offset from the record's start in the low 16 bits. */
	bpf_probe_read_kernel_str(rkey.name, sizeof(rkey.name),
				  (char *)ctx + (loc & 0xffff));

	rs = lookup_or_init(&regions, &rkey, &zero_region);
	if (rs) {
		__sync_fetch_and_add(&rs->count[type], 1);
		__sync_fetch_and_add(&rs->bytes[type], bytes);
		if (type == DT_EVICT && (flags & DT_F_LATENCY))
			hist_add(&rs->lat[DT_LAT_EVICT], latency_ns);
		if (type == DT_REVOKE_DONE) {
			hist_add(&rs->lat[DT_LAT_REVOKE], latency_ns);
			if (ret)
				__sync_fetch_and_add(&rs->revoke_failed, 1);
		}
	}

	if (type == DT_EVICT || (type == DT_REVOKE_DONE && !ret)) {
		okey.cgroup = cgroup;
		okey.tgid = tgid;
		__builtin_memcpy(okey.region, rkey.name, sizeof(okey.region));
		os = lookup_or_init(&owners, &okey, &zero_owner);
		if (os && type == DT_EVICT) {
			__sync_fetch_and_add(&os->evicted_bytes, bytes);
			__sync_fetch_and_add(&os->evictions, 1);
		} else if (os) {
			__sync_fetch_and_add(&os->revoked_bytes, bytes);
			__sync_fetch_and_add(&os->revokes, 1);
		}
	}

	note_comm(tgid, pid_tgid);

	if (!live)
		return 0;
	rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	if (!rec) {
		__sync_fetch_and_add(&stats[DT_STAT_RB_LOST], 1);
		return 0;
	}
	rec->time_ns = bpf_ktime_get_ns();
	rec->cgroup = cgroup;
	rec->bytes = bytes;
	rec->latency_ns = latency_ns;
	rec->type = type;
	rec->flags = flags;
	rec->tgid = tgid;
	rec->ret = ret;
	rec->by_tgid = pid_tgid >> 32;
	rec->pad = 0;
	bpf_get_current_comm(rec->by_comm, sizeof(rec->by_comm));
	__builtin_memcpy(rec->region, rkey.name, sizeof(rec->region));
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/*
 * The programs take a void *: with a struct pointer argument the verifier
 * would look for the canonical context type in the kernel's BTF.
 */
#define DT_BUF_EVENT(event, type)					\
SEC("tracepoint/dmem/dmem_" #event)					\
int dt_##event(void *ctx)						\
{									\
	struct dt_tp_buf *tp = ctx;					\
									\
	return handle(ctx, type, tp->region_loc, tp->cgroup, tp->tgid,	\
		      tp->bytes, 0, 0, 0);				\
}

DT_BUF_EVENT(charge, DT_CHARGE)
DT_BUF_EVENT(uncharge, DT_UNCHARGE)
DT_BUF_EVENT(revoke_start, DT_REVOKE_START)
DT_BUF_EVENT(enomem, DT_ENOMEM)
DT_BUF_EVENT(pin, DT_PIN)
DT_BUF_EVENT(unpin, DT_UNPIN)

/* Program names are at most 15 characters in the kernel. */
SEC("tracepoint/dmem/dmem_revoke_timeout")
int dt_revoke_tmo(void *ctx)
{
	struct dt_tp_buf *tp = ctx;

	return handle(ctx, DT_REVOKE_TIMEOUT, tp->region_loc, tp->cgroup,
		      tp->tgid, tp->bytes, 0, 0, 0);
}

SEC("tracepoint/dmem/dmem_revoke_done")
int dt_revoke_done(void *ctx)
{
	struct dt_tp_revoke_done *tp = ctx;

	return handle(ctx, DT_REVOKE_DONE, tp->region_loc, tp->cgroup,
		      tp->tgid, tp->bytes, tp->latency_ns, DT_F_LATENCY,
		      tp->ret);
}

/*
 * Eviction latency: dmem:dmem_evict has no duration, so the start of an
 * eviction is the entry of dmem_evict_one() (where the victim is chosen)
 * in the same thread. An entry that chose a revoke, or nothing, is simply
 * overwritten by the thread's next one.
 */
SEC("kprobe/dmem_evict_one")
int dt_evict_one(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&evict_start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/dmem/dmem_evict")
int dt_evict(void *ctx)
{
	struct dt_tp_buf *tp = ctx;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&evict_start, &tid);
	__u64 latency = 0;
	__u32 flags = 0;

	if (start) {
		latency = bpf_ktime_get_ns() - *start;
		flags = DT_F_LATENCY;
		bpf_map_delete_elem(&evict_start, &tid);
	} else {
		__sync_fetch_and_add(&stats[DT_STAT_EVICT_UNPAIRED], 1);
	}
	return handle(ctx, DT_EVICT, tp->region_loc, tp->cgroup, tp->tgid,
		      tp->bytes, latency, flags, 0);
}
