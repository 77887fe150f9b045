// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: owners, the userspace clients buffers belong to,
 * and the device-level revoke of everything of one owner.
 */

#include <linux/cgroup.h>
#include <linux/export.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "evict_internal.h"

/**
 * dmem_owner_create() - create an owner for the current task
 * @ops: callbacks, or NULL
 * @priv: the driver's data, see dmem_owner_priv()
 *
 * Records the current task's tgid and dmem cgroup: the owner's buffers are
 * charged to that cgroup (or, once it is removed, its nearest live
 * ancestor) wherever the task moves. Typically called at open(); a process
 * may hold several owners.
 *
 * Context: process context, may sleep.
 * Return: the owner with one reference, or NULL if out of memory.
 */
struct dmem_owner *dmem_owner_create(const struct dmem_owner_ops *ops,
				     void *priv)
{
	struct dmem_owner *owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);

	if (!owner)
		return NULL;
	kref_init(&owner->ref);
	owner->tgid = task_tgid_nr(current);
	owner->css = dmem_cgroup_get_task_css(current);
	owner->ops = ops;
	owner->priv = priv;
	return owner;
}
EXPORT_SYMBOL_GPL(dmem_owner_create);

/**
 * dmem_owner_get() - take a reference on an owner
 * @owner: the owner
 *
 * Return: @owner.
 */
struct dmem_owner *dmem_owner_get(struct dmem_owner *owner)
{
	kref_get(&owner->ref);
	return owner;
}
EXPORT_SYMBOL_GPL(dmem_owner_get);

static void dmem_owner_release(struct kref *ref)
{
	struct dmem_owner *owner = container_of(ref, struct dmem_owner, ref);

	if (owner->css)
		css_put(owner->css);
	kfree(owner);
}

/**
 * dmem_owner_put() - drop a reference on an owner
 * @owner: the owner, or NULL
 *
 * Context: any context.
 */
void dmem_owner_put(struct dmem_owner *owner)
{
	if (owner)
		kref_put(&owner->ref, dmem_owner_release);
}
EXPORT_SYMBOL_GPL(dmem_owner_put);

/**
 * dmem_owner_tgid() - the thread group that created an owner
 * @owner: the owner
 *
 * Return: its tgid, in the initial pid namespace.
 */
pid_t dmem_owner_tgid(struct dmem_owner *owner)
{
	return owner->tgid;
}
EXPORT_SYMBOL_GPL(dmem_owner_tgid);

/**
 * dmem_owner_try_charge() - charge memory to an owner's cgroup
 * @owner: the owner
 * @region: as for dmem_cgroup_try_charge()
 * @size: as for dmem_cgroup_try_charge()
 * @ret_pool: as for dmem_cgroup_try_charge()
 * @ret_limit_pool: as for dmem_cgroup_try_charge()
 *
 * Charges the cgroup @owner was created in (or, once it is removed, its
 * nearest live ancestor), wherever the task that created it has moved
 * since: for drivers that track their buffers themselves and only borrow
 * the owner's identity (TTM's DRM clients, kernel/ttm/).
 *
 * Context: process context, may sleep.
 * Return: as dmem_cgroup_try_charge().
 */
int dmem_owner_try_charge(struct dmem_owner *owner,
			  struct dmem_cgroup_region *region, u64 size,
			  struct dmem_cgroup_pool_state **ret_pool,
			  struct dmem_cgroup_pool_state **ret_limit_pool)
{
	return dmem_cgroup_try_charge_css(owner->css, region, size, ret_pool,
					  ret_limit_pool);
}
EXPORT_SYMBOL_GPL(dmem_owner_try_charge);

/**
 * dmem_owner_priv() - the driver's data of an owner
 * @owner: the owner
 *
 * Return: the @priv given to dmem_owner_create().
 */
void *dmem_owner_priv(struct dmem_owner *owner)
{
	return owner->priv;
}
EXPORT_SYMBOL_GPL(dmem_owner_priv);

/**
 * dmem_owner_get_stats() - read the counters of an owner
 * @owner: the owner
 * @stats: filled in, each counter read atomically
 */
void dmem_owner_get_stats(struct dmem_owner *owner,
			  struct dmem_owner_stats *stats)
{
	stats->resident = atomic64_read(&owner->resident);
	stats->pinned = atomic64_read(&owner->pinned);
	stats->evicted = atomic64_read(&owner->evicted);
	stats->revoked = atomic64_read(&owner->revoked);
	stats->revoke_failures = atomic64_read(&owner->revoke_failures);
}
EXPORT_SYMBOL_GPL(dmem_owner_get_stats);

/**
 * dmem_owner_count_revoke_failure() - a revoke failed for a driver's owner
 * @owner: the owner
 *
 * For drivers that revoke their own buffers (TTM): a revoke ended the pins
 * of a buffer of @owner but could not move it. Counted in the owner's
 * revoke_failures (dmem_owner_get_stats()), as the manager counts its own.
 *
 * Context: any context.
 */
void dmem_owner_count_revoke_failure(struct dmem_owner *owner)
{
	atomic64_inc(&owner->revoke_failures);
}
EXPORT_SYMBOL_GPL(dmem_owner_count_revoke_failure);

/**
 * dmem_owner_revoke_all() - revoke every buffer of an owner
 * @owner: the owner
 *
 * For an exclusive owner change: every resident buffer of @owner, in every
 * region, is revoked (importers notified and waited for, contents evicted,
 * charges returned, the owner told), and from now on none of its buffers
 * can be made resident or pinned again (-ENODEV). The importers of every
 * buffer are notified first and waited for on one deadline, one revoke
 * timeout in all. A revoke whose importers do not acknowledge in time is
 * parked (its memory kept) and finishes on their late acknowledgment.
 *
 * Context: process context, may sleep.
 * Return: 0; -ETIMEDOUT if some revoke was parked; -EINTR on a signal;
 * -ENOMEM; the error of an evict op.
 */
int dmem_owner_revoke_all(struct dmem_owner *owner)
{
	struct dmem_evict_region *region, **regions;
	unsigned int i, n = 0;
	LIST_HEAD(batch);
	int ret = 0, err;

	might_sleep();

	WRITE_ONCE(owner->dead, true);

	/*
	 * Revokes wait for importers, up to one timeout in all: take a
	 * reference on every region and sweep them without dmem_evict_mutex,
	 * which region creation and destruction need meanwhile.
	 */
	mutex_lock(&dmem_evict_mutex);
	list_for_each_entry(region, &dmem_evict_regions, node)
		n++;
	regions = kmalloc_array(n, sizeof(*regions), GFP_KERNEL);
	if (!regions) {
		mutex_unlock(&dmem_evict_mutex);
		return -ENOMEM;
	}
	n = 0;
	list_for_each_entry(region, &dmem_evict_regions, node) {
		kref_get(&region->ref);
		regions[n++] = region;
	}
	mutex_unlock(&dmem_evict_mutex);

	/*
	 * Notify the importers of every region first, then wait for them
	 * all on one deadline.
	 */
	for (i = 0; i < n && !ret; i++)
		ret = dmem_revoke_sweep_start(regions[i], owner, false, &batch);
	err = dmem_revoke_sweep_wait(&batch, false);
	for (i = 0; i < n; i++)
		dmem_evict_region_put(regions[i]);
	kfree(regions);
	/* An error of a revoke first, then one of starting, then a park. */
	if (err && err != -ETIMEDOUT)
		return err;
	return ret ?: err;
}
EXPORT_SYMBOL_GPL(dmem_owner_revoke_all);
