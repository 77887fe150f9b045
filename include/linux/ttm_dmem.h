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
 * Who is charged: the buffer object's owner, the DRM client (struct
 * drm_file) during whose ioctl it was initialized, in the cgroup that
 * client's file was opened in, whichever task allocates the resource; the
 * root cgroup for a buffer object of the kernel (initialized outside any
 * client's ioctl). See include/linux/ttm_dmem_client.h.
 *
 * Pins are hard or soft. A buffer object pinned only by dma-buf importers
 * that accept a revoke (drm_gem_map_attach() counts their pins in
 * drm_gem_object::dmem_soft_pins) is soft-pinned; any other pin, the
 * driver's own (scanout, kernel objects) or an importer's without
 * revoke_notify, makes it hard-pinned. Both count in dmem.pinned.current.
 * The manager keeps the pinned and soft-pinned bytes of each owner
 * (struct ttm_dmem_man), so that the eviction walk decides from byte
 * totals, before evicting anything, whether a request can succeed: an
 * owner's own pinned bytes never make room for it (kernel/ttm/ttm_dmem_pin.c).
 *
 * TTM calls these hooks from ttm_resource_alloc(), ttm_resource_free(),
 * ttm_bo_pin(), ttm_bo_unpin() and its eviction walk (kernel/ttm/ttm_dmem.c).
 * Drivers only give a manager its region: ttm_dmem_register_region() at
 * init, ttm_dmem_unregister_region() at teardown
 * (kernel/ttm/ttm_dmem_region.c). A DRM driver that charges a region
 * itself registers it with drmm_cgroup_register_region() (upstream's call,
 * declared by upstream in <drm/drm_drv.h>, here), which unregisters it at
 * the drm_device's release.
 */
#ifndef _LINUX_TTM_DMEM_H
#define _LINUX_TTM_DMEM_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/ttm_dmem_client.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct device;
struct dmem_cgroup_init;
struct dmem_cgroup_pool_state;
struct dmem_cgroup_region;
struct drm_device;
struct ttm_buffer_object;
struct ttm_operation_ctx;
struct ttm_place;
struct ttm_resource;
struct ttm_resource_manager;
struct ttm_dmem_owner;
struct ttm_dmem_usage;

/**
 * struct ttm_dmem_man - the pinned bytes of a resource manager's owners
 * @owners: struct ttm_dmem_owner by client (ttm_dmem_client_key()), for
 *	the owners with pinned
 *	resources in the manager; its lock (xa_lock()) guards all of this
 *	structure and the owners' byte counts and lists
 * @pinned_bytes: bytes of the manager's resources charged as pinned
 * @soft_bytes: of those, the bytes of soft-pinned buffer objects
 * @stamp: the age of the last resource that became soft-pinned
 *
 * Embedded in struct ttm_resource_manager (ttm_dmem_man_init() at the
 * manager's init). The eviction walk reads the byte counts to decide
 * whether a request can succeed before it evicts anything.
 */
struct ttm_dmem_man {
	struct xarray owners;
	u64 pinned_bytes;
	u64 soft_bytes;
	u64 stamp;
};

/**
 * struct ttm_dmem_charge - what a TTM resource has charged
 * @pool: the pool charged with the resource's size, with the reference
 *	the charge returned; NULL if nothing is charged
 * @pinned: the size is charged as pinned to @pool as well
 * @soft: the buffer object is soft-pinned: only importers that accept a
 *	revoke pin it (drm_gem_object::dmem_soft_pins); under @owner's lock
 * @tgid: the tgid of the owner's opener (0 for the kernel's buffer
 *	objects), named by the dmem:* trace events of the resource
 * @usage: the owner's counters of the region (fdinfo), or NULL
 * @owner: while @pinned, the owner's pinned-bytes record in the manager
 * @soft_node: while @soft, on @owner's list of soft-pinned resources,
 *	oldest first; under @owner's lock
 * @stamp: while @soft, when it became soft-pinned (ttm_dmem_man::stamp)
 * @revoking: while @soft, its importers were told of a revoke: no other
 *	request picks it (kernel/ttm/ttm_dmem_revoke.c); under @owner's lock
 *
 * Embedded in struct ttm_resource. Locking: written by the thread that
 * allocates the resource before ttm_resource_alloc() returns it, then only
 * under the reservation lock of the buffer object the resource belongs to
 * (pin, unpin, free); @soft and @soft_node are also read under the lock of
 * the manager's struct ttm_dmem_man.
 */
struct ttm_dmem_charge {
	struct dmem_cgroup_pool_state *pool;
	bool pinned;
	bool soft;
	pid_t tgid;
	struct ttm_dmem_usage *usage;
	struct ttm_dmem_owner *owner;
	struct list_head soft_node;
	u64 stamp;
	bool revoking;
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
 * @victim_usage: its owner's counters of the region, for fdinfo
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
	struct ttm_dmem_usage *victim_usage;
};

/*
 * TTM's own eviction of one buffer object, in drivers/gpu/drm/ttm/ttm_bo.c
 * (no longer static since kernel/patches/0014): the revoker moves its
 * victim out with it while it still holds the victim's reservation.
 */
int ttm_bo_evict(struct ttm_buffer_object *bo, struct ttm_operation_ctx *ctx);

#if IS_ENABLED(CONFIG_DRM_TTM_DMEM)

void ttm_dmem_man_init(struct ttm_dmem_man *dm);
void ttm_dmem_pins_changed(struct ttm_buffer_object *bo);
bool ttm_dmem_evict_may_succeed(struct ttm_resource_manager *man,
				struct ttm_buffer_object *evictor,
				struct dmem_cgroup_pool_state *limit);
int ttm_dmem_revoke_one(struct ttm_resource_manager *man,
			struct ttm_buffer_object *evictor,
			const struct ttm_place *place,
			struct ttm_operation_ctx *ctx,
			struct ttm_resource **res,
			struct ttm_dmem_evict *ev);
int ttm_dmem_try_charge(struct ttm_dmem_client *client,
			struct dmem_cgroup_region *region, u64 size,
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
struct dmem_cgroup_region *
drmm_cgroup_register_region(struct drm_device *dev, const char *region_name,
			    const struct dmem_cgroup_init *init);

#else

static inline void ttm_dmem_man_init(struct ttm_dmem_man *dm)
{
}

static inline void ttm_dmem_pins_changed(struct ttm_buffer_object *bo)
{
}

static inline bool
ttm_dmem_evict_may_succeed(struct ttm_resource_manager *man,
			   struct ttm_buffer_object *evictor,
			   struct dmem_cgroup_pool_state *limit)
{
	return true;
}

static inline int ttm_dmem_revoke_one(struct ttm_resource_manager *man,
				      struct ttm_buffer_object *evictor,
				      const struct ttm_place *place,
				      struct ttm_operation_ctx *ctx,
				      struct ttm_resource **res,
				      struct ttm_dmem_evict *ev)
{
	return 0;
}

static inline int ttm_dmem_register_region(struct ttm_resource_manager *man,
					   struct device *dev,
					   const char *name, u64 size)
{
	return 0;
}

static inline void ttm_dmem_unregister_region(struct ttm_resource_manager *man)
{
}

static inline struct dmem_cgroup_region *
drmm_cgroup_register_region(struct drm_device *dev, const char *region_name,
			    const struct dmem_cgroup_init *init)
{
	return NULL;
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
