// SPDX-License-Identifier: GPL-2.0-only
/*
 * A DRM client's counters of its TTM buffer objects, per dmem region, and
 * their lines in the DRM file's fdinfo, in the grammar /dev/dmem_sim
 * prints (drivers/dmem_sim/fdinfo.c), so that one parser reads both:
 *
 *   drm-total-<region>:	bytes of the client's live buffer objects last
 *			charged in the region, resident or evicted since
 *   drm-resident-<region>:	bytes of them charged in the region now
 *   dmem-pinned-<region>:	bytes of them charged as pinned
 *   dmem-evicted-<region>:	bytes TTM's eviction took out, so far
 *   dmem-revoked-<region>:	bytes of soft pins revoked, so far (a revoked
 *			buffer object is then evicted: it counts in both)
 *   dmem-revoke-failed-<region>:	revokes that ended the pins of a buffer
 *			object but could not evict it, so far (a count):
 *			it stays resident, unpinned
 *
 * <region> is the dmem region's name (drm/<device>/vram0), as in the
 * dmem cgroup files. A region gets lines from the client's first charge
 * in it on, and keeps them (a rebound device's region of the same name
 * continues them).
 *
 * Locking: ttm_dmem_client::lock (a mutex) guards the list of a client's
 * records; the counters are atomic, changed under the reservation lock of
 * the buffer object concerned, and read without a lock: a line is a
 * snapshot of each counter, not of all of them at once.
 */

#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>

#include "ttm_dmem_internal.h"

static const char * const ttm_dmem_usage_keys[TTM_DMEM_USAGE_NR] = {
	[TTM_DMEM_USAGE_TOTAL] = "drm-total",
	[TTM_DMEM_USAGE_RESIDENT] = "drm-resident",
	[TTM_DMEM_USAGE_PINNED] = "dmem-pinned",
	[TTM_DMEM_USAGE_EVICTED] = "dmem-evicted",
	[TTM_DMEM_USAGE_REVOKED] = "dmem-revoked",
};

static struct ttm_dmem_usage *ttm_dmem_usage_find(struct ttm_dmem_client *client,
						  const char *name)
{
	struct ttm_dmem_usage *u;

	lockdep_assert_held(&client->lock);
	list_for_each_entry(u, &client->usage, node)
		if (!strcmp(u->name, name))
			return u;
	return NULL;
}

/**
 * ttm_dmem_usage_get() - a client's counters of a region
 * @client: the client, or NULL (the kernel keeps no counters)
 * @region: the region about to be charged
 *
 * Creates them at the client's first charge in the region.
 *
 * Context: process context, may sleep.
 * Return: the counters, which live as long as @client; NULL for no client;
 * ERR_PTR(-ENOMEM).
 */
struct ttm_dmem_usage *ttm_dmem_usage_get(struct ttm_dmem_client *client,
					  struct dmem_cgroup_region *region)
{
	const char *name = dmem_cgroup_region_name(region);
	struct ttm_dmem_usage *u, *new;

	if (!client)
		return NULL;
	mutex_lock(&client->lock);
	u = ttm_dmem_usage_find(client, name);
	mutex_unlock(&client->lock);
	if (u)
		return u;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (new)
		new->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!new || !new->name) {
		kfree(new);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&client->lock);
	u = ttm_dmem_usage_find(client, name);
	if (!u) {
		list_add_tail(&new->node, &client->usage);
		u = new;
		new = NULL;
	}
	mutex_unlock(&client->lock);
	if (new) {
		kfree(new->name);
		kfree(new);
	}
	return u;
}

/**
 * ttm_dmem_usage_add() - change one counter
 * @u: the counters, or NULL (the kernel's: nothing to count)
 * @item: which
 * @bytes: by how much
 *
 * Context: any context.
 */
void ttm_dmem_usage_add(struct ttm_dmem_usage *u, enum ttm_dmem_usage_item item,
			s64 bytes)
{
	if (u)
		atomic64_add(bytes, &u->bytes[item]);
}

/**
 * ttm_dmem_usage_home() - the region a buffer object counts in for total
 * @bo: the buffer object, reserved (or being released)
 * @home: the counters of the region it was just charged in; NULL when it
 *	is released
 *
 * Context: any context.
 */
void ttm_dmem_usage_home(struct ttm_buffer_object *bo,
			 struct ttm_dmem_usage *home)
{
	if (bo->dmem.home == home)
		return;
	ttm_dmem_usage_add(bo->dmem.home, TTM_DMEM_USAGE_TOTAL, -bo->base.size);
	ttm_dmem_usage_add(home, TTM_DMEM_USAGE_TOTAL, bo->base.size);
	bo->dmem.home = home;
}

/**
 * ttm_dmem_usage_free() - free a client's counters
 * @client: the client, at its release
 */
void ttm_dmem_usage_free(struct ttm_dmem_client *client)
{
	struct ttm_dmem_usage *u, *tmp;

	list_for_each_entry_safe(u, tmp, &client->usage, node) {
		kfree(u->name);
		kfree(u);
	}
}

/**
 * ttm_dmem_client_show_fdinfo() - a client's lines in its DRM fdinfo
 * @m: the seq_file of /proc/PID/fdinfo/FD
 * @client: the DRM file's client, or NULL or an error pointer (no lines)
 *
 * Called by drm_show_fdinfo() after the driver's own lines. Sizes are
 * printed as dmem_fdinfo_print_size() does, like DRM's usage stats.
 *
 * Context: process context, may sleep.
 */
void ttm_dmem_client_show_fdinfo(struct seq_file *m,
				 struct ttm_dmem_client *client)
{
	struct ttm_dmem_usage *u;
	unsigned int i;

	if (IS_ERR_OR_NULL(client))
		return;
	mutex_lock(&client->lock);
	list_for_each_entry(u, &client->usage, node) {
		for (i = 0; i < TTM_DMEM_USAGE_NR; i++)
			dmem_fdinfo_print_size(m, ttm_dmem_usage_keys[i], "",
					       u->name,
					       atomic64_read(&u->bytes[i]));
		seq_printf(m, "dmem-revoke-failed-%s:\t%lld\n", u->name,
			   atomic64_read(&u->revoke_failures));
	}
	mutex_unlock(&client->lock);
}
EXPORT_SYMBOL_GPL(ttm_dmem_client_show_fdinfo);
