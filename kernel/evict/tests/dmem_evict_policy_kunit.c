// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the eviction policy: every step and its order, LRU order,
 * min and low protection, same-owner pinned buffers, strict and soft,
 * limit-subtree confinement, dmem.pinned.max, reclaim on a lowered
 * dmem.max, and the exactness of the dmem.stat gauges. Exact victims,
 * errnos and counters.
 */

#include "dmem_evict_kunit.h"

#define U	KT_U

static int dmem_evict_policy_init(struct kunit *test)
{
	/* Most tests fill a region of four units. */
	dmem_kt_region_create(test, 4 * U);
	return 0;
}

static struct dmem_kt_buf *resident(struct kunit *test, struct dmem_kt_owner *ko,
				    const char *name)
{
	struct dmem_kt_buf *kb = dmem_kt_buf(test, ko, U, name);

	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&kb->buf), 0);
	return kb;
}

static void expect_log(struct kunit *test, struct dmem_kt_buf **want,
		       unsigned int n)
{
	struct dmem_kt_region *kr = test->priv;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, kr->nr_log, n);
	for (i = 0; i < min(n, kr->nr_log); i++)
		KUNIT_EXPECT_STREQ_MSG(test, kr->log[i]->name, want[i]->name,
				       "victim %u", i);
}

/* Region full, one pool: the least recently used goes first. */
static void dmem_evict_policy_lru_order(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_buf *x0, *x1, *x2, *x3, *y, *z;
	struct dmem_owner_stats st;

	x0 = resident(test, a, "x0");
	x1 = resident(test, a, "x1");
	x2 = resident(test, a, "x2");
	x3 = resident(test, a, "x3");
	dmem_buf_mark_used(&x0->buf);
	/* Making a resident buffer resident is a use too. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&x1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);

	y = resident(test, a, "y");
	z = resident(test, a, "z");
	expect_log(test, (struct dmem_kt_buf *[]){ x2, x3 }, 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x2), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x3), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(y), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(z), DMEM_BUF_RESIDENT);

	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->root), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_EVICT), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_LOW), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_EVICTED_BYTES),
			2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->a, DMEM_EVICT_STAT_EVICTED_BYTES),
			2 * U);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_evicted), 2);
	dmem_owner_get_stats(a->owner, &st);
	KUNIT_EXPECT_EQ(test, st.resident, 4 * U);
	KUNIT_EXPECT_EQ(test, st.evicted, 2 * U);
	KUNIT_EXPECT_EQ(test, st.pinned, 0);

	/* An evicted buffer comes back through restore, evicting the LRU. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&x2->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x2->nr_restore), 2);
	expect_log(test, (struct dmem_kt_buf *[]){ x2, x3, x0 }, 3);
}

/*
 * Step 1 before step 2: a pool within its low protection keeps its
 * buffers while unprotected pools have some, even newer ones; then it is
 * evicted with a low event; below min, never; own pinned, never.
 */
static void dmem_evict_policy_low_then_min(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *q = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_owner *s = dmem_kt_owner(test, kr->root);
	struct dmem_kt_buf *p0, *p1, *q0, *q1, *s0, *s1, *s2, *s3, *s4;

	/* a protects exactly b1's claim: b1 within low, b2 unprotected. */
	dmem_kt_set_limit(kr->a, KT_LOW, 2 * U);
	dmem_kt_set_limit(kr->b1, KT_LOW, 2 * U);

	p0 = resident(test, p, "p0");
	p1 = resident(test, p, "p1");
	q0 = resident(test, q, "q0");
	q1 = resident(test, q, "q1");

	s0 = dmem_kt_pinned_buf(test, s, "s0");
	s1 = dmem_kt_pinned_buf(test, s, "s1");
	expect_log(test, (struct dmem_kt_buf *[]){ q0, q1 }, 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_LOW), 0);

	s2 = dmem_kt_pinned_buf(test, s, "s2");
	expect_log(test, (struct dmem_kt_buf *[]){ q0, q1, p0 }, 3);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_LOW), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_EVICT), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b2, DMEM_CGROUP_EVENT_LOW), 0);

	/* Now b1 keeps p1 by min: nothing else may go. */
	dmem_kt_set_limit(kr->a, KT_MIN, U);
	dmem_kt_set_limit(kr->b1, KT_MIN, U);
	s3 = dmem_kt_buf(test, s, U, "s3");
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&s3->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(s3), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->root, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 0);

	/* Even pinned by another owner, under soft: below min is never taken. */
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&p1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&s3->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->root, DMEM_EVICT_EVENT_ENOMEM), 2);

	/* Without min, p1 (pinned, another owner's) is revoked last. */
	dmem_kt_set_limit(kr->b1, KT_MIN, 0);
	dmem_kt_set_limit(kr->a, KT_MIN, 0);
	dmem_kt_set_limit(kr->b1, KT_LOW, 0);
	dmem_kt_set_limit(kr->a, KT_LOW, 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&s3->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);

	/* Only s's own pinned buffers are left: -ENOMEM, untouched. */
	s4 = dmem_kt_buf(test, s, U, "s4");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&s4->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(s0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(s1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(s2), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(s3), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->root, DMEM_EVICT_EVENT_ENOMEM), 3);
	expect_log(test, (struct dmem_kt_buf *[]){ q0, q1, p0, p1 }, 4);
}

/* The same owner's pinned buffers are never victims for it. */
static void dmem_evict_policy_own_pinned(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *x[4], *y, *w;
	struct dmem_kt_importer *ki;
	int i;

	for (i = 0; i < 4; i++)
		x[i] = dmem_kt_pinned_buf(test, a, "x");
	ki = dmem_kt_importer(test, x[0], KT_PROMPT);

	y = dmem_kt_buf(test, a, U, "y");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&y->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&y->buf), -ENOMEM);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, dmem_kt_state(x[i]), DMEM_BUF_RESIDENT);
		KUNIT_EXPECT_TRUE(test, dmem_buf_is_pinned(&x[i]->buf));
	}
	KUNIT_EXPECT_EQ(test, dmem_kt_state(y), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 0);
	KUNIT_EXPECT_EQ(test, kr->nr_log, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 4 * U);

	/* Another owner gets the oldest of them, revoked. */
	w = dmem_kt_buf(test, b, U, "w");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x[0]), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);
}

/*
 * Soft: other owners' pinned buffers go only after every unpinned
 * candidate, the requester's own unpinned ones included; revoked, with the
 * importers notified, the owner told, the counters right.
 */
static void dmem_evict_policy_soft_order(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *a0, *a1, *a2, *w0, *w1, *w2, *w3, *w4;
	struct dmem_kt_importer *ki;
	struct dmem_owner_stats st;

	a0 = dmem_kt_pinned_buf(test, a, "a0");
	ki = dmem_kt_importer(test, a0, KT_PROMPT);
	a1 = resident(test, a, "a1");
	a2 = resident(test, a, "a2");
	w0 = resident(test, b, "w0");

	w1 = resident(test, b, "w1");
	w2 = resident(test, b, "w2");
	w3 = resident(test, b, "w3");
	expect_log(test, (struct dmem_kt_buf *[]){ a1, a2, w0 }, 3);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 0);

	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&w1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&w2->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&w3->buf), 0);
	w4 = resident(test, b, "w4");
	expect_log(test, (struct dmem_kt_buf *[]){ a1, a2, w0, a0 }, 4);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_FALSE(test, dmem_buf_is_pinned(&a0->buf));
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_evicted), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_EVICT), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_REVOKED_BYTES), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_EVICTED_BYTES),
			2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b2), 3 * U);
	dmem_owner_get_stats(a->owner, &st);
	KUNIT_EXPECT_EQ(test, st.resident, 0);
	KUNIT_EXPECT_EQ(test, st.pinned, 0);
	KUNIT_EXPECT_EQ(test, st.revoked, U);
	KUNIT_EXPECT_EQ(test, st.evicted, 2 * U);

	/* The pin ended with the revoke. */
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&a0->buf), -EINVAL);
	/* Its owner may make it resident again: w4 (unpinned) goes. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&a0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w4), DMEM_BUF_EVICTED);
}

/* Strict: pinned buffers are never revoked. */
static void dmem_evict_policy_strict(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *a0, *a1, *w[3], *w3;
	struct dmem_kt_importer *ki;
	int i;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_STRICT, 1000);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a1 = dmem_kt_pinned_buf(test, a, "a1");
	ki = dmem_kt_importer(test, a0, KT_PROMPT);
	for (i = 0; i < 2; i++)
		w[i] = dmem_kt_pinned_buf(test, b, "w");
	w[2] = dmem_kt_buf(test, b, U, "w2");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w[2]->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 0);

	/* Unpinned buffers are still evicted under strict. */
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&a1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w[2]->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&w[2]->buf), 0);

	/* Back to soft: a0 goes, revoked. */
	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, 1000);
	w3 = resident(test, b, "w3");
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w3), DMEM_BUF_RESIDENT);
}

/*
 * A limit hit at b1: victims only inside b1's subtree, even if older ones
 * are elsewhere. The region full: the oldest anywhere.
 */
static void dmem_evict_policy_limit_subtree(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *q = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_owner *r = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_buf *q0, *p0, *r0, *p1, *r1, *p2;

	dmem_kt_set_limit(kr->b1, KT_MAX, 2 * U);
	q0 = resident(test, q, "q0");
	p0 = resident(test, p, "p0");
	r0 = resident(test, r, "r0");
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_MAX), 0);

	/* c1 is below b1: p0 goes, not the older q0 of b2. */
	p1 = resident(test, p, "p1");
	expect_log(test, (struct dmem_kt_buf *[]){ p0 }, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_MAX), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->c1, DMEM_EVICT_EVENT_EVICT), 1);

	/* r1 in b1 itself: r0 is b1's oldest. */
	r1 = resident(test, r, "r1");
	expect_log(test, (struct dmem_kt_buf *[]){ p0, r0 }, 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b2), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 3 * U);

	/* A limit at c1: only c1's own p1, although r1 of b1 is older. */
	dmem_kt_set_limit(kr->b1, KT_MAX, DMEM_VALUE_MAX);
	dmem_kt_set_limit(kr->c1, KT_MAX, U);
	p2 = resident(test, p, "p2");
	expect_log(test, (struct dmem_kt_buf *[]){ p0, r0, p1 }, 3);

	/* The region full (4 units, no limit hit): the oldest anywhere, q0. */
	resident(test, r, "r2");
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);
	resident(test, r, "r3");
	expect_log(test, (struct dmem_kt_buf *[]){ p0, r0, p1, q0 }, 4);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p2), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r1), DMEM_BUF_RESIDENT);
}

/*
 * A limit hit with only pinned buffers in the subtree: another owner's
 * pinned buffer inside is revoked, an older one outside is not; with only
 * the requester's own left, -ENOMEM counted in the requester's cgroup.
 */
static void dmem_evict_policy_limit_revoke(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *q = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_owner *r = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_buf *q0, *r0, *p0, *p1, *p2;

	dmem_kt_set_limit(kr->b1, KT_MAX, 2 * U);
	q0 = dmem_kt_pinned_buf(test, q, "q0");
	r0 = dmem_kt_pinned_buf(test, r, "r0");
	p0 = dmem_kt_pinned_buf(test, p, "p0");

	p1 = dmem_kt_buf(test, p, U, "p1");
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&p1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(q0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_MAX), 1);

	p2 = dmem_kt_buf(test, p, U, "p2");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&p2->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(q0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->c1, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->b1, DMEM_CGROUP_EVENT_MAX), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 3 * U);
}

/* dmem.pinned.max: the pin fails with -ENOMEM and a pin_max event. */
static void dmem_evict_policy_pinned_max(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_buf *p0, *p1;

	dmem_kt_set_limit(kr->a, KT_PINNED_MAX, U);
	p0 = dmem_kt_pinned_buf(test, p, "p0");
	p1 = dmem_kt_buf(test, p, U, "p1");
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&p1->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->a, DMEM_CGROUP_EVENT_PIN_MAX), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_event(kr->c1, DMEM_CGROUP_EVENT_PIN_MAX), 0);
	/* It was made resident; only the pin failed. */
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_FALSE(test, dmem_buf_is_pinned(&p1->buf));
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->c1), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->c1, DMEM_EVICT_STAT_EVICTABLE), U);

	/* A second pin of a pinned buffer charges nothing more. */
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&p0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->a), U);
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&p0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->a), U);
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&p0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->a), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&p0->buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&p1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->c1, DMEM_EVICT_STAT_EVICTABLE), U);
}

/* Lowering dmem.max evicts from the subtree, unpinned only. */
static void dmem_evict_policy_reclaim(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_owner *q = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *q0, *p0, *p1, *p2;

	q0 = resident(test, q, "q0");
	p0 = resident(test, p, "p0");
	p1 = dmem_kt_pinned_buf(test, p, "p1");
	p2 = resident(test, p, "p2");

	/* What a write of dmem.max does: set it, then reclaim. */
	dmem_kt_set_limit(kr->b1, KT_MAX, U);
	dmem_test_reclaim(kr->b1);
	expect_log(test, (struct dmem_kt_buf *[]){ p0, p2 }, 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(q0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), U);

	/* Only the pinned p1 is left: reclaim gives up, nothing revoked. */
	dmem_kt_set_limit(kr->b1, KT_MAX, 0);
	dmem_test_reclaim(kr->b1);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), U);
	KUNIT_EXPECT_EQ(test, kr->nr_log, 2);
	KUNIT_EXPECT_EQ(test, dmem_evict_reclaim(kr->b1, U, kr->er), -ENOSPC);
}

static void expect_gauges(struct kunit *test, struct dmem_cgroup_pool_state *pool,
			  s64 evictable, s64 buffers, s64 owners)
{
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(pool, DMEM_EVICT_STAT_EVICTABLE),
			evictable);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(pool, DMEM_EVICT_STAT_BUFFERS), buffers);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(pool, DMEM_EVICT_STAT_OWNERS), owners);
}

/* dmem.stat gauges through every transition; free returns everything. */
static void dmem_evict_policy_gauges(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_owner *p2 = dmem_kt_owner(test, kr->c1);
	struct dmem_kt_owner *q = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *x, *y, *z, *w;

	x = resident(test, p, "x");
	y = dmem_kt_pinned_buf(test, p, "y");
	z = resident(test, p2, "z");
	expect_gauges(test, kr->c1, 2 * U, 3, 2);
	expect_gauges(test, kr->b1, 2 * U, 3, 2);
	expect_gauges(test, kr->root, 2 * U, 3, 2);
	w = resident(test, q, "w");
	expect_gauges(test, kr->b2, U, 1, 1);
	expect_gauges(test, kr->a, 3 * U, 4, 3);

	/* Full: x goes; p keeps its link through y. */
	resident(test, q, "v");
	expect_gauges(test, kr->c1, U, 2, 2);
	expect_gauges(test, kr->a, 3 * U, 4, 3);
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&y->buf), 0);
	expect_gauges(test, kr->c1, 2 * U, 2, 2);

	dmem_kt_free(z);
	expect_gauges(test, kr->c1, U, 1, 1);
	dmem_kt_free(y);
	expect_gauges(test, kr->c1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->c1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->c1), 0);
	dmem_kt_free(x);
	dmem_kt_free(w);
	expect_gauges(test, kr->root, U, 1, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->root), U);
}

/* An evict op that fails leaves the victim resident and fails the call. */
static void dmem_evict_policy_evict_error(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_buf *x[4], *y;
	int i;

	for (i = 0; i < 4; i++)
		x[i] = resident(test, p, "x");
	x[0]->evict_ret = -EIO;
	y = dmem_kt_buf(test, p, U, "y");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&y->buf), -EIO);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x[0]), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(y), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);
	/* x0 went to the young end: x1 is next. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&y->buf), 0);
	expect_log(test, (struct dmem_kt_buf *[]){ x[1] }, 1);
	KUNIT_EXPECT_EQ(test, dmem_buf_init(&y->buf, kr->er, p->owner, 5 * U),
			-EINVAL);
}

/*
 * A victim the driver finds busy (-EBUSY) is skipped for the next one; only
 * when every victim is busy does the allocation fail, with -EBUSY.
 */
static void dmem_evict_policy_evict_busy(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *p = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_buf *x[4], *y, *z;
	int i;

	for (i = 0; i < 4; i++)
		x[i] = resident(test, p, "x");
	x[0]->evict_ret = -EBUSY;
	x[1]->evict_ret = -EBUSY;
	y = dmem_kt_buf(test, p, U, "y");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&y->buf), 0);
	expect_log(test, (struct dmem_kt_buf *[]){ x[2] }, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x[0]), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(x[1]), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);

	/* Everything resident is busy now: the allocation gives up. */
	x[3]->evict_ret = -EBUSY;
	y->evict_ret = -EBUSY;
	z = dmem_kt_buf(test, p, U, "z");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&z->buf), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(z), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 4 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);
}

/*
 * Decide before evicting: an owner with 2 units pinned and 1 unpinned in a
 * region of 4 asks for 3. Its unpinned unit could not make room (its
 * pinned ones are never victims for it), so it gets -ENOMEM at once and
 * keeps its working set; 2 units still fit, by evicting that one.
 */
static void dmem_evict_policy_no_evict_in_vain(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_buf *p0, *p1, *r0, *big, *fits;

	p0 = dmem_kt_pinned_buf(test, a, "p0");
	p1 = dmem_kt_pinned_buf(test, a, "p1");
	r0 = resident(test, a, "r0");

	big = dmem_kt_buf(test, a, 3 * U, "big");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&big->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, kr->nr_log, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_FUTILE_EVICTIONS), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 3 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_used(kr), 3 * U);

	fits = dmem_kt_buf(test, a, 2 * U, "fits");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&fits->buf), 0);
	expect_log(test, (struct dmem_kt_buf *[]){ r0 }, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_EVICT), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 4 * U);
}

/*
 * The same decision inside a limited subtree: b1 may hold 3 units, its
 * owner pins 2 and has 1 unpinned, and asks for 2. Only b1's subtree
 * counts, so another cgroup's unpinned buffer does not make it possible.
 */
static void dmem_evict_policy_no_evict_in_vain_limit(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *r0, *other, *big;

	dmem_kt_set_limit(kr->b1, KT_MAX, 3 * U);
	dmem_kt_pinned_buf(test, a, "p0");
	dmem_kt_pinned_buf(test, a, "p1");
	r0 = resident(test, a, "r0");
	other = resident(test, b, "other");

	big = dmem_kt_buf(test, a, 2 * U, "big");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&big->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, kr->nr_log, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(other), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->root, DMEM_EVICT_EVENT_EVICT), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 3 * U);
}

static struct kunit_case dmem_evict_policy_cases[] = {
	KUNIT_CASE(dmem_evict_policy_lru_order),
	KUNIT_CASE(dmem_evict_policy_low_then_min),
	KUNIT_CASE(dmem_evict_policy_own_pinned),
	KUNIT_CASE(dmem_evict_policy_soft_order),
	KUNIT_CASE(dmem_evict_policy_strict),
	KUNIT_CASE(dmem_evict_policy_limit_subtree),
	KUNIT_CASE(dmem_evict_policy_limit_revoke),
	KUNIT_CASE(dmem_evict_policy_pinned_max),
	KUNIT_CASE(dmem_evict_policy_reclaim),
	KUNIT_CASE(dmem_evict_policy_gauges),
	KUNIT_CASE(dmem_evict_policy_evict_error),
	KUNIT_CASE(dmem_evict_policy_evict_busy),
	KUNIT_CASE(dmem_evict_policy_no_evict_in_vain),
	KUNIT_CASE(dmem_evict_policy_no_evict_in_vain_limit),
	{}
};

static struct kunit_suite dmem_evict_policy_suite = {
	.name = "dmem_evict_policy",
	.init = dmem_evict_policy_init,
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_policy_cases,
};

kunit_test_suite(dmem_evict_policy_suite);

MODULE_DESCRIPTION("KUnit tests of the dmem eviction policy");
MODULE_LICENSE("GPL");
