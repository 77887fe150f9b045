// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of the soft-pin victim policy (DESIGN.md section 5), once, for
 * both callers: the eviction manager's victim choice (policy.c) and TTM's
 * eviction walk (kernel/ttm/ttm_dmem.c). A caller walks its own lists in
 * its own age order and asks here what each candidate is; it never decides
 * scope, protection or pins itself.
 *
 * Protection is the controller's: dmem_cgroup_state_evict_valuable(),
 * which answers what dmem_cgroup_below_min() and dmem_cgroup_below_low()
 * would, with the limiting pool (or, the region full, the top of the
 * hierarchy) as their root, from one computation of the effective
 * protection: the classifier runs per candidate of every victim choice.
 *
 * No locks: the controller's protection and usage figures are read as
 * they are, as the controller's own eviction checks do.
 */

#include <linux/dmem_policy.h>
#include <linux/export.h>

/**
 * dmem_victim_may_revoke() - may this request revoke pinned memory at all?
 * @q: the request
 *
 * Context: any context.
 * Return: true under the "soft" pin policy.
 */
bool dmem_victim_may_revoke(const struct dmem_victim_query *q)
{
	return q->policy == DMEM_PIN_POLICY_SOFT;
}
EXPORT_SYMBOL_GPL(dmem_victim_may_revoke);

/**
 * dmem_victim_classify() - what the policy does with one candidate
 * @q: the request for room
 * @pool: the pool the candidate is charged to
 * @pin: how the candidate is pinned
 * @requesters: the candidate belongs to the owner asking for room
 * @hit_low: optional; set to true when an unpinned candidate is held back
 *	only by its pool's effective low (step 2 may take it)
 *
 * Out of @q's scope (not in the limiting pool's subtree), below effective
 * min, hard-pinned, or soft-pinned by the requester: never. Unpinned:
 * step 1 above effective low, step 2 below it once @q->ignore_low is set.
 * Soft-pinned by another owner: step 3 under the "soft" policy, from a
 * pool above effective low; never under "strict".
 *
 * Context: any context.
 * Return: the step that may take the candidate, or %DMEM_VICTIM_NONE.
 */
enum dmem_victim_kind dmem_victim_classify(const struct dmem_victim_query *q,
					   struct dmem_cgroup_pool_state *pool,
					   enum dmem_pin_class pin,
					   bool requesters, bool *hit_low)
{
	bool low = false;

	if (q->limit && !dmem_cgroup_pool_is_descendant(pool, q->limit))
		return DMEM_VICTIM_NONE;
	if (pin == DMEM_PIN_HARD ||
	    (pin == DMEM_PIN_SOFT && (requesters || !dmem_victim_may_revoke(q))))
		return DMEM_VICTIM_NONE;
	if (dmem_cgroup_state_evict_valuable(q->limit, pool, false, &low))
		return pin == DMEM_PIN_SOFT ? DMEM_VICTIM_REVOKE : DMEM_VICTIM_EVICT;
	/* Below min: never. Below low: unpinned waits for step 2; pinned, never. */
	if (!low || pin == DMEM_PIN_SOFT)
		return DMEM_VICTIM_NONE;
	if (hit_low)
		*hit_low = true;
	return q->ignore_low ? DMEM_VICTIM_EVICT_LOW : DMEM_VICTIM_NONE;
}
EXPORT_SYMBOL_GPL(dmem_victim_classify);

/**
 * dmem_policy_limit_need() - bytes a pool's dmem.max lacks for a request
 * @pool: a pool on the requester's way up
 * @size: the bytes asked for
 *
 * Context: any context.
 * Return: the bytes above @pool's dmem.max once @size more is charged;
 * 0 if it has room.
 */
u64 dmem_policy_limit_need(struct dmem_cgroup_pool_state *pool, u64 size)
{
	u64 usage = dmem_cgroup_pool_usage(pool);
	u64 max = dmem_cgroup_pool_max(pool);

	return usage + size > max ? usage + size - max : 0;
}
EXPORT_SYMBOL_GPL(dmem_policy_limit_need);
