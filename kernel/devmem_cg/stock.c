// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the per-cpu charge stock.
 *
 * Each CPU caches bytes uncharged from one pool, still charged in the
 * pool's page_counters, and hands them to the next charge of that pool on
 * that CPU. A charge+uncharge pair that the stock serves touches only this
 * CPU's stock and the pool's percpu_ref: no page_counter, whatever the
 * depth, and nothing another CPU writes.
 *
 * Unlike memcg's stock, ours is filled by uncharges only, never by charging
 * ahead, so that page_counter never holds more than was really charged when
 * it is charged: a charge the stock cannot serve first drains every stock
 * holding bytes of the same region (only the CPUs whose stock does are
 * asked to), then charges the page_counters. dmem.peak (the counters' watermark)
 * is thus the exact peak of the bytes charged, and a limit is never hit
 * because of bytes sitting in a stock.
 *
 * Readers of the usage (dmem.current, dmem.stat, dmem_cgroup_pool_usage(),
 * the protection check and reclaim) subtract the stocked bytes of the
 * pool's subtree, see dmem_pool_usage(); the effective min/low protection
 * that page_counter computes still counts them, as memcg's does.
 *
 * Rules:
 *   - a stock is only touched by tasks of its CPU, preemption disabled (so
 *     the fast path needs neither atomics nor interrupts disabled: charges
 *     and uncharges in interrupt context bypass the stock), by its drain
 *     work, which runs on its CPU, or by a control CPU once its CPU is dead;
 *   - other CPUs drain it by queueing its work and flushing it, CPU
 *     hotplug excluded meanwhile;
 *   - a stock holds one reference on its pool (the uncharged charge's);
 *   - killed pools are never stocked: an uncharge checks @killed with
 *     interrupts disabled, and killing drains every CPU after setting it;
 *   - only pools of cgroups are stocked; the detached pools of the KUnit
 *     tests, uncharges of 0 bytes and uncharges larger than
 *     DMEM_STOCK_MAX go straight to the page_counters.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/workqueue.h>

#include "dmem_internal.h"

/**
 * struct dmem_stock - bytes of one pool cached on one CPU
 * @pool: the pool, referenced; NULL when empty
 * @nr_bytes: bytes charged to @pool's page_counters and not used
 * @work: drains the stock, on its CPU
 */
struct dmem_stock {
	struct dmem_cgroup_pool_state *pool;
	unsigned long nr_bytes;
	struct work_struct work;
};

static DEFINE_PER_CPU(struct dmem_stock, dmem_stock);

/* Give the stocked bytes back to the page_counters. */
static void dmem_stock_drain(struct dmem_stock *stock)
{
	struct dmem_cgroup_pool_state *pool = stock->pool;

	if (!pool)
		return;
	if (stock->nr_bytes)
		page_counter_uncharge(&pool->cnt, stock->nr_bytes);
	WRITE_ONCE(stock->nr_bytes, 0);
	WRITE_ONCE(stock->pool, NULL);
	percpu_ref_put(&pool->ref);
}

/**
 * dmem_stock_consume() - charge from this CPU's stock
 * @cs: the cgroup charged
 * @region: the region
 * @size: bytes
 *
 * Finds the pool without a lookup: the stocked pool of (@cs, @region), if
 * live, is the one dmem_pool_tryget() would return.
 *
 * Return: the pool charged, with a reference; NULL if the stock cannot
 * serve the charge.
 */
struct dmem_cgroup_pool_state *dmem_stock_consume(struct dmemcg_state *cs,
						  struct dmem_cgroup_region *region,
						  u64 size)
{
	struct dmem_cgroup_pool_state *pool;
	struct dmem_stock *stock;

	if (unlikely(!in_task()))
		return NULL;
	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	pool = stock->pool;
	if (pool && pool->cs == cs && pool->region == region &&
	    stock->nr_bytes >= size && percpu_ref_tryget_live(&pool->ref))
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes - size);
	else
		pool = NULL;
	preempt_enable();
	return pool;
}

/**
 * dmem_stock_consume_pool() - charge a referenced pool from this CPU's stock
 * @pool: the pool; the caller's reference becomes the charge's
 * @size: bytes
 *
 * Return: true if the stock served the charge.
 */
bool dmem_stock_consume_pool(struct dmem_cgroup_pool_state *pool, u64 size)
{
	struct dmem_stock *stock;
	bool ret = false;

	if (unlikely(!in_task()))
		return false;
	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	if (stock->pool == pool && stock->nr_bytes >= size) {
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes - size);
		ret = true;
	}
	preempt_enable();
	return ret;
}

/**
 * dmem_stock_uncharge() - uncharge into this CPU's stock
 * @pool: the pool; takes over the charge's reference
 * @size: bytes
 *
 * Return: false if @pool cannot be stocked (the caller uncharges the
 * page_counters and drops the reference itself).
 */
bool dmem_stock_uncharge(struct dmem_cgroup_pool_state *pool, u64 size)
{
	struct dmem_stock *stock;
	bool ret = true;

	if (dmem_pool_detached(pool) || !size || size > DMEM_STOCK_MAX || unlikely(!in_task()))
		return false;

	preempt_disable();
	stock = this_cpu_ptr(&dmem_stock);
	if (stock->pool == pool) {
		WRITE_ONCE(stock->nr_bytes, stock->nr_bytes + size);
		/* The stock holds a reference already. */
		percpu_ref_put(&pool->ref);
		if (stock->nr_bytes > DMEM_STOCK_MAX)
			dmem_stock_drain(stock);
	} else if (READ_ONCE(pool->killed)) {
		/* Killing drained the stocks; do not stock it again. */
		ret = false;
	} else {
		dmem_stock_drain(stock);
		WRITE_ONCE(stock->pool, pool);
		WRITE_ONCE(stock->nr_bytes, size);
	}
	preempt_enable();
	return ret;
}

static void dmem_stock_workfn(struct work_struct *work)
{
	struct dmem_stock *stock = container_of(work, struct dmem_stock, work);

	/* Queued on the stock's CPU with hotplug excluded: it runs there. */
	preempt_disable();
	if (!WARN_ON_ONCE(stock != this_cpu_ptr(&dmem_stock)))
		dmem_stock_drain(stock);
	preempt_enable();
}

typedef bool (*dmem_stock_cond_t)(struct dmem_stock *stock, void *arg);

/*
 * Drain the stocks of the online CPUs for which @cond holds: this CPU's
 * directly, the others' by their work. @cond reads remote stocks; the
 * pools they point to are freed after an RCU grace period.
 */
static void dmem_stock_drain_cond(dmem_stock_cond_t cond, void *arg)
{
	bool queued = false;
	int cpu, self;

	cpus_read_lock();
	self = get_cpu();
	rcu_read_lock();
	for_each_online_cpu(cpu) {
		struct dmem_stock *stock = per_cpu_ptr(&dmem_stock, cpu);

		if (!cond(stock, arg))
			continue;
		if (cpu == self) {
			dmem_stock_drain(stock);
		} else {
			/* If already queued, it has yet to run: flush it too. */
			queue_work_on(cpu, system_highpri_wq, &stock->work);
			queued = true;
		}
	}
	rcu_read_unlock();
	put_cpu();
	if (queued)
		for_each_online_cpu(cpu)
			flush_work(&per_cpu_ptr(&dmem_stock, cpu)->work);
	cpus_read_unlock();
}

static bool dmem_stock_has_region(struct dmem_stock *stock, void *region)
{
	struct dmem_cgroup_pool_state *pool = READ_ONCE(stock->pool);

	return pool && READ_ONCE(stock->nr_bytes) && pool->region == region;
}

/**
 * dmem_stock_drain_region() - drain the stocks holding bytes of a region
 * @region: the region
 *
 * Only the CPUs whose stock holds bytes of @region are asked to drain it.
 * A stock filled concurrently may be missed: that uncharge is then ordered
 * after the caller's charge.
 *
 * Context: process context, may sleep.
 */
void dmem_stock_drain_region(struct dmem_cgroup_region *region)
{
	dmem_stock_drain_cond(dmem_stock_has_region, region);
}

static bool dmem_stock_has_killed(struct dmem_stock *stock, void *unused)
{
	struct dmem_cgroup_pool_state *pool = READ_ONCE(stock->pool);

	return pool && READ_ONCE(pool->killed);
}

/**
 * dmem_stock_drain_killed() - drain the stocks of killed pools
 *
 * Called after pools were killed, so that the stocks' references go and
 * the pools can be released. An uncharge that read @killed false stocks
 * the pool only after that read (a control dependency), and we read the
 * stocks after setting @killed and a full barrier: either it sees @killed
 * or we see its stock.
 *
 * Context: process context, may sleep.
 */
void dmem_stock_drain_killed(void)
{
	/* Orders the callers' stores to @killed before reading the stocks. */
	smp_mb();
	dmem_stock_drain_cond(dmem_stock_has_killed, NULL);
}

/**
 * dmem_stock_bytes() - bytes stocked for a pool's subtree, on all CPUs
 * @pool: the pool
 *
 * Exact when no charge or uncharge of the region runs concurrently;
 * otherwise off by at most DMEM_STOCK_MAX per CPU changing its stock
 * meanwhile, like any snapshot of moving counters.
 *
 * Context: any context.
 */
unsigned long dmem_stock_bytes(struct dmem_cgroup_pool_state *pool)
{
	unsigned long bytes = 0;
	int cpu;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct dmem_stock *stock = per_cpu_ptr(&dmem_stock, cpu);
		struct dmem_cgroup_pool_state *pos = READ_ONCE(stock->pool);
		unsigned long nr = READ_ONCE(stock->nr_bytes);

		/* Stocked pools are referenced, their ancestors too. */
		if (pos && nr && dmem_cgroup_pool_is_descendant(pos, pool))
			bytes += nr;
	}
	rcu_read_unlock();
	return bytes;
}

/**
 * dmem_pool_usage() - bytes charged to a pool's subtree
 * @pool: the pool
 *
 * Return: the page_counter's usage less the bytes in stocks.
 */
unsigned long dmem_pool_usage(struct dmem_cgroup_pool_state *pool)
{
	unsigned long usage = page_counter_read(&pool->cnt);
	unsigned long stocked = dmem_stock_bytes(pool);

	return usage > stocked ? usage - stocked : 0;
}

/* A CPU going away leaves its stock: drain it from the control CPU. */
static int dmem_stock_cpu_dead(unsigned int cpu)
{
	dmem_stock_drain(per_cpu_ptr(&dmem_stock, cpu));
	return 0;
}

static int __init dmem_stock_init(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu)
		INIT_WORK(&per_cpu_ptr(&dmem_stock, cpu)->work, dmem_stock_workfn);

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "dmem:stock_dead",
					NULL, dmem_stock_cpu_dead);
	return ret < 0 ? ret : 0;
}

/* Before any region can be registered, hence any stock filled. */
core_initcall(dmem_stock_init);
