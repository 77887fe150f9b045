// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dmem_ttm: TTM resources charged to dmem, on TTM's own mock
 * manager (drivers/gpu/drm/ttm/tests/ttm_mock_manager.c) and KUnit
 * helpers.
 *
 * The VRAM mock manager carries a dmem region; the TT mock manager, the
 * hop of an eviction to system memory, carries none. The charges that
 * would go to the allocating task's cgroup are redirected with a KUnit
 * static stub to pools built without cgroups (detached pools of the
 * controller), chosen by the test before each allocation:
 *
 *	root
 *	 |- a
 *	 |  |- b1
 *	 |  `- b2
 *	 |- pmin, plow, pfree, pnew	(dmem_ttm_min_low only)
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

#include "../devmem_cg/dmem_internal.h"

#define KT_VRAM		SZ_64K
#define KT_MAX_BOS	16
#define KT_12K		(3 * SZ_4K)

/**
 * struct dmem_ttm_kt - one test's fixture
 * @devs: the DRM and TTM devices
 * @cg: the VRAM manager's dmem region
 * @root: pool of the root
 * @a: pool of a
 * @b1: pool of a/b1
 * @b2: pool of a/b2
 * @charge_to: the pool the next allocation charges ("the current task's")
 * @bos: the buffer objects created, put at exit unless put before
 * @nr_bos: entries in @bos
 * @funcs: the device's functions: 6.12's helpers', but for the ttm_tt's
 */
struct dmem_ttm_kt {
	struct ttm_test_devices *devs;
	struct ttm_device_funcs funcs;
	struct dmem_cgroup_region *cg;
	struct dmem_cgroup_pool_state *root, *a, *b1, *b2;
	struct dmem_cgroup_pool_state *charge_to;
	struct ttm_buffer_object *bos[KT_MAX_BOS];
	unsigned int nr_bos;
};

static int dmem_ttm_kt_charge(struct dmem_cgroup_region *region, u64 size,
			      struct dmem_cgroup_pool_state **ret_pool,
			      struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct kunit *test = kunit_get_current_test();
	struct dmem_ttm_kt *kt = test->priv;
	int ret;

	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	dmem_cgroup_pool_get(kt->charge_to);
	ret = dmem_pool_try_charge(kt->charge_to, size, ret_limit_pool);
	if (ret) {
		dmem_cgroup_pool_state_put(kt->charge_to);
		return ret;
	}
	*ret_pool = kt->charge_to;
	return 0;
}

static struct ttm_tt *dmem_ttm_kt_tt_create(struct ttm_buffer_object *bo,
					    u32 page_flags)
{
	struct ttm_tt *tt = kzalloc(sizeof(*tt), GFP_KERNEL);

	if (tt && ttm_tt_init(tt, bo, page_flags, ttm_cached, 0)) {
		kfree(tt);
		tt = NULL;
	}
	return tt;
}

/*
 * 6.12's helper destroys a ttm_tt without ttm_tt_fini(), which leaks its
 * page array: ours finishes it.
 */
static void dmem_ttm_kt_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

static struct dmem_cgroup_pool_state *
dmem_ttm_kt_pool(struct kunit *test, struct dmem_cgroup_pool_state *parent)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct dmem_cgroup_pool_state *pool;

	pool = dmem_pool_create_detached(kt->cg, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

static int dmem_ttm_kt_init(struct kunit *test)
{
	struct ttm_resource_manager *man;
	struct dmem_ttm_kt *kt;
	int err;

	kt = kunit_kzalloc(test, sizeof(*kt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kt);
	test->priv = kt;
	kt->devs = ttm_test_devices_all(test);
	kt->funcs = ttm_dev_funcs;
	kt->funcs.ttm_tt_create = dmem_ttm_kt_tt_create;
	kt->funcs.ttm_tt_destroy = dmem_ttm_kt_tt_destroy;
	kt->devs->ttm_dev->funcs = &kt->funcs;
	kt->cg = dmem_cgroup_register_region(KT_VRAM, "kunit/ttm0");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(kt->cg));
	kt->root = dmem_ttm_kt_pool(test, NULL);
	kt->a = dmem_ttm_kt_pool(test, kt->root);
	kt->b1 = dmem_ttm_kt_pool(test, kt->a);
	kt->b2 = dmem_ttm_kt_pool(test, kt->a);
	kt->charge_to = kt->b1;

	err = ttm_mock_manager_init(kt->devs->ttm_dev, TTM_PL_VRAM, KT_VRAM);
	KUNIT_ASSERT_EQ(test, err, 0);
	man = ttm_manager_type(kt->devs->ttm_dev, TTM_PL_VRAM);
	man->cg = kt->cg;
	err = ttm_mock_manager_init(kt->devs->ttm_dev, TTM_PL_TT, SZ_1M);
	KUNIT_ASSERT_EQ(test, err, 0);
	kunit_activate_static_stub(test, ttm_dmem_try_charge, dmem_ttm_kt_charge);
	return 0;
}

/*
 * 6.12's ttm_mock_manager_fini() does not free the manager it allocated:
 * free it once fini has detached it from the device.
 */
static void dmem_ttm_kt_fini_manager(struct dmem_ttm_kt *kt, u32 mem_type)
{
	struct ttm_device *bdev = kt->devs->ttm_dev;
	struct ttm_resource_manager *man = ttm_manager_type(bdev, mem_type);

	if (!man)
		return;
	ttm_mock_manager_fini(bdev, mem_type);
	if (!ttm_manager_type(bdev, mem_type))
		kfree(container_of(man, struct ttm_mock_manager, man));
}

static void dmem_ttm_kt_exit(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	unsigned int i;

	if (!kt || !kt->devs)	/* the init failed early */
		return;
	for (i = 0; i < kt->nr_bos; i++)
		if (kt->bos[i])
			ttm_bo_put(kt->bos[i]);
	dmem_ttm_kt_fini_manager(kt, TTM_PL_VRAM);
	dmem_ttm_kt_fini_manager(kt, TTM_PL_TT);
	ttm_test_devices_put(test, kt->devs);
	dmem_cgroup_unregister_region(kt->cg);
}

/* A buffer object of @size bytes placed in @mem_type, charged to @pool. */
static int dmem_ttm_kt_bo(struct kunit *test, struct dmem_cgroup_pool_state *pool,
			  size_t size, u32 mem_type,
			  struct ttm_buffer_object **ret)
{
	struct ttm_place place = { .mem_type = mem_type };
	struct ttm_placement placement = { .num_placement = 1,
					   .placement = &place };
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	int err;

	KUNIT_ASSERT_LT(test, kt->nr_bos, KT_MAX_BOS);
	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	drm_gem_private_object_init(kt->devs->drm, &bo->base, size);
	kt->charge_to = pool;
	err = ttm_bo_init_reserved(kt->devs->ttm_dev, bo, ttm_bo_type_device,
				   &placement, PAGE_SIZE, &ctx, NULL, NULL,
				   &dummy_ttm_bo_destroy);
	*ret = NULL;
	if (err)	/* ttm_bo_init_reserved() put it */
		return err;
	dma_resv_unlock(bo->base.resv);
	kt->bos[kt->nr_bos++] = bo;
	*ret = bo;
	return 0;
}

static void dmem_ttm_kt_put(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct dmem_ttm_kt *kt = test->priv;
	unsigned int i;

	for (i = 0; i < kt->nr_bos; i++)
		if (kt->bos[i] == bo)
			kt->bos[i] = NULL;
	ttm_bo_put(bo);
}

static int dmem_ttm_kt_validate(struct kunit *test,
				struct dmem_cgroup_pool_state *pool,
				struct ttm_buffer_object *bo, u32 mem_type)
{
	struct ttm_place place = { .mem_type = mem_type };
	struct ttm_placement placement = { .num_placement = 1,
					   .placement = &place };
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_operation_ctx ctx = { };
	int err;

	kt->charge_to = pool;
	err = ttm_bo_reserve(bo, false, false, NULL);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = ttm_bo_validate(bo, &placement, &ctx);
	ttm_bo_unreserve(bo);
	return err;
}

static u64 kt_usage(struct dmem_cgroup_pool_state *pool)
{
	return dmem_cgroup_pool_usage(pool);
}

static u64 kt_pinned(struct dmem_cgroup_pool_state *pool)
{
	return (u64)page_counter_read(&pool->pinned);
}

static s64 kt_event(struct dmem_cgroup_pool_state *pool,
		    enum dmem_cgroup_event event)
{
	return atomic64_read(&pool->events_local[event]);
}

static void kt_set(struct dmem_cgroup_pool_state *pool, u64 min, u64 low,
		   u64 max, u64 pinned_max)
{
	mutex_lock(&dmem_mutex);
	page_counter_set_min(&pool->cnt, min);
	page_counter_set_low(&pool->cnt, low);
	xchg(&pool->cnt.max, max);
	xchg(&pool->pinned.max, pinned_max);
	mutex_unlock(&dmem_mutex);
}

static u32 kt_where(struct ttm_buffer_object *bo)
{
	return bo->resource ? bo->resource->mem_type : U32_MAX;
}

/* Charges are exact, hierarchical, and go back when the BOs go. */
static void dmem_ttm_charge_exact(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y, *t;

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, 3 * SZ_4K, TTM_PL_VRAM, &x), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 3 * SZ_4K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->a), 3 * SZ_4K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->root), 3 * SZ_4K);
	KUNIT_EXPECT_PTR_EQ(test, x->resource->dmem.pool, kt->b1);

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, 5 * SZ_4K, TTM_PL_VRAM, &y), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 3 * SZ_4K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), 5 * SZ_4K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->a), 8 * SZ_4K);

	/* A manager without a region charges nothing. */
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_TT, &t), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->a), 8 * SZ_4K);
	KUNIT_EXPECT_NULL(test, t->resource->dmem.pool);

	dmem_ttm_kt_put(test, x);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->a), 5 * SZ_4K);
	dmem_ttm_kt_put(test, y);
	dmem_ttm_kt_put(test, t);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->root), 0);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_EVICT), 0);
}

/* A dmem.max hit evicts inside the limiting pool's subtree only. */
static void dmem_ttm_limit_scope(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *p, *q, *r;

	kt_set(kt->b1, 0, 0, SZ_16K, PAGE_COUNTER_MAX);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_8K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &p), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &q), 0);
	KUNIT_ASSERT_EQ(test, kt_usage(kt->b1), SZ_16K);

	/* b1 is at its max: its oldest BO goes, b2's older one stays. */
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &r), 0);
	KUNIT_EXPECT_EQ(test, kt_where(r), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(p), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(q), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b2, DMEM_CGROUP_EVENT_EVICT), 0);
	KUNIT_EXPECT_GT(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_MAX), 0);

	/*
	 * A BO larger than b1's max can never fit: it fails (TTM turns
	 * -ENOSPC into -ENOMEM) and nothing outside b1 is taken.
	 */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &p),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b2, DMEM_CGROUP_EVENT_EVICT), 0);
}

/* A full region evicts across cgroups, oldest first. */
static void dmem_ttm_full_scope(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y, *n;

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &y), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K, TTM_PL_VRAM, &n), 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(y), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(n), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b2, DMEM_CGROUP_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_EVICT), 0);
}

/* Below min never; below low only when nothing unprotected is left. */
static void dmem_ttm_min_low(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct dmem_cgroup_pool_state *pmin, *plow, *pfree, *pnew;
	struct ttm_buffer_object *m, *l, *f, *n, *big;

	pmin = dmem_ttm_kt_pool(test, kt->root);
	plow = dmem_ttm_kt_pool(test, kt->root);
	pfree = dmem_ttm_kt_pool(test, kt->root);
	pnew = dmem_ttm_kt_pool(test, kt->root);
	kt_set(pmin, SZ_16K, 0, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);
	kt_set(plow, 0, SZ_16K, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);

	/* 16K of 64K stay free for pnew's first 32K to need 16K more. */
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, pmin, SZ_16K, TTM_PL_VRAM, &m), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, plow, SZ_16K, TTM_PL_VRAM, &l), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, pfree, SZ_16K, TTM_PL_VRAM, &f), 0);

	/* pfree's BO goes first, although younger; then plow's, with low. */
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, pnew, SZ_32K + SZ_16K, TTM_PL_VRAM, &n), 0);
	KUNIT_EXPECT_EQ(test, kt_where(m), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(l), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(f), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_event(pfree, DMEM_CGROUP_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(pfree, DMEM_CGROUP_EVENT_LOW), 0);
	KUNIT_EXPECT_EQ(test, kt_event(plow, DMEM_CGROUP_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(plow, DMEM_CGROUP_EVENT_LOW), 1);
	KUNIT_EXPECT_EQ(test, kt_event(pmin, DMEM_CGROUP_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(pnew), SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(pmin), SZ_16K);

	/* The whole region for pfree: only pmin's 16K is left, and it stays. */
	dmem_ttm_kt_put(test, n);
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, pfree, KT_VRAM, TTM_PL_VRAM, &big),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(m), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(pmin), SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(pfree), 0);
	KUNIT_EXPECT_EQ(test, kt_event(pmin, DMEM_CGROUP_EVENT_EVICT), 0);
}

/* Pins count in pinned; a pin over pinned.max fails and changes nothing. */
static void dmem_ttm_pinned(struct kunit *test)
{
	struct ttm_place place = { .mem_type = TTM_PL_VRAM };
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *p, *q;
	struct ttm_resource *res;

	kt_set(kt->b1, 0, 0, PAGE_COUNTER_MAX, SZ_16K);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, KT_12K, TTM_PL_VRAM, &p), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &q), 0);

	dma_resv_lock(p->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(p), 0);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(p), 0);
	dma_resv_unlock(p->base.resv);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), KT_12K);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->a), KT_12K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), KT_12K + SZ_8K);

	/* 12K + 8K > 16K: -ENOMEM, not pinned, a pin_max event. */
	dma_resv_lock(q->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(q), -ENOMEM);
	KUNIT_EXPECT_EQ(test, q->pin_count, 0);
	KUNIT_EXPECT_FALSE(test, q->resource->dmem.pinned);
	dma_resv_unlock(q->base.resv);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), KT_12K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), KT_12K + SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_PIN_MAX), 1);

	/* A pinned BO is not moved: a validate elsewhere fails, nothing changes. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b1, p, TTM_PL_TT), -EINVAL);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), KT_12K);

	/* A resource allocated for a pinned BO is charged pinned at once. */
	dma_resv_lock(p->base.resv, NULL);
	kt->charge_to = kt->b2;
	KUNIT_EXPECT_EQ(test, ttm_resource_alloc(p, &place, &res), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b2), KT_12K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), KT_12K);
	ttm_resource_free(p, &res);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b2), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), 0);

	ttm_bo_unpin(p);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), KT_12K);
	ttm_bo_unpin(p);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->a), 0);
	dma_resv_unlock(p->base.resv);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), KT_12K + SZ_8K);

	/* Now q fits under pinned.max. */
	dma_resv_lock(q->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(q), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), SZ_8K);
	ttm_bo_unpin(q);
	dma_resv_unlock(q->base.resv);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
}

/* Moving between managers with and without a region moves the charge. */
static void dmem_ttm_move(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *bo;

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &bo), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_8K);

	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b1, bo, TTM_PL_TT), 0);
	KUNIT_EXPECT_EQ(test, kt_where(bo), TTM_PL_TT);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_NULL(test, bo->resource->dmem.pool);

	/* Back into the region, by a task of b2: b2 pays now. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b2, bo, TTM_PL_VRAM), 0);
	KUNIT_EXPECT_EQ(test, kt_where(bo), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_8K);

	/* Over b2's max the move fails and leaves the BO where it was. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b2, bo, TTM_PL_TT), 0);
	kt_set(kt->b2, 0, 0, SZ_4K, PAGE_COUNTER_MAX);
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b2, bo, TTM_PL_VRAM),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(bo), TTM_PL_TT);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), 0);

	dmem_ttm_kt_put(test, bo);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->root), 0);
}

static struct kunit_case dmem_ttm_cases[] = {
	KUNIT_CASE(dmem_ttm_charge_exact),
	KUNIT_CASE(dmem_ttm_limit_scope),
	KUNIT_CASE(dmem_ttm_full_scope),
	KUNIT_CASE(dmem_ttm_min_low),
	KUNIT_CASE(dmem_ttm_pinned),
	KUNIT_CASE(dmem_ttm_move),
	{}
};

static struct kunit_suite dmem_ttm_suite = {
	.name = "dmem_ttm",
	.init = dmem_ttm_kt_init,
	.exit = dmem_ttm_kt_exit,
	.test_cases = dmem_ttm_cases,
};

kunit_test_suite(dmem_ttm_suite);

MODULE_DESCRIPTION("KUnit tests of TTM's dmem charging");
MODULE_LICENSE("GPL");
