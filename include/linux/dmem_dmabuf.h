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
 * Locking: the fields marked (resv) are protected by the dma-buf's
 * reservation lock, which dma-buf holds around pin, unpin, map and unmap.
 */
#ifndef _LINUX_DMEM_DMABUF_H
#define _LINUX_DMEM_DMABUF_H

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/dmem_evict.h>
#include <linux/workqueue.h>

/**
 * struct dmem_dmabuf - the exporter's revoke state of one buffer
 * @fences: the buffer's fences, awaited by every revoke as one importer
 * @resv: the reservation object of the buffer's dma-buf
 * @work: looks for an unsignalled fence when the resv was busy
 * @cb: the callback on @fence
 * @fence: the fence a revoke waits for, or NULL (resv)
 * @dying: being torn down, wait for nothing more (resv)
 */
struct dmem_dmabuf {
	struct dmem_importer fences;
	struct dma_resv *resv;
	struct work_struct work;
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	bool dying;
};

/**
 * struct dmem_dmabuf_attach - the exporter's revoke state of one attachment
 * @imp: the manager's importer, from attach to detach
 * @dd: the buffer's state
 * @attach: the attachment
 * @work: notifies the importer when the resv was busy
 * @maps: mappings not unmapped yet (resv)
 * @pinned: pinned through dma-buf (resv)
 * @hard: pinned without revoke_notify: counted by dmem_buf_hard_pin() (resv)
 * @revoked: a revoke ended the pin; maps fail with -ENODEV (resv)
 */
struct dmem_dmabuf_attach {
	struct dmem_importer imp;
	struct dmem_dmabuf *dd;
	struct dma_buf_attachment *attach;
	struct work_struct work;
	unsigned int maps;
	bool pinned;
	bool hard;
	bool revoked;
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
