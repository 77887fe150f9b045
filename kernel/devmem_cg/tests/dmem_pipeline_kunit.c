// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit checks that the dmem controller is wired into the cgroup core by
 * the overlay's hook patch: the subsystem exists, is named "dmem" and is
 * enabled on the default (v2) hierarchy.
 */

#include <kunit/test.h>
#include <linux/cgroup.h>

static void dmem_pipeline_subsys_registered(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, dmem_cgrp_subsys.name, "dmem");
	KUNIT_EXPECT_STREQ(test, dmem_cgrp_subsys.legacy_name, "dmem");
	KUNIT_EXPECT_EQ(test, dmem_cgrp_subsys.id, dmem_cgrp_id);
	KUNIT_EXPECT_TRUE(test, cgroup_subsys_enabled(dmem_cgrp_subsys));
}

static void dmem_pipeline_root_css(struct kunit *test)
{
	struct cgroup_subsys_state *css;

	/* The root css is static: never replaced, never freed. */
	css = rcu_dereference_protected(cgrp_dfl_root.cgrp.subsys[dmem_cgrp_id], true);
	KUNIT_ASSERT_NOT_NULL(test, css);
	KUNIT_EXPECT_PTR_EQ(test, css->ss, &dmem_cgrp_subsys);
	KUNIT_EXPECT_NULL(test, css->parent);
}

static struct kunit_case dmem_pipeline_cases[] = {
	KUNIT_CASE(dmem_pipeline_subsys_registered),
	KUNIT_CASE(dmem_pipeline_root_css),
	{}
};

static struct kunit_suite dmem_pipeline_suite = {
	.name = "dmem_pipeline",
	.test_cases = dmem_pipeline_cases,
};

kunit_test_suite(dmem_pipeline_suite);

MODULE_DESCRIPTION("KUnit checks of the dmem controller's wiring");
MODULE_LICENSE("GPL");
