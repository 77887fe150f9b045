// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: the charge path.
 *
 * Times charge+uncharge pairs of the controller's API
 * (dmem_cgroup_try_charge_css() and dmem_cgroup_uncharge(), the calls the
 * eviction manager makes) on a cgroup D levels below the root, and, in the
 * same repetition, raw page_counter_try_charge()/page_counter_uncharge()
 * on a chain of D + 1 page_counters built like the controller's (the root
 * pool included): the core of upstream dmem's charge path. One kthread per
 * CPU, bound; with two CPUs both charge the same cgroup (shared=1) or
 * sibling cgroups (shared=0, and sibling leaf counters for the baseline).
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

/**
 * struct dmem_bench_cpu - one charging kthread
 * @dmem: charge through the controller, else the raw page_counters
 * @css: the cgroup charged (@dmem)
 * @region: the region charged (@dmem)
 * @leaf: the counter charged (!@dmem)
 * @iters: pairs to time
 * @ready: threads at the start line
 * @nr: threads in the run
 * @start: ktime of the first pair
 * @end: ktime after the last pair
 * @err: a charge failed
 * @done: the thread finished
 */
struct dmem_bench_cpu {
	bool dmem;
	struct cgroup_subsys_state *css;
	struct dmem_cgroup_region *region;
	struct page_counter *leaf;
	unsigned int iters;
	atomic_t *ready;
	unsigned int nr;
	u64 start;
	u64 end;
	int err;
	struct completion done;
};

static int dmem_bench_charge_fn(void *data)
{
	struct dmem_bench_cpu *c = data;
	struct dmem_cgroup_pool_state *pool;
	struct page_counter *fail;
	unsigned int i;

	atomic_inc(c->ready);
	while (atomic_read(c->ready) < c->nr)
		cpu_relax();

	c->start = ktime_get_ns();
	for (i = 0; i < c->iters; i++) {
		if (c->dmem) {
			if (dmem_cgroup_try_charge_css(c->css, c->region,
						       DMEM_BENCH_CHARGE_SIZE,
						       &pool, NULL)) {
				c->err = -EIO;
				break;
			}
			dmem_cgroup_uncharge(pool, DMEM_BENCH_CHARGE_SIZE);
		} else {
			if (!page_counter_try_charge(c->leaf,
						     DMEM_BENCH_CHARGE_SIZE,
						     &fail)) {
				c->err = -EIO;
				break;
			}
			page_counter_uncharge(c->leaf, DMEM_BENCH_CHARGE_SIZE);
		}
		if (!(i & 4095))
			cond_resched();
	}
	c->end = ktime_get_ns();
	complete(&c->done);
	return 0;
}

/* One timed run of @nr threads; prints one line. */
static int dmem_bench_charge_once(const struct dmem_bench_args *args,
				  const char *impl, unsigned int rep,
				  struct dmem_bench_cpu *cpus, unsigned int nr)
{
	u64 start = U64_MAX, end = 0, cpu_ns = 0;
	struct task_struct *task;
	atomic_t ready = ATOMIC_INIT(0);
	unsigned int i;
	int err = 0;

	for (i = 0; i < nr; i++) {
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
	dmem_bench_out("charge impl=%s depth=%u cpus=%u shared=%u rep=%u ",
		       impl, args->depth, nr, args->shared, rep - 1);
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

/* Charge once outside the timing: the first charge creates the pools. */
static int dmem_bench_charge_warm(struct cgroup_subsys_state *css,
				  struct dmem_cgroup_region *region)
{
	struct dmem_cgroup_pool_state *pool;
	int ret;

	ret = dmem_cgroup_try_charge_css(css, region, DMEM_BENCH_CHARGE_SIZE,
					 &pool, NULL);
	if (!ret)
		dmem_cgroup_uncharge(pool, DMEM_BENCH_CHARGE_SIZE);
	return ret;
}

int dmem_bench_charge(const struct dmem_bench_args *args)
{
	struct cgroup_subsys_state *css[DMEM_BENCH_MAX_CPUS] = {};
	struct dmem_bench_cpu *cpus = NULL;
	struct dmem_cgroup_init init = { .size = 1ULL << 40 };
	struct dmem_cgroup_region *region;
	struct page_counter **pc = NULL;
	unsigned int i, nr = args->cpus, rep;
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
		ret = dmem_bench_charge_warm(css[i], region);
		if (ret)
			goto out;
		cpus[i].css = css[i];
		cpus[i].region = region;
		cpus[i].leaf = (i && !args->shared) ? pc[args->depth + 1] :
			       pc[args->depth];
		cpus[i].iters = args->iters;
	}

	/* Repetition 0 warms caches up and is not reported. */
	for (rep = 0; rep <= args->reps; rep++) {
		for (i = 0; i < nr; i++)
			cpus[i].dmem = true;
		ret = dmem_bench_charge_once(args, "dmem", rep, cpus, nr);
		if (ret)
			break;
		for (i = 0; i < nr; i++)
			cpus[i].dmem = false;
		ret = dmem_bench_charge_once(args, "page_counter", rep, cpus, nr);
		if (ret)
			break;
	}
out:
	for (i = 0; i < nr; i++)
		if (css[i])
			css_put(css[i]);
	if (pc)
		for (i = 0; i < args->depth + 2; i++)
			kfree(pc[i]);
	kfree(pc);
	kfree(cpus);
	dmem_cgroup_unregister_region(region);
	return ret;
}
