// SPDX-License-Identifier: GPL-2.0-only
/*
 * Step 3 of the victim policy inside TTM: revoking another owner's
 * soft-pinned buffer object, as a last resort, under the "soft" policy.
 *
 * When TTM's eviction walk found nothing unpinned to take in scope, the
 * oldest soft-pinned resource of an owner other than the requester, in a
 * pool dmem_victim_classify() lets step 3 take, is revoked:
 *
 *  1. under the buffer object's reservation lock (only tried: the walk
 *     holds the requester's), every importer that accepts a revoke is told
 *     with dma_buf_revoke_notify(); then the lock is dropped;
 *  2. the revoker waits, bounded by the region's revoke timeout, for the
 *     importers to let go. An export of ttm_dmem_prime_export() ends an
 *     importer's pin at its last unmap (ttm_dmem_prime_revoked()): the
 *     unmap is the acknowledgment. drm_gem_prime_export()'s export holds
 *     its importers' pins for as long as they are attached
 *     (drm_gem_map_attach()): there the acknowledgment is the detach.
 *     Both need the reservation lock the revoker no longer holds;
 *  3. once unpinned, the buffer object goes back on its manager's LRU and
 *     the walk runs again: it evicts it like any other, which moves its
 *     data to system memory (the driver's evict_flags), and counts it.
 *
 * An importer that does not let go in time parks the revoke: the buffer
 * object stays pinned where it is, its memory is not reused, the request
 * goes on without it (and fails if nothing else is left), and no later
 * request picks it again; its late detach ends the park. The revoke event,
 * the revoked bytes (dmem.stat) and dmem:revoke_start, revoke_done and
 * revoke_timeout, with the owner's tgid, tell the owner.
 *
 * Locking: a resource's @revoking flag is under its manager's xa_lock,
 * like the soft lists the victim is chosen from; the victim is referenced
 * before that lock is dropped. No lock is held while waiting but the
 * requester's reservation (and its ww ticket), which the importers'
 * detach of another buffer object does not take.
 */

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/dmem_policy.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/wait.h>
#include <linux/ttm_dmem.h>
#include <linux/ttm_dmem_prime.h>
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_resource.h>
#include <trace/events/dmem.h>

#include "ttm_dmem_internal.h"

MODULE_IMPORT_NS(DMA_BUF);

/* Revokers waiting for a revoked buffer object's importers to let go. */
static DECLARE_WAIT_QUEUE_HEAD(ttm_dmem_revoke_wq);

/**
 * ttm_dmem_revoke_wake() - a buffer object lost its last pin
 *
 * Wakes the revokers, which check whether theirs was it.
 *
 * Context: any context.
 */
void ttm_dmem_revoke_wake(void)
{
	if (wq_has_sleeper(&ttm_dmem_revoke_wq))
		wake_up_all(&ttm_dmem_revoke_wq);
}

/* The oldest revocable entry of @own's soft list, or NULL; xa_lock held. */
static struct ttm_dmem_charge *
ttm_dmem_owner_victim(struct ttm_dmem_owner *own,
		      const struct dmem_victim_query *q)
{
	struct ttm_dmem_charge *c;

	list_for_each_entry(c, &own->soft, soft_node)
		if (!c->revoking &&
		    dmem_victim_classify(q, c->pool, DMEM_PIN_SOFT, false,
					 NULL) == DMEM_VICTIM_REVOKE)
			return c;
	return NULL;
}

/**
 * struct ttm_dmem_revoke - one revoke, as the revoker sees it
 * @bo: the victim, referenced
 * @pool: the pool its resource is charged to, referenced
 * @tgid: its owner
 * @size: its bytes
 * @start: when the importers were told
 */
struct ttm_dmem_revoke {
	struct ttm_buffer_object *bo;
	struct dmem_cgroup_pool_state *pool;
	pid_t tgid;
	u64 size;
	ktime_t start;
};

/*
 * Step 3's victim: the oldest revocable soft-pinned resource of any owner
 * but the requester (@key, ttm_dmem_client_key()). Its buffer object is
 * returned reserved (tried only, as the walk does: the requester holds
 * its own), referenced, its resource marked revoking so that no other
 * request picks it.
 */
static bool ttm_dmem_revoke_pick(struct ttm_resource_manager *man,
				 unsigned long key,
				 const struct dmem_victim_query *q,
				 struct ttm_dmem_revoke *rv)
{
	struct ttm_dmem_charge *c, *victim = NULL;
	struct ttm_buffer_object *bo = NULL;
	struct ttm_dmem_owner *own;
	unsigned long index;

	xa_lock(&man->dmem.owners);
	xa_for_each(&man->dmem.owners, index, own) {
		if (ttm_dmem_client_key(own->client) == key)
			continue;
		c = ttm_dmem_owner_victim(own, q);
		if (c && (!victim || c->stamp < victim->stamp))
			victim = c;
	}
	if (victim) {
		bo = container_of(victim, struct ttm_resource, dmem)->bo;
		if (!dma_resv_trylock(bo->base.resv)) {
			bo = NULL;
		} else if (!ttm_bo_get_unless_zero(bo)) {
			dma_resv_unlock(bo->base.resv);
			bo = NULL;
		} else {
			victim->revoking = true;
		}
	}
	xa_unlock(&man->dmem.owners);
	if (!bo)
		return false;
	rv->bo = bo;
	rv->pool = dmem_cgroup_pool_get(victim->pool);
	rv->tgid = victim->tgid;
	rv->size = bo->resource->size;
	return true;
}

/* Tell every importer of @bo that accepts a revoke; @bo reserved. */
static void ttm_dmem_revoke_notify(struct ttm_buffer_object *bo)
{
	struct dma_buf *dmabuf = bo->base.dma_buf;
	struct dma_buf_attachment *attach;

	dma_resv_assert_held(bo->base.resv);
	if (!dmabuf)
		return;
	list_for_each_entry(attach, &dmabuf->attachments, node)
		if (dma_buf_attach_revocable(attach)) {
			dma_buf_revoke_notify(attach);
			ttm_dmem_prime_revoked(attach);
		}
}

/* @rv's importers let go: count the revoke, put it back on the LRU. */
static void ttm_dmem_revoke_done(struct ttm_resource_manager *man,
				 struct ttm_dmem_revoke *rv)
{
	dmem_cgroup_pool_event(rv->pool, DMEM_CGROUP_EVENT_REVOKE);
	ttm_dmem_usage_add(rv->bo->resource->dmem.usage, TTM_DMEM_USAGE_REVOKED,
			   rv->size);
	dmem_cgroup_pool_stat_add(rv->pool, DMEM_CGROUP_STAT_REVOKED_BYTES,
				  rv->size);
	trace_dmem_revoke_done(dmem_cgroup_region_name(man->cg),
			       dmem_cgroup_pool_cgroup_id(rv->pool), rv->tgid,
			       rv->size,
			       ktime_to_ns(ktime_sub(ktime_get(), rv->start)), 0);
	/* Off the pinned list: the walk may take it now. */
	spin_lock(&rv->bo->bdev->lru_lock);
	ttm_bo_move_to_lru_tail(rv->bo);
	spin_unlock(&rv->bo->bdev->lru_lock);
}

/*
 * Wait, up to the region's revoke timeout, for @rv's importers to let go,
 * then for its reservation: the importer detaching still holds it when
 * its unpin wakes us. Return: 0 with @rv unpinned and reserved;
 * -ETIMEDOUT; -ERESTARTSYS.
 */
static int ttm_dmem_revoke_wait(struct ttm_resource_manager *man,
				struct ttm_dmem_revoke *rv)
{
	unsigned int ms = dmem_cgroup_region_revoke_timeout_ms(man->cg);
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	long left;

	for (;;) {
		left = wait_event_interruptible_timeout(ttm_dmem_revoke_wq,
							!READ_ONCE(rv->bo->pin_count),
							max_t(long, deadline - jiffies, 0));
		if (left < 0)
			return -ERESTARTSYS;
		if (!left)
			break;
		if (dma_resv_trylock(rv->bo->base.resv)) {
			if (!rv->bo->pin_count)
				return 0;
			dma_resv_unlock(rv->bo->base.resv);
		}
		if (time_after_eq(jiffies, deadline))
			break;
		schedule_timeout_interruptible(1);
	}
	trace_dmem_revoke_timeout(dmem_cgroup_region_name(man->cg),
				  dmem_cgroup_pool_cgroup_id(rv->pool), rv->tgid,
				  rv->size);
	return -ETIMEDOUT;
}

/* Step 3 itself: see ttm_dmem_revoke_one(). */
static int ttm_dmem_revoke_try(struct ttm_resource_manager *man,
			       struct ttm_buffer_object *evictor,
			       struct dmem_cgroup_pool_state *limit)
{
	struct dmem_victim_query q = { .limit = limit, .ignore_low = true };
	struct ttm_dmem_revoke rv;
	int ret;

	q.policy = dmem_cgroup_region_pin_policy(man->cg);
	if (!dmem_victim_may_revoke(&q) ||
	    !ttm_dmem_revoke_pick(man, ttm_dmem_client_key(evictor->dmem.client),
				  &q, &rv))
		return -EBUSY;

	rv.start = ktime_get();
	trace_dmem_revoke_start(dmem_cgroup_region_name(man->cg),
				dmem_cgroup_pool_cgroup_id(rv.pool), rv.tgid,
				rv.size);
	ttm_dmem_revoke_notify(rv.bo);
	dma_resv_unlock(rv.bo->base.resv);

	ret = ttm_dmem_revoke_wait(man, &rv);
	if (!ret) {
		ttm_dmem_revoke_done(man, &rv);
		dma_resv_unlock(rv.bo->base.resv);
	} else if (ret == -ETIMEDOUT) {
		/* Parked: the importers were told; their detach ends it. */
		ret = -EBUSY;
	}
	dmem_cgroup_pool_state_put(rv.pool);
	ttm_bo_put(rv.bo);
	return ret;
}

/**
 * ttm_dmem_revoke_one() - step 3: revoke another owner's soft pin
 * @man: the manager that has no room
 * @evictor: the buffer object that needs room
 * @limit: the pool whose dmem.max was hit, or NULL if @man is full
 *
 * For the requester (@evictor's owner), after TTM's walk found
 * nothing unpinned in scope. Does nothing under the "strict" policy. When
 * no revoke makes room, the request has nothing left (step 4): an
 * "enomem" event is counted at the requester's pool.
 *
 * Context: process context, may sleep; the requester's buffer object
 * reserved, with its ww ticket if any.
 * Return: 0 when a buffer object was revoked and is back on the LRU (walk
 * again); -EBUSY when there is nothing to revoke, its reservation is
 * contended or its importers did not let go in time (parked);
 * -ERESTARTSYS on a signal (the revoke stays parked).
 */
int ttm_dmem_revoke_one(struct ttm_resource_manager *man,
			struct ttm_buffer_object *evictor,
			struct dmem_cgroup_pool_state *limit)
{
	int ret;

	if (!man->cg)
		return -EBUSY;
	ret = ttm_dmem_revoke_try(man, evictor, limit);
	if (ret == -EBUSY)
		ttm_dmem_enomem(man, evictor, limit);
	return ret;
}
EXPORT_SYMBOL_GPL(ttm_dmem_revoke_one);
