// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_nic: simulated importing devices, the other side of dma-buf.
 *
 * They take part only through dma-buf's ops and know nothing of the
 * exporter: they import dmem_sim's dma-bufs, udmabuf's, a GPU's PRIME
 * exports alike. Their mappings are DMA-mapped for nic_device by the
 * exporter, and whatever makes the memory usable again (bringing a buffer
 * back to device memory) is the exporter's map's job.
 *
 * A pinned importer behaves like an RDMA NIC without on-demand paging.
 * A revocable one (DMEM_NIC_IMPORT_PINNED) attaches with revoke_notify,
 * pins with dma_buf_pin() and maps. When the exporter revokes the pin,
 * dma-buf calls its revoke_notify with the reservation held: it queues
 * DMEM_NIC_EVENT_IMPORTER_REVOKED on the importer's file and, per its mode,
 * at once, after a delay (delayed work) or when userspace says so
 * (IMPORTER_ACK, which may be never), stops its "DMA" and unmaps: the
 * unmap is the acknowledgment. A hard one (DMEM_NIC_IMPORT_PINNED_HARD)
 * attaches as 6.12's pinned RDMA importer does (ib_umem_dmabuf_get_pinned()):
 * with peer2peer allowed, a move_notify that cannot be honoured and no
 * revoke_notify, then pins and maps; it lets go only when detached.
 *
 * Their mappings may have no struct pages (a GPU's BAR): IMPORTER_READ
 * then reads through the exporter's dma_buf_vmap(), while mapped.
 *
 * A dynamic importer attaches with move_notify: on a move it drops its
 * mapping (under the reservation lock, as move_notify is called) and
 * queues DMEM_NIC_EVENT_IMPORTER_MOVED; its next use maps it again.
 *
 * An importer belongs to the file that created it (see nic.h for its
 * references and the locks); the last reference detaches and frees it.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "nic.h"

/* Tries of a dynamic importer to map a buffer moved again meanwhile. */
#define NIC_MAP_TRIES	8

/**
 * struct nic_importer - a simulated importing device
 * @ref: references, see nic.h
 * @id: id in @file
 * @file: the file that created it
 * @dmabuf: the dma-buf (referenced)
 * @ino: its inode number, which names it in events
 * @attach: the attachment
 * @sgt: the mapping, or NULL (the reservation lock)
 * @dma_pinned: pinned with dma_buf_pin() (the reservation lock)
 * @mode: DMEM_NIC_IMPORT_*
 * @ack: DMEM_NIC_ACK_*
 * @delay_ms: for DMEM_NIC_ACK_DELAYED
 * @ack_work: the delayed acknowledgment
 * @lock: protects the fields below
 * @detaching: no more delayed acknowledgments
 * @revoked: a pinned importer got a revoke notification
 * @ack_pending: a notification not acknowledged yet
 * @notified_at: CLOCK_MONOTONIC time of the last revoke notification
 * @maps: counters reported by IMPORTER_USE
 * @moves: ditto
 * @notifies: ditto
 * @acks: ditto
 */
struct nic_importer {
	struct kref ref;
	u32 id;
	struct nic_file *file;
	struct dma_buf *dmabuf;
	u64 ino;
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
	ktime_t notified_at;
	u64 maps;
	u64 moves;
	u64 notifies;
	u64 acks;
};

static void nic_importer_post(struct nic_importer *imp, u32 type)
{
	struct dmem_nic_event rec = {
		.type = type,
		.importer = imp->id,
		.size = imp->dmabuf->size,
		.ino = imp->ino,
	};

	dmem_evq_post(&imp->file->events, &rec);
}

/* Unmap, if mapped: the device no longer reaches the memory. */
static void nic_importer_unmap_locked(struct nic_importer *imp)
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
static void nic_importer_ack_locked(struct nic_importer *imp, bool detaching)
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
		nic_importer_post(imp, DMEM_NIC_EVENT_IMPORTER_ACKED);
	nic_importer_unmap_locked(imp);
}

/* Context: process context; takes the reservation lock. */
static int nic_importer_do_ack(struct nic_importer *imp)
{
	int ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);

	if (ret)
		return ret;
	nic_importer_ack_locked(imp, false);
	dma_resv_unlock(imp->dmabuf->resv);
	return 0;
}

/*
 * The delayed acknowledgment. Jiffies and CLOCK_MONOTONIC may disagree (an
 * emulated machine's catch-up ticks): the work comes back until delay_ms
 * passed by the clock that userspace and the trace events read.
 */
static void nic_importer_ack_workfn(struct work_struct *work)
{
	struct nic_importer *imp = container_of(to_delayed_work(work),
						struct nic_importer, ack_work);
	s64 left;

	spin_lock(&imp->lock);
	left = imp->delay_ms - ktime_ms_delta(ktime_get(), imp->notified_at);
	if (left > 0 && !imp->detaching) {
		schedule_delayed_work(&imp->ack_work, msecs_to_jiffies(left) + 1);
		spin_unlock(&imp->lock);
		return;
	}
	spin_unlock(&imp->lock);

	dma_resv_lock(imp->dmabuf->resv, NULL);
	nic_importer_ack_locked(imp, false);
	dma_resv_unlock(imp->dmabuf->resv);
}

/* dma-buf's revoke_notify of a pinned importer, under the reservation. */
static void nic_importer_revoke_notify(struct dma_buf_attachment *attach)
{
	struct nic_importer *imp = attach->importer_priv;
	bool detaching;

	dma_resv_assert_held(attach->dmabuf->resv);
	spin_lock(&imp->lock);
	imp->revoked = true;
	imp->ack_pending = true;
	imp->notifies++;
	imp->notified_at = ktime_get();
	detaching = imp->detaching;
	spin_unlock(&imp->lock);

	nic_importer_post(imp, DMEM_NIC_EVENT_IMPORTER_REVOKED);
	if (detaching) {
		nic_importer_ack_locked(imp, true);
	} else if (imp->ack == DMEM_NIC_ACK_PROMPT) {
		nic_importer_ack_locked(imp, false);
	} else if (imp->ack == DMEM_NIC_ACK_DELAYED) {
		/*
		 * Under the lock: nic_importer_destroy() cancels for good. One
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

static const struct dma_buf_attach_ops nic_importer_pinned_ops = {
	.allow_peer2peer = true,
	.revoke_notify = nic_importer_revoke_notify,
};

/*
 * A hard-pinned importer is never moved: nothing to do if an exporter
 * says otherwise (dma_buf_move_notify() of a device-level revoke); the
 * revoke waits for its detach.
 */
static void nic_importer_hard_move_notify(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops nic_importer_hard_ops = {
	.allow_peer2peer = true,
	.move_notify = nic_importer_hard_move_notify,
};

static void nic_importer_move_notify(struct dma_buf_attachment *attach)
{
	struct nic_importer *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (imp->sgt) {
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
	}
	spin_lock(&imp->lock);
	imp->moves++;
	spin_unlock(&imp->lock);
	nic_importer_post(imp, DMEM_NIC_EVENT_IMPORTER_MOVED);
}

static const struct dma_buf_attach_ops nic_importer_attach_ops = {
	.allow_peer2peer = true,
	.move_notify = nic_importer_move_notify,
};

/* A dynamic importer's use: map the buffer if the mapping was moved. */
static int nic_importer_map(struct nic_importer *imp)
{
	struct sg_table *sgt;
	int ret = -EAGAIN, tries;

	for (tries = 0; tries < NIC_MAP_TRIES && ret == -EAGAIN; tries++) {
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

static void nic_importer_destroy(struct nic_importer *imp);

static void nic_importer_free(struct nic_importer *imp)
{
	dma_buf_put(imp->dmabuf);
	kfree(imp);
}

/* Check the argument of IMPORT; 0 or -EINVAL. */
static int nic_importer_check(const struct dmem_nic_import *arg)
{
	if (arg->flags)
		return -EINVAL;
	if (arg->mode == DMEM_NIC_IMPORT_PINNED) {
		if (arg->ack > DMEM_NIC_ACK_MANUAL)
			return -EINVAL;
		if (arg->ack == DMEM_NIC_ACK_DELAYED ?
		    !arg->delay_ms || arg->delay_ms > DMEM_NIC_ACK_DELAY_MAX :
		    arg->delay_ms)
			return -EINVAL;
		return 0;
	}
	if (arg->mode == DMEM_NIC_IMPORT_DYNAMIC ||
	    arg->mode == DMEM_NIC_IMPORT_PINNED_HARD)
		return arg->ack || arg->delay_ms ? -EINVAL : 0;
	return -EINVAL;
}

/* A pinned importer pins and maps, as an RDMA NIC registers. */
static int nic_importer_pin_map(struct nic_importer *imp)
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
static int nic_importer_attach(struct nic_importer *imp)
{
	const struct dma_buf_attach_ops *ops = &nic_importer_attach_ops;
	int ret;

	if (imp->mode == DMEM_NIC_IMPORT_PINNED)
		ops = &nic_importer_pinned_ops;
	else if (imp->mode == DMEM_NIC_IMPORT_PINNED_HARD)
		ops = &nic_importer_hard_ops;
	imp->attach = dma_buf_dynamic_attach(imp->dmabuf, nic_device, ops, imp);
	if (IS_ERR(imp->attach))
		return PTR_ERR(imp->attach);
	if (imp->mode == DMEM_NIC_IMPORT_DYNAMIC)
		return nic_importer_map(imp);
	ret = nic_importer_pin_map(imp);
	if (!ret)
		imp->maps = 1;
	return ret;
}

/**
 * nic_importer_create() - IMPORT: attach (and map) a new importer
 * @file: the importing file
 * @arg: the argument; @arg->id is set on success
 *
 * The importer's id is reserved in @file, but nobody finds the importer
 * before nic_importer_publish(); nic_importer_abort() undoes the import.
 *
 * Return: the importer; ERR_PTR(-EBADF), -EINVAL, -ENOMEM, -ENODEV, the
 * errors of the exporter's attach, pin and map.
 */
struct nic_importer *nic_importer_create(struct nic_file *file,
					 struct dmem_nic_import *arg)
{
	struct xa_limit limit = XA_LIMIT(1, INT_MAX);
	struct nic_importer *imp;
	struct dma_buf *dmabuf;
	int ret;

	ret = nic_importer_check(arg);
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
	imp->ino = file_inode(dmabuf->file)->i_ino;
	imp->mode = arg->mode;
	imp->ack = arg->ack;
	imp->delay_ms = arg->delay_ms;
	spin_lock_init(&imp->lock);
	INIT_DELAYED_WORK(&imp->ack_work, nic_importer_ack_workfn);

	/*
	 * The id first: events of the attachment name it. Reserved (NULL)
	 * until the importer is ready: nobody else finds it meanwhile.
	 */
	ret = xa_alloc(&file->importers, &imp->id, NULL, limit,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		nic_importer_free(imp);
		return ERR_PTR(ret);
	}
	ret = nic_importer_attach(imp);
	if (IS_ERR(imp->attach)) {
		xa_erase(&file->importers, imp->id);
		nic_importer_free(imp);
		return ERR_PTR(ret);
	}
	if (ret) {
		nic_importer_abort(file, imp);
		return ERR_PTR(ret);
	}
	arg->id = imp->id;
	return imp;
}

/**
 * nic_importer_publish() - make a new importer known by its id
 * @file: its file
 * @imp: the importer, from nic_importer_create()
 *
 * Return: 0; on error the import is undone.
 */
int nic_importer_publish(struct nic_file *file, struct nic_importer *imp)
{
	/* Storing over the reservation allocates nothing. */
	int ret = xa_err(xa_store(&file->importers, imp->id, imp, GFP_KERNEL));

	if (ret)
		nic_importer_abort(file, imp);
	return ret;
}

/**
 * nic_importer_abort() - undo nic_importer_create()
 * @file: its file
 * @imp: the importer, not published
 */
void nic_importer_abort(struct nic_file *file, struct nic_importer *imp)
{
	u32 id = imp->id;

	nic_importer_destroy(imp);
	xa_erase(&file->importers, id);
}

static void nic_importer_release(struct kref *ref)
{
	nic_importer_destroy(container_of(ref, struct nic_importer, ref));
}

/* Context: process context (the last put detaches, which sleeps). */
static void nic_importer_put(struct nic_importer *imp)
{
	kref_put(&imp->ref, nic_importer_release);
}

/* Look an importer up and take a reference. */
static struct nic_importer *nic_importer_get(struct nic_file *file, u32 id)
{
	struct nic_importer *imp;

	xa_lock(&file->importers);
	imp = xa_load(&file->importers, id);
	if (imp)
		kref_get(&imp->ref);
	xa_unlock(&file->importers);
	return imp ? imp : ERR_PTR(-ENOENT);
}

/**
 * nic_importer_ack() - IMPORTER_ACK
 * @file: the file
 * @id: the importer
 *
 * Return: 0; -ENOENT; -EINVAL for an importer that is not revocable;
 * -EINTR.
 */
int nic_importer_ack(struct nic_file *file, u32 id)
{
	struct nic_importer *imp = nic_importer_get(file, id);
	int ret = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);
	if (imp->mode != DMEM_NIC_IMPORT_PINNED)
		ret = -EINVAL;
	else
		ret = nic_importer_do_ack(imp);
	nic_importer_put(imp);
	return ret;
}

/**
 * nic_importer_use() - IMPORTER_USE
 * @file: the file
 * @info: in: the id; out: the state and counters
 *
 * Return: 0; -ENOENT; -ENODEV for a revoked pinned importer; the errors of
 * the exporter's map for a dynamic one.
 */
int nic_importer_use(struct nic_file *file, struct dmem_nic_importer_info *info)
{
	struct nic_importer *imp = nic_importer_get(file, info->id);
	bool mapped;
	int ret = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);

	if (imp->mode == DMEM_NIC_IMPORT_DYNAMIC)
		ret = nic_importer_map(imp);

	dma_resv_lock(imp->dmabuf->resv, NULL);
	mapped = !!imp->sgt;
	dma_resv_unlock(imp->dmabuf->resv);

	spin_lock(&imp->lock);
	info->mode = imp->mode;
	if (imp->mode != DMEM_NIC_IMPORT_DYNAMIC)
		info->state = imp->revoked ? DMEM_NIC_IMPORTER_REVOKED :
			      DMEM_NIC_IMPORTER_MAPPED;
	else
		info->state = mapped ? DMEM_NIC_IMPORTER_MAPPED :
			      DMEM_NIC_IMPORTER_UNMAPPED;
	info->size = imp->dmabuf->size;
	info->maps = imp->maps;
	info->move_notifies = imp->moves;
	info->revoke_notifies = imp->notifies;
	info->acks = imp->acks;
	if (imp->mode != DMEM_NIC_IMPORT_DYNAMIC && imp->revoked)
		ret = -ENODEV;
	spin_unlock(&imp->lock);
	nic_importer_put(imp);
	return ret;
}

/**
 * nic_importer_destroy() - unmap, detach and free an importer
 * @imp: the importer, out of its file's xarray (or never in it), with no
 *	reference left (or, from IMPORT, never handed out)
 *
 * The delayed acknowledgment is cancelled first and cannot be queued
 * again. Then, under the reservation, a pending revoke is acknowledged by
 * the unmap, and the pin goes. From then on a revoke notification is
 * acknowledged at once. The exporter's ops, called with the reservation
 * held, must not wait for a revoke that waits for this importer's unmap
 * (docs/driver-api.md), so this does not wait for it either.
 */
static void nic_importer_destroy(struct nic_importer *imp)
{
	spin_lock(&imp->lock);
	imp->detaching = true;
	spin_unlock(&imp->lock);
	cancel_delayed_work_sync(&imp->ack_work);

	if (!IS_ERR_OR_NULL(imp->attach)) {
		dma_resv_lock(imp->dmabuf->resv, NULL);
		nic_importer_ack_locked(imp, true);
		nic_importer_unmap_locked(imp);
		if (imp->dma_pinned)
			dma_buf_unpin(imp->attach);
		imp->dma_pinned = false;
		dma_resv_unlock(imp->dmabuf->resv);
		dma_buf_detach(imp->dmabuf, imp->attach);
	}
	nic_importer_free(imp);
}

/**
 * nic_importer_detach() - IMPORTER_DETACH, and close
 * @file: the file
 * @id: the importer
 *
 * Takes the importer out of the file; it is detached at once, or by the
 * ioctl still using it once that returns.
 *
 * Return: 0; -ENOENT.
 */
int nic_importer_detach(struct nic_file *file, u32 id)
{
	struct nic_importer *imp = xa_erase(&file->importers, id);

	if (!imp)
		return -ENOENT;
	nic_importer_put(imp);
	return 0;
}

/* Bytes IMPORTER_READ copies under one hold of the reservation. */
#define NIC_READ_CHUNK	(16 * PAGE_SIZE)

/* Copy @len bytes at @pos out of @sgt's pages; the reservation held. */
static void nic_importer_read_pages(struct sg_table *sgt, u64 pos,
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
static int nic_importer_read_vmap(struct dma_buf *dmabuf, u64 pos,
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
 * Copy up to NIC_READ_CHUNK bytes at @pos out of what the importer's
 * mapping reaches into @bounce, under the reservation (the mapping is
 * stable under it). Return the bytes copied, -ENODEV when not mapped,
 * -EAGAIN when a move took the mapping, the errors of dma_buf_vmap().
 */
static long nic_importer_read_chunk(struct nic_importer *imp, u64 pos,
				    size_t len, void *bounce)
{
	struct sg_table *sgt;
	long ret;

	ret = dma_resv_lock_interruptible(imp->dmabuf->resv, NULL);
	if (ret)
		return ret;
	sgt = imp->sgt;
	len = min_t(size_t, len, NIC_READ_CHUNK);
	if (!sgt)
		ret = imp->mode == DMEM_NIC_IMPORT_DYNAMIC ? -EAGAIN : -ENODEV;
	else if (sg_page(sgt->sgl))
		nic_importer_read_pages(sgt, pos, len, bounce);
	else
		ret = nic_importer_read_vmap(imp->dmabuf, pos, len, bounce);
	dma_resv_unlock(imp->dmabuf->resv);
	return ret ? ret : len;
}

/**
 * nic_importer_read() - IMPORTER_READ: read through the importer's mapping
 * @file: the file
 * @rd: the argument; flags checked
 *
 * What the importer's device would read: the memory it still maps, which
 * nobody may reuse before it unmaps.
 *
 * Return: 0; -ENOENT; -EINVAL (range); -ENODEV (not mapped); -EAGAIN (a
 * dynamic importer's mapping moved); the errors of dma_buf_vmap();
 * -EFAULT; -ENOMEM; -EINTR.
 */
int nic_importer_read(struct nic_file *file, const struct dmem_nic_read *rd)
{
	struct nic_importer *imp = nic_importer_get(file, rd->id);
	u64 pos = rd->offset, end;
	void *bounce;
	long n = 0;

	if (IS_ERR(imp))
		return PTR_ERR(imp);
	if (!rd->len || check_add_overflow(rd->offset, rd->len, &end) ||
	    end > imp->dmabuf->size) {
		n = -EINVAL;
		goto put;
	}
	bounce = kmalloc(NIC_READ_CHUNK, GFP_KERNEL);
	if (!bounce) {
		n = -ENOMEM;
		goto put;
	}
	for (; pos < end; pos += n) {
		n = nic_importer_read_chunk(imp, pos, end - pos, bounce);
		if (n < 0)
			break;
		if (copy_to_user(u64_to_user_ptr(rd->ptr + (pos - rd->offset)),
				 bounce, n)) {
			n = -EFAULT;
			break;
		}
	}
	kfree(bounce);
put:
	nic_importer_put(imp);
	return n < 0 ? n : 0;
}
