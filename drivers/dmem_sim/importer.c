// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: simulated importing devices, the other side of dma-buf.
 *
 * They take part only through dma-buf's ops, and import any dma-buf:
 * dmem_sim's own, udmabuf's, a GPU's. Their mappings are DMA-mapped for
 * sim_device by the exporter.
 *
 * A pinned importer behaves like an RDMA NIC without on-demand paging.
 * A revocable one (DMEM_SIM_IMPORT_PINNED) attaches with revoke_notify,
 * pins with dma_buf_pin() and maps. When the exporter revokes the pin,
 * dma-buf calls its revoke_notify with the reservation held: it queues
 * DMEM_SIM_EVENT_IMPORTER_REVOKED on the importer's file and, per its mode,
 * at once, after a delay (delayed work) or when userspace says so
 * (IMPORTER_ACK, which may be never), stops its "DMA" and unmaps: the
 * unmap is the acknowledgment. A hard one (DMEM_SIM_IMPORT_PINNED_HARD)
 * attaches as 6.12's pinned RDMA importer does (ib_umem_dmabuf_get_pinned()):
 * with peer2peer allowed, a move_notify that cannot be honoured and no
 * revoke_notify, then pins and maps; it lets go only when detached.
 *
 * Their mappings may have no struct pages (a GPU's BAR): IMPORTER_READ
 * then reads through the exporter's dma_buf_vmap(), while mapped.
 *
 * A dynamic importer attaches with move_notify: on a move it drops its
 * mapping (under the reservation lock, as move_notify is called) and
 * queues DMEM_SIM_EVENT_IMPORTER_MOVED; its next use maps it again (for a
 * dmem_sim buffer, after making it resident).
 *
 * An importer belongs to the file that created it, whatever file the
 * dma-buf came from (fd passing), until IMPORTER_DETACH or close. It is
 * referenced by its file's importers xarray and by each ioctl using it;
 * the last reference detaches and frees it. No lock of the file is held
 * while an ioctl uses an importer: a use or an import may wait for a
 * parked revoke, which only an IMPORTER_ACK (or detach) of another thread
 * of that file may end.
 */

#include <linux/dma-buf.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/slab.h>

#include "sim.h"

/* Tries of a dynamic importer to map a buffer evicted again meanwhile. */
#define SIM_MAP_TRIES	8

/**
 * struct sim_importer - a simulated importing device
 * @ref: references, see the top of this file
 * @id: id in @file
 * @file: the file that created it
 * @dmabuf: the dma-buf (referenced)
 * @buf: its dmem_sim buffer (valid while @dmabuf is), or NULL for another
 *	exporter's dma-buf
 * @attach: the attachment
 * @sgt: the mapping, or NULL (the reservation lock)
 * @dma_pinned: pinned with dma_buf_pin() (the reservation lock)
 * @mode: DMEM_SIM_IMPORT_*
 * @ack: DMEM_SIM_ACK_*
 * @delay_ms: for DMEM_SIM_ACK_DELAYED
 * @ack_work: the delayed acknowledgment
 * @lock: protects the fields below
 * @detaching: no more delayed acknowledgments
 * @revoked: a pinned importer got a revoke notification
 * @ack_pending: a notification not acknowledged yet
 * @maps: counters reported by IMPORTER_USE
 * @moves: ditto
 * @notifies: ditto
 * @acks: ditto
 */
struct sim_importer {
	struct kref ref;
	u32 id;
	struct sim_file *file;
	struct dma_buf *dmabuf;
	struct sim_buf *buf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	bool dma_pinned;
	u32 mode;
	u32 ack;
	u32 delay_ms;
	struct delayed_work ack_work;
	spinlock_t lock;	/* flags and counters */
	bool detaching;
	bool revoked;
	bool ack_pending;
	u64 maps;
	u64 moves;
	u64 notifies;
	u64 acks;
};

static void sim_importer_post(struct sim_importer *imp, u32 type)
{
	struct sim_buf *buf = imp->buf;

	sim_event_post(imp->file, type, buf ? buf->handle : 0, imp->id,
		       imp->dmabuf->size, buf ? buf->region->name : "");
}

/* Unmap, if mapped: the device no longer reaches the memory. */
static void sim_importer_unmap_locked(struct sim_importer *imp)
{
	dma_resv_assert_held(imp->dmabuf->resv);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt,
					 DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
}

/*
 * Acknowledge a pending notification: unmap. A detaching importer does it
 * silently.
 */
static void sim_importer_ack_locked(struct sim_importer *imp, bool detaching)
{
	bool pending;

	dma_resv_assert_held(imp->dmabuf->resv);
	spin_lock(&imp->lock);
	pending = imp->ack_pending;
	imp->ack_pending = false;
	if (pending && !detaching)
		imp->acks++;
	spin_unlock(&imp->lock);
	if (!pending)
		return;
	/* The event first: the unmap may let the revoke finish at once. */
	if (!detaching)
		sim_importer_post(imp, DMEM_SIM_EVENT_IMPORTER_ACKED);
	sim_importer_unmap_locked(imp);
}

/* Context: process context; takes the reservation lock. */
static int sim_importer_do_ack(struct sim_importer *imp)
{
	int ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);

	if (ret)
		return ret;
	sim_importer_ack_locked(imp, false);
	dma_resv_unlock(imp->dmabuf->resv);
	return 0;
}

static void sim_importer_ack_workfn(struct work_struct *work)
{
	struct sim_importer *imp = container_of(to_delayed_work(work),
						struct sim_importer, ack_work);

	dma_resv_lock(imp->dmabuf->resv, NULL);
	sim_importer_ack_locked(imp, false);
	dma_resv_unlock(imp->dmabuf->resv);
}

/* dma-buf's revoke_notify of a pinned importer, under the reservation. */
static void sim_importer_revoke_notify(struct dma_buf_attachment *attach)
{
	struct sim_importer *imp = attach->importer_priv;
	bool detaching;

	dma_resv_assert_held(attach->dmabuf->resv);
	spin_lock(&imp->lock);
	imp->revoked = true;
	imp->ack_pending = true;
	imp->notifies++;
	detaching = imp->detaching;
	spin_unlock(&imp->lock);

	sim_importer_post(imp, DMEM_SIM_EVENT_IMPORTER_REVOKED);
	if (detaching) {
		sim_importer_ack_locked(imp, true);
	} else if (imp->ack == DMEM_SIM_ACK_PROMPT) {
		sim_importer_ack_locked(imp, false);
	} else if (imp->ack == DMEM_SIM_ACK_DELAYED) {
		/*
		 * Under the lock: sim_importer_destroy() cancels for good. One
		 * jiffy more, since the current one may be nearly over: the
		 * acknowledgment comes at least delay_ms later, as promised.
		 */
		spin_lock(&imp->lock);
		if (!imp->detaching)
			schedule_delayed_work(&imp->ack_work,
					      msecs_to_jiffies(imp->delay_ms) + 1);
		spin_unlock(&imp->lock);
	}
}

static const struct dma_buf_attach_ops sim_importer_pinned_ops = {
	.allow_peer2peer = true,
	.revoke_notify = sim_importer_revoke_notify,
};

/*
 * A hard-pinned importer is never moved: nothing to do if an exporter
 * says otherwise (dma_buf_move_notify() of a device-level revoke); the
 * revoke waits for its detach.
 */
static void sim_importer_hard_move_notify(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops sim_importer_hard_ops = {
	.allow_peer2peer = true,
	.move_notify = sim_importer_hard_move_notify,
};

static void sim_importer_move_notify(struct dma_buf_attachment *attach)
{
	struct sim_importer *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (imp->sgt) {
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
	}
	spin_lock(&imp->lock);
	imp->moves++;
	spin_unlock(&imp->lock);
	sim_importer_post(imp, DMEM_SIM_EVENT_IMPORTER_MOVED);
}

static const struct dma_buf_attach_ops sim_importer_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = sim_importer_move_notify,
};

/* A dynamic importer's use: map the buffer if the mapping was moved. */
static int sim_importer_map(struct sim_importer *imp)
{
	struct sg_table *sgt;
	int ret = -EAGAIN, tries;

	for (tries = 0; tries < SIM_MAP_TRIES && ret == -EAGAIN; tries++) {
		/* Without the reservation: this may evict other buffers. */
		ret = imp->buf ? sim_buf_make_resident(imp->buf) : 0;
		if (ret)
			break;
		ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);
		if (ret)
			break;
		if (!imp->sgt) {
			sgt = dma_buf_map_attachment(imp->attach,
						     DMA_BIDIRECTIONAL);
			if (IS_ERR(sgt)) {
				ret = PTR_ERR(sgt);
			} else {
				imp->sgt = sgt;
				spin_lock(&imp->lock);
				imp->maps++;
				spin_unlock(&imp->lock);
			}
		}
		dma_resv_unlock(imp->dmabuf->resv);
	}
	return ret;
}

static void sim_importer_free(struct sim_importer *imp)
{
	dma_buf_put(imp->dmabuf);
	kfree(imp);
}

/* Check the argument of IMPORT; 0 or -EINVAL. */
static int sim_importer_check(const struct dmem_sim_import *arg)
{
	if (arg->flags)
		return -EINVAL;
	if (arg->mode == DMEM_SIM_IMPORT_PINNED) {
		if (arg->ack > DMEM_SIM_ACK_MANUAL)
			return -EINVAL;
		if (arg->ack == DMEM_SIM_ACK_DELAYED ?
		    !arg->delay_ms || arg->delay_ms > DMEM_SIM_ACK_DELAY_MAX :
		    arg->delay_ms)
			return -EINVAL;
		return 0;
	}
	if (arg->mode == DMEM_SIM_IMPORT_DYNAMIC ||
	    arg->mode == DMEM_SIM_IMPORT_PINNED_HARD)
		return arg->ack || arg->delay_ms ? -EINVAL : 0;
	return -EINVAL;
}

/* A pinned importer pins and maps, as an RDMA NIC registers. */
static int sim_importer_pin_map(struct sim_importer *imp)
{
	struct sg_table *sgt;
	int ret;

	ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);
	if (ret)
		return ret;
	ret = dma_buf_pin(imp->attach);
	if (!ret) {
		imp->dma_pinned = true;
		sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			ret = PTR_ERR(sgt);
		else
			imp->sgt = sgt;
	}
	dma_resv_unlock(imp->dmabuf->resv);
	return ret;
}

/* Attach (and map) in @imp->mode; 0 or an errno, the attachment set up. */
static int sim_importer_attach(struct sim_importer *imp)
{
	const struct dma_buf_attach_ops *ops = &sim_importer_attach_ops;
	int ret;

	if (imp->mode == DMEM_SIM_IMPORT_PINNED)
		ops = &sim_importer_pinned_ops;
	else if (imp->mode == DMEM_SIM_IMPORT_PINNED_HARD)
		ops = &sim_importer_hard_ops;
	imp->attach = dma_buf_dynamic_attach(imp->dmabuf, sim_device, ops, imp);
	if (IS_ERR(imp->attach))
		return PTR_ERR(imp->attach);
	if (imp->mode == DMEM_SIM_IMPORT_DYNAMIC)
		return sim_importer_map(imp);
	ret = sim_importer_pin_map(imp);
	if (!ret)
		imp->maps = 1;
	return ret;
}

/**
 * sim_importer_create() - IMPORT: attach (and map) a new importer
 * @file: the importing file
 * @arg: the argument; @arg->id is set on success
 *
 * The importer's id is reserved in @file, but nobody finds the importer
 * before sim_importer_publish(); sim_importer_abort() undoes the import.
 *
 * Return: the importer; ERR_PTR(-EBADF), -EINVAL, -ENOMEM, -ENODEV, the
 * errors of pinning (pinned) or of making the buffer resident (dynamic).
 */
struct sim_importer *sim_importer_create(struct sim_file *file,
					 struct dmem_sim_import *arg)
{
	struct xa_limit limit = XA_LIMIT(1, INT_MAX);
	struct sim_importer *imp;
	struct dma_buf *dmabuf;
	int ret;

	ret = sim_importer_check(arg);
	if (ret)
		return ERR_PTR(ret);
	dmabuf = dma_buf_get(arg->fd);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);

	imp = kzalloc(sizeof(*imp), GFP_KERNEL_ACCOUNT);
	if (!imp) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&imp->ref);
	imp->file = file;
	imp->dmabuf = dmabuf;
	/* Only to name the buffer in events, and to make it resident. */
	imp->buf = sim_is_dmabuf(dmabuf) ? sim_dmabuf_buf(dmabuf) : NULL;
	imp->mode = arg->mode;
	imp->ack = arg->ack;
	imp->delay_ms = arg->delay_ms;
	spin_lock_init(&imp->lock);
	INIT_DELAYED_WORK(&imp->ack_work, sim_importer_ack_workfn);

	/*
	 * The id first: events of the attachment name it. Reserved (NULL)
	 * until the importer is ready: nobody else finds it meanwhile.
	 */
	ret = xa_alloc(&file->importers, &imp->id, NULL, limit,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		sim_importer_free(imp);
		return ERR_PTR(ret);
	}
	ret = sim_importer_attach(imp);
	if (IS_ERR(imp->attach)) {
		xa_erase(&file->importers, imp->id);
		sim_importer_free(imp);
		return ERR_PTR(ret);
	}
	if (ret) {
		sim_importer_abort(file, imp);
		return ERR_PTR(ret);
	}
	arg->id = imp->id;
	return imp;
}

/**
 * sim_importer_publish() - make a new importer known by its id
 * @file: its file
 * @imp: the importer, from sim_importer_create()
 *
 * Return: 0; on error the import is undone.
 */
int sim_importer_publish(struct sim_file *file, struct sim_importer *imp)
{
	/* Storing over the reservation allocates nothing. */
	int ret = xa_err(xa_store(&file->importers, imp->id, imp, GFP_KERNEL));

	if (ret)
		sim_importer_abort(file, imp);
	return ret;
}

/**
 * sim_importer_abort() - undo sim_importer_create()
 * @file: its file
 * @imp: the importer, not published
 */
void sim_importer_abort(struct sim_file *file, struct sim_importer *imp)
{
	u32 id = imp->id;

	sim_importer_destroy(imp);
	xa_erase(&file->importers, id);
}

static void sim_importer_release(struct kref *ref)
{
	sim_importer_destroy(container_of(ref, struct sim_importer, ref));
}

/* Context: process context (the last put detaches, which sleeps). */
static void sim_importer_put(struct sim_importer *imp)
{
	kref_put(&imp->ref, sim_importer_release);
}

/* Look an importer up and take a reference. */
static struct sim_importer *sim_importer_get(struct sim_file *file, u32 id)
{
	struct sim_importer *imp;

	xa_lock(&file->importers);
	imp = xa_load(&file->importers, id);
	if (imp)
		kref_get(&imp->ref);
	xa_unlock(&file->importers);
	return imp ? imp : ERR_PTR(-ENOENT);
}

/**
 * sim_importer_ack() - IMPORTER_ACK
 * @file: the file
 * @id: the importer
 *
 * Return: 0; -ENOENT; -EINVAL for an importer that is not revocable;
 * -EINTR.
 */
int sim_importer_ack(struct sim_file *file, u32 id)
{
	struct sim_importer *imp = sim_importer_get(file, id);
	int ret = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);
	if (imp->mode != DMEM_SIM_IMPORT_PINNED)
		ret = -EINVAL;
	else
		ret = sim_importer_do_ack(imp);
	sim_importer_put(imp);
	return ret;
}

/**
 * sim_importer_use() - IMPORTER_USE
 * @file: the file
 * @info: in: the id; out: the state and counters
 *
 * Return: 0; -ENOENT; -ENODEV for a revoked pinned importer; the errors of
 * making the buffer resident for a dynamic one.
 */
int sim_importer_use(struct sim_file *file, struct dmem_sim_importer_info *info)
{
	struct sim_importer *imp = sim_importer_get(file, info->id);
	bool mapped;
	int ret = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);

	if (imp->mode == DMEM_SIM_IMPORT_DYNAMIC)
		ret = sim_importer_map(imp);

	dma_resv_lock(imp->dmabuf->resv, NULL);
	mapped = !!imp->sgt;
	dma_resv_unlock(imp->dmabuf->resv);

	spin_lock(&imp->lock);
	info->mode = imp->mode;
	if (imp->mode != DMEM_SIM_IMPORT_DYNAMIC)
		info->state = imp->revoked ? DMEM_SIM_IMPORTER_REVOKED :
			      DMEM_SIM_IMPORTER_MAPPED;
	else
		info->state = mapped ? DMEM_SIM_IMPORTER_MAPPED :
			      DMEM_SIM_IMPORTER_UNMAPPED;
	info->size = imp->dmabuf->size;
	info->maps = imp->maps;
	info->move_notifies = imp->moves;
	info->revoke_notifies = imp->notifies;
	info->acks = imp->acks;
	if (imp->mode != DMEM_SIM_IMPORT_DYNAMIC && imp->revoked)
		ret = -ENODEV;
	spin_unlock(&imp->lock);
	sim_importer_put(imp);
	return ret;
}

/**
 * sim_importer_destroy() - unmap, detach and free an importer
 * @imp: the importer, out of its file's xarray (or never in it), with no
 *	reference left (or, from IMPORT, never handed out)
 *
 * The delayed acknowledgment is cancelled first and cannot be queued
 * again. Then, under the reservation, a pending revoke is acknowledged by
 * the unmap, and the pin goes. From then on a revoke notification is
 * acknowledged at once. A pin of the buffer that holds the reservation
 * does not wait for the buffer's revoke (see dmem_dmabuf_pin()), so this
 * does not wait for it either.
 */
void sim_importer_destroy(struct sim_importer *imp)
{
	spin_lock(&imp->lock);
	imp->detaching = true;
	spin_unlock(&imp->lock);
	cancel_delayed_work_sync(&imp->ack_work);

	if (!IS_ERR_OR_NULL(imp->attach)) {
		dma_resv_lock(imp->dmabuf->resv, NULL);
		sim_importer_ack_locked(imp, true);
		sim_importer_unmap_locked(imp);
		if (imp->dma_pinned)
			dma_buf_unpin(imp->attach);
		imp->dma_pinned = false;
		dma_resv_unlock(imp->dmabuf->resv);
		dma_buf_detach(imp->dmabuf, imp->attach);
	}
	sim_importer_free(imp);
}

/**
 * sim_importer_detach() - IMPORTER_DETACH, and close
 * @file: the file
 * @id: the importer
 *
 * Takes the importer out of the file; it is detached at once, or by the
 * ioctl still using it once that returns.
 *
 * Return: 0; -ENOENT.
 */
int sim_importer_detach(struct sim_file *file, u32 id)
{
	struct sim_importer *imp = xa_erase(&file->importers, id);

	if (!imp)
		return -ENOENT;
	sim_importer_put(imp);
	return 0;
}

/* Bytes IMPORTER_READ copies under one hold of the reservation. */
#define SIM_READ_CHUNK	(16 * PAGE_SIZE)

/* Copy @len bytes at @pos out of @sgt's pages; the reservation held. */
static void sim_importer_read_pages(struct sg_table *sgt, u64 pos,
				    size_t len, void *bounce)
{
	struct sg_page_iter iter;
	size_t n, done = 0;

	for_each_sgtable_page(sgt, &iter, pos >> PAGE_SHIFT) {
		n = min_t(size_t, len - done,
			  PAGE_SIZE - offset_in_page(pos + done));
		memcpy_from_page(bounce + done, sg_page_iter_page(&iter),
				 offset_in_page(pos + done), n);
		done += n;
		if (done == len)
			break;
	}
}

/*
 * Copy @len bytes at @pos through the exporter's kernel mapping, for a
 * mapping without struct pages (device memory); the reservation held.
 */
static int sim_importer_read_vmap(struct dma_buf *dmabuf, u64 pos,
				  size_t len, void *bounce)
{
	struct iosys_map map;
	int ret;

	ret = dma_buf_vmap(dmabuf, &map);
	if (ret)
		return ret;
	iosys_map_memcpy_from(bounce, &map, pos, len);
	dma_buf_vunmap(dmabuf, &map);
	return 0;
}

/*
 * Copy up to SIM_READ_CHUNK bytes at @pos out of what the importer's
 * mapping reaches into @bounce, under the reservation (the mapping is
 * stable under it). Return the bytes copied, -ENODEV when not mapped,
 * -EAGAIN when a move took the mapping, the errors of dma_buf_vmap().
 */
static long sim_importer_read_chunk(struct sim_importer *imp, u64 pos,
				    size_t len, void *bounce)
{
	struct sg_table *sgt;
	long ret;

	ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);
	if (ret)
		return ret;
	sgt = imp->sgt;
	len = min_t(size_t, len, SIM_READ_CHUNK);
	if (!sgt)
		ret = imp->mode == DMEM_SIM_IMPORT_DYNAMIC ? -EAGAIN : -ENODEV;
	else if (sg_page(sgt->sgl))
		sim_importer_read_pages(sgt, pos, len, bounce);
	else
		ret = sim_importer_read_vmap(imp->dmabuf, pos, len, bounce);
	dma_resv_unlock(imp->dmabuf->resv);
	return ret ? ret : len;
}

/**
 * sim_importer_read() - IMPORTER_READ: read through the importer's mapping
 * @file: the file
 * @rw: the argument, @rw->handle the importer's id; flags checked
 *
 * What the importer's device would read: the memory it still maps, which
 * nobody may reuse before it unmaps.
 *
 * Return: 0; -ENOENT; -EINVAL (range); -ENODEV (not mapped); -EAGAIN (a
 * dynamic importer's mapping moved); the errors of dma_buf_vmap();
 * -EFAULT; -ENOMEM; -EINTR.
 */
int sim_importer_read(struct sim_file *file, const struct dmem_sim_rw *rw)
{
	struct sim_importer *imp = sim_importer_get(file, rw->handle);
	u64 pos = rw->offset, end;
	void *bounce;
	long n = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);
	if (!rw->len || check_add_overflow(rw->offset, rw->len, &end) ||
	    end > imp->dmabuf->size) {
		n = -EINVAL;
		goto put;
	}
	bounce = kmalloc(SIM_READ_CHUNK, GFP_KERNEL);
	if (!bounce) {
		n = -ENOMEM;
		goto put;
	}
	for (; pos < end; pos += n) {
		n = sim_importer_read_chunk(imp, pos, end - pos, bounce);
		if (n < 0)
			break;
		if (copy_to_user(u64_to_user_ptr(rw->ptr + (pos - rw->offset)),
				 bounce, n)) {
			n = -EFAULT;
			break;
		}
	}
	kfree(bounce);
put:
	sim_importer_put(imp);
	return n < 0 ? n : 0;
}
