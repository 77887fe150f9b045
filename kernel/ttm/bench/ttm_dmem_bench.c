// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TTM benchmarks of `make bench` (CONFIG_DRM_TTM_DMEM_BENCH). Here:
 * what a dmem region costs a TTM driver on its hottest path, a buffer
 * object's create + validate + destroy. The soft-pin decision's is in
 * ttm_dmem_bench_softpin.c.
 *
 * Two of TTM's own mock managers of the same size on one device, one
 * carrying a dmem region and one without (the 6.12 path, untouched by
 * the charge), take turns: each repetition times BENCH_OPS buffer objects
 * created and validated into one (ttm_bo_init_reserved()) and destroyed
 * (ttm_bo_put(); idle, so freed at once), then the same on the other, the
 * order swapped every repetition so that neither always runs warm. The
 * buffer objects are the kernel's (no DRM client's ioctl creates them):
 * charged to the root cgroup.
 *
 * It is a KUnit suite only to reuse TTM's KUnit helpers and mock manager;
 * it asserts no time. Its name keeps it out of `make check`'s suites; the
 * bench boot selects it (tools/bench/bench.sh), and each repetition is one
 * raw line for tools/bench/report.py:
 *
 *	ttm_cvd impl=region|plain rep=K ops=N ns=T
 */

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/ktime.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

#include "../testing/ttm_dmem_mock.h"
#include "ttm_dmem_bench.h"

#define BENCH_OPS	2000
#define BENCH_REPS	9
#define BENCH_BO_SIZE	SZ_64K
/* Room for every buffer object of a repetition at once, with slack. */
#define BENCH_MAN_SIZE	SZ_256M
#define BENCH_REGION	TTM_PL_VRAM
#define BENCH_PLAIN	TTM_PL_MOCK1

static void bench_bo_destroy(struct ttm_buffer_object *bo)
{
	drm_gem_object_release(&bo->base);
	kfree(bo);
}

/* One buffer object created, validated into @mem_type and destroyed. */
static int bench_one_bo(struct ttm_test_devices *devs, u32 mem_type)
{
	struct ttm_place place = { .mem_type = mem_type };
	struct ttm_placement placement = { .num_placement = 1,
					   .placement = &place };
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	int err;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	drm_gem_private_object_init(devs->drm, &bo->base, BENCH_BO_SIZE);
	err = ttm_bo_init_reserved(devs->ttm_dev, bo, ttm_bo_type_device,
				   &placement, 0, &ctx, NULL, NULL,
				   bench_bo_destroy);
	if (err)	/* ttm_bo_init_reserved() put it */
		return err;
	dma_resv_unlock(bo->base.resv);
	ttm_bo_put(bo);
	return 0;
}

/* BENCH_OPS of them; the nanoseconds taken, or a negative errno. */
static s64 bench_round(struct ttm_test_devices *devs, u32 mem_type)
{
	ktime_t t0 = ktime_get();
	int i, err;

	for (i = 0; i < BENCH_OPS; i++) {
		err = bench_one_bo(devs, mem_type);
		if (err)
			return err;
	}
	return ktime_to_ns(ktime_sub(ktime_get(), t0));
}

static void bench_ttm_create_validate_destroy(struct kunit *test)
{
	static const char * const impl[] = { "region", "plain" };
	static const u32 mem_type[] = { BENCH_REGION, BENCH_PLAIN };
	struct ttm_test_devices *devs = ttm_test_devices_all(test);
	struct dmem_cgroup_init init = { .size = BENCH_MAN_SIZE };
	struct dmem_cgroup_region *region;
	struct ttm_resource_manager *man;
	int rep, k, which;
	s64 ns;

	region = dmem_cgroup_register_region(&init, "bench/ttm0");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(devs->ttm_dev, BENCH_REGION,
						    BENCH_MAN_SIZE), 0);
	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(devs->ttm_dev, BENCH_PLAIN,
						    BENCH_MAN_SIZE), 0);
	man = ttm_manager_type(devs->ttm_dev, BENCH_REGION);
	man->cg = region;

	/* Repetition 0 warms both paths up and is not reported. */
	for (rep = 0; rep <= BENCH_REPS; rep++) {
		for (k = 0; k < 2; k++) {
			which = (rep + k) % 2;
			ns = bench_round(devs, mem_type[which]);
			KUNIT_ASSERT_GE(test, ns, 0);
			if (rep)
				kunit_info(test, "ttm_cvd impl=%s rep=%d ops=%d ns=%lld\n",
					   impl[which], rep, BENCH_OPS, ns);
		}
	}
	/* Everything charged was uncharged. */
	KUNIT_EXPECT_EQ(test, ttm_resource_manager_usage(man), 0);

	ttm_dmem_mock_manager_fini(devs->ttm_dev, BENCH_REGION);
	ttm_dmem_mock_manager_fini(devs->ttm_dev, BENCH_PLAIN);
	ttm_test_devices_put(test, devs);
	dmem_cgroup_unregister_region(region);
}

static struct kunit_case bench_dmem_ttm_cases[] = {
	KUNIT_CASE_SLOW(bench_ttm_create_validate_destroy),
	KUNIT_CASE_SLOW(bench_ttm_softpin_evict),
	KUNIT_CASE_SLOW(bench_ttm_softpin_enomem),
	{}
};

static struct kunit_suite bench_dmem_ttm_suite = {
	.name = "bench_dmem_ttm",
	.test_cases = bench_dmem_ttm_cases,
};

kunit_test_suite(bench_dmem_ttm_suite);
