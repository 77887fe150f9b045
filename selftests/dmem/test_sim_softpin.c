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

FIXTURE(softpin) {
	struct sim_pair o;
};

FIXTURE_SETUP(softpin)
{
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_softpin", NULL, "softpin", 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->o.name, "soft timeout_ms=300"));
}

FIXTURE_TEARDOWN(softpin)
{
	sim_pair_teardown(&self->o);
}

/*
 * Where the events seen so far were: the last sequence number of the
 * owner's file, and the time of the last event of either file (the owner's
 * and the NIC's queues share CLOCK_MONOTONIC, so their order shows).
 */
struct order {
	__u64 seq;
	__u64 t;
};

/* The next event of owner file @fd must be of @type, for @handle. */
static int expect_event(int fd, __u32 type, __u32 handle, struct order *o)
{
	struct dmem_sim_event ev;

	if (sim_event(fd, &ev, 3000) != 1)
		return -1;
	if (ev.type != type || ev.handle != handle)
		return -2;
	if (o && o->seq && ev.seq != o->seq + 1)
		return -3;
	if (o && ev.time_ns < o->t)
		return -4;
	if (o) {
		o->seq = ev.seq;
		o->t = ev.time_ns;
	}
	return 0;
}

/* The next event of NIC file @nfd must be of @type, for @importer. */
static int expect_nic_event(int nfd, __u32 type, __u32 importer,
			    struct order *o)
{
	struct dmem_nic_event ev;

	if (nic_event(nfd, &ev, 3000) != 1)
		return -1;
	if (ev.type != type || ev.importer != importer)
		return -2;
	if (o && ev.time_ns < o->t)
		return -4;
	if (o)
		o->t = ev.time_ns;
	return 0;
}

/*
 * Exports @handle and attaches a pinned (RDMA-like) importer to the
 * dma-buf that acknowledges revokes per @ack. Returns the dma-buf fd, or
 * a negative value if either step failed.
 */
static int export_to_nic(int fd, int nfd, __u32 handle, __u32 ack,
			 __u32 delay_ms, __u32 *nic)
{
	int dmabuf = sim_export(fd, handle);

	if (dmabuf < 0)
		return dmabuf;
	if (nic_import(nfd, dmabuf, DMEM_NIC_IMPORT_PINNED, ack, delay_ms, nic)) {
		close(dmabuf);
		return -1;
	}
	return dmabuf;
}

/* A's buffers in enomem_then_evict_then_revoke. */
struct a_bufs {
	__u32 p1, p2;		/* pinned: 8 MiB, pattern 1; 4 MiB, pattern 2 */
	__u32 u1, u2;		/* unpinned: 2 MiB each, patterns 3 and 4 */
	__u32 nic;		/* p1's pinned importer */
	int dmabuf;		/* p1's */
};

/* A pins 12 of 16 MiB, cannot evict its own for more, fills the rest. */
static void a_fills_region(struct __test_metadata *_metadata,
			   const struct sim_pair *o, struct a_bufs *s)
{
	struct dmem_sim_event evs[8];
	struct dmem_sim_buf_info bi;
	__u32 x;

	/* A pins 12 of 16 MiB; p1 is exported to a pinned (RDMA-like) importer. */
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &s->p1));
	ASSERT_EQ(0, sim_fill(o->fa, s->p1, 8 * MiB, 1));
	s->dmabuf = export_to_nic(o->fa, o->na, s->p1, DMEM_NIC_ACK_PROMPT, 0, &s->nic);
	ASSERT_LE(0, s->dmabuf);
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &s->p2));
	ASSERT_EQ(0, sim_fill(o->fa, s->p2, 4 * MiB, 2));
	ASSERT_EQ(0, sim_info(o->fa, s->p1, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, (long long)bi.state);
	EXPECT_EQ(2, (long long)bi.pins);		/* the owner's and the importer's */
	EXPECT_EQ(1, (long long)bi.importers);
	EXPECT_EQ(1, (long long)bi.exported);
	EXPECT_EQ(12 * MiB, cg_region_value(o->a, "dmem.pinned.current", o->cg));

	/* A asks for more: its own pinned buffers are never victims. */
	EXPECT_EQ(-ENOMEM, sim_alloc(o->fa, o->name, 8 * MiB, 0, &x));
	EXPECT_EQ(1, cg_region_key(o->a, "dmem.events", o->cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(o->a, "dmem.events", o->cg, "evict"));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(o->fa, s->p1));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(o->fa, s->p2));
	EXPECT_EQ(0, sim_events(o->fa, evs, 8));
	EXPECT_EQ(12 * MiB, cg_region_value(o->a, "dmem.current", o->cg));

	/* A fills the rest with unpinned buffers. */
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 2 * MiB, 0, &s->u1));
	ASSERT_EQ(0, sim_fill(o->fa, s->u1, 2 * MiB, 3));
	ASSERT_EQ(0, sim_alloc(o->fa, o->name, 2 * MiB, 0, &s->u2));
	ASSERT_EQ(0, sim_fill(o->fa, s->u2, 2 * MiB, 4));
}

/* After B's allocation: A's buffers, its importer and the counters. */
static void check_a_after_revoke(struct __test_metadata *_metadata,
				 const struct sim_pair *o, const struct a_bufs *s)
{
	struct dmem_nic_importer_info ii;
	struct dmem_sim_region_info ri;
	struct dmem_sim_owner_info oi;
	struct dmem_sim_buf_info bi;

	ASSERT_EQ(0, sim_info(o->fa, s->p1, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, (long long)bi.state);
	EXPECT_EQ(0, (long long)bi.pins);
	EXPECT_EQ(1, (long long)bi.revokes);
	EXPECT_EQ(1, (long long)bi.evictions);
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(o->fa, s->p2));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(o->fa, s->u1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(o->fa, s->u2));

	/* Nothing was lost. */
	EXPECT_EQ(0, sim_verify(o->fa, s->p1, 8 * MiB, 1));
	EXPECT_EQ(0, sim_verify(o->fa, s->p2, 4 * MiB, 2));
	EXPECT_EQ(0, sim_verify(o->fa, s->u1, 2 * MiB, 3));
	EXPECT_EQ(0, sim_verify(o->fa, s->u2, 2 * MiB, 4));

	/* The importer's mapping is gone; it was told once and acked once. */
	EXPECT_EQ(-ENODEV, nic_use(o->na, s->nic, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_REVOKED, (long long)ii.state);
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(1, (long long)ii.acks);

	/* The numbers, from the cgroups and from the device. */
	EXPECT_EQ(4 * MiB, cg_region_value(o->a, "dmem.current", o->cg));
	EXPECT_EQ(4 * MiB, cg_region_value(o->a, "dmem.pinned.current", o->cg));
	EXPECT_EQ(8 * MiB, cg_region_value(o->b, "dmem.current", o->cg));
	EXPECT_EQ(2, cg_region_key(o->a, "dmem.events", o->cg, "evict"));
	EXPECT_EQ(1, cg_region_key(o->a, "dmem.events", o->cg, "revoke"));
	EXPECT_EQ(0, cg_region_key(o->b, "dmem.events", o->cg, "evict"));
	EXPECT_EQ(4 * MiB, cg_region_key(o->a, "dmem.stat", o->cg, "evicted_bytes"));
	EXPECT_EQ(8 * MiB, cg_region_key(o->a, "dmem.stat", o->cg, "revoked_bytes"));
	ASSERT_EQ(0, sim_owner(o->fa, &oi));
	EXPECT_EQ(getpid(), (long long)oi.tgid);
	EXPECT_EQ(4 * MiB, (long long)oi.resident);
	EXPECT_EQ(4 * MiB, (long long)oi.pinned);
	EXPECT_EQ(4 * MiB, (long long)oi.evicted);
	EXPECT_EQ(8 * MiB, (long long)oi.revoked);
	ASSERT_EQ(0, sim_region_info(o->fa, o->name, &ri));
	EXPECT_EQ(12 * MiB, (long long)ri.used);
	EXPECT_EQ(5, (long long)ri.buffers);
	EXPECT_EQ(0, (long long)ri.revoke_timeouts);
}

TEST_F(softpin, enomem_then_evict_then_revoke)
{
	struct dmem_sim_event evs[8];
	struct a_bufs s;
	struct order ord = { 0 };
	__u32 b1;

	a_fills_region(_metadata, &self->o, &s);

	/* B needs 8 MiB: A's unpinned buffers go first, then p1 is revoked. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &b1));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_EVICTED, s.u1, &ord));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_EVICTED, s.u2, &ord));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_REVOKED, s.nic, &ord));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_ACKED, s.nic, &ord));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_REVOKED, s.p1, &ord));
	EXPECT_EQ(0, sim_events(self->o.fa, evs, 8));
	EXPECT_EQ(0, sim_events(self->o.fb, evs, 8));
	EXPECT_EQ(0, nic_count(self->o.na, 0, 0) + nic_count(self->o.nb, 0, 0));

	check_a_after_revoke(_metadata, &self->o, &s);

	/* A uses p1 again: it comes back (B's unpinned buffer makes room). */
	EXPECT_EQ(0, sim_op(self->o.fa, DMEM_SIM_IOC_TOUCH, s.p1));
	EXPECT_EQ(0, expect_event(self->o.fb, DMEM_SIM_EVENT_BUF_EVICTED, b1, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, s.p1));
	EXPECT_EQ(0, sim_verify(self->o.fa, s.p1, 8 * MiB, 1));
	/* Pins ended with the revoke. */
	EXPECT_EQ(-EINVAL, sim_op(self->o.fa, DMEM_SIM_IOC_UNPIN, s.p1));
	close(s.dmabuf);
}

TEST_F(softpin, strict_policy_never_revokes)
{
	struct dmem_sim_event evs[8];
	__u32 p1, p2, x, nic;
	int dmabuf;

	ASSERT_EQ(0, sim_policy(self->o.name, "strict"));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->o.fa, self->o.na, p1, DMEM_NIC_ACK_PROMPT, 0, &nic);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p2));

	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &x));
	EXPECT_EQ(1, cg_region_key(self->o.b, "dmem.events", self->o.cg, "enomem"));
	EXPECT_EQ(0, cg_region_key(self->o.a, "dmem.events", self->o.cg, "revoke"));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p1));
	EXPECT_EQ(0, sim_events(self->o.fa, evs, 8));
	/* What fits still fits. */
	EXPECT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &x));
	close(dmabuf);
}

TEST_F(softpin, never_acking_importer_keeps_memory)
{
	struct dmem_nic_importer_info ii;
	struct dmem_sim_region_info ri;
	struct dmem_sim_event ev;
	__u32 p1, p2, x, nic;
	struct order ord = { 0 };
	int dmabuf;

	/* p1 (oldest) has an importer that acks only when told. */
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	ASSERT_EQ(0, sim_fill(self->o.fa, p1, 8 * MiB, 5));
	dmabuf = export_to_nic(self->o.fa, self->o.na, p1, DMEM_NIC_ACK_MANUAL, 0, &nic);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 4 * MiB, DMEM_SIM_ALLOC_PINNED, &p2));

	/* p1 times out and is parked with its memory; p2 is the next victim. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 8 * MiB, 0, &x));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_REVOKED, nic, &ord));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_REVOKED, p2, &ord));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(16 * MiB, (long long)ri.used);
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->o.fa, p1));
	EXPECT_EQ(8 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));

	/* The late acknowledgment finishes the revoke. */
	EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_ACK, nic));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_ACKED, nic, &ord));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, &ord));
	EXPECT_EQ(0, sim_event(self->o.fa, &ev, 0));
	EXPECT_EQ(0, nic_count(self->o.na, 0, 0));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(8 * MiB, (long long)ri.used);
	EXPECT_EQ(0, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->o.fa, p1));
	EXPECT_EQ(0, sim_verify(self->o.fa, p1, 8 * MiB, 5));
	EXPECT_EQ(-ENODEV, nic_use(self->o.na, nic, &ii));
	EXPECT_EQ(1, (long long)ii.acks);
	close(dmabuf);
}

TEST_F(softpin, never_acking_only_victim_fails_allocation)
{
	struct dmem_sim_region_info ri;
	__u32 p1, x, nic;
	struct order ord = { 0 };
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 16 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->o.fa, self->o.na, p1, DMEM_NIC_ACK_MANUAL, 0, &nic);
	ASSERT_LE(0, dmabuf);
	/* The only victim does not ack: B fails, the memory is kept. */
	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &x));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_REVOKED, nic, &ord));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(16 * MiB, (long long)ri.used);
	EXPECT_EQ(1, cg_region_key(self->o.b, "dmem.events", self->o.cg, "enomem"));
	/* Detaching counts as the acknowledgment: the revoke completes. */
	EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_DETACH, nic));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, &ord));
	EXPECT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &x));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	close(dmabuf);
}

TEST_F(softpin, delayed_ack)
{
	struct dmem_sim_event ev;
	__u32 p1, x, nic;
	struct order ord = { 0 };
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 16 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	dmabuf = export_to_nic(self->o.fa, self->o.na, p1, DMEM_NIC_ACK_DELAYED, 100, &nic);
	ASSERT_LE(0, dmabuf);
	/* The ack comes after 100 ms, within the 300 ms timeout. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 4 * MiB, 0, &x));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_REVOKED, nic, &ord));
	EXPECT_EQ(0, expect_nic_event(self->o.na, DMEM_NIC_EVENT_IMPORTER_ACKED, nic, &ord));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_REVOKED, p1, &ord));
	EXPECT_EQ(0, sim_event(self->o.fa, &ev, 0));
	EXPECT_EQ(0, nic_count(self->o.na, 0, 0));
	close(dmabuf);
}

TEST_F(softpin, dynamic_importer_move_notify)
{
	struct dmem_nic_importer_info ii;
	__u32 u1, b1, imp;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &u1));
	ASSERT_EQ(0, sim_fill(self->o.fa, u1, 8 * MiB, 6));
	dmabuf = sim_export(self->o.fa, u1);
	ASSERT_LE(0, dmabuf);
	/* The importer lives in B's file: the fd crossed owners. */
	ASSERT_EQ(0, nic_import(self->o.nb, dmabuf, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, &imp));
	ASSERT_EQ(0, nic_use(self->o.nb, imp, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (long long)ii.state);
	EXPECT_EQ(1, (long long)ii.maps);

	/* B's allocation evicts u1: the importer is told and unmaps. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &b1));
	EXPECT_EQ(0, expect_nic_event(self->o.nb, DMEM_NIC_EVENT_IMPORTER_MOVED, imp, NULL));
	EXPECT_EQ(0, expect_event(self->o.fa, DMEM_SIM_EVENT_BUF_EVICTED, u1, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, u1));

	/* Its next use maps again, making u1 resident: B's buffer goes. */
	ASSERT_EQ(0, nic_use(self->o.nb, imp, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (long long)ii.state);
	EXPECT_EQ(2, (long long)ii.maps);
	EXPECT_EQ(1, (long long)ii.move_notifies);
	EXPECT_EQ(0, (long long)ii.revoke_notifies);
	EXPECT_EQ(0, expect_event(self->o.fb, DMEM_SIM_EVENT_BUF_EVICTED, b1, NULL));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, u1));
	EXPECT_EQ(0, sim_verify(self->o.fa, u1, 8 * MiB, 6));
	EXPECT_EQ(8 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(0, cg_region_value(self->o.b, "dmem.current", self->o.cg));
	EXPECT_EQ(-EINVAL, nic_op(self->o.nb, DMEM_NIC_IOC_IMPORTER_ACK, imp));
	EXPECT_EQ(0, nic_op(self->o.nb, DMEM_NIC_IOC_IMPORTER_DETACH, imp));
	EXPECT_EQ(-ENOENT, nic_op(self->o.nb, DMEM_NIC_IOC_IMPORTER_DETACH, imp));
	close(dmabuf);
}

TEST_HARNESS_MAIN
