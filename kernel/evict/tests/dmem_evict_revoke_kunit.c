// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the revoke protocol with fake importers (prompt, slow,
 * never acknowledging): the timeout path never reuses memory, late
 * acknowledgments and detaches finish parked revokes, device-level revoke
 * of an owner, and region teardown with buffers in every state.
 */

#include "dmem_evict_kunit.h"

#define U	KT_U

/* Short enough for the never-acknowledging importers. */
#define SHORT_MS	20
/* Long enough that a slow importer (20 ms) never times out. */
#define LONG_MS		30000

static int dmem_evict_revoke_init(struct kunit *test)
{
	dmem_kt_region_create(test, 2 * U);
	return 0;
}

/* Every importer is notified once; the revoke waits for the slow one. */
static void dmem_evict_revoke_prompt_and_slow(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *fast, *slow;
	struct dmem_kt_buf *a0, *w1;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	fast = dmem_kt_importer(test, a0, KT_PROMPT);
	slow = dmem_kt_importer(test, a0, KT_SLOW);
	dmem_kt_pinned_buf(test, b, "w0");

	w1 = dmem_kt_buf(test, b, U, "w1");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&fast->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&slow->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(DMEM_IMP_TIMED_OUT, &slow->imp.flags));

	/* The pins ended; the owner pins again, evicting the unpinned w1. */
	KUNIT_EXPECT_EQ(test, dmem_buf_unpin(&a0->buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&a0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w1), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_restore), 2);

	/* The importers stayed attached: a new revoke notifies them again. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&fast->nr_notify), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&slow->nr_notify), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 2);
}

/*
 * A never-acknowledging importer: the revoke is parked, the memory stays
 * charged and occupied, the allocation fails; the late ack finishes it.
 * Once a0 is parked, a1 alone could not make room for two units, so it is
 * not revoked in vain.
 */
static void dmem_evict_revoke_timeout_keeps_memory(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *never, *never1;
	struct dmem_kt_buf *a0, *a1, *w0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a1 = dmem_kt_pinned_buf(test, a, "a1");
	never = dmem_kt_importer(test, a0, KT_NEVER);
	never1 = dmem_kt_importer(test, a1, KT_NEVER);

	w0 = dmem_kt_buf(test, b, 2 * U, "w0");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w0), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, atomic_read(&never->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&never1->nr_notify), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(DMEM_IMP_TIMED_OUT, &never->imp.flags));
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 1);
	/* Nothing was reused: still charged, pinned and occupying the region. */
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_ENOMEM), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b2, DMEM_EVICT_STAT_FUTILE_EVICTIONS), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 0);

	/* Parked revokes are not victims again, and a1 alone is too small. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&never->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&never1->nr_notify), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_ENOMEM), 2);

	/* The late ack finishes the revoke of a0 only. */
	dmem_importer_ack(&never->imp);
	dmem_kt_wait_idle(a0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), U);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 1);
	/* A second ack is harmless. */
	dmem_importer_ack(&never->imp);

	/* a1 could make room now, but its importer is silent too: parked. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, atomic_read(&never1->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, U);
}

/* A parked victim does not stop the allocation: the next one is taken. */
static void dmem_evict_revoke_timeout_moves_on(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *never, *fast;
	struct dmem_kt_buf *a0, *a1, *w0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a1 = dmem_kt_pinned_buf(test, a, "a1");
	never = dmem_kt_importer(test, a0, KT_NEVER);
	fast = dmem_kt_importer(test, a1, KT_PROMPT);

	w0 = dmem_kt_buf(test, b, U, "w0");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&fast->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), U);

	/* Detaching the silent importer counts as its ack. */
	dmem_kt_detach(never);
	dmem_kt_wait_idle(a0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, U);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 2);
}

/* Revoke everything of one owner; nothing of it comes back. */
static void dmem_evict_revoke_owner(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *i0, *i2;
	struct dmem_kt_buf *a0, *a1, *a2, *a3, *w0;
	struct dmem_owner_stats st;

	a0 = dmem_kt_pinned_buf(test, a, "a0");
	i0 = dmem_kt_importer(test, a0, KT_PROMPT);
	a1 = dmem_kt_buf(test, a, U / 2, "a1");
	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&a1->buf), 0);
	a2 = dmem_kt_buf(test, a, U / 2, "a2");
	i2 = dmem_kt_importer(test, a2, KT_PROMPT);
	a3 = dmem_kt_buf(test, a, U, "a3");
	w0 = dmem_kt_buf(test, b, U / 2, "w0");
	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&w0->buf), 0);

	KUNIT_EXPECT_EQ(test, dmem_owner_revoke_all(a->owner), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a2), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a3), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_EQ(test, atomic_read(&i0->nr_notify), 1);
	/* Not resident: nothing to revoke, nobody notified. */
	KUNIT_EXPECT_EQ(test, atomic_read(&i2->nr_notify), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_REVOKED_BYTES),
			U + U / 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->b1, DMEM_EVICT_STAT_OWNERS), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, U / 2);
	dmem_owner_get_stats(a->owner, &st);
	KUNIT_EXPECT_EQ(test, st.resident, 0);
	KUNIT_EXPECT_EQ(test, st.pinned, 0);
	KUNIT_EXPECT_EQ(test, st.revoked, U + U / 2);

	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&a3->buf), -ENODEV);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&a0->buf), -ENODEV);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), 0);
}

/* An owner revoke with a silent importer parks that buffer and says so. */
static void dmem_evict_revoke_owner_timeout(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_importer *never;
	struct dmem_kt_buf *a0, *a1;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	never = dmem_kt_importer(test, a0, KT_NEVER);
	a1 = dmem_kt_pinned_buf(test, a, "a1");

	KUNIT_EXPECT_EQ(test, dmem_owner_revoke_all(a->owner), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, U);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 1);

	dmem_importer_ack(&never->imp);
	dmem_kt_wait_idle(a0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
}

/*
 * Teardown (hot-unplug) with buffers in every state: evicted, resident,
 * pinned with an importer, parked revoking with a silent importer, revoked.
 */
static void dmem_evict_revoke_teardown(struct kunit *test)
{
	struct dmem_kt_region *kr = dmem_kt_region_create(test, 5 * U);
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *v0, *k0, *w[5], *r0, *p0, *e0;
	struct dmem_kt_importer *iv, *ik, *ip;
	int i;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	v0 = dmem_kt_pinned_buf(test, a, "v0");
	iv = dmem_kt_importer(test, v0, KT_PROMPT);
	k0 = dmem_kt_pinned_buf(test, a, "k0");
	ik = dmem_kt_importer(test, k0, KT_NEVER);
	for (i = 0; i < 4; i++)
		w[i] = dmem_kt_pinned_buf(test, b, "w");
	/* v0 revoked for w3; k0 parked for w4, which fails. */
	KUNIT_ASSERT_EQ(test, dmem_kt_state(v0), DMEM_BUF_REVOKED);
	w[4] = dmem_kt_buf(test, b, U, "w4");
	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&w[4]->buf), -ENOMEM);
	KUNIT_ASSERT_EQ(test, dmem_kt_state(k0), DMEM_BUF_REVOKING);
	dmem_kt_free(w[3]);
	dmem_kt_free(w[2]);
	r0 = dmem_kt_buf(test, a, U, "r0");
	KUNIT_ASSERT_EQ(test, dmem_buf_make_resident(&r0->buf), 0);
	p0 = dmem_kt_pinned_buf(test, a, "p0");
	ip = dmem_kt_importer(test, p0, KT_PROMPT);
	e0 = dmem_kt_buf(test, a, U, "e0");
	KUNIT_ASSERT_EQ(test, dmem_kt_stats(kr).used, 5 * U);
	KUNIT_ASSERT_EQ(test, dmem_kt_stats(kr).parked, 1);

	dmem_evict_region_teardown(kr->er);

	KUNIT_EXPECT_EQ(test, dmem_kt_state(e0), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(p0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(k0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(v0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w[0]), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w[1]), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&iv->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ik->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ip->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->root), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->root), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->root, DMEM_EVICT_STAT_BUFFERS), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->root, DMEM_EVICT_STAT_EVICTABLE), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stat(kr->root, DMEM_EVICT_STAT_OWNERS), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 4);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b2, DMEM_EVICT_EVENT_REVOKE), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->nr_revoked), 2);

	/* Nothing becomes resident any more; freeing still works. */
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&e0->buf), -ENODEV);
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&r0->buf), -ENODEV);
	dmem_kt_detach(ik);
	dmem_kt_free(k0);
	dmem_evict_region_teardown(kr->er);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).buffers, kr->nr_bufs - 3);
}

/*
 * Every importer acknowledged but the evict op that ends the revoke fails
 * (-EBUSY here; no system memory for the copy would do the same): the
 * pins ended, so the owner is told, and it is counted, at once.
 */
static void dmem_evict_revoke_evict_busy(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_owner_stats os;
	struct dmem_kt_importer *nic;
	struct dmem_kt_buf *a0, *w1;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	nic = dmem_kt_importer(test, a0, KT_PROMPT);
	a0->evict_ret = -EBUSY;
	dmem_kt_pinned_buf(test, b, "w0");

	w1 = dmem_kt_buf(test, b, U, "w1");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_RESIDENT);
	KUNIT_EXPECT_FALSE(test, dmem_buf_is_pinned(&a0->buf));
	KUNIT_EXPECT_EQ(test, atomic_read(&nic->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoke_failed), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_failures, 1);
	dmem_owner_get_stats(a->owner, &os);
	KUNIT_EXPECT_EQ(test, os.revoke_failures, 1);
	KUNIT_EXPECT_EQ(test, os.pinned, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 0);
}

static struct kunit_case dmem_evict_revoke_cases[] = {
	KUNIT_CASE(dmem_evict_revoke_prompt_and_slow),
	KUNIT_CASE(dmem_evict_revoke_timeout_keeps_memory),
	KUNIT_CASE(dmem_evict_revoke_timeout_moves_on),
	KUNIT_CASE(dmem_evict_revoke_owner),
	KUNIT_CASE(dmem_evict_revoke_owner_timeout),
	KUNIT_CASE(dmem_evict_revoke_evict_busy),
	{}
};

static struct kunit_suite dmem_evict_revoke_suite = {
	.name = "dmem_evict_revoke",
	.init = dmem_evict_revoke_init,
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_revoke_cases,
};

static struct kunit_case dmem_evict_teardown_cases[] = {
	KUNIT_CASE(dmem_evict_revoke_teardown),
	{}
};

/* Its own suite: it builds its own, larger, region. */
static struct kunit_suite dmem_evict_teardown_suite = {
	.name = "dmem_evict_teardown",
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_teardown_cases,
};

kunit_test_suites(&dmem_evict_revoke_suite, &dmem_evict_teardown_suite);

MODULE_DESCRIPTION("KUnit tests of dmem revoke notifications and teardown");
MODULE_LICENSE("GPL");
