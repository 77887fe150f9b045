// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fixture of the dmem_ttm suites: TTM resources charged to dmem, on
 * TTM's own mock manager (drivers/gpu/drm/ttm/tests/ttm_mock_manager.c)
 * and KUnit helpers.
 *
 * The VRAM mock manager carries a dmem region; the TT mock manager, the
 * hop of an eviction to system memory, carries none. Buffer objects are
 * created in the ioctl scope of one of two DRM clients, A and B (or of
 * none). The charges that would go to the owner's cgroup are redirected
 * with a KUnit static stub to pools built without cgroups (detached pools
 * of the controller), chosen by the test before each allocation:
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
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

#include "../../devmem_cg/dmem_test.h"
#include "../../evict/tests/dmem_evict_test_policy.h"
#include "../testing/ttm_dmem_mock.h"
#include "dmem_ttm_kunit.h"

static int dmem_ttm_kt_charge(struct ttm_dmem_client *client,
			      struct dmem_cgroup_region *region, u64 size,
			      struct dmem_cgroup_pool_state **ret_pool,
			      struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct kunit *test = kunit_get_current_test();
	struct dmem_ttm_kt *kt = test->priv;
	int ret;

	kt->charged = client;
	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	dmem_cgroup_pool_get(kt->charge_to);
	ret = dmem_test_try_charge(kt->charge_to, size, ret_limit_pool);
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

static int dmem_ttm_kt_gem_pin(struct drm_gem_object *obj)
{
	return ttm_bo_pin(container_of(obj, struct ttm_buffer_object, base));
}

static void dmem_ttm_kt_gem_unpin(struct drm_gem_object *obj)
{
	ttm_bo_unpin(container_of(obj, struct ttm_buffer_object, base));
}

/* A GEM object's functions whose pin is TTM's ttm_bo_pin(), as for qxl. */
const struct drm_gem_object_funcs dmem_ttm_kt_gem_funcs = {
	.pin = dmem_ttm_kt_gem_pin,
	.unpin = dmem_ttm_kt_gem_unpin,
};

struct dmem_cgroup_pool_state *
dmem_ttm_kt_pool(struct kunit *test, struct dmem_cgroup_pool_state *parent)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct dmem_cgroup_pool_state *pool;

	pool = dmem_pool_create_detached(kt->cg, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

int dmem_ttm_kt_init(struct kunit *test)
{
	static const struct dmem_cgroup_init init = { .size = KT_VRAM };
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
	kt->cg = dmem_cgroup_register_region(&init, "kunit/ttm0");
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
	kt->ca = ttm_dmem_client_open(KT_CLIENT_A);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kt->ca));
	kt->cb = ttm_dmem_client_open(KT_CLIENT_B);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kt->cb));
	kt->client = kt->ca;
	return 0;
}

void dmem_ttm_kt_exit(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	unsigned int i;

	if (!kt || !kt->devs)	/* the init failed early */
		return;
	for (i = 0; i < kt->nr_bos; i++)
		if (kt->bos[i])
			ttm_bo_put(kt->bos[i]);
	ttm_dmem_mock_manager_fini(kt->devs->ttm_dev, TTM_PL_VRAM);
	ttm_dmem_mock_manager_fini(kt->devs->ttm_dev, TTM_PL_TT);
	ttm_test_devices_put(test, kt->devs);
	ttm_dmem_client_close(kt->ca);
	ttm_dmem_client_close(kt->cb);
	dmem_cgroup_unregister_region(kt->cg);
}

/*
 * A buffer object of @size bytes placed in @mem_type, charged to @pool,
 * created in an ioctl of kt->client.
 */
int dmem_ttm_kt_bo(struct kunit *test, struct dmem_cgroup_pool_state *pool,
		   size_t size, u32 mem_type,
		   struct ttm_buffer_object **ret)
{
	struct ttm_place place = { .mem_type = mem_type };
	struct ttm_placement placement = { .num_placement = 1,
					   .placement = &place };
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	struct ttm_dmem_scope scope;
	int err;

	KUNIT_ASSERT_LT(test, kt->nr_bos, KT_MAX_BOS);
	bo = kunit_kzalloc(test, sizeof(*bo), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bo);
	drm_gem_private_object_init(kt->devs->drm, &bo->base, size);
	kt->charge_to = pool;
	ttm_dmem_client_enter(&scope, kt->client);
	err = ttm_bo_init_reserved(kt->devs->ttm_dev, bo, ttm_bo_type_device,
				   &placement, PAGE_SIZE, &ctx, NULL, NULL,
				   &dummy_ttm_bo_destroy);
	ttm_dmem_client_exit(&scope);
	*ret = NULL;
	if (err)	/* ttm_bo_init_reserved() put it */
		return err;
	dma_resv_unlock(bo->base.resv);
	kt->bos[kt->nr_bos++] = bo;
	*ret = bo;
	return 0;
}

void dmem_ttm_kt_put(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct dmem_ttm_kt *kt = test->priv;
	unsigned int i;

	for (i = 0; i < kt->nr_bos; i++)
		if (kt->bos[i] == bo)
			kt->bos[i] = NULL;
	ttm_bo_put(bo);
}

int dmem_ttm_kt_validate(struct kunit *test,
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

u64 kt_usage(struct dmem_cgroup_pool_state *pool)
{
	return dmem_cgroup_pool_usage(pool);
}

u64 kt_pinned(struct dmem_cgroup_pool_state *pool)
{
	return dmem_test_pinned(pool);
}

s64 kt_event(struct dmem_cgroup_pool_state *pool,
	     enum dmem_cgroup_event event)
{
	return dmem_test_event(pool, event, true);
}

s64 kt_evict_event(struct dmem_cgroup_pool_state *pool,
		   enum dmem_evict_event event)
{
	return dmem_evict_test_event(pool, event, true);
}

void kt_set(struct dmem_cgroup_pool_state *pool, u64 min, u64 low,
	    u64 max, u64 pinned_max)
{
	dmem_test_set_limit(pool, DMEM_FILE_MIN, min);
	dmem_test_set_limit(pool, DMEM_FILE_LOW, low);
	dmem_test_set_limit(pool, DMEM_FILE_MAX, max);
	dmem_test_set_limit(pool, DMEM_FILE_PINNED_MAX, pinned_max);
}

u32 kt_where(struct ttm_buffer_object *bo)
{
	return bo->resource ? bo->resource->mem_type : U32_MAX;
}

/* The region's pin policy and revoke timeout, as dmem.policy sets them. */
void kt_policy(struct kunit *test, int policy, unsigned int timeout_ms)
{
	struct dmem_ttm_kt *kt = test->priv;

	KUNIT_EXPECT_EQ(test, dmem_evict_test_set_policy(kt->cg, policy, timeout_ms), 0);
}

s64 kt_stat(struct dmem_cgroup_pool_state *pool, enum dmem_evict_stat stat)
{
	return dmem_evict_pool_stat(pool, stat);
}
