// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test exporter of dmem_test_exporter.h, shared by the KUnit suite
 * dmem_evict_dmabuf and the bench's revoke round trip.
 */

#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dmem_test_exporter.h"

static int dmem_test_x_attach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *at)
{
	struct dmem_test_export *tx = dmabuf->priv;
	struct dmem_test_xattach *xa = kzalloc(sizeof(*xa), GFP_KERNEL);

	if (!xa)
		return -ENOMEM;
	xa->tx = tx;
	dmem_dmabuf_attach(&xa->da, &tx->dd, tx->buf, at);
	at->priv = xa;
	return 0;
}

static void dmem_test_x_detach(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *at)
{
	struct dmem_test_xattach *xa = at->priv;

	dmem_dmabuf_detach(&xa->da);
	kfree(xa);
}

static int dmem_test_x_pin(struct dma_buf_attachment *at)
{
	struct dmem_test_xattach *xa = at->priv;
	int ret = dmem_dmabuf_pin(&xa->da);

	if (ret)
		return ret;
	ret = dmem_buf_pin_reserved(xa->tx->buf);
	if (ret)
		dmem_dmabuf_unpin(&xa->da);
	return ret;
}

static void dmem_test_x_unpin(struct dma_buf_attachment *at)
{
	struct dmem_test_xattach *xa = at->priv;

	dmem_dmabuf_unpin(&xa->da);
	/* -EINVAL after a revoke ended the pin. */
	dmem_buf_unpin(xa->tx->buf);
}

static struct sg_table *dmem_test_x_map(struct dma_buf_attachment *at,
					enum dma_data_direction dir)
{
	struct dmem_test_xattach *xa = at->priv;
	struct sg_table *sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	int ret;

	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, &xa->tx->page, 1, 0, PAGE_SIZE,
					GFP_KERNEL);
	if (!ret) {
		ret = dmem_dmabuf_map(&xa->da, sgt, dir);
		if (ret)
			sg_free_table(sgt);
	}
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static void dmem_test_x_unmap(struct dma_buf_attachment *at,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	struct dmem_test_xattach *xa = at->priv;

	/* The helper frees the table. */
	dmem_dmabuf_unmap(&xa->da, sgt, dir);
}

/*
 * The last fput() may run after the test or the bench command (a
 * kthread's is deferred, a task's runs at its return): touch nothing.
 */
static void dmem_test_x_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops dmem_test_x_ops = {
	.attach = dmem_test_x_attach,
	.detach = dmem_test_x_detach,
	.pin = dmem_test_x_pin,
	.unpin = dmem_test_x_unpin,
	.map_dma_buf = dmem_test_x_map,
	.unmap_dma_buf = dmem_test_x_unmap,
	.release = dmem_test_x_release,
};

/**
 * dmem_test_export_init() - export a buffer
 * @tx: the export, zeroed
 * @buf: the manager's buffer, initialized
 *
 * Return: 0, -ENOMEM or the error of dma_buf_export(); on error, call
 * dmem_test_export_fini() all the same.
 */
int dmem_test_export_init(struct dmem_test_export *tx, struct dmem_buf *buf)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;

	tx->buf = buf;
	dma_resv_init(&tx->resv);
	dmem_dmabuf_init(&tx->dd, buf, &tx->resv);
	tx->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!tx->page)
		return -ENOMEM;
	info.ops = &dmem_test_x_ops;
	info.size = PAGE_SIZE;
	info.flags = O_RDWR;
	info.priv = tx;
	info.resv = &tx->resv;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	tx->dmabuf = dmabuf;
	tx->exported = true;
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_test_export_init);

/**
 * dmem_test_export_put() - the exporter drops its reference, once
 * @tx: the export
 *
 * The dma-buf goes with the last reference, its importers' included.
 */
void dmem_test_export_put(struct dmem_test_export *tx)
{
	if (tx->exported)
		dma_buf_put(tx->dmabuf);
	tx->exported = false;
}
EXPORT_SYMBOL_GPL(dmem_test_export_put);

/**
 * dmem_test_export_fini() - end an export, before its buffer is freed
 * @tx: the export, whose importers have all detached; or zeroed (nothing)
 *
 * Context: process context, may sleep.
 */
void dmem_test_export_fini(struct dmem_test_export *tx)
{
	dmem_test_export_put(tx);
	if (tx->buf) {
		dmem_dmabuf_fini(&tx->dd);
		dma_resv_fini(&tx->resv);
	}
	if (tx->page)
		__free_page(tx->page);
}
EXPORT_SYMBOL_GPL(dmem_test_export_fini);

MODULE_IMPORT_NS(DMA_BUF);
