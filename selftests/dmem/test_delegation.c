// SPDX-License-Identifier: GPL-2.0-only
/*
 * Delegation: an unprivileged user given a cgroup (its directory,
 * cgroup.procs, cgroup.subtree_control and cgroup.threads chowned to it)
 * cannot change its own dmem limits, which its parent's owner set, but
 * sets those of the children it creates; and those cannot lift the
 * delegated cgroup's limit.
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "child.h"
#include "dmem_util.h"

#define NOBODY	65534

FIXTURE(delegation) {
	char top[64];
	char child[128];
	int fd;
};

FIXTURE_SETUP(delegation)
{
	static const char *const files[] = {
		NULL, "cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
	};
	char path[512];
	unsigned int i;

	self->fd = -1;
	child_reset();
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_deleg", NULL));
	/* cg_setup_tree enabled dmem below top; the delegatee decides that. */
	ASSERT_EQ(0, cg_write(self->top, "cgroup.subtree_control", "-dmem"));
	snprintf(self->child, sizeof(self->child), "%s/child", self->top);
	ASSERT_EQ(0, cg_write(self->top, "dmem.max", VRAM0 " 1M"));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		cg_path(path, sizeof(path), self->top, files[i]);
		ASSERT_EQ(0, chown(path, NOBODY, NOBODY)) TH_LOG("%s", path);
	}
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(delegation)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

struct deleg_args {
	const char *top;
	const char *child;
};

/* The delegatee's side, as nobody. */
static int delegatee(void *p)
{
	const struct deleg_args *a = p;
	int err;

	err = cg_write(a->top, "dmem.max", VRAM0 " 2M");
	CHILD_TRUE(err == -EACCES || err == -EPERM);
	err = cg_write(a->top, "dmem.pinned.max", VRAM0 " 2M");
	CHILD_TRUE(err == -EACCES || err == -EPERM);
	CHILD_EQ(0, cg_create(a->child));
	CHILD_EQ(0, cg_write(a->top, "cgroup.subtree_control", "+dmem"));
	CHILD_EQ(0, cg_write(a->child, "dmem.max", VRAM0 " 2M"));
	CHILD_EQ(2 * 1024 * 1024, cg_region_value(a->child, "dmem.max", VRAM0));
	return 0;
}

TEST_F(delegation, limits_of_children_only)
{
	struct deleg_args a = { .top = self->top, .child = self->child };

	ASSERT_CHILD_OK(child_start(NULL, true, delegatee, &a));

	/* Nothing changed on top. */
	EXPECT_EQ(1048576, cg_region_value(self->top, "dmem.max", VRAM0));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->top, "dmem.pinned.max", VRAM0));

	/* The child's 2M does not lift top's 1M. */
	ASSERT_EQ(0, cg_enter(self->child));
	EXPECT_EQ(-EAGAIN, st_cmd(self->fd, "charge", VRAM0, 1048577));
	EXPECT_EQ(cg_id(self->top), st_limit_cgroup_id(self->fd));
	EXPECT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 1048576));
	EXPECT_EQ(1048576, cg_region_value(self->child, "dmem.current", VRAM0));
}

TEST_HARNESS_MAIN
