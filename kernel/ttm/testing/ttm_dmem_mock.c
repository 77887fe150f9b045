// SPDX-License-Identifier: GPL-2.0-only
/*
 * Support shared by the KUnit suites and the benchmark on TTM's mock
 * manager (ttm_dmem_mock.h).
 */

#include <linux/slab.h>
#include <drm/ttm/ttm_device.h>
#include <drm/ttm/ttm_resource.h>

#include "ttm_mock_manager.h"

#include "ttm_dmem_mock.h"

/**
 * ttm_dmem_mock_manager_fini() - take down and free a mock manager
 * @bdev: the device it was initialized for
 * @mem_type: its memory type; nothing happens if none is set
 *
 * 6.12's ttm_mock_manager_fini() detaches the manager but does not free
 * what ttm_mock_manager_init() allocated; this frees it once detached (a
 * manager fini could not take down, its resources still in use, stays).
 *
 * Context: process context, may sleep.
 */
void ttm_dmem_mock_manager_fini(struct ttm_device *bdev, u32 mem_type)
{
	struct ttm_resource_manager *man = ttm_manager_type(bdev, mem_type);

	if (!man)
		return;
	ttm_mock_manager_fini(bdev, mem_type);
	if (!ttm_manager_type(bdev, mem_type))
		kfree(container_of(man, struct ttm_mock_manager, man));
}
