// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's side of a revocable dma-buf attachment, for any buffer
 * manager (include/linux/dmem_export.h): an attachment's states and
 * transitions, and the DMA mapping of its tables for the importing device.
 *
 * An attachment's revoke is acknowledged once it is quiet: its importer
 * can no longer reach the memory behind the exporter's back. A revoke of
 * an attachment that is not quiet yet leaves it @revoking, and the unmap,
 * unpin or detach that makes it quiet acknowledges, once.
 *
 * An unmapped table is freed later, at the attachment's next map or at its
 * detach (@retired): a revoked importer unmaps from its revoke_notify, on
 * the revoker's thread, where the table's two frees would cost the revoke
 * more than the rest of its work for the attachment (docs/benchmarks.md).
 */

#include <linux/dma-mapping.h>
#include <linux/dmem_export.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

/**
 * dmem_export_attach_init() - an attachment's state, from dma_buf_ops.attach
 * @ea: the state, embedded in the exporter's attachment object
 * @attach: the attachment
 * @ops: the manager of the attachment's buffer
 *
 * Context: any context; the attachment is not on the dma-buf's list yet.
 */
void dmem_export_attach_init(struct dmem_export_attach *ea,
			     struct dma_buf_attachment *attach,
			     const struct dmem_export_ops *ops)
{
	*ea = (struct dmem_export_attach) { .attach = attach, .ops = ops };
}
EXPORT_SYMBOL_GPL(dmem_export_attach_init);

static void dmem_export_assert_held(const struct dmem_export_attach *ea)
{
	dma_resv_assert_held(ea->attach->dmabuf->resv);
}

/*
 * Can the importer no longer reach the memory behind the exporter's back?
 * True with nothing mapped, or for an unpinned importer with move_notify,
 * which the exporter's move tells.
 */
static bool dmem_export_quiet(const struct dmem_export_attach *ea)
{
	const struct dma_buf_attach_ops *ops = ea->attach->importer_ops;

	return !ea->maps || (!ea->pinned && ops && ops->move_notify);
}

/* Acknowledge a revoke waiting for @ea, if it is quiet now. */
static void dmem_export_settle(struct dmem_export_attach *ea)
{
	if (!ea->revoking || !dmem_export_quiet(ea))
		return;
	ea->revoking = false;
	ea->ops->acked(ea);
}

/**
 * dmem_export_pin() - an attachment pins, from dma_buf_ops.pin
 * @ea: the attachment's state
 *
 * The manager pins the buffer (&dmem_export_ops.pin), hard for an importer
 * without &dma_buf_attach_ops.revoke_notify, which cannot be told of a
 * revoke.
 *
 * Context: the reservation lock held (asserted).
 * Return: 0; -ENODEV once a revoke ended the attachment's pin; -EBUSY if
 * it is pinned already; an error of the manager's pin.
 */
int dmem_export_pin(struct dmem_export_attach *ea)
{
	bool hard = !dma_buf_attach_revocable(ea->attach);
	int ret;

	dmem_export_assert_held(ea);
	if (ea->revoked)
		return -ENODEV;
	if (ea->pinned)
		return -EBUSY;
	ret = ea->ops->pin(ea, hard);
	if (ret)
		return ret;
	ea->pinned = true;
	ea->hard = hard;
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_export_pin);

/**
 * dmem_export_unpin() - let go of the attachment's pin
 * @ea: the attachment's state
 *
 * From dma_buf_ops.unpin, from the detach of an importer that left its pin
 * behind, or from the manager when a revoke ends the pin; nothing if no
 * pin is held. Acknowledges a revoke that waited for it.
 *
 * Context: the reservation lock held (asserted).
 */
void dmem_export_unpin(struct dmem_export_attach *ea)
{
	dmem_export_assert_held(ea);
	if (!ea->pinned)
		return;
	ea->pinned = false;
	ea->ops->unpin(ea, ea->hard);
	ea->hard = false;
	dmem_export_settle(ea);
}
EXPORT_SYMBOL_GPL(dmem_export_unpin);

static void dmem_export_table_free(struct sg_table *sgt)
{
	sg_free_table(sgt);
	kfree(sgt);
}

/* Free the table of an earlier unmap, if one waits: off a revoke's path. */
static void dmem_export_free_retired(struct dmem_export_attach *ea)
{
	if (!ea->retired)
		return;
	dmem_export_table_free(ea->retired);
	ea->retired = NULL;
}

/*
 * Keep an unmapped table for dmem_export_free_retired(). One is kept at a
 * time: a second one, of an importer that had two mappings, goes now.
 */
static void dmem_export_retire(struct dmem_export_attach *ea,
			       struct sg_table *sgt)
{
	if (ea->retired)
		dmem_export_table_free(sgt);
	else
		ea->retired = sgt;
}

/**
 * dmem_export_detach() - the attachment goes, from dma_buf_ops.detach
 * @ea: the attachment's state
 *
 * Lets go of a pin the importer left behind (dmem_export_unpin()),
 * acknowledges a revoke waiting for the attachment, whatever the importer
 * left mapped: with the attachment gone it is told nothing more, and frees
 * the table of the attachment's last unmap.
 *
 * Context: the reservation lock held (asserted).
 */
void dmem_export_detach(struct dmem_export_attach *ea)
{
	dmem_export_unpin(ea);
	dmem_export_free_retired(ea);
	if (!ea->revoking)
		return;
	ea->revoking = false;
	ea->ops->acked(ea);
}
EXPORT_SYMBOL_GPL(dmem_export_detach);

/**
 * dmem_export_revoke() - revoke an attachment
 * @ea: the attachment's state
 *
 * A pinned attachment loses its right to map for good, and its importer,
 * if it opted in and has something mapped, is told through
 * dma_buf_revoke_notify() (which may unmap at once). The revoke is
 * acknowledged (&dmem_export_ops.acked) now if the attachment is quiet,
 * else by the unmap, unpin or detach that makes it so.
 *
 * Context: the reservation lock held (asserted).
 */
void dmem_export_revoke(struct dmem_export_attach *ea)
{
	dmem_export_assert_held(ea);
	if (ea->pinned) {
		ea->revoked = true;
		if (ea->maps && dma_buf_attach_revocable(ea->attach))
			dma_buf_revoke_notify(ea->attach);
	}
	ea->revoking = true;
	dmem_export_settle(ea);
}
EXPORT_SYMBOL_GPL(dmem_export_revoke);

/**
 * dmem_export_map_check() - may an attachment map now?
 * @ea: the attachment's state
 *
 * For an exporter that has work to do before dmem_export_map() or
 * dmem_export_map_io() (which check it too), so that a refused importer
 * gets the contract's error first.
 *
 * Context: the reservation lock held (asserted).
 * Return: 0; -ENODEV once a revoke ended the attachment's pin; -EINVAL for
 * an importer with revoke_notify alone that did not pin first.
 */
int dmem_export_map_check(const struct dmem_export_attach *ea)
{
	const struct dma_buf_attach_ops *ops = ea->attach->importer_ops;

	dmem_export_assert_held(ea);
	if (ea->revoked)
		return -ENODEV;
	/* Nobody could tell an importer with neither a pin nor move_notify. */
	if (ops && !ops->move_notify && !ea->pinned)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_export_map_check);

/* A mapping is gone: the last one may acknowledge a revoke. */
static void dmem_export_unmapped(struct dmem_export_attach *ea)
{
	if (WARN_ON(!ea->maps))
		return;
	ea->maps--;
	dmem_export_settle(ea);
}

/**
 * dmem_export_map() - DMA-map a table of pages for the importer
 * @ea: the attachment's state
 * @sgt: the exporter's table of the buffer's pages, not DMA-mapped: a
 *	struct sg_table from kmalloc() filled by sg_alloc_table*()
 * @dir: the direction
 *
 * From dma_buf_ops.map_dma_buf. Maps @sgt for the importing device
 * (dma_map_sgtable() on the attachment's device), as dma-buf requires of
 * exporters, and counts the mapping: a revoke waits for its unmap. On
 * success the helper owns @sgt and frees it after dmem_export_unmap(); on
 * error it is still the exporter's. Frees the table of the attachment's
 * last unmap.
 *
 * Context: the reservation lock held (asserted), may sleep.
 * Return: 0; -ENODEV once a revoke ended the attachment's pin; -EINVAL for
 * an importer with revoke_notify alone that did not pin first; the errors
 * of dma_map_sgtable().
 */
int dmem_export_map(struct dmem_export_attach *ea, struct sg_table *sgt,
		    enum dma_data_direction dir)
{
	int ret = dmem_export_map_check(ea);

	dmem_export_free_retired(ea);
	if (!ret)
		ret = dma_map_sgtable(ea->attach->dev, sgt, dir, 0);
	if (!ret)
		ea->maps++;
	return ret;
}
EXPORT_SYMBOL_GPL(dmem_export_map);

/**
 * dmem_export_unmap() - undo dmem_export_map(), from .unmap_dma_buf
 * @ea: the attachment's state
 * @sgt: the table mapped by dmem_export_map()
 * @dir: its direction
 *
 * DMA-unmaps @sgt, which the helper frees at the attachment's next map or
 * at its detach: the exporter must not free it, and may read it (to put
 * its pages) until its .unmap_dma_buf returns. The last unmap acknowledges
 * a revoke waiting for the attachment.
 *
 * Context: the reservation lock held (asserted), may sleep.
 */
void dmem_export_unmap(struct dmem_export_attach *ea, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	dmem_export_assert_held(ea);
	dma_unmap_sgtable(ea->attach->dev, sgt, dir, 0);
	dmem_export_retire(ea, sgt);
	dmem_export_unmapped(ea);
}
EXPORT_SYMBOL_GPL(dmem_export_unmap);

static void dmem_export_io_unmap(struct device *dev, struct sg_table *sgt,
				 enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		dma_unmap_resource(dev, sg_dma_address(sg), sg_dma_len(sg), dir,
				   DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * A table of @size bytes of io memory at @phys, mapped for @dev in pieces
 * of its maximum segment size; no entry has a page.
 */
static struct sg_table *dmem_export_io_table(struct device *dev,
					     phys_addr_t phys, u64 size,
					     enum dma_data_direction dir)
{
	unsigned int seg = rounddown(dma_get_max_seg_size(dev), PAGE_SIZE);
	struct scatterlist *sg;
	struct sg_table *sgt;
	dma_addr_t addr;
	u64 off = 0, len;
	unsigned int i;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL_ACCOUNT);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, DIV_ROUND_UP_ULL(size, seg), GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	/* Only the entries mapped so far are unmapped on error. */
	sgt->nents = 0;
	for_each_sgtable_sg(sgt, sg, i) {
		len = min_t(u64, size - off, seg);
		addr = dma_map_resource(dev, phys + off, len, dir,
					DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(dev, addr)) {
			dmem_export_io_unmap(dev, sgt, dir);
			dmem_export_table_free(sgt);
			return ERR_PTR(-EIO);
		}
		sg_set_page(sg, NULL, len, 0);
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = len;
		sgt->nents++;
		off += len;
	}
	return sgt;
}

/**
 * dmem_export_map_io() - a table of io memory, DMA-mapped for the importer
 * @ea: the attachment's state
 * @phys: the memory's physical address (a BAR's, say): no struct pages
 * @size: its bytes
 * @dir: the direction
 *
 * From dma_buf_ops.map_dma_buf of an exporter whose memory has no struct
 * pages: maps @phys for the importing device with dma_map_resource(), in
 * pieces of the device's maximum segment size, and counts the mapping.
 * Frees the table of the attachment's last unmap.
 *
 * Context: the reservation lock held (asserted), may sleep.
 * Return: the table, whose entries have DMA addresses and no pages; the
 * errors of dmem_export_map(); ERR_PTR(-ENOMEM); ERR_PTR(-EIO).
 */
struct sg_table *dmem_export_map_io(struct dmem_export_attach *ea,
				    phys_addr_t phys, u64 size,
				    enum dma_data_direction dir)
{
	struct sg_table *sgt;
	int ret = dmem_export_map_check(ea);

	dmem_export_free_retired(ea);
	if (ret)
		return ERR_PTR(ret);
	sgt = dmem_export_io_table(ea->attach->dev, phys, size, dir);
	if (!IS_ERR(sgt))
		ea->maps++;
	return sgt;
}
EXPORT_SYMBOL_GPL(dmem_export_map_io);

/**
 * dmem_export_unmap_io() - undo dmem_export_map_io()
 * @ea: the attachment's state
 * @sgt: the table
 * @dir: its direction
 *
 * Unmaps @sgt's pieces; the helper frees the table at the attachment's next
 * map or at its detach. The last unmap acknowledges a revoke waiting for
 * the attachment.
 *
 * Context: the reservation lock held (asserted), may sleep.
 */
void dmem_export_unmap_io(struct dmem_export_attach *ea, struct sg_table *sgt,
			  enum dma_data_direction dir)
{
	dmem_export_assert_held(ea);
	dmem_export_io_unmap(ea->attach->dev, sgt, dir);
	dmem_export_retire(ea, sgt);
	dmem_export_unmapped(ea);
}
EXPORT_SYMBOL_GPL(dmem_export_unmap_io);

MODULE_IMPORT_NS(DMA_BUF);
