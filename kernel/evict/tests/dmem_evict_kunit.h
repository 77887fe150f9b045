/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the KUnit suites of the eviction manager: a fake
 * device region over a hierarchy of pools built without cgroups, fake
 * owners charging those pools, and fake importers (prompt, slow,
 * never-acknowledging).
 *
 * The pools (detached pools of the controller's test interface,
 * kernel/devmem_cg/dmem_test.h):
 *
 *	root
 *	 `- a
 *	    |- b1
 *	    |   `- c1
 *	    `- b2
 *
 * Charges of the manager are redirected with a KUnit static stub from the
 * owner's cgroup to the pool of its struct dmem_kt_owner.
 */
#ifndef _KERNEL_EVICT_DMEM_EVICT_KUNIT_H
#define _KERNEL_EVICT_DMEM_EVICT_KUNIT_H

#include <kunit/test.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

#include "../../devmem_cg/dmem_test.h"
#include "dmem_evict_test_policy.h"
#include "../evict_internal.h"

/* The unit of buffer sizes in the tests. */
#define KT_U	4096ULL

#define KT_MAX_BUFS	640
#define KT_MAX_LOG	128
#define KT_MAX_IMPS	32

struct dmem_kt_buf;

/**
 * struct dmem_kt_region - a fake device region
 * @test: the test
 * @cg: its dmem region
 * @er: its eviction region
 * @root: pool of the root
 * @a: pool of a
 * @b1: pool of a/b1
 * @b2: pool of a/b2
 * @c1: pool of a/b1/c1
 * @lock: protects the log
 * @log: the buffers evicted, in order
 * @nr_log: entries in @log
 * @bufs: every buffer created, freed at exit if not freed
 * @nr_bufs: entries in @bufs
 * @imps: every importer attached, detached at exit if not detached
 * @nr_imps: entries in @imps
 */
struct dmem_kt_region {
	struct kunit *test;
	struct dmem_cgroup_region *cg;
	struct dmem_evict_region *er;
	struct dmem_cgroup_pool_state *root, *a, *b1, *b2, *c1;
	spinlock_t lock;	/* protects @log */
	struct dmem_kt_buf *log[KT_MAX_LOG];
	unsigned int nr_log;
	struct dmem_kt_buf *bufs[KT_MAX_BUFS];
	unsigned int nr_bufs;
	struct dmem_kt_importer *imps[KT_MAX_IMPS];
	unsigned int nr_imps;
};

/**
 * struct dmem_kt_owner - a fake client
 * @owner: the manager's owner
 * @pool: the pool its charges go to
 * @nr_evicted: evicted notifications received
 * @nr_revoked: revoked notifications received
 * @nr_revoke_failed: revoke-failed notifications received
 */
struct dmem_kt_owner {
	struct dmem_owner *owner;
	struct dmem_cgroup_pool_state *pool;
	atomic_t nr_evicted;
	atomic_t nr_revoked;
	atomic_t nr_revoke_failed;
};

/**
 * struct dmem_kt_buf - a fake buffer object
 * @buf: the manager's part
 * @kr: its region
 * @ko: its owner
 * @name: for messages
 * @evict_ret: what the evict op returns
 * @resv: if set, a lock the evict op takes as a driver's takes the
 *	buffer's dma-buf reservation: trylocked (-EBUSY if held) unless the
 *	manager says it may block
 * @nr_evict: evict op calls that succeeded
 * @nr_evict_blocking: those with may_block (the ends of revokes)
 * @nr_evict_busy: evict op calls that found @resv held (-EBUSY)
 * @nr_restore: restore op calls
 * @freed: dmem_buf_free() was called
 */
struct dmem_kt_buf {
	struct dmem_buf buf;
	struct dmem_kt_region *kr;
	struct dmem_kt_owner *ko;
	const char *name;
	int evict_ret;
	struct mutex *resv;	/* not owned: see above */
	atomic_t nr_evict;
	atomic_t nr_evict_blocking;
	atomic_t nr_evict_busy;
	atomic_t nr_restore;
	bool freed;
};

enum dmem_kt_mode {
	KT_PROMPT,	/* acks from revoke_notify */
	KT_SLOW,	/* acks from a work item a little later */
	KT_NEVER,	/* acks only when the test says so */
};

/**
 * struct dmem_kt_importer - a fake importer
 * @imp: the manager's part
 * @mode: how it acknowledges
 * @nr_notify: revoke_notify calls
 * @work: acks in %KT_SLOW mode
 * @attached: attached, to detach at exit
 */
struct dmem_kt_importer {
	struct dmem_importer imp;
	enum dmem_kt_mode mode;
	atomic_t nr_notify;
	struct delayed_work work;
	bool attached;
};

struct dmem_kt_region *dmem_kt_region_create(struct kunit *test, u64 capacity);
void dmem_kt_region_exit(struct kunit *test);
struct dmem_kt_owner *dmem_kt_owner(struct kunit *test,
				    struct dmem_cgroup_pool_state *pool);
struct dmem_kt_buf *dmem_kt_buf(struct kunit *test, struct dmem_kt_owner *ko,
				u64 size, const char *name);
struct dmem_kt_buf *dmem_kt_pinned_buf(struct kunit *test,
				       struct dmem_kt_owner *ko,
				       const char *name);
enum dmem_buf_state dmem_kt_state(struct dmem_kt_buf *kb);
struct dmem_evict_region_stats dmem_kt_stats(struct dmem_kt_region *kr);
void dmem_kt_free(struct dmem_kt_buf *kb);
struct dmem_kt_importer *dmem_kt_importer(struct kunit *test,
					  struct dmem_kt_buf *kb,
					  enum dmem_kt_mode mode);
void dmem_kt_detach(struct dmem_kt_importer *ki);
void dmem_kt_wait_idle(struct dmem_kt_buf *kb);

enum dmem_kt_limit {
	KT_MIN = DMEM_FILE_MIN,
	KT_LOW = DMEM_FILE_LOW,
	KT_MAX = DMEM_FILE_MAX,
	KT_PINNED_MAX = DMEM_FILE_PINNED_MAX,
};

void dmem_kt_set_limit(struct dmem_cgroup_pool_state *pool,
		       enum dmem_kt_limit which, u64 value);
void dmem_kt_set_policy(struct dmem_kt_region *kr, int policy,
			unsigned int timeout_ms);

s64 dmem_kt_event(struct dmem_cgroup_pool_state *pool,
		  enum dmem_cgroup_event event);
s64 dmem_kt_evict_event(struct dmem_cgroup_pool_state *pool,
			enum dmem_evict_event event);
s64 dmem_kt_stat(struct dmem_cgroup_pool_state *pool,
		 enum dmem_evict_stat item);
u64 dmem_kt_usage(struct dmem_cgroup_pool_state *pool);
u64 dmem_kt_pinned(struct dmem_cgroup_pool_state *pool);
u64 dmem_kt_used(struct dmem_kt_region *kr);

#endif /* _KERNEL_EVICT_DMEM_EVICT_KUNIT_H */
