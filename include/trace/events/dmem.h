/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of the dmem eviction manager (kernel/evict/).
 *
 * Every event names the region, the cgroup charged (its id, the inode
 * number of its directory; 0 for pools without a cgroup), the tgid of the
 * buffer's owner and the bytes concerned.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmem

#if !defined(_TRACE_DMEM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMEM_H

#include <linux/tracepoint.h>
#include <linux/types.h>

DECLARE_EVENT_CLASS(dmem_buf_class,
		    TP_PROTO(const char *region, u64 cgroup, pid_t tgid, u64 bytes),
		    TP_ARGS(region, cgroup, tgid, bytes),
		    TP_STRUCT__entry(__string(region, region)
				     __field(u64, cgroup)
				     __field(pid_t, tgid)
				     __field(u64, bytes)),
		    TP_fast_assign(__assign_str(region);
				   __entry->cgroup = cgroup;
				   __entry->tgid = tgid;
				   __entry->bytes = bytes;),
		    TP_printk("region=%s cgroup=%llu tgid=%d bytes=%llu",
			      __get_str(region), __entry->cgroup, __entry->tgid,
			      __entry->bytes)
);

#define DEFINE_DMEM_BUF_EVENT(name)					\
DEFINE_EVENT(dmem_buf_class, name,					\
	     TP_PROTO(const char *region, u64 cgroup, pid_t tgid, u64 bytes), \
	     TP_ARGS(region, cgroup, tgid, bytes))

/* A buffer was charged to a cgroup and became resident. */
DEFINE_DMEM_BUF_EVENT(dmem_charge);
/* A resident buffer was uncharged (evicted, revoked or freed). */
DEFINE_DMEM_BUF_EVENT(dmem_uncharge);
/* An unpinned buffer was evicted to make room. */
DEFINE_DMEM_BUF_EVENT(dmem_evict);
/* A revoke started: the importers are being notified. */
DEFINE_DMEM_BUF_EVENT(dmem_revoke_start);
/* An importer did not acknowledge a revoke in time; the memory is kept. */
DEFINE_DMEM_BUF_EVENT(dmem_revoke_timeout);
/* An allocation failed: nothing could be evicted (cgroup of the requester). */
DEFINE_DMEM_BUF_EVENT(dmem_enomem);
/* A buffer was pinned (first pin). */
DEFINE_DMEM_BUF_EVENT(dmem_pin);
/* A buffer was unpinned (last unpin). */
DEFINE_DMEM_BUF_EVENT(dmem_unpin);

/*
 * A revoke finished: latency_ns (CLOCK_MONOTONIC) since revoke_start; ret
 * is evict()'s result.
 */
TRACE_EVENT(dmem_revoke_done,
	    TP_PROTO(const char *region, u64 cgroup, pid_t tgid, u64 bytes,
		     u64 latency_ns, int ret),
	    TP_ARGS(region, cgroup, tgid, bytes, latency_ns, ret),
	    TP_STRUCT__entry(__string(region, region)
			     __field(u64, cgroup)
			     __field(pid_t, tgid)
			     __field(u64, bytes)
			     __field(u64, latency_ns)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(region);
			   __entry->cgroup = cgroup;
			   __entry->tgid = tgid;
			   __entry->bytes = bytes;
			   __entry->latency_ns = latency_ns;
			   __entry->ret = ret;),
	    TP_printk("region=%s cgroup=%llu tgid=%d bytes=%llu latency_ns=%llu ret=%d",
		      __get_str(region), __entry->cgroup, __entry->tgid,
		      __entry->bytes, __entry->latency_ns, __entry->ret)
);

#undef DEFINE_DMEM_BUF_EVENT

#endif /* _TRACE_DMEM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
