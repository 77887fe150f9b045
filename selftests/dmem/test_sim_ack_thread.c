// SPDX-License-Identifier: GPL-2.0-only
/*
 * Acknowledging a revoke while another thread waits for it to finish: the
 * acknowledgment (IMPORTER_ACK, or IMPORTER_DETACH, which is one) must not
 * wait for the waiter.
 *
 * ack_while_a_use_waits: a thread uses the buffer through a dynamic
 * importer of the same NIC file as the pinned importer that acknowledges.
 * The use waits for nothing: the dynamic importer's mapping stays valid
 * until the exporter's move_notify, which comes with the eviction after
 * the acknowledgment (and a map during a revoke, which would hold the
 * reservation, fails with EBUSY at once).
 * detach_while_a_pin_waits: another file imports the buffer pinned, which
 * holds the dma-buf's reservation; since the revoke's acknowledgment is an
 * unmap, which needs that reservation, the pin does not wait for the
 * revoke but fails with EBUSY at once; the pinned importer detaches
 * instead of acknowledging.
 *
 * Owner B pins an 8 MiB buffer X in a 16 MiB region and exports it; NIC
 * file F imports it pinned (acknowledging manually). Owner C then wants the whole
 * region, in a thread: X is revoked, and the revoke waits (up to a 5 s
 * timeout) for F's acknowledgment. Meanwhile a thread uses X, waiting for
 * the revoke in flight, and another thread acknowledges. (A use of a
 * buffer whose revoke is parked does not wait at all: EBUSY at once.)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

struct use_arg {
	int fd;
	__u32 id;
	int dmabuf;
	int ret;
};

static void *use_thread(void *p)
{
	struct use_arg *a = p;
	struct dmem_nic_importer_info ii;

	a->ret = nic_use(a->fd, a->id, &ii);
	return NULL;
}

static void *import_thread(void *p)
{
	struct use_arg *a = p;
	__u32 id;

	a->ret = nic_import(a->fd, a->dmabuf, DMEM_NIC_IMPORT_PINNED, DMEM_NIC_ACK_PROMPT, 0,
			    &id);
	return NULL;
}

struct alloc_arg {
	int fd;
	const char *region;
	int ret;
};

static void *alloc_thread(void *p)
{
	struct alloc_arg *a = p;
	__u32 h;

	a->ret = sim_alloc(a->fd, a->region, 16 * MiB, 0, &h);
	return NULL;
}

/* Starts C's allocation and waits until X's revoke is in flight. */
static int start_revoke(struct alloc_arg *a, pthread_t *t, int fb, __u32 x)
{
	int i;

	if (pthread_create(t, NULL, alloc_thread, a))
		return -1;
	for (i = 0; i < 200; i++) {
		if (sim_state(fb, x) == DMEM_SIM_STATE_REVOKING)
			return 0;
		usleep(10000);
	}
	return -1;
}

static void *detach_thread(void *p)
{
	struct use_arg *a = p;

	a->ret = nic_op(a->fd, DMEM_NIC_IOC_IMPORTER_DETACH, a->id);
	return NULL;
}

static void *ack_thread(void *p)
{
	struct use_arg *a = p;

	a->ret = nic_op(a->fd, DMEM_NIC_IOC_IMPORTER_ACK, a->id);
	return NULL;
}

static void on_usr1(int sig)
{
}

/* Joins @t within @ms; 0, or -ETIMEDOUT. */
static int join_within(pthread_t t, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return -pthread_timedjoin_np(t, NULL, &ts);
}

FIXTURE(ackthr) {
	char name[DMEM_SIM_NAME_LEN];
	int fb, fc, f, fa;
	int dmabuf;
	__u32 x, m;
	struct alloc_arg c;
	pthread_t tc;
};

/*
 * B's pinned X, exported; F imports it pinned, acknowledging manually; C
 * and A are owners of their own.
 */
FIXTURE_SETUP(ackthr)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	sim_unique_name(self->name, "ackthr");
	self->fb = sim_open();
	self->fc = sim_open();
	self->f = nic_open();
	self->fa = nic_open();
	ASSERT_LE(0, self->fb);
	ASSERT_LE(0, self->fc);
	ASSERT_LE(0, self->f);
	ASSERT_LE(0, self->fa);
	ASSERT_EQ(0, sim_region_create(self->fb, self->name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->name, "soft timeout_ms=5000"));
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &self->x));
	self->dmabuf = sim_export(self->fb, self->x);
	ASSERT_LE(0, self->dmabuf);
	ASSERT_EQ(0, nic_import(self->f, self->dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &self->m));
	self->c.fd = self->fc;
	self->c.region = self->name;
}

FIXTURE_TEARDOWN(ackthr)
{
	close(self->dmabuf);
	close(self->f);
	close(self->fa);
	close(self->fb);
	close(self->fc);
	EXPECT_EQ(0, sim_region_remove(self->name));
}

/*
 * Joins @waiter's partner @t within 3 s; if it does not return, breaks the
 * cycle (the waiter's wait is interruptible) and fails.
 */
static int join_or_break(struct __test_metadata *_metadata, pthread_t t,
			 pthread_t waiter, const char *what)
{
	int ret = join_within(t, 3000);

	EXPECT_EQ(0, ret) TH_LOG("%s waits for the thread that waits for it", what);
	if (ret) {
		pthread_kill(waiter, SIGUSR1);
		pthread_join(t, NULL);
	}
	return ret;
}

TEST_F(ackthr, ack_while_a_use_waits)
{
	struct use_arg use = { .fd = self->f }, ack = { .fd = self->f, .id = self->m };
	pthread_t tu, ta;
	int ret;

	ASSERT_EQ(0, nic_import(self->f, self->dmabuf, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, &use.id));
	/* C's allocation revokes X and waits for F's acknowledgment. */
	ASSERT_EQ(0, start_revoke(&self->c, &self->tc, self->fb, self->x));

	ASSERT_EQ(0, pthread_create(&tu, NULL, use_thread, &use));
	usleep(200000);
	ASSERT_EQ(0, pthread_create(&ta, NULL, ack_thread, &ack));
	ret = join_or_break(_metadata, ta, tu, "IMPORTER_ACK");
	EXPECT_EQ(0, ack.ret);
	pthread_join(tu, NULL);
	pthread_join(self->tc, NULL);
	/*
	 * The use found its mapping still there; once acknowledged, X was
	 * revoked (and the mapping moved) and C got the whole region.
	 */
	if (!ret)
		EXPECT_EQ(0, use.ret) TH_LOG("use: %d", use.ret);
	EXPECT_EQ(0, self->c.ret) TH_LOG("C's alloc: %d", self->c.ret);
}

TEST_F(ackthr, detach_while_a_pin_waits)
{
	struct use_arg imp = { .fd = self->fa, .dmabuf = self->dmabuf };
	struct use_arg det = { .fd = self->f, .id = self->m };
	pthread_t ti, td;
	int ret;

	ASSERT_EQ(0, start_revoke(&self->c, &self->tc, self->fb, self->x));
	/* The pinned import waits for X with the reservation held. */
	ASSERT_EQ(0, pthread_create(&ti, NULL, import_thread, &imp));
	usleep(200000);
	ASSERT_EQ(0, pthread_create(&td, NULL, detach_thread, &det));
	ret = join_or_break(_metadata, td, ti, "IMPORTER_DETACH");
	EXPECT_EQ(0, det.ret);
	pthread_join(ti, NULL);
	pthread_join(self->tc, NULL);
	/*
	 * The import found X being revoked and gave up at once; the detach
	 * acknowledged, the revoke ended, and C got the room (or, if X's
	 * evict found the reservation held for a moment, -EBUSY or -ENOMEM).
	 */
	if (!ret)
		EXPECT_EQ(-EBUSY, imp.ret) TH_LOG("import: %d", imp.ret);
	EXPECT_TRUE(!self->c.ret || self->c.ret == -EBUSY || self->c.ret == -ENOMEM)
		TH_LOG("C's alloc: %d", self->c.ret);
}

TEST_HARNESS_MAIN
