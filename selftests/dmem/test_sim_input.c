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
	int nfd;	/* a NIC file, importing the buffer's dma-buf */
	__u32 h;
};

FIXTURE_SETUP(input)
{
	child_reset();
	sim_unique_name(self->name, "input");
	self->fd = sim_open();
	ASSERT_LE(0, self->fd);
	self->nfd = nic_open();
	ASSERT_LE(0, self->nfd);
	ASSERT_EQ(0, sim_region_create(self->fd, self->name, 8 * MiB));
	ASSERT_EQ(0, sim_alloc(self->fd, self->name, 4096, 0, &self->h));
}

FIXTURE_TEARDOWN(input)
{
	close(self->nfd);
	sim_region_destroy(self->fd, self->name);
	close(self->fd);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* Nothing leaked: one 4 KiB buffer, resident, not pinned. */
static int unchanged(int fd, const char *name)
{
	struct dmem_sim_region_info ri;
	struct dmem_sim_owner_info oi;

	if (sim_region_info(fd, name, &ri) || sim_owner(fd, &oi))
		return -1;
	return ri.used == 4096 && ri.buffers == 1 && !oi.pinned ? 0 : -2;
}

/*
 * Nothing leaked in the NIC's file either: its next importer of @dmabuf
 * gets the first id, 1, and detaches.
 */
static int nic_unchanged(int nfd, int dmabuf)
{
	__u32 id = 0;
	int err = nic_import(nfd, dmabuf, DMEM_NIC_IMPORT_DYNAMIC, 0, 0, &id);

	if (err)
		return err;
	err = nic_op(nfd, DMEM_NIC_IOC_IMPORTER_DETACH, id);
	return err ? err : id == 1 ? 0 : -2;
}

TEST_F(input, unknown_handles_and_importers)
{
	static const unsigned long ops[] = {
		DMEM_SIM_IOC_FREE, DMEM_SIM_IOC_PIN, DMEM_SIM_IOC_UNPIN,
		DMEM_SIM_IOC_TOUCH,
	};
	struct dmem_nic_importer_info ii;
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
		EXPECT_EQ(-ENOENT, nic_op(self->nfd, DMEM_NIC_IOC_IMPORTER_ACK, bad[i]));
		EXPECT_EQ(-ENOENT, nic_op(self->nfd, DMEM_NIC_IOC_IMPORTER_DETACH, bad[i]));
		EXPECT_EQ(-ENOENT, nic_use(self->nfd, bad[i], &ii));
		EXPECT_EQ(-ENOENT, nic_read(self->nfd, bad[i], 0, 16, data));
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
	struct dmem_nic_importer_info ii = { .id = 1, .flags = 1 };
	struct dmem_nic_import im = { 0 };
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
	EXPECT_EQ(-EINVAL, xioctl(self->nfd, DMEM_NIC_IOC_IMPORTER_USE, &ii));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, DMEM_SIM_IOC_REGION_INFO, &ri));

	/* Unpinning what is not pinned. */
	EXPECT_EQ(-EINVAL, sim_op(self->fd, DMEM_SIM_IOC_UNPIN, self->h));

	/* Imports: bad modes, acks, delays, fds. */
	d = sim_export(self->fd, self->h);
	ASSERT_LE(0, d);
	EXPECT_EQ(-EBUSY, sim_export(self->fd, self->h));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, 3, 0, 0, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED_HARD,
				      DMEM_NIC_ACK_MANUAL, 0, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED, 3, 0, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED,
				      DMEM_NIC_ACK_DELAYED, 0, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED,
				      DMEM_NIC_ACK_DELAYED, DMEM_NIC_ACK_DELAY_MAX + 1, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED,
				      DMEM_NIC_ACK_PROMPT, 10, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, d, DMEM_NIC_IMPORT_DYNAMIC,
				      DMEM_NIC_ACK_MANUAL, 0, &id));
	im.fd = d;
	im.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->nfd, DMEM_NIC_IOC_IMPORT, &im));
	im.flags = 0;
	im.id = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->nfd, DMEM_NIC_IOC_IMPORT, &im));
	EXPECT_EQ(-EBADF, nic_import(self->nfd, -1, DMEM_NIC_IMPORT_PINNED, 0, 0, &id));
	EXPECT_EQ(-EBADF, nic_import(self->nfd, 1000, DMEM_NIC_IMPORT_PINNED, 0, 0, &id));
	/* Files that are not dma-bufs: dmem_sim's, the NIC's own. */
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, self->fd, DMEM_NIC_IMPORT_PINNED, 0, 0, &id));
	EXPECT_EQ(-EINVAL, nic_import(self->nfd, self->nfd, DMEM_NIC_IMPORT_PINNED, 0, 0, &id));
	EXPECT_EQ(0, unchanged(self->fd, self->name));
	EXPECT_EQ(0, nic_unchanged(self->nfd, d));
	close(d);
}

/* The NIC's reads through an importer's mapping: exact ranges, flags. */
TEST_F(input, nic_read_ranges)
{
	struct dmem_nic_read rd = { .len = 16 };
	unsigned char data[4096];
	__u32 id;
	int d;

	d = sim_export(self->fd, self->h);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, sim_fill(self->fd, self->h, 4096, 8));
	ASSERT_EQ(0, nic_import(self->nfd, d, DMEM_NIC_IMPORT_PINNED,
				DMEM_NIC_ACK_PROMPT, 0, &id));
	EXPECT_EQ(1, (int)id);
	EXPECT_EQ(-EINVAL, nic_read(self->nfd, id, 0, 0, data));
	EXPECT_EQ(-EINVAL, nic_read(self->nfd, id, 0, 4097, data));
	EXPECT_EQ(-EINVAL, nic_read(self->nfd, id, 4096, 1, data));
	EXPECT_EQ(-EINVAL, nic_read(self->nfd, id, 1, 4096, data));
	EXPECT_EQ(-EINVAL, nic_read(self->nfd, id, UINT64_MAX, 2, data));
	EXPECT_EQ(-EFAULT, nic_read(self->nfd, id, 0, 16, BAD_PTR));
	rd.id = id;
	rd.ptr = (uintptr_t)data;
	rd.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->nfd, DMEM_NIC_IOC_IMPORTER_READ, &rd));
	/* The last byte alone, then the whole buffer: the pattern, exactly. */
	EXPECT_EQ(0, nic_read(self->nfd, id, 4095, 1, data));
	EXPECT_EQ(0, sim_pattern_differs(data, 8, 4095, 1));
	EXPECT_EQ(0, nic_verify(self->nfd, id, 4096, 8));
	EXPECT_EQ(0, nic_op(self->nfd, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	EXPECT_EQ(0, unchanged(self->fd, self->name));
	EXPECT_EQ(0, nic_unchanged(self->nfd, d));
	close(d);
}

TEST_F(input, bad_pointers_and_unknown_ioctls)
{
	static const unsigned long reqs[] = {
		DMEM_SIM_IOC_REGION_CREATE, DMEM_SIM_IOC_REGION_DESTROY,
		DMEM_SIM_IOC_REGION_INFO, DMEM_SIM_IOC_ALLOC, DMEM_SIM_IOC_FREE,
		DMEM_SIM_IOC_PIN, DMEM_SIM_IOC_UNPIN, DMEM_SIM_IOC_TOUCH,
		DMEM_SIM_IOC_INFO, DMEM_SIM_IOC_WRITE, DMEM_SIM_IOC_READ,
		DMEM_SIM_IOC_EXPORT, DMEM_SIM_IOC_OWNER_INFO,
	};
	static const unsigned long nic_reqs[] = {
		DMEM_NIC_IOC_IMPORT, DMEM_NIC_IOC_IMPORTER_ACK,
		DMEM_NIC_IOC_IMPORTER_USE, DMEM_NIC_IOC_IMPORTER_DETACH,
		DMEM_NIC_IOC_IMPORTER_READ,
	};
	struct dmem_sim_event ev;
	struct dmem_nic_event nev;
	unsigned int i;
	char small[8];
	int d;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		EXPECT_EQ(-EFAULT, xioctl(self->fd, reqs[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(self->fd, reqs[i], BAD_PTR));
		/* Each device knows only its own ioctls. */
		EXPECT_EQ(-ENOTTY, xioctl(self->nfd, reqs[i], BAD_PTR));
	}
	for (i = 0; i < ARRAY_SIZE(nic_reqs); i++) {
		EXPECT_EQ(-EFAULT, xioctl(self->nfd, nic_reqs[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(self->nfd, nic_reqs[i], BAD_PTR));
		EXPECT_EQ(-ENOTTY, xioctl(self->fd, nic_reqs[i], BAD_PTR));
	}
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(DMEM_SIM_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOW(DMEM_SIM_IOC_MAGIC, 0x10, int), &i));
	EXPECT_EQ(-ENOTTY, xioctl(self->nfd, _IO(DMEM_NIC_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, xioctl(self->nfd, _IOW(DMEM_NIC_IOC_MAGIC, 0x00, int), &i));

	/* read(): whole records only; nothing queued. */
	EXPECT_EQ(-1, read(self->fd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	fcntl(self->fd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->fd, &ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, read(self->nfd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->nfd, &nev, sizeof(nev) - 1));
	EXPECT_EQ(EINVAL, errno);
	fcntl(self->nfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, read(self->nfd, &nev, sizeof(nev)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, unchanged(self->fd, self->name));
	d = sim_export(self->fd, self->h);
	ASSERT_LE(0, d);
	EXPECT_EQ(0, nic_unchanged(self->nfd, d));
	close(d);
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
