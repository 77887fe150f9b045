// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the test-only interface (dmem_test.h), built with
 * CONFIG_DMEM_TEST_HOOKS only. It lets the KUnit suites build pool
 * hierarchies without cgroups ("detached" pools), read what the files would
 * show, count live objects and wait until released ones are freed.
 */

#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

#include "dmem_internal.h"
#include "dmem_test.h"

static atomic_t dmem_test_objs[DMEM_TEST_NR_OBJS];

/**
 * dmem_test_count() - count live regions or pools
 * @obj: which
 * @delta: +1 on creation, -1 when freed
 */
void dmem_test_count(enum dmem_test_obj obj, int delta)
{
	atomic_add(delta, &dmem_test_objs[obj]);
}

/**
 * dmem_test_nr_regions() - regions alive, unregistered ones with pools too
 *
 * Return: the count.
 */
int dmem_test_nr_regions(void)
{
	return atomic_read(&dmem_test_objs[DMEM_TEST_OBJ_REGION]);
}

/**
 * dmem_test_nr_pools() - pools alive
 *
 * Return: the count.
 */
int dmem_test_nr_pools(void)
{
	return atomic_read(&dmem_test_objs[DMEM_TEST_OBJ_POOL]);
}

/*
 * True while a removed cgroup has not gone offline yet. rmdir() returns
 * before the cgroup core offlines the css (after a grace period, from its
 * own workqueue), and only going offline kills the cgroup's pools.
 */
static bool dmem_offline_pending(void)
{
	struct cgroup_subsys_state *root = init_css_set.subsys[dmem_cgrp_id];
	struct cgroup_subsys_state *css;
	bool pending = false;

	mutex_lock(&dmem_mutex);
	rcu_read_lock();
	css_for_each_descendant_pre(css, root) {
		if (css_is_dying(css) && !css_to_dmemcs(css)->offline) {
			pending = true;
			break;
		}
	}
	rcu_read_unlock();
	mutex_unlock(&dmem_mutex);
	return pending;
}

/**
 * dmem_test_quiesce() - wait for released pools and regions to be freed
 *
 * For the tests, so that they can count live objects exactly: waits for
 * removed cgroups to go offline (which kills their pools), for the kills in
 * flight to complete, then for the releases they started, then for the
 * frees after a grace period. A fatal signal ends the wait for offlining.
 */
void dmem_test_quiesce(void)
{
	while (dmem_offline_pending() && !fatal_signal_pending(current))
		usleep_range(1000, 2000);
	rcu_barrier();
	if (dmem_wq)
		flush_workqueue(dmem_wq);
	rcu_barrier();
}

/**
 * dmem_pool_create_detached() - create a pool outside any cgroup
 * @region: its region
 * @parent: its parent pool, or NULL
 *
 * For the KUnit tests, which build pool hierarchies without cgroups. The
 * pool holds the same references as any other and is killed, like all
 * pools of the region, when the region is unregistered.
 *
 * Return: the pool, without a reference for the caller; or an ERR_PTR().
 */
struct dmem_cgroup_pool_state *
dmem_pool_create_detached(struct dmem_cgroup_region *region,
			  struct dmem_cgroup_pool_state *parent)
{
	struct dmem_cgroup_pool_state *pool;

	mutex_lock(&dmem_mutex);
	if (region->dead)
		pool = ERR_PTR(-ENODEV);
	else
		pool = dmem_pool_create_locked(NULL, region, parent);
	mutex_unlock(&dmem_mutex);
	return pool;
}

/**
 * dmem_test_try_charge() - charge a pool directly, as the charge path does
 * @pool: the pool; the caller holds the reference the charge keeps
 * @size: bytes
 * @ret_limit_pool: set as dmem_cgroup_try_charge() does, or NULL
 *
 * Return: as dmem_cgroup_try_charge(): -ENODEV once the region is
 * unregistered.
 */
int dmem_test_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
			 struct dmem_cgroup_pool_state **ret_limit_pool)
{
	if (READ_ONCE(pool->region->dead)) {
		if (ret_limit_pool)
			*ret_limit_pool = NULL;
		return -ENODEV;
	}
	return dmem_pool_try_charge(pool, size, ret_limit_pool);
}

/**
 * dmem_test_pool_size() - the size of a pool's structure
 *
 * Return: bytes, for the benchmarks' memory report.
 */
size_t dmem_test_pool_size(void)
{
	return sizeof(struct dmem_cgroup_pool_state);
}

/**
 * dmem_test_set_limit() - set a limit or protection as a non-blocking write
 *	of its file does
 * @pool: the pool
 * @type: %DMEM_FILE_MIN, %DMEM_FILE_LOW, %DMEM_FILE_MAX or
 *	%DMEM_FILE_PINNED_MAX
 * @value: bytes, at most DMEM_VALUE_MAX
 */
void dmem_test_set_limit(struct dmem_cgroup_pool_state *pool,
			 enum dmem_file type, u64 value)
{
	mutex_lock(&dmem_mutex);
	dmem_pool_set_limit_locked(pool, type, value);
	mutex_unlock(&dmem_mutex);
	if (type == DMEM_FILE_MAX)
		dmem_stock_drain_region(pool->region);
}

/**
 * dmem_test_reclaim() - evict down to dmem.max, as a blocking write of
 *	dmem.max does after setting it
 * @pool: the pool
 */
void dmem_test_reclaim(struct dmem_cgroup_pool_state *pool)
{
	dmem_pool_reclaim(pool);
}

/**
 * dmem_test_event() - a count of one of the controller's events of a pool
 * @pool: the pool
 * @event: the event
 * @local: dmem.events.local's count rather than dmem.events'
 *
 * Return: the count.
 */
s64 dmem_test_event(struct dmem_cgroup_pool_state *pool,
		    enum dmem_cgroup_event event, bool local)
{
	return atomic64_read(local ? &pool->events_local[event] :
				     &pool->events[event]);
}

/**
 * dmem_test_ext_event() - a count of one of the extension's events of a pool
 * @pool: the pool
 * @event: index into the extension's event_names
 * @local: dmem.events.local's count rather than dmem.events'
 *
 * Return: the count.
 */
s64 dmem_test_ext_event(struct dmem_cgroup_pool_state *pool,
			unsigned int event, bool local)
{
	unsigned int slot = DMEM_CGROUP_NR_EVENTS + event;

	return atomic64_read(local ? &pool->events_local[slot] :
				     &pool->events[slot]);
}

/**
 * dmem_test_peak() - dmem.peak of a pool
 * @pool: the pool
 *
 * Return: bytes.
 */
u64 dmem_test_peak(struct dmem_cgroup_pool_state *pool)
{
	return pool->cnt.watermark;
}

/**
 * dmem_test_pinned() - dmem.pinned.current of a pool
 * @pool: the pool
 *
 * Return: bytes.
 */
u64 dmem_test_pinned(struct dmem_cgroup_pool_state *pool)
{
	return page_counter_read(&pool->pinned);
}

/**
 * dmem_test_emin() - the effective dmem.min of a pool, as last computed
 * @pool: the pool
 *
 * Return: bytes.
 */
u64 dmem_test_emin(struct dmem_cgroup_pool_state *pool)
{
	return READ_ONCE(pool->cnt.emin);
}

/**
 * dmem_test_elow() - the effective dmem.low of a pool, as last computed
 * @pool: the pool
 *
 * Return: bytes.
 */
u64 dmem_test_elow(struct dmem_cgroup_pool_state *pool)
{
	return READ_ONCE(pool->cnt.elow);
}

static struct dmemcg_state *dmem_test_root(void)
{
	/* The root css is static: never replaced, never freed. */
	return css_to_dmemcs(rcu_dereference_protected(cgrp_dfl_root.cgrp.subsys[dmem_cgrp_id],
						       true));
}

/**
 * dmem_test_show_root() - the line a region contributes to a root file
 * @region: the region
 * @type: the file
 * @buf: where to put the line, newline included, NUL-terminated
 * @size: bytes at @buf
 *
 * Return: 0; -EOVERFLOW if the line does not fit.
 */
int dmem_test_show_root(struct dmem_cgroup_region *region, enum dmem_file type,
			char *buf, size_t size)
{
	struct seq_file sf = { .buf = buf, .size = size - 1 };

	rcu_read_lock();
	dmemcg_show_region(&sf, dmem_test_root(), region, type);
	rcu_read_unlock();
	/* seq_file marks an overflow by a count of its whole size. */
	if (sf.count >= sf.size)
		return -EOVERFLOW;
	buf[sf.count] = '\0';
	return 0;
}

/**
 * dmem_test_write_root() - a non-blocking write of a root cgroup's file
 * @buf: the text, NUL-terminated; modified
 * @type: the file
 *
 * Return: as dmemcg_write().
 */
ssize_t dmem_test_write_root(char *buf, enum dmem_file type)
{
	return dmemcg_write(dmem_test_root(), buf, type, true);
}

/**
 * dmem_test_region_registered() - whether a region of that name is live
 * @name: the name
 *
 * Return: true if a lookup by name finds it.
 */
bool dmem_test_region_registered(const char *name)
{
	struct dmem_cgroup_region *region = dmem_region_get_by_name(name);

	if (region)
		dmem_region_put(region);
	return !!region;
}
