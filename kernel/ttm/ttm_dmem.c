// SPDX-License-Identifier: GPL-2.0-only
/*
 * TTM resources charged to the dmem cgroup controller.
 *
 * A resource manager with a dmem region (ttm_resource_manager::cg) charges
 * the size of every buffer object it holds a resource for:
 *
 *  - ttm_resource_alloc() charges before the manager allocates, so that a
 *    charge over a dmem.max fails like a full manager (-ENOSPC) and TTM's
 *    eviction walk runs, confined to the subtree of the pool whose limit
 *    was hit (ttm_dmem_evict_begin());
 *  - ttm_resource_free() uncharges, whatever frees the resource: the
 *    buffer object's release, a move to another manager, an eviction;
 *  - a resource of a pinned buffer object is charged as pinned as well,
 *    from ttm_bo_pin() or from its allocation while the buffer object is
 *    pinned, to ttm_bo_unpin() or its free.
 *
 * The charge goes to the buffer object's owner, its DRM client's cgroup,
 * or the root cgroup for the kernel's buffer objects
 * (kernel/ttm/ttm_dmem_client.c), and counts in the client's fdinfo
 * counters of the region (kernel/ttm/ttm_dmem_usage.c).
 *
 * Trace events (include/trace/events/dmem.h, the eviction manager's):
 * dmem_charge when a resource is allocated with its charge, dmem_uncharge
 * when it is freed, dmem_evict when an eviction walk took it, dmem_pin and
 * dmem_unpin at ttm_bo_pin() and the last ttm_bo_unpin(); each with the
 * tgid of the owner's opener (0 for the kernel's buffer objects).
 *
 * Locking: a resource's struct ttm_dmem_charge belongs to the thread that
 * allocates the resource until ttm_resource_alloc() returns it, then to
 * the holder of its buffer object's reservation lock; pin and unpin assert
 * that lock. struct ttm_dmem_evict belongs to the thread walking. The
 * controller's functions used here take no lock that TTM holds.
 */

#include <linux/cgroup_dmem.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_resource.h>
#include <trace/events/dmem.h>

#include "ttm_dmem_internal.h"

static void ttm_dmem_trace(void (*trace)(const char *, u64, pid_t, u64),
			   struct dmem_cgroup_pool_state *pool, pid_t tgid,
			   u64 bytes)
{
	trace(dmem_cgroup_region_name(dmem_cgroup_pool_region(pool)),
	      dmem_cgroup_pool_cgroup_id(pool), tgid, bytes);
}

/**
 * ttm_dmem_charge() - charge a resource about to be allocated
 * @man: the manager allocating it
 * @bo: the buffer object it is for; its size is charged
 * @charge: filled with what was charged, for ttm_dmem_commit() or
 *	ttm_dmem_cancel()
 * @ret_limit_pool: optional; on -ENOSPC because of a dmem.max, the pool
 *	whose limit was hit, with a reference the caller drops with
 *	dmem_cgroup_pool_state_put(); NULL otherwise
 *
 * Charges nothing for a manager without a dmem region. If @bo is pinned,
 * the bytes are charged as pinned too.
 *
 * Context: process context, may sleep; @bo reserved.
 * Return: 0; -ENOSPC when a dmem.max was hit (a "max" event is counted at
 * the limiting pool: evicting inside its subtree may help); -ENOMEM when a
 * pinned buffer object's bytes would pass a dmem.pinned.max (a "pin_max"
 * event is counted) or when the controller fails (fault injection, no
 * memory for a pool); -ENODEV when the region was unregistered; -EINVAL for
 * a size the controller cannot account.
 */
int ttm_dmem_charge(struct ttm_resource_manager *man,
		    struct ttm_buffer_object *bo, struct ttm_dmem_charge *charge,
		    struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_cgroup_pool_state *limit = NULL;
	u64 size = bo->base.size;
	int ret;

	charge->pool = NULL;
	charge->pinned = false;
	charge->soft = false;
	charge->owner = NULL;
	charge->usage = NULL;
	charge->tgid = ttm_dmem_bo_tgid(bo);
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	if (!man->cg)
		return 0;

	charge->usage = ttm_dmem_usage_get(bo->dmem.client, man->cg);
	if (IS_ERR(charge->usage)) {
		ret = PTR_ERR(charge->usage);
		charge->usage = NULL;
		return ret;
	}
	ret = ttm_dmem_try_charge(bo->dmem.client, man->cg, size, &charge->pool,
				  &limit);
	if (ret == -EAGAIN) {
		if (ret_limit_pool)
			*ret_limit_pool = limit;
		else
			dmem_cgroup_pool_state_put(limit);
		return -ENOSPC;
	}
	if (ret)
		return ret;

	if (bo->pin_count) {
		ret = dmem_cgroup_try_charge_pinned(charge->pool, size, &limit);
		if (!ret) {
			ret = ttm_dmem_owner_get(&man->dmem, bo, charge, size);
			if (ret)
				dmem_cgroup_uncharge_pinned(charge->pool, size);
		}
		if (ret) {
			dmem_cgroup_pool_state_put(limit);
			dmem_cgroup_uncharge(charge->pool, size);
			charge->pool = NULL;
			return ret == -EAGAIN ? -ENOMEM : ret;
		}
		charge->pinned = true;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(ttm_dmem_charge);

static void ttm_dmem_release(struct ttm_dmem_charge *charge, u64 size)
{
	if (!charge->pool)
		return;
	if (charge->owner)
		ttm_dmem_owner_put(charge, size);
	if (charge->pinned)
		dmem_cgroup_uncharge_pinned(charge->pool, size);
	dmem_cgroup_uncharge(charge->pool, size);
	charge->pool = NULL;
	charge->pinned = false;
}

/**
 * ttm_dmem_cancel() - undo ttm_dmem_charge() when the allocation failed
 * @bo: the buffer object passed to ttm_dmem_charge()
 * @charge: what it charged; cleared
 *
 * Context: any context.
 */
void ttm_dmem_cancel(struct ttm_buffer_object *bo,
		     struct ttm_dmem_charge *charge)
{
	ttm_dmem_release(charge, bo->base.size);
}
EXPORT_SYMBOL_GPL(ttm_dmem_cancel);

/**
 * ttm_dmem_commit() - hand a charge to the resource allocated with it
 * @res: the resource, allocated for the buffer object charged
 * @charge: what ttm_dmem_charge() charged; ttm_dmem_uncharge() returns it
 *
 * A resource of a soft-pinned buffer object goes on its owner's soft list.
 *
 * Context: any context; the buffer object reserved.
 */
void ttm_dmem_commit(struct ttm_resource *res, struct ttm_dmem_charge *charge)
{
	res->dmem = *charge;
	INIT_LIST_HEAD(&res->dmem.soft_node);
	ttm_dmem_classify(res);
	if (!charge->pool)
		return;
	ttm_dmem_trace(trace_dmem_charge, charge->pool, charge->tgid, res->size);
	ttm_dmem_usage_add(charge->usage, TTM_DMEM_USAGE_RESIDENT, res->size);
	if (charge->pinned)
		ttm_dmem_usage_add(charge->usage, TTM_DMEM_USAGE_PINNED,
				   res->size);
	ttm_dmem_usage_home(res->bo, charge->usage);
}
EXPORT_SYMBOL_GPL(ttm_dmem_commit);

/**
 * ttm_dmem_uncharge() - return what a resource charged
 * @res: the resource being freed
 *
 * Uncharges the pinned bytes, then the bytes. Nothing for a resource that
 * charged nothing (a manager without a region, or already uncharged).
 *
 * Context: any context.
 */
void ttm_dmem_uncharge(struct ttm_resource *res)
{
	struct ttm_dmem_charge *charge = &res->dmem;

	if (!charge->pool)
		return;
	ttm_dmem_trace(trace_dmem_uncharge, charge->pool, charge->tgid,
		       res->size);
	ttm_dmem_usage_add(charge->usage, TTM_DMEM_USAGE_RESIDENT, -res->size);
	if (charge->pinned)
		ttm_dmem_usage_add(charge->usage, TTM_DMEM_USAGE_PINNED,
				   -res->size);
	ttm_dmem_release(charge, res->size);
}
EXPORT_SYMBOL_GPL(ttm_dmem_uncharge);

/**
 * ttm_dmem_pin() - charge a buffer object's resource as pinned
 * @bo: the buffer object, reserved, about to get its first pin
 *
 * Called by ttm_bo_pin() before it counts a pin; does nothing unless this
 * is the first pin and the resource charged a pool. A resource allocated
 * while the buffer object is pinned is charged as pinned at allocation.
 *
 * Context: process context, the reservation lock of @bo held.
 * Return: 0; -ENOMEM if the pinned bytes would pass a dmem.pinned.max of
 * the pool or of an ancestor (a "pin_max" event is counted at the limiting
 * pool and nothing changes) or if the controller fails the charge (fault
 * injection); -EINVAL for a size the controller cannot account.
 */
int ttm_dmem_pin(struct ttm_buffer_object *bo)
{
	struct dmem_cgroup_pool_state *limit = NULL;
	struct ttm_resource *res = bo->resource;
	struct ttm_resource_manager *man;
	int ret;

	dma_resv_assert_held(bo->base.resv);
	if (bo->pin_count || !res || !res->dmem.pool || res->dmem.pinned)
		return 0;
	ret = dmem_cgroup_try_charge_pinned(res->dmem.pool, res->size, &limit);
	if (ret) {
		dmem_cgroup_pool_state_put(limit);
		return ret == -EAGAIN ? -ENOMEM : ret;
	}
	man = ttm_manager_type(bo->bdev, res->mem_type);
	ret = ttm_dmem_owner_get(&man->dmem, bo, &res->dmem, res->size);
	if (ret) {
		dmem_cgroup_uncharge_pinned(res->dmem.pool, res->size);
		return ret;
	}
	res->dmem.pinned = true;
	ttm_dmem_usage_add(res->dmem.usage, TTM_DMEM_USAGE_PINNED, res->size);
	ttm_dmem_trace(trace_dmem_pin, res->dmem.pool, res->dmem.tgid, res->size);
	return 0;
}
EXPORT_SYMBOL_GPL(ttm_dmem_pin);

/**
 * ttm_dmem_unpin() - return the pinned charge after the last unpin
 * @bo: the buffer object, reserved, whose pin count just dropped to zero
 *
 * Context: any context, the reservation lock of @bo held.
 */
void ttm_dmem_unpin(struct ttm_buffer_object *bo)
{
	struct ttm_resource *res = bo->resource;

	dma_resv_assert_held(bo->base.resv);
	if (bo->pin_count) {
		ttm_dmem_pins_changed(bo);
		return;
	}
	ttm_dmem_revoke_wake();
	ttm_dmem_lru_follow_pins(bo);
	if (!res || !res->dmem.pinned)
		return;
	ttm_dmem_trace(trace_dmem_unpin, res->dmem.pool, res->dmem.tgid,
		       res->size);
	if (res->dmem.owner)
		ttm_dmem_owner_put(&res->dmem, res->size);
	dmem_cgroup_uncharge_pinned(res->dmem.pool, res->size);
	res->dmem.pinned = false;
	ttm_dmem_usage_add(res->dmem.usage, TTM_DMEM_USAGE_PINNED, -res->size);
}
EXPORT_SYMBOL_GPL(ttm_dmem_unpin);

/**
 * ttm_dmem_evict_begin() - may an eviction walk take this buffer object?
 * @ev: the walk's dmem scope
 * @bo: the candidate, reserved, with a resource in the walk's manager
 *
 * When a dmem.max was hit, only memory charged inside the limiting pool's
 * subtree is taken; when the manager is full, anyone's. Memory at or below
 * its pool's effective dmem.min is never taken, and memory below its
 * effective dmem.low only once @ev allows it (ttm_dmem_evict_retry_low()).
 * A resource that charged nothing is always a candidate. On true, the
 * caller evicts and then calls ttm_dmem_evict_end().
 *
 * Context: any context; the reservation lock of @bo held.
 * Return: true if @bo may be evicted.
 */
bool ttm_dmem_evict_begin(struct ttm_dmem_evict *ev,
			  struct ttm_buffer_object *bo)
{
	struct dmem_cgroup_pool_state *pool = bo->resource->dmem.pool;
	struct dmem_victim_query q = {
		.limit = ev->limit,
		.ignore_low = ev->ignore_low,
	};
	enum dmem_victim_kind kind;

	dma_resv_assert_held(bo->base.resv);
	ev->victim = NULL;
	ev->victim_low = false;
	if (!pool)
		return true;
	/* The walk passes over pinned buffer objects before asking. */
	q.policy = dmem_evict_pin_policy(dmem_cgroup_pool_region(pool));
	kind = dmem_victim_classify(&q, pool, ttm_dmem_pin_class(bo), false,
				    &ev->hit_low);
	if (kind != DMEM_VICTIM_EVICT && kind != DMEM_VICTIM_EVICT_LOW)
		return false;
	ev->victim_low = kind == DMEM_VICTIM_EVICT_LOW;
	ev->victim = dmem_cgroup_pool_get(pool);
	ev->victim_bytes = bo->resource->size;
	ev->victim_tgid = bo->resource->dmem.tgid;
	ev->victim_usage = bo->resource->dmem.usage;
	return true;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_begin);

/**
 * ttm_dmem_evict_end() - count an eviction ttm_dmem_evict_begin() allowed
 * @ev: the walk's dmem scope
 * @evicted: the buffer object left the manager
 *
 * Counts an "evict" event and the bytes (dmem.stat's evicted_bytes) in the
 * victim's pool, and a "low" event if it was taken below its effective
 * dmem.low.
 *
 * Context: any context.
 */
void ttm_dmem_evict_end(struct ttm_dmem_evict *ev, bool evicted)
{
	if (!ev->victim)
		return;
	if (evicted) {
		ttm_dmem_trace(trace_dmem_evict, ev->victim, ev->victim_tgid,
			       ev->victim_bytes);
		dmem_evict_pool_event(ev->victim, DMEM_EVICT_EVENT_EVICT);
		dmem_evict_pool_stat_add(ev->victim, DMEM_EVICT_STAT_EVICTED_BYTES,
					 ev->victim_bytes);
		ttm_dmem_usage_add(ev->victim_usage, TTM_DMEM_USAGE_EVICTED,
				   ev->victim_bytes);
		if (ev->victim_low)
			dmem_cgroup_pool_event(ev->victim, DMEM_CGROUP_EVENT_LOW);
	}
	dmem_cgroup_pool_state_put(ev->victim);
	ev->victim = NULL;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_end);

/**
 * ttm_dmem_evict_set_limit() - the scope after a failed retry
 * @ev: the walk's dmem scope
 * @limit: the limiting pool the retried allocation returned (its reference
 *	passes to @ev), or NULL if the manager was full
 *
 * Context: any context.
 */
void ttm_dmem_evict_set_limit(struct ttm_dmem_evict *ev,
			      struct dmem_cgroup_pool_state *limit)
{
	dmem_cgroup_pool_state_put(ev->limit);
	ev->limit = limit;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_set_limit);

/**
 * ttm_dmem_evict_retry_low() - walk again, taking low-protected memory?
 * @ev: the walk's dmem scope, after a walk that found nothing to evict
 *
 * Context: any context.
 * Return: true, with @ev now allowing memory below effective dmem.low, if
 * the walk skipped candidates only for their low protection; false if the
 * walk should fail.
 */
bool ttm_dmem_evict_retry_low(struct ttm_dmem_evict *ev)
{
	if (ev->ignore_low || !ev->hit_low)
		return false;
	ev->ignore_low = true;
	return true;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_retry_low);

/**
 * ttm_dmem_evict_fini() - drop the references of a walk's scope
 * @ev: the walk's dmem scope
 *
 * Context: any context.
 */
void ttm_dmem_evict_fini(struct ttm_dmem_evict *ev)
{
	dmem_cgroup_pool_state_put(ev->victim);
	ev->victim = NULL;
	dmem_cgroup_pool_state_put(ev->limit);
	ev->limit = NULL;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_fini);
