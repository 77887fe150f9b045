// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the end of a revoke against the victim's own lock (a
 * driver's dma-buf reservation, here a mutex the fake evict op takes, see
 * struct dmem_kt_buf): the evict op that finishes a revoke may wait for
 * it, in the manager's work item; a pin or a make-resident under that lock
 * fails with -EBUSY instead of waiting for the revoke; a revoker holding
 * the lock waits for the finish no longer than its deadline, and the
 * memory is not reused before the finish.
 */

#include <linux/delay.h>

#include "dmem_evict_kunit.h"

#define U	KT_U

/* Long enough that no importer here times out. */
#define LONG_MS		30000
/* The revoke timeout of the bounded-finish test. */
#define SHORT_MS	20

/* Revokes of the ack-then-detach test. */
#define ROUNDS		200

static int dmem_evict_reserved_init(struct kunit *test)
{
	dmem_kt_region_create(test, 2 * U);
	return 0;
}

static struct mutex *kt_resv(struct kunit *test)
{
	struct mutex *resv = kunit_kzalloc(test, sizeof(*resv), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, resv);
	mutex_init(resv);
	return resv;
}

/**
 * struct kt_ack_detach - an importer that acknowledges and detaches at once
 * @imp: the manager's part
 * @work: acknowledges, then detaches, as a dma-buf importer does
 * @kb: the buffer, whose @resv is the reservation
 */
struct kt_ack_detach {
	struct dmem_importer imp;
	struct work_struct work;
	struct dmem_kt_buf *kb;
};

/*
 * The importer's unmap acknowledges under the reservation, which it holds
 * until the revoker has tried it (up to a second; the race made certain);
 * then it detaches: dma-buf's detach takes the reservation again, the
 * exporter's detach (dmem_importer_detach()) without it, then its unpin
 * under it once more.
 */
static void kt_ack_detach_workfn(struct work_struct *work)
{
	struct kt_ack_detach *x = container_of(work, struct kt_ack_detach, work);
	int busy = atomic_read(&x->kb->nr_evict_busy);
	struct mutex *resv = x->kb->resv;
	unsigned int us;

	mutex_lock(resv);
	dmem_importer_ack(&x->imp);
	for (us = 0; us < 1000000 &&
	     atomic_read(&x->kb->nr_evict_busy) == busy; us += 100)
		usleep_range(100, 200);
	mutex_unlock(resv);
	mutex_lock(resv);
	mutex_unlock(resv);
	dmem_importer_detach(&x->imp);
	mutex_lock(resv);
	mutex_unlock(resv);
}

static void kt_ack_detach_notify(struct dmem_importer *imp)
{
	struct kt_ack_detach *x = container_of(imp, struct kt_ack_detach, imp);

	queue_work(system_unbound_wq, &x->work);
}

static const struct dmem_importer_ops kt_ack_detach_ops = {
	.revoke_notify = kt_ack_detach_notify,
};

/*
 * ROUNDS times: a0 (owner a) is pinned with an importer attached, and w1
 * (owner b) needs its room, so a0 is revoked; the importer acknowledges
 * and detaches at once, holding a0's reservation across the revoker's
 * first try of the evict op (which finds it held: -EBUSY). Every revoke
 * succeeds all the same: the work item calls the evict op again, which
 * waits for the reservation. (Without that, every round would count a
 * revoke failure.)
 */
static void dmem_evict_reserved_ack_then_detach(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	unsigned int i, not_resident = 0, not_revoked = 0;
	struct dmem_kt_buf *a0, *w1;
	struct kt_ack_detach *x;

	x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	INIT_WORK(&x->work, kt_ack_detach_workfn);
	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a0->resv = kt_resv(test);
	x->kb = a0;
	dmem_kt_pinned_buf(test, b, "w0");
	w1 = dmem_kt_buf(test, b, U, "w1");

	for (i = 0; i < ROUNDS; i++) {
		/* Pinning a0 again evicts w1, unpinned. */
		if (i)
			KUNIT_ASSERT_EQ(test, dmem_buf_pin(&a0->buf), 0);
		dmem_importer_attach(&x->imp, &a0->buf, &kt_ack_detach_ops);
		not_resident += dmem_buf_make_resident(&w1->buf) != 0;
		not_revoked += dmem_kt_state(a0) != DMEM_BUF_REVOKED;
		flush_work(&x->work);
	}

	KUNIT_EXPECT_EQ(test, not_resident, 0);
	KUNIT_EXPECT_EQ(test, not_revoked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_failures, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoke_failed), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), ROUNDS);
	KUNIT_EXPECT_EQ(test, dmem_kt_evict_event(kr->b1, DMEM_EVICT_EVENT_REVOKE),
			ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict_busy), ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict_blocking), ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_restore), ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&w1->nr_evict), ROUNDS - 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).parked, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_pinned(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 2 * U);
	a0->resv = NULL;
}

/**
 * struct kt_revoker - an allocation in a work item
 * @work: makes @kb resident
 * @kb: the buffer
 * @ret: what dmem_buf_make_resident() returned
 */
struct kt_revoker {
	struct work_struct work;
	struct dmem_kt_buf *kb;
	int ret;
};

static void kt_revoker_workfn(struct work_struct *work)
{
	struct kt_revoker *r = container_of(work, struct kt_revoker, work);

	r->ret = dmem_buf_make_resident(&r->kb->buf);
}

/*
 * While a0's revoke waits for its importer, a pin or a make-resident under
 * a0's reservation fails with -EBUSY at once (the revoke needs that
 * reservation); a plain pin would wait. Once revoked, the reserved pin
 * pins as dmem_buf_pin() does.
 */
static void dmem_evict_reserved_pin_during_revoke(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_importer *ki;
	struct kt_revoker r = {};
	struct dmem_kt_buf *a0;
	unsigned int ms;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, LONG_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	ki = dmem_kt_importer(test, a0, KT_NEVER);
	dmem_kt_pinned_buf(test, b, "w0");
	r.kb = dmem_kt_buf(test, b, U, "w1");
	INIT_WORK_ONSTACK(&r.work, kt_revoker_workfn);
	queue_work(system_unbound_wq, &r.work);
	for (ms = 0; ms < 10000 && !atomic_read(&ki->nr_notify); ms++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, atomic_read(&ki->nr_notify), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);

	KUNIT_EXPECT_EQ(test, dmem_buf_pin_reserved(&a0->buf), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident_reserved(&a0->buf), -EBUSY);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);

	dmem_importer_ack(&ki->imp);
	flush_work(&r.work);
	destroy_work_on_stack(&r.work);
	KUNIT_EXPECT_EQ(test, r.ret, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_failures, 0);

	/* No revoke in flight: a pin (evicting w1, unpinned). */
	KUNIT_EXPECT_EQ(test, dmem_buf_pin_reserved(&a0->buf), 0);
	KUNIT_EXPECT_TRUE(test, dmem_buf_is_pinned(&a0->buf));
	KUNIT_EXPECT_EQ(test, dmem_kt_state(r.kb), DMEM_BUF_EVICTED);
}

/*
 * The revoker itself holds a0's reservation (the buffer it makes resident,
 * w1, shares it, so it calls the _reserved variant): the finish cannot
 * run, and the revoker waits for it no longer than one more revoke
 * timeout, then goes on without the memory, which stays a0's (charged,
 * REVOKING) until the finish. Releasing the reservation lets the work
 * item finish the revoke.
 */
static void dmem_evict_reserved_finish_bounded(struct kunit *test)
{
	struct dmem_kt_region *kr = test->priv;
	struct dmem_kt_owner *a = dmem_kt_owner(test, kr->b1);
	struct dmem_kt_owner *b = dmem_kt_owner(test, kr->b2);
	struct dmem_kt_buf *a0, *w1;

	dmem_kt_set_policy(kr, DMEM_PIN_POLICY_SOFT, SHORT_MS);
	a0 = dmem_kt_pinned_buf(test, a, "a0");
	a0->resv = kt_resv(test);
	dmem_kt_importer(test, a0, KT_PROMPT);
	dmem_kt_pinned_buf(test, b, "w0");
	w1 = dmem_kt_buf(test, b, U, "w1");

	mutex_lock(a0->resv);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident_reserved(&w1->buf), -ENOMEM);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKING);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(w1), DMEM_BUF_EVICTED);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).used, 2 * U);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), U);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict_busy), 1);
	mutex_unlock(a0->resv);

	dmem_kt_wait_idle(a0);
	KUNIT_EXPECT_EQ(test, dmem_kt_state(a0), DMEM_BUF_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&a0->nr_evict_blocking), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->nr_revoked), 1);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_failures, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_stats(kr).revoke_timeouts, 0);
	KUNIT_EXPECT_EQ(test, dmem_kt_usage(kr->b1), 0);
	KUNIT_EXPECT_EQ(test, dmem_buf_make_resident(&w1->buf), 0);
	a0->resv = NULL;
}

static struct kunit_case dmem_evict_reserved_cases[] = {
	KUNIT_CASE(dmem_evict_reserved_ack_then_detach),
	KUNIT_CASE(dmem_evict_reserved_pin_during_revoke),
	KUNIT_CASE(dmem_evict_reserved_finish_bounded),
	{}
};

static struct kunit_suite dmem_evict_reserved_suite = {
	.name = "dmem_evict_reserved",
	.init = dmem_evict_reserved_init,
	.exit = dmem_kt_region_exit,
	.test_cases = dmem_evict_reserved_cases,
};

kunit_test_suites(&dmem_evict_reserved_suite);

MODULE_DESCRIPTION("KUnit tests of revokes against the victim's own lock");
MODULE_LICENSE("GPL");
