// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dmem_ttm_owner: DRM clients as the owners of TTM buffer
 * objects, on TTM's mock manager (fixture: dmem_ttm_kunit_util.c).
 */

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>

#include "dmem_ttm_kunit.h"
#include "../ttm_dmem_internal.h"

#define KT_CLIENT_C	1003

static s64 kt_bytes(struct ttm_dmem_usage *u, enum ttm_dmem_usage_item item)
{
	return atomic64_read(&u->bytes[item]);
}

static void kt_expect_usage(struct kunit *test, struct ttm_dmem_usage *u,
			    s64 total, s64 resident, s64 pinned, s64 evicted)
{
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_TOTAL), total);
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_RESIDENT), resident);
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_PINNED), pinned);
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_EVICTED), evicted);
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_REVOKED), 0);
}

/*
 * An owner's BOs after its client closes: they stay where they are,
 * charged to the owner and counted in its counters, an eviction still
 * counts for it, and a later charge, whoever causes it, still goes to it;
 * the owner goes with its last BO.
 */
static void dmem_ttm_owner_after_close(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y, *z;
	struct ttm_dmem_client *c;
	struct ttm_dmem_usage *u;

	c = ttm_dmem_client_open(KT_CLIENT_C);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	kt->client = c;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K, TTM_PL_VRAM, &y), 0);
	KUNIT_EXPECT_PTR_EQ(test, x->dmem.client, c);
	KUNIT_EXPECT_PTR_EQ(test, kt->charged, c);
	KUNIT_EXPECT_EQ(test, x->resource->dmem.tgid, current->tgid);
	u = x->resource->dmem.usage;
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_PTR_EQ(test, y->resource->dmem.usage, u);
	KUNIT_EXPECT_STREQ(test, u->name, "kunit/ttm0");
	/* The file's reference and one per BO. */
	KUNIT_EXPECT_EQ(test, kref_read(&c->ref), 3);

	dma_resv_lock(y->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(y), 0);
	dma_resv_unlock(y->base.resv);
	kt_expect_usage(test, u, SZ_32K + SZ_16K, SZ_32K + SZ_16K, SZ_16K, 0);

	/* The file closes: nothing moves, nothing is uncharged. */
	ttm_dmem_client_close(c);
	KUNIT_EXPECT_EQ(test, kref_read(&c->ref), 2);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), SZ_16K);
	kt_expect_usage(test, u, SZ_32K + SZ_16K, SZ_32K + SZ_16K, SZ_16K, 0);

	/* B fills the region: the closed client's unpinned x is evicted. */
	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K, TTM_PL_VRAM, &z), 0);
	KUNIT_EXPECT_PTR_EQ(test, kt->charged, kt->cb);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_16K);
	kt_expect_usage(test, u, SZ_32K + SZ_16K, SZ_16K, SZ_16K, SZ_32K);

	/* Brought back by a task of no client: the owner is charged. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_validate(test, kt->b1, x, TTM_PL_VRAM), 0);
	KUNIT_EXPECT_PTR_EQ(test, kt->charged, c);
	KUNIT_EXPECT_EQ(test, kt_where(z), TTM_PL_SYSTEM);
	kt_expect_usage(test, u, SZ_32K + SZ_16K, SZ_32K + SZ_16K, SZ_16K, SZ_32K);

	dmem_ttm_kt_put(test, x);
	KUNIT_EXPECT_EQ(test, kref_read(&c->ref), 1);
	kt_expect_usage(test, u, SZ_16K, SZ_16K, SZ_16K, SZ_32K);

	dma_resv_lock(y->base.resv, NULL);
	ttm_bo_unpin(y);
	dma_resv_unlock(y->base.resv);
	KUNIT_EXPECT_EQ(test, kt_bytes(u, TTM_DMEM_USAGE_PINNED), 0);
	/* The last BO takes the owner with it (KASAN sees any later use). */
	dmem_ttm_kt_put(test, y);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
}

/* A BO created outside any client's ioctl is the kernel's: no owner. */
static void dmem_ttm_owner_kernel_bo(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x;

	kt->client = NULL;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->root, SZ_8K, TTM_PL_VRAM, &x), 0);
	KUNIT_EXPECT_NULL(test, x->dmem.client);
	KUNIT_EXPECT_NULL(test, kt->charged);
	KUNIT_EXPECT_NULL(test, x->resource->dmem.usage);
	KUNIT_EXPECT_EQ(test, x->resource->dmem.tgid, 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->root), SZ_8K);
	/* The clients of the fixture were not touched. */
	KUNIT_EXPECT_TRUE(test, list_empty(&kt->ca->usage));
	dmem_ttm_kt_put(test, x);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->root), 0);
}

/* Two clients of one task are two owners, each with its own counters. */
static void dmem_ttm_owner_per_file(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y;
	struct ttm_dmem_usage *ua, *ub;

	kt->client = kt->ca;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &x), 0);
	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K, TTM_PL_VRAM, &y), 0);
	ua = x->resource->dmem.usage;
	ub = y->resource->dmem.usage;
	KUNIT_ASSERT_NOT_NULL(test, ua);
	KUNIT_ASSERT_NOT_NULL(test, ub);
	KUNIT_EXPECT_PTR_NE(test, ua, ub);
	KUNIT_EXPECT_EQ(test, dmem_owner_tgid(kt->ca->owner),
			dmem_owner_tgid(kt->cb->owner));
	KUNIT_EXPECT_EQ(test, x->resource->dmem.tgid, y->resource->dmem.tgid);
	kt_expect_usage(test, ua, SZ_8K, SZ_8K, 0, 0);
	kt_expect_usage(test, ub, SZ_16K, SZ_16K, 0, 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_8K + SZ_16K);
}

static struct kunit_case dmem_ttm_owner_cases[] = {
	KUNIT_CASE(dmem_ttm_owner_after_close),
	KUNIT_CASE(dmem_ttm_owner_kernel_bo),
	KUNIT_CASE(dmem_ttm_owner_per_file),
	{}
};

static struct kunit_suite dmem_ttm_owner_suite = {
	.name = "dmem_ttm_owner",
	.init = dmem_ttm_kt_init,
	.exit = dmem_ttm_kt_exit,
	.test_cases = dmem_ttm_owner_cases,
};

kunit_test_suite(dmem_ttm_owner_suite);

MODULE_DESCRIPTION("KUnit tests of DRM clients owning TTM buffer objects");
MODULE_LICENSE("GPL");
