// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: the one extension a layer above the controller may register
 * (struct dmem_cgroup_extension): its dmem.events and dmem.stat keys, the
 * counters behind them, and a per-region settings file.
 *
 * The controller reserves the room in every pool and region up front, so
 * the order of registration does not matter: a pool created before the
 * extension registers has zeroed counters, which is what nothing counted
 * reads as, and every region, whenever registered, has its private words
 * set by the extension's region_init before the extension's keys or file
 * can show it. The extension is never unregistered.
 */

#include <linux/cgroup.h>
#include <linux/string.h>

#include "dmem_internal.h"

/* Set once, under dmem_mutex; read locklessly with dmem_extension(). */
static const struct dmem_cgroup_extension *dmem_ext;

/**
 * dmem_extension() - the registered extension
 *
 * Return: the extension, or NULL before one registers. Everything its
 * region_init wrote before registration completed is visible to the
 * caller.
 */
const struct dmem_cgroup_extension *dmem_extension(void)
{
	/* Pairs with smp_store_release() in dmem_cgroup_register_extension(). */
	return smp_load_acquire(&dmem_ext);
}

/**
 * dmem_ext_region_init_locked() - let the extension set up a new region
 * @region: the region, not yet listed in dmem_regions
 *
 * The caller holds dmem_mutex, so the extension either registered before
 * (and sets the region up here) or registers after (and sets it up then).
 */
void dmem_ext_region_init_locked(struct dmem_cgroup_region *region)
{
	lockdep_assert_held(&dmem_mutex);

	if (dmem_ext)
		dmem_ext->region_init(region->ext_data);
}

static bool dmem_ext_valid(const struct dmem_cgroup_extension *ext)
{
	if (!ext || ext->nr_events > DMEM_CGROUP_EXT_MAX_EVENTS ||
	    ext->nr_stats > DMEM_CGROUP_EXT_MAX_STATS ||
	    (ext->nr_events && !ext->event_names) ||
	    (ext->nr_stats && !ext->stat_names) || !ext->region_init)
		return false;
	if (!ext->region_file)
		return true;
	return strlen(ext->region_file) < sizeof(dmemcg_ext_files[0].name) &&
	       ext->region_show && ext->region_parse && ext->region_apply;
}

/**
 * dmem_cgroup_register_extension() - add a layer's keys and file to dmem.*
 * @ext: what the layer adds (&struct dmem_cgroup_extension); must stay
 *	valid for the life of the kernel
 *
 * From the return on, dmem.events and dmem.events.local show @ext's event
 * keys after the controller's, dmem.stat shows its statistic keys after
 * current and pinned, and the root cgroup has the file dmem.<region_file>.
 * At most one extension registers, once; it is never removed.
 *
 * Regions and pools may exist before the call: every region registered so
 * far is passed to @ext->region_init here, every later one at its
 * registration, and pools created earlier start with zeroed counters.
 *
 * Context: process context, may sleep; takes cgroup_mutex, so not from a
 * cgroup callback.
 * Return: 0; -EINVAL for an invalid @ext, -EBUSY if an extension is
 * already registered, or the error of adding the file (-ENOMEM), in which
 * case the keys are shown but the file is missing.
 */
int dmem_cgroup_register_extension(const struct dmem_cgroup_extension *ext)
{
	struct dmem_cgroup_region *region;
	int ret;

	if (!dmem_ext_valid(ext))
		return -EINVAL;

	mutex_lock(&dmem_mutex);
	if (dmem_ext) {
		mutex_unlock(&dmem_mutex);
		return -EBUSY;
	}
	list_for_each_entry(region, &dmem_regions, node)
		ext->region_init(region->ext_data);
	/* Readers that see @ext see every region's words set up. */
	smp_store_release(&dmem_ext, ext);
	mutex_unlock(&dmem_mutex);

	if (!ext->region_file)
		return 0;
	/* Outside dmem_mutex: cgroup_mutex nests outside it (css_offline). */
	strscpy(dmemcg_ext_files[0].name, ext->region_file);
	strscpy(dmemcg_ext_legacy_files[0].name, ext->region_file);
	ret = cgroup_add_dfl_cftypes(&dmem_cgrp_subsys, dmemcg_ext_files);
	if (ret)
		return ret;
	return cgroup_add_legacy_cftypes(&dmem_cgrp_subsys,
					 dmemcg_ext_legacy_files);
}

/**
 * dmem_cgroup_pool_ext_event() - count one of the extension's events
 * @pool: pool the event happened to
 * @event: index into the extension's event_names
 *
 * As dmem_cgroup_pool_event(), for the keys the extension added.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_ext_event(struct dmem_cgroup_pool_state *pool,
				unsigned int event)
{
	if (pool && !WARN_ON_ONCE(event >= DMEM_CGROUP_EXT_MAX_EVENTS))
		dmem_pool_event_add(pool, DMEM_CGROUP_NR_EVENTS + event, 1);
}

/**
 * dmem_cgroup_pool_ext_stat_add() - change one of the extension's statistics
 * @pool: pool the change applies to
 * @item: index into the extension's stat_names
 * @delta: the change; gauges go up and down, counters only up
 *
 * The change applies to @pool and to all its ancestors: dmem.stat shows
 * subtree totals.
 *
 * Context: any context.
 */
void dmem_cgroup_pool_ext_stat_add(struct dmem_cgroup_pool_state *pool,
				   unsigned int item, s64 delta)
{
	if (!pool || WARN_ON_ONCE(item >= DMEM_CGROUP_EXT_MAX_STATS))
		return;
	for (; pool; pool = pool->parent)
		atomic64_add(delta, &pool->ext_stat[item]);
}

/**
 * dmem_cgroup_pool_ext_stat() - one of the extension's statistics of a
 *	pool's subtree
 * @pool: the pool
 * @item: index into the extension's stat_names
 *
 * Context: any context; lockless. The extension decides how current the
 * value is: whoever changes it may serialize the changes with a lock of
 * its own.
 * Return: the subtree total dmem.stat shows.
 */
s64 dmem_cgroup_pool_ext_stat(struct dmem_cgroup_pool_state *pool,
			      unsigned int item)
{
	if (WARN_ON_ONCE(item >= DMEM_CGROUP_EXT_MAX_STATS))
		return 0;
	return atomic64_read(&pool->ext_stat[item]);
}

/**
 * dmem_cgroup_region_ext_data() - the extension's private words of a region
 * @region: the region
 *
 * The controller only stores them: the extension's region_init and
 * region_apply write them under the controller's lock, and the extension
 * reads them locklessly (READ_ONCE()).
 *
 * Return: %DMEM_CGROUP_EXT_REGION_WORDS words, valid while @region is.
 */
unsigned long *dmem_cgroup_region_ext_data(struct dmem_cgroup_region *region)
{
	return region->ext_data;
}
