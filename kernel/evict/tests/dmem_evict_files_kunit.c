// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of what the eviction layer adds to the dmem.* files through
 * the controller's extension interface: the dmem.policy parser, the round
 * trip of dmem.policy through the controller's write and show paths, the
 * all-or-nothing rule of its multi-line writes, and the exact lines of
 * dmem.events and dmem.stat with the eviction layer's keys appended.
 */

#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "dmem_evict_kunit.h"

static const struct dmem_cgroup_init init_1m = { .size = SZ_1M };

/* Two regions of their own, "kunit/policy0" and "kunit/policy1". */
struct dmem_evict_files_ctx {
	struct dmem_cgroup_region *r[2];
};

static int dmem_evict_files_init(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	for (i = 0; i < ARRAY_SIZE(ctx->r); i++) {
		ctx->r[i] = dmem_cgroup_register_region(&init_1m, "kunit/policy%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(ctx->r[i]));
	}
	return 0;
}

/* Unregistering a region kills its pools, those of the counters case too. */
static void dmem_evict_files_exit(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx->r); i++)
		dmem_cgroup_unregister_region(ctx->r[i]);
}

/* The line one region contributes to a root file, newline included. */
static const char *show(struct kunit *test, struct dmem_cgroup_region *region,
			enum dmem_file type)
{
	return dmem_test_kunit_show_root(test, region, type);
}

static ssize_t write_policy(struct kunit *test, const char *text)
{
	char *buf = kunit_kstrdup(test, text, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return dmem_test_write_root(buf, DMEM_FILE_EXT_REGION);
}

static const char *policy(struct kunit *test, struct dmem_cgroup_region *region)
{
	return show(test, region, DMEM_FILE_EXT_REGION);
}

static void dmem_evict_files_parse_policy(struct kunit *test)
{
	static const struct {
		const char *str;
		int ret;
		struct dmem_evict_policy_req req;
	} cases[] = {
		{ "soft", 0, { .set_mode = true, .mode = DMEM_PIN_POLICY_SOFT } },
		{ "strict", 0, { .set_mode = true, .mode = DMEM_PIN_POLICY_STRICT } },
		{ "timeout_ms=250", 0, { .set_timeout = true, .timeout_ms = 250 } },
		{ "strict  timeout_ms=1", 0, { true, DMEM_PIN_POLICY_STRICT, true, 1 } },
		{ "timeout_ms=600000 soft", 0, { true, DMEM_PIN_POLICY_SOFT, true, 600000 } },
		{ "timeout_ms=0", -EINVAL },
		{ "timeout_ms=600001", -EINVAL },
		{ "timeout_ms=", -EINVAL },
		{ "timeout_ms=+5", -EINVAL },
		{ "timeout_ms=5x", -EINVAL },
		{ "timeout_ms=-1", -EINVAL },
		{ "soft strict", -EINVAL },
		{ "soft soft", -EINVAL },
		{ "timeout_ms=1 timeout_ms=2", -EINVAL },
		{ "hard", -EINVAL },
		{ "SOFT", -EINVAL },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dmem_evict_policy_req req;
		char *args = kunit_kstrdup(test, cases[i].str, GFP_KERNEL);
		int ret = dmem_evict_parse_policy(args, &req);

		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].ret, "\"%s\"", cases[i].str);
		if (ret || cases[i].ret)
			continue;
		KUNIT_EXPECT_EQ(test, req.set_mode, cases[i].req.set_mode);
		KUNIT_EXPECT_EQ(test, req.set_timeout, cases[i].req.set_timeout);
		if (req.set_mode)
			KUNIT_EXPECT_EQ(test, req.mode, cases[i].req.mode);
		if (req.set_timeout)
			KUNIT_EXPECT_EQ(test, req.timeout_ms, cases[i].req.timeout_ms);
	}
}

/* Regions registered after the extension get its defaults. */
static void dmem_evict_files_defaults(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx = test->priv;

	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[0]),
			   "kunit/policy0 soft timeout_ms=1000\n");
	KUNIT_EXPECT_EQ(test, dmem_evict_pin_policy(ctx->r[0]), DMEM_PIN_POLICY_SOFT);
	KUNIT_EXPECT_EQ(test, dmem_evict_revoke_timeout_ms(ctx->r[0]), 1000);
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r[0], DMEM_FILE_EVENTS),
			   "kunit/policy0 low=0 max=0 pin_max=0 evict=0 revoke=0 enomem=0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r[0], DMEM_FILE_EVENTS_LOCAL),
			   "kunit/policy0 low=0 max=0 pin_max=0 evict=0 revoke=0 enomem=0\n");
	KUNIT_EXPECT_STREQ(test, show(test, ctx->r[0], DMEM_FILE_STAT),
			   "kunit/policy0 current=0 pinned=0 evictable=0 buffers=0 owners=0 evicted_bytes=0 revoked_bytes=0 futile_evictions=0\n");
}

static void dmem_evict_files_round_trip(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 strict timeout_ms=5\n"), 0);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[1]),
			   "kunit/policy1 strict timeout_ms=5\n");
	KUNIT_EXPECT_EQ(test, dmem_evict_pin_policy(ctx->r[1]), DMEM_PIN_POLICY_STRICT);
	KUNIT_EXPECT_EQ(test, dmem_evict_revoke_timeout_ms(ctx->r[1]), 5);
	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 soft"), 0);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[1]),
			   "kunit/policy1 soft timeout_ms=5\n");
	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 timeout_ms=1000"), 0);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[1]),
			   "kunit/policy1 soft timeout_ms=1000\n");
	/* The other region was never touched. */
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[0]),
			   "kunit/policy0 soft timeout_ms=1000\n");
	KUNIT_EXPECT_EQ(test, dmem_evict_test_set_policy(ctx->r[0], DMEM_PIN_POLICY_STRICT,
							 600000), 0);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[0]),
			   "kunit/policy0 strict timeout_ms=600000\n");
}

static void dmem_evict_files_multi_line(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, write_policy(test,
					   "kunit/policy1 strict\nkunit/policy0 timeout_ms=0\n"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 strict\nkunit/nosuch soft\n"),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 strict\nkunit/policy0\n"),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[1]),
			   "kunit/policy1 soft timeout_ms=1000\n");
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[0]),
			   "kunit/policy0 soft timeout_ms=1000\n");

	/* Both lines apply, in order: a later line for a region wins. */
	KUNIT_EXPECT_EQ(test, write_policy(test, "kunit/policy1 strict\n\n"
					   "kunit/policy0 timeout_ms=7\n"
					   "kunit/policy1 timeout_ms=9\n"), 0);
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[1]),
			   "kunit/policy1 strict timeout_ms=9\n");
	KUNIT_EXPECT_STREQ(test, policy(test, ctx->r[0]),
			   "kunit/policy0 soft timeout_ms=7\n");
}

/* The eviction layer's counters, and how their keys read in the files. */
static void dmem_evict_files_counters(struct kunit *test)
{
	struct dmem_evict_files_ctx *ctx = test->priv;
	struct dmem_cgroup_pool_state *a, *b;

	a = dmem_pool_create_detached(ctx->r[0], NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	b = dmem_pool_create_detached(ctx->r[0], a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));

	dmem_evict_pool_event(b, DMEM_EVICT_EVENT_REVOKE);
	dmem_evict_pool_event(b, DMEM_EVICT_EVENT_REVOKE);
	dmem_evict_pool_event(a, DMEM_EVICT_EVENT_ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_evict_test_event(b, DMEM_EVICT_EVENT_REVOKE, true), 2);
	KUNIT_EXPECT_EQ(test, dmem_evict_test_event(a, DMEM_EVICT_EVENT_REVOKE, true), 0);
	KUNIT_EXPECT_EQ(test, dmem_evict_test_event(a, DMEM_EVICT_EVENT_REVOKE, false), 2);
	KUNIT_EXPECT_EQ(test, dmem_evict_test_event(a, DMEM_EVICT_EVENT_ENOMEM, true), 1);
	KUNIT_EXPECT_EQ(test, dmem_evict_test_event(b, DMEM_EVICT_EVENT_EVICT, false), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_event(a, DMEM_CGROUP_EVENT_LOW, false), 0);

	dmem_evict_pool_stat_add(b, DMEM_EVICT_STAT_BUFFERS, 2);
	dmem_evict_pool_stat_add(a, DMEM_EVICT_STAT_BUFFERS, 5);
	dmem_evict_pool_stat_add(b, DMEM_EVICT_STAT_BUFFERS, -1);
	KUNIT_EXPECT_EQ(test, dmem_evict_pool_stat(b, DMEM_EVICT_STAT_BUFFERS), 1);
	KUNIT_EXPECT_EQ(test, dmem_evict_pool_stat(a, DMEM_EVICT_STAT_BUFFERS), 6);
	KUNIT_EXPECT_EQ(test, dmem_evict_pool_stat(a, DMEM_EVICT_STAT_OWNERS), 0);
	dmem_evict_pool_stat_add(b, DMEM_EVICT_STAT_BUFFERS, -1);
	dmem_evict_pool_stat_add(a, DMEM_EVICT_STAT_BUFFERS, -5);
}

static struct kunit_case dmem_evict_files_cases[] = {
	KUNIT_CASE(dmem_evict_files_parse_policy),
	KUNIT_CASE(dmem_evict_files_defaults),
	KUNIT_CASE(dmem_evict_files_round_trip),
	KUNIT_CASE(dmem_evict_files_multi_line),
	KUNIT_CASE(dmem_evict_files_counters),
	{}
};

static struct kunit_suite dmem_evict_files_suite = {
	.name = "dmem_evict_files",
	.init = dmem_evict_files_init,
	.exit = dmem_evict_files_exit,
	.test_cases = dmem_evict_files_cases,
};

kunit_test_suite(dmem_evict_files_suite);
