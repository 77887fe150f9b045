// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dmem_ttm: TTM resources charged to dmem, on TTM's own mock
 * manager, with the fixture of dmem_ttm_kunit_util.c.
 */

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/sizes.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>

#include "dmem_ttm_kunit.h"

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
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
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
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_EVICTED_BYTES), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b2, DMEM_EVICT_STAT_EVICTED_BYTES), 0);
	KUNIT_EXPECT_GT(test, kt_event(kt->b1, DMEM_CGROUP_EVENT_MAX), 0);

	/*
	 * A BO larger than b1's max can never fit: it fails (TTM turns
	 * -ENOSPC into -ENOMEM) and nothing outside b1 is taken.
	 */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &p),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 0);
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
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b2, DMEM_EVICT_STAT_EVICTED_BYTES), SZ_32K);
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
	KUNIT_EXPECT_EQ(test, kt_evict_event(pfree, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(pfree, DMEM_CGROUP_EVENT_LOW), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(plow, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_event(plow, DMEM_CGROUP_EVENT_LOW), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(pmin, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(pnew), SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(pmin), SZ_16K);

	/* The whole region for pfree: only pmin's 16K is left, and it stays. */
	dmem_ttm_kt_put(test, n);
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, pfree, KT_VRAM, TTM_PL_VRAM, &big),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(m), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(pmin), SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(pfree), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(pmin, DMEM_EVICT_EVENT_EVICT), 0);
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
