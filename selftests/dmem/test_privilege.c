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
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"
#include "sim_util.h"

#define NOBODY	65534

/* Shared with the unprivileged children: their first failure, counters. */
struct shared {
	char msg[256];
	long long ops;
	long long mismatches;
	long long errors;
};

static struct shared *sh;
/* The sum over the tests, for the reliability line. */
static struct shared *totals;

/*
 * In a child: a check; the first failure is recorded for the parent's log
 * and ends the child with status 1.
 */
static void c_eq(long long want, long long seen, const char *what,
		 const char *wanted, int line)
{
	__atomic_add_fetch(&sh->ops, 1, __ATOMIC_RELAXED);
	if (want == seen)
		return;
	__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
	if (!sh->msg[0])
		snprintf(sh->msg, sizeof(sh->msg), "line %d: %s is %lld, not %s (%lld)",
			 line, what, seen, wanted, want);
	_exit(1);
}

#define C_EQ(want, seen)	c_eq((want), (seen), #seen, #want, __LINE__)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Effective capabilities from /proc/self/status, or -1. */
static long long cap_eff(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int drop_privileges(void)
{
	C_EQ(0, setgroups(0, NULL));
	C_EQ(0, setresgid(NOBODY, NOBODY, NOBODY));
	C_EQ(0, setresuid(NOBODY, NOBODY, NOBODY));
	C_EQ(0, cap_eff());
	return 0;
}

/* Runs @fn as nobody in a child, in @cg if not NULL; its exit status. */
static int as_nobody(const char *cg, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (cg && cg_enter(cg))
			_exit(100);
		if (drop_privileges())
			_exit(101);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int send_fd(int sock, int fd)
{
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

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

	memset(sh, 0, sizeof(*sh));
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
	totals->ops += sh->ops;
	totals->mismatches += sh->mismatches;
	totals->errors += sh->errors;
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

	C_EQ(1, fd >= 0);	/* 0666: anyone may own buffers */
	sim_unique_name(other, "nobody");
	C_EQ(-EPERM, sim_region_create(fd, other, MiB));
	C_EQ(-EPERM, sim_region_destroy(fd, a->name));
	/* The capability is checked at the ioctl, not taken from the file. */
	C_EQ(-EPERM, sim_region_create(a->rootfd, other, MiB));
	C_EQ(-EPERM, sim_region_destroy(a->rootfd, a->name));
	/* Looking is not privileged. */
	C_EQ(0, sim_region_info(fd, a->name, &ri));
	C_EQ(16 * MiB, ri.capacity);
	C_EQ(-ENOENT, sim_region_info(fd, other, &ri));
	close(fd);
	return 0;
}

TEST_F(priv, regions_need_cap_sys_admin)
{
	struct region_args a = { .name = self->e.name, .rootfd = self->e.fd };
	struct dmem_sim_region_info ri;
	char cap[4096];

	EXPECT_EQ(0, as_nobody(NULL, nobody_regions, &a)) TH_LOG("%s", sh->msg);
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
		C_EQ(-EACCES, cg_write(self->r, files[i], line));
		C_EQ(-EACCES, cg_write(self->top, files[i], line));
		C_EQ(-EACCES, cg_write(self->d, files[i], line));
	}
	snprintf(line, sizeof(line), "%s strict", self->cgname);
	C_EQ(-EACCES, cg_write("", "dmem.policy", line));
	/* Reading is allowed. */
	C_EQ(8 * MiB, cg_region_value(self->d, "dmem.max", self->cgname));

	/* Its children's limits are its own to set. */
	C_EQ(0, cg_create(self->dc));
	C_EQ(0, cg_write(self->d, "cgroup.subtree_control", "+dmem"));
	snprintf(line, sizeof(line), "%s 16M", self->cgname);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		C_EQ(0, cg_write(self->dc, files[i], line));
	C_EQ(16 * MiB, cg_region_value(self->dc, "dmem.max", self->cgname));
	C_EQ(16 * MiB, cg_region_value(self->dc, "dmem.pinned.max", self->cgname));
	return 0;
}

TEST_F(priv, limits_of_others_are_not_writable)
{
	struct limits_args a = { .self = &self->e };
	char pol[1024], now[1024];

	ASSERT_LE(0, cg_read("", "dmem.policy", pol, sizeof(pol)));
	EXPECT_EQ(0, as_nobody(NULL, nobody_limits, &a)) TH_LOG("%s", sh->msg);
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
	int fd = sim_open(), dmabuf;
	char line[96];
	__u32 a, b;

	C_EQ(1, fd >= 0);
	/* Beyond d's 1M: refused, and the buffer's charge undone. */
	C_EQ(-ENOMEM, sim_alloc(fd, self->name, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &a));
	C_EQ(0, cg_region_value(self->d, "dmem.current", self->cgname));
	C_EQ(0, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	C_EQ(0, sim_alloc(fd, self->name, MiB, DMEM_SIM_ALLOC_PINNED, &a));
	C_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	C_EQ(0, sim_alloc(fd, self->name, MiB, 0, &b));
	C_EQ(-ENOMEM, sim_op(fd, DMEM_SIM_IOC_PIN, b));
	/* A pinned import pins for the owner, against the same limit. */
	dmabuf = sim_export(fd, b);
	C_EQ(1, dmabuf >= 0);
	C_EQ(-ENOMEM, sim_import(fd, dmabuf, DMEM_SIM_IMPORT_PINNED,
				 DMEM_SIM_ACK_PROMPT, 0, NULL));
	close(dmabuf);
	C_EQ(0, sim_info(fd, b, &bi));
	C_EQ(0, bi.pins);
	C_EQ(DMEM_SIM_STATE_RESIDENT, bi.state);
	C_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	C_EQ(2 * MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	C_EQ(3, cg_region_key(self->d, "dmem.events", self->cgname, "pin_max"));
	C_EQ(0, sim_owner(fd, &oi));
	C_EQ(MiB, oi.pinned);
	C_EQ(2 * MiB, oi.resident);
	/* Nor can it lift the limit. */
	snprintf(line, sizeof(line), "%s max", self->cgname);
	C_EQ(-EACCES, cg_write(self->d, "dmem.pinned.max", line));
	C_EQ(0, sim_op(fd, DMEM_SIM_IOC_UNPIN, a));
	C_EQ(0, sim_op(fd, DMEM_SIM_IOC_PIN, b));
	C_EQ(MiB, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	close(fd);
	C_EQ(0, cg_region_value(self->d, "dmem.current", self->cgname));
	return 0;
}

TEST_F(priv, pinned_max_holds_in_delegated_cgroup)
{
	EXPECT_EQ(0, as_nobody(self->e.d, nobody_pinned_max, &self->e)) TH_LOG("%s", sh->msg);
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
	struct dmem_sim_importer_info ii;
	struct dmem_sim_buf_info bi;
	unsigned char byte = 0xa5;
	struct dmem_sim_rw rw = { .len = 1, .ptr = (uintptr_t)&byte };
	char path[64];
	void *m;
	int fd, rfd, dmabuf, i;
	__u32 own, other, id;

	fd = sim_open();
	C_EQ(1, fd >= 0);
	C_EQ(0, sim_alloc(fd, self->name, MiB, 0, &own));
	C_EQ(a->h[0], own);	/* the same number as root's first: per file */
	C_EQ(1, sim_verify(fd, own, MiB, 40));	/* not root's bytes */
	C_EQ(0, sim_fill(fd, own, MiB, 77));

	for (i = 1; i < 3; i++) {
		other = a->h[i];
		C_EQ(-ENOENT, sim_info(fd, other, &bi));
		rw.handle = other;
		C_EQ(-1, ioctl(fd, DMEM_SIM_IOC_READ, &rw));
		C_EQ(ENOENT, errno);
		C_EQ(-1, ioctl(fd, DMEM_SIM_IOC_WRITE, &rw));
		C_EQ(ENOENT, errno);
		C_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_TOUCH, other));
		C_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_PIN, other));
		C_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_UNPIN, other));
		C_EQ(-ENOENT, sim_export(fd, other));
		C_EQ(-ENOENT, sim_op(fd, DMEM_SIM_IOC_FREE, other));
		m = mmap(NULL, MiB, PROT_READ, MAP_SHARED, fd,
			 DMEM_SIM_MMAP_OFFSET(other));
		C_EQ(1, m == MAP_FAILED);
		C_EQ(ENOENT, errno);
	}
	C_EQ(-ENOENT, sim_importer_use(fd, 1, &ii));
	C_EQ(-ENOENT, sim_importer_op(fd, DMEM_SIM_IOC_IMPORTER_ACK, 1));

	/* Root's file is out of reach through /proc. */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", a->root_pid, a->root_fd);
	C_EQ(-1, open(path, O_RDWR));
	C_EQ(EACCES, errno);

	/*
	 * Passed on purpose, root's file gives access to root's buffers,
	 * and what is allocated through it is charged to root's owner (r).
	 */
	rfd = recv_fd(a->sock);
	C_EQ(1, rfd >= 0);
	C_EQ(0, sim_verify(rfd, a->h[1], MiB, 41));
	C_EQ(0, sim_alloc(rfd, self->name, MiB, 0, &other));
	C_EQ(4 * MiB, cg_region_value(self->r, "dmem.current", self->cgname));
	C_EQ(MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	C_EQ(0, sim_op(rfd, DMEM_SIM_IOC_FREE, other));
	C_EQ(3 * MiB, cg_region_value(self->r, "dmem.current", self->cgname));
	/* A passed dma-buf: its pinned importer pins for root's owner. */
	dmabuf = recv_fd(a->sock);
	C_EQ(1, dmabuf >= 0);
	C_EQ(0, sim_import(fd, dmabuf, DMEM_SIM_IMPORT_PINNED,
			   DMEM_SIM_ACK_PROMPT, 0, &id));
	C_EQ(MiB, cg_region_value(self->r, "dmem.pinned.current", self->cgname));
	C_EQ(0, cg_region_value(self->d, "dmem.pinned.current", self->cgname));
	C_EQ(0, sim_importer_op(fd, DMEM_SIM_IOC_IMPORTER_DETACH, id));
	close(dmabuf);
	close(rfd);
	C_EQ(0, sim_verify(fd, own, MiB, 77));
	close(fd);
	return 0;
}

TEST_F(priv, buffers_are_reached_through_their_file)
{
	struct owner_args a = { .self = &self->e, .root_pid = getpid() };
	int sv[2], rfd, dmabuf, status, i;
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
		if (cg_enter(self->e.d) || drop_privileges())
			_exit(100);
		_exit(nobody_others_buffers(&a));
	}
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], rfd));
	dmabuf = sim_export(rfd, a.h[2]);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, send_fd(sv[0], dmabuf));
	close(dmabuf);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", sh->msg);
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

	C_EQ(1, fd >= 0);
	C_EQ(0, sim_alloc(fd, self->name, 2 * MiB, 0, &h));
	C_EQ(0, sim_owner(fd, &oi));
	C_EQ(getpid(), oi.tgid);
	C_EQ(2 * MiB, oi.resident);
	C_EQ(2 * MiB, cg_region_value(self->d, "dmem.current", self->cgname));
	C_EQ(0, cg_region_value(self->r, "dmem.current", self->cgname));
	C_EQ(2 * MiB, cg_region_value(self->top, "dmem.current", self->cgname));
	/*
	 * Beyond d's 8M max, whatever root's cgroups allow: refused, after
	 * evicting what it could inside d (its own 2M, maybe).
	 */
	C_EQ(-ENOMEM, sim_alloc(fd, self->name, 9 * MiB, 0, &b));
	C_EQ(sim_state(fd, h) == DMEM_SIM_STATE_RESIDENT ? 2 * MiB : 0,
	     cg_region_value(self->d, "dmem.current", self->cgname));
	C_EQ(0, cg_region_value(self->r, "dmem.current", self->cgname));
	close(fd);
	return 0;
}

TEST_F(priv, unprivileged_owner_charged_to_its_cgroup)
{
	EXPECT_EQ(0, as_nobody(self->e.d, nobody_charged_to_own_cgroup, &self->e))
		TH_LOG("%s", sh->msg);
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
	struct dmem_sim_importer_info ii;
	int fd = sim_open(), dmabuf;
	char cmd;
	__u32 id;

	C_EQ(1, fd >= 0);
	dmabuf = recv_fd(a->sock);
	C_EQ(1, dmabuf >= 0);
	C_EQ(0, sim_import(fd, dmabuf, DMEM_SIM_IMPORT_PINNED,
			   DMEM_SIM_ACK_MANUAL, 0, &id));
	C_EQ(1, write(a->sock, "i", 1));
	C_EQ(1, read(a->sock, &cmd, 1));
	/* The revoke reached it, and it was not acknowledged. */
	C_EQ(-ENODEV, sim_importer_use(fd, id, &ii));
	C_EQ(DMEM_SIM_IMPORTER_REVOKED, ii.state);
	C_EQ(1, ii.revoke_notifies);
	C_EQ(0, ii.acks);
	C_EQ('a', cmd);
	C_EQ(0, sim_importer_op(fd, DMEM_SIM_IOC_IMPORTER_ACK, id));
	C_EQ(1, write(a->sock, "k", 1));
	C_EQ(1, read(a->sock, &cmd, 1));
	C_EQ('q', cmd);
	C_EQ(0, sim_importer_op(fd, DMEM_SIM_IOC_IMPORTER_DETACH, id));
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

	C_EQ(1, fd >= 0);
	C_EQ(0, sim_alloc(fd, a->region, 2 * MiB, DMEM_SIM_ALLOC_PINNED, &y));
	t0 = now_ms();
	C_EQ(-ENOMEM, sim_alloc(fd, a->region, 2 * MiB, 0, &z));
	ms = now_ms() - t0;
	/* It waited the 300 ms for the acknowledgment (VM clocks: -20%). */
	C_EQ(1, ms >= 240);
	C_EQ(1, write(a->sock, "f", 1));
	C_EQ(1, read(a->sock, &cmd, 1));
	/* After the late ack the memory is free. */
	C_EQ(0, sim_alloc(fd, a->region, 2 * MiB, 0, &z));
	close(fd);
	return 0;
}

static pid_t spawn_nobody(const char *cg, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (!pid) {
		if (cg && cg_enter(cg))
			_exit(100);
		if (drop_privileges())
			_exit(101);
		_exit(fn(arg));
	}
	return pid;
}

TEST_F(priv, never_acking_importer_keeps_its_memory)
{
	char name[DMEM_SIM_NAME_LEN], cgname[DMEM_SIM_NAME_LEN + 4], c;
	struct never_args na;
	struct filler_args fa;
	struct dmem_sim_region_info ri;
	struct dmem_sim_buf_info bi;
	int isv[2], fsv[2], ofd, dmabuf, status, i;
	long long end;
	unsigned char *map;
	pid_t imp, fill;
	long long t0;
	__u32 x, pins;

	sim_unique_name(name, "never");
	sim_cg_name(cgname, name);
	ASSERT_EQ(0, sim_region_create(self->e.fd, name, 4 * MiB));
	ASSERT_EQ(0, sim_policy(name, "soft timeout_ms=300"));
	ASSERT_EQ(0, cg_enter(self->e.r));
	ofd = sim_open();
	ASSERT_LE(0, ofd);
	ASSERT_EQ(0, cg_enter(""));
	ASSERT_EQ(0, sim_alloc(ofd, name, 2 * MiB, 0, &x));
	ASSERT_EQ(0, sim_fill(ofd, x, 2 * MiB, 9));
	map = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, ofd, DMEM_SIM_MMAP_OFFSET(x));
	ASSERT_NE(MAP_FAILED, map);
	dmabuf = sim_export(ofd, x);
	ASSERT_LE(0, dmabuf);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, isv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fsv));
	na.sock = isv[1];
	imp = spawn_nobody(self->e.d, nobody_never_acks, &na);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, send_fd(isv[0], dmabuf));
	close(dmabuf);
	ASSERT_EQ(1, read(isv[0], &c, 1));
	ASSERT_EQ('i', c);
	ASSERT_EQ(DMEM_SIM_STATE_RESIDENT, sim_state(ofd, x));

	fa.region = name;
	fa.sock = fsv[1];
	fill = spawn_nobody(self->e.d, nobody_fills, &fa);
	ASSERT_LE(0, fill);
	ASSERT_EQ(1, read(fsv[0], &c, 1));
	ASSERT_EQ('f', c);

	/* The revoke is parked: x keeps its device pages and its charge. */
	ASSERT_EQ(0, sim_region_info(self->e.fd, name, &ri));
	EXPECT_EQ(4 * MiB, (long long)ri.used);
	EXPECT_EQ(1, (long long)ri.parked);
	EXPECT_EQ(1, (long long)ri.revoke_timeouts);
	EXPECT_EQ(2, (long long)ri.buffers);	/* the failed one is gone */
	ASSERT_EQ(0, sim_info(ofd, x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, (int)bi.state);
	EXPECT_EQ(0, (long long)bi.evictions);	/* never moved */
	EXPECT_EQ(2 * MiB, cg_region_value(self->e.r, "dmem.current", cgname));
	EXPECT_EQ(2 * MiB, cg_region_value(self->e.d, "dmem.current", cgname));
	/* The bytes the importer maps are the ones the owner maps: intact. */
	for (i = 0; i < 2 * MiB; i += 997)
		if (map[i] != (unsigned char)(9 * 131 + i * 7 + (i >> 12)))
			break;
	EXPECT_EQ(2 * MiB / 997 * 997 + 997, i);
	EXPECT_EQ(0, sim_verify(ofd, x, 2 * MiB, 9));
	EXPECT_EQ(0, (long long)bi.evictions);
	/*
	 * The importer can keep the owner from using x, but not hang it: a
	 * use of a buffer whose revoke is parked fails at once.
	 */
	pins = bi.pins;
	t0 = now_ms();
	EXPECT_EQ(-EBUSY, sim_op(ofd, DMEM_SIM_IOC_TOUCH, x));
	EXPECT_EQ(-EBUSY, sim_op(ofd, DMEM_SIM_IOC_PIN, x));
	EXPECT_GT(200, now_ms() - t0);
	ASSERT_EQ(0, sim_info(ofd, x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKING, (int)bi.state);
	EXPECT_EQ(pins, bi.pins);

	/* The late ack completes the revoke: now the memory moves. */
	ASSERT_EQ(1, write(isv[0], "a", 1));
	ASSERT_EQ(1, read(isv[0], &c, 1));
	ASSERT_EQ('k', c);
	end = now_ms() + 5000;
	while (sim_state(ofd, x) != DMEM_SIM_STATE_REVOKED && now_ms() < end)
		sleep_ms(10);
	ASSERT_EQ(0, sim_info(ofd, x, &bi));
	EXPECT_EQ(DMEM_SIM_STATE_REVOKED, (int)bi.state);
	EXPECT_EQ(1, (long long)bi.evictions);
	ASSERT_EQ(0, sim_region_info(self->e.fd, name, &ri));
	EXPECT_EQ(2 * MiB, (long long)ri.used);
	EXPECT_EQ(0, (long long)ri.parked);
	EXPECT_EQ(0, cg_region_value(self->e.r, "dmem.current", cgname));
	EXPECT_EQ(0, sim_verify(ofd, x, 2 * MiB, 9));
	EXPECT_EQ(0, map[4096] != (unsigned char)(9 * 131 + 4096 * 7 + 1));

	ASSERT_EQ(1, write(fsv[0], "g", 1));
	ASSERT_EQ(fill, waitpid(fill, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("filler: %s", sh->msg);
	ASSERT_EQ(1, write(isv[0], "q", 1));
	ASSERT_EQ(imp, waitpid(imp, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("importer: %s", sh->msg);
	munmap(map, 2 * MiB);
	close(ofd);
	EXPECT_EQ(0, sim_region_destroy(self->e.fd, name));
	sh->ops += 27;
}

static void __attribute__((constructor)) shared_init(void)
{
	sh = mmap(NULL, 2 * sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		abort();
	totals = sh + 1;
}

/* Once, in the harness's process, after every test. */
static void __attribute__((destructor)) totals_print(void)
{
	printf("# reliability: name=privilege ops=%lld mismatches=%lld errors=%lld\n",
	       totals->ops, totals->mismatches, totals->errors);
}

TEST_HARNESS_MAIN
