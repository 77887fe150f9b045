/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the KUnit suites on TTM's mock manager (dmem_ttm,
 * dmem_ttm_softpin, dmem_ttm_export): a VRAM mock manager carrying a dmem region, a TT one
 * without, and pools built without cgroups that the allocations charge
 * (dmem_ttm_kunit_util.c).
 */
#ifndef _DMEM_TTM_KUNIT_H
#define _DMEM_TTM_KUNIT_H

#include <kunit/test.h>
#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/page_counter.h>
#include <linux/sizes.h>
#include <drm/drm_gem.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_device.h>

struct ttm_dmem_client;
struct ttm_test_devices;

#define KT_VRAM		SZ_64K
#define KT_MAX_BOS	16
#define KT_12K		(3 * SZ_4K)
/* drm-client-ids of the fixture's clients */
#define KT_CLIENT_A	1001
#define KT_CLIENT_B	1002

/**
 * struct dmem_ttm_kt - one test's fixture
 * @devs: the DRM and TTM devices
 * @cg: the VRAM manager's dmem region
 * @root: pool of the root
 * @a: pool of a
 * @b1: pool of a/b1
 * @b2: pool of a/b2
 * @charge_to: the pool the next allocation charges ("the current task's")
 * @bos: the buffer objects created, put at exit unless put before
 * @nr_bos: entries in @bos
 * @funcs: the device's functions: 6.12's helpers', but for the ttm_tt's
 * @ca: a DRM client, "A"
 * @cb: another, "B"
 * @client: the client whose ioctl creates the next buffer objects
 *	(dmem_ttm_kt_bo()): @ca, @cb, or NULL for the kernel's
 * @charged: the owner the last charge was made for
 */
struct dmem_ttm_kt {
	struct ttm_test_devices *devs;
	struct ttm_device_funcs funcs;
	struct dmem_cgroup_region *cg;
	struct dmem_cgroup_pool_state *root, *a, *b1, *b2;
	struct dmem_cgroup_pool_state *charge_to;
	struct ttm_buffer_object *bos[KT_MAX_BOS];
	unsigned int nr_bos;
	struct ttm_dmem_client *ca, *cb, *client, *charged;
};

extern const struct drm_gem_object_funcs dmem_ttm_kt_gem_funcs;

struct dmem_cgroup_pool_state *
dmem_ttm_kt_pool(struct kunit *test, struct dmem_cgroup_pool_state *parent);
int dmem_ttm_kt_init(struct kunit *test);
void dmem_ttm_kt_exit(struct kunit *test);
int dmem_ttm_kt_bo(struct kunit *test, struct dmem_cgroup_pool_state *pool,
		   size_t size, u32 mem_type, struct ttm_buffer_object **ret);
void dmem_ttm_kt_put(struct kunit *test, struct ttm_buffer_object *bo);
int dmem_ttm_kt_validate(struct kunit *test, struct dmem_cgroup_pool_state *pool,
			 struct ttm_buffer_object *bo, u32 mem_type);
u64 kt_usage(struct dmem_cgroup_pool_state *pool);
u64 kt_pinned(struct dmem_cgroup_pool_state *pool);
s64 kt_event(struct dmem_cgroup_pool_state *pool, enum dmem_cgroup_event event);
s64 kt_evict_event(struct dmem_cgroup_pool_state *pool,
		   enum dmem_evict_event event);
void kt_set(struct dmem_cgroup_pool_state *pool, u64 min, u64 low, u64 max,
	    u64 pinned_max);
u32 kt_where(struct ttm_buffer_object *bo);
void kt_policy(struct kunit *test, int policy, unsigned int timeout_ms);
s64 kt_stat(struct dmem_cgroup_pool_state *pool, enum dmem_evict_stat stat);

#endif /* _DMEM_TTM_KUNIT_H */
