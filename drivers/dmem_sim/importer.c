// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: simulated importing devices, the other side of dma-buf.
 *
 * A pinned importer behaves like an RDMA NIC without on-demand paging: it
 * attaches without move_notify, so dma-buf pins and maps the buffer for as
 * long as it is attached. When the buffer is revoked, its revoke handler
 * queues DMEM_SIM_EVENT_IMPORTER_REVOKED on the importer's file and
 * acknowledges per its mode: at once, after a delay (delayed work), or
 * when userspace says so (IMPORTER_ACK), which may be never.
 *
 * A dynamic importer attaches with move_notify: on a move it drops its
 * mapping (under the reservation lock, as move_notify is called) and
 * queues DMEM_SIM_EVENT_IMPORTER_MOVED; its next use makes the buffer
 * resident and maps it again.
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
 * @buf: its buffer (valid while @dmabuf is)
 * @attach: the attachment
 * @sgt: a dynamic importer's mapping, or NULL (the reservation lock)
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
	sim_event_post(imp->file, type, imp->buf->handle, imp->id,
		       imp->buf->size, imp->buf->region->name);
}

/* Acknowledge a pending notification; a detaching importer does silently. */
static void sim_importer_ack_pending(struct sim_importer *imp, bool detaching)
{
	bool pending;

	spin_lock(&imp->lock);
	pending = imp->ack_pending;
	imp->ack_pending = false;
	if (pending && !detaching)
		imp->acks++;
	spin_unlock(&imp->lock);
	if (!pending)
		return;
	/* The event first: the ack may let the revoke finish at once. */
	if (!detaching)
		sim_importer_post(imp, DMEM_SIM_EVENT_IMPORTER_ACKED);
	sim_attach_ack(imp->attach);
}

static void sim_importer_do_ack(struct sim_importer *imp)
{
	sim_importer_ack_pending(imp, false);
}

static void sim_importer_ack_workfn(struct work_struct *work)
{
	struct sim_importer *imp = container_of(to_delayed_work(work),
						struct sim_importer, ack_work);

	sim_importer_do_ack(imp);
}

/* The exporter's revoke handler of a pinned importer. */
static void sim_importer_revoked(void *data)
{
	struct sim_importer *imp = data;
	bool detaching;

	spin_lock(&imp->lock);
	imp->revoked = true;
	imp->ack_pending = true;
	imp->notifies++;
	detaching = imp->detaching;
	spin_unlock(&imp->lock);

	sim_importer_post(imp, DMEM_SIM_EVENT_IMPORTER_REVOKED);
	/* A detaching importer acknowledges at once: see the destroy. */
	if (detaching) {
		sim_importer_ack_pending(imp, true);
	} else if (imp->ack == DMEM_SIM_ACK_PROMPT) {
		sim_importer_do_ack(imp);
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
		ret = sim_buf_make_resident(imp->buf);
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

	if (arg->flags)
		return ERR_PTR(-EINVAL);
	if (arg->mode == DMEM_SIM_IMPORT_PINNED) {
		if (arg->ack > DMEM_SIM_ACK_MANUAL)
			return ERR_PTR(-EINVAL);
		if (arg->ack == DMEM_SIM_ACK_DELAYED ?
		    !arg->delay_ms || arg->delay_ms > DMEM_SIM_ACK_DELAY_MAX :
		    arg->delay_ms)
			return ERR_PTR(-EINVAL);
	} else if (arg->mode == DMEM_SIM_IMPORT_DYNAMIC) {
		if (arg->ack || arg->delay_ms)
			return ERR_PTR(-EINVAL);
	} else {
		return ERR_PTR(-EINVAL);
	}

	dmabuf = dma_buf_get(arg->fd);
	if (IS_ERR(dmabuf))
		return ERR_CAST(dmabuf);
	if (!sim_is_dmabuf(dmabuf)) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-EINVAL);
	}

	imp = kzalloc(sizeof(*imp), GFP_KERNEL_ACCOUNT);
	if (!imp) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&imp->ref);
	imp->file = file;
	imp->dmabuf = dmabuf;
	imp->buf = sim_dmabuf_buf(dmabuf);
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

	if (imp->mode == DMEM_SIM_IMPORT_PINNED) {
		/* dma-buf pins and maps a non-dynamic attachment here. */
		imp->attach = dma_buf_attach(dmabuf, sim_device);
		if (!IS_ERR(imp->attach)) {
			sim_attach_set_revoke_handler(imp->attach,
						      sim_importer_revoked, imp);
			imp->maps = 1;
		}
	} else {
		imp->attach = dma_buf_dynamic_attach(dmabuf, sim_device,
						     &sim_importer_attach_ops,
						     imp);
	}
	if (IS_ERR(imp->attach)) {
		ret = PTR_ERR(imp->attach);
		goto err_erase;
	}
	if (imp->mode == DMEM_SIM_IMPORT_DYNAMIC) {
		ret = sim_importer_map(imp);
		if (ret) {
			sim_importer_abort(file, imp);
			return ERR_PTR(ret);
		}
	}
	arg->id = imp->id;
	return imp;

err_erase:
	xa_erase(&file->importers, imp->id);
	sim_importer_free(imp);
	return ERR_PTR(ret);
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
 * Return: 0; -ENOENT; -EINVAL for a dynamic importer.
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
		sim_importer_do_ack(imp);
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
	if (imp->mode == DMEM_SIM_IMPORT_PINNED)
		info->state = imp->revoked ? DMEM_SIM_IMPORTER_REVOKED :
			      DMEM_SIM_IMPORTER_MAPPED;
	else
		info->state = mapped ? DMEM_SIM_IMPORTER_MAPPED :
			      DMEM_SIM_IMPORTER_UNMAPPED;
	info->size = imp->buf->size;
	info->maps = imp->maps;
	info->move_notifies = imp->moves;
	info->revoke_notifies = imp->notifies;
	info->acks = imp->acks;
	if (imp->mode == DMEM_SIM_IMPORT_PINNED && imp->revoked)
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
 * again. A pending revoke is acknowledged before dma_buf_detach(), which
 * takes the reservation: a pin of the buffer may hold it while waiting
 * for that very revoke (a parked one) to finish. From then on a revoke
 * notification is acknowledged at once; dma_buf_detach() waits for one in
 * progress.
 */
void sim_importer_destroy(struct sim_importer *imp)
{
	spin_lock(&imp->lock);
	imp->detaching = true;
	spin_unlock(&imp->lock);
	cancel_delayed_work_sync(&imp->ack_work);
	sim_importer_ack_pending(imp, true);

	if (imp->sgt) {
		dma_resv_lock(imp->dmabuf->resv, NULL);
		if (imp->sgt)
			dma_buf_unmap_attachment(imp->attach, imp->sgt,
						 DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
		dma_resv_unlock(imp->dmabuf->resv);
	}
	dma_buf_detach(imp->dmabuf, imp->attach);
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
