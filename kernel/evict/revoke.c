// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: importers and the revoke protocol.
 *
 * A revoke marks the buffer REVOKING (busy), calls every importer's
 * revoke_notify once, without locks, and waits up to the region's revoke
 * timeout for all acknowledgments. Then the buffer is evicted (its data
 * preserved), uncharged and its pins dropped, and its owner told.
 *
 * One operation waits one timeout in all, however many buffers it revokes
 * (struct dmem_revoke_deadline): a sweep (teardown, owner-wide revoke)
 * notifies the importers of every buffer before it waits for any.
 *
 * An importer that does not acknowledge in time is recorded (trace event
 * dmem_revoke_timeout, the region's revoke_timeouts counter) and the
 * revoke is parked: the buffer keeps its device memory, its charge and its
 * state, since a device may still write to it. The allocation that wanted
 * the memory goes on with another victim. The last late acknowledgment
 * (or detach) queues a work item that finishes the revoke. Only the
 * teardown of the region finishes a revoke without every acknowledgment.
 *
 * Acknowledgments are lockless so that importers may ack from any
 * context: clearing an importer's AWAITED bit gives the right to drop one
 * count of dmem_revoke::pending, and the party that brings it to zero acts
 * according to dmem_revoke::state, which changes by atomic_cmpxchg() only:
 *
 *   WAITING --last ack--> DONE       the revoker finishes it (see below)
 *   WAITING --timeout---> PARKED     the revoker moves on
 *   PARKED  --last ack--> LATE       the work item finishes the revoke
 *   PARKED  --teardown--> ABANDONED  the teardown has the work item finish it
 *   WAITING --teardown--> ABANDONED  (timeout during a teardown) the teardown
 *                                    finishes it (see below)
 *
 * Finishing: the evict op, then the bookkeeping (dmem_revoke_complete()).
 * The revoker first calls the evict op itself without may_block, as an
 * eviction does: it only tries the victim's locks. If they are busy
 * (-EBUSY), and always for a late or abandoned parked revoke, the
 * revoke's work item (dmem_revoke::work) calls it with may_block. The
 * work runs holding no lock, so the evict op may wait there for the
 * victim's own locks (its dma-buf reservation): an importer acknowledges
 * by unmapping under that reservation and may still hold it, or take it
 * again to detach, when the revoke goes on.
 *
 * Why that cannot deadlock. The work waits only for the victim's locks.
 * Their holders are (a) importers unmapping, detaching, or being told of
 * the revoke, which wait for nothing of the manager; (b) users of the
 * victim under its reservation (a dma-buf pin or map), which use
 * dmem_buf_pin_reserved() or dmem_buf_make_resident_reserved() and fail
 * with -EBUSY at once on a REVOKING buffer, decided under the region lock
 * so no revoke can start between the check and a wait; (c) a revoker of
 * another victim, or any thread making room, under a reservation (a
 * _reserved make-resident or pin: a reservation shared by several
 * buffers, a driver that locks several), which waits for that victim's
 * work only until its own deadline: one more revoke timeout of the
 * operation (dmem_revoke_deadline::finish_at), after which it treats the
 * revoke as parked (-ETIMEDOUT: its memory is not counted as freed; the
 * work releases it when it ends). So every cycle through the work passes
 * through a wait bounded by a revoker's deadline, and none hangs. The
 * buffer stays busy and REVOKING until then, so nobody is handed its
 * memory while an importer may use it. Revokers that hold no lock of the
 * driver (dmem_buf_make_resident(), dmem_buf_pin(), an owner revoke, the
 * teardown) wait for the work until it ends: nothing it waits for waits
 * for them, and the evict op's copy may take longer than a revoke timeout.
 */

#include <linux/export.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <trace/events/dmem.h>

#include "evict_internal.h"

static void dmem_revoke_workfn(struct work_struct *work);

/* Keep @rv, used by no revoke, as @region's spare if it has none. */
static void dmem_revoke_keep(struct dmem_evict_region *region,
			     struct dmem_revoke *rv)
{
	if (cmpxchg(&region->spare, NULL, rv))
		kfree(rv);
}

/*
 * The last reference: nothing refers to @rv any more, so it may serve the
 * region's next revoke. Any context; takes no lock.
 */
static void dmem_revoke_put(struct dmem_revoke *rv)
{
	struct dmem_evict_region *region = rv->region;

	if (!refcount_dec_and_test(&rv->ref))
		return;
	dmem_revoke_keep(region, rv);
	dmem_evict_region_put(region);
}

/**
 * dmem_revoke_get() - a revoke object for a revoke of @region
 * @region: the region
 * @gfp: for a new object if the region has no spare
 *
 * The region's spare (what the last revoke left) if it has one: no
 * allocation, and no lock, on the common path. The object is the caller's
 * until dmem_revoke_start_locked() or dmem_revoke_discard().
 *
 * Context: any context @gfp allows; may be called under the region lock
 * with a @gfp that does not sleep.
 * Return: the object, or NULL if it could not be allocated.
 */
struct dmem_revoke *dmem_revoke_get(struct dmem_evict_region *region,
				    gfp_t gfp)
{
	struct dmem_revoke *rv = xchg(&region->spare, NULL);

	if (rv) {
		/* Completed and waited for by the last use, whose refs are gone. */
		reinit_completion(&rv->done);
		reinit_completion(&rv->finished);
		rv->ret = 0;
		return rv;
	}
	rv = kzalloc(sizeof(*rv), gfp);
	if (rv) {
		init_completion(&rv->done);
		init_completion(&rv->finished);
		INIT_WORK(&rv->work, dmem_revoke_workfn);
		INIT_LIST_HEAD(&rv->node);
		INIT_LIST_HEAD(&rv->batch);
	}
	return rv;
}

/**
 * dmem_revoke_discard() - give back a revoke object that was never started
 * @region: the region it was got for
 * @rv: the object from dmem_revoke_get(), or NULL
 *
 * Context: any context; takes no lock.
 */
void dmem_revoke_discard(struct dmem_evict_region *region,
			 struct dmem_revoke *rv)
{
	if (rv)
		dmem_revoke_keep(region, rv);
}

/**
 * dmem_revoke_free_spare() - free the region's spare revoke object
 * @region: the region, torn down or released
 *
 * Context: any context.
 */
void dmem_revoke_free_spare(struct dmem_evict_region *region)
{
	kfree(xchg(&region->spare, NULL));
}

/* Drop one count of pending; act on the state if it was the last. */
static void dmem_revoke_ack(struct dmem_revoke *rv)
{
	int old;

	if (!atomic_dec_and_test(&rv->pending))
		return;
	old = atomic_cmpxchg(&rv->state, DMEM_REVOKE_WAITING, DMEM_REVOKE_DONE);
	if (old == DMEM_REVOKE_WAITING)
		complete(&rv->done);
	else if (old == DMEM_REVOKE_PARKED &&
		 atomic_cmpxchg(&rv->state, DMEM_REVOKE_PARKED,
				DMEM_REVOKE_LATE) == DMEM_REVOKE_PARKED)
		queue_work(system_unbound_wq, &rv->work);
}

static void dmem_revoke_trace(struct dmem_buf *buf,
			      void (*trace)(const char *, u64, pid_t, u64))
{
	trace(dmem_cgroup_region_name(buf->region->cg),
	      dmem_cgroup_pool_cgroup_id(dmem_buf_pool(buf)), buf->owner->tgid,
	      buf->size);
}

/**
 * dmem_revoke_start_locked() - start revoking a resident buffer
 * @buf: the buffer, RESIDENT and idle (listed or not)
 * @rv: a revoke object from dmem_revoke_get() for @buf's region, consumed
 *
 * Marks the buffer REVOKING and busy, drops its pins (the pinned charge
 * stays until the memory is released) and records every attached importer
 * as awaited. The revoke holds a reference on the region until its object
 * is released. The caller then drops the lock and calls dmem_revoke_run().
 */
void dmem_revoke_start_locked(struct dmem_buf *buf, struct dmem_revoke *rv)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_evict_link *link = buf->link;
	struct dmem_importer *importer;

	lockdep_assert_held(&region->lock);

	dmem_buf_unlist_locked(buf);
	if ((buf->flags & DMEM_BUF_F_PINNED) && list_empty(&link->pinned))
		list_del_init(&link->pool_node);
	buf->state = DMEM_BUF_REVOKING;
	buf->flags |= DMEM_BUF_F_BUSY;
	buf->pin_count = 0;
	region->nr_busy++;
	region->nr_inflight++;

	rv->buf = buf;
	rv->region = region;
	kref_get(&region->ref);
	/* One count for the revoker until every importer was notified. */
	atomic_set(&rv->pending, 1);
	atomic_set(&rv->state, DMEM_REVOKE_WAITING);
	refcount_set(&rv->ref, 1);
	rv->start_ns = ktime_get_ns();
	list_for_each_entry(importer, &buf->importers, node) {
		importer->revoke = rv;
		atomic_inc(&rv->pending);
		refcount_inc(&rv->ref);
		set_bit(DMEM_IMP_NEED_NOTIFY, &importer->flags);
		clear_bit(DMEM_IMP_TIMED_OUT, &importer->flags);
		/* Publish ->revoke before the bit that lets an ack read it. */
		smp_mb__before_atomic();
		set_bit(DMEM_IMP_AWAITED, &importer->flags);
	}
	dmem_revoke_trace(buf, trace_dmem_revoke_start);
}

/*
 * Call each importer's revoke_notify once, without the lock, in one pass:
 * the importer being notified stays on the list (dmem_importer_detach()
 * waits while it is NOTIFYING), so the walk resumes after it; importers
 * attached meanwhile join at the tail and are reached too.
 */
static void dmem_revoke_notify_all(struct dmem_evict_region *region,
				   struct dmem_buf *buf)
{
	struct dmem_importer *importer = NULL;

	spin_lock(&region->lock);
	importer = list_prepare_entry(importer, &buf->importers, node);
	list_for_each_entry_continue(importer, &buf->importers, node) {
		if (!test_bit(DMEM_IMP_NEED_NOTIFY, &importer->flags))
			continue;
		clear_bit(DMEM_IMP_NEED_NOTIFY, &importer->flags);
		/* dmem_importer_detach() waits while this is set. */
		set_bit(DMEM_IMP_NOTIFYING, &importer->flags);
		spin_unlock(&region->lock);
		importer->ops->revoke_notify(importer);
		spin_lock(&region->lock);
		clear_bit(DMEM_IMP_NOTIFYING, &importer->flags);
		/* Orders the clear before the look (wq_has_sleeper()). */
		if (wq_has_sleeper(&region->wq))
			wake_up_all(&region->wq);
	}
	spin_unlock(&region->lock);
}

/* Record the importers that did not acknowledge in time. */
static void dmem_revoke_record_timeouts_locked(struct dmem_revoke *rv)
{
	struct dmem_evict_region *region = rv->region;
	struct dmem_importer *importer;

	lockdep_assert_held(&region->lock);
	list_for_each_entry(importer, &rv->buf->importers, node) {
		if (!test_bit(DMEM_IMP_AWAITED, &importer->flags) ||
		    importer->revoke != rv)
			continue;
		set_bit(DMEM_IMP_TIMED_OUT, &importer->flags);
		region->revoke_timeouts++;
		dmem_revoke_trace(rv->buf, trace_dmem_revoke_timeout);
	}
}

/*
 * The evict op returned @ret for the revoked buffer: release its memory
 * (or leave it resident, unpinned), count, tell the owner, complete
 * dmem_revoke::finished and drop the finisher's reference. The buffer is
 * busy and counted in nr_busy and nr_inflight.
 */
static int dmem_revoke_complete(struct dmem_revoke *rv, int ret)
{
	struct dmem_evict_region *region = rv->region;
	struct dmem_buf *buf = rv->buf;
	struct dmem_owner *owner = buf->owner;
	struct dmem_cgroup_pool_state *pool;
	u64 cgroup_id;

	spin_lock(&region->lock);
	if (ret && region->dead) {
		/* Torn down: the memory goes back whatever the driver said. */
		ret = 0;
	}
	pool = dmem_buf_pool(buf);
	cgroup_id = dmem_cgroup_pool_cgroup_id(pool);
	if (!ret) {
		dmem_evict_pool_event(pool, DMEM_EVICT_EVENT_REVOKE);
		dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_REVOKED_BYTES,
					 buf->size);
		atomic64_add(buf->size, &owner->revoked);
		dmem_buf_release_locked(buf);
		buf->state = DMEM_BUF_REVOKED;
	} else {
		/* Still resident, no longer pinned: the pins ended. */
		if (buf->flags & DMEM_BUF_F_PINNED) {
			buf->flags &= ~DMEM_BUF_F_PINNED;
			dmem_cgroup_uncharge_pinned(pool, buf->size);
			atomic64_sub(buf->size, &owner->pinned);
			dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_EVICTABLE,
						 buf->size);
		}
		buf->state = DMEM_BUF_RESIDENT;
		dmem_buf_stamp_locked(buf, &buf->link->epool->lru);
		region->revoke_failures++;
		atomic64_inc(&owner->revoke_failures);
	}
	region->nr_inflight--;
	region->inflight_seq++;
	spin_unlock(&region->lock);

	trace_dmem_revoke_done(dmem_cgroup_region_name(region->cg), cgroup_id,
			       owner->tgid, buf->size,
			       ktime_get_ns() - rv->start_ns, ret);
	/* Either way the pins are gone: the owner hears of it. */
	dmem_owner_notify(buf, ret ? DMEM_OWNER_BUF_REVOKE_FAILED :
			  DMEM_OWNER_BUF_REVOKED);

	spin_lock(&region->lock);
	dmem_buf_unbusy_locked(buf);
	spin_unlock(&region->lock);
	rv->ret = ret;
	complete_all(&rv->finished);
	dmem_revoke_put(rv);
	return ret;
}

/* Take a parked revoke off the parked list to finish it. */
static void dmem_revoke_unpark_locked(struct dmem_revoke *rv)
{
	struct dmem_evict_region *region = rv->region;

	lockdep_assert_held(&region->lock);
	list_del_init(&rv->node);
	rv->buf->flags &= ~DMEM_BUF_F_PARKED;
	region->nr_busy++;
	region->nr_inflight++;
}

static void dmem_revoke_workfn(struct work_struct *work)
{
	struct dmem_revoke *rv = container_of(work, struct dmem_revoke, work);
	struct dmem_evict_region *region = rv->region;

	/* LATE: parked until the last ack, which queued this. */
	if (atomic_read(&rv->state) == DMEM_REVOKE_LATE) {
		spin_lock(&region->lock);
		dmem_revoke_unpark_locked(rv);
		spin_unlock(&region->lock);
	}
	/*
	 * The evict op may block on the buffer's own locks: only here, where
	 * nothing is held. lockdep_assert_none_held_once() cannot say it (a
	 * work item runs with the workqueue's lockdep maps held); this does:
	 * the caller is the revoke's own work item, not a path into it.
	 */
	WARN_ON_ONCE(current_work() != &rv->work);
	dmem_revoke_complete(rv, region->ops->evict(rv->buf, true));
}

/* Jiffies left until *@at, which is set to a revoke timeout from now first. */
static unsigned long dmem_revoke_left(unsigned long *at, bool *set,
				      struct dmem_evict_region *region)
{
	unsigned long now = jiffies;

	if (!*set) {
		*at = now +
		      msecs_to_jiffies(dmem_evict_revoke_timeout_ms(region->cg));
		*set = true;
	}
	return time_after(*at, now) ? *at - now : 0;
}

/**
 * dmem_revoke_deadline_left() - what is left of an operation's revoke timeout
 * @deadline: the operation's deadline; set now to the region's revoke
 *	timeout from now if not set yet
 * @region: the region whose timeout starts the deadline
 *
 * Return: jiffies left, 0 once the deadline has passed.
 */
unsigned long dmem_revoke_deadline_left(struct dmem_revoke_deadline *deadline,
					struct dmem_evict_region *region)
{
	return dmem_revoke_left(&deadline->at, &deadline->set, region);
}

/* Wait up to @left jiffies for the last ack; > 0 if it came, < 0 on a signal. */
static long dmem_revoke_wait(struct dmem_revoke *rv, bool abandon,
			     unsigned long left)
{
	if (!left)
		return try_wait_for_completion(&rv->done) ? 1 : 0;
	if (abandon)
		return wait_for_completion_timeout(&rv->done, left);
	return wait_for_completion_interruptible_timeout(&rv->done, left);
}

/*
 * Every importer acknowledged (or, @abandon, the teardown gave up on them):
 * finish the revoke. Most of the time the victim's locks are free, and the
 * evict op, called here as for an eviction (without may_block: it only
 * tries them), succeeds or fails for good. If it says -EBUSY, queue the
 * work item that calls it with may_block and wait for it: without bound if
 * @abandon; until the operation's finish deadline if it holds a buffer's
 * reservation (dmem_revoke_deadline::finish_bounded), after which the
 * revoke counts as parked; else until it ends. Not past a signal but for
 * @abandon. The work then holds the finisher's reference; the wait takes
 * one of its own.
 *
 * Return: the result of the evict op; -ETIMEDOUT or -EINTR if the work has
 * not ended (it releases the memory when it does).
 */
static int dmem_revoke_finish(struct dmem_revoke *rv, bool abandon,
			      struct dmem_revoke_deadline *deadline)
{
	unsigned long timeout;
	long left = 1;
	int ret;

	ret = rv->region->ops->evict(rv->buf, false);
	if (ret != -EBUSY)
		return dmem_revoke_complete(rv, ret);

	refcount_inc(&rv->ref);
	queue_work(system_unbound_wq, &rv->work);
	if (abandon) {
		wait_for_completion(&rv->finished);
	} else if (!deadline->finish_bounded) {
		if (wait_for_completion_interruptible(&rv->finished))
			left = -ERESTARTSYS;
	} else {
		timeout = dmem_revoke_left(&deadline->finish_at,
					   &deadline->finish_set, rv->region);
		left = wait_for_completion_interruptible_timeout(&rv->finished,
								 timeout);
	}
	if (completion_done(&rv->finished))
		ret = rv->ret;
	else
		ret = left ? -EINTR : -ETIMEDOUT;
	dmem_revoke_put(rv);
	return ret;
}

/*
 * Wait for a notified revoke's acknowledgments until @deadline, then
 * finish it, or park it (abandon: finish it all the same).
 */
static int dmem_revoke_conclude(struct dmem_revoke *rv, bool abandon,
				struct dmem_revoke_deadline *deadline)
{
	struct dmem_evict_region *region = rv->region;
	struct dmem_buf *buf = rv->buf;
	bool finish;
	long left;

	left = dmem_revoke_wait(rv, abandon,
				dmem_revoke_deadline_left(deadline, region));
	if (left > 0)
		return dmem_revoke_finish(rv, abandon, deadline);

	spin_lock(&region->lock);
	/* Nobody would finish a revoke parked in a torn down region. */
	finish = abandon || region->dead;
	if (atomic_cmpxchg(&rv->state, DMEM_REVOKE_WAITING,
			   finish ? DMEM_REVOKE_ABANDONED : DMEM_REVOKE_PARKED) !=
	    DMEM_REVOKE_WAITING) {
		/* The last ack came meanwhile; it completes rv->done. */
		spin_unlock(&region->lock);
		wait_for_completion(&rv->done);
		return dmem_revoke_finish(rv, abandon, deadline);
	}
	if (!left)
		dmem_revoke_record_timeouts_locked(rv);
	if (finish) {
		spin_unlock(&region->lock);
		return dmem_revoke_finish(rv, abandon, deadline);
	}
	list_add_tail(&rv->node, &region->parked);
	buf->flags |= DMEM_BUF_F_PARKED;
	region->nr_busy--;
	region->nr_inflight--;
	region->inflight_seq++;
	wake_up_all(&region->wq);
	spin_unlock(&region->lock);
	return left ? -EINTR : -ETIMEDOUT;
}

/* Call the importers of a started revoke; the revoker's count goes. */
static void dmem_revoke_notify(struct dmem_revoke *rv)
{
	dmem_revoke_notify_all(rv->region, rv->buf);
	dmem_revoke_ack(rv);
}

/**
 * dmem_revoke_run() - notify, wait for the acknowledgments, finish
 * @rv: a revoke started by dmem_revoke_start_locked()
 * @abandon: on timeout, finish anyway (region teardown); the wait is then
 *	not interruptible
 * @deadline: the deadline of the operation this revoke is part of, or NULL
 *	for one revoke timeout from now
 *
 * Context: process context, may sleep; may hold a lock of the driver but
 * for the victim's own (see the top of this file).
 * Return: 0 once revoked; -ETIMEDOUT or -EINTR if parked for lack of
 * acknowledgment, on a signal, or because the evict op had not returned
 * by the operation's finish deadline (the buffer keeps its memory until
 * its work item finishes the revoke); the error of the evict op (the
 * buffer stays resident, unpinned).
 */
int dmem_revoke_run(struct dmem_revoke *rv, bool abandon,
		    struct dmem_revoke_deadline *deadline)
{
	struct dmem_revoke_deadline own = {};

	dmem_revoke_notify(rv);
	return dmem_revoke_conclude(rv, abandon, deadline ?: &own);
}

/**
 * dmem_revoke_abandon_parked() - finish every parked revoke of a region
 * @region: the region, torn down
 *
 * Each is finished by its work item, without its missing acknowledgments;
 * those whose last acknowledgment already came (LATE) by the work item
 * that acknowledgment queued. The caller waits for all of them with the
 * other busy buffers.
 */
void dmem_revoke_abandon_parked(struct dmem_evict_region *region)
{
	struct dmem_revoke *rv, *tmp;

	spin_lock(&region->lock);
	list_for_each_entry_safe(rv, tmp, &region->parked, node) {
		if (atomic_cmpxchg(&rv->state, DMEM_REVOKE_PARKED,
				   DMEM_REVOKE_ABANDONED) != DMEM_REVOKE_PARKED)
			continue;
		dmem_revoke_unpark_locked(rv);
		queue_work(system_unbound_wq, &rv->work);
	}
	spin_unlock(&region->lock);
}

/**
 * dmem_importer_attach() - attach an importer to a buffer
 * @importer: the importer, embedded in the driver's attachment object
 * @buf: the buffer
 * @ops: its callbacks; @ops->revoke_notify is required
 *
 * From now on every revoke of @buf notifies @importer and waits for its
 * acknowledgment. An importer attached while a revoke runs is not part of
 * it; it must pin the buffer (which waits for the revoke to end) before
 * using it.
 *
 * Context: process context (the region lock is not irq-safe); does not sleep.
 */
void dmem_importer_attach(struct dmem_importer *importer, struct dmem_buf *buf,
			  const struct dmem_importer_ops *ops)
{
	struct dmem_evict_region *region = buf->region;

	importer->buf = buf;
	importer->ops = ops;
	importer->revoke = NULL;
	importer->flags = 0;
	spin_lock(&region->lock);
	list_add_tail(&importer->node, &buf->importers);
	spin_unlock(&region->lock);
}
EXPORT_SYMBOL_GPL(dmem_importer_attach);

/**
 * dmem_importer_detach() - detach an importer from its buffer
 * @importer: the importer
 *
 * Counts as an acknowledgment of a revoke waiting for it. Waits for a
 * running revoke_notify call on @importer to return, so it must not be
 * called from that callback.
 *
 * Context: process context, may sleep.
 */
void dmem_importer_detach(struct dmem_importer *importer)
{
	struct dmem_evict_region *region = importer->buf->region;

	might_sleep();

	spin_lock(&region->lock);
	while (test_bit(DMEM_IMP_NOTIFYING, &importer->flags)) {
		spin_unlock(&region->lock);
		wait_event(region->wq,
			   !test_bit(DMEM_IMP_NOTIFYING, &importer->flags));
		spin_lock(&region->lock);
	}
	clear_bit(DMEM_IMP_NEED_NOTIFY, &importer->flags);
	list_del_init(&importer->node);
	spin_unlock(&region->lock);

	dmem_importer_ack(importer);
}
EXPORT_SYMBOL_GPL(dmem_importer_detach);

/**
 * dmem_importer_ack() - acknowledge a revoke notification
 * @importer: the importer, whose DMA to the buffer has stopped
 *
 * Does nothing if no revoke waits for @importer. The last acknowledgment
 * of a revoke lets it proceed, or, if it was parked after a timeout,
 * finishes it from a work item.
 *
 * Context: any context.
 */
void dmem_importer_ack(struct dmem_importer *importer)
{
	struct dmem_revoke *rv;

	if (!test_and_clear_bit(DMEM_IMP_AWAITED, &importer->flags))
		return;
	rv = importer->revoke;
	dmem_revoke_ack(rv);
	dmem_revoke_put(rv);
}
EXPORT_SYMBOL_GPL(dmem_importer_ack);

/* The next resident idle buffer of @region (of @owner if not NULL). */
static struct dmem_buf *dmem_revoke_next_locked(struct dmem_evict_region *region,
						struct dmem_owner *owner)
{
	struct dmem_evict_link *link;
	struct dmem_evict_pool *epool;
	struct dmem_buf *buf;

	lockdep_assert_held(&region->lock);
	list_for_each_entry(epool, &region->pools, node) {
		if (!owner) {
			buf = list_first_entry_or_null(&epool->lru,
						       struct dmem_buf, node);
			if (buf)
				return buf;
			link = list_first_entry_or_null(&epool->pinned_links,
							struct dmem_evict_link,
							pool_node);
			if (link)
				return list_first_entry(&link->pinned,
							struct dmem_buf, node);
			continue;
		}
		link = dmem_link_find_locked(region, owner, epool->pool);
		if (!link)
			continue;
		buf = list_first_entry_or_null(&link->pinned, struct dmem_buf,
					       node);
		if (buf)
			return buf;
		/* Unpinned buffers share the pool's LRU with other owners. */
		list_for_each_entry(buf, &epool->lru, node)
			if (buf->owner == owner)
				return buf;
	}
	return NULL;
}

/**
 * dmem_revoke_sweep_start() - start revoking every resident buffer in scope
 * @region: the region
 * @owner: only this owner's buffers, or NULL for all
 * @abandon: for a teardown: allocations cannot fail
 * @batch: the revokes started are added here (dmem_revoke::batch)
 *
 * Every revoke is started and its importers notified before anyone waits,
 * so that the importers of all buffers stop their DMA at the same time and
 * dmem_revoke_sweep_wait() waits one revoke timeout in all.
 *
 * Context: process context, may sleep; no lock held.
 * Return: 0; -ENOMEM (the revokes started so far are in @batch).
 */
int dmem_revoke_sweep_start(struct dmem_evict_region *region,
			    struct dmem_owner *owner, bool abandon,
			    struct list_head *batch)
{
	struct dmem_revoke *rv, *first = NULL;
	struct dmem_buf *buf;
	int ret = 0;

	for (;;) {
		rv = dmem_revoke_get(region, abandon ?
				     GFP_KERNEL | __GFP_NOFAIL :
				     GFP_KERNEL_ACCOUNT);
		if (!rv) {
			ret = -ENOMEM;
			break;
		}
		spin_lock(&region->lock);
		buf = dmem_revoke_next_locked(region, owner);
		if (!buf) {
			spin_unlock(&region->lock);
			dmem_revoke_discard(region, rv);
			break;
		}
		dmem_revoke_start_locked(buf, rv);
		spin_unlock(&region->lock);
		list_add_tail(&rv->batch, batch);
		first = first ?: rv;
	}
	if (!first)
		return ret;
	rv = first;
	list_for_each_entry_from(rv, batch, batch)
		dmem_revoke_notify(rv);
	return ret;
}

/**
 * dmem_revoke_sweep_wait() - wait for a batch of revokes on one deadline
 * @batch: revokes from dmem_revoke_sweep_start(), emptied
 * @abandon: finish revokes without every acknowledgment after the timeout
 *	(region teardown); the wait is then not interruptible
 *
 * The deadline is one revoke timeout (of the first revoke's region) from
 * the start of the wait: the revokes still unacknowledged then are parked,
 * or finished if @abandon. A signal parks the rest at once.
 *
 * Context: process context, may sleep; no lock held.
 * Return: 0; -ETIMEDOUT if some revoke was parked; -EINTR; the first error
 * of an evict op.
 */
int dmem_revoke_sweep_wait(struct list_head *batch, bool abandon)
{
	struct dmem_revoke_deadline deadline = {};
	struct dmem_revoke *rv, *tmp;
	int ret = 0, err;

	list_for_each_entry_safe(rv, tmp, batch, batch) {
		list_del_init(&rv->batch);
		err = dmem_revoke_conclude(rv, abandon, &deadline);
		if (err && (!ret || ret == -ETIMEDOUT))
			ret = err;
	}
	return ret;
}

/**
 * dmem_revoke_sweep() - revoke every resident buffer of a region
 * @region: the region
 * @owner: only this owner's buffers, or NULL for all
 * @abandon: finish revokes without every acknowledgment after the timeout
 *	(region teardown)
 *
 * All importers are notified first, then waited for on one deadline: the
 * sweep takes one revoke timeout at most, however many buffers it revokes.
 *
 * Context: process context, may sleep; no lock held.
 * Return: 0; -ETIMEDOUT if some revoke was parked; -EINTR; -ENOMEM; the
 * error of the evict op.
 */
int dmem_revoke_sweep(struct dmem_evict_region *region, struct dmem_owner *owner,
		      bool abandon)
{
	LIST_HEAD(batch);
	int ret, err;

	ret = dmem_revoke_sweep_start(region, owner, abandon, &batch);
	err = dmem_revoke_sweep_wait(&batch, abandon);
	return err ?: ret;
}
