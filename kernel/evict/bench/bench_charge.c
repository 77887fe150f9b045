// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: the charge path.
 *
 * Times charge+uncharge pairs of the controller's API on a cgroup D levels
 * below the root: through the cgroup (dmem_cgroup_try_charge_css() and
 * dmem_cgroup_uncharge(), what drivers without a handle call; impl=dmem)
 * and through a handle (dmem_cgroup_pool_try_charge() and
 * dmem_cgroup_pool_uncharge() on the pool, referenced once, as the eviction
 * manager's links do; impl=handle). In the same repetition: raw
 * page_counter_try_charge()/page_counter_uncharge() on a chain of D + 1
 * page_counters built like the controller's (the root pool included), the
 * core of upstream dmem's charge path (impl=page_counter, the baseline);
 * and one per-cpu add and subtract (impl=percpu), the least a charge can
 * cost, which shares nothing between CPUs: what two vCPUs of it do
 * together is what the host lets two vCPUs do. One kthread per CPU,
 * bound; with two CPUs both charge the same cgroup (shared=1) or sibling
 * cgroups (shared=0, and sibling leaf counters for the baseline). Each
 * charge is size=S bytes (4096 by default).
 */

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/page_counter.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "bench.h"
#include "../evict_internal.h"

#define DMEM_BENCH_CHARGE_SIZE	4096
#define DMEM_BENCH_MAX_CPUS	2

enum dmem_bench_impl {
	DMEM_BENCH_DMEM,
	DMEM_BENCH_PAGE_COUNTER,
	DMEM_BENCH_HANDLE,
	DMEM_BENCH_PERCPU,
	DMEM_BENCH_NR_IMPLS,
};

static const char *const dmem_bench_impl_names[DMEM_BENCH_NR_IMPLS] = {
	[DMEM_BENCH_DMEM] = "dmem",
	[DMEM_BENCH_PAGE_COUNTER] = "page_counter",
	[DMEM_BENCH_HANDLE] = "handle",
	[DMEM_BENCH_PERCPU] = "percpu",
};

/* impl=percpu's counter. */
static DEFINE_PER_CPU(unsigned long, dmem_bench_percpu);

/**
 * struct dmem_bench_cpu - one charging kthread
 * @impl: what to time
 * @css: the cgroup charged (dmem)
 * @region: the region charged (dmem)
 * @pool: the pool of @css in @region, referenced: the handle (handle)
 * @leaf: the counter charged (page_counter)
 * @size: bytes per charge
 * @iters: pairs to time
 * @ready: threads at the start line
 * @nr: threads in the run
 * @start: ktime of the first pair
 * @end: ktime after the last pair
 * @err: a charge failed
 * @done: the thread finished
 */
struct dmem_bench_cpu {
	enum dmem_bench_impl impl;
	struct cgroup_subsys_state *css;
	struct dmem_cgroup_region *region;
	struct dmem_cgroup_pool_state *pool;
	struct page_counter *leaf;
	u64 size;
	unsigned int iters;
	atomic_t *ready;
	unsigned int nr;
	u64 start;
	u64 end;
	int err;
	struct completion done;
};

/*
 * One charge+uncharge pair of @impl, a constant in each caller of it, so
 * that the timed loop has no dispatch; false if the charge failed. @pool
 * and @fail are the loop's, so that they are not initialized per pair.
 */
static __always_inline bool dmem_bench_pair(struct dmem_bench_cpu *c,
					    enum dmem_bench_impl impl,
					    struct dmem_cgroup_pool_state **pool,
					    struct page_counter **fail)
{
	switch (impl) {
	case DMEM_BENCH_DMEM:
		if (dmem_cgroup_try_charge_css(c->css, c->region, c->size,
					       pool, NULL))
			return false;
		dmem_cgroup_uncharge(*pool, c->size);
		return true;
	case DMEM_BENCH_HANDLE:
		if (dmem_cgroup_pool_try_charge(c->pool, c->size, NULL))
			return false;
		dmem_cgroup_pool_uncharge(c->pool, c->size);
		return true;
	case DMEM_BENCH_PAGE_COUNTER:
		if (!page_counter_try_charge(c->leaf, c->size, fail))
			return false;
		page_counter_uncharge(c->leaf, c->size);
		return true;
	default:
		this_cpu_add(dmem_bench_percpu, c->size);
		this_cpu_sub(dmem_bench_percpu, c->size);
		return true;
	}
}

/* The timed loop of @impl; one copy per implementation. */
static __always_inline int dmem_bench_loop(struct dmem_bench_cpu *c,
					   enum dmem_bench_impl impl)
{
	struct dmem_cgroup_pool_state *pool = NULL;
	struct page_counter *fail = NULL;
	unsigned int i;

	for (i = 0; i < c->iters; i++) {
		if (!dmem_bench_pair(c, impl, &pool, &fail))
			return -EIO;
		if (!(i & 4095))
			cond_resched();
	}
	return 0;
}

static int dmem_bench_charge_fn(void *data)
{
	struct dmem_bench_cpu *c = data;

	atomic_inc(c->ready);
	while (atomic_read(c->ready) < c->nr)
		cpu_relax();

	/*
	 * The implementation is picked once, outside the timing: a dispatch
	 * per pair costs a few ns under TCG (a translated block per
	 * compare), which the timed paths do not have in use.
	 */
	c->start = ktime_get_ns();
	switch (c->impl) {
	case DMEM_BENCH_DMEM:
		c->err = dmem_bench_loop(c, DMEM_BENCH_DMEM);
		break;
	case DMEM_BENCH_HANDLE:
		c->err = dmem_bench_loop(c, DMEM_BENCH_HANDLE);
		break;
	case DMEM_BENCH_PAGE_COUNTER:
		c->err = dmem_bench_loop(c, DMEM_BENCH_PAGE_COUNTER);
		break;
	default:
		c->err = dmem_bench_loop(c, DMEM_BENCH_PERCPU);
		break;
	}
	c->end = ktime_get_ns();
	complete(&c->done);
	return 0;
}

/* One timed run of @nr threads of @impl; prints one line. */
static int dmem_bench_charge_once(const struct dmem_bench_args *args,
				  enum dmem_bench_impl impl, unsigned int rep,
				  struct dmem_bench_cpu *cpus, unsigned int nr)
{
	u64 start = U64_MAX, end = 0, cpu_ns = 0;
	struct task_struct *task;
	atomic_t ready = ATOMIC_INIT(0);
	unsigned int i;
	int err = 0;

	for (i = 0; i < nr; i++) {
		cpus[i].impl = impl;
		cpus[i].ready = &ready;
		cpus[i].nr = nr;
		cpus[i].err = 0;
		init_completion(&cpus[i].done);
	}
	for (i = 0; i < nr; i++) {
		task = kthread_create_on_cpu(dmem_bench_charge_fn, &cpus[i], i,
					     "dmem_bench/%u");
		if (IS_ERR(task)) {
			/* Let the started ones go: the barrier counts them. */
			atomic_add(nr - i, &ready);
			err = PTR_ERR(task);
			nr = i;
			break;
		}
		wake_up_process(task);
	}
	for (i = 0; i < nr; i++) {
		wait_for_completion(&cpus[i].done);
		err = err ?: cpus[i].err;
		start = min(start, cpus[i].start);
		end = max(end, cpus[i].end);
		cpu_ns += cpus[i].end - cpus[i].start;
	}
	if (err || !rep)
		return err;
	dmem_bench_out("charge impl=%s depth=%u cpus=%u shared=%u size=%llu rep=%u ",
		       dmem_bench_impl_names[impl], args->depth, nr,
		       args->shared, cpus[0].size, rep - 1);
	dmem_bench_out("ops=%llu wall_ns=%llu cpu_ns=%llu\n",
		       (u64)args->iters * nr, end - start, cpu_ns);
	return 0;
}

static struct cgroup_subsys_state *dmem_bench_css(const char *path)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;

	cgrp = cgroup_get_from_path(path);
	if (IS_ERR(cgrp))
		return ERR_CAST(cgrp);
	css = cgroup_get_e_css(cgrp, &dmem_cgrp_subsys);
	cgroup_put(cgrp);
	return css;
}

/*
 * Charge once outside the timing: the first charge creates the pools. The
 * charge's reference on the pool stays: the handle of impl=handle.
 */
static int dmem_bench_charge_warm(struct dmem_bench_cpu *c)
{
	int ret;

	ret = dmem_cgroup_try_charge_css(c->css, c->region, c->size, &c->pool,
					 NULL);
	if (!ret)
		dmem_cgroup_pool_uncharge(c->pool, c->size);
	return ret;
}

int dmem_bench_charge(const struct dmem_bench_args *args)
{
	struct cgroup_subsys_state *css[DMEM_BENCH_MAX_CPUS] = {};
	struct dmem_bench_cpu *cpus = NULL;
	struct dmem_cgroup_init init = { .size = 1ULL << 40 };
	struct dmem_cgroup_region *region;
	struct page_counter **pc = NULL;
	unsigned int i, nr = args->cpus, rep, impl;
	u64 size = args->size ?: DMEM_BENCH_CHARGE_SIZE;
	int ret;

	if (!nr || nr > DMEM_BENCH_MAX_CPUS || nr > num_online_cpus() ||
	    !args->depth || !args->cg[0] || (nr > 1 && !args->shared && !args->cg2[0]))
		return -EINVAL;

	region = dmem_cgroup_register_region(&init, "bench/charge0");
	if (IS_ERR(region))
		return PTR_ERR(region);

	ret = -ENOMEM;
	cpus = kcalloc(nr, sizeof(*cpus), GFP_KERNEL);
	/* depth + 1 counters from the root down, and a sibling leaf. */
	pc = kcalloc(args->depth + 2, sizeof(*pc), GFP_KERNEL);
	if (!cpus || !pc)
		goto out;
	for (i = 0; i < args->depth + 2; i++) {
		pc[i] = kzalloc(sizeof(*pc[i]), GFP_KERNEL);
		if (!pc[i])
			goto out;
	}
	for (i = 0; i <= args->depth; i++)
		page_counter_init(pc[i], i ? pc[i - 1] : NULL, true);
	page_counter_init(pc[args->depth + 1], pc[args->depth - 1], true);

	for (i = 0; i < nr; i++) {
		const char *path = (i && !args->shared) ? args->cg2 : args->cg;

		css[i] = dmem_bench_css(path);
		if (IS_ERR(css[i])) {
			ret = PTR_ERR(css[i]);
			css[i] = NULL;
			goto out;
		}
		cpus[i].css = css[i];
		cpus[i].region = region;
		cpus[i].size = size;
		ret = dmem_bench_charge_warm(&cpus[i]);
		if (ret)
			goto out;
		cpus[i].leaf = (i && !args->shared) ? pc[args->depth + 1] :
			       pc[args->depth];
		cpus[i].iters = args->iters;
	}

	/*
	 * Repetition 0 warms caches up and is not reported. The baseline
	 * runs right after the cgroup's path, the handle's after it.
	 */
	for (rep = 0; rep <= args->reps && !ret; rep++)
		for (impl = 0; impl < DMEM_BENCH_NR_IMPLS && !ret; impl++)
			ret = dmem_bench_charge_once(args, impl, rep, cpus, nr);
out:
	for (i = 0; i < nr; i++) {
		/* The handle: the warm-up charge's reference. */
		dmem_cgroup_pool_state_put(cpus ? cpus[i].pool : NULL);
		if (css[i])
			css_put(css[i]);
	}
	if (pc)
		for (i = 0; i < args->depth + 2; i++)
			kfree(pc[i]);
	kfree(pc);
	kfree(cpus);
	dmem_cgroup_unregister_region(region);
	return ret;
}
