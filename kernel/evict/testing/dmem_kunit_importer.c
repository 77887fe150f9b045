// SPDX-License-Identifier: GPL-2.0-only
/*
 * The KUnit importer of dmem_kunit_importer.h, shared by the suites of the
 * eviction manager's exporter (dmem_evict_dmabuf) and of TTM's PRIME
 * export (dmem_ttm_export). It allows peer-to-peer mappings, which an
 * exporter of io memory (TTM's) requires and others ignore.
 */

#include <kunit/device.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "dmem_kunit_importer.h"

/**
 * dmem_kt_importer_device() - a device for importers to attach with
 * @test: the test, which owns the device
 *
 * Return: the device, with a 64-bit DMA mask (direct mapping).
 */
struct device *dmem_kt_importer_device(struct kunit *test)
{
	struct device *dev = kunit_device_register(test, "dmem_kt_importer");

	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	return dev;
}
EXPORT_SYMBOL_GPL(dmem_kt_importer_device);

/* Under the reservation, as dma_buf_revoke_notify() calls it. */
static void dmem_kt_imp_revoke(struct dma_buf_attachment *at)
{
	struct dmem_kt_imp *ki = at->importer_priv;

	atomic_inc(&ki->nr_revoke);
	if (ki->ack == DMEM_KT_ACK_UNMAP && ki->sgt) {
		dma_buf_unmap_attachment(at, ki->sgt, DMA_BIDIRECTIONAL);
		ki->sgt = NULL;
	} else if (ki->ack == DMEM_KT_ACK_DETACH) {
		schedule_work(&ki->detach_work);
	}
}

static void dmem_kt_imp_move(struct dma_buf_attachment *at)
{
	struct dmem_kt_imp *ki = at->importer_priv;

	atomic_inc(&ki->nr_move);
	if (ki->sgt)
		dma_buf_unmap_attachment(at, ki->sgt, DMA_BIDIRECTIONAL);
	ki->sgt = NULL;
}

static const struct dma_buf_attach_ops dmem_kt_revocable_ops = {
	.allow_peer2peer = true,
	.revoke_notify = dmem_kt_imp_revoke,
};

static const struct dma_buf_attach_ops dmem_kt_dynamic_ops = {
	.allow_peer2peer = true,
	.move_notify = dmem_kt_imp_move,
};

static void dmem_kt_imp_detach_workfn(struct work_struct *work)
{
	dmem_kt_imp_detach(container_of(work, struct dmem_kt_imp, detach_work));
}

/**
 * dmem_kt_imp_map() - map the attachment, if not mapped
 * @ki: the importer
 *
 * Return: 0 or the error of dma_buf_map_attachment().
 */
int dmem_kt_imp_map(struct dmem_kt_imp *ki)
{
	struct sg_table *sgt;
	int ret = 0;

	dma_resv_lock(ki->dmabuf->resv, NULL);
	if (!ki->sgt) {
		sgt = dma_buf_map_attachment(ki->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			ret = PTR_ERR(sgt);
		else
			ki->sgt = sgt;
	}
	dma_resv_unlock(ki->dmabuf->resv);
	return ret;
}
EXPORT_SYMBOL_GPL(dmem_kt_imp_map);

/**
 * dmem_kt_import() - attach (holding a reference), pin if it pins, map
 * @test: the test, which owns the importer's memory
 * @dev: the importing device, see dmem_kt_importer_device()
 * @dmabuf: the dma-buf
 * @kind: how it attaches
 * @ack: what it does when told of a revoke
 *
 * A DMEM_KT_STATIC importer is pinned and mapped by dma-buf itself; a
 * DMEM_KT_DYNAMIC one maps without pinning. The test detaches each importer
 * with dmem_kt_imp_detach() before the exporter goes.
 *
 * Return: the importer; the test fails if any step does.
 */
struct dmem_kt_imp *dmem_kt_import(struct kunit *test, struct device *dev,
				   struct dma_buf *dmabuf,
				   enum dmem_kt_kind kind, enum dmem_kt_ack ack)
{
	struct dmem_kt_imp *ki = kunit_kzalloc(test, sizeof(*ki), GFP_KERNEL);
	int ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, ki);
	ki->ack = ack;
	INIT_WORK(&ki->detach_work, dmem_kt_imp_detach_workfn);
	get_dma_buf(dmabuf);
	ki->dmabuf = dmabuf;
	if (kind == DMEM_KT_STATIC)
		ki->attach = dma_buf_attach(dmabuf, dev);
	else
		ki->attach = dma_buf_dynamic_attach(dmabuf, dev,
						    kind == DMEM_KT_REVOCABLE ?
						    &dmem_kt_revocable_ops :
						    &dmem_kt_dynamic_ops, ki);
	if (IS_ERR(ki->attach)) {
		dma_buf_put(dmabuf);
		ki->dmabuf = NULL;
	}
	KUNIT_ASSERT_EQ(test, PTR_ERR_OR_ZERO(ki->attach), 0);
	if (kind == DMEM_KT_STATIC)
		return ki;
	if (kind != DMEM_KT_DYNAMIC) {
		dma_resv_lock(dmabuf->resv, NULL);
		ret = dma_buf_pin(ki->attach);
		ki->pinned = !ret;
		dma_resv_unlock(dmabuf->resv);
	}
	if (!ret)
		ret = dmem_kt_imp_map(ki);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return ki;
}
EXPORT_SYMBOL_GPL(dmem_kt_import);

/**
 * dmem_kt_imp_unmap() - unmap the attachment, if mapped
 * @ki: the importer
 */
void dmem_kt_imp_unmap(struct dmem_kt_imp *ki)
{
	dma_resv_lock(ki->dmabuf->resv, NULL);
	if (!IS_ERR_OR_NULL(ki->sgt))
		dma_buf_unmap_attachment(ki->attach, ki->sgt, DMA_BIDIRECTIONAL);
	ki->sgt = NULL;
	dma_resv_unlock(ki->dmabuf->resv);
}
EXPORT_SYMBOL_GPL(dmem_kt_imp_unmap);

/**
 * dmem_kt_imp_detach() - unmap, unpin, detach and drop the reference, once
 * @ki: the importer
 *
 * The dma-buf's last reference may go here, its release then deferred (a
 * kthread's fput()): flush_delayed_fput() waits for it.
 */
void dmem_kt_imp_detach(struct dmem_kt_imp *ki)
{
	struct dma_buf *dmabuf;

	/* Whoever comes second finds it detached. */
	if (current_work() != &ki->detach_work)
		cancel_work_sync(&ki->detach_work);
	dmabuf = ki->dmabuf;
	if (!dmabuf)
		return;
	dmem_kt_imp_unmap(ki);
	dma_resv_lock(dmabuf->resv, NULL);
	if (ki->pinned)
		dma_buf_unpin(ki->attach);
	ki->pinned = false;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, ki->attach);
	ki->dmabuf = NULL;
	dma_buf_put(dmabuf);
}
EXPORT_SYMBOL_GPL(dmem_kt_imp_detach);

static const char *dmem_kt_fence_name(struct dma_fence *fence)
{
	return "dmem_kt";
}

static const struct dma_fence_ops dmem_kt_fence_ops = {
	.get_driver_name = dmem_kt_fence_name,
	.get_timeline_name = dmem_kt_fence_name,
};

static DEFINE_SPINLOCK(dmem_kt_fence_lock);

/**
 * dmem_kt_fence() - an unsignalled fence in a reservation object
 * @test: the test
 * @resv: the buffer's reservation object
 *
 * Return: the fence, added for a write; the caller signals and puts it.
 */
struct dma_fence *dmem_kt_fence(struct kunit *test, struct dma_resv *resv)
{
	struct dma_fence *fence = kzalloc(sizeof(*fence), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fence);
	dma_fence_init(fence, &dmem_kt_fence_ops, &dmem_kt_fence_lock,
		       dma_fence_context_alloc(1), 1);
	dma_resv_lock(resv, NULL);
	KUNIT_ASSERT_EQ(test, dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(resv);
	return fence;
}
EXPORT_SYMBOL_GPL(dmem_kt_fence);

MODULE_IMPORT_NS(DMA_BUF);
