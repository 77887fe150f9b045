/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the eviction layer adds to the dmem cgroup files: its events (the
 * last keys of dmem.events and dmem.events.local), its statistics (the
 * keys of dmem.stat after current and pinned) and the per-region pin
 * policy of dmem.policy. kernel/evict/cgroup.c registers them with the
 * controller (struct dmem_cgroup_extension in linux/cgroup_dmem.h) at
 * boot; without CONFIG_DMEM_EVICT none of them exists, and the stubs below
 * count nothing and report the defaults.
 */
#ifndef _LINUX_DMEM_EVICT_CGROUP_H
#define _LINUX_DMEM_EVICT_CGROUP_H

#include <linux/types.h>

struct dmem_cgroup_pool_state;
struct dmem_cgroup_region;

/**
 * enum dmem_evict_event - the eviction layer's keys of dmem.events
 * @DMEM_EVICT_EVENT_EVICT: a buffer of the pool was evicted
 * @DMEM_EVICT_EVENT_REVOKE: a pinned buffer of the pool was revoked
 * @DMEM_EVICT_EVENT_ENOMEM: an allocation charged to the pool failed for
 *	lack of anything that could be evicted
 * @DMEM_EVICT_NR_EVENTS: number of events
 */
enum dmem_evict_event {
	DMEM_EVICT_EVENT_EVICT,
	DMEM_EVICT_EVENT_REVOKE,
	DMEM_EVICT_EVENT_ENOMEM,
	DMEM_EVICT_NR_EVENTS,
};

/**
 * enum dmem_evict_stat - the eviction layer's keys of dmem.stat
 * @DMEM_EVICT_STAT_EVICTABLE: bytes that could be evicted (gauge)
 * @DMEM_EVICT_STAT_BUFFERS: buffers charged (gauge)
 * @DMEM_EVICT_STAT_OWNERS: owners with memory in the region (gauge)
 * @DMEM_EVICT_STAT_EVICTED_BYTES: bytes evicted so far (counter)
 * @DMEM_EVICT_STAT_REVOKED_BYTES: bytes revoked so far (counter)
 * @DMEM_EVICT_STAT_FUTILE_EVICTIONS: evictions and revokes made for an
 *	allocation that then failed, because others took the room meanwhile
 *	(counter)
 * @DMEM_EVICT_NR_STATS: number of statistics
 */
enum dmem_evict_stat {
	DMEM_EVICT_STAT_EVICTABLE,
	DMEM_EVICT_STAT_BUFFERS,
	DMEM_EVICT_STAT_OWNERS,
	DMEM_EVICT_STAT_EVICTED_BYTES,
	DMEM_EVICT_STAT_REVOKED_BYTES,
	DMEM_EVICT_STAT_FUTILE_EVICTIONS,
	DMEM_EVICT_NR_STATS,
};

/**
 * enum dmem_pin_policy - what may happen to pinned memory of a region,
 *	set in dmem.policy
 * @DMEM_PIN_POLICY_SOFT: pinned buffers of other owners may be revoked as
 *	a last resort (the default)
 * @DMEM_PIN_POLICY_STRICT: pinned buffers are never revoked
 */
enum dmem_pin_policy {
	DMEM_PIN_POLICY_SOFT,
	DMEM_PIN_POLICY_STRICT,
};

/* The revoke timeout of a region that dmem.policy never set. */
#define DMEM_EVICT_DEFAULT_REVOKE_TIMEOUT_MS	1000

/* Kernel-doc of each function is at its definition, kernel/evict/cgroup.c. */
#if IS_ENABLED(CONFIG_DMEM_EVICT)

void dmem_evict_pool_event(struct dmem_cgroup_pool_state *pool,
			   enum dmem_evict_event event);
void dmem_evict_pool_stat_add(struct dmem_cgroup_pool_state *pool,
			      enum dmem_evict_stat item, s64 delta);
s64 dmem_evict_pool_stat(struct dmem_cgroup_pool_state *pool,
			 enum dmem_evict_stat item);
enum dmem_pin_policy dmem_evict_pin_policy(struct dmem_cgroup_region *region);
unsigned int dmem_evict_revoke_timeout_ms(struct dmem_cgroup_region *region);

#else /* CONFIG_DMEM_EVICT */

static inline void dmem_evict_pool_event(struct dmem_cgroup_pool_state *pool,
					 enum dmem_evict_event event)
{
}

static inline void dmem_evict_pool_stat_add(struct dmem_cgroup_pool_state *pool,
					    enum dmem_evict_stat item, s64 delta)
{
}

static inline s64 dmem_evict_pool_stat(struct dmem_cgroup_pool_state *pool,
				       enum dmem_evict_stat item)
{
	return 0;
}

static inline enum dmem_pin_policy
dmem_evict_pin_policy(struct dmem_cgroup_region *region)
{
	return DMEM_PIN_POLICY_SOFT;
}

static inline unsigned int
dmem_evict_revoke_timeout_ms(struct dmem_cgroup_region *region)
{
	return DMEM_EVICT_DEFAULT_REVOKE_TIMEOUT_MS;
}

#endif /* CONFIG_DMEM_EVICT */

#endif /* _LINUX_DMEM_EVICT_CGROUP_H */
