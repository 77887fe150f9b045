// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem_sim: the misc device /dev/dmem_sim and its files. Each open file is
 * one dmem owner, created for the opening task: its buffers are charged to
 * that task's cgroup wherever the file goes afterwards (fork, fd passing):
 * device memory to its dmem cgroup, and the system memory that holds a
 * buffer outside device memory to its memory cgroup.
 *
 * Closing the file drops its buffer handles; buffers still exported live
 * on with their dma-bufs.
 */

#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/* Order: see sim.h. Protects sim_files and the region list of region.c. */
DEFINE_MUTEX(sim_lock);
/* All open files, for device-wide events (sim_lock). */
static LIST_HEAD(sim_files);
/* The last drm-client-id given out. */
static atomic64_t sim_client_ids = ATOMIC64_INIT(0);

static void sim_file_release_kref(struct kref *ref)
{
	struct sim_file *file = container_of(ref, struct sim_file, ref);

	dmem_owner_put(file->owner);
	mem_cgroup_put(file->memcg);
	sim_fdinfo_free(file);
	xa_destroy(&file->bufs);
	dmem_evq_fini(&file->events);
	kfree(file);
}

/* Context: process context. */
void sim_file_put(struct sim_file *file)
{
	kref_put(&file->ref, sim_file_release_kref);
}

/* The queue fills in the record's first fields. */
static_assert(offsetof(struct dmem_sim_event, seq) ==
	      offsetof(struct dmem_evq_header, seq));
static_assert(offsetof(struct dmem_sim_event, time_ns) ==
	      offsetof(struct dmem_evq_header, time_ns));

/**
 * sim_event_post() - queue an event record for a file
 * @file: the file
 * @type: DMEM_SIM_EVENT_*
 * @handle: the buffer's handle, or 0
 * @size: bytes of the buffer, or 0
 * @region: the region's name
 *
 * Context: process context; takes the queue's spinlock.
 */
void sim_event_post(struct sim_file *file, u32 type, u32 handle, u64 size,
		    const char *region)
{
	struct dmem_sim_event rec = {
		.type = type,
		.handle = handle,
		.size = size,
	};

	strscpy(rec.region, region, sizeof(rec.region));
	dmem_evq_post(&file->events, &rec);
}

/**
 * sim_post_all() - queue a device-wide event on every open file
 * @type: DMEM_SIM_EVENT_*
 * @region: the region concerned
 */
void sim_post_all(u32 type, const char *region)
{
	struct sim_file *file;

	mutex_lock(&sim_lock);
	list_for_each_entry(file, &sim_files, node)
		sim_event_post(file, type, 0, 0, region);
	mutex_unlock(&sim_lock);
}

static int sim_open(struct inode *inode, struct file *filp)
{
	struct sim_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL_ACCOUNT);
	if (!file)
		return -ENOMEM;
	if (dmem_evq_init(&file->events, sizeof(struct dmem_sim_event),
			  SIM_EVENTS_MAX)) {
		kfree(file);
		return -ENOMEM;
	}
	kref_init(&file->ref);
	xa_init_flags(&file->bufs, XA_FLAGS_ALLOC1);
	mutex_init(&file->stats_lock);
	INIT_LIST_HEAD(&file->stats);
	file->client_id = atomic64_inc_return(&sim_client_ids);
	file->owner = dmem_owner_create(&sim_owner_ops, file);
	if (!file->owner) {
		dmem_evq_fini(&file->events);
		kfree(file);
		return -ENOMEM;
	}
	file->memcg = get_mem_cgroup_from_current();

	mutex_lock(&sim_lock);
	list_add_tail(&file->node, &sim_files);
	mutex_unlock(&sim_lock);
	filp->private_data = file;
	return nonseekable_open(inode, filp);
}

static int sim_release(struct inode *inode, struct file *filp)
{
	struct sim_file *file = filp->private_data;
	struct sim_buf *buf;
	unsigned long id;

	xa_for_each(&file->bufs, id, buf) {
		xa_erase(&file->bufs, id);
		sim_buf_drop_user_pins(buf);
		sim_buf_put(buf);
	}

	mutex_lock(&sim_lock);
	list_del(&file->node);
	mutex_unlock(&sim_lock);
	sim_file_put(file);
	return 0;
}

static ssize_t sim_read(struct file *filp, char __user *ubuf, size_t len,
			loff_t *ppos)
{
	struct sim_file *file = filp->private_data;

	return dmem_evq_read(&file->events, ubuf, len,
			       filp->f_flags & O_NONBLOCK);
}

static __poll_t sim_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct sim_file *file = filp->private_data;

	return dmem_evq_poll(&file->events, filp, wait);
}

static const struct file_operations sim_fops = {
	.owner = THIS_MODULE,
	.open = sim_open,
	.release = sim_release,
	.read = sim_read,
	.poll = sim_poll,
	.mmap = sim_mmap,
	.unlocked_ioctl = sim_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = sim_show_fdinfo,
};

static struct miscdevice sim_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmem_sim",
	.fops = &sim_fops,
	/* Anyone may own buffers; region ops check CAP_SYS_ADMIN. */
	.mode = 0666,
};

static int __init sim_init(void)
{
	return misc_register(&sim_misc);
}

/* Built in only: regions outlive files, nothing may unload under them. */
device_initcall(sim_init);

MODULE_DESCRIPTION("Simulated device memory for the dmem cgroup controller");
MODULE_LICENSE("GPL");
