// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: buffers. Init, make resident (charge, make room,
 * restore), pin and unpin, mark used, free; the (owner, pool) links and the
 * per-pool states they hang on.
 *
 * See evict_internal.h for the data, the locking and the lifetimes, and
 * include/linux/dmem_evict.h for the buffer states.
 */

#include <kunit/static_stub.h>
#include <linux/export.h>
#include <linux/hash.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <trace/events/dmem.h>

#include "evict_internal.h"

/**
 * dmem_evict_charge() - charge an owner's cgroup
 * @owner: the owner
 * @cg: the dmem region
 * @size: bytes; 0 only looks the pool up
 * @ret_pool: the pool charged, see dmem_cgroup_try_charge_css()
 * @ret_limit_pool: the pool whose limit was hit, see the same
 *
 * The one place the manager charges; the KUnit tests redirect it to pools
 * built without cgroups.
 *
 * Return: as dmem_cgroup_try_charge_css().
 */
int dmem_evict_charge(struct dmem_owner *owner, struct dmem_cgroup_region *cg,
		      u64 size, struct dmem_cgroup_pool_state **ret_pool,
		      struct dmem_cgroup_pool_state **ret_limit_pool)
{
	KUNIT_STATIC_STUB_REDIRECT(dmem_evict_charge, owner, cg, size, ret_pool,
				   ret_limit_pool);
	return dmem_cgroup_try_charge_css(owner->css, cg, size, ret_pool,
					  ret_limit_pool);
}

void dmem_owner_notify(struct dmem_buf *buf, enum dmem_owner_event event)
{
	struct dmem_owner *owner = buf->owner;

	if (owner->ops && owner->ops->notify)
		owner->ops->notify(owner, buf, event);
}

/* Take @buf off its list; keep pinned_links listing only non-empty links. */
static void dmem_buf_unlink_locked(struct dmem_buf *buf)
{
	struct dmem_evict_link *link = buf->link;

	lockdep_assert_held(&buf->region->lock);
	dmem_buf_unlist_locked(buf);
	if ((buf->flags & DMEM_BUF_F_PINNED) && list_empty(&link->pinned))
		list_del_init(&link->pool_node);
}

static void dmem_buf_trace(struct dmem_buf *buf,
			   void (*trace)(const char *, u64, pid_t, u64))
{
	trace(dmem_cgroup_region_name(buf->region->cg),
	      dmem_cgroup_pool_cgroup_id(dmem_buf_pool(buf)), buf->owner->tgid,
	      buf->size);
}

/* The buffer is no longer busy: let waiters for it go. */
void dmem_buf_unbusy_locked(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;

	lockdep_assert_held(&region->lock);
	buf->flags &= ~DMEM_BUF_F_BUSY;
	region->nr_busy--;
	wake_up_all(&region->wq);
}

/*
 * A use of a buffer stops waiting for it once the region is torn down or
 * the buffer's revoke is parked; a use under the buffer's own locks also
 * once a revoke of it started (the revoke may start while it waits for an
 * eviction of the buffer, say).
 */
static bool dmem_buf_use_may_go(struct dmem_buf *buf, unsigned int how)
{
	unsigned long flags = READ_ONCE(buf->flags);

	return !(flags & DMEM_BUF_F_BUSY) || (flags & DMEM_BUF_F_PARKED) ||
	       READ_ONCE(buf->region->dead) ||
	       ((how & DMEM_WAIT_RESERVED) &&
		READ_ONCE(buf->state) == DMEM_BUF_REVOKING);
}

/**
 * dmem_buf_wait_idle_locked() - wait until a buffer is not busy
 * @buf: the buffer
 * @how: 0, or %DMEM_WAIT_USE: the wait is for a use of the buffer (make
 *	resident, pin): it may be interrupted by a signal, and it ends when
 *	the region is torn down or the buffer's revoke is parked; with
 *	%DMEM_WAIT_RESERVED too, the caller holds the buffer's own locks
 *	(its dma-buf reservation) and does not wait for a revoke at all
 *
 * A use gives up on a torn down region instead of waiting for the buffer:
 * its caller may hold a lock the teardown's evict op needs to finish the
 * buffer's revoke (a dma-buf pin runs under the buffer's reservation),
 * and the use would fail with -ENODEV after the wait anyway.
 *
 * A use also gives up on a buffer whose revoke is parked: an importer did
 * not acknowledge within the timeout and may never do so, and waiting for
 * it without bound would let that importer (perhaps the caller's own
 * process) hang the owner. A revoke in flight is waited for, bounded by
 * the timeout, but not by a caller holding the buffer's locks: the
 * revoke's acknowledgments (unmaps) and its finish (the evict op, which
 * may block there) need them. The state is checked under the region lock
 * on every turn, so a revoke that starts while the caller waits for
 * something else is seen too.
 *
 * Called and returns with the region lock held; drops it to wait.
 *
 * Return: 0; -EINTR if a use and a signal is pending; -ENODEV if a use and
 * the region was torn down while the buffer is still busy; -EBUSY if a use
 * and the buffer's revoke is parked, or if %DMEM_WAIT_RESERVED and it is
 * being revoked.
 */
int dmem_buf_wait_idle_locked(struct dmem_buf *buf, unsigned int how)
	__must_hold(&buf->region->lock)
{
	struct dmem_evict_region *region = buf->region;
	bool use = how & DMEM_WAIT_USE;
	int ret = 0;

	lockdep_assert_held(&region->lock);
	while (buf->flags & DMEM_BUF_F_BUSY) {
		if (use && region->dead)
			return -ENODEV;
		if (use && (buf->flags & DMEM_BUF_F_PARKED))
			return -EBUSY;
		if ((how & DMEM_WAIT_RESERVED) &&
		    buf->state == DMEM_BUF_REVOKING)
			return -EBUSY;
		spin_unlock(&region->lock);
		if (use)
			ret = wait_event_interruptible(region->wq,
						       dmem_buf_use_may_go(buf, how));
		else
			wait_event(region->wq,
				   !(READ_ONCE(buf->flags) & DMEM_BUF_F_BUSY));
		spin_lock(&region->lock);
		if (ret)
			return -EINTR;
	}
	return 0;
}

static u32 dmem_link_key(struct dmem_owner *owner,
			 struct dmem_cgroup_pool_state *pool)
{
	return hash_ptr(owner, 32) ^ hash_ptr(pool, 32);
}

static struct dmem_evict_pool *
dmem_epool_find_locked(struct dmem_evict_region *region,
		       struct dmem_cgroup_pool_state *pool)
{
	struct dmem_evict_pool *epool;

	lockdep_assert_held(&region->lock);
	hash_for_each_possible(region->pool_hash, epool, hnode, (unsigned long)pool)
		if (epool->pool == pool)
			return epool;
	return NULL;
}

struct dmem_evict_link *
dmem_link_find_locked(struct dmem_evict_region *region, struct dmem_owner *owner,
		      struct dmem_cgroup_pool_state *pool)
{
	struct dmem_evict_link *link;

	lockdep_assert_held(&region->lock);
	hash_for_each_possible(region->link_hash, link, hnode,
			       dmem_link_key(owner, pool))
		if (link->owner == owner && link->epool->pool == pool)
			return link;
	return NULL;
}

/**
 * dmem_link_get_locked() - find or create the link of (owner, pool)
 * @region: the region
 * @owner: the owner
 * @pool: the pool, referenced by the caller
 * @new_epool: a preallocated pool state, consumed if needed
 * @new_link: a preallocated link, consumed if needed
 *
 * Return: the link with one more buffer counted, or NULL if a preallocated
 * object was needed and missing (nothing is changed then).
 */
static struct dmem_evict_link *
dmem_link_get_locked(struct dmem_evict_region *region, struct dmem_owner *owner,
		     struct dmem_cgroup_pool_state *pool,
		     struct dmem_evict_pool **new_epool,
		     struct dmem_evict_link **new_link)
{
	struct dmem_evict_link *link;
	struct dmem_evict_pool *epool;

	lockdep_assert_held(&region->lock);
	link = dmem_link_find_locked(region, owner, pool);
	if (link) {
		link->nr_bufs++;
		return link;
	}

	epool = dmem_epool_find_locked(region, pool);
	if (!*new_link || (!epool && !*new_epool))
		return NULL;

	if (!epool) {
		epool = *new_epool;
		*new_epool = NULL;
		epool->pool = dmem_cgroup_pool_get(pool);
		dmem_epool_order_init(epool);
		INIT_LIST_HEAD(&epool->pinned_links);
		hash_add(region->pool_hash, &epool->hnode, (unsigned long)pool);
		list_add_tail(&epool->node, &region->pools);
	}
	link = *new_link;
	*new_link = NULL;
	link->epool = epool;
	link->owner = owner;
	INIT_LIST_HEAD(&link->pool_node);
	INIT_LIST_HEAD(&link->pinned);
	link->pinned_bytes = 0;
	link->nr_bufs = 1;
	hash_add(region->link_hash, &link->hnode, dmem_link_key(owner, pool));
	epool->nr_links++;
	dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_OWNERS, 1);
	return link;
}

void dmem_link_put_locked(struct dmem_evict_region *region,
			  struct dmem_evict_link *link)
{
	struct dmem_evict_pool *epool = link->epool;

	lockdep_assert_held(&region->lock);
	if (--link->nr_bufs)
		return;
	WARN_ON_ONCE(!list_empty(&link->pinned));
	list_del(&link->pool_node);
	hash_del(&link->hnode);
	dmem_evict_pool_stat_add(epool->pool, DMEM_EVICT_STAT_OWNERS, -1);
	kfree(link);

	if (--epool->nr_links)
		return;
	WARN_ON_ONCE(!list_empty(&epool->lru) || !list_empty(&epool->pinned_links) ||
		     !RB_EMPTY_NODE(&epool->lru_node));
	hash_del(&epool->hnode);
	list_del(&epool->node);
	dmem_cgroup_pool_state_put(epool->pool);
	kfree(epool);
}

/**
 * dmem_buf_release_locked() - return a charged buffer's memory
 * @buf: a RESIDENT, EVICTING or REVOKING buffer
 *
 * Uncharges the buffer (and its pinned bytes), gives its bytes back to the
 * region and updates the gauges. The caller sets the new state.
 */
void dmem_buf_release_locked(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_cgroup_pool_state *pool = dmem_buf_pool(buf);
	struct dmem_owner *owner = buf->owner;
	struct dmem_evict_link *link = buf->link;

	lockdep_assert_held(&region->lock);
	dmem_buf_unlink_locked(buf);
	if (buf->flags & DMEM_BUF_F_PINNED) {
		dmem_cgroup_uncharge_pinned(pool, buf->size);
		atomic64_sub(buf->size, &owner->pinned);
		buf->flags &= ~DMEM_BUF_F_PINNED;
	} else {
		dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_EVICTABLE,
					 -(s64)buf->size);
	}
	buf->pin_count = 0;
	dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_BUFFERS, -1);
	atomic64_sub(buf->size, &owner->resident);
	region->used -= buf->size;
	dmem_buf_trace(buf, trace_dmem_uncharge);
	/* The link holds the pool: its buffers' charges hold no reference. */
	dmem_cgroup_pool_uncharge(pool, buf->size);
	buf->link = NULL;
	dmem_link_put_locked(region, link);
}

/**
 * dmem_buf_init() - initialize the manager's part of a buffer
 * @buf: the buffer, embedded in the driver's object
 * @region: the eviction region it lives in
 * @owner: its owner; the buffer takes a reference
 * @size: its size in bytes
 *
 * The buffer starts EVICTED: it occupies no device memory and is charged
 * nothing until dmem_buf_make_resident() or dmem_buf_pin().
 *
 * Context: process context (the region lock is not irq-safe); does not sleep.
 * Return: 0; -EINVAL if @size is 0 or larger than the region.
 */
int dmem_buf_init(struct dmem_buf *buf, struct dmem_evict_region *region,
		  struct dmem_owner *owner, u64 size)
{
	if (!size || size > region->capacity)
		return -EINVAL;

	INIT_LIST_HEAD(&buf->node);
	INIT_LIST_HEAD(&buf->importers);
	buf->region = region;
	buf->owner = dmem_owner_get(owner);
	buf->link = NULL;
	buf->size = size;
	buf->stamp = 0;
	buf->pin_count = 0;
	buf->state = DMEM_BUF_EVICTED;
	buf->flags = 0;
	kref_get(&region->ref);
	spin_lock(&region->lock);
	region->nr_bufs++;
	spin_unlock(&region->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(dmem_buf_init);

/*
 * A victim the driver could not evict just now (-EBUSY: e.g. its dma-buf
 * reservation is held elsewhere) went back to the tail of its LRU; try the
 * next one instead of failing the allocation, but give up once as many
 * victims as the region holds were busy in a row.
 */
static bool dmem_evict_skip_busy(struct dmem_evict_region *region, int ret,
				 unsigned int *busy)
{
	if (ret != -EBUSY)
		return false;
	return ++*busy <= READ_ONCE(region->nr_bufs);
}

/*
 * One step of making room for @buf: fail at once if the victims the policy
 * may take cannot free what the region (@region_need bytes) and every
 * limit on the way need; otherwise evict or revoke one, anywhere the policy
 * allows if @limit is NULL (the region is full), inside @limit's subtree
 * if its limit was hit. *@done counts the victims taken.
 */
static int dmem_buf_make_room(struct dmem_buf *buf,
			      struct dmem_cgroup_pool_state *limit,
			      u64 region_need,
			      struct dmem_revoke_deadline *deadline,
			      unsigned int *done)
{
	struct dmem_evict_region *region = buf->region;
	u64 freed = 0;
	int ret = -ENOMEM;

	if (dmem_evict_can_succeed(region, buf->owner, buf->size, region_need))
		ret = dmem_evict_one(region, limit, buf->owner, true, &freed,
				     deadline);
	if (!ret && freed)
		(*done)++;
	/* Victims taken for an allocation that fails anyway were futile. */
	if (ret == -ENOMEM)
		dmem_evict_enomem(region, buf->owner, NULL, buf->size, limit,
				  *done);
	return ret;
}

/*
 * The link of @buf's owner to the pool of its last charge, if this region
 * has one, counted for @buf: the handle its next charge goes through.
 */
static struct dmem_evict_link *dmem_buf_hint_link_locked(struct dmem_buf *buf)
{
	struct dmem_cgroup_pool_state *hint = READ_ONCE(buf->owner->charge_hint);
	struct dmem_evict_link *link;

	lockdep_assert_held(&buf->region->lock);
	/* Found, it holds the pool: @hint was not freed. */
	link = hint ? dmem_link_find_locked(buf->region, buf->owner, hint) : NULL;
	if (link)
		link->nr_bufs++;
	return link;
}

/*
 * Charge @buf's owner. Through *@link (see dmem_buf_hint_link_locked()) if
 * given: no pool lookup and no reference per charge, the link holds the
 * pool. Else, or if that pool's cgroup was removed meanwhile, through the
 * owner's cgroup: a lookup, and the charge holds a reference until @buf is
 * linked; *@link is then NULL, given back.
 */
static int dmem_buf_charge(struct dmem_buf *buf, struct dmem_evict_link **link,
			   struct dmem_cgroup_pool_state **ret_pool,
			   struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct dmem_evict_region *region = buf->region;
	int ret;

	if (*link) {
		*ret_pool = (*link)->epool->pool;
		ret = dmem_cgroup_pool_try_charge(*ret_pool, buf->size,
						  ret_limit_pool);
		if (ret != -ESTALE)
			return ret;
		spin_lock(&region->lock);
		dmem_link_put_locked(region, *link);
		spin_unlock(&region->lock);
		*link = NULL;
	}
	return dmem_evict_charge(buf->owner, region->cg, buf->size, ret_pool,
				 ret_limit_pool);
}

/*
 * Reserve room in the region, then charge @buf's owner, evicting by the
 * policy as long as the region is full or a cgroup limit is hit. On
 * success *@ret_link is the link charged through, counted for @buf, or
 * NULL: the charge then holds a reference on *@ret_pool.
 *
 * Room comes first so that a cgroup is never charged for bytes the region
 * does not have: charging first would let dmem.current and dmem.peak count
 * an allocation that is only waiting for victims, above the region's
 * capacity.
 */
static int dmem_buf_reserve(struct dmem_buf *buf,
			    struct dmem_cgroup_pool_state **ret_pool,
			    struct dmem_evict_link **ret_link,
			    unsigned int how)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_owner *owner = buf->owner;
	struct dmem_cgroup_pool_state *pool, *limit;
	/* Holding a reservation, wait for the ends of revokes only so long. */
	struct dmem_revoke_deadline deadline = {
		.finish_bounded = how & DMEM_WAIT_RESERVED,
	};
	unsigned int busy = 0, done = 0;
	bool room;
	u64 need;
	int ret;

	*ret_link = NULL;
	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();

		spin_lock(&region->lock);
		if (region->dead || READ_ONCE(owner->dead)) {
			spin_unlock(&region->lock);
			return -ENODEV;
		}
		room = region->used + buf->size <= region->capacity;
		need = 0;
		if (room) {
			region->used += buf->size;
			*ret_link = dmem_buf_hint_link_locked(buf);
		} else {
			need = region->used + buf->size - region->capacity;
		}
		spin_unlock(&region->lock);

		limit = NULL;
		if (room) {
			ret = dmem_buf_charge(buf, ret_link, &pool, &limit);
			if (!ret) {
				*ret_pool = pool;
				return 0;
			}
			spin_lock(&region->lock);
			region->used -= buf->size;
			if (*ret_link)
				dmem_link_put_locked(region, *ret_link);
			*ret_link = NULL;
			spin_unlock(&region->lock);
			if (ret != -EAGAIN)
				return ret;
		}

		ret = dmem_buf_make_room(buf, limit, need, &deadline, &done);
		dmem_cgroup_pool_state_put(limit);
		if (ret && !dmem_evict_skip_busy(region, ret, &busy))
			return ret;
	}
}

/* Undo dmem_buf_reserve(), and the link if taken. */
static void dmem_buf_unreserve_locked(struct dmem_buf *buf,
				      struct dmem_cgroup_pool_state *pool)
{
	struct dmem_evict_region *region = buf->region;

	lockdep_assert_held(&region->lock);
	region->used -= buf->size;
	if (buf->link) {
		dmem_cgroup_pool_uncharge(pool, buf->size);
		dmem_link_put_locked(region, buf->link);
		buf->link = NULL;
	} else {
		/* Not linked: the charge holds its own reference. */
		dmem_cgroup_uncharge(pool, buf->size);
	}
}

/*
 * Attach @buf to @link, the one it was charged through, or else to the
 * link of its (owner, @pool), allocating as needed: that link holds the
 * pool, the charge's own reference goes, and the owner's next charges go
 * through the link.
 */
static int dmem_buf_link_locked(struct dmem_buf *buf,
				struct dmem_cgroup_pool_state *pool,
				struct dmem_evict_link *link)
	__must_hold(&buf->region->lock)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_evict_pool *new_epool = NULL;
	struct dmem_evict_link *new_link = NULL;
	int ret = 0;

	lockdep_assert_held(&region->lock);
	if (link) {
		buf->link = link;
		return 0;
	}
	for (;;) {
		buf->link = dmem_link_get_locked(region, buf->owner, pool,
						 &new_epool, &new_link);
		if (buf->link)
			break;
		spin_unlock(&region->lock);
		if (!new_epool)
			new_epool = kzalloc(sizeof(*new_epool),
					    GFP_KERNEL_ACCOUNT);
		if (!new_link)
			new_link = kzalloc(sizeof(*new_link),
					   GFP_KERNEL_ACCOUNT);
		spin_lock(&region->lock);
		if (!new_epool || !new_link) {
			ret = -ENOMEM;
			break;
		}
	}
	/* kfree() does not sleep; fine under the lock. */
	kfree(new_epool);
	kfree(new_link);
	if (!ret) {
		dmem_cgroup_pool_state_put(pool);
		WRITE_ONCE(buf->owner->charge_hint, pool);
	}
	return ret;
}

/*
 * The last step of dmem_buf_make_resident(): @buf, charged to @pool and
 * restored, becomes resident, unless its region was torn down or its owner
 * revoked meanwhile. @rv is the revoke object the latter needs. Called with
 * the region's lock held; returns with it released.
 */
static int dmem_buf_publish_resident(struct dmem_buf *buf,
				     struct dmem_cgroup_pool_state *pool,
				     struct dmem_revoke *rv, unsigned int how)
	__releases(&buf->region->lock)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_owner *owner = buf->owner;

	lockdep_assert_held(&region->lock);

	buf->state = DMEM_BUF_RESIDENT;
	dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_BUFFERS, 1);
	dmem_evict_pool_stat_add(pool, DMEM_EVICT_STAT_EVICTABLE, buf->size);
	atomic64_add(buf->size, &owner->resident);
	dmem_buf_stamp_locked(buf, &buf->link->epool->lru);
	dmem_buf_trace(buf, trace_dmem_charge);
	if (region->dead) {
		/*
		 * Torn down meanwhile. The teardown waits for this buffer to
		 * be idle, then sweeps the region again and revokes it. Not
		 * here: the caller may hold a lock the evict op needs, which
		 * in a torn down region it waits for (a dma-buf pin runs
		 * under the buffer's reservation).
		 */
		dmem_buf_unbusy_locked(buf);
		spin_unlock(&region->lock);
		dmem_revoke_discard(region, rv);
		return -ENODEV;
	}
	if (READ_ONCE(owner->dead)) {
		/*
		 * Revoked meanwhile, after its sweep: take it back at once.
		 * A caller holding the buffer's locks, which the revoke needs,
		 * does not wait for it: the deadlines are already past.
		 */
		struct dmem_revoke_deadline now = {
			.at = jiffies, .set = true,
			.finish_at = jiffies, .finish_set = true,
			.finish_bounded = true,
		};

		dmem_buf_unbusy_locked(buf);
		dmem_revoke_start_locked(buf, rv);
		spin_unlock(&region->lock);
		dmem_revoke_run(rv, false,
				how & DMEM_WAIT_RESERVED ? &now : NULL);
		return -ENODEV;
	}
	dmem_buf_unbusy_locked(buf);
	spin_unlock(&region->lock);
	dmem_revoke_discard(region, rv);
	return 0;
}

/*
 * dmem_buf_make_resident() and its _reserved variant; @how: DMEM_WAIT_USE,
 * with DMEM_WAIT_RESERVED for the latter.
 */
static int dmem_buf_make_resident_how(struct dmem_buf *buf, unsigned int how)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_owner *owner = buf->owner;
	struct dmem_cgroup_pool_state *pool;
	struct dmem_evict_link *link;
	struct dmem_revoke *rv;
	int ret;

	might_sleep();

	spin_lock(&region->lock);
	ret = dmem_buf_wait_idle_locked(buf, how);
	if (ret)
		goto unlock;
	if (region->dead || READ_ONCE(owner->dead)) {
		ret = -ENODEV;
		goto unlock;
	}
	if (buf->state == DMEM_BUF_RESIDENT) {
		dmem_buf_stamp_locked(buf, buf->pin_count ? &buf->link->pinned :
				      &buf->link->epool->lru);
		goto unlock;
	}
	buf->flags |= DMEM_BUF_F_BUSY;
	region->nr_busy++;
	spin_unlock(&region->lock);

	ret = dmem_buf_reserve(buf, &pool, &link, how);
	if (ret) {
		spin_lock(&region->lock);
		dmem_buf_unbusy_locked(buf);
		goto unlock;
	}

	spin_lock(&region->lock);
	ret = dmem_buf_link_locked(buf, pool, link);
	spin_unlock(&region->lock);
	if (!ret)
		ret = region->ops->restore(buf);
	if (ret) {
		spin_lock(&region->lock);
		dmem_buf_unreserve_locked(buf, pool);
		dmem_buf_unbusy_locked(buf);
		goto unlock;
	}

	/* The revoke object a revoked owner will need. */
	rv = dmem_revoke_get(region, GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	spin_lock(&region->lock);
	return dmem_buf_publish_resident(buf, pool, rv, how);

unlock:
	spin_unlock(&region->lock);
	return ret;
}

/**
 * dmem_buf_make_resident() - make a buffer resident in device memory
 * @buf: the buffer
 *
 * If the buffer is resident, marks it used. Otherwise charges it to its
 * owner's cgroup, making room by the eviction policy (see the top of
 * include/linux/dmem_evict.h) when a cgroup limit is hit or the region is
 * full, then calls the region's restore op. A revoke of @buf in flight is
 * waited for.
 *
 * Context: process context, may sleep (evictions, revokes, waiting for a
 * busy buffer). No lock of the driver that its evict op takes may be held;
 * a caller holding @buf's own (its dma-buf reservation) calls
 * dmem_buf_make_resident_reserved().
 * Return: 0; -ENOMEM if no room can be made (an "enomem" event is counted
 * on the owner's pool); -EINTR if a signal is pending while waiting;
 * -ENODEV if the region was torn down or the owner revoked; -EBUSY if the
 * buffer's revoke is parked (an importer has not acknowledged it), or if
 * as many victims as the region holds were busy in a row; the error of the
 * restore op or of the evict op of a victim.
 */
int dmem_buf_make_resident(struct dmem_buf *buf)
{
	return dmem_buf_make_resident_how(buf, DMEM_WAIT_USE);
}
EXPORT_SYMBOL_GPL(dmem_buf_make_resident);

/**
 * dmem_buf_make_resident_reserved() - make resident, holding the buffer's locks
 * @buf: the buffer
 *
 * As dmem_buf_make_resident(), for a caller that holds the locks of @buf
 * that a revoke of it needs: its dma-buf reservation, under which its
 * importers acknowledge (unmap) and the evict op that finishes the revoke
 * may wait (a dma-buf map of @buf, say). A revoke of @buf in flight is not
 * waited for, which would deadlock: -EBUSY at once. The check is made
 * under the manager's lock, also after a wait for another reason, so no
 * revoke can start between it and a wait.
 *
 * Context: process context, may sleep.
 * Return: as dmem_buf_make_resident(); also -EBUSY if @buf is being
 * revoked.
 */
int dmem_buf_make_resident_reserved(struct dmem_buf *buf)
{
	return dmem_buf_make_resident_how(buf,
					  DMEM_WAIT_USE | DMEM_WAIT_RESERVED);
}
EXPORT_SYMBOL_GPL(dmem_buf_make_resident_reserved);

/* Take one pin of a resident idle buffer. */
static int dmem_buf_pin_locked(struct dmem_buf *buf)
{
	struct dmem_evict_link *link = buf->link;

	lockdep_assert_held(&buf->region->lock);
	if (buf->pin_count == UINT_MAX)
		return -EOVERFLOW;
	if (!buf->pin_count) {
		if (dmem_cgroup_try_charge_pinned(link->epool->pool, buf->size,
						  NULL))
			return -ENOMEM;
		buf->flags |= DMEM_BUF_F_PINNED;
		if (list_empty(&link->pinned))
			list_add_tail(&link->pool_node, &link->epool->pinned_links);
		dmem_buf_stamp_locked(buf, &link->pinned);
		dmem_evict_pool_stat_add(link->epool->pool,
					 DMEM_EVICT_STAT_EVICTABLE,
					 -(s64)buf->size);
		atomic64_add(buf->size, &buf->owner->pinned);
		dmem_buf_trace(buf, trace_dmem_pin);
	}
	buf->pin_count++;
	return 0;
}

/* dmem_buf_pin() and its _reserved variant, see dmem_buf_make_resident_how() */
static int dmem_buf_pin_how(struct dmem_buf *buf, unsigned int how)
{
	struct dmem_evict_region *region = buf->region;
	int ret;

	for (;;) {
		ret = dmem_buf_make_resident_how(buf, how);
		if (ret)
			return ret;
		spin_lock(&region->lock);
		if (!(buf->flags & DMEM_BUF_F_BUSY) &&
		    buf->state == DMEM_BUF_RESIDENT)
			break;
		/* Evicted or revoked again before we got the lock: retry. */
		spin_unlock(&region->lock);
	}
	ret = dmem_buf_pin_locked(buf);
	spin_unlock(&region->lock);
	return ret;
}

/**
 * dmem_buf_pin() - pin a buffer in device memory
 * @buf: the buffer
 *
 * Makes the buffer resident if it is not (as dmem_buf_make_resident()),
 * then takes a pin. The first pin charges the buffer's bytes as pinned,
 * against dmem.pinned.max, and moves the buffer to its owner's pinned list:
 * from then on it is never evicted for its owner, and for other owners
 * only revoked, under the "soft" policy, as a last resort. A revoke of
 * @buf in flight is waited for.
 *
 * Context: process context, may sleep. A caller holding @buf's dma-buf
 * reservation (a dma-buf pin) calls dmem_buf_pin_reserved().
 * Return: 0; -ENOMEM if no room can be made or dmem.pinned.max would be
 * exceeded (a "pin_max" event is counted at the limiting cgroup); -EINTR;
 * -ENODEV; -EBUSY as dmem_buf_make_resident(); -EOVERFLOW for too many
 * pins; the errors of the driver's ops.
 */
int dmem_buf_pin(struct dmem_buf *buf)
{
	return dmem_buf_pin_how(buf, DMEM_WAIT_USE);
}
EXPORT_SYMBOL_GPL(dmem_buf_pin);

/**
 * dmem_buf_pin_reserved() - pin, holding the buffer's locks
 * @buf: the buffer
 *
 * As dmem_buf_pin(), for a caller that holds the locks of @buf that a
 * revoke of it needs (its dma-buf reservation: dma_buf_ops.pin runs under
 * it): a revoke of @buf in flight fails the pin with -EBUSY at once,
 * decided under the manager's lock, instead of being waited for (see
 * dmem_buf_make_resident_reserved()).
 *
 * Context: process context, may sleep.
 * Return: as dmem_buf_pin(); also -EBUSY if @buf is being revoked.
 */
int dmem_buf_pin_reserved(struct dmem_buf *buf)
{
	return dmem_buf_pin_how(buf, DMEM_WAIT_USE | DMEM_WAIT_RESERVED);
}
EXPORT_SYMBOL_GPL(dmem_buf_pin_reserved);

/**
 * dmem_buf_unpin() - drop a pin
 * @buf: the buffer
 *
 * The last unpin uncharges the pinned bytes and makes the buffer evictable
 * again, as the most recently used of its pool.
 *
 * Context: process context (the region lock is not irq-safe); does not sleep.
 * Return: 0; -EINVAL if the buffer holds no pin (pins taken before a revoke
 * ended with it).
 */
int dmem_buf_unpin(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_evict_pool *epool;
	int ret = 0;

	spin_lock(&region->lock);
	if (!buf->pin_count) {
		ret = -EINVAL;
		goto unlock;
	}
	if (--buf->pin_count)
		goto unlock;

	/* Pinned buffers are RESIDENT and idle: a revoke zeroes pin_count. */
	epool = buf->link->epool;
	dmem_buf_unlink_locked(buf);
	buf->flags &= ~DMEM_BUF_F_PINNED;
	dmem_cgroup_uncharge_pinned(epool->pool, buf->size);
	dmem_buf_stamp_locked(buf, &epool->lru);
	dmem_evict_pool_stat_add(epool->pool, DMEM_EVICT_STAT_EVICTABLE,
				 buf->size);
	atomic64_sub(buf->size, &buf->owner->pinned);
	dmem_buf_trace(buf, trace_dmem_unpin);
unlock:
	spin_unlock(&region->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(dmem_buf_unpin);

/**
 * dmem_buf_mark_used() - mark a resident buffer as just used
 * @buf: the buffer
 *
 * Moves it to the young end of its list (LRU or pinned list), in O(1).
 * Does nothing to a buffer not resident or busy.
 *
 * Context: process context (the region lock is not irq-safe); does not sleep.
 */
void dmem_buf_mark_used(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;

	spin_lock(&region->lock);
	if (buf->state == DMEM_BUF_RESIDENT && !(buf->flags & DMEM_BUF_F_BUSY))
		dmem_buf_stamp_locked(buf, buf->pin_count ? &buf->link->pinned :
				      &buf->link->epool->lru);
	spin_unlock(&region->lock);
}
EXPORT_SYMBOL_GPL(dmem_buf_mark_used);

/**
 * dmem_buf_free() - release a buffer
 * @buf: the buffer
 *
 * Uncharges everything the buffer holds (its charge, its pinned charge) and
 * drops its references on the owner and the region. Waits for a running
 * eviction or revoke of the buffer to finish. Importers should have been
 * detached (the dma-buf keeps the buffer alive while attached); any left is
 * detached here, with a warning.
 *
 * Context: process context, may sleep.
 */
void dmem_buf_free(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_owner *owner = buf->owner;
	struct dmem_importer *importer;

	might_sleep();

	spin_lock(&region->lock);
	while ((importer = list_first_entry_or_null(&buf->importers,
						    struct dmem_importer, node))) {
		WARN_ONCE(1, "dmem: freeing a buffer with importers attached\n");
		spin_unlock(&region->lock);
		dmem_importer_detach(importer);
		spin_lock(&region->lock);
	}
	dmem_buf_wait_idle_locked(buf, 0);
	if (buf->state == DMEM_BUF_RESIDENT)
		dmem_buf_release_locked(buf);
	buf->state = DMEM_BUF_EVICTED;
	region->nr_bufs--;
	spin_unlock(&region->lock);

	dmem_owner_put(owner);
	dmem_evict_region_put(region);
}
EXPORT_SYMBOL_GPL(dmem_buf_free);

/**
 * dmem_buf_state() - the state of a buffer
 * @buf: the buffer
 *
 * Return: its state; it may change as soon as this returns.
 */
enum dmem_buf_state dmem_buf_state(struct dmem_buf *buf)
{
	return READ_ONCE(buf->state);
}
EXPORT_SYMBOL_GPL(dmem_buf_state);

/**
 * dmem_buf_is_pinned() - does a buffer hold pins?
 * @buf: the buffer
 *
 * Return: true if pinned; it may change as soon as this returns.
 */
bool dmem_buf_is_pinned(struct dmem_buf *buf)
{
	return READ_ONCE(buf->pin_count) != 0;
}
EXPORT_SYMBOL_GPL(dmem_buf_is_pinned);

/**
 * dmem_buf_hard_pin() - a holder of the buffer that cannot be revoked
 * @buf: the buffer
 *
 * For an importer that pins the buffer but cannot be told to stop its DMA
 * (a pinned dma-buf attachment without &dma_buf_attach_ops.revoke_notify).
 * While one is counted, the policy never chooses the buffer for a revoke,
 * as under the "strict" policy. A device-level revoke (owner, teardown)
 * still takes it, and waits for the holder to let go. The caller's own pin
 * (dmem_buf_pin()) is separate.
 *
 * Context: process context; does not sleep.
 * Return: 0; -EOVERFLOW for too many holders.
 */
int dmem_buf_hard_pin(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;
	int ret = 0;

	spin_lock(&region->lock);
	if (buf->hard_pins == U16_MAX)
		ret = -EOVERFLOW;
	else
		buf->hard_pins++;
	spin_unlock(&region->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(dmem_buf_hard_pin);

/**
 * dmem_buf_hard_unpin() - an unrevocable holder lets go
 * @buf: the buffer, with a count from dmem_buf_hard_pin()
 *
 * Context: process context; does not sleep.
 */
void dmem_buf_hard_unpin(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;

	spin_lock(&region->lock);
	if (!WARN_ON(!buf->hard_pins))
		buf->hard_pins--;
	spin_unlock(&region->lock);
}
EXPORT_SYMBOL_GPL(dmem_buf_hard_unpin);
