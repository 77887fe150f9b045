// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: registration of device memory regions.
 */

#include <linux/ctype.h>
#include <linux/export.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dmem_internal.h"

/* The controller's one lock for writers; see dmem_internal.h. */
DEFINE_MUTEX(dmem_mutex);

/* Registered regions, in registration order. See dmem_internal.h. */
LIST_HEAD(dmem_regions);

static bool dmem_region_name_valid(const char *name)
{
	size_t len = strlen(name);
	size_t i;

	/* The files separate the name from the value with white space. */
	if (!len || len > DMEM_REGION_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isgraph(name[i]))
			return false;
	return true;
}

static struct dmem_cgroup_region *dmem_region_find_locked(const char *name)
{
	struct dmem_cgroup_region *region;

	lockdep_assert_held(&dmem_mutex);

	list_for_each_entry(region, &dmem_regions, node)
		if (!strcmp(region->name, name))
			return region;
	return NULL;
}

static struct dmem_cgroup_region *
dmem_region_alloc(const struct dmem_cgroup_init *init, const char *name)
{
	struct dmem_cgroup_region *region;
	size_t len = strlen(name);

	region = kzalloc(struct_size(region, name, len + 1), GFP_KERNEL);
	if (!region)
		return NULL;
	kref_init(&region->ref);
	INIT_LIST_HEAD(&region->pools);
	init_rwsem(&region->reclaim_rwsem);
	region->size = init->size;
	region->reclaim_ops = init->ops;
	region->reclaim_priv = init->reclaim_priv;
	memcpy(region->name, name, len + 1);
	return region;
}

/**
 * dmem_cgroup_register_region() - register a region of device memory
 * @init: the region's size, and optionally its callbacks
 *	(&struct dmem_cgroup_init); read during the call only
 * @name_fmt: printf format of the region's name, e.g. "drm/%s/vram0"; the
 *	name must be unique, at most 127 characters, without white space
 *
 * From the return on, charges to the region are accounted and shown in the
 * dmem.* files, and a write to dmem.max that leaves a pool of the region
 * above its limit calls @init->ops->reclaim, if any, with
 * @init->reclaim_priv (see &struct dmem_cgroup_ops).
 *
 * Context: process context, may sleep.
 * Return: the region; NULL if @init->size is 0 (nothing to account); an
 * ERR_PTR() on failure: -EINVAL for a NULL @init or an invalid name,
 * -EEXIST for a name in use, -ENOMEM.
 */
struct dmem_cgroup_region *
dmem_cgroup_register_region(const struct dmem_cgroup_init *init,
			    const char *name_fmt, ...)
{
	struct dmem_cgroup_region *region;
	va_list args;
	char *name;
	int err;

	if (!init)
		return ERR_PTR(-EINVAL);
	if (!init->size)
		return NULL;

	va_start(args, name_fmt);
	name = kvasprintf(GFP_KERNEL, name_fmt, args);
	va_end(args);
	if (!name)
		return ERR_PTR(-ENOMEM);

	err = -EINVAL;
	if (!dmem_region_name_valid(name))
		goto out_free_name;

	err = -ENOMEM;
	region = dmem_region_alloc(init, name);
	if (!region)
		goto out_free_name;

	mutex_lock(&dmem_mutex);
	if (dmem_region_find_locked(name)) {
		mutex_unlock(&dmem_mutex);
		kfree(region);
		err = -EEXIST;
		goto out_free_name;
	}
	dmem_ext_region_init_locked(region);
	list_add_tail_rcu(&region->node, &dmem_regions);
	dmem_test_count(DMEM_TEST_OBJ_REGION, 1);
	mutex_unlock(&dmem_mutex);

	kfree(name);
	return region;

out_free_name:
	kfree(name);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_register_region);

/**
 * dmem_cgroup_unregister_region() - remove a region
 * @region: the region, or NULL or an ERR_PTR() (ignored)
 *
 * The region disappears from the dmem.* files at once, and later charges to
 * it fail with -ENODEV. Memory still charged to it stays charged, and its
 * pools stay valid, until it is uncharged. Waits for a running reclaim
 * callback of the region to return, and calls none after: the driver may
 * free the callback's private data once this returns.
 *
 * Context: process context, may sleep.
 */
void dmem_cgroup_unregister_region(struct dmem_cgroup_region *region)
{
	struct dmem_cgroup_pool_state *pool;

	if (IS_ERR_OR_NULL(region))
		return;

	mutex_lock(&dmem_mutex);
	WRITE_ONCE(region->dead, true);
	list_del_rcu(&region->node);
	/*
	 * Drop the initial reference of every pool: uncharged pools go now,
	 * charged ones when their last charge does. Their cgroups keep them
	 * listed until then, which is harmless: readers look pools up by
	 * region, and the region is no longer listed.
	 */
	list_for_each_entry(pool, &region->pools, region_node)
		dmem_pool_kill_locked(pool);
	mutex_unlock(&dmem_mutex);
	dmem_stock_drain_killed();

	/* Wait for a running reclaim callback before the driver goes. */
	dmem_cgroup_region_set_reclaim(region, NULL, NULL);
	dmem_region_put(region);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_unregister_region);

/**
 * dmem_region_get_by_name() - look up a registered region
 * @name: its name
 *
 * Return: the region with a reference, or NULL if no live region has that
 * name.
 */
struct dmem_cgroup_region *dmem_region_get_by_name(const char *name)
{
	struct dmem_cgroup_region *region;

	rcu_read_lock();
	list_for_each_entry_rcu(region, &dmem_regions, node) {
		if (strcmp(region->name, name))
			continue;
		/* Unregistration may have dropped the last reference. */
		if (!kref_get_unless_zero(&region->ref))
			region = NULL;
		rcu_read_unlock();
		return region;
	}
	rcu_read_unlock();
	return NULL;
}

/**
 * dmem_region_get() - take a reference on a region
 * @region: a region the caller holds a reference on
 */
void dmem_region_get(struct dmem_cgroup_region *region)
{
	kref_get(&region->ref);
}

static void dmem_region_release(struct kref *ref)
{
	struct dmem_cgroup_region *region =
		container_of(ref, struct dmem_cgroup_region, ref);

	dmem_test_count(DMEM_TEST_OBJ_REGION, -1);
	/* dmem_regions readers may still look at the name. */
	kfree_rcu(region, rcu);
}

/**
 * dmem_region_put() - drop a reference on a region
 * @region: the region
 */
void dmem_region_put(struct dmem_cgroup_region *region)
{
	kref_put(&region->ref, dmem_region_release);
}

/**
 * dmem_cgroup_region_name() - name of a region
 * @region: the region
 *
 * Return: the name; valid while the region is.
 */
const char *dmem_cgroup_region_name(struct dmem_cgroup_region *region)
{
	return region->name;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_region_name);

/**
 * dmem_cgroup_region_size() - the size a region was registered with
 * @region: the region
 *
 * Return: bytes, what dmem.capacity shows.
 */
u64 dmem_cgroup_region_size(struct dmem_cgroup_region *region)
{
	return region->size;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_region_size);

/**
 * dmem_cgroup_region_set_reclaim() - replace the reclaim callback
 * @region: the region
 * @ops: the callbacks, or NULL to remove them
 * @priv: passed to the callbacks
 *
 * Replaces what registration installed from &struct dmem_cgroup_init. A
 * layer that takes over a registered region's eviction (the eviction
 * manager, dmem_evict_region_create()) installs itself here. Replacing or
 * removing the callbacks waits for a running call to return, so @priv may
 * be freed once this returns with @ops NULL.
 *
 * Context: process context, may sleep.
 */
void dmem_cgroup_region_set_reclaim(struct dmem_cgroup_region *region,
				    const struct dmem_cgroup_ops *ops,
				    void *priv)
{
	down_write(&region->reclaim_rwsem);
	region->reclaim_ops = ops;
	region->reclaim_priv = priv;
	up_write(&region->reclaim_rwsem);
}
EXPORT_SYMBOL_GPL(dmem_cgroup_region_set_reclaim);
