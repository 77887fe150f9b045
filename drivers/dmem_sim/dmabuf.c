// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: the dma-buf exporter.
 *
 * The exporter is dynamic (it has pin and unpin callbacks), so dma-buf
 * calls pin, unpin, map and unmap with the buffer's reservation held. The
 * revoke contract is the manager's exporter helper (linux/dmem_dmabuf.h),
 * called from every op:
 *  - a pinned attachment's pin becomes a pin of the eviction manager,
 *    charged to the buffer's owner. One that opted in to revocation
 *    (&dma_buf_attach_ops.revoke_notify, pinning with dma_buf_pin()) is
 *    told of a revoke through dma-buf, and its unmap is its
 *    acknowledgment. A non-dynamic attachment (pinned and mapped by
 *    dma-buf at attach time) or a dynamic one that pins without
 *    revoke_notify makes the buffer a hard pin, and a device-level revoke
 *    waits for its detach;
 *  - a dynamic attachment is never pinned (CONFIG_DMABUF_MOVE_NOTIFY): when
 *    the buffer is evicted, sim_buf_evict() calls dma_buf_move_notify() and
 *    the importer drops its mapping, to map again later. Mapping needs the
 *    buffer resident: map makes it so (sim_dmabuf_make_resident()), as
 *    the importer knows nothing of the exporter.
 *
 * The reservation object is the buffer's own (sim_buf::resv), which lives
 * as long as the buffer: sim_buf_evict() can lock it without a reference on
 * the dma-buf, and sim_buf::dmabuf, cleared under it by release, tells
 * whether there are attachments to notify.
 *
 * Mappings are DMA-mapped for the importing device (dmem_dmabuf_map()).
 */

#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "sim.h"

static int sim_dmabuf_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct sim_buf *buf = dmabuf->priv;
	struct sim_attach *sa;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return -ENOMEM;
	sa->buf = buf;
	dmem_dmabuf_attach(&sa->da, &buf->dd, &buf->dbuf, attach);
	mutex_lock(&buf->pin_lock);
	list_add_tail(&sa->node, &buf->attachments);
	mutex_unlock(&buf->pin_lock);
	attach->priv = sa;
	return 0;
}

static void sim_dmabuf_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct sim_attach *sa = attach->priv;
	struct sim_buf *buf = sa->buf;

	/* Counts as the acknowledgment of a revoke waiting for it. */
	dmem_dmabuf_detach(&sa->da);
	mutex_lock(&buf->pin_lock);
	list_del(&sa->node);
	mutex_unlock(&buf->pin_lock);
	kfree(sa);
}

static int sim_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct sim_attach *sa = attach->priv;
	int ret;

	/* A region being destroyed takes no new pin, revoking or not. */
	if (READ_ONCE(sa->buf->region->dead))
		return -ENODEV;
	ret = dmem_dmabuf_pin(&sa->da);
	if (ret)
		return ret;
	ret = sim_buf_pin(sa->buf, &sa->pinned);
	if (ret)
		dmem_dmabuf_unpin(&sa->da);
	return ret;
}

static void sim_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct sim_attach *sa = attach->priv;

	dmem_dmabuf_unpin(&sa->da);
	sim_buf_unpin(sa->buf, &sa->pinned);
}

/*
 * A mapping holds a reference on each device page it describes, so that
 * the pages are not reused while the importer may still reach them: a
 * revoke that a region teardown finishes without the importer's
 * acknowledgment frees the buffer's device pages, and they go back to the
 * system only when the importer unmaps (at the latest, when it detaches).
 */
static void sim_sgt_get_pages(struct sg_table *sgt)
{
	struct sg_page_iter iter;

	for_each_sgtable_page(sgt, &iter, 0)
		get_page(sg_page_iter_page(&iter));
}

static void sim_sgt_put_pages(struct sg_table *sgt)
{
	struct sg_page_iter iter;
	unsigned int n = 0;

	for_each_sgtable_page(sgt, &iter, 0) {
		put_page(sg_page_iter_page(&iter));
		/* A file's exit may unmap many large mappings in a row. */
		if (!(++n % 1024))
			cond_resched();
	}
}

/*
 * A map by a dynamic attachment is a use of the buffer by the importer's
 * device: bring it back to device memory if it was evicted, under the
 * reservation, as a pin does. (A pinned one is resident by its pin, or
 * revoked, and then its map fails.) Evictions this causes only trylock
 * their victims' reservations, and nobody can evict this buffer
 * meanwhile, as its reservation is held here. A revoke in flight waits for
 * unmaps, and its evict() may wait, under that reservation: do not wait
 * for it (dmem_buf_make_resident_reserved(): -EBUSY at once).
 */
static int sim_dmabuf_make_resident(struct sim_attach *sa)
{
	struct dmem_buf *dbuf = &sa->buf->dbuf;

	dma_resv_assert_held(&sa->buf->resv);
	if (sa->da.ea.pinned || sa->da.ea.revoked ||
	    dmem_buf_state(dbuf) == DMEM_BUF_RESIDENT)
		return 0;
	return dmem_buf_make_resident_reserved(dbuf);
}

static struct sg_table *sim_dmabuf_map(struct dma_buf_attachment *attach,
				       enum dma_data_direction dir)
{
	struct sim_attach *sa = attach->priv;
	struct sim_buf *buf = sa->buf;
	struct sg_table *sgt;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	ret = sim_dmabuf_make_resident(sa);
	if (ret)
		return ERR_PTR(ret);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL_ACCOUNT);
	if (!sgt)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&buf->data_lock);
	if (buf->dev)
		ret = sg_alloc_table_from_pages(sgt, buf->dev, buf->npages, 0,
						buf->size, GFP_KERNEL_ACCOUNT);
	else
		ret = -EAGAIN;	/* a device-level revoke took it meanwhile */
	if (!ret) {
		ret = dmem_dmabuf_map(&sa->da, sgt, dir);
		if (ret)
			sg_free_table(sgt);
	}
	if (!ret)
		sim_sgt_get_pages(sgt);
	mutex_unlock(&buf->data_lock);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static void sim_dmabuf_unmap(struct dma_buf_attachment *attach,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	struct sim_attach *sa = attach->priv;

	/*
	 * The last unmap of a revoked attachment is its acknowledgment. The
	 * helper frees the table later; it is still ours to read here.
	 */
	dmem_dmabuf_unmap(&sa->da, sgt, dir);
	sim_sgt_put_pages(sgt);
}

static void sim_dmabuf_release(struct dma_buf *dmabuf)
{
	struct sim_buf *buf = dmabuf->priv;

	dma_resv_lock(&buf->resv, NULL);
	buf->dmabuf = NULL;
	dma_resv_unlock(&buf->resv);
	sim_buf_put(buf);
}

static const struct dma_buf_ops sim_dmabuf_ops = {
	.attach = sim_dmabuf_attach,
	.detach = sim_dmabuf_detach,
	.pin = sim_dmabuf_pin,
	.unpin = sim_dmabuf_unpin,
	.map_dma_buf = sim_dmabuf_map,
	.unmap_dma_buf = sim_dmabuf_unmap,
	.release = sim_dmabuf_release,
};

/**
 * sim_buf_export() - EXPORT: a dma-buf of a buffer and an fd for it
 * @buf: the buffer
 * @flags: DMEM_SIM_EXPORT_*, validated
 *
 * Return: the fd; -EBUSY if a dma-buf of the buffer exists; -ENOMEM;
 * -EMFILE.
 */
int sim_buf_export(struct sim_buf *buf, u32 flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	bool exported;
	int fd;

	mutex_lock(&buf->export_lock);
	dma_resv_lock(&buf->resv, NULL);
	exported = !!buf->dmabuf;
	dma_resv_unlock(&buf->resv);
	if (exported) {
		fd = -EBUSY;
		goto unlock;
	}

	info.exp_name = "dmem_sim";
	info.owner = THIS_MODULE;
	info.ops = &sim_dmabuf_ops;
	info.size = buf->size;
	info.flags = O_RDWR;
	info.priv = buf;
	info.resv = &buf->resv;
	/* The dma-buf's reference, dropped by release. */
	sim_buf_get(buf);
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		sim_buf_put(buf);
		fd = PTR_ERR(dmabuf);
		goto unlock;
	}
	dma_resv_lock(&buf->resv, NULL);
	buf->dmabuf = dmabuf;
	dma_resv_unlock(&buf->resv);

	fd = dma_buf_fd(dmabuf, flags & DMEM_SIM_EXPORT_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0)
		dma_buf_put(dmabuf);
unlock:
	mutex_unlock(&buf->export_lock);
	return fd;
}

MODULE_IMPORT_NS(DMA_BUF);
