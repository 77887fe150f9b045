/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem eviction manager: owners, buffers, the soft-pin eviction policy
 * and revoke notifications, on top of the dmem cgroup controller
 * (include/linux/cgroup_dmem.h).
 *
 * A driver wraps each dmem region it registered in an eviction region with
 * dmem_evict_region_create(), giving ops that move a buffer's contents out
 * of device memory (evict) and back (restore). Each userspace client
 * (typically each open file) gets a struct dmem_owner; each buffer object
 * of the driver embeds a struct dmem_buf. When a buffer must become
 * resident and there is no room, the manager picks victims by the policy
 * below, evicts them through the driver's ops and charges the buffer to the
 * owner's cgroup. Importers (dma-buf attachments of other devices) attach a
 * struct dmem_importer to a buffer and get a revoke notification before
 * the memory of a pinned buffer is taken away.
 *
 * Victims, when owner X needs room (DESIGN.md section 5), LRU-oldest first
 * within each step:
 *  1. unpinned buffers of pools above their effective low protection;
 *  2. unpinned buffers of pools between effective min and low ("low" event);
 *  3. with the region's pin policy "soft" only: pinned buffers of owners
 *     other than X, from pools above their effective low, revoked;
 *  4. otherwise -ENOMEM ("enomem" event on X's pool).
 * A pinned buffer of X, memory below a pool's effective min and, under
 * "strict", any pinned buffer are never chosen. When a cgroup limit was hit
 * only buffers inside the limiting cgroup's subtree are candidates; when the
 * region itself is full, any.
 *
 * Buffer states (enum dmem_buf_state) and their transitions:
 *
 *   EVICTED   --make_resident/pin-->  RESIDENT      charge, restore()
 *   REVOKED   --make_resident/pin-->  RESIDENT      charge, restore()
 *   RESIDENT  --victim, unpinned-->   EVICTING      (busy) evict() runs
 *   EVICTING  --evict() ok-->         EVICTED       uncharge, "evict" event
 *   EVICTING  --evict() fails-->      RESIDENT      (the allocation fails)
 *   RESIDENT  --victim, pinned, or
 *               device-level revoke-> REVOKING      (busy) importers notified
 *   REVOKING  --all acks, evict() ok-> REVOKED      uncharge, pins dropped,
 *                                                   "revoke" event (evict()
 *                                                   with @may_block, in the
 *                                                   manager's work item)
 *   REVOKING  --all acks, evict() fails-> RESIDENT  unpinned
 *   REVOKING  --timeout or signal-->  REVOKING      parked: stays charged and
 *                                                   keeps its device memory
 *                                                   until the late ack, which
 *                                                   completes the revoke
 *   any       --free-->               (gone)        uncharge if resident
 *
 * A buffer starts EVICTED (nothing in device memory). While a buffer is
 * EVICTING, REVOKING or being made resident it is "busy": a concurrent
 * make_resident, pin or free of it waits until it is not (but the _reserved
 * variants fail with -EBUSY on a REVOKING buffer). Pins do not survive
 * a revoke: after it the buffer holds none, and dmem_buf_unpin() of a pin
 * taken before it returns -EINVAL.
 *
 * Contexts: the driver's ops and callbacks are called in process context
 * with no lock of the manager held. evict() and restore() run from the
 * make_resident of another buffer (possibly of another process), so the
 * driver must not hold, around dmem_buf_make_resident() or dmem_buf_pin(),
 * a lock that its evict() takes without @may_block. The evict() that ends
 * a revoke runs with @may_block in a work item of the manager and may wait
 * for the buffer's own locks (its dma-buf reservation): a thread holding
 * them makes the buffer resident or pins it with
 * dmem_buf_make_resident_reserved() or dmem_buf_pin_reserved(), which fail
 * with -EBUSY instead of waiting for that revoke.
 *
 * Lifetimes: a region lives until dmem_evict_region_destroy() and the free
 * of its last buffer; an owner until its last reference (the driver's, one
 * per initialized buffer) goes. Tear the eviction region down before
 * unregistering its dmem region.
 */
#ifndef _LINUX_DMEM_EVICT_H
#define _LINUX_DMEM_EVICT_H

#include <linux/list.h>
#include <linux/types.h>

struct dmem_cgroup_pool_state;
struct dmem_cgroup_region;
struct dmem_evict_region;
struct dmem_evict_link;
struct dmem_owner;
struct dmem_revoke;
struct seq_file;
struct dmem_buf;
struct dmem_importer;

/**
 * struct dmem_evict_ops - how the manager moves a region's buffers
 * @evict: move the contents of @buf out of device memory and keep them
 *	(in system memory, say), then release its device memory. May sleep.
 *	Returns 0 or a negative errno; on error the buffer stays resident.
 *	Without @may_block it runs in the thread that needs the room, which
 *	may hold a lock of the driver (another buffer's dma-buf reservation)
 *	whose holder waits for @buf: it must not wait for a lock of @buf
 *	that others hold, and returns -EBUSY ("not now") instead; the
 *	manager takes the next victim, or, at the end of a revoke, calls it
 *	again with @may_block. With @may_block (the end of a revoke, every
 *	importer of @buf having acknowledged) it runs in a work item of the
 *	manager that holds no lock, and it may wait for the locks of @buf,
 *	which their holders release without waiting for @buf (see
 *	dmem_buf_pin_reserved()); -EBUSY is then a failure like any other.
 * @restore: give @buf device memory and bring its contents back (a buffer
 *	never resident before has none: just allocate). Called after the
 *	buffer was charged. May sleep. Returns 0 or a negative errno, which
 *	dmem_buf_make_resident() returns after undoing the charge.
 */
struct dmem_evict_ops {
	int (*evict)(struct dmem_buf *buf, bool may_block);
	int (*restore)(struct dmem_buf *buf);
};

/**
 * enum dmem_owner_event - what an owner is told about its buffers
 * @DMEM_OWNER_BUF_EVICTED: a buffer was evicted to make room
 * @DMEM_OWNER_BUF_REVOKED: a buffer was revoked (its importers were
 *	notified and it is no longer pinned); its contents are preserved
 * @DMEM_OWNER_BUF_REVOKE_FAILED: a revoke notified the importers and
 *	ended the buffer's pins, but the evict op failed (no system memory
 *	for the copy, say): the buffer is resident and no longer pinned; its
 *	importers were told
 */
enum dmem_owner_event {
	DMEM_OWNER_BUF_EVICTED,
	DMEM_OWNER_BUF_REVOKED,
	DMEM_OWNER_BUF_REVOKE_FAILED,
};

/**
 * struct dmem_owner_ops - callbacks of an owner
 * @notify: @event happened to @buf, a buffer of @owner. Called in process
 *	context with no lock of the manager held, while @buf is still busy
 *	(it cannot be freed during the call: do not wait here for anything
 *	that waits for @buf). Drivers turn it into a userspace event.
 */
struct dmem_owner_ops {
	void (*notify)(struct dmem_owner *owner, struct dmem_buf *buf,
		       enum dmem_owner_event event);
};

/**
 * struct dmem_importer_ops - callbacks of an importer
 * @revoke_notify: the buffer is being revoked: stop DMA to it, then call
 *	dmem_importer_ack() (from this callback or later, from any context).
 *	Called in process context with no lock of the manager held. Must not
 *	call dmem_importer_detach() on @importer.
 */
struct dmem_importer_ops {
	void (*revoke_notify)(struct dmem_importer *importer);
};

/**
 * enum dmem_buf_state - where a buffer is; see the top of this file
 * @DMEM_BUF_EVICTED: not in device memory (the initial state)
 * @DMEM_BUF_RESIDENT: in device memory, charged
 * @DMEM_BUF_EVICTING: chosen as a victim, being evicted
 * @DMEM_BUF_REVOKING: being revoked, or parked after a revoke timeout
 * @DMEM_BUF_REVOKED: revoked: not in device memory, contents preserved
 */
enum dmem_buf_state {
	DMEM_BUF_EVICTED,
	DMEM_BUF_RESIDENT,
	DMEM_BUF_EVICTING,
	DMEM_BUF_REVOKING,
	DMEM_BUF_REVOKED,
};

/**
 * struct dmem_buf - the manager's part of a driver's buffer object
 * @node: entry in the pool's LRU (unpinned) or in the owner's pinned list
 *	of the pool (pinned) while resident and not busy
 * @importers: the attached importers (struct dmem_importer::node)
 * @region: the eviction region (referenced)
 * @owner: the owner (referenced)
 * @link: the (owner, pool) link while charged, else NULL
 * @size: bytes
 * @stamp: LRU stamp, from the region's use counter
 * @pin_count: pins
 * @state: enum dmem_buf_state
 * @flags: internal flags
 * @hard_pins: holders that cannot be revoked, see dmem_buf_hard_pin()
 *
 * All fields are private to the manager and protected by the region's
 * lock; read the state with dmem_buf_state().
 */
struct dmem_buf {
	struct list_head node;
	struct list_head importers;
	struct dmem_evict_region *region;
	struct dmem_owner *owner;
	struct dmem_evict_link *link;
	u64 size;
	u64 stamp;
	unsigned int pin_count;
	u8 state;
	u8 flags;
	u16 hard_pins;
};

/**
 * struct dmem_importer - an importer of a buffer (a dma-buf attachment)
 * @node: entry in the buffer's list of importers
 * @buf: the buffer
 * @ops: the callbacks
 * @revoke: the revoke waiting for this importer's acknowledgment
 * @flags: internal flags (atomic bit operations)
 *
 * Private to the manager; embed it in the driver's attachment object.
 */
struct dmem_importer {
	struct list_head node;
	struct dmem_buf *buf;
	const struct dmem_importer_ops *ops;
	struct dmem_revoke *revoke;
	unsigned long flags;
};

/**
 * struct dmem_owner_stats - counters of an owner, in bytes
 * @resident: resident now (pinned included)
 * @pinned: pinned now
 * @evicted: evicted so far
 * @revoked: revoked so far
 * @revoke_failures: revokes that ended the pins of a buffer they could not
 *	move (a count, not bytes)
 */
struct dmem_owner_stats {
	u64 resident;
	u64 pinned;
	u64 evicted;
	u64 revoked;
	u64 revoke_failures;
};

/**
 * struct dmem_evict_region_stats - state of an eviction region
 * @capacity: bytes of device memory
 * @used: bytes of resident buffers (parked revokes included)
 * @buffers: initialized buffers, whatever their state
 * @parked: revokes parked for lack of acknowledgment
 * @revoke_timeouts: importers that did not acknowledge a revoke in time
 * @revoke_failures: revokes whose evict op failed: the buffer stayed
 *	resident, its pins ended
 */
struct dmem_evict_region_stats {
	u64 capacity;
	u64 used;
	u64 buffers;
	u64 parked;
	u64 revoke_timeouts;
	u64 revoke_failures;
};

struct dmem_evict_region *
dmem_evict_region_create(struct dmem_cgroup_region *cg_region, u64 capacity,
			 const struct dmem_evict_ops *ops, void *priv);
void dmem_evict_region_teardown(struct dmem_evict_region *region);
void dmem_evict_region_destroy(struct dmem_evict_region *region);
void *dmem_evict_region_priv(struct dmem_evict_region *region);
struct dmem_cgroup_region *
dmem_evict_region_cg(struct dmem_evict_region *region);
void dmem_evict_region_get_stats(struct dmem_evict_region *region,
				 struct dmem_evict_region_stats *stats);

struct dmem_owner *dmem_owner_create(const struct dmem_owner_ops *ops,
				     void *priv);
struct dmem_owner *dmem_owner_get(struct dmem_owner *owner);
void dmem_owner_put(struct dmem_owner *owner);
pid_t dmem_owner_tgid(struct dmem_owner *owner);
void *dmem_owner_priv(struct dmem_owner *owner);
int dmem_owner_try_charge(struct dmem_owner *owner,
			  struct dmem_cgroup_region *region, u64 size,
			  struct dmem_cgroup_pool_state **ret_pool,
			  struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_owner_count_revoke_failure(struct dmem_owner *owner);
void dmem_owner_get_stats(struct dmem_owner *owner,
			  struct dmem_owner_stats *stats);
int dmem_owner_revoke_all(struct dmem_owner *owner);
void dmem_fdinfo_print_size(struct seq_file *m, const char *key,
			    const char *prefix, const char *region, u64 size);

int dmem_buf_init(struct dmem_buf *buf, struct dmem_evict_region *region,
		  struct dmem_owner *owner, u64 size);
int dmem_buf_make_resident(struct dmem_buf *buf);
int dmem_buf_make_resident_reserved(struct dmem_buf *buf);
int dmem_buf_pin(struct dmem_buf *buf);
int dmem_buf_pin_reserved(struct dmem_buf *buf);
int dmem_buf_unpin(struct dmem_buf *buf);
void dmem_buf_mark_used(struct dmem_buf *buf);
void dmem_buf_free(struct dmem_buf *buf);
enum dmem_buf_state dmem_buf_state(struct dmem_buf *buf);
bool dmem_buf_is_pinned(struct dmem_buf *buf);
int dmem_buf_hard_pin(struct dmem_buf *buf);
void dmem_buf_hard_unpin(struct dmem_buf *buf);

void dmem_importer_attach(struct dmem_importer *importer, struct dmem_buf *buf,
			  const struct dmem_importer_ops *ops);
void dmem_importer_detach(struct dmem_importer *importer);
void dmem_importer_ack(struct dmem_importer *importer);

#endif /* _LINUX_DMEM_EVICT_H */
