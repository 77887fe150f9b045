/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TTM's side of the dmem cgroup controller: charging TTM resources.
 *
 * A TTM resource manager whose @cg (struct ttm_resource_manager) points to
 * a registered dmem region charges every resource allocated in it: the
 * bytes of the buffer object go to a dmem pool when the resource is
 * allocated and come back when it is freed, which is also what moving a
 * buffer object out of the manager does. While the buffer object is pinned
 * (ttm_bo_pin()) the bytes count as pinned too.
 *
 * Who is charged: the cgroup of the task that allocates the resource (the
 * task that creates, validates or restores the buffer object), as
 * dmem_cgroup_try_charge() does. DRM clients as owners come later.
 *
 * TTM calls these hooks from ttm_resource_alloc(), ttm_resource_free(),
 * ttm_bo_pin(), ttm_bo_unpin() and its eviction walk (kernel/ttm/ttm_dmem.c).
 * Drivers only give a manager its region: ttm_dmem_register_region() at
 * init, ttm_dmem_unregister_region() at teardown
 * (kernel/ttm/ttm_dmem_region.c).
 */
#ifndef _LINUX_TTM_DMEM_H
#define _LINUX_TTM_DMEM_H

#include <linux/types.h>

struct device;
struct dmem_cgroup_pool_state;
struct dmem_cgroup_region;
struct ttm_buffer_object;
struct ttm_resource;
struct ttm_resource_manager;

/**
 * struct ttm_dmem_charge - what a TTM resource has charged
 * @pool: the pool charged with the resource's size, with the reference
 *	the charge returned; NULL if nothing is charged
 * @pinned: the size is charged as pinned to @pool as well
 * @tgid: the thread group of the task charged, named by the dmem:* trace
 *	events of the resource (the owner, until DRM clients are owners)
 *
 * Embedded in struct ttm_resource. Locking: written by the thread that
 * allocates the resource before ttm_resource_alloc() returns it, then only
 * under the reservation lock of the buffer object the resource belongs to
 * (pin, unpin, free), so no lock of its own.
 */
struct ttm_dmem_charge {
	struct dmem_cgroup_pool_state *pool;
	bool pinned;
	pid_t tgid;
};

/**
 * struct ttm_dmem_evict - the dmem scope of one eviction walk
 * @limit: the pool whose dmem.max the allocation hit, with a reference;
 *	NULL when the manager itself is full
 * @ignore_low: the walk may take memory below its pool's effective low
 * @hit_low: a candidate was skipped only because of its low protection
 * @victim: the pool of the victim being evicted (referenced), from
 *	ttm_dmem_evict_begin() to ttm_dmem_evict_end()
 * @victim_low: @victim is below its effective low protection
 * @victim_bytes: the size of the victim's resource, for its trace event
 * @victim_tgid: the tgid its charge recorded, for the same
 *
 * Embedded in TTM's eviction walk; used by one thread only.
 */
struct ttm_dmem_evict {
	struct dmem_cgroup_pool_state *limit;
	bool ignore_low;
	bool hit_low;
	struct dmem_cgroup_pool_state *victim;
	bool victim_low;
	u64 victim_bytes;
	pid_t victim_tgid;
};

#if IS_ENABLED(CONFIG_DRM_TTM_DMEM)

int ttm_dmem_try_charge(struct dmem_cgroup_region *region, u64 size,
			struct dmem_cgroup_pool_state **ret_pool,
			struct dmem_cgroup_pool_state **ret_limit_pool);
int ttm_dmem_charge(struct ttm_resource_manager *man,
		    struct ttm_buffer_object *bo, struct ttm_dmem_charge *charge,
		    struct dmem_cgroup_pool_state **ret_limit_pool);
void ttm_dmem_cancel(struct ttm_buffer_object *bo,
		     struct ttm_dmem_charge *charge);
void ttm_dmem_commit(struct ttm_resource *res, struct ttm_dmem_charge *charge);
void ttm_dmem_uncharge(struct ttm_resource *res);
int ttm_dmem_pin(struct ttm_buffer_object *bo);
void ttm_dmem_unpin(struct ttm_buffer_object *bo);
bool ttm_dmem_evict_begin(struct ttm_dmem_evict *ev,
			  struct ttm_buffer_object *bo);
void ttm_dmem_evict_end(struct ttm_dmem_evict *ev, bool evicted);
void ttm_dmem_evict_set_limit(struct ttm_dmem_evict *ev,
			      struct dmem_cgroup_pool_state *limit);
bool ttm_dmem_evict_retry_low(struct ttm_dmem_evict *ev);
void ttm_dmem_evict_fini(struct ttm_dmem_evict *ev);

int ttm_dmem_register_region(struct ttm_resource_manager *man,
			     struct device *dev, const char *name, u64 size);
void ttm_dmem_unregister_region(struct ttm_resource_manager *man);

#else

static inline int ttm_dmem_register_region(struct ttm_resource_manager *man,
					   struct device *dev,
					   const char *name, u64 size)
{
	return 0;
}

static inline void ttm_dmem_unregister_region(struct ttm_resource_manager *man)
{
}

static inline int ttm_dmem_charge(struct ttm_resource_manager *man,
				  struct ttm_buffer_object *bo,
				  struct ttm_dmem_charge *charge,
				  struct dmem_cgroup_pool_state **ret_limit_pool)
{
	charge->pool = NULL;
	charge->pinned = false;
	if (ret_limit_pool)
		*ret_limit_pool = NULL;
	return 0;
}

static inline void ttm_dmem_cancel(struct ttm_buffer_object *bo,
				   struct ttm_dmem_charge *charge)
{
}

static inline void ttm_dmem_commit(struct ttm_resource *res,
				   struct ttm_dmem_charge *charge)
{
}

static inline void ttm_dmem_uncharge(struct ttm_resource *res)
{
}

static inline int ttm_dmem_pin(struct ttm_buffer_object *bo)
{
	return 0;
}

static inline void ttm_dmem_unpin(struct ttm_buffer_object *bo)
{
}

static inline bool ttm_dmem_evict_begin(struct ttm_dmem_evict *ev,
					struct ttm_buffer_object *bo)
{
	return true;
}

static inline void ttm_dmem_evict_end(struct ttm_dmem_evict *ev, bool evicted)
{
}

static inline void ttm_dmem_evict_set_limit(struct ttm_dmem_evict *ev,
					    struct dmem_cgroup_pool_state *limit)
{
}

static inline bool ttm_dmem_evict_retry_low(struct ttm_dmem_evict *ev)
{
	return false;
}

static inline void ttm_dmem_evict_fini(struct ttm_dmem_evict *ev)
{
}

#endif /* CONFIG_DRM_TTM_DMEM */

#endif /* _LINUX_TTM_DMEM_H */
