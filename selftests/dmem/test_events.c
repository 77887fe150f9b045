// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem.events and dmem.events.local: exact counts of max events, local to
 * the limiting cgroup and summed up the tree, and poll()/inotify wakeups
 * when they change.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"

static const char *const tree[] = { "a", "a/b", NULL };

FIXTURE(events) {
	char top[64];
	char a[128];
	char b[128];
	int fd;
};

FIXTURE_SETUP(events)
{
	child_reset();
	self->fd = -1;
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_events", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	snprintf(self->b, sizeof(self->b), "%s/a/b", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 1000"));
}

FIXTURE_TEARDOWN(events)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

TEST_F(events, max_counts)
{
	static const char *const keys[] = {
		"low", "pin_max", "evict", "revoke", "enomem",
	};
	unsigned int i;
	int n;

	ASSERT_EQ(0, cg_enter(self->b));
	EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", VRAM0, "max"));
	for (n = 1; n <= 3; n++) {
		EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1001));
		EXPECT_EQ(n, cg_region_key(self->a, "dmem.events.local", VRAM0, "max"));
		EXPECT_EQ(n, cg_region_key(self->a, "dmem.events", VRAM0, "max"));
		EXPECT_EQ(n, cg_region_key(self->top, "dmem.events", VRAM0, "max"));
		EXPECT_EQ(0, cg_region_key(self->top, "dmem.events.local", VRAM0, "max"));
		EXPECT_EQ(0, cg_region_key(self->b, "dmem.events", VRAM0, "max"));
		EXPECT_EQ(0, cg_region_key(self->b, "dmem.events.local", VRAM0, "max"));
	}
	/* A charge that fits counts nothing. */
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1000));
	EXPECT_EQ(3, cg_region_key(self->a, "dmem.events", VRAM0, "max"));

	/* A limit on b itself counts there, and in a's subtree total. */
	ASSERT_EQ(0, cg_write(self->b, "dmem.max", VRAM0 " 1000"));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1));
	EXPECT_EQ(1, cg_region_key(self->b, "dmem.events.local", VRAM0, "max"));
	EXPECT_EQ(3, cg_region_key(self->a, "dmem.events.local", VRAM0, "max"));
	EXPECT_EQ(4, cg_region_key(self->a, "dmem.events", VRAM0, "max"));

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		EXPECT_EQ(0, cg_region_key(self->a, "dmem.events", VRAM0, keys[i]));
}

/* A child charges over a's limit after a moment: one max event. */
static int charge_late(void *cg)
{
	int fd = st_open();

	CHILD_TRUE(fd >= 0);
	CHILD_EQ(0, cg_enter(cg));
	usleep(300000);
	CHILD_EQ(-EAGAIN, st_cmd(fd, "charge", VRAM0, 1001));
	return 0;
}

static pid_t charge_later(const char *cg)
{
	return child_start(NULL, false, charge_late, (void *)cg);
}

TEST_F(events, poll_wakes_on_max)
{
	char path[512], buf[512];
	struct pollfd pfd;
	pid_t pid;

	cg_path(path, sizeof(path), self->a, "dmem.events");
	pfd.fd = open(path, O_RDONLY);
	ASSERT_LE(0, pfd.fd);
	ASSERT_LT(0, read(pfd.fd, buf, sizeof(buf)));
	pfd.events = POLLPRI;

	/* Nothing happened yet. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	pid = charge_later(self->b);
	ASSERT_LT(0, pid);
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_TRUE(pfd.revents & POLLPRI);
	EXPECT_CHILD_OK(pid);

	ASSERT_EQ(0, lseek(pfd.fd, 0, SEEK_SET));
	ASSERT_LT(0, read(pfd.fd, buf, sizeof(buf)));
	EXPECT_EQ(1, cg_region_key(self->a, "dmem.events", VRAM0, "max"));
	close(pfd.fd);
}

TEST_F(events, inotify_on_local_and_subtree)
{
	char path[512];
	union {
		struct inotify_event ev;
		char buf[4096];
	} u;
	int seen_local = 0, seen_top = 0, tries;
	struct pollfd pfd;
	int wd_local, wd_top;
	pid_t pid;

	pfd.fd = inotify_init1(IN_NONBLOCK);
	ASSERT_LE(0, pfd.fd);
	cg_path(path, sizeof(path), self->a, "dmem.events.local");
	wd_local = inotify_add_watch(pfd.fd, path, IN_MODIFY);
	ASSERT_LE(0, wd_local);
	cg_path(path, sizeof(path), self->top, "dmem.events");
	wd_top = inotify_add_watch(pfd.fd, path, IN_MODIFY);
	ASSERT_LE(0, wd_top);
	pfd.events = POLLIN;

	pid = charge_later(self->b);
	ASSERT_LT(0, pid);
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_CHILD_OK(pid);

	/* Both files were modified: collect until both have reported. */
	for (tries = 0; tries < 100 && !(seen_local && seen_top); tries++) {
		ssize_t n = read(pfd.fd, u.buf, sizeof(u.buf));
		char *p = u.buf;

		if (n <= 0) {
			usleep(20000);
			continue;
		}
		while (p < u.buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;

			seen_local |= ev->wd == wd_local;
			seen_top |= ev->wd == wd_top;
			p += sizeof(*ev) + ev->len;
		}
	}
	EXPECT_TRUE(seen_local);
	EXPECT_TRUE(seen_top);
	close(pfd.fd);
}

TEST_HARNESS_MAIN
