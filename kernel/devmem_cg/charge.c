// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: charging, pinning and reclaim on a lowered limit.
 *
 * The charge fast path takes no lock and touches no page_counter: this
 * CPU's charge stock (stock.c) serves it, pool lookup included. Otherwise
 * the pool is looked up under RCU and referenced with
 * percpu_ref_tryget_live(), and page_counter does the hierarchical
 * accounting with atomics. A caller that holds a pool already (a handle,
 * such as the eviction layer's (owner, pool) link) charges it with
 * dmem_cgroup_pool_try_charge(): no lookup and no reference per charge,
 * whatever the size.
 */

#include <linux/export.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>

#include "dmem_internal.h"
#include "stock.h"

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

/*
 * Charge @pool, which the caller holds a reference on, from this CPU's
 * stock, or else its page_counters; no reference changes hands.
 */
static int dmem_charge_held_pool(struct dmem_cgroup_pool_state *pool, u64 size,
				 struct dmem_cgroup_pool_state **ret_limit_pool)
{
	if (likely(dmem_stock_consume_pool(pool, size)))
		return 0;
	/*
	 * Charge the page_counters with no byte of the region in a stock, so
	 * that their watermarks (dmem.peak) and limits see exact usage.
	 */
	dmem_stock_drain_region(pool->region);
	return dmem_pool_try_charge(pool, size, ret_limit_pool);
}

static int dmem_charge_pool(struct dmem_cgroup_pool_state *pool, u64 size,
			    struct dmem_cgroup_pool_state **ret_pool,
			    struct dmem_cgroup_pool_state **ret_limit_pool)
{
	int ret = dmem_charge_held_pool(pool, size, ret_limit_pool);

	if (ret) {
		percpu_ref_put(&pool->ref);
		return ret;
	}
	*ret_pool = pool;
	return 0;
}

/*
 * The outcomes of a charge known before any pool is looked at: nothing to
 * charge without a region, and a failure injected by fail_dmem_charge
 * (not a limit hit: no limit pool, no event; see fault.c). Clears the
 * returned pools; returns true, with *@ret set, if the charge is settled.
 */
static __always_inline bool
dmem_charge_settled(struct dmem_cgroup_region *region, u64 size,
		    struct dmem_cgroup_pool_state **ret_pool,
		    struct dmem_cgroup_pool_state **ret_limit_pool, int *ret)
{
	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	*ret = region && dmem_should_fail_charge(size) ? -ENOMEM : 0;
	return !region || *ret;
}

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
			       struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_cgroup_pool_state *pool;
	int ret;

	might_sleep();
	if (dmem_charge_settled(region, size, ret_pool, ret_limit_pool, &ret))
		return ret;

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
			   struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct cgroup_subsys_state *css;
	struct dmem_cgroup_pool_state *pool;
	struct dmemcg_state *cs;
	int ret;

	might_sleep();
	if (dmem_charge_settled(region, size, ret_pool, ret_limit_pool, &ret))
		return ret;

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

/**
 * dmem_cgroup_uncharge() - uncharge memory charged by a successful charge
 * @pool: the pool returned by the charge, or NULL (ignored)
 * @size: bytes to uncharge, the same as charged
 *
 * Drops the reference the charge returned.
 *
 * Context: any context.
 */
void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (!pool)
		return;
	if (likely(dmem_stock_uncharge(pool, size, true)))
		return;
	page_counter_uncharge(&pool->cnt, size);
	percpu_ref_put(&pool->ref);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_uncharge);

/**
 * dmem_cgroup_pool_try_charge() - charge a pool through a handle
 * @pool: the pool; the caller holds a reference on it (a handle: the
 *	eviction layer's link of an owner to a pool holds one) and keeps it
 *	until the charge is uncharged
 * @size: bytes to charge
 * @ret_limit_pool: optional; as for dmem_cgroup_try_charge()
 *
 * Charges @pool and its ancestors as dmem_cgroup_try_charge() would, but
 * does not look the pool up and takes no reference for the charge: the
 * handle's covers it. Undo it with dmem_cgroup_pool_uncharge(), not with
 * dmem_cgroup_uncharge(). The guarantees are those of every charge: a
 * charge the per-cpu stock cannot serve drains the region's stocks, then
 * charges the page_counters, so that dmem.current and dmem.peak stay exact
 * and no limit is hit because of stocked bytes. A pool whose cgroup was
 * removed, or whose region was unregistered, takes no new charge.
 *
 * Context: process context, may sleep.
 * Return: 0; -ESTALE if @pool was killed (nothing is charged: charge
 * through the cgroup with dmem_cgroup_try_charge_css(), which charges its
 * nearest live ancestor); -EAGAIN, -EINVAL or -ENOMEM as
 * dmem_cgroup_try_charge().
 */
int dmem_cgroup_pool_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
				struct dmem_cgroup_pool_state **ret_limit_pool)
{
	might_sleep();
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	if (size > DMEM_VALUE_MAX)
		return -EINVAL;
	if (dmem_should_fail_charge(size))
		return -ENOMEM;
	if (unlikely(READ_ONCE(pool->killed)))
		return -ESTALE;
	return dmem_charge_held_pool(pool, size, ret_limit_pool);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_try_charge);

/**
 * dmem_cgroup_pool_uncharge() - undo dmem_cgroup_pool_try_charge()
 * @pool: the pool charged, or NULL (ignored)
 * @size: bytes to uncharge, the same as charged
 *
 * Drops no reference: the charge held none.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_uncharge(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (!pool)
		return;
	if (likely(dmem_stock_uncharge(pool, size, false)))
		return;
	page_counter_uncharge(&pool->cnt, size);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_uncharge);

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
struct cgroup_subsys_state *dmem_cgroup_get_task_css(struct task_struct *task)
{
	return task_get_css(task, dmem_cgrp_id);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_get_task_css);

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

/**
 * dmem_cgroup_uncharge_pinned() - undo dmem_cgroup_try_charge_pinned()
 * @pool: the pool
 * @size: bytes to unpin
 *
 * Context: any context.
 */
void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool, u64 size)
{
	if (pool)
		page_counter_uncharge(&pool->pinned, size);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_uncharge_pinned);

/**
 * dmem_pool_reclaim() - evict from a pool's subtree until it fits its limit
 * @pool: the pool, referenced by the caller
 *
 * Calls the region's reclaim callback (&struct dmem_cgroup_ops) while usage
 * is above dmem.max and no signal is pending. Stops when there is no
 * callback, when it returns an error (-ENOSPC: nothing it may evict), or
 * when a call left the usage where it was: the callback decides what is
 * evictable, so a call that frees nothing is not repeated.
 */
void dmem_pool_reclaim(struct dmem_cgroup_pool_state *pool)
{
	struct dmem_cgroup_region *region = pool->region;
	unsigned long usage = dmem_pool_usage(pool);

	for (;;) {
		unsigned long max = READ_ONCE(pool->cnt.max);
		unsigned long before = usage;
		int ret = -ENOSPC;

		if (usage <= max || signal_pending(current))
			break;

		down_read(&region->reclaim_rwsem);
		if (region->reclaim_ops && region->reclaim_ops->reclaim)
			ret = region->reclaim_ops->reclaim(pool, usage - max,
							   region->reclaim_priv);
		up_read(&region->reclaim_rwsem);

		usage = dmem_pool_usage(pool);
		if (ret || usage >= before)
			break;
		cond_resched();
	}
}
