// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad input to every /dev/dmem_sim ioctl: unknown handles and importers
 * (ENOENT), zero, unaligned and absurd sizes and unknown flags (EINVAL),
 * bad pointers (EFAULT), unprivileged region operations (EPERM), unknown
 * ioctls (ENOTTY). Nothing may leak or change on an error: the region's
 * usage and buffer count are checked after each batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "sim_util.h"

#define BAD_PTR		((void *)1)

FIXTURE(input) {
	char name[DMEM_SIM_NAME_LEN];
	int fd;
	__u32 h;
};

FIXTURE_SETUP(input)
{
	child_reset();
	sim_unique_name(self->name, "input");
	self->fd = sim_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sim_region_create(self->fd, self->name, 8 * MiB));
	ASSERT_EQ(0, sim_alloc(self->fd, self->name, 4096, 0, &self->h));
}

FIXTURE_TEARDOWN(input)
{
	sim_region_destroy(self->fd, self->name);
	close(self->fd);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* Nothing leaked: one 4 KiB buffer, resident. */
static int unchanged(int fd, const char *name)
{
	struct dmem_sim_region_info ri;

	if (sim_region_info(fd, name, &ri))
		return -1;
	return ri.used == 4096 && ri.buffers == 1 ? 0 : -2;
}

TEST_F(input, unknown_handles_and_importers)
{
	static const unsigned long ops[] = {
		DMEM_SIM_IOC_FREE, DMEM_SIM_IOC_PIN, DMEM_SIM_IOC_UNPIN,
		DMEM_SIM_IOC_TOUCH,
	};
	struct dmem_sim_importer_info ii;
	struct dmem_sim_buf_info bi;
	char data[16];
	struct dmem_sim_rw rw = { .len = 16, .ptr = (uintptr_t)data };
	__u32 bad[] = { 0, self->h + 1, 0x7fffffff, 0xffffffff };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (j = 0; j < ARRAY_SIZE(ops); j++)
			EXPECT_EQ(-ENOENT, sim_op(self->fd, ops[j], bad[i]));
		EXPECT_EQ(-ENOENT, sim_info(self->fd, bad[i], &bi));
		rw.handle = bad[i];
		EXPECT_EQ(-ENOENT, xioctl(self->fd, DMEM_SIM_IOC_READ, &rw));
		EXPECT_EQ(-ENOENT, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
		EXPECT_EQ(-ENOENT, sim_export(self->fd, bad[i]));
		EXPECT_EQ(-ENOENT, sim_importer_op(self->fd, DMEM_SIM_IOC_IMPORTER_ACK, bad[i]));
		EXPECT_EQ(-ENOENT, sim_importer_op(self->fd, DMEM_SIM_IOC_IMPORTER_DETACH, bad[i]));
		EXPECT_EQ(-ENOENT, sim_importer_use(self->fd, bad[i], &ii));
	}
	/* Handles are per file. */
	{
		int other = sim_open();

		ASSERT_LE(0, other);
		EXPECT_EQ(-ENOENT, sim_op(other, DMEM_SIM_IOC_TOUCH, self->h));
		close(other);
	}
	EXPECT_EQ(0, unchanged(self->fd, self->name));
}

TEST_F(input, sizes)
{
	static const __u64 bad[] = {
		0, 1, 4095, 4097, 8 * MiB + 4096, 8 * MiB + 1,
		UINT64_MAX, UINT64_MAX - 4095, 1ULL << 63,
	};
	struct dmem_sim_region_create rc = { 0 };
	unsigned int i;
	__u32 h;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, sim_alloc(self->fd, self->name, bad[i], 0, &h));
	/* Exactly the capacity is fine (after freeing the small one). */
	EXPECT_EQ(0, sim_op(self->fd, DMEM_SIM_IOC_FREE, self->h));
	EXPECT_EQ(0, sim_alloc(self->fd, self->name, 8 * MiB, 0, &h));
	EXPECT_EQ(0, sim_op(self->fd, DMEM_SIM_IOC_FREE, h));
	ASSERT_EQ(0, sim_alloc(self->fd, self->name, 4096, 0, &self->h));

	/* Regions: 0, unaligned, above the maximum, 2^64-1. */
	snprintf(rc.name, sizeof(rc.name), "%s", "t_sizes");
	rc.size = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	rc.size = 4097;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	rc.size = DMEM_SIM_REGION_MAX + 4096;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	rc.size = UINT64_MAX;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	EXPECT_EQ(0, unchanged(self->fd, self->name));
}

TEST_F(input, read_write_ranges)
{
	char data[64] = "abc";
	struct dmem_sim_rw rw = { .handle = self->h, .ptr = (uintptr_t)data };

	rw.len = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	rw.offset = 4096;
	rw.len = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_READ, &rw));
	rw.offset = 4095;
	rw.len = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_READ, &rw));
	rw.offset = UINT64_MAX;
	rw.len = 2;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	rw.offset = 1;
	rw.len = UINT64_MAX;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	rw.offset = 4095;
	rw.len = 1;
	rw.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	rw.flags = 0;
	EXPECT_EQ(0, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	rw.ptr = 1;
	EXPECT_EQ(-EFAULT, xioctl(self->fd, DMEM_SIM_IOC_WRITE, &rw));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, DMEM_SIM_IOC_READ, &rw));
	rw.ptr = (uintptr_t)data;
	data[0] = 0;
	EXPECT_EQ(0, xioctl(self->fd, DMEM_SIM_IOC_READ, &rw));
	EXPECT_EQ('a', data[0]);
}

TEST_F(input, flags_and_reserved_fields)
{
	struct dmem_sim_alloc al = { .size = 4096, .flags = 2 };
	struct dmem_sim_buf_op op = { .handle = self->h, .flags = 1 };
	struct dmem_sim_export ex = { .handle = self->h, .flags = 2 };
	struct dmem_sim_owner_info oi = { .flags = 1 };
	struct dmem_sim_importer_info ii = { .id = 1, .flags = 1 };
	struct dmem_sim_import im = { 0 };
	struct dmem_sim_buf_info bi = { .handle = self->h, .flags = 1 };
	struct dmem_sim_region_info ri = { .flags = 1 };
	__u32 id;
	int d;

	snprintf(al.region, sizeof(al.region), "%s", self->name);
	snprintf(ri.name, sizeof(ri.name), "%s", self->name);
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_ALLOC, &al));
	al.flags = 0;
	al.handle = 5;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_ALLOC, &al));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_PIN, &op));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_FREE, &op));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_INFO, &bi));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_EXPORT, &ex));
	ex.flags = 0;
	ex.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_EXPORT, &ex));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_OWNER_INFO, &oi));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_IMPORTER_USE, &ii));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_INFO, &ri));

	/* Unpinning what is not pinned. */
	EXPECT_EQ(-EINVAL, sim_op(self->fd, DMEM_SIM_IOC_UNPIN, self->h));

	/* Imports: bad modes, acks, delays, fds. */
	d = sim_export(self->fd, self->h);
	ASSERT_LE(0, d);
	EXPECT_EQ(-EBUSY, sim_export(self->fd, self->h));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, 3, 0, 0, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_PINNED_HARD,
				      DMEM_SIM_ACK_MANUAL, 0, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_PINNED, 3, 0, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_PINNED,
				      DMEM_SIM_ACK_DELAYED, 0, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_PINNED,
				      DMEM_SIM_ACK_DELAYED, DMEM_SIM_ACK_DELAY_MAX + 1, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_PINNED,
				      DMEM_SIM_ACK_PROMPT, 10, &id));
	EXPECT_EQ(-EINVAL, sim_import(self->fd, d, DMEM_SIM_IMPORT_DYNAMIC,
				      DMEM_SIM_ACK_MANUAL, 0, &id));
	im.fd = d;
	im.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_IMPORT, &im));
	im.flags = 0;
	im.id = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_IMPORT, &im));
	EXPECT_EQ(-EBADF, sim_import(self->fd, -1, DMEM_SIM_IMPORT_PINNED, 0, 0, &id));
	EXPECT_EQ(-EBADF, sim_import(self->fd, 1000, DMEM_SIM_IMPORT_PINNED, 0, 0, &id));
	/* A file that is not a dma-buf of this device. */
	EXPECT_EQ(-EINVAL, sim_import(self->fd, self->fd, DMEM_SIM_IMPORT_PINNED, 0, 0, &id));
	close(d);
	EXPECT_EQ(0, unchanged(self->fd, self->name));
}

TEST_F(input, bad_pointers_and_unknown_ioctls)
{
	static const unsigned long reqs[] = {
		DMEM_SIM_IOC_REGION_CREATE, DMEM_SIM_IOC_REGION_DESTROY,
		DMEM_SIM_IOC_REGION_INFO, DMEM_SIM_IOC_ALLOC, DMEM_SIM_IOC_FREE,
		DMEM_SIM_IOC_PIN, DMEM_SIM_IOC_UNPIN, DMEM_SIM_IOC_TOUCH,
		DMEM_SIM_IOC_INFO, DMEM_SIM_IOC_WRITE, DMEM_SIM_IOC_READ,
		DMEM_SIM_IOC_EXPORT, DMEM_SIM_IOC_OWNER_INFO, DMEM_SIM_IOC_IMPORT,
		DMEM_SIM_IOC_IMPORTER_ACK, DMEM_SIM_IOC_IMPORTER_USE,
		DMEM_SIM_IOC_IMPORTER_DETACH,
	};
	struct dmem_sim_event ev;
	unsigned int i;
	char small[8];

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		EXPECT_EQ(-EFAULT, xioctl(self->fd, reqs[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, reqs[i], BAD_PTR));
	}
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(DMEM_SIM_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOW(DMEM_SIM_IOC_MAGIC, 0x10, int), &i));

	/* read(): whole records only; nothing queued. */
	EXPECT_EQ(-1, read(self->fd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	fcntl(self->fd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->fd, &ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, unchanged(self->fd, self->name));
}

/* An unprivileged user owns buffers, but creates and destroys no region. */
static int unprivileged(void *name)
{
	int fd = sim_open();	/* anyone may own buffers */
	__u32 h;

	CHILD_TRUE(fd >= 0);
	CHILD_EQ(-EPERM, sim_region_create(fd, "t_unpriv", 4096));
	CHILD_EQ(-EPERM, sim_region_destroy(fd, name));
	CHILD_EQ(0, sim_alloc(fd, name, 4096, 0, &h));
	return 0;
}

TEST_F(input, region_names_and_privilege)
{
	struct dmem_sim_region_create rc = { .size = 4096 };
	struct dmem_sim_region_name rn = { 0 };

	EXPECT_EQ(-EEXIST, sim_region_create(self->fd, self->name, 4096));
	EXPECT_EQ(-EINVAL, sim_region_create(self->fd, "", 4096));
	EXPECT_EQ(-EINVAL, sim_region_create(self->fd, "a b", 4096));
	EXPECT_EQ(-EINVAL, sim_region_create(self->fd, "a/b", 4096));
	memset(rc.name, 'x', sizeof(rc.name));	/* no NUL */
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	snprintf(rc.name, sizeof(rc.name), "%s", "t_flags");
	rc.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_CREATE, &rc));
	EXPECT_EQ(-ENOENT, sim_region_destroy(self->fd, "t_no_such_region"));
	snprintf(rn.name, sizeof(rn.name), "%s", self->name);
	rn.pad = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_DESTROY, &rn));

	EXPECT_CHILD_OK(child_start(NULL, true, unprivileged, self->name));
	EXPECT_EQ(0, unchanged(self->fd, self->name));
}

TEST_HARNESS_MAIN
