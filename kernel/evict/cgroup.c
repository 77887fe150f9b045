// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem eviction manager: what it adds to the dmem cgroup files, registered
 * with the controller as its one extension (struct dmem_cgroup_extension):
 * the evict, revoke and enomem keys of dmem.events, the keys of dmem.stat
 * after current and pinned, and dmem.policy, the per-region pin policy and
 * revoke timeout.
 *
 * The controller stores the counters and the two policy words of each
 * region; this file alone names and interprets them. The policy words are
 * written by the controller's calls of region_init and region_apply, under
 * its lock, and read here locklessly: each word is read and written whole.
 */

#include <linux/cgroup_dmem.h>
#include <linux/ctype.h>
#include <linux/dmem_evict_cgroup.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "evict_internal.h"

/* The largest revoke timeout dmem.policy accepts. */
#define DMEM_EVICT_MAX_REVOKE_TIMEOUT_MS	600000

/* The region's private words (dmem_cgroup_region_ext_data()). */
enum {
	DMEM_EVICT_WORD_PIN_POLICY,	/* enum dmem_pin_policy */
	DMEM_EVICT_WORD_TIMEOUT_MS,	/* revoke timeout, ms */
	DMEM_EVICT_NR_WORDS,
};

static_assert(DMEM_EVICT_NR_WORDS <= DMEM_CGROUP_EXT_REGION_WORDS);
static_assert(DMEM_EVICT_NR_EVENTS <= DMEM_CGROUP_EXT_MAX_EVENTS);
static_assert(DMEM_EVICT_NR_STATS <= DMEM_CGROUP_EXT_MAX_STATS);
static_assert(sizeof(struct dmem_evict_policy_req) <= DMEM_CGROUP_EXT_REQ_SIZE);

static const char *const dmem_evict_event_names[DMEM_EVICT_NR_EVENTS] = {
	[DMEM_EVICT_EVENT_EVICT] = "evict",
	[DMEM_EVICT_EVENT_REVOKE] = "revoke",
	[DMEM_EVICT_EVENT_ENOMEM] = "enomem",
};

static const char *const dmem_evict_stat_names[DMEM_EVICT_NR_STATS] = {
	[DMEM_EVICT_STAT_EVICTABLE] = "evictable",
	[DMEM_EVICT_STAT_BUFFERS] = "buffers",
	[DMEM_EVICT_STAT_OWNERS] = "owners",
	[DMEM_EVICT_STAT_EVICTED_BYTES] = "evicted_bytes",
	[DMEM_EVICT_STAT_REVOKED_BYTES] = "revoked_bytes",
	[DMEM_EVICT_STAT_FUTILE_EVICTIONS] = "futile_evictions",
};

static const char *const dmem_pin_policy_names[] = {
	[DMEM_PIN_POLICY_SOFT] = "soft",
	[DMEM_PIN_POLICY_STRICT] = "strict",
};

/**
 * dmem_evict_pool_event() - count an event of the eviction layer
 * @pool: pool the event happened to
 * @event: the event
 *
 * Counts @event in dmem.events.local of @pool's cgroup and in dmem.events
 * of the cgroup and of all its ancestors, as dmem_cgroup_pool_event() does
 * for the controller's own events.
 *
 * Context: any context.
 */
void dmem_evict_pool_event(struct dmem_cgroup_pool_state *pool,
			   enum dmem_evict_event event)
{
	dmem_cgroup_pool_ext_event(pool, event);
}
EXPORT_SYMBOL_GPL(dmem_evict_pool_event);

/**
 * dmem_evict_pool_stat_add() - change a statistic shown in dmem.stat
 * @pool: pool the change applies to
 * @item: the statistic
 * @delta: the change; gauges go up and down, counters only up
 *
 * The change applies to @pool and to all its ancestors: dmem.stat shows
 * subtree totals.
 *
 * Context: any context.
 */
void dmem_evict_pool_stat_add(struct dmem_cgroup_pool_state *pool,
			      enum dmem_evict_stat item, s64 delta)
{
	dmem_cgroup_pool_ext_stat_add(pool, item, delta);
}
EXPORT_SYMBOL_GPL(dmem_evict_pool_stat_add);

/**
 * dmem_evict_pool_stat() - a statistic of a pool's subtree
 * @pool: the pool
 * @item: the statistic
 *
 * Context: any context; lockless. The manager changes its gauges under its
 * region lock, so a reader holding that lock sees them exact.
 * Return: the subtree total dmem.stat shows.
 */
s64 dmem_evict_pool_stat(struct dmem_cgroup_pool_state *pool,
			 enum dmem_evict_stat item)
{
	return dmem_cgroup_pool_ext_stat(pool, item);
}
EXPORT_SYMBOL_GPL(dmem_evict_pool_stat);

/**
 * dmem_evict_pin_policy() - pin policy set in dmem.policy
 * @region: the region
 *
 * Return: the policy; %DMEM_PIN_POLICY_SOFT unless set otherwise.
 */
enum dmem_pin_policy dmem_evict_pin_policy(struct dmem_cgroup_region *region)
{
	unsigned long *data = dmem_cgroup_region_ext_data(region);

	return READ_ONCE(data[DMEM_EVICT_WORD_PIN_POLICY]);
}
EXPORT_SYMBOL_GPL(dmem_evict_pin_policy);

/**
 * dmem_evict_revoke_timeout_ms() - revoke timeout set in dmem.policy
 * @region: the region
 *
 * Return: how long a revoke waits for importers to acknowledge, in
 * milliseconds; %DMEM_EVICT_DEFAULT_REVOKE_TIMEOUT_MS unless set otherwise.
 */
unsigned int dmem_evict_revoke_timeout_ms(struct dmem_cgroup_region *region)
{
	unsigned long *data = dmem_cgroup_region_ext_data(region);

	return READ_ONCE(data[DMEM_EVICT_WORD_TIMEOUT_MS]);
}
EXPORT_SYMBOL_GPL(dmem_evict_revoke_timeout_ms);

/* Under the controller's lock, before the region is listed anywhere. */
static void dmem_evict_region_init(unsigned long *data)
{
	WRITE_ONCE(data[DMEM_EVICT_WORD_PIN_POLICY], DMEM_PIN_POLICY_SOFT);
	WRITE_ONCE(data[DMEM_EVICT_WORD_TIMEOUT_MS],
		   DMEM_EVICT_DEFAULT_REVOKE_TIMEOUT_MS);
}

/* "<soft|strict> timeout_ms=<N>", under rcu_read_lock(). */
static void dmem_evict_policy_show(struct seq_file *sf,
				   const unsigned long *data)
{
	unsigned long mode = READ_ONCE(data[DMEM_EVICT_WORD_PIN_POLICY]);

	seq_printf(sf, "%s timeout_ms=%lu", dmem_pin_policy_names[mode],
		   READ_ONCE(data[DMEM_EVICT_WORD_TIMEOUT_MS]));
}

/* One "timeout_ms=N" word: N in 1..DMEM_EVICT_MAX_REVOKE_TIMEOUT_MS. */
static int dmem_evict_parse_timeout(const char *word, unsigned int *ms)
{
	/* kstrtouint() accepts "+5" and a newline; we do not. */
	if (!isdigit(*word) || kstrtouint(word, 10, ms) ||
	    !isdigit(word[strlen(word) - 1]) ||
	    *ms < 1 || *ms > DMEM_EVICT_MAX_REVOKE_TIMEOUT_MS)
		return -EINVAL;
	return 0;
}

/**
 * dmem_evict_parse_policy() - parse the arguments of a dmem.policy line
 * @args: white-space separated words, each at most once: "soft" or
 *	"strict", and "timeout_ms=N" with N in 1..600000; modified
 * @req: what the line sets
 *
 * Return: 0, or -EINVAL.
 */
int dmem_evict_parse_policy(char *args, struct dmem_evict_policy_req *req)
{
	char *word;

	memset(req, 0, sizeof(*req));
	while ((word = strsep(&args, " \t"))) {
		int mode;

		if (!*word)
			continue;

		if (str_has_prefix(word, "timeout_ms=")) {
			if (req->set_timeout ||
			    dmem_evict_parse_timeout(word + strlen("timeout_ms="),
						     &req->timeout_ms))
				return -EINVAL;
			req->set_timeout = true;
			continue;
		}

		mode = match_string(dmem_pin_policy_names,
				    ARRAY_SIZE(dmem_pin_policy_names), word);
		if (mode < 0 || req->set_mode)
			return -EINVAL;
		req->set_mode = true;
		req->mode = mode;
	}

	if (!req->set_mode && !req->set_timeout)
		return -EINVAL;
	return 0;
}

static int dmem_evict_policy_parse(char *args, void *req)
{
	return dmem_evict_parse_policy(args, req);
}

/* Under the controller's lock; what the line did not name stays. */
static void dmem_evict_policy_apply(unsigned long *data, const void *arg)
{
	const struct dmem_evict_policy_req *req = arg;

	if (req->set_mode)
		WRITE_ONCE(data[DMEM_EVICT_WORD_PIN_POLICY], req->mode);
	if (req->set_timeout)
		WRITE_ONCE(data[DMEM_EVICT_WORD_TIMEOUT_MS], req->timeout_ms);
}

static const struct dmem_cgroup_extension dmem_evict_cgroup_extension = {
	.event_names = dmem_evict_event_names,
	.nr_events = DMEM_EVICT_NR_EVENTS,
	.stat_names = dmem_evict_stat_names,
	.nr_stats = DMEM_EVICT_NR_STATS,
	.region_file = "policy",
	.region_init = dmem_evict_region_init,
	.region_show = dmem_evict_policy_show,
	.region_parse = dmem_evict_policy_parse,
	.region_apply = dmem_evict_policy_apply,
};

/*
 * Early, so that the keys and dmem.policy are there before userspace looks;
 * regions that drivers registered before are set up by the registration.
 */
static int __init dmem_evict_cgroup_init(void)
{
	return dmem_cgroup_register_extension(&dmem_evict_cgroup_extension);
}
subsys_initcall(dmem_evict_cgroup_init);
