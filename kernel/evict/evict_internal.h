/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal structures of the dmem eviction manager, shared by the files of
 * kernel/evict/ and its tests/ and bench/ only.
 *
 * Data (per eviction region):
 *
 *   dmem_evict_region
 *     pools (list) + pool_hash ------> dmem_evict_pool, one per dmem pool
 *                                      with resident buffers of the region
 *     lru_pools (rbtree) ------------> the same, only those whose lru is not
 *                                      empty, ordered by the stamp of their
 *                                      lru's head (order.c)
 *                                        lru: unpinned resident buffers,
 *                                             oldest (lowest stamp) first
 *                                        pinned_links: links that have
 *                                             pinned buffers
 *     link_hash ---------------------> dmem_evict_link, one per (owner, pool)
 *                                      with resident buffers
 *                                        pinned: that owner's pinned
 *                                             resident buffers, oldest first
 *     parked: revokes parked after a timeout or a signal
 *
 * Every list is kept in stamp order: a buffer gets a new stamp from the
 * region's counter whenever it is appended to a list, so the head of each
 * list is its oldest buffer and the oldest head across lists is found by
 * comparing heads only. The pools with unpinned buffers are also kept in
 * an rbtree by the stamp of their LRU's head, so that the oldest unpinned
 * buffer of the region is the head of the leftmost pool's LRU, and the
 * policy visits pools oldest first and stops at the first it may take
 * from. Every change of a list goes through dmem_buf_stamp_locked() or
 * dmem_buf_unlist_locked(), which keep that tree and the region's byte
 * totals of the lists right.
 *
 * Locking, in order (take only in this order, never the reverse):
 *
 *   1. dmem_evict_mutex (a mutex): the list of regions, walked by
 *      dmem_owner_revoke_all() to take a reference on each; never held
 *      across a revoke;
 *   2. the controller's reclaim rwsem of the dmem region, held (for read)
 *      around the reclaim callback;
 *   3. dmem_evict_region::lock (a spinlock): everything of the region below,
 *      every field of its buffers, the buffer lists of its importers and the
 *      non-atomic use of importer flags. Calls into the controller made with
 *      it held are lockless (page counters, atomics, percpu refs).
 *
 * Not nested in anything of the manager: the driver's ops, the owner's
 * notify callback and importers' revoke_notify (called with no lock held),
 * and dmem_importer_ack() (lockless: atomics and a completion, any context).
 * No path sleeps with the region lock held: waits drop it and wait on
 * dmem_evict_region::wq, which every state change that ends a wait wakes.
 *
 * Lifetimes:
 *   - a region: a kref; one reference from its creator
 *     (dropped by dmem_evict_region_destroy()), one per initialized buffer,
 *     one per started revoke until its object is released (which may be
 *     after its buffer is freed: a late acknowledgment's).
 *     It refers to the dmem region without a reference: the driver tears
 *     the eviction region down before unregistering the dmem region, and
 *     after teardown nothing is charged and nothing touches it;
 *   - an owner: a kref; one reference from its creator, one per
 *     initialized buffer. It holds a reference on its dmem css, so charges
 *     can go to the cgroup (or, once removed, its nearest live ancestor);
 *   - a pool state (dmem_evict_pool): exists while some link refers to it
 *     (nr_links), under the region lock; holds a reference on the dmem pool;
 *   - a link: exists while some buffer is charged through it (nr_bufs);
 *   - a revoke: refcount; one reference for its work item, which finishes
 *     it (queued by the revoker, the last late ack or the teardown), one
 *     per importer still awaited (dropped by its ack or detach), and one
 *     for a revoker while it waits for the work. Once none is left, its
 *     object becomes the region's spare (dmem_evict_region::spare) if the
 *     region has none, else it is freed: an object is reused only when
 *     nothing refers to it, so no two revokes ever share one.
 *   A removed cgroup's pool stays valid while our references hold it, as
 *   the controller guarantees; a torn down region charges nothing more.
 */
#ifndef _KERNEL_EVICT_EVICT_INTERNAL_H
#define _KERNEL_EVICT_EVICT_INTERNAL_H

#include <linux/cgroup_dmem.h>
#include <linux/completion.h>
#include <linux/dmem_evict.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/dmem_policy.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/* The benchmark issue's budget for per-buffer tracking. */
#define DMEM_BUF_SIZE_BUDGET	96

/* dmem_buf::flags, under the region lock */
#define DMEM_BUF_F_BUSY		BIT(0)	/* a thread (or a parked revoke) owns it */
#define DMEM_BUF_F_PINNED	BIT(1)	/* its bytes are charged as pinned */
#define DMEM_BUF_F_PARKED	BIT(2)	/* busy with a parked revoke */
#define DMEM_BUF_F_LRU		BIT(3)	/* listed on its pool's lru */

/* dmem_importer::flags bits, atomic bit operations */
#define DMEM_IMP_AWAITED	0	/* a revoke waits for its ack */
#define DMEM_IMP_NEED_NOTIFY	1	/* revoke_notify still to be called */
#define DMEM_IMP_NOTIFYING	2	/* revoke_notify is running */
#define DMEM_IMP_TIMED_OUT	3	/* did not ack a revoke in time */

extern struct mutex dmem_evict_mutex;
extern struct list_head dmem_evict_regions;

/**
 * struct dmem_evict_region - an eviction region
 * @lock: protects everything below but @ref, @cg, @ops, @priv, @node
 * @ref: references, see the top of this file
 * @cg: the dmem region (not referenced)
 * @ops: the driver's ops
 * @priv: the driver's data
 * @node: entry in dmem_evict_regions (dmem_evict_mutex)
 * @capacity: bytes of device memory
 * @used: bytes charged to resident (and parked revoking) buffers
 * @stamp: the use counter that stamps buffers
 * @pools: all dmem_evict_pool of the region
 * @lru_pools: those with unpinned buffers listed, by the stamp of their
 *	lru's head (dmem_evict_pool::lru_node); leftmost: the oldest
 * @lru_bytes: bytes of the buffers on every lru of the region
 * @pinned_bytes: bytes of the buffers on every pinned list of the region
 * @pool_hash: all dmem_evict_pool of the region, by dmem pool
 * @link_hash: all dmem_evict_link of the region, by (owner, pool)
 * @parked: parked revokes (dmem_revoke::node)
 * @spare: a revoke object no revoke uses, kept for the next one
 *	(dmem_revoke_get()), or NULL. Not under @lock: taken with xchg(),
 *	put back with cmpxchg() by the last dmem_revoke_put() of a revoke,
 *	which may come from any context; freed by the teardown and the
 *	release
 * @nr_bufs: initialized buffers
 * @nr_busy: busy buffers, parked revokes excluded
 * @nr_inflight: victims being evicted or revoked right now
 * @inflight_seq: bumped when an eviction or revoke ends
 * @revoke_timeouts: importers that did not acknowledge in time
 * @revoke_failures: revokes whose evict op failed
 * @dead: torn down: nothing becomes resident any more
 * @wq: waiters for a busy buffer, an in-flight victim or a notify
 */
struct dmem_evict_region {
	spinlock_t lock;	/* see the top of this file */
	struct kref ref;
	struct dmem_cgroup_region *cg;
	const struct dmem_evict_ops *ops;
	void *priv;
	struct list_head node;
	u64 capacity;
	u64 used;
	u64 stamp;
	struct list_head pools;
	struct rb_root_cached lru_pools;
	u64 lru_bytes;
	u64 pinned_bytes;
	DECLARE_HASHTABLE(pool_hash, 5);
	DECLARE_HASHTABLE(link_hash, 7);
	struct list_head parked;
	struct dmem_revoke *spare;
	u64 nr_bufs;
	unsigned int nr_busy;
	unsigned int nr_inflight;
	unsigned long inflight_seq;
	u64 revoke_timeouts;
	u64 revoke_failures;
	bool dead;
	wait_queue_head_t wq;
};

/**
 * struct dmem_evict_pool - the manager's state of one dmem pool in a region
 * @pool: the dmem pool (referenced)
 * @hnode: entry in dmem_evict_region::pool_hash
 * @node: entry in dmem_evict_region::pools
 * @lru_node: entry in dmem_evict_region::lru_pools while @lru is not empty
 *	(RB_EMPTY_NODE() otherwise), keyed by the stamp of @lru's head
 * @lru: unpinned resident buffers, oldest first
 * @pinned_links: links of this pool with pinned buffers
 *	(dmem_evict_link::pool_node)
 * @nr_links: links referring to this state
 *
 * All fields under the region lock.
 */
struct dmem_evict_pool {
	struct dmem_cgroup_pool_state *pool;
	struct hlist_node hnode;
	struct list_head node;
	struct rb_node lru_node;
	struct list_head lru;
	struct list_head pinned_links;
	unsigned int nr_links;
};

/**
 * struct dmem_evict_link - an owner's buffers charged to one pool
 * @epool: the pool state (counted in its nr_links)
 * @owner: the owner (not referenced: each of the buffers holds one)
 * @hnode: entry in dmem_evict_region::link_hash
 * @pool_node: entry in dmem_evict_pool::pinned_links while @pinned is not
 *	empty
 * @pinned: the owner's pinned resident buffers in the pool, oldest first
 * @pinned_bytes: bytes of the buffers on @pinned
 * @nr_bufs: buffers charged through this link
 *
 * All fields under the region lock.
 */
struct dmem_evict_link {
	struct dmem_evict_pool *epool;
	struct dmem_owner *owner;
	struct hlist_node hnode;
	struct list_head pool_node;
	struct list_head pinned;
	u64 pinned_bytes;
	unsigned int nr_bufs;
};

/**
 * struct dmem_owner - a userspace client of device memory
 * @ref: references, see the top of this file
 * @tgid: thread group of the creator
 * @dead: revoked by dmem_owner_revoke_all(): nothing of it becomes resident
 * @css: the dmem css of the creator's cgroup (referenced)
 * @ops: the driver's callbacks, or NULL
 * @priv: the driver's data
 * @resident: resident bytes
 * @pinned: pinned bytes
 * @evicted: bytes evicted so far
 * @revoked: bytes revoked so far
 * @revoke_failures: revokes of its buffers whose evict op failed
 * @charge_hint: the pool its last charge through its cgroup went to, not
 *	referenced: only a key to find, under a region's lock, the link its
 *	next charges go through (see dmem_buf_charge()); written under the
 *	lock of the region of that link, read under any region's lock
 */
struct dmem_owner {
	struct kref ref;
	pid_t tgid;
	bool dead;
	struct cgroup_subsys_state *css;
	const struct dmem_owner_ops *ops;
	void *priv;
	atomic64_t resident;
	atomic64_t pinned;
	atomic64_t evicted;
	atomic64_t revoked;
	atomic64_t revoke_failures;
	struct dmem_cgroup_pool_state *charge_hint;
};

/* dmem_revoke::state */
enum dmem_revoke_state {
	DMEM_REVOKE_WAITING,	/* the revoker waits for the acks */
	DMEM_REVOKE_DONE,	/* all acked while the revoker waited */
	DMEM_REVOKE_PARKED,	/* the revoker gave up waiting */
	DMEM_REVOKE_LATE,	/* all acked after parking */
	DMEM_REVOKE_ABANDONED,	/* the teardown finishes it without the acks */
};

/**
 * struct dmem_revoke - one revoke of one buffer
 * @buf: the buffer
 * @region: its region
 * @pending: acks awaited, plus one while the revoker notifies
 * @state: enum dmem_revoke_state, changed with atomic_cmpxchg()
 * @ref: references, see the top of this file
 * @done: completed on WAITING -> DONE
 * @finished: completed by the work item once the revoke is finished
 * @ret: the result of the finish (the evict op's), valid once @finished
 * @work: finishes the revoke (dmem_revoke_finish()), whatever the state
 * @node: entry in dmem_evict_region::parked (region lock)
 * @batch: entry in the list of a sweep's revokes (owned by the sweeper)
 * @start_ns: when it started (CLOCK_MONOTONIC, which unlike local_clock()
 *	is consistent across CPUs: it may finish on another one), for the
 *	latency traced
 */
struct dmem_revoke {
	struct dmem_buf *buf;
	struct dmem_evict_region *region;
	atomic_t pending;
	atomic_t state;
	refcount_t ref;
	struct completion done;
	struct completion finished;
	int ret;
	struct work_struct work;
	struct list_head node;
	struct list_head batch;
	u64 start_ns;
};

/**
 * struct dmem_revoke_deadline - one revoke timeout for a whole operation
 * @at: jiffies at which waiting for acknowledgments ends
 * @finish_at: with @finish_bounded, jiffies at which waiting for the work
 *	items that finish the acknowledged revokes ends
 * @set: @at is set; the first wait of the operation sets it
 * @finish_set: @finish_at is set; the first wait for a finish sets it
 * @finish_bounded: the operation holds a buffer's reservation (a
 *	_reserved make-resident or pin), which such a work item may wait
 *	for: it waits for those no longer than @finish_at. Other operations
 *	hold no lock a work item needs and wait for them (interruptibly),
 *	as the evict op's copy may take longer than a revoke timeout
 *
 * An allocation that revokes several victims, a region teardown and an
 * owner-wide revoke each wait at most one revoke timeout in total for
 * acknowledgments, however many importers they notify. Start zeroed.
 */
struct dmem_revoke_deadline {
	unsigned long at;
	unsigned long finish_at;
	bool set;
	bool finish_set;
	bool finish_bounded;
};

/* dmem_buf_wait_idle_locked()'s @how */
#define DMEM_WAIT_USE		BIT(0)	/* a use: may give up, see there */
#define DMEM_WAIT_RESERVED	BIT(1)	/* the caller holds the buffer's locks */

static inline struct dmem_cgroup_pool_state *
dmem_buf_pool(struct dmem_buf *buf)
{
	return buf->link ? buf->link->epool->pool : NULL;
}

/* buf.c */
int dmem_evict_charge(struct dmem_owner *owner, struct dmem_cgroup_region *cg,
		      u64 size, struct dmem_cgroup_pool_state **ret_pool,
		      struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_buf_release_locked(struct dmem_buf *buf);
void dmem_buf_unbusy_locked(struct dmem_buf *buf);
int dmem_buf_wait_idle_locked(struct dmem_buf *buf, unsigned int how);
struct dmem_evict_link *
dmem_link_find_locked(struct dmem_evict_region *region, struct dmem_owner *owner,
		      struct dmem_cgroup_pool_state *pool);
void dmem_link_put_locked(struct dmem_evict_region *region,
			  struct dmem_evict_link *link);
void dmem_owner_notify(struct dmem_buf *buf, enum dmem_owner_event event);

/* order.c */
void dmem_buf_stamp_locked(struct dmem_buf *buf, struct list_head *list);
void dmem_buf_unlist_locked(struct dmem_buf *buf);
void dmem_epool_order_init(struct dmem_evict_pool *epool);
struct dmem_evict_pool *dmem_epool_oldest_locked(struct dmem_evict_region *region);
struct dmem_evict_pool *dmem_epool_next_locked(struct dmem_evict_region *region,
					       struct dmem_evict_pool *epool);

/* policy.c */
struct dmem_buf *dmem_evict_pick_locked(struct dmem_evict_region *region,
					struct dmem_cgroup_pool_state *limit,
					struct dmem_owner *requester,
					bool allow_revoke,
					enum dmem_victim_kind *kind);
int dmem_evict_one(struct dmem_evict_region *region,
		   struct dmem_cgroup_pool_state *limit,
		   struct dmem_owner *requester, bool allow_revoke, u64 *freed,
		   struct dmem_revoke_deadline *deadline);
bool dmem_evict_can_cover(struct dmem_evict_region *region,
			  struct dmem_cgroup_pool_state *limit,
			  struct dmem_owner *requester,
			  struct dmem_cgroup_pool_state *own, u64 need);
bool dmem_evict_can_succeed(struct dmem_evict_region *region,
			    struct dmem_owner *owner, u64 size, u64 region_need);
void dmem_evict_enomem(struct dmem_evict_region *region,
		       struct dmem_owner *owner,
		       struct dmem_cgroup_pool_state *pool, u64 size,
		       struct dmem_cgroup_pool_state *limit, unsigned int futile);
int dmem_evict_reclaim(struct dmem_cgroup_pool_state *pool, u64 target_bytes,
		       void *priv);

/* revoke.c */

/*
 * dmem_revoke_get() under the region lock: the spare, or a new object if
 * one can be had without sleeping.
 */
#define DMEM_REVOKE_GFP_LOCKED	(GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN)

struct dmem_revoke *dmem_revoke_get(struct dmem_evict_region *region,
				    gfp_t gfp);
void dmem_revoke_discard(struct dmem_evict_region *region,
			 struct dmem_revoke *rv);
void dmem_revoke_free_spare(struct dmem_evict_region *region);
void dmem_revoke_start_locked(struct dmem_buf *buf, struct dmem_revoke *rv);
unsigned long dmem_revoke_deadline_left(struct dmem_revoke_deadline *deadline,
					struct dmem_evict_region *region);
int dmem_revoke_run(struct dmem_revoke *rv, bool abandon,
		    struct dmem_revoke_deadline *deadline);
int dmem_revoke_sweep_start(struct dmem_evict_region *region,
			    struct dmem_owner *owner, bool abandon,
			    struct list_head *batch);
int dmem_revoke_sweep_wait(struct list_head *batch, bool abandon);
int dmem_revoke_sweep(struct dmem_evict_region *region, struct dmem_owner *owner,
		      bool abandon);
void dmem_revoke_abandon_parked(struct dmem_evict_region *region);

/* region.c */
void dmem_evict_region_put(struct dmem_evict_region *region);

/* Per-buffer tracking must stay within the budget (docs/design.md). */
static_assert(sizeof(struct dmem_buf) <= DMEM_BUF_SIZE_BUDGET);

/* cgroup.c: dmem.policy, parsed */

/**
 * struct dmem_evict_policy_req - a parsed dmem.policy line
 * @set_mode: @mode was given
 * @mode: the pin policy
 * @set_timeout: @timeout_ms was given
 * @timeout_ms: revoke timeout in milliseconds
 */
struct dmem_evict_policy_req {
	bool set_mode;
	enum dmem_pin_policy mode;
	bool set_timeout;
	unsigned int timeout_ms;
};

int dmem_evict_parse_policy(char *args, struct dmem_evict_policy_req *req);

#endif /* _KERNEL_EVICT_EVICT_INTERNAL_H */
