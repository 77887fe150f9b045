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
 *     importer's pin at its last unmap (ttm_dmem_prime_revoke()): the
 *     unmap is the acknowledgment. drm_gem_prime_export()'s export holds
 *     its importers' pins for as long as they are attached
 *     (drm_gem_map_attach()): there the acknowledgment is the detach.
 *     Both need the reservation lock the revoker no longer holds;
 *  3. once unpinned, the revoker takes the reservation again and waits,
 *     within the same timeout, for the buffer object's fences
 *     (dmem_export_fences_wait(), every usage): the memory is not reused
 *     while a fence may still reach it. Then, without letting go of the
 *     reservation, it evicts the buffer object itself with ttm_bo_evict(),
 *     which moves its data where the driver's evict_flags say (system
 *     memory); only then does the requester's allocation run again. Were
 *     the reservation dropped first and the victim left to the walk, whose
 *     locks are only tried, any thread taking it in between (the importer
 *     reacting to its notification, say) would hide the room just made:
 *     the request would fail and the victim stay resident, unpinned.
 *
 * A revoked buffer object counts as revoked, not also as evicted, as in
 * the eviction manager (kernel/evict/revoke.c): one "revoke" event, its
 * bytes in dmem.stat's revoked_bytes and in its owner's fdinfo
 * dmem-revoked-, dmem:revoke_done; no "evict" event, evicted_bytes nor
 * dmem:evict, which stay for the walk's victims.
 *
 * An importer that does not let go in time, or a fence that does not
 * signal in time, parks the revoke: the buffer object stays where it is
 * (pinned; unpinned when only a fence was late, for a later walk, which
 * waits for its fences as any eviction does), its memory is not reused by
 * the revoke, the request goes on without it (and fails if nothing else is left), and no later
 * request picks it again; its late detach ends the park. The revoke event,
 * the revoked bytes (dmem.stat) and dmem:revoke_start, revoke_done and
 * revoke_timeout, with the owner's tgid, tell the owner.
 *
 * Locking: a resource's @revoking flag is under its manager's xa_lock,
 * like the soft lists the victim is chosen from; the victim is referenced
 * before that lock is dropped. No lock is held while waiting for the
 * importers but the requester's reservation (and its ww ticket), which the
 * importers' detach of another buffer object does not take; the fences
 * are waited for under the victim's reservation too, as ttm_bo_evict()
 * waits for them.
 *
 * Reservation order: the requester holds its own reservation, with or
 * without a ww ticket. The victim's is only ever tried (dma_resv_trylock(),
 * no ticket), never waited for, so no order between the two arises and no
 * -EDEADLK back-off is needed; ttm_bo_evict() then runs under it as it does
 * in TTM's own walk, whose first pass also only tries its victims. Any
 * eviction that the victim's new placement needs sees no ticket on the
 * victim (dma_resv_locking_ctx()) and so only tries its locks as well.
 */

#include <kunit/static_stub.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/dmem_evict.h>
#include <linux/dmem_export.h>
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
 * @usage: its owner's counters of the region (fdinfo), which outlive the
 *	resource the eviction frees
 * @start: when the importers were told
 */
struct ttm_dmem_revoke {
	struct ttm_buffer_object *bo;
	struct dmem_cgroup_pool_state *pool;
	pid_t tgid;
	u64 size;
	struct ttm_dmem_usage *usage;
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
	rv->usage = bo->resource->dmem.usage;
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
		if (!ttm_dmem_prime_revoke(attach) &&
		    dma_buf_attach_revocable(attach))
			dma_buf_revoke_notify(attach);
}

/**
 * ttm_dmem_revoke_evict_bo() - evict a revoked buffer object
 * @bo: the victim, unpinned and reserved by the revoker
 * @ctx: the operation's context
 *
 * ttm_bo_evict(), behind a KUnit static stub that makes it fail
 * (dmem_ttm_softpin_revoke_failed).
 *
 * Context: process context, may sleep; @bo reserved.
 * Return: as ttm_bo_evict().
 */
int ttm_dmem_revoke_evict_bo(struct ttm_buffer_object *bo,
			     struct ttm_operation_ctx *ctx)
{
	KUNIT_STATIC_STUB_REDIRECT(ttm_dmem_revoke_evict_bo, bo, ctx);
	return ttm_bo_evict(bo, ctx);
}

/*
 * A revoke ended @rv's pins but could not evict it: its owner sees it in
 * its fdinfo (dmem-revoke-failed-) and in its revoke_failures
 * (dmem_owner_get_stats()), as /dev/dmem_sim's owners do.
 */
static void ttm_dmem_revoke_count_failure(struct ttm_dmem_revoke *rv)
{
	struct ttm_dmem_client *client = rv->bo->dmem.client;

	if (rv->usage)
		atomic64_inc(&rv->usage->revoke_failures);
	if (client)
		dmem_owner_count_revoke_failure(client->owner);
}

/*
 * @rv's importers let go and the revoker holds its reservation: move it out
 * of @man and count the revoke (0), or, when the eviction fails, leave it
 * resident and unpinned on the LRU, where a later walk may take it, and
 * count the failure.
 */
static int ttm_dmem_revoke_evict(struct ttm_resource_manager *man,
				 struct ttm_dmem_revoke *rv,
				 struct ttm_operation_ctx *ctx)
{
	struct ttm_buffer_object *bo = rv->bo;
	struct ttm_resource *res = bo->resource;
	int ret = 0;

	dma_resv_assert_held(bo->base.resv);
	/* Unpinned, it was on the LRU: another walk may have moved it. */
	if (res && ttm_manager_type(bo->bdev, res->mem_type) == man)
		ret = ttm_dmem_revoke_evict_bo(bo, ctx);
	trace_dmem_revoke_done(dmem_cgroup_region_name(man->cg),
			       dmem_cgroup_pool_cgroup_id(rv->pool), rv->tgid,
			       rv->size,
			       ktime_to_ns(ktime_sub(ktime_get(), rv->start)), ret);
	if (ret) {
		spin_lock(&bo->bdev->lru_lock);
		ttm_bo_move_to_lru_tail(bo);
		spin_unlock(&bo->bdev->lru_lock);
		ttm_dmem_revoke_count_failure(rv);
		return ret;
	}
	dmem_evict_pool_event(rv->pool, DMEM_EVICT_EVENT_REVOKE);
	dmem_evict_pool_stat_add(rv->pool, DMEM_EVICT_STAT_REVOKED_BYTES,
				 rv->size);
	ttm_dmem_usage_add(rv->usage, TTM_DMEM_USAGE_REVOKED, rv->size);
	return 0;
}

/**
 * ttm_dmem_revoke_released() - the revoker let go of its victim
 * @bo: the victim, still referenced, no longer reserved
 *
 * Does nothing: the point where another thread may take @bo's reservation,
 * which a KUnit static stub uses to take it there
 * (dmem_ttm_softpin_revoke_contended).
 *
 * Context: process context; the requester's buffer object reserved.
 */
void ttm_dmem_revoke_released(struct ttm_buffer_object *bo)
{
	KUNIT_STATIC_STUB_REDIRECT(ttm_dmem_revoke_released, bo);
}

/*
 * Wait, until @deadline, for @rv's importers to let go, then for its
 * reservation: the importer detaching still holds it when its unpin wakes
 * us. Return: 0 with @rv unpinned and reserved; -ETIMEDOUT; -ERESTARTSYS.
 */
static int ttm_dmem_revoke_wait_unpinned(struct ttm_dmem_revoke *rv,
					 unsigned long deadline)
{
	long left;

	for (;;) {
		left = wait_event_interruptible_timeout(ttm_dmem_revoke_wq,
							!READ_ONCE(rv->bo->pin_count),
							max_t(long, deadline - jiffies, 0));
		if (left < 0)
			return -ERESTARTSYS;
		if (!left)
			return -ETIMEDOUT;
		if (dma_resv_trylock(rv->bo->base.resv)) {
			if (!rv->bo->pin_count)
				return 0;
			dma_resv_unlock(rv->bo->base.resv);
		}
		if (time_after_eq(jiffies, deadline))
			return -ETIMEDOUT;
		schedule_timeout_interruptible(1);
	}
}

/*
 * Wait, up to the region's revoke timeout, for @rv's importers to let go
 * and then for its fences (dmem_export_fences_wait()): the memory is not
 * reused while a fence may still reach it. Return: 0 with @rv unpinned,
 * idle and reserved; -ETIMEDOUT (parked); -ERESTARTSYS.
 */
static int ttm_dmem_revoke_wait(struct ttm_resource_manager *man,
				struct ttm_dmem_revoke *rv)
{
	unsigned int ms = dmem_evict_revoke_timeout_ms(man->cg);
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	long left;
	int ret;

	ret = ttm_dmem_revoke_wait_unpinned(rv, deadline);
	if (!ret) {
		left = dmem_export_fences_wait(rv->bo->base.resv,
					       max_t(long, deadline - jiffies, 0));
		if (left <= 0) {
			dma_resv_unlock(rv->bo->base.resv);
			ret = left ? left : -ETIMEDOUT;
		}
	}
	if (ret == -ETIMEDOUT)
		trace_dmem_revoke_timeout(dmem_cgroup_region_name(man->cg),
					  dmem_cgroup_pool_cgroup_id(rv->pool),
					  rv->tgid, rv->size);
	return ret;
}

/*
 * Step 3 itself, see ttm_dmem_revoke_one(). Return: 0 when a victim was
 * revoked and moved out; -EBUSY when nothing was (parked included); an
 * error of the wait or of the eviction.
 */
static int ttm_dmem_revoke_try(struct ttm_resource_manager *man,
			       struct ttm_buffer_object *evictor,
			       struct dmem_cgroup_pool_state *limit,
			       struct ttm_operation_ctx *ctx)
{
	struct dmem_victim_query q = { .limit = limit, .ignore_low = true };
	struct ttm_dmem_revoke rv;
	int ret;

	q.policy = dmem_evict_pin_policy(man->cg);
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
		ret = ttm_dmem_revoke_evict(man, &rv, ctx);
		dma_resv_unlock(rv.bo->base.resv);
		ttm_dmem_revoke_released(rv.bo);
		/* An eviction that failed leaves it to the walk's next pass. */
		if (ret == -EBUSY)
			ret = -EAGAIN;
	} else if (ret == -ETIMEDOUT) {
		/* Parked: the importers were told; their detach ends it. */
		ret = -EBUSY;
	}
	dmem_cgroup_pool_state_put(rv.pool);
	ttm_bo_put(rv.bo);
	return ret;
}

/*
 * The room a revoke made: allocate @evictor's resource. Return: 1 when
 * allocated; -EAGAIN when the room went elsewhere or a dmem.max still
 * stands (@ev gets the new limit), for the walk to run again; an error.
 */
static int ttm_dmem_revoke_alloc(struct ttm_buffer_object *evictor,
				 const struct ttm_place *place,
				 struct ttm_resource **res,
				 struct ttm_dmem_evict *ev)
{
	struct dmem_cgroup_pool_state *limit;
	int ret;

	ret = ttm_resource_alloc_limit(evictor, place, res, &limit);
	if (ret == -ENOSPC) {
		ttm_dmem_evict_set_limit(ev, limit);
		return -EAGAIN;
	}
	return ret ? ret : 1;
}

/**
 * ttm_dmem_revoke_one() - step 3: revoke another owner's soft pin
 * @man: the manager that has no room
 * @evictor: the buffer object that needs room
 * @place: where it needs it, in @man
 * @ctx: the operation's context, for the victim's eviction
 * @res: on success, @evictor's new resource
 * @ev: the walk's dmem scope: its @limit, the pool whose dmem.max was hit
 *	(NULL if @man is full), is updated when the allocation hits another
 *
 * For the requester (@evictor's owner), after TTM's walk found nothing
 * unpinned in scope. The victim is revoked, evicted by the revoker under
 * its reservation and counted, then @evictor's resource is allocated.
 * Does nothing under the "strict" policy. When no revoke makes room, the
 * request has nothing left (step 4): an "enomem" event is counted at the
 * requester's pool.
 *
 * Context: process context, may sleep; @evictor reserved, with its ww
 * ticket if any (the victim's reservation is only tried, see above).
 * Return: 1 when @res was allocated; 0 when there is nothing to revoke,
 * its reservation is contended or its importers did not let go in time
 * (parked); -EAGAIN when a victim was revoked but the room it made is not
 * enough or went elsewhere, or its eviction found it busy (walk again); an
 * error of the allocation or the eviction; -ERESTARTSYS on a signal while
 * waiting (the revoke stays parked).
 */
int ttm_dmem_revoke_one(struct ttm_resource_manager *man,
			struct ttm_buffer_object *evictor,
			const struct ttm_place *place,
			struct ttm_operation_ctx *ctx,
			struct ttm_resource **res,
			struct ttm_dmem_evict *ev)
{
	int ret;

	if (!man->cg)
		return 0;
	ret = ttm_dmem_revoke_try(man, evictor, ev->limit, ctx);
	if (ret == -EBUSY) {
		ttm_dmem_enomem(man, evictor, ev->limit);
		return 0;
	}
	if (ret)
		return ret;
	return ttm_dmem_revoke_alloc(evictor, place, res, ev);
}
EXPORT_SYMBOL_GPL(ttm_dmem_revoke_one);
