// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem limits on nested cgroups: which files exist where, exact byte
 * charges, dmem.max at the cgroup and at an ancestor, dmem.peak, and
 * charges staying put when a task migrates.
 *
 *	top (dmem enabled below)
 *	|- a (dmem enabled below)
 *	|  `- b
 *	`- c
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

static const char *const tree[] = { "a", "a/b", "c", NULL };

FIXTURE(limits) {
	char top[64];
	char a[128];
	char b[128];
	char c[128];
	int fd;
};

FIXTURE_SETUP(limits)
{
	self->fd = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_limits", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/a/b", self->top);
	snprintf(self->c, sizeof(self->c), "%s/c", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

static int has_file(const char *cg, const char *file)
{
	char path[512];

	cg_path(path, sizeof(path), cg, file);
	return access(path, F_OK) == 0;
}

TEST_F(limits, files_where_expected)
{
	static const char *const everywhere[] = {
		"dmem.current", "dmem.pinned.current", "dmem.stat",
	};
	static const char *const non_root[] = {
		"dmem.min", "dmem.low", "dmem.max", "dmem.peak", "dmem.pinned.max",
		"dmem.events", "dmem.events.local",
	};
	static const char *const root_only[] = { "dmem.capacity", "dmem.policy" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(everywhere); i++) {
		EXPECT_TRUE(has_file("", everywhere[i]));
		EXPECT_TRUE(has_file(self->b, everywhere[i]));
	}
	for (i = 0; i < ARRAY_SIZE(non_root); i++) {
		EXPECT_FALSE(has_file("", non_root[i])) TH_LOG("%s", non_root[i]);
		EXPECT_TRUE(has_file(self->b, non_root[i])) TH_LOG("%s", non_root[i]);
	}
	for (i = 0; i < ARRAY_SIZE(root_only); i++) {
		EXPECT_TRUE(has_file("", root_only[i]));
		EXPECT_FALSE(has_file(self->b, root_only[i]));
	}

	EXPECT_EQ(268435456, cg_region_value("", "dmem.capacity", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.min", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.low", VRAM0));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->b, "dmem.max", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.peak", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->b, "dmem.pinned.max", VRAM0));
}

TEST_F(limits, exact_bytes)
{
	static const unsigned long long sizes[] = {
		1, 4095, 4097, 75 * 1024 + 1, 1024 * 1024 + 1,
	};
	long long sum = 0;
	unsigned int i;

	ASSERT_EQ(0, cg_enter(self->b));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, sizes[i]));
		sum += sizes[i];
		EXPECT_EQ(sum, cg_region_value(self->b, "dmem.current", VRAM0));
		EXPECT_EQ(sum, cg_region_value(self->a, "dmem.current", VRAM0));
		EXPECT_EQ(sum, cg_region_value(self->top, "dmem.current", VRAM0));
		EXPECT_EQ(0, cg_region_value(self->c, "dmem.current", VRAM0));
	}
	EXPECT_EQ(1133571, sum);
	EXPECT_EQ(sum, cg_region_value(self->b, "dmem.peak", VRAM0));
	EXPECT_EQ(sum, cg_region_key(self->b, "dmem.stat", VRAM0, "current"));
	EXPECT_EQ(5, cg_region_key(self->b, "dmem.stat", VRAM0, "buffers"));

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, sizes[i]));
		sum -= sizes[i];
		EXPECT_EQ(sum, cg_region_value(self->b, "dmem.current", VRAM0));
	}
	EXPECT_EQ(-ENOENT, st_cmd(self->fd, "uncharge", VRAM0, 1));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", VRAM0));
	EXPECT_EQ(1133571, cg_region_value(self->b, "dmem.peak", VRAM0));
}

TEST_F(limits, max_plus_one_fails)
{
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " 1M"));
	EXPECT_EQ(1048576, cg_region_value(self->b, "dmem.max", VRAM0));
	ASSERT_EQ(0, cg_enter(self->b));

	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1048577));
	EXPECT_EQ(cg_id(self->b), st_limit_cgroup_id(self->fd));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.peak", VRAM0));

	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1048576));
	EXPECT_EQ(0ULL, st_limit_cgroup_id(self->fd));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(1048576, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(1048576, cg_region_value(self->top, "dmem.current", VRAM0));

	/* Raising the limit lets the charge through. */
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " 1048577"));
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(1048577, cg_region_value(self->b, "dmem.current", VRAM0));
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " max"));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->b, "dmem.max", VRAM0));
}

TEST_F(limits, ancestor_max_limits_descendants)
{
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 10000"));
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " 1G"));
	ASSERT_EQ(0, cg_enter(self->b));

	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 6000));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 4001));
	EXPECT_EQ(cg_id(self->a), st_limit_cgroup_id(self->fd));
	EXPECT_EQ(6000, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4000));
	EXPECT_EQ(10000, cg_region_value(self->a, "dmem.current", VRAM0));
	EXPECT_EQ(10000, cg_region_value(self->b, "dmem.current", VRAM0));

	/* The sibling subtree is not limited by a. */
	ASSERT_EQ(0, cg_enter(self->c));
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 20000));
	EXPECT_EQ(20000, cg_region_value(self->c, "dmem.current", VRAM0));
	EXPECT_EQ(30000, cg_region_value(self->top, "dmem.current", VRAM0));

	/* A limit on top caps both subtrees. */
	ASSERT_EQ(0, cg_write(self->top, "dmem.max", VRAM0 " 30001"));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 2));
	EXPECT_EQ(cg_id(self->top), st_limit_cgroup_id(self->fd));
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1));
}

TEST_F(limits, peak)
{
	ASSERT_EQ(0, cg_enter(self->b));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4097));
	ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, 4097));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(1, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(4097, cg_region_value(self->b, "dmem.peak", VRAM0));
	EXPECT_EQ(4097, cg_region_value(self->a, "dmem.peak", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->c, "dmem.peak", VRAM0));

	ASSERT_EQ(0, cg_enter(self->c));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 8192));
	EXPECT_EQ(8192, cg_region_value(self->c, "dmem.peak", VRAM0));
	EXPECT_EQ(8193, cg_region_value(self->top, "dmem.peak", VRAM0));
	EXPECT_EQ(4097, cg_region_value(self->a, "dmem.peak", VRAM0));
}

TEST_F(limits, min_low_values)
{
	ASSERT_EQ(0, cg_write(self->b, "dmem.min", VRAM0 " 75K"));
	ASSERT_EQ(0, cg_write(self->b, "dmem.low", VRAM0 " 1G\n"));
	ASSERT_EQ(0, cg_write(self->b, "dmem.pinned.max", VRAM0 " 4097"));
	EXPECT_EQ(76800, cg_region_value(self->b, "dmem.min", VRAM0));
	EXPECT_EQ(1073741824, cg_region_value(self->b, "dmem.low", VRAM0));
	EXPECT_EQ(4097, cg_region_value(self->b, "dmem.pinned.max", VRAM0));
	ASSERT_EQ(0, cg_write(self->b, "dmem.low", VRAM0 " max"));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->b, "dmem.low", VRAM0));
	/* Only b changed. */
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.min", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->c, "dmem.low", VRAM0));
}

TEST_F(limits, charges_stay_on_migration)
{
	ASSERT_EQ(0, cg_enter(self->b));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4096));
	ASSERT_EQ(0, cg_enter(self->c));
	EXPECT_EQ(4096, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->c, "dmem.current", VRAM0));

	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 100));
	EXPECT_EQ(100, cg_region_value(self->c, "dmem.current", VRAM0));
	EXPECT_EQ(4096, cg_region_value(self->b, "dmem.current", VRAM0));

	/* Uncharged from c, the charge still leaves b. */
	ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, 4096));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", VRAM0));
	EXPECT_EQ(100, cg_region_value(self->c, "dmem.current", VRAM0));
	EXPECT_EQ(100, cg_region_value(self->top, "dmem.current", VRAM0));
}

TEST_HARNESS_MAIN
