// SPDX-License-Identifier: GPL-2.0-only
/*
 * The soft-pin policy end to end, through /dev/dmem_sim with real ioctls
 * and dma-buf fds: an owner's own pinned buffers are never evicted for it
 * (-ENOMEM); another owner evicts its unpinned buffers first, then revokes
 * its pinned one, whose importer is notified and acknowledges; the data
 * survives. Then "strict", an importer that never acknowledges, and a
 * dynamic importer's move_notify.
 *
 * Owner A lives in cgroup a, owner B in cgroup b; the region is 16 MiB.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(softpin) {
	char top[64];
	char a[128];
	char b[128];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fa;
	int fb;
};

FIXTURE_SETUP(softpin)
{
	self->fa = -1;
	self->fb = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_softpin", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/b", self->top);
	sim_unique_name(self->name, "softpin");
	sim_cg_name(self->cg, self->name);
	/* Each owner is charged to the cgroup it opened the device in. */
	self->fa = sim_open_in(self->a);
	ASSERT_LE(0, self->fa);
	self->fb = sim_open_in(self->b);
	ASSERT_LE(0, self->fb);
	ASSERT_EQ(0, sim_region_create(self->fa, self->name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->name, "soft timeout_ms=300"));
}

FIXTURE_TEARDOWN(softpin)
{
	if (self->fa >= 0)
		close(self->fa);
	if (self->fb >= 0)
		close(self->fb);
	sim_region_remove(self->name);
	cg_cleanup_tree(self->top);
}

/* The next event must be of @type, for @handle (or @importer). */
static int expect_event(int fd, __u32 type, __u32 handle, __u32 importer,
			__u64 *seq)
{
	struct dmem_sim_event ev;

	if (sim_event(fd, &ev, 3000) != 1)
		return -1;
	if (ev.type != type || ev.handle != handle || ev.importer != importer)
		return -2;
	if (seq && *seq && ev.seq != *seq + 1)
		return -3;
	if (seq)
		*seq = ev.seq;
	return 0;
}

/*
 * Exports @handle and attaches a pinned (RDMA-like) importer to the
 * dma-buf that acknowledges revokes per @ack. Returns the dma-buf fd, or
 * a negative value if either step failed.
 */
static int export_to_nic(int fd, __u32 handle, __u32 ack, __u32 delay_ms,
			 __u32 *nic)
{
	int dmabuf = sim_export(fd, handle);

	if (dmabuf < 0)
		return dmabuf;
	if (sim_import(fd, dmabuf, DMEM_SIM_IMPORT_PINNED, ack, delay_ms, nic)) {
		close(dmabuf);
		return -1;
	}
	return dmabuf;
}

TEST_F(softpin, enomem_then_evict_then_revoke)
{
	struct dmem_sim_importer_info ii;
	struct dmem_sim_region_info ri;
	struct dmem_sim_owner_info oi;
	struct dmem_sim_buf_info bi;
	struct dmem_sim_event evs[8];
	__u32 p1, p2, u1, u2, x, b1, nic;
	__u64 seq = 0;
	int dmabuf;

	/* A pins 12 of 16 MiB; p1 is exported to a pinned (RDMA-like) importer. */
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	ASSERT_EQ(0, sim_fill(self->fa, p1, 8 * MiB, 1));
	dmabuf = export_to_nic(self->fa, p1, DMEM_SIM_ACK_PROMPT, 0, &nic);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p2));
	ASSERT_EQ(0, sim_fill(self->fa, p2, 4 * MiB, 2));
	ASSERT_EQ(0, sim_info(self->fa, p1, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, (long long)bi.state);
	EXPECT_EQ(2, (long long)bi.pins);		/* the owner's and the importer's */
	EXPECT_EQ(1, (long long)bi.importers);
	EXPECT_EQ(1, (long long)bi.exported);
	EXPECT_EQ(12 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));

	/* A asks for more: its own pinned buffers are never victims. */
	EXPECT_EQ(-ENOMEM, sim_alloc(self->fa, self->name, 8 * MiB, 0, &x));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, p1));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, p2));
	EXPECT_EQ(0, sim_events(self->fa, evs, 8));
	EXPECT_EQ(12 * MiB, cg_region_value(self->a, "dmem.current", self->cg));

	/* A fills the rest with unpinned buffers. */
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 2 * MiB, 0, &u1));
	ASSERT_EQ(0, sim_fill(self->fa, u1, 2 * MiB, 3));
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 2 * MiB, 0, &u2));
	ASSERT_EQ(0, sim_fill(self->fa, u2, 2 * MiB, 4));

	/* B needs 8 MiB: A's unpinned buffers go first, then p1 is revoked. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 8 * MiB, 0, &b1));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_EVICTED, u1, 0, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_EVICTED, u2, 0, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_REVOKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_ACKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, 0, &seq));
	EXPECT_EQ(0, sim_events(self->fa, evs, 8));
	EXPECT_EQ(0, sim_events(self->fb, evs, 8));

	ASSERT_EQ(0, sim_info(self->fa, p1, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, (long long)bi.state);
	EXPECT_EQ(0, (long long)bi.pins);
	EXPECT_EQ(1, (long long)bi.revokes);
	EXPECT_EQ(1, (long long)bi.evictions);
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, p2));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fa, u1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fa, u2));

	/* Nothing was lost. */
	EXPECT_EQ(0, sim_verify(self->fa, p1, 8 * MiB, 1));
	EXPECT_EQ(0, sim_verify(self->fa, p2, 4 * MiB, 2));
	EXPECT_EQ(0, sim_verify(self->fa, u1, 2 * MiB, 3));
	EXPECT_EQ(0, sim_verify(self->fa, u2, 2 * MiB, 4));

	/* The importer's mapping is gone; it was told once and acked once. */
	EXPECT_EQ(-ENODEV, sim_importer_use(self->fa, nic, &ii));
	EXPECT_EQ(DMEM_SIM_IMPORTER_REVOKED, (long long)ii.state);
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(1, (long long)ii.acks);

	/* The numbers, from the cgroups and from the device. */
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(4 * MiB, cg_region_value(self->a, "dmem.pinned.current", self->cg));
	EXPECT_EQ(8 * MiB, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(2, cg_region_key(self->a, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", self->cg, "revoke"));
	EXPECT_EQ(0, cg_region_key(self->b, "dmem.events", self->cg, "evict"));
	EXPECT_EQ(4 * MiB, cg_region_key(self->a, "dmem.stat", self->cg, "evicted_bytes"));
	EXPECT_EQ(8 * MiB, cg_region_key(self->a, "dmem.stat", self->cg, "revoked_bytes"));
	ASSERT_EQ(0, sim_owner(self->fa, &oi));
	EXPECT_EQ(getpid(), (long long)oi.tgid);
	EXPECT_EQ(4 * MiB, (long long)oi.resident);
	EXPECT_EQ(4 * MiB, (long long)oi.pinned);
	EXPECT_EQ(4 * MiB, (long long)oi.evicted);
	EXPECT_EQ(8 * MiB, (long long)oi.revoked);
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(12 * MiB, (long long)ri.used);
	EXPECT_EQ(5, (long long)ri.buffers);
	EXPECT_EQ(0, (long long)ri.revoke_timeouts);

	/* A uses p1 again: it comes back (B's unpinned buffer makes room). */
	EXPECT_EQ(0, sim_op(self->fa, DMEM_SIM_IOC_TOUCH, p1));
	EXPECT_EQ(0, expect_event(self->fb, DMEM_SIM_EVENT_BUF_EVICTED, b1, 0, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, p1));
	EXPECT_EQ(0, sim_verify(self->fa, p1, 8 * MiB, 1));
	/* Pins ended with the revoke. */
	EXPECT_EQ(-EINVAL, sim_op(self->fa, DMEM_SIM_IOC_UNPIN, p1));
	close(dmabuf);
}

TEST_F(softpin, strict_policy_never_revokes)
{
	struct dmem_sim_event evs[8];
	__u32 p1, p2, x, nic;
	int dmabuf;

	ASSERT_EQ(0, sim_policy(self->name, "strict"));
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->fa, p1, DMEM_SIM_ACK_PROMPT, 0, &nic);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p2));

	EXPECT_EQ(-ENOMEM, sim_alloc(self->fb, self->name, 8 * MiB, 0, &x));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", self->cg, "revoke"));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, p1));
	EXPECT_EQ(0, sim_events(self->fa, evs, 8));
	/* What fits still fits. */
	EXPECT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &x));
	close(dmabuf);
}

TEST_F(softpin, never_acking_importer_keeps_memory)
{
	struct dmem_sim_importer_info ii;
	struct dmem_sim_region_info ri;
	struct dmem_sim_event ev;
	__u32 p1, p2, x, nic;
	__u64 seq = 0;
	int dmabuf;

	/* p1 (oldest) has an importer that acks only when told. */
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	ASSERT_EQ(0, sim_fill(self->fa, p1, 8 * MiB, 5));
	dmabuf = export_to_nic(self->fa, p1, DMEM_SIM_ACK_MANUAL, 0, &nic);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p2));

	/* p1 times out and is parked with its memory; p2 is the next victim. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 8 * MiB, 0, &x));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_REVOKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_REVOKED, p2, 0, &seq));
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(16 * MiB, (long long)ri.used);
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->fa, p1));
	EXPECT_EQ(8 * MiB, cg_region_value(self->a, "dmem.current", self->cg));

	/* The late acknowledgment finishes the revoke. */
	EXPECT_EQ(0, sim_importer_op(self->fa, DMEM_SIM_IOC_IMPORTER_ACK, nic));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_ACKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, 0, &seq));
	EXPECT_EQ(0, sim_event(self->fa, &ev, 0));
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(8 * MiB, (long long)ri.used);
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->fa, p1));
	EXPECT_EQ(0, sim_verify(self->fa, p1, 8 * MiB, 5));
	EXPECT_EQ(-ENODEV, sim_importer_use(self->fa, nic, &ii));
	EXPECT_EQ(1, (long long)ii.acks);
	close(dmabuf);
}

TEST_F(softpin, never_acking_only_victim_fails_allocation)
{
	struct dmem_sim_region_info ri;
	__u32 p1, x, nic;
	__u64 seq = 0;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 16 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->fa, p1, DMEM_SIM_ACK_MANUAL, 0, &nic);
	ASSERT_LE(0, dmabuf);
	/* The only victim does not ack: B fails, the memory is kept. */
	EXPECT_EQ(-ENOMEM, sim_alloc(self->fb, self->name, 4 * MiB, 0, &x));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_REVOKED, p1, nic, &seq));
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(16 * MiB, (long long)ri.used);
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events", self->cg, "enomem"));
	/* Detaching counts as the acknowledgment: the revoke completes. */
	EXPECT_EQ(0, sim_importer_op(self->fa, DMEM_SIM_IOC_IMPORTER_DETACH, nic));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, 0, &seq));
	EXPECT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &x));
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	close(dmabuf);
}

TEST_F(softpin, delayed_ack)
{
	struct dmem_sim_event ev;
	__u32 p1, x, nic;
	__u64 seq = 0;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 16 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->fa, p1, DMEM_SIM_ACK_DELAYED, 100, &nic);
	ASSERT_LE(0, dmabuf);
	/* The ack comes after 100 ms, within the 300 ms timeout. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 4 * MiB, 0, &x));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_REVOKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_IMPORTER_ACKED, p1, nic, &seq));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, 0, &seq));
	EXPECT_EQ(0, sim_event(self->fa, &ev, 0));
	close(dmabuf);
}

TEST_F(softpin, dynamic_importer_move_notify)
{
	struct dmem_sim_importer_info ii;
	__u32 u1, b1, imp;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, 0, &u1));
	ASSERT_EQ(0, sim_fill(self->fa, u1, 8 * MiB, 6));
	dmabuf = sim_export(self->fa, u1);
	ASSERT_LE(0, dmabuf);
	/* The importer lives in B's file: the fd crossed owners. */
	ASSERT_EQ(0, sim_import(self->fb, dmabuf, DMEM_SIM_IMPORT_DYNAMIC, 0, 0, &imp));
	ASSERT_EQ(0, sim_importer_use(self->fb, imp, &ii));
	EXPECT_EQ(DMEM_SIM_IMPORTER_MAPPED, (long long)ii.state);
	EXPECT_EQ(1, (long long)ii.maps);

	/* B's allocation evicts u1: the importer is told and unmaps. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 12 * MiB, 0, &b1));
	EXPECT_EQ(0, expect_event(self->fb, DMEM_SIM_EVENT_IMPORTER_MOVED, u1, imp, NULL));
	EXPECT_EQ(0, expect_event(self->fa, DMEM_SIM_EVENT_BUF_EVICTED, u1, 0, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fa, u1));

	/* Its next use maps again, making u1 resident: B's buffer goes. */
	ASSERT_EQ(0, sim_importer_use(self->fb, imp, &ii));
	EXPECT_EQ(DMEM_SIM_IMPORTER_MAPPED, (long long)ii.state);
	EXPECT_EQ(2, (long long)ii.maps);
	EXPECT_EQ(1, (long long)ii.move_notifies);
	EXPECT_EQ(0, (long long)ii.revoke_notifies);
	EXPECT_EQ(0, expect_event(self->fb, DMEM_SIM_EVENT_BUF_EVICTED, b1, 0, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, u1));
	EXPECT_EQ(0, sim_verify(self->fa, u1, 8 * MiB, 6));
	EXPECT_EQ(8 * MiB, cg_region_value(self->a, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->b, "dmem.current", self->cg));
	EXPECT_EQ(-EINVAL, sim_importer_op(self->fb, DMEM_SIM_IOC_IMPORTER_ACK, imp));
	EXPECT_EQ(0, sim_importer_op(self->fb, DMEM_SIM_IOC_IMPORTER_DETACH, imp));
	EXPECT_EQ(-ENOENT, sim_importer_op(self->fb, DMEM_SIM_IOC_IMPORTER_DETACH, imp));
	close(dmabuf);
}

TEST_HARNESS_MAIN
