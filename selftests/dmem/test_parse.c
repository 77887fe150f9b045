// SPDX-License-Identifier: GPL-2.0-only
/*
 * Malformed writes to every writable dmem file: each is rejected with the
 * exact errno and leaves every dmem file of the cgroup, its parent and the
 * root byte-for-byte unchanged. Also the accepted multi-line forms. (A
 * write of zero bytes never reaches the file: write(2) returns 0.)
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "dmem_util.h"

static const char *const tree[] = { "a", NULL };

static const struct {
	const char *text;
	int err;
} bad_values[] = {
	{ VRAM0 " 0b101", -EINVAL },
	{ "\n", -EINVAL },
	{ "\t\n\n", -EINVAL },
	{ VRAM0, -EINVAL },
	{ VRAM0 "\n", -EINVAL },
	{ VRAM0 " ", -EINVAL },
	{ VRAM0 "\t", -EINVAL },
	{ VRAM0 " -1", -EINVAL },
	{ VRAM0 " -4096", -EINVAL },
	{ VRAM0 " +1", -EINVAL },
	{ VRAM0 " 1x", -EINVAL },
	{ VRAM0 " 1KB", -EINVAL },
	{ VRAM0 " 1KiB", -EINVAL },
	{ VRAM0 " 1P", -EINVAL },
	{ VRAM0 " 1E", -EINVAL },
	{ VRAM0 " 1.5M", -EINVAL },
	{ VRAM0 " 1,5M", -EINVAL },
	{ VRAM0 " 1e6", -EINVAL },
	{ VRAM0 " 0x10", -EINVAL },
	{ VRAM0 " K", -EINVAL },
	{ VRAM0 " M1", -EINVAL },
	{ VRAM0 " MAX", -EINVAL },
	{ VRAM0 " Max", -EINVAL },
	{ VRAM0 " maxx", -EINVAL },
	{ VRAM0 " max1", -EINVAL },
	{ VRAM0 " 1 2", -EINVAL },
	{ VRAM0 " 1M junk", -EINVAL },
	{ VRAM0 " 1M 1M", -EINVAL },
	{ VRAM0 " 2251799813685248", -EINVAL },
	{ VRAM0 " 18446744073709551615", -EINVAL },
	{ VRAM0 " 18446744073709551616", -EINVAL },
	{ VRAM0 " 99999999999999999999999999999", -EINVAL },
	{ VRAM0 " 2048T", -EINVAL },
	{ VRAM0 " 2097152G", -EINVAL },
	{ VRAM0 " 4096\n" VRAM0 " junk", -EINVAL },
	{ VRAM0 " 4096\n" VRAM0, -EINVAL },
	{ VRAM0 " 4096\nbogus", -EINVAL },
	{ VRAM0 " 4096\n4096", -EINVAL },
	{ VRAM0 "=4096", -EINVAL },
	{ VRAM0 ":4096", -EINVAL },
	{ "4096", -EINVAL },
	{ "4096 " VRAM0, -EINVAL },
	{ "max", -EINVAL },
	{ VRAM0 " \"1M\"", -EINVAL },
	{ VRAM0 " 1M\n" VRAM0 " -1\n", -EINVAL },
	{ VRAM0 " 1M\n\n" VRAM0 " 1M 2M\n", -EINVAL },
	{ "selftest/nosuch 1M", -ENODEV },
	{ "selftest/VRAM0 1M", -ENODEV },
	{ "selftest/vram00 1M", -ENODEV },
	{ "selftest/vram 1M", -ENODEV },
	{ "vram0 1M", -ENODEV },
	{ VRAM0 " 1M\nselftest/nosuch 1M", -ENODEV },
};

static const struct {
	const char *text;
	int err;
} bad_policies[] = {
	{ VRAM0 " strict,soft", -EINVAL },
	{ VRAM0, -EINVAL },
	{ VRAM0 " hard", -EINVAL },
	{ VRAM0 " SOFT", -EINVAL },
	{ VRAM0 " soft strict", -EINVAL },
	{ VRAM0 " soft soft", -EINVAL },
	{ VRAM0 " timeout_ms=0", -EINVAL },
	{ VRAM0 " timeout_ms=600001", -EINVAL },
	{ VRAM0 " timeout_ms=", -EINVAL },
	{ VRAM0 " timeout_ms=1x", -EINVAL },
	{ VRAM0 " timeout_ms=-1", -EINVAL },
	{ VRAM0 " timeout_ms=+5", -EINVAL },
	{ VRAM0 " timeout_ms=1 timeout_ms=2", -EINVAL },
	{ VRAM0 " soft timeout_ms=5 junk", -EINVAL },
	{ VRAM0 " strict\n" VRAM0 " bogus", -EINVAL },
	{ VRAM0 " 1M", -EINVAL },
	{ "selftest/nosuch soft", -ENODEV },
	{ VRAM0 " strict\nselftest/nosuch soft", -ENODEV },
};

FIXTURE(parse) {
	char top[64];
	char a[128];
};

FIXTURE_SETUP(parse)
{
	ASSERT_EQ(0, cg_setup_tree(self->top, sizeof(self->top), "dmt_parse", tree));
	snprintf(self->a, sizeof(self->a), "%s/a", self->top);
	/* Values that differ from the defaults, to see any change. */
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 3M"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.min", VRAM0 " 4097"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.low", VRAM0 " 8193"));
	ASSERT_EQ(0, cg_write(self->a, "dmem.pinned.max", VRAM0 " 12289"));
	ASSERT_EQ(0, cg_write(self->top, "dmem.max", VRAM0 " 5M"));
}

FIXTURE_TEARDOWN(parse)
{
	cg_write("", "dmem.policy", VRAM0 " soft timeout_ms=1000");
	cg_cleanup_tree(self->top);
}

#define SNAP_SIZE	4096

struct snapshot {
	char files[ARRAY_SIZE(dmem_cg_files) * 2 + ARRAY_SIZE(dmem_root_files)][SNAP_SIZE];
};

static void snap(struct snapshot *s, const char *a, const char *top)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(dmem_cg_files); i++)
		cg_read(a, dmem_cg_files[i], s->files[n++], SNAP_SIZE);
	for (i = 0; i < ARRAY_SIZE(dmem_cg_files); i++)
		cg_read(top, dmem_cg_files[i], s->files[n++], SNAP_SIZE);
	for (i = 0; i < ARRAY_SIZE(dmem_root_files); i++)
		cg_read("", dmem_root_files[i], s->files[n++], SNAP_SIZE);
}

static int snap_equal(const struct snapshot *x, const struct snapshot *y)
{
	return !memcmp(x, y, sizeof(*x));
}

TEST_F(parse, malformed_limits_rejected)
{
	static const char *const files[] = {
		"dmem.max", "dmem.min", "dmem.low", "dmem.pinned.max",
	};
	static struct snapshot before, after;
	unsigned int f, i, writes = 0;

	memset(&before, 0, sizeof(before));
	snap(&before, self->a, self->top);
	for (f = 0; f < ARRAY_SIZE(files); f++) {
		for (i = 0; i < ARRAY_SIZE(bad_values); i++) {
			EXPECT_EQ(bad_values[i].err,
				  cg_write(self->a, files[f], bad_values[i].text))
				TH_LOG("%s: \"%s\"", files[f], bad_values[i].text);
			memset(&after, 0, sizeof(after));
			snap(&after, self->a, self->top);
			EXPECT_TRUE(snap_equal(&before, &after))
				TH_LOG("%s changed by \"%s\"", files[f], bad_values[i].text);
			writes++;
		}
	}
	EXPECT_EQ(208U, writes);
	EXPECT_EQ(3 * 1024 * 1024, cg_region_value(self->a, "dmem.max", VRAM0));
	EXPECT_EQ(4097, cg_region_value(self->a, "dmem.min", VRAM0));
	EXPECT_EQ(8193, cg_region_value(self->a, "dmem.low", VRAM0));
	EXPECT_EQ(12289, cg_region_value(self->a, "dmem.pinned.max", VRAM0));
}

TEST_F(parse, malformed_policies_rejected)
{
	static struct snapshot before, after;
	unsigned int i;

	memset(&before, 0, sizeof(before));
	snap(&before, self->a, self->top);
	for (i = 0; i < ARRAY_SIZE(bad_policies); i++) {
		EXPECT_EQ(bad_policies[i].err,
			  cg_write("", "dmem.policy", bad_policies[i].text))
			TH_LOG("\"%s\"", bad_policies[i].text);
		memset(&after, 0, sizeof(after));
		snap(&after, self->a, self->top);
		EXPECT_TRUE(snap_equal(&before, &after))
			TH_LOG("changed by \"%s\"", bad_policies[i].text);
	}
}

TEST_F(parse, read_only_files_refuse_writes)
{
	static const char *const ro[] = {
		"dmem.current", "dmem.peak", "dmem.pinned.current",
		"dmem.events", "dmem.events.local", "dmem.stat",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		int err = cg_write(self->a, ro[i], VRAM0 " 1M");

		EXPECT_TRUE(err == -EACCES || err == -EINVAL || err == -EPERM)
			TH_LOG("%s: %d", ro[i], err);
	}
	EXPECT_EQ(0, cg_region_value(self->a, "dmem.current", VRAM0));
}

TEST_F(parse, accepted_forms)
{
	char buf[256];

	/* Suffixes either case, surrounding blanks, trailing newline. */
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", "  " VRAM0 " \t 75k\n"));
	EXPECT_EQ(76800, cg_region_value(self->a, "dmem.max", VRAM0));
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 2g"));
	EXPECT_EQ(2147483648LL, cg_region_value(self->a, "dmem.max", VRAM0));
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 1T"));
	EXPECT_EQ(1099511627776LL, cg_region_value(self->a, "dmem.max", VRAM0));
	/* The largest value is "max". */
	ASSERT_EQ(0, cg_write(self->a, "dmem.max", VRAM0 " 2251799813685247"));
	EXPECT_EQ(DMEM_MAX, cg_region_value(self->a, "dmem.max", VRAM0));
	/* Several lines, blank ones skipped, the last one for a region wins. */
	ASSERT_EQ(0, cg_write(self->a, "dmem.min", "\n" VRAM0 " 1\n\n" VRAM0 " 4095\n"));
	EXPECT_EQ(4095, cg_region_value(self->a, "dmem.min", VRAM0));

	ASSERT_EQ(0, cg_write("", "dmem.policy", VRAM0 " strict timeout_ms=250"));
	ASSERT_LT(0, cg_read("", "dmem.policy", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, VRAM0 " strict timeout_ms=250\n"));
	ASSERT_EQ(0, cg_write("", "dmem.policy", VRAM0 " soft"));
	ASSERT_LT(0, cg_read("", "dmem.policy", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, VRAM0 " soft timeout_ms=250\n"));
	ASSERT_EQ(0, cg_write("", "dmem.policy", VRAM0 " timeout_ms=1000"));
	ASSERT_LT(0, cg_read("", "dmem.policy", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, VRAM0 " soft timeout_ms=1000\n"));
}

TEST_HARNESS_MAIN
