/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DRM clients as the owners of TTM buffer objects (kernel/ttm/).
 *
 * Every DRM file (struct drm_file) gets a struct ttm_dmem_client at open,
 * ttm_dmem_client_open(), which carries what the project's owners carry
 * (a struct dmem_owner: the opener's tgid and dmem cgroup). While one of
 * the file's ioctls runs, the client is the calling task's current client
 * (ttm_dmem_client_enter()/ttm_dmem_client_exit(), from drm_ioctl_kernel()),
 * and a buffer object initialized then (ttm_bo_init_reserved()) belongs to
 * it: its resources are charged to the client's cgroup, whichever task
 * later validates, restores or faults it in. A buffer object initialized
 * outside any client's ioctl (driver init, in-kernel clients, workers) is
 * the kernel's: it is charged to the root cgroup.
 *
 * The client keeps per-region counters of its buffer objects, printed in
 * the DRM file's fdinfo (ttm_dmem_client_show_fdinfo(), from
 * drm_show_fdinfo()). Closing the file drops the file's reference
 * (ttm_dmem_client_close()); buffer objects still alive (exported,
 * referenced by the driver) keep theirs, their charges and the counters
 * until they are freed.
 */
#ifndef _LINUX_TTM_DMEM_CLIENT_H
#define _LINUX_TTM_DMEM_CLIENT_H

#include <linux/err.h>
#include <linux/list.h>
#include <linux/types.h>

struct seq_file;
struct task_struct;
struct ttm_buffer_object;
struct ttm_dmem_client;
struct ttm_dmem_usage;

/**
 * struct ttm_dmem_scope - a client made current for the span of an ioctl
 * @node: entry in the registry of current clients, by task
 * @task: the task running the ioctl
 * @client: the client, or NULL (nothing registered)
 *
 * On the stack of drm_ioctl_kernel(); used by its task only.
 */
struct ttm_dmem_scope {
	struct hlist_node node;
	struct task_struct *task;
	struct ttm_dmem_client *client;
};

/**
 * struct ttm_dmem_bo - the owner of a TTM buffer object
 * @client: the client it belongs to, referenced; NULL for the kernel's
 * @home: the client's counters of the region it was last charged in (its
 *	drm-total-<region> counts it), or NULL
 *
 * Embedded in struct ttm_buffer_object. @client is set at init and never
 * changes; @home changes under the buffer object's reservation lock.
 */
struct ttm_dmem_bo {
	struct ttm_dmem_client *client;
	struct ttm_dmem_usage *home;
};

#if IS_ENABLED(CONFIG_DRM_TTM_DMEM)

struct ttm_dmem_client *ttm_dmem_client_open(u64 id);
void ttm_dmem_client_close(struct ttm_dmem_client *client);
void ttm_dmem_client_enter(struct ttm_dmem_scope *scope,
			   struct ttm_dmem_client *client);
void ttm_dmem_client_exit(struct ttm_dmem_scope *scope);
void ttm_dmem_client_show_fdinfo(struct seq_file *m,
				 struct ttm_dmem_client *client);
void ttm_dmem_bo_init(struct ttm_buffer_object *bo);
void ttm_dmem_bo_release(struct ttm_buffer_object *bo);

#else

static inline struct ttm_dmem_client *ttm_dmem_client_open(u64 id)
{
	return NULL;
}

static inline void ttm_dmem_client_close(struct ttm_dmem_client *client)
{
}

static inline void ttm_dmem_client_enter(struct ttm_dmem_scope *scope,
					 struct ttm_dmem_client *client)
{
}

static inline void ttm_dmem_client_exit(struct ttm_dmem_scope *scope)
{
}

static inline void ttm_dmem_client_show_fdinfo(struct seq_file *m,
					       struct ttm_dmem_client *client)
{
}

static inline void ttm_dmem_bo_init(struct ttm_buffer_object *bo)
{
}

static inline void ttm_dmem_bo_release(struct ttm_buffer_object *bo)
{
}

#endif /* CONFIG_DRM_TTM_DMEM */

#endif /* _LINUX_TTM_DMEM_CLIENT_H */
