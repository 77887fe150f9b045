/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For tests and benchmarks of the eviction layer and of its users: set a
 * region's dmem.policy, and read the eviction layer's event counts, through
 * the same paths as the file (a write of the root's dmem.policy) and
 * without reaching into the controller.
 */
#ifndef _KERNEL_EVICT_TESTS_DMEM_EVICT_TEST_POLICY_H
#define _KERNEL_EVICT_TESTS_DMEM_EVICT_TEST_POLICY_H

#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/kernel.h>

#include "../../devmem_cg/dmem_test.h"

/* A region name (at most 127 characters) and the longest settings. */
#define DMEM_EVICT_TEST_POLICY_LINE	192

/*
 * Writes "<region> <soft|strict> timeout_ms=<ms>" to the root's dmem.policy.
 * Returns what the write returned: 0, or -EINVAL for a timeout out of
 * range, -ENODEV for an unregistered region.
 */
static inline int dmem_evict_test_set_policy(struct dmem_cgroup_region *region,
					     enum dmem_pin_policy policy,
					     unsigned int timeout_ms)
{
	char line[DMEM_EVICT_TEST_POLICY_LINE];

	snprintf(line, sizeof(line), "%s %s timeout_ms=%u",
		 dmem_cgroup_region_name(region),
		 policy == DMEM_PIN_POLICY_STRICT ? "strict" : "soft",
		 timeout_ms);
	return dmem_test_write_root(line, DMEM_FILE_EXT_REGION);
}

/* An event of the eviction layer: its slots are enum dmem_evict_event. */
static inline s64 dmem_evict_test_event(struct dmem_cgroup_pool_state *pool,
					enum dmem_evict_event event, bool local)
{
	return dmem_test_ext_event(pool, event, local);
}

#endif /* _KERNEL_EVICT_TESTS_DMEM_EVICT_TEST_POLICY_H */
