// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: the age order of buffers and pools.
 *
 * Every list of buffers (a pool's LRU of unpinned buffers, an owner's
 * pinned list in a pool) is kept in stamp order: a buffer gets a new
 * stamp from the region's counter whenever it is appended. On top of
 * that, the pools whose LRU is not empty are kept in an rbtree of the
 * region (dmem_evict_region::lru_pools) by the stamp of their LRU's head,
 * so that the policy visits pools from the one holding the region's
 * oldest unpinned buffer on, in O(log P) for P pools, and stops at the
 * first one it may take from instead of looking at every pool.
 *
 * A pool's key is its LRU's head; it changes only when that head does: a
 * buffer appended to an empty LRU, or the head taken off (evicted, freed,
 * pinned, used again). The two functions below are the only ones that
 * change a list of buffers, so the tree and the byte totals of the lists
 * (the region's, and each link's of its pinned list; read by the policy
 * to decide -ENOMEM without a walk) stay right. Everything here is under
 * the region lock.
 */

#include <linux/rbtree.h>

#include "evict_internal.h"

static u64 dmem_epool_key(struct dmem_evict_pool *epool)
{
	return list_first_entry(&epool->lru, struct dmem_buf, node)->stamp;
}

static bool dmem_epool_less(struct rb_node *a, const struct rb_node *b)
{
	struct dmem_evict_pool *pa = rb_entry(a, struct dmem_evict_pool, lru_node);
	struct dmem_evict_pool *pb = rb_entry(b, struct dmem_evict_pool, lru_node);

	return dmem_epool_key(pa) < dmem_epool_key(pb);
}

/* @epool's LRU head changed: put it back in order (or out, once empty). */
static void dmem_epool_requeue_locked(struct dmem_evict_region *region,
				      struct dmem_evict_pool *epool)
{
	lockdep_assert_held(&region->lock);
	if (!RB_EMPTY_NODE(&epool->lru_node)) {
		rb_erase_cached(&epool->lru_node, &region->lru_pools);
		RB_CLEAR_NODE(&epool->lru_node);
	}
	if (!list_empty(&epool->lru))
		rb_add_cached(&epool->lru_node, &region->lru_pools,
			      dmem_epool_less);
}

/* Take @buf's bytes out of the total of the list it is on, if any. */
static void dmem_buf_uncount_locked(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;

	if (list_empty(&buf->node))
		return;
	if (buf->flags & DMEM_BUF_F_LRU) {
		region->lru_bytes -= buf->size;
	} else {
		region->pinned_bytes -= buf->size;
		buf->link->pinned_bytes -= buf->size;
	}
	buf->flags &= ~DMEM_BUF_F_LRU;
}

/**
 * dmem_buf_stamp_locked() - give a buffer a new stamp, append it to a list
 * @buf: a linked buffer (buf->link set), listed or not
 * @list: the LRU of its pool or the pinned list of its link
 *
 * Moves @buf off whichever list it was on, to the young end of @list.
 */
void dmem_buf_stamp_locked(struct dmem_buf *buf, struct list_head *list)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_evict_pool *epool = buf->link->epool;
	bool was_head = epool->lru.next == &buf->node;

	lockdep_assert_held(&region->lock);
	dmem_buf_uncount_locked(buf);
	buf->stamp = ++region->stamp;
	list_move_tail(&buf->node, list);
	if (list == &epool->lru) {
		buf->flags |= DMEM_BUF_F_LRU;
		region->lru_bytes += buf->size;
	} else {
		region->pinned_bytes += buf->size;
		buf->link->pinned_bytes += buf->size;
	}
	if (was_head || epool->lru.next == &buf->node)
		dmem_epool_requeue_locked(region, epool);
}

/**
 * dmem_buf_unlist_locked() - take a buffer off its list
 * @buf: a linked buffer, listed or not
 *
 * The caller keeps dmem_evict_pool::pinned_links in step.
 */
void dmem_buf_unlist_locked(struct dmem_buf *buf)
{
	struct dmem_evict_region *region = buf->region;
	struct dmem_evict_pool *epool = buf->link->epool;
	bool was_head = epool->lru.next == &buf->node;

	lockdep_assert_held(&region->lock);
	dmem_buf_uncount_locked(buf);
	list_del_init(&buf->node);
	if (was_head)
		dmem_epool_requeue_locked(region, epool);
}

/**
 * dmem_epool_order_init() - a new pool state, not in the order yet
 * @epool: the pool state
 */
void dmem_epool_order_init(struct dmem_evict_pool *epool)
{
	INIT_LIST_HEAD(&epool->lru);
	RB_CLEAR_NODE(&epool->lru_node);
}

/**
 * dmem_epool_oldest_locked() - the pool holding the oldest unpinned buffer
 * @region: the region
 *
 * Return: that pool, or NULL if no buffer of @region is on an LRU.
 */
struct dmem_evict_pool *dmem_epool_oldest_locked(struct dmem_evict_region *region)
{
	struct rb_node *node;

	lockdep_assert_held(&region->lock);
	node = rb_first_cached(&region->lru_pools);
	return node ? rb_entry(node, struct dmem_evict_pool, lru_node) : NULL;
}

/**
 * dmem_epool_next_locked() - the next pool by the age of its oldest buffer
 * @region: the region
 * @epool: a pool of dmem_epool_oldest_locked()'s order
 *
 * Return: the pool whose LRU head comes next in age, or NULL.
 */
struct dmem_evict_pool *dmem_epool_next_locked(struct dmem_evict_region *region,
					       struct dmem_evict_pool *epool)
{
	struct rb_node *node;

	lockdep_assert_held(&region->lock);
	node = rb_next(&epool->lru_node);
	return node ? rb_entry(node, struct dmem_evict_pool, lru_node) : NULL;
}
