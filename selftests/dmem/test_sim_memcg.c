// SPDX-License-Identifier: GPL-2.0-only
/*
 * The system memory that holds a /dev/dmem_sim buffer outside device
 * memory is charged to the memory cgroup of the buffer's owner: when the
 * owner allocates it, and when another task's allocation evicts it. So
 * memory.max bounds what a user can keep in evicted buffers, and a full
 * memory cgroup never makes its owner's buffers unevictable.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

/* Twice memcg's per-cpu charge batch (64 pages). */
#define SLACK	(512 * 1024LL)

FIXTURE(simmemcg) {
	struct sim_pair o;
};

static int set_mem_max(const char *cg, long long bytes)
{
	char line[32];

	snprintf(line, sizeof(line), "%lld", bytes);
	return cg_write(cg, "memory.max", line);
}

FIXTURE_SETUP(simmemcg)
{
	ASSERT_EQ(0, cg_write("", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_simmemcg", "+memory", "memcg", 8 * MiB));
}

FIXTURE_TEARDOWN(simmemcg)
{
	sim_pair_teardown(&self->o);
}

/*
 * B's allocation evicts A's buffer: the 8 MiB copy in system memory is
 * charged to A, whose owner it is, not to B, whose task made the copy.
 * memory.current moves in per-cpu batches of up to 64 pages, so it is
 * exact to within SLACK.
 */
TEST_F(simmemcg, eviction_charges_the_owner)
{
	long long a0, b0;
	__u32 ha, hb;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &ha));
	ASSERT_EQ(0, sim_fill(self->o.fa, ha, 8 * MiB, 7));
	a0 = cg_number(self->o.a, "memory.current");
	b0 = cg_number(self->o.b, "memory.current");
	ASSERT_LE(0, a0);
	ASSERT_LE(0, b0);

	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &hb));
	ASSERT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, ha));
	EXPECT_LE(a0 + 8 * MiB - SLACK, cg_number(self->o.a, "memory.current"));
	EXPECT_GE(a0 + 8 * MiB + SLACK, cg_number(self->o.a, "memory.current"));
	EXPECT_GE(b0 + SLACK, cg_number(self->o.b, "memory.current"));
	EXPECT_EQ(0, sim_verify(self->o.fa, ha, 8 * MiB, 7));

	/* Freed, the copy is uncharged. */
	ASSERT_EQ(0, sim_op(self->o.fa, DMEM_SIM_IOC_FREE, ha));
	EXPECT_GE(a0 + SLACK, cg_number(self->o.a, "memory.current"));
}

/*
 * A buffer starts in system memory: memory.max bounds it. The failed
 * allocation leaves nothing behind, in either controller.
 */
TEST_F(simmemcg, memory_max_bounds_allocation)
{
	__u32 h = 0;

	ASSERT_EQ(0, set_mem_max(self->o.a, cg_number(self->o.a, "memory.current") + 4 * MiB));
	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &h));
	EXPECT_EQ(0, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(-ENOENT, sim_state(self->o.fa, 1));
	EXPECT_EQ(0, sim_alloc(self->o.fa, self->o.name, 2 * MiB, 0, &h));
	EXPECT_EQ(2 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
}

/*
 * A's memory cgroup is full, yet B's allocation still evicts A's buffer:
 * the copy is charged over A's limit (a "max" event) instead of making
 * A's device memory unevictable.
 */
TEST_F(simmemcg, full_memcg_does_not_block_eviction)
{
	long long max_events;
	__u32 ha, hb;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &ha));
	ASSERT_EQ(0, sim_fill(self->o.fa, ha, 8 * MiB, 9));
	ASSERT_EQ(0, set_mem_max(self->o.a, cg_number(self->o.a, "memory.current") + MiB));
	max_events = cg_key(self->o.a, "memory.events", "max");
	ASSERT_LE(0, max_events);

	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &hb));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, ha));
	EXPECT_LT(cg_number(self->o.a, "memory.max"), cg_number(self->o.a, "memory.current"));
	EXPECT_LT(max_events, cg_key(self->o.a, "memory.events", "max"));
	EXPECT_EQ(0, sim_verify(self->o.fa, ha, 8 * MiB, 9));
	EXPECT_EQ(0, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(8 * MiB, cg_region_value(self->o.b, "dmem.current", self->o.cg));
}

TEST_HARNESS_MAIN
