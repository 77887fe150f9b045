// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes: a cgroup removed while charged lingers until uncharged, and a
 * region unregistered while charged vanishes from the files at once but
 * lives until its charges go. The counts of live pools and regions come
 * from the selftest interface, which waits for frees in flight.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

static const char *const tree[] = { "x", "y", NULL };

FIXTURE(lifetime) {
	char top[64];
	char x[128];
	char y[128];
	int fd;
};

FIXTURE_SETUP(lifetime)
{
	self->fd = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_life", tree));
	snprintf(self->x, sizeof(self->x), "%s/x", self->top);
	snprintf(self->y, sizeof(self->y), "%s/y", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->fd >= 0)
		close(self->fd);
	st_vram1("unregister");
	cg_cleanup_tree(self->top);
}

TEST_F(lifetime, rmdir_charged_then_uncharge)
{
	long long pools;

	ASSERT_EQ(0, cg_enter(self->x));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4097));
	ASSERT_EQ(0, cg_enter(self->y));
	pools = st_stat("pools");
	ASSERT_LT(0, pools);

	/* The cgroup goes away; its charge stays counted above it. */
	ASSERT_EQ(0, cg_destroy(self->x));
	EXPECT_EQ(4097, cg_region_value(self->top, "dmem.current", VRAM0));
	EXPECT_EQ(pools, st_stat("pools"));

	/* Uncharging frees x's pool, and only it. */
	ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, 4097));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", VRAM0));
	EXPECT_EQ(pools - 1, st_wait_stat("pools", pools - 1, 5000));

	/* The parent still works. */
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(1, cg_region_value(self->top, "dmem.current", VRAM0));
}

TEST_F(lifetime, rmdir_charged_then_close)
{
	long long pools;

	ASSERT_EQ(0, cg_enter(self->x));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1048577));
	ASSERT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 5));
	ASSERT_EQ(0, cg_enter(self->y));
	pools = st_stat("pools");
	ASSERT_EQ(0, cg_destroy(self->x));
	EXPECT_EQ(5, cg_region_value(self->top, "dmem.pinned.current", VRAM0));

	/* Closing the client unpins and uncharges everything. */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(pools - 1, st_wait_stat("pools", pools - 1, 5000));
}

TEST_F(lifetime, unregister_charged_region)
{
	long long pools, regions;

	pools = st_stat("pools");
	regions = st_stat("regions");
	ASSERT_EQ(0, st_vram1("register 1048576"));
	EXPECT_EQ(-EEXIST, st_vram1("register 1048576"));
	EXPECT_EQ(regions + 1, st_stat("regions"));
	EXPECT_EQ(1048576, cg_region_value("", "dmem.capacity", VRAM1));

	ASSERT_EQ(0, cg_enter(self->x));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM1, 4097));
	EXPECT_EQ(4097, cg_region_value(self->x, "dmem.current", VRAM1));
	EXPECT_EQ(0, cg_region_value(self->x, "dmem.current", VRAM0));
	ASSERT_EQ(0, cg_write(self->x, "dmem.max", VRAM1 " 8192"));
	/* Pools of root, top and x. */
	EXPECT_EQ(pools + 3, st_stat("pools"));

	ASSERT_EQ(0, st_vram1("unregister"));
	/* Gone from every file at once... */
	EXPECT_EQ(-2, cg_region_value("", "dmem.capacity", VRAM1));
	EXPECT_EQ(-2, cg_region_value("", "dmem.current", VRAM1));
	EXPECT_EQ(-2, cg_region_value(self->x, "dmem.current", VRAM1));
	EXPECT_EQ(-2, cg_region_value(self->x, "dmem.max", VRAM1));
	EXPECT_EQ(-ENODEV, cg_write(self->x, "dmem.max", VRAM1 " 1M"));
	EXPECT_EQ(-ENODEV, st_cmd(self->fd, "charge", VRAM1, 1));
	/* ...but the charged pools and the region live on. */
	EXPECT_EQ(pools + 3, st_stat("pools"));
	EXPECT_EQ(regions + 1, st_stat("regions"));

	/* Uncharging frees them all. */
	ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM1, 4097));
	EXPECT_EQ(pools, st_wait_stat("pools", pools, 5000));
	EXPECT_EQ(regions, st_wait_stat("regions", regions, 5000));

	/* The name is free again. */
	ASSERT_EQ(0, st_vram1("register 4096"));
	EXPECT_EQ(4096, cg_region_value("", "dmem.capacity", VRAM1));
	EXPECT_EQ(0, cg_region_value(self->x, "dmem.current", VRAM1));
	ASSERT_EQ(0, st_vram1("unregister"));
	EXPECT_EQ(-ENOENT, st_vram1("unregister"));
	EXPECT_EQ(pools, st_wait_stat("pools", pools, 5000));
}

TEST_HARNESS_MAIN
