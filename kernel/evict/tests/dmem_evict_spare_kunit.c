// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the region's spare revoke object (dmem_evict_region::spare):
 * a revoke reuses the object the last one left, a parked revoke keeps its
 * own and the next revoke gets another, and a revoke that outlives the
 * teardown holds the region until its last reference goes. Leaks and
 * use-after-free show on the debug kernel (kmemleak, KASAN).
 */

#include <linux/delay.h>

#include "dmem_evict_kunit.h"

#define U	KT_U

/* Short enough for the never-acknowledging importers. */
#define SHORT_MS	20
/* Long enough that no prompt importer times out. */
#define LONG_MS		30000

static int dmem_evict_spare_init(struct kunit *test)
{
	dmem_kt_region_create(test, 2 * U);
	return 0;
}

static struct dmem_revoke *dmem_kt_spare(struct dmem_kt_region *kr)
{
	return READ_ONCE(kr->er->spare);
}

static struct dmem_revoke *dmem_kt_parked(struct dmem_kt_region *kr)
{
	struct dmem_revoke *rv;

	spin_lock(&kr->er->lock);
	rv = list_first_entry_or_null(&kr->er->parked, struct dmem_revoke,
				      node);
	spin_unlock(&kr->er->lock);
	return rv;
}

/* Wait (up to 5 s) until @rv has @refs references left. */
static unsigned int dmem_kt_wait_refs(struct dmem_revoke *rv, unsigned int refs)
{
	int i;

	for (i = 0; i < 250 && refcount_read(&rv->ref) != refs; i++)
		msleep(20);
	return refcount_read(&rv->ref);
}

/* Two revokes in a row use the same object, allocated before either. */
static void dmem_evict_spare_reused(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *imp;
	struct dmem_kt_buf *a0, *w1;
	struct dmem_revoke *spare;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	imp = dmem_kt_importer(test, a0, KT_PROMPT);
	dmem_kt_pinned_buf(test, b, "w0");
	/* Each make-resident got and gave back the object it may need. */
	spare = dmem_kt_spare(kr);
	KUNIT_ASSERT_NOT_NULL(test, spare);

	w1 = dmem_kt_buf(test, b, U, "w1");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_PTR_EQ(test, dmem_kt_spare(kr), spare);
	KUNIT_EXPECT_EQ(test, refcount_read(&spare->ref), 0);
	KUNIT_EXPECT_PTR_EQ(test, spare->buf, &a0->buf);

	/* a0 pinned again (w1 evicted for it) and revoked again. */
	KUNIT_EXPECT_EQ(test, dmem_buf_pin(&a0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w1), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_PTR_EQ(test, dmem_kt_spare(kr), spare);
	KUNIT_EXPECT_EQ(test, atomic_read(&imp->nr_notify), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE), 2);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
}

/*
 * A parked revoke keeps its object; the next revoke gets a new one, which
 * becomes the spare. The parked one, finished by its late ack, is freed:
 * the spare stays the other.
 */
static void dmem_evict_spare_parked_then_new(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *never, *fast;
	struct dmem_revoke *first, *parked, *spare;
	struct dmem_kt_buf *a0, *a1, *w0;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a1 = dmem_kt_pinned_buf(test, a, "a1");
	never = dmem_kt_importer(test, a0, KT_NEVER);
	fast = dmem_kt_importer(test, a1, KT_PROMPT);
	first = dmem_kt_spare(kr);
	KUNIT_ASSERT_NOT_NULL(test, first);

	w0 = dmem_kt_buf(test, b, U, "w0");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w0->buf), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a1), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 1);
	parked = dmem_kt_parked(kr);
	KUNIT_ASSERT_NOT_NULL(test, parked);
	/* The first revoke took the spare and keeps it while parked. */
	KUNIT_EXPECT_PTR_EQ(test, parked, first);
	KUNIT_EXPECT_PTR_EQ(test, parked->buf, &a0->buf);
	/* The work item's reference and the silent importer's. */
	KUNIT_EXPECT_EQ(test, refcount_read(&parked->ref), 2);
	spare = dmem_kt_spare(kr);
	KUNIT_ASSERT_NOT_NULL(test, spare);
	KUNIT_EXPECT_PTR_NE(test, spare, parked);
	KUNIT_EXPECT_PTR_EQ(test, spare->buf, &a1->buf);
	KUNIT_EXPECT_EQ(test, refcount_read(&spare->ref), 0);

	/* The late ack finishes the parked revoke; the spare stays. */
	dmem_importer_ack(&never->imp);
	dmem_kt_wait_idle(a0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 2);
	KUNIT_EXPECT_PTR_EQ(test, dmem_kt_spare(kr), spare);
	KUNIT_EXPECT_EQ(test, atomic_read(&fast->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&never->nr_notify), 1);
}

/*
 * Teardown with a parked revoke whose importer never acknowledges: the
 * teardown finishes it, but the importer's reference keeps the object,
 * and the object keeps the region, until the importer detaches.
 */
static void dmem_evict_spare_teardown_parked(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *never;
	struct dmem_kt_buf *a0, *w0, *w1;
	struct dmem_revoke *parked;
	unsigned int refs;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	never = dmem_kt_importer(test, a0, KT_NEVER);
	w0 = dmem_kt_pinned_buf(test, b, "w0");
	w1 = dmem_kt_buf(test, b, U, "w1");
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), -ENOMEM);
	KUNIT_ASSERT_EQ(test, dmem_kt_stats(kr).parked, 1);
	parked = dmem_kt_parked(kr);
	KUNIT_ASSERT_NOT_NULL(test, parked);
	/* The parked revoke took the only object: no spare now. */
	KUNIT_EXPECT_NULL(test, dmem_kt_spare(kr));

	dmem_evict_region_teardown(kr->er);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&parked->state),
			DMEM_REVOKE_ABANDONED);
	/* The work item's reference goes after a0 is idle: wait for it. */
	KUNIT_EXPECT_EQ(test, dmem_kt_wait_refs(parked, 1), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(DMEM_IMP_AWAITED, &never->imp.flags));

	/* The detach drops the last reference, and the region's with it. */
	refs = kref_read(&kr->er->ref);
	dmem_kt_detach(never);
	KUNIT_EXPECT_EQ(test, kref_read(&kr->er->ref), refs - 1);
	KUNIT_EXPECT_FALSE(test, test_bit(DMEM_IMP_AWAITED, &never->imp.flags));
	KUNIT_EXPECT_EQ(test, atomic_read(&never->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
}

static struct kunit_case dmem_evict_spare_cases[] = {
	KUNIT_CASE(dmem_evict_spare_reused),
	KUNIT_CASE(dmem_evict_spare_parked_then_new),
	KUNIT_CASE(dmem_evict_spare_teardown_parked),
	{}
};

static struct kunit_suite dmem_evict_spare_suite = {
	.name = "dmem_evict_revoke_spare",
	.init = dmem_evict_spare_init,
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_spare_cases,
};

kunit_test_suite(dmem_evict_spare_suite);

MODULE_DESCRIPTION("KUnit tests of the reuse of revoke objects");
MODULE_LICENSE("GPL");
