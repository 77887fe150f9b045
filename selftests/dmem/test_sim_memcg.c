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

static const char *const tree[] = { "b", "c", NULL };

/* Twice memcg's per-cpu charge batch (64 pages). */
#define SLACK	(512 * 1024LL)

FIXTURE(simmemcg) {
	char top[64];
	char b[128];
	char c[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fb;
	int fc;
};

static long long mem_value(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read(cg, file, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static int set_mem_max(const char *cg, long long bytes)
{
	char line[32];

	snprintf(line, sizeof(line), "%lld", bytes);
	return cg_write(cg, "memory.max", line);
}

FIXTURE_SETUP(simmemcg)
{
	self->fb = -1;
	self->fc = -1;
	ASSERT_EQ(0, cg_write("", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_simmemcg", tree));
	ASSERT_EQ(0, cg_write(self->top, "cgroup.subtree_control", "+memory"));
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	snprintf(self->c, sizeof(self->c), "%s/c", self->top);
	sim_unique_name(self->name, "memcg");
	sim_cg_name(self->cg, self->name);
	self->fb = sim_open_in(self->b);
	ASSERT_LE(0, self->fb);
	self->fc = sim_open_in(self->c);
	ASSERT_LE(0, self->fc);
	ASSERT_EQ(0, sim_region_create(self->fb, self->name, 8 * MiB));
}

FIXTURE_TEARDOWN(simmemcg)
{
	if (self->fb >= 0)
		close(self->fb);
	if (self->fc >= 0)
		close(self->fc);
	sim_region_remove(self->name);
	cg_cleanup_tree(self->top);
}

/*
 * C's allocation evicts B's buffer: the 8 MiB copy in system memory is
 * charged to B, whose owner it is, not to C, whose task made the copy.
 * memory.current moves in per-cpu batches of up to 64 pages, so it is
 * exact to within SLACK.
 */
TEST_F(simmemcg, eviction_charges_the_owner)
{
	long long b0, c0;
	__u32 hb, hc;

	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 8 * MiB, 0, &hb));
	ASSERT_EQ(0, sim_fill(self->fb, hb, 8 * MiB, 7));
	b0 = mem_value(self->b, "memory.current");
	c0 = mem_value(self->c, "memory.current");
	ASSERT_LE(0, b0);
	ASSERT_LE(0, c0);

	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 8 * MiB, 0, &hc));
	ASSERT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fb, hb));
	EXPECT_LE(b0 + 8 * MiB - SLACK, mem_value(self->b, "memory.current"));
	EXPECT_GE(b0 + 8 * MiB + SLACK, mem_value(self->b, "memory.current"));
	EXPECT_GE(c0 + SLACK, mem_value(self->c, "memory.current"));
	EXPECT_EQ(0, sim_verify(self->fb, hb, 8 * MiB, 7));

	/* Freed, the copy is uncharged. */
	ASSERT_EQ(0, sim_op(self->fb, DMEM_SIM_IOC_FREE, hb));
	EXPECT_GE(b0 + SLACK, mem_value(self->b, "memory.current"));
}

/*
 * A buffer starts in system memory: memory.max bounds it. The failed
 * allocation leaves nothing behind, in either controller.
 */
TEST_F(simmemcg, memory_max_bounds_allocation)
{
	__u32 h = 0;

	ASSERT_EQ(0, set_mem_max(self->b, mem_value(self->b, "memory.current") + 4 * MiB));
	EXPECT_EQ(-ENOMEM, sim_alloc(self->fb, self->name, 8 * MiB, 0, &h));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(-ENOENT, sim_state(self->fb, 1));
	EXPECT_EQ(0, sim_alloc(self->fb, self->name, 2 * MiB, 0, &h));
	EXPECT_EQ(2 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
}

/*
 * B's memory cgroup is full, yet C's allocation still evicts B's buffer:
 * the copy is charged over B's limit (a "max" event) instead of making
 * B's device memory unevictable.
 */
TEST_F(simmemcg, full_memcg_does_not_block_eviction)
{
	long long max_events;
	__u32 hb, hc;

	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 8 * MiB, 0, &hb));
	ASSERT_EQ(0, sim_fill(self->fb, hb, 8 * MiB, 9));
	ASSERT_EQ(0, set_mem_max(self->b, mem_value(self->b, "memory.current") + MiB));
	max_events = cg_key(self->b, "memory.events", "max");
	ASSERT_LE(0, max_events);

	ASSERT_EQ(0, sim_alloc(self->fc, self->name, 8 * MiB, 0, &hc));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fb, hb));
	EXPECT_LT(mem_value(self->b, "memory.max"), mem_value(self->b, "memory.current"));
	EXPECT_LT(max_events, cg_key(self->b, "memory.events", "max"));
	EXPECT_EQ(0, sim_verify(self->fb, hb, 8 * MiB, 9));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(8 * MiB, cg_region_value(self->c, "dmem.current", self->cg));
}

TEST_HARNESS_MAIN
