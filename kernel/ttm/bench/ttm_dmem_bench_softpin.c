// SPDX-License-Identifier: GPL-2.0-only
/*
 * The soft-pin benchmark of `make bench` (issue 16): what choosing TTM's
 * victim, or deciding -ENOMEM, costs with N buffer objects, 99% of them
 * soft-pinned by the requester, at N = 1,000 and 100,000, against 6.12
 * TTM's unmodified LRU walk on the same population.
 *
 * Two TTM devices, each with a mock VRAM manager holding exactly N
 * one-page buffer objects (and a TT manager, the hop of an eviction to
 * system memory): the first's VRAM carries a dmem region, the second's
 * does not (6.12's path). On both, the oldest 99% belong to DRM client X
 * and are soft-pinned as an importer's drm_gem_map_attach() pins them
 * (the GEM object's count of revocable pins, then ttm_bo_pin(), under the
 * reservation); the newest 1% are the kernel's:
 *
 * - evict: unpinned. X's new buffer object must evict the oldest of them
 *   (checked); between operations, outside the timing, the new buffer
 *   object and the victim are freed and a fresh kernel one takes the
 *   victim's place, so that every operation sees the same population;
 * - enomem: soft-pinned too, under the strict policy: nothing may be
 *   taken, and the request fails with -ENOMEM (6.12's ttm_bo_validate()
 *   reports its -ENOSPC so), changing nothing.
 *
 * Timed: ttm_bo_init_reserved() of X's new buffer object into VRAM, per
 * operation. Raw lines for tools/bench/report.py:
 *
 *	ttm_softpin mode=evict|enomem n=N impl=region|plain rep=K ops=M ns=T
 */

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/ktime.h>
#include <linux/sizes.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/ttm_dmem_client.h>
#include <linux/vmalloc.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>

#include "ttm_kunit_helpers.h"
#include "ttm_mock_manager.h"

#include "../../devmem_cg/dmem_test.h"
#include "../../evict/tests/dmem_evict_test_policy.h"
#include "../testing/ttm_dmem_mock.h"
#include "ttm_dmem_bench.h"

#define SP_OPS		200
#define SP_REPS		5
#define SP_CLIENT_X	4242

/**
 * struct sp_dev - one device of the benchmark
 * @drm: the DRM device, shared by both devices of a run: the KUnit
 *	helpers register one DRM device at a time
 * @bdev: its own TTM device
 * @funcs: 6.12's helpers' device functions, but for the ttm_tt's
 * @region: the VRAM manager's dmem region, or NULL (6.12's path)
 * @x: client X, the requester and owner of the soft-pinned 99%
 * @bos: every buffer object, oldest first; the kernel's last
 * @n: entries of @bos
 * @first_kernel: index of the oldest kernel buffer object still there
 */
struct sp_dev {
	struct drm_device *drm;
	struct ttm_device *bdev;
	struct ttm_device_funcs funcs;
	struct dmem_cgroup_region *region;
	struct ttm_dmem_client *x;
	struct ttm_buffer_object **bos;
	unsigned int n, first_kernel;
};

static struct ttm_tt *sp_tt_create(struct ttm_buffer_object *bo, u32 flags)
{
	struct ttm_tt *tt = kzalloc(sizeof(*tt), GFP_KERNEL);

	if (tt && ttm_tt_init(tt, bo, flags, ttm_cached, 0)) {
		kfree(tt);
		tt = NULL;
	}
	return tt;
}

/* 6.12's helper skips ttm_tt_fini(), leaking the page array. */
static void sp_tt_destroy(struct ttm_device *bdev, struct ttm_tt *tt)
{
	ttm_tt_fini(tt);
	kfree(tt);
}

static void sp_bo_destroy(struct ttm_buffer_object *bo)
{
	drm_gem_object_release(&bo->base);
	kfree(bo);
}

/* A one-page buffer object of @client (NULL: the kernel) in VRAM. */
static int sp_bo(struct sp_dev *d, struct ttm_dmem_client *client,
		 struct ttm_buffer_object **ret)
{
	struct ttm_place place = { .mem_type = TTM_PL_VRAM };
	struct ttm_placement placement = { .num_placement = 1,
					   .placement = &place };
	struct ttm_operation_ctx ctx = { };
	struct ttm_buffer_object *bo;
	struct ttm_dmem_scope scope;
	int err;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return -ENOMEM;
	drm_gem_private_object_init(d->drm, &bo->base, PAGE_SIZE);
	ttm_dmem_client_enter(&scope, client);
	err = ttm_bo_init_reserved(d->bdev, bo, ttm_bo_type_device,
				   &placement, 0, &ctx, NULL, NULL, sp_bo_destroy);
	ttm_dmem_client_exit(&scope);
	*ret = err ? NULL : bo;
	if (!err)
		dma_resv_unlock(bo->base.resv);
	return err;	/* on error, ttm_bo_init_reserved() put it */
}

/* Pinned as a revocable importer's attach pins it. */
static int sp_soft_pin(struct ttm_buffer_object *bo)
{
	int err;

	dma_resv_lock(bo->base.resv, NULL);
	bo->base.dmem_soft_pins++;
	err = ttm_bo_pin(bo);
	if (err)
		bo->base.dmem_soft_pins--;
	dma_resv_unlock(bo->base.resv);
	return err;
}

static void sp_put(struct ttm_buffer_object *bo)
{
	if (bo->pin_count) {
		dma_resv_lock(bo->base.resv, NULL);
		bo->base.dmem_soft_pins = 0;
		while (bo->pin_count)
			ttm_bo_unpin(bo);
		dma_resv_unlock(bo->base.resv);
	}
	ttm_bo_put(bo);
}

static void sp_dev_fini(struct sp_dev *d)
{
	unsigned int i, type;

	for (i = 0; i < d->n; i++) {
		if (d->bos[i])
			sp_put(d->bos[i]);
		cond_resched();
	}
	vfree(d->bos);
	for (type = TTM_PL_TT; type <= TTM_PL_VRAM; type++)
		ttm_dmem_mock_manager_fini(d->bdev, type);
	ttm_dmem_client_close(d->x);
	ttm_device_fini(d->bdev);
	if (d->region)
		dmem_cgroup_unregister_region(d->region);
}

/* Fills @d's VRAM with @n buffer objects as the file comment says. */
static void sp_dev_init(struct kunit *test, struct sp_dev *d,
			struct ttm_test_devices *devs, unsigned int n,
			bool with_region, bool kernel_pinned)
{
	unsigned int i, soft = n - n / 100;

	memset(d, 0, sizeof(*d));
	d->drm = devs->drm;
	d->bdev = kunit_kzalloc(test, sizeof(*d->bdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->bdev);
	KUNIT_ASSERT_EQ(test, ttm_device_kunit_init(devs, d->bdev, false, false), 0);
	d->funcs = ttm_dev_funcs;
	d->funcs.ttm_tt_create = sp_tt_create;
	d->funcs.ttm_tt_destroy = sp_tt_destroy;
	d->bdev->funcs = &d->funcs;
	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(d->bdev, TTM_PL_VRAM,
						    n * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, ttm_mock_manager_init(d->bdev, TTM_PL_TT, SZ_1M), 0);
	if (with_region) {
		struct dmem_cgroup_init init = { .size = n * PAGE_SIZE };

		d->region = dmem_cgroup_register_region(&init, "bench/sp%u", n);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(d->region));
		ttm_manager_type(d->bdev, TTM_PL_VRAM)->cg = d->region;
		KUNIT_ASSERT_EQ(test, dmem_evict_test_set_policy(d->region, kernel_pinned ?
								 DMEM_PIN_POLICY_STRICT :
								 DMEM_PIN_POLICY_SOFT, 1000), 0);
	}
	d->x = ttm_dmem_client_open(SP_CLIENT_X);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(d->x));
	d->bos = vzalloc(array_size(n, sizeof(*d->bos)));
	KUNIT_ASSERT_NOT_NULL(test, d->bos);
	for (i = 0; i < n; i++, d->n++) {
		KUNIT_ASSERT_EQ(test, sp_bo(d, i < soft ? d->x : NULL, &d->bos[i]), 0);
		if (i < soft || kernel_pinned)
			KUNIT_ASSERT_EQ(test, sp_soft_pin(d->bos[i]), 0);
		cond_resched();
	}
	d->first_kernel = soft;
}

/* One timed request of X; the nanoseconds, checked for what it did. */
static s64 sp_request(struct kunit *test, struct sp_dev *d, bool evict)
{
	struct ttm_buffer_object *bo, *victim = d->bos[d->first_kernel];
	ktime_t t0 = ktime_get();
	int err = sp_bo(d, d->x, &bo);
	s64 ns = ktime_to_ns(ktime_sub(ktime_get(), t0));

	if (!evict) {
		/* ttm_bo_validate() turns TTM's -ENOSPC into -ENOMEM. */
		KUNIT_ASSERT_EQ(test, err, -ENOMEM);
		return ns;
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	/* The victim was the oldest of the kernel's: replace it, untimed. */
	KUNIT_ASSERT_NE(test, victim->resource->mem_type, TTM_PL_VRAM);
	sp_put(bo);
	sp_put(victim);
	memmove(&d->bos[d->first_kernel], &d->bos[d->first_kernel + 1],
		(d->n - d->first_kernel - 1) * sizeof(*d->bos));
	KUNIT_ASSERT_EQ(test, sp_bo(d, NULL, &d->bos[d->n - 1]), 0);
	return ns;
}

static void sp_run(struct kunit *test, bool evict)
{
	static const unsigned int sizes[] = { 1000, 100000 };
	static const char * const impl[] = { "region", "plain" };
	struct sp_dev *d = kunit_kzalloc(test, 2 * sizeof(*d), GFP_KERNEL);
	struct ttm_test_devices *devs = ttm_test_devices_basic(test);
	unsigned int s, k, which;
	int rep, op;
	s64 ns;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		sp_dev_init(test, &d[0], devs, sizes[s], true, !evict);
		sp_dev_init(test, &d[1], devs, sizes[s], false, !evict);
		for (rep = 0; rep <= SP_REPS; rep++) {
			for (k = 0; k < 2; k++) {
				which = (rep + k) % 2;
				for (ns = 0, op = 0; op < SP_OPS; op++) {
					ns += sp_request(test, &d[which], evict);
					/* 6.12's walk at 100,000: long; untimed */
					cond_resched();
				}
				if (rep)	/* 0: the warm-up */
					kunit_info(test, "ttm_softpin mode=%s n=%u impl=%s rep=%d ops=%d ns=%lld\n",
						   evict ? "evict" : "enomem", sizes[s],
						   impl[which], rep, SP_OPS, ns);
			}
		}
		sp_dev_fini(&d[1]);
		sp_dev_fini(&d[0]);
	}
	ttm_test_devices_put(test, devs);
}

/* Victim choice: X's request evicts the kernel's oldest unpinned BO. */
void bench_ttm_softpin_evict(struct kunit *test)
{
	sp_run(test, true);
}

/* The -ENOMEM decision: nothing may be taken for X. */
void bench_ttm_softpin_enomem(struct kunit *test)
{
	sp_run(test, false);
}
