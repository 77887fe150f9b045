// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: the exporter's side of a revoke through dma-buf
 * (include/linux/dmem_dmabuf.h).
 *
 * Each attachment is an importer of the manager from attach to detach, and
 * the buffer's fences are one more. The manager calls their revoke_notify
 * without locks, possibly from a thread that holds the reservation of
 * another buffer (a pin making room). So the reservation of this buffer is
 * only trylocked there; when it is busy, a work item takes it. Under it:
 *  - an attachment not pinned, or pinned with nothing mapped, acknowledges
 *    at once (a dynamic importer hears of the move from the evict op);
 *  - a pinned attachment that opted in is told through
 *    dma_buf_revoke_notify() and acknowledges when its last mapping goes
 *    (dmem_dmabuf_unmap()), from the callback or later;
 *  - a pinned attachment that did not opt in cannot be told: it
 *    acknowledges when it unmaps or detaches, and until then the revoke
 *    is parked after the timeout and the memory stays where it is;
 *  - the fences acknowledge when none is unsignalled any more: a callback
 *    on the first unsignalled fence looks again when it signals.
 */

#include <linux/dma-mapping.h>
#include <linux/dmem_dmabuf.h>
#include <linux/export.h>
#include <linux/module.h>

/* Acknowledge the revoke if the buffer has no unsignalled fence left. */
static void dmem_dmabuf_fences_check_locked(struct dmem_dmabuf *dd)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	dma_resv_assert_held(dd->resv);
	/* A callback is pending: it looks again when its fence signals. */
	if (dd->fence || dd->dying)
		return;
	dma_resv_for_each_fence(&cursor, dd->resv, DMA_RESV_USAGE_BOOKKEEP,
				fence) {
		if (dma_fence_is_signaled(fence))
			continue;
		dd->fence = dma_fence_get(fence);
		if (!dma_fence_add_callback(fence, &dd->cb, dd->cb.func))
			return;
		/* Signalled meanwhile. */
		dma_fence_put(fence);
		dd->fence = NULL;
	}
	dmem_importer_ack(&dd->fences);
}

static void dmem_dmabuf_fences_workfn(struct work_struct *work)
{
	struct dmem_dmabuf *dd = container_of(work, struct dmem_dmabuf, work);

	dma_resv_lock(dd->resv, NULL);
	if (dd->fence) {
		/* Only the callback queues us while a fence is set. */
		dma_fence_put(dd->fence);
		dd->fence = NULL;
	}
	dmem_dmabuf_fences_check_locked(dd);
	dma_resv_unlock(dd->resv);
}

/* Context: any (the fence's signalling). */
static void dmem_dmabuf_fence_cb(struct dma_fence *fence,
				 struct dma_fence_cb *cb)
{
	struct dmem_dmabuf *dd = container_of(cb, struct dmem_dmabuf, cb);

	queue_work(system_unbound_wq, &dd->work);
}

static void dmem_dmabuf_fences_notify(struct dmem_importer *imp)
{
	struct dmem_dmabuf *dd = container_of(imp, struct dmem_dmabuf, fences);

	if (!dma_resv_trylock(dd->resv)) {
		queue_work(system_unbound_wq, &dd->work);
		return;
	}
	dmem_dmabuf_fences_check_locked(dd);
	dma_resv_unlock(dd->resv);
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
	dd->resv = resv;
	dd->fence = NULL;
	dd->dying = false;
	dd->cb.func = dmem_dmabuf_fence_cb;
	INIT_WORK(&dd->work, dmem_dmabuf_fences_workfn);
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
	dma_resv_lock(dd->resv, NULL);
	dd->dying = true;
	if (dd->fence) {
		/* Waits for a callback running on another CPU. */
		dma_fence_remove_callback(dd->fence, &dd->cb);
		dma_fence_put(dd->fence);
		dd->fence = NULL;
	}
	dma_resv_unlock(dd->resv);
	cancel_work_sync(&dd->work);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_fini);

/*
 * Can the importer no longer reach the memory behind the exporter's back?
 * True with nothing mapped, or for an unpinned importer with move_notify,
 * which the evict op tells.
 */
static bool dmem_dmabuf_quiet_locked(struct dmem_dmabuf_attach *da)
{
	const struct dma_buf_attach_ops *ops = da->attach->importer_ops;

	dma_resv_assert_held(da->dd->resv);
	return !da->maps || (!da->pinned && ops && ops->move_notify);
}

/* Tell a pinned importer, or acknowledge for it; see the top of the file. */
static void dmem_dmabuf_revoke_locked(struct dmem_dmabuf_attach *da)
{
	dma_resv_assert_held(da->dd->resv);
	if (da->pinned) {
		da->revoked = true;
		if (da->maps && dma_buf_attach_revocable(da->attach))
			dma_buf_revoke_notify(da->attach);
	}
	if (dmem_dmabuf_quiet_locked(da))
		dmem_importer_ack(&da->imp);
}

static void dmem_dmabuf_attach_workfn(struct work_struct *work)
{
	struct dmem_dmabuf_attach *da =
		container_of(work, struct dmem_dmabuf_attach, work);

	dma_resv_lock(da->dd->resv, NULL);
	dmem_dmabuf_revoke_locked(da);
	dma_resv_unlock(da->dd->resv);
}

static void dmem_dmabuf_attach_notify(struct dmem_importer *imp)
{
	struct dmem_dmabuf_attach *da =
		container_of(imp, struct dmem_dmabuf_attach, imp);

	if (!dma_resv_trylock(da->dd->resv)) {
		queue_work(system_unbound_wq, &da->work);
		return;
	}
	dmem_dmabuf_revoke_locked(da);
	dma_resv_unlock(da->dd->resv);
}

static const struct dmem_importer_ops dmem_dmabuf_attach_ops = {
	.revoke_notify = dmem_dmabuf_attach_notify,
};

/**
 * dmem_dmabuf_attach() - an attachment's revoke state, from dma_buf_ops.attach
 * @da: the state, embedded in the exporter's attachment object
 * @dd: the buffer's state
 * @buf: the manager's buffer
 * @attach: the attachment
 *
 * Context: process context; does not sleep.
 */
void dmem_dmabuf_attach(struct dmem_dmabuf_attach *da, struct dmem_dmabuf *dd,
			struct dmem_buf *buf, struct dma_buf_attachment *attach)
{
	da->dd = dd;
	da->attach = attach;
	da->maps = 0;
	da->pinned = false;
	da->hard = false;
	da->revoked = false;
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
	dma_resv_lock(da->dd->resv, NULL);
	if (da->pinned)
		dmem_dmabuf_unpin(da);
	dma_resv_unlock(da->dd->resv);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_detach);

/**
 * dmem_dmabuf_pin() - an attachment pins, from dma_buf_ops.pin
 * @da: the attachment's state
 *
 * An attachment without &dma_buf_attach_ops.revoke_notify makes the buffer
 * a hard pin (dmem_buf_hard_pin()). The exporter pins the buffer itself
 * (dmem_buf_pin()) after this, and calls dmem_dmabuf_unpin() if that fails.
 *
 * Context: the reservation lock held (asserted).
 * Return: 0; -EBUSY if the attachment was pinned already, or the buffer is
 * being revoked (the revoke waits for unmaps, which need the reservation
 * held here); -ENODEV once a revoke ended its pin; -EOVERFLOW.
 */
int dmem_dmabuf_pin(struct dmem_dmabuf_attach *da)
{
	int ret;

	dma_resv_assert_held(da->dd->resv);
	if (da->revoked)
		return -ENODEV;
	if (da->pinned)
		return -EBUSY;
	/*
	 * A revoke in flight waits for unmaps, which need the reservation
	 * this pin holds: do not wait for it here.
	 */
	if (dmem_buf_state(da->imp.buf) == DMEM_BUF_REVOKING)
		return -EBUSY;
	if (!dma_buf_attach_revocable(da->attach)) {
		ret = dmem_buf_hard_pin(da->imp.buf);
		if (ret)
			return ret;
		da->hard = true;
	}
	da->pinned = true;
	return 0;
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
	dma_resv_assert_held(da->dd->resv);
	if (da->hard)
		dmem_buf_hard_unpin(da->imp.buf);
	da->hard = false;
	da->pinned = false;
	if (dmem_dmabuf_quiet_locked(da))
		dmem_importer_ack(&da->imp);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_unpin);

/**
 * dmem_dmabuf_map() - DMA-map a mapping for the importer, from .map_dma_buf
 * @da: the attachment's state
 * @sgt: the exporter's table of the buffer's memory, not DMA-mapped
 * @dir: the direction
 *
 * Maps @sgt for the importing device (dma_map_sgtable() on the
 * attachment's device), as dma-buf requires of exporters, and counts the
 * mapping: a revoke waits for it to be unmapped.
 *
 * Context: the reservation lock held (asserted), may sleep.
 * Return: 0; -ENODEV once a revoke ended the attachment's pin; -EINVAL for
 * an importer with revoke_notify alone that did not pin first; the errors
 * of dma_map_sgtable().
 */
int dmem_dmabuf_map(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		    enum dma_data_direction dir)
{
	const struct dma_buf_attach_ops *ops = da->attach->importer_ops;
	int ret;

	dma_resv_assert_held(da->dd->resv);
	if (da->revoked)
		return -ENODEV;
	/* Nobody could tell an importer with neither a pin nor move_notify. */
	if (ops && !ops->move_notify && !da->pinned)
		return -EINVAL;
	ret = dma_map_sgtable(da->attach->dev, sgt, dir, 0);
	if (ret)
		return ret;
	da->maps++;
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_map);

/**
 * dmem_dmabuf_unmap() - undo dmem_dmabuf_map(), from .unmap_dma_buf
 * @da: the attachment's state
 * @sgt: the table mapped by dmem_dmabuf_map()
 * @dir: its direction
 *
 * The last unmap of a pinned attachment acknowledges a revoke waiting for
 * it: the importer's device can no longer reach the memory.
 *
 * Context: the reservation lock held (asserted), may sleep.
 */
void dmem_dmabuf_unmap(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	dma_resv_assert_held(da->dd->resv);
	dma_unmap_sgtable(da->attach->dev, sgt, dir, 0);
	if (!WARN_ON(!da->maps) && !--da->maps)
		dmem_importer_ack(&da->imp);
}
EXPORT_SYMBOL_GPL(dmem_dmabuf_unmap);

MODULE_IMPORT_NS(DMA_BUF);
