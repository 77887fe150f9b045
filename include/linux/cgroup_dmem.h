/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem cgroup controller: accounting and limits for device memory.
 *
 * A driver registers each of its memory regions (VRAM of one device, for
 * instance) with dmem_cgroup_register_region() and charges every allocation
 * in it with dmem_cgroup_try_charge(). The charge goes to a per-cgroup,
 * per-region "pool" and stays there until dmem_cgroup_uncharge(), wherever
 * the allocating task moves afterwards.
 *
 * The first part of this header keeps the signatures of the upstream (6.14+)
 * dmem controller, so that drivers written against it build unchanged. The
 * second part is what the eviction layer (include/linux/dmem_evict.h) builds
 * on: charging on behalf of another cgroup, pinned accounting, events,
 * statistics, the per-region reclaim callback and the pin policy.
 *
 * Reference rules: a successful charge returns a pool with one reference,
 * which dmem_cgroup_uncharge() drops. A failed charge may return the pool
 * whose limit was hit, with a reference the caller drops with
 * dmem_cgroup_pool_state_put(). A pool stays valid while a reference is
 * held, even if its cgroup is removed or its region unregistered.
 */
#ifndef _LINUX_CGROUP_DMEM_H
#define _LINUX_CGROUP_DMEM_H

#include <linux/types.h>
#include <linux/err.h>

struct cgroup_subsys_state;
struct task_struct;
struct dmem_cgroup_region;
struct dmem_cgroup_pool_state;

/**
 * enum dmem_cgroup_event - events counted per pool, shown in dmem.events
 * @DMEM_CGROUP_EVENT_LOW: a pool was reclaimed below its effective low
 *	protection because nothing else could be evicted
 * @DMEM_CGROUP_EVENT_MAX: a charge failed because dmem.max was reached
 * @DMEM_CGROUP_EVENT_PIN_MAX: a pin failed because dmem.pinned.max was reached
 * @DMEM_CGROUP_EVENT_EVICT: a buffer of the pool was evicted
 * @DMEM_CGROUP_EVENT_REVOKE: a pinned buffer of the pool was revoked
 * @DMEM_CGROUP_EVENT_ENOMEM: an allocation charged to the pool failed for
 *	lack of anything that could be evicted
 * @DMEM_CGROUP_NR_EVENTS: number of events
 */
enum dmem_cgroup_event {
	DMEM_CGROUP_EVENT_LOW,
	DMEM_CGROUP_EVENT_MAX,
	DMEM_CGROUP_EVENT_PIN_MAX,
	DMEM_CGROUP_EVENT_EVICT,
	DMEM_CGROUP_EVENT_REVOKE,
	DMEM_CGROUP_EVENT_ENOMEM,
	DMEM_CGROUP_NR_EVENTS,
};

/**
 * enum dmem_cgroup_stat - counters maintained by the eviction layer,
 *	shown in dmem.stat next to the controller's own current and pinned
 * @DMEM_CGROUP_STAT_EVICTABLE: bytes that could be evicted (gauge)
 * @DMEM_CGROUP_STAT_BUFFERS: buffers charged (gauge)
 * @DMEM_CGROUP_STAT_OWNERS: owners with memory in the region (gauge)
 * @DMEM_CGROUP_STAT_EVICTED_BYTES: bytes evicted so far (counter)
 * @DMEM_CGROUP_STAT_REVOKED_BYTES: bytes revoked so far (counter)
 * @DMEM_CGROUP_STAT_FUTILE_EVICTIONS: evictions and revokes made for an
 *	allocation that then failed, because others took the room meanwhile
 *	(counter)
 * @DMEM_CGROUP_NR_STATS: number of statistics
 */
enum dmem_cgroup_stat {
	DMEM_CGROUP_STAT_EVICTABLE,
	DMEM_CGROUP_STAT_BUFFERS,
	DMEM_CGROUP_STAT_OWNERS,
	DMEM_CGROUP_STAT_EVICTED_BYTES,
	DMEM_CGROUP_STAT_REVOKED_BYTES,
	DMEM_CGROUP_STAT_FUTILE_EVICTIONS,
	DMEM_CGROUP_NR_STATS,
};

/**
 * enum dmem_cgroup_pin_policy - what may happen to pinned memory of a region
 * @DMEM_CGROUP_PIN_SOFT: pinned buffers of other owners may be revoked as a
 *	last resort (the default)
 * @DMEM_CGROUP_PIN_STRICT: pinned buffers are never revoked
 */
enum dmem_cgroup_pin_policy {
	DMEM_CGROUP_PIN_SOFT,
	DMEM_CGROUP_PIN_STRICT,
};

/**
 * struct dmem_cgroup_reclaim_ops - how the controller asks for eviction
 * @reclaim: evict memory charged to @pool or to its descendants, about
 *	@nr_bytes of it. Called when a write to dmem.max leaves @pool above
 *	its new limit, in process context, with no lock of the controller
 *	held; it may sleep and should return early if a signal is pending.
 *	@pool is referenced for the duration of the call. Returns the number
 *	of bytes uncharged; 0 tells the controller that nothing more can be
 *	evicted.
 */
struct dmem_cgroup_reclaim_ops {
	u64 (*reclaim)(struct dmem_cgroup_pool_state *pool, u64 nr_bytes,
		       void *priv);
};

#if IS_ENABLED(CONFIG_CGROUP_DMEM)

/**
 * dmem_cgroup_register_region() - register a region of device memory
 * @size: size of the region in bytes, shown in dmem.capacity
 * @name_fmt: printf format of the region's name, e.g. "drm/%s/vram0"; the
 *	name must be unique, at most 127 characters, without white space
 *
 * Context: process context, may sleep.
 * Return: the region; NULL if @size is 0 (nothing to account); an ERR_PTR()
 * on failure: -EINVAL for an invalid name, -EEXIST for a name in use,
 * -ENOMEM.
 */
struct dmem_cgroup_region *dmem_cgroup_register_region(u64 size,
						       const char *name_fmt, ...)
	__printf(2, 3);

/**
 * dmem_cgroup_unregister_region() - remove a region
 * @region: the region, or NULL or an ERR_PTR() (ignored)
 *
 * The region disappears from the dmem.* files at once, and later charges to
 * it fail with -ENODEV. Memory still charged to it stays charged, and its
 * pools stay valid, until it is uncharged. Waits for a running reclaim
 * callback of the region to return.
 *
 * Context: process context, may sleep.
 */
void dmem_cgroup_unregister_region(struct dmem_cgroup_region *region);

/**
 * dmem_cgroup_try_charge() - charge memory to the current task's cgroup
 * @region: region the memory is allocated from; NULL charges nothing
 * @size: bytes to charge
 * @ret_pool: on success, the pool charged, with a reference that
 *	dmem_cgroup_uncharge() drops; NULL when @region is NULL
 * @ret_limit_pool: optional; on -EAGAIN, the pool whose dmem.max was hit,
 *	with a reference to drop with dmem_cgroup_pool_state_put(); otherwise
 *	NULL
 *
 * The charge is checked against dmem.max of the task's cgroup and of all
 * its ancestors. If the task's cgroup is being removed, its nearest live
 * ancestor is charged.
 *
 * Context: process context, may sleep (the first charge of a cgroup in a
 * region allocates its pool).
 * Return: 0 on success; -EAGAIN if a limit was hit (a "max" event is
 * counted at the limiting pool; evicting from its subtree may help);
 * -ENODEV if the region was unregistered; -EINVAL if @size exceeds the
 * largest value the controller accounts; -ENOMEM if a pool cannot be
 * allocated or the fault-injection point fail_dmem_charge fails the charge
 * (CONFIG_DMEM_FAULT_INJECTION; not a limit hit: no event, no limit pool).
 */
int dmem_cgroup_try_charge(struct dmem_cgroup_region *region, u64 size,
			   struct dmem_cgroup_pool_state **ret_pool,
			   struct dmem_cgroup_pool_state **ret_limit_pool);

/**
 * dmem_cgroup_uncharge() - uncharge memory charged by a successful charge
 * @pool: the pool returned by the charge, or NULL (ignored)
 * @size: bytes to uncharge, the same as charged
 *
 * Drops the reference the charge returned.
 *
 * Context: any context.
 */
void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool, u64 size);

/**
 * dmem_cgroup_state_evict_valuable() - may memory of a pool be evicted?
 * @limit_pool: the pool whose limit was hit, or NULL when the region itself
 *	is full
 * @test_pool: pool of the candidate victim
 * @ignore_low: evict even below the effective low protection
 * @ret_hit_low: set to true if the answer is "no" only because of the low
 *	protection; the caller may retry with @ignore_low set (and should then
 *	count a %DMEM_CGROUP_EVENT_LOW on @test_pool)
 *
 * Evicting helps only inside the subtree of @limit_pool, and never below a
 * pool's effective dmem.min. Effective protections are computed from
 * @limit_pool (or the root) down to @test_pool as the memory controller
 * does with memory_recursiveprot.
 *
 * Context: any context; the caller holds references on both pools.
 * Return: true if memory charged to @test_pool may be evicted.
 */
bool dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				      struct dmem_cgroup_pool_state *test_pool,
				      bool ignore_low, bool *ret_hit_low);

/**
 * dmem_cgroup_pool_state_put() - drop a reference on a pool
 * @pool: the pool, or NULL (ignored)
 *
 * Context: any context.
 */
void dmem_cgroup_pool_state_put(struct dmem_cgroup_pool_state *pool);

/* Extensions of this project. */

/**
 * dmem_cgroup_get_task_css() - get the dmem state of a task's cgroup
 * @task: the task
 *
 * Used to remember the cgroup of an owner (typically at open time) so that
 * later allocations are charged to it with dmem_cgroup_try_charge_css().
 *
 * Context: any context.
 * Return: the css, with a reference to drop with css_put().
 */
struct cgroup_subsys_state *dmem_cgroup_get_task_css(struct task_struct *task);

/**
 * dmem_cgroup_try_charge_css() - charge memory to a given cgroup
 * @css: the dmem css of the cgroup to charge (the caller holds a reference)
 * @region: as for dmem_cgroup_try_charge()
 * @size: as for dmem_cgroup_try_charge()
 * @ret_pool: as for dmem_cgroup_try_charge()
 * @ret_limit_pool: as for dmem_cgroup_try_charge()
 *
 * The same as dmem_cgroup_try_charge() for the cgroup of @css instead of the
 * current task's. If that cgroup was removed, its nearest live ancestor is
 * charged.
 *
 * Context: process context, may sleep.
 * Return: as dmem_cgroup_try_charge().
 */
int dmem_cgroup_try_charge_css(struct cgroup_subsys_state *css,
			       struct dmem_cgroup_region *region, u64 size,
			       struct dmem_cgroup_pool_state **ret_pool,
			       struct dmem_cgroup_pool_state **ret_limit_pool);

/**
 * dmem_cgroup_try_charge_pinned() - account charged memory as pinned
 * @pool: pool of a successful charge that covers the bytes
 * @size: bytes to pin
 * @ret_limit_pool: optional; on -EAGAIN, the pool whose dmem.pinned.max was
 *	hit, with a reference to drop with dmem_cgroup_pool_state_put()
 *
 * Pinned bytes are a subset of the charged bytes: the caller pins only
 * bytes it has charged to @pool, and unpins them before uncharging them.
 *
 * Context: any context.
 * Return: 0; -EAGAIN if dmem.pinned.max of @pool or of an ancestor was hit
 * (a "pin_max" event is counted at the limiting pool); -EINVAL for a size
 * out of range; -ENOMEM when the fault-injection point fail_dmem_charge
 * fails it (CONFIG_DMEM_FAULT_INJECTION; no event is counted).
 */
int dmem_cgroup_try_charge_pinned(struct dmem_cgroup_pool_state *pool,
				  u64 size,
				  struct dmem_cgroup_pool_state **ret_limit_pool);

/**
 * dmem_cgroup_uncharge_pinned() - undo dmem_cgroup_try_charge_pinned()
 * @pool: the pool
 * @size: bytes to unpin
 *
 * Context: any context.
 */
void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool, u64 size);

/**
 * dmem_cgroup_pool_get() - take another reference on a pool
 * @pool: a pool the caller holds a reference on
 *
 * Context: any context.
 * Return: @pool.
 */
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_get(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_region() - region of a pool
 * @pool: the pool
 *
 * Return: the region; valid while the pool is.
 */
struct dmem_cgroup_region *
dmem_cgroup_pool_region(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_parent() - pool of the parent cgroup in the same region
 * @pool: the pool
 *
 * Return: the parent pool, NULL for the root cgroup's; valid while @pool is.
 */
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_parent(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_is_descendant() - is a pool in the subtree of another?
 * @pool: the pool tested
 * @ancestor: root of the subtree
 *
 * Return: true if @pool is @ancestor or one of its descendants.
 */
bool dmem_cgroup_pool_is_descendant(struct dmem_cgroup_pool_state *pool,
				    struct dmem_cgroup_pool_state *ancestor);

/**
 * dmem_cgroup_pool_usage() - bytes charged to a pool and its descendants
 * @pool: the pool
 *
 * Return: the value shown in dmem.current.
 */
u64 dmem_cgroup_pool_usage(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_max() - limit of a pool
 * @pool: the pool
 *
 * Return: the value of dmem.max; U64_MAX when unlimited.
 */
u64 dmem_cgroup_pool_max(struct dmem_cgroup_pool_state *pool);

u64 dmem_cgroup_pool_pinned(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_cgroup_id() - id of the cgroup a pool belongs to
 * @pool: the pool
 *
 * Return: cgroup_id() of the pool's cgroup (the inode number of its
 * directory), for tracing and event records.
 */
u64 dmem_cgroup_pool_cgroup_id(struct dmem_cgroup_pool_state *pool);

/**
 * dmem_cgroup_pool_event() - count an event
 * @pool: pool the event happened to
 * @event: the event
 *
 * Counts @event in dmem.events.local of @pool's cgroup and in dmem.events
 * of the cgroup and of all its ancestors, and wakes poll() and inotify
 * watchers of those files. The controller counts %DMEM_CGROUP_EVENT_MAX and
 * %DMEM_CGROUP_EVENT_PIN_MAX itself; the eviction layer counts the others.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_event(struct dmem_cgroup_pool_state *pool,
			    enum dmem_cgroup_event event);

/**
 * dmem_cgroup_pool_stat_add() - change a statistic shown in dmem.stat
 * @pool: pool the change applies to
 * @item: the statistic
 * @delta: the change; gauges go up and down, counters only up
 *
 * The change applies to @pool and to all its ancestors: dmem.stat shows
 * subtree totals.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_stat_add(struct dmem_cgroup_pool_state *pool,
			       enum dmem_cgroup_stat item, s64 delta);

s64 dmem_cgroup_pool_stat(struct dmem_cgroup_pool_state *pool,
			  enum dmem_cgroup_stat item);

/**
 * dmem_cgroup_region_name() - name of a region
 * @region: the region
 *
 * Return: the name; valid while the region is.
 */
const char *dmem_cgroup_region_name(struct dmem_cgroup_region *region);

/**
 * dmem_cgroup_region_size() - size of a region
 * @region: the region
 *
 * Return: its size in bytes.
 */
u64 dmem_cgroup_region_size(struct dmem_cgroup_region *region);

/**
 * dmem_cgroup_region_pin_policy() - pin policy set in dmem.policy
 * @region: the region
 *
 * Return: the policy; %DMEM_CGROUP_PIN_SOFT unless set otherwise.
 */
enum dmem_cgroup_pin_policy
dmem_cgroup_region_pin_policy(struct dmem_cgroup_region *region);

/**
 * dmem_cgroup_region_revoke_timeout_ms() - revoke timeout set in dmem.policy
 * @region: the region
 *
 * Return: how long a revoke waits for importers to acknowledge, in
 * milliseconds; 1000 unless set otherwise.
 */
unsigned int dmem_cgroup_region_revoke_timeout_ms(struct dmem_cgroup_region *region);

/**
 * dmem_cgroup_region_set_reclaim() - install the reclaim callback
 * @region: the region
 * @ops: the callbacks, or NULL to remove them
 * @priv: passed to the callbacks
 *
 * Replacing or removing the callbacks waits for a running call to return,
 * so @priv may be freed once this returns with @ops NULL.
 *
 * Context: process context, may sleep.
 */
void dmem_cgroup_region_set_reclaim(struct dmem_cgroup_region *region,
				    const struct dmem_cgroup_reclaim_ops *ops,
				    void *priv);

#else /* CONFIG_CGROUP_DMEM */

static inline __printf(2, 3) struct dmem_cgroup_region *
dmem_cgroup_register_region(u64 size, const char *name_fmt, ...)
{
	return NULL;
}

static inline void dmem_cgroup_unregister_region(struct dmem_cgroup_region *region)
{
}

static inline int dmem_cgroup_try_charge(struct dmem_cgroup_region *region,
					 u64 size,
					 struct dmem_cgroup_pool_state **ret_pool,
					 struct dmem_cgroup_pool_state **ret_limit_pool)
{
	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool,
					u64 size)
{
}

static inline bool
dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				 struct dmem_cgroup_pool_state *test_pool,
				 bool ignore_low, bool *ret_hit_low)
{
	return true;
}

static inline void dmem_cgroup_pool_state_put(struct dmem_cgroup_pool_state *pool)
{
}

static inline int dmem_cgroup_try_charge_pinned(struct dmem_cgroup_pool_state *pool,
						u64 size,
						struct dmem_cgroup_pool_state **ret_limit_pool)
{
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool,
					       u64 size)
{
}

static inline int dmem_cgroup_try_charge_css(struct cgroup_subsys_state *css,
					     struct dmem_cgroup_region *region, u64 size,
					     struct dmem_cgroup_pool_state **ret_pool,
					     struct dmem_cgroup_pool_state **ret_limit_pool)
{
	return dmem_cgroup_try_charge(region, size, ret_pool, ret_limit_pool);
}

static inline struct cgroup_subsys_state *
dmem_cgroup_get_task_css(struct task_struct *task)
{
	return NULL;
}

static inline void dmem_cgroup_pool_event(struct dmem_cgroup_pool_state *pool,
					  enum dmem_cgroup_event event)
{
}

static inline void dmem_cgroup_pool_stat_add(struct dmem_cgroup_pool_state *pool,
					     enum dmem_cgroup_stat item, s64 delta)
{
}

static inline void
dmem_cgroup_region_set_reclaim(struct dmem_cgroup_region *region,
			       const struct dmem_cgroup_reclaim_ops *ops,
			       void *priv)
{
}

#endif /* CONFIG_CGROUP_DMEM */

#endif /* _LINUX_CGROUP_DMEM_H */
