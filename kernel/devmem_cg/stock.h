/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dmem: the per-cpu charge stock's fast path (see stock.c for its rules).
 *
 * Inline in the charge path (charge.c, its one user) so that a charge or
 * an uncharge the stock serves is a compare and a per-cpu add or
 * subtract, with no call: under QEMU TCG, where the benchmarks run, every
 * return is an indirect jump that costs about as much as the rest.
 */
#ifndef _DMEM_STOCK_H
#define _DMEM_STOCK_H

#include <linux/percpu.h>
#include <linux/percpu-refcount.h>
#include <linux/preempt.h>
#include <linux/workqueue.h>

#include "dmem_internal.h"

/**
 * struct dmem_stock - bytes of one pool cached on one CPU
 * @pool: the pool; NULL when empty
 * @nr_bytes: bytes charged to @pool's page_counters and not used
 * @nr_refs: references held on @pool, >= 1 while @pool is set
 * @work: drains the stock, on its CPU
 */
struct dmem_stock {
	struct dmem_cgroup_pool_state *pool;
	unsigned long nr_bytes;
	unsigned long nr_refs;
	struct work_struct work;
};

DECLARE_PER_CPU(struct dmem_stock, dmem_stock);

void dmem_stock_drain(struct dmem_stock *stock);
bool dmem_stock_refill(struct dmem_cgroup_pool_state *pool, u64 size,
		       bool ref);

/*
 * A reference on the stocked pool for a charge it serves: one of the
 * stock's if it keeps another, else a new one, which fails once the pool
 * is killed. A killed pool's stock is about to be drained (see
 * dmem_stock_drain_killed()); the slow path finds the live ancestor.
 */
static __always_inline bool dmem_stock_take_ref(struct dmem_stock *stock)
{
	struct dmem_cgroup_pool_state *pool = stock->pool;

	if (likely(stock->nr_refs > 1 && !READ_ONCE(pool->killed))) {
		stock->nr_refs--;
		return true;
	}
	return percpu_ref_tryget_live(&pool->ref);
}

/*
 * Charge @size bytes of (@cs, @region) from this CPU's stock. The pool is
 * not looked up: the stocked one, if it is (@cs, @region)'s and live, is
 * the one dmem_pool_tryget() would return. Returns it with a reference,
 * or NULL if the stock cannot serve the charge.
 */
static __always_inline struct dmem_cgroup_pool_state *
dmem_stock_consume(struct dmemcg_state *cs, struct dmem_cgroup_region *region,
		   u64 size)
{
	struct dmem_cgroup_pool_state *pool;
	struct dmem_stock *stock;

	if (unlikely(!in_task()))
		return NULL;
	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	pool = stock->pool;
	if (likely(pool && pool->cs == cs && pool->region == region &&
		   stock->nr_bytes >= size && dmem_stock_take_ref(stock)))
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes - size);
	else
		pool = NULL;
	preempt_enable();
	return pool;
}

/*
 * Charge @size bytes of @pool, which the caller holds a reference on,
 * from this CPU's stock; no reference changes hands: the caller's is the
 * charge's (dmem_charge_pool()), or covers it (a handle's,
 * dmem_cgroup_pool_try_charge()). The caller checked that @pool is not
 * killed, or holds a reference that tryget_live() gave. Returns true if
 * the stock served the charge.
 */
static __always_inline bool
dmem_stock_consume_pool(struct dmem_cgroup_pool_state *pool, u64 size)
{
	struct dmem_stock *stock;
	bool ret = false;

	if (unlikely(!in_task()))
		return false;
	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	if (likely(stock->pool == pool && stock->nr_bytes >= size)) {
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes - size);
		ret = true;
	}
	preempt_enable();
	return ret;
}

/*
 * Uncharge @size bytes of @pool into this CPU's stock. With @ref, the
 * stock takes over the charge's reference; without (a handle's charge,
 * which holds none), it takes one of its own only when it starts
 * stocking @pool. Returns false if @pool cannot be stocked: the caller
 * uncharges the page_counters (and drops the charge's reference) itself.
 */
static __always_inline bool
dmem_stock_uncharge(struct dmem_cgroup_pool_state *pool, u64 size, bool ref)
{
	struct dmem_stock *stock;
	bool ret = true;

	if (dmem_pool_detached(pool) || !size || size > DMEM_STOCK_MAX ||
	    unlikely(!in_task()))
		return false;

	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	if (likely(stock->pool == pool)) {
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes + size);
		if (ref)
			stock->nr_refs++;
		if (stock->nr_bytes > DMEM_STOCK_MAX)
			dmem_stock_drain(stock);
	} else {
		ret = dmem_stock_refill(pool, size, ref);
	}
	preempt_enable();
	return ret;
}

#endif /* _DMEM_STOCK_H */
