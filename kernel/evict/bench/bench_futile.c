// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: evictions in vain under concurrency (issue 17, item 1).
 *
 * The manager decides before it evicts: a request that cannot succeed
 * evicts nothing. Two requests racing for the same room can still make
 * one of them evict and then fail, because the other took the room; those
 * evictions are counted in dmem.stat's futile_evictions. This measures
 * how many there are in a randomized workload on two CPUs.
 *
 * futile n=N pinned=PCT reps=R iters=I: a region of the bench's own ("bench/futile0",
 * 256 units of 4 KiB, the soft policy) whose evict and restore ops move
 * nothing; two kthreads bound to CPUs 0 and 1, each with its own owner and
 * N buffers of 1 to 16 units (random), do I random operations each: make
 * a buffer resident (most often), pin or unpin one (at most PCT% of the
 * region pinned per thread, by its own count), or free one and make a new one of
 * another size. One line per repetition: the operations, the evict op's
 * calls, the futile evictions (the pool's futile_evictions stat), the
 * -ENOMEM results and the revokes.
 */

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../../devmem_cg/dmem_test.h"
#include "../tests/dmem_evict_test_policy.h"
#include "bench.h"
#include "../evict_internal.h"

#define DMEM_FUTILE_UNIT	4096ULL
#define DMEM_FUTILE_UNITS	256
#define DMEM_FUTILE_MAX_UNITS	16
#define DMEM_FUTILE_CPUS	2

/**
 * struct dmem_futile_buf - a buffer of one thread
 * @buf: the manager's part
 * @init: @buf is initialized
 * @pinned: this thread pinned it (a revoke may have ended the pin since)
 */
struct dmem_futile_buf {
	struct dmem_buf buf;
	bool init;
	bool pinned;
};

/**
 * struct dmem_futile_thread - one CPU's workload
 * @er: the eviction region
 * @owner: its owner
 * @bufs: its buffers
 * @n: number of @bufs
 * @iters: operations to do
 * @max_pinned_units: at most this many units pinned
 * @seed: its random state
 * @ready: threads at the start line
 * @pinned_units: units it pinned (by its own count)
 * @enomem: make-resident or pin calls that returned -ENOMEM
 * @busy: those that returned -EBUSY (every victim busy in a row)
 * @pins: pins taken
 * @err: an unexpected error
 * @done: the thread finished
 */
struct dmem_futile_thread {
	struct dmem_evict_region *er;
	struct dmem_owner *owner;
	struct dmem_futile_buf *bufs;
	unsigned int n;
	unsigned int iters;
	unsigned int max_pinned_units;
	struct rnd_state seed;
	atomic_t *ready;
	unsigned int pinned_units;
	unsigned int enomem;
	unsigned int busy;
	unsigned int pins;
	int err;
	struct completion done;
};

static atomic_t dmem_futile_evicted;

static int dmem_futile_evict_op(struct dmem_buf *buf, bool may_block)
{
	atomic_inc(&dmem_futile_evicted);
	return 0;
}

static int dmem_futile_restore_op(struct dmem_buf *buf)
{
	return 0;
}

static const struct dmem_evict_ops dmem_futile_ops = {
	.evict = dmem_futile_evict_op,
	.restore = dmem_futile_restore_op,
};

static unsigned int dmem_futile_units(struct dmem_futile_thread *t)
{
	return 1 + prandom_u32_state(&t->seed) % DMEM_FUTILE_MAX_UNITS;
}

/* -ENOMEM and -EBUSY are results of the workload; others, failures. */
static void dmem_futile_result(struct dmem_futile_thread *t, int ret)
{
	if (ret == -ENOMEM)
		t->enomem++;
	else if (ret == -EBUSY)
		t->busy++;
	else if (ret && !t->err)
		t->err = ret;
}

/* Free @fb and make it a new buffer of a random size. */
static void dmem_futile_renew(struct dmem_futile_thread *t,
			      struct dmem_futile_buf *fb)
{
	if (fb->init) {
		if (fb->pinned)
			t->pinned_units -= fb->buf.size / DMEM_FUTILE_UNIT;
		dmem_buf_free(&fb->buf);
	}
	fb->pinned = false;
	fb->init = !dmem_buf_init(&fb->buf, t->er, t->owner,
				  dmem_futile_units(t) * DMEM_FUTILE_UNIT);
	if (!fb->init && !t->err)
		t->err = -EINVAL;
}

static void dmem_futile_op(struct dmem_futile_thread *t)
{
	struct dmem_futile_buf *fb;
	unsigned int r = prandom_u32_state(&t->seed);
	unsigned int units;

	fb = &t->bufs[(r >> 8) % t->n];
	if (!fb->init) {
		dmem_futile_renew(t, fb);
		return;
	}
	units = fb->buf.size / DMEM_FUTILE_UNIT;
	r %= 100;
	if (r < 60) {
		dmem_futile_result(t, dmem_buf_make_resident(&fb->buf));
	} else if (r < 75 && !fb->pinned &&
		   t->pinned_units + units <= t->max_pinned_units) {
		dmem_futile_result(t, dmem_buf_pin(&fb->buf));
		fb->pinned = !t->err && dmem_buf_is_pinned(&fb->buf);
		if (fb->pinned) {
			t->pinned_units += units;
			t->pins++;
		}
	} else if (r < 90 && fb->pinned) {
		/* A revoke may have ended the pin: its error is expected. */
		dmem_buf_unpin(&fb->buf);
		fb->pinned = false;
		t->pinned_units -= units;
	} else if (r >= 90) {
		dmem_futile_renew(t, fb);
	}
}

static int dmem_futile_fn(void *data)
{
	struct dmem_futile_thread *t = data;
	unsigned int i;

	atomic_inc(t->ready);
	while (atomic_read(t->ready) < DMEM_FUTILE_CPUS)
		cpu_relax();
	for (i = 0; i < t->iters && !t->err; i++) {
		dmem_futile_op(t);
		if (!(i & 255))
			cond_resched();
	}
	complete(&t->done);
	return 0;
}

static void dmem_futile_free(struct dmem_futile_thread *t)
{
	unsigned int i;

	for (i = 0; t->bufs && i < t->n; i++)
		if (t->bufs[i].init)
			dmem_buf_free(&t->bufs[i].buf);
	kvfree(t->bufs);
	if (t->owner)
		dmem_owner_put(t->owner);
}

/* Run both threads to completion; 0 or the first error. */
static int dmem_futile_run(struct dmem_futile_thread *th)
{
	struct task_struct *task[DMEM_FUTILE_CPUS];
	unsigned int i, started = 0;
	int ret = 0;

	for (i = 0; i < DMEM_FUTILE_CPUS; i++) {
		task[i] = kthread_create_on_cpu(dmem_futile_fn, &th[i], i,
						"dmem_futile/%u");
		if (IS_ERR(task[i])) {
			ret = PTR_ERR(task[i]);
			break;
		}
		started++;
	}
	/* Threads not started count as ready, so the others do not wait. */
	atomic_add(DMEM_FUTILE_CPUS - started, th[0].ready);
	for (i = 0; i < started; i++)
		wake_up_process(task[i]);
	for (i = 0; i < started; i++) {
		wait_for_completion(&th[i].done);
		ret = ret ?: th[i].err;
	}
	return ret;
}

/* One repetition: set up, run, print, tear down. */
static int dmem_futile_once(const struct dmem_bench_args *args,
			    unsigned int rep)
{
	struct dmem_futile_thread th[DMEM_FUTILE_CPUS] = {};
	u64 capacity = DMEM_FUTILE_UNITS * DMEM_FUTILE_UNIT;
	struct dmem_cgroup_pool_state *pool = NULL;
	struct dmem_evict_region_stats rs;
	struct dmem_cgroup_region *cg;
	struct dmem_evict_region *er;
	atomic_t ready = ATOMIC_INIT(0);
	unsigned int i;
	struct dmem_cgroup_init init = {
		.size = DMEM_FUTILE_UNITS * DMEM_FUTILE_UNIT,
	};
	int ret;

	cg = dmem_cgroup_register_region(&init, "bench/futile0");
	if (IS_ERR(cg))
		return PTR_ERR(cg);
	er = dmem_evict_region_create(cg, capacity, &dmem_futile_ops, NULL);
	if (IS_ERR(er)) {
		dmem_cgroup_unregister_region(cg);
		return PTR_ERR(er);
	}
	atomic_set(&dmem_futile_evicted, 0);
	ret = 0;
	for (i = 0; i < DMEM_FUTILE_CPUS; i++) {
		th[i].er = er;
		th[i].n = args->n;
		th[i].iters = args->iters;
		th[i].max_pinned_units = DMEM_FUTILE_UNITS * args->pinned / 100;
		th[i].ready = &ready;
		prandom_seed_state(&th[i].seed, get_random_u64());
		init_completion(&th[i].done);
		th[i].owner = dmem_owner_create(NULL, NULL);
		th[i].bufs = kvcalloc(args->n, sizeof(*th[i].bufs), GFP_KERNEL);
		if (!th[i].owner || !th[i].bufs)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = dmem_futile_run(th);
	/* The writer's pool, which both owners charge: its stat. */
	if (!ret && !dmem_owner_try_charge(th[0].owner, cg, 0, &pool, NULL) &&
	    pool) {
		dmem_evict_region_get_stats(er, &rs);
		dmem_bench_out("futile cpus=%u rep=%u ops=%u evictions=%d futile=%lld ",
			       DMEM_FUTILE_CPUS, rep, 2 * args->iters,
			       atomic_read(&dmem_futile_evicted),
			       dmem_evict_pool_stat(pool, DMEM_EVICT_STAT_FUTILE_EVICTIONS));
		dmem_bench_out("enomem=%u busy=%u pins=%u revokes=%lld parked=%llu\n",
			       th[0].enomem + th[1].enomem,
			       th[0].busy + th[1].busy,
			       th[0].pins + th[1].pins,
			       dmem_evict_test_event(pool, DMEM_EVICT_EVENT_REVOKE, true),
			       rs.parked);
		dmem_cgroup_uncharge(pool, 0);
	}
	for (i = 0; i < DMEM_FUTILE_CPUS; i++)
		dmem_futile_free(&th[i]);
	dmem_evict_region_destroy(er);
	dmem_cgroup_unregister_region(cg);
	return ret;
}

int dmem_bench_futile(const struct dmem_bench_args *args)
{
	unsigned int rep;
	int ret;

	if (!args->n || num_online_cpus() < DMEM_FUTILE_CPUS)
		return -EINVAL;
	for (rep = 0; rep < args->reps; rep++) {
		ret = dmem_futile_once(args, rep + 1);
		if (ret)
			return ret;
	}
	return 0;
}
