// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: a buffer of the bench's region exported as a real
 * dma-buf, through the eviction manager's exporter layer
 * (linux/dmem_dmabuf.h, by the test exporter of kernel/evict/testing),
 * and K importers of it that pin, map and, told of a revoke through
 * dma-buf, unmap from their revoke_notify: the revoke's dma-buf path, as
 * a driver and an importer of its buffers take it.
 *
 * A revoke is permanent for an attachment: the importers attach, pin and
 * map again (dmem_bench_dmabuf_import()) to be revoked once more.
 */

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../testing/dmem_test_exporter.h"
#include "bench.h"

/* An importer: its attachment, pin and mapping. */
struct dmem_bench_imp {
	struct dma_buf_attachment *attach;
	bool pinned;
	struct sg_table *sgt;
};

/**
 * struct dmem_bench_dmabuf - an exported buffer and its importers
 * @tx: the export (kernel/evict/testing/dmem_test_exporter.h)
 * @dev: the importing device
 * @imps: the importers
 * @k: their number
 */
struct dmem_bench_dmabuf {
	struct dmem_test_export tx;
	struct device *dev;
	struct dmem_bench_imp *imps;
	unsigned int k;
};

/* Under the reservation: stop and unmap, the acknowledgment. */
static void dmem_bench_imp_revoke(struct dma_buf_attachment *at)
{
	struct dmem_bench_imp *imp = at->importer_priv;

	if (imp->sgt)
		dma_buf_unmap_attachment(at, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
}

static const struct dma_buf_attach_ops dmem_bench_imp_ops = {
	.revoke_notify = dmem_bench_imp_revoke,
};

static void dmem_bench_imp_detach(struct dmem_bench_dmabuf *bd,
				  struct dmem_bench_imp *imp)
{
	if (!imp->attach)
		return;
	dma_resv_lock(&bd->tx.resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt,
					 DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	if (imp->pinned)
		dma_buf_unpin(imp->attach);
	imp->pinned = false;
	dma_resv_unlock(&bd->tx.resv);
	dma_buf_detach(bd->tx.dmabuf, imp->attach);
	imp->attach = NULL;
}

/**
 * dmem_bench_dmabuf_attach() - attach the importers, without pinning
 * @bd: the exported buffer
 *
 * Detaches them all first if they were attached (after a revoke, say):
 * each unpin of the exporter is an unpin of the buffer, which must not
 * take a pin of a new attachment.
 *
 * Return: 0 or the error of dma_buf_dynamic_attach().
 */
int dmem_bench_dmabuf_attach(struct dmem_bench_dmabuf *bd)
{
	struct dmem_bench_imp *imp;
	unsigned int i;

	for (i = 0; i < bd->k; i++)
		dmem_bench_imp_detach(bd, &bd->imps[i]);
	for (i = 0; i < bd->k; i++) {
		imp = &bd->imps[i];
		imp->attach = dma_buf_dynamic_attach(bd->tx.dmabuf, bd->dev,
						     &dmem_bench_imp_ops, imp);
		if (IS_ERR(imp->attach)) {
			int ret = PTR_ERR(imp->attach);

			imp->attach = NULL;
			return ret;
		}
	}
	return 0;
}

/* Pin and map one attached importer. */
static int dmem_bench_imp_pin_map(struct dmem_bench_dmabuf *bd,
				  struct dmem_bench_imp *imp)
{
	struct sg_table *sgt;
	int ret;

	dma_resv_lock(&bd->tx.resv, NULL);
	ret = dma_buf_pin(imp->attach);
	imp->pinned = !ret;
	if (!ret) {
		sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			ret = PTR_ERR(sgt);
		else
			imp->sgt = sgt;
	}
	dma_resv_unlock(&bd->tx.resv);
	return ret;
}

/**
 * dmem_bench_dmabuf_import() - attach (again), pin and map every importer
 * @bd: the exported buffer
 *
 * The first pin makes the buffer resident.
 *
 * Return: 0 or the error of a step.
 */
int dmem_bench_dmabuf_import(struct dmem_bench_dmabuf *bd)
{
	unsigned int i;
	int ret;

	ret = dmem_bench_dmabuf_attach(bd);
	for (i = 0; !ret && i < bd->k; i++)
		ret = dmem_bench_imp_pin_map(bd, &bd->imps[i]);
	return ret;
}

/**
 * dmem_bench_dmabuf_destroy() - detach the importers, drop the dma-buf
 * @bd: the exported buffer, or NULL
 *
 * Before the buffer is freed.
 */
void dmem_bench_dmabuf_destroy(struct dmem_bench_dmabuf *bd)
{
	unsigned int i;

	if (!bd)
		return;
	for (i = 0; bd->imps && i < bd->k; i++)
		dmem_bench_imp_detach(bd, &bd->imps[i]);
	dmem_test_export_fini(&bd->tx);
	if (!IS_ERR_OR_NULL(bd->dev))
		root_device_unregister(bd->dev);
	kfree(bd->imps);
	kfree(bd);
}

/* The importing device, mapping directly with a 64-bit mask. */
static struct device *dmem_bench_dmabuf_device(void)
{
	struct device *dev = root_device_register("dmem_bench_importer");

	if (!IS_ERR(dev) && dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64))) {
		root_device_unregister(dev);
		dev = ERR_PTR(-EIO);
	}
	return dev;
}

/**
 * dmem_bench_dmabuf_create() - export a buffer for @k importers
 * @buf: the buffer, initialized
 * @k: the importers, attached by dmem_bench_dmabuf_attach() or _import()
 *
 * Return: the exported buffer, or an ERR_PTR().
 */
struct dmem_bench_dmabuf *dmem_bench_dmabuf_create(struct dmem_buf *buf,
						   unsigned int k)
{
	struct dmem_bench_dmabuf *bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	int ret;

	if (!bd)
		return ERR_PTR(-ENOMEM);
	bd->k = k;
	bd->imps = kcalloc(max(k, 1U), sizeof(*bd->imps), GFP_KERNEL);
	bd->dev = dmem_bench_dmabuf_device();
	ret = dmem_test_export_init(&bd->tx, buf);
	if (!ret && (!bd->imps || IS_ERR(bd->dev)))
		ret = bd->imps ? PTR_ERR(bd->dev) : -ENOMEM;
	if (ret) {
		dmem_bench_dmabuf_destroy(bd);
		return ERR_PTR(ret);
	}
	return bd;
}

MODULE_IMPORT_NS(DMA_BUF);
