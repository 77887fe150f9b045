// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency through /dev/dmem_sim: owners in two cgroups allocate, pin,
 * touch, export, import (pinned and dynamic), unpin and free at random in
 * a region too small for all of them, while the region's pressure evicts
 * and revokes. Every ioctl must succeed or fail with an errno the ABI
 * documents for it, the data of every buffer must survive, and at the end
 * nothing may remain charged.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

#define WORKERS		4
#define SLOTS		6
#define RUN_MS		3000

static const char *const tree[] = { "a", "b", NULL };

FIXTURE(stress) {
	char top[64];
	char name[DMEM_SIM_NAME_LEN];
	char cg[DMEM_SIM_NAME_LEN + 4];
	int fd;
};

FIXTURE_SETUP(stress)
{
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

/* Errors that pressure and races may cause; anything else is a bug. */
static int expected(int err)
{
	return !err || err == -ENOMEM || err == -EBUSY || err == -EINVAL ||
	       err == -ENODEV;
}

static int worker(const char *region, unsigned int seed)
{
	struct dmem_sim_event evs[64];
	struct dmem_sim_importer_info ii;
	__u32 h[SLOTS] = { 0 }, imp[SLOTS] = { 0 };
	__u64 size[SLOTS] = { 0 };
	int dmabuf[SLOTS], fd, i, err;
	long long end = sim_now_ms() + RUN_MS;

	fd = sim_open();
	if (fd < 0)
		return 1;
	for (i = 0; i < SLOTS; i++)
		dmabuf[i] = -1;
	srand(seed);
	while (sim_now_ms() < end) {
		i = rand() % SLOTS;
		switch (h[i] ? rand() % 7 : 0) {
		case 0:
			size[i] = (1 + rand() % 4) * MiB;
			err = sim_alloc(fd, region, size[i],
					rand() % 3 ? 0 : DMEM_SIM_ALLOC_PINNED, &h[i]);
			if (!err)
				err = sim_fill(fd, h[i], size[i], h[i] + seed);
			if (err)
				h[i] = 0;
			break;
		case 1:
			err = sim_op(fd, DMEM_SIM_IOC_TOUCH, h[i]);
			break;
		case 2:
			err = sim_op(fd, rand() % 2 ? DMEM_SIM_IOC_PIN :
				     DMEM_SIM_IOC_UNPIN, h[i]);
			break;
		case 3:
			if (dmabuf[i] >= 0) {
				err = 0;
				break;
			}
			dmabuf[i] = sim_export(fd, h[i]);
			err = dmabuf[i] < 0 ? dmabuf[i] : 0;
			if (!err)
				err = sim_import(fd, dmabuf[i], rand() % 2,
						 0, 0, &imp[i]);
			break;
		case 4:
			err = imp[i] ? sim_importer_use(fd, imp[i], &ii) : 0;
			break;
		case 5:
			err = sim_verify(fd, h[i], size[i], h[i] + seed);
			if (err == 1)
				return 2;	/* data lost */
			break;
		default:
			if (imp[i])
				sim_importer_op(fd, DMEM_SIM_IOC_IMPORTER_DETACH, imp[i]);
			if (dmabuf[i] >= 0)
				close(dmabuf[i]);
			err = sim_op(fd, DMEM_SIM_IOC_FREE, h[i]);
			h[i] = 0;
			imp[i] = 0;
			dmabuf[i] = -1;
			break;
		}
		if (!expected(err))
			return 3;
		sim_events(fd, evs, 64);
	}
	for (i = 0; i < SLOTS; i++)
		if (h[i] && sim_verify(fd, h[i], size[i], h[i] + seed) == 1)
			return 2;
	/* Close with buffers, exports and importers all still there. */
	close(fd);
	return 0;
}

TEST_F(stress, random_ops_lose_nothing)
{
	struct dmem_sim_region_info ri;
	pid_t pids[WORKERS];
	char cg[128];
	int i, status;

	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			snprintf(cg, sizeof(cg), "%s/%s", self->top, i % 2 ? "b" : "a");
			if (cg_enter(cg))
				_exit(4);
			_exit(worker(self->name, 1000 + i));
		}
	}
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	/* Everything is gone once the files (and their dma-bufs) are. */
	ASSERT_EQ(0, sim_region_info(self->fd, self->name, &ri));
	EXPECT_EQ(0, (long long)ri.used);
	EXPECT_EQ(0, (long long)ri.buffers);
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.current", self->cg));
	EXPECT_EQ(0, cg_region_value(self->top, "dmem.pinned.current", self->cg));
}

TEST_HARNESS_MAIN
