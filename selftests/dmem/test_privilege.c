// SPDX-License-Identifier: GPL-2.0-only
/*
 * Privilege boundaries of dmem and /dev/dmem_sim, from an unprivileged
 * user (uid/gid 65534, no supplementary groups, no capabilities) forked by
 * a root test:
 *  - regions are created and destroyed with CAP_SYS_ADMIN only (EPERM),
 *    checked at the ioctl, whoever opened the file;
 *  - dmem limits and dmem.policy of cgroups not delegated to the user are
 *    not writable (EACCES, at open); in a delegated cgroup it sets its
 *    children's limits but not its own;
 *  - dmem.pinned.max of its cgroup holds against ALLOC PINNED, PIN and a
 *    pinned import (ENOMEM, nothing charged, a pin_max event each);
 *  - the access model is the open file: buffer handles and importer ids
 *    are local to a file (another owner's handle number on one's own file
 *    is ENOENT, for every ioctl and for mmap), the user cannot reach
 *    another user's file through /proc (EACCES), and only a file (or
 *    dma-buf) passed to it gives access, charged to the file's opener;
 *  - /dev/dmem_sim is 0666: an unprivileged owner is charged to its own
 *    cgroup, never to root's;
 *  - an importer that never acknowledges a revoke cannot make the kernel
 *    reuse the memory it maps: the allocation that needs it fails with
 *    ENOMEM after the revoke timeout and the buffer keeps its device
 *    pages (no eviction, still charged, its bytes intact) until the late
 *    acknowledgment, which completes the revoke.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"
#include "fdpass.h"
#include "reliability.h"
#include "sim_util.h"

#define NOBODY	65534

/* The sum over the tests, for the reliability line. */
static struct child_report *totals;

/* The test's cgroups, its region and root's file. */
struct env {
	char top[64];
	char r[96];		/* root's jobs */
	char d[96];		/* delegated to nobody */
	char dc[128];		/* created by nobody in d */
	char name[DMEM_SIM_NAME_LEN];
	char cgname[DMEM_SIM_NAME_LEN + 4];
	int fd;
};

FIXTURE(priv) {
	struct env e;
};

static const char *const tree[] = { "r", "d", NULL };

FIXTURE_SETUP(priv)
{
	static const char *const files[] = {
		NULL, "cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
	};
	char path[512], line[96];
	unsigned int i;

	child_reset();
	ASSERT_EQ(0, cg_setup_tree(self->e.top, sizeof(self->e.top), "dmt_priv", tree));
	snprintf(self->e.r, sizeof(self->e.r), "%s/r", self->e.top);
	snprintf(self->e.d, sizeof(self->e.d), "%s/d", self->e.top);
	snprintf(self->e.dc, sizeof(self->e.dc), "%s/c", self->e.d);
	self->e.fd = sim_open();
	ASSERT_LE(0, self->e.fd);
	sim_unique_name(self->e.name, "priv");
	sim_cg_name(self->e.cgname, self->e.name);
	ASSERT_EQ(0, sim_region_create(self->e.fd, self->e.name, 16 * MiB));
	ASSERT_EQ(0, sim_policy(self->e.name, "soft timeout_ms=300"));
	/* Root's limits on d, which nobody gets. */
	snprintf(line, sizeof(line), "%s 8M", self->e.cgname);
	ASSERT_EQ(0, cg_write(self->e.d, "dmem.max", line));
	snprintf(line, sizeof(line), "%s 1M", self->e.cgname);
	ASSERT_EQ(0, cg_write(self->e.d, "dmem.pinned.max", line));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		cg_path(path, sizeof(path), self->e.d, files[i]);
		ASSERT_EQ(0, chown(path, NOBODY, NOBODY)) TH_LOG("%s", path);
	}
}

FIXTURE_TEARDOWN(priv)
{
	totals->checks += child_rep->checks;
	totals->mismatches += child_rep->mismatches;
	totals->errors += child_rep->errors;
	sim_region_destroy(self->e.fd, self->e.name);
	close(self->e.fd);
	cg_cleanup_tree(self->e.top);
}

/* ------------------------------------------------------------------ */

struct region_args {
	const char *name;
	int rootfd;		/* opened by root, inherited */
};

static int nobody_regions(void *p)
{
	struct region_args *a = p;
	struct dmem_sim_region_info ri;
	char other[DMEM_SIM_NAME_LEN];
	int fd = sim_open();

	CHILD_EQ(1, fd >= 0);	/* 0666: anyone may own buffers */
	sim_unique_name(other, "nobody");
	CHILD_EQ(-EPERM, sim_region_create(fd, other, MiB));
	CHILD_EQ(-EPERM, sim_region_destroy(fd, a->name));
	/* The capability is checked at the ioctl, not taken from the file. */
	CHILD_EQ(-EPERM, sim_region_create(a->rootfd, other, MiB));
	CHILD_EQ(-EPERM, sim_region_destroy(a->rootfd, a->name));
	/* Looking is not privileged. */
	CHILD_EQ(0, sim_region_info(fd, a->name, &ri));
	CHILD_EQ(16 * MiB, ri.capacity);
	CHILD_EQ(-ENOENT, sim_region_info(fd, other, &ri));
	close(fd);
	return 0;
}

TEST_F(priv, regions_need_cap_sys_admin)
{
	struct region_args a = { .name = self->e.name, .rootfd = self->e.fd };
	struct dmem_sim_region_info ri;
	char cap[4096];

	EXPECT_CHILD_OK(child_start(NULL, true, nobody_regions, &a));
	ASSERT_EQ(0, sim_region_info(self->e.fd, self->e.name, &ri));
	EXPECT_EQ(16 * MiB, (long long)ri.capacity);
	ASSERT_LE(0, cg_read("", "dmem.capacity", cap, sizeof(cap)));
	EXPECT_NE(NULL, strstr(cap, self->e.cgname));
	EXPECT_EQ(NULL, strstr(cap, "nobody"));
}

/* ------------------------------------------------------------------ */

struct limits_args {
	const struct env *self;
};

static int nobody_limits(void *p)
{
	const struct env *self = ((struct limits_args *)p)->self;
	static const char *const files[] = {
		"dmem.max", "dmem.min", "dmem.low", "dmem.pinned.max",
	};
	char line[96];
	unsigned int i;

	snprintf(line, sizeof(line), "%s 2M", self->cgname);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		/* Not delegated: r, top; and d's own limits are its parent's. */
		CHILD_EQ(-EACCES, cg_write(self->r, files[i], line));
		CHILD_EQ(-EACCES, cg_write(self->top, files[i], line));
		CHILD_EQ(-EACCES, cg_write(self->d, files[i], line));
	}
	snprintf(line, sizeof(line), "%s strict", self->cgname);
	CHILD_EQ(-EACCES, cg_write("", "dmem.policy", line));
	/* Reading is allowed. */
	CHILD_EQ(8 * MiB, cg_region_value(self->d, "dmem.max", self->cgname));

	/* Its children's limits are its own to set. */
	CHILD_EQ(0, cg_create(self->dc));
	CHILD_EQ(0, cg_write(self->d, "cgroup.subtree_control", "+dmem"));
	snprintf(line, sizeof(line), "%s 16M", self->cgname);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		CHILD_EQ(0, cg_write(self->dc, files[i], line));
	CHILD_EQ(16 * MiB, cg_region_value(self->dc, "dmem.max", self->cgname));
	CHILD_EQ(16 * MiB, cg_region_value(self->dc, "dmem.pinned.max", self->cgname));
	return 0;
}

TEST_F(priv, limits_of_others_are_not_writable)
{
	struct limits_args a = { .self = &self->e };
	char pol[1024], now[1024];

	ASSERT_LE(0, cg_read("", "dmem.policy", pol, sizeof(pol)));
	EXPECT_CHILD_OK(child_start(NULL, true, nobody_limits, &a));
	/* Nothing changed where nobody had no right. */
	EXPECT_EQ(8 * MiB, cg_region_value(self->e.d, "dmem.max", self->e.cgname));
	EXPECT_EQ(1 * MiB, cg_region_value(self->e.d, "dmem.pinned.max", self->e.cgname));
	EXPECT_EQ(0, cg_region_value(self->e.d, "dmem.min", self->e.cgname));
	EXPECT_EQ(0, cg_region_value(self->e.d, "dmem.low", self->e.cgname));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->e.r, "dmem.max", self->e.cgname));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->e.r, "dmem.pinned.max", self->e.cgname));
	EXPECT_EQ(0, cg_region_value(self->e.r, "dmem.min", self->e.cgname));
	EXPECT_EQ(0, cg_region_value(self->e.r, "dmem.low", self->e.cgname));
	ASSERT_LE(0, cg_read("", "dmem.policy", now, sizeof(now)));
	EXPECT_STREQ(pol, now);
}

/* ------------------------------------------------------------------ */

static int nobody_pinned_max(void *p)
{
	const struct env *self = p;
	struct dmem_sim_owner_info oi;
	struct dmem_sim_buf_info bi;
	int fd = sim_open(), nfd = nic_open(), dmabuf;
	char line[96];
	__u32 a, b;

	CHILD_EQ(1, fd >= 0);
	/* Beyond d's 1M: refused, and the buffer's charge undone. */
	CHILD_EQ(-ENOMEM, sim_alloc(fd, self->name, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &a));
	CHILD_EQ(0, cg_region_value(self->d, "dmem.current", self->cgname));
	CHILD_EQ(0, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	CHILD_EQ(0, sim_alloc(fd, self->name, MiB, DMEM_SIM_ALLOC_PINNED, &a));
	CHILD_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	CHILD_EQ(0, sim_alloc(fd, self->name, MiB, 0, &b));
	CHILD_EQ(-ENOMEM, sim_op(fd, DMEM_SIM_IOC_PIN, b));
	/* A pinned import pins for the owner, against the same limit. */
	dmabuf = sim_export(fd, b);
	CHILD_EQ(1, dmabuf >= 0);
	CHILD_EQ(1, nfd >= 0);
	CHILD_EQ(-ENOMEM, nic_import(nfd, dmabuf, DMEM_NIC_IMPORT_PINNED,
				     DMEM_NIC_ACK_PROMPT, 0, NULL));
	close(nfd);
	close(dmabuf);
	CHILD_EQ(0, sim_info(fd, b, &bi));
	CHILD_EQ(0, bi.pins);
	CHILD_EQ(DMEM_SIM_STATE_RESIDENT, bi.state);
	CHILD_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	CHILD_EQ(2 * MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	CHILD_EQ(3, cg_region_key(self->d, "dmem.events", self->cgname, "pin_max"));
	CHILD_EQ(0, sim_owner(fd, &oi));
	CHILD_EQ(MiB, oi.pinned);
	CHILD_EQ(2 * MiB, oi.resident);
	/* Nor can it lift the limit. */
	snprintf(line, sizeof(line), "%s max", self->cgname);
	CHILD_EQ(-EACCES, cg_write(self->d, "dmem.pinned.max", line));
	CHILD_EQ(0, sim_op(fd, DMEM_SIM_IOC_UNPIN, a));
	CHILD_EQ(0, sim_op(fd, DMEM_SIM_IOC_PIN, b));
	CHILD_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	close(fd);
	CHILD_EQ(0, cg_region_value(self->d, "dmem.current", self->cgname));
	return 0;
}

TEST_F(priv, pinned_max_holds_in_delegated_cgroup)
{
	EXPECT_CHILD_OK(child_start(self->e.d, true, nobody_pinned_max, &self->e));
	EXPECT_EQ(0, cg_region_value(self->e.d, "dmem.pinned.current", self->e.cgname));
	EXPECT_EQ(1 * MiB, cg_region_value(self->e.d, "dmem.pinned.max", self->e.cgname));
}

/* ------------------------------------------------------------------ */

struct owner_args {
	const struct env *self;
	int sock;
	pid_t root_pid;
	int root_fd;		/* its number in root's table, for /proc */
	__u32 h[3];		/* root's handles */
};

static int nobody_others_buffers(void *p)
{
	struct owner_args *a = p;
	const struct env *self = a->self;
	struct dmem_nic_importer_info ii;
	struct dmem_sim_buf_info bi;
	unsigned char byte = 0xa5;
	struct dmem_sim_rw rw = { .len = 1, .ptr = (uintptr_t)&byte };
	char path[64];
	void *m;
	int fd, nfd, rfd, dmabuf, i;
	__u32 own, other, id;

	fd = sim_open();
	CHILD_EQ(1, fd >= 0);
	nfd = nic_open();
	CHILD_EQ(1, nfd >= 0);
	CHILD_EQ(0, sim_alloc(fd, self->name, MiB, 0, &own));
	CHILD_EQ(a->h[0], own);	/* the same number as root's first: per file */
	CHILD_EQ(1, sim_verify(fd, own, MiB, 40));	/* not root's bytes */
	CHILD_EQ(0, sim_fill(fd, own, MiB, 77));

	for (i = 1; i < 3; i++) {
		other = a->h[i];
		CHILD_EQ(-ENOENT, sim_info(fd, other, &bi));
		rw.handle = other;
		CHILD_EQ(-1, ioctl(fd, DMEM_SIM_IOC_READ, &rw));
		CHILD_EQ(ENOENT, errno);
		CHILD_EQ(-1, ioctl(fd, DMEM_SIM_IOC_WRITE, &rw));
		CHILD_EQ(ENOENT, errno);
		CHILD_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_TOUCH, other));
		CHILD_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_PIN, other));
		CHILD_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_UNPIN, other));
		CHILD_EQ(-ENOENT, sim_export(fd, other));
		CHILD_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_FREE, other));
		m = mmap(NULL, MiB, PROT_READ, MAP_SHARED, fd,
			 DMEM_SIM_MMAP_OFFSET(other));
		CHILD_EQ(1, m == MAP_FAILED);
		CHILD_EQ(ENOENT, errno);
	}
	/* Importer ids are per NIC file: none here yet. */
	CHILD_EQ(-ENOENT, nic_use(nfd, 1, &ii));
	CHILD_EQ(-ENOENT, nic_op(nfd, DMEM_NIC_IOC_IMPORTER_ACK, 1));
	CHILD_EQ(-ENOENT, nic_op(nfd, DMEM_NIC_IOC_IMPORTER_DETACH, 1));

	/* Root's file is out of reach through /proc. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", a->root_pid, a->root_fd);
	CHILD_EQ(-1, open(path, O_RDWR));
	CHILD_EQ(EACCES, errno);

	/*
	 * Passed on purpose, root's file gives access to root's buffers,
	 * and what is allocated through it is charged to root's owner (r).
	 */
	rfd = fd_recv(a->sock, NULL, 0, 0);
	CHILD_EQ(1, rfd >= 0);
	CHILD_EQ(0, sim_verify(rfd, a->h[1], MiB, 41));
	CHILD_EQ(0, sim_alloc(rfd, self->name, MiB, 0, &other));
	CHILD_EQ(4 * MiB, cg_region_value(self->r, "dmem.current", self->cgname));
	CHILD_EQ(MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	CHILD_EQ(0, sim_op(rfd, DMEM_SIM_IOC_FREE, other));
	CHILD_EQ(3 * MiB, cg_region_value(self->r, "dmem.current", self->cgname));
	/* A passed dma-buf: its pinned importer pins for root's owner. */
	dmabuf = fd_recv(a->sock, NULL, 0, 0);
	CHILD_EQ(1, dmabuf >= 0);
	CHILD_EQ(0, nic_import(nfd, dmabuf, DMEM_NIC_IMPORT_PINNED,
			       DMEM_NIC_ACK_PROMPT, 0, &id));
	CHILD_EQ(MiB, cg_region_value(self->r, "dmem.pinned.current", self->cgname));
	CHILD_EQ(0, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	CHILD_EQ(0, nic_op(nfd, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	close(nfd);
	close(dmabuf);
	close(rfd);
	CHILD_EQ(0, sim_verify(fd, own, MiB, 77));
	close(fd);
	return 0;
}

TEST_F(priv, buffers_are_reached_through_their_file)
{
	struct owner_args a = { .self = &self->e, .root_pid = getpid() };
	int sv[2], rfd, dmabuf, i;
	pid_t pid;

	/* Root's owner, charged to r. */
	ASSERT_EQ(0, cg_enter(self->e.r));
	rfd = sim_open();
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, cg_enter(""));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, sim_alloc(rfd, self->e.name, MiB, 0, &a.h[i]));
		ASSERT_EQ(0, sim_fill(rfd, a.h[i], MiB, 40 + i));
	}
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	a.sock = sv[1];
	a.root_fd = rfd;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Not even an inherited copy of root's file. */
		close(rfd);
		close(self->e.fd);
		close(sv[0]);
		CHILD_EQ(0, cg_enter(self->e.d));
		CHILD_EQ(0, drop_to_nobody());
		_exit(nobody_others_buffers(&a));
	}
	close(sv[1]);
	ASSERT_EQ(0, fd_send(sv[0], rfd, NULL, 0, 0));
	dmabuf = sim_export(rfd, a.h[2]);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, fd_send(sv[0], dmabuf, NULL, 0, 0));
	close(dmabuf);
	EXPECT_CHILD_OK(pid);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, sim_verify(rfd, a.h[i], MiB, 40 + i));
	EXPECT_EQ(3 * MiB, cg_region_value(self->e.r, "dmem.current", self->e.cgname));
	EXPECT_EQ(0, cg_region_value(self->e.r, "dmem.pinned.current", self->e.cgname));
	close(sv[0]);
	close(rfd);
}

/* ------------------------------------------------------------------ */

static int nobody_charged_to_own_cgroup(void *p)
{
	const struct env *self = p;
	struct dmem_sim_owner_info oi;
	int fd = sim_open();
	__u32 h, b;

	CHILD_EQ(1, fd >= 0);
	CHILD_EQ(0, sim_alloc(fd, self->name, 2 * MiB, 0, &h));
	CHILD_EQ(0, sim_owner(fd, &oi));
	CHILD_EQ(getpid(), oi.tgid);
	CHILD_EQ(2 * MiB, oi.resident);
	CHILD_EQ(2 * MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	CHILD_EQ(0, cg_region_value(self->r, "dmem.current", self->cgname));
	CHILD_EQ(2 * MiB, cg_region_value(self->top, "dmem.current", self->cgname));
	/*
	 * Beyond d's 8M max, whatever root's cgroups allow: refused, after
	 * evicting what it could inside d (its own 2M, maybe).
	 */
	CHILD_EQ(-ENOMEM, sim_alloc(fd, self->name, 9 * MiB, 0, &b));
	CHILD_EQ(sim_state(fd, h) == DMEM_SIM_STATE_RESIDENT ? 2 * MiB : 0,
		 cg_region_value(self->d, "dmem.current", self->cgname));
	CHILD_EQ(0, cg_region_value(self->r, "dmem.current", self->cgname));
	close(fd);
	return 0;
}

TEST_F(priv, unprivileged_owner_charged_to_its_cgroup)
{
	EXPECT_CHILD_OK(child_start(self->e.d, true, nobody_charged_to_own_cgroup,
				    &self->e));
	EXPECT_EQ(0, cg_region_value(self->e.d, "dmem.current", self->e.cgname));
}

/* ------------------------------------------------------------------ */

struct never_args {
	int sock;		/* receives the dma-buf, then commands */
};

/* An unprivileged importer that acks only when told: "a", then "q". */
static int nobody_never_acks(void *p)
{
	struct never_args *a = p;
	struct dmem_nic_importer_info ii;
	int fd = nic_open(), dmabuf;
	char cmd;
	__u32 id;

	CHILD_EQ(1, fd >= 0);
	dmabuf = fd_recv(a->sock, NULL, 0, 0);
	CHILD_EQ(1, dmabuf >= 0);
	CHILD_EQ(0, nic_import(fd, dmabuf, DMEM_NIC_IMPORT_PINNED,
			       DMEM_NIC_ACK_MANUAL, 0, &id));
	CHILD_EQ(1, write(a->sock, "i", 1));
	CHILD_EQ(1, read(a->sock, &cmd, 1));
	/* The revoke reached it, and it was not acknowledged. */
	CHILD_EQ(-ENODEV, nic_use(fd, id, &ii));
	CHILD_EQ(DMEM_NIC_IMPORTER_REVOKED, ii.state);
	CHILD_EQ(1, ii.revoke_notifies);
	CHILD_EQ(0, ii.acks);
	CHILD_EQ('a', cmd);
	CHILD_EQ(0, nic_op(fd, DMEM_NIC_IOC_IMPORTER_ACK, id));
	CHILD_EQ(1, write(a->sock, "k", 1));
	CHILD_EQ(1, read(a->sock, &cmd, 1));
	CHILD_EQ('q', cmd);
	CHILD_EQ(0, nic_op(fd, DMEM_NIC_IOC_IMPORTER_DETACH, id));
	close(dmabuf);
	close(fd);
	return 0;
}

struct filler_args {
	const char *region;
	int sock;
};

/* An unprivileged owner that needs the importer's memory. */
static int nobody_fills(void *p)
{
	struct filler_args *a = p;
	long long t0, ms;
	int fd = sim_open();
	char cmd;
	__u32 y, z;

	CHILD_EQ(1, fd >= 0);
	CHILD_EQ(0, sim_alloc(fd, a->region, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &y));
	t0 = sim_now_ms();
	CHILD_EQ(-ENOMEM, sim_alloc(fd, a->region, 2 * MiB, 0, &z));
	ms = sim_now_ms() - t0;
	/* It waited the 300 ms for the acknowledgment (VM clocks: -20%). */
	CHILD_EQ(1, ms >= 240);
	CHILD_EQ(1, write(a->sock, "f", 1));
	CHILD_EQ(1, read(a->sock, &cmd, 1));
	/* After the late ack the memory is free. */
	CHILD_EQ(0, sim_alloc(fd, a->region, 2 * MiB, 0, &z));
	close(fd);
	return 0;
}

/* The test's side of never_acking_importer_keeps_its_memory. */
struct never {
	char name[DMEM_SIM_NAME_LEN];
	char cgname[DMEM_SIM_NAME_LEN + 4];
	int ofd;		/* root's owner of x, in r */
	__u32 x;		/* 2 MiB, pattern 9, imported by nobody */
	unsigned char *map;	/* x, mapped by its owner */
	int isv;		/* to and from the importer */
	int fsv;		/* to and from the filler */
};

/* Root's owner and x, and the importer that will never ack on its own. */
static void never_setup(struct __test_metadata *_metadata,
			const struct env *e, struct never *t, pid_t *imp)
{
	struct never_args na;
	int sv[2], dmabuf;
	char c;

	sim_unique_name(t->name, "never");
	sim_cg_name(t->cgname, t->name);
	ASSERT_EQ(0, sim_region_create(e->fd, t->name, 4 * MiB));
	ASSERT_EQ(0, sim_policy(t->name, "soft timeout_ms=300"));
	t->ofd = sim_open_in(e->r);
	ASSERT_LE(0, t->ofd);
	ASSERT_EQ(0, sim_alloc(t->ofd, t->name, 2 * MiB, 0, &t->x));
	ASSERT_EQ(0, sim_fill(t->ofd, t->x, 2 * MiB, 9));
	t->map = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, t->ofd,
		      DMEM_SIM_MMAP_OFFSET(t->x));
	ASSERT_NE(MAP_FAILED, t->map);
	dmabuf = sim_export(t->ofd, t->x);
	ASSERT_LE(0, dmabuf);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	t->isv = sv[0];
	na.sock = sv[1];
	*imp = child_start(e->d, true, nobody_never_acks, &na);
	ASSERT_LE(0, *imp);
	ASSERT_EQ(0, fd_send(t->isv, dmabuf, NULL, 0, 0));
	close(dmabuf);
	ASSERT_EQ(1, read(t->isv, &c, 1));
	ASSERT_EQ('i', c);
	ASSERT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(t->ofd, t->x));
}

/* The revoke is parked: x keeps its device pages, charge and bytes. */
static void never_check_parked(struct __test_metadata *_metadata,
			       const struct env *e, const struct never *t)
{
	struct dmem_sim_region_info ri;
	struct dmem_sim_buf_info bi;
	long long t0;
	__u32 pins;
	int i;

	ASSERT_EQ(0, sim_region_info(e->fd, t->name, &ri));
	EXPECT_EQ(4 * MiB, (long long)ri.used);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(2, (long long)ri.buffers);	/* the failed one is gone */
	ASSERT_EQ(0, sim_info(t->ofd, t->x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, (int)bi.state);
	EXPECT_EQ(0, (long long)bi.evictions);	/* never moved */
	EXPECT_EQ(2 * MiB, cg_region_value(e->r, "dmem.current", t->cgname));
	EXPECT_EQ(2 * MiB, cg_region_value(e->d, "dmem.current", t->cgname));
	/* The bytes the importer maps are the ones the owner maps: intact. */
	for (i = 0; i < 2 * MiB; i += 997)
		if (t->map[i] != (unsigned char)(9 * 131 + i * 7 + (i >> 12)))
			break;
	EXPECT_EQ(2 * MiB / 997 * 997 + 997, i);
	EXPECT_EQ(0, sim_verify(t->ofd, t->x, 2 * MiB, 9));
	EXPECT_EQ(0, (long long)bi.evictions);
	/*
	 * The importer can keep the owner from using x, but not hang it: a
	 * use of a buffer whose revoke is parked fails at once.
	 */
	pins = bi.pins;
	t0 = sim_now_ms();
	EXPECT_EQ(-EBUSY, sim_op(t->ofd, DMEM_SIM_IOC_TOUCH, t->x));
	EXPECT_EQ(-EBUSY, sim_op(t->ofd, DMEM_SIM_IOC_PIN, t->x));
	EXPECT_GT(200, sim_now_ms() - t0);
	ASSERT_EQ(0, sim_info(t->ofd, t->x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, (int)bi.state);
	EXPECT_EQ(pins, bi.pins);
}

/* The late ack completes the revoke: now the memory moves. */
static void never_check_late_ack(struct __test_metadata *_metadata,
				 const struct env *e, const struct never *t)
{
	struct dmem_sim_region_info ri;
	struct dmem_sim_buf_info bi;
	long long end;
	char c;

	ASSERT_EQ(1, write(t->isv, "a", 1));
	ASSERT_EQ(1, read(t->isv, &c, 1));
	ASSERT_EQ('k', c);
	end = sim_now_ms() + 5000;
	while (sim_state(t->ofd, t->x) != DMEM_SIM_STATE_REVOKED && sim_now_ms() < end)
		usleep(10000);
	ASSERT_EQ(0, sim_info(t->ofd, t->x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, (int)bi.state);
	EXPECT_EQ(1, (long long)bi.evictions);
	ASSERT_EQ(0, sim_region_info(e->fd, t->name, &ri));
	EXPECT_EQ(2 * MiB, (long long)ri.used);
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, cg_region_value(e->r, "dmem.current", t->cgname));
	EXPECT_EQ(0, sim_verify(t->ofd, t->x, 2 * MiB, 9));
	EXPECT_EQ(0, t->map[4096] != (unsigned char)(9 * 131 + 4096 * 7 + 1));
}

TEST_F(priv, never_acking_importer_keeps_its_memory)
{
	struct filler_args fa;
	struct never t;
	pid_t imp, fill;
	int sv[2];
	char c;

	never_setup(_metadata, &self->e, &t, &imp);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	t.fsv = sv[0];
	fa.region = t.name;
	fa.sock = sv[1];
	fill = child_start(self->e.d, true, nobody_fills, &fa);
	ASSERT_LE(0, fill);
	ASSERT_EQ(1, read(t.fsv, &c, 1));
	ASSERT_EQ('f', c);

	never_check_parked(_metadata, &self->e, &t);
	never_check_late_ack(_metadata, &self->e, &t);

	ASSERT_EQ(1, write(t.fsv, "g", 1));
	EXPECT_CHILD_OK(fill);
	ASSERT_EQ(1, write(t.isv, "q", 1));
	EXPECT_CHILD_OK(imp);
	munmap(t.map, 2 * MiB);
	close(t.ofd);
	close(t.isv);
	close(t.fsv);
	EXPECT_EQ(0, sim_region_destroy(self->e.fd, t.name));
	child_rep->checks += 27;
}

static void __attribute__((constructor)) totals_init(void)
{
	totals = shared_alloc(sizeof(*totals));
}

/* Once, in the harness's process, after every test. */
static void __attribute__((destructor)) totals_print(void)
{
	RELIABILITY("privilege", { "ops", totals->checks },
		    { "mismatches", totals->mismatches },
		    { "errors", totals->errors });
}

TEST_HARNESS_MAIN
