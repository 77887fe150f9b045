// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: the soft-pin victim policy (DESIGN.md section 5).
 *
 * Choosing a victim looks at list heads only. Steps 1 and 2 visit the
 * pools in the order of their oldest unpinned buffer (order.c) and stop at
 * the first pool they may take from, computing the controller's effective
 * protection (O(D^2) for hierarchy depth D) only for the pools visited:
 * O(log P + D^2) for P pools when the region's oldest unpinned buffer may
 * be taken. Step 3 looks at the head of each other owner's pinned list in
 * each pool: O(P * D^2 + L) for the L (owner, pool) links with pinned
 * buffers. Never anything per buffer; the requesting owner's pinned
 * buffers cost one pointer comparison per pool.
 */

#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <trace/events/dmem.h>

#include "evict_internal.h"

static bool dmem_buf_older(struct dmem_buf *buf, struct dmem_buf *than)
{
	return !than || buf->stamp < than->stamp;
}

/*
 * May step 3 revoke other owners' pinned buffers of @epool (in scope, above
 * low)? Asked only under the soft policy.
 */
static bool dmem_epool_may_revoke(struct dmem_evict_pool *epool,
				  struct dmem_cgroup_pool_state *limit)
{
	struct dmem_victim_query q = {
		.limit = limit,
		.policy = DMEM_PIN_POLICY_SOFT,
	};

	return !list_empty(&epool->pinned_links) &&
	       dmem_victim_classify(&q, epool->pool, DMEM_PIN_SOFT, false,
				    NULL) == DMEM_VICTIM_REVOKE;
}

/*
 * The oldest buffer of @link's pinned list that step 3 may revoke: one
 * without unrevocable holders (dmem_buf_hard_pin()). Hard-pinned buffers
 * are skipped like pinned buffers under "strict"; the walk passes only
 * over them.
 */
static struct dmem_buf *dmem_link_first_revocable(struct dmem_evict_link *link)
{
	struct dmem_buf *buf;

	list_for_each_entry(buf, &link->pinned, node)
		if (!buf->hard_pins)
			return buf;
	return NULL;
}

/*
 * Steps 1 and 2: pools in the order of their oldest unpinned buffer (the
 * head of their LRU). The first pool in scope above its effective low
 * holds step 1's victim, and ends the walk; the first pool in scope held
 * back only by its low protection holds step 2's. Protection is computed
 * only for the pools visited: in the common case, the first.
 */
static struct dmem_buf *
dmem_evict_pick_unpinned_locked(struct dmem_evict_region *region,
				struct dmem_cgroup_pool_state *limit,
				enum dmem_victim_kind *kind)
{
	struct dmem_victim_query q = { .limit = limit };
	struct dmem_buf *low = NULL, *head;
	struct dmem_evict_pool *epool;

	for (epool = dmem_epool_oldest_locked(region); epool;
	     epool = dmem_epool_next_locked(region, epool)) {
		bool hit_low = false;

		head = list_first_entry(&epool->lru, struct dmem_buf, node);
		if (dmem_victim_classify(&q, epool->pool, DMEM_PIN_NONE, false,
					 &hit_low) == DMEM_VICTIM_EVICT) {
			*kind = DMEM_VICTIM_EVICT;
			return head;
		}
		if (hit_low && !low)
			low = head;
	}
	*kind = low ? DMEM_VICTIM_EVICT_LOW : DMEM_VICTIM_NONE;
	return low;
}

/* Step 3: the oldest revocable pinned buffer of another owner. */
static struct dmem_buf *
dmem_evict_pick_pinned_locked(struct dmem_evict_region *region,
			      struct dmem_cgroup_pool_state *limit,
			      struct dmem_owner *requester)
{
	struct dmem_buf *pinned = NULL, *head;
	struct dmem_evict_link *link;
	struct dmem_evict_pool *epool;

	list_for_each_entry(epool, &region->pools, node) {
		if (!dmem_epool_may_revoke(epool, limit))
			continue;
		list_for_each_entry(link, &epool->pinned_links, pool_node) {
			if (link->owner == requester)
				continue;
			head = dmem_link_first_revocable(link);
			if (head && dmem_buf_older(head, pinned))
				pinned = head;
		}
	}
	return pinned;
}

/**
 * dmem_evict_pick_locked() - choose the next victim
 * @region: the region
 * @limit: the pool whose limit was hit, or NULL if the region is full
 * @requester: the owner that needs room, or NULL (reclaim)
 * @allow_revoke: step 3 may be used (it is only under the "soft" policy)
 * @kind: set to the step that chose the victim
 *
 * Steps, oldest first within each: (1) unpinned buffers of pools above
 * their effective low; (2) unpinned buffers of pools between effective min
 * and low; (3) pinned buffers of owners other than @requester in pools above
 * their effective low. Pools outside @limit's subtree and memory below
 * effective min are never chosen.
 *
 * Steps 1 and 2 cost O(log P) for the P pools of the region, plus one
 * protection computation (O(D^2) for depth D) per pool visited in the
 * order of their oldest unpinned buffer: one when the oldest is in scope
 * and unprotected; the pools out of scope or protected that hold older
 * buffers are passed over first. Step 3 looks at every pool with pinned
 * buffers of others: O(P * D^2 + L) for L (owner, pool) links.
 *
 * Return: the victim, still listed and idle; NULL if there is none.
 */
struct dmem_buf *dmem_evict_pick_locked(struct dmem_evict_region *region,
					struct dmem_cgroup_pool_state *limit,
					struct dmem_owner *requester,
					bool allow_revoke,
					enum dmem_victim_kind *kind)
{
	struct dmem_victim_query q = {
		.limit = limit,
		.policy = dmem_evict_pin_policy(region->cg),
	};
	struct dmem_buf *victim;

	lockdep_assert_held(&region->lock);

	victim = dmem_evict_pick_unpinned_locked(region, limit, kind);
	if (victim)
		return victim;
	if (!allow_revoke || !dmem_victim_may_revoke(&q))
		return NULL;
	victim = dmem_evict_pick_pinned_locked(region, limit, requester);
	if (victim)
		*kind = DMEM_VICTIM_REVOKE;
	return victim;
}

/* Add the sizes of @list's buffers to *@sum until it reaches @need. */
static bool dmem_evict_sum_list(struct list_head *list, u64 need, u64 *sum)
{
	struct dmem_buf *buf;

	list_for_each_entry(buf, list, node) {
		if (buf->hard_pins)
			continue;
		*sum += buf->size;
		if (*sum >= need)
			return true;
	}
	return false;
}

/*
 * Add what the policy may take from @epool for @requester to *@sum, until
 * it reaches @need: its unpinned buffers if it is above effective min, and
 * under @revoke others' revocable pinned buffers if it is above effective
 * low.
 */
static bool dmem_evict_sum_epool(struct dmem_evict_pool *epool,
				 struct dmem_cgroup_pool_state *limit,
				 struct dmem_owner *requester, bool revoke,
				 u64 need, u64 *sum)
{
	struct dmem_victim_query q = { .limit = limit, .ignore_low = true };
	struct dmem_evict_link *link;

	if (dmem_victim_classify(&q, epool->pool, DMEM_PIN_NONE, false,
				 NULL) == DMEM_VICTIM_NONE)
		return false;
	if (dmem_evict_sum_list(&epool->lru, need, sum))
		return true;
	if (!revoke || !dmem_epool_may_revoke(epool, limit))
		return false;
	list_for_each_entry(link, &epool->pinned_links, pool_node) {
		if (link->owner == requester)
			continue;
		if (dmem_evict_sum_list(&link->pinned, need, sum))
			return true;
	}
	return false;
}

/*
 * Could the victims in scope free @need bytes? Whether the sum reaches
 * @need does not depend on the order the pools are added in: the pools
 * with unpinned buffers go first, oldest first, since those are the ones
 * the policy takes first; then, under @revoke, the pools with pinned
 * buffers only.
 */
static bool dmem_evict_sum_locked(struct dmem_evict_region *region,
				  struct dmem_cgroup_pool_state *limit,
				  struct dmem_owner *requester, bool revoke,
				  u64 need)
{
	struct dmem_evict_pool *epool;
	u64 sum = 0;

	lockdep_assert_held(&region->lock);
	for (epool = dmem_epool_oldest_locked(region); epool;
	     epool = dmem_epool_next_locked(region, epool))
		if (dmem_evict_sum_epool(epool, limit, requester, revoke, need,
					 &sum))
			return true;
	if (!revoke)
		return false;
	list_for_each_entry(epool, &region->pools, node) {
		if (!RB_EMPTY_NODE(&epool->lru_node) ||
		    list_empty(&epool->pinned_links))
			continue;
		if (dmem_evict_sum_epool(epool, limit, requester, revoke, need,
					 &sum))
			return true;
	}
	return false;
}

/*
 * An upper bound of what the policy may take in scope: the bytes listed
 * in the region (unpinned, and pinned under @revoke), or at most those
 * the controller's gauges count in @limit's subtree (evictable: unpinned
 * and resident, listed or not; pinned: pinned-charged), less the
 * requester's own pinned bytes in its pool @own, which are never taken.
 * The gauges of the manager's region change under the region lock only.
 */
static u64 dmem_evict_bound_locked(struct dmem_evict_region *region,
				   struct dmem_cgroup_pool_state *limit,
				   struct dmem_owner *requester,
				   struct dmem_cgroup_pool_state *own,
				   bool revoke)
{
	struct dmem_evict_link *link = NULL;
	u64 bound, sub;

	lockdep_assert_held(&region->lock);
	bound = region->lru_bytes + (revoke ? region->pinned_bytes : 0);
	if (limit) {
		sub = max_t(s64, 0, dmem_evict_pool_stat(limit,
							 DMEM_EVICT_STAT_EVICTABLE));
		if (revoke)
			sub += dmem_cgroup_pool_pinned(limit);
		bound = min(bound, sub);
	}
	if (revoke && own && (!limit || dmem_cgroup_pool_is_descendant(own, limit)))
		link = dmem_link_find_locked(region, requester, own);
	return link ? bound - min(bound, link->pinned_bytes) : bound;
}

/**
 * dmem_evict_can_cover() - could the policy free enough for a request?
 * @region: the region
 * @limit: the pool whose limit was hit, or NULL if the region is full
 * @requester: the owner that needs room
 * @own: the pool @requester is charged to, or NULL if unknown
 * @need: the bytes to free
 *
 * Adds up what dmem_evict_pick_locked() may choose for @requester, in
 * scope and by its protection rules, until @need is covered: unpinned
 * buffers of pools above effective min, and under the soft policy other
 * owners' pinned buffers of pools above effective low. An allocation that
 * cannot be covered fails before evicting anything, so that no owner loses
 * its working set for nothing. While victims of others are in flight, it
 * does not judge: their memory may come back.
 *
 * When even every buffer that could be in scope (listed in the region,
 * or counted in @limit's subtree by the controller: unpinned, and pinned
 * under the soft policy), but the requester's pinned ones in @own, could
 * not cover @need, it says no at once: O(D), to tell whether @own is in
 * @limit's subtree. Otherwise it walks only buffers that may be chosen
 * (the requester's pinned list is skipped whole), pools with unpinned
 * buffers first, oldest first, and stops as soon as @need is covered.
 *
 * Context: process context; takes the region lock.
 * Return: false if the victims cannot free @need bytes.
 */
bool dmem_evict_can_cover(struct dmem_evict_region *region,
			  struct dmem_cgroup_pool_state *limit,
			  struct dmem_owner *requester,
			  struct dmem_cgroup_pool_state *own, u64 need)
{
	bool revoke, covered;

	revoke = dmem_evict_pin_policy(region->cg) == DMEM_PIN_POLICY_SOFT;
	spin_lock(&region->lock);
	if (region->nr_inflight || !need)
		covered = true;
	else if (dmem_evict_bound_locked(region, limit, requester, own,
					 revoke) < need)
		covered = false;
	else
		covered = dmem_evict_sum_locked(region, limit, requester,
						revoke, need);
	spin_unlock(&region->lock);
	return covered;
}

/*
 * The pool @owner is charged to, referenced by a charge of nothing (the
 * caller uncharges nothing from it); NULL above a lowered limit, where
 * it is not found.
 */
static struct dmem_cgroup_pool_state *
dmem_evict_own_pool(struct dmem_evict_region *region, struct dmem_owner *owner)
{
	struct dmem_cgroup_pool_state *pool = NULL;

	if (dmem_evict_charge(owner, region->cg, 0, &pool, NULL))
		return NULL;
	return pool;
}

/**
 * dmem_evict_can_succeed() - could making room for an allocation succeed?
 * @region: the region
 * @owner: the owner allocating
 * @size: the bytes it asks for
 * @region_need: the bytes the region lacks for it (0 if it has room)
 *
 * Every constraint on the way must be coverable by the victims the policy
 * may take in its scope (dmem_evict_can_cover()): the region's room, and
 * the dmem.max of the owner's pool and of each of its ancestors. This is
 * a necessary condition, decided before anything is evicted: an
 * allocation that fails it could only evict in vain.
 *
 * Context: process context.
 * Return: false if making room cannot succeed.
 */
bool dmem_evict_can_succeed(struct dmem_evict_region *region,
			    struct dmem_owner *owner, u64 size, u64 region_need)
{
	struct dmem_cgroup_pool_state *pool = NULL, *p;
	bool soft, ok;

	/*
	 * Under the soft policy the bound of the region's room leaves the
	 * owner's own pinned bytes out: find its pool first then.
	 */
	soft = dmem_evict_pin_policy(region->cg) == DMEM_PIN_POLICY_SOFT;
	if (soft)
		pool = dmem_evict_own_pool(region, owner);
	ok = !region_need ||
	     dmem_evict_can_cover(region, NULL, owner, pool, region_need);
	if (ok && !soft)
		pool = dmem_evict_own_pool(region, owner);
	for (p = pool; p && ok; p = dmem_cgroup_pool_parent(p)) {
		u64 need = dmem_policy_limit_need(p, size);

		ok = !need || dmem_evict_can_cover(region, p, owner, pool, need);
	}
	dmem_cgroup_uncharge(pool, 0);
	return ok;
}

/* Evict @victim, chosen and marked EVICTING; called without the lock. */
static int dmem_evict_victim(struct dmem_buf *victim)
{
	struct dmem_evict_region *region = victim->region;
	struct dmem_cgroup_pool_state *pool;
	struct dmem_owner *owner = victim->owner;
	int ret;

	ret = region->ops->evict(victim, false);

	spin_lock(&region->lock);
	if (ret && region->dead) {
		/* Torn down: the memory goes back whatever the driver said. */
		ret = 0;
	}
	if (!ret) {
		pool = dmem_buf_pool(victim);
		dmem_evict_pool_event(pool, DMEM_EVICT_EVENT_EVICT);
		dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_EVICTED_BYTES,
					 victim->size);
		atomic64_add(victim->size, &owner->evicted);
		trace_dmem_evict(dmem_cgroup_region_name(region->cg),
				 dmem_cgroup_pool_cgroup_id(pool), owner->tgid,
				 victim->size);
		dmem_buf_release_locked(victim);
		victim->state = DMEM_BUF_EVICTED;
	} else {
		victim->state = DMEM_BUF_RESIDENT;
		dmem_buf_stamp_locked(victim, &victim->link->epool->lru);
	}
	region->nr_inflight--;
	region->inflight_seq++;
	spin_unlock(&region->lock);

	if (!ret)
		dmem_owner_notify(victim, DMEM_OWNER_BUF_EVICTED);

	spin_lock(&region->lock);
	dmem_buf_unbusy_locked(victim);
	spin_unlock(&region->lock);
	return ret;
}

/*
 * Wait for one of others' victims to finish (inflight_seq moves on from
 * @seq) or for the teardown; once the caller has a revoke deadline, no
 * longer than it.
 */
static int dmem_evict_wait_inflight(struct dmem_evict_region *region,
				    unsigned long seq,
				    struct dmem_revoke_deadline *deadline)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;
	long ret;

	if (deadline && deadline->set)
		timeout = dmem_revoke_deadline_left(deadline, region);
	ret = wait_event_interruptible_timeout(region->wq,
					       READ_ONCE(region->inflight_seq) != seq ||
					       READ_ONCE(region->dead),
					       timeout);
	if (ret < 0)
		return -EINTR;
	/* Only a deadline times out. */
	return ret ? 0 : -ENOMEM;
}

/**
 * dmem_evict_one() - make room by evicting or revoking one victim
 * @region: the region
 * @limit: the pool whose limit was hit, or NULL if the region is full
 * @requester: the owner that needs room, or NULL (reclaim)
 * @allow_revoke: step 3 of the policy may be used
 * @freed: optional; set to the bytes uncharged
 * @deadline: the caller's revoke deadline, kept across calls, or NULL
 *
 * If nothing can be chosen but victims chosen by others are being evicted,
 * waits for one to finish instead: the caller retries its charge then.
 *
 * The first revoke sets @deadline: waits for acknowledgments and, from
 * then on, for others' victims end there, so that one allocation waits one
 * revoke timeout in all. Past it, a victim is still revoked if its
 * importers acknowledge at once, and parked at once if not. A caller
 * holding a reservation (@deadline's finish_bounded) waits for the work
 * items that end revokes (when the victim's locks were busy) one more
 * revoke timeout at most; a victim whose work has not ended by then counts
 * as parked.
 *
 * Context: process context, may sleep; may hold a lock of the driver (the
 * dma-buf reservation of the buffer that needs the room) but none of the
 * manager.
 * Return: 0 when the caller should retry (memory was freed, or something
 * changed); -ENOMEM if there is nothing to evict, or the deadline passed
 * waiting for others' victims; -EINTR on a signal; -ENODEV if the region
 * was torn down; the error of the evict op.
 */
int dmem_evict_one(struct dmem_evict_region *region,
		   struct dmem_cgroup_pool_state *limit,
		   struct dmem_owner *requester, bool allow_revoke, u64 *freed,
		   struct dmem_revoke_deadline *deadline)
{
	struct dmem_revoke *rv = NULL;
	enum dmem_victim_kind kind;
	struct dmem_buf *victim;
	unsigned long seq;
	int ret;

	if (freed)
		*freed = 0;

	spin_lock(&region->lock);
	for (;;) {
		if (region->dead) {
			ret = -ENODEV;
			goto unlock;
		}
		victim = dmem_evict_pick_locked(region, limit, requester,
						allow_revoke, &kind);
		if (victim && kind == DMEM_VICTIM_REVOKE && !rv)
			rv = dmem_revoke_get(region, DMEM_REVOKE_GFP_LOCKED);
		if (victim && kind == DMEM_VICTIM_REVOKE && !rv) {
			/* None at once: allocate sleeping, choose again. */
			spin_unlock(&region->lock);
			rv = dmem_revoke_get(region, GFP_KERNEL_ACCOUNT);
			if (!rv)
				return -ENOMEM;
			spin_lock(&region->lock);
			continue;
		}
		if (victim)
			break;
		if (!region->nr_inflight) {
			ret = -ENOMEM;
			goto unlock;
		}
		/*
		 * Others' victims are on their way out: wait for one, or for
		 * the teardown, which the caller then sees.
		 */
		seq = region->inflight_seq;
		spin_unlock(&region->lock);
		dmem_revoke_discard(region, rv);
		return dmem_evict_wait_inflight(region, seq, deadline);
	}

	if (freed)
		*freed = victim->size;

	if (kind == DMEM_VICTIM_REVOKE) {
		dmem_revoke_start_locked(victim, rv);
		spin_unlock(&region->lock);
		ret = dmem_revoke_run(rv, false, deadline);
		if (ret == -ETIMEDOUT) {
			/* Parked, its memory kept: move on to another victim. */
			if (freed)
				*freed = 0;
			ret = 0;
		}
		return ret;
	}

	if (kind == DMEM_VICTIM_EVICT_LOW)
		dmem_cgroup_pool_event(dmem_buf_pool(victim),
				       DMEM_CGROUP_EVENT_LOW);
	dmem_buf_unlist_locked(victim);
	victim->state = DMEM_BUF_EVICTING;
	victim->flags |= DMEM_BUF_F_BUSY;
	region->nr_busy++;
	region->nr_inflight++;
	spin_unlock(&region->lock);
	dmem_revoke_discard(region, rv);

	ret = dmem_evict_victim(victim);
	if (ret && freed)
		*freed = 0;
	return ret;

unlock:
	spin_unlock(&region->lock);
	dmem_revoke_discard(region, rv);
	return ret;
}

/**
 * dmem_evict_enomem() - account an allocation that found no room
 * @region: the region
 * @owner: the owner that asked
 * @pool: the pool charged for @owner, or NULL to look it up
 * @size: the bytes asked for
 * @limit: the pool whose limit was hit, if any
 * @futile: evictions and revokes made for the allocation before it failed
 */
void dmem_evict_enomem(struct dmem_evict_region *region,
		       struct dmem_owner *owner,
		       struct dmem_cgroup_pool_state *pool, u64 size,
		       struct dmem_cgroup_pool_state *limit, unsigned int futile)
{
	struct dmem_cgroup_pool_state *found = NULL;

	/*
	 * A charge of nothing finds the pool without changing anything, but
	 * for a pool already above a lowered limit: count it at the limit.
	 */
	if (!pool && !dmem_evict_charge(owner, region->cg, 0, &found, NULL))
		pool = found;
	if (!pool)
		pool = limit;
	if (pool) {
		dmem_evict_pool_event(pool, DMEM_EVICT_EVENT_ENOMEM);
		if (futile)
			dmem_evict_pool_stat_add(pool,
						 DMEM_EVICT_STAT_FUTILE_EVICTIONS,
						 futile);
		trace_dmem_enomem(dmem_cgroup_region_name(region->cg),
				  dmem_cgroup_pool_cgroup_id(pool), owner->tgid,
				  size);
	}
	dmem_cgroup_uncharge(found, 0);
}

/**
 * dmem_evict_reclaim() - the region's reclaim callback
 * @pool: the pool above its lowered dmem.max
 * @target_bytes: how much to free
 * @priv: the eviction region
 *
 * Evicts unpinned buffers from @pool's subtree by steps 1 and 2 of the
 * policy; pinned memory is not revoked for a lowered dmem.max (it is limited
 * by dmem.pinned.max).
 *
 * Return: 0 if it evicted something, -ENOSPC if nothing (&struct
 * dmem_cgroup_ops).
 */
int dmem_evict_reclaim(struct dmem_cgroup_pool_state *pool, u64 target_bytes,
		       void *priv)
{
	struct dmem_evict_region *region = priv;
	u64 total = 0, freed;

	while (total < target_bytes && !signal_pending(current)) {
		if (dmem_evict_one(region, pool, NULL, false, &freed, NULL))
			break;
		total += freed;
		cond_resched();
	}
	return total ? 0 : -ENOSPC;
}
