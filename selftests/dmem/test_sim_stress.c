// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency through /dev/dmem_sim: owners in two cgroups allocate, pin,
 * touch, export, import (pinned and dynamic), unpin and free at random in
 * a region too small for all of them, while the region's pressure evicts
 * and revokes. Every ioctl must succeed or fail with an errno the ABI
 * documents for it, the data of every buffer must survive, and at the end
 * nothing may remain charged. The load must prove itself: every kind of
 * operation succeeded, buffers were evicted and revoked, importers were
 * notified (the workers go on past RUN_MS, up to MAX_RUN_MS, until the
 * load as a whole has done so).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "sim_util.h"

#define WORKERS		4
#define SLOTS		6
#define RUN_MS		3000
/* Longer, on a slow machine, until the load has done everything once. */
#define MAX_RUN_MS	15000

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(stress) {
	char top[64];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fd;
};

FIXTURE_SETUP(stress)
{
	child_reset();
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_simstress", tree));
	sim_unique_name(self->name, "stress");
	sim_cg_name(self->cg, self->name);
	self->fd = sim_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sim_region_create(self->fd, self->name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->name, "soft timeout_ms=200"));
}

FIXTURE_TEARDOWN(stress)
{
	sim_region_destroy(self->fd, self->name);
	close(self->fd);
	cg_cleanup_tree(self->top);
}

/* The operations of a worker, and the counters of what happened. */
enum { OP_ALLOC, OP_TOUCH, OP_PIN, OP_IMPORT, OP_USE, OP_VERIFY, OP_FREE, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"alloc", "touch", "pin/unpin", "export+import", "importer use",
	"verify", "free",
};

/* What a worker reports, in memory shared with the test. */
struct wreport {
	struct child_report rep;	/* ops checked, problems */
	long long ok[NR_OPS];		/* operations that succeeded */
	long long evicted;		/* BUF_EVICTED events */
	long long revoked;		/* BUF_REVOKED events */
	long long notified;		/* IMPORTER_REVOKED and _MOVED events */
};

static struct wreport *reports;

/* Errors that pressure and races may cause; anything else is a bug. */
static int expected(int err)
{
	return !err || err == -ENOMEM || err == -EBUSY || err == -EINVAL ||
	       err == -ENODEV;
}

/* The owner's events of owner file @fd, the importers' of NIC file @nfd. */
static void count_events(int fd, int nfd, struct wreport *r)
{
	struct dmem_sim_event evs[64];
	struct dmem_nic_event nevs[64];
	int i, n = sim_events(fd, evs, 64);

	for (i = 0; i < n; i++) {
		if (evs[i].type == DMEM_SIM_EVENT_BUF_EVICTED)
			__atomic_add_fetch(&r->evicted, 1, __ATOMIC_RELAXED);
		if (evs[i].type == DMEM_SIM_EVENT_BUF_REVOKED)
			__atomic_add_fetch(&r->revoked, 1, __ATOMIC_RELAXED);
	}
	n = nic_events(nfd, nevs, 64);
	for (i = 0; i < n; i++)
		if (nevs[i].type == DMEM_NIC_EVENT_IMPORTER_REVOKED ||
		    nevs[i].type == DMEM_NIC_EVENT_IMPORTER_MOVED)
			__atomic_add_fetch(&r->notified, 1, __ATOMIC_RELAXED);
}

/* The sum of every worker's report, as it is now. */
static void sum_reports(struct wreport *t)
{
	int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < WORKERS; i++) {
		for (k = 0; k < NR_OPS; k++)
			t->ok[k] += __atomic_load_n(&reports[i].ok[k], __ATOMIC_RELAXED);
		t->rep.checks += __atomic_load_n(&reports[i].rep.checks, __ATOMIC_RELAXED);
		t->evicted += __atomic_load_n(&reports[i].evicted, __ATOMIC_RELAXED);
		t->revoked += __atomic_load_n(&reports[i].revoked, __ATOMIC_RELAXED);
		t->notified += __atomic_load_n(&reports[i].notified, __ATOMIC_RELAXED);
	}
}

/* Whether the workers together did every operation and saw every event. */
static bool load_done(void)
{
	struct wreport t;
	int k;

	sum_reports(&t);
	for (k = 0; k < NR_OPS; k++)
		if (!t.ok[k])
			return false;
	return t.evicted && t.revoked && t.notified;
}

/* A worker's buffers, each with at most one dma-buf and importer. */
struct slots {
	__u32 h[SLOTS], imp[SLOTS];
	__u64 size[SLOTS];
	int dmabuf[SLOTS];
};

/* A result of one_op(): nothing to do (an import done, no importer). */
#define SKIPPED		2

/* One random operation on slot @i; its result (1: data lost). */
static int one_op(int fd, int nfd, const char *region, unsigned int seed,
		  struct slots *s, int i, int *op)
{
	struct dmem_nic_importer_info ii;
	int err;

	*op = s->h[i] ? rand() % NR_OPS : OP_ALLOC;
	switch (*op) {
	case OP_ALLOC:
		s->size[i] = (1 + rand() % 4) * MiB;
		err = sim_alloc(fd, region, s->size[i],
				rand() % 3 ? 0 : DMEM_SIM_ALLOC_PINNED, &s->h[i]);
		if (!err)
			err = sim_fill(fd, s->h[i], s->size[i], s->h[i] + seed);
		if (err)
			s->h[i] = 0;
		return err;
	case OP_TOUCH:
		return sim_op(fd, DMEM_SIM_IOC_TOUCH, s->h[i]);
	case OP_PIN:
		return sim_op(fd, rand() % 2 ? DMEM_SIM_IOC_PIN : DMEM_SIM_IOC_UNPIN,
			      s->h[i]);
	case OP_IMPORT:
		if (s->dmabuf[i] >= 0)
			return SKIPPED;
		s->dmabuf[i] = sim_export(fd, s->h[i]);
		err = s->dmabuf[i] < 0 ? s->dmabuf[i] : 0;
		if (!err)
			err = nic_import(nfd, s->dmabuf[i], rand() % 2, 0, 0, &s->imp[i]);
		return err;
	case OP_USE:
		return s->imp[i] ? nic_use(nfd, s->imp[i], &ii) : SKIPPED;
	case OP_VERIFY:
		return sim_verify(fd, s->h[i], s->size[i], s->h[i] + seed);
	default:
		if (s->imp[i])
			nic_op(nfd, DMEM_NIC_IOC_IMPORTER_DETACH, s->imp[i]);
		if (s->dmabuf[i] >= 0)
			close(s->dmabuf[i]);
		err = sim_op(fd, DMEM_SIM_IOC_FREE, s->h[i]);
		s->h[i] = 0;
		s->imp[i] = 0;
		s->dmabuf[i] = -1;
		return err;
	}
}

static int worker(const char *region, unsigned int seed, struct wreport *r)
{
	long long start = sim_now_ms(), now;
	struct slots s = { 0 };
	int fd, nfd, i, err, op;

	fd = sim_open();
	CHILD_TRUE(fd >= 0);
	nfd = nic_open();
	CHILD_TRUE(nfd >= 0);
	for (i = 0; i < SLOTS; i++)
		s.dmabuf[i] = -1;
	srand(seed);
	for (now = start; now - start < RUN_MS ||
	     (now - start < MAX_RUN_MS && !load_done()); now = sim_now_ms()) {
		err = one_op(fd, nfd, region, seed, &s, rand() % SLOTS, &op);
		__atomic_add_fetch(&r->rep.checks, 1, __ATOMIC_RELAXED);
		if (err == 1)
			child_problem(&r->rep, true, "%s: data lost", op_names[op]);
		else if (err != SKIPPED && !expected(err))
			child_problem(&r->rep, false, "%s: errno %d", op_names[op], -err);
		else if (!err)
			__atomic_add_fetch(&r->ok[op], 1, __ATOMIC_RELAXED);
		count_events(fd, nfd, r);
	}
	for (i = 0; i < SLOTS; i++)
		if (s.h[i] && sim_verify(fd, s.h[i], s.size[i], s.h[i] + seed) == 1)
			child_problem(&r->rep, true, "verify at the end: data lost");
	/* Close with buffers, exports and importers all still there. */
	close(fd);
	close(nfd);
	return 0;
}

/* The paths the test exists for ran: every operation, evictions, revokes. */
static void check_load(struct __test_metadata *_metadata)
{
	struct wreport t;
	int i, k;

	for (i = 0; i < WORKERS; i++)
		EXPECT_EQ(0, reports[i].rep.mismatches + reports[i].rep.errors)
			TH_LOG("worker %d: %s", i, reports[i].rep.msg);
	sum_reports(&t);
	TH_LOG("%lld operations; %lld evicted, %lld revoked, %lld importers notified",
	       t.rep.checks, t.evicted, t.revoked, t.notified);
	for (k = 0; k < NR_OPS; k++) {
		const char *name = op_names[k];

		EXPECT_LT(0, t.ok[k]) TH_LOG("no %s succeeded", name);
	}
	EXPECT_LT(0, t.evicted);
	EXPECT_LT(0, t.revoked);
	EXPECT_LT(0, t.notified);
}

TEST_F(stress, random_ops_lose_nothing)
{
	struct dmem_sim_region_info ri;
	pid_t pids[WORKERS];
	char cg[128];
	int i;

	reports = shared_alloc(WORKERS * sizeof(*reports));
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			child_rep = &reports[i].rep;
			snprintf(cg, sizeof(cg), "%s/%s", self->top, i % 2 ? "b" : "a");
			CHILD_EQ(0, cg_enter(cg));
			_exit(worker(self->name, 1000 + i, &reports[i]));
		}
	}
	for (i = 0; i < WORKERS; i++)
		EXPECT_CHILD_OK(pids[i]);
	check_load(_metadata);
	/* Everything is gone once the files (and their dma-bufs) are. */
	ASSERT_EQ(0, sim_region_info(self->fd, self->name, &ri));
	EXPECT_EQ(0, (long long)ri.used);
	EXPECT_EQ(0, (long long)ri.buffers);
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.pinned.current", self->cg));
	munmap(reports, WORKERS * sizeof(*reports));
}

TEST_HARNESS_MAIN
