/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exporter's side of a revoke through dma-buf, for drivers whose
 * buffers are managed by the dmem eviction manager (linux/dmem_evict.h).
 *
 * The exporter embeds a struct dmem_dmabuf in each buffer object and a
 * struct dmem_dmabuf_attach in each of its attachments, and calls the
 * helpers below from its dma_buf_ops. Then a revoke of the buffer by the
 * manager:
 *  - waits for the buffer's fences (its dma_resv, every usage);
 *  - tells every pinned importer that opted in at attach time
 *    (&dma_buf_attach_ops.revoke_notify) through dma_buf_revoke_notify(),
 *    and waits for it to unmap: the unmap is its acknowledgment;
 *  - waits for a pinned importer that did not opt in until it unmaps or
 *    detaches; such an importer makes the buffer a hard pin, which the
 *    policy never revokes (only the owner's or the device's revoke does);
 *  - leaves dynamic importers to the exporter's evict op, which calls
 *    dma_buf_move_notify() as before.
 * All of it is bounded by the region's revoke timeout, after which the
 * revoke is parked: the memory is reused only once the last importer
 * unmaps or detaches. docs/driver-api.md states the whole contract.
 *
 * The attachment's states and transitions are the exporter helper's
 * (linux/dmem_export.h), which TTM's PRIME export shares; this layer makes
 * the buffer's pinned attachments and its fences one importer of the
 * manager, notified under one hold of the reservation.
 *
 * Locking: as linux/dmem_export.h: pin, unpin, map and unmap run under the
 * dma-buf's reservation lock (asserted), which is the buffer's.
 */
#ifndef _LINUX_DMEM_DMABUF_H
#define _LINUX_DMEM_DMABUF_H

#include <linux/dmem_evict.h>
#include <linux/dmem_export.h>

/**
 * struct dmem_dmabuf - the exporter's revoke state of one buffer
 * @imp: the buffer's importer of the manager: its pinned attachments and
 *	its fences, notified and acknowledged as one
 * @wait: the wait for the fences
 * @pinned: the pinned attachments (dmem_dmabuf_attach::node) (resv)
 * @work: notifies under the reservation when it was busy
 * @nr_revoking: attachments whose revoke is not acknowledged yet (resv)
 * @fences_pending: the fences have not all signalled yet (resv)
 * @awaited: a revoke's notification ran and waits for the above (resv)
 */
struct dmem_dmabuf {
	struct dmem_importer imp;
	struct dmem_export_fences wait;
	struct list_head pinned;
	struct work_struct work;
	unsigned int nr_revoking;
	bool fences_pending;
	bool awaited;
};

/**
 * struct dmem_dmabuf_attach - the exporter's revoke state of one attachment
 * @ea: the attachment's state (linux/dmem_export.h)
 * @dd: the buffer's state
 * @node: entry in @dd's pinned attachments while pinned (resv)
 */
struct dmem_dmabuf_attach {
	struct dmem_export_attach ea;
	struct dmem_dmabuf *dd;
	struct list_head node;
};

void dmem_dmabuf_init(struct dmem_dmabuf *dd, struct dmem_buf *buf,
		      struct dma_resv *resv);
void dmem_dmabuf_fini(struct dmem_dmabuf *dd);
void dmem_dmabuf_attach(struct dmem_dmabuf_attach *da, struct dmem_dmabuf *dd,
			struct dmem_buf *buf, struct dma_buf_attachment *attach);
void dmem_dmabuf_detach(struct dmem_dmabuf_attach *da);
int dmem_dmabuf_pin(struct dmem_dmabuf_attach *da);
void dmem_dmabuf_unpin(struct dmem_dmabuf_attach *da);
int dmem_dmabuf_map(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		    enum dma_data_direction dir);
void dmem_dmabuf_unmap(struct dmem_dmabuf_attach *da, struct sg_table *sgt,
		       enum dma_data_direction dir);

#endif /* _LINUX_DMEM_DMABUF_H */
