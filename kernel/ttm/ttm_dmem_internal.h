/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between the files of kernel/ttm (charges, pins) and their tests.
 */
#ifndef _TTM_DMEM_INTERNAL_H
#define _TTM_DMEM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/dmem_policy.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ttm_dmem.h>

struct ttm_buffer_object;
struct ttm_operation_ctx;
struct ttm_resource;
struct ttm_resource_manager;

struct dmem_owner;
struct seq_file;

/**
 * struct ttm_dmem_client - a DRM client, the owner of TTM buffer objects
 * @ref: one reference from the DRM file, one per buffer object it owns
 * @owner: the project's owner: the opener's tgid and dmem cgroup
 * @id: the DRM file's client id (drm-client-id), unique, never 0
 * @lock: guards @usage
 * @usage: struct ttm_dmem_usage, one per region the client charged in
 *
 * See kernel/ttm/ttm_dmem_client.c.
 */
struct ttm_dmem_client {
	struct kref ref;
	struct dmem_owner *owner;
	u64 id;
	struct mutex lock;	/* guards @usage */
	struct list_head usage;
};

/* The counters of struct ttm_dmem_usage, in fdinfo's order. */
enum ttm_dmem_usage_item {
	TTM_DMEM_USAGE_TOTAL,
	TTM_DMEM_USAGE_RESIDENT,
	TTM_DMEM_USAGE_PINNED,
	TTM_DMEM_USAGE_EVICTED,
	TTM_DMEM_USAGE_REVOKED,
	TTM_DMEM_USAGE_NR,
};

/**
 * struct ttm_dmem_usage - a client's counters of one region, in bytes
 * @node: entry in ttm_dmem_client::usage, under its lock
 * @name: the region's name
 * @bytes: by enum ttm_dmem_usage_item, atomic
 * @revoke_failures: revokes that ended the pins of a buffer object but
 *	could not evict it (a count), atomic
 *
 * See kernel/ttm/ttm_dmem_usage.c.
 */
struct ttm_dmem_usage {
	struct list_head node;
	const char *name;
	atomic64_t bytes[TTM_DMEM_USAGE_NR];
	atomic64_t revoke_failures;
};

void ttm_dmem_client_put(struct ttm_dmem_client *client);
pid_t ttm_dmem_bo_tgid(const struct ttm_buffer_object *bo);
unsigned long ttm_dmem_client_key(const struct ttm_dmem_client *client);
struct ttm_dmem_usage *ttm_dmem_usage_get(struct ttm_dmem_client *client,
					  struct dmem_cgroup_region *region);
void ttm_dmem_usage_add(struct ttm_dmem_usage *u, enum ttm_dmem_usage_item item,
			s64 bytes);
void ttm_dmem_usage_home(struct ttm_buffer_object *bo,
			 struct ttm_dmem_usage *home);
void ttm_dmem_usage_free(struct ttm_dmem_client *client);

/**
 * struct ttm_dmem_owner - an owner's pinned resources in one manager
 * @man: the manager
 * @client: the owner, a DRM client, or NULL for the kernel's buffer
 *	objects; the records are indexed by ttm_dmem_client_key()
 * @nr_pinned: its resources charged as pinned; the record goes at 0
 * @soft_bytes: the bytes of its soft-pinned resources
 * @soft: its soft-pinned resources (struct ttm_dmem_charge::soft_node),
 *	oldest first
 *
 * Locking: all fields but @man and @client under @man's xa_lock. @client
 * is alive while the record is: each of its pinned resources belongs to a
 * buffer object that holds a reference on it.
 */
struct ttm_dmem_owner {
	struct ttm_dmem_man *man;
	struct ttm_dmem_client *client;
	unsigned int nr_pinned;
	u64 soft_bytes;
	struct list_head soft;
};

int ttm_dmem_owner_get(struct ttm_dmem_man *dm, struct ttm_buffer_object *bo,
		       struct ttm_dmem_charge *charge, u64 size);
void ttm_dmem_owner_put(struct ttm_dmem_charge *charge, u64 size);
enum dmem_pin_class ttm_dmem_pin_class(struct ttm_buffer_object *bo);
void ttm_dmem_classify(struct ttm_resource *res);
void ttm_dmem_lru_follow_pins(struct ttm_buffer_object *bo);
void ttm_dmem_revoke_wake(void);
void ttm_dmem_revoke_released(struct ttm_buffer_object *bo);
int ttm_dmem_revoke_evict_bo(struct ttm_buffer_object *bo,
			     struct ttm_operation_ctx *ctx);
void ttm_dmem_enomem(struct ttm_resource_manager *man,
		     struct ttm_buffer_object *evictor,
		     struct dmem_cgroup_pool_state *limit);

#endif /* _TTM_DMEM_INTERNAL_H */
