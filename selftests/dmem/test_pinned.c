// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem.pinned.max and dmem.pinned.current: pins beyond the limit fail with
 * a pin_max event at the limiting cgroup; pinning does not change
 * dmem.current; dmem.stat shows the split.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

static const char *const tree[] = { "a", "a/b", NULL };

FIXTURE(pinned) {
	char top[64];
	char a[128];
	char b[128];
	int fd;
};

FIXTURE_SETUP(pinned)
{
	self->fd = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_pinned", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/a/b", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cg_enter(self->b));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 16384));
}

FIXTURE_TEARDOWN(pinned)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

TEST_F(pinned, pinned_max_enforced)
{
	ASSERT_EQ(0, cg_write(self->b, "dmem.pinned.max", VRAM0 " 8192"));
	EXPECT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 8192));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "pin", VRAM0, 1));
	EXPECT_EQ(cg_id(self->b), st_limit_cgroup_id(self->fd));

	EXPECT_EQ(8192, cg_region_value(self->b, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(8192, cg_region_value(self->a, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(16384, cg_region_value(self->b, "dmem.current", VRAM0));

	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events.local", VRAM0, "pin_max"));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", VRAM0, "pin_max"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events.local", VRAM0, "pin_max"));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", VRAM0, "pin_max"));
	EXPECT_EQ(1, cg_region_key(self->top, "dmem.events", VRAM0, "pin_max"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.events", VRAM0, "max"));

	/* Unpinning makes room again, to the byte. */
	EXPECT_EQ(0, st_cmd(self->fd, "unpin", VRAM0, 4096));
	EXPECT_EQ(4096, cg_region_value(self->b, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "pin", VRAM0, 4097));
	EXPECT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 4096));
	EXPECT_EQ(2, cg_region_key(self->b, "dmem.events.local", VRAM0, "pin_max"));
	EXPECT_EQ(8192, cg_region_value(self->b, "dmem.pinned.current", VRAM0));
}

TEST_F(pinned, ancestor_pinned_max)
{
	ASSERT_EQ(0, cg_write(self->a, "dmem.pinned.max", VRAM0 " 4097"));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "pin", VRAM0, 4098));
	EXPECT_EQ(cg_id(self->a), st_limit_cgroup_id(self->fd));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.events.local", VRAM0, "pin_max"));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events.local", VRAM0, "pin_max"));
	EXPECT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 4097));
	EXPECT_EQ(4097, cg_region_value(self->a, "dmem.pinned.current", VRAM0));
	/* dmem.max does not count pins: more charges still fit. */
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(16385, cg_region_value(self->a, "dmem.current", VRAM0));
}

TEST_F(pinned, stat_split)
{
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4097));
	ASSERT_EQ(0, st_cmd(self->fd, "pin", VRAM0, 1000));

	EXPECT_EQ(20481, cg_region_key(self->b, "dmem.stat", VRAM0, "current"));
	EXPECT_EQ(1000, cg_region_key(self->b, "dmem.stat", VRAM0, "pinned"));
	EXPECT_EQ(19481, cg_region_key(self->b, "dmem.stat", VRAM0, "evictable"));
	EXPECT_EQ(2, cg_region_key(self->b, "dmem.stat", VRAM0, "buffers"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.stat", VRAM0, "owners"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.stat", VRAM0, "evicted_bytes"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.stat", VRAM0, "revoked_bytes"));
	/* Subtree totals above. */
	EXPECT_EQ(20481, cg_region_key(self->top, "dmem.stat", VRAM0, "current"));
	EXPECT_EQ(2, cg_region_key(self->top, "dmem.stat", VRAM0, "buffers"));

	/* Uncharging a pinned charge unpins it first. */
	ASSERT_EQ(0, st_cmd(self->fd, "uncharge", VRAM0, 4097));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.pinned.current", VRAM0));
	EXPECT_EQ(16384, cg_region_key(self->b, "dmem.stat", VRAM0, "evictable"));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.stat", VRAM0, "buffers"));
}

TEST_HARNESS_MAIN
