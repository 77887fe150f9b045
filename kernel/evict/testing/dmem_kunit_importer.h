/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A dma-buf importer for the KUnit suites of the exporter helper's users
 * (kernel/evict/tests, kernel/ttm/tests): it takes part through dma-buf's
 * own calls only, in each of the modes the revoke contract knows.
 */
#ifndef _DMEM_KUNIT_IMPORTER_H
#define _DMEM_KUNIT_IMPORTER_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/workqueue.h>

struct dma_fence;
struct dma_resv;

/**
 * enum dmem_kt_kind - how an importer attaches
 * @DMEM_KT_REVOCABLE: dynamic, pins, accepts a revoke (revoke_notify)
 * @DMEM_KT_PINNED: dynamic, pins, does not accept a revoke: a hard pin
 * @DMEM_KT_STATIC: not dynamic: dma-buf pins and maps at attach time
 * @DMEM_KT_DYNAMIC: dynamic, never pins, hears of moves (move_notify)
 */
enum dmem_kt_kind {
	DMEM_KT_REVOCABLE,
	DMEM_KT_PINNED,
	DMEM_KT_STATIC,
	DMEM_KT_DYNAMIC,
};

/**
 * enum dmem_kt_ack - what a revocable importer does when told of a revoke
 * @DMEM_KT_ACK_NEVER: nothing: the test unmaps or detaches later
 * @DMEM_KT_ACK_UNMAP: unmaps from the notification
 * @DMEM_KT_ACK_DETACH: detaches from a work item, outside the reservation
 */
enum dmem_kt_ack {
	DMEM_KT_ACK_NEVER,
	DMEM_KT_ACK_UNMAP,
	DMEM_KT_ACK_DETACH,
};

/**
 * struct dmem_kt_imp - one importer's attachment
 * @dmabuf: the dma-buf, referenced until detached; NULL after
 * @attach: the attachment
 * @sgt: its mapping, or NULL
 * @pinned: pinned with dma_buf_pin()
 * @ack: its reaction to a revoke
 * @nr_revoke: revoke notifications received
 * @nr_move: move notifications received
 * @detach_work: detaches, for DMEM_KT_ACK_DETACH
 */
struct dmem_kt_imp {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	bool pinned;
	enum dmem_kt_ack ack;
	atomic_t nr_revoke;
	atomic_t nr_move;
	struct work_struct detach_work;
};

struct device *dmem_kt_importer_device(struct kunit *test);
struct dmem_kt_imp *dmem_kt_import(struct kunit *test, struct device *dev,
				   struct dma_buf *dmabuf,
				   enum dmem_kt_kind kind, enum dmem_kt_ack ack);
int dmem_kt_imp_map(struct dmem_kt_imp *ki);
void dmem_kt_imp_unmap(struct dmem_kt_imp *ki);
void dmem_kt_imp_detach(struct dmem_kt_imp *ki);
struct dma_fence *dmem_kt_fence(struct kunit *test, struct dma_resv *resv);

#endif /* _DMEM_KUNIT_IMPORTER_H */
