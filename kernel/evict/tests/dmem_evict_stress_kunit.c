// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the eviction manager under concurrency: kthreads making
 * buffers resident, pinning, unpinning and freeing them against each
 * other (with revokes), then a teardown racing allocations. Invariants are
 * checked once the threads are done: the region's used bytes and every
 * pool's charge equal the sum of the resident buffers' sizes, and the
 * dmem.stat gauges match. No timed assertion: threads are joined with
 * completions.
 */

#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/sched.h>

#include "dmem_evict_kunit.h"

#define U		KT_U
#define NR_THREADS	3
#define NR_TBUFS	6
#define NR_ITERS	400

struct kt_thread {
	struct kunit *test;
	struct dmem_kt_owner *ko;
	struct dmem_kt_buf *bufs[NR_TBUFS];
	bool has_importer[NR_TBUFS];
	unsigned int pins[NR_TBUFS];
	u64 seed;
	atomic_t *unexpected;
	int (*fn)(struct kt_thread *t);
	struct completion started;
	struct completion done;
	bool saw_enodev;
};

static int kt_thread_main(void *data)
{
	struct kt_thread *t = data;

	/* The charge stub is looked up through the current test. */
	current->kunit_test = t->test;
	t->fn(t);
	current->kunit_test = NULL;
	complete(&t->done);
	return 0;
}

static void kt_thread_start(struct kunit *test, struct kt_thread *t, int id)
{
	struct task_struct *task;

	init_completion(&t->started);
	init_completion(&t->done);
	t->test = test;
	task = kthread_run(kt_thread_main, t, "dmem_kt%d", id);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
}

static void unexpected(struct kt_thread *t, const char *op, int ret)
{
	atomic_inc(t->unexpected);
	pr_err("dmem_evict_stress: %s returned %d\n", op, ret);
}

static int kt_random_ops(struct kt_thread *t)
{
	struct dmem_kt_region *kr = t->test->priv;
	struct rnd_state rnd;
	unsigned int iter, i;
	int ret;

	prandom_seed_state(&rnd, t->seed);
	for (iter = 0; iter < NR_ITERS; iter++) {
		u32 r = prandom_u32_state(&rnd);
		struct dmem_kt_buf *kb;

		i = r % NR_TBUFS;
		kb = t->bufs[i];
		switch ((r >> 8) % 10) {
		case 0 ... 4:
			ret = dmem_buf_make_resident(&kb->buf);
			if (ret && ret != -ENOMEM)
				unexpected(t, "make_resident", ret);
			break;
		case 5 ... 6:
			if (t->pins[i])
				break;
			ret = dmem_buf_pin(&kb->buf);
			if (!ret)
				t->pins[i]++;
			else if (ret != -ENOMEM)
				unexpected(t, "pin", ret);
			break;
		case 7:
			if (!t->pins[i])
				break;
			/* -EINVAL: another thread revoked it. */
			ret = dmem_buf_unpin(&kb->buf);
			if (ret && ret != -EINVAL)
				unexpected(t, "unpin", ret);
			t->pins[i]--;
			break;
		case 8:
			dmem_buf_mark_used(&kb->buf);
			break;
		case 9:
			if (t->has_importer[i])
				break;
			dmem_buf_free(&kb->buf);
			ret = dmem_buf_init(&kb->buf, kr->er, t->ko->owner,
					    kb->buf.size);
			if (ret)
				unexpected(t, "init", ret);
			t->pins[i] = 0;
			break;
		}
		if (!(iter % 16))
			cond_resched();
	}
	return 0;
}

static void expect_invariants(struct kunit *test, struct dmem_kt_region *kr,
			      struct kt_thread *threads, int nr_threads)
{
	struct dmem_cgroup_pool_state *pools[] = { kr->root, kr->a, kr->b1,
						   kr->b2, kr->c1 };
	u64 resident[ARRAY_SIZE(pools)] = {}, pinned[ARRAY_SIZE(pools)] = {};
	u64 evictable[ARRAY_SIZE(pools)] = {};
	s64 bufs[ARRAY_SIZE(pools)] = {}, owners[ARRAY_SIZE(pools)] = {};
	u64 used = 0;
	int n, i, p;

	for (n = 0; n < nr_threads; n++) {
		struct kt_thread *t = &threads[n];
		bool has_resident = false;

		for (i = 0; i < NR_TBUFS; i++) {
			struct dmem_buf *buf = &t->bufs[i]->buf;

			KUNIT_EXPECT_NE(test, dmem_buf_state(buf), DMEM_BUF_EVICTING);
			KUNIT_EXPECT_NE(test, dmem_buf_state(buf), DMEM_BUF_REVOKING);
			if (dmem_buf_state(buf) != DMEM_BUF_RESIDENT)
				continue;
			has_resident = true;
			used += buf->size;
			for (p = 0; p < ARRAY_SIZE(pools); p++) {
				if (!dmem_cgroup_pool_is_descendant(t->ko->pool,
								    pools[p]))
					continue;
				resident[p] += buf->size;
				bufs[p]++;
				if (buf->pin_count)
					pinned[p] += buf->size;
				else
					evictable[p] += buf->size;
			}
		}
		for (p = 0; p < ARRAY_SIZE(pools); p++)
			if (has_resident &&
			    dmem_cgroup_pool_is_descendant(t->ko->pool, pools[p]))
				owners[p]++;
	}

	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), used);
	KUNIT_EXPECT_LE(test, used, dmem_cgroup_region_size(kr->cg));
	for (p = 0; p < ARRAY_SIZE(pools); p++) {
		KUNIT_EXPECT_EQ_MSG(test, dmem_kt_usage(pools[p]), resident[p],
				    "pool %d", p);
		KUNIT_EXPECT_EQ_MSG(test, dmem_kt_pinned(pools[p]), pinned[p],
				    "pool %d", p);
		KUNIT_EXPECT_EQ_MSG(test, dmem_kt_stat(pools[p],
						       DMEM_EVICT_STAT_EVICTABLE),
				    evictable[p], "pool %d", p);
		KUNIT_EXPECT_EQ_MSG(test, dmem_kt_stat(pools[p],
						       DMEM_EVICT_STAT_BUFFERS),
				    bufs[p], "pool %d", p);
		KUNIT_EXPECT_EQ_MSG(test, dmem_kt_stat(pools[p],
						       DMEM_EVICT_STAT_OWNERS),
				    owners[p], "pool %d", p);
	}
}

static void setup_threads(struct kunit *test, struct kt_thread *threads,
			  int nr, atomic_t *unexpected_count)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_cgroup_pool_state *pools[] = { kr->b1, kr->b2, kr->c1 };
	int n, i;

	for (n = 0; n < nr; n++) {
		struct kt_thread *t = &threads[n];

		t->ko = dmem_kt_owner(test, pools[n % ARRAY_SIZE(pools)]);
		t->seed = 0x5eed0000 + n;
		t->unexpected = unexpected_count;
		for (i = 0; i < NR_TBUFS; i++) {
			t->bufs[i] = dmem_kt_buf(test, t->ko, (i % 2 + 1) * U,
						 "t");
			/* Buffers with importers are never freed by the thread. */
			if (i < 2) {
				dmem_kt_importer(test, t->bufs[i], KT_PROMPT);
				t->has_importer[i] = true;
			}
		}
	}
}

/* Threads competing for a small region, with revokes among them. */
static void dmem_evict_stress_concurrent(struct kunit *test)
{
	struct dmem_kt_region *kr = dmem_kt_region_create(test, 8 * U);
	struct kt_thread *threads;
	atomic_t unexpected_count = ATOMIC_INIT(0);
	int n;

	threads = kunit_kcalloc(test, NR_THREADS, sizeof(*threads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	setup_threads(test, threads, NR_THREADS, &unexpected_count);
	for (n = 0; n < NR_THREADS; n++) {
		threads[n].fn = kt_random_ops;
		kt_thread_start(test, &threads[n], n);
	}
	for (n = 0; n < NR_THREADS; n++)
		wait_for_completion(&threads[n].done);

	KUNIT_EXPECT_EQ(test, atomic_read(&unexpected_count), 0);
	expect_invariants(test, kr, threads, NR_THREADS);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1) + dmem_kt_usage(kr->b2),
			dmem_kt_usage(kr->root));
}

static int kt_until_enodev(struct kt_thread *t)
{
	unsigned int iter;
	bool started = false;
	int ret;

	for (iter = 0;; iter++) {
		struct dmem_kt_buf *kb = t->bufs[iter % NR_TBUFS];

		if (iter % 3 == 2)
			ret = dmem_buf_pin(&kb->buf);
		else
			ret = dmem_buf_make_resident(&kb->buf);
		if (ret == -ENODEV)
			break;
		if (ret && ret != -ENOMEM)
			unexpected(t, "make_resident", ret);
		/* -EINVAL if revoked meanwhile: the pin ended with it. */
		if (!ret && iter % 3 == 2)
			dmem_buf_unpin(&kb->buf);
		if (!ret && !started) {
			started = true;
			complete(&t->started);
		}
		if (!(iter % 16))
			cond_resched();
	}
	t->saw_enodev = true;
	if (!started)
		complete(&t->started);
	return 0;
}

/* Teardown while two threads keep allocating: all charges come back. */
static void dmem_evict_stress_teardown(struct kunit *test)
{
	struct dmem_kt_region *kr = dmem_kt_region_create(test, 4 * U);
	struct kt_thread *threads;
	atomic_t unexpected_count = ATOMIC_INIT(0);
	int n, i;

	threads = kunit_kcalloc(test, 2, sizeof(*threads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	setup_threads(test, threads, 2, &unexpected_count);
	for (n = 0; n < 2; n++) {
		threads[n].fn = kt_until_enodev;
		kt_thread_start(test, &threads[n], n);
	}
	for (n = 0; n < 2; n++)
		wait_for_completion(&threads[n].started);

	dmem_evict_region_teardown(kr->er);

	for (n = 0; n < 2; n++) {
		wait_for_completion(&threads[n].done);
		KUNIT_EXPECT_TRUE(test, threads[n].saw_enodev);
		for (i = 0; i < NR_TBUFS; i++)
			KUNIT_EXPECT_NE(test, dmem_buf_state(&threads[n].bufs[i]->buf),
					DMEM_BUF_RESIDENT);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&unexpected_count), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->root), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->root), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->root, DMEM_EVICT_STAT_BUFFERS), 0);
	expect_invariants(test, kr, threads, 2);
}

static struct kunit_case dmem_evict_stress_cases[] = {
	KUNIT_CASE(dmem_evict_stress_concurrent),
	KUNIT_CASE(dmem_evict_stress_teardown),
	{}
};

static struct kunit_suite dmem_evict_stress_suite = {
	.name = "dmem_evict_stress",
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_stress_cases,
};

kunit_test_suite(dmem_evict_stress_suite);

MODULE_DESCRIPTION("KUnit concurrency tests of the dmem eviction manager");
MODULE_LICENSE("GPL");
