// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the two ways a DRM driver registers a region
 * (kernel/ttm/ttm_dmem_region.c): drmm_cgroup_register_region(), gone when
 * the drm_device is released, and ttm_dmem_register_region() on TTM's mock
 * manager, gone at ttm_dmem_unregister_region().
 */

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/device.h>
#include <linux/sizes.h>
#include <linux/ttm_dmem.h>
#include <drm/drm_kunit_helpers.h>
#include <drm/ttm/ttm_resource.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"
#include "../../devmem_cg/dmem_test.h"

static void dmem_ttm_region_drmm(struct kunit *test)
{
	struct dmem_cgroup_init init = { .size = SZ_64K };
	struct ttm_test_devices *devs = ttm_test_devices_basic(test);
	struct dmem_cgroup_region *region;
	char name[64];

	snprintf(name, sizeof(name), "drm/%s/vram7", dev_name(devs->dev));
	region = drmm_cgroup_register_region(devs->drm, "vram7", &init);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	KUNIT_EXPECT_STREQ(test, dmem_cgroup_region_name(region), name);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_region_size(region), SZ_64K);
	KUNIT_EXPECT_TRUE(test, dmem_test_region_registered(name));

	/* The controller's errors come through; nothing more is added. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(drmm_cgroup_register_region(devs->drm,
								  "vram7", &init)),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, PTR_ERR(drmm_cgroup_register_region(devs->drm,
								  "vram 8", &init)),
			-EINVAL);
	init.size = 0;
	KUNIT_EXPECT_NULL(test, drmm_cgroup_register_region(devs->drm, "vram8",
							    &init));

	/* Releasing the drm_device unregisters it. */
	drm_kunit_helper_free_device(test, devs->dev);
	KUNIT_EXPECT_FALSE(test, dmem_test_region_registered(name));
}

static void dmem_ttm_region_manager(struct kunit *test)
{
	struct ttm_test_devices *devs = ttm_test_devices_all(test);
	struct ttm_resource_manager *man;
	struct dmem_cgroup_region *region;
	char name[64];

	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(devs->ttm_dev, TTM_PL_VRAM,
						    SZ_64K), 0);
	man = ttm_manager_type(devs->ttm_dev, TTM_PL_VRAM);
	snprintf(name, sizeof(name), "drm/%s/vram9", dev_name(devs->dev));

	KUNIT_ASSERT_EQ(test, ttm_dmem_register_region(man, devs->dev, "vram9",
						       SZ_64K), 0);
	region = man->cg;
	KUNIT_ASSERT_NOT_NULL(test, region);
	KUNIT_EXPECT_STREQ(test, dmem_cgroup_region_name(region), name);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_region_size(region), SZ_64K);
	KUNIT_EXPECT_TRUE(test, dmem_test_region_registered(name));
	/* One region per manager. */
	KUNIT_EXPECT_EQ(test, ttm_dmem_register_region(man, devs->dev, "vram10",
						       SZ_64K), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, man->cg, region);

	ttm_dmem_unregister_region(man);
	KUNIT_EXPECT_NULL(test, man->cg);
	KUNIT_EXPECT_FALSE(test, dmem_test_region_registered(name));

	/* Size 0: nothing accounted, the manager carries no region. */
	KUNIT_EXPECT_EQ(test, ttm_dmem_register_region(man, devs->dev, "vram9",
						       0), 0);
	KUNIT_EXPECT_NULL(test, man->cg);

	ttm_mock_manager_fini(devs->ttm_dev, TTM_PL_VRAM);
	ttm_test_devices_put(test, devs);
}

static struct kunit_case dmem_ttm_region_cases[] = {
	KUNIT_CASE(dmem_ttm_region_drmm),
	KUNIT_CASE(dmem_ttm_region_manager),
	{}
};

static struct kunit_suite dmem_ttm_region_suite = {
	.name = "dmem_ttm_region",
	.test_cases = dmem_ttm_region_cases,
};

kunit_test_suite(dmem_ttm_region_suite);

MODULE_DESCRIPTION("KUnit tests of DRM drivers' dmem region registration");
MODULE_LICENSE("GPL");
