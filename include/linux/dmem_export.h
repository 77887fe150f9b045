/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exporter's side of a revocable dma-buf attachment, for any buffer
 * manager: the state of one attachment and its transitions (pin, unpin,
 * map, unmap, revoke, acknowledgment), the DMA mapping of its tables for
 * the importing device, and the wait for a buffer's fences.
 *
 * A dynamic exporter embeds a struct dmem_export_attach in each of its
 * attachments and calls the helpers from its dma_buf_ops; the buffer's
 * manager says, through struct dmem_export_ops, how a pin is held and what
 * an acknowledged revoke does. Two managers use it: the dmem eviction
 * manager (linux/dmem_dmabuf.h, kernel/evict/dmabuf.c) and TTM's PRIME
 * export (kernel/ttm/ttm_dmem_prime.c). A revoke of an attachment:
 *  - ends a pinned attachment's right to map (later pins and maps fail
 *    with -ENODEV), and tells a pinned importer that opted in at attach
 *    time (&dma_buf_attach_ops.revoke_notify) through
 *    dma_buf_revoke_notify();
 *  - is acknowledged when the importer can no longer reach the memory
 *    behind the exporter's back: nothing mapped, or unpinned with
 *    move_notify (which the exporter's move tells). The importer's last
 *    unmap (or its unpin, or detach) is the acknowledgment;
 *  - the manager waits for the acknowledgments and for the buffer's fences
 *    (struct dmem_export_fences), bounded by the region's revoke timeout,
 *    before it reuses the memory. docs/driver-api.md states the contract.
 *
 * Locking: dma-buf calls pin, unpin, map and unmap of a dynamic exporter
 * with the dma-buf's reservation lock held; every field marked (resv) is
 * under that lock, and every helper that takes an attachment asserts it.
 */
#ifndef _LINUX_DMEM_EXPORT_H
#define _LINUX_DMEM_EXPORT_H

#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct dmem_export_attach;
struct sg_table;

/**
 * struct dmem_export_ops - what the buffer's manager does for an attachment
 * @pin: pin the buffer for the attachment; @hard: the importer cannot be
 *	revoked (no revoke_notify). Return 0 or an error for dma_buf_pin()
 * @unpin: undo @pin, with the same @hard
 * @acked: a revoke of the attachment is acknowledged: its importer's device
 *	no longer reaches the memory. May call dmem_export_unpin()
 *
 * All are called with the reservation lock held.
 */
struct dmem_export_ops {
	int (*pin)(struct dmem_export_attach *ea, bool hard);
	void (*unpin)(struct dmem_export_attach *ea, bool hard);
	void (*acked)(struct dmem_export_attach *ea);
};

/**
 * struct dmem_export_attach - the exporter's state of one attachment
 * @attach: the attachment
 * @ops: its buffer's manager
 * @maps: mappings not unmapped yet (resv)
 * @pinned: the manager holds a pin for the importer (resv)
 * @hard: that pin is hard: the importer has no revoke_notify (resv)
 * @revoking: a revoke waits for this attachment's acknowledgment (resv)
 * @revoked: a revoke ended the attachment's pin; pins and maps fail (resv)
 * @retired: the table of the last unmap, freed at the next map or at
 *	detach, off the revoker's path (resv)
 */
struct dmem_export_attach {
	struct dma_buf_attachment *attach;
	const struct dmem_export_ops *ops;
	unsigned int maps;
	bool pinned;
	bool hard;
	bool revoking;
	bool revoked;
	struct sg_table *retired;
};

/**
 * struct dmem_export_fences - a wait for a buffer's fences
 * @resv: the buffer's reservation object
 * @signalled: called, with @resv held, once no fence of @resv is left
 *	unsignalled (any usage)
 * @work: looks again, under @resv, when a fence signalled or @resv was busy
 * @cb: the callback on @fence
 * @fence: the fence waited for, or NULL (resv)
 * @dying: torn down: wait for nothing more (resv)
 */
struct dmem_export_fences {
	struct dma_resv *resv;
	void (*signalled)(struct dmem_export_fences *ef);
	struct work_struct work;
	struct dma_fence_cb cb;
	struct dma_fence *fence;
	bool dying;
};

void dmem_export_attach_init(struct dmem_export_attach *ea,
			     struct dma_buf_attachment *attach,
			     const struct dmem_export_ops *ops);
int dmem_export_pin(struct dmem_export_attach *ea);
void dmem_export_unpin(struct dmem_export_attach *ea);
int dmem_export_map_check(const struct dmem_export_attach *ea);
int dmem_export_map(struct dmem_export_attach *ea, struct sg_table *sgt,
		    enum dma_data_direction dir);
void dmem_export_unmap(struct dmem_export_attach *ea, struct sg_table *sgt,
		       enum dma_data_direction dir);
struct sg_table *dmem_export_map_io(struct dmem_export_attach *ea,
				    phys_addr_t phys, u64 size,
				    enum dma_data_direction dir);
void dmem_export_unmap_io(struct dmem_export_attach *ea, struct sg_table *sgt,
			  enum dma_data_direction dir);
void dmem_export_revoke(struct dmem_export_attach *ea);
void dmem_export_detach(struct dmem_export_attach *ea);

void dmem_export_fences_init(struct dmem_export_fences *ef,
			     struct dma_resv *resv,
			     void (*signalled)(struct dmem_export_fences *ef));
void dmem_export_fences_watch(struct dmem_export_fences *ef);
void dmem_export_fences_kick(struct dmem_export_fences *ef);
void dmem_export_fences_fini(struct dmem_export_fences *ef);
long dmem_export_fences_wait(struct dma_resv *resv, unsigned long timeout);

#endif /* _LINUX_DMEM_EXPORT_H */
