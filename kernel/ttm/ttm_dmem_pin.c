// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hard and soft pins of TTM buffer objects, and the decision, from byte
 * totals, that a request for room cannot succeed.
 *
 * A resource charged as pinned (ttm_dmem_pin(), or allocated while its
 * buffer object is pinned) holds a reference on its owner's record in the
 * manager (struct ttm_dmem_owner, by DRM client: the buffer object's, see
 * kernel/ttm/ttm_dmem_client.c) and counts in the manager's and the
 * owner's pinned bytes. Whenever the buffer object's pin count changes
 * (ttm_dmem_pins_changed()), it is classified: soft-pinned when every pin
 * is an importer's that accepts a revoke, hard-pinned otherwise; a soft
 * resource counts in the soft bytes and sits on its owner's list of soft
 * resources, oldest first.
 *
 * The eviction walk asks ttm_dmem_evict_may_succeed() before it evicts:
 * the bytes the policy could ever take in scope (unpinned bytes, and under
 * the soft policy other owners' soft-pinned bytes, never the requester's)
 * must cover what the request lacks, or nothing is evicted and the request
 * fails, counted as an "enomem" event of the requester's pool.
 *
 * Locking: struct ttm_dmem_man's xarray lock guards the byte counts, the
 * owners' records and their lists; a resource's pin state changes under
 * its buffer object's reservation lock as well, so readers holding either
 * see it stable. Records are allocated (GFP_KERNEL_ACCOUNT: userspace
 * creates pins) outside that lock.
 */

#include <linux/cgroup_dmem.h>
#include <linux/dma-resv.h>
#include <linux/dmem_policy.h>
#include <linux/slab.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_resource.h>
#include <trace/events/dmem.h>

#include "ttm_dmem_internal.h"

/**
 * ttm_dmem_man_init() - a manager without pinned resources
 * @dm: the manager's pinned bytes, from ttm_resource_manager_init()
 */
void ttm_dmem_man_init(struct ttm_dmem_man *dm)
{
	xa_init(&dm->owners);
	dm->pinned_bytes = 0;
	dm->soft_bytes = 0;
	dm->stamp = 0;
}
EXPORT_SYMBOL_GPL(ttm_dmem_man_init);

/* Look @key's record up and take a pinned resource's reference on it. */
static struct ttm_dmem_owner *ttm_dmem_owner_find(struct ttm_dmem_man *dm,
						  unsigned long key, u64 size)
{
	struct ttm_dmem_owner *own;

	lockdep_assert_held(&dm->owners.xa_lock);
	own = xa_load(&dm->owners, key);
	if (own) {
		own->nr_pinned++;
		dm->pinned_bytes += size;
	}
	return own;
}

/**
 * ttm_dmem_owner_get() - count a resource's pinned bytes for its owner
 * @dm: the manager of the resource
 * @bo: the resource's buffer object, whose client is the owner
 * @charge: the resource's charge; @owner is set
 * @size: the resource's bytes
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOMEM if the owner's record cannot be allocated (nothing
 * changes).
 */
int ttm_dmem_owner_get(struct ttm_dmem_man *dm, struct ttm_buffer_object *bo,
		       struct ttm_dmem_charge *charge, u64 size)
{
	unsigned long key = ttm_dmem_client_key(bo->dmem.client);
	struct ttm_dmem_owner *own, *new;
	int ret;

	xa_lock(&dm->owners);
	own = ttm_dmem_owner_find(dm, key, size);
	xa_unlock(&dm->owners);
	if (own)
		goto found;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->man = dm;
	new->client = bo->dmem.client;
	INIT_LIST_HEAD(&new->soft);
	xa_lock(&dm->owners);
	own = ttm_dmem_owner_find(dm, key, size);
	if (!own) {
		ret = __xa_insert(&dm->owners, key, new, GFP_KERNEL_ACCOUNT);
		if (!ret) {
			own = new;
			new = NULL;
			ttm_dmem_owner_find(dm, key, size);
		}
	}
	xa_unlock(&dm->owners);
	kfree(new);
	if (!own)
		return -ENOMEM;
found:
	charge->owner = own;
	return 0;
}

/* Move @charge on or off its owner's soft list; xa_lock held. */
static void ttm_dmem_soft_set_locked(struct ttm_dmem_charge *charge, u64 size,
				     bool soft)
{
	struct ttm_dmem_owner *own = charge->owner;
	struct ttm_dmem_man *dm = own->man;

	lockdep_assert_held(&dm->owners.xa_lock);
	if (charge->soft == soft)
		return;
	charge->soft = soft;
	if (soft) {
		charge->stamp = ++dm->stamp;
		list_add_tail(&charge->soft_node, &own->soft);
		own->soft_bytes += size;
		dm->soft_bytes += size;
	} else {
		list_del_init(&charge->soft_node);
		charge->revoking = false;
		own->soft_bytes -= size;
		dm->soft_bytes -= size;
	}
}

/**
 * ttm_dmem_owner_put() - a resource's pinned bytes no longer count
 * @charge: the resource's charge, with an owner; @owner is cleared
 * @size: the resource's bytes
 *
 * Context: any context.
 */
void ttm_dmem_owner_put(struct ttm_dmem_charge *charge, u64 size)
{
	struct ttm_dmem_owner *own = charge->owner;
	struct ttm_dmem_man *dm = own->man;
	bool last;

	xa_lock(&dm->owners);
	ttm_dmem_soft_set_locked(charge, size, false);
	dm->pinned_bytes -= size;
	last = !--own->nr_pinned;
	if (last)
		__xa_erase(&dm->owners, ttm_dmem_client_key(own->client));
	xa_unlock(&dm->owners);
	charge->owner = NULL;
	if (last)
		kfree(own);
}

/**
 * ttm_dmem_pin_class() - how a buffer object is pinned
 * @bo: the buffer object, reserved
 *
 * Context: the reservation lock of @bo held.
 * Return: %DMEM_PIN_NONE if unpinned; %DMEM_PIN_SOFT if every pin is an
 * importer's that accepts a revoke; %DMEM_PIN_HARD otherwise.
 */
enum dmem_pin_class ttm_dmem_pin_class(struct ttm_buffer_object *bo)
{
	dma_resv_assert_held(bo->base.resv);
	if (!bo->pin_count)
		return DMEM_PIN_NONE;
	return bo->pin_count == bo->base.dmem_soft_pins ? DMEM_PIN_SOFT :
							  DMEM_PIN_HARD;
}

/**
 * ttm_dmem_classify() - put a pinned resource on or off the soft list
 * @res: a resource of a reserved buffer object
 *
 * Nothing for a resource not charged as pinned.
 *
 * Context: any context; the reservation lock of the buffer object held.
 */
void ttm_dmem_classify(struct ttm_resource *res)
{
	struct ttm_dmem_man *dm;
	bool soft;

	if (!res->dmem.owner)
		return;
	soft = ttm_dmem_pin_class(res->bo) == DMEM_PIN_SOFT;
	dm = res->dmem.owner->man;
	xa_lock(&dm->owners);
	ttm_dmem_soft_set_locked(&res->dmem, res->size, soft);
	xa_unlock(&dm->owners);
}

/**
 * ttm_dmem_pins_changed() - classify a buffer object's pins again
 * @bo: the buffer object, reserved, whose pin count just changed
 *
 * Called by ttm_bo_pin() after it counted a pin, and by ttm_dmem_unpin().
 *
 * Context: any context; the reservation lock of @bo held.
 */
void ttm_dmem_pins_changed(struct ttm_buffer_object *bo)
{
	dma_resv_assert_held(bo->base.resv);
	if (!bo->resource)
		return;
	ttm_dmem_classify(bo->resource);
	ttm_dmem_lru_follow_pins(bo);
}
EXPORT_SYMBOL_GPL(ttm_dmem_pins_changed);

/**
 * ttm_dmem_lru_follow_pins() - a charged resource off the LRU while pinned
 * @bo: the buffer object, reserved, whose pin count just changed
 *
 * 6.12's ttm_bo_pin() and ttm_bo_unpin() leave the resource where it is on
 * its manager's LRU until the driver next moves it, and the eviction walk
 * steps over every pinned one: with many soft-pinned buffer objects the
 * choice of a victim would cost in proportion to them. A resource charged
 * to a dmem region goes to the device's pinned list at its pin and back to
 * its manager's LRU tail at its last unpin (ttm_bo_move_to_lru_tail()
 * does either). A manager without a region keeps 6.12's behaviour.
 *
 * Context: process context; the reservation lock of @bo held, not the
 * device's LRU lock.
 */
void ttm_dmem_lru_follow_pins(struct ttm_buffer_object *bo)
{
	dma_resv_assert_held(bo->base.resv);
	if (!bo->resource || !bo->resource->dmem.pool)
		return;
	spin_lock(&bo->bdev->lru_lock);
	ttm_bo_move_to_lru_tail(bo);
	spin_unlock(&bo->bdev->lru_lock);
}

/**
 * ttm_dmem_enomem() - count a request that found no room
 * @man: the manager, with a dmem region
 * @evictor: the requester's buffer object; its size is what it asked for
 * @limit: the pool whose dmem.max was hit, or NULL
 *
 * An "enomem" event and dmem:enomem at the pool of @evictor's owner (at
 * @limit if it is not found).
 */
void ttm_dmem_enomem(struct ttm_resource_manager *man,
		     struct ttm_buffer_object *evictor,
		     struct dmem_cgroup_pool_state *limit)
{
	struct dmem_cgroup_pool_state *pool = NULL, *at;

	/* A charge of nothing finds the owner's pool and changes nothing. */
	if (ttm_dmem_try_charge(evictor->dmem.client, man->cg, 0, &pool, NULL))
		pool = NULL;
	at = pool ? pool : limit;
	if (at) {
		dmem_evict_pool_event(at, DMEM_EVICT_EVENT_ENOMEM);
		trace_dmem_enomem(dmem_cgroup_region_name(man->cg),
				  dmem_cgroup_pool_cgroup_id(at),
				  ttm_dmem_bo_tgid(evictor), evictor->base.size);
	}
	dmem_cgroup_uncharge(pool, 0);
}

/* Soft-pinned bytes of owners other than @key's; xa_lock held. */
static u64 ttm_dmem_others_soft_locked(struct ttm_dmem_man *dm,
				       unsigned long key)
{
	struct ttm_dmem_owner *own = xa_load(&dm->owners, key);

	lockdep_assert_held(&dm->owners.xa_lock);
	return dm->soft_bytes - (own ? own->soft_bytes : 0);
}

/* What the request lacks in @man's region, or at @limit's dmem.max. */
static u64 ttm_dmem_need(struct ttm_resource_manager *man, u64 size,
			 struct dmem_cgroup_pool_state *limit)
{
	u64 total, used;

	if (limit)
		return dmem_policy_limit_need(limit, size);
	total = dmem_cgroup_region_size(man->cg);
	used = ttm_resource_manager_usage(man);
	return used + size > total ? used + size - total : 0;
}

/**
 * ttm_dmem_evict_may_succeed() - could evicting make room for a request?
 * @man: the manager full, or whose region's @limit was hit
 * @evictor: the buffer object that needs room
 * @limit: the pool whose dmem.max was hit, or NULL if @man is full
 *
 * A necessary condition, from byte totals alone, whatever the number of
 * pinned buffer objects: the bytes in scope the policy could take (of the
 * manager, and when @limit was hit, charged in its subtree) must cover
 * what the request lacks: unpinned bytes, and under the "soft" policy
 * other owners' soft-pinned bytes (step 3, ttm_dmem_revoke_one()). The
 * requester's own pins, soft or hard, and anyone's hard pins never count.
 * When the condition
 * fails, an "enomem" event is counted at the requester's pool and the
 * walk is not run: nothing is evicted for a request that cannot succeed.
 *
 * Context: process context; @evictor reserved.
 * Return: false if the request cannot succeed.
 */
bool ttm_dmem_evict_may_succeed(struct ttm_resource_manager *man,
				struct ttm_buffer_object *evictor,
				struct dmem_cgroup_pool_state *limit)
{
	struct dmem_victim_query q = { .limit = limit };
	u64 size = evictor->base.size, need, bound, used, pinned;
	bool revoke;

	if (!man->cg)
		return true;
	need = ttm_dmem_need(man, size, limit);
	if (!need)
		return true;

	q.policy = dmem_evict_pin_policy(man->cg);
	revoke = dmem_victim_may_revoke(&q);
	used = ttm_resource_manager_usage(man);
	xa_lock(&man->dmem.owners);
	bound = used - min(used, man->dmem.pinned_bytes);
	if (revoke)
		bound += ttm_dmem_others_soft_locked(&man->dmem,
				ttm_dmem_client_key(evictor->dmem.client));
	xa_unlock(&man->dmem.owners);
	if (limit) {
		used = dmem_cgroup_pool_usage(limit);
		pinned = revoke ? 0 : dmem_cgroup_pool_pinned(limit);
		bound = min(bound, used - min(used, pinned));
	}
	if (bound >= need)
		return true;
	ttm_dmem_enomem(man, evictor, limit);
	return false;
}
EXPORT_SYMBOL_GPL(ttm_dmem_evict_may_succeed);
