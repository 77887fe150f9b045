// SPDX-License-Identifier: GPL-2.0-only
/*
 * An importer that acknowledges a revoke and detaches at once, many times.
 *
 * The acknowledgment is an unmap under the dma-buf's reservation, and the
 * detach takes that reservation again right after: the revoke goes on
 * while the importer still holds it. The evict op that ends the revoke
 * waits for the reservation in the manager's work item instead of failing,
 * so every revoke succeeds: exact revoke counts, no revoke failure, the
 * bytes intact.
 *
 * Owner B's 256 KiB buffer X, filled with a pattern and exported, fills
 * half of a 512 KiB region. Each round, NIC file F imports X pinned
 * (acknowledging manually), which makes X resident and pinned; owner C
 * allocates 512 KiB in a thread, which revokes X; once F was notified, it
 * acknowledges and detaches at once; C's allocation succeeds, and C frees
 * its buffer for the next round.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "nic_util.h"
#include "sim_util.h"

#define ROUNDS	200ULL
#define SEED	0xacde7ac4
#define XSIZE	(MiB / 4)
#define RSIZE	(2 * XSIZE)

struct alloc_arg {
	int fd;
	const char *region;
	__u32 handle;
	int ret;
};

static void *alloc_thread(void *p)
{
	struct alloc_arg *a = p;

	a->ret = sim_alloc(a->fd, a->region, RSIZE, 0, &a->handle);
	return NULL;
}

/* Waits up to 10 s for F's notification of importer @id: 1 once it came. */
static int wait_notified(int f, __u32 id)
{
	struct dmem_nic_event ev;
	long long end = sim_now_ms() + 10000;

	while (sim_now_ms() < end)
		if (nic_event(f, &ev, 100) == 1 && ev.importer == id &&
		    ev.type == DMEM_NIC_EVENT_IMPORTER_REVOKED)
			return 1;
	return 0;
}

FIXTURE(ackdet) {
	char name[DMEM_SIM_NAME_LEN];
	int fb, fc, f;
	int dmabuf;
	__u32 x;
};

FIXTURE_SETUP(ackdet)
{
	sim_unique_name(self->name, "ackdet");
	self->fb = sim_open();
	self->fc = sim_open();
	self->f = nic_open();
	ASSERT_LE(0, self->fb);
	ASSERT_LE(0, self->fc);
	ASSERT_LE(0, self->f);
	ASSERT_EQ(0, sim_region_create(self->fb, self->name, RSIZE));
	ASSERT_EQ(0, sim_policy(self->name, "soft timeout_ms=5000"));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, XSIZE, 0, &self->x));
	ASSERT_EQ(0, sim_fill(self->fb, self->x, XSIZE, SEED));
	self->dmabuf = sim_export(self->fb, self->x);
	ASSERT_LE(0, self->dmabuf);
}

FIXTURE_TEARDOWN(ackdet)
{
	close(self->dmabuf);
	close(self->f);
	close(self->fb);
	close(self->fc);
	EXPECT_EQ(0, sim_region_remove(self->name));
}

/* One round; 0 if every step did what it must. */
static int one_round(struct __test_metadata *_metadata,
		     struct _test_data_ackdet *self)
{
	struct alloc_arg c = { .fd = self->fc, .region = self->name };
	pthread_t t;
	__u32 m;

	ASSERT_EQ(0, nic_import(self->f, self->dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &m));
	ASSERT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fb, self->x));
	ASSERT_EQ(0, pthread_create(&t, NULL, alloc_thread, &c));
	EXPECT_EQ(1, wait_notified(self->f, m));
	EXPECT_EQ(0, nic_op(self->f, DMEM_NIC_IOC_IMPORTER_ACK, m));
	EXPECT_EQ(0, nic_op(self->f, DMEM_NIC_IOC_IMPORTER_DETACH, m));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, c.ret);
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->fb, self->x));
	if (!c.ret)
		ASSERT_EQ(0, sim_op(self->fc, DMEM_SIM_IOC_FREE, c.handle));
	return c.ret;
}

TEST_F_TIMEOUT(ackdet, ack_then_detach_200_times, 300)
{
	struct dmem_sim_owner_info ob = {};
	struct dmem_sim_region_info ri = {};
	struct dmem_sim_buf_info bi = {};
	unsigned int i, failed = 0;

	for (i = 0; i < ROUNDS; i++)
		failed += one_round(_metadata, self) != 0;
	EXPECT_EQ(0U, failed);

	ASSERT_EQ(0, sim_info(self->fb, self->x, &bi));
	EXPECT_EQ(ROUNDS, bi.revokes);
	EXPECT_EQ(0U, bi.pins);
	EXPECT_EQ(0U, bi.importers);
	ASSERT_EQ(0, sim_owner(self->fb, &ob));
	EXPECT_EQ(0ULL, ob.revoke_failures);
	EXPECT_EQ(ROUNDS * XSIZE, ob.revoked);
	ASSERT_EQ(0, sim_region_info(self->fb, self->name, &ri));
	EXPECT_EQ(0ULL, ri.revoke_timeouts);
	EXPECT_EQ(0ULL, ri.parked);
	EXPECT_EQ(0ULL, ri.used);
	EXPECT_EQ(0, sim_verify(self->fb, self->x, XSIZE, SEED));
}

TEST_HARNESS_MAIN
