// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: effective min and low protection, the one place that decides
 * whether a pool's memory is protected from an eviction.
 *
 * Protection is relative: a pool's effective dmem.min and dmem.low depend
 * on the subtree the competition happens in. When a charge hits the
 * dmem.max of a pool L, only L's subtree competes and protection is
 * computed from L down; when the region is full, the whole hierarchy
 * competes and it is computed from the top. Protections are distributed
 * as the memory controller does with memory_recursiveprot
 * (page_counter_calculate_protection()).
 *
 * Locking: none. Usage and protections are read as they are while charges
 * and writes of the files go on, as the memory controller's reclaim reads
 * them; the effective values page_counter stores are scratch values that
 * every query computes again before reading them.
 */

#include <linux/export.h>

#include "dmem_internal.h"

/* What dmem_pool_protection() found. */
#define DMEM_BELOW_MIN	BIT(0)
#define DMEM_BELOW_LOW	BIT(1)

/*
 * page_counter_calculate_protection() computes a counter's effective
 * protection from its parent's, so walk from @root down to @pool. Pools
 * only link to their parents: find each level from the bottom, which costs
 * depth^2 / 2 pointer loads and no memory.
 */
static void dmem_pool_calculate_protection(struct dmem_cgroup_pool_state *root,
					   struct dmem_cgroup_pool_state *pool)
{
	struct dmem_cgroup_pool_state *pos;
	unsigned int depth = 0, level, i;

	for (pos = pool; pos != root; pos = pos->parent)
		depth++;

	for (level = depth; level > 0; level--) {
		pos = pool;
		for (i = 1; i < level; i++)
			pos = pos->parent;
		page_counter_calculate_protection(&root->cnt, &pos->cnt, true);
	}
}

/*
 * Whether @test's usage is at or below its effective min and low, seen
 * from @root (NULL: the top of @test's hierarchy). The root of the
 * competition itself, and a pool outside its subtree, is not protected.
 */
static unsigned int dmem_pool_protection(struct dmem_cgroup_pool_state *root,
					 struct dmem_cgroup_pool_state *test)
{
	unsigned long used;
	unsigned int below = 0;

	if (!root) {
		for (root = test; root->parent; root = root->parent)
			;
	} else if (!dmem_cgroup_pool_is_descendant(test, root)) {
		return 0;
	}
	if (test == root)
		return 0;

	dmem_pool_calculate_protection(root, test);
	used = dmem_pool_usage(test);
	if (used <= READ_ONCE(test->cnt.emin))
		below |= DMEM_BELOW_MIN;
	if (used <= READ_ONCE(test->cnt.elow))
		below |= DMEM_BELOW_LOW;
	return below;
}

/**
 * dmem_cgroup_below_min() - is a pool's usage within its effective min?
 * @root: the pool whose subtree competes for memory (the pool whose
 *	dmem.max was hit), or NULL when the region is full and the whole
 *	hierarchy competes
 * @test: the pool tested, in @root's subtree
 *
 * @test's effective dmem.min is computed from @root down. Memory of a pool
 * at or below it is never evicted.
 *
 * Context: any context; the caller holds references on both pools.
 * Return: true if @test's usage is at or below its effective min; false
 * for @root itself, for the top pool of the hierarchy, and for a pool
 * outside @root's subtree.
 */
bool dmem_cgroup_below_min(struct dmem_cgroup_pool_state *root,
			   struct dmem_cgroup_pool_state *test)
{
	return dmem_pool_protection(root, test) & DMEM_BELOW_MIN;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_below_min);

/**
 * dmem_cgroup_below_low() - is a pool's usage within its effective low?
 * @root: as for dmem_cgroup_below_min()
 * @test: as for dmem_cgroup_below_min()
 *
 * @test's effective dmem.low is computed from @root down. Memory of a pool
 * at or below it is evicted only when nothing unprotected is left, and
 * each such eviction counts a %DMEM_CGROUP_EVENT_LOW.
 *
 * Context: any context; the caller holds references on both pools.
 * Return: true if @test's usage is at or below its effective low; false
 * for @root itself, for the top pool of the hierarchy, and for a pool
 * outside @root's subtree.
 */
bool dmem_cgroup_below_low(struct dmem_cgroup_pool_state *root,
			   struct dmem_cgroup_pool_state *test)
{
	return dmem_pool_protection(root, test) & DMEM_BELOW_LOW;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_below_low);

/**
 * dmem_cgroup_get_common_ancestor() - the closest pool two pools are under
 * @a: a pool, or NULL
 * @b: a pool, or NULL
 *
 * Context: any context; the caller holds references on both pools.
 * Return: the deepest pool that is @a or an ancestor of @a and also @b or
 * an ancestor of @b, with a reference to drop with
 * dmem_cgroup_pool_state_put(); NULL if there is none (pools of different
 * regions, or a NULL argument).
 */
struct dmem_cgroup_pool_state *
dmem_cgroup_get_common_ancestor(struct dmem_cgroup_pool_state *a,
				struct dmem_cgroup_pool_state *b)
{
	for (; a; a = a->parent)
		if (dmem_cgroup_pool_is_descendant(b, a))
			return dmem_cgroup_pool_get(a);
	return NULL;
}

/**
 * dmem_cgroup_state_evict_valuable() - may memory of a pool be evicted?
 * @limit_pool: the pool whose limit was hit, or NULL when the region itself
 *	is full
 * @test_pool: pool of the candidate victim
 * @ignore_low: evict even below the effective low protection
 * @ret_hit_low: set to true if the answer is "no" only because of the low
 *	protection; the caller may retry with @ignore_low set (and should then
 *	count a %DMEM_CGROUP_EVENT_LOW on @test_pool)
 *
 * Evicting helps only inside the subtree of @limit_pool, always from
 * @limit_pool itself, and never below a pool's effective dmem.min: the
 * rules of dmem_cgroup_below_min() and dmem_cgroup_below_low() with
 * @limit_pool as their root.
 *
 * Context: any context; the caller holds references on both pools.
 * Return: true if memory charged to @test_pool may be evicted.
 */
bool dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				      struct dmem_cgroup_pool_state *test_pool,
				      bool ignore_low, bool *ret_hit_low)
{
	unsigned int below;

	/* Evicting outside the limited subtree does not help. */
	if (limit_pool && !dmem_cgroup_pool_is_descendant(test_pool, limit_pool))
		return false;

	below = dmem_pool_protection(limit_pool, test_pool);
	if (below & DMEM_BELOW_MIN)
		return false;
	if (!ignore_low && (below & DMEM_BELOW_LOW)) {
		if (ret_hit_low)
			*ret_hit_low = true;
		return false;
	}
	return true;
}
EXPORT_SYMBOL_GPL(dmem_cgroup_state_evict_valuable);
