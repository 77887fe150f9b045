// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: pools, the usage and limits of one cgroup in one region.
 *
 * Pools are created on first use (a charge or a limit write), ancestors
 * first, so that every pool's page_counters have their parents. They are
 * found under RCU on the charge path and freed when their last reference
 * goes; see the lifetime rules in dmem_internal.h.
 */

#include <linux/delay.h>
#include <linux/export.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "dmem_internal.h"

/* Runs the release of pools; its own so that tests can flush it. */
struct workqueue_struct *dmem_wq;

/**
 * dmem_pool_find() - find the pool of a cgroup in a region
 * @cs: the cgroup
 * @region: the region
 *
 * The caller holds rcu_read_lock() or dmem_mutex. The pool found may be
 * killed; only a reference obtained with percpu_ref_tryget_live(), or
 * dmem_mutex with the region live and the cgroup online, shows it is not.
 *
 * Return: the pool, or NULL.
 */
struct dmem_cgroup_pool_state *dmem_pool_find(struct dmemcg_state *cs,
					      struct dmem_cgroup_region *region)
{
	struct dmem_cgroup_pool_state *pool;

	list_for_each_entry_rcu(pool, &cs->pools, css_node,
				lockdep_is_held(&dmem_mutex))
		if (pool->region == region)
			return pool;
	return NULL;
}

static void dmem_pool_free_rcu(struct rcu_head *rcu)
{
	struct dmem_cgroup_pool_state *pool =
		container_of(rcu, struct dmem_cgroup_pool_state, rcu);

	percpu_ref_exit(&pool->ref);
	kfree(pool);
}

static void dmem_pool_release_workfn(struct work_struct *work)
{
	struct dmem_cgroup_pool_state *pool =
		container_of(work, struct dmem_cgroup_pool_state, release_work);

	mutex_lock(&dmem_mutex);
	list_del_rcu(&pool->css_node);
	list_del(&pool->region_node);
	mutex_unlock(&dmem_mutex);
	dmem_test_count(DMEM_TEST_OBJ_POOL, -1);

	if (pool->parent)
		percpu_ref_put(&pool->parent->ref);
	if (!dmem_pool_detached(pool))
		css_put(&pool->cs->css);
	dmem_region_put(pool->region);
	call_rcu(&pool->rcu, dmem_pool_free_rcu);
}

/*
 * The last reference may go in any context (an uncharge from an interrupt,
 * the RCU callback of percpu_ref_kill()); unlinking takes dmem_mutex, so
 * defer it.
 */
static void dmem_pool_release(struct percpu_ref *ref)
{
	struct dmem_cgroup_pool_state *pool =
		container_of(ref, struct dmem_cgroup_pool_state, ref);

	queue_work(dmem_wq ?: system_wq, &pool->release_work);
}

static int __init dmem_pool_init(void)
{
	dmem_wq = alloc_workqueue("dmem", WQ_UNBOUND, 0);
	return dmem_wq ? 0 : -ENOMEM;
}
core_initcall(dmem_pool_init);

struct dmem_cgroup_pool_state *
dmem_pool_create_locked(struct dmemcg_state *cs,
			struct dmem_cgroup_region *region,
			struct dmem_cgroup_pool_state *parent)
{
	struct dmem_cgroup_pool_state *pool;

	lockdep_assert_held(&dmem_mutex);

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	if (percpu_ref_init(&pool->ref, dmem_pool_release, 0,
			    GFP_KERNEL_ACCOUNT)) {
		kfree(pool);
		return ERR_PTR(-ENOMEM);
	}

	/* Only the usage counter takes part in min/low protection. */
	page_counter_init(&pool->cnt, parent ? &parent->cnt : NULL, true);
	page_counter_init(&pool->pinned, parent ? &parent->pinned : NULL, false);
	INIT_WORK(&pool->release_work, dmem_pool_release_workfn);
	pool->region = region;
	dmem_region_get(region);
	pool->parent = parent;
	if (parent)
		percpu_ref_get(&parent->ref);
	pool->cs = cs;
	if (!dmem_pool_detached(pool)) {
		css_get(&cs->css);
		list_add_tail_rcu(&pool->css_node, &cs->pools);
	} else {
		INIT_LIST_HEAD(&pool->css_node);
	}
	list_add_tail(&pool->region_node, &region->pools);
	dmem_test_count(DMEM_TEST_OBJ_POOL, 1);
	return pool;
}

/**
 * dmem_pool_get_locked() - find or create the pool of a cgroup in a region
 * @cs: the cgroup
 * @region: the region
 *
 * Creates the missing pools of the ancestors first. The pool returned is
 * not killed, and stays so while dmem_mutex is held; the caller takes a
 * reference before dropping the mutex if it needs one.
 *
 * Return: the pool; ERR_PTR(-ENODEV) if the region was unregistered,
 * ERR_PTR(-ENOENT) if @cs is offline, ERR_PTR(-ENOMEM).
 */
struct dmem_cgroup_pool_state *dmem_pool_get_locked(struct dmemcg_state *cs,
						    struct dmem_cgroup_region *region)
{
	lockdep_assert_held(&dmem_mutex);

	if (region->dead)
		return ERR_PTR(-ENODEV);
	/* The ancestors of an online cgroup are online. */
	if (cs->offline)
		return ERR_PTR(-ENOENT);

	for (;;) {
		struct dmem_cgroup_pool_state *pool, *parent_pool = NULL;
		struct dmemcg_state *pos, *parent;

		pool = dmem_pool_find(cs, region);
		if (pool)
			return pool;

		/* Create the pool of the highest ancestor lacking one. */
		for (pos = cs; (parent = dmemcs_parent(pos)); pos = parent) {
			parent_pool = dmem_pool_find(parent, region);
			if (parent_pool)
				break;
		}
		pool = dmem_pool_create_locked(pos, region, parent_pool);
		if (IS_ERR(pool))
			return pool;
	}
}

/**
 * dmem_pool_tryget() - get a live pool to charge for a cgroup
 * @cs: the cgroup; the caller keeps it alive (holds a css reference)
 * @region: the region
 *
 * If @cs is offline its nearest online ancestor's pool is returned: charges
 * made before the cgroup was removed stay with it, new ones go up.
 *
 * Return: the pool with a reference; ERR_PTR(-ENODEV) if the region was
 * unregistered; ERR_PTR(-ENOMEM).
 */
struct dmem_cgroup_pool_state *dmem_pool_tryget(struct dmemcg_state *cs,
						struct dmem_cgroup_region *region)
{
	struct dmem_cgroup_pool_state *pool;

	for (;;) {
		rcu_read_lock();
		pool = dmem_pool_find(cs, region);
		if (pool && percpu_ref_tryget_live(&pool->ref)) {
			rcu_read_unlock();
			return pool;
		}
		rcu_read_unlock();

		mutex_lock(&dmem_mutex);
		pool = dmem_pool_get_locked(cs, region);
		if (!IS_ERR(pool))
			percpu_ref_get(&pool->ref);
		mutex_unlock(&dmem_mutex);

		if (pool != ERR_PTR(-ENOENT))
			return pool;
		/* Offline; the root is never offline. */
		cs = dmemcs_parent(cs);
	}
}

/**
 * dmem_pool_kill_locked() - drop the initial reference of a pool
 * @pool: the pool
 *
 * Called when the pool's cgroup goes offline or its region is unregistered,
 * whichever comes first; the second call does nothing. The caller then
 * calls dmem_stock_drain_killed(), once for all the pools it killed.
 */
void dmem_pool_kill_locked(struct dmem_cgroup_pool_state *pool)
{
	lockdep_assert_held(&dmem_mutex);

	if (pool->killed)
		return;
	/* Read by the charge stock; the caller drains it once done. */
	WRITE_ONCE(pool->killed, true);
	percpu_ref_kill(&pool->ref);
}

/**
 * dmem_pools_kill_cs() - kill all pools of a cgroup going offline
 * @cs: the cgroup
 */
void dmem_pools_kill_cs(struct dmemcg_state *cs)
{
	struct dmem_cgroup_pool_state *pool;

	mutex_lock(&dmem_mutex);
	cs->offline = true;
	list_for_each_entry(pool, &cs->pools, css_node)
		dmem_pool_kill_locked(pool);
	mutex_unlock(&dmem_mutex);
	dmem_stock_drain_killed();
}

/**
 * dmem_cgroup_pool_get() - take another reference on a pool
 * @pool: a pool the caller holds a reference on
 *
 * Context: any context.
 * Return: @pool.
 */
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_get(struct dmem_cgroup_pool_state *pool)
{
	percpu_ref_get(&pool->ref);
	return pool;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_get);

/**
 * dmem_cgroup_pool_state_put() - drop a reference on a pool
 * @pool: the pool, or NULL (ignored)
 *
 * Context: any context.
 */
void dmem_cgroup_pool_state_put(struct dmem_cgroup_pool_state *pool)
{
	if (pool)
		percpu_ref_put(&pool->ref);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_state_put);

/**
 * dmem_cgroup_pool_region() - region of a pool
 * @pool: the pool
 *
 * Return: the region; valid while the pool is.
 */
struct dmem_cgroup_region *
dmem_cgroup_pool_region(struct dmem_cgroup_pool_state *pool)
{
	return pool->region;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_region);

/**
 * dmem_cgroup_pool_parent() - pool of the parent cgroup in the same region
 * @pool: the pool
 *
 * Return: the parent pool, NULL for the root cgroup's; valid while @pool is.
 */
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_parent(struct dmem_cgroup_pool_state *pool)
{
	return pool->parent;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_parent);

/**
 * dmem_cgroup_pool_is_descendant() - is a pool in the subtree of another?
 * @pool: the pool tested
 * @ancestor: root of the subtree
 *
 * Return: true if @pool is @ancestor or one of its descendants.
 */
bool dmem_cgroup_pool_is_descendant(struct dmem_cgroup_pool_state *pool,
				    struct dmem_cgroup_pool_state *ancestor)
{
	for (; pool; pool = pool->parent)
		if (pool == ancestor)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_is_descendant);

/**
 * dmem_cgroup_pool_usage() - bytes charged to a pool and its descendants
 * @pool: the pool
 *
 * Return: the value shown in dmem.current.
 */
u64 dmem_cgroup_pool_usage(struct dmem_cgroup_pool_state *pool)
{
	return dmem_pool_usage(pool);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_usage);

/**
 * dmem_cgroup_pool_max() - limit of a pool
 * @pool: the pool
 *
 * Return: the value of dmem.max; U64_MAX when unlimited.
 */
u64 dmem_cgroup_pool_max(struct dmem_cgroup_pool_state *pool)
{
	u64 max = READ_ONCE(pool->cnt.max);

	return max >= DMEM_VALUE_MAX ? U64_MAX : max;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_max);

/**
 * dmem_cgroup_pool_pinned() - bytes pinned in a pool and its descendants
 * @pool: the pool
 *
 * Context: any context; lockless.
 * Return: the value shown in dmem.pinned.current.
 */
u64 dmem_cgroup_pool_pinned(struct dmem_cgroup_pool_state *pool)
{
	return page_counter_read(&pool->pinned);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_pinned);

/**
 * dmem_cgroup_pool_cgroup_id() - id of the cgroup a pool belongs to
 * @pool: the pool
 *
 * Return: cgroup_id() of the pool's cgroup (the inode number of its
 * directory), for tracing and event records.
 */
u64 dmem_cgroup_pool_cgroup_id(struct dmem_cgroup_pool_state *pool)
{
	return dmem_pool_detached(pool) ? 0 : cgroup_id(pool->cs->css.cgroup);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_cgroup_id);
