/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dmem cgroup controller: accounting and limits for device memory.
 *
 * A driver registers each of its memory regions (VRAM of one device, for
 * instance) with dmem_cgroup_register_region() and charges every allocation
 * in it with dmem_cgroup_try_charge(). The charge goes to a per-cgroup,
 * per-region "pool" and stays there until dmem_cgroup_uncharge(), wherever
 * the allocating task moves afterwards.
 *
 * The first part of this header keeps the signatures of the upstream dmem
 * controller as of 7.3 (registration with struct dmem_cgroup_init, the
 * protection queries), so that drivers written against it build unchanged.
 * The second part is what the eviction layer (include/linux/dmem_evict.h)
 * builds on: charging on behalf of another cgroup, pinned accounting,
 * the controller's events, replacing the reclaim callback, and one
 * "extension": a layer above the controller (the eviction layer,
 * kernel/evict/cgroup.c) that adds its own event and dmem.stat keys and a
 * per-region settings file (dmem.policy), whose values the controller
 * stores without interpreting them.
 *
 * Reference rules: a successful charge returns a pool with one reference,
 * which dmem_cgroup_uncharge() drops. A failed charge may return the pool
 * whose limit was hit, with a reference the caller drops with
 * dmem_cgroup_pool_state_put(). A pool stays valid while a reference is
 * held, even if its cgroup is removed or its region unregistered. A caller
 * that holds a reference on a pool for as long as its charges last (a
 * handle) charges it with dmem_cgroup_pool_try_charge() and uncharges it
 * with dmem_cgroup_pool_uncharge(): no lookup, no reference per charge.
 */
#ifndef _LINUX_CGROUP_DMEM_H
#define _LINUX_CGROUP_DMEM_H

#include <linux/limits.h>
#include <linux/types.h>
#include <linux/err.h>

struct cgroup_subsys_state;
struct seq_file;
struct task_struct;
struct dmem_cgroup_region;
struct dmem_cgroup_pool_state;

/**
 * enum dmem_cgroup_event - the controller's events, the first keys of
 *	dmem.events and dmem.events.local
 * @DMEM_CGROUP_EVENT_LOW: a pool was reclaimed below its effective low
 *	protection because nothing else could be evicted (counted by whoever
 *	evicts, as memcg counts memory.events' low)
 * @DMEM_CGROUP_EVENT_MAX: a charge failed because dmem.max was reached
 * @DMEM_CGROUP_EVENT_PIN_MAX: a pin failed because dmem.pinned.max was reached
 * @DMEM_CGROUP_NR_EVENTS: number of events
 *
 * A layer registered with dmem_cgroup_register_extension() appends its own
 * keys after these.
 */
enum dmem_cgroup_event {
	DMEM_CGROUP_EVENT_LOW,
	DMEM_CGROUP_EVENT_MAX,
	DMEM_CGROUP_EVENT_PIN_MAX,
	DMEM_CGROUP_NR_EVENTS,
};

/**
 * struct dmem_cgroup_ops - what the controller may ask of a region's driver
 * @reclaim: optional; evict memory charged to @pool or to its descendants,
 *	about @target_bytes of it. Called when a write to dmem.max leaves
 *	@pool above its new limit, in process context, with no lock of the
 *	controller held; it may sleep and should return early if a signal is
 *	pending. @pool is referenced for the duration of the call. Returns 0
 *	if it freed something, -ENOSPC if it could free nothing, or another
 *	negative errno on failure. The controller calls it again while @pool
 *	stays above its limit and the last call made @pool's usage fall; it
 *	stops at the first error, or when a call leaves the usage where it was.
 */
struct dmem_cgroup_ops {
	int (*reclaim)(struct dmem_cgroup_pool_state *pool, u64 target_bytes,
		       void *priv);
};

/**
 * struct dmem_cgroup_init - what a driver tells the controller of a region
 * @size: capacity in bytes, shown in dmem.capacity; 0 registers nothing
 * @ops: optional callbacks, or NULL
 * @reclaim_priv: passed to @ops->reclaim
 */
struct dmem_cgroup_init {
	u64 size;
	const struct dmem_cgroup_ops *ops;
	void *reclaim_priv;
};

/* What one extension may add; the controller reserves this much per pool. */
#define DMEM_CGROUP_EXT_MAX_EVENTS	4
#define DMEM_CGROUP_EXT_MAX_STATS	8
/* Private words per region, and bytes of one parsed line of its file. */
#define DMEM_CGROUP_EXT_REGION_WORDS	2
#define DMEM_CGROUP_EXT_REQ_SIZE	32

/**
 * struct dmem_cgroup_extension - what a layer above the controller adds to
 *	the dmem.* files
 * @event_names: keys appended to dmem.events and dmem.events.local, in the
 *	order of the slots dmem_cgroup_pool_ext_event() counts
 * @nr_events: number of @event_names, at most %DMEM_CGROUP_EXT_MAX_EVENTS
 * @stat_names: keys appended to dmem.stat, after current and pinned, in
 *	the order of the slots dmem_cgroup_pool_ext_stat_add() changes
 * @nr_stats: number of @stat_names, at most %DMEM_CGROUP_EXT_MAX_STATS
 * @region_file: name, without "dmem.", of a root-only file with one
 *	"<region> <settings>" line per region, whose settings live in the
 *	region's private words (dmem_cgroup_region_ext_data()); or NULL
 * @region_init: sets a region's private words to their defaults; called
 *	with the controller's lock held, once for every region registered
 *	before the extension and once for each region registered after it,
 *	before the region appears in any file. Must not sleep.
 * @region_show: prints the settings of a region's line, after "<region> "
 *	and before the newline; called under rcu_read_lock()
 * @region_parse: parses the settings of a written line into @req, a
 *	zeroed buffer of %DMEM_CGROUP_EXT_REQ_SIZE bytes; looks at text only,
 *	without locks. Returns 0 or -EINVAL.
 * @region_apply: applies what @region_parse parsed to a live region;
 *	called with the controller's lock held, after every line of the
 *	write was parsed and every region named was found live. Must not
 *	fail or sleep.
 *
 * The controller stores, but never interprets, the extension's event and
 * statistic counters (per pool) and private words (per region). See
 * dmem_cgroup_register_extension() for when it may register.
 */
struct dmem_cgroup_extension {
	const char *const *event_names;
	unsigned int nr_events;
	const char *const *stat_names;
	unsigned int nr_stats;
	const char *region_file;
	void (*region_init)(unsigned long *data);
	void (*region_show)(struct seq_file *sf, const unsigned long *data);
	int (*region_parse)(char *args, void *req);
	void (*region_apply)(unsigned long *data, const void *req);
};

/*
 * Kernel-doc of every function is at its definition, under
 * kernel/devmem_cg/. Each has a stub below for !CONFIG_CGROUP_DMEM.
 */
#if IS_ENABLED(CONFIG_CGROUP_DMEM)

/* The upstream (7.3) API. */
struct dmem_cgroup_region *
dmem_cgroup_register_region(const struct dmem_cgroup_init *init,
			    const char *name_fmt, ...) __printf(2, 3);
void dmem_cgroup_unregister_region(struct dmem_cgroup_region *region);
int dmem_cgroup_try_charge(struct dmem_cgroup_region *region, u64 size,
			   struct dmem_cgroup_pool_state **ret_pool,
			   struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool, u64 size);
bool dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				      struct dmem_cgroup_pool_state *test_pool,
				      bool ignore_low, bool *ret_hit_low);
void dmem_cgroup_pool_state_put(struct dmem_cgroup_pool_state *pool);
bool dmem_cgroup_below_min(struct dmem_cgroup_pool_state *root,
			   struct dmem_cgroup_pool_state *test);
bool dmem_cgroup_below_low(struct dmem_cgroup_pool_state *root,
			   struct dmem_cgroup_pool_state *test);
struct dmem_cgroup_pool_state *
dmem_cgroup_get_common_ancestor(struct dmem_cgroup_pool_state *a,
				struct dmem_cgroup_pool_state *b);

/* Charging for another cgroup, and pinned accounting. */
struct cgroup_subsys_state *dmem_cgroup_get_task_css(struct task_struct *task);
int dmem_cgroup_try_charge_css(struct cgroup_subsys_state *css,
			       struct dmem_cgroup_region *region, u64 size,
			       struct dmem_cgroup_pool_state **ret_pool,
			       struct dmem_cgroup_pool_state **ret_limit_pool);
int dmem_cgroup_try_charge_pinned(struct dmem_cgroup_pool_state *pool,
				  u64 size,
				  struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool, u64 size);
int dmem_cgroup_pool_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
				struct dmem_cgroup_pool_state **ret_limit_pool);
void dmem_cgroup_pool_uncharge(struct dmem_cgroup_pool_state *pool, u64 size);

/* Pools, for the eviction layer and TTM. */
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_get(struct dmem_cgroup_pool_state *pool);
struct dmem_cgroup_region *
dmem_cgroup_pool_region(struct dmem_cgroup_pool_state *pool);
struct dmem_cgroup_pool_state *
dmem_cgroup_pool_parent(struct dmem_cgroup_pool_state *pool);
bool dmem_cgroup_pool_is_descendant(struct dmem_cgroup_pool_state *pool,
				    struct dmem_cgroup_pool_state *ancestor);
u64 dmem_cgroup_pool_usage(struct dmem_cgroup_pool_state *pool);
u64 dmem_cgroup_pool_max(struct dmem_cgroup_pool_state *pool);
u64 dmem_cgroup_pool_pinned(struct dmem_cgroup_pool_state *pool);
u64 dmem_cgroup_pool_cgroup_id(struct dmem_cgroup_pool_state *pool);

/* The controller's events, counted by whoever evicts or charges. */
void dmem_cgroup_pool_event(struct dmem_cgroup_pool_state *pool,
			    enum dmem_cgroup_event event);

/* The one extension: its counters and per-region words. */
int dmem_cgroup_register_extension(const struct dmem_cgroup_extension *ext);
void dmem_cgroup_pool_ext_event(struct dmem_cgroup_pool_state *pool,
				unsigned int event);
void dmem_cgroup_pool_ext_stat_add(struct dmem_cgroup_pool_state *pool,
				   unsigned int item, s64 delta);
s64 dmem_cgroup_pool_ext_stat(struct dmem_cgroup_pool_state *pool,
			      unsigned int item);
unsigned long *dmem_cgroup_region_ext_data(struct dmem_cgroup_region *region);

/* Regions: name, size, the reclaim callback. */
const char *dmem_cgroup_region_name(struct dmem_cgroup_region *region);
u64 dmem_cgroup_region_size(struct dmem_cgroup_region *region);
void dmem_cgroup_region_set_reclaim(struct dmem_cgroup_region *region,
				    const struct dmem_cgroup_ops *ops,
				    void *priv);

#else /* CONFIG_CGROUP_DMEM */

static inline __printf(2, 3) struct dmem_cgroup_region *
dmem_cgroup_register_region(const struct dmem_cgroup_init *init,
			    const char *name_fmt, ...)
{
	return NULL;
}

static inline void dmem_cgroup_unregister_region(struct dmem_cgroup_region *region)
{
}

static inline int dmem_cgroup_try_charge(struct dmem_cgroup_region *region,
					 u64 size,
					 struct dmem_cgroup_pool_state **ret_pool,
					 struct dmem_cgroup_pool_state **ret_limit_pool)
{
	*ret_pool = NULL;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void dmem_cgroup_uncharge(struct dmem_cgroup_pool_state *pool,
					u64 size)
{
}

static inline bool
dmem_cgroup_state_evict_valuable(struct dmem_cgroup_pool_state *limit_pool,
				 struct dmem_cgroup_pool_state *test_pool,
				 bool ignore_low, bool *ret_hit_low)
{
	return true;
}

static inline void dmem_cgroup_pool_state_put(struct dmem_cgroup_pool_state *pool)
{
}

static inline bool dmem_cgroup_below_min(struct dmem_cgroup_pool_state *root,
					 struct dmem_cgroup_pool_state *test)
{
	return false;
}

static inline bool dmem_cgroup_below_low(struct dmem_cgroup_pool_state *root,
					 struct dmem_cgroup_pool_state *test)
{
	return false;
}

static inline struct dmem_cgroup_pool_state *
dmem_cgroup_get_common_ancestor(struct dmem_cgroup_pool_state *a,
				struct dmem_cgroup_pool_state *b)
{
	return NULL;
}

static inline struct cgroup_subsys_state *
dmem_cgroup_get_task_css(struct task_struct *task)
{
	return NULL;
}

static inline int dmem_cgroup_try_charge_css(struct cgroup_subsys_state *css,
					     struct dmem_cgroup_region *region, u64 size,
					     struct dmem_cgroup_pool_state **ret_pool,
					     struct dmem_cgroup_pool_state **ret_limit_pool)
{
	return dmem_cgroup_try_charge(region, size, ret_pool, ret_limit_pool);
}

static inline int dmem_cgroup_try_charge_pinned(struct dmem_cgroup_pool_state *pool,
						u64 size,
						struct dmem_cgroup_pool_state **ret_limit_pool)
{
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void dmem_cgroup_uncharge_pinned(struct dmem_cgroup_pool_state *pool,
					       u64 size)
{
}

static inline int
dmem_cgroup_pool_try_charge(struct dmem_cgroup_pool_state *pool, u64 size,
			    struct dmem_cgroup_pool_state **ret_limit_pool)
{
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void dmem_cgroup_pool_uncharge(struct dmem_cgroup_pool_state *pool,
					     u64 size)
{
}

static inline struct dmem_cgroup_pool_state *
dmem_cgroup_pool_get(struct dmem_cgroup_pool_state *pool)
{
	return pool;
}

static inline struct dmem_cgroup_region *
dmem_cgroup_pool_region(struct dmem_cgroup_pool_state *pool)
{
	return NULL;
}

static inline struct dmem_cgroup_pool_state *
dmem_cgroup_pool_parent(struct dmem_cgroup_pool_state *pool)
{
	return NULL;
}

static inline bool
dmem_cgroup_pool_is_descendant(struct dmem_cgroup_pool_state *pool,
			       struct dmem_cgroup_pool_state *ancestor)
{
	return pool == ancestor;
}

static inline u64 dmem_cgroup_pool_usage(struct dmem_cgroup_pool_state *pool)
{
	return 0;
}

static inline u64 dmem_cgroup_pool_max(struct dmem_cgroup_pool_state *pool)
{
	return U64_MAX;
}

static inline u64 dmem_cgroup_pool_pinned(struct dmem_cgroup_pool_state *pool)
{
	return 0;
}

static inline u64 dmem_cgroup_pool_cgroup_id(struct dmem_cgroup_pool_state *pool)
{
	return 0;
}

static inline void dmem_cgroup_pool_event(struct dmem_cgroup_pool_state *pool,
					  enum dmem_cgroup_event event)
{
}

static inline int
dmem_cgroup_register_extension(const struct dmem_cgroup_extension *ext)
{
	return -ENODEV;
}

static inline void
dmem_cgroup_pool_ext_event(struct dmem_cgroup_pool_state *pool,
			   unsigned int event)
{
}

static inline void
dmem_cgroup_pool_ext_stat_add(struct dmem_cgroup_pool_state *pool,
			      unsigned int item, s64 delta)
{
}

static inline s64 dmem_cgroup_pool_ext_stat(struct dmem_cgroup_pool_state *pool,
					    unsigned int item)
{
	return 0;
}

static inline unsigned long *
dmem_cgroup_region_ext_data(struct dmem_cgroup_region *region)
{
	return NULL;
}

static inline
const char *dmem_cgroup_region_name(struct dmem_cgroup_region *region)
{
	return "";
}

static inline u64 dmem_cgroup_region_size(struct dmem_cgroup_region *region)
{
	return 0;
}

static inline void
dmem_cgroup_region_set_reclaim(struct dmem_cgroup_region *region,
			       const struct dmem_cgroup_ops *ops,
			       void *priv)
{
}

#endif /* CONFIG_CGROUP_DMEM */

#endif /* _LINUX_CGROUP_DMEM_H */
