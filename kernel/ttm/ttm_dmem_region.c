// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registering a DRM driver's device memory as a dmem cgroup region.
 *
 * A TTM driver makes the memory of a manager (its VRAM, typically) a dmem
 * cgroup resource with one call at init, ttm_dmem_register_region(), and
 * one at teardown, ttm_dmem_unregister_region(). From then on TTM charges
 * every resource of that manager (kernel/ttm/ttm_dmem.c); the driver does
 * nothing else. A DRM driver that charges by itself registers with
 * drmm_cgroup_register_region(), upstream's managed call, and the region
 * goes when the drm_device is released.
 *
 * Both name the region "drm/<device>/<name>". Neither installs a reclaim
 * callback for TTM: a dmem.max lowered below a cgroup's usage of a TTM
 * manager's region is enforced by the cgroup's next charge in it, which
 * evicts inside the cgroup's subtree (kernel/ttm/ttm_dmem.c), not at the
 * write.
 *
 * Locking: ttm_resource_manager::cg is written here only, while no
 * allocation in the manager can run (driver init and teardown), and read
 * by TTM's allocations.
 */

#include <linux/cgroup_dmem.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/ttm_dmem.h>
#include <drm/drm_device.h>
#include <drm/drm_managed.h>
#include <drm/ttm/ttm_resource.h>

/**
 * ttm_dmem_register_region() - account a TTM manager's memory in dmem
 * @man: the resource manager, initialized, before its first allocation
 * @dev: the device, whose name (dev_name(), e.g. "0000:00:02.0" for PCI)
 *	is the middle of the region's name
 * @name: the last part of the region's name, e.g. "vram0"
 * @size: the bytes the manager holds (the manager's own unit for its size
 *	varies between managers, so the driver says it)
 *
 * Registers the dmem region "drm/<dev_name>/<name>" of @size bytes and
 * makes @man carry it: every resource allocated in @man is charged from
 * now on. The driver calls ttm_dmem_unregister_region() before it tears
 * the manager down.
 *
 * Context: process context, may sleep; no allocation in @man running.
 * Return: 0, also when nothing is accounted (@size 0); -EBUSY if @man
 * already carries a region; the errors of dmem_cgroup_register_region():
 * -EINVAL for a name with white space or too long, -EEXIST for a name in
 * use, -ENOMEM.
 */
int ttm_dmem_register_region(struct ttm_resource_manager *man,
			     struct device *dev, const char *name, u64 size)
{
	struct dmem_cgroup_init init = { .size = size };
	struct dmem_cgroup_region *region;

	if (man->cg)
		return -EBUSY;
	region = dmem_cgroup_register_region(&init, "drm/%s/%s", dev_name(dev),
					     name);
	if (IS_ERR(region))
		return PTR_ERR(region);
	man->cg = region;
	return 0;
}
EXPORT_SYMBOL_GPL(ttm_dmem_register_region);

/**
 * ttm_dmem_unregister_region() - stop accounting a TTM manager's memory
 * @man: the resource manager, or NULL (nothing to do)
 *
 * Unregisters the region ttm_dmem_register_region() gave @man: it leaves
 * the dmem.* files at once, and limits set on it stop applying. Resources
 * still allocated in @man keep their charges until they are freed (the
 * manager's teardown evicts them), as the controller keeps their pools.
 * @man no longer points to the region, which may be freed meanwhile, so
 * call it before the manager's teardown, which frees @man.
 *
 * Context: process context, may sleep; no allocation in @man running.
 */
void ttm_dmem_unregister_region(struct ttm_resource_manager *man)
{
	struct dmem_cgroup_region *region;

	if (!man)
		return;
	region = man->cg;
	man->cg = NULL;
	dmem_cgroup_unregister_region(region);
}
EXPORT_SYMBOL_GPL(ttm_dmem_unregister_region);

static void drmm_cgroup_unregister_region(struct drm_device *dev, void *region)
{
	dmem_cgroup_unregister_region(region);
}

/**
 * drmm_cgroup_register_region() - register a DRM device's memory region,
 *	unregistered when the device is released
 * @dev: the DRM device, whose unique name (drm_device::unique, the PCI
 *	name "0000:00:02.0" for a PCI device) is the middle of the region's
 *	name
 * @region_name: the last part of the region's name, e.g. "vram0"
 * @init: the region's size and callbacks, as for
 *	dmem_cgroup_register_region()
 *
 * Registers the dmem region "drm/<unique>/<region_name>" and has it
 * unregistered by a managed release action of @dev (drm_managed.h), after
 * the driver's own teardown: a driver whose @init has a reclaim callback
 * keeps its private data alive until then. The driver charges the region
 * itself (dmem_cgroup_try_charge()); for a TTM manager,
 * ttm_dmem_register_region() is the call that makes TTM charge it.
 *
 * Context: process context, may sleep.
 * Return: the region; NULL if @init->size is 0; an ERR_PTR() with the
 * errors of dmem_cgroup_register_region() or -ENOMEM if the release
 * action cannot be added (the region is then unregistered).
 */
struct dmem_cgroup_region *
drmm_cgroup_register_region(struct drm_device *dev, const char *region_name,
			    const struct dmem_cgroup_init *init)
{
	struct dmem_cgroup_region *region;
	int err;

	region = dmem_cgroup_register_region(init, "drm/%s/%s", dev->unique,
					     region_name);
	if (IS_ERR_OR_NULL(region))
		return region;
	err = drmm_add_action_or_reset(dev, drmm_cgroup_unregister_region,
				       region);
	return err ? ERR_PTR(err) : region;
}
EXPORT_SYMBOL_GPL(drmm_cgroup_register_region);
