// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM clients as the owners of TTM buffer objects (see
 * include/linux/ttm_dmem_client.h for the contract).
 *
 * A client is created when its DRM file opens and wraps a struct
 * dmem_owner, created by the opening task: its tgid and its dmem cgroup.
 * Buffer objects initialized during one of the file's ioctls take a
 * reference on it, and their resources are charged to the owner's cgroup
 * (dmem_owner_try_charge()), like /dev/dmem_sim's buffers: the cgroup the
 * file was opened in, whichever cgroup the process is in by then. Moving
 * the process therefore moves nothing: charges made stay where they are,
 * and new ones still go to the opener's cgroup (or, once that cgroup is
 * removed, its nearest live ancestor). Buffer objects of no client (the
 * kernel's) are charged to the root cgroup.
 *
 * The current client of a task is found in a small registry of the ioctls
 * running, hashed by task: drm_ioctl_kernel() puts a struct ttm_dmem_scope
 * on its stack for the span of the ioctl. A task runs one ioctl at a time;
 * should one nest, the innermost wins.
 *
 * Lifetimes: the client, a kref: one reference from the DRM file (dropped
 * at close), one per buffer object it owns (dropped when the buffer object
 * is freed, after its last resource). The client's counters
 * (struct ttm_dmem_usage, kernel/ttm/ttm_dmem_usage.c) live as long as the
 * client, so resources and buffer objects point to them without a
 * reference.
 *
 * Locking: each registry bucket's spinlock guards its list; a scope is
 * added and removed by its own task, and only that task looks itself up.
 */

#include <kunit/static_stub.h>
#include <linux/cgroup.h>
#include <linux/cgroup_dmem.h>
#include <linux/dmem_evict.h>
#include <linux/hash.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/ttm_dmem.h>
#include <drm/ttm/ttm_bo.h>

#include "ttm_dmem_internal.h"

#define TTM_DMEM_SCOPE_BITS	6

/**
 * struct ttm_dmem_scopes - one bucket of the registry of current clients
 * @lock: guards @head
 * @head: struct ttm_dmem_scope of the tasks hashed here, innermost first
 */
struct ttm_dmem_scopes {
	spinlock_t lock;	/* guards @head */
	struct hlist_head head;
};

static struct ttm_dmem_scopes ttm_dmem_scopes[1 << TTM_DMEM_SCOPE_BITS] = {
	[0 ... (1 << TTM_DMEM_SCOPE_BITS) - 1] = {
		.lock = __SPIN_LOCK_UNLOCKED(ttm_dmem_scopes.lock),
	},
};

static struct ttm_dmem_scopes *ttm_dmem_scopes_of(struct task_struct *task)
{
	return &ttm_dmem_scopes[hash_ptr(task, TTM_DMEM_SCOPE_BITS)];
}

/**
 * ttm_dmem_client_open() - the owner of a DRM file's buffer objects
 * @id: the file's client id (drm_file::client_id), unique
 *
 * Called by drm_file_alloc(): the client records the current task's tgid
 * and dmem cgroup.
 *
 * Context: process context, may sleep.
 * Return: the client, with the file's reference; ERR_PTR(-ENOMEM).
 */
struct ttm_dmem_client *ttm_dmem_client_open(u64 id)
{
	struct ttm_dmem_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return ERR_PTR(-ENOMEM);
	client->owner = dmem_owner_create(NULL, client);
	if (!client->owner) {
		kfree(client);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&client->ref);
	client->id = id;
	mutex_init(&client->lock);
	INIT_LIST_HEAD(&client->usage);
	return client;
}
EXPORT_SYMBOL_GPL(ttm_dmem_client_open);

static void ttm_dmem_client_release(struct kref *ref)
{
	struct ttm_dmem_client *client =
		container_of(ref, struct ttm_dmem_client, ref);

	ttm_dmem_usage_free(client);
	dmem_owner_put(client->owner);
	mutex_destroy(&client->lock);
	kfree(client);
}

/**
 * ttm_dmem_client_put() - drop a reference on a client
 * @client: the client, or NULL
 *
 * Context: any context but atomic: the last reference frees the owner.
 */
void ttm_dmem_client_put(struct ttm_dmem_client *client)
{
	if (client)
		kref_put(&client->ref, ttm_dmem_client_release);
}

/**
 * ttm_dmem_client_close() - the DRM file of a client closed
 * @client: the client, or NULL or an error pointer (nothing to do)
 *
 * Drops the file's reference. Called by drm_file_free() after the file's
 * GEM handles are gone; buffer objects still alive keep the client.
 *
 * Context: process context.
 */
void ttm_dmem_client_close(struct ttm_dmem_client *client)
{
	if (!IS_ERR_OR_NULL(client))
		ttm_dmem_client_put(client);
}
EXPORT_SYMBOL_GPL(ttm_dmem_client_close);

/**
 * ttm_dmem_client_enter() - make a client current for an ioctl
 * @scope: on the caller's stack, until ttm_dmem_client_exit()
 * @client: the client of the DRM file whose ioctl runs, or NULL
 *
 * Buffer objects the current task initializes until
 * ttm_dmem_client_exit(@scope) belong to @client.
 *
 * Context: process context.
 */
void ttm_dmem_client_enter(struct ttm_dmem_scope *scope,
			   struct ttm_dmem_client *client)
{
	struct ttm_dmem_scopes *b;

	scope->client = IS_ERR(client) ? NULL : client;
	if (!scope->client)
		return;
	scope->task = current;
	b = ttm_dmem_scopes_of(current);
	spin_lock(&b->lock);
	hlist_add_head(&scope->node, &b->head);
	spin_unlock(&b->lock);
}
EXPORT_SYMBOL_GPL(ttm_dmem_client_enter);

/**
 * ttm_dmem_client_exit() - the ioctl of ttm_dmem_client_enter() returned
 * @scope: what ttm_dmem_client_enter() registered
 *
 * Context: process context, the task that entered.
 */
void ttm_dmem_client_exit(struct ttm_dmem_scope *scope)
{
	struct ttm_dmem_scopes *b;

	if (!scope->client)
		return;
	b = ttm_dmem_scopes_of(scope->task);
	spin_lock(&b->lock);
	hlist_del(&scope->node);
	spin_unlock(&b->lock);
}
EXPORT_SYMBOL_GPL(ttm_dmem_client_exit);

/* The current task's innermost client, referenced, or NULL. */
static struct ttm_dmem_client *ttm_dmem_client_current(void)
{
	struct ttm_dmem_scopes *b = ttm_dmem_scopes_of(current);
	struct ttm_dmem_client *client = NULL;
	struct ttm_dmem_scope *scope;

	spin_lock(&b->lock);
	hlist_for_each_entry(scope, &b->head, node) {
		if (scope->task == current) {
			client = scope->client;
			kref_get(&client->ref);
			break;
		}
	}
	spin_unlock(&b->lock);
	return client;
}

/**
 * ttm_dmem_bo_init() - give a new buffer object its owner
 * @bo: the buffer object, from the start of ttm_bo_init_reserved()
 *
 * The current task's client (the DRM file whose ioctl runs), or none: a
 * buffer object of the kernel.
 *
 * Context: process context.
 */
void ttm_dmem_bo_init(struct ttm_buffer_object *bo)
{
	bo->dmem.client = ttm_dmem_client_current();
	bo->dmem.home = NULL;
}
EXPORT_SYMBOL_GPL(ttm_dmem_bo_init);

/**
 * ttm_dmem_bo_release() - a buffer object is freed
 * @bo: the buffer object, without a resource, just before its destroy
 *
 * Its bytes leave its client's drm-total of the region it lived in, and
 * its reference on the client goes.
 *
 * Context: process context (TTM's release or its delayed-delete work).
 */
void ttm_dmem_bo_release(struct ttm_buffer_object *bo)
{
	ttm_dmem_usage_home(bo, NULL);
	ttm_dmem_client_put(bo->dmem.client);
	bo->dmem.client = NULL;
}
EXPORT_SYMBOL_GPL(ttm_dmem_bo_release);

/**
 * ttm_dmem_bo_tgid() - the tgid a buffer object's events name
 * @bo: the buffer object
 *
 * Return: its client's opener's tgid; 0 for the kernel's.
 */
pid_t ttm_dmem_bo_tgid(const struct ttm_buffer_object *bo)
{
	return bo->dmem.client ? dmem_owner_tgid(bo->dmem.client->owner) : 0;
}

/**
 * ttm_dmem_client_key() - a client's index among a manager's pin records
 * @client: the client, or NULL for the kernel
 *
 * Return: its DRM client id (never 0); 0 for the kernel.
 */
unsigned long ttm_dmem_client_key(const struct ttm_dmem_client *client)
{
	return client ? client->id : 0;
}

/**
 * ttm_dmem_try_charge() - charge a buffer object's owner
 * @client: the owner, or NULL for the kernel (the root cgroup)
 * @region: the manager's dmem region
 * @size: bytes
 * @ret_pool: the pool charged, see dmem_cgroup_try_charge()
 * @ret_limit_pool: the pool whose limit was hit, see the same
 *
 * The one place TTM charges; the KUnit suites redirect it to pools built
 * without cgroups.
 *
 * Context: process context, may sleep.
 * Return: as dmem_cgroup_try_charge().
 */
int ttm_dmem_try_charge(struct ttm_dmem_client *client,
			struct dmem_cgroup_region *region, u64 size,
			struct dmem_cgroup_pool_state **ret_pool,
			struct dmem_cgroup_pool_state **ret_limit_pool)
{
	struct cgroup_subsys_state *root;
	int ret;

	KUNIT_STATIC_STUB_REDIRECT(ttm_dmem_try_charge, client, region, size,
				   ret_pool, ret_limit_pool);
	if (client)
		return dmem_owner_try_charge(client->owner, region, size,
					     ret_pool, ret_limit_pool);
	root = dmem_cgroup_get_task_css(&init_task);
	ret = dmem_cgroup_try_charge_css(root, region, size, ret_pool,
					 ret_limit_pool);
	css_put(root);
	return ret;
}
EXPORT_SYMBOL_GPL(ttm_dmem_try_charge);
