// SPDX-License-Identifier: GPL-2.0-only
/*
 * cgroup limits and protection with /dev/dmem_sim buffers: dmem.max evicts
 * only inside the limited subtree; dmem.min protects a sibling's buffers;
 * lowering dmem.max on a busy cgroup evicts down to it; the cgroup files
 * and the device's own view agree to the byte; a full region never lets
 * dmem.peak count more than the region holds.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

static const char *const tree[] = { "b", "c", NULL };

FIXTURE(simcg) {
	char top[64];
	char b[128];
	char c[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fb;
	int fc;
};

FIXTURE_SETUP(simcg)
{
	self->fb = -1;
	self->fc = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_simcg", tree));
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	snprintf(self->c, sizeof(self->c), "%s/c", self->top);
	sim_unique_name(self->name, "cg");
	sim_cg_name(self->cg, self->name);
	self->fb = sim_open_in(self->b);
	ASSERT_LE(0, self->fb);
	self->fc = sim_open_in(self->c);
	ASSERT_LE(0, self->fc);
	ASSERT_EQ(0, sim_region_create(self->fb, self->name, 16 * MiB));
}

FIXTURE_TEARDOWN(simcg)
{
	if (self->fb >= 0)
		close(self->fb);
	if (self->fc >= 0)
		close(self->fc);
	sim_region_remove(self->name);
	cg_cleanup_tree(self->top);
}

TEST_F(simcg, max_evicts_only_inside_subtree)
{
	struct dmem_sim_event ev;
	__u32 c1, b1, b2;
	char line[64];

	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 8 * MiB, 0, &c1));
	snprintf(line, sizeof(line), "%s %llu", self->cg, 4 * MiB);
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", line));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &b1));
	/* B's limit is hit: B's own b1 goes, C's older c1 stays. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 2 * MiB, 0, &b2));
	ASSERT_EQ(1, sim_event(self->fb, &ev, 1000));
	EXPECT_EQ(DMEM_SIM_EVENT_BUF_EVICTED, (long long)ev.type);
	EXPECT_EQ(b1, (long long)ev.handle);
	EXPECT_EQ(0, sim_event(self->fc, &ev, 0));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fc, c1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fb, b1));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(8 * MiB, cg_region_value(self->c, "dmem.current", self->cg));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "max"));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(0, cg_region_key(self->c, "dmem.events", self->cg, "evict"));
}

TEST_F(simcg, min_protects_sibling)
{
	struct dmem_sim_event ev;
	__u32 c1, b1;
	char line[64];

	/* Protection must be granted down the whole path, as in memcg. */
	snprintf(line, sizeof(line), "%s %llu", self->cg, 8 * MiB);
	ASSERT_EQ(0, cg_write(self->top, "dmem.min", line));
	ASSERT_EQ(0, cg_write(self->c, "dmem.min", line));
	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 8 * MiB, 0, &c1));
	EXPECT_EQ(-ENOMEM, sim_alloc(self->fb, self->name, 12 * MiB, 0, &b1));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fc, c1));
	EXPECT_EQ(0, sim_event(self->fc, &ev, 0));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->c, "dmem.events", self->cg, "evict"));
	/*
	 * Without it c1 is fair game. Unclaimed protection of a parent is
	 * spread over its children by usage, so both levels are cleared.
	 */
	snprintf(line, sizeof(line), "%s 0", self->cg);
	ASSERT_EQ(0, cg_write(self->c, "dmem.min", line));
	ASSERT_EQ(0, cg_write(self->top, "dmem.min", line));
	EXPECT_EQ(0, sim_alloc(self->fb, self->name, 12 * MiB, 0, &b1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fc, c1));
}

TEST_F(simcg, lowering_max_evicts_down_to_it)
{
	struct dmem_sim_event ev;
	__u32 h[4], p;
	char line[64];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, sim_alloc(self->fb, self->name, 2 * MiB, 0, &h[i]));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(10 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	snprintf(line, sizeof(line), "%s %llu", self->cg, 5 * MiB);
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", line));
	/* Oldest first, down to the limit; the pinned one stays. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, sim_event(self->fb, &ev, 1000));
		EXPECT_EQ(DMEM_SIM_EVENT_BUF_EVICTED, (long long)ev.type);
		EXPECT_EQ(h[i], (long long)ev.handle);
	}
	EXPECT_EQ(0, sim_event(self->fb, &ev, 0));
	EXPECT_EQ(4 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fb, h[3]));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fb, p));
	EXPECT_EQ(3, cg_region_key(self->b, "dmem.events", self->cg, "evict"));

	/* Below the pinned bytes: only unpinned memory goes. */
	snprintf(line, sizeof(line), "%s %llu", self->cg, 1 * MiB);
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", line));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fb, p));
}

/* The device's view of an owner and a region equals the cgroup files. */
TEST_F(simcg, numbers_match_device)
{
	struct dmem_sim_owner_info ob, oc;
	struct dmem_sim_region_info ri;
	__u32 h;

	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 3 * MiB, DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 5 * MiB, 0, &h));
	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 4 * MiB, 0, &h));
	/* C evicts B's unpinned 5 MiB for 4 MiB more. */
	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 4 * MiB, 0, &h));

	ASSERT_EQ(0, sim_owner(self->fb, &ob));
	ASSERT_EQ(0, sim_owner(self->fc, &oc));
	ASSERT_EQ(0, sim_region_info(self->fb, self->name, &ri));
	EXPECT_EQ(3 * MiB, (long long)ob.resident);
	EXPECT_EQ(3 * MiB, (long long)ob.pinned);
	EXPECT_EQ(5 * MiB, (long long)ob.evicted);
	EXPECT_EQ(12 * MiB, (long long)oc.resident);
	EXPECT_EQ(4 * MiB, (long long)oc.pinned);
	EXPECT_EQ((long long)ob.resident, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ((long long)ob.pinned, cg_region_value(self->b, "dmem.pinned.current", self->cg));
	EXPECT_EQ((long long)oc.resident, cg_region_value(self->c, "dmem.current", self->cg));
	EXPECT_EQ((long long)oc.pinned, cg_region_value(self->c, "dmem.pinned.current", self->cg));
	EXPECT_EQ((long long)ri.used, cg_region_value(self->top, "dmem.current", self->cg));
	EXPECT_EQ((long long)ri.capacity, cg_region_value("", "dmem.capacity", self->cg));
	EXPECT_EQ(15 * MiB, (long long)ri.used);
	EXPECT_EQ(5, (long long)ri.buffers);
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.stat", self->cg, "buffers"));
	EXPECT_EQ(3, cg_region_key(self->c, "dmem.stat", self->cg, "buffers"));
	EXPECT_EQ(4, cg_region_key(self->top, "dmem.stat", self->cg, "buffers"));
	EXPECT_EQ(2, cg_region_key(self->top, "dmem.stat", self->cg, "owners"));
	EXPECT_EQ(8 * MiB, cg_region_key(self->c, "dmem.stat", self->cg, "evictable"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.stat", self->cg, "evictable"));
	EXPECT_EQ(5 * MiB, cg_region_key(self->b, "dmem.stat", self->cg, "evicted_bytes"));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events.local", self->cg, "evict"));
}

/*
 * An allocation in a full region finds room before it is charged: while it
 * waits for its victim, the cgroup is not charged for bytes the region does
 * not have, so the peak stays at the region's size.
 */
TEST_F(simcg, full_region_peak_within_capacity)
{
	__u32 h[4], extra;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &h[i]));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &extra));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fb, h[0]));
	EXPECT_EQ(16 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(16 * MiB, cg_region_value(self->b, "dmem.peak", self->cg));
	/* Bringing h[0] back evicts h[1], again without a transient overshoot. */
	ASSERT_EQ(0, sim_op(self->fb, DMEM_SIM_IOC_TOUCH, h[0]));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fb, h[1]));
	EXPECT_EQ(16 * MiB, cg_region_value(self->b, "dmem.peak", self->cg));
	EXPECT_EQ(16 * MiB, cg_region_value(self->top, "dmem.peak", self->cg));
}

TEST_HARNESS_MAIN
