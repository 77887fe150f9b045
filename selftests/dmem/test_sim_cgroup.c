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

FIXTURE(simcg) {
	struct sim_pair o;
};

FIXTURE_SETUP(simcg)
{
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_simcg", NULL, "cg", 16 * MiB));
}

FIXTURE_TEARDOWN(simcg)
{
	sim_pair_teardown(&self->o);
}

TEST_F(simcg, max_evicts_only_inside_subtree)
{
	struct dmem_sim_event ev;
	__u32 b1, a1, a2;
	char line[64];

	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &b1));
	snprintf(line, sizeof(line), "%s %llu", self->o.cg, 4 * MiB);
	ASSERT_EQ(0, cg_write(self->o.a, "dmem.max", line));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 4 * MiB, 0, &a1));
	/* A's limit is hit: A's own a1 goes, B's older b1 stays. */
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 2 * MiB, 0, &a2));
	ASSERT_EQ(1, sim_event(self->o.fa, &ev, 1000));
	EXPECT_EQ(DMEM_SIM_EVENT_BUF_EVICTED, (long long)ev.type);
	EXPECT_EQ(a1, (long long)ev.handle);
	EXPECT_EQ(0, sim_event(self->o.fb, &ev, 0));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fb, b1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, a1));
	EXPECT_EQ(2 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(8 * MiB, cg_region_value(self->o.b, "dmem.current", self->o.cg));
	EXPECT_EQ(1, cg_region_key(self->o.a, "dmem.events", self->o.cg, "max"));
	EXPECT_EQ(1, cg_region_key(self->o.a, "dmem.events", self->o.cg, "evict"));
	EXPECT_EQ(0, cg_region_key(self->o.b, "dmem.events", self->o.cg, "evict"));
}

TEST_F(simcg, min_protects_sibling)
{
	struct dmem_sim_event ev;
	__u32 b1, a1;
	char line[64];

	/* Protection must be granted down the whole path, as in memcg. */
	snprintf(line, sizeof(line), "%s %llu", self->o.cg, 8 * MiB);
	ASSERT_EQ(0, cg_write(self->o.top, "dmem.min", line));
	ASSERT_EQ(0, cg_write(self->o.b, "dmem.min", line));
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &b1));
	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fa, self->o.name, 12 * MiB, 0, &a1));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fb, b1));
	EXPECT_EQ(0, sim_event(self->o.fb, &ev, 0));
	EXPECT_EQ(1, cg_region_key(self->o.a, "dmem.events", self->o.cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->o.b, "dmem.events", self->o.cg, "evict"));
	/*
	 * Without it b1 is fair game. Unclaimed protection of a parent is
	 * spread over its children by usage, so both levels are cleared.
	 */
	snprintf(line, sizeof(line), "%s 0", self->o.cg);
	ASSERT_EQ(0, cg_write(self->o.b, "dmem.min", line));
	ASSERT_EQ(0, cg_write(self->o.top, "dmem.min", line));
	EXPECT_EQ(0, sim_alloc(self->o.fa, self->o.name, 12 * MiB, 0, &a1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fb, b1));
}

TEST_F(simcg, lowering_max_evicts_down_to_it)
{
	struct dmem_sim_event ev;
	__u32 h[4], p;
	char line[64];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 2 * MiB, 0, &h[i]));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(10 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	snprintf(line, sizeof(line), "%s %llu", self->o.cg, 5 * MiB);
	ASSERT_EQ(0, cg_write(self->o.a, "dmem.max", line));
	/* Oldest first, down to the limit; the pinned one stays. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, sim_event(self->o.fa, &ev, 1000));
		EXPECT_EQ(DMEM_SIM_EVENT_BUF_EVICTED, (long long)ev.type);
		EXPECT_EQ(h[i], (long long)ev.handle);
	}
	EXPECT_EQ(0, sim_event(self->o.fa, &ev, 0));
	EXPECT_EQ(4 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, h[3]));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p));
	EXPECT_EQ(3, cg_region_key(self->o.a, "dmem.events", self->o.cg, "evict"));

	/* Below the pinned bytes: only unpinned memory goes. */
	snprintf(line, sizeof(line), "%s %llu", self->o.cg, 1 * MiB);
	ASSERT_EQ(0, cg_write(self->o.a, "dmem.max", line));
	EXPECT_EQ(2 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p));
}

/* The device's view of an owner and a region equals the cgroup files. */
TEST_F(simcg, numbers_match_device)
{
	struct dmem_sim_owner_info oa, ob;
	struct dmem_sim_region_info ri;
	__u32 h;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 3 * MiB, DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 5 * MiB, 0, &h));
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &h));
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &h));
	/* B evicts A's unpinned 5 MiB for 4 MiB more. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &h));

	ASSERT_EQ(0, sim_owner(self->o.fa, &oa));
	ASSERT_EQ(0, sim_owner(self->o.fb, &ob));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(3 * MiB, (long long)oa.resident);
	EXPECT_EQ(3 * MiB, (long long)oa.pinned);
	EXPECT_EQ(5 * MiB, (long long)oa.evicted);
	EXPECT_EQ(12 * MiB, (long long)ob.resident);
	EXPECT_EQ(4 * MiB, (long long)ob.pinned);
	EXPECT_EQ((long long)oa.resident, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ((long long)oa.pinned,
		  cg_region_value(self->o.a, "dmem.pinned.current", self->o.cg));
	EXPECT_EQ((long long)ob.resident, cg_region_value(self->o.b, "dmem.current", self->o.cg));
	EXPECT_EQ((long long)ob.pinned,
		  cg_region_value(self->o.b, "dmem.pinned.current", self->o.cg));
	EXPECT_EQ((long long)ri.used, cg_region_value(self->o.top, "dmem.current", self->o.cg));
	EXPECT_EQ((long long)ri.capacity, cg_region_value("", "dmem.capacity", self->o.cg));
	EXPECT_EQ(15 * MiB, (long long)ri.used);
	EXPECT_EQ(5, (long long)ri.buffers);
	EXPECT_EQ(1, cg_region_key(self->o.a, "dmem.stat", self->o.cg, "buffers"));
	EXPECT_EQ(3, cg_region_key(self->o.b, "dmem.stat", self->o.cg, "buffers"));
	EXPECT_EQ(4, cg_region_key(self->o.top, "dmem.stat", self->o.cg, "buffers"));
	EXPECT_EQ(2, cg_region_key(self->o.top, "dmem.stat", self->o.cg, "owners"));
	EXPECT_EQ(8 * MiB, cg_region_key(self->o.b, "dmem.stat", self->o.cg, "evictable"));
	EXPECT_EQ(0, cg_region_key(self->o.a, "dmem.stat", self->o.cg, "evictable"));
	EXPECT_EQ(5 * MiB, cg_region_key(self->o.a, "dmem.stat", self->o.cg, "evicted_bytes"));
	EXPECT_EQ(1, cg_region_key(self->o.a, "dmem.events.local", self->o.cg, "evict"));
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
		ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 4 * MiB, 0, &h[i]));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 4 * MiB, 0, &extra));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, h[0]));
	EXPECT_EQ(16 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(16 * MiB, cg_region_value(self->o.a, "dmem.peak", self->o.cg));
	/* Bringing h[0] back evicts h[1], again without a transient overshoot. */
	ASSERT_EQ(0, sim_op(self->o.fa, DMEM_SIM_IOC_TOUCH, h[0]));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, h[1]));
	EXPECT_EQ(16 * MiB, cg_region_value(self->o.a, "dmem.peak", self->o.cg));
	EXPECT_EQ(16 * MiB, cg_region_value(self->o.top, "dmem.peak", self->o.cg));
}

TEST_HARNESS_MAIN
