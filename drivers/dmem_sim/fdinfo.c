// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: fdinfo of /dev/dmem_sim files, in the key style of DRM's
 * usage stats (Documentation/gpu/drm-usage-stats.rst), so that tools that
 * read GPU fdinfo read these files too:
 *
 *   drm-driver:	dmem_sim
 *   drm-client-id:	<unique id of the open file>
 *   drm-total-<region>:	<bytes of the file's buffers in the region>
 *   drm-resident-<region>:	<bytes of them in device memory>
 *   dmem-pinned-<region>:	<bytes of them resident and pinned>
 *   dmem-evicted-<region>:	<bytes evicted so far>
 *   dmem-revoked-<region>:	<bytes revoked so far>
 *
 * <region> is the dmem region's name (sim/<name>), as in the dmem cgroup
 * files. Sizes print like DRM's: in KiB or MiB when they divide exactly
 * (dmem_fdinfo_print_size(), shared with TTM's DRM clients).
 * A region gets lines from the file's first allocation in it on.
 *
 * Locking: sim_file::stats_lock (a mutex) protects the list of per-region
 * counters; the buffers are walked under the handle table's xa_lock
 * (inside stats_lock), which keeps every buffer alive, like DRM's
 * table_lock. Each buffer's state is read once: a buffer evicted or
 * revoked concurrently counts either as resident or not, never both; the
 * evicted and revoked counters grow when the owner is told, just after
 * the owner's own counters.
 */

#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/**
 * struct sim_fdinfo_region - a file's counters of one region
 * @node: entry in sim_file::stats (stats_lock)
 * @name: the region's name, without "sim/"
 * @evicted: bytes evicted so far
 * @revoked: bytes revoked so far
 * @total: scratch of sim_show_fdinfo(): bytes of buffers
 * @resident: scratch: bytes resident
 * @pinned: scratch: bytes resident and pinned
 */
struct sim_fdinfo_region {
	struct list_head node;
	char name[DMEM_SIM_NAME_LEN];
	u64 evicted;
	u64 revoked;
	u64 total;
	u64 resident;
	u64 pinned;
};

static struct sim_fdinfo_region *sim_fdinfo_find(struct sim_file *file,
						 const char *name)
{
	struct sim_fdinfo_region *r;

	lockdep_assert_held(&file->stats_lock);
	list_for_each_entry(r, &file->stats, node)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

/**
 * sim_fdinfo_add_region() - give a file counters for a buffer's region
 * @file: the file
 * @buf: a new buffer of it
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int sim_fdinfo_add_region(struct sim_file *file, struct sim_buf *buf)
{
	struct sim_fdinfo_region *r, *new;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	strscpy(new->name, buf->region->name, sizeof(new->name));

	mutex_lock(&file->stats_lock);
	r = sim_fdinfo_find(file, new->name);
	if (!r)
		list_add_tail(&new->node, &file->stats);
	mutex_unlock(&file->stats_lock);
	if (r)
		kfree(new);
	return 0;
}

/**
 * sim_fdinfo_count() - count an eviction or a revoke of a buffer
 * @buf: the buffer
 * @revoked: a revoke, not an eviction
 *
 * Context: process context (the owner's notify callback).
 */
void sim_fdinfo_count(struct sim_buf *buf, bool revoked)
{
	struct sim_file *file = buf->file;
	struct sim_fdinfo_region *r;

	mutex_lock(&file->stats_lock);
	r = sim_fdinfo_find(file, buf->region->name);
	/* Always found: added before the buffer got its handle. */
	if (r) {
		if (revoked)
			r->revoked += buf->size;
		else
			r->evicted += buf->size;
	}
	mutex_unlock(&file->stats_lock);
}

/* Free the counters of a file going away. */
void sim_fdinfo_free(struct sim_file *file)
{
	struct sim_fdinfo_region *r, *tmp;

	list_for_each_entry_safe(r, tmp, &file->stats, node)
		kfree(r);
}

/* Sum the file's buffers per region into the scratch counters. */
static void sim_fdinfo_sum(struct sim_file *file)
{
	struct sim_fdinfo_region *r;
	enum dmem_buf_state state;
	struct sim_buf *buf;
	unsigned long id;

	lockdep_assert_held(&file->stats_lock);
	list_for_each_entry(r, &file->stats, node) {
		r->total = 0;
		r->resident = 0;
		r->pinned = 0;
	}

	xa_lock(&file->bufs);
	xa_for_each(&file->bufs, id, buf) {
		r = sim_fdinfo_find(file, buf->region->name);
		if (!r)
			continue;
		r->total += buf->size;
		state = dmem_buf_state(&buf->dbuf);
		if (state == DMEM_BUF_EVICTED || state == DMEM_BUF_REVOKED)
			continue;
		r->resident += buf->size;
		if (dmem_buf_is_pinned(&buf->dbuf))
			r->pinned += buf->size;
	}
	xa_unlock(&file->bufs);
}

/**
 * sim_show_fdinfo() - the file_operations::show_fdinfo of /dev/dmem_sim
 * @m: the seq_file of /proc/PID/fdinfo/FD
 * @filp: the file
 *
 * Context: process context, may sleep.
 */
void sim_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct sim_file *file = filp->private_data;
	struct sim_fdinfo_region *r;

	seq_puts(m, "drm-driver:\tdmem_sim\n");
	seq_printf(m, "drm-client-id:\t%llu\n", file->client_id);

	mutex_lock(&file->stats_lock);
	sim_fdinfo_sum(file);
	list_for_each_entry(r, &file->stats, node) {
		dmem_fdinfo_print_size(m, "drm-total", "sim/", r->name, r->total);
		dmem_fdinfo_print_size(m, "drm-resident", "sim/", r->name, r->resident);
		dmem_fdinfo_print_size(m, "dmem-pinned", "sim/", r->name, r->pinned);
		dmem_fdinfo_print_size(m, "dmem-evicted", "sim/", r->name, r->evicted);
		dmem_fdinfo_print_size(m, "dmem-revoked", "sim/", r->name, r->revoked);
	}
	mutex_unlock(&file->stats_lock);
}
