// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers of the eviction manager's KUnit suites; see dmem_evict_kunit.h.
 */

#include <kunit/static_stub.h>
#include <linux/slab.h>

#include "dmem_evict_kunit.h"

/* The static stub replacing dmem_evict_charge(): charge the owner's pool. */
static int dmem_kt_charge(struct dmem_owner *owner, struct dmem_cgroup_region *cg,
			  u64 size, struct dmem_cgroup_pool_state **ret_pool,
			  struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_kt_owner *ko = dmem_owner_priv(owner);
	int ret;

	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	dmem_cgroup_pool_get(ko->pool);
	ret = dmem_test_try_charge(ko->pool, size, ret_limit_pool);
	if (ret) {
		dmem_cgroup_pool_state_put(ko->pool);
		return ret;
	}
	*ret_pool = ko->pool;
	return 0;
}

static int dmem_kt_evict(struct dmem_buf *buf, bool may_block)
{
	struct dmem_kt_buf *kb = container_of(buf, struct dmem_kt_buf, buf);
	struct dmem_kt_region *kr = kb->kr;

	if (kb->evict_ret)
		return kb->evict_ret;
	/* As a driver's evict op under the buffer's dma-buf reservation. */
	if (kb->resv && may_block) {
		mutex_lock(kb->resv);
	} else if (kb->resv && !mutex_trylock(kb->resv)) {
		atomic_inc(&kb->nr_evict_busy);
		return -EBUSY;
	}
	atomic_inc(&kb->nr_evict);
	if (may_block)
		atomic_inc(&kb->nr_evict_blocking);
	spin_lock(&kr->lock);
	if (kr->nr_log < KT_MAX_LOG)
		kr->log[kr->nr_log++] = kb;
	spin_unlock(&kr->lock);
	if (kb->resv)
		mutex_unlock(kb->resv);
	return 0;
}

static int dmem_kt_restore(struct dmem_buf *buf)
{
	struct dmem_kt_buf *kb = container_of(buf, struct dmem_kt_buf, buf);

	atomic_inc(&kb->nr_restore);
	return 0;
}

static const struct dmem_evict_ops dmem_kt_ops = {
	.evict = dmem_kt_evict,
	.restore = dmem_kt_restore,
};

static struct dmem_cgroup_pool_state *
dmem_kt_pool(struct kunit *test, struct dmem_kt_region *kr,
	     struct dmem_cgroup_pool_state *parent)
{
	struct dmem_cgroup_pool_state *pool;

	pool = dmem_pool_create_detached(kr->cg, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

/**
 * dmem_kt_region_create() - set up a fake region for a test
 * @test: the test; its priv becomes the region
 * @capacity: bytes
 *
 * Return: the region.
 */
struct dmem_kt_region *dmem_kt_region_create(struct kunit *test, u64 capacity)
{
	struct dmem_cgroup_init init = { .size = capacity };
	struct dmem_kt_region *kr;

	kr = kunit_kzalloc(test, sizeof(*kr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kr);
	kr->test = test;
	spin_lock_init(&kr->lock);
	kr->cg = dmem_cgroup_register_region(&init, "kunit/evict0");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(kr->cg));
	kr->root = dmem_kt_pool(test, kr, NULL);
	kr->a = dmem_kt_pool(test, kr, kr->root);
	kr->b1 = dmem_kt_pool(test, kr, kr->a);
	kr->b2 = dmem_kt_pool(test, kr, kr->a);
	kr->c1 = dmem_kt_pool(test, kr, kr->b1);
	kr->er = dmem_evict_region_create(kr->cg, capacity, &dmem_kt_ops, kr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kr->er));
	kunit_activate_static_stub(test, dmem_evict_charge, dmem_kt_charge);
	test->priv = kr;
	return kr;
}

/**
 * dmem_kt_region_exit() - the suites' exit: free everything
 * @test: the test
 */
void dmem_kt_region_exit(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	unsigned int i;

	if (!kr)
		return;
	for (i = 0; i < kr->nr_imps; i++)
		dmem_kt_detach(kr->imps[i]);
	for (i = 0; i < kr->nr_bufs; i++)
		dmem_kt_free(kr->bufs[i]);
	dmem_evict_region_destroy(kr->er);
	dmem_cgroup_unregister_region(kr->cg);
}

static void dmem_kt_notify(struct dmem_owner *owner, struct dmem_buf *buf,
			   enum dmem_owner_event event)
{
	struct dmem_kt_owner *ko = dmem_owner_priv(owner);

	if (event == DMEM_OWNER_BUF_EVICTED)
		atomic_inc(&ko->nr_evicted);
	else if (event == DMEM_OWNER_BUF_REVOKED)
		atomic_inc(&ko->nr_revoked);
	else
		atomic_inc(&ko->nr_revoke_failed);
}

static const struct dmem_owner_ops dmem_kt_owner_ops = {
	.notify = dmem_kt_notify,
};

static void dmem_kt_owner_release(void *owner)
{
	dmem_owner_put(owner);
}

/**
 * dmem_kt_owner() - a fake client charging @pool
 * @test: the test
 * @pool: the pool
 *
 * Return: the owner, released at the end of the test.
 */
struct dmem_kt_owner *dmem_kt_owner(struct kunit *test,
				    struct dmem_cgroup_pool_state *pool)
{
	struct dmem_kt_owner *ko;

	ko = kunit_kzalloc(test, sizeof(*ko), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ko);
	ko->pool = pool;
	ko->owner = dmem_owner_create(&dmem_kt_owner_ops, ko);
	KUNIT_ASSERT_NOT_NULL(test, ko->owner);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							dmem_kt_owner_release,
							ko->owner), 0);
	return ko;
}

/**
 * dmem_kt_buf() - a fake buffer of @ko, EVICTED
 * @test: the test
 * @ko: its owner
 * @size: bytes
 * @name: for messages
 *
 * Return: the buffer, freed at exit if the test does not free it.
 */
struct dmem_kt_buf *dmem_kt_buf(struct kunit *test, struct dmem_kt_owner *ko,
				u64 size, const char *name)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_buf *kb;

	KUNIT_ASSERT_LT(test, kr->nr_bufs, KT_MAX_BUFS);
	kb = kunit_kzalloc(test, sizeof(*kb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kb);
	kb->kr = kr;
	kb->ko = ko;
	kb->name = name;
	KUNIT_ASSERT_EQ(test, dmem_buf_init(&kb->buf, kr->er, ko->owner, size), 0);
	kr->bufs[kr->nr_bufs++] = kb;
	return kb;
}

/**
 * dmem_kt_pinned_buf() - a new fake buffer of one unit, resident and pinned
 * @test: the test, whose region it is in
 * @ko: its owner
 * @name: its name in failure messages
 *
 * Return: the buffer; the test fails if the pin does.
 */
struct dmem_kt_buf *dmem_kt_pinned_buf(struct kunit *test,
				       struct dmem_kt_owner *ko,
				       const char *name)
{
	struct dmem_kt_buf *kb = dmem_kt_buf(test, ko, KT_U, name);

	KUNIT_ASSERT_EQ(test, dmem_buf_pin(&kb->buf), 0);
	return kb;
}

/**
 * dmem_kt_state() - the manager's state of a fake buffer
 * @kb: the buffer
 *
 * Return: its &enum dmem_buf_state.
 */
enum dmem_buf_state dmem_kt_state(struct dmem_kt_buf *kb)
{
	return dmem_buf_state(&kb->buf);
}

/**
 * dmem_kt_stats() - the fake region's statistics now
 * @kr: the region
 *
 * Return: a copy of its counters.
 */
struct dmem_evict_region_stats dmem_kt_stats(struct dmem_kt_region *kr)
{
	struct dmem_evict_region_stats st;

	dmem_evict_region_get_stats(kr->er, &st);
	return st;
}

/**
 * dmem_kt_free() - free a fake buffer once
 * @kb: the buffer
 */
void dmem_kt_free(struct dmem_kt_buf *kb)
{
	if (kb->freed)
		return;
	kb->freed = true;
	dmem_buf_free(&kb->buf);
}

static void dmem_kt_notify_revoke(struct dmem_importer *imp)
{
	struct dmem_kt_importer *ki = container_of(imp, struct dmem_kt_importer, imp);

	atomic_inc(&ki->nr_notify);
	switch (ki->mode) {
	case KT_PROMPT:
		dmem_importer_ack(imp);
		break;
	case KT_SLOW:
		schedule_delayed_work(&ki->work, msecs_to_jiffies(20));
		break;
	case KT_NEVER:
		break;
	}
}

static const struct dmem_importer_ops dmem_kt_importer_ops = {
	.revoke_notify = dmem_kt_notify_revoke,
};

static void dmem_kt_slow_ack(struct work_struct *work)
{
	struct dmem_kt_importer *ki =
		container_of(work, struct dmem_kt_importer, work.work);

	dmem_importer_ack(&ki->imp);
}

/**
 * dmem_kt_importer() - attach a fake importer to @kb
 * @test: the test
 * @kb: the buffer
 * @mode: how it acknowledges
 *
 * Return: the importer, detached at the end of the test if not before.
 */
struct dmem_kt_importer *dmem_kt_importer(struct kunit *test,
					  struct dmem_kt_buf *kb,
					  enum dmem_kt_mode mode)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_importer *ki;

	KUNIT_ASSERT_LT(test, kr->nr_imps, KT_MAX_IMPS);
	ki = kunit_kzalloc(test, sizeof(*ki), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ki);
	ki->mode = mode;
	INIT_DELAYED_WORK(&ki->work, dmem_kt_slow_ack);
	dmem_importer_attach(&ki->imp, &kb->buf, &dmem_kt_importer_ops);
	ki->attached = true;
	kr->imps[kr->nr_imps++] = ki;
	return ki;
}

/**
 * dmem_kt_detach() - detach a fake importer once
 * @ki: the importer
 */
void dmem_kt_detach(struct dmem_kt_importer *ki)
{
	if (!ki->attached)
		return;
	cancel_delayed_work_sync(&ki->work);
	ki->attached = false;
	dmem_importer_detach(&ki->imp);
}

/**
 * dmem_kt_wait_idle() - wait until a buffer is idle (a parked revoke
 *	finished)
 * @kb: the buffer
 */
void dmem_kt_wait_idle(struct dmem_kt_buf *kb)
{
	spin_lock(&kb->buf.region->lock);
	dmem_buf_wait_idle_locked(&kb->buf, 0);
	spin_unlock(&kb->buf.region->lock);
}

/**
 * dmem_kt_set_limit() - set a limit or protection of a pool
 * @pool: the pool
 * @which: what
 * @value: bytes
 */
void dmem_kt_set_limit(struct dmem_cgroup_pool_state *pool,
		       enum dmem_kt_limit which, u64 value)
{
	dmem_test_set_limit(pool, (enum dmem_file)which, value);
}

/**
 * dmem_kt_set_policy() - set what dmem.policy would
 * @kr: the region
 * @policy: enum dmem_pin_policy
 * @timeout_ms: the revoke timeout
 */
void dmem_kt_set_policy(struct dmem_kt_region *kr, int policy,
			unsigned int timeout_ms)
{
	WARN_ON(dmem_evict_test_set_policy(kr->cg, policy, timeout_ms));
}

s64 dmem_kt_event(struct dmem_cgroup_pool_state *pool,
		  enum dmem_cgroup_event event)
{
	return dmem_test_event(pool, event, true);
}

s64 dmem_kt_evict_event(struct dmem_cgroup_pool_state *pool,
			enum dmem_evict_event event)
{
	return dmem_evict_test_event(pool, event, true);
}

s64 dmem_kt_stat(struct dmem_cgroup_pool_state *pool, enum dmem_evict_stat item)
{
	return dmem_evict_pool_stat(pool, item);
}

u64 dmem_kt_usage(struct dmem_cgroup_pool_state *pool)
{
	return dmem_cgroup_pool_usage(pool);
}

u64 dmem_kt_pinned(struct dmem_cgroup_pool_state *pool)
{
	return dmem_cgroup_pool_pinned(pool);
}

u64 dmem_kt_used(struct dmem_kt_region *kr)
{
	struct dmem_evict_region_stats stats;

	dmem_evict_region_get_stats(kr->er, &stats);
	return stats.used;
}
