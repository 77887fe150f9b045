// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dmem_ttm_softpin: hard and soft pins of TTM buffer objects
 * and the eviction walk's decisions about them, on TTM's mock manager
 * (fixture: dmem_ttm_kunit_util.c).
 *
 * Importer pins go through the real hook, drm_gem_map_attach() and
 * drm_gem_map_detach(), on a dma-buf that exports the BO's GEM object and
 * an attachment whose importer does or does not accept a revoke; the GEM
 * object's pin function is TTM's ttm_bo_pin(), as for qxl. Owners are
 * the fixture's DRM clients A and B.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cgroup_dmem.h>
#include <linux/dma-buf.h>
#include <linux/dmem_evict.h>
#include <linux/dmem_policy.h>
#include <linux/sizes.h>
#include <linux/ttm_dmem.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>

#include "ttm_kunit_helpers.h"

#include "dmem_ttm_kunit.h"
#include "../ttm_dmem_internal.h"

MODULE_IMPORT_NS(DMA_BUF);

static struct sg_table *kt_map(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/* Never called: the attachments here are attached and detached only. */
static const struct dma_buf_ops kt_dmabuf_ops = {
	.map_dma_buf = kt_map,
};

/**
 * struct kt_import - an importer's attachment to a BO's dma-buf
 * @attach: the attachment, on the dma-buf's list while attached
 * @notified: revoke notifications received
 * @acks: detaches from @ack_work when notified (the acknowledgment)
 * @ack_work: detaches, as an importer does outside the notification
 * @attached: not detached yet
 */
struct kt_import {
	struct dma_buf_attachment attach;
	unsigned int notified;
	bool acks;
	struct work_struct ack_work;
	bool attached;
};

static void kt_unimport(struct kt_import *imp)
{
	struct dma_buf *dmabuf = imp->attach.dmabuf;

	if (!imp->attached)
		return;
	imp->attached = false;
	dma_resv_lock(dmabuf->resv, NULL);
	list_del(&imp->attach.node);
	dma_resv_unlock(dmabuf->resv);
	drm_gem_map_detach(dmabuf, &imp->attach);
}

static void kt_ack_work(struct work_struct *work)
{
	kt_unimport(container_of(work, struct kt_import, ack_work));
}

/* Under the reservation, as dma_buf_revoke_notify() calls it. */
static void kt_revoke_notify(struct dma_buf_attachment *attach)
{
	struct kt_import *imp = attach->importer_priv;

	imp->notified++;
	if (imp->acks)
		schedule_work(&imp->ack_work);
}

static const struct dma_buf_attach_ops kt_revocable = {
	.revoke_notify = kt_revoke_notify,
};

/* Export @bo's GEM object as a dma-buf (once), as PRIME does. */
static struct dma_buf *kt_export(struct kunit *test, struct ttm_buffer_object *bo)
{
	struct dma_buf *dmabuf = bo->base.dma_buf;

	if (dmabuf)
		return dmabuf;
	dmabuf = kunit_kzalloc(test, sizeof(*dmabuf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dmabuf);
	bo->base.funcs = &dmem_ttm_kt_gem_funcs;
	dmabuf->priv = &bo->base;
	dmabuf->ops = &kt_dmabuf_ops;
	dmabuf->resv = bo->base.resv;
	INIT_LIST_HEAD(&dmabuf->attachments);
	bo->base.dma_buf = dmabuf;
	return dmabuf;
}

/*
 * Attach (and so pin) @bo for an importer, revocable or not, as
 * dma_buf_dynamic_attach() does: the exporter's attach, then the list.
 */
static int kt_import(struct kunit *test, struct ttm_buffer_object *bo,
		     bool revocable, struct kt_import **ret)
{
	struct kt_import *imp = kunit_kzalloc(test, sizeof(*imp), GFP_KERNEL);
	struct dma_buf *dmabuf = kt_export(test, bo);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, imp);
	INIT_WORK(&imp->ack_work, kt_ack_work);
	imp->attach.dmabuf = dmabuf;
	imp->attach.importer_ops = revocable ? &kt_revocable : NULL;
	imp->attach.importer_priv = imp;
	*ret = imp;
	err = drm_gem_map_attach(dmabuf, &imp->attach);
	if (err)
		return err;
	dma_resv_lock(dmabuf->resv, NULL);
	list_add(&imp->attach.node, &dmabuf->attachments);
	dma_resv_unlock(dmabuf->resv);
	imp->attached = true;
	return 0;
}

/* Detach whatever is still attached, and stop exporting. */
static void kt_unimport_all(struct ttm_buffer_object *bo,
			    struct kt_import **imps, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		cancel_work_sync(&imps[i]->ack_work);
		kt_unimport(imps[i]);
	}
	bo->base.dma_buf = NULL;
}

static struct ttm_resource_manager *kt_vram(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;

	return ttm_manager_type(kt->devs->ttm_dev, TTM_PL_VRAM);
}

static u64 kt_soft_bytes(struct kunit *test)
{
	return kt_vram(test)->dmem.soft_bytes;
}

static u64 kt_pinned_bytes(struct kunit *test)
{
	return kt_vram(test)->dmem.pinned_bytes;
}

static enum dmem_pin_class kt_class(struct ttm_buffer_object *bo)
{
	enum dmem_pin_class class;

	dma_resv_lock(bo->base.resv, NULL);
	class = ttm_dmem_pin_class(bo);
	dma_resv_unlock(bo->base.resv);
	return class;
}

static void kt_driver_pin(struct kunit *test, struct ttm_buffer_object *bo)
{
	dma_resv_lock(bo->base.resv, NULL);
	KUNIT_EXPECT_EQ(test, ttm_bo_pin(bo), 0);
	dma_resv_unlock(bo->base.resv);
}

static void kt_driver_unpin(struct ttm_buffer_object *bo)
{
	dma_resv_lock(bo->base.resv, NULL);
	ttm_bo_unpin(bo);
	dma_resv_unlock(bo->base.resv);
}

/* Importers that accept a revoke pin softly; any other pin is hard. */
static void dmem_ttm_softpin_class(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct kt_import *soft, *hard;
	struct ttm_buffer_object *x;

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &x), 0);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_NONE);

	KUNIT_ASSERT_EQ(test, kt_import(test, x, true, &soft), 0);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 1);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_SOFT);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_pinned_bytes(test), SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), SZ_8K);

	/* The driver's own pin makes it hard, until the driver unpins. */
	kt_driver_pin(test, x);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_HARD);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned_bytes(test), SZ_8K);
	kt_driver_unpin(x);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_SOFT);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), SZ_8K);

	/* So does an importer that cannot be revoked. */
	KUNIT_ASSERT_EQ(test, kt_import(test, x, false, &hard), 0);
	KUNIT_EXPECT_EQ(test, x->pin_count, 2);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 1);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_HARD);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	kt_unimport(hard);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_SOFT);

	kt_unimport_all(x, &soft, 1);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 0);
	KUNIT_EXPECT_EQ(test, kt_class(x), DMEM_PIN_NONE);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned_bytes(test), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&kt_vram(test)->dmem.owners));
}

/*
 * The requester's own soft pins never make room for it: with too little
 * else in scope, its request fails before anything is evicted.
 */
static void dmem_ttm_softpin_own_enomem(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y, *n;
	struct kt_import *imp;

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K + SZ_16K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, kt_import(test, x, true, &imp), 0);
	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_8K, TTM_PL_VRAM, &y), 0);

	/* A lacks 16K; only B's 8K is unpinned: -ENOMEM, nothing evicted. */
	kt->client = kt->ca;
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K + SZ_8K, TTM_PL_VRAM, &n),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(y), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_8K);

	/* What B's 8K covers succeeds, evicting B's BO and nothing else. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K, TTM_PL_VRAM, &n), 0);
	KUNIT_EXPECT_EQ(test, kt_where(y), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_ENOMEM), 1);
	kt_unimport_all(x, &imp, 1);
}

/*
 * At the requester's own dmem.max: its soft pins do not count as room,
 * and its unpinned BO is not evicted in vain.
 */
static void dmem_ttm_softpin_own_limit(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *z, *n;
	struct kt_import *imp;

	kt_set(kt->b1, 0, 0, SZ_32K, PAGE_COUNTER_MAX);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K + SZ_8K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, kt_import(test, x, true, &imp), 0);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_4K, TTM_PL_VRAM, &z), 0);

	/* 28K + 8K over 32K lacks 4K... which z covers: z goes. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K, TTM_PL_VRAM, &n), 0);
	KUNIT_EXPECT_EQ(test, kt_where(z), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);

	/* 32K + 8K lacks 8K; only n's 8K is unpinned... */
	dmem_ttm_kt_put(test, n);
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_validate(test, kt->b1, z, TTM_PL_VRAM), 0);
	/* 28K used, 24K soft-pinned: 12K lacks 8K, z's 4K cannot cover it. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_8K + SZ_4K, TTM_PL_VRAM, &n),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(z), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_16K + SZ_8K + SZ_4K);
	kt_unimport_all(x, &imp, 1);
}

/* A hard pin is never a victim and never counts as room, for anyone. */
static void dmem_ttm_softpin_hard_never(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *h, *a, *n;

	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K, TTM_PL_VRAM, &h), 0);
	kt_driver_pin(test, h);
	kt->client = kt->ca;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_16K, TTM_PL_VRAM, &a), 0);

	/* 48K used: 48K more lacks 32K, only a's 16K may go: -ENOMEM. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K + SZ_16K, TTM_PL_VRAM, &n),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, kt_where(a), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_ENOMEM), 1);

	/* 32K lacks 16K: a goes, the hard-pinned h stays. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &n), 0);
	KUNIT_EXPECT_EQ(test, kt_where(a), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(h), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);
	kt_driver_unpin(h);
}

/*
 * The revoke scene: A's 32K x soft-pinned by an importer, B's 24K n1
 * unpinned, B asking for 48K: 40K lacking, n1 covers 24K.
 */
static struct ttm_buffer_object *kt_scene(struct kunit *test, bool acks,
					  struct kt_import **imp,
					  struct ttm_buffer_object **n1)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *y;

	kt->client = kt->ca;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &x), 0);
	KUNIT_ASSERT_EQ(test, kt_import(test, x, true, imp), 0);
	(*imp)->acks = acks;
	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_16K, TTM_PL_VRAM, &y), 0);

	/* 24K lacking 8K: B's unpinned y covers it, no revoke. */
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_16K + SZ_8K, TTM_PL_VRAM, n1), 0);
	KUNIT_EXPECT_EQ(test, kt_where(y), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, (*imp)->notified, 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
	return x;
}

/* Another owner's soft pin goes last: after every unpinned BO in scope. */
static void dmem_ttm_softpin_revoke_last(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct kt_import *imp;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, 5000);
	x = kt_scene(test, true, &imp, &n1);

	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2), 0);
	KUNIT_EXPECT_EQ(test, kt_where(n2), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(n1), TTM_PL_SYSTEM);
	/* Revoked, its importer gone, its data moved to system memory. */
	KUNIT_EXPECT_EQ(test, imp->notified, 1);
	KUNIT_EXPECT_FALSE(test, imp->attached);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), SZ_32K);
	/* Revoked, not also evicted, as in the eviction manager. */
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_EVICTED_BYTES), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 2);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	kt_unimport_all(x, &imp, 1);
}

/**
 * struct kt_holder - another thread that takes a reservation when told
 * @bo: the buffer object whose reservation it takes
 * @calls: times the revoker let go of a victim
 * @locked: completed once it holds the reservation
 * @release: completed by the test to make it let go
 * @work: takes the reservation, holds it until @release
 */
struct kt_holder {
	struct ttm_buffer_object *bo;
	unsigned int calls;
	struct completion locked;
	struct completion release;
	struct work_struct work;
};

/* The holder of the running test; the suite's cases run one at a time. */
static struct kt_holder *kt_holder;

static void kt_hold_work(struct work_struct *work)
{
	struct kt_holder *h = container_of(work, struct kt_holder, work);

	dma_resv_lock(h->bo->base.resv, NULL);
	complete(&h->locked);
	wait_for_completion(&h->release);
	dma_resv_unlock(h->bo->base.resv);
}

/*
 * ttm_dmem_revoke_released()'s stub: the moment the revoker lets go of
 * the victim, another thread takes its reservation and keeps it, as an
 * importer reacting to its notification may.
 */
static void kt_take_released(struct ttm_buffer_object *bo)
{
	struct kt_holder *h = kt_holder;

	if (h->calls++)
		return;
	h->bo = bo;
	schedule_work(&h->work);
	wait_for_completion(&h->locked);
}

/*
 * The victim's reservation, taken by another thread as soon as the
 * revoker lets go of it, does not cost the requester the room the revoke
 * made: the revoker has already moved the victim out.
 */
static void dmem_ttm_softpin_revoke_contended(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct ttm_dmem_usage *u;
	struct kt_holder *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct kt_import *imp;
	int ret;

	/* Not on the stack: its work item is queued. */
	KUNIT_ASSERT_NOT_NULL(test, h);
	kt_policy(test, DMEM_PIN_POLICY_SOFT, 5000);
	x = kt_scene(test, true, &imp, &n1);
	u = x->resource->dmem.usage;
	KUNIT_ASSERT_NOT_NULL(test, u);
	init_completion(&h->locked);
	init_completion(&h->release);
	INIT_WORK(&h->work, kt_hold_work);
	kt_holder = h;
	kunit_activate_static_stub(test, ttm_dmem_revoke_released,
				   kt_take_released);

	ret = dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2);
	kunit_deactivate_static_stub(test, ttm_dmem_revoke_released);
	if (h->calls) {
		complete(&h->release);
		flush_work(&h->work);
	}
	kt_holder = NULL;

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, h->calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, h->bo, x);
	KUNIT_EXPECT_EQ(test, imp->notified, 1);
	KUNIT_EXPECT_FALSE(test, imp->attached);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(n1), TTM_PL_SYSTEM);
	if (!ret)
		KUNIT_EXPECT_EQ(test, kt_where(n2), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_EVICTED_BYTES), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&u->bytes[TTM_DMEM_USAGE_REVOKED]), SZ_32K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&u->bytes[TTM_DMEM_USAGE_EVICTED]), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 2);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b2, DMEM_EVICT_STAT_EVICTED_BYTES),
			SZ_16K + SZ_16K + SZ_8K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), ret ? 0 : SZ_32K + SZ_16K);
	KUNIT_EXPECT_EQ(test, kt_pinned(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	kt_unimport_all(x, &imp, 1);
}

/* Revokes whose eviction ttm_dmem_revoke_evict_bo()'s stub failed. */
static unsigned int kt_evict_failures;

static int kt_evict_busy(struct ttm_buffer_object *bo,
			 struct ttm_operation_ctx *ctx)
{
	kt_evict_failures++;
	return -EBUSY;
}

/*
 * A revoke whose eviction fails ended the importer's pin but left the
 * buffer object resident: not counted as revoked, counted as a failure
 * for its owner (fdinfo's dmem-revoke-failed-, revoke_failures). The walk
 * that runs again takes the unpinned buffer object as any other.
 */
static void dmem_ttm_softpin_revoke_failed(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct dmem_owner_stats st;
	struct ttm_dmem_usage *u;
	struct kt_import *imp;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, 5000);
	x = kt_scene(test, true, &imp, &n1);
	u = x->resource->dmem.usage;
	KUNIT_ASSERT_NOT_NULL(test, u);
	kt_evict_failures = 0;
	kunit_activate_static_stub(test, ttm_dmem_revoke_evict_bo, kt_evict_busy);

	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			0);
	kunit_deactivate_static_stub(test, ttm_dmem_revoke_evict_bo);
	KUNIT_EXPECT_EQ(test, kt_evict_failures, 1);
	KUNIT_EXPECT_EQ(test, imp->notified, 1);
	KUNIT_EXPECT_FALSE(test, imp->attached);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(n2), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, atomic64_read(&u->revoke_failures), 1);
	dmem_owner_get_stats(kt->ca->owner, &st);
	KUNIT_EXPECT_EQ(test, st.revoke_failures, 1);
	dmem_owner_get_stats(kt->cb->owner, &st);
	KUNIT_EXPECT_EQ(test, st.revoke_failures, 0);
	/* Not revoked: the walk's next pass evicted it. */
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&u->bytes[TTM_DMEM_USAGE_REVOKED]), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_EVICTED_BYTES), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
	kt_unimport_all(x, &imp, 1);
}

/* Under "strict", soft pins are never revoked nor counted as room. */
static void dmem_ttm_softpin_strict(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct kt_import *imp;

	kt_policy(test, DMEM_PIN_POLICY_STRICT, 5000);
	x = kt_scene(test, true, &imp, &n1);

	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp->notified, 0);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_where(n1), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 1);
	kt_unimport_all(x, &imp, 1);
}

/*
 * An importer that never lets go parks the revoke: the memory stays
 * pinned where it is, the request fails, no later request asks again.
 */
static void dmem_ttm_softpin_park(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct kt_import *imp;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, 20);
	x = kt_scene(test, false, &imp, &n1);

	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp->notified, 1);
	KUNIT_EXPECT_TRUE(test, imp->attached);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_TRUE(test, x->resource->dmem.revoking);

	/* Parked: not asked again, its 32K not handed to B. */
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp->notified, 1);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 2);

	/* The late detach ends the park. */
	kt_unimport_all(x, &imp, 1);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_FALSE(test, x->resource->dmem.revoking);
	KUNIT_EXPECT_EQ(test, kt_soft_bytes(test), 0);
}

/* Protection applies to soft-pinned BOs: below low or min, no revoke. */
static void dmem_ttm_softpin_protected(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1, *n2;
	struct kt_import *imp;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, 5000);
	kt_set(kt->a, 0, SZ_32K, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);
	kt_set(kt->b1, 0, SZ_32K, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);
	x = kt_scene(test, true, &imp, &n1);

	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp->notified, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);

	kt_set(kt->a, SZ_32K, 0, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);
	kt_set(kt->b1, SZ_32K, 0, PAGE_COUNTER_MAX, PAGE_COUNTER_MAX);
	KUNIT_EXPECT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, imp->notified, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 2);
	kt_unimport_all(x, &imp, 1);
}

static struct kunit_case dmem_ttm_softpin_cases[] = {
	KUNIT_CASE(dmem_ttm_softpin_class),
	KUNIT_CASE(dmem_ttm_softpin_own_enomem),
	KUNIT_CASE(dmem_ttm_softpin_own_limit),
	KUNIT_CASE(dmem_ttm_softpin_hard_never),
	KUNIT_CASE(dmem_ttm_softpin_revoke_last),
	KUNIT_CASE(dmem_ttm_softpin_revoke_contended),
	KUNIT_CASE(dmem_ttm_softpin_revoke_failed),
	KUNIT_CASE(dmem_ttm_softpin_strict),
	KUNIT_CASE(dmem_ttm_softpin_park),
	KUNIT_CASE(dmem_ttm_softpin_protected),
	{}
};

static struct kunit_suite dmem_ttm_softpin_suite = {
	.name = "dmem_ttm_softpin",
	.init = dmem_ttm_kt_init,
	.exit = dmem_ttm_kt_exit,
	.test_cases = dmem_ttm_softpin_cases,
};

kunit_test_suite(dmem_ttm_softpin_suite);

MODULE_DESCRIPTION("KUnit tests of TTM's hard and soft pins");
MODULE_LICENSE("GPL");
