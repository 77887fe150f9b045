// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: victim choice and the -ENOMEM decision over many pools.
 *
 *   pools n=P mode=resident|enomem reps=R iters=I naive_iters=J cg=PATH
 *
 * P owners, owner i charging the cgroup PATH/g<i / 100>/c<i % 100> (made
 * by tools/bench/guest.sh with dmem enabled: P pools at depth 3), share
 * DMEM_BENCH_POOLS_BUFS one-page buffers, buffer k of owner k % P made
 * resident in order k, so the ages of the pools interleave and the region
 * (of the bench's own, "bench/pools0") is full. A requesting owner X, in
 * the writer's cgroup, needs one page: the decision of
 * dmem_buf_make_resident() before each eviction is timed,
 * dmem_evict_can_succeed() then dmem_evict_pick_locked(). mode=resident:
 * every buffer is unpinned, the decision is "evict buffer 0"; mode=enomem:
 * every buffer is pinned under the "strict" policy, the decision is
 * -ENOMEM. Nothing is evicted: the state is the same for every operation.
 *
 * The baseline, in the same repetition on the same region: the walk the
 * manager used before pools were kept in age order, kept here (and only
 * here) as it was: one protection computation per pool for the choice,
 * and for the coverage sum until it is covered. Both must reach the same
 * decision and the same victim (checked).
 */

#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "../../devmem_cg/dmem_test.h"
#include "../tests/dmem_evict_test_policy.h"
#include "bench.h"
#include "../evict_internal.h"

#define DMEM_BENCH_POOLS_UNIT	4096ULL
#define DMEM_BENCH_POOLS_BUFS	2000U
#define DMEM_BENCH_POOLS_MAX	1000U

/**
 * struct dmem_bench_pools - the region, owners and buffers of one command
 * @cg: the dmem region
 * @er: the eviction region
 * @x: the requesting owner
 * @owners: one per pool
 * @nr_owners: @owners created
 * @bufs: the buffers filling the region
 * @nr_init: @bufs initialized
 * @nr_evicted: calls of the evict op (must stay 0)
 */
struct dmem_bench_pools {
	struct dmem_cgroup_region *cg;
	struct dmem_evict_region *er;
	struct dmem_owner *x;
	struct dmem_owner **owners;
	unsigned int nr_owners;
	struct dmem_buf *bufs;
	unsigned int nr_init;
	unsigned int nr_evicted;
};

static int dmem_bench_pools_evict(struct dmem_buf *buf, bool may_block)
{
	struct dmem_bench_pools *c = dmem_evict_region_priv(buf->region);

	c->nr_evicted++;
	return 0;
}

static int dmem_bench_pools_restore(struct dmem_buf *buf)
{
	return 0;
}

static const struct dmem_evict_ops dmem_bench_pools_ops = {
	.evict = dmem_bench_pools_evict,
	.restore = dmem_bench_pools_restore,
};

/* ---- the baseline: the walk of every pool, as the manager had it ---- */

static bool dmem_bench_old_in_scope(struct dmem_evict_pool *epool,
				    struct dmem_cgroup_pool_state *limit)
{
	return !limit || dmem_cgroup_pool_is_descendant(epool->pool, limit);
}

static bool dmem_bench_old_may_revoke(struct dmem_evict_pool *epool,
				      struct dmem_cgroup_pool_state *limit)
{
	return !list_empty(&epool->pinned_links) &&
	       dmem_bench_old_in_scope(epool, limit) &&
	       dmem_cgroup_state_evict_valuable(limit, epool->pool, false, NULL);
}

static struct dmem_buf *dmem_bench_old_revocable(struct dmem_evict_link *link)
{
	struct dmem_buf *buf;

	list_for_each_entry(buf, &link->pinned, node)
		if (!buf->hard_pins)
			return buf;
	return NULL;
}

static bool dmem_bench_old_older(struct dmem_buf *buf, struct dmem_buf *than)
{
	return !than || buf->stamp < than->stamp;
}

/* Steps 1 and 2: one protection computation per pool with an LRU. */
static struct dmem_buf *dmem_bench_old_pick_lru(struct dmem_evict_region *region,
						struct dmem_cgroup_pool_state *limit)
{
	struct dmem_buf *above = NULL, *low = NULL, *head;
	struct dmem_evict_pool *epool;

	list_for_each_entry(epool, &region->pools, node) {
		bool hit_low = false;

		if (list_empty(&epool->lru) || !dmem_bench_old_in_scope(epool, limit))
			continue;
		head = list_first_entry(&epool->lru, struct dmem_buf, node);
		if (dmem_cgroup_state_evict_valuable(limit, epool->pool, false,
						     &hit_low)) {
			if (dmem_bench_old_older(head, above))
				above = head;
		} else if (hit_low && dmem_bench_old_older(head, low)) {
			low = head;
		}
	}
	return above ?: low;
}

/* The old dmem_evict_pick_locked(). */
static struct dmem_buf *dmem_bench_old_pick(struct dmem_evict_region *region,
					    struct dmem_cgroup_pool_state *limit,
					    struct dmem_owner *requester)
{
	struct dmem_buf *pinned = NULL, *head;
	struct dmem_evict_link *link;
	struct dmem_evict_pool *epool;

	lockdep_assert_held(&region->lock);
	head = dmem_bench_old_pick_lru(region, limit);
	if (head)
		return head;
	if (dmem_evict_pin_policy(region->cg) != DMEM_PIN_POLICY_SOFT)
		return NULL;
	list_for_each_entry(epool, &region->pools, node) {
		if (!dmem_bench_old_may_revoke(epool, limit))
			continue;
		list_for_each_entry(link, &epool->pinned_links, pool_node) {
			if (link->owner == requester)
				continue;
			head = dmem_bench_old_revocable(link);
			if (head && dmem_bench_old_older(head, pinned))
				pinned = head;
		}
	}
	return pinned;
}

static bool dmem_bench_old_sum_list(struct list_head *list, u64 need, u64 *sum)
{
	struct dmem_buf *buf;

	list_for_each_entry(buf, list, node) {
		if (buf->hard_pins)
			continue;
		*sum += buf->size;
		if (*sum >= need)
			return true;
	}
	return false;
}

/* The old dmem_evict_can_cover(). */
static bool dmem_bench_old_can_cover(struct dmem_evict_region *region,
				     struct dmem_cgroup_pool_state *limit,
				     struct dmem_owner *requester, u64 need)
{
	struct dmem_evict_link *link;
	struct dmem_evict_pool *epool;
	bool revoke, covered = false;
	u64 sum = 0;

	revoke = dmem_evict_pin_policy(region->cg) == DMEM_PIN_POLICY_SOFT;
	spin_lock(&region->lock);
	if (region->nr_inflight || !need) {
		covered = true;
		goto unlock;
	}
	list_for_each_entry(epool, &region->pools, node) {
		if (!dmem_bench_old_in_scope(epool, limit) ||
		    !dmem_cgroup_state_evict_valuable(limit, epool->pool, true,
						      NULL))
			continue;
		covered = dmem_bench_old_sum_list(&epool->lru, need, &sum);
		if (covered)
			break;
		if (!revoke || !dmem_bench_old_may_revoke(epool, limit))
			continue;
		list_for_each_entry(link, &epool->pinned_links, pool_node) {
			if (link->owner == requester)
				continue;
			covered = dmem_bench_old_sum_list(&link->pinned, need, &sum);
			if (covered)
				goto unlock;
		}
	}
unlock:
	spin_unlock(&region->lock);
	return covered;
}

/* The old dmem_evict_can_succeed(): the same, over the old sum. */
static bool dmem_bench_old_can_succeed(struct dmem_evict_region *region,
				       struct dmem_owner *owner, u64 size,
				       u64 region_need)
{
	struct dmem_cgroup_pool_state *pool = NULL, *p;
	bool ok = true;

	if (region_need &&
	    !dmem_bench_old_can_cover(region, NULL, owner, region_need))
		return false;
	if (dmem_evict_charge(owner, region->cg, 0, &pool, NULL) || !pool)
		return true;
	for (p = pool; p && ok; p = dmem_cgroup_pool_parent(p)) {
		u64 usage = dmem_cgroup_pool_usage(p);
		u64 max = dmem_cgroup_pool_max(p);
		u64 need = usage + size > max ? usage + size - max : 0;

		ok = !need || dmem_bench_old_can_cover(region, p, owner, need);
	}
	dmem_cgroup_uncharge(pool, 0);
	return ok;
}

/* ---- the decision, timed ---- */

/* What make-resident decides before evicting: the victim, or NULL. */
static struct dmem_buf *dmem_bench_decide(struct dmem_bench_pools *c, bool old)
{
	const u64 size = DMEM_BENCH_POOLS_UNIT;
	enum dmem_victim_kind kind;
	struct dmem_buf *victim;

	if (old ? !dmem_bench_old_can_succeed(c->er, c->x, size, size) :
		  !dmem_evict_can_succeed(c->er, c->x, size, size))
		return NULL;
	spin_lock(&c->er->lock);
	if (old)
		victim = dmem_bench_old_pick(c->er, NULL, c->x);
	else
		victim = dmem_evict_pick_locked(c->er, NULL, c->x, true, &kind);
	spin_unlock(&c->er->lock);
	return victim;
}

static s64 dmem_bench_decide_series(struct dmem_bench_pools *c, bool old,
				    unsigned int iters, struct dmem_buf *expect)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++)
		if (dmem_bench_decide(c, old) != expect)
			return -EIO;
	return ktime_get_ns() - t0;
}

/* ---- set-up ---- */

static struct cgroup_subsys_state *dmem_bench_pools_css(const char *cg,
							unsigned int i)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;
	char *path;

	path = kasprintf(GFP_KERNEL, "%s/g%u/c%u", cg, i / 100, i % 100);
	if (!path)
		return ERR_PTR(-ENOMEM);
	cgrp = cgroup_get_from_path(path);
	kfree(path);
	if (IS_ERR(cgrp))
		return ERR_CAST(cgrp);
	css = cgroup_get_e_css(cgrp, &dmem_cgrp_subsys);
	cgroup_put(cgrp);
	return css;
}

/* An owner charging pool @i: created here, then moved to its cgroup. */
static struct dmem_owner *dmem_bench_pools_owner(const char *cg, unsigned int i)
{
	struct cgroup_subsys_state *css = dmem_bench_pools_css(cg, i);
	struct dmem_owner *owner;

	if (IS_ERR_OR_NULL(css))
		return NULL;
	owner = dmem_owner_create(NULL, NULL);
	if (!owner) {
		css_put(css);
		return NULL;
	}
	if (owner->css)
		css_put(owner->css);
	owner->css = css;
	return owner;
}

static void dmem_bench_pools_teardown(struct dmem_bench_pools *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_init; i++) {
		dmem_buf_free(&c->bufs[i]);
		if (!(i & 255))
			cond_resched();
	}
	for (i = 0; i < c->nr_owners; i++)
		dmem_owner_put(c->owners[i]);
	kvfree(c->bufs);
	kfree(c->owners);
	dmem_owner_put(c->x);
	if (!IS_ERR_OR_NULL(c->er))
		dmem_evict_region_destroy(c->er);
	if (!IS_ERR_OR_NULL(c->cg))
		dmem_cgroup_unregister_region(c->cg);
}

static int dmem_bench_pools_fill(struct dmem_bench_pools *c,
				 const struct dmem_bench_args *args)
{
	struct dmem_buf *buf;
	int ret;

	for (; c->nr_owners < args->n; c->nr_owners++) {
		c->owners[c->nr_owners] = dmem_bench_pools_owner(args->cg,
								 c->nr_owners);
		if (!c->owners[c->nr_owners])
			return -ENOENT;
	}
	while (c->nr_init < DMEM_BENCH_POOLS_BUFS) {
		buf = &c->bufs[c->nr_init];
		ret = dmem_buf_init(buf, c->er, c->owners[c->nr_init % args->n],
				    DMEM_BENCH_POOLS_UNIT);
		if (ret)
			return ret;
		c->nr_init++;
		ret = args->enomem ? dmem_buf_pin(buf) :
				     dmem_buf_make_resident(buf);
		if (ret)
			return ret;
		cond_resched();
	}
	return c->nr_evicted ? -EIO : 0;
}

static int dmem_bench_pools_setup(struct dmem_bench_pools *c,
				  const struct dmem_bench_args *args)
{
	u64 capacity = DMEM_BENCH_POOLS_BUFS * DMEM_BENCH_POOLS_UNIT;
	struct dmem_cgroup_init init = { .size = capacity };

	c->cg = dmem_cgroup_register_region(&init, "bench/pools0");
	if (IS_ERR(c->cg))
		return PTR_ERR(c->cg);
	c->er = dmem_evict_region_create(c->cg, capacity, &dmem_bench_pools_ops,
					 c);
	if (IS_ERR(c->er))
		return PTR_ERR(c->er);
	if (args->enomem) {
		int ret = dmem_evict_test_set_policy(c->cg, DMEM_PIN_POLICY_STRICT,
						     dmem_evict_revoke_timeout_ms(c->cg));

		if (ret)
			return ret;
	}
	c->x = dmem_owner_create(NULL, NULL);
	c->owners = kcalloc(args->n, sizeof(*c->owners), GFP_KERNEL);
	c->bufs = kvcalloc(DMEM_BENCH_POOLS_BUFS, sizeof(*c->bufs), GFP_KERNEL);
	if (!c->x || !c->owners || !c->bufs)
		return -ENOMEM;
	return dmem_bench_pools_fill(c, args);
}

static void dmem_bench_pools_out(const struct dmem_bench_args *args,
				 const char *impl, unsigned int rep,
				 unsigned int ops, s64 ns)
{
	dmem_bench_out("pools impl=%s mode=%s p=%u rep=%u ops=%u ns=%lld\n",
		       impl, args->enomem ? "enomem" : "resident", args->n,
		       rep - 1, ops, ns);
}

int dmem_bench_pools(const struct dmem_bench_args *args)
{
	struct dmem_bench_pools *c;
	struct dmem_buf *expect;
	unsigned int rep;
	s64 ours, old;
	int ret;

	if (!args->n || args->n > DMEM_BENCH_POOLS_MAX || !args->cg[0])
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = dmem_bench_pools_setup(c, args);
	if (ret)
		goto out;

	/* Evict the oldest buffer, or -ENOMEM. */
	expect = args->enomem ? NULL : &c->bufs[0];
	/* Repetition 0 warms caches up and is not reported. */
	for (rep = 0; rep <= args->reps && !ret; rep++) {
		ours = dmem_bench_decide_series(c, false, args->iters, expect);
		old = dmem_bench_decide_series(c, true, args->naive_iters,
					       expect);
		ret = ours < 0 ? ours : old < 0 ? old : c->nr_evicted ? -EIO : 0;
		if (ret || !rep)
			continue;
		dmem_bench_pools_out(args, "new", rep, args->iters, ours);
		dmem_bench_pools_out(args, "old", rep, args->naive_iters, old);
		cond_resched();
	}
out:
	dmem_bench_pools_teardown(c);
	kfree(c);
	return ret;
}
