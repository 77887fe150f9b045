// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem benchmark: victim selection and revoke.
 *
 * Both build a region of the bench's own ("bench/evict0") whose buffers
 * are plain structs (the evict and restore ops move nothing), charged to
 * the writer's cgroup through the real controller.
 *
 * victim: N buffers fill the region; PCT% of them are pinned by owner X
 * (the oldest: long-lived pins age to the head of any LRU), the others
 * belong to owner Y, resident and unpinned (mode=resident) or pinned with
 * the region's policy "strict" (mode=enomem: nothing is eligible). X then
 * makes one more buffer resident: it must evict exactly one of Y's
 * (resident) or decide -ENOMEM (enomem). Timed per make-resident, the
 * state restored between operations outside the timing. In the same
 * repetition, over the same buffers and under the same lock: the
 * manager's choice alone (dmem_evict_pick_locked()) and the baseline, a
 * naive walk of one LRU of all buffers that skips ineligible ones one by
 * one, as TTM's LRU walk does.
 *
 * revoke: one buffer of Y fills the region, exported as a dma-buf with K
 * importers (bench_dmabuf.c) that pin and map it and, told of a revoke
 * through dma-buf, unmap from their revoke_notify. X makes a buffer
 * resident, which revokes Y's buffer when they pin it, and merely evicts
 * it when they are attached unpinned (the baseline): the round trip of
 * one make-resident each. After each revoke they attach, pin and map
 * again, outside the timing.
 */

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "../../devmem_cg/dmem_test.h"
#include "../tests/dmem_evict_test_policy.h"
#include "bench.h"
#include "../evict_internal.h"

#define DMEM_BENCH_UNIT		4096ULL

/**
 * struct dmem_bench_buf - a benchmark buffer
 * @buf: the manager's part
 * @lru: entry in the naive walk's list of all buffers, oldest first
 */
struct dmem_bench_buf {
	struct dmem_buf buf;
	struct list_head lru;
};

/**
 * struct dmem_bench_ctx - the region and buffers of one command
 * @cg: the dmem region
 * @er: the eviction region
 * @x: the requesting owner
 * @y: the other owner
 * @bufs: the buffers filling the region
 * @nr_init: @bufs initialized
 * @z: X's buffer made resident by the timed operation
 * @z_init: @z is initialized
 * @lru: the naive walk's list
 * @last_evicted: the buffer the evict op saw last
 * @nr_evicted: calls of the evict op
 * @bd: revoke: the victim's dma-buf, whose importers pin it again after
 *	a revoke, or NULL (the victim is pinned again by its owner)
 */
struct dmem_bench_ctx {
	struct dmem_cgroup_region *cg;
	struct dmem_evict_region *er;
	struct dmem_owner *x;
	struct dmem_owner *y;
	struct dmem_bench_buf *bufs;
	unsigned int nr_init;
	struct dmem_bench_buf z;
	bool z_init;
	struct list_head lru;
	struct dmem_bench_buf *last_evicted;
	unsigned int nr_evicted;
	struct dmem_bench_dmabuf *bd;
};

static int dmem_bench_evict_op(struct dmem_buf *buf, bool may_block)
{
	struct dmem_bench_ctx *c = dmem_evict_region_priv(buf->region);

	c->last_evicted = container_of(buf, struct dmem_bench_buf, buf);
	c->nr_evicted++;
	return 0;
}

static int dmem_bench_restore_op(struct dmem_buf *buf)
{
	return 0;
}

static const struct dmem_evict_ops dmem_bench_ops = {
	.evict = dmem_bench_evict_op,
	.restore = dmem_bench_restore_op,
};

static void dmem_bench_teardown(struct dmem_bench_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_init; i++) {
		dmem_buf_free(&c->bufs[i].buf);
		if (!(i & 1023))
			cond_resched();
	}
	if (c->z_init)
		dmem_buf_free(&c->z.buf);
	kvfree(c->bufs);
	dmem_owner_put(c->x);
	dmem_owner_put(c->y);
	if (!IS_ERR_OR_NULL(c->er))
		dmem_evict_region_destroy(c->er);
	if (!IS_ERR_OR_NULL(c->cg))
		dmem_cgroup_unregister_region(c->cg);
}

static int dmem_bench_setup(struct dmem_bench_ctx *c, unsigned int n)
{
	u64 capacity = n * DMEM_BENCH_UNIT;
	struct dmem_cgroup_init init = { .size = capacity };

	memset(c, 0, sizeof(*c));
	INIT_LIST_HEAD(&c->lru);
	c->cg = dmem_cgroup_register_region(&init, "bench/evict0");
	if (IS_ERR(c->cg))
		return PTR_ERR(c->cg);
	c->er = dmem_evict_region_create(c->cg, capacity, &dmem_bench_ops, c);
	if (IS_ERR(c->er))
		return PTR_ERR(c->er);
	c->x = dmem_owner_create(NULL, NULL);
	c->y = dmem_owner_create(NULL, NULL);
	c->bufs = kvcalloc(n, sizeof(*c->bufs), GFP_KERNEL);
	if (!c->x || !c->y || !c->bufs)
		return -ENOMEM;
	return 0;
}

/* Add a buffer of @owner, made resident or pinned, at the young end. */
static int dmem_bench_add(struct dmem_bench_ctx *c, struct dmem_owner *owner,
			  bool pin)
{
	struct dmem_bench_buf *bb = &c->bufs[c->nr_init];
	int ret;

	ret = dmem_buf_init(&bb->buf, c->er, owner, DMEM_BENCH_UNIT);
	if (ret)
		return ret;
	c->nr_init++;
	list_add_tail(&bb->lru, &c->lru);
	return pin ? dmem_buf_pin(&bb->buf) : dmem_buf_make_resident(&bb->buf);
}

static int dmem_bench_z_init(struct dmem_bench_ctx *c)
{
	int ret;

	if (c->z_init)
		dmem_buf_free(&c->z.buf);
	c->z_init = false;
	ret = dmem_buf_init(&c->z.buf, c->er, c->x, DMEM_BENCH_UNIT);
	if (!ret)
		c->z_init = true;
	return ret;
}

static bool dmem_bench_naive_ok(struct dmem_buf *buf, struct dmem_owner *req,
				bool pinned, bool soft)
{
	if (buf->state != DMEM_BUF_RESIDENT || (buf->flags & DMEM_BUF_F_BUSY))
		return false;
	if (!!buf->pin_count != pinned)
		return false;
	if (pinned && (!soft || buf->owner == req))
		return false;
	return dmem_cgroup_state_evict_valuable(NULL, dmem_buf_pool(buf), false,
						NULL);
}

/*
 * The baseline: walk one LRU of every buffer, oldest first, and take the
 * first eligible one; pinned buffers of other owners only in a second walk
 * (soft policy), as the policy orders them.
 */
static struct dmem_buf *dmem_bench_naive_pick(struct dmem_bench_ctx *c,
					      struct dmem_owner *req)
{
	bool soft = dmem_evict_pin_policy(c->cg) == DMEM_PIN_POLICY_SOFT;
	struct dmem_bench_buf *bb;

	lockdep_assert_held(&c->er->lock);
	list_for_each_entry(bb, &c->lru, lru)
		if (dmem_bench_naive_ok(&bb->buf, req, false, soft))
			return &bb->buf;
	if (!soft)
		return NULL;
	list_for_each_entry(bb, &c->lru, lru)
		if (dmem_bench_naive_ok(&bb->buf, req, true, soft))
			return &bb->buf;
	return NULL;
}

static struct dmem_buf *dmem_bench_pick(struct dmem_bench_ctx *c, bool naive)
{
	enum dmem_victim_kind kind;
	struct dmem_buf *victim;

	spin_lock(&c->er->lock);
	if (naive)
		victim = dmem_bench_naive_pick(c, c->x);
	else
		victim = dmem_evict_pick_locked(c->er, NULL, c->x, true, &kind);
	spin_unlock(&c->er->lock);
	return victim;
}

/* Time @iters choices; returns the total ns or a negative errno. */
static s64 dmem_bench_time_pick(struct dmem_bench_ctx *c, bool naive,
				unsigned int iters, struct dmem_buf *expect)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < iters; i++)
		if (dmem_bench_pick(c, naive) != expect)
			return -EIO;
	return ktime_get_ns() - t0;
}

/*
 * One make-resident of Z, timed. @evicts: it must evict or revoke exactly
 * one buffer, which is then put back by @restore (pinned or not) outside
 * the timing; otherwise it must fail with -ENOMEM.
 */
static s64 dmem_bench_one(struct dmem_bench_ctx *c, bool evicts, bool repin)
{
	struct dmem_bench_buf *victim;
	u64 t0, t;
	int ret;

	c->nr_evicted = 0;
	t0 = ktime_get_ns();
	ret = dmem_buf_make_resident(&c->z.buf);
	t = ktime_get_ns() - t0;
	if (!evicts)
		return ret == -ENOMEM && !c->nr_evicted ? t : -EIO;
	if (ret || c->nr_evicted != 1)
		return ret ?: -EIO;

	victim = c->last_evicted;
	ret = dmem_bench_z_init(c);
	if (ret)
		return ret;
	if (repin && c->bd)
		ret = dmem_bench_dmabuf_import(c->bd);
	else
		ret = repin ? dmem_buf_pin(&victim->buf) :
			      dmem_buf_make_resident(&victim->buf);
	if (ret || c->nr_evicted != 1)
		return ret ?: -EIO;
	list_move_tail(&victim->lru, &c->lru);
	return t;
}

static s64 dmem_bench_series(struct dmem_bench_ctx *c, unsigned int iters,
			     bool evicts, bool repin)
{
	s64 t, total = 0;
	unsigned int i;

	for (i = 0; i < iters; i++) {
		t = dmem_bench_one(c, evicts, repin);
		if (t < 0)
			return t;
		total += t;
		cond_resched();
	}
	return total;
}

static void dmem_bench_victim_out(const struct dmem_bench_args *args,
				  const char *impl, unsigned int rep,
				  unsigned int ops, s64 ns)
{
	dmem_bench_out("victim impl=%s mode=%s n=%u pinned=%u rep=%u ops=%u ns=%lld\n",
		       impl, args->enomem ? "enomem" : "resident", args->n,
		       args->pinned, rep - 1, ops, ns);
}

int dmem_bench_victim(const struct dmem_bench_args *args)
{
	unsigned int n = args->n, npin = n * args->pinned / 100, i, rep;
	struct dmem_buf *expect;
	struct dmem_bench_ctx *c;
	s64 ours, pick, naive;
	int ret;

	if (n < 2 || npin == n)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = dmem_bench_setup(c, n);
	if (ret)
		goto out;
	if (args->enomem)
		ret = dmem_evict_test_set_policy(c->cg, DMEM_PIN_POLICY_STRICT,
						 dmem_evict_revoke_timeout_ms(c->cg));
	for (i = 0; i < n && !ret; i++) {
		if (i < npin)
			ret = dmem_bench_add(c, c->x, true);
		else
			ret = dmem_bench_add(c, c->y, args->enomem);
		if (!(i & 1023))
			cond_resched();
	}
	if (!ret)
		ret = dmem_bench_z_init(c);
	if (ret)
		goto out;

	/* Repetition 0 warms caches up and is not reported. */
	for (rep = 0; rep <= args->reps; rep++) {
		ours = dmem_bench_series(c, args->iters, !args->enomem, false);
		/* The choice the make-resident would make now. */
		expect = dmem_bench_pick(c, false);
		pick = dmem_bench_time_pick(c, false, args->iters, expect);
		naive = dmem_bench_time_pick(c, true, args->naive_iters, expect);
		if (ours < 0)
			ret = ours;
		else if (pick < 0)
			ret = pick;
		else if (naive < 0)
			ret = naive;
		else if (!expect != !!args->enomem)
			ret = -EIO;
		if (ret)
			goto out;
		if (!rep)
			continue;
		dmem_bench_victim_out(args, "make_resident", rep, args->iters,
				      ours);
		dmem_bench_victim_out(args, "pick", rep, args->iters, pick);
		dmem_bench_victim_out(args, "naive", rep, args->naive_iters,
				      naive);
	}
out:
	dmem_bench_teardown(c);
	kfree(c);
	return ret;
}

int dmem_bench_revoke(const struct dmem_bench_args *args)
{
	struct dmem_bench_ctx *c;
	unsigned int rep;
	s64 evict, revoke;
	int ret;

	/* The importers' pins are the victim's: at least one is needed. */
	if (!args->k)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = dmem_bench_setup(c, 1);
	if (ret)
		goto out;
	ret = dmem_bench_add(c, c->y, false);
	if (ret)
		goto out;
	c->bd = dmem_bench_dmabuf_create(&c->bufs[0].buf, args->k);
	if (IS_ERR(c->bd)) {
		ret = PTR_ERR(c->bd);
		c->bd = NULL;
		goto out;
	}
	ret = dmem_bench_dmabuf_attach(c->bd);
	ret = ret ?: dmem_bench_z_init(c);
	if (ret)
		goto out;

	/* Repetition 0 warms caches up and is not reported. */
	for (rep = 0; rep <= args->reps; rep++) {
		/* Attached, not pinned: a plain eviction. */
		evict = dmem_bench_series(c, args->iters, true, false);
		ret = evict < 0 ? evict : dmem_bench_dmabuf_import(c->bd);
		if (ret)
			goto out;
		/* Pinned by the importers: X's make-resident revokes it. */
		revoke = dmem_bench_series(c, args->iters, true, true);
		ret = revoke < 0 ? revoke : dmem_bench_dmabuf_attach(c->bd);
		if (ret)
			goto out;
		if (!rep)
			continue;
		dmem_bench_out("revoke impl=evict k=%u rep=%u ops=%u ns=%lld\n",
			       args->k, rep - 1, args->iters, evict);
		dmem_bench_out("revoke impl=revoke k=%u rep=%u ops=%u ns=%lld\n",
			       args->k, rep - 1, args->iters, revoke);
	}
out:
	dmem_bench_dmabuf_destroy(c->bd);
	dmem_bench_teardown(c);
	kfree(c);
	return ret;
}
