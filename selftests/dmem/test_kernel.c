// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM runs the project's kernel: its release carries the project's
 * LOCALVERSION and the dmem controller is offered by cgroup v2.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (int)n;
}

TEST(release_is_dmemcg)
{
	struct utsname u;
	const char *suffix = "-dmemcg";

	ASSERT_EQ(0, uname(&u));
	ASSERT_GT(strlen(u.release), strlen(suffix));
	EXPECT_STREQ(suffix, u.release + strlen(u.release) - strlen(suffix));
	EXPECT_EQ(0, strncmp(u.release, "6.12.", 5));
}

TEST(dmem_controller_offered)
{
	char buf[512];
	char *tok, *save;
	int found = 0;

	ASSERT_LT(0, read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)));
	for (tok = strtok_r(buf, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		found += !strcmp(tok, "dmem");
	EXPECT_EQ(1, found);
}

TEST(dmem_in_proc_cgroups)
{
	char buf[2048];
	char *line, *save;
	int found = 0;

	ASSERT_LT(0, read_file("/proc/cgroups", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		found += !strncmp(line, "dmem", 4) && line[4] == '\t';
	EXPECT_EQ(1, found);
}

TEST_HARNESS_MAIN
