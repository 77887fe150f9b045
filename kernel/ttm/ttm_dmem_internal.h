/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared between the files of kernel/ttm (charges, pins) and their tests.
 */
#ifndef _TTM_DMEM_INTERNAL_H
#define _TTM_DMEM_INTERNAL_H

#include <linux/dmem_policy.h>
#include <linux/list.h>
#include <linux/ttm_dmem.h>

struct ttm_buffer_object;
struct ttm_resource;
struct ttm_resource_manager;

/**
 * struct ttm_dmem_owner - an owner's pinned resources in one manager
 * @man: the manager
 * @tgid: the owner
 * @nr_pinned: its resources charged as pinned; the record goes at 0
 * @soft_bytes: the bytes of its soft-pinned resources
 * @soft: its soft-pinned resources (struct ttm_dmem_charge::soft_node),
 *	oldest first
 *
 * Locking: all fields but @man and @tgid under @man's xa_lock.
 */
struct ttm_dmem_owner {
	struct ttm_dmem_man *man;
	pid_t tgid;
	unsigned int nr_pinned;
	u64 soft_bytes;
	struct list_head soft;
};

int ttm_dmem_owner_get(struct ttm_dmem_man *dm, struct ttm_dmem_charge *charge,
		       u64 size);
void ttm_dmem_owner_put(struct ttm_dmem_charge *charge, u64 size);
enum dmem_pin_class ttm_dmem_pin_class(struct ttm_buffer_object *bo);
void ttm_dmem_classify(struct ttm_resource *res);
void ttm_dmem_revoke_wake(void);
void ttm_dmem_enomem(struct ttm_resource_manager *man, pid_t tgid, u64 size,
		     struct dmem_cgroup_pool_state *limit);

#endif /* _TTM_DMEM_INTERNAL_H */
