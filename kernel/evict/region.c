// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: eviction regions. Creation (installing the reclaim
 * callback), teardown (hot-unplug: revoke everything, return every charge),
 * destruction and statistics.
 */

#include <linux/export.h>
#include <linux/slab.h>

#include "evict_internal.h"

/* Order: before any region lock. See evict_internal.h. */
DEFINE_MUTEX(dmem_evict_mutex);
/* All eviction regions not destroyed (dmem_evict_mutex). */
LIST_HEAD(dmem_evict_regions);

static const struct dmem_cgroup_ops dmem_evict_reclaim_ops = {
	.reclaim = dmem_evict_reclaim,
};

/**
 * dmem_evict_region_create() - wrap a dmem region in an eviction region
 * @cg_region: the dmem region, registered by the driver
 * @capacity: bytes of device memory buffers may occupy
 * @ops: how to evict and restore buffers; both ops are required
 * @priv: the driver's data, see dmem_evict_region_priv()
 *
 * Installs the manager as @cg_region's reclaim callback, so that lowering
 * dmem.max evicts from the cgroup's subtree.
 *
 * Context: process context, may sleep.
 * Return: the region, or ERR_PTR(-EINVAL) or ERR_PTR(-ENOMEM).
 */
struct dmem_evict_region *
dmem_evict_region_create(struct dmem_cgroup_region *cg_region, u64 capacity,
			 const struct dmem_evict_ops *ops, void *priv)
{
	struct dmem_evict_region *region;

	if (IS_ERR_OR_NULL(cg_region) || !capacity || !ops || !ops->evict ||
	    !ops->restore)
		return ERR_PTR(-EINVAL);

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&region->lock);
	kref_init(&region->ref);
	region->cg = cg_region;
	region->ops = ops;
	region->priv = priv;
	region->capacity = capacity;
	INIT_LIST_HEAD(&region->pools);
	region->lru_pools = RB_ROOT_CACHED;
	hash_init(region->pool_hash);
	hash_init(region->link_hash);
	INIT_LIST_HEAD(&region->parked);
	init_waitqueue_head(&region->wq);

	mutex_lock(&dmem_evict_mutex);
	list_add_tail(&region->node, &dmem_evict_regions);
	mutex_unlock(&dmem_evict_mutex);

	dmem_cgroup_region_set_reclaim(cg_region, &dmem_evict_reclaim_ops, region);
	return region;
}
EXPORT_SYMBOL_GPL(dmem_evict_region_create);

static bool dmem_evict_region_idle(struct dmem_evict_region *region)
{
	bool idle;

	spin_lock(&region->lock);
	idle = !region->nr_busy && list_empty(&region->parked);
	spin_unlock(&region->lock);
	return idle;
}

/**
 * dmem_evict_region_teardown() - revoke everything of a region
 * @region: the region
 *
 * For hot-unplug, before unregistering the dmem region. From the start,
 * making a buffer resident or pinning it fails with -ENODEV, also for the
 * callers already waiting for a busy buffer (they may hold a lock the evict
 * op needs, such as a dma-buf reservation). Every resident
 * buffer is revoked: its importers notified and waited for up to the revoke
 * timeout (those that do not acknowledge are recorded), its contents
 * evicted, its charges returned. Parked revokes are finished without
 * their missing acknowledgments. When this returns nothing of the region
 * is charged and no reclaim callback runs; buffers stay valid (EVICTED or
 * REVOKED) until freed. Calling it again does nothing.
 *
 * The importers of all resident buffers are notified at once and waited
 * for on one deadline, so a teardown waits one revoke timeout (plus
 * evictions in flight), however many importers do not acknowledge.
 *
 * Context: process context, may sleep; not interruptible (a driver that
 * lets a killable task wait for it runs it from a work item). Holds no
 * lock of the driver: it waits for the work items that finish the
 * revokes, whose evict ops may wait for the buffers' locks.
 */
void dmem_evict_region_teardown(struct dmem_evict_region *region)
{
	bool again;

	spin_lock(&region->lock);
	again = region->dead;
	WRITE_ONCE(region->dead, true);
	/* Uses waiting for a busy buffer give up now (see above). */
	wake_up_all(&region->wq);
	spin_unlock(&region->lock);
	if (again)
		return;

	/* Waits for a running reclaim, which stops as the region is dead. */
	dmem_cgroup_region_set_reclaim(region->cg, NULL, NULL);

	for (;;) {
		dmem_revoke_sweep(region, NULL, true);
		dmem_revoke_abandon_parked(region);
		/* Evictions and make-residents in flight end by themselves. */
		wait_event(region->wq, dmem_evict_region_idle(region));
		spin_lock(&region->lock);
		again = region->used != 0;
		spin_unlock(&region->lock);
		if (!again)
			break;
	}
	/* A revoke that ends from now on frees it at the release. */
	dmem_revoke_free_spare(region);
}
EXPORT_SYMBOL_GPL(dmem_evict_region_teardown);

static void dmem_evict_region_release(struct kref *ref)
{
	struct dmem_evict_region *region =
		container_of(ref, struct dmem_evict_region, ref);

	WARN_ON_ONCE(region->used || !list_empty(&region->pools));
	dmem_revoke_free_spare(region);
	kfree(region);
}

void dmem_evict_region_put(struct dmem_evict_region *region)
{
	kref_put(&region->ref, dmem_evict_region_release);
}

/**
 * dmem_evict_region_destroy() - tear down and release a region
 * @region: the region, or NULL or an ERR_PTR() (ignored)
 *
 * Tears the region down if not done yet and drops the creator's reference;
 * the memory goes with the last buffer freed.
 *
 * Context: process context, may sleep.
 */
void dmem_evict_region_destroy(struct dmem_evict_region *region)
{
	if (IS_ERR_OR_NULL(region))
		return;
	dmem_evict_region_teardown(region);
	mutex_lock(&dmem_evict_mutex);
	list_del(&region->node);
	mutex_unlock(&dmem_evict_mutex);
	dmem_evict_region_put(region);
}
EXPORT_SYMBOL_GPL(dmem_evict_region_destroy);

/**
 * dmem_evict_region_priv() - the driver's data of a region
 * @region: the region
 *
 * Return: the @priv given to dmem_evict_region_create().
 */
void *dmem_evict_region_priv(struct dmem_evict_region *region)
{
	return region->priv;
}
EXPORT_SYMBOL_GPL(dmem_evict_region_priv);

/**
 * dmem_evict_region_cg() - the dmem region of an eviction region
 * @region: the region
 *
 * Return: the dmem region given to dmem_evict_region_create().
 */
struct dmem_cgroup_region *dmem_evict_region_cg(struct dmem_evict_region *region)
{
	return region->cg;
}
EXPORT_SYMBOL_GPL(dmem_evict_region_cg);

/**
 * dmem_evict_region_get_stats() - read the state of a region
 * @region: the region
 * @stats: filled with a consistent snapshot
 *
 * Context: process context (the region lock is not irq-safe); does not sleep.
 */
void dmem_evict_region_get_stats(struct dmem_evict_region *region,
				 struct dmem_evict_region_stats *stats)
{
	struct dmem_revoke *rv;

	spin_lock(&region->lock);
	stats->capacity = region->capacity;
	stats->used = region->used;
	stats->buffers = region->nr_bufs;
	stats->parked = 0;
	list_for_each_entry(rv, &region->parked, node)
		stats->parked++;
	stats->revoke_timeouts = region->revoke_timeouts;
	stats->revoke_failures = region->revoke_failures;
	spin_unlock(&region->lock);
}
EXPORT_SYMBOL_GPL(dmem_evict_region_get_stats);
