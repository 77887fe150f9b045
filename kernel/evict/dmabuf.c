// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: the exporter's side of a revoke through dma-buf
 * (include/linux/dmem_dmabuf.h), on the exporter helper
 * (include/linux/dmem_export.h).
 *
 * Each attachment is an importer of the manager from attach to detach, and
 * the buffer's fences are one more. The manager calls their revoke_notify
 * without locks, possibly from a thread that holds the reservation of
 * another buffer (a pin making room). So the reservation of this buffer is
 * only trylocked there; when it is busy, a work item takes it. Under it,
 * dmem_export_revoke() revokes the attachment, and the helper's
 * acknowledgment (&dmem_export_ops.acked) is the importer's
 * dmem_importer_ack(); the fences acknowledge when none is unsignalled
 * any more (struct dmem_export_fences).
 */

#include <linux/dmem_dmabuf.h>
#include <linux/export.h>
#include <linux/module.h>

static void dmem_dmabuf_fences_signalled(struct dmem_export_fences *ef)
{
	struct dmem_dmabuf *dd = container_of(ef, struct dmem_dmabuf, wait);

	dmem_importer_ack(&dd->fences);
}

static void dmem_dmabuf_fences_notify(struct dmem_importer *imp)
{
	struct dmem_dmabuf *dd = container_of(imp, struct dmem_dmabuf, fences);

	dmem_export_fences_kick(&dd->wait);
}

static const struct dmem_importer_ops dmem_dmabuf_fences_ops = {
	.revoke_notify = dmem_dmabuf_fences_notify,
};

/**
 * dmem_dmabuf_init() - prepare a buffer's revoke state
 * @dd: the state, embedded in the exporter's buffer object
 * @buf: the manager's buffer, initialized
 * @resv: the reservation object its dma-bufs will use, which lives as long
 *	as @buf
 *
 * From now on every revoke of @buf also waits for the fences of @resv.
 *
 * Context: process context; does not sleep.
 */
void dmem_dmabuf_init(struct dmem_dmabuf *dd, struct dmem_buf *buf,
		      struct dma_resv *resv)
{
	dmem_export_fences_init(&dd->wait, resv, dmem_dmabuf_fences_signalled);
	dmem_importer_attach(&dd->fences, buf, &dmem_dmabuf_fences_ops);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_init);

/**
 * dmem_dmabuf_fini() - end a buffer's revoke state
 * @dd: the state
 *
 * Call before dmem_buf_free(), once no dma-buf of the buffer is left.
 *
 * Context: process context, may sleep; takes the reservation lock.
 */
void dmem_dmabuf_fini(struct dmem_dmabuf *dd)
{
	dmem_importer_detach(&dd->fences);
	dmem_export_fences_fini(&dd->wait);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_fini);

static struct dmem_dmabuf_attach *dmem_dmabuf_of(struct dmem_export_attach *ea)
{
	return container_of(ea, struct dmem_dmabuf_attach, ea);
}

/*
 * The buffer is pinned by the exporter itself (dmem_buf_pin_reserved(),
 * which fails with -EBUSY on a buffer being revoked, decided under the
 * manager's lock); here only an unrevocable importer's hard pin is counted.
 */
static int dmem_dmabuf_pin_buf(struct dmem_export_attach *ea, bool hard)
{
	return hard ? dmem_buf_hard_pin(dmem_dmabuf_of(ea)->imp.buf) : 0;
}

static void dmem_dmabuf_unpin_buf(struct dmem_export_attach *ea, bool hard)
{
	if (hard)
		dmem_buf_hard_unpin(dmem_dmabuf_of(ea)->imp.buf);
}

static void dmem_dmabuf_acked(struct dmem_export_attach *ea)
{
	dmem_importer_ack(&dmem_dmabuf_of(ea)->imp);
}

static const struct dmem_export_ops dmem_dmabuf_export_ops = {
	.pin = dmem_dmabuf_pin_buf,
	.unpin = dmem_dmabuf_unpin_buf,
	.acked = dmem_dmabuf_acked,
};

static void dmem_dmabuf_attach_workfn(struct work_struct *work)
{
	struct dmem_dmabuf_attach *da =
		container_of(work, struct dmem_dmabuf_attach, work);

	dma_resv_lock(da->dd->wait.resv, NULL);
	dmem_export_revoke(&da->ea);
	dma_resv_unlock(da->dd->wait.resv);
}

static void dmem_dmabuf_attach_notify(struct dmem_importer *imp)
{
	struct dmem_dmabuf_attach *da =
		container_of(imp, struct dmem_dmabuf_attach, imp);

	if (!dma_resv_trylock(da->dd->wait.resv)) {
		queue_work(system_unbound_wq, &da->work);
		return;
	}
	dmem_export_revoke(&da->ea);
	dma_resv_unlock(da->dd->wait.resv);
}

static const struct dmem_importer_ops dmem_dmabuf_attach_ops = {
	.revoke_notify = dmem_dmabuf_attach_notify,
};

/**
 * dmem_dmabuf_attach() - an attachment's revoke state, from dma_buf_ops.attach
 * @da: the state, embedded in the exporter's attachment object
 * @dd: the buffer's state
 * @buf: the manager's buffer
 * @attach: the attachment, of a dma-buf whose reservation is @dd's
 *
 * Context: process context; does not sleep.
 */
void dmem_dmabuf_attach(struct dmem_dmabuf_attach *da, struct dmem_dmabuf *dd,
			struct dmem_buf *buf, struct dma_buf_attachment *attach)
{
	da->dd = dd;
	dmem_export_attach_init(&da->ea, attach, &dmem_dmabuf_export_ops);
	INIT_WORK(&da->work, dmem_dmabuf_attach_workfn);
	dmem_importer_attach(&da->imp, buf, &dmem_dmabuf_attach_ops);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_attach);

/**
 * dmem_dmabuf_detach() - end an attachment's revoke state, from .detach
 * @da: the state
 *
 * dma-buf has unmapped and unpinned what it mapped and pinned itself; an
 * importer that left a pin behind loses it here. The detach acknowledges
 * a revoke waiting for the attachment.
 *
 * Context: process context, may sleep; the reservation lock not held.
 */
void dmem_dmabuf_detach(struct dmem_dmabuf_attach *da)
{
	dmem_importer_detach(&da->imp);
	cancel_work_sync(&da->work);
	dma_resv_lock(da->dd->wait.resv, NULL);
	dmem_export_unpin(&da->ea);
	dma_resv_unlock(da->dd->wait.resv);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_detach);

/**
 * dmem_dmabuf_pin() - an attachment pins, from dma_buf_ops.pin
 * @da: the attachment's state
 *
 * An attachment without &dma_buf_attach_ops.revoke_notify makes the buffer
 * a hard pin (dmem_buf_hard_pin()). The exporter pins the buffer itself
 * with dmem_buf_pin_reserved() after this, and calls dmem_dmabuf_unpin() if
 * that fails: -EBUSY if the buffer is being revoked, since the revoke waits
 * for unmaps, and its evict op may wait, under the reservation held here.
 *
 * Context: the reservation lock held (asserted).
 * Return: 0; -EBUSY if the attachment was pinned already; -ENODEV once a
 * revoke ended its pin; -EOVERFLOW.
 */
int dmem_dmabuf_pin(struct dmem_dmabuf_attach *da)
{
	return dmem_export_pin(&da->ea);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_pin);

/**
 * dmem_dmabuf_unpin() - an attachment unpins, from dma_buf_ops.unpin
 * @da: the attachment's state
 *
 * Context: the reservation lock held (asserted).
 */
void dmem_dmabuf_unpin(struct dmem_dmabuf_attach *da)
{
	dmem_export_unpin(&da->ea);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_unpin);

/**
 * dmem_dmabuf_map() - DMA-map a mapping for the importer, from .map_dma_buf
 * @da: the attachment's state
 * @sgt: the exporter's table of the buffer's memory, not DMA-mapped
 * @dir: the direction
 *
 * See dmem_export_map().
 *
 * Context: the reservation lock held (asserted), may sleep.
 * Return: 0 or the errors of dmem_export_map().
 */
int dmem_dmabuf_map(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		    enum dma_data_direction dir)
{
	return dmem_export_map(&da->ea, sgt, dir);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_map);

/**
 * dmem_dmabuf_unmap() - undo dmem_dmabuf_map(), from .unmap_dma_buf
 * @da: the attachment's state
 * @sgt: the table mapped by dmem_dmabuf_map()
 * @dir: its direction
 *
 * The last unmap of a revoked attachment acknowledges the revoke: the
 * importer's device can no longer reach the memory.
 *
 * Context: the reservation lock held (asserted), may sleep.
 */
void dmem_dmabuf_unmap(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	dmem_export_unmap(&da->ea, sgt, dir);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_unmap);

MODULE_IMPORT_NS(DMA_BUF);
