/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem controller's test-only interface: what the KUnit suites, the
 * selftest region and the benchmarks need beyond include/linux/cgroup_dmem.h,
 * and nothing more. Implemented by testing.c, built only with
 * CONFIG_DMEM_TEST_HOOKS (selected by those options); production code never
 * includes this header, and tests never include dmem_internal.h.
 *
 * Limits and policies are set through the functions the dmem.* files use,
 * so a test exercises the same code as a write of the file.
 */
#ifndef _KERNEL_DEVMEM_CG_DMEM_TEST_H
#define _KERNEL_DEVMEM_CG_DMEM_TEST_H

#include <linux/cgroup_dmem.h>

#include "dmem_files.h"

/* Longest line a KUnit suite reads with dmem_test_kunit_show_root(). */
#define DMEM_TEST_SHOW_SIZE	512

struct dmem_cgroup_pool_state *
dmem_pool_create_detached(struct dmem_cgroup_region *region,
			  struct dmem_cgroup_pool_state *parent);
int dmem_test_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
			 struct dmem_cgroup_pool_state **ret_limit_pool);
size_t dmem_test_pool_size(void);
void dmem_test_set_limit(struct dmem_cgroup_pool_state *pool,
			 enum dmem_file type, u64 value);
void dmem_test_reclaim(struct dmem_cgroup_pool_state *pool);

s64 dmem_test_event(struct dmem_cgroup_pool_state *pool,
		    enum dmem_cgroup_event event, bool local);
s64 dmem_test_ext_event(struct dmem_cgroup_pool_state *pool,
			unsigned int event, bool local);
u64 dmem_test_peak(struct dmem_cgroup_pool_state *pool);
u64 dmem_test_pinned(struct dmem_cgroup_pool_state *pool);
u64 dmem_test_emin(struct dmem_cgroup_pool_state *pool);
u64 dmem_test_elow(struct dmem_cgroup_pool_state *pool);

int dmem_test_show_root(struct dmem_cgroup_region *region, enum dmem_file type,
			char *buf, size_t size);
ssize_t dmem_test_write_root(char *buf, enum dmem_file type);

bool dmem_test_region_registered(const char *name);
void dmem_test_quiesce(void);
int dmem_test_nr_regions(void);
int dmem_test_nr_pools(void);

#if IS_ENABLED(CONFIG_KUNIT)
#include <kunit/test.h>

/*
 * For KUnit suites: the line @region contributes to the root's file @type,
 * newline included, in memory freed with @test.
 */
static inline const char *dmem_test_kunit_show_root(struct kunit *test,
						    struct dmem_cgroup_region *region,
						    enum dmem_file type)
{
	char *buf = kunit_kzalloc(test, DMEM_TEST_SHOW_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, dmem_test_show_root(region, type, buf,
						  DMEM_TEST_SHOW_SIZE), 0);
	return buf;
}
#endif

#endif /* _KERNEL_DEVMEM_CG_DMEM_TEST_H */
