// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated NIC (/dev/dmem_nic, its own driver) as a plain dma-buf
 * importer, across exporters: a dmem_sim buffer and a udmabuf buffer
 * imported revocable, hard-pinned and dynamic. The NIC reads back what its
 * mapping reaches (IMPORTER_READ): after a revoke it has not acknowledged,
 * the memory is still the buffer's, intact, and nobody else gets it; once
 * it unmapped (acknowledged), it reaches nothing. (The qxl GPU's PRIME
 * export is test_gpu_prime's.)
 *
 * Owner A lives in cgroup a, owner B in cgroup b; the region is 16 MiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
	ASSERT_EQ(0, nic_import(self->o.na, dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &id));
	EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 7));

	/* B needs 12 MiB: only p's revoke could make room, and it parks. */
	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->o.fa, p));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(8 * MiB, (long long)ri.used);
	EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 7));

	/* The acknowledgment unmaps: the NIC reaches nothing any more. */
	EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_ACK, id));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, wait_state(self->o.fa, p, DMEM_SIM_STATE_REVOKED));
	EXPECT_EQ(-ENODEV, nic_verify(self->o.na, id, 8 * MiB, 7));
	EXPECT_EQ(0, sim_verify(self->o.fa, p, 8 * MiB, 7));
	EXPECT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	close(dmabuf);
}

struct requester {
	int fd;
	const char *region;
	__u32 h;
	int ret;
	int done;
};

static void *request_thread(void *p)
{
	struct requester *r = p;

	r->ret = sim_alloc(r->fd, r->region, 12 * MiB, 0, &r->h);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The next event of NIC file @nfd: @type, for importer @id of @dmabuf. */
static int nic_expect(int nfd, __u32 type, __u32 id, int dmabuf, __u64 size)
{
	struct dmem_nic_event ev;
	struct stat st;

	if (fstat(dmabuf, &st) || nic_event(nfd, &ev, 3000) != 1)
		return -1;
	return ev.type == type && ev.importer == id && ev.ino == st.st_ino &&
	       ev.size == size ? 0 : -2;
}

/*
 * B's allocation needs the memory of A's buffer, which a NIC maps and
 * acknowledges only when told (the revoke timeout is 10 s): B waits. All
 * that time the NIC reads A's bytes, intact, and B has nothing; the
 * acknowledgment ends the NIC's mapping, and only then does B succeed.
 */
TEST_F(nic, requester_waits_for_the_unmap)
{
	struct requester r = { .fd = self->o.fb, .region = self->o.name };
	struct dmem_nic_importer_info ii;
	__u32 p, id;
	pthread_t t;
	int dmabuf, i;

	ASSERT_EQ(0, sim_policy(self->o.name, "soft timeout_ms=10000"));
	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 12));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(self->o.na, dmabuf, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_MANUAL, 0, &id));
	ASSERT_EQ(0, pthread_create(&t, NULL, request_thread, &r));
	EXPECT_EQ(0, nic_expect(self->o.na, DMEM_NIC_EVENT_IMPORTER_REVOKED, id, dmabuf, 8 * MiB));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, sim_state(self->o.fa, p));

	/* 1 s of reads through the mapping: A's bytes, and B still waits. */
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 12));
		usleep(100000);
	}
	EXPECT_EQ(0, __atomic_load_n(&r.done, __ATOMIC_ACQUIRE));
	EXPECT_EQ(8 * MiB, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(0, cg_region_value(self->o.b, "dmem.current", self->o.cg));
	EXPECT_EQ(-ENODEV, nic_use(self->o.na, id, &ii));
	EXPECT_EQ(0, (long long)ii.acks);

	/* The unmap lets the memory go: B gets it. */
	EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_ACK, id));
	EXPECT_EQ(0, nic_expect(self->o.na, DMEM_NIC_EVENT_IMPORTER_ACKED, id, dmabuf, 8 * MiB));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(12 * MiB, cg_region_value(self->o.b, "dmem.current", self->o.cg));
	EXPECT_EQ(0, cg_region_value(self->o.a, "dmem.current", self->o.cg));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->o.fa, p));
	EXPECT_EQ(-ENODEV, nic_verify(self->o.na, id, 8 * MiB, 12));
	EXPECT_EQ(-ENODEV, nic_use(self->o.na, id, &ii));
	EXPECT_EQ(1, (long long)ii.revoke_notifies);
	EXPECT_EQ(1, (long long)ii.acks);
	/* A's bytes, intact in system memory; B's are B's own. */
	EXPECT_EQ(0, sim_verify(self->o.fa, p, 8 * MiB, 12));
	EXPECT_EQ(0, sim_fill(self->o.fb, r.h, 12 * MiB, 13));
	EXPECT_EQ(0, sim_verify(self->o.fa, p, 8 * MiB, 12));
	EXPECT_EQ(0, nic_count(self->o.na, 0, 0));
	close(dmabuf);
}

/* A NIC that cannot be revoked makes the buffer a hard pin. */
TEST_F(nic, hard_pin_is_never_revoked)
{
	struct dmem_nic_importer_info ii;
	struct dmem_sim_region_info ri;
	__u32 p, x, id;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 9));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(self->o.na, dmabuf, DMEM_NIC_IMPORT_PINNED_HARD, 0, 0, &id));
	EXPECT_EQ(-EINVAL, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_ACK, id));

	EXPECT_EQ(-ENOMEM, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p));
	ASSERT_EQ(0, sim_region_info(self->o.fa, self->o.name, &ri));
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, (long long)ri.revoke_timeouts);
	EXPECT_EQ(0, nic_use(self->o.na, id, &ii));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (int)ii.state);
	EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 9));

	/* Detached, the owner's own pin is soft again. */
	EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_DETACH, id));
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
		DMEM_NIC_IMPORT_PINNED, DMEM_NIC_IMPORT_PINNED_HARD,
		DMEM_NIC_IMPORT_DYNAMIC,
	};
	struct dmem_nic_importer_info ii;
	unsigned int i;
	int dmabuf;
	__u32 id;

	dmabuf = udmabuf_new(3);
	ASSERT_LE(0, dmabuf);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ(0, nic_import(self->o.na, dmabuf, modes[i], 0, 0, &id));
		EXPECT_EQ(0, nic_verify(self->o.na, id, MiB, 3))
			TH_LOG("mode %u", modes[i]);
		EXPECT_EQ(0, nic_use(self->o.na, id, &ii));
		EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (int)ii.state);
		EXPECT_EQ(MiB, (long long)ii.size);
		EXPECT_EQ(-EINVAL, nic_verify(self->o.na, id, 2 * MiB, 3));
		EXPECT_EQ(0, nic_op(self->o.na, DMEM_NIC_IOC_IMPORTER_DETACH, id));
		/* Its id is free again: nothing of it is left. */
		EXPECT_EQ(1, (int)id);
	}
	/* Nobody revokes or moves memfd pages: no event. */
	EXPECT_EQ(0, nic_count(self->o.na, 0, 0));
	close(dmabuf);
}

/* A dmem_sim buffer through a dynamic NIC: moved, re-mapped, intact. */
TEST_F(nic, sim_buffer_dynamic)
{
	struct dmem_nic_importer_info ii;
	__u32 p, x, id;
	int dmabuf;

	ASSERT_EQ(0, sim_alloc(self->o.fa, self->o.name, 8 * MiB, 0, &p));
	ASSERT_EQ(0, sim_fill(self->o.fa, p, 8 * MiB, 4));
	dmabuf = sim_export(self->o.fa, p);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, nic_import(self->o.na, dmabuf, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, &id));
	EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 4));
	/* B takes the room: p moves out, the NIC's mapping with it. */
	ASSERT_EQ(0, sim_alloc(self->o.fb, self->o.name, 12 * MiB, 0, &x));
	EXPECT_EQ(0, nic_expect(self->o.na, DMEM_NIC_EVENT_IMPORTER_MOVED, id, dmabuf, 8 * MiB));
	EXPECT_EQ(-EAGAIN, nic_verify(self->o.na, id, 8 * MiB, 4));
	EXPECT_EQ(0, sim_op(self->o.fb, DMEM_SIM_IOC_FREE, x));
	/* Its use maps again: the exporter brings the buffer back. */
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->o.fa, p));
	EXPECT_EQ(0, nic_use(self->o.na, id, &ii));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->o.fa, p));
	EXPECT_EQ(DMEM_NIC_IMPORTER_MAPPED, (int)ii.state);
	EXPECT_EQ(1, (long long)ii.move_notifies);
	EXPECT_EQ(2, (long long)ii.maps);
	EXPECT_EQ(0, nic_verify(self->o.na, id, 8 * MiB, 4));
	close(dmabuf);
}

TEST_HARNESS_MAIN
