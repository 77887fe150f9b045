/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal structures of the dmem cgroup controller, shared by the files of
 * kernel/devmem_cg/ only.
 *
 * Locking, in one place:
 *
 * dmem_mutex (a mutex; every writer, never the charge fast path) protects
 *   - the list of regions (dmem_regions) and dmem_cgroup_region::dead,
 *   - the lists of pools (dmemcg_state::pools, dmem_cgroup_region::pools),
 *   - dmemcg_state::offline and dmem_cgroup_pool_state::killed,
 *   - the limits and protections of every pool (page_counter requires
 *     writers of max/min/low to be serialized),
 *   - the registered extension (extension.c) and the private words it
 *     keeps in every region (dmem_cgroup_region::ext_data).
 *
 * RCU protects readers of dmem_regions and of dmemcg_state::pools: the
 * charge fast path and the seq_file readers. Regions and pools are freed
 * after a grace period.
 *
 * dmem_cgroup_region::reclaim_rwsem: held for read around a call of the
 * reclaim callback, for write to change it.
 *
 * Usage, events and the extension's statistics are atomics, updated
 * without locks.
 *
 * Lifetimes:
 *   - a region is reference counted (kref): one reference from its
 *     registration, one from each of its pools;
 *   - a pool is reference counted with a percpu_ref: the initial reference
 *     lives until the cgroup goes offline or the region is unregistered
 *     (whichever first: "killing" the pool); each charge through a cgroup
 *     and each returned limit pool holds one (a charge through a handle,
 *     dmem_cgroup_pool_try_charge(), holds none: its caller's reference
 *     covers it); each child pool holds one on its parent. A
 *     pool holds a reference on its css and on its region, so a removed
 *     cgroup lingers until its last charge goes, as memcg does;
 *   - at most one pool exists per (cgroup, region) that is not killed, and
 *     new pools are created only for live cgroups and live regions;
 *   - a per-cpu charge stock (stock.c) holds one reference on the pool
 *     whose bytes it caches; killing pools drains the stocks of killed
 *     pools on every CPU, and killed pools are never stocked again.
 *
 * The per-cpu stocks are touched by tasks of their CPU with preemption
 * disabled, and drained remotely by a per-cpu work; see stock.c.
 */
#ifndef _KERNEL_DEVMEM_CG_DMEM_INTERNAL_H
#define _KERNEL_DEVMEM_CG_DMEM_INTERNAL_H

#include <linux/cache.h>
#include <linux/cgroup.h>
#include <linux/cgroup_dmem.h>
#include <linux/fault-inject.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/page_counter.h>
#include <linux/percpu-refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "dmem_files.h"

/* Longest region name, without the terminating NUL. */
#define DMEM_REGION_NAME_MAX	127

/*
 * Most bytes a CPU keeps in its charge stock; larger uncharges go straight
 * to the page_counters. Also the bound, per CPU, on how far a read of the
 * usage racing with charges can be off.
 */
#define DMEM_STOCK_MAX		SZ_1M

/*
 * Event slots of a pool: the controller's enum dmem_cgroup_event first,
 * then the registered extension's.
 */
#define DMEM_NR_EVENT_SLOTS	(DMEM_CGROUP_NR_EVENTS + DMEM_CGROUP_EXT_MAX_EVENTS)

extern struct mutex dmem_mutex;
extern struct list_head dmem_regions;
extern struct cftype dmemcg_files[];
/* The extension's file, named when it registers (extension.c). */
extern struct cftype dmemcg_ext_files[];
extern struct cftype dmemcg_ext_legacy_files[];
/* Runs the release of pools (pool.c). */
extern struct workqueue_struct *dmem_wq;

/**
 * struct dmem_cgroup_region - a region of device memory
 * @ref: references (registration, pools)
 * @rcu: frees the region after readers of @node are gone
 * @node: entry in dmem_regions (RCU; dmem_mutex to change)
 * @pools: all pools of the region (dmem_mutex)
 * @size: capacity in bytes
 * @dead: set by unregistration (dmem_mutex; read locklessly)
 * @ext_data: the extension's private words, set by its region_init and
 *	region_apply (dmem_mutex; read locklessly by the extension)
 * @reclaim_rwsem: protects @reclaim_ops and @reclaim_priv
 * @reclaim_ops: reclaim callbacks, or NULL
 * @reclaim_priv: argument of the reclaim callbacks
 * @name: unique name, without white space
 */
struct dmem_cgroup_region {
	struct kref ref;
	struct rcu_head rcu;
	struct list_head node;
	struct list_head pools;
	u64 size;
	bool dead;
	unsigned long ext_data[DMEM_CGROUP_EXT_REGION_WORDS];
	struct rw_semaphore reclaim_rwsem;
	const struct dmem_cgroup_ops *reclaim_ops;
	void *reclaim_priv;
	char name[];
};

/**
 * struct dmemcg_state - per-cgroup state of the dmem controller
 * @css: the cgroup subsystem state this extends
 * @pools: the pools of this cgroup, one per region used (RCU; dmem_mutex
 *	to change)
 * @offline: the cgroup went offline; no new pool is created (dmem_mutex)
 * @events_file: dmem.events, notified when a subtree event is counted
 * @events_local_file: dmem.events.local, notified for local events
 */
struct dmemcg_state {
	struct cgroup_subsys_state css;
	struct list_head pools;
	bool offline;
	struct cgroup_file events_file;
	struct cgroup_file events_local_file;
};

/**
 * struct dmem_cgroup_pool_state - usage and limits of one cgroup in one region
 * @cnt: bytes charged, with dmem.max, dmem.min, dmem.low and dmem.peak
 * @pinned: bytes pinned, with dmem.pinned.max
 * @ref: references, see the top of this file
 * @region: the region (referenced)
 * @cs: the cgroup (its css referenced); NULL for the detached pools of
 *	the test interface (dmem_pool_detached())
 * @killed: the initial reference was dropped (dmem_mutex; read locklessly
 *	by the charge paths)
 * @parent: pool of the parent cgroup in the same region (referenced)
 * @css_node: entry in @cs->pools
 * @region_node: entry in @region->pools
 * @events_local: events of this pool, in slots (DMEM_NR_EVENT_SLOTS)
 * @events: events of this pool and of its descendants, in slots
 * @ext_stat: the extension's statistics of this pool and of its descendants
 * @release_work: unlinks and frees the pool once unreferenced
 * @rcu: frees the pool after readers of @css_node are gone
 *
 * The per-cpu charge stock (stock.c) sits in front of @cnt: @cnt's usage
 * includes bytes uncharged into stocks, which dmem_pool_usage() subtracts.
 */
struct dmem_cgroup_pool_state {
	struct page_counter cnt;
	struct page_counter pinned;
	/*
	 * What the charge fast path reads (@ref, @region, @cs, @killed) at
	 * the start of a cache line that only the creation, the killing and
	 * the release of the pool write: @cnt's and @pinned's usage, the
	 * events and the extension's statistics, which every CPU writes,
	 * are on lines of their own.
	 */
	struct percpu_ref ref;
	struct dmem_cgroup_region *region;
	struct dmemcg_state *cs;
	bool killed;
	struct dmem_cgroup_pool_state *parent;
	struct list_head css_node;
	struct list_head region_node;
	atomic64_t events_local[DMEM_NR_EVENT_SLOTS] ____cacheline_aligned_in_smp;
	atomic64_t events[DMEM_NR_EVENT_SLOTS];
	atomic64_t ext_stat[DMEM_CGROUP_EXT_MAX_STATS];
	struct work_struct release_work;
	struct rcu_head rcu;
};

static inline struct dmemcg_state *css_to_dmemcs(struct cgroup_subsys_state *css)
{
	return container_of(css, struct dmemcg_state, css);
}

static inline struct dmemcg_state *dmemcs_parent(struct dmemcg_state *cs)
{
	return cs->css.parent ? css_to_dmemcs(cs->css.parent) : NULL;
}

/*
 * A pool without a cgroup: only the test interface (testing.c,
 * dmem_test.h) creates them. Without CONFIG_DMEM_TEST_HOOKS this is false
 * at build time, and production builds carry no code for such pools.
 */
static inline bool dmem_pool_detached(const struct dmem_cgroup_pool_state *pool)
{
	return IS_ENABLED(CONFIG_DMEM_TEST_HOOKS) && !pool->cs;
}

/* Live objects, counted for the tests' leak checks (testing.c). */
enum dmem_test_obj {
	DMEM_TEST_OBJ_REGION,
	DMEM_TEST_OBJ_POOL,
	DMEM_TEST_NR_OBJS,
};

#ifdef CONFIG_DMEM_TEST_HOOKS
void dmem_test_count(enum dmem_test_obj obj, int delta);
#else
static inline void dmem_test_count(enum dmem_test_obj obj, int delta)
{
}
#endif

/* region.c */
struct dmem_cgroup_region *dmem_region_get_by_name(const char *name);
void dmem_region_get(struct dmem_cgroup_region *region);
void dmem_region_put(struct dmem_cgroup_region *region);

/* pool.c */
struct dmem_cgroup_pool_state *dmem_pool_find(struct dmemcg_state *cs,
					      struct dmem_cgroup_region *region);
struct dmem_cgroup_pool_state *dmem_pool_get_locked(struct dmemcg_state *cs,
						    struct dmem_cgroup_region *region);
struct dmem_cgroup_pool_state *dmem_pool_tryget(struct dmemcg_state *cs,
						struct dmem_cgroup_region *region);
struct dmem_cgroup_pool_state *
dmem_pool_create_locked(struct dmemcg_state *cs,
			struct dmem_cgroup_region *region,
			struct dmem_cgroup_pool_state *parent);
void dmem_pool_kill_locked(struct dmem_cgroup_pool_state *pool);
void dmem_pools_kill_cs(struct dmemcg_state *cs);

/* stock.c */
void dmem_stock_drain_region(struct dmem_cgroup_region *region);
void dmem_stock_drain_killed(void);
unsigned long dmem_stock_bytes(struct dmem_cgroup_pool_state *pool);
unsigned long dmem_pool_usage(struct dmem_cgroup_pool_state *pool);

/* charge.c */
int dmem_pool_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
			 struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_pool_reclaim(struct dmem_cgroup_pool_state *pool);

/* fault.c */
#ifdef CONFIG_DMEM_FAULT_INJECTION
extern struct fault_attr fail_dmem_charge;
bool dmem_should_fail_charge_armed(u64 size);

/*
 * Should this charge fail (-ENOMEM)? should_fail()'s own first checks,
 * inline: the point is armed only by a probability or by this task's
 * fail-nth. Unarmed, a charge pays two loads, not three calls. Always
 * inline: gcc kept a plain inline out of line in both charge paths, a
 * call and a return per charge (a return is an indirect jump under TCG).
 */
static __always_inline bool dmem_should_fail_charge(u64 size)
{
	if (likely(!READ_ONCE(fail_dmem_charge.probability) &&
		   (!in_task() || !READ_ONCE(current->fail_nth))))
		return false;
	return dmem_should_fail_charge_armed(size);
}
#else
static inline bool dmem_should_fail_charge(u64 size)
{
	return false;
}
#endif

/* events.c */
void dmem_pool_event_add(struct dmem_cgroup_pool_state *pool,
			 unsigned int slot, u64 count);
extern const char *const dmem_event_names[DMEM_CGROUP_NR_EVENTS];

/* extension.c */
const struct dmem_cgroup_extension *dmem_extension(void);
void dmem_ext_region_init_locked(struct dmem_cgroup_region *region);

/* files.c; parse.c and the file types: dmem_files.h */
void dmemcg_show_region(struct seq_file *sf, struct dmemcg_state *cs,
			struct dmem_cgroup_region *region, enum dmem_file type);
ssize_t dmemcg_write(struct dmemcg_state *cs, char *buf, enum dmem_file type,
		     bool nonblock);
void dmem_pool_set_limit_locked(struct dmem_cgroup_pool_state *pool,
				enum dmem_file type, u64 value);

#endif /* _KERNEL_DEVMEM_CG_DMEM_INTERNAL_H */
