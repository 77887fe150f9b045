// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: regions of simulated VRAM. Create (register "sim/<name>" with
 * the dmem controller and wrap it in an eviction region), destroy (the
 * device-level revoke of hot-unplug), look up and report.
 */

#include <linux/cgroup_dmem.h>
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/* All live regions (sim_lock). */
static LIST_HEAD(sim_regions);

const struct dmem_evict_ops sim_evict_ops = {
	.evict = sim_buf_evict,
	.restore = sim_buf_restore,
};

/* A name is 1 to 31 characters of [A-Za-z0-9_.-], NUL-terminated. */
static int sim_region_check_name(const char *name)
{
	size_t len = strnlen(name, DMEM_SIM_NAME_LEN);
	size_t i;

	if (!len || len == DMEM_SIM_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return -EINVAL;
	return 0;
}

static struct sim_region *sim_region_find_locked(const char *name)
{
	struct sim_region *region;

	lockdep_assert_held(&sim_lock);
	list_for_each_entry(region, &sim_regions, node)
		if (!strcmp(region->name, name))
			return region;
	return NULL;
}

static void sim_region_release(struct kref *ref)
{
	kfree(container_of(ref, struct sim_region, ref));
}

void sim_region_put(struct sim_region *region)
{
	kref_put(&region->ref, sim_region_release);
}

/* Tear down, unregister, tell every file; drops the region list's reference. */
static void sim_region_destroy_workfn(struct work_struct *work)
{
	struct sim_region *region =
		container_of(work, struct sim_region, destroy_work);

	/* Tear down before unregistering: nothing is charged afterwards. */
	dmem_evict_region_destroy(region->er);
	dmem_cgroup_unregister_region(region->cg);
	sim_post_all(DMEM_SIM_EVENT_REGION_DESTROYED, region->name);
	complete_all(&region->destroyed);
	sim_region_put(region);
}

/**
 * sim_region_create() - REGION_CREATE
 * @arg: the validated-by-nobody-yet argument
 *
 * Return: 0; -EINVAL; -EEXIST; -ENOMEM; the controller's errors.
 */
int sim_region_create(const struct dmem_sim_region_create *arg)
{
	struct dmem_cgroup_init init = {};
	struct sim_region *region;
	int ret;

	if (arg->flags || arg->pad || sim_region_check_name(arg->name))
		return -EINVAL;
	if (!arg->size || arg->size > DMEM_SIM_REGION_MAX ||
	    !IS_ALIGNED(arg->size, DMEM_SIM_PAGE_SIZE))
		return -EINVAL;

	region = kzalloc(sizeof(*region), GFP_KERNEL_ACCOUNT);
	if (!region)
		return -ENOMEM;
	kref_init(&region->ref);
	INIT_WORK(&region->destroy_work, sim_region_destroy_workfn);
	init_completion(&region->destroyed);
	strscpy(region->name, arg->name, sizeof(region->name));
	region->capacity = arg->size;

	mutex_lock(&sim_lock);
	if (sim_region_find_locked(region->name)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	/* The eviction manager installs its reclaim callback below. */
	init.size = region->capacity;
	region->cg = dmem_cgroup_register_region(&init, "sim/%s", region->name);
	if (IS_ERR_OR_NULL(region->cg)) {
		ret = region->cg ? PTR_ERR(region->cg) : -ENODEV;
		goto err_unlock;
	}
	region->er = dmem_evict_region_create(region->cg, region->capacity,
					      &sim_evict_ops, region);
	if (IS_ERR(region->er)) {
		ret = PTR_ERR(region->er);
		dmem_cgroup_unregister_region(region->cg);
		goto err_unlock;
	}
	list_add_tail(&region->node, &sim_regions);
	mutex_unlock(&sim_lock);
	return 0;

err_unlock:
	mutex_unlock(&sim_lock);
	kfree(region);
	return ret;
}

/**
 * sim_region_destroy() - REGION_DESTROY: revoke everything, unregister
 * @arg: the argument
 *
 * Takes the region off the list first, so that no new buffer is created in
 * it, then tears the eviction region down (every resident buffer revoked,
 * the importers of all of them notified at once and waited for up to one
 * revoke timeout in all), unregisters the dmem region and tells every open
 * file. The teardown runs in a work item and the caller waits for it
 * killably: a killed caller returns at once and the teardown finishes in
 * the background, within the revoke timeout; until then the name stays
 * registered with the controller (REGION_CREATE of it: EEXIST).
 *
 * Return: 0; -EINVAL; -ENOENT; -EINTR (killed; the teardown goes on).
 */
int sim_region_destroy(const struct dmem_sim_region_name *arg)
{
	struct sim_region *region;
	int ret;

	if (arg->flags || arg->pad || sim_region_check_name(arg->name))
		return -EINVAL;

	mutex_lock(&sim_lock);
	region = sim_region_find_locked(arg->name);
	if (region) {
		list_del_init(&region->node);
		WRITE_ONCE(region->dead, true);
		/* The waiter's; the work item takes over the list's. */
		kref_get(&region->ref);
	}
	mutex_unlock(&sim_lock);
	if (!region)
		return -ENOENT;

	queue_work(system_unbound_wq, &region->destroy_work);
	ret = wait_for_completion_killable(&region->destroyed);
	sim_region_put(region);
	return ret ? -EINTR : 0;
}

/**
 * sim_region_info() - REGION_INFO: the device's view of a region
 * @arg: in: the name; out: the numbers
 *
 * Return: 0; -EINVAL; -ENOENT.
 */
int sim_region_info(struct dmem_sim_region_info *arg)
{
	struct dmem_evict_region_stats stats;
	struct sim_region *region;

	if (arg->flags || arg->pad || sim_region_check_name(arg->name))
		return -EINVAL;

	mutex_lock(&sim_lock);
	region = sim_region_find_locked(arg->name);
	if (region)
		dmem_evict_region_get_stats(region->er, &stats);
	mutex_unlock(&sim_lock);
	if (!region)
		return -ENOENT;

	arg->capacity = stats.capacity;
	arg->used = stats.used;
	arg->buffers = stats.buffers;
	arg->parked = stats.parked;
	arg->revoke_timeouts = stats.revoke_timeouts;
	return 0;
}

/**
 * sim_region_new_buf() - create a buffer in a region by name
 * @name: the region's name
 * @size: bytes
 * @file: the owner's file
 *
 * The pages are allocated without sim_lock; the buffer is initialized with
 * the manager under it, so that the region cannot be destroyed in between.
 * The buffer starts evicted.
 *
 * Return: the buffer with one reference; ERR_PTR(-EINVAL), -ENOENT,
 * -ENODEV (destroyed meanwhile), -ENOMEM.
 */
struct sim_buf *sim_region_new_buf(const char *name, u64 size,
				   struct sim_file *file)
{
	struct sim_region *region;
	struct sim_buf *buf;
	int ret = 0;

	if (sim_region_check_name(name))
		return ERR_PTR(-EINVAL);

	mutex_lock(&sim_lock);
	region = sim_region_find_locked(name);
	if (region)
		kref_get(&region->ref);
	mutex_unlock(&sim_lock);
	if (!region)
		return ERR_PTR(-ENOENT);
	if (!size || size > region->capacity ||
	    !IS_ALIGNED(size, DMEM_SIM_PAGE_SIZE)) {
		sim_region_put(region);
		return ERR_PTR(-EINVAL);
	}

	/* The buffer takes over the region reference. */
	buf = sim_buf_alloc(region, file, size);
	if (IS_ERR(buf)) {
		sim_region_put(region);
		return buf;
	}

	mutex_lock(&sim_lock);
	if (region->dead)
		ret = -ENODEV;
	else
		ret = dmem_buf_init(&buf->dbuf, region->er, file->owner, size);
	mutex_unlock(&sim_lock);
	if (ret) {
		sim_buf_abort(buf);
		return ERR_PTR(ret);
	}
	/* Revokes of the buffer wait for the fences of its dma-bufs. */
	dmem_dmabuf_init(&buf->dd, &buf->dbuf, &buf->resv);
	return buf;
}
