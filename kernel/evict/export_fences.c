// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's wait for a buffer's fences before it reuses the memory of
 * a revoked buffer (include/linux/dmem_export.h). A revoke may start where
 * the reservation is busy, or held by a thread that waits for this one: so
 * the wait never blocks. A callback on the first unsignalled fence queues
 * a work item, which looks again under the reservation; once no fence is
 * left unsignalled, the owner's @signalled is called, under it.
 */

#include <linux/dmem_export.h>
#include <linux/export.h>

/* Every fence counts: no user of the memory may be left. */
#define DMEM_EXPORT_FENCES_USAGE DMA_RESV_USAGE_BOOKKEEP

static void dmem_export_fences_workfn(struct work_struct *work)
{
	struct dmem_export_fences *ef =
		container_of(work, struct dmem_export_fences, work);

	dma_resv_lock(ef->resv, NULL);
	if (ef->fence) {
		/* Only the callback queues us while a fence is set. */
		dma_fence_put(ef->fence);
		ef->fence = NULL;
	}
	dmem_export_fences_watch(ef);
	dma_resv_unlock(ef->resv);
}

/* Context: any (the fence's signalling). */
static void dmem_export_fence_cb(struct dma_fence *fence,
				 struct dma_fence_cb *cb)
{
	struct dmem_export_fences *ef =
		container_of(cb, struct dmem_export_fences, cb);

	queue_work(system_unbound_wq, &ef->work);
}

/**
 * dmem_export_fences_init() - prepare a wait for a buffer's fences
 * @ef: the wait, not on the stack (its work item may be queued)
 * @resv: the buffer's reservation object, which outlives @ef
 * @signalled: called under @resv once none of its fences is unsignalled
 *
 * Context: any context.
 */
void dmem_export_fences_init(struct dmem_export_fences *ef,
			     struct dma_resv *resv,
			     void (*signalled)(struct dmem_export_fences *ef))
{
	ef->resv = resv;
	ef->signalled = signalled;
	ef->fence = NULL;
	ef->dying = false;
	ef->cb.func = dmem_export_fence_cb;
	INIT_WORK(&ef->work, dmem_export_fences_workfn);
}
EXPORT_SYMBOL_GPL(dmem_export_fences_init);

/**
 * dmem_export_fences_watch() - call @signalled once the fences have signalled
 * @ef: the wait
 *
 * Calls &dmem_export_fences.signalled now if no fence of the buffer is
 * unsignalled (every usage), else once the first unsignalled one signals
 * and none is left, from a work item. Nothing while a callback is pending
 * or after dmem_export_fences_fini().
 *
 * Context: @ef's reservation lock held (asserted); does not sleep.
 */
void dmem_export_fences_watch(struct dmem_export_fences *ef)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	dma_resv_assert_held(ef->resv);
	if (ef->fence || ef->dying)
		return;
	dma_resv_for_each_fence(&cursor, ef->resv, DMEM_EXPORT_FENCES_USAGE,
				fence) {
		if (dma_fence_is_signaled(fence))
			continue;
		ef->fence = dma_fence_get(fence);
		if (!dma_fence_add_callback(fence, &ef->cb, ef->cb.func))
			return;
		/* Signalled meanwhile. */
		dma_fence_put(fence);
		ef->fence = NULL;
	}
	ef->signalled(ef);
}
EXPORT_SYMBOL_GPL(dmem_export_fences_watch);

/**
 * dmem_export_fences_kick() - dmem_export_fences_watch() without the lock
 * @ef: the wait
 *
 * Watches now if the reservation lock is free, else from a work item. For
 * callers that may not wait for the lock (a revoke started from another
 * buffer's reservation).
 *
 * Context: any context; never waits for the reservation lock.
 */
void dmem_export_fences_kick(struct dmem_export_fences *ef)
{
	if (!dma_resv_trylock(ef->resv)) {
		queue_work(system_unbound_wq, &ef->work);
		return;
	}
	dmem_export_fences_watch(ef);
	dma_resv_unlock(ef->resv);
}
EXPORT_SYMBOL_GPL(dmem_export_fences_kick);

/**
 * dmem_export_fences_fini() - end a wait for a buffer's fences
 * @ef: the wait
 *
 * No callback runs after this returns, and @ef may be freed.
 *
 * Context: process context, may sleep; takes the reservation lock.
 */
void dmem_export_fences_fini(struct dmem_export_fences *ef)
{
	dma_resv_lock(ef->resv, NULL);
	ef->dying = true;
	if (ef->fence) {
		/* Waits for a callback running on another CPU. */
		dma_fence_remove_callback(ef->fence, &ef->cb);
		dma_fence_put(ef->fence);
		ef->fence = NULL;
	}
	dma_resv_unlock(ef->resv);
	cancel_work_sync(&ef->work);
}
EXPORT_SYMBOL_GPL(dmem_export_fences_fini);

/**
 * dmem_export_fences_wait() - wait for a buffer's fences, bounded
 * @resv: the buffer's reservation object
 * @timeout: in jiffies; 0 only looks
 *
 * The synchronous form of dmem_export_fences_watch(), for a manager whose
 * revoker waits itself (TTM): the same fences, every usage.
 *
 * Context: process context, may sleep, interruptible; @resv may be held.
 * Return: > 0 once none is unsignalled; 0 at the timeout; -ERESTARTSYS.
 */
long dmem_export_fences_wait(struct dma_resv *resv, unsigned long timeout)
{
	return dma_resv_wait_timeout(resv, DMEM_EXPORT_FENCES_USAGE, true,
				     timeout);
}
EXPORT_SYMBOL_GPL(dmem_export_fences_wait);
