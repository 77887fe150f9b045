/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The soft-pin victim policy of DESIGN.md section 5, as one function that
 * both of its callers use: the dmem eviction manager (kernel/evict/policy.c)
 * and TTM's eviction walk (kernel/ttm/ttm_dmem.c). The callers keep their
 * own lists and walks; what a candidate is (evicted, evicted under low,
 * revoked, or left alone) and how much a limit needs freed are decided
 * here only (kernel/evict/classify.c).
 */
#ifndef _LINUX_DMEM_POLICY_H
#define _LINUX_DMEM_POLICY_H

#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/types.h>

/**
 * enum dmem_victim_kind - what the policy does with a candidate
 * @DMEM_VICTIM_NONE: never taken for this request
 * @DMEM_VICTIM_EVICT: step 1, evicted (unpinned, above effective low)
 * @DMEM_VICTIM_EVICT_LOW: step 2, evicted only once step 1 found nothing,
 *	counted as a "low" event
 * @DMEM_VICTIM_REVOKE: step 3, revoked after steps 1 and 2 found nothing
 */
enum dmem_victim_kind {
	DMEM_VICTIM_NONE,
	DMEM_VICTIM_EVICT,
	DMEM_VICTIM_EVICT_LOW,
	DMEM_VICTIM_REVOKE,
};

/**
 * enum dmem_pin_class - how a candidate is held in device memory
 * @DMEM_PIN_NONE: not pinned
 * @DMEM_PIN_SOFT: pinned by importers that accept a revoke only
 * @DMEM_PIN_HARD: pinned by the driver or by an importer that cannot be
 *	revoked; never a victim
 */
enum dmem_pin_class {
	DMEM_PIN_NONE,
	DMEM_PIN_SOFT,
	DMEM_PIN_HARD,
};

/**
 * struct dmem_victim_query - a request for room, as the policy sees it
 * @limit: the pool whose dmem.max was hit, or NULL when the region is full
 * @policy: the region's pin policy (dmem.policy)
 * @ignore_low: step 2 has begun: memory below effective low may go
 */
struct dmem_victim_query {
	struct dmem_cgroup_pool_state *limit;
	enum dmem_pin_policy policy;
	bool ignore_low;
};

enum dmem_victim_kind dmem_victim_classify(const struct dmem_victim_query *q,
					   struct dmem_cgroup_pool_state *pool,
					   enum dmem_pin_class pin,
					   bool requesters, bool *hit_low);
bool dmem_victim_may_revoke(const struct dmem_victim_query *q);
u64 dmem_policy_limit_need(struct dmem_cgroup_pool_state *pool, u64 size);

#endif /* _LINUX_DMEM_POLICY_H */
