// SPDX-License-Identifier: GPL-2.0-only
/*
 * Acknowledging a parked revoke while another thread waits for it to
 * finish: the acknowledgment (IMPORTER_ACK, or IMPORTER_DETACH, which is
 * one) must not wait for the waiter.
 *
 * ack_while_a_use_waits: the waiter uses the buffer through a dynamic
 * importer of the same file as the pinned importer that acknowledges.
 * detach_while_a_pin_waits: the waiter imports the buffer pinned (in
 * another file), which holds the dma-buf's reservation while it waits;
 * the pinned importer detaches instead of acknowledging.
 *
 * Owner B pins an 8 MiB buffer X in a 16 MiB region and exports it; file F
 * imports it pinned (acknowledging manually) and dynamically. Owner C then
 * wants the whole region: X is revoked, F's pinned importer does not
 * acknowledge within the 100 ms timeout, the revoke is parked, C gets
 * ENOMEM. A thread of F uses the dynamic importer (it waits for X), and
 * another thread acknowledges.
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
	struct dmem_sim_importer_info ii;

	a->ret = sim_importer_use(a->fd, a->id, &ii);
	return NULL;
}

static void *import_thread(void *p)
{
	struct use_arg *a = p;
	__u32 id;

	a->ret = sim_import(a->fd, a->dmabuf, DMEM_SIM_IMPORT_PINNED, DMEM_SIM_ACK_PROMPT, 0,
			    &id);
	return NULL;
}

static void *detach_thread(void *p)
{
	struct use_arg *a = p;

	a->ret = sim_importer_op(a->fd, DMEM_SIM_IOC_IMPORTER_DETACH, a->id);
	return NULL;
}

static void *ack_thread(void *p)
{
	struct use_arg *a = p;

	a->ret = sim_importer_op(a->fd, DMEM_SIM_IOC_IMPORTER_ACK, a->id);
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

TEST(ack_while_a_use_waits)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct use_arg use = { 0 }, ack = { 0 };
	struct dmem_sim_region_info ri;
	char name[DMEM_SIM_NAME_LEN];
	int fb, fc, f, dmabuf, ret;
	pthread_t tu, ta;
	__u32 x, m, d;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	sim_unique_name(name, "ackthr");
	fb = sim_open();
	fc = sim_open();
	f = sim_open();
	ASSERT_LE(0, fb);
	ASSERT_LE(0, fc);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, sim_region_create(fb, name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(name, "soft timeout_ms=100"));

	ASSERT_EQ(0, sim_alloc(fb, name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &x));
	dmabuf = sim_export(fb, x);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_import(f, dmabuf, DMEM_SIM_IMPORT_PINNED, DMEM_SIM_ACK_MANUAL, 0, &m));
	ASSERT_EQ(0, sim_import(f, dmabuf, DMEM_SIM_IMPORT_DYNAMIC, 0, 0, &d));

	/* C's allocation revokes X, which F does not acknowledge: parked. */
	EXPECT_EQ(-ENOMEM, sim_alloc(fc, name, 16 * MiB, 0, NULL));
	ASSERT_EQ(0, sim_region_info(fb, name, &ri));
	ASSERT_EQ(1, (int)ri.parked);

	use.fd = f;
	use.id = d;
	ASSERT_EQ(0, pthread_create(&tu, NULL, use_thread, &use));
	usleep(200000);
	ack.fd = f;
	ack.id = m;
	ASSERT_EQ(0, pthread_create(&ta, NULL, ack_thread, &ack));
	ret = join_within(ta, 3000);
	EXPECT_EQ(0, ret) TH_LOG("IMPORTER_ACK waits for the use that waits for it");
	if (ret) {
		/* Break the cycle: the use's wait is interruptible. */
		pthread_kill(tu, SIGUSR1);
		pthread_join(ta, NULL);
	}
	EXPECT_EQ(0, ack.ret);
	pthread_join(tu, NULL);
	/* Once acknowledged, X was revoked; the use made it resident again. */
	if (!ret)
		EXPECT_EQ(0, use.ret);

	close(dmabuf);
	close(f);
	close(fb);
	close(fc);
	fb = sim_open();
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, sim_region_destroy(fb, name));
	close(fb);
}

TEST(detach_while_a_pin_waits)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct use_arg imp = { 0 }, det = { 0 };
	struct dmem_sim_region_info ri;
	char name[DMEM_SIM_NAME_LEN];
	int fb, fc, fa, f, dmabuf, ret;
	pthread_t ti, td;
	__u32 x, m;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	sim_unique_name(name, "detthr");
	fb = sim_open();
	fc = sim_open();
	fa = sim_open();
	f = sim_open();
	ASSERT_LE(0, fb);
	ASSERT_LE(0, fc);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, f);
	ASSERT_EQ(0, sim_region_create(fb, name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(name, "soft timeout_ms=100"));
	ASSERT_EQ(0, sim_alloc(fb, name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &x));
	dmabuf = sim_export(fb, x);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_import(f, dmabuf, DMEM_SIM_IMPORT_PINNED, DMEM_SIM_ACK_MANUAL, 0, &m));
	EXPECT_EQ(-ENOMEM, sim_alloc(fc, name, 16 * MiB, 0, NULL));
	ASSERT_EQ(0, sim_region_info(fb, name, &ri));
	ASSERT_EQ(1, (int)ri.parked);

	/* The pinned import waits for X with the reservation held. */
	imp.fd = fa;
	imp.dmabuf = dmabuf;
	ASSERT_EQ(0, pthread_create(&ti, NULL, import_thread, &imp));
	usleep(200000);
	det.fd = f;
	det.id = m;
	ASSERT_EQ(0, pthread_create(&td, NULL, detach_thread, &det));
	ret = join_within(td, 3000);
	EXPECT_EQ(0, ret) TH_LOG("IMPORTER_DETACH waits for the pin that waits for it");
	if (ret) {
		pthread_kill(ti, SIGUSR1);
		pthread_join(td, NULL);
	}
	EXPECT_EQ(0, det.ret);
	pthread_join(ti, NULL);
	/* The revoke finished; the import pinned X again, or found it busy. */
	if (!ret)
		EXPECT_TRUE(!imp.ret || imp.ret == -EBUSY) TH_LOG("import: %d", imp.ret);

	close(dmabuf);
	close(f);
	close(fa);
	close(fb);
	close(fc);
	fb = sim_open();
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, sim_region_destroy(fb, name));
	close(fb);
}

TEST_HARNESS_MAIN
