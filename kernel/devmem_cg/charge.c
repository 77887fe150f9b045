// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: charging, pinning, protection and reclaim on a lowered limit.
 *
 * The charge fast path takes no lock and touches no page_counter: this
 * CPU's charge stock (stock.c) serves it, pool lookup included. Otherwise
 * the pool is looked up under RCU and referenced with
 * percpu_ref_tryget_live(), and page_counter does the hierarchical
 * accounting with atomics.
 */

#include <linux/export.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>

#include "dmem_internal.h"

/**
 * dmem_pool_try_charge() - charge a referenced pool and its ancestors
 * @pool: the pool
 * @size: bytes
 * @ret_limit_pool: optional; set to the pool whose limit was hit, with a
 *	reference, on -EAGAIN
 *
 * Return: 0, -EAGAIN or -EINVAL.
 */
int dmem_pool_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
			 struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_cgroup_pool_state *limit;
	struct page_counter *fail;

	/* Bounds the sum of all charges below LONG_MAX, see page_counter. */
	if (size > DMEM_VALUE_MAX)
		return -EINVAL;

	if (likely(page_counter_try_charge(&pool->cnt, size, &fail)))
		return 0;

	limit = container_of(fail, struct dmem_cgroup_pool_state, cnt);
	dmem_pool_event_add(limit, DMEM_CGROUP_EVENT_MAX, 1);
	if (ret_limit_pool)
		*ret_limit_pool = dmem_cgroup_pool_get(limit);
	return -EAGAIN;
}

static int dmem_charge_pool(struct dmem_cgroup_pool_state *pool, u64 size,
			    struct dmem_cgroup_pool_state **ret_pool,
			    struct dmem_cgroup_pool_state **ret_limit_pool)
{
	int ret;

	if (dmem_stock_consume_pool(pool, size)) {
		*ret_pool = pool;
		return 0;
	}
	/*
	 * Charge the page_counters with no byte of the region in a stock, so
	 * that their watermarks (dmem.peak) and limits see exact usage.
	 */
	dmem_stock_drain_region(pool->region);
	ret = dmem_pool_try_charge(pool, size, ret_limit_pool);
	if (ret) {
		percpu_ref_put(&pool->ref);
		return ret;
	}
	*ret_pool = pool;
	return 0;
}

int dmem_cgroup_try_charge_css(struct cgroup_subsys_state *css,
			       struct dmem_cgroup_region *region, u64 size,
			       struct dmem_cgroup_pool_state **ret_pool,
			       struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_cgroup_pool_state *pool;

	might_sleep();

	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	if (!region)
		return 0;
	/* Not a limit hit: no limit pool, no event; see fault.c. */
	if (dmem_should_fail_charge(size))
		return -ENOMEM;

	pool = dmem_stock_consume(css_to_dmemcs(css), region, size);
	if (likely(pool)) {
		*ret_pool = pool;
		return 0;
	}

	pool = dmem_pool_tryget(css_to_dmemcs(css), region);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	return dmem_charge_pool(pool, size, ret_pool, ret_limit_pool);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_try_charge_css);

int dmem_cgroup_try_charge(struct dmem_cgroup_region *region, u64 size,
			   struct dmem_cgroup_pool_state **ret_pool,
			   struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct cgroup_subsys_state *css;
	struct dmem_cgroup_pool_state *pool;
	struct dmemcg_state *cs;

	might_sleep();

	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	if (!region)
		return 0;
	/* Not a limit hit: no limit pool, no event; see fault.c. */
	if (dmem_should_fail_charge(size))
		return -ENOMEM;

	/*
	 * Fast path: the pool exists and is live. The task's css needs no
	 * reference for the lookup; RCU keeps it and its pools around.
	 */
	rcu_read_lock();
	cs = css_to_dmemcs(task_css(current, dmem_cgrp_id));
	pool = dmem_stock_consume(cs, region, size);
	if (likely(pool)) {
		rcu_read_unlock();
		*ret_pool = pool;
		return 0;
	}
	pool = dmem_pool_find(cs, region);
	if (likely(pool && percpu_ref_tryget_live(&pool->ref))) {
		rcu_read_unlock();
		return dmem_charge_pool(pool, size, ret_pool, ret_limit_pool);
	}
	rcu_read_unlock();

	css = task_get_css(current, dmem_cgrp_id);
	pool = dmem_pool_tryget(css_to_dmemcs(css), region);
	css_put(css);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	return dmem_charge_pool(pool, size, ret_pool, ret_limit_pool);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_try_charge);

void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (!pool)
		return;
	if (likely(dmem_stock_uncharge(pool, size)))
		return;
	page_counter_uncharge(&pool->cnt, size);
	percpu_ref_put(&pool->ref);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_uncharge);

struct cgroup_subsys_state *dmem_cgroup_get_task_css(struct task_struct *task)
{
	return task_get_css(task, dmem_cgrp_id);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_get_task_css);

int dmem_cgroup_try_charge_pinned(struct dmem_cgroup_pool_state *pool,
				  u64 size,
				  struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_cgroup_pool_state *limit;
	struct page_counter *fail;

	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	if (!pool)
		return 0;
	if (size > DMEM_VALUE_MAX)
		return -EINVAL;
	if (dmem_should_fail_charge(size))
		return -ENOMEM;

	if (page_counter_try_charge(&pool->pinned, size, &fail))
		return 0;

	limit = container_of(fail, struct dmem_cgroup_pool_state, pinned);
	dmem_pool_event_add(limit, DMEM_CGROUP_EVENT_PIN_MAX, 1);
	if (ret_limit_pool)
		*ret_limit_pool = dmem_cgroup_pool_get(limit);
	return -EAGAIN;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_try_charge_pinned);

void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (pool)
		page_counter_uncharge(&pool->pinned, size);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_uncharge_pinned);

/*
 * page_counter_calculate_protection() computes a counter's effective
 * protection from its parent's, so walk from @root down to @pool. Pools
 * only link to their parents: find each level from the bottom, which costs
 * depth^2 / 2 pointer loads and no memory.
 */
static void dmem_pool_calculate_protection(struct dmem_cgroup_pool_state *root,
					   struct dmem_cgroup_pool_state *pool)
{
	struct dmem_cgroup_pool_state *pos;
	unsigned int depth = 0, level, i;

	for (pos = pool; pos != root; pos = pos->parent)
		depth++;

	for (level = depth; level > 0; level--) {
		pos = pool;
		for (i = 1; i < level; i++)
			pos = pos->parent;
		page_counter_calculate_protection(&root->cnt, &pos->cnt, true);
	}
}

bool dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				      struct dmem_cgroup_pool_state *test_pool,
				      bool ignore_low, bool *ret_hit_low)
{
	struct dmem_cgroup_pool_state *root;
	unsigned long used;

	/* Evicting from the pool that hit its limit always helps. */
	if (limit_pool == test_pool)
		return true;

	if (limit_pool) {
		/* Evicting outside the limited subtree does not help. */
		if (!dmem_cgroup_pool_is_descendant(test_pool, limit_pool))
			return false;
		root = limit_pool;
	} else {
		/* The region is full: the whole hierarchy competes. */
		for (root = test_pool; root->parent; root = root->parent)
			;
	}

	dmem_pool_calculate_protection(root, test_pool);

	used = dmem_pool_usage(test_pool);
	if (used <= READ_ONCE(test_pool->cnt.emin))
		return false;
	if (!ignore_low && used <= READ_ONCE(test_pool->cnt.elow)) {
		if (ret_hit_low)
			*ret_hit_low = true;
		return false;
	}
	return true;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_state_evict_valuable);

/**
 * dmem_pool_reclaim() - evict from a pool's subtree until it fits its limit
 * @pool: the pool, referenced by the caller
 *
 * Stops when usage fits, when the region's reclaim callback frees nothing
 * (or there is none), or when a signal is pending. The callback decides
 * what is evictable, so a call that frees nothing is not retried.
 */
void dmem_pool_reclaim(struct dmem_cgroup_pool_state *pool)
{
	struct dmem_cgroup_region *region = pool->region;

	for (;;) {
		unsigned long usage = dmem_pool_usage(pool);
		unsigned long max = READ_ONCE(pool->cnt.max);
		u64 freed = 0;

		if (usage <= max || signal_pending(current))
			break;

		down_read(&region->reclaim_rwsem);
		if (region->reclaim_ops && region->reclaim_ops->reclaim)
			freed = region->reclaim_ops->reclaim(pool, usage - max,
							     region->reclaim_priv);
		up_read(&region->reclaim_rwsem);

		if (!freed)
			break;
		cond_resched();
	}
}
