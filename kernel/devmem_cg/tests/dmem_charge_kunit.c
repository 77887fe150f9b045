// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of dmem charging: limits at an ancestor, peak, pinned limits,
 * events and statistics; effective min/low protection,
 * dmem_cgroup_state_evict_valuable(), dmem_cgroup_below_min(),
 * dmem_cgroup_below_low() and dmem_cgroup_get_common_ancestor() over a
 * 3-level hierarchy; the reclaim callback given at registration; the
 * lifetime of a region unregistered while charged; the references
 * that the per-cpu charge stock hands out; and charges through a handle
 * (dmem_cgroup_pool_try_charge()), larger than the stock holds too.
 *
 * The hierarchy is made of detached pools (no cgroups needed):
 *
 *	root
 *	 `- a
 *	    |- b1
 *	    |   `- c1
 *	    `- b2
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "../dmem_test.h"

static const struct dmem_cgroup_init init_1g = { .size = SZ_1G };
static const struct dmem_cgroup_init init_1m = { .size = SZ_1M };

struct dmem_charge_ctx {
	struct dmem_cgroup_region *region;
	struct dmem_cgroup_pool_state *root, *a, *b1, *b2, *c1;
};

static struct dmem_cgroup_pool_state *
new_pool(struct kunit *test, struct dmem_charge_ctx *ctx,
	 struct dmem_cgroup_pool_state *parent)
{
	struct dmem_cgroup_pool_state *pool;

	pool = dmem_pool_create_detached(ctx->region, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

static int dmem_charge_init(struct kunit *test)
{
	struct dmem_charge_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->region = dmem_cgroup_register_region(&init_1g, "kunit/charge0");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(ctx->region));
	ctx->root = new_pool(test, ctx, NULL);
	ctx->a = new_pool(test, ctx, ctx->root);
	ctx->b1 = new_pool(test, ctx, ctx->a);
	ctx->b2 = new_pool(test, ctx, ctx->a);
	ctx->c1 = new_pool(test, ctx, ctx->b1);
	test->priv = ctx;
	return 0;
}

/* Unregistering kills the pools; each test uncharges what it charged. */
static void dmem_charge_exit(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;

	dmem_cgroup_unregister_region(ctx->region);
}

/* Charge like a driver does: a reference per charge. */
static int charge(struct dmem_cgroup_pool_state *pool, u64 size,
		  struct dmem_cgroup_pool_state **limit)
{
	int ret;

	dmem_cgroup_pool_get(pool);
	ret = dmem_test_try_charge(pool, size, limit);
	if (ret)
		dmem_cgroup_pool_state_put(pool);
	return ret;
}

static u64 usage(struct dmem_cgroup_pool_state *pool)
{
	return dmem_cgroup_pool_usage(pool);
}

static s64 event(struct dmem_cgroup_pool_state *pool, enum dmem_cgroup_event ev,
		 bool local)
{
	return dmem_test_event(pool, ev, local);
}

static bool valuable(struct dmem_cgroup_pool_state *limit,
		     struct dmem_cgroup_pool_state *pool, bool ignore_low,
		     bool *hit_low)
{
	return dmem_cgroup_state_evict_valuable(limit, pool, ignore_low, hit_low);
}

static void dmem_charge_ancestor_max(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	struct dmem_cgroup_pool_state *limit;

	dmem_test_set_limit(ctx->a, DMEM_FILE_MAX, 1000);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_max(ctx->a), 1000);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_max(ctx->b1), U64_MAX);

	KUNIT_ASSERT_EQ(test, charge(ctx->b1, 600, &limit), 0);
	KUNIT_EXPECT_EQ(test, charge(ctx->c1, 401, &limit), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, limit, ctx->a);
	dmem_cgroup_pool_state_put(limit);
	KUNIT_EXPECT_EQ(test, usage(ctx->root), 600);
	KUNIT_EXPECT_EQ(test, usage(ctx->a), 600);
	KUNIT_EXPECT_EQ(test, usage(ctx->b1), 600);
	KUNIT_EXPECT_EQ(test, usage(ctx->c1), 0);

	/* The max event is counted where the limit is, and above. */
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_MAX, true), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_MAX, false), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->root, DMEM_CGROUP_EVENT_MAX, false), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->root, DMEM_CGROUP_EVENT_MAX, true), 0);
	KUNIT_EXPECT_EQ(test, event(ctx->c1, DMEM_CGROUP_EVENT_MAX, true), 0);
	KUNIT_EXPECT_EQ(test, event(ctx->b1, DMEM_CGROUP_EVENT_MAX, false), 0);

	/* Exactly up to the limit fits; a sibling shares it. */
	KUNIT_ASSERT_EQ(test, charge(ctx->c1, 399, NULL), 0);
	KUNIT_EXPECT_EQ(test, charge(ctx->b2, 2, NULL), -EAGAIN);
	KUNIT_ASSERT_EQ(test, charge(ctx->b2, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, usage(ctx->a), 1000);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_MAX, true), 2);

	/* Oversized charges are rejected before touching the counters. */
	KUNIT_EXPECT_EQ(test, charge(ctx->root, DMEM_VALUE_MAX + 1, NULL), -EINVAL);

	dmem_cgroup_uncharge(ctx->b1, 600);
	dmem_cgroup_uncharge(ctx->c1, 399);
	dmem_cgroup_uncharge(ctx->b2, 1);
	KUNIT_EXPECT_EQ(test, usage(ctx->root), 0);
}

static void dmem_charge_peak(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, charge(ctx->c1, 4097, NULL), 0);
	dmem_cgroup_uncharge(ctx->c1, 4097);
	KUNIT_ASSERT_EQ(test, charge(ctx->b2, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->c1), 4097);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->b1), 4097);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->b2), 1);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->a), 4097);
	KUNIT_EXPECT_EQ(test, usage(ctx->a), 1);
	KUNIT_ASSERT_EQ(test, charge(ctx->b2, 5000, NULL), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->a), 5001);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(ctx->b1), 4097);
	dmem_cgroup_uncharge(ctx->b2, 5000);
	dmem_cgroup_uncharge(ctx->b2, 1);
}

static void dmem_charge_pinned_max(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	struct dmem_cgroup_pool_state *limit;

	KUNIT_ASSERT_EQ(test, charge(ctx->b1, 1000, NULL), 0);
	KUNIT_ASSERT_EQ(test, charge(ctx->c1, 1000, NULL), 0);
	dmem_test_set_limit(ctx->a, DMEM_FILE_PINNED_MAX, 100);

	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge_pinned(ctx->b1, 60, &limit), 0);
	KUNIT_EXPECT_NULL(test, limit);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge_pinned(ctx->c1, 41, &limit),
			-EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, limit, ctx->a);
	dmem_cgroup_pool_state_put(limit);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_PIN_MAX, true), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->root, DMEM_CGROUP_EVENT_PIN_MAX, false), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_MAX, false), 0);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge_pinned(ctx->c1, 40, NULL), 0);

	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_pinned(ctx->c1), 40);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_pinned(ctx->b1), 100);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_pinned(ctx->root), 100);
	/* Pinning does not change the usage. */
	KUNIT_EXPECT_EQ(test, usage(ctx->root), 2000);

	/* A limit on the child alone. */
	dmem_test_set_limit(ctx->a, DMEM_FILE_PINNED_MAX, DMEM_VALUE_MAX);
	dmem_test_set_limit(ctx->c1, DMEM_FILE_PINNED_MAX, 50);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge_pinned(ctx->c1, 11, &limit),
			-EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, limit, ctx->c1);
	dmem_cgroup_pool_state_put(limit);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge_pinned(ctx->c1, 10, NULL), 0);
	KUNIT_EXPECT_EQ(test, event(ctx->c1, DMEM_CGROUP_EVENT_PIN_MAX, true), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_PIN_MAX, false), 2);

	dmem_cgroup_uncharge_pinned(ctx->c1, 50);
	dmem_cgroup_uncharge_pinned(ctx->b1, 60);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_pinned(ctx->root), 0);
	dmem_cgroup_uncharge(ctx->b1, 1000);
	dmem_cgroup_uncharge(ctx->c1, 1000);
}

static void dmem_charge_events_stats(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < 3; i++)
		dmem_cgroup_pool_event(ctx->c1, DMEM_CGROUP_EVENT_LOW);
	dmem_cgroup_pool_event(ctx->b2, DMEM_CGROUP_EVENT_PIN_MAX);
	KUNIT_EXPECT_EQ(test, event(ctx->c1, DMEM_CGROUP_EVENT_LOW, true), 3);
	KUNIT_EXPECT_EQ(test, event(ctx->b1, DMEM_CGROUP_EVENT_LOW, true), 0);
	KUNIT_EXPECT_EQ(test, event(ctx->b1, DMEM_CGROUP_EVENT_LOW, false), 3);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_LOW, false), 3);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_PIN_MAX, false), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->b1, DMEM_CGROUP_EVENT_PIN_MAX, false), 0);

	/* The extension's slots, whether or not one is registered. */
	dmem_cgroup_pool_ext_event(ctx->c1, 0);
	KUNIT_EXPECT_EQ(test, dmem_test_ext_event(ctx->c1, 0, true), 1);
	KUNIT_EXPECT_EQ(test, dmem_test_ext_event(ctx->b1, 0, true), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_ext_event(ctx->a, 0, false), 1);
	KUNIT_EXPECT_EQ(test, event(ctx->a, DMEM_CGROUP_EVENT_LOW, false), 3);
	dmem_cgroup_pool_ext_stat_add(ctx->c1, 1, 2);
	dmem_cgroup_pool_ext_stat_add(ctx->b2, 1, 5);
	dmem_cgroup_pool_ext_stat_add(ctx->c1, 1, -1);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_ext_stat(ctx->c1, 1), 1);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_ext_stat(ctx->b1, 1), 1);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_ext_stat(ctx->a, 1), 6);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_ext_stat(ctx->root, 1), 6);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_ext_stat(ctx->root, 0), 0);
}

/*
 * usage: b1 100 + c1 50 = 150, b2 250; a = root = 400.
 * a: min 100, low 300; b1: low 200.
 */
static void setup_protection(struct kunit *test, struct dmem_charge_ctx *ctx)
{
	dmem_test_set_limit(ctx->a, DMEM_FILE_MIN, 100);
	dmem_test_set_limit(ctx->a, DMEM_FILE_LOW, 300);
	dmem_test_set_limit(ctx->b1, DMEM_FILE_LOW, 200);
	KUNIT_ASSERT_EQ(test, charge(ctx->b1, 100, NULL), 0);
	KUNIT_ASSERT_EQ(test, charge(ctx->c1, 50, NULL), 0);
	KUNIT_ASSERT_EQ(test, charge(ctx->b2, 250, NULL), 0);
}

static void teardown_protection(struct dmem_charge_ctx *ctx)
{
	dmem_cgroup_uncharge(ctx->b1, 100);
	dmem_cgroup_uncharge(ctx->c1, 50);
	dmem_cgroup_uncharge(ctx->b2, 250);
}

static void dmem_charge_effective_protection(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	bool hit_low;

	setup_protection(test, ctx);

	/* Region full (no limit pool): protection flows from the root. */
	hit_low = false;
	KUNIT_EXPECT_FALSE(test, valuable(NULL, ctx->c1, false, &hit_low));
	KUNIT_EXPECT_TRUE(test, hit_low);
	/* The first level gets what it asks for. */
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->a), 100);
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->a), 300);
	/* b1 uses 150 of its 200: all of it is protected, nothing more. */
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->b1), 150);
	/* a's min is unclaimed below: shared by usage, 100 * 150 / 400. */
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b1), 37);
	/* c1 claims nothing: it gets b1's protection in proportion. */
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->c1), 50);
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->c1), 12);

	hit_low = false;
	KUNIT_EXPECT_TRUE(test, valuable(NULL, ctx->c1, true, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);

	/* b2: a's low left over by b1 (300 - 150) goes to b2, 150 < 250. */
	hit_low = false;
	KUNIT_EXPECT_TRUE(test, valuable(NULL, ctx->b2, false, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->b2), 150);
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b2), 62);

	/* a itself is above its low. */
	KUNIT_EXPECT_TRUE(test, valuable(NULL, ctx->a, false, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);

	teardown_protection(ctx);
}

static void dmem_charge_evict_valuable_limited(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	bool hit_low;

	setup_protection(test, ctx);

	/* Evicting from the limited pool itself always helps. */
	KUNIT_EXPECT_TRUE(test, valuable(ctx->b1, ctx->b1, false, &hit_low));
	/* Outside the limited subtree it never does. */
	hit_low = false;
	KUNIT_EXPECT_FALSE(test, valuable(ctx->b1, ctx->b2, true, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);
	KUNIT_EXPECT_FALSE(test, valuable(ctx->c1, ctx->b1, true, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);

	/* Limit at a: b1's own settings apply, low 200 > 150 used. */
	hit_low = false;
	KUNIT_EXPECT_FALSE(test, valuable(ctx->a, ctx->b1, false, &hit_low));
	KUNIT_EXPECT_TRUE(test, hit_low);
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->b1), 200);
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b1), 0);
	KUNIT_EXPECT_TRUE(test, valuable(ctx->a, ctx->b1, true, &hit_low));
	hit_low = false;
	KUNIT_EXPECT_TRUE(test, valuable(ctx->a, ctx->b2, false, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);

	/* Limit at b1: c1 claims nothing of its own. */
	hit_low = false;
	KUNIT_EXPECT_TRUE(test, valuable(ctx->b1, ctx->c1, false, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);

	/* min is never crossed, not even when ignoring low. */
	dmem_test_set_limit(ctx->b2, DMEM_FILE_MIN, 250);
	hit_low = false;
	KUNIT_EXPECT_FALSE(test, valuable(ctx->a, ctx->b2, true, &hit_low));
	KUNIT_EXPECT_FALSE(test, hit_low);
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b2), 250);
	/* From the root, a's min 100 is overcommitted: b2 gets 250 * 100 / 250. */
	KUNIT_EXPECT_TRUE(test, valuable(NULL, ctx->b2, true, &hit_low));
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b2), 100);

	teardown_protection(ctx);
}

/* The protection queries, from the root of the region and from a limit. */
static void dmem_charge_below_min_low(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;

	setup_protection(test, ctx);

	/* Region full: a gets min 100 and low 300 and uses 400. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_min(NULL, ctx->a));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(NULL, ctx->a));
	/* b1 uses 150 of its effective low 150, above its effective min 37. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_min(NULL, ctx->b1));
	KUNIT_EXPECT_TRUE(test, dmem_cgroup_below_low(NULL, ctx->b1));
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->b1), 150);
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b1), 37);
	KUNIT_EXPECT_TRUE(test, dmem_cgroup_below_low(NULL, ctx->c1));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(NULL, ctx->b2));
	/* The root given explicitly is the same as NULL. */
	KUNIT_EXPECT_TRUE(test, dmem_cgroup_below_low(ctx->root, ctx->c1));
	/* The top pool and the root of the competition are never protected. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_min(NULL, ctx->root));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(NULL, ctx->root));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(ctx->b1, ctx->b1));

	/* Limit at a: c1 gets b1's low 200 by usage, 200 * 50 / 150. */
	KUNIT_EXPECT_TRUE(test, dmem_cgroup_below_low(ctx->a, ctx->c1));
	KUNIT_EXPECT_EQ(test, dmem_test_elow(ctx->c1), 66);
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_min(ctx->a, ctx->c1));
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->c1), 0);
	/* Limit at b1: c1 claims nothing of its own. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(ctx->b1, ctx->c1));
	/* Outside the subtree of the limit: no protection to speak of. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(ctx->b1, ctx->b2));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(ctx->c1, ctx->b1));

	/* min and low are independent: b2's min 250 covers its 250 bytes. */
	dmem_test_set_limit(ctx->b2, DMEM_FILE_MIN, 250);
	KUNIT_EXPECT_TRUE(test, dmem_cgroup_below_min(ctx->a, ctx->b2));
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_low(ctx->a, ctx->b2));
	/* From the root, a's min 100 is all b2 gets: 250 * 100 / 250. */
	KUNIT_EXPECT_FALSE(test, dmem_cgroup_below_min(NULL, ctx->b2));
	KUNIT_EXPECT_EQ(test, dmem_test_emin(ctx->b2), 100);

	teardown_protection(ctx);
}

static void expect_ancestor(struct kunit *test, struct dmem_cgroup_pool_state *x,
			    struct dmem_cgroup_pool_state *y,
			    struct dmem_cgroup_pool_state *want)
{
	struct dmem_cgroup_pool_state *got;

	got = dmem_cgroup_get_common_ancestor(x, y);
	KUNIT_EXPECT_PTR_EQ(test, got, want);
	dmem_cgroup_pool_state_put(got);
}

static void dmem_charge_common_ancestor(struct kunit *test)
{
	struct dmem_charge_ctx *ctx = test->priv;
	struct dmem_cgroup_pool_state *other;
	struct dmem_cgroup_region *region;

	expect_ancestor(test, ctx->c1, ctx->b2, ctx->a);
	expect_ancestor(test, ctx->b2, ctx->c1, ctx->a);
	expect_ancestor(test, ctx->c1, ctx->b1, ctx->b1);
	expect_ancestor(test, ctx->b1, ctx->c1, ctx->b1);
	expect_ancestor(test, ctx->c1, ctx->c1, ctx->c1);
	expect_ancestor(test, ctx->root, ctx->c1, ctx->root);
	expect_ancestor(test, NULL, ctx->c1, NULL);
	expect_ancestor(test, ctx->c1, NULL, NULL);

	/* Pools of different regions have none. */
	region = dmem_cgroup_register_region(&init_1m, "kunit/charge3");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	other = dmem_pool_create_detached(region, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	expect_ancestor(test, ctx->c1, other, NULL);
	dmem_cgroup_unregister_region(region);
}

/* What the reclaim callback of dmem_charge_reclaim_ops saw and does. */
struct reclaim_script {
	struct dmem_cgroup_pool_state *pool;
	u64 unit;		/* bytes uncharged per call */
	int ret;		/* returned */
	int calls;
	u64 targets[4];
};

static int script_reclaim(struct dmem_cgroup_pool_state *pool,
			  u64 target_bytes, void *priv)
{
	struct reclaim_script *rs = priv;

	if (rs->calls < ARRAY_SIZE(rs->targets))
		rs->targets[rs->calls] = target_bytes;
	rs->calls++;
	if (pool == rs->pool && rs->unit)
		dmem_cgroup_uncharge(pool, rs->unit);
	return rs->ret;
}

static const struct dmem_cgroup_ops script_ops = {
	.reclaim = script_reclaim,
};

/* The init struct's callback runs for a lowered dmem.max, as documented. */
static void dmem_charge_reclaim_ops(struct kunit *test)
{
	struct reclaim_script rs = { .unit = 100 };
	struct dmem_cgroup_init init = {
		.size = SZ_1M, .ops = &script_ops, .reclaim_priv = &rs,
	};
	struct dmem_cgroup_pool_state *root, *pool;
	struct dmem_cgroup_region *region;
	int i;

	KUNIT_EXPECT_EQ(test, PTR_ERR(dmem_cgroup_register_region(NULL, "kunit/charge2")),
			-EINVAL);
	region = dmem_cgroup_register_region(&init, "kunit/charge2");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	root = dmem_pool_create_detached(region, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(root));
	pool = dmem_pool_create_detached(region, root);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	rs.pool = pool;
	/* Charges of 100 bytes: the callback uncharges one per call. */
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, charge(pool, 100, NULL), 0);

	/* 500 over 250: called for 250, then 150, then 50; 200 fits. */
	dmem_test_set_limit(pool, DMEM_FILE_MAX, 250);
	dmem_test_reclaim(pool);
	KUNIT_EXPECT_EQ(test, rs.calls, 3);
	KUNIT_EXPECT_EQ(test, rs.targets[0], 250);
	KUNIT_EXPECT_EQ(test, rs.targets[1], 150);
	KUNIT_EXPECT_EQ(test, rs.targets[2], 50);
	KUNIT_EXPECT_EQ(test, usage(pool), 200);

	/* -ENOSPC: nothing more to evict, asked once. */
	rs = (struct reclaim_script){ .pool = pool, .ret = -ENOSPC };
	dmem_test_set_limit(pool, DMEM_FILE_MAX, 0);
	dmem_test_reclaim(pool);
	KUNIT_EXPECT_EQ(test, rs.calls, 1);
	KUNIT_EXPECT_EQ(test, rs.targets[0], 200);

	/* 0 without the usage falling is not progress either. */
	rs = (struct reclaim_script){ .pool = pool };
	dmem_test_reclaim(pool);
	KUNIT_EXPECT_EQ(test, rs.calls, 1);
	KUNIT_EXPECT_EQ(test, usage(pool), 200);

	/* Another error stops it even after progress. */
	rs = (struct reclaim_script){ .pool = pool, .unit = 100, .ret = -EIO };
	dmem_test_reclaim(pool);
	KUNIT_EXPECT_EQ(test, rs.calls, 1);
	KUNIT_EXPECT_EQ(test, usage(pool), 100);

	/* Unregistered: never called again. */
	dmem_cgroup_unregister_region(region);
	rs = (struct reclaim_script){ .pool = pool, .unit = 100 };
	dmem_test_reclaim(pool);
	KUNIT_EXPECT_EQ(test, rs.calls, 0);
	dmem_cgroup_uncharge(pool, 100);
	KUNIT_EXPECT_EQ(test, usage(root), 0);
}

/* The real charge path, for the current task (in the root cgroup). */
static void dmem_charge_current_and_unregister(struct kunit *test)
{
	struct dmem_cgroup_pool_state *pool, *pool2, *limit;
	struct dmem_cgroup_region *region;
	int pools, regions;

	dmem_test_quiesce();
	pools = dmem_test_nr_pools();
	regions = dmem_test_nr_regions();

	region = dmem_cgroup_register_region(&init_1m, "kunit/charge1");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));
	KUNIT_EXPECT_EQ(test, dmem_test_nr_regions(), regions + 1);

	KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(region, 4097, &pool, &limit), 0);
	KUNIT_EXPECT_NULL(test, limit);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_NULL(test, dmem_cgroup_pool_parent(pool));
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_usage(pool), 4097);
	KUNIT_EXPECT_PTR_EQ(test, dmem_cgroup_pool_region(pool), region);
	KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(region, 1, &pool2, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, pool2, pool);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_usage(pool), 4098);
	dmem_cgroup_uncharge(pool2, 1);
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools + 1);

	/* NULL region: nothing charged, nothing to uncharge. */
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge(NULL, 1, &pool2, NULL), 0);
	KUNIT_EXPECT_NULL(test, pool2);
	dmem_cgroup_uncharge(NULL, 1);

	/* Unregister while charged: the pool lives on until uncharged. */
	dmem_cgroup_unregister_region(region);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_try_charge(region, 1, &pool2, &limit),
			-ENODEV);
	KUNIT_EXPECT_NULL(test, pool2);
	KUNIT_EXPECT_FALSE(test, dmem_test_region_registered("kunit/charge1"));
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools + 1);
	KUNIT_EXPECT_EQ(test, dmem_test_nr_regions(), regions + 1);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_usage(pool), 4097);
	KUNIT_EXPECT_STREQ(test, dmem_cgroup_region_name(dmem_cgroup_pool_region(pool)),
			   "kunit/charge1");
	dmem_cgroup_uncharge(pool, 4097);

	/* Then it goes, and the region with it. */
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools);
	KUNIT_EXPECT_EQ(test, dmem_test_nr_regions(), regions);
}

/*
 * The charge stock hands out the references of the charges uncharged into
 * it: many pairs, and charges served by one stock refill, must leave the
 * usage exact at every step and every reference accounted for, so that
 * the pool goes once its region is unregistered (a leaked reference keeps
 * it; one dropped twice WARNs in percpu_ref).
 */
static void dmem_charge_stock_references(struct kunit *test)
{
	struct dmem_cgroup_pool_state *pool, *p[3];
	struct dmem_cgroup_region *region;
	int pools, i;

	dmem_test_quiesce();
	pools = dmem_test_nr_pools();
	region = dmem_cgroup_register_region(&init_1m, "kunit/charge4");
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(region));

	/* One CPU, one stock: the pairs below are served by it. */
	migrate_disable();
	KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(region, 4096, &pool, NULL), 0);
	dmem_cgroup_uncharge(pool, 4096);
	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(region, 4096, &p[0],
							     NULL), 0);
		KUNIT_ASSERT_PTR_EQ(test, p[0], pool);
		KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_usage(pool), 4096);
		dmem_cgroup_uncharge(p[0], 4096);
		KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_usage(pool), 0);
	}
	/* Three charges from one refill of 4096 bytes: one of them new. */
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(region, 1024, &p[i],
							     NULL), 0);
		KUNIT_ASSERT_PTR_EQ(test, p[i], pool);
	}
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_usage(pool), 3072);
	for (i = 0; i < 3; i++)
		dmem_cgroup_uncharge(p[i], 1024);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_usage(pool), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 4096);
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools + 1);

	/* Unregistering drains the stock: the last reference goes. */
	dmem_cgroup_unregister_region(region);
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools);
}

/*
 * A pool of the current task's cgroup (the root) in a new region of
 * @size bytes, with one reference: the handle the tests charge through.
 */
static struct dmem_cgroup_pool_state *
handle_pool(struct kunit *test, const struct dmem_cgroup_init *init,
	    const char *name, struct dmem_cgroup_region **region)
{
	struct dmem_cgroup_pool_state *pool;

	*region = dmem_cgroup_register_region(init, "%s", name);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(*region));
	/* A charge of 0 bytes finds the pool and references it. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_try_charge(*region, 0, &pool, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	return pool;
}

/*
 * Charges through a handle larger than the stock holds (> 1 MiB): exact
 * usage and peak although bytes sat in this CPU's stock (drained first,
 * never charged ahead), and the handle's reference is the only one the
 * pool needs: it goes once the handle is dropped and the region
 * unregistered.
 */
static void dmem_charge_handle_large(struct kunit *test)
{
	struct dmem_cgroup_pool_state *pool, *limit;
	struct dmem_cgroup_region *region;
	int pools;

	dmem_test_quiesce();
	pools = dmem_test_nr_pools();
	pool = handle_pool(test, &init_1g, "kunit/charge5", &region);

	migrate_disable();
	/* 4096 bytes stocked on this CPU: usage 0, peak 4096. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4096, &limit), 0);
	KUNIT_EXPECT_NULL(test, limit);
	dmem_cgroup_pool_uncharge(pool, 4096);
	KUNIT_EXPECT_EQ(test, usage(pool), 0);
	/* Served by the stock: 4096 bytes, nothing else charged. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4096, NULL), 0);
	KUNIT_EXPECT_EQ(test, usage(pool), 4096);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 4096);
	dmem_cgroup_pool_uncharge(pool, 4096);

	/* 3 MiB: the stock's 4096 bytes go back first, the peak is exact. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 3 * SZ_1M, NULL), 0);
	KUNIT_EXPECT_EQ(test, usage(pool), 3 * SZ_1M);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 3 * SZ_1M);
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, SZ_2M + 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, usage(pool), 5 * SZ_1M + 1);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 5 * SZ_1M + 1);
	dmem_cgroup_pool_uncharge(pool, 3 * SZ_1M);
	dmem_cgroup_pool_uncharge(pool, SZ_2M + 1);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, usage(pool), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 5 * SZ_1M + 1);

	/* No reference was taken per charge: the handle's is the last. */
	dmem_cgroup_unregister_region(region);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_try_charge(pool, 1, NULL), -ESTALE);
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools + 1);
	dmem_cgroup_pool_state_put(pool);
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools);
}

/*
 * dmem.max through a handle: bytes in the stock never make a charge hit
 * the limit, a charge over it fails with -EAGAIN, the limiting pool and a
 * max event, and changes nothing; sizes out of range get -EINVAL.
 */
static void dmem_charge_handle_limit(struct kunit *test)
{
	struct dmem_cgroup_pool_state *pool, *limit;
	struct dmem_cgroup_region *region;
	s64 events;

	pool = handle_pool(test, &init_1g, "kunit/charge6", &region);
	dmem_test_set_limit(pool, DMEM_FILE_MAX, 4 * SZ_1M);
	events = event(pool, DMEM_CGROUP_EVENT_MAX, true);

	migrate_disable();
	/* 1 MiB stocked, still in the page_counters. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, SZ_1M, NULL), 0);
	dmem_cgroup_pool_uncharge(pool, SZ_1M);
	KUNIT_EXPECT_EQ(test, usage(pool), 0);
	/* The whole limit, although 1 MiB was stocked. */
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4 * SZ_1M, &limit), 0);
	KUNIT_EXPECT_NULL(test, limit);
	KUNIT_EXPECT_EQ(test, usage(pool), 4 * SZ_1M);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 4 * SZ_1M);
	/* One byte more is over it. */
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_try_charge(pool, 1, &limit), -EAGAIN);
	KUNIT_EXPECT_PTR_EQ(test, limit, pool);
	dmem_cgroup_pool_state_put(limit);
	KUNIT_EXPECT_EQ(test, event(pool, DMEM_CGROUP_EVENT_MAX, true), events + 1);
	KUNIT_EXPECT_EQ(test, usage(pool), 4 * SZ_1M);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_try_charge(pool, U64_MAX, &limit),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, limit);
	KUNIT_EXPECT_EQ(test, usage(pool), 4 * SZ_1M);
	dmem_cgroup_pool_uncharge(pool, 4 * SZ_1M);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, usage(pool), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 4 * SZ_1M);

	dmem_cgroup_unregister_region(region);
	dmem_cgroup_pool_state_put(pool);
}

/*
 * A killed pool is never stocked: its stock is drained when it is killed
 * (its reference goes), a charge through its handle gets -ESTALE, and an
 * uncharge of a charge made before goes to the page_counters, not to a
 * stock: once the handle is dropped, nothing holds the pool.
 */
static void dmem_charge_handle_killed(struct kunit *test)
{
	struct dmem_cgroup_pool_state *pool;
	struct dmem_cgroup_region *region;
	int pools;

	dmem_test_quiesce();
	pools = dmem_test_nr_pools();
	pool = handle_pool(test, &init_1g, "kunit/charge7", &region);

	migrate_disable();
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 2 * SZ_1M, NULL), 0);
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4096, NULL), 0);
	KUNIT_ASSERT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4096, NULL), 0);
	dmem_cgroup_pool_uncharge(pool, 4096);
	KUNIT_EXPECT_EQ(test, usage(pool), 2 * SZ_1M + 4096);
	migrate_enable();

	/* Killed with 4096 bytes in a stock and 2 MiB + 4096 charged. */
	dmem_cgroup_unregister_region(region);
	KUNIT_EXPECT_EQ(test, usage(pool), 2 * SZ_1M + 4096);
	KUNIT_EXPECT_EQ(test, dmem_cgroup_pool_try_charge(pool, 4096, NULL), -ESTALE);
	KUNIT_EXPECT_EQ(test, usage(pool), 2 * SZ_1M + 4096);
	migrate_disable();
	dmem_cgroup_pool_uncharge(pool, 4096);
	dmem_cgroup_pool_uncharge(pool, 2 * SZ_1M);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, usage(pool), 0);
	KUNIT_EXPECT_EQ(test, dmem_test_peak(pool), 2 * SZ_1M + 8192);

	dmem_cgroup_pool_state_put(pool);
	dmem_test_quiesce();
	KUNIT_EXPECT_EQ(test, dmem_test_nr_pools(), pools);
}

static struct kunit_case dmem_charge_cases[] = {
	KUNIT_CASE(dmem_charge_ancestor_max),
	KUNIT_CASE(dmem_charge_peak),
	KUNIT_CASE(dmem_charge_pinned_max),
	KUNIT_CASE(dmem_charge_events_stats),
	KUNIT_CASE(dmem_charge_effective_protection),
	KUNIT_CASE(dmem_charge_evict_valuable_limited),
	KUNIT_CASE(dmem_charge_below_min_low),
	KUNIT_CASE(dmem_charge_common_ancestor),
	KUNIT_CASE(dmem_charge_reclaim_ops),
	KUNIT_CASE(dmem_charge_current_and_unregister),
	KUNIT_CASE(dmem_charge_stock_references),
	KUNIT_CASE(dmem_charge_handle_large),
	KUNIT_CASE(dmem_charge_handle_limit),
	KUNIT_CASE(dmem_charge_handle_killed),
	{}
};

static struct kunit_suite dmem_charge_suite = {
	.name = "dmem_charge",
	.init = dmem_charge_init,
	.exit = dmem_charge_exit,
	.test_cases = dmem_charge_cases,
};

kunit_test_suite(dmem_charge_suite);

MODULE_DESCRIPTION("KUnit tests of dmem charging and protection");
MODULE_LICENSE("GPL");
