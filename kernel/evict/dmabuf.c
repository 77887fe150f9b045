// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: the exporter's side of a revoke through dma-buf
 * (include/linux/dmem_dmabuf.h), on the exporter helper
 * (include/linux/dmem_export.h).
 *
 * A buffer's dma-bufs are one importer of the manager, however many
 * attachments they have: its revoke_notify revokes every pinned attachment
 * and watches the buffer's fences under one hold of the reservation, and
 * acknowledges once the last attachment is quiet and no fence is left
 * unsignalled. The manager calls revoke_notify without locks, possibly
 * from a thread that holds the reservation of another buffer (a pin making
 * room): so the reservation of this buffer is only trylocked there; when
 * it is busy, a work item takes it.
 *
 * Under the reservation (struct dmem_dmabuf's fields marked resv):
 * dmem_export_revoke() revokes each attachment, and the helper's
 * acknowledgment (&dmem_export_ops.acked), from the notification itself or
 * from a later unmap, unpin or detach, counts it off; the fences' wait
 * (struct dmem_export_fences) counts them off when none is unsignalled.
 */

#include <linux/dmem_dmabuf.h>
#include <linux/export.h>
#include <linux/module.h>

static void dmem_dmabuf_assert_held(struct dmem_dmabuf *dd)
{
	dma_resv_assert_held(dd->wait.resv);
}

/* Acknowledge the revoke once nothing it waits for is left. */
static void dmem_dmabuf_settle(struct dmem_dmabuf *dd)
{
	dmem_dmabuf_assert_held(dd);
	if (!dd->awaited || dd->nr_revoking || dd->fences_pending)
		return;
	dd->awaited = false;
	dmem_importer_ack(&dd->imp);
}

static void dmem_dmabuf_fences_signalled(struct dmem_export_fences *ef)
{
	struct dmem_dmabuf *dd = container_of(ef, struct dmem_dmabuf, wait);

	dd->fences_pending = false;
	dmem_dmabuf_settle(dd);
}

/*
 * Revoke every pinned attachment and watch the fences; acknowledge if all
 * of it is quiet at once. An attachment still revoking from an earlier
 * revoke (parked, then finished without it) is waited for again.
 */
static void dmem_dmabuf_revoke_locked(struct dmem_dmabuf *dd)
{
	struct dmem_dmabuf_attach *da;
	LIST_HEAD(todo);

	dmem_dmabuf_assert_held(dd);
	dd->awaited = false;
	/*
	 * An importer may unpin from its revoke_notify, which takes its
	 * attachment (or another) off whichever list it is on: walk a list
	 * of those left to do.
	 */
	list_splice_init(&dd->pinned, &todo);
	while ((da = list_first_entry_or_null(&todo, struct dmem_dmabuf_attach,
					      node))) {
		list_move_tail(&da->node, &dd->pinned);
		/* dmem_export_revoke() sets it; acked() counts it off. */
		if (!da->ea.revoking)
			dd->nr_revoking++;
		dmem_export_revoke(&da->ea);
	}
	dd->fences_pending = true;
	dmem_export_fences_watch(&dd->wait);
	dd->awaited = true;
	dmem_dmabuf_settle(dd);
}

static void dmem_dmabuf_workfn(struct work_struct *work)
{
	struct dmem_dmabuf *dd = container_of(work, struct dmem_dmabuf, work);

	dma_resv_lock(dd->wait.resv, NULL);
	dmem_dmabuf_revoke_locked(dd);
	dma_resv_unlock(dd->wait.resv);
}

static void dmem_dmabuf_notify(struct dmem_importer *imp)
{
	struct dmem_dmabuf *dd = container_of(imp, struct dmem_dmabuf, imp);

	if (!dma_resv_trylock(dd->wait.resv)) {
		queue_work(system_unbound_wq, &dd->work);
		return;
	}
	dmem_dmabuf_revoke_locked(dd);
	dma_resv_unlock(dd->wait.resv);
}

static const struct dmem_importer_ops dmem_dmabuf_importer_ops = {
	.revoke_notify = dmem_dmabuf_notify,
};

/**
 * dmem_dmabuf_init() - prepare a buffer's revoke state
 * @dd: the state, embedded in the exporter's buffer object
 * @buf: the manager's buffer, initialized
 * @resv: the reservation object its dma-bufs will use, which lives as long
 *	as @buf
 *
 * From now on every revoke of @buf revokes the pinned attachments of its
 * dma-bufs and waits for them and for the fences of @resv.
 *
 * Context: process context; does not sleep.
 */
void dmem_dmabuf_init(struct dmem_dmabuf *dd, struct dmem_buf *buf,
		      struct dma_resv *resv)
{
	INIT_LIST_HEAD(&dd->pinned);
	dd->nr_revoking = 0;
	dd->fences_pending = false;
	dd->awaited = false;
	INIT_WORK(&dd->work, dmem_dmabuf_workfn);
	dmem_export_fences_init(&dd->wait, resv, dmem_dmabuf_fences_signalled);
	dmem_importer_attach(&dd->imp, buf, &dmem_dmabuf_importer_ops);
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
	dmem_importer_detach(&dd->imp);
	cancel_work_sync(&dd->work);
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
 * manager's lock); here only an unrevocable importer's hard pin is
 * counted, and the attachment joins the ones a revoke revokes.
 */
static int dmem_dmabuf_pin_buf(struct dmem_export_attach *ea, bool hard)
{
	struct dmem_dmabuf_attach *da = dmem_dmabuf_of(ea);
	int ret = 0;

	if (hard)
		ret = dmem_buf_hard_pin(da->dd->imp.buf);
	if (!ret)
		list_add_tail(&da->node, &da->dd->pinned);
	return ret;
}

static void dmem_dmabuf_unpin_buf(struct dmem_export_attach *ea, bool hard)
{
	struct dmem_dmabuf_attach *da = dmem_dmabuf_of(ea);

	list_del_init(&da->node);
	if (hard)
		dmem_buf_hard_unpin(da->dd->imp.buf);
}

/* Under the reservation: one attachment less to wait for. */
static void dmem_dmabuf_acked(struct dmem_export_attach *ea)
{
	struct dmem_dmabuf *dd = dmem_dmabuf_of(ea)->dd;

	if (WARN_ON(!dd->nr_revoking))
		return;
	dd->nr_revoking--;
	dmem_dmabuf_settle(dd);
}

static const struct dmem_export_ops dmem_dmabuf_export_ops = {
	.pin = dmem_dmabuf_pin_buf,
	.unpin = dmem_dmabuf_unpin_buf,
	.acked = dmem_dmabuf_acked,
};

/**
 * dmem_dmabuf_attach() - an attachment's revoke state, from dma_buf_ops.attach
 * @da: the state, embedded in the exporter's attachment object
 * @dd: the buffer's state
 * @buf: the manager's buffer, @dd's
 * @attach: the attachment, of a dma-buf whose reservation is @dd's
 *
 * The attachment takes part in the buffer's revokes once it pins.
 *
 * Context: process context; does not sleep.
 */
void dmem_dmabuf_attach(struct dmem_dmabuf_attach *da, struct dmem_dmabuf *dd,
			struct dmem_buf *buf, struct dma_buf_attachment *attach)
{
	WARN_ON_ONCE(buf != dd->imp.buf);
	da->dd = dd;
	INIT_LIST_HEAD(&da->node);
	dmem_export_attach_init(&da->ea, attach, &dmem_dmabuf_export_ops);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_attach);

/**
 * dmem_dmabuf_detach() - end an attachment's revoke state, from .detach
 * @da: the state
 *
 * dma-buf has unmapped and unpinned what it mapped and pinned itself; an
 * importer that left a pin behind loses it here. The detach acknowledges
 * a revoke waiting for the attachment, whatever it left mapped.
 *
 * Context: process context, may sleep; the reservation lock not held.
 */
void dmem_dmabuf_detach(struct dmem_dmabuf_attach *da)
{
	struct dmem_dmabuf *dd = da->dd;

	dma_resv_lock(dd->wait.resv, NULL);
	dmem_export_detach(&da->ea);
	dma_resv_unlock(dd->wait.resv);
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
 * @sgt: the exporter's table of the buffer's memory, not DMA-mapped, from
 *	kmalloc() and sg_alloc_table*(): the helper's once mapped
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
 * importer's device can no longer reach the memory. The helper frees @sgt
 * later (dmem_export_unmap()); the exporter may read it until it returns.
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
