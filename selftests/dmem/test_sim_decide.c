// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decide before evicting: an allocation that the victims in scope could
 * never make room for fails with ENOMEM at once, and evicts nothing.
 *
 * Owner A holds 40 MiB pinned and 16 MiB unpinned in a 64 MiB region and
 * asks for 32 MiB more: its pinned buffers are never victims for it, and
 * its unpinned 16 MiB cannot cover the 24 MiB missing. What can be covered
 * still evicts.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(decide) {
	char top[64];
	char a[128];
	char b[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fa;
	__u32 pinned[5];
	__u32 unpinned;
};

FIXTURE_SETUP(decide)
{
	int i;

	self->fa = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_decide", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	sim_unique_name(self->name, "decide");
	sim_cg_name(self->cg, self->name);
	self->fa = sim_open_in(self->a);
	ASSERT_LE(0, self->fa);
	ASSERT_EQ(0, sim_region_create(self->fa, self->name, 64 * MiB));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB,
				       DMEM_SIM_ALLOC_PINNED, &self->pinned[i]));
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 16 * MiB, 0, &self->unpinned));
	ASSERT_EQ(0, sim_fill(self->fa, self->unpinned, 16 * MiB, 7));
	ASSERT_EQ(56 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	ASSERT_EQ(40 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));
}

FIXTURE_TEARDOWN(decide)
{
	if (self->fa >= 0)
		close(self->fa);
	sim_region_remove(self->name);
	cg_cleanup_tree(self->top);
}

static void all_resident(struct __test_metadata *_metadata,
			 struct _test_data_decide *self)
{
	int i;

	for (i = 0; i < 5; i++)
		EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, self->pinned[i]));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, self->unpinned));
	EXPECT_EQ(56 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
}

/* The region is full for A: ENOMEM, no eviction, its working set kept. */
TEST_F(decide, region_full_fails_without_evicting)
{
	__u32 x;

	EXPECT_EQ(-ENOMEM, sim_alloc(self->fa, self->name, 32 * MiB, 0, &x));
	all_resident(_metadata, self);
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.stat", self->cg, "evicted_bytes"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.stat", self->cg, "futile_evictions"));
	EXPECT_EQ(0, sim_verify(self->fa, self->unpinned, 16 * MiB, 7));

	/* 16 MiB can be covered by the unpinned buffer: it is evicted. */
	EXPECT_EQ(0, sim_alloc(self->fa, self->name, 16 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fa, self->unpinned));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(0, sim_verify(self->fa, self->unpinned, 16 * MiB, 7));
}

/*
 * B's cgroup may hold 16 MiB; B pins 8 MiB, which fills the region, and
 * asks for 16 MiB more. The region's room could come from A (its unpinned
 * buffer, or under the soft policy its pinned ones), but B's own limit
 * could never be met: B's pinned buffer is never a victim for B. So
 * nothing of A's is evicted or revoked for it.
 */
TEST_F(decide, limit_on_the_way_fails_without_evicting)
{
	char line[64];
	__u32 b0, x;
	int fb;

	fb = sim_open_in(self->b);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, sim_alloc(fb, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &b0));
	snprintf(line, sizeof(line), "%s %lld", self->cg, 16 * MiB);
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", line));

	EXPECT_EQ(-ENOMEM, sim_alloc(fb, self->name, 16 * MiB, 0, &x));
	all_resident(_metadata, self);
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(fb, b0));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->top, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(0, cg_region_key(self->top, "dmem.events", self->cg, "revoke"));
	EXPECT_EQ(0, cg_region_key(self->top, "dmem.stat", self->cg, "futile_evictions"));
	close(fb);
}

TEST_HARNESS_MAIN
