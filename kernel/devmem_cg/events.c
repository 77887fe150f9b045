// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: event counters (dmem.events, dmem.events.local) and the statistics
 * the eviction layer maintains (dmem.stat).
 *
 * Events are rare (a failed charge, an eviction), so plain atomics and a
 * walk up the hierarchy are cheap enough and keep the files exact.
 */

#include <linux/export.h>

#include "dmem_internal.h"

const char *const dmem_event_names[DMEM_CGROUP_NR_EVENTS] = {
	[DMEM_CGROUP_EVENT_LOW] = "low",
	[DMEM_CGROUP_EVENT_MAX] = "max",
	[DMEM_CGROUP_EVENT_PIN_MAX] = "pin_max",
	[DMEM_CGROUP_EVENT_EVICT] = "evict",
	[DMEM_CGROUP_EVENT_REVOKE] = "revoke",
	[DMEM_CGROUP_EVENT_ENOMEM] = "enomem",
};

const char *const dmem_stat_names[DMEM_CGROUP_NR_STATS] = {
	[DMEM_CGROUP_STAT_EVICTABLE] = "evictable",
	[DMEM_CGROUP_STAT_BUFFERS] = "buffers",
	[DMEM_CGROUP_STAT_OWNERS] = "owners",
	[DMEM_CGROUP_STAT_EVICTED_BYTES] = "evicted_bytes",
	[DMEM_CGROUP_STAT_REVOKED_BYTES] = "revoked_bytes",
	[DMEM_CGROUP_STAT_FUTILE_EVICTIONS] = "futile_evictions",
};

/**
 * dmem_pool_event_add() - count events and notify the files showing them
 * @pool: pool the events happened to
 * @event: which
 * @count: how many
 *
 * Callable in any context: cgroup_file_notify() takes an irq-safe lock.
 * The pools up the hierarchy are referenced by @pool, and each holds its
 * css, so the cgroup_file handles are valid (cgroup core clears them when
 * a cgroup's files go away).
 */
void dmem_pool_event_add(struct dmem_cgroup_pool_state *pool,
			 enum dmem_cgroup_event event, u64 count)
{
	struct dmem_cgroup_pool_state *pos;

	atomic64_add(count, &pool->events_local[event]);
	if (!dmem_pool_detached(pool))
		cgroup_file_notify(&pool->cs->events_local_file);

	for (pos = pool; pos; pos = pos->parent) {
		atomic64_add(count, &pos->events[event]);
		if (!dmem_pool_detached(pos))
			cgroup_file_notify(&pos->cs->events_file);
	}
}

/**
 * dmem_cgroup_pool_event() - count an event
 * @pool: pool the event happened to
 * @event: the event
 *
 * Counts @event in dmem.events.local of @pool's cgroup and in dmem.events
 * of the cgroup and of all its ancestors, and wakes poll() and inotify
 * watchers of those files. The controller counts %DMEM_CGROUP_EVENT_MAX and
 * %DMEM_CGROUP_EVENT_PIN_MAX itself; the eviction layer counts the others.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_event(struct dmem_cgroup_pool_state *pool,
			    enum dmem_cgroup_event event)
{
	if (pool && !WARN_ON_ONCE(event >= DMEM_CGROUP_NR_EVENTS))
		dmem_pool_event_add(pool, event, 1);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_event);

/**
 * dmem_cgroup_pool_stat_add() - change a statistic shown in dmem.stat
 * @pool: pool the change applies to
 * @item: the statistic
 * @delta: the change; gauges go up and down, counters only up
 *
 * The change applies to @pool and to all its ancestors: dmem.stat shows
 * subtree totals.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_stat_add(struct dmem_cgroup_pool_state *pool,
			       enum dmem_cgroup_stat item, s64 delta)
{
	if (!pool || WARN_ON_ONCE(item >= DMEM_CGROUP_NR_STATS))
		return;
	for (; pool; pool = pool->parent)
		atomic64_add(delta, &pool->stat[item]);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_stat_add);

/**
 * dmem_cgroup_pool_stat() - a statistic of a pool's subtree
 * @pool: the pool
 * @item: the statistic
 *
 * Context: any context; lockless. Whoever changes @item with
 * dmem_cgroup_pool_stat_add() decides how current the value is: the
 * eviction manager changes its gauges under its region lock.
 * Return: the subtree total dmem.stat shows.
 */
s64 dmem_cgroup_pool_stat(struct dmem_cgroup_pool_state *pool,
			  enum dmem_cgroup_stat item)
{
	if (WARN_ON_ONCE(item >= DMEM_CGROUP_NR_STATS))
		return 0;
	return atomic64_read(&pool->stat[item]);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_pool_stat);
