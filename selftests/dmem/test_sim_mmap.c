// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap() of /dev/dmem_sim buffers: a mapping follows the bytes through
 * evictions, restores, revokes and region destruction (the old pages are
 * unmapped before they are freed, so writes are never lost to a stale
 * page), and bad mappings are refused.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

FIXTURE(simmap) {
	char name[DMEM_SIM_NAME_LEN];
	int fa;
	int fb;
};

FIXTURE_SETUP(simmap)
{
	sim_unique_name(self->name, "mmap");
	self->fa = sim_open();
	ASSERT_LE(0, self->fa);
	self->fb = sim_open();
	ASSERT_LE(0, self->fb);
	ASSERT_EQ(0, sim_region_create(self->fa, self->name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->name, "soft timeout_ms=300"));
}

FIXTURE_TEARDOWN(simmap)
{
	close(self->fa);
	close(self->fb);
	self->fa = sim_open();
	if (self->fa >= 0) {
		sim_region_destroy(self->fa, self->name);
		close(self->fa);
	}
}

static void *map(int fd, __u32 handle, size_t len, int flags, off_t extra)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd,
		    DMEM_SIM_MMAP_OFFSET(handle) + extra);
}

static int check_bytes(const unsigned char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed + i / 4096))
			return -1;
	return 0;
}

static void set_bytes(unsigned char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i += 4096)
		memset(p + i, (unsigned char)(seed + i / 4096), 4096);
}

TEST_F(simmap, mapping_follows_the_bytes)
{
	struct dmem_sim_buf_info bi;
	unsigned char c = 0;
	struct dmem_sim_rw rw = { .len = 1, .ptr = (uintptr_t)&c };
	const size_t at = 5 * MiB;
	unsigned char *p;
	__u32 u1, b1;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, 0, &u1));
	p = map(self->fa, u1, 8 * MiB, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	set_bytes(p, 8 * MiB, 10);

	/* Evicted: the mapping now reads the system copy. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 12 * MiB, 0, &b1));
	EXPECT_EQ(DMEM_SIM_STATE_EVICTED, sim_state(self->fa, u1));
	EXPECT_EQ(0, check_bytes(p, 8 * MiB, 10));

	/* A write while evicted survives the restore. */
	p[at] = 0xa5;
	EXPECT_EQ(0, sim_op(self->fa, DMEM_SIM_IOC_TOUCH, u1));
	EXPECT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(self->fa, u1));
	rw.handle = u1;
	rw.offset = at;
	ASSERT_EQ(0, ioctl(self->fa, DMEM_SIM_IOC_READ, &rw));
	EXPECT_EQ(0xa5, c);
	EXPECT_EQ(0xa5, p[at]);
	p[at] = (unsigned char)(10 + at / 4096);
	EXPECT_EQ(0, check_bytes(p, 8 * MiB, 10));
	ASSERT_EQ(0, sim_info(self->fa, u1, &bi));
	EXPECT_EQ(1, (long long)bi.evictions);
	EXPECT_EQ(2, (long long)bi.restores);

	/* The mapping keeps the buffer after FREE, until munmap(). */
	EXPECT_EQ(0, sim_op(self->fa, DMEM_SIM_IOC_FREE, u1));
	EXPECT_EQ(0, check_bytes(p, 8 * MiB, 10));
	EXPECT_EQ(0, munmap(p, 8 * MiB));
}

TEST_F(simmap, revoke_and_destroy_while_mapped)
{
	struct dmem_sim_region_info ri;
	unsigned char *p;
	__u32 p1, x, nic;
	int d, nfd;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 8 * MiB, DMEM_SIM_ALLOC_PINNED, &p1));
	d = sim_export(self->fa, p1);
	ASSERT_LE(0, d);
	nfd = nic_open();
	ASSERT_LE(0, nfd);
	ASSERT_EQ(0, nic_import(nfd, d, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_PROMPT, 0, &nic));
	/* A window into the second half only. */
	p = map(self->fa, p1, 4 * MiB, MAP_SHARED, 4 * MiB);
	ASSERT_NE(MAP_FAILED, p);
	set_bytes(p, 4 * MiB, 20);

	/* B's allocation revokes p1; the mapping follows to system memory. */
	ASSERT_EQ(0, sim_alloc(self->fb, self->name, 16 * MiB, 0, &x));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, sim_state(self->fa, p1));
	EXPECT_EQ(0, check_bytes(p, 4 * MiB, 20));
	set_bytes(p, 4 * MiB, 30);

	/* Destroying the region leaves the mapping working. */
	ASSERT_EQ(0, sim_region_destroy(self->fa, self->name));
	EXPECT_EQ(0, check_bytes(p, 4 * MiB, 30));
	close(d);
	close(nfd);
	close(self->fa);
	close(self->fb);
	EXPECT_EQ(0, check_bytes(p, 4 * MiB, 30));
	EXPECT_EQ(0, munmap(p, 4 * MiB));

	/* Recreated, so that the teardown finds it; nothing left behind. */
	self->fa = sim_open();
	self->fb = sim_open();
	ASSERT_EQ(0, sim_region_create(self->fa, self->name, 16 * MiB));
	ASSERT_EQ(0, sim_region_info(self->fa, self->name, &ri));
	EXPECT_EQ(0, (long long)ri.used);
}

TEST_F(simmap, bad_mappings)
{
	__u32 u1;

	ASSERT_EQ(0, sim_alloc(self->fa, self->name, 1 * MiB, 0, &u1));
	EXPECT_EQ(MAP_FAILED, map(self->fa, u1, 1 * MiB, MAP_PRIVATE, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fa, u1, 2 * MiB, MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fa, u1, 4096, MAP_SHARED, 1 * MiB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fa, u1 + 1, 4096, MAP_SHARED, 0));
	EXPECT_EQ(ENOENT, errno);
	/* Handles are per file. */
	EXPECT_EQ(MAP_FAILED, map(self->fb, u1, 4096, MAP_SHARED, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_HARNESS_MAIN
