// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: event counters (dmem.events, dmem.events.local), the controller's
 * own and, in further slots, those of the extension (extension.c).
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
};

/**
 * dmem_pool_event_add() - count events and notify the files showing them
 * @pool: pool the events happened to
 * @slot: which: an enum dmem_cgroup_event, or %DMEM_CGROUP_NR_EVENTS plus
 *	an event of the extension
 * @count: how many
 *
 * Callable in any context: cgroup_file_notify() takes an irq-safe lock.
 * The pools up the hierarchy are referenced by @pool, and each holds its
 * css, so the cgroup_file handles are valid (cgroup core clears them when
 * a cgroup's files go away).
 */
void dmem_pool_event_add(struct dmem_cgroup_pool_state *pool,
			 unsigned int slot, u64 count)
{
	struct dmem_cgroup_pool_state *pos;

	atomic64_add(count, &pool->events_local[slot]);
	if (!dmem_pool_detached(pool))
		cgroup_file_notify(&pool->cs->events_local_file);

	for (pos = pool; pos; pos = pos->parent) {
		atomic64_add(count, &pos->events[slot]);
		if (!dmem_pool_detached(pos))
			cgroup_file_notify(&pos->cs->events_file);
	}
}

/**
 * dmem_cgroup_pool_event() - count one of the controller's events
 * @pool: pool the event happened to
 * @event: the event
 *
 * Counts @event in dmem.events.local of @pool's cgroup and in dmem.events
 * of the cgroup and of all its ancestors, and wakes poll() and inotify
 * watchers of those files. The controller counts %DMEM_CGROUP_EVENT_MAX and
 * %DMEM_CGROUP_EVENT_PIN_MAX itself; whoever evicts counts
 * %DMEM_CGROUP_EVENT_LOW.
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
