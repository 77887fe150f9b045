// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated NIC as a plain dma-buf importer, across exporters: a
 * dmem_sim buffer and a udmabuf buffer imported revocable, hard-pinned and
 * dynamic. The NIC reads back what its mapping reaches (IMPORTER_READ):
 * after a revoke it has not acknowledged, the memory is still the
 * buffer's, intact; once it unmapped (acknowledged), it reaches nothing.
 *
 * Owner A lives in cgroup a, owner B in cgroup b; the region is 16 MiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

FIXTURE(nic) {
	struct sim_pair o;
};

FIXTURE_SETUP(nic)
{
	ASSERT_EQ(0, sim_pair_setup(&self->o, "dmt_nic", NULL, "nic", 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->o.name, "soft timeout_ms=300"));
}

FIXTURE_TEARDOWN(nic)
{
	sim_pair_teardown(&self->o);
}

/* Waits up to 3 s for buffer @h of @fd to reach @state. */
static int wait_state(int fd, __u32 h, int state)
{
	int i;

	for (i = 0; i < 300 && sim_state(fd, h) != state; i++)
		usleep(10000);
	return sim_state(fd, h);
}

/*
 * A pinned NIC that acknowledges only when told: its revoke parks, and
 * meanwhile the NIC still reads the buffer's bytes, intact, and the
 * region still counts them; its acknowledgment (the unmap) ends both.
 */
TEST_F(nic, sim_buffer_kept_while_mapped)
{
	struct dmem_sim_region_info ri;
	__u32 p, x, id;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 7));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_import(self->o.fa, dmabuf, DMEM_SIM_IMPORT_PINNED,
				DMEM_SIM_ACK_MANUAL, 0, &id));
	EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, 8 * MiB, 7));

	/* B needs 12 MiB: only p's revoke could make room, and it parks. */
	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->o.fa, p));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(8 * MiB, (long long)ri.used);
	EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, 8 * MiB, 7));

	/* The acknowledgment unmaps: the NIC reaches nothing any more. */
	EXPECT_EQ(0, sim_importer_op(self->o.fa, DMEM_SIM_IOC_IMPORTER_ACK, id));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, wait_state(self->o.fa, p, DMEM_SIM_STATE_REVOKED));
	EXPECT_EQ(-ENODEV, sim_importer_verify(self->o.fa, id, 8 * MiB, 7));
	EXPECT_EQ(0, sim_verify(self->o.fa, p, 8 * MiB, 7));
	EXPECT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	close(dmabuf);
}

/* A NIC that cannot be revoked makes the buffer a hard pin. */
TEST_F(nic, hard_pin_is_never_revoked)
{
	struct dmem_sim_importer_info ii;
	struct dmem_sim_region_info ri;
	__u32 p, x, id;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 9));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_import(self->o.fa, dmabuf, DMEM_SIM_IMPORT_PINNED_HARD, 0, 0, &id));
	EXPECT_EQ(-EINVAL, sim_importer_op(self->o.fa, DMEM_SIM_IOC_IMPORTER_ACK, id));

	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, (long long)ri.revoke_timeouts);
	EXPECT_EQ(0, sim_importer_use(self->o.fa, id, &ii));
	EXPECT_EQ(DMEM_SIM_IMPORTER_MAPPED, (int)ii.state);
	EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, 8 * MiB, 9));

	/* Detached, the owner's own pin is soft again. */
	EXPECT_EQ(0, sim_importer_op(self->o.fa, DMEM_SIM_IOC_IMPORTER_DETACH, id));
	EXPECT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->o.fa, p));
	EXPECT_EQ(0, sim_verify(self->o.fa, p, 8 * MiB, 9));
	close(dmabuf);
}

/* A udmabuf of 1 MiB holding the pattern of @seed; its fd or -errno. */
static int udmabuf_new(unsigned int seed)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = MiB };
	int memfd, dev, fd = -1;
	void *p;

	memfd = memfd_create("dmt_nic", MFD_ALLOW_SEALING);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, MiB) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		goto out;
	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED)
		goto out;
	sim_pattern(p, seed, 0, MiB);
	munmap(p, MiB);
	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		goto out;
	c.memfd = memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	close(dev);
out:
	if (fd < 0)
		fd = -errno;
	close(memfd);
	return fd;
}

/* Another exporter's buffer, in every mode: the NIC reads what it holds. */
TEST_F(nic, udmabuf_every_mode)
{
	static const __u32 modes[] = {
		DMEM_SIM_IMPORT_PINNED, DMEM_SIM_IMPORT_PINNED_HARD,
		DMEM_SIM_IMPORT_DYNAMIC,
	};
	struct dmem_sim_importer_info ii;
	unsigned int i;
	int dmabuf;
	__u32 id;

	dmabuf = udmabuf_new(3);
	ASSERT_LE(0, dmabuf);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(0, sim_import(self->o.fa, dmabuf, modes[i], 0, 0, &id));
		EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, MiB, 3))
			TH_LOG("mode %u", modes[i]);
		EXPECT_EQ(0, sim_importer_use(self->o.fa, id, &ii));
		EXPECT_EQ(DMEM_SIM_IMPORTER_MAPPED, (int)ii.state);
		EXPECT_EQ(MiB, (long long)ii.size);
		EXPECT_EQ(-EINVAL, sim_importer_verify(self->o.fa, id, 2 * MiB, 3));
		EXPECT_EQ(0, sim_importer_op(self->o.fa, DMEM_SIM_IOC_IMPORTER_DETACH, id));
	}
	close(dmabuf);
}

/* A dmem_sim buffer through a dynamic NIC: moved, re-mapped, intact. */
TEST_F(nic, sim_buffer_dynamic)
{
	struct dmem_sim_importer_info ii;
	__u32 p, x, id;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 4));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, sim_import(self->o.fa, dmabuf, DMEM_SIM_IMPORT_DYNAMIC, 0, 0, &id));
	EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, 8 * MiB, 4));
	/* B takes the room: p moves out, the NIC's mapping with it. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(-EAGAIN, sim_importer_verify(self->o.fa, id, 8 * MiB, 4));
	EXPECT_EQ(0, sim_op(self->o.fb, DMEM_SIM_IOC_FREE, x));
	EXPECT_EQ(0, sim_importer_use(self->o.fa, id, &ii));
	EXPECT_EQ(1, (long long)ii.move_notifies);
	EXPECT_EQ(0, sim_importer_verify(self->o.fa, id, 8 * MiB, 4));
	close(dmabuf);
}

TEST_HARNESS_MAIN
