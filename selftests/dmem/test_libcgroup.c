// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real cgroup-tools (libcgroup) binaries of the host, run inside the
 * VM with chroot /host against the guest's cgroupfs: cgset sets dmem
 * limits, cgget reads them and dmem.current, and a bad value makes cgset
 * fail without changing anything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

#define HOST	"/host"

static const char *const tree[] = { "a", NULL };

FIXTURE(libcgroup) {
	char top[64];
	char a[128];
	int fd;
};

FIXTURE_SETUP(libcgroup)
{
	self->fd = -1;
	ASSERT_EQ(0, access(HOST "/usr/bin/cgset", X_OK))
		TH_LOG("cgroup-tools missing on the host (apt-get install cgroup-tools)");
	ASSERT_EQ(0, access(HOST "/usr/bin/cgget", X_OK));
	ASSERT_EQ(0, access(HOST CG_ROOT "/cgroup.controllers", R_OK))
		TH_LOG("the guest's cgroupfs is not visible under " HOST);
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_libcg", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(libcgroup)
{
	if (self->fd >= 0)
		close(self->fd);
	cg_cleanup_tree(self->top);
}

/* Runs @cmd in the host's root; its exit status and stdout. */
static int host_run(const char *cmd, char *out, size_t len)
{
	char full[1024];
	size_t n = 0;
	FILE *p;
	int status;

	snprintf(full, sizeof(full), "chroot " HOST " %s 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = '\0';
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(libcgroup, cgset_sets_limits)
{
	char cmd[512], out[1024];

	snprintf(cmd, sizeof(cmd), "cgset -r 'dmem.max=" VRAM0 " 1M' %s", self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(1048576, cg_region_value(self->a, "dmem.max", VRAM0));

	snprintf(cmd, sizeof(cmd), "cgset -r 'dmem.low=" VRAM0 " 4097' %s", self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(4097, cg_region_value(self->a, "dmem.low", VRAM0));

	snprintf(cmd, sizeof(cmd), "cgset -r 'dmem.pinned.max=" VRAM0 " 75K' %s",
		 self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(76800, cg_region_value(self->a, "dmem.pinned.max", VRAM0));

	/* A bad value fails and changes nothing. */
	snprintf(cmd, sizeof(cmd), "cgset -r 'dmem.max=" VRAM0 " junk' %s", self->a);
	EXPECT_NE(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(1048576, cg_region_value(self->a, "dmem.max", VRAM0));
}

TEST_F(libcgroup, cgget_reads_values)
{
	char cmd[512], out[1024];

	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 2M"));
	ASSERT_EQ(0, cg_enter(self->a));
	ASSERT_EQ(0, st_cmd(self->fd, "charge", VRAM0, 4097));

	snprintf(cmd, sizeof(cmd), "cgget -n -v -r dmem.current %s", self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, VRAM0 " 4097")) TH_LOG("cgget: %s", out);

	snprintf(cmd, sizeof(cmd), "cgget -n -v -r dmem.max %s", self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, VRAM0 " 2097152")) TH_LOG("cgget: %s", out);

	/* The long form names the cgroup and the file. */
	snprintf(cmd, sizeof(cmd), "cgget -r dmem.current %s", self->a);
	EXPECT_EQ(0, host_run(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, "dmem.current: " VRAM0 " 4097")) TH_LOG("cgget: %s", out);
}

TEST_HARNESS_MAIN
