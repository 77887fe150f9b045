// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the victim order over many pools: the policy visits the
 * pools by the age of their oldest unpinned buffer (order.c) and stops
 * early, and decides -ENOMEM from the region's totals when it can. Its
 * choices must be exactly those of a plain walk over every buffer that
 * applies the rules of docs/design.md, written here from the rules alone.
 *
 * 200 leaf pools without cgroups, 10 under each of 20 middle pools:
 *
 *	root
 *	 |- m0 .. m4     min = their usage: never chosen
 *	 |- m5 .. m9     low = their usage: step 2
 *	 `- m10 .. m19   unprotected: steps 1 and 3
 *
 * Each leaf has an owner with two unpinned buffers (1 and 2 units) and
 * one pinned (1 unit), made resident in a scrambled order and partly used
 * again. In m10 .. m19, leaf 5 of each middle pool has its pinned buffer
 * hard-pinned; the requester owns leaf 0 of m10 (or of m12).
 */

#include "dmem_evict_kunit.h"

#define U		KT_U
#define NR_MIDS		20
#define NR_PER_MID	10
#define NR_LEAVES	(NR_MIDS * NR_PER_MID)
#define NR_BUFS		(NR_LEAVES * 3)

struct order_ctx {
	struct dmem_kt_region *kr;
	struct dmem_cgroup_pool_state *mid[NR_MIDS];
	struct dmem_kt_owner *ko[NR_LEAVES];
	struct dmem_kt_buf *kb[NR_BUFS];
	unsigned int nr_hard;
	struct dmem_kt_buf *hard[NR_MIDS];
};

/* What the steps picked: indexes are enum dmem_victim_kind. */
struct order_counts {
	unsigned int kind[DMEM_VICTIM_REVOKE + 1];
};

static int dmem_evict_order_init(struct kunit *test)
{
	/* 200 leaves of 4 units: the region is full once all are resident. */
	dmem_kt_region_create(test, NR_LEAVES * 4 * U);
	return 0;
}

static struct dmem_cgroup_pool_state *order_pool(struct kunit *test,
						 struct dmem_kt_region *kr,
						 struct dmem_cgroup_pool_state *parent)
{
	struct dmem_cgroup_pool_state *pool;

	pool = dmem_pool_create_detached(kr->cg, parent);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	return pool;
}

/* Buffer j: leaf j / 3; j % 3 == 0: 1 unit, 1: 2 units, 2: pinned. */
static void order_add(struct kunit *test, struct order_ctx *ctx, unsigned int j)
{
	struct dmem_kt_owner *ko = ctx->ko[j / 3];
	struct dmem_kt_buf *kb;

	kb = dmem_kt_buf(test, ko, j % 3 == 1 ? 2 * U : U, "order");
	if (j % 3 == 2)
		KUNIT_ASSERT_EQ(test, dmem_buf_pin(&kb->buf), 0);
	else
		KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&kb->buf), 0);
	ctx->kb[j] = kb;
}

static struct order_ctx *order_setup(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct order_ctx *ctx;
	unsigned int i, j;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->kr = kr;
	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, 1000);
	for (i = 0; i < NR_MIDS; i++)
		ctx->mid[i] = order_pool(test, kr, kr->root);
	for (i = 0; i < NR_LEAVES; i++)
		ctx->ko[i] = dmem_kt_owner(test,
					   order_pool(test, kr,
						      ctx->mid[i / NR_PER_MID]));
	/* 7919 is prime to 600: i -> i * 7919 % 600 scrambles the ages. */
	for (i = 0; i < NR_BUFS; i++)
		order_add(test, ctx, i * 7919 % NR_BUFS);
	KUNIT_ASSERT_EQ(test, dmem_kt_used(kr), NR_LEAVES * 4 * U);
	/* Use some again, pinned ones included: they become the youngest. */
	for (i = 0; i < NR_BUFS; i += 7)
		dmem_buf_mark_used(&ctx->kb[i * 13 % NR_BUFS]->buf);
	for (i = 0; i < NR_MIDS; i++) {
		u64 usage = dmem_kt_usage(ctx->mid[i]);

		KUNIT_ASSERT_EQ(test, usage, NR_PER_MID * 4 * U);
		if (i < 5)
			dmem_kt_set_limit(ctx->mid[i], KT_MIN, usage);
		else if (i < 10)
			dmem_kt_set_limit(ctx->mid[i], KT_LOW, usage);
	}
	for (i = 10; i < NR_MIDS; i++) {
		j = (i * NR_PER_MID + 5) * 3 + 2;
		KUNIT_ASSERT_EQ(test, dmem_buf_hard_pin(&ctx->kb[j]->buf), 0);
		ctx->hard[ctx->nr_hard++] = ctx->kb[j];
	}
	return ctx;
}

static void order_teardown(struct order_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->nr_hard; i++)
		dmem_buf_hard_unpin(&ctx->hard[i]->buf);
}

/*
 * The reference: look at every buffer, classify it by the rules, keep
 * the oldest of the first step that has one. Region lock held.
 */
static struct dmem_kt_buf *ref_pick(struct order_ctx *ctx,
				    struct dmem_cgroup_pool_state *limit,
				    struct dmem_owner *requester, bool soft,
				    enum dmem_victim_kind *kind)
{
	struct dmem_kt_buf *best[DMEM_VICTIM_REVOKE + 1] = {};
	enum dmem_victim_kind k;
	unsigned int i;

	for (i = 0; i < NR_BUFS; i++) {
		struct dmem_kt_buf *kb = ctx->kb[i];
		struct dmem_buf *buf = &kb->buf;
		struct dmem_cgroup_pool_state *pool = kb->ko->pool;
		bool hit_low = false, above;

		if (buf->state != DMEM_BUF_RESIDENT ||
		    (buf->flags & DMEM_BUF_F_BUSY) ||
		    (limit && !dmem_cgroup_pool_is_descendant(pool, limit)))
			continue;
		above = dmem_cgroup_state_evict_valuable(limit, pool, false,
							 &hit_low);
		if (!buf->pin_count)
			k = above ? DMEM_VICTIM_EVICT :
			    hit_low ? DMEM_VICTIM_EVICT_LOW : DMEM_VICTIM_NONE;
		else if (soft && above && buf->owner != requester &&
			 !buf->hard_pins)
			k = DMEM_VICTIM_REVOKE;
		else
			k = DMEM_VICTIM_NONE;
		if (k != DMEM_VICTIM_NONE &&
		    (!best[k] || buf->stamp < best[k]->buf.stamp))
			best[k] = kb;
	}
	for (k = DMEM_VICTIM_EVICT; k <= DMEM_VICTIM_REVOKE; k++) {
		if (best[k]) {
			*kind = k;
			return best[k];
		}
	}
	*kind = DMEM_VICTIM_NONE;
	return NULL;
}

/* The reference of what could be freed: every buffer that may go. */
static u64 ref_coverable(struct order_ctx *ctx,
			 struct dmem_cgroup_pool_state *limit,
			 struct dmem_owner *requester, bool soft)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < NR_BUFS; i++) {
		struct dmem_buf *buf = &ctx->kb[i]->buf;
		struct dmem_cgroup_pool_state *pool = ctx->kb[i]->ko->pool;

		if (buf->state != DMEM_BUF_RESIDENT || buf->hard_pins ||
		    (limit && !dmem_cgroup_pool_is_descendant(pool, limit)))
			continue;
		if (!buf->pin_count ?
		    dmem_cgroup_state_evict_valuable(limit, pool, true, NULL) :
		    soft && buf->owner != requester &&
		    dmem_cgroup_state_evict_valuable(limit, pool, false, NULL))
			sum += buf->size;
	}
	return sum;
}

/* The -ENOMEM decision is exact: it covers what may go, not a byte more. */
static void expect_cover(struct kunit *test, struct order_ctx *ctx,
			 struct dmem_cgroup_pool_state *limit,
			 struct dmem_kt_owner *req, bool soft, unsigned int n)
{
	struct dmem_evict_region *er = ctx->kr->er;
	struct dmem_owner *requester = req->owner;
	u64 total;

	spin_lock(&er->lock);
	total = ref_coverable(ctx, limit, requester, soft);
	spin_unlock(&er->lock);
	if (total)
		KUNIT_EXPECT_TRUE_MSG(test, dmem_evict_can_cover(er, limit,
								 requester,
								 req->pool,
								 total),
				      "step %u: %llu", n, total);
	KUNIT_EXPECT_FALSE_MSG(test, dmem_evict_can_cover(er, limit, requester,
							  req->pool, total + 1),
			       "step %u: %llu", n, total);
}

static s64 victim_event(struct dmem_kt_buf *kb, enum dmem_victim_kind kind)
{
	struct dmem_cgroup_pool_state *pool = kb->ko->pool;

	if (kind == DMEM_VICTIM_REVOKE)
		return dmem_kt_evict_event(pool, DMEM_EVICT_EVENT_REVOKE);
	return dmem_kt_evict_event(pool, DMEM_EVICT_EVENT_EVICT) * 1000 +
	       dmem_kt_event(pool, DMEM_CGROUP_EVENT_LOW);
}

/* Take the victim the reference names, and check what it counted. */
static void take_victim(struct kunit *test, struct order_ctx *ctx,
			struct dmem_cgroup_pool_state *limit,
			struct dmem_owner *requester, struct dmem_kt_buf *want,
			enum dmem_victim_kind kind, unsigned int n)
{
	s64 before = victim_event(want, kind);
	u64 freed;

	KUNIT_ASSERT_EQ(test, dmem_evict_one(ctx->kr->er, limit, requester,
					     true, &freed, NULL), 0);
	KUNIT_EXPECT_EQ_MSG(test, freed, want->buf.size, "step %u", n);
	KUNIT_ASSERT_EQ_MSG(test, dmem_buf_state(&want->buf),
			    kind == DMEM_VICTIM_REVOKE ? DMEM_BUF_REVOKED :
			    DMEM_BUF_EVICTED, "step %u", n);
	/* revoke: +1; evict: +1000; from between min and low: +1001. */
	KUNIT_EXPECT_EQ_MSG(test, victim_event(want, kind) - before,
			    kind == DMEM_VICTIM_REVOKE ? 1 :
			    kind == DMEM_VICTIM_EVICT ? 1000 : 1001,
			    "step %u", n);
}

/*
 * Choose victims until none is left, each the reference's, with its
 * step; check the -ENOMEM decision before each choice.
 */
static void run_sequence(struct kunit *test, struct order_ctx *ctx,
			 struct dmem_cgroup_pool_state *limit,
			 struct dmem_kt_owner *req, struct order_counts *c)
{
	struct dmem_owner *requester = req->owner;
	struct dmem_evict_region *er = ctx->kr->er;
	enum dmem_victim_kind want_kind, got_kind;
	struct dmem_kt_buf *want;
	struct dmem_buf *got;
	unsigned int n;

	for (n = 0; n <= NR_BUFS; n++) {
		expect_cover(test, ctx, limit, req, true, n);
		spin_lock(&er->lock);
		want = ref_pick(ctx, limit, requester, true, &want_kind);
		got = dmem_evict_pick_locked(er, limit, requester, true,
					     &got_kind);
		spin_unlock(&er->lock);
		KUNIT_ASSERT_PTR_EQ_MSG(test, got, want ? &want->buf : NULL,
					"step %u", n);
		KUNIT_ASSERT_EQ_MSG(test, got_kind, want_kind, "step %u", n);
		if (!want)
			return;
		c->kind[want_kind]++;
		take_victim(test, ctx, limit, requester, want, want_kind, n);
	}
	KUNIT_FAIL(test, "more victims than buffers");
}

/* Region full: every pool competes, protection computed from the root. */
static void dmem_evict_order_region_full(struct kunit *test)
{
	struct order_ctx *ctx = order_setup(test);
	struct dmem_kt_owner *req = ctx->ko[10 * NR_PER_MID];
	struct order_counts c = {};

	/* Strict first: the decision without pinned buffers. */
	dmem_kt_set_policy(ctx->kr, DMEM_PIN_POLICY_STRICT, 1000);
	expect_cover(test, ctx, NULL, req, false, 0);
	dmem_kt_set_policy(ctx->kr, DMEM_PIN_POLICY_SOFT, 1000);

	run_sequence(test, ctx, NULL, req, &c);
	/* m10..m19: 100 leaves x 2 unpinned. */
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_EVICT], 200);
	/* m5..m9: 50 leaves x 2 unpinned, below low. */
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_EVICT_LOW], 100);
	/* m10..m19's pinned, but the requester's and 10 hard-pinned. */
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_REVOKE], 89);
	/* Left: m0..m9 whole (below min) or their pinned (below low). */
	KUNIT_EXPECT_EQ(test, dmem_kt_used(ctx->kr),
			(5 * NR_PER_MID * 4 + 5 * NR_PER_MID + 11) * U);
	order_teardown(ctx);
}

/* m12's limit hit: only its subtree, protection computed from m12. */
static void dmem_evict_order_limit(struct kunit *test)
{
	struct order_ctx *ctx = order_setup(test);
	struct dmem_kt_owner *req = ctx->ko[12 * NR_PER_MID];
	struct order_counts c = {};

	dmem_kt_set_policy(ctx->kr, DMEM_PIN_POLICY_STRICT, 1000);
	expect_cover(test, ctx, ctx->mid[12], req, false, 0);
	dmem_kt_set_policy(ctx->kr, DMEM_PIN_POLICY_SOFT, 1000);
	run_sequence(test, ctx, ctx->mid[12], req, &c);
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_EVICT], 20);
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_EVICT_LOW], 0);
	/* 10 leaves' pinned, but the requester's and leaf 5's hard pin. */
	KUNIT_EXPECT_EQ(test, c.kind[DMEM_VICTIM_REVOKE], 8);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(ctx->mid[12]), 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(ctx->kr),
			(NR_LEAVES * 4 - NR_PER_MID * 4 + 2) * U);
	order_teardown(ctx);
}

static struct kunit_case dmem_evict_order_cases[] = {
	KUNIT_CASE(dmem_evict_order_region_full),
	KUNIT_CASE(dmem_evict_order_limit),
	{}
};

static struct kunit_suite dmem_evict_order_suite = {
	.name = "dmem_evict_order",
	.init = dmem_evict_order_init,
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_order_cases,
};

kunit_test_suite(dmem_evict_order_suite);

MODULE_DESCRIPTION("KUnit tests of the dmem victim order over many pools");
MODULE_LICENSE("GPL");
