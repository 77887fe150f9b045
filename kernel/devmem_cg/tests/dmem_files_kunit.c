// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the dmem.* file formats: the value and line parsers, the
 * round trip of every file through the controller's write and show paths,
 * and the all-or-nothing rule of multi-line writes. They use the root
 * cgroup's state and regions of their own, unregistered at the end.
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "../dmem_test.h"

static const struct dmem_cgroup_init init_0 = { .size = 0 };
static const struct dmem_cgroup_init init_1 = { .size = 1 };
static const struct dmem_cgroup_init init_2 = { .size = 2 };
static const struct dmem_cgroup_init init_4097 = { .size = 4097 };
static const struct dmem_cgroup_init init_1g = { .size = SZ_1G };

struct dmem_files_ctx {
	struct dmem_cgroup_region *r0;
	struct dmem_cgroup_region *r1;
};

static int dmem_files_init(struct kunit *test)
{
	struct dmem_files_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->r0 = dmem_cgroup_register_region(&init_1g, "kunit/files%d", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(ctx->r0));
	ctx->r1 = dmem_cgroup_register_region(&init_4097, "kunit/files%d", 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(ctx->r1));
	test->priv = ctx;
	return 0;
}

static void dmem_files_exit(struct kunit *test)
{
	struct dmem_files_ctx *ctx = test->priv;

	dmem_cgroup_unregister_region(ctx->r0);
	dmem_cgroup_unregister_region(ctx->r1);
}

/* The line one region contributes to a file, newline included. */
static const char *show(struct kunit *test, struct dmem_cgroup_region *region,
			enum dmem_file type)
{
	return dmem_test_kunit_show_root(test, region, type);
}

static ssize_t write(struct kunit *test, const char *text, enum dmem_file type)
{
	char *buf = kunit_kstrdup(test, text, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return dmem_test_write_root(buf, type);
}

static void dmem_files_parse_value(struct kunit *test)
{
	static const struct {
		const char *str;
		int ret;
		u64 value;
	} cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "4095", 0, 4095 },
		{ "4097", 0, 4097 },
		{ "76801", 0, 76801 },
		{ "1k", 0, 1024 },
		{ "75K", 0, 76800 },
		{ "1m", 0, 1 << 20 },
		{ "3M", 0, 3 << 20 },
		{ "2G", 0, 2ULL << 30 },
		{ "1t", 0, 1ULL << 40 },
		{ "2047T", 0, 2047ULL << 40 },
		{ "007", 0, 7 },
		{ "max", 0, DMEM_VALUE_MAX },
		{ "2251799813685247", 0, DMEM_VALUE_MAX },
		{ "2251799813685248", -EINVAL },
		{ "2048T", -EINVAL },
		{ "18446744073709551616", -EINVAL },
		{ "99999999999999999999999", -EINVAL },
		{ "-1", -EINVAL },
		{ "+1", -EINVAL },
		{ "", -EINVAL },
		{ " 1", -EINVAL },
		{ "1 ", -EINVAL },
		{ "1KB", -EINVAL },
		{ "1P", -EINVAL },
		{ "1.5M", -EINVAL },
		{ "0x10", -EINVAL },
		{ "K", -EINVAL },
		{ "MAX", -EINVAL },
		{ "maxx", -EINVAL },
		{ "1 2", -EINVAL },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 value = 12345;
		int ret = dmem_parse_value(cases[i].str, &value);

		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].ret, "\"%s\"", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, value, ret ? 12345 : cases[i].value,
				    "\"%s\"", cases[i].str);
	}
}

static void dmem_files_parse_line(struct kunit *test)
{
	char *region, *args;
	char *line;

	line = kunit_kstrdup(test, "  sim/vram0 \t 1M  ", GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, dmem_parse_line(line, &region, &args), 0);
	KUNIT_EXPECT_STREQ(test, region, "sim/vram0");
	KUNIT_EXPECT_STREQ(test, args, "1M");

	line = kunit_kstrdup(test, "drm/0000:03:00.0/vram0 max", GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, dmem_parse_line(line, &region, &args), 0);
	KUNIT_EXPECT_STREQ(test, region, "drm/0000:03:00.0/vram0");
	KUNIT_EXPECT_STREQ(test, args, "max");

	line = kunit_kstrdup(test, " \t ", GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, dmem_parse_line(line, &region, &args), -ENOENT);
	line = kunit_kstrdup(test, "sim/vram0", GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, dmem_parse_line(line, &region, &args), -EINVAL);
	line = kunit_kstrdup(test, "sim/vram0   ", GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, dmem_parse_line(line, &region, &args), -EINVAL);
}

static void dmem_files_defaults(struct kunit *test)
{
	struct dmem_files_ctx *ctx = test->priv;

	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_CAPACITY),
			   "kunit/files0 1073741824\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r1, DMEM_FILE_CAPACITY),
			   "kunit/files1 4097\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_CURRENT),
			   "kunit/files0 0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MIN),
			   "kunit/files0 0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_LOW),
			   "kunit/files0 0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MAX),
			   "kunit/files0 max\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_PEAK),
			   "kunit/files0 0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_PINNED_CURRENT),
			   "kunit/files0 0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_PINNED_MAX),
			   "kunit/files0 max\n");
	/*
	 * The controller's own keys; the eviction layer's follow them
	 * (dmem_evict_files checks those).
	 */
	KUNIT_EXPECT_TRUE(test, str_has_prefix(show(test, ctx->r0, DMEM_FILE_EVENTS),
					       "kunit/files0 low=0 max=0 pin_max=0"));
	KUNIT_EXPECT_TRUE(test, str_has_prefix(show(test, ctx->r0, DMEM_FILE_EVENTS_LOCAL),
					       "kunit/files0 low=0 max=0 pin_max=0"));
	KUNIT_EXPECT_TRUE(test, str_has_prefix(show(test, ctx->r0, DMEM_FILE_STAT),
					       "kunit/files0 current=0 pinned=0"));
}

static void dmem_files_round_trip(struct kunit *test)
{
	static const enum dmem_file limits[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX, DMEM_FILE_PINNED_MAX,
	};
	static const struct {
		const char *in;
		const char *out;
	} values[] = {
		{ "1", "1" },
		{ "4097", "4097" },
		{ "76801", "76801" },
		{ "1048577", "1048577" },
		{ "75K", "76800" },
		{ "1M", "1048576" },
		{ "4G", "4294967296" },
		{ "2T", "2199023255552" },
		{ "0", "0" },
		{ "max", "max" },
		{ "2251799813685247", "max" },
	};
	struct dmem_files_ctx *ctx = test->priv;
	char in[80], out[80];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		for (j = 0; j < ARRAY_SIZE(values); j++) {
			snprintf(in, sizeof(in), "kunit/files0 %s\n", values[j].in);
			snprintf(out, sizeof(out), "kunit/files0 %s\n", values[j].out);
			KUNIT_EXPECT_EQ(test, write(test, in, limits[i]), 0);
			KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, limits[i]),
					   out);
		}
		/* Back to the default. */
		KUNIT_EXPECT_EQ(test, write(test, limits[i] == DMEM_FILE_MAX ||
					    limits[i] == DMEM_FILE_PINNED_MAX ?
					    "kunit/files0 max" : "kunit/files0 0",
					    limits[i]), 0);
	}
}

static void dmem_files_multi_line(struct kunit *test)
{
	static const char *const bad[] = {
		"kunit/files0 1M\nkunit/files1 junk\n",
		"kunit/files0 1M\nkunit/files1 2M 3M\n",
		"kunit/files0 1M\nkunit/files1\n",
		"kunit/files0 1M\nkunit/files1 -1\n",
		"kunit/files0 1M\nkunit/files1 2251799813685248\n",
		"kunit/files0 1M\nkunit/files1 99999999999999999999T\n",
		"kunit/files0 1M\nkunit/files1 1M\n1M\n",
		"",
		"\n\n",
	};
	struct dmem_files_ctx *ctx = test->priv;
	int i;

	KUNIT_ASSERT_EQ(test, write(test, "kunit/files0 7\nkunit/files1 8",
				    DMEM_FILE_MAX), 0);
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MAX),
			   "kunit/files0 7\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r1, DMEM_FILE_MAX),
			   "kunit/files1 8\n");

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, write(test, bad[i], DMEM_FILE_MAX),
				    -EINVAL, "write %d", i);
		KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MAX),
				   "kunit/files0 7\n");
		KUNIT_EXPECT_STREQ(test, show(test, ctx->r1, DMEM_FILE_MAX),
				   "kunit/files1 8\n");
	}

	KUNIT_EXPECT_EQ(test, write(test, "kunit/files0 1M\nkunit/nosuch 1M\n",
				    DMEM_FILE_MAX), -ENODEV);
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MAX),
			   "kunit/files0 7\n");

	/*
	 * Blank lines are skipped, surrounding white space ignored (\x20 is
	 * a space), and a later line for a region wins.
	 */
	KUNIT_EXPECT_EQ(test, write(test,
				    "\n kunit/files0 1K\x20\n\t\nkunit/files1 max\nkunit/files0 2K\n",
				    DMEM_FILE_MAX), 0);
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r0, DMEM_FILE_MAX),
			   "kunit/files0 2048\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r1, DMEM_FILE_MAX),
			   "kunit/files1 max\n");
}

static void dmem_files_region_names(struct kunit *test)
{
	struct dmem_cgroup_region *region;

	KUNIT_EXPECT_NULL(test, dmem_cgroup_register_region(&init_0, "kunit/zero"));
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmem_cgroup_register_region(&init_1, "kunit/files0")),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmem_cgroup_register_region(&init_1, "kunit/a b")),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dmem_cgroup_register_region(&init_1, "%s", "")),
			-EINVAL);

	region = dmem_cgroup_register_region(&init_1, "drm/0000:03:00.0/vram%d", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	KUNIT_EXPECT_STREQ(test, dmem_cgroup_region_name(region),
			   "drm/0000:03:00.0/vram0");
	KUNIT_EXPECT_EQ(test, dmem_cgroup_region_size(region), 1);
	dmem_cgroup_unregister_region(region);

	/* Gone from lookups at once; the name can be registered again. */
	KUNIT_EXPECT_FALSE(test, dmem_test_region_registered("drm/0000:03:00.0/vram0"));
	region = dmem_cgroup_register_region(&init_2, "drm/0000:03:00.0/vram0");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	dmem_cgroup_unregister_region(region);
}

static struct kunit_case dmem_files_cases[] = {
	KUNIT_CASE(dmem_files_parse_value),
	KUNIT_CASE(dmem_files_parse_line),
	KUNIT_CASE(dmem_files_defaults),
	KUNIT_CASE(dmem_files_round_trip),
	KUNIT_CASE(dmem_files_multi_line),
	KUNIT_CASE(dmem_files_region_names),
	{}
};

static struct kunit_suite dmem_files_suite = {
	.name = "dmem_files",
	.init = dmem_files_init,
	.exit = dmem_files_exit,
	.test_cases = dmem_files_cases,
};

kunit_test_suite(dmem_files_suite);

MODULE_DESCRIPTION("KUnit tests of the dmem cgroup files");
MODULE_LICENSE("GPL");
