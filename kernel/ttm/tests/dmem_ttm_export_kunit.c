// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite dmem_ttm_export: the revoke contract on TTM's PRIME export
 * (ttm_dmem_prime_export(), on the exporter helper linux/dmem_export.h),
 * with real dma-bufs and the shared KUnit importer
 * (kernel/evict/testing/dmem_kunit_importer.h), on TTM's mock manager
 * (fixture: dmem_ttm_kunit_util.c).
 *
 * The scene: client A's 32K x in VRAM, exported, its importers pinning it;
 * client B's unpinned 24K n1; B asks for 48K of the 64K VRAM: n1 goes,
 * and only a revoke of x makes the rest. The VRAM's io memory is a fake
 * BAR (KT_IO_BASE) backed, for TTM's copies, by a buffer of the test.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dmem_policy.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ttm_dmem_prime.h>
#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_resource.h>

#include "ttm_kunit_helpers.h"

#include "dmem_ttm_kunit.h"
#include "dmem_kunit_importer.h"

#define KT_IO_BASE	BIT_ULL(40)
#define KT_SHORT_MS	20
#define KT_LONG_MS	5000
#define KT_IMPS		4

/* What the exit tears down (the suite's cases run one at a time). */
static struct {
	struct device *dev;
	void *backing;
	struct ttm_buffer_object *x;
	struct dma_buf *dmabuf;
	bool exported;
	struct dmem_kt_imp *imps[KT_IMPS];
	unsigned int nr_imps;
} kt_ex;

/* VRAM is linear io memory: a fake BAR, copied through kt_ex.backing. */
static int kt_io_reserve(struct ttm_device *bdev, struct ttm_resource *mem)
{
	if (mem->mem_type != TTM_PL_VRAM)
		return 0;
	mem->bus.offset = KT_IO_BASE + ((u64)mem->start << PAGE_SHIFT);
	mem->bus.addr = kt_ex.backing + ((u64)mem->start << PAGE_SHIFT);
	mem->bus.is_iomem = true;
	return 0;
}

/* drm_gem_dmabuf_export() takes the dma-buf's owner from the driver's. */
static const struct file_operations kt_fops = { .owner = THIS_MODULE };

static int kt_ex_init(struct kunit *test)
{
	struct dmem_ttm_kt *kt;
	int ret = dmem_ttm_kt_init(test);

	if (ret)
		return ret;
	kt = test->priv;
	memset(&kt_ex, 0, sizeof(kt_ex));
	kt_ex.backing = kunit_kzalloc(test, KT_VRAM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kt_ex.backing);
	kt->funcs.io_mem_reserve = kt_io_reserve;
	/* The mock DRM driver is the test's own (devm-allocated) copy. */
	((struct drm_driver *)kt->devs->drm->driver)->fops = &kt_fops;
	kt_ex.dev = dmem_kt_importer_device(test);
	return 0;
}

static void kt_unexport(void)
{
	if (kt_ex.exported)
		dma_buf_put(kt_ex.dmabuf);
	kt_ex.exported = false;
}

/* Importers go, then the exporter's reference, then the dma-buf itself. */
static void kt_ex_exit(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < kt_ex.nr_imps; i++)
		dmem_kt_imp_detach(kt_ex.imps[i]);
	kt_unexport();
	/* A kthread's last fput() is deferred: release before the BO goes. */
	flush_delayed_fput();
	if (kt_ex.x)
		kt_ex.x->base.dma_buf = NULL;
	dmem_ttm_kt_exit(test);
}

/* The scene's x, exported as PRIME does, and n1. */
static struct ttm_buffer_object *kt_scene(struct kunit *test,
					  struct ttm_buffer_object **n1)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x;

	kt->client = kt->ca;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b1, SZ_32K, TTM_PL_VRAM, &x), 0);
	x->base.funcs = &dmem_ttm_kt_gem_funcs;
	kt_ex.dmabuf = ttm_dmem_prime_export(&x->base, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kt_ex.dmabuf));
	kt_ex.exported = true;
	kt_ex.x = x;
	x->base.dma_buf = kt_ex.dmabuf;
	kt->client = kt->cb;
	KUNIT_ASSERT_EQ(test, dmem_ttm_kt_bo(test, kt->b2, SZ_16K + SZ_8K, TTM_PL_VRAM, n1), 0);
	return x;
}

static struct dmem_kt_imp *kt_import(struct kunit *test, enum dmem_kt_kind kind,
				     enum dmem_kt_ack ack)
{
	struct dmem_kt_imp *ki;

	KUNIT_ASSERT_LT(test, kt_ex.nr_imps, KT_IMPS);
	ki = dmem_kt_import(test, kt_ex.dev, kt_ex.dmabuf, kind, ack);
	kt_ex.imps[kt_ex.nr_imps++] = ki;
	return ki;
}

/* B asks for 48K. */
static int kt_need_room(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *n2;

	kt->client = kt->cb;
	return dmem_ttm_kt_bo(test, kt->b2, SZ_32K + SZ_16K, TTM_PL_VRAM, &n2);
}

static int kt_pin_again(struct dmem_kt_imp *ki)
{
	int ret;

	dma_resv_lock(ki->dmabuf->resv, NULL);
	ret = dma_buf_pin(ki->attach);
	if (!ret)
		dma_buf_unpin(ki->attach);
	dma_resv_unlock(ki->dmabuf->resv);
	return ret;
}

/* The counts of a revoke of x that made the room. */
static void kt_expect_revoked(struct kunit *test, struct ttm_buffer_object *x,
			      struct ttm_buffer_object *n1)
{
	struct dmem_ttm_kt *kt = test->priv;

	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_where(n1), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), 0);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b2), SZ_32K + SZ_16K);
}

/* The counts of a revoke of x that parked: x kept, the request failed. */
static void kt_expect_parked(struct kunit *test, struct ttm_buffer_object *x)
{
	struct dmem_ttm_kt *kt = test->priv;

	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_VRAM);
	KUNIT_EXPECT_EQ(test, kt_usage(kt->b1), SZ_32K);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_stat(kt->b1, DMEM_EVICT_STAT_REVOKED_BYTES), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_ENOMEM), 1);
}

/* x unpinned: B's request takes it as any BO, by eviction. */
static void kt_expect_evicted(struct kunit *test, struct ttm_buffer_object *x)
{
	struct dmem_ttm_kt *kt = test->priv;

	KUNIT_EXPECT_EQ(test, kt_need_room(test), 0);
	KUNIT_EXPECT_EQ(test, kt_where(x), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b1, DMEM_EVICT_EVENT_EVICT), 1);
}

/* No importer: no pin, no revoke; the walk evicts x as any BO. */
static void dmem_ttm_export_revoke_none(struct kunit *test)
{
	struct dmem_ttm_kt *kt = test->priv;
	struct ttm_buffer_object *x, *n1;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	kt_expect_evicted(test, x);
	KUNIT_EXPECT_EQ(test, kt_where(n1), TTM_PL_SYSTEM);
	KUNIT_EXPECT_EQ(test, kt_evict_event(kt->b2, DMEM_EVICT_EVENT_EVICT), 1);
}

/*
 * One revocable importer, told through dma-buf, unmaps at once: x is
 * revoked; the revoke is permanent for the attachment.
 */
static void dmem_ttm_export_revoke_one(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *nic;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_UNMAP);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 1);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_NULL(test, nic->sgt);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 0);
	kt_expect_revoked(test, x, n1);
	KUNIT_EXPECT_EQ(test, dmem_kt_imp_map(nic), -ENODEV);
	KUNIT_EXPECT_EQ(test, kt_pin_again(nic), -ENODEV);
}

/*
 * Three importers: two pinned revocable ones, both told, and a dynamic
 * one, unmapped, not told (TTM's move tells dynamic importers, which the
 * mock's does not).
 */
static void dmem_ttm_export_revoke_mixed(struct kunit *test)
{
	struct dmem_kt_imp *nic0, *nic1, *gpu;
	struct ttm_buffer_object *x, *n1;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	gpu = kt_import(test, DMEM_KT_DYNAMIC, DMEM_KT_ACK_NEVER);
	/* Mapped, an unpinned dynamic importer holds a hard pin. */
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 0);
	dmem_kt_imp_unmap(gpu);
	nic0 = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_UNMAP);
	nic1 = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_UNMAP);
	KUNIT_EXPECT_EQ(test, x->pin_count, 2);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 2);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic0->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic1->nr_revoke), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->nr_revoke), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&gpu->nr_move), 0);
	kt_expect_revoked(test, x, n1);
	/* The dynamic importer was not revoked: it maps where x is now. */
	KUNIT_EXPECT_EQ(test, dmem_kt_imp_map(gpu), -EOPNOTSUPP);
}

/*
 * An importer that never unmaps parks the revoke: x stays pinned where it
 * is and the request fails; its late unmap ends the pin, and the next
 * request takes x as an unpinned BO.
 */
static void dmem_ttm_export_park_late_unmap(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *nic;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_SHORT_MS);
	x = kt_scene(test, &n1);
	nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_NEVER);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_NOT_NULL(test, nic->sgt);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_TRUE(test, x->resource->dmem.revoking);
	kt_expect_parked(test, x);

	dmem_kt_imp_unmap(nic);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	KUNIT_EXPECT_FALSE(test, x->resource->dmem.revoking);
	kt_expect_evicted(test, x);
}

/* An importer that detaches, from another thread, during the revoke. */
static void dmem_ttm_export_detach(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *nic;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_DETACH);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), 0);
	flush_work(&nic->detach_work);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	KUNIT_EXPECT_NULL(test, nic->dmabuf);
	kt_expect_revoked(test, x, n1);
}

/*
 * The exporter lets go of its dma-buf during a parked revoke: the
 * importer's reference keeps it, and x stays pinned until the importer
 * detaches, which releases the dma-buf.
 */
static void dmem_ttm_export_release(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *nic;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_SHORT_MS);
	x = kt_scene(test, &n1);
	nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_NEVER);
	/* The BO's own reference and the dma-buf's. */
	KUNIT_EXPECT_EQ(test, kref_read(&x->base.refcount), 2);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), -ENOMEM);
	kt_unexport();
	flush_delayed_fput();
	KUNIT_EXPECT_EQ(test, kref_read(&x->base.refcount), 2);
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	kt_expect_parked(test, x);

	dmem_kt_imp_detach(nic);
	flush_delayed_fput();
	x->base.dma_buf = NULL;
	KUNIT_EXPECT_EQ(test, kref_read(&x->base.refcount), 1);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	kt_expect_evicted(test, x);
}

/*
 * A pinned importer without revoke_notify makes x a hard pin: never
 * revoked, the request fails at once; once it detaches, x is a BO as any.
 */
static void dmem_ttm_export_hard_pin(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *imp;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	imp = kt_import(test, DMEM_KT_PINNED, DMEM_KT_ACK_NEVER);
	KUNIT_EXPECT_FALSE(test, dma_buf_attach_revocable(imp->attach));
	KUNIT_EXPECT_EQ(test, x->pin_count, 1);
	KUNIT_EXPECT_EQ(test, x->base.dmem_soft_pins, 0);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&imp->nr_revoke), 0);
	KUNIT_EXPECT_FALSE(test, x->resource->dmem.revoking);
	kt_expect_parked(test, x);

	dmem_kt_imp_detach(imp);
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	kt_expect_evicted(test, x);
}

/**
 * struct kt_signaller - signals a fence once a revoke waits for it alone
 * @work: waits for the importer's acknowledgment, then signals @fence
 * @fence: the fence
 * @nic: the revoked importer
 * @x: the revoked BO
 * @acked: the importer had been told and let go when @fence signalled
 * @kept: x was still in VRAM then
 */
struct kt_signaller {
	struct work_struct work;
	struct dma_fence *fence;
	struct dmem_kt_imp *nic;
	struct ttm_buffer_object *x;
	bool acked;
	bool kept;
};

static void kt_signal_workfn(struct work_struct *work)
{
	struct kt_signaller *s = container_of(work, struct kt_signaller, work);
	int i;

	/* However slow the revoker is to start: up to 2 s, within the timeout. */
	for (i = 0; i < 100 && (!atomic_read(&s->nic->nr_revoke) ||
				READ_ONCE(s->x->pin_count)); i++)
		msleep(20);
	msleep(50);
	s->acked = atomic_read(&s->nic->nr_revoke) == 1 &&
		   !READ_ONCE(s->x->pin_count);
	s->kept = kt_where(s->x) == TTM_PL_VRAM;
	dma_fence_signal(s->fence);
}

/*
 * Within the timeout, the revoker waits for x's fence before reusing it:
 * when the fence signals, the importer has let go and x is still there.
 */
static void dmem_ttm_export_fence_delays(struct kunit *test)
{
	struct kt_signaller *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct ttm_buffer_object *x, *n1;

	KUNIT_ASSERT_NOT_NULL(test, s);
	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_LONG_MS);
	x = kt_scene(test, &n1);
	s->nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_UNMAP);
	s->fence = dmem_kt_fence(test, x->base.resv);
	s->x = x;
	INIT_WORK(&s->work, kt_signal_workfn);
	queue_work(system_unbound_wq, &s->work);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), 0);
	flush_work(&s->work);
	dma_fence_put(s->fence);
	KUNIT_EXPECT_TRUE(test, s->acked);
	KUNIT_EXPECT_TRUE(test, s->kept);
	kt_expect_revoked(test, x, n1);
}

/* A fence that does not signal in time parks the revoke; x is not reused. */
static void dmem_ttm_export_fence_parks(struct kunit *test)
{
	struct ttm_buffer_object *x, *n1;
	struct dmem_kt_imp *nic;
	struct dma_fence *fence;

	kt_policy(test, DMEM_PIN_POLICY_SOFT, KT_SHORT_MS);
	x = kt_scene(test, &n1);
	nic = kt_import(test, DMEM_KT_REVOCABLE, DMEM_KT_ACK_UNMAP);
	fence = dmem_kt_fence(test, x->base.resv);
	KUNIT_EXPECT_EQ(test, kt_need_room(test), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_revoke), 1);
	/* The importer let go: only the fence holds x. */
	KUNIT_EXPECT_EQ(test, x->pin_count, 0);
	kt_expect_parked(test, x);

	dma_fence_signal(fence);
	dma_fence_put(fence);
	kt_expect_evicted(test, x);
}

static struct kunit_case dmem_ttm_export_cases[] = {
	KUNIT_CASE(dmem_ttm_export_revoke_none),
	KUNIT_CASE(dmem_ttm_export_revoke_one),
	KUNIT_CASE(dmem_ttm_export_revoke_mixed),
	KUNIT_CASE(dmem_ttm_export_park_late_unmap),
	KUNIT_CASE(dmem_ttm_export_detach),
	KUNIT_CASE(dmem_ttm_export_release),
	KUNIT_CASE(dmem_ttm_export_hard_pin),
	KUNIT_CASE(dmem_ttm_export_fence_delays),
	KUNIT_CASE(dmem_ttm_export_fence_parks),
	{}
};

static struct kunit_suite dmem_ttm_export_suite = {
	.name = "dmem_ttm_export",
	.init = kt_ex_init,
	.exit = kt_ex_exit,
	.test_cases = dmem_ttm_export_cases,
};

kunit_test_suite(dmem_ttm_export_suite);

MODULE_DESCRIPTION("KUnit tests of the revoke contract on TTM's PRIME export");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_LICENSE("GPL");
