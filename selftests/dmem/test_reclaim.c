// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lowering dmem.max below the usage: the limit is set, then the region's
 * reclaim callback evicts from the cgroup's subtree until it fits, except
 * with O_NONBLOCK; dmem.min is never crossed, dmem.low only as a last
 * resort (counted as a low event). The selftest region's callback evicts
 * unpinned charges, oldest first.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

#define MiB	(1024 * 1024)

static const char *const tree[] = { "a", "a/b1", "a/b2", NULL };

FIXTURE(reclaim) {
	char top[64];
	char a[128];
	char b1[128];
	char b2[128];
	int fd;
	long long calls;
};

FIXTURE_SETUP(reclaim)
{
	self->fd = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_reclaim", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b1, sizeof(self->b1), "%s/a/b1", self->top);
	snprintf(self->b2, sizeof(self->b2), "%s/a/b2", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
	self->calls = st_stat("reclaim_calls");
	ASSERT_LE(0, self->calls);
}

FIXTURE_TEARDOWN(reclaim)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

TEST_F(reclaim, lower_max_evicts)
{
	int i;

	ASSERT_EQ(0, cg_enter(self->b1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));

	ASSERT_EQ(0, cg_write(self->b1, "dmem.max", VRAM0 " 1M"));
	EXPECT_EQ(MiB, cg_region_value(self->b1, "dmem.max", VRAM0));
	EXPECT_EQ(MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(1, st_stat("reclaim_calls") - self->calls);
	EXPECT_EQ(2, cg_region_key(self->b1, "dmem.events.local", VRAM0, "evict"));
	EXPECT_EQ(2, cg_region_key(self->a, "dmem.events", VRAM0, "evict"));
	EXPECT_EQ(0, cg_region_key(self->b1, "dmem.events", VRAM0, "low"));
	EXPECT_EQ(2 * MiB, cg_region_key(self->b1, "dmem.stat", VRAM0, "evicted_bytes"));
	EXPECT_EQ(1, cg_region_key(self->b1, "dmem.stat", VRAM0, "buffers"));
	/* The oldest went first: the newest charge is still there. */
	EXPECT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, MiB));
	EXPECT_EQ(-ENOENT, st_cmd(self->fd, "uncharge", VRAM0, MiB));
}

TEST_F(reclaim, nonblock_skips_eviction)
{
	int i;

	ASSERT_EQ(0, cg_enter(self->b1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));

	ASSERT_EQ(0, cg_write_flags(self->b1, "dmem.max", VRAM0 " 1M", O_NONBLOCK));
	EXPECT_EQ(MiB, cg_region_value(self->b1, "dmem.max", VRAM0));
	EXPECT_EQ(3 * MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(0, st_stat("reclaim_calls") - self->calls);
	EXPECT_EQ(0, cg_region_key(self->b1, "dmem.events.local", VRAM0, "evict"));
	/* Over the limit, nothing more is charged. */
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, MiB));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
}

TEST_F(reclaim, pinned_not_evicted)
{
	ASSERT_EQ(0, cg_enter(self->b1));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 1));

	ASSERT_EQ(0, cg_write(self->b1, "dmem.max", VRAM0 " 4096"));
	EXPECT_EQ(4096, cg_region_value(self->b1, "dmem.max", VRAM0));
	EXPECT_EQ(MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(1, st_stat("reclaim_calls") - self->calls);
	EXPECT_EQ(0, cg_region_key(self->b1, "dmem.events.local", VRAM0, "evict"));
}

TEST_F(reclaim, min_protects_sibling)
{
	ASSERT_EQ(0, cg_write(self->b1, "dmem.min", VRAM0 " 2M"));
	ASSERT_EQ(0, cg_enter(self->b1));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, cg_enter(self->b2));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));

	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 2M"));
	EXPECT_EQ(2 * MiB, cg_region_value(self->a, "dmem.current", VRAM0));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_value(self->b2, "dmem.current", VRAM0));
	EXPECT_EQ(2, cg_region_key(self->b2, "dmem.events.local", VRAM0, "evict"));
	EXPECT_EQ(0, cg_region_key(self->b1, "dmem.events.local", VRAM0, "evict"));

	/* Below b1's min nothing is evicted, however low the limit. */
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 1M"));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", VRAM0, "low"));
}

TEST_F(reclaim, low_is_last_resort)
{
	ASSERT_EQ(0, cg_write(self->b1, "dmem.low", VRAM0 " 2M"));
	ASSERT_EQ(0, cg_enter(self->b1));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, cg_enter(self->b2));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, MiB));
	ASSERT_EQ(0, st_cmd(self->fd, "pin", VRAM0, MiB));

	/* b2 is pinned: only b1, below its low, can give. */
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 2M"));
	EXPECT_EQ(2 * MiB, cg_region_value(self->a, "dmem.current", VRAM0));
	EXPECT_EQ(MiB, cg_region_value(self->b1, "dmem.current", VRAM0));
	EXPECT_EQ(1, cg_region_key(self->b1, "dmem.events.local", VRAM0, "low"));
	EXPECT_EQ(1, cg_region_key(self->b1, "dmem.events.local", VRAM0, "evict"));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", VRAM0, "low"));
	EXPECT_EQ(MiB, cg_region_value(self->b2, "dmem.current", VRAM0));
}

TEST_HARNESS_MAIN
