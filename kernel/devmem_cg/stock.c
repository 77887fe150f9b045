// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the per-cpu charge stock.
 *
 * Each CPU caches bytes uncharged from one pool, still charged in the
 * pool's page_counters, and hands them to the next charge of that pool on
 * that CPU. It caches the uncharged charges' pool references too, and
 * hands them out with the bytes: a charge+uncharge pair that the stock
 * serves touches only this CPU's stock, neither a page_counter (whatever
 * the depth) nor the pool's reference count, and nothing another CPU
 * writes. The pool is not looked up: the stocked one is compared with
 * the (cgroup, region) charged.
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
 *   - a stock holds @nr_refs references on its pool, at least one while
 *     it has a pool: those of the charges uncharged into it and not yet
 *     handed out again. A charge takes one of them only if another one is
 *     left for the stock, else a new one (percpu_ref_tryget_live()).
 *     Charges through a handle (dmem_cgroup_pool_try_charge()) hold no
 *     reference of their own: they take bytes and give bytes back, never
 *     references, and a stock that starts stocking a pool for them takes
 *     one reference for itself. Every reference a stock holds goes when
 *     it is drained;
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
#include "stock.h"

DEFINE_PER_CPU(struct dmem_stock, dmem_stock);

/**
 * dmem_stock_drain() - give the stocked bytes and references back
 * @stock: a stock the caller may touch (see the rules above)
 */
void dmem_stock_drain(struct dmem_stock *stock)
{
	struct dmem_cgroup_pool_state *pool = stock->pool;

	if (!pool)
		return;
	if (stock->nr_bytes)
		page_counter_uncharge(&pool->cnt, stock->nr_bytes);
	WRITE_ONCE(stock->nr_bytes, 0);
	WRITE_ONCE(stock->pool, NULL);
	percpu_ref_put_many(&pool->ref, stock->nr_refs);
	stock->nr_refs = 0;
}

/**
 * dmem_stock_refill() - stock another pool on this CPU
 * @pool: the pool uncharged
 * @size: bytes uncharged
 * @ref: the stock takes over the charge's reference; else (a handle's
 *	charge, which holds none) it takes one
 *
 * The slow part of dmem_stock_uncharge(): this CPU's stock holds another
 * pool, or none. Drains it and stocks @pool instead, unless @pool was
 * killed (killing drained the stocks: do not stock it again).
 *
 * Context: preemption disabled, in task context.
 * Return: false if @pool cannot be stocked.
 */
bool dmem_stock_refill(struct dmem_cgroup_pool_state *pool, u64 size, bool ref)
{
	struct dmem_stock *stock = this_cpu_ptr(&dmem_stock);

	if (READ_ONCE(pool->killed))
		return false;
	/* The caller's handle keeps @pool alive: a plain get suffices. */
	if (!ref)
		percpu_ref_get(&pool->ref);
	dmem_stock_drain(stock);
	WRITE_ONCE(stock->pool, pool);
	WRITE_ONCE(stock->nr_bytes, size);
	stock->nr_refs = 1;
	return true;
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
 * Return: the bytes charged to @pool or its descendants that sit unused
 * in the CPUs' stocks.
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
